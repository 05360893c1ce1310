"""Copy as curl: one request of the timeline as a POSIX shell command.

Every argument is quoted with :func:`shlex.quote`; the body goes in ``--data-raw`` (curl then
sends it as it is, ``@`` included); the headers as ``-H``, except the ones curl writes itself
(``Host``, ``Content-Length``, ``Connection``) and ``Accept-Encoding``, which becomes
``--compressed`` so that curl decodes the answer. Secrets are masked (see
:mod:`itsme_debugger.export.redact`) unless ``reveal``: a masked command shows the request,
it does not replay it.
"""

from __future__ import annotations

import shlex

from itsme_debugger.core.http import HttpRequest

from .redact import Redactor

#: Headers curl computes itself; copying them would make the command wrong after an edit.
_CURL_SETS = frozenset({"host", "content-length", "connection"})


def _groups(request: HttpRequest, reveal: bool) -> list[list[str]]:
    """The command's words, grouped by option: the first group is curl, method and URL."""
    shown = Redactor(reveal=reveal).request(request)
    body = shown.body.decode("utf-8", errors="replace")
    first = ["curl"]
    if shown.method.upper() != ("POST" if body else "GET"):
        first += ["-X", shown.method]
    groups = [[*first, shown.url]]
    compressed = False
    for name, value in shown.headers:
        lname = name.lower()
        if lname in _CURL_SETS:
            continue
        if lname == "accept-encoding":
            compressed = True
            continue
        groups.append(["-H", f"{name}: {value}" if value else f"{name};"])
    if compressed:
        groups.append(["--compressed"])
    if body:
        groups.append(["--data-raw", body])
    return groups


def curl_argv(request: HttpRequest, *, reveal: bool = False) -> list[str]:
    """The argument vector of the curl command for ``request``."""
    return [word for group in _groups(request, reveal) for word in group]


def to_curl(request: HttpRequest, *, reveal: bool = False, multiline: bool = True) -> str:
    """``request`` as a curl command line, masked unless ``reveal``.

    ``multiline`` puts each option on its own line, joined by `` \\`` continuations.
    """
    lines = [" ".join(shlex.quote(w) for w in group) for group in _groups(request, reveal)]
    return (" \\\n  " if multiline else " ").join(lines)
