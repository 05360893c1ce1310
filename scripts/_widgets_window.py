"""A reference of ``scripts/bench.py``: the widgets of the main window's first frame on a first
start (menus, toolbar, profile list, the editor's message, flow strip, trace, inspector, findings,
status bar) built with plain PySide6 and no logic, timed to its first painted frame by the same
probe as the app, then closed. It tells how much of the app's start-up is the window itself."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

DEMOS = ["Demo (mock itsme®)", "Demo (Signicat broker)", "Demo (Signicat REST API)"]
STEPS = ["Discovery", "Authorize", "Callback", "Token", "ID token", "UserInfo", "Revocation"]


def _table(headers: list[str]) -> QTableView:
    view = QTableView()
    model = QStandardItemModel(0, len(headers), view)
    model.setHorizontalHeaderLabels(headers)
    view.setModel(model)
    return view


def _pane(title: str, *widgets: QWidget) -> QWidget:
    pane = QWidget()
    layout = QVBoxLayout(pane)
    layout.addWidget(QLabel(title))
    for widget in widgets:
        layout.addWidget(widget)
    return pane


def build() -> QMainWindow:
    window = QMainWindow()
    window.resize(1400, 900)
    for name in ("&File", "&Edit", "F&low", "&View", "&Help"):
        menu = window.menuBar().addMenu(name)
        for i in range(4):
            action = QAction(f"{name} {i}", window)
            action.setShortcut(QKeySequence(f"Ctrl+{i}"))
            menu.addAction(action)
    toolbar = window.addToolBar("Flow")
    combo = QComboBox()
    combo.addItems(DEMOS)
    toolbar.addWidget(QLabel(" Profile "))
    toolbar.addWidget(combo)
    for text in ("Start", "Cancel", "Export trace"):
        toolbar.addAction(QAction(text, window))
    profiles = QListView()
    profiles.setModel(QStringListModel(DEMOS, profiles))
    message = QLabel("Starting the Demo's mock provider…")
    message.setAlignment(Qt.AlignmentFlag.AlignCenter)
    strip = QWidget()
    strip_layout = QHBoxLayout(strip)
    for step in STEPS:
        button = QToolButton()
        button.setText(f"{step}\nwaiting")
        strip_layout.addWidget(button)
    trace = _table(["#", "Step", "Method", "URL", "Status", "ms"])
    centre = _pane("", message, QLabel("FLOW"), strip, QLabel("TRACE"), trace)
    tabs = QTabWidget()
    tabs.addTab(QLabel("Press Start (Ctrl+R) to run the flow."), "Result")
    tabs.addTab(QWidget(), "HTTP exchange")
    inspector = _pane("INSPECTOR", QLabel("<i>Select a step of the flow.</i>"), tabs)
    main = QSplitter(Qt.Orientation.Horizontal)
    for pane in (_pane("PROFILES", profiles, QPushButton("New…")), centre, inspector):
        main.addWidget(pane)
    findings = _pane("FINDINGS", _table(["Severity", "Finding", "Message", "Reference", "Step"]))
    outer = QSplitter(Qt.Orientation.Vertical)
    outer.addWidget(main)
    outer.addWidget(findings)
    window.setCentralWidget(outer)
    window.statusBar()
    return window


def main() -> int:
    from _bare_window import until_shown  # beside this file

    app = QApplication(sys.argv)
    return until_shown(app, build())


if __name__ == "__main__":
    raise SystemExit(main())
