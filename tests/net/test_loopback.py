"""The loopback redirect capture (RFC 8252), driven by a real HTTP client as the browser."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import socket
from typing import ClassVar

import httpx
import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.net import loopback
from itsme_debugger.net.httpserver import HttpServer
from itsme_debugger.net.loopback import LoopbackServer
from itsme_debugger.net.tasks import spawn

STATE = "af0ifjsldkj"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def browser() -> httpx.AsyncClient:
    return httpx.AsyncClient(trust_env=False, verify=False, timeout=5)


def server(uri: str = "http://127.0.0.1:0/callback", **kw: object) -> LoopbackServer:
    kw.setdefault("expected_state", STATE)
    return LoopbackServer(uri, **kw)  # type: ignore[arg-type]


def test_redirect_ends_the_wait_with_the_code():
    async def main() -> None:
        async with server() as lb, browser() as b:
            port = int(lb.redirect_uri.rsplit(":", 1)[1].split("/")[0])
            assert port > 0
            assert lb.redirect_uri == f"http://127.0.0.1:{port}/callback"
            assert lb.bound == [f"http://127.0.0.1:{port}/callback"]
            waiter = spawn(lb.wait(5))
            page = await b.get(f"{lb.redirect_uri}?code=SplxlOBeZQQYbYS6WxSbIA&state={STATE}")
            result, findings = await waiter
        assert result.code == "SplxlOBeZQQYbYS6WxSbIA"
        assert result.state == STATE
        assert findings == []
        assert page.status_code == 200
        assert "You can close this tab and return to itsme-debugger" in page.text
        assert "SplxlOBeZQQYbYS6WxSbIA" not in page.text
        captured = lb.capture_exchange()
        assert captured is not None
        request, response = captured
        assert request.method == "GET"
        assert request.url == f"{lb.redirect_uri}?code=SplxlOBeZQQYbYS6WxSbIA&state={STATE}"
        assert request.header("host") == f"127.0.0.1:{port}"
        assert response.status == 200 and response.body == page.content

    asyncio.run(main())


def test_capture_exchange_is_none_before_the_redirect():
    async def main() -> None:
        async with server() as lb:
            assert lb.capture_exchange() is None

    asyncio.run(main())


def test_the_result_page_is_self_contained():
    async def main() -> None:
        async with server() as lb, browser() as b:
            page = await b.get(f"{lb.redirect_uri}?code=c&state={STATE}")
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert not re.search(r"<(script|link|img|iframe)\b|\b(src|href)=|url\(", page.text)

    asyncio.run(main())


def test_state_mismatch_gives_a_finding_and_a_warning_page():
    async def main() -> None:
        async with server() as lb, browser() as b:
            page = await b.get(f"{lb.redirect_uri}?code=c&state=forged")
            result, findings = await lb.wait(1)
        assert result.code == "c"
        assert [f.id for f in findings] == ["redirect.state_mismatch"]
        assert "the code will not be redeemed" in page.text
        assert "forged" in page.text
        assert "Authorization response received" not in page.text

    asyncio.run(main())


def test_access_denied_page_explains_the_error():
    async def main() -> None:
        async with server() as lb, browser() as b:
            page = await b.get(
                f"{lb.redirect_uri}?error=access_denied"
                f"&error_description=The+user+cancelled&state={STATE}"
            )
            result, findings = await lb.wait(1)
        assert result.error == "access_denied"
        assert [f.id for f in findings] == ["authorization.error.access_denied"]
        assert "<code>access_denied</code>" in page.text
        assert "The user cancelled" in page.text
        assert "What it means" in page.text and "denied the request" in page.text

    asyncio.run(main())


def test_echoed_values_are_html_escaped():
    evil = "<script>alert(1)</script>"

    async def main() -> None:
        async with server() as lb, browser() as b:
            page = await b.get(
                f"{lb.redirect_uri}",
                params={"error": evil, "error_description": evil, "state": evil},
            )
        assert "<script" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    asyncio.run(main())


def test_favicon_is_404_and_does_not_end_the_wait():
    async def main() -> None:
        async with server() as lb, browser() as b:
            base = lb.redirect_uri.removesuffix("/callback")
            icon = await b.get(f"{base}/favicon.ico")
            assert icon.status_code == 404
            with pytest.raises(TimeoutError):
                await lb.wait(0.05)
            await b.get(f"{lb.redirect_uri}?code=c&state={STATE}")
            result, _ = await lb.wait(1)
        assert result.code == "c"

    asyncio.run(main())


def test_post_on_the_redirect_path_is_refused_and_does_not_end_the_wait():
    async def main() -> None:
        async with server() as lb, browser() as b:
            resp = await b.post(lb.redirect_uri, data={"code": "c", "state": STATE})
            assert resp.status_code == 405
            assert resp.headers["allow"] == "GET"
            assert "form_post" in resp.text
            with pytest.raises(TimeoutError):
                await lb.wait(0.05)

    asyncio.run(main())


def test_replay_after_capture_is_told_the_flow_has_its_redirect():
    async def main() -> None:
        async with server() as lb, browser() as b:
            await b.get(f"{lb.redirect_uri}?code=first&state={STATE}")
            again = await b.get(f"{lb.redirect_uri}?code=second&state={STATE}")
            result, _ = await lb.wait(1)
            captured = lb.capture_exchange()
        assert again.status_code == 409
        assert "already captured its redirect" in again.text
        assert result.code == "first"
        assert captured is not None and "code=first" in captured[0].url

    asyncio.run(main())


def test_wait_times_out():
    async def main() -> None:
        async with server() as lb:
            with pytest.raises(TimeoutError):
                await lb.wait(0.01)

    asyncio.run(main())


def test_port_in_use_is_one_clear_config_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        async def main() -> None:
            lb = server(f"http://127.0.0.1:{port}/callback")
            with pytest.raises(ConfigError) as info:
                await lb.start()
            message = str(info.value)
            assert message.startswith(f"port {port} on 127.0.0.1 is in use")
            assert "\n" not in message
            await lb.close()

        asyncio.run(main())


def test_fixed_port_is_used_and_freed_after_close():
    port = free_port()

    async def main() -> None:
        lb = server(f"http://127.0.0.1:{port}/cb")
        await lb.start()
        assert lb.redirect_uri == f"http://127.0.0.1:{port}/cb"
        await lb.close()
        await lb.close()  # idempotent
        async with server(f"http://127.0.0.1:{port}/cb") as again:
            assert again.bound == [f"http://127.0.0.1:{port}/cb"]

    asyncio.run(main())


def test_port_freed_after_a_cancelled_wait():
    port = free_port()

    async def main() -> None:
        lb = server(f"http://127.0.0.1:{port}/cb")
        await lb.start()
        task = spawn(lb.wait())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await lb.close()
        async with server(f"http://127.0.0.1:{port}/cb") as again, browser() as b:
            await b.get(f"{again.redirect_uri}?code=c&state={STATE}")
            result, _ = await again.wait(1)
        assert result.code == "c"

    asyncio.run(main())


def test_close_cancels_a_pending_wait():
    async def main() -> None:
        lb = server()
        await lb.start()
        task = spawn(lb.wait())
        await asyncio.sleep(0)
        await lb.close()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_no_port_in_the_uri_picks_a_free_one():
    async def main() -> None:
        async with server("http://127.0.0.1/callback") as lb:
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", lb.redirect_uri)
            assert not lb.redirect_uri.endswith(":0/callback")

    asyncio.run(main())


def test_localhost_listens_on_both_loopback_addresses():
    async def main() -> None:
        async with server("http://localhost:0/cb") as lb, browser() as b:
            port = lb.redirect_uri.split(":")[2].split("/")[0]
            assert lb.redirect_uri == f"http://localhost:{port}/cb"
            assert lb.bound == [f"http://127.0.0.1:{port}/cb", f"http://[::1]:{port}/cb"]
            await b.get(f"http://[::1]:{port}/cb?code=v6&state={STATE}")
            result, findings = await lb.wait(1)
        assert result.code == "v6"
        assert findings == []

    asyncio.run(main())


def test_ipv6_redirect_uri():
    async def main() -> None:
        async with server("http://[::1]:0/cb") as lb, browser() as b:
            assert lb.bound[0].startswith("http://[::1]:")
            await b.get(f"{lb.redirect_uri}?code=c&state={STATE}")
            result, _ = await lb.wait(1)
        assert result.code == "c"

    asyncio.run(main())


def test_https_with_a_self_signed_certificate():
    async def main() -> None:
        async with server(https=True) as lb, browser() as b:
            assert lb.redirect_uri.startswith("https://127.0.0.1:")
            page = await b.get(f"{lb.redirect_uri}?code=tls&state={STATE}")
            result, _ = await lb.wait(1)
        assert page.status_code == 200
        assert result.code == "tls"
        assert result.url.startswith("https://")

    asyncio.run(main())


@pytest.mark.parametrize(
    "uri",
    ["https://client.example.org/cb", "http://10.0.0.1:8765/cb", "com.example.app:/cb", "junk"],
)
def test_not_a_loopback_redirect_uri(uri: str):
    with pytest.raises(ConfigError) as info:
        server(uri)
    assert "not a loopback URI" in str(info.value)


class FlakyServer(HttpServer):
    """An HttpServer whose ``start`` fails with ``errno`` on ``::1`` the first ``times``."""

    failures: ClassVar[dict[str, int]] = {}

    async def start(self) -> None:
        if self.host == "::1" and FlakyServer.failures.get("left", 0) > 0:
            FlakyServer.failures["left"] -= 1
            code = FlakyServer.failures["errno"]
            raise OSError(code, os.strerror(code))
        await super().start()


def flaky(monkeypatch: pytest.MonkeyPatch, code: int, times: int) -> None:
    monkeypatch.setattr(loopback, "HttpServer", FlakyServer)
    monkeypatch.setattr(FlakyServer, "failures", {"left": times, "errno": code})


def test_localhost_without_ipv6_listens_on_127_0_0_1(monkeypatch: pytest.MonkeyPatch):
    flaky(monkeypatch, errno.EADDRNOTAVAIL, 1)

    async def main() -> None:
        async with server("http://localhost:0/cb") as lb:
            assert [b.split(":")[1] for b in lb.bound] == ["//127.0.0.1"]

    asyncio.run(main())


def test_ipv6_uri_without_ipv6_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    flaky(monkeypatch, errno.EADDRNOTAVAIL, 1)

    async def main() -> None:
        lb = server("http://[::1]:0/cb")
        with pytest.raises(ConfigError, match=r"cannot listen on \[::1\]:0"):
            await lb.start()
        await lb.close()

    asyncio.run(main())


def test_free_port_taken_on_the_second_address_is_drawn_again(monkeypatch: pytest.MonkeyPatch):
    flaky(monkeypatch, errno.EADDRINUSE, 2)

    async def main() -> None:
        async with server("http://localhost:0/cb") as lb:
            assert len(lb.bound) == 2
            assert FlakyServer.failures["left"] == 0

    asyncio.run(main())


def test_fixed_port_taken_on_the_second_address_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
):
    flaky(monkeypatch, errno.EADDRINUSE, 1)
    port = free_port()

    async def main() -> None:
        lb = server(f"http://localhost:{port}/cb")
        with pytest.raises(ConfigError, match=f"port {port} on ::1 is in use"):
            await lb.start()
        await lb.close()
        # nothing is left listening on 127.0.0.1 either
        async with server(f"http://127.0.0.1:{port}/cb") as again:
            assert again.bound == [f"http://127.0.0.1:{port}/cb"]

    asyncio.run(main())
