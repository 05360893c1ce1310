"""The recording HTTP client: what it records, and the one-line errors when no answer comes."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from itsme_debugger.core.http import HttpRequest, is_loopback_host
from itsme_debugger.core.trace import Trace
from itsme_debugger.net.errors import NetworkError
from itsme_debugger.net.httpserver import HttpServer, Request, Response
from itsme_debugger.net.recorder import USER_AGENT, RecordingClient
from itsme_debugger.net.tlscert import make_self_signed


def mock_client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- with a mock transport ----------------------------------------------------------------------


def test_records_request_response_and_timing():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"Content-Type": "application/json", "X-Id": "7"}, content=b'{"ok":1}'
        )

    async def main() -> None:
        trace = Trace()
        async with mock_client(handler) as client:
            rec = RecordingClient(trace, client=client)
            request = HttpRequest.form(
                "https://op.example/token",
                {"grant_type": "authorization_code", "client_secret": "s3cret"},
                headers=(("Accept", "application/json"),),
                secret_fields=frozenset({"client_secret"}),
            )
            before = time.time()
            resp = await rec.send(request, "token")
        assert resp.status == 200
        assert resp.json() == {"ok": 1}
        assert resp.header("x-id") == "7"
        assert resp.url == "https://op.example/token"
        (ex,) = list(trace)
        assert ex.step == "token"
        assert ex.response == resp
        assert ex.error is None
        assert before <= ex.started <= time.time()
        assert ex.elapsed_ms >= 0 and resp.elapsed_ms == ex.elapsed_ms
        assert ex.request.method == "POST"
        assert ex.request.url == "https://op.example/token"
        assert ex.request.body == b"grant_type=authorization_code&client_secret=s3cret"
        assert ex.request.secret_fields == frozenset({"client_secret"})
        # The recorded headers are the ones that went out, httpx's own included.
        assert ex.request.header("content-type") == "application/x-www-form-urlencoded"
        assert ex.request.header("accept") == "application/json"
        assert ex.request.header("content-length") == str(len(ex.request.body))
        assert ex.request.header("host") == "op.example"
        assert seen[0].content == ex.request.body

    asyncio.run(main())


def test_does_not_follow_redirects():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/"})

    async def main() -> None:
        trace = Trace()
        async with mock_client(handler) as client:
            resp = await RecordingClient(trace, client=client).send(
                HttpRequest.get("https://op.example/a"), "discovery"
            )
        assert resp.status == 302
        assert resp.header("location") == "https://elsewhere.example/"
        assert len(trace) == 1

    asyncio.run(main())


def test_body_larger_than_the_cap_stops_reading():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 100)

    async def main() -> None:
        trace = Trace()
        async with mock_client(handler) as client:
            rec = RecordingClient(trace, client=client, max_body_bytes=10)
            with pytest.raises(NetworkError) as info:
                await rec.send(HttpRequest.get("https://op.example/jwks"), "jwks")
        assert info.value.code == "network.protocol"
        assert "https://op.example/jwks" in info.value.message
        (ex,) = list(trace)
        assert ex.error == info.value.message
        assert ex.response is not None and ex.response.body == b"x" * 10

    asyncio.run(main())


def test_read_timeout_from_the_transport_is_a_network_timeout():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async def main() -> None:
        trace = Trace()
        async with mock_client(handler) as client:
            with pytest.raises(NetworkError) as info:
                await RecordingClient(trace, client=client, timeout=3).send(
                    HttpRequest.get("https://op.example/userinfo"), "userinfo"
                )
        assert info.value.code == "network.timeout"
        assert info.value.message == "https://op.example/userinfo did not answer within 3 s"
        (ex,) = list(trace)
        assert ex.response is None and ex.error == info.value.message

    asyncio.run(main())


def test_message_names_the_url_without_its_query():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("boom", request=request)

    async def main() -> None:
        async with mock_client(handler) as client:
            with pytest.raises(NetworkError) as info:
                await RecordingClient(Trace(), client=client).send(
                    HttpRequest.get("https://user:pw@op.example/x?access_token=SECRET"), "userinfo"
                )
        message = info.value.message
        assert "https://op.example/x" in message
        assert "SECRET" not in message and "pw" not in message
        assert "\n" not in message

    asyncio.run(main())


def test_not_an_http_url_is_a_network_error():
    async def main() -> None:
        async with RecordingClient(Trace()) as rec:
            with pytest.raises(NetworkError) as info:
                await rec.send(HttpRequest.get("ftp://op.example/x"), "discovery")
        assert info.value.code == "network.connect"
        assert "not a valid http or https URL" in info.value.message

    asyncio.run(main())


def test_aclose_leaves_an_injected_client_open():
    async def main() -> None:
        async with mock_client(lambda r: httpx.Response(204)) as client:
            rec = RecordingClient(Trace(), client=client)
            await rec.aclose()
            assert not client.is_closed
            assert (await rec.send(HttpRequest.get("https://op.example/"), "x")).status == 204

    asyncio.run(main())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("app.localhost", True),
        ("idp.e2e.itsme.services", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool):
    assert is_loopback_host(host) is loopback


# -- against a real server on loopback ----------------------------------------------------------


def test_against_a_real_server():
    got: list[Request] = []

    async def handler(request: Request) -> Response:
        got.append(request)
        return Response.json({"issuer": "http://127.0.0.1"}, 201)

    async def main() -> None:
        trace = Trace()
        async with HttpServer(handler) as server, RecordingClient(trace) as rec:
            url = f"{server.base_url}/token"
            resp = await rec.send(HttpRequest.form(url, {"code": "abc"}), "token")
        assert resp.status == 201
        assert resp.json() == {"issuer": "http://127.0.0.1"}
        assert resp.header("cache-control") == "no-store"
        assert got[0].method == "POST"
        assert got[0].form() == {"code": "abc"}
        assert got[0].header("user-agent") == USER_AGENT
        (ex,) = list(trace)
        assert ex.request.url == url and ex.request.header("user-agent") == USER_AGENT
        assert ex.response == resp
        assert ex.elapsed_ms > 0

    asyncio.run(main())


def test_timeout_against_a_slow_server():
    async def handler(request: Request) -> Response:
        await asyncio.sleep(5)
        return Response.text("too late")

    async def main() -> None:
        trace = Trace()
        async with HttpServer(handler) as server, RecordingClient(trace, timeout=0.2) as rec:
            url = f"{server.base_url}/slow"
            started = time.perf_counter()
            with pytest.raises(NetworkError) as info:
                await rec.send(HttpRequest.get(url), "userinfo")
            assert time.perf_counter() - started < 2
        assert info.value.code == "network.timeout"
        assert url in info.value.message
        (ex,) = list(trace)
        assert ex.error == info.value.message and ex.response is None

    asyncio.run(main())


def test_connection_refused():
    url = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"

    async def main() -> None:
        trace = Trace()
        async with RecordingClient(trace) as rec:
            with pytest.raises(NetworkError) as info:
                await rec.send(HttpRequest.get(url), "discovery")
        assert info.value.code == "network.connect"
        assert info.value.message == f"could not connect to {url}: connection refused"
        assert info.value.url == url
        (ex,) = list(trace)
        assert ex.step == "discovery" and ex.error == info.value.message

    asyncio.run(main())


def test_untrusted_certificate_is_a_tls_error():
    async def handler(request: Request) -> Response:
        return Response.text("hello")

    async def main() -> None:
        async with HttpServer(handler, ssl=make_self_signed()) as server:
            async with RecordingClient(Trace()) as rec:
                with pytest.raises(NetworkError) as info:
                    await rec.send(HttpRequest.get(f"{server.base_url}/"), "discovery")
            assert info.value.code == "network.tls"
            assert "certificate verify failed" in info.value.message
            assert server.base_url in info.value.message
            async with RecordingClient(Trace(), verify=False) as rec:
                resp = await rec.send(HttpRequest.get(f"{server.base_url}/"), "discovery")
            assert resp.text() == "hello"

    asyncio.run(main())


def test_proxy_from_the_environment_only_for_other_hosts(monkeypatch: pytest.MonkeyPatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    via_proxy: list[str] = []
    direct: list[str] = []

    async def proxy(request: Request) -> Response:
        via_proxy.append(request.target)
        return Response.text("from the proxy")

    async def origin(request: Request) -> Response:
        direct.append(request.target)
        return Response.text("direct")

    async def main() -> None:
        async with HttpServer(proxy) as p, HttpServer(origin) as o:
            monkeypatch.setenv("HTTP_PROXY", p.base_url)
            monkeypatch.setenv("http_proxy", p.base_url)
            async with RecordingClient(Trace()) as rec:
                local = await rec.send(HttpRequest.get(f"{o.base_url}/a"), "x")
                remote = await rec.send(HttpRequest.get("http://op.example/b"), "x")
        assert local.text() == "direct" and direct == ["/a"]
        assert remote.text() == "from the proxy" and via_proxy == ["http://op.example/b"]

    asyncio.run(main())
