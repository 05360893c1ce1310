"""The main window: profiles (create, duplicate, rename, delete) kept across restarts, a bad
profile file shown and left alone, secrets kept out of the files, window state remembered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt

from itsme_debugger.core.findings import info
from itsme_debugger.ui.main_window import DEMOS, MainWindow, about_text
from itsme_debugger.ui.profile_editor import CLAIMS_TAB, KEYS_TAB
from itsme_debugger.ui.profile_store import DEMO_ID, ProfileStore
from itsme_debugger.ui.sidebar import ProfileEntry, ProfileListModel

from .conftest import run

#: The built-in Demos, listed first (itsme®, then the Signicat broker and REST API).
DEMO_NAMES = [name for _id, name, _tip in DEMOS]

pytestmark = pytest.mark.gui

WindowFactory = Callable[..., MainWindow]
SECRET = "typed-secret-never-in-the-file"


def names(window: MainWindow) -> list[str]:
    return [e.name for e in window.profiles.entries()]


def test_first_start_opens_the_demo(loop: qasync.QEventLoop, make_window: WindowFactory) -> None:
    window = make_window()
    assert window.current_id == DEMO_ID
    assert names(window) == DEMO_NAMES
    assert DEMO_NAMES[0] == "Demo (mock itsme®)"
    run(loop, window.controller.demo())
    profile = window.current_profile()
    assert profile is not None and profile.provider.preset == "demo"
    assert window.start_action.isEnabled()
    assert not window.delete_action.isEnabled()
    assert not window.rename_action.isEnabled()
    assert "Demo" in window.windowTitle()


def test_profiles_created_duplicated_renamed_deleted_persist(
    make_window: WindowFactory, store: ProfileStore
) -> None:
    first = make_window()
    first.new_profile("itsme-v2-e2e")
    created = first.current_id
    assert created != DEMO_ID
    first.duplicate_profile()
    copy = first.current_id
    assert copy != created
    row = first.profiles.row_of(copy)
    assert first.profiles.setData(first.profiles.index(row, 0), "My e2e client")
    first.select_profile(created)
    first.delete_profile(confirm=False)
    assert first.current_id == DEMO_ID
    first.select_profile(copy)
    first.close()

    second = make_window()
    assert names(second) == [*DEMO_NAMES, "My e2e client"]
    assert second.current_id == copy  # the last selected profile
    stored = store.get(copy)
    assert stored.profile is not None and stored.profile.name == "My e2e client"
    assert stored.profile.provider.issuer == "https://idp.e2e.itsme.services/v2"
    assert not store.path(created).exists()


def test_unreadable_profile_is_shown_and_never_overwritten(
    make_window: WindowFactory, store: ProfileStore
) -> None:
    store.profiles_dir.mkdir(parents=True)
    bad = store.profiles_dir / "bad.toml"
    bad.write_text('name = "Bad"\n[provider]\nissuer = 42\n', encoding="utf-8")
    window = make_window()
    assert window.profiles.index(len(DEMOS), 0).data() == "bad.toml (cannot be read)"
    window.select_profile("bad")
    assert window.editor.pages.currentWidget() is window.editor.message
    assert "issuer must be a string" in window.editor.message.text()
    assert not window.start_action.isEnabled()
    assert not window.save_action.isEnabled()
    assert window.save_profile() is False
    window.select_profile(DEMO_ID)
    window.close()
    assert bad.read_text(encoding="utf-8") == 'name = "Bad"\n[provider]\nissuer = 42\n'


def test_typed_secret_is_stored_but_not_in_the_profile_file(
    make_window: WindowFactory, store: ProfileStore
) -> None:
    window = make_window()
    window.new_profile("itsme-secret-e2e")
    window.editor.tabs.setCurrentIndex(KEYS_TAB)
    window.editor.keys.secret_field.setText(SECRET)
    window.editor.keys.secret_field.editingFinished.emit()
    window.save_profile()
    assert store.secret(window.current_id) == SECRET
    assert SECRET not in store.path(window.current_id).read_text(encoding="utf-8")
    assert not window.editor.keys.secret_note.isHidden()  # no keychain in the tests: a 0600 file


def test_edits_are_saved_when_another_profile_is_selected(
    make_window: WindowFactory, store: ProfileStore
) -> None:
    window = make_window()
    window.new_profile("generic")
    edited = window.current_id
    assert not window.isWindowModified()
    window.editor.composer.client_id.setText("edited-client")
    assert window.isWindowModified()
    assert window.profiles.index(window.profiles.row_of(edited), 0).data().endswith("•")
    window.select_profile(DEMO_ID)
    stored = store.get(edited).profile
    assert stored is not None and stored.client.client_id == "edited-client"


def test_profile_that_cannot_be_saved_says_why_and_keeps_the_edit(
    make_window: WindowFactory, store: ProfileStore
) -> None:
    window = make_window()
    window.new_profile("generic")
    edited = window.current_id
    before = store.path(edited).read_text(encoding="utf-8")
    window.editor.composer.client_id.setText("")
    assert window.save_profile() is False
    assert not window.editor.problem.isHidden()
    assert "client_id is required" in window.editor.problem.text()
    window.select_profile(DEMO_ID)
    window.select_profile(edited)
    assert window.editor.composer.client_id.text() == ""  # the edit is still there
    assert store.path(edited).read_text(encoding="utf-8") == before


def test_start_with_a_missing_key_file_says_so_in_the_banner(make_window: WindowFactory) -> None:
    window = make_window()
    window.new_profile("itsme-v2-e2e")
    window.start_flow()
    assert not window.controller.is_running
    assert not window.banner.isHidden()
    assert "cannot read the key file" in window.banner.message.text()


def test_window_state_is_remembered(qapp: Any, make_window: WindowFactory) -> None:
    first = make_window()
    first.resize(first.width(), 712)  # the offscreen screen (800x800) clamps widths
    first.pane_actions["findings"].trigger()
    qapp.processEvents()
    first.centre_split.setSizes([300, 260])
    assert first.findings.isHidden()
    sizes = first.centre_split.sizes()
    first.close()

    second = make_window()
    qapp.processEvents()
    assert second.height() == 712
    assert second.centre_split.sizes() == sizes
    assert second.findings.isHidden()
    assert not second.pane_actions["findings"].isChecked()


def test_every_action_is_in_a_menu_with_its_shortcut(make_window: WindowFactory) -> None:
    window = make_window()
    menus = {
        m.title().replace("&", ""): {
            a.text().replace("&", ""): a.shortcut().toString() for a in m.actions() if a.text()
        }
        for m in (a.menu() for a in window.menuBar().actions())
    }
    assert menus["File"]["New profile…"] == "Ctrl+N"
    assert menus["File"]["Save profile"] == "Ctrl+S"
    assert menus["File"]["Open profile file…"] == "Ctrl+O"
    assert menus["File"]["Rename profile"] == "F2"
    assert menus["File"]["Delete profile…"] == "Del"
    assert menus["File"]["Quit"] == "Ctrl+Q"
    assert menus["Flow"] == {
        "Start": "Ctrl+R",
        "Cancel": "Esc",
        "Paste redirect URL…": "Ctrl+Shift+V",
        "Browser…": "",
    }
    assert set(menus["View"]) == {"Profiles", "Inspector", "Trace", "Findings"}
    assert "About itsme-debugger" in menus["Help"]


def test_about_names_the_versions(qapp: Any) -> None:
    import httpx
    import PySide6
    from PySide6.QtCore import qVersion

    text = about_text()
    for part in (
        f"Qt {qVersion()}",
        f"PySide6 {PySide6.__version__}",
        f"httpx {httpx.__version__}",
    ):
        assert part in text
    assert "jwcrypto 1." in text


def test_double_clicked_claim_finding_opens_the_claim(make_window: WindowFactory) -> None:
    window = make_window()
    window.new_profile("itsme-v2-e2e")
    finding = info(
        "claims.already_in_scope", "already in scope", "", "request.claims.userinfo.given_name"
    )
    window.findings.model.add("authorization", finding)
    window.findings.table.doubleClicked.emit(window.findings.model.index(0, 1))
    assert window.editor.tabs.currentIndex() == CLAIMS_TAB
    assert window.inspector.step == "authorization"


def test_opening_a_profile_file_imports_it(
    make_window: WindowFactory, store: ProfileStore, tmp_path: Path
) -> None:
    path = tmp_path / "theirs.toml"
    path.write_text(
        'name = "Theirs"\n[provider]\nissuer = "https://op.example.com"\n'
        '[client]\nclient_id = "x"\n',
        encoding="utf-8",
    )
    window = make_window()
    assert window.open_profile_file(path)
    assert names(window)[len(DEMOS)] == "Theirs"
    assert store.get(window.current_id).profile is not None
    assert window.open_profile_file(tmp_path / "missing.toml") is False
    assert "cannot be read" in window.editor.problem.text()


def test_profile_list_model_passes_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = ProfileListModel()
    model.set_entries(
        [
            ProfileEntry(DEMO_ID, "Demo", builtin=True),
            ProfileEntry("a", "A", "https://op"),
            ProfileEntry("b", "b.toml", error="b.toml: not valid TOML"),
        ]
    )
    qtmodeltester.check(model)
    assert model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(2, 0)) & Qt.ItemFlag.ItemIsEditable
    renamed: list[tuple[str, str]] = []
    model.renameRequested.connect(lambda i, n: renamed.append((i, n)))
    assert model.setData(model.index(1, 0), " New ")
    assert not model.setData(model.index(0, 0), "Demo 2")
    assert renamed == [("a", "New")]


def test_app_without_a_display_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from itsme_debugger.app import run_app

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert run_app([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display" in err


def test_icons_are_painted_in_the_palette_of_the_moment(qapp: Any) -> None:
    from PySide6.QtGui import QPalette

    from itsme_debugger.ui import icons
    from itsme_debugger.ui.app import dark_palette

    def darkest_pixel() -> int:
        image = icons.icon("start").pixmap(24, 24).toImage()
        shades = [
            image.pixelColor(x, y)
            for x in range(24)
            for y in range(24)
            if image.pixelColor(x, y).alpha() == 255
        ]
        return min(c.lightness() for c in shades)

    before = qapp.palette()
    try:
        qapp.setPalette(QPalette("#f5f5f5"))
        light = darkest_pixel()
        qapp.setPalette(dark_palette())
        dark = darkest_pixel()
    finally:
        qapp.setPalette(before)
    assert light < 80 < 150 < dark  # dark ink on light, light ink on dark


def test_profile_context_menu_offers_duplicate_rename_delete(make_window: WindowFactory) -> None:
    from PySide6.QtCore import QPoint

    window = make_window()
    window.new_profile("generic")
    view = window.sidebar.view
    row_rect = view.visualRect(window.profiles.index(window.profiles.row_of(window.current_id), 0))
    view.customContextMenuRequested.emit(row_rect.center())
    menu = window.sidebar.item_menu
    assert menu.isVisible()
    assert [a.text().replace("&", "") for a in menu.actions()] == [
        "Duplicate profile",
        "Rename profile",
        "Delete profile…",
    ]
    assert all(a.isEnabled() for a in menu.actions())
    menu.hide()
    view.customContextMenuRequested.emit(QPoint(5, view.viewport().height() - 2))  # no item
    assert not menu.isVisible()


def test_a_profile_just_made_from_any_preset_has_no_unsaved_changes(
    make_window: WindowFactory,
) -> None:
    from itsme_debugger.core.presets import PRESETS

    window = make_window()
    for key in PRESETS:
        window.new_profile(key)
        assert not window.isWindowModified(), key


def test_garbage_is_collected_on_the_ui_thread(qapp: Any) -> None:
    import gc
    import weakref

    from PySide6.QtCore import QObject

    from itsme_debugger.ui.app import MainThreadGarbageCollector

    class Node:
        other: Any = None

    thresholds = gc.get_threshold()
    owner = QObject()
    try:
        collector = MainThreadGarbageCollector(owner)
        assert not gc.isenabled()  # no collection on whatever thread happens to allocate
        gc.set_threshold(1, 1, 1)
        cycle = Node()
        cycle.other = cycle
        gone = weakref.ref(cycle)
        del cycle
        assert gone() is not None
        collector.collect()
        assert gone() is None
    finally:
        gc.set_threshold(*thresholds)
        gc.enable()
        owner.deleteLater()
