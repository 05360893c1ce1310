"""Capture the authorization response on a loopback redirect URI (RFC 8252 7.3, 8.3).

:class:`LoopbackServer` listens on the loopback address and port of the redirect URI (a free
port when it names none or port 0) before the browser is sent to the provider. The first GET
on the redirect path ends :meth:`LoopbackServer.wait` with the parsed response and its
findings, and shows the browser a self-contained result page; other paths get 404 and do not
count, a replay of the redirect is told that the flow has already captured one. The server
itself (:class:`~itsme_debugger.net.httpserver.HttpServer`) listens on loopback only and
bounds what a client can hold: header size, read time, connections.
"""

from __future__ import annotations

import asyncio
import errno
import html
import ssl as ssl_mod
import time
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.findings import Finding, has_errors
from itsme_debugger.core.http import HttpRequest, HttpResponse, is_loopback_host
from itsme_debugger.core.oauth_errors import lookup
from itsme_debugger.core.redirect import RedirectResult, parse_redirect

from .httpserver import HttpServer, Limits, Request, Response
from .service import AsyncService
from .tlscert import make_self_signed

Capture = tuple[RedirectResult, list[Finding]]
_UNAVAILABLE = (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
#: How often a free port is drawn again when it is taken on the second address.
_PORT_ATTEMPTS = 5
T = TypeVar("T")


class CaptureServer(AsyncService, Generic[T]):
    """What the loopback capture servers share: the first request that counts ends
    :meth:`wait` with what it carried (``T``), the browser's request and the page it got are
    kept for the trace, anything but a GET and any later request are refused."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._captured: asyncio.Future[T] | None = None
        self._exchange: tuple[HttpRequest, HttpResponse] | None = None

    def _arm(self) -> None:
        """Start accepting: called once the server listens."""
        self._captured = asyncio.get_running_loop().create_future()

    async def wait(self, timeout: float | None = None) -> T:
        """What the first request carried; TimeoutError after ``timeout`` seconds.

        Cancelling the waiting task leaves the server as it is: :meth:`close` still frees it.
        """
        if self._captured is None:
            raise RuntimeError(f"{type(self).__name__}.wait() before start()")
        return await asyncio.wait_for(asyncio.shield(self._captured), timeout)

    def capture_exchange(self) -> tuple[HttpRequest, HttpResponse] | None:
        """The browser's request that was captured and the page it got, for the trace."""
        return self._exchange

    def _cancel_wait(self) -> None:
        if self._captured is not None and not self._captured.done():
            self._captured.cancel()

    def _refuse(self, request: Request, what: str, how: str, again: str) -> Response | None:
        """The 405 page (``how``) for anything but a GET, the 409 page (``again``) once the
        ``what`` is captured; None when the request counts."""
        if request.method != "GET":
            return _page(
                405,
                self.title,
                f"{request.method} is not how the {what} should come",
                "error",
                how,
                (("Allow", "GET"),),
            )
        if self._captured is None or self._captured.done():
            return _page(
                409, self.title, f"This flow has already captured its {what}", "warn", again
            )
        return None

    def _capture(self, request: Request, url: str, page: Response, t0: float, value: T) -> Response:
        """Keep the exchange, end :meth:`wait` with ``value``; the browser gets ``page``."""
        self._exchange = (
            HttpRequest("GET", url, request.headers, request.body),
            HttpResponse(
                page.status, page.headers, page.body, url, (time.perf_counter() - t0) * 1000
            ),
        )
        assert self._captured is not None
        self._captured.set_result(value)
        return page


class LoopbackServer(CaptureServer[Capture]):
    """Listen for the browser's redirect on ``redirect_uri``; see the module docstring."""

    def __init__(
        self,
        redirect_uri: str,
        *,
        expected_state: str | None,
        expected_iss: str | None = None,
        https: bool = False,
        also_ipv6: bool = False,
        result_page_title: str = "itsme-debugger",
        limits: Limits | None = None,
    ) -> None:
        try:
            parts = urlsplit(redirect_uri)
            port = parts.port or 0
        except ValueError as exc:
            raise ConfigError(f"redirect_uri {redirect_uri!r} is not a valid URL: {exc}") from exc
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not is_loopback_host(host):
            raise ConfigError(
                f"redirect_uri {redirect_uri} is not a loopback URI (http://127.0.0.1:PORT/..., "
                "http://[::1]:PORT/... or http://localhost:PORT/...); use paste mode for it"
            )
        super().__init__(result_page_title)
        self.expected_state = expected_state
        self.expected_iss = expected_iss
        self.limits = limits
        self._scheme = "https" if https or parts.scheme == "https" else "http"
        self._host = host
        self._path = parts.path or "/"
        self._query = parts.query
        self._requested_port = port
        self._port = port
        #: (address, required): an optional address is skipped when the system lacks it.
        self._addresses: list[tuple[str, bool]]
        if ":" in host:  # ::1
            self._addresses = [("::1", True), ("127.0.0.1", False)]
        elif host[:1].isdigit():  # 127.x.y.z
            self._addresses = [(host, True)] + ([("::1", False)] if also_ipv6 else [])
        else:  # localhost: the browser may resolve it to either address
            self._addresses = [("127.0.0.1", True), ("::1", False)]
        self._servers: list[HttpServer] = []

    # -- addresses ---------------------------------------------------------------------------

    @property
    def redirect_uri(self) -> str:
        """The redirect URI with the port actually listened on."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        query = f"?{self._query}" if self._query else ""
        return f"{self._scheme}://{host}:{self._port}{self._path}{query}"

    @property
    def bound(self) -> list[str]:
        """Where the server listens, e.g. ``["http://127.0.0.1:8765/callback"]``."""
        return [f"{self._scheme}://{_bracket(s.host)}:{s.port}{self._path}" for s in self._servers]

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on every address; ConfigError (one line) when the port cannot be had."""
        if self._servers:
            return
        ssl = make_self_signed() if self._scheme == "https" else None
        attempts = _PORT_ATTEMPTS if self._requested_port == 0 else 1
        for attempt in range(1, attempts + 1):
            try:
                await self._bind_all(ssl)
                break
            except _PortInUse as exc:
                await self._close_servers()
                if attempt == attempts:
                    raise ConfigError(
                        f"port {exc.port} on {exc.address} is in use: another program (or "
                        "another flow) listens there; stop it or choose another port in "
                        "redirect_uri"
                    ) from None
        self._arm()

    async def _bind_all(self, ssl: ssl_mod.SSLContext | None) -> None:
        port = self._requested_port
        for address, required in self._addresses:
            server = HttpServer(self._handle, address, port, ssl=ssl, limits=self.limits)
            try:
                await server.start()
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise _PortInUse(address, port) from exc
                if exc.errno in _UNAVAILABLE and not required:
                    continue
                await self._close_servers()
                reason = exc.strerror or str(exc)
                raise ConfigError(
                    f"cannot listen on {_bracket(address)}:{port} for redirect_uri "
                    f"{self.redirect_uri}: {reason}"
                ) from None
            self._servers.append(server)
            port = server.port
        self._port = port

    async def close(self) -> None:
        """Stop listening and free the port; a pending :meth:`wait` is cancelled."""
        self._cancel_wait()
        await self._close_servers()

    async def _close_servers(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            await server.close()

    # -- the handler -------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        if request.path != self._path:
            return _page(
                404,
                self.title,
                "Not found",
                "warn",
                f"<p>{_e(self.title)} listens here only for the redirect to "
                f"<code>{_e(self._path)}</code>.</p>",
            )
        refused = self._refuse(
            request,
            "redirect",
            f"<p>{_e(self.title)} expects the authorization response as a GET with the "
            "parameters in the query (response_mode=query). A POST means the request asked "
            "for response_mode=form_post.</p>",
            f"<p>{_e(self.title)} took the first redirect that arrived and ignores this one "
            "(a reload or a second tab). An authorization code is single-use: start a new "
            f"flow in {_e(self.title)} to get a fresh one.</p>",
        )
        if refused is not None:
            return refused
        t0 = time.perf_counter()
        url = self._url_of(request.target)
        result, findings = parse_redirect(
            url,
            expected_state=self.expected_state,
            expected_iss=self.expected_iss,
            redirect_uri=self.redirect_uri,
        )
        page = _result_page(self.title, result, findings)
        return self._capture(request, url, page, t0, (result, findings))

    def _url_of(self, target: str) -> str:
        if not target.startswith("/"):
            return target  # absolute-form
        base = urlsplit(self.redirect_uri)
        return f"{base.scheme}://{base.netloc}{target}"


# -- the pages the browser is shown -------------------------------------------------------------

_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'",
    ),
)
_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f24}
main{max-width:44rem;margin:3rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;
border-top:6px solid #888;box-shadow:0 1px 4px rgba(0,0,0,.12)}
main.ok{border-top-color:#1f8a4c}main.warn{border-top-color:#c98a00}
main.error{border-top-color:#c62828}h1{font-size:1.35rem;margin:0 0 1rem}
code{background:#eef0f3;padding:.1em .3em;border-radius:3px;word-break:break-all}
dt{font-weight:600;margin-top:.6rem}dd{margin:0}li{margin:.4rem 0}
.sev{font-size:.8rem;font-weight:700;text-transform:uppercase;margin-right:.4rem}
.foot{color:#666;font-size:.85rem;margin-top:1.5rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(
    status: int,
    title: str,
    heading: str,
    tone: str,
    body: str,
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A self-contained HTML page: inline style, no script, nothing loaded from elsewhere."""
    doc = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}: {_e(heading)}</title><style>{_STYLE}</style></head>"
        f'<body><main class="{tone}"><h1>{_e(heading)}</h1>{body}'
        f'<p class="foot">{_e(title)}, loopback redirect capture (RFC 8252)</p>'
        "</main></body></html>\n"
    )
    page = Response.html(doc, status)
    return Response(page.status, (*page.headers, *_HEADERS, *headers), page.body)


def _result_page(title: str, result: RedirectResult, findings: list[Finding]) -> Response:
    """What the browser is shown for the captured redirect."""
    if result.error is not None:
        info = lookup("authorization", result.error)
        rows = f"<dt>Error</dt><dd><code>{_e(result.error)}</code></dd>"
        if result.error_description:
            rows += f"<dt>The provider said</dt><dd>{_e(result.error_description)}</dd>"
        if info is not None:
            rows += f"<dt>What it means</dt><dd>{_e(info.meaning)}</dd>"
            rows += f"<dt>What to do</dt><dd>{_e(info.what_to_do)}</dd>"
        else:
            rows += "<dt>What it means</dt><dd>This is not a documented error code.</dd>"
        others = [f for f in findings if not f.id.startswith("authorization.error.")]
        body = (
            f"<dl>{rows}</dl>{_finding_list(others)}"
            f"<p>The flow ends here. Return to {_e(title)} for the details.</p>"
        )
        return _page(200, title, "The provider answered with an error", "error", body)
    if has_errors(findings):
        body = (
            "<p><strong>Do not trust this response:</strong> the code will not be redeemed."
            f"</p>{_finding_list(findings)}"
            f"<p>You can close this tab and return to {_e(title)} for the details.</p>"
        )
        return _page(200, title, "The redirect arrived, but it fails the checks", "warn", body)
    body = (
        f"<p>{_e(title)} has received the authorization response.</p>"
        f"{_finding_list(findings)}"
        f"<p><strong>You can close this tab and return to {_e(title)}.</strong></p>"
    )
    return _page(200, title, "Authorization response received", "ok", body)


def _finding_list(findings: list[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(
        f'<li><span class="sev">{_e(f.severity.value)}</span>{_e(f.message)}'
        f" <small>({_e(f.reference)})</small></li>"
        for f in sorted(findings, key=lambda f: -f.severity.rank)
    )
    return f"<ul>{items}</ul>"


class _PortInUse(Exception):
    def __init__(self, address: str, port: int) -> None:
        self.address = address
        self.port = port


def _bracket(address: str) -> str:
    return f"[{address}]" if ":" in address else address


__all__ = ["Capture", "CaptureServer", "LoopbackServer"]
