"""A small HTTP/1.1 server on asyncio + h11, for the loopback redirect capture and the mock.

Bring-your-own-handler: ``handler(request) -> response`` as plain values. The server binds
only to the loopback address it is given (any other is refused), bounds header and body size
and read time, answers junk with 400, and closes every connection on :meth:`HttpServer.close`.
At the connection limit, a new connection pushes out the oldest one that is still waiting for
its request (idle or trickling), so a crowd of idle connections cannot lock the browser out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_mod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import h11

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.http import is_loopback_host

from .service import AsyncService
from .tasks import spawn

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: Headers
    body: bytes
    client: tuple[str, int] = ("", 0)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Query parameters; the first value wins when one is repeated."""
        out: dict[str, str] = {}
        for k, v in parse_qsl(urlsplit(self.target).query, keep_blank_values=True):
            out.setdefault(k, v)
        return out

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def form(self) -> dict[str, str]:
        """An application/x-www-form-urlencoded body; the first value wins."""
        out: dict[str, str] = {}
        text = self.body.decode("utf-8", errors="replace")
        for k, v in parse_qsl(text, keep_blank_values=True):
            out.setdefault(k, v)
        return out

    def form_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)


@dataclass(frozen=True)
class Response:
    status: int = 200
    headers: Headers = ()
    body: bytes = b""

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, (("Content-Type", f"{content_type}; charset=utf-8"),), body.encode())

    @classmethod
    def html(cls, body: str, status: int = 200) -> Response:
        return cls.text(body, status, "text/html")

    @classmethod
    def json(cls, data: object, status: int = 200, headers: Headers = ()) -> Response:
        import json

        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(
            status,
            (("Content-Type", "application/json"), ("Cache-Control", "no-store"), *headers),
            body,
        )

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, (("Location", location), ("Cache-Control", "no-store")), b"")


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Limits:
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024
    read_timeout: float = 10.0
    max_connections: int = 64


_REASONS = {200: b"OK", 302: b"Found", 400: b"Bad Request", 404: b"Not Found", 500: b"Error"}


class HttpServer(AsyncService):
    """Serve ``handler`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl: ssl_mod.SSLContext | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.handler = handler
        self.host = host
        self.requested_port = port
        self.ssl = ssl
        self.limits = limits or Limits()
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()
        #: Connections waiting for (the rest of) a request, oldest first: the ones to drop.
        self._reading: dict[asyncio.Task[None], None] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        self.port: int = 0

    @property
    def scheme(self) -> str:
        return "https" if self.ssl else "http"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and listen; raises OSError (e.g. EADDRINUSE) when the port cannot be had, and
        ConfigError for an address that is not loopback: nothing here is meant for the network."""
        if not is_loopback_host(self.host):
            raise ConfigError(
                f"refusing to listen on {self.host or 'every address'}: this server only "
                "listens on loopback addresses (127.0.0.1, ::1, localhost)"
            )
        self._server = await asyncio.start_server(
            self._on_connection,
            self.host,
            self.requested_port,
            ssl=self.ssl,
            reuse_address=True,
            limit=self.limits.max_header_bytes * 2,
        )
        sock = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in list(self._writers):
                w.close()
            for t in list(self._conns):
                t.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    @property
    def is_serving(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self._conns) >= self.limits.max_connections:
            oldest = next(iter(self._reading), None)
            if oldest is None:  # every connection is being answered: refuse this one
                writer.close()
                return
            del self._reading[oldest]
            oldest.cancel()
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)  # type: ignore[arg-type]
        self._writers.add(writer)
        try:
            await self._serve(reader, writer, task)  # type: ignore[arg-type]
        except (
            asyncio.CancelledError,
            ConnectionError,
            asyncio.IncompleteReadError,
            ssl_mod.SSLError,
        ):
            pass
        finally:
            self._conns.discard(task)  # type: ignore[arg-type]
            self._reading.pop(task, None)  # type: ignore[call-overload]
            self._writers.discard(writer)
            writer.close()
            # Python 3.11's StreamReaderProtocol logs a traceback for a connection task that
            # ends cancelled, so a cancellation while closing ends the task quietly instead.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, task: asyncio.Task[None]
    ) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes)
        peer = writer.get_extra_info("peername") or ("", 0)
        client = (str(peer[0]), int(peer[1]))
        while True:
            self._reading[task] = None
            try:
                request = await asyncio.wait_for(
                    self._read_request(conn, reader), self.limits.read_timeout
                )
            except (TimeoutError, h11.RemoteProtocolError, _TooLarge) as exc:
                self._reading.pop(task, None)
                status = 413 if isinstance(exc, _TooLarge) else 400
                if isinstance(exc, h11.RemoteProtocolError):
                    status = exc.error_status_hint  # 431 for oversized headers
                if isinstance(exc, TimeoutError):
                    status = 408
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    with contextlib.suppress(Exception):
                        await self._send(
                            conn, writer, Response.text(f"{status}\n", status), close=True
                        )
                return
            finally:
                self._reading.pop(task, None)
            if request is None:
                return
            method, target, headers, body = request
            req = Request(method, target, headers, body, client)
            try:
                resp = await self.handler(req)
            except Exception as exc:  # noqa: BLE001 - a handler bug must not kill the server
                resp = Response.text(f"internal error: {type(exc).__name__}: {exc}\n", 500)
            await self._send(conn, writer, resp, close=False)
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[str, str, Headers, bytes] | None:
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and conn.their_state is h11.IDLE and head is None:
                    return None
                continue
            if isinstance(event, h11.Request):
                head = event
                # h11 bounds only a head that arrives in pieces; bound a whole one too.
                size = len(event.target) + sum(len(k) + len(v) + 4 for k, v in event.headers)
                if size > self.limits.max_header_bytes:
                    raise h11.RemoteProtocolError(
                        "request header fields too large", error_status_hint=431
                    )
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.limits.max_body_bytes:
                    raise _TooLarge
            elif isinstance(event, h11.EndOfMessage):
                assert head is not None
                headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in head.headers)
                return (
                    head.method.decode("ascii", "replace"),
                    head.target.decode("latin-1"),
                    headers,
                    bytes(body),
                )
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, resp: Response, *, close: bool
    ) -> None:
        headers = [
            (k, v) for k, v in resp.headers if k.lower() not in ("content-length", "connection")
        ]
        headers.append(("Content-Length", str(len(resp.body))))
        if close:
            headers.append(("Connection", "close"))
        out = conn.send(
            h11.Response(
                status_code=resp.status,
                headers=headers,
                reason=_REASONS.get(resp.status, b""),
            )
        )
        assert out is not None
        data = out
        if resp.body:
            more = conn.send(h11.Data(data=resp.body))
            assert more is not None
            data += more
        end = conn.send(h11.EndOfMessage())
        assert end is not None
        writer.write(data + end)
        await writer.drain()


class _TooLarge(Exception):
    pass


async def serve_forever(server: HttpServer) -> None:
    """Run until cancelled, then close."""
    await server.start()
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


__all__ = ["Handler", "HttpServer", "Limits", "Request", "Response", "serve_forever", "spawn"]
