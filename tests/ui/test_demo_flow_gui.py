"""The whole Demo flow through the window: Start, the mock approving at once, and what each
pane shows; cancel while waiting; the redirect URL pasted into the banner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync

from itsme_debugger.core.findings import Severity
from itsme_debugger.core.report import STEPS
from itsme_debugger.ui.main_window import MainWindow
from tests.flowrun import stay_put

from .conftest import (
    assert_cancelled,
    cancel_while_waiting,
    emitted,
    finish_flow,
    paste_where_the_browser_goes,
    run,
    shown_texts,
)

pytestmark = pytest.mark.gui

WindowFactory = Callable[..., MainWindow]


async def ready(window: MainWindow) -> None:
    """Wait for the Demo's mock provider (and the Demo profile in the editor)."""
    await window.controller.demo()
    assert window.start_action.isEnabled()


def after_a_flow(loop: qasync.QEventLoop, make_window: WindowFactory) -> MainWindow:
    """A window whose Demo flow has run to its end."""
    window = make_window()

    async def main() -> None:
        await ready(window)
        await finish_flow(window)

    run(loop, main())
    return window


def strip_words(window: MainWindow) -> dict[str, str]:
    return {n: window.strip.buttons[n].text().split("\n")[1] for n in STEPS}


def test_demo_flow_through_the_window(loop: qasync.QEventLoop, make_window: WindowFactory) -> None:
    window = make_window()

    async def main() -> Any:
        await ready(window)
        done = emitted(window.controller.finished)
        window.start_action.trigger()
        assert not window.start_action.isEnabled()
        assert window.cancel_action.isEnabled()
        return await done

    result = run(loop, main())
    assert result.exit_code == 0
    # the strip: an icon and a word per step, every step that ran ok (or a warning)
    words = strip_words(window)
    for name in ("discovery", "callback", "token", "id_token", "userinfo"):
        assert words[name].startswith("ok · "), (name, words[name])
    assert words["authorization"].startswith("warning · ")  # http loopback redirect URI
    assert words["revocation"] == "skipped"
    assert all(not window.strip.buttons[n].icon().isNull() for n in STEPS)
    # the trace: one row per exchange, in order
    model = window.trace.model
    engine = window.controller.engine
    assert engine is not None
    assert model.rowCount() == len(engine.trace)
    steps = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert steps[0] == "Discovery"
    assert {"Authorize", "Callback", "Token", "UserInfo"} <= set(steps)
    token_row = steps.index("Token")
    assert [model.index(token_row, c).data() for c in (2, 4)] == ["POST", "200"]
    # the inspector: the ID token with its claims
    assert window.inspector.step == "id_token"
    assert window.strip.selected() == "id_token"
    texts = shown_texts(window.inspector.id_token)
    assert "George" in texts and "Tǎnka" in texts
    assert "given_name" in texts
    # the findings: none of them an error
    findings = window.findings.model
    severities = [findings.item(r)[1].severity for r in range(findings.rowCount())]
    assert severities and Severity.ERROR not in severities
    assert "0 errors" in window.statusBar().currentMessage()
    assert window.start_action.isEnabled() and not window.cancel_action.isEnabled()


def test_the_editor_stays_put_while_a_flow_runs(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    """The waiting banner comes and goes in the flow's pane: the timeline gives it room, the
    editor beside it is neither moved nor laid out again."""
    from PySide6.QtCore import QEvent, QObject

    window = make_window(opener=stay_put)  # the flow waits for the browser, banner up
    window.resize(1400, 900)
    resized: list[QEvent.Type] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
                resized.append(event.type())
            return False

    async def main() -> None:
        await ready(window)
        await asyncio.sleep(0.2)  # the window laid out
        watch = Watch(window)
        window.editor.installEventFilter(watch)
        waiting = emitted(window.controller.waitingForBrowser)
        done = emitted(window.controller.finished)
        window.start_flow()
        await waiting
        await asyncio.sleep(0.1)  # the banner is up, laid out and painted
        assert window.banner.is_waiting()
        window.banner.cancel_button.click()
        await done
        await asyncio.sleep(0.1)  # and gone again
        assert not window.banner.isVisible()
        window.editor.removeEventFilter(watch)

    run(loop, main())
    assert resized == []


def test_clicking_steps_and_exchanges_fills_the_inspector(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = after_a_flow(loop, make_window)
    window.strip.buttons["userinfo"].click()
    assert window.inspector.step == "userinfo"
    assert "BEeidSn" in shown_texts(window.inspector.userinfo)
    window.strip.buttons["discovery"].click()
    assert window.inspector.pages.currentWidget() is window.inspector.discovery
    window.trace.table.selectRow(0)
    assert window.inspector.step is None
    assert window.inspector.tabs.currentWidget() is window.inspector.http
    assert window.strip.selected() is None
    assert "Exchange #1" in window.inspector.heading.text()


def test_the_userinfo_page_shows_the_picture_fetched_with_the_access_token(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = after_a_flow(loop, make_window)
    window.strip.buttons["userinfo"].click()
    page = window.inspector.userinfo
    assert not page.picture.image.isNull()  # the JPEG the mock serves at /v2/picture
    assert page.picture.image.size() == page.photo.image.size()  # the seed's 200x140 photo
    assert "/v2/picture · HTTP 200" in page.picture_source.text()
    assert page.picture_source.isVisibleTo(page)
    rows = {
        page.claims_model.row(r).name: page.claims_model.row(r)
        for r in range(page.claims_model.rowCount())
    }
    assert rows["picture"].readable.startswith("fetched: image/jpeg, 3.0 kB")
    steps = [window.trace.model.index(r, 1).data() for r in range(window.trace.model.rowCount())]
    assert steps.index("UserInfo") < steps.index("Picture")  # its exchange, in the timeline
    window.strip.buttons["id_token"].click()
    assert not window.inspector.id_token.picture_source.isVisibleTo(window.inspector.id_token)


def test_start_opens_the_url_with_the_browser_command_kept_in_the_settings(
    loop: qasync.QEventLoop, make_window: WindowFactory, tmp_path: Path
) -> None:
    import shlex
    import sys

    seen = tmp_path / "opened.txt"
    # a "browser" that notes the URL, then follows it as a browser would (the mock approves)
    script = (
        "import asyncio, pathlib, sys; "
        f"pathlib.Path({str(seen)!r}).write_text(sys.argv[-1]); "
        "from itsme_debugger.net.autobrowser import follow_redirects; "
        "asyncio.run(follow_redirects(sys.argv[-1]))"
    )
    window = make_window(opener=None)
    window.set_browser_command(f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    assert window.settings.value("flow/browser_command").startswith(sys.executable)

    async def main() -> Any:
        await ready(window)
        return await finish_flow(window)

    result = run(loop, main())
    assert result.exit_code == 0
    assert seen.read_text().startswith(result.authorization_url.split("?")[0] + "?")
    window.set_browser_command("  ")
    assert window.controller.browser_command is None  # the system browser again
    assert "system browser" in window.statusBar().currentMessage()


def test_cancel_while_waiting_for_the_browser_frees_the_port(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(opener=stay_put)

    def while_waiting(event: Any) -> None:
        assert event.listening[0] in window.banner.message.text()
        assert window.paste_action.isEnabled()

    async def main() -> tuple[int, Any]:
        await ready(window)
        return await cancel_while_waiting(window, while_waiting)

    port, result = run(loop, main())
    assert_cancelled(window, port, result, "token")
    assert window.banner.isHidden()


def test_redirect_url_pasted_into_the_banner_finishes_the_flow(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(opener=stay_put)

    async def main() -> Any:
        await ready(window)
        return await paste_where_the_browser_goes(window)

    result = run(loop, main())
    assert result.exit_code == 0
    assert window.strip.status("userinfo") == "ok"
    engine = window.controller.engine
    assert engine is not None
    assert any(ex.note == "redirect URL pasted" for ex in engine.trace)


def test_a_flow_with_a_provider_fault_shows_the_error_finding(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(faults=["wrong_nonce"])

    async def main() -> Any:
        await ready(window)
        return await finish_flow(window)

    result = run(loop, main())
    assert result.steps["id_token"].status == "error"
    assert window.strip.status("id_token") == "error"
    assert window.inspector.step == "id_token"  # the first failed step is shown
    ids = [window.findings.model.item(r)[1].id for r in range(window.findings.model.rowCount())]
    assert "id_token.nonce_mismatch" in ids
    assert "1 error" in window.findings.summary.text()
