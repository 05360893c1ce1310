"""Capture the Signicat REST API's callback on loopback: success, abort or error.

:class:`CallbackServer` listens on the loopback address and port of ``callback_base`` (a free
port for port 0) before the session is created, so that the session's ``callbackUrls`` carry
the real port: ``{callback_base}/success``, ``/abort`` and ``/error``. The first GET on one of
the three paths ends :meth:`CallbackServer.wait` with the URL the browser came to; the browser
is shown a self-contained page. Other paths get 404 and do not count; a second callback is
told that the flow has already captured one.
"""

from __future__ import annotations

import errno
import time
from urllib.parse import urlsplit

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.http import is_loopback_host
from itsme_debugger.core.signicat import OUTCOMES, CallbackUrls

from .httpserver import HttpServer, Request, Response
from .loopback import CaptureServer, _e, _page

_HEADINGS = {
    "success": ("Signicat sent the browser back to the success callback", "ok"),
    "abort": ("Signicat sent the browser back to the abort callback", "warn"),
    "error": ("Signicat sent the browser back to the error callback", "error"),
}


class CallbackServer(CaptureServer[str]):
    """Listen for the browser's return to one of a session's three callback URLs."""

    def __init__(self, callback_base: str, *, title: str = "itsme-debugger") -> None:
        try:
            parts = urlsplit(callback_base)
            port = parts.port or 0
        except ValueError as exc:
            raise ConfigError(f"callback_base {callback_base!r} is not a valid URL") from exc
        host = (parts.hostname or "").lower()
        if parts.scheme != "http" or not is_loopback_host(host):
            raise ConfigError(
                f"callback_base {callback_base} is not a loopback URL "
                "(http://127.0.0.1:PORT/..., http://[::1]:PORT/... or http://localhost:PORT/...)"
            )
        super().__init__(title)
        self._host = host
        self._address = "::1" if ":" in host else host if host[:1].isdigit() else "127.0.0.1"
        self._path = parts.path.rstrip("/")
        self._port = port
        self._server: HttpServer | None = None

    @property
    def base_url(self) -> str:
        """``callback_base`` with the port actually listened on."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}{self._path}"

    @property
    def callback_urls(self) -> CallbackUrls:
        return CallbackUrls.under(self.base_url)

    async def start(self) -> None:
        """Listen; ConfigError (one line) when the port cannot be had."""
        if self._server is not None:
            return
        server = HttpServer(self._handle, self._address, self._port)
        try:
            await server.start()
        except OSError as exc:
            reason = (
                "is in use: another program (or another flow) listens there"
                if exc.errno == errno.EADDRINUSE
                else f"cannot be opened ({exc.strerror or exc})"
            )
            raise ConfigError(f"port {self._port} on {self._address} {reason}") from None
        self._server = server
        self._port = server.port
        self._arm()

    async def close(self) -> None:
        """Stop listening and free the port; a pending :meth:`wait` is cancelled."""
        self._cancel_wait()
        server, self._server = self._server, None
        if server is not None:
            await server.close()

    async def _handle(self, request: Request) -> Response:
        outcome = next((o for o in OUTCOMES if request.path == f"{self._path}/{o}"), None)
        if outcome is None:
            return _page(
                404,
                self.title,
                "Not found",
                "warn",
                f"<p>{_e(self.title)} listens here only for the session's callbacks under "
                f"<code>{_e(self._path or '/')}</code>.</p>",
            )
        refused = self._refuse(
            request,
            "callback",
            "<p>Signicat sends the browser to the callback URL with a GET.</p>",
            f"<p>{_e(self.title)} took the first callback that arrived and ignores this "
            f"one. Start a new flow in {_e(self.title)} for a new session.</p>",
        )
        if refused is not None:
            return refused
        t0 = time.perf_counter()
        url = f"http://{urlsplit(self.base_url).netloc}{request.target}"
        heading, tone = _HEADINGS[outcome]
        page = _page(
            200,
            self.title,
            heading,
            tone,
            f"<p>{_e(self.title)} now asks the REST API for the session's status: the status, "
            "not the callback, says how the authentication ended.</p>"
            f"<p><strong>You can close this tab and return to {_e(self.title)}.</strong></p>",
        )
        return self._capture(request, url, page, t0, url)
