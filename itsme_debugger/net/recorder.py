"""The recording HTTP client: sends an :class:`HttpRequest`, records the :class:`Exchange`.

Every request of a flow goes through :meth:`RecordingClient.send`, which puts exactly one
exchange into the trace: the request as it went on the wire (with the headers httpx added),
the response, when it started and how long it took; or, when no answer came, the error.
Redirects are not followed (a debugger shows them), TLS is verified unless the caller says
otherwise, and no more than ``max_body_bytes`` of a body is read.

Loopback destinations are reached without any proxy from the environment; other hosts honour
``HTTPS_PROXY`` / ``NO_PROXY`` as usual. Tests inject the transport with ``client=``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from dataclasses import replace
from types import TracebackType

import httpx

from itsme_debugger import __version__
from itsme_debugger.core.http import HttpRequest, HttpResponse, is_loopback_host
from itsme_debugger.core.trace import Trace

from .errors import CONNECT, PROTOCOL, TIMEOUT, TLS, NetworkError, display_url
from .tls import tls_context

USER_AGENT = f"itsme-debugger/{__version__}"


class _TooLarge(Exception):
    def __init__(self, raw: httpx.Response, body: bytes) -> None:
        self.raw = raw
        self.body = body


class RecordingClient:
    """Send requests and record each one into ``trace``."""

    def __init__(
        self,
        trace: Trace,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        verify: bool = True,
        max_body_bytes: int = 10 * 1024 * 1024,
    ) -> None:
        self.trace = trace
        self.timeout = timeout
        self.verify = verify
        self.max_body_bytes = max_body_bytes
        self._given = client
        #: Our own clients, keyed by ``trust_env`` (False for loopback destinations).
        self._own: dict[bool, httpx.AsyncClient] = {}

    def _client_for(self, url: httpx.URL) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        trust_env = not is_loopback_host(url.host)
        client = self._own.get(trust_env)
        if client is None:
            client = httpx.AsyncClient(
                timeout=self.timeout,
                verify=tls_context(trust_env) if self.verify else False,
                trust_env=trust_env,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
            self._own[trust_env] = client
        return client

    async def send(self, request: HttpRequest, step: str) -> HttpResponse:
        """Send ``request``; record it under ``step``; NetworkError when no answer came."""
        started = time.time()
        t0 = time.perf_counter()
        sent = request
        response: HttpResponse | None = None
        cause: Exception
        try:
            async with asyncio.timeout(self.timeout):
                url = httpx.URL(request.url)
                client = self._client_for(url)
                outgoing = client.build_request(
                    request.method,
                    url,
                    headers=list(request.headers),
                    content=request.body or None,
                )
                sent = replace(request, headers=_headers(outgoing.headers))
                raw = await client.send(outgoing, stream=True, follow_redirects=False)
                try:
                    body = await self._read_body(raw)
                finally:
                    await raw.aclose()
        except _TooLarge as exc:
            cause = exc
            elapsed = _ms_since(t0)
            response = _response(exc.raw, exc.body, elapsed)
            error = NetworkError(
                f"the answer of {display_url(request.url)} is larger than "
                f"{self.max_body_bytes} bytes; stopped reading it",
                code=PROTOCOL,
                url=request.url,
            )
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            cause = exc
            elapsed = _ms_since(t0)
            error = _network_error(exc, request.url, self.timeout)
        else:
            elapsed = _ms_since(t0)
            response = _response(raw, body, elapsed)
            self.trace.add(step, sent, response, started=started, elapsed_ms=elapsed)
            return response
        self.trace.add(
            step, sent, response, started=started, elapsed_ms=elapsed, error=error.message
        )
        raise error from cause

    async def _read_body(self, raw: httpx.Response) -> bytes:
        body = bytearray()
        async for chunk in raw.aiter_bytes():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise _TooLarge(raw, bytes(body[: self.max_body_bytes]))
        return bytes(body)

    async def aclose(self) -> None:
        """Close the clients this object made (an injected client belongs to its owner)."""
        own, self._own = self._own, {}
        for client in own.values():
            await client.aclose()

    async def __aenter__(self) -> RecordingClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _headers(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode(headers.encoding), v.decode(headers.encoding)) for k, v in headers.raw)


def _response(raw: httpx.Response, body: bytes, elapsed_ms: float) -> HttpResponse:
    return HttpResponse(raw.status_code, _headers(raw.headers), body, str(raw.url), elapsed_ms)


def _network_error(exc: Exception, url: str, timeout: float) -> NetworkError:
    """One clear line for what went wrong on the way to ``url``."""
    shown = display_url(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return NetworkError(
            f"could not connect to {shown} within {timeout:g} s", code=TIMEOUT, url=url
        )
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return NetworkError(f"{shown} did not answer within {timeout:g} s", code=TIMEOUT, url=url)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return NetworkError(
            f"cannot send a request to {shown}: not a valid http or https URL ({_reason(exc)})",
            code=CONNECT,
            url=url,
        )
    tls = _ssl_cause(exc)
    if tls is not None:
        return NetworkError(f"TLS handshake with {shown} failed: {_reason(tls)}", code=TLS, url=url)
    if isinstance(exc, httpx.ProtocolError | httpx.DecodingError):
        return NetworkError(
            f"{shown} answered with broken HTTP: {_reason(exc)}", code=PROTOCOL, url=url
        )
    return NetworkError(f"could not connect to {shown}: {_reason(exc)}", code=CONNECT, url=url)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and all(cur is not c for c in chain):
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    return next((c for c in _causes(exc) if isinstance(c, ssl.SSLError)), None)


def _reason(exc: BaseException) -> str:
    """The most telling words for ``exc``: the OS's or OpenSSL's own, when there are some."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).replace("_", " ").lower()
    os_errors = [c for c in _causes(exc) if isinstance(c, OSError) and c.strerror]
    if os_errors:
        deepest = os_errors[-1]
        if deepest.errno and deepest.errno > 0 and not isinstance(deepest, socket.gaierror):
            return os.strerror(deepest.errno).lower()
        return str(deepest.strerror).lower()
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


__all__ = ["USER_AGENT", "RecordingClient"]
