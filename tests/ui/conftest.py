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
import socket
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

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
    """MockProvider("itsme-v2", auto_approve=True) with the session's keys; kwargs override."""

    def make(**kw: Any) -> MockProvider:
        kw.setdefault("auto_approve", True)
        return MockProvider("itsme-v2", keys=mock_keys[0], demo_client_keys=mock_keys[1], **kw)

    return make


async def stay_put(_url: str) -> None:
    """An opener for a user who never comes back from the browser."""


@pytest.fixture
def make_window(
    loop: qasync.QEventLoop, store: ProfileStore, make_mock: MockFactory
) -> Iterator[Callable[..., MainWindow]]:
    """Open a main window (a new one per call, as after a restart); closed at teardown,
    its flow cancelled and its mock provider closed."""
    windows: list[MainWindow] = []

    def make(opener: Any = follow_redirects, **mock_kw: Any) -> MainWindow:
        controller = FlowController(make_mock=lambda: make_mock(**mock_kw))
        window = MainWindow(store, controller, opener=opener)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        run(loop, window.controller.aclose())
        window.deleteLater()


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
