"""The loopback capture of a Signicat REST session's callback (success, abort, error)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.net.session_callback import CallbackServer
from itsme_debugger.net.tasks import spawn


def browser() -> httpx.AsyncClient:
    return httpx.AsyncClient(trust_env=False, timeout=5)


def run(coro: object) -> None:
    asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", ["success", "abort", "error"])
def test_each_callback_ends_the_wait(outcome: str) -> None:
    async def main() -> None:
        async with CallbackServer("http://127.0.0.1:0/signicat") as server, browser() as b:
            base = server.base_url
            assert base.startswith("http://127.0.0.1:") and base.endswith("/signicat")
            assert server.callback_urls.get(outcome) == f"{base}/{outcome}"
            waiter = spawn(server.wait(5))
            page = await b.get(f"{base}/{outcome}?sessionId=s-1")
            assert await waiter == f"{base}/{outcome}?sessionId=s-1"
        assert page.status_code == 200
        assert f"the {outcome} callback" in page.text
        assert "return to itsme-debugger" in page.text
        captured = server.capture_exchange()
        assert captured is not None and captured[0].url.endswith("sessionId=s-1")
        assert captured[1].status == 200

    run(main())


def test_other_paths_do_not_count() -> None:
    async def main() -> None:
        async with CallbackServer("http://127.0.0.1:0/signicat") as server, browser() as b:
            assert (await b.get(server.base_url + "/favicon.ico")).status_code == 404
            assert (await b.get(server.base_url)).status_code == 404
            with pytest.raises(TimeoutError):
                await server.wait(0.1)

    run(main())


def test_post_is_not_the_callback() -> None:
    async def main() -> None:
        async with CallbackServer("http://127.0.0.1:0/s") as server, browser() as b:
            resp = await b.post(server.callback_urls.success)
            assert resp.status_code == 405 and resp.headers["allow"] == "GET"

    run(main())


def test_second_callback_is_told_it_came_too_late() -> None:
    async def main() -> None:
        async with CallbackServer("http://127.0.0.1:0/s") as server, browser() as b:
            first = await b.get(server.callback_urls.success + "?sessionId=a")
            second = await b.get(server.callback_urls.abort + "?sessionId=a")
            assert (first.status_code, second.status_code) == (200, 409)
            assert (await server.wait(1)).endswith("/success?sessionId=a")

    run(main())


@pytest.mark.parametrize(
    "base",
    ["https://127.0.0.1:0/s", "http://example.com/s", "ftp://127.0.0.1/s", "http://[::1/s"],
)
def test_callback_base_must_be_loopback_http(base: str) -> None:
    with pytest.raises(ConfigError, match="callback_base"):
        CallbackServer(base)


def test_localhost_listens_on_127_0_0_1() -> None:
    async def main() -> None:
        async with CallbackServer("http://localhost:0/cb/") as server, browser() as b:
            assert server.base_url.startswith("http://localhost:")
            assert server.callback_urls.error.endswith("/cb/error")
            port = server.base_url.split(":")[2].split("/")[0]
            resp = await b.get(f"http://127.0.0.1:{port}/cb/error?sessionId=x")
            assert resp.status_code == 200

    run(main())


def test_port_in_use_is_one_line() -> None:
    async def main() -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is in use"):
                await CallbackServer(f"http://127.0.0.1:{port}/s").start()

    run(main())


def test_close_frees_the_port_and_cancels_the_wait() -> None:
    async def main() -> None:
        server = CallbackServer("http://127.0.0.1:0/s")
        await server.start()
        port = int(server.base_url.split(":")[2].split("/")[0])
        waiter = spawn(server.wait())
        await asyncio.sleep(0)
        await server.close()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    run(main())


def test_wait_before_start() -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError):
            await CallbackServer("http://127.0.0.1:0/s").wait()

    run(main())
