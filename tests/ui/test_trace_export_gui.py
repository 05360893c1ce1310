"""Export, copy as curl and import of a trace through the window: the Demo flow run through the
GUI, exported by the action to each format (the save dialog patched), the files read back,
searched for the flow's secrets, and opened again offline."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from itsme_debugger.ui import trace_io
from itsme_debugger.ui.main_window import MainWindow
from itsme_debugger.ui.profile_store import DEMO_ID
from itsme_debugger.ui.trace_io import (
    EXPORT_FILTERS,
    NO_CURL,
    ExportDialog,
    suggested_name,
    with_format_suffix,
)
from tests.export import DemoRun, known_secrets, leaks

from .conftest import emitted, finish_flow, run, shown_texts

pytestmark = [pytest.mark.gui, pytest.mark.timeout(90)]

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def window(loop: qasync.QEventLoop, make_window: WindowFactory) -> MainWindow:
    """A window whose Demo flow has finished."""
    window = make_window()

    async def main() -> None:
        await window.controller.demo()
        await finish_flow(window)

    run(loop, main())
    return window


def flow_run(window: MainWindow) -> DemoRun:
    """The window's last flow, as the export tests' helpers take it."""
    engine = window.controller.engine
    assert engine is not None
    return DemoRun(tuple(engine.trace), engine.result, engine.profile, window._demo_keys[DEMO_ID])


def export(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    path: Path,
    *,
    reveal: bool = False,
) -> Path:
    """Export through the action, the save dialog answering ``path``; the path written."""
    asked: list[Path] = []

    def answer(_parent: Any, suggested: Path) -> tuple[Path, bool]:
        asked.append(suggested)
        return path, reveal

    monkeypatch.setattr(trace_io, "ask_export_path", answer)

    async def main() -> Any:
        done = emitted(window.trace_io.exported)
        window.trace_io.export_action.trigger()
        return await done

    written = run(loop, main())
    assert asked and asked[0].suffix == ".har"  # the dialog is offered a name
    return Path(written)


def open_trace(
    loop: qasync.QEventLoop, window: MainWindow, monkeypatch: pytest.MonkeyPatch, path: Path
) -> Any:
    """Open ``path`` through the action (the open dialog patched); the signal that came."""
    monkeypatch.setattr(trace_io, "ask_trace_path", lambda _parent, _folder: path)

    async def main() -> Any:
        done = emitted(window.trace_io.imported)
        failed = emitted(window.trace_io.failed)
        window.trace_io.open_action.trigger()
        finished, _ = await asyncio.wait({done, failed}, return_when=asyncio.FIRST_COMPLETED)
        for f in (done, failed):
            if not f.done():
                f.cancel()
        return finished.pop().result()

    return run(loop, main())


def rows(window: MainWindow, step: str) -> int:
    model = window.trace.model
    return next(r for r in range(model.rowCount()) if model.exchange(r).step == step)


# -- export ----------------------------------------------------------------------------------


def test_export_is_enabled_once_a_flow_has_a_trace(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window()
    action = window.trace_io.export_action
    assert action.shortcut().toString() == "Ctrl+E"
    assert not action.isEnabled()  # no flow yet

    async def main() -> None:
        await window.controller.demo()
        done = emitted(window.controller.finished)
        window.start_flow()
        assert not action.isEnabled()  # running
        await done

    run(loop, main())
    assert action.isEnabled()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    file_actions = [a.text() for a in menus["File"].actions()]
    assert "&Export trace…" in file_actions and "Open &trace…" in file_actions


@pytest.mark.parametrize("suffix", [".har", ".json", ".md"])
def test_masked_export_of_each_format_holds_no_secret(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    suffix: str,
) -> None:
    path = export(loop, window, monkeypatch, tmp_path / f"trace{suffix}")
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    n_rows = window.trace.model.rowCount()
    if suffix == ".har":
        entries = json.loads(text)["log"]["entries"]
        assert len(entries) == n_rows
    elif suffix == ".json":
        assert len(json.loads(text)["exchanges"]) == n_rows
    else:
        assert text.startswith("# ") and "Findings" in text
    assert leaks(text, known_secrets(flow_run(window))) == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    message = window.statusBar().currentMessage()
    assert f"Exported {n_rows} exchanges" in message and "secrets masked" in message


def test_unmasked_export_holds_the_secrets_in_a_private_file(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path = export(loop, window, monkeypatch, tmp_path / "trace.har", reveal=True)
    text = path.read_text(encoding="utf-8")
    secrets = known_secrets(flow_run(window))
    for name in ("code", "access_token", "id_token", "client assertion"):
        assert secrets[name] in text, name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "UNMASKED" in window.statusBar().currentMessage()


def test_a_failed_write_shows_one_message_and_leaves_no_file(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    target = blocker / "trace.har"
    monkeypatch.setattr(trace_io, "ask_export_path", lambda *_: (target, False))
    messages: list[str] = []
    window.trace_io.failed.connect(messages.append)

    async def main() -> str:
        failed = emitted(window.trace_io.failed)
        window.trace_io.export_action.trigger()
        return str(await failed)

    message = run(loop, main())
    assert messages == [message]
    assert "cannot write the export" in message and str(target) in message
    box = window.trace_io.message_box
    assert box is not None and box.isVisible() and box.text() == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "not-a-folder"]
    assert window.trace_io.export_action.isEnabled()  # the user can try another place


def test_the_save_dialog_offers_the_formats_adds_the_suffix_and_confirms_unmasking(
    qapp: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dialog = ExportDialog(None, tmp_path / "demo.har")
    assert dialog.nameFilters() == list(EXPORT_FILTERS.values())
    assert dialog.defaultSuffix() == "har"
    assert not dialog.reveal.isChecked()  # redaction on by default
    assert dialog.reveal.text() == "Include secrets and personal data (unmasked)"
    assert dialog.reveal.isVisibleTo(dialog)
    answers = iter([False, True])
    monkeypatch.setattr(trace_io, "confirm_reveal", lambda _parent: next(answers))
    dialog.reveal.setChecked(True)
    assert not dialog.reveal.isChecked()  # the user said no
    dialog.reveal.setChecked(True)
    assert dialog.reveal.isChecked()
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name is not None and name.text() == "demo.har"
    dialog.selectNameFilter(EXPORT_FILTERS[".md"])
    dialog.filterSelected.emit(EXPORT_FILTERS[".md"])
    assert dialog.defaultSuffix() == "md"
    assert name.text() == "demo.md"  # the name follows the format chosen
    assert with_format_suffix(Path("/x/report"), EXPORT_FILTERS[".md"]) == Path("/x/report.md")
    assert with_format_suffix(Path("/x/t.txt"), EXPORT_FILTERS[".json"]) == Path("/x/t.txt.json")
    assert with_format_suffix(Path("/x/t.HAR"), EXPORT_FILTERS[".md"]) == Path("/x/t.HAR")
    assert suggested_name("Demo (mock itsme®)", 0).startswith("demo-mock-itsme-")
    dialog.deleteLater()


# -- copy as curl ----------------------------------------------------------------------------


def test_copy_as_curl_masks_the_client_assertion_unless_asked(
    window: MainWindow,
) -> None:
    io = window.trace_io
    assert not io.curl_action.isEnabled()  # no exchange selected
    assertion = known_secrets(flow_run(window))["client assertion"]
    window.trace.table.selectRow(rows(window, "token"))
    assert io.curl_action.isEnabled() and io.curl_action.shortcut().toString() == "Ctrl+Shift+C"
    io.curl_action.trigger()
    masked = QGuiApplication.clipboard().text()
    assert masked.startswith("curl ") and "/token" in masked
    # the form body is URL-encoded: the JWT's header, then «redacted JWS, 3 parts, … chars»
    assert "client_assertion=eyJ" in masked and "%C2%ABredacted+JWS" in masked
    assert assertion not in masked
    assert "as curl, secrets masked" in window.statusBar().currentMessage()
    io.curl_unmasked_action.trigger()
    assert assertion in QGuiApplication.clipboard().text()
    assert window.trace.row_menu.actions() == [io.curl_action, io.curl_unmasked_action]


def test_the_captured_redirect_has_no_curl_and_says_why(
    window: MainWindow,
) -> None:
    io = window.trace_io
    QGuiApplication.clipboard().setText("before")
    table = window.trace.table
    callback = rows(window, "callback")
    # a right click selects the row and opens its menu
    table.customContextMenuRequested.emit(
        table.visualRect(table.model().index(callback, 3)).center()
    )
    assert table.currentIndex().row() == callback
    assert window.trace.row_menu.isVisible()
    window.trace.row_menu.close()
    assert not io.curl_action.isEnabled() and not io.curl_unmasked_action.isEnabled()
    assert io.curl_action.toolTip() == NO_CURL
    io.copy_curl(reveal=False)  # the shortcut of a disabled action does nothing either
    assert QGuiApplication.clipboard().text() == "before"
    window.trace.table.selectRow(rows(window, "authorization"))  # the browser's GET is fine
    assert io.curl_action.isEnabled() and io.curl_action.toolTip() != NO_CURL


# -- import ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".har", ".json"])
def test_an_unmasked_export_opens_offline_decrypted_with_the_profile_keys(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    suffix: str,
) -> None:
    n_rows = window.trace.model.rowCount()
    n_findings = window.findings.model.rowCount()
    path = export(loop, window, monkeypatch, tmp_path / f"trace{suffix}", reveal=True)
    window.trace.model.set_trace(None)  # what the file holds must come from the file
    window.findings.model.clear()

    offline = open_trace(loop, window, monkeypatch, path)
    assert offline is window.trace_io.offline
    assert window.trace.model.rowCount() == n_rows
    assert window.findings.model.rowCount() == n_findings
    assert window.strip.status("userinfo") == "ok"
    assert window.inspector.step == "id_token"
    texts = shown_texts(window.inspector.id_token)
    assert "George" in texts and "given_name" in texts
    layers = window.inspector.id_token.layer_texts()
    assert layers[0].startswith("JWE") and "enc-" in layers[0]  # the Demo's key decrypted it
    assert any(line.startswith("JWS") and "sig-" in line for line in layers)
    assert offline.result.id_token.inspection.token.startswith("eyJ")  # decoded again
    assert "could not be decrypted" not in window.trace.source.text()
    assert f"{path.name} (offline)" in window.windowTitle()
    assert window.trace.source.isVisibleTo(window) and path.name in window.trace.source.text()
    window.show_step("userinfo")
    assert "BEeidSn" in shown_texts(window.inspector.userinfo)
    assert not window.inspector.userinfo.picture.image.isNull()  # the picture, from the file
    window.trace.table.selectRow(rows(window, "token"))
    assert "Exchange #" in window.inspector.heading.text()

    # the next flow replaces it
    run(loop, finish_flow(window))
    assert window.trace_io.offline is None
    assert "(offline)" not in window.windowTitle()
    assert not window.trace.source.isVisibleTo(window)
    engine = window.controller.engine
    assert engine is not None and window.trace.model.rowCount() == len(engine.trace)


def test_a_masked_export_opens_with_the_claims_as_recorded(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    n_rows = window.trace.model.rowCount()
    path = export(loop, window, monkeypatch, tmp_path / "masked.har")
    open_trace(loop, window, monkeypatch, path)
    assert window.trace.model.rowCount() == n_rows
    texts = shown_texts(window.inspector.id_token)
    assert "given_name" in texts and "George" not in texts
    assert "«redacted" in texts
    assert "masked in this file" in window.trace.source.text()
    window.show_step("userinfo")
    picture = window.inspector.userinfo
    assert picture.picture.image.isNull()  # the picture is personal data: not in the file
    assert "masked in this export" in picture.picture_source.text()
    assert "/9j/4AAQ" not in path.read_text(encoding="utf-8")  # nor the JPEG, in base64


def test_without_the_profile_keys_the_tokens_show_as_recorded(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path = export(loop, window, monkeypatch, tmp_path / "trace.json", reveal=True)
    window.new_profile("itsme-v2-e2e")  # a profile without the Demo's keys
    offline = open_trace(loop, window, monkeypatch, path)
    assert "could not be decrypted" in window.trace.source.text()
    assert offline.result.id_token.inspection.token == "(as recorded in the export)"
    assert "George" in shown_texts(window.inspector.id_token)  # the export's decoded claims


def test_a_corrupt_file_shows_the_message_and_keeps_the_previous_state(
    loop: qasync.QEventLoop,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    before_rows = window.trace.model.rowCount()
    before_findings = window.findings.model.rowCount()
    before_title = window.windowTitle()
    before_step = window.inspector.step
    corrupt = tmp_path / "broken.har"
    corrupt.write_text('{"log": {"entries": [{"request": ')
    message = open_trace(loop, window, monkeypatch, corrupt)
    assert isinstance(message, str)
    assert "broken.har" in message and "truncated" in message
    box = window.trace_io.message_box
    assert box is not None and box.isVisible() and box.text() == message
    assert window.trace_io.offline is None
    assert window.trace.model.rowCount() == before_rows
    assert window.findings.model.rowCount() == before_findings
    assert window.windowTitle() == before_title
    assert window.inspector.step == before_step
    assert not window.trace.source.isVisibleTo(window)


def test_a_signicat_rest_export_opens_with_its_session(tmp_path: Path) -> None:
    """A REST API flow has no tokens to decode: the session, callback and status are rebuilt."""
    from itsme_debugger.demo import demo_rest_profile, demo_rest_secrets
    from itsme_debugger.export import write_export
    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects
    from itsme_debugger.signicat_flow import SignicatRestEngine
    from itsme_debugger.ui.offline import open_offline

    async def main() -> Any:
        async with MockProvider("signicat", auto_approve=True) as mock:
            engine = SignicatRestEngine(
                demo_rest_profile(mock), demo_rest_secrets(mock), opener=follow_redirects
            )
            await engine.run()
            return engine

    engine = asyncio.run(asyncio.wait_for(main(), 60))
    path = write_export(tmp_path / "rest.json", engine.trace, engine.result, engine.profile)
    offline = open_offline(path)
    result = offline.result
    assert list(result.steps) == list(engine.result.steps)
    assert {rec.status for rec in result.steps.values()} == {"ok"}
    assert result.session is not None and result.session.status == "SUCCESS"
    assert result.callback is not None and result.callback.outcome == "success"
    callbacks = [ex for ex in offline.trace if ex.step == "callback"]
    assert [ex.is_returned_redirect for ex in callbacks] == [False, True]  # opened, came back


def test_the_save_dialog_offers_every_export_format_in_order() -> None:
    from itsme_debugger.export import FORMATS

    assert tuple(trace_io.EXPORT_FILTERS) == tuple(FORMATS)
