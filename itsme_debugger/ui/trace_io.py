"""Export, copy as curl and import of traces, for the main window.

:class:`TraceIO` owns four actions and what they do:

- **Export trace…** (Ctrl+E): the last flow's trace as HAR, JSON or a Markdown report
  (:func:`~itsme_debugger.export.write_export`, on a worker thread), masked unless the user ticks
  "Include secrets and personal data (unmasked)" in the save dialog and confirms;
- **Copy as curl** (Ctrl+Shift+C) and **Copy as curl (unmasked)**: the selected exchange of the
  timeline (also in the rows' context menu). The redirect captured on loopback has no curl:
  nothing listens there any more, and the browser's request is not one to replay;
- **Open trace…** (Ctrl+Shift+O): a HAR or JSON export shown offline in the timeline, the
  findings, the flow strip and the inspector (:mod:`.offline`), until the next flow starts.

A file that cannot be written or read ends in one message box; nothing else changes.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from itsme_debugger.core.errors import ConfigError, DebuggerError
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import STEP_LABELS, FlowResult
from itsme_debugger.core.trace import Exchange, Trace

from . import icons
from .profile_store import DEMO_IDS

if TYPE_CHECKING:
    import asyncio

    from jwcrypto import jwk

    from itsme_debugger.flow import Secrets

    from .main_window import MainWindow
    from .offline import OfflineTrace

#: The save dialog's filters, one per export format, in the order of
#: :data:`itsme_debugger.export.FORMATS` (the export modules load at the first export).
EXPORT_FILTERS = {
    ".har": "HAR 1.2, opens in a browser's developer tools (*.har)",
    ".json": "JSON: the report and every exchange (*.json)",
    ".md": "Markdown incident report (*.md)",
}
OPEN_FILTER = "Traces (*.har *.json);;All files (*)"
REVEAL_TEXT = "Include secrets and personal data (unmasked)"
NO_CURL = (
    "The redirect came to the loopback server through the browser; nothing listens there any "
    "more, so there is no request to replay. Its URL is in the HTTP exchange tab."
)


def with_format_suffix(path: Path, name_filter: str) -> Path:
    """``path`` with the suffix of ``name_filter``'s format unless it has an export suffix."""
    if path.suffix.lower() in EXPORT_FILTERS:
        return path
    suffix = next((s for s, text in EXPORT_FILTERS.items() if text == name_filter), ".har")
    return path.with_name(path.name + suffix)


def suggested_name(profile_name: str, started: float) -> str:
    """``<profile>-<date>-<time>.har`` for the flow started at ``started``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", profile_name).strip("-").lower() or "trace"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.har"


def confirm_reveal(parent: QWidget) -> bool:
    """Ask before an unmasked export; True to go on."""
    answer = QMessageBox.warning(
        parent,
        "Export unmasked",
        "The file will hold the client secret or assertion, the authorization code, the "
        "tokens, the request object and the personal data of the user (national number, "
        "names, photo…), in clear.\n\nShare it only where those may go. Include them?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class ExportDialog(QFileDialog):
    """The save dialog of an export: a format filter per format, and the unmasked option."""

    def __init__(self, parent: QWidget | None, suggested: Path) -> None:
        super().__init__(parent, "Export trace", str(suggested))
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # for the check box
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setFileMode(QFileDialog.FileMode.AnyFile)
        self.setNameFilters(list(EXPORT_FILTERS.values()))
        self.filterSelected.connect(self._filter_selected)
        first = EXPORT_FILTERS.get(suggested.suffix.lower(), EXPORT_FILTERS[".har"])
        self.selectNameFilter(first)
        self._filter_selected(first)
        self.reveal = QCheckBox(REVEAL_TEXT)
        self.reveal.setToolTip(
            "Off: secrets and personal data are masked, the structure stays readable"
        )
        self.reveal.toggled.connect(self._reveal_toggled)
        layout = self.layout()
        if isinstance(layout, QGridLayout):
            layout.addWidget(self.reveal, layout.rowCount(), 0, 1, layout.columnCount())

    def _filter_selected(self, name_filter: str) -> None:
        """Another format: the default suffix, and the typed name's suffix, follow it."""
        suffix = next((s for s, text in EXPORT_FILTERS.items() if text == name_filter), ".har")
        self.setDefaultSuffix(suffix[1:])
        edit = self.findChild(QLineEdit, "fileNameEdit")
        if edit is not None:
            name = Path(edit.text())
            if name.suffix.lower() in EXPORT_FILTERS and name.suffix.lower() != suffix:
                edit.setText(str(name.with_suffix(suffix)))

    def _reveal_toggled(self, on: bool) -> None:
        if on and not confirm_reveal(self):
            self.reveal.setChecked(False)

    def choice(self) -> tuple[Path, bool] | None:
        files = self.selectedFiles()
        if not files:
            return None
        path = with_format_suffix(Path(files[0]), self.selectedNameFilter())
        return path, self.reveal.isChecked()


def ask_export_path(parent: QWidget, suggested: Path) -> tuple[Path, bool] | None:
    """The file to export to and whether unmasked; None when the user cancels."""
    dialog = ExportDialog(parent, suggested)
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return None
    return dialog.choice()


def ask_trace_path(parent: QWidget, folder: str) -> Path | None:
    """The HAR or JSON trace to open; None when the user cancels."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open trace", folder, OPEN_FILTER)
    return Path(path) if path else None


def step_to_show(result: FlowResult) -> str:
    """The step an imported flow opens on: its first failed step, else the ID token, else the
    last step that ran."""
    steps = result.steps
    for name, rec in steps.items():
        if rec.status in ("error", "cancelled"):
            return name
    if "id_token" in steps and steps["id_token"].status in ("ok", "warning"):
        return "id_token"
    ran = [n for n, rec in steps.items() if rec.status not in ("waiting", "skipped")]
    return ran[-1] if ran else next(iter(steps))


class TraceIO(QObject):
    """The export, curl and import actions of ``window`` (see the module docstring)."""

    #: the Path written
    exported = Signal(object)
    #: the OfflineTrace now shown
    imported = Signal(object)
    #: the message shown when an export or an import failed
    failed = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.offline: OfflineTrace | None = None
        self.message_box: QMessageBox | None = None
        self.task: asyncio.Task[None] | None = None
        self.export_action = self._action(
            "&Export trace…",
            self.export_trace,
            "Ctrl+E",
            "export",
            "Save the last flow's trace as HAR, JSON or a Markdown report (Ctrl+E)",
        )
        self.open_action = self._action(
            "Open &trace…",
            self.open_trace_dialog,
            "Ctrl+Shift+O",
            "import",
            "Show a HAR or JSON trace offline (Ctrl+Shift+O)",
        )
        self.curl_action = self._action(
            "Copy as &curl",
            lambda: self.copy_curl(reveal=False),
            "Ctrl+Shift+C",
            "copy",
            "Copy the selected request as a curl command, secrets masked (Ctrl+Shift+C)",
        )
        self.curl_unmasked_action = self._action(
            "Copy as curl (&unmasked)",
            lambda: self.copy_curl(reveal=True),
            None,
            None,
            "Copy the selected request as a curl command with its secrets, to replay it",
        )
        window.trace.set_row_actions([self.curl_action, self.curl_unmasked_action])
        window.trace.table.selectionModel().currentRowChanged.connect(self.update_actions)
        window.trace.model.modelReset.connect(self.update_actions)

    def _action(
        self, text: str, slot: object, shortcut: str | None, icon: str | None, tip: str
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if icon:
            action.setIcon(icons.icon(icon))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    # -- state -------------------------------------------------------------------------------

    def shown(self) -> tuple[FlowResult | None, Trace | None]:
        """The result and trace the panes show: the imported ones, else the last flow's."""
        if self.offline is not None:
            return self.offline.result, self.offline.trace
        engine = self.window.controller.engine
        return self.window.controller.result, engine.trace if engine is not None else None

    def _flow_trace(self) -> Trace | None:
        """The last flow's trace when it can be exported (the flow is over, it has exchanges)."""
        engine = self.window.controller.engine
        if self.window.controller.is_running or engine is None or not len(engine.trace):
            return None
        return engine.trace

    def update_actions(self) -> None:
        running = self.window.controller.is_running
        self.export_action.setEnabled(self._flow_trace() is not None)
        self.open_action.setEnabled(not running)
        ex = self.window.trace.current_exchange()
        replayable = ex is not None and not ex.is_returned_redirect
        for action in (self.curl_action, self.curl_unmasked_action):
            action.setEnabled(replayable)
        self.curl_action.setToolTip(
            NO_CURL
            if ex is not None and not replayable
            else "Copy the selected request as a curl command, secrets masked (Ctrl+Shift+C)"
        )

    def title(self, title: str) -> str:
        """The window title, naming the imported trace while one is shown."""
        return f"{self.offline.name} (offline) — {title}" if self.offline is not None else title

    def _tell(self, title: str, text: str) -> None:
        """One message box (not blocking the loop), and the same words in the status bar."""
        self.window.statusBar().showMessage(f"{title}: {text}", 10000)
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window
        )
        box.open()
        self.message_box = box
        self.failed.emit(text)

    # -- export ------------------------------------------------------------------------------

    def export_trace(self) -> None:
        """Ask where (and whether unmasked), then write the last flow's trace off the UI thread."""
        trace = self._flow_trace()
        engine = self.window.controller.engine
        if trace is None or engine is None:
            return
        folder = str(self.window.settings.value("export/folder", "") or Path.home())
        suggested = Path(folder) / suggested_name(engine.profile.name, trace[0].started)
        choice = ask_export_path(self.window, suggested)
        if choice is None:
            return
        path, reveal = choice
        self.window.settings.setValue("export/folder", str(path.parent))
        from itsme_debugger.net.tasks import spawn

        self.task = spawn(
            self._write(path, tuple(trace), engine.result, engine.profile, reveal), name="export"
        )

    async def _write(
        self,
        path: Path,
        exchanges: tuple[Exchange, ...],
        result: FlowResult,
        profile: Profile,
        reveal: bool,
    ) -> None:
        import asyncio

        from itsme_debugger.export import write_export

        bar = self.window.statusBar()
        bar.showMessage(f"Exporting the trace to {path}…")
        started = time.perf_counter()
        try:
            await asyncio.to_thread(write_export, path, exchanges, result, profile, reveal=reveal)
        except ConfigError as exc:
            self._tell("Export failed", exc.message)
            return
        ms = (time.perf_counter() - started) * 1000
        what = "UNMASKED: it holds secrets and personal data" if reveal else "secrets masked"
        n = len(exchanges)
        bar.showMessage(
            f"Exported {n} exchange{'s' if n != 1 else ''} to {path} ({what}) in {ms:.0f} ms",
            10000,
        )
        self.exported.emit(path)

    # -- curl --------------------------------------------------------------------------------

    def copy_curl(self, *, reveal: bool) -> None:
        from itsme_debugger.export import to_curl

        ex = self.window.trace.current_exchange()
        if ex is None or ex.is_returned_redirect:
            return
        QGuiApplication.clipboard().setText(to_curl(ex.request, reveal=reveal))
        what = "with its secrets" if reveal else "secrets masked"
        label = STEP_LABELS.get(ex.step, ex.step)
        self.window.statusBar().showMessage(
            f"Copied exchange #{ex.index + 1} ({label}) as curl, {what}", 6000
        )

    # -- import ------------------------------------------------------------------------------

    def open_trace_dialog(self) -> None:
        folder = str(self.window.settings.value("export/folder", "") or Path.home())
        path = ask_trace_path(self.window, folder)
        if path is not None:
            self.open_trace(path)

    def open_trace(self, path: Path) -> asyncio.Task[None] | None:
        """Read ``path`` off the UI thread and show it; the current profile's keys decrypt."""
        if self.window.controller.is_running:
            return None
        secrets = self._profile_secrets()
        keys = secrets.keys if secrets is not None else None
        secret = secrets.client_secret if secrets is not None else None
        from itsme_debugger.net.tasks import spawn

        self.task = spawn(self._open(path, keys, secret), name="open-trace")
        return self.task

    async def _open(self, path: Path, keys: jwk.JWKSet | None, secret: str | None) -> None:
        import asyncio

        from .offline import open_offline

        self.window.statusBar().showMessage(f"Opening {path}…")
        try:
            offline = await asyncio.to_thread(open_offline, path, keys, secret)
        except ConfigError as exc:
            self._tell("Cannot open the trace", exc.message)
            return
        if self.window.controller.is_running:  # a flow started meanwhile: it keeps the panes
            self.window.statusBar().showMessage(f"Not shown: a flow is running ({path})", 6000)
            return
        self.show_offline(offline)

    def show_offline(self, offline: OfflineTrace) -> None:
        """Fill the strip, the timeline, the findings and the inspector with ``offline``."""
        w = self.window
        self.offline = offline
        result = offline.result
        w.strip.set_steps(tuple(result.steps))
        for rec in result.steps.values():
            w.strip.set_step(rec)
        w.findings.model.set_findings(result.findings)
        w.findings.set_flow_over(True)
        w.trace.model.set_trace(offline.trace)
        notes = "".join(f"<br><i>{html.escape(note)}</i>" for note in offline.notes)
        w.trace.show_source(
            f"<b>Imported trace</b> {html.escape(offline.describe())}. "
            f"Start a flow to replace it.{notes}"
        )
        w.trace.table.scrollToTop()
        w.banner.hide()
        w.inspector.clear()
        w.show_step(step_to_show(result))
        w.statusBar().showMessage(f"Imported trace {offline.describe()}", 10000)
        w._update_title()
        self.update_actions()
        self.imported.emit(offline)

    def forget_import(self) -> None:
        """A flow starts: it replaces the imported trace in the panes."""
        if self.offline is None:
            return
        self.offline = None
        self.window.trace.show_source(None)
        self.window._update_title()

    def _profile_secrets(self) -> Secrets | None:
        """The keys and secret of the current profile (the Demo's too), or None."""
        w = self.window
        if w.current_id in DEMO_IDS:
            return w._demo_keys.get(w.current_id)
        profile = w.current_profile()
        if profile is None:
            return None
        from itsme_debugger.flow import load_secrets

        typed = w.editor.secret() or profile.client.client_secret
        profile = profile.with_changes(client=replace(profile.client, client_secret=typed))
        try:
            return load_secrets(profile)
        except DebuggerError:
            return None
