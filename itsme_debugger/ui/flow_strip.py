"""The FLOW strip (one button per step, status icon and word) and the banner below it.

Each step shows waiting / running (animated) / ok / warning / error / skipped / cancelled with
an icon and a word. The steps are the OIDC flow's (``STEPS``) until :meth:`FlowStrip.set_steps`
gives others (a Signicat REST API flow's ``REST_STEPS``). While the flow waits for the browser,
:class:`FlowBanner` shows the loopback address, a Cancel button and a field to paste the
redirect URL; it also shows the error that kept a flow from starting.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.report import STEP_LABELS, STEPS, StepRecord

from . import icons

SPINNER_INTERVAL_MS = 80
MIN_STEP_WIDTH = 64


class FlowStrip(QWidget):
    """The steps of the flow, clickable; ``stepClicked(name)``."""

    stepClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records: dict[str, StepRecord] = {}
        self.buttons: dict[str, QToolButton] = {}
        self.steps: tuple[str, ...] = ()
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        title = QLabel("FLOW")
        title.setObjectName("paneTitle")
        self._row = QHBoxLayout()
        self._row.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(title)
        layout.addLayout(self._row)
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setInterval(SPINNER_INTERVAL_MS)
        self._timer.timeout.connect(self._spin)
        self.set_steps(STEPS)

    def set_steps(self, names: Sequence[str]) -> None:
        """Show these steps (all waiting): ``STEPS``, or a REST API flow's ``REST_STEPS``."""
        names = tuple(names)
        if names != self.steps:
            for button in self.buttons.values():
                self._group.removeButton(button)
                self._row.removeWidget(button)
                button.deleteLater()
            self.buttons = {}
            self._records = {}
            for name in names:
                self.buttons[name] = self._button(name)
                self._row.addWidget(self.buttons[name])
            self.steps = names
        self.reset()

    def _button(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        button.setMinimumWidth(MIN_STEP_WIDTH)  # narrow windows clip; the tooltip has it all
        button.clicked.connect(lambda _checked=False, n=name: self.stepClicked.emit(n))
        self._group.addButton(button)
        return button

    def reset(self) -> None:
        """Every step back to waiting."""
        for name in self.steps:
            self.set_step(StepRecord(name))

    def set_step(self, record: StepRecord) -> None:
        button = self.buttons.get(record.name)
        if button is None:  # a step of another flow's kind
            return
        self._records[record.name] = record
        word = icons.STATUS_WORDS.get(record.status, record.status)
        detail = word
        if record.duration_ms is not None and record.status in ("ok", "warning", "error"):
            detail = f"{word} · {record.duration_ms:.0f} ms"
        button.setText(f"{STEP_LABELS[record.name]}\n{detail}")
        tip = f"{STEP_LABELS[record.name]}: {word}"
        button.setToolTip(f"{tip}\n{record.message}" if record.message else tip)
        button.setIcon(
            icons.spinner_icon(self._frame)
            if record.status == "running"
            else icons.status_icon(record.status)
        )
        running = any(r.status == "running" for r in self._records.values())
        if running and not self._timer.isActive():
            self._timer.start()
        elif not running:
            self._timer.stop()

    def status(self, name: str) -> str:
        return self._records[name].status

    def select(self, name: str) -> None:
        if name in self.buttons:
            self.buttons[name].setChecked(True)

    def clear_selection(self) -> None:
        self._group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self._group.setExclusive(True)

    def selected(self) -> str | None:
        return next((n for n, b in self.buttons.items() if b.isChecked()), None)

    def _spin(self) -> None:
        self._frame += 1
        for name, record in self._records.items():
            if record.status == "running":
                self.buttons[name].setIcon(icons.spinner_icon(self._frame))


class FlowBanner(QFrame):
    """Waiting for the browser (address, Cancel, paste field), or why a flow did not start."""

    cancelRequested = Signal()
    pasted = Signal(str)
    reopenRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("flowBanner")
        self._url = ""
        self.icon = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton(icons.icon("copy"), "Copy URL")
        self.copy_button.setToolTip("Copy the authorization URL, to open it in another browser")
        self.copy_button.clicked.connect(self._copy)
        self.reopen_button = QPushButton(icons.icon("browser"), "Open again")
        self.reopen_button.clicked.connect(self.reopenRequested)
        self.cancel_button = QPushButton(icons.icon("cancel"), "Cancel")
        self.cancel_button.setToolTip("Stop the flow and free the loopback port (Esc)")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.paste_field = QLineEdit()
        self.paste_field.setPlaceholderText("…or paste the URL the browser ended on")
        self.paste_field.setToolTip(
            "The address the browser shows after the login, e.g. "
            "https://…/callback?code=…&state=… (Ctrl+Shift+V comes here)"
        )
        self.paste_field.setClearButtonEnabled(True)
        self.paste_field.returnPressed.connect(self._paste)
        self.paste_button = QPushButton(icons.icon("paste"), "Use this URL")
        self.paste_button.clicked.connect(self._paste)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide this message")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.message, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.paste_row = QWidget()
        paste = QHBoxLayout(self.paste_row)
        paste.setContentsMargins(0, 0, 0, 0)
        paste.addWidget(self.paste_field, 1)
        for widget in (self.paste_button, self.copy_button, self.reopen_button, self.cancel_button):
            paste.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.paste_row)
        self.hide()

    def show_waiting(self, url: str, listening: tuple[str, ...]) -> None:
        self._url = url
        self.icon.setPixmap(icons.spinner_icon(0).pixmap(20, 20))
        if listening:
            where = " and ".join(html.escape(a) for a in listening)
            text = f"<b>Waiting for the browser</b> to come back to <code>{where}</code>"
        else:
            text = (
                "<b>Waiting for the redirect URL</b> (paste mode): log in in the browser, "
                "then paste the address it ended on"
            )
        self._set(text, waiting=True)

    def show_note(self, text: str) -> None:
        """A remark while waiting (e.g. no browser could be started)."""
        self.message.setText(f"{self.message.text()}<br>{html.escape(text)}")

    def show_error(self, text: str) -> None:
        self.icon.setPixmap(icons.status_icon("error").pixmap(20, 20))
        self._set(f"<b>error</b>: {html.escape(text)}", waiting=False)

    def paste_focus(self) -> None:
        self.paste_field.setFocus()
        self.paste_field.selectAll()

    def is_waiting(self) -> bool:
        return not self.isHidden() and not self.paste_row.isHidden()

    def _set(self, text: str, *, waiting: bool) -> None:
        self.message.setText(text)
        self.paste_row.setVisible(waiting)
        self.close_button.setVisible(not waiting)
        self.paste_field.clear()
        self.show()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._url)

    def _paste(self) -> None:
        url = self.paste_field.text().strip()
        if url:
            self.pasted.emit(url)
