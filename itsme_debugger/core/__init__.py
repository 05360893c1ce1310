"""The protocol core: pure functions over plain data.

No Qt, no httpx, no asyncio, no sockets (enforced by import-linter, see pyproject.toml).
Requests are built as :class:`~itsme_debugger.core.http.HttpRequest` values and responses
are processed from :class:`~itsme_debugger.core.http.HttpResponse` values; whatever sends
them lives in ``itsme_debugger.net``.
"""
