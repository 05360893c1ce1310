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


def _probed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The app (``python ARGS``) run with the start-up probe until the Demo is ready."""
    done = subprocess.run(
        [sys.executable, *args],
        env=_env(tmp_path, ITSME_DEBUGGER_PROBE="demo"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_app_reports_its_first_frame_then_its_loop_then_the_demo_provider(
    tmp_path: Path,
) -> None:
    done = _probed(tmp_path, "-m", "itsme_debugger")
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("probe ")]
    assert [fields[1] for fields in lines] == ["shown", "ready", "demo"]
    times = [float(fields[2]) for fields in lines]
    assert times == sorted(times)
    assert all(int(fields[3]) > 0 for fields in lines)


#: What the window's first frame must not wait for: the asyncio loop, the JOSE and HTTP
#: libraries, the engine, the mock provider, the keychain, the exports.
NOT_BEFORE_THE_FIRST_FRAME = (
    "asyncio",
    "qasync",
    "jwcrypto",
    "cryptography",
    "httpx",
    "h11",
    "keyring",
    "itsme_debugger.flow",
    "itsme_debugger.mockop",
    "itsme_debugger.export",
    "itsme_debugger.core.jose",
    "itsme_debugger.ui.composer",
    "itsme_debugger.ui.inspector.token_view",
)


def test_the_first_frame_waits_for_no_asyncio_jose_http_or_engine(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from itsme_debugger.ui import startup

        report = startup.report

        def at_first_frame(label):
            if label == "shown":
                print("loaded", " ".join(sorted(sys.modules)))
            report(label)

        startup.report = at_first_frame
        sys.argv = ["itsme-debugger"]
        from itsme_debugger import cli
        raise SystemExit(cli.main())
        """
    )
    done = _probed(tmp_path, "-c", code)
    loaded = next(line for line in done.stdout.splitlines() if line.startswith("loaded ")).split()
    assert "itsme_debugger.ui.main_window" in loaded  # the probe saw the window's frame
    early = [
        m
        for m in loaded
        if any(m == p or m.startswith(p + ".") for p in NOT_BEFORE_THE_FIRST_FRAME)
    ]
    assert early == []
    probes = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("probe ")]
    assert probes == ["shown", "ready", "demo"]  # and all of it came once the window was up


def test_importing_after_qt_does_not_read_each_modules_source() -> None:
    """shiboken's import hook reads the source of every module imported after it (for
    ``__feature__``), unless :mod:`itsme_debugger.ui` has tamed it."""
    code = textwrap.dedent(
        """
        import linecache, sys
        import itsme_debugger.ui
        import PySide6.QtWidgets
        import fractions, statistics  # anything not imported yet
        read = ("fractions.py", "statistics.py")
        print(sorted(name for name in linecache.cache if name.endswith(read)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


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


def test_modules_load_off_the_ui_thread_while_the_window_answers(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from PySide6.QtCore import QTimer

    (tmp_path / "slow_module_for_test.py").write_text(
        "import threading, time\nTHREAD = threading.current_thread()\ntime.sleep(0.2)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    startup.import_in_background("slow_module_for_test")
    timer.stop()
    import slow_module_for_test  # type: ignore[import-not-found]

    assert slow_module_for_test.THREAD is not threading.main_thread()
    assert len(ticks) >= 5  # Qt's events went on during the 200 ms import


def test_an_import_that_fails_in_the_background_raises_here(qtbot: Any) -> None:
    with pytest.raises(ImportError):
        startup.import_in_background("no_such_module_anywhere_12345")


def test_the_editor_builds_its_tabs_ahead_one_per_turn(qtbot: Any) -> None:
    from itsme_debugger.ui.profile_editor import ProfileEditor

    editor = ProfileEditor()
    qtbot.addWidget(editor)
    editor.show_message("Starting the Demo's mock provider…")
    editor.prebuild()
    assert "composer" not in editor.__dict__  # not at once: on the following turns
    built = ("composer", "claims", "keys", "tabs")
    qtbot.waitUntil(lambda: all(name in editor.__dict__ for name in built))
    assert editor.pages.currentWidget() is editor.message  # still the message
