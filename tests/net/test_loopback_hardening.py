"""The loopback redirect capture among hostile neighbours.

While the flow waits for the browser, anything on the machine can connect to the loopback
port: junk bytes, oversized heads, clients that trickle one byte at a time, hundreds of idle
connections, requests for other paths, replays. Through all of it the real redirect must get
through at once, and when the flow ends (or is cancelled) nothing may be left listening.
"""

from __future__ import annotations

import asyncio
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.demo import demo_profile, demo_secrets
from itsme_debugger.flow import FlowEngine, WaitingForBrowser
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.net.httpserver import HttpServer, Limits, Request, Response
from itsme_debugger.net.loopback import LoopbackServer
from itsme_debugger.net.tasks import spawn

from .test_httpserver import run, status_of

STATE = "af0ifjsldkj"
pytestmark = pytest.mark.timeout(60)


def server(**kw: object) -> LoopbackServer:
    return LoopbackServer("http://127.0.0.1:0/callback", expected_state=STATE, **kw)  # type: ignore[arg-type]


def port_of(lb: LoopbackServer) -> int:
    port = urlsplit(lb.redirect_uri).port
    assert port
    return port


async def redirect_in_time(lb: LoopbackServer, code: str = "c", within: float = 1.0) -> None:
    """The browser's redirect is answered and captured within ``within`` seconds."""
    t0 = time.perf_counter()
    async with httpx.AsyncClient(trust_env=False, timeout=within) as browser:
        page = await browser.get(f"{lb.redirect_uri}?code={code}&state={STATE}")
    result, findings = await lb.wait(within)
    assert page.status_code == 200 and "Authorization response received" in page.text
    assert (result.code, findings) == (code, [])
    assert time.perf_counter() - t0 < within


async def raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a fresh connection, read until the server closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        writer.close()


def listening(port: int, host: str = "127.0.0.1") -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


# ---------------------------------------------------------------------------------------------
# Survives


def test_junk_bytes_get_400_and_the_redirect_still_gets_through():
    async def main() -> None:
        async with server() as lb:
            for junk in (b"\x00\x01\x02\r\n\r\n", b"\x16\x03\x01\x02\x00\x01", b"GET\r\n\r\n"):
                answer = await raw(port_of(lb), junk)
                assert answer == b"" or status_of(answer) == 400
            with pytest.raises(TimeoutError):
                await lb.wait(0.05)
            await redirect_in_time(lb)

    run(main)


def test_oversized_header_is_refused_after_a_bounded_read():
    async def main() -> None:
        async with server() as lb:
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(lb))
            sent, answer = 0, b""
            try:  # 8 MB of one header: the server stops reading long before the end
                writer.write(b"GET /callback?code=x&state=y HTTP/1.1\r\nX-Big: ")
                for _ in range(128):
                    writer.write(b"a" * 65536)
                    await asyncio.wait_for(writer.drain(), 2)
                    sent += 65536
                answer = await asyncio.wait_for(reader.read(), 5)
            except (ConnectionResetError, BrokenPipeError, TimeoutError):
                pass  # closed with unread data: the 431 may be lost in the reset
            writer.close()
            assert answer == b"" or status_of(answer) == 431
            assert sent < 8 * 1024 * 1024, "the server kept reading the oversized head"
            with pytest.raises(TimeoutError):
                await lb.wait(0.05)  # not taken for the redirect
            await redirect_in_time(lb)

    run(main)


def test_a_trickling_client_neither_blocks_the_redirect_nor_stays_forever():
    async def main() -> None:
        async with server(limits=Limits(read_timeout=1.0)) as lb:
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(lb))
            request = b"GET /callback?code=slow&state=" + STATE.encode() + b" HTTP/1.1\r\n"

            async def trickle() -> None:
                for byte in request:  # one byte every 0.1 s: it would need 4 s
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.1)

            dripping = spawn(trickle())
            await asyncio.sleep(0.2)
            await redirect_in_time(lb, "fast")  # while the slow one is still dripping
            t0 = time.perf_counter()
            answer = await asyncio.wait_for(reader.read(), 5)
            assert status_of(answer) == 408  # dropped after the read timeout
            assert time.perf_counter() - t0 < 2
            dripping.cancel()
            writer.close()

    run(main)


def test_idle_connections_are_dropped_after_the_read_timeout():
    async def main() -> None:
        async with server(limits=Limits(read_timeout=0.3)) as lb:
            idle = [await asyncio.open_connection("127.0.0.1", port_of(lb)) for _ in range(5)]
            t0 = time.perf_counter()
            for reader, writer in idle:
                assert status_of(await asyncio.wait_for(reader.read(), 3)) == 408
                writer.close()
            assert time.perf_counter() - t0 < 2

    run(main)


def test_200_connections_at_once_do_not_lock_out_the_browser():
    async def main() -> None:
        async with server() as lb:  # the default limits: 64 connections, 10 s read timeout
            crowd = await asyncio.gather(
                *(asyncio.open_connection("127.0.0.1", port_of(lb)) for _ in range(200))
            )
            for _, writer in crowd[::2]:  # half of them start a request and stall
                writer.write(b"GET /callback?code=stalled HTTP/1.1\r\n")
            await asyncio.sleep(0.1)
            await redirect_in_time(lb, "through-the-crowd", within=2.0)
            for _, writer in crowd:
                writer.close()

    run(main)


def test_other_paths_get_404_and_the_wait_goes_on():
    async def main() -> None:
        async with server() as lb, httpx.AsyncClient(trust_env=False) as b:
            base = lb.redirect_uri.removesuffix("/callback")
            for path in ("/", "/favicon.ico", "/callback/x", "/Callback", "/callbackx", "/.."):
                resp = await b.get(f"{base}{path}?code=c&state={STATE}")
                assert resp.status_code == 404, path
            with pytest.raises(TimeoutError):
                await lb.wait(0.05)
            await redirect_in_time(lb)

    run(main)


def test_a_replay_is_refused_and_does_not_replace_the_first_capture():
    async def main() -> None:
        async with server() as lb, httpx.AsyncClient(trust_env=False) as b:
            await redirect_in_time(lb, "first")
            for code in ("second", "first"):
                again = await b.get(f"{lb.redirect_uri}?code={code}&state={STATE}")
                assert again.status_code == 409
            result, _ = await lb.wait(1)
            captured = lb.capture_exchange()
            assert result.code == "first"
            assert captured is not None and "code=first" in captured[0].url

    run(main)


# ---------------------------------------------------------------------------------------------
# Binds only to loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.0.2.1", "example.org"])
def test_a_non_loopback_address_is_refused(host: str):
    async def hello(request: Request) -> Response:
        return Response.text("hello")

    async def main() -> None:
        s = HttpServer(hello, host=host)
        with pytest.raises(ConfigError, match="only listens on loopback"):
            await s.start()
        assert not s.is_serving

    run(main)


@pytest.mark.parametrize("uri", ["http://0.0.0.0:0/cb", "http://[::]:0/cb", "http://192.0.2.1/cb"])
def test_a_non_loopback_redirect_uri_is_refused(uri: str):
    with pytest.raises(ConfigError, match="not a loopback URI"):
        LoopbackServer(uri, expected_state=STATE)


def test_every_listening_socket_is_on_a_loopback_address():
    async def main() -> None:
        async with LoopbackServer("http://localhost:0/cb", expected_state=STATE) as lb:
            hosts = {urlsplit(b).hostname for b in lb.bound}
            assert hosts <= {"127.0.0.1", "::1"} and "127.0.0.1" in hosts

    run(main)


# ---------------------------------------------------------------------------------------------
# No port left open


def _demo_engine(mock: MockProvider, opener: object, seen: list[int]) -> FlowEngine:
    def listener(event: object) -> None:
        if isinstance(event, WaitingForBrowser):
            port = urlsplit(event.redirect_uri).port
            assert port
            seen.append(port)

    return FlowEngine(
        demo_profile(mock, request_object="none"),
        demo_secrets(mock),
        opener=opener,  # type: ignore[arg-type]
        listener=listener,
    )


def test_no_port_is_left_open_after_a_flow():
    async def main() -> None:
        seen: list[int] = []
        async with MockProvider("itsme-secret", auto_approve=True) as mock:
            result = await _demo_engine(mock, follow_redirects, seen).run()
        assert result.exit_code == 0
        assert seen and not listening(seen[0])

    run(main)


def test_no_port_is_left_open_after_a_cancel():
    async def main() -> None:
        seen: list[int] = []

        async def do_nothing(url: str) -> None:
            return None

        async with MockProvider("itsme-secret", auto_approve=True) as mock:
            task = spawn(_demo_engine(mock, do_nothing, seen).run())
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            assert seen and listening(seen[0])
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert not listening(seen[0])

    run(main)


def test_no_port_is_left_open_after_a_browser_timeout():
    async def main() -> None:
        seen: list[int] = []

        async def do_nothing(url: str) -> None:
            return None

        async with MockProvider("itsme-secret", auto_approve=True) as mock:
            engine = _demo_engine(mock, do_nothing, seen)
            engine._browser_timeout = 0.2
            result = await engine.run()
        assert result.error is not None and result.error.code == "flow.browser_timeout"
        assert seen and not listening(seen[0])

    run(main)
