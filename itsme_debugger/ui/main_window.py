"""The main window: profiles on the left, the editor and the flow in the centre, the inspector
on the right, the findings below: one window, the flow visible at a glance, every detail one
click away, nothing modal in the way of the flow.

The window holds no protocol logic: it edits a Profile with the composer, the claims editor
and the keys tab, saves it through the profile store, runs it through the flow controller and
routes the controller's signals to the panes.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.errors import ConfigError, DebuggerError
from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.profile import Profile, profile_to_toml
from itsme_debugger.core.report import REST_STEPS, STEPS, FlowResult, StepRecord
from itsme_debugger.core.trace import Exchange

from . import icons, startup
from .findings_view import FindingsView
from .flow_controller import ITSME, SIGNICAT, FlowController
from .flow_strip import FlowBanner, FlowStrip
from .inspector_panel import InspectorPanel
from .profile_editor import ProfileEditor
from .profile_store import (
    DEMO_ID,
    DEMO_IDS,
    DEMO_SIGNICAT_ID,
    DEMO_SIGNICAT_REST_ID,
    ProfileStore,
)
from .sidebar import ProfileEntry, ProfileListModel, ProfileSidebar
from .trace_io import TraceIO
from .trace_view import TraceView

if TYPE_CHECKING:
    from itsme_debugger.core.discovery import ProviderMetadata
    from itsme_debugger.flow import FlowEngine, Opener, Secrets, WaitingForBrowser
    from itsme_debugger.mockop.provider import MockProvider

DEMO_NAME = "Demo (mock itsme®)"
#: The built-in Demos: (id, name, tooltip); the itsme® one is selected at first start.
DEMOS = (
    (DEMO_ID, DEMO_NAME, "The built-in mock itsme® provider"),
    (
        DEMO_SIGNICAT_ID,
        "Demo (Signicat broker)",
        "itsme® through the built-in mock Signicat broker, over OpenID Connect",
    ),
    (
        DEMO_SIGNICAT_REST_ID,
        "Demo (Signicat REST API)",
        "itsme® through the built-in mock Signicat Authentication REST API",
    ),
)


class MainWindow(QMainWindow):
    """``opener``: how the authorization URL is opened (default: the system browser)."""

    closed = Signal()

    def __init__(
        self,
        store: ProfileStore,
        controller: FlowController | None = None,
        *,
        opener: Opener | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.controller = controller or FlowController(self)
        self.opener = opener
        self.settings: QSettings = store.settings()
        self.current_id = ""
        self._saved: dict[str, dict[str, Any]] = {}  # id -> as saved, to tell edits apart
        self._edits: dict[str, Profile] = {}  # edits that could not be saved yet
        self._demos: dict[str, Profile] = {}  # Demo id -> its profile (once its mock runs)
        self._demo_keys: dict[str, Secrets] = {}
        self._discovery: dict[str, ProviderMetadata] = {}
        self._flow_profile_id = ""
        self._editor_id: str | None = None  # whose profile the editor holds
        self._build_panes()
        self._build_actions()
        self.trace_io = TraceIO(self)  # export, copy as curl, open trace
        self._build_menus_and_toolbar()
        self._connect_controller()
        self.refresh_profiles()
        self._restore_settings()
        startup.on_first_frame(self, self._first_frame)  # the window first, then the rest

    # ---------------------------------------------------------------------------------------
    # Building

    def _build_panes(self) -> None:
        self.profiles = ProfileListModel(self)
        self.profiles.renameRequested.connect(self.rename_profile)
        self.sidebar = ProfileSidebar(self.profiles)
        self.sidebar.currentChanged.connect(self.select_profile)
        self.sidebar.newRequested.connect(self.new_profile)

        self.editor = ProfileEditor()
        self.editor.edited.connect(self._edited)
        self.editor.secretChanged.connect(self._secret_edited)

        self.strip = FlowStrip()
        self.strip.stepClicked.connect(self.show_step)
        self.banner = FlowBanner()
        self.banner.cancelRequested.connect(self.controller.cancel)
        self.banner.pasted.connect(self._pasted)
        self.banner.reopenRequested.connect(self.controller.open_again)
        self.trace = TraceView()
        self.trace.exchangeSelected.connect(self._exchange_selected)
        flow_box = QWidget()
        flow_layout = QVBoxLayout(flow_box)
        flow_layout.setContentsMargins(0, 0, 0, 0)
        flow_layout.addWidget(self.strip)
        flow_layout.addWidget(self.banner)
        flow_layout.addWidget(self.trace, 1)

        self.inspector = InspectorPanel()
        self.findings = FindingsView()
        self.findings.findingSelected.connect(self._finding_selected)
        self.findings.findingActivated.connect(self._finding_activated)

        self.centre_split = _splitter("centre", Qt.Orientation.Vertical, self.editor, flow_box)
        self.centre_split.setSizes([470, 230])
        self.main_split = _splitter(
            "main", Qt.Orientation.Horizontal, self.sidebar, self.centre_split, self.inspector
        )
        self.main_split.setSizes([190, 690, 520])
        self.main_split.setStretchFactor(1, 1)
        self.outer_split = _splitter(
            "outer", Qt.Orientation.Vertical, self.main_split, self.findings
        )
        self.outer_split.setSizes([740, 140])
        self.outer_split.setStretchFactor(0, 1)
        self.setCentralWidget(self.outer_split)
        for title in self.findChildren(QLabel, "paneTitle"):
            font = title.font()
            font.setBold(True)
            font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1)
            title.setFont(font)

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: str | None = None,
        tip: str = "",
        widget: QWidget | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(icons.icon(icon))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        (widget or self).addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.new_action = a(
            "&New profile…",
            self.sidebar.show_new_menu,
            "Ctrl+N",
            "new",
            "Create a profile from a preset",
        )
        self.duplicate_action = a("&Duplicate profile", self.duplicate_profile, "Ctrl+D", "copy")
        self.rename_action = a("&Rename profile", self.sidebar.start_rename, "F2", "rename")
        self.delete_action = a(
            "De&lete profile…",
            self.delete_profile,
            QKeySequence.StandardKey.Delete,
            "delete",
            widget=self.sidebar.view,
        )
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action = a(
            "&Open profile file…", self._open_profile_dialog, QKeySequence.StandardKey.Open, "open"
        )
        self.save_action = a(
            "&Save profile", self.save_profile, QKeySequence.StandardKey.Save, "save"
        )
        self.quit_action = a("&Quit", self.close, "Ctrl+Q", "quit")
        self.start_action = a(
            "&Start", self.start_flow, "Ctrl+R", "start", "Run the flow with this profile (Ctrl+R)"
        )
        self.cancel_action = a(
            "&Cancel", self.controller.cancel, "Esc", "cancel", "Stop the flow, free the port (Esc)"
        )
        self.paste_action = a(
            "&Paste redirect URL…",
            self._paste_requested,
            "Ctrl+Shift+V",
            "paste",
            "Give the waiting flow the URL the browser ended on",
        )
        self.browser_action = a(
            "&Browser…",
            self.ask_browser_command,
            None,
            None,
            "How Start opens the authorization URL: the system browser, or a command",
        )
        self.about_action = a("&About itsme-debugger", self.show_about, None, None)
        self.panes: dict[str, QWidget] = {
            "profiles": self.sidebar,
            "inspector": self.inspector,
            "trace": self.trace,
            "findings": self.findings,
        }
        self.pane_actions: dict[str, QAction] = {}
        for n, (key, pane) in enumerate(self.panes.items(), start=1):
            action = QAction(f"&{key.capitalize()}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(pane.setVisible)
            self.addAction(action)
            self.pane_actions[key] = action
        self.sidebar.set_item_actions(
            [self.duplicate_action, self.rename_action, self.delete_action]
        )

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.duplicate_action, self.rename_action])
        file_menu.addAction(self.delete_action)
        file_menu.addSeparator()
        file_menu.addActions([self.open_action, self.save_action])
        file_menu.addSeparator()
        file_menu.addActions([self.trace_io.open_action, self.trace_io.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.trace_io.curl_action, self.trace_io.curl_unmasked_action])
        flow_menu = bar.addMenu("F&low")
        flow_menu.addActions([self.start_action, self.cancel_action, self.paste_action])
        flow_menu.addSeparator()
        flow_menu.addAction(self.browser_action)
        view_menu = bar.addMenu("&View")
        view_menu.addActions(list(self.pane_actions.values()))
        bar.addMenu("&Help").addAction(self.about_action)

        toolbar = self.addToolBar("Flow")
        toolbar.setObjectName("flowToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.profile_combo = QComboBox()
        self.profile_combo.setModel(self.profiles)
        self.profile_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.profile_combo.setToolTip("The profile to run")
        self.profile_combo.activated.connect(
            lambda row: self.select_profile(self.profiles.entry(row).id)
        )
        toolbar.addWidget(QLabel(" Profile "))
        toolbar.addWidget(self.profile_combo)
        toolbar.addSeparator()
        toolbar.addActions([self.start_action, self.cancel_action])
        toolbar.addSeparator()
        toolbar.addAction(self.trace_io.export_action)
        self.statusBar()

    def _connect_controller(self) -> None:
        c = self.controller
        c.started.connect(self._flow_started)
        c.stepChanged.connect(self._step_changed)
        c.findingAdded.connect(self.findings.model.add)
        c.waitingForBrowser.connect(self._waiting)
        c.browserFailed.connect(self.banner.show_note)
        c.finished.connect(self._flow_finished)
        c.failed.connect(self._flow_failed)
        c.demoReady.connect(self._demo_ready)

    # ---------------------------------------------------------------------------------------
    # Profiles

    def refresh_profiles(self) -> None:
        """Re-read the store into the sidebar (the Demo first)."""
        entries = [ProfileEntry(i, name, tip, builtin=True) for i, name, tip in DEMOS]
        for stored in self.store.profiles():
            detail = stored.error or (stored.profile.provider.issuer if stored.profile else "")
            modified = stored.id in self._edits
            entries.append(
                ProfileEntry(stored.id, stored.name, detail, stored.error, False, modified)
            )
            if stored.profile is not None and stored.id not in self._saved:
                self._saved[stored.id] = _as_saved(stored.profile)
        self.profiles.set_entries(entries)
        if self.current_id:
            self._sync_selection()

    def select_profile(self, profile_id: str) -> None:
        if profile_id == self.current_id or self.profiles.row_of(profile_id) < 0:
            return
        self._keep_edits()
        self.current_id = profile_id
        self._sync_selection()
        self._show_current()

    def _sync_selection(self) -> None:
        self.sidebar.select(self.current_id)
        self.profile_combo.setCurrentIndex(self.profiles.row_of(self.current_id))

    def _entry(self) -> ProfileEntry | None:
        row = self.profiles.row_of(self.current_id)
        return self.profiles.entry(row) if row >= 0 else None

    def _show_current(self) -> None:
        """Fill the editor with the current profile (or say why it cannot be edited)."""
        self._editor_id = None
        entry = self._entry()
        profile: Profile | None = None
        if entry is not None and entry.builtin:
            profile = self._demos.get(entry.id)
            if profile is None:
                self.editor.show_message(
                    self.controller.mock_error or "Starting the Demo's mock provider…"
                )
                self._prepare_demo(entry.id)
        elif entry is not None and entry.error is not None:
            path = html.escape(str(self.store.path(entry.id)))
            self.editor.show_message(
                f"<b>This profile file cannot be read</b>, so it is not shown or changed:<br>"
                f"{html.escape(entry.error)}<br><br>File: {path}<br>"
                "Fix it in an editor (then select it again) or delete it."
            )
        elif entry is not None:
            profile = self._edits.get(entry.id) or self.store.get(entry.id).profile
        if profile is not None:
            self._load(profile)
            if self.controller.engine is None and not self.controller.is_running:
                self.strip.set_steps(REST_STEPS if profile.is_rest else STEPS)  # before a run
        self._update_title()
        self._update_actions()

    def _load(self, profile: Profile) -> None:
        self._editor_id = self.current_id
        if self.current_id in DEMO_IDS:
            demo_keys = self._demo_keys.get(self.current_id)
            self.editor.load(
                profile,
                secret=None,
                secret_note=None,
                key_dir=None,
                memory_keys=demo_keys.keys if demo_keys is not None else None,
                discovery=self._discovery.get(self.current_id),
            )
            return
        try:
            secret, problem = self.store.secret(self.current_id), ""
        except ConfigError as exc:
            secret, problem = None, exc.message
        self.editor.load(
            profile,
            secret=secret,
            secret_note=self.store.secrets.note,
            key_dir=self.store.key_dir(self.current_id),
            discovery=self._discovery.get(self.current_id),
        )
        if problem:
            self._problem(problem)

    def current_profile(self) -> Profile | None:
        """The profile as edited (None: the current one cannot be edited)."""
        return self.editor.profile() if self._editor_id == self.current_id else None

    def is_modified(self) -> bool:
        profile = self.current_profile()
        if profile is None or self.current_id in DEMO_IDS:
            return False
        return _as_saved(profile) != self._saved.get(self.current_id)

    def _secret_edited(self, secret: str) -> None:
        if self.current_id in DEMO_IDS:
            return
        try:
            self.store.set_secret(self.current_id, secret)
        except (ConfigError, OSError) as exc:
            self._problem(f"The client secret could not be stored: {exc}")

    def _edited(self) -> None:
        modified = self.is_modified()
        self.profiles.set_modified(self.current_id, modified)
        self._update_title()

    def _keep_edits(self) -> None:
        """Before leaving the current profile: save its edits (or keep them in memory)."""
        profile = self.current_profile()
        if profile is None:
            return
        if self.current_id in DEMO_IDS:
            self._demos[self.current_id] = profile
        elif self.is_modified():
            self._save(profile)

    def save_profile(self) -> bool:
        """Save the current profile (Ctrl+S); False when it cannot be (the reason is shown)."""
        profile = self.current_profile()
        if profile is None or self.current_id in DEMO_IDS:
            if self.current_id in DEMO_IDS:
                self.statusBar().showMessage(
                    "The Demo is built in and not saved: duplicate a preset to keep a profile.",
                    6000,
                )
            return False
        return self._save(profile)

    def _save(self, profile: Profile) -> bool:
        try:
            stored = self.store.save(self.current_id, profile)
        except (ConfigError, OSError) as exc:
            self._edits[self.current_id] = profile
            self.profiles.set_modified(self.current_id, True)
            self._problem(f"Not saved: {exc.message if isinstance(exc, ConfigError) else exc}")
            return False
        self._edits.pop(self.current_id, None)
        if stored.profile is not None:
            self._saved[self.current_id] = _as_saved(stored.profile)
        self.profiles.set_modified(self.current_id, False)
        self.editor.hide_problem()
        self._update_title()
        self.statusBar().showMessage(f"Saved {stored.path}", 4000)
        return True

    def _problem(self, text: str) -> None:
        self.editor.show_problem(text)

    def new_profile(self, preset_key: str) -> None:
        self._keep_edits()
        try:
            stored = self.store.new_from_preset(preset_key)
        except (ConfigError, OSError) as exc:
            self._problem(f"The profile could not be created: {exc}")
            return
        self.refresh_profiles()
        self.select_profile(stored.id)

    def duplicate_profile(self) -> None:
        entry = self._entry()
        if entry is None or not entry.editable:
            return
        self._keep_edits()
        try:
            stored = self.store.duplicate(entry.id)
        except (ConfigError, OSError) as exc:
            self._problem(f"The profile could not be duplicated: {exc}")
            return
        self.refresh_profiles()
        self.select_profile(stored.id)

    def rename_profile(self, profile_id: str, name: str) -> None:
        if profile_id == self.current_id:
            self._keep_edits()
        try:
            stored = self.store.rename(profile_id, name)
        except (ConfigError, OSError) as exc:
            self._problem(f"The profile could not be renamed: {exc}")
            return
        if profile_id in self._edits:
            self._edits[profile_id] = self._edits[profile_id].with_changes(name=name)
        if stored.profile is not None:
            self._saved[profile_id] = _as_saved(stored.profile)
        self.refresh_profiles()
        if profile_id == self.current_id:
            self._show_current()

    def delete_profile(self, *, confirm: bool = True) -> None:
        entry = self._entry()
        if entry is None or entry.builtin:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete profile",
                f"Delete the profile “{entry.name}”? Its file and its stored client secret are "
                "removed (its key files are kept).",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.store.delete(entry.id)
        except (ConfigError, OSError) as exc:
            self._problem(f"The profile could not be deleted: {exc}")
            return
        self._edits.pop(entry.id, None)
        self._saved.pop(entry.id, None)
        self.current_id = ""
        self.refresh_profiles()
        self.select_profile(DEMO_ID)

    def open_profile_file(self, path: Path) -> bool:
        """Import a profile file into the store and select it; False (reason shown) if bad."""
        self._keep_edits()
        try:
            stored = self.store.import_file(path)
        except (ConfigError, OSError) as exc:
            self._problem(f"{exc.message if isinstance(exc, ConfigError) else exc}")
            return False
        self.refresh_profiles()
        self.select_profile(stored.id)
        return True

    def _open_profile_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open profile file", str(Path.home()), "Profiles (*.toml);;All files (*)"
        )
        if path:
            self.open_profile_file(Path(path))

    def _first_frame(self) -> None:
        # Drawing the application icon at its seven sizes takes a few milliseconds the first
        # frame does not need; the window system takes it a moment later.
        app_icon = icons.app_icon()
        QApplication.setWindowIcon(app_icon)
        self.setWindowIcon(app_icon)
        if startup.asyncio_running():  # else the app calls loop_started once the loop runs
            self.loop_started()

    def loop_started(self) -> None:
        """The asyncio loop runs now (it starts after the first frame): start the mock
        provider of the Demo shown (else of the itsme® Demo) and load the engine, both off
        the UI thread, then build the editor's tabs. Once: the tasks are kept."""
        self._prepare_demo(self.current_id if self.current_id in DEMO_IDS else DEMO_ID)
        # Once the engine's modules are in (the editor's need them too), the editor's tabs
        # are built while the Demo's provider starts, not all at once when it is ready.
        self.controller.preload().add_done_callback(self._engine_loaded)

    def _engine_loaded(self, _task: object) -> None:
        if shiboken6.isValid(self):  # the window may have closed meanwhile
            self.editor.prebuild()

    def _prepare_demo(self, demo_id: str = DEMO_ID) -> None:
        if not startup.asyncio_running():  # the Demo starts once the loop does (or with a flow)
            return
        self.controller.prepare_demo(ITSME if demo_id == DEMO_ID else SIGNICAT)

    def _demo_ready(self, mock: MockProvider) -> None:
        from itsme_debugger.demo import (
            demo_profile,
            demo_rest_profile,
            demo_rest_secrets,
            demo_secrets,
        )
        from itsme_debugger.mockop.signicat import SignicatMockProvider

        if isinstance(mock, SignicatMockProvider):
            ready = {
                DEMO_SIGNICAT_ID: (demo_profile(mock), demo_secrets(mock)),
                DEMO_SIGNICAT_REST_ID: (demo_rest_profile(mock), demo_rest_secrets(mock)),
            }
        else:
            ready = {DEMO_ID: (demo_profile(mock), demo_secrets(mock))}
        for demo_id, (profile, secrets) in ready.items():
            self._demos[demo_id] = profile
            self._demo_keys[demo_id] = secrets
        if self.current_id in ready:
            self._show_current()

    # ---------------------------------------------------------------------------------------
    # The flow

    def start_flow(self) -> None:
        """Run the current profile (Ctrl+R); problems before the start show in the banner."""
        if self.controller.is_running:
            return
        self._keep_edits()
        profile = self.current_profile()
        if profile is None:
            return
        from itsme_debugger.flow import load_secrets

        secrets: Secrets | None = None
        if self.current_id not in DEMO_IDS:
            typed = self.editor.secret() or profile.client.client_secret
            profile = profile.with_changes(client=replace(profile.client, client_secret=typed))
            try:
                secrets = load_secrets(profile)
            except DebuggerError as exc:
                self.banner.show_error(exc.message)
                return
        self._flow_profile_id = self.current_id
        self.controller.start(profile, secrets, self.opener)
        self._update_actions()

    def _flow_started(self, engine: FlowEngine) -> None:
        self.trace_io.forget_import()
        self.strip.set_steps(tuple(engine.result.steps))  # the OIDC or the REST API steps
        self.findings.model.clear()
        self.findings.set_flow_over(False)
        self.trace.model.set_trace(engine.trace)
        self.inspector.clear()
        self.banner.hide()
        self.statusBar().showMessage(f"Running {engine.profile.name}…")
        self._update_actions()

    def _step_changed(self, record: StepRecord) -> None:
        self.strip.set_step(record)
        result = self.controller.result
        if record.name == "discovery" and result is not None and result.discovery is not None:
            self._discovery[self._flow_profile_id] = result.discovery
            # The editor's preview takes it in a moment later, between the flow's own steps.
            profile_id = self._flow_profile_id
            QTimer.singleShot(1, self, lambda: self._editor_discovery(profile_id))
        if record.name == "callback" and record.status != "running":
            self.banner.hide()
            self._update_actions()
        if self.inspector.step == record.name:
            self.show_step(record.name)

    def _editor_discovery(self, profile_id: str) -> None:
        metadata = self._discovery.get(profile_id)
        if metadata is not None and self.current_id == profile_id and not self.is_modified():
            self.editor.set_discovery(metadata)

    def _waiting(self, event: WaitingForBrowser) -> None:
        self.banner.show_waiting(event.url, event.listening)
        self._update_actions()
        # While the user is in the browser: the token pages, built once, are made now rather
        # than when the flow ends.
        QTimer.singleShot(0, self.inspector, self.inspector.prepare_token_pages)

    def _flow_finished(self, result: FlowResult) -> None:
        self.banner.hide()
        self.findings.set_flow_over(True)
        self._update_actions()
        self.show_step(_step_to_show(result))
        errors = sum(1 for f in result.all_findings if f.severity is Severity.ERROR)
        warnings = sum(1 for f in result.all_findings if f.severity is Severity.WARNING)
        state = "cancelled" if result.interrupted else "finished"
        self.statusBar().showMessage(
            f"Flow {state}: {errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}"
        )

    def _flow_failed(self, message: str) -> None:
        self.banner.show_error(message)
        self._update_actions()

    def _pasted(self, url: str) -> None:
        if not self.controller.paste(url):
            self.banner.show_error("No flow is waiting for a redirect URL.")

    def _paste_requested(self) -> None:
        if self.banner.is_waiting():
            self.banner.paste_focus()

    # ---------------------------------------------------------------------------------------
    # Selection: steps, exchanges, findings

    def show_step(self, name: str) -> None:
        result, trace = self.trace_io.shown()  # an imported trace, else the last flow
        self.strip.select(name)
        self.trace.clear_selection()
        self.inspector.show_step(name, result, trace)

    def _exchange_selected(self, exchange: Exchange) -> None:
        self.strip.clear_selection()
        self.findings.clear_selection()
        self.inspector.show_exchange(exchange)

    def _finding_selected(self, step: str, _finding: Finding) -> None:
        if step in self.strip.buttons:
            self.show_step(step)

    def _finding_activated(self, step: str, finding: Finding) -> None:
        """Jump to the field a finding concerns: a claim, a request field, the keys."""
        self._finding_selected(step, finding)
        self.editor.focus(finding.where)

    # ---------------------------------------------------------------------------------------
    # State of the actions, title, settings

    def _update_actions(self) -> None:
        running = self.controller.is_running
        entry = self._entry()
        editable = entry is not None and entry.editable
        self.start_action.setEnabled(not running and self.current_profile() is not None)
        self.cancel_action.setEnabled(running)
        self.paste_action.setEnabled(running and self.banner.is_waiting())
        for action in (self.duplicate_action, self.rename_action, self.save_action):
            action.setEnabled(editable)
        self.delete_action.setEnabled(entry is not None and not entry.builtin)
        self.trace_io.update_actions()

    def _update_title(self) -> None:
        entry = self._entry()
        name = entry.name if entry is not None else ""
        title = f"{name}[*] — itsme-debugger" if name else "itsme-debugger"
        self.setWindowTitle(self.trace_io.title(title))
        self.setWindowModified(self.is_modified())

    def set_browser_command(self, command: str) -> None:
        """Open the authorization URL with ``command`` (the URL as its last argument), or with
        the system browser when it is empty; kept for the next start."""
        command = command.strip()
        self.controller.browser_command = command or None
        self.settings.setValue("flow/browser_command", command)
        where = f"with “{command}”" if command else "in the system browser"
        self.browser_action.setStatusTip(f"Start opens the authorization URL {where}")
        self.statusBar().showMessage(f"Start opens the authorization URL {where}.", 6000)

    def ask_browser_command(self) -> None:
        current = self.controller.browser_command or ""
        command, ok = QInputDialog.getText(
            self,
            "Browser",
            "Open the authorization URL with this command (the URL is added at the end),\n"
            "e.g. firefox --private-window; leave it empty for the system browser:",
            text=current,
        )
        if ok:
            self.set_browser_command(command)

    def _restore_settings(self) -> None:
        s = self.settings
        command = str(s.value("flow/browser_command", "") or "").strip()
        self.controller.browser_command = command or None
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        for split in (self.outer_split, self.main_split, self.centre_split):
            state = s.value(f"splitters/{split.objectName()}")
            if isinstance(state, QByteArray):
                split.restoreState(state)
        for key, action in self.pane_actions.items():
            action.setChecked(bool(s.value(f"view/{key}", True, type=bool)))
        last = str(s.value("profiles/last", "") or "")
        self.select_profile(last if self.profiles.row_of(last) >= 0 else DEMO_ID)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        for split in (self.outer_split, self.main_split, self.centre_split):
            s.setValue(f"splitters/{split.objectName()}", split.saveState())
        for key, action in self.pane_actions.items():
            s.setValue(f"view/{key}", action.isChecked())
        s.setValue("profiles/last", self.current_id)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._keep_edits()
        self.save_settings()
        self.controller.cancel()
        event.accept()
        self.closed.emit()

    def show_about(self) -> None:
        QMessageBox.about(self, "About itsme-debugger", about_text())


def about_text() -> str:
    """The About box: what this is and the versions it runs on."""
    import platform

    import httpx
    import jwcrypto
    import PySide6
    from PySide6.QtCore import qVersion

    from itsme_debugger import __version__

    return (
        f"<h3>itsme-debugger {__version__}</h3>"
        "<p>An OpenID Connect debugger for itsme®, the Signicat broker and any OpenID "
        "provider.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__} · httpx {httpx.__version__} · "
        f"jwcrypto {getattr(jwcrypto, '__version__', _dist_version('jwcrypto'))} · "
        f"Python {platform.python_version()}</p>"
    )


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _splitter(name: str, orientation: Qt.Orientation, *widgets: QWidget) -> QSplitter:
    split = QSplitter(orientation)
    split.setObjectName(name)
    split.setChildrenCollapsible(False)
    for widget in widgets:
        split.addWidget(widget)
    return split


def _as_saved(profile: Profile) -> dict[str, Any]:
    """What saving ``profile`` would write, as data (the order of the keys does not count)."""
    return tomllib.loads(profile_to_toml(profile))


def _step_to_show(result: FlowResult) -> str:
    """After a flow: its first failed step, else the ID token (the session's status for a REST
    API flow), else the last step that ran."""
    steps = list(result.steps) or list(STEPS)
    for name in steps:
        if result.steps[name].status in ("error", "cancelled"):
            return name
    for name in ("id_token", "session_status"):
        if name in result.steps and result.steps[name].status in ("ok", "warning"):
            return name
    ran = [n for n in steps if result.steps[n].status not in ("waiting", "skipped")]
    return ran[-1] if ran else steps[0]
