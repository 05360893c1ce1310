"""The small asyncio + h11 server: limits, junk, keep-alive, binding, clean shutdown."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import httpx
import pytest

from itsme_debugger.net.httpserver import HttpServer, Limits, Request, Response
from itsme_debugger.net.tasks import spawn


async def hello(request: Request) -> Response:
    return Response.text(f"hello {request.method} {request.path}")


async def exchange(server: HttpServer, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def run(main: Any) -> None:
    """asyncio.run, failing when anything reached the loop's exception handler."""
    reported: list[dict[str, Any]] = []

    async def wrapper() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: reported.append(ctx))
        await main()
        await asyncio.sleep(0.05)  # let connection tasks finish and report

    asyncio.run(wrapper())
    assert reported == []


def test_answers_a_request():
    async def main() -> None:
        async with HttpServer(hello) as server, httpx.AsyncClient(trust_env=False) as c:
            resp = await c.get(f"{server.base_url}/x?a=1")
        assert resp.status_code == 200
        assert resp.text == "hello GET /x"

    run(main)


def test_junk_bytes_get_400():
    async def main() -> None:
        async with HttpServer(hello) as server:
            raw = await exchange(server, b"\x00\x01\x02 not http at all\r\n\r\n")
        assert status_of(raw) == 400

    run(main)


def test_oversized_headers_get_431():
    async def main() -> None:
        async with HttpServer(hello, limits=Limits(max_header_bytes=1024)) as server:
            raw = await exchange(
                server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4000 + b"\r\n\r\n"
            )
        assert status_of(raw) == 431

    run(main)


def test_oversized_headers_arriving_in_pieces_get_431():
    async def main() -> None:
        async with HttpServer(hello, limits=Limits(max_header_bytes=1024)) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 900)
            await writer.drain()
            await asyncio.sleep(0.05)  # the server reads this part: incomplete, not too large
            writer.write(b"a" * 300)
            raw = await asyncio.wait_for(reader.read(), 5)
            writer.close()
        assert status_of(raw) == 431

    run(main)


def test_oversized_body_gets_413():
    async def main() -> None:
        async with HttpServer(hello, limits=Limits(max_body_bytes=100)) as server:
            raw = await exchange(
                server,
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n" + b"b" * 200,
            )
        assert status_of(raw) == 413

    run(main)


def test_slow_client_gets_408_after_the_read_timeout():
    async def main() -> None:
        async with HttpServer(hello, limits=Limits(read_timeout=0.2)) as server:
            started = time.perf_counter()
            raw = await exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n")
            waited = time.perf_counter() - started
        assert status_of(raw) == 408
        assert 0.2 <= waited < 2

    run(main)


def test_handler_failure_gets_500_and_the_server_goes_on():
    async def handler(request: Request) -> Response:
        if request.path == "/boom":
            raise RuntimeError("bug")
        return Response.text("fine")

    async def main() -> None:
        async with HttpServer(handler) as server, httpx.AsyncClient(trust_env=False) as c:
            boom = await c.get(f"{server.base_url}/boom")
            fine = await c.get(f"{server.base_url}/")
        assert boom.status_code == 500
        assert fine.text == "fine"

    run(main)


def test_keep_alive_serves_several_requests_on_one_connection():
    peers: list[tuple[str, int]] = []

    async def handler(request: Request) -> Response:
        peers.append(request.client)
        return Response.text("ok")

    async def main() -> None:
        async with HttpServer(handler) as server, httpx.AsyncClient(trust_env=False) as c:
            for _ in range(3):
                assert (await c.get(f"{server.base_url}/")).text == "ok"
        assert len(peers) == 3
        assert len(set(peers)) == 1

    run(main)


def test_many_concurrent_connections():
    async def handler(request: Request) -> Response:
        await asyncio.sleep(0.02)
        return Response.text(request.path)

    async def one(server: HttpServer, i: int) -> bytes:
        return await exchange(
            server, f"GET /{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )

    async def main() -> None:
        async with HttpServer(handler) as server:
            answers = await asyncio.gather(*(one(server, i) for i in range(40)))
        for i, raw in enumerate(answers):
            assert status_of(raw) == 200
            assert raw.endswith(f"/{i}".encode())

    run(main)


def test_at_the_limit_a_new_connection_pushes_out_the_oldest_idle_one():
    async def main() -> None:
        async with HttpServer(hello, limits=Limits(max_connections=2)) as server:
            held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
            await asyncio.sleep(0.05)
            raw = await exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert status_of(raw) == 200
            oldest_reader = held[0][0]
            assert await asyncio.wait_for(oldest_reader.read(), 2) == b""  # dropped
            for _, writer in held:
                writer.close()

    run(main)


def test_at_the_limit_with_every_connection_busy_a_new_one_is_closed():
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(request: Request) -> Response:
        started.set()
        await release.wait()
        return Response.text("done")

    async def main() -> None:
        async with HttpServer(slow, limits=Limits(max_connections=1)) as server:
            busy = spawn(
                exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            )
            await started.wait()
            try:
                raw = await exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            except ConnectionResetError:
                raw = b""
            assert raw == b""
            release.set()
            assert (await busy).endswith(b"done")

    run(main)


def test_binds_only_the_given_host():
    async def main() -> None:
        async with HttpServer(hello, host="127.0.0.1") as server:
            assert server.base_url == f"http://127.0.0.1:{server.port}"
            with pytest.raises(OSError):
                await asyncio.open_connection("::1", server.port)
            if sys.platform.startswith("linux"):  # all of 127/8 is loopback there
                with pytest.raises(ConnectionRefusedError):
                    await asyncio.open_connection("127.0.0.2", server.port)

    run(main)


def test_port_is_freed_after_close():
    async def main() -> None:
        server = HttpServer(hello)
        await server.start()
        port = server.port
        async with httpx.AsyncClient(trust_env=False) as c:
            await c.get(f"{server.base_url}/")
        await server.close()
        assert not server.is_serving
        async with HttpServer(hello, port=port) as again:
            assert again.port == port

    run(main)


def test_close_with_connections_in_every_state_reports_nothing():
    async def main() -> None:
        server = HttpServer(hello)
        await server.start()
        # one idle keep-alive connection, one half-sent request, one that just hung up
        idle_r, idle_w = await asyncio.open_connection("127.0.0.1", server.port)
        idle_w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await idle_r.readuntil(b"hello GET /")
        _, half_w = await asyncio.open_connection("127.0.0.1", server.port)
        half_w.write(b"GET / HTTP/1.1\r\n")
        gone_r, gone_w = await asyncio.open_connection("127.0.0.1", server.port)
        gone_w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await gone_r.readuntil(b"hello GET /")
        gone_w.close()
        await asyncio.sleep(0)
        await server.close()
        assert await asyncio.wait_for(idle_r.read(), 2) == b""
        for w in (idle_w, half_w):
            w.close()

    run(main)


def test_close_while_a_handler_runs():
    started = asyncio.Event()

    async def slow(request: Request) -> Response:
        started.set()
        await asyncio.sleep(10)
        return Response.text("late")

    async def main() -> None:
        server = HttpServer(slow)
        await server.start()
        client = spawn(exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        await started.wait()
        t0 = time.perf_counter()
        await server.close()
        assert time.perf_counter() - t0 < 3
        assert await client == b""

    run(main)
