"""Fixtures for the GUI tests: offscreen Qt, a qasync loop, a throw-away config folder, the
mock provider with keys made once per session, and helpers to await Qt signals in coroutines.

Inside a coroutine never use qtbot.waitSignal / waitUntil (they spin their own event loop);
await :func:`emitted` instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import gc
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import qasync
from jwcrypto import jwk
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QWidget

from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.ui.flow_controller import FlowController
from itsme_debugger.ui.main_window import MainWindow
from itsme_debugger.ui.profile_store import ENV_CONFIG_DIR, FileSecrets, ProfileStore
from tests.flowrun import port_is_free

TIMEOUT = 30.0


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on the test's QApplication; closing a window never quits it."""
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def no_garbage_collection_during_the_test() -> Iterator[None]:
    """The cyclic garbage collector may run on a worker thread (asyncio.to_thread) and free Qt
    objects there while Qt runs timers, which crashes; the app therefore collects on the UI
    thread only (ui.app.MainThreadGarbageCollector). Here: no collection while a test runs,
    collection between tests (on the main thread)."""
    gc.disable()
    yield
    gc.enable()


def run(loop: qasync.QEventLoop, coro: Coroutine[Any, Any, Any], timeout: float = TIMEOUT) -> Any:
    """Run ``coro`` on the Qt event loop, failing after ``timeout`` seconds."""
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def emitted(signal: SignalInstance) -> asyncio.Future[Any]:
    """A future resolved by the next emission of ``signal`` (its argument, or a tuple)."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def slot(*args: Any) -> None:
        if not future.done():
            future.set_result(args[0] if len(args) == 1 else args)

    signal.connect(slot)
    future.add_done_callback(lambda _f: signal.disconnect(slot))
    return future


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(ENV_CONFIG_DIR, str(folder))
    return folder


@pytest.fixture
def store(config_dir: Path) -> ProfileStore:
    """A store whose secrets go to a 0600 file (never the developer's keychain)."""
    return ProfileStore(config_dir, secrets=FileSecrets(config_dir / "secrets.json"))


@pytest.fixture(scope="session")
def mock_keys() -> tuple[jwk.JWKSet, jwk.JWKSet]:
    """The mock's own keys and its demo client's keys, made once (RSA takes a while)."""
    return generate_client_keys(), generate_client_keys()


MockFactory = Callable[..., MockProvider]


@pytest.fixture
def make_mock(mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]) -> MockFactory:
    """MockProvider(variant, auto_approve=True) with the session's keys; kwargs override."""

    def make(variant: str = "itsme-v2", **kw: Any) -> MockProvider:
        kw.setdefault("auto_approve", True)
        return MockProvider(variant, keys=mock_keys[0], demo_client_keys=mock_keys[1], **kw)

    return make


@pytest.fixture
def open_window(
    loop: qasync.QEventLoop, store: ProfileStore
) -> Iterator[Callable[..., MainWindow]]:
    """Open a main window over a controller (a new one per call, as after a restart); closed
    at teardown, its flow cancelled and its mock providers closed."""
    windows: list[MainWindow] = []

    def open_(controller: FlowController, opener: Any = follow_redirects) -> MainWindow:
        window = MainWindow(store, controller, opener=opener)
        window.show()
        windows.append(window)
        return window

    yield open_
    for window in windows:
        window.close()
        run(loop, window.controller.aclose())
        window.deleteLater()


@pytest.fixture
def make_window(
    open_window: Callable[..., MainWindow], make_mock: MockFactory
) -> Callable[..., MainWindow]:
    """A main window whose Demo runs on ``make_mock(**mock_kw)``; see ``open_window``."""

    def make(opener: Any = follow_redirects, **mock_kw: Any) -> MainWindow:
        return open_window(FlowController(make_mock=lambda: make_mock(**mock_kw)), opener)

    return make


async def finish_flow(window: MainWindow) -> Any:
    """Start the window's flow; its result once it has finished."""
    done = emitted(window.controller.finished)
    window.start_flow()
    return await done


async def paste_where_the_browser_goes(window: MainWindow) -> Any:
    """Start the flow; once it waits, follow the authorization URL one hop (where the
    provider sends the browser back) and paste that URL into the banner; the result."""
    waiting = emitted(window.controller.waitingForBrowser)
    window.start_flow()
    event = await waiting
    async with httpx.AsyncClient(trust_env=False) as client:
        location = (await client.get(event.url)).headers["location"]
    done = emitted(window.controller.finished)
    window.paste_action.trigger()
    window.banner.paste_field.setText(location)
    window.banner.paste_button.click()
    return await done


async def cancel_while_waiting(
    window: MainWindow, while_waiting: Callable[[Any], None] = lambda _event: None
) -> tuple[int, Any]:
    """Start the flow, wait until it waits for the browser (its loopback port taken, the
    banner up, the callback step running), run ``while_waiting(event)``, then cancel with the
    banner's button; the port and the finished result."""
    waiting = emitted(window.controller.waitingForBrowser)
    window.start_flow()
    event = await waiting
    port = urlsplit(event.listening[0]).port
    assert port is not None and not port_is_free(port)
    assert window.banner.is_waiting()
    assert window.strip.status("callback") == "running"
    while_waiting(event)
    done = emitted(window.controller.finished)
    window.banner.cancel_button.click()
    return port, await done


def assert_cancelled(window: MainWindow, port: int, result: Any, next_step: str) -> None:
    """What a flow cancelled while waiting for the browser leaves: its port free, the
    callback step cancelled, ``next_step`` skipped, the status bar saying so."""
    assert port_is_free(port)
    assert result.interrupted
    assert window.strip.status("callback") == "cancelled"
    assert window.strip.status(next_step) == "skipped"
    assert "cancelled" in window.statusBar().currentMessage()


def shown_texts(widget: QWidget) -> str:
    """Every label and every cell of every item view inside ``widget``, as one text."""
    parts = [label.text() for label in widget.findChildren(QLabel)]
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        for row in range(model.rowCount()):
            for col in range(model.columnCount()):
                value = model.index(row, col).data()
                if value is not None:
                    parts.append(str(value))
    return "\n".join(parts)
