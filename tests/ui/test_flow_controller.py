"""The flow controller: engine events as Qt signals, cancel frees the port, paste mode, the
Demo's mock provider started once."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import qasync

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.demo import demo_profile
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.net import browser
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.ui.flow_controller import FlowController
from tests.flowrun import port_is_free, stay_put

from .conftest import MockFactory, emitted, run

pytestmark = pytest.mark.gui


class Recorder:
    """Everything a controller emits, in order."""

    def __init__(self, controller: FlowController) -> None:
        self.events: list[tuple[str, Any]] = []
        for name in (
            "started",
            "stepChanged",
            "exchangeAdded",
            "waitingForBrowser",
            "browserFailed",
            "finished",
            "failed",
        ):
            getattr(controller, name).connect(lambda *a, n=name: self.events.append((n, a)))
        controller.findingAdded.connect(lambda s, f: self.events.append(("findingAdded", (s, f))))

    def of(self, name: str) -> list[Any]:
        return [a[0] if len(a) == 1 else a for n, a in self.events if n == name]


async def redirect_location(url: str) -> str:
    """What a browser would be sent to: the mock's redirect, not followed."""
    async with httpx.AsyncClient(trust_env=False) as client:
        resp = await client.get(url)
    return resp.headers["location"]


def test_demo_flow_emits_every_event_and_the_result(
    loop: qasync.QEventLoop, make_mock: MockFactory
) -> None:
    controller = FlowController(make_mock=make_mock)
    seen = Recorder(controller)

    async def main() -> Any:
        mock = await controller.demo()
        assert mock is not None
        done = emitted(controller.finished)
        controller.start(demo_profile(mock), None, opener=follow_redirects)
        assert controller.is_running
        result = await done
        await controller.aclose()
        return result

    result = run(loop, main())
    assert result.exit_code == 0
    assert not controller.is_running
    engine = seen.of("started")[0]
    steps = [ex.step for ex in engine.trace]
    assert steps[0] == "discovery"
    assert [s for s in steps if s in ("authorization", "callback", "token", "userinfo")] == [
        "authorization",
        "callback",
        "token",
        "userinfo",
    ]
    assert {ex.index for ex in seen.of("exchangeAdded")} == set(range(len(engine.trace)))
    final = {rec.name: rec.status for rec in seen.of("stepChanged")}
    assert final == {
        "discovery": "ok",
        "authorization": "warning",  # the loopback http redirect URI, as with real itsme®
        "callback": "ok",
        "token": "ok",
        "id_token": "ok",
        "userinfo": "ok",
        "revocation": "skipped",
    }
    waiting = seen.of("waitingForBrowser")[0]
    assert waiting.listening and waiting.listening[0].startswith("http://127.0.0.1:")
    assert [f.id for _, f in seen.of("findingAdded")] == [f.id for f in result.all_findings]


def test_cancel_while_waiting_frees_the_port(
    loop: qasync.QEventLoop, make_mock: MockFactory
) -> None:
    controller = FlowController(make_mock=make_mock)

    async def main() -> tuple[int, Any]:
        mock = await controller.demo()
        assert mock is not None
        waiting = emitted(controller.waitingForBrowser)
        controller.start(demo_profile(mock), None, opener=stay_put)
        event = await waiting
        port = urlsplit(event.listening[0]).port
        assert port is not None and not port_is_free(port)
        done = emitted(controller.finished)
        controller.cancel()
        result = await done
        await controller.aclose()
        return port, result

    port, result = run(loop, main())
    assert port_is_free(port)
    assert result.interrupted
    assert result.steps["callback"].status == "cancelled"
    assert result.steps["token"].status == "skipped"
    assert not controller.is_running


def test_paste_hands_the_redirect_to_the_waiting_flow(
    loop: qasync.QEventLoop, make_mock: MockFactory
) -> None:
    controller = FlowController(make_mock=make_mock)

    async def main() -> Any:
        mock = await controller.demo()
        assert mock is not None
        waiting = emitted(controller.waitingForBrowser)
        controller.start(demo_profile(mock), None, opener=stay_put)
        event = await waiting
        done = emitted(controller.finished)
        assert controller.paste(await redirect_location(event.url))
        result = await done
        await controller.aclose()
        return result

    result = run(loop, main())
    assert result.exit_code == 0
    assert result.steps["userinfo"].status == "ok"


def test_paste_without_a_waiting_flow_is_refused(qapp: Any) -> None:
    assert FlowController().paste("http://127.0.0.1:1/callback?code=x") is False


def test_mock_provider_is_started_once(loop: qasync.QEventLoop, make_mock: MockFactory) -> None:
    made: list[MockProvider] = []

    def factory() -> MockProvider:
        made.append(make_mock())
        return made[-1]

    controller = FlowController(make_mock=factory)
    ready = []
    controller.demoReady.connect(ready.append)

    async def main() -> tuple[Any, Any]:
        first, second = await asyncio.gather(controller.demo(), controller.demo())
        port = first.port
        await controller.aclose()
        return (first, second), port

    (first, second), port = run(loop, main())
    assert first is second is made[0]
    assert len(made) == 1
    assert ready == [first]
    assert port_is_free(port)  # closed by aclose


def test_mock_provider_that_cannot_start_is_reported(
    loop: qasync.QEventLoop, make_mock: MockFactory
) -> None:
    def broken() -> MockProvider:
        raise OSError(98, "Address already in use")

    controller = FlowController(make_mock=broken)

    async def main() -> str:
        failed = emitted(controller.failed)
        controller.start(demo_profile(make_mock()), None)
        message: str = await failed
        return message

    message = run(loop, main())
    assert "mock provider could not start" in message
    assert "Address already in use" in message
    assert not controller.is_running


def test_browser_that_cannot_start_keeps_the_flow_waiting(
    loop: qasync.QEventLoop, make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_browser(url: str, command: str | None = None) -> None:
        raise ConfigError(f"no browser could be started; open this URL yourself: {url}")

    monkeypatch.setattr(browser, "open_in_browser", no_browser)
    controller = FlowController(make_mock=make_mock)

    async def main() -> tuple[str, bool, Any]:
        mock = await controller.demo()
        assert mock is not None
        failed = emitted(controller.browserFailed)
        controller.start(demo_profile(mock), None)  # the default opener: the system browser
        message: str = await failed
        await asyncio.sleep(0.05)
        still_waiting = controller.engine is not None and controller.engine.waiting_for_redirect
        done = emitted(controller.finished)
        controller.cancel()
        result = await done
        await controller.aclose()
        return message, still_waiting, result

    message, still_waiting, result = run(loop, main())
    assert "no browser could be started" in message
    assert still_waiting
    assert result.interrupted


def test_cancel_before_the_flow_runs_ends_it(
    loop: qasync.QEventLoop, make_mock: MockFactory
) -> None:
    controller = FlowController(make_mock=make_mock)

    async def main() -> str:
        failed = emitted(controller.failed)
        controller.start(demo_profile(make_mock()), None)
        controller.cancel()
        message: str = await failed
        await controller.aclose()
        return message

    assert "cancelled" in run(loop, main())
    assert not controller.is_running


def test_an_engine_bug_ends_the_flow_with_a_message_not_a_traceback(
    loop: qasync.QEventLoop, make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from itsme_debugger import flow

    async def broken_run(self: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(flow.FlowEngine, "run", broken_run)
    controller = FlowController(make_mock=make_mock)

    async def main() -> str:
        failed = emitted(controller.failed)
        controller.start(demo_profile(make_mock()), None)
        message: str = await failed
        await controller.aclose()
        return message

    message = run(loop, main())
    assert message.startswith("internal error: KeyError")
    assert not controller.is_running


def test_preload_loads_the_engine_on_a_worker_thread_once(
    loop: qasync.QEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from itsme_debugger.ui import flow_controller

    threads: list[threading.Thread] = []
    monkeypatch.setattr(
        flow_controller, "_load_engine", lambda: threads.append(threading.current_thread())
    )
    controller = FlowController()

    async def main() -> bool:
        first = controller.preload()
        same = controller.preload() is first
        await first
        return same

    assert run(loop, main())
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
