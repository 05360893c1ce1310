"""Render the main states of the window offscreen into docs/screenshots/*.png (1400x900).

    .venv/bin/python scripts/screenshots.py [--out DIR] [STATE ...]

Each state opens a fresh main window on a throw-away config folder (your own profiles are
never shown) with the in-process mock provider approving at once, brings the window into the
state and saves ``window.grab()``. Add a state: write ``async def state(shot) -> None`` that
drives ``shot.window`` and register it in ``STATES``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = (1400, 900)


@dataclass
class Shot:
    """One state being set up: its name and its window."""

    name: str
    window: Any


async def _finished(window: Any, start: bool = True) -> Any:
    from itsme_debugger.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    await window.controller.demo()
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    window.controller.finished.connect(lambda r: done.done() or done.set_result(r))
    if start:
        window.start_flow()
    return await done


async def first_start(shot: Shot) -> None:
    """The first start: the Demo profile in the Request tab, nothing run yet."""
    await shot.window.controller.demo()


async def waiting(shot: Shot) -> None:
    """Start pressed; the browser is open and the loopback server waits for the redirect."""
    window = shot.window
    await window.controller.demo()
    ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    window.controller.waitingForBrowser.connect(lambda e: ready.done() or ready.set_result(e))
    window.start_flow()
    await ready


async def id_token(shot: Shot) -> None:
    """A finished Demo flow; the ID token step is shown in the inspector."""
    await _finished(shot.window)


async def findings(shot: Shot) -> None:
    """A flow against a misbehaving provider (wrong nonce): the error selected."""
    await _finished(shot.window)
    shot.window.findings.table.selectRow(0)  # the most severe first


async def userinfo(shot: Shot) -> None:
    """The UserInfo step after a Demo flow: claims, metadata matrix, photo."""
    await _finished(shot.window)
    shot.window.show_step("userinfo")


async def claims(shot: Shot) -> None:
    """The Claims tab of the Demo profile."""
    await shot.window.controller.demo()
    shot.window.editor.tabs.setCurrentWidget(shot.window.editor.claims)


async def keys(shot: Shot) -> None:
    """The Keys tab of a new itsme® profile whose key pair was just generated."""
    from itsme_debugger.ui.profile_editor import KEYS_TAB

    window = shot.window
    window.new_profile("itsme-v2-e2e")
    window.editor.tabs.setCurrentIndex(KEYS_TAB)
    await window.editor.keys.generate(window.store.key_dir(window.current_id))


async def dark(shot: Shot) -> None:
    """A finished Demo flow in a dark palette (the system's dark scheme)."""
    from PySide6.QtWidgets import QApplication

    from itsme_debugger.ui.app import dark_palette

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    await _finished(shot.window)


async def signicat_rest(shot: Shot) -> None:
    """The Demo of the Signicat REST API, finished: the Session pane with status and subject."""
    from itsme_debugger.ui.flow_controller import SIGNICAT
    from itsme_debugger.ui.profile_store import DEMO_SIGNICAT_REST_ID

    window = shot.window
    window.select_profile(DEMO_SIGNICAT_REST_ID)
    await window.controller.demo(SIGNICAT)
    await _finished(window)


async def imported_trace(shot: Shot) -> None:
    """A Demo flow exported as a masked HAR (File > Export trace), then opened offline."""
    from itsme_debugger.export import write_export

    window = shot.window
    await _finished(window)
    engine = window.controller.engine
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "support-ticket-4711.har"
        write_export(path, engine.trace, engine.result, engine.profile)
        task = window.trace_io.open_trace(path)
        assert task is not None
        await task
    window.centre_split.setSizes([330, 370])  # room for the timeline


async def _no_browser(_url: str) -> None:
    """The "waiting" state: a browser that never comes back."""


STATES: dict[str, tuple[Callable[[Shot], Awaitable[None]], dict[str, Any]]] = {
    "01-first-start": (first_start, {}),
    "02-waiting-for-browser": (waiting, {"opener": _no_browser}),
    "03-id-token": (id_token, {}),
    "04-findings-wrong-nonce": (findings, {"faults": ["wrong_nonce"]}),
    "05-userinfo": (userinfo, {}),
    "06-claims": (claims, {}),
    "07-keys": (keys, {}),
    "08-dark": (dark, {}),
    "09-signicat-rest-session": (signicat_rest, {}),
    "10-imported-trace": (imported_trace, {}),
}


async def render(names: list[str], out: Path) -> list[Path]:
    from itsme_debugger.core.keys import generate_client_keys
    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects
    from itsme_debugger.ui.flow_controller import FlowController
    from itsme_debugger.ui.main_window import MainWindow
    from itsme_debugger.ui.profile_store import FileSecrets, ProfileStore

    provider_keys, client_keys = generate_client_keys(), generate_client_keys()
    written = []
    for name in names:
        state, options = STATES[name]
        faults = options.get("faults", [])
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            store = ProfileStore(folder, secrets=FileSecrets(folder / "secrets.json"))

            def make_mock(faults: list[str] = faults) -> MockProvider:
                return MockProvider(
                    "itsme-v2",
                    auto_approve=True,
                    faults=faults,
                    keys=provider_keys,
                    demo_client_keys=client_keys,
                )

            def make_signicat_mock() -> MockProvider:
                return MockProvider(
                    "signicat", auto_approve=True, keys=provider_keys, demo_client_keys=client_keys
                )

            window = MainWindow(
                store,
                FlowController(make_mock=make_mock, make_signicat_mock=make_signicat_mock),
                opener=options.get("opener", follow_redirects),
            )
            window.resize(*SIZE)
            window.show()
            shot = Shot(name, window)
            try:
                await asyncio.wait_for(state(shot), 30)
                await asyncio.sleep(0.3)  # let layouts and the spinner settle
                path = out / f"{name}.png"
                window.grab().save(str(path))
                written.append(path)
            finally:
                window.close()
                await window.controller.aclose()
                window.deleteLater()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("states", nargs="*", metavar="STATE", help=", ".join(STATES))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    unknown = [n for n in args.states if n not in STATES]
    if unknown:
        parser.error(f"unknown state(s): {', '.join(unknown)}; choose from {', '.join(STATES)}")
    names = args.states or list(STATES)

    import qasync

    from itsme_debugger.ui.app import make_application

    with tempfile.TemporaryDirectory() as config:
        os.environ["ITSME_DEBUGGER_CONFIG_DIR"] = config
        app = make_application(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            written = loop.run_until_complete(render(names, args.out))
        finally:
            loop.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
