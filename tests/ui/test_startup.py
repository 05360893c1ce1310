"""Start-up: the window appears first, what it does not need waits; the benchmark's probe."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from itsme_debugger.core.report import FlowResult, StepRecord
from itsme_debugger.ui import startup
from itsme_debugger.ui.claims_editor import ClaimsEditor
from itsme_debugger.ui.inspector_panel import InspectorPanel

pytestmark = [pytest.mark.gui, pytest.mark.timeout(90)]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ITSME_DEBUGGER_CONFIG_DIR": str(tmp_path / "config"),
        **extra,
    }


def test_the_app_reports_its_first_frame_then_the_demo_provider(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "itsme_debugger"],
        env=_env(tmp_path, ITSME_DEBUGGER_PROBE="demo"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("probe ")]
    assert [fields[1] for fields in lines] == ["shown", "demo"]
    (_, _, shown_at, shown_kib), (_, _, ready_at, _) = lines
    assert float(shown_at) <= float(ready_at)
    assert int(shown_kib) > 0


def test_without_a_command_the_command_line_parser_and_the_mock_are_not_loaded(
    tmp_path: Path,
) -> None:
    code = textwrap.dedent(
        """
        import sys
        import itsme_debugger.app
        from itsme_debugger import cli

        def run_app(argv=None):
            print("mock loaded" if "itsme_debugger.mockop" in sys.modules else "lean")
            return 0

        itsme_debugger.app.run_app = run_app
        sys.argv = ["itsme-debugger"]
        raise SystemExit(cli.main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "lean"), done.stderr


def test_the_probe_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(startup.PROBE_ENV, raising=False)
    assert startup.probe_mode() == ""
    monkeypatch.setenv(startup.PROBE_ENV, "anything")
    assert startup.probe_mode() == ""
    monkeypatch.setenv(startup.PROBE_ENV, "shown")
    assert startup.probe_mode() == "shown"


def test_work_waits_for_the_first_frame(qtbot: Any) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    calls: list[bool] = []
    startup.on_first_frame(widget, lambda: calls.append(widget.isVisible()))
    qtbot.wait(20)
    assert calls == []  # never shown, never painted
    widget.show()
    qtbot.waitUntil(lambda: calls == [True])
    widget.update()
    qtbot.wait(20)
    assert calls == [True]  # once


def test_the_claims_tree_opens_its_groups_when_the_tab_is_shown(qtbot: Any) -> None:
    editor = ClaimsEditor()
    qtbot.addWidget(editor)
    groups = editor.tree.model().rowCount()
    first = editor.tree.model().index(0, 0)
    assert groups > 1 and not editor.tree.isExpanded(first)  # hidden: nothing done yet
    editor.show()
    qtbot.waitExposed(editor)
    assert all(editor.tree.isExpanded(editor.tree.model().index(row, 0)) for row in range(groups))


def test_inspector_result_pages_are_built_when_first_shown(qtbot: Any) -> None:
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    assert panel.pages.count() == 1  # the hint only
    result = FlowResult()
    result.steps["discovery"] = StepRecord("discovery", status="error", message="no answer")
    panel.show_step("discovery", result, None)
    assert panel.pages.count() == 1  # nothing to decode: still the hint
    assert panel.id_token is panel.id_token  # built once, on first use
    assert panel.pages.indexOf(panel.id_token) >= 0
