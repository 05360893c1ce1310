"""Hardening seen from the window: TLS verification switched off is a warning finding, and a
profile file that cannot be read is shown with its message and survives saves of others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt

from itsme_debugger.core.findings import Severity
from itsme_debugger.demo import demo_profile
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.ui.main_window import MainWindow
from itsme_debugger.ui.profile_store import ProfileStore

from .conftest import emitted, run, shown_texts

pytestmark = pytest.mark.gui


def test_tls_verification_off_is_a_warning_in_the_findings(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()

    async def main() -> Any:
        mock = await window.controller.demo()
        assert mock is not None
        profile = demo_profile(mock)
        profile = replace(profile, flow=replace(profile.flow, verify_tls=False))
        done = emitted(window.controller.finished)
        window.controller.start(profile, None, opener=follow_redirects)
        return await done

    result = run(loop, main())
    assert result.exit_code == 0
    model = window.findings.model
    shown = [model.item(r)[1] for r in range(model.rowCount())]
    (off,) = [f for f in shown if f.id == "flow.tls_verification_off"]
    assert off.severity is Severity.WARNING
    assert "TLS certificate verification is switched off" in shown_texts(window.findings)


def test_a_corrupt_profile_survives_saving_other_profiles_in_the_window(
    make_window: Callable[..., MainWindow], store: ProfileStore
) -> None:
    store.profiles_dir.mkdir(parents=True)
    bad = store.profiles_dir / "bad.toml"
    content = b'name = "Bad"\n[provider]\nissuer = "https://op.exa'
    bad.write_bytes(content)
    window = make_window()
    names = [window.profiles.entry(r).name for r in range(window.profiles.rowCount())]
    row = names.index("bad.toml")
    assert window.profiles.index(row, 0).data() == "bad.toml (cannot be read)"
    assert "not valid TOML" in window.profiles.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    window.new_profile("generic")
    assert window.save_profile() is not False
    window.select_profile("bad")
    assert "not valid TOML" in window.editor.message.text()
    assert window.save_profile() is False
    window.close()
    assert bad.read_bytes() == content
    assert [s.id for s in store.profiles() if s.error] == ["bad"]
