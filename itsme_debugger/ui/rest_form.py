"""The form of a Signicat Authentication REST API profile (``kind = "signicat-rest"``).

It takes the place of the Request, Claims and Keys tabs (a REST API profile has no
authorization request, claims or keys): the API, the API client and its secret, the
attributes picker, the allowed providers, the callback base and the session lifetime, with
the create-session request's lint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QListView,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.profile import (
    DEFAULT_CALLBACK_BASE,
    REST_AUTH_METHODS,
    Profile,
    RestConfig,
)
from itsme_debugger.core.signicat import (
    ATTRIBUTES,
    CallbackUrls,
    api_token_endpoint,
    lint_session_request,
)

from . import widgets
from .composer import WordChips
from .widgets import SeverityBadge

Index = QModelIndex | QPersistentModelIndex
#: The longest session lifetime the form takes, in seconds (a day; Signicat's default is 1200).
MAX_SESSION_LIFETIME = 86400


class AttributesModel(QAbstractListModel):
    """The ``requestedAttributes`` picker: every attribute the debugger knows for itsme® via
    Signicat (label, name, description), checkable; names it does not know (read from a
    profile file) are listed too, so that nothing is lost. The order of the profile is kept:
    an attribute ticked goes to the end. ``changed`` after a tick."""

    changed = Signal()
    NAME_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = list(ATTRIBUTES)
        self._selected: list[str] = []

    def set_selected(self, names: Sequence[str]) -> None:
        self.beginResetModel()
        self._selected = list(dict.fromkeys(names))
        self._names = list(ATTRIBUTES) + [n for n in self._selected if n not in ATTRIBUTES]
        self.endResetModel()

    def selected(self) -> tuple[str, ...]:
        return tuple(self._selected)

    def name(self, row: int) -> str:
        return self._names[row]

    def row_of(self, name: str) -> int:
        return self._names.index(name) if name in self._names else -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._names):
            return None
        name = self._names[index.row()]
        info = ATTRIBUTES.get(name)
        if role == Qt.ItemDataRole.DisplayRole:
            if info is None:
                return f"{name} (not known to the debugger)"
            return f"{info.label} ({name})" + (" · sensitive" if info.sensitive else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return info.description if info is not None else f"{name}: Signicat may refuse it"
        if role == Qt.ItemDataRole.CheckStateRole:
            on = name in self._selected
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == self.NAME_ROLE:
            return name
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        name = self._names[index.row()]
        on = _checked(value)
        if on == (name in self._selected):
            return True
        if on:
            self._selected.append(name)
        else:
            self._selected.remove(name)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.changed.emit()
        return True


def _checked(value: Any) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    try:
        return int(value) == Qt.CheckState.Checked.value
    except (TypeError, ValueError):
        return False


class RestForm(widgets.FieldForm):
    """The form of a ``signicat-rest`` profile; :meth:`profile` returns it as edited (what
    the form does not show, such as the flow options, is kept). ``changed`` after every edit;
    ``secretChanged`` when a secret was typed (it is kept by the profile store, never in the
    profile file)."""

    changed = Signal()
    secretChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile: Profile | None = None
        self._loading = False
        page = QWidget()
        body = QVBoxLayout(page)
        body.addWidget(self._api_box())
        body.addWidget(self._client_box())
        body.addWidget(self._session_box())
        body.addWidget(widgets.section_label("Lint of the create-session request"))
        self.findings = widgets.FindingsList()
        self.lint_summary = SeverityBadge("ok")
        body.addWidget(self.lint_summary)
        body.addWidget(self.findings)
        body.addStretch(1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)

    # -- building ------------------------------------------------------------------------------

    def _api_box(self) -> QGroupBox:
        box, form = self._form("Signicat Authentication REST API")
        self.api_base = self._line("https://api.signicat.com/auth/rest")
        self._row(
            form,
            "API base",
            self.api_base,
            "api_base",
            "The REST API's base URL: sessions are created at {api base}/sessions",
        )
        self.token_endpoint = self._line("")
        self._row(
            form,
            "Token endpoint",
            self.token_endpoint,
            "token_endpoint",
            "Where the API access token comes from (client credentials, scope signicat-api); "
            "empty: the API host's /auth/open/connect/token",
        )
        return box

    def _client_box(self) -> QGroupBox:
        box, form = self._form("API client")
        self.client_id = self._line("the API client's ID (Signicat Dashboard > API clients)")
        self._row(form, "Client ID", self.client_id, "client_id")
        self.auth_method = QComboBox()
        self.auth_method.addItems(list(REST_AUTH_METHODS))
        self.auth_method.currentTextChanged.connect(self._edited)
        self._row(
            form,
            "Authentication",
            self.auth_method,
            "auth_method",
            "How the API client sends its secret to the token endpoint",
        )
        secret = widgets.SecretField()
        secret.secretChanged.connect(self.secretChanged)
        self.secret_field, self.reveal_button = secret.edit, secret.reveal_button
        self._row(form, "Client secret", secret, "client_secret")
        self.secret_note = SeverityBadge("warning")
        self.secret_note.hide()
        form.addRow("", self.secret_note)
        return box

    def _session_box(self) -> QGroupBox:
        box, form = self._form("Session (POST {api base}/sessions)")
        self.attributes = AttributesModel(self)
        self.attributes.changed.connect(self._edited)
        self.attributes_view = QListView()
        self.attributes_view.setModel(self.attributes)
        self.attributes_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.attributes_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attributes.modelReset.connect(self._fit_attributes)
        self._row(
            form,
            "Requested attributes",
            self.attributes_view,
            "attributes",
            "requestedAttributes: they choose the itsme® service and the data in the subject",
        )
        self.providers = WordChips("itsme")
        self.providers.set_choices([("itsme", "itsme", "send the user straight to itsme®")])
        self.providers.changed.connect(self._edited)
        self._row(form, "Allowed providers", self.providers, "providers", "allowedProviders")
        self.callback_base = self._line(DEFAULT_CALLBACK_BASE)
        self._row(
            form,
            "Callback base",
            self.callback_base,
            "callback_base",
            "callbackUrls are {base}/success, /abort and /error; a loopback address is "
            "captured by the debugger (port 0: any free port)",
        )
        self.callback_urls = QLabel()
        self.callback_urls.setWordWrap(True)
        self.callback_urls.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.callback_urls)
        self.lifetime = QSpinBox()
        self.lifetime.setRange(0, MAX_SESSION_LIFETIME)
        self.lifetime.setSuffix(" s")
        self.lifetime.setSpecialValueText("not sent (Signicat's default)")
        self.lifetime.valueChanged.connect(self._edited)
        self._row(
            form,
            "Session lifetime",
            self.lifetime,
            "session_lifetime",
            "sessionLifetime: seconds until the session expires (EXPIRED)",
        )
        return box

    def _fit_attributes(self) -> None:
        view = self.attributes_view
        rows = self.attributes.rowCount()
        height = sum(view.sizeHintForRow(r) for r in range(rows)) or view.fontMetrics().height()
        view.setFixedHeight(height + 2 * view.frameWidth() + 4)

    # -- API -------------------------------------------------------------------------------------

    def set_profile(
        self, profile: Profile, *, secret: str | None, secret_note: str | None, builtin: bool
    ) -> None:
        """Fill the form; ``builtin``: the Demo (its API client lives in memory)."""
        rest = profile.rest or RestConfig()
        self._profile = profile
        self._loading = True
        try:
            self.api_base.setText(profile.provider.api_base)
            self.token_endpoint.setText(profile.provider.endpoints.get("token_endpoint", ""))
            self.token_endpoint.setPlaceholderText(
                api_token_endpoint(profile.provider.api_base or "https://api.signicat.com")
            )
            self.client_id.setText(profile.client.client_id)
            self.auth_method.setCurrentText(profile.client.auth_method)
            self.secret_field.setText(secret or "")
            self.secret_field.setEnabled(not builtin)
            self.secret_field.setPlaceholderText(
                "the Demo's API client secret lives in memory"
                if builtin
                else "client secret (kept outside the profile file)"
            )
            self.reveal_button.setChecked(False)
            self.secret_note.set_mark("warning", secret_note or "")
            self.secret_note.setVisible(bool(secret_note) and not builtin)
            self.attributes.set_selected(rest.attributes)
            self.providers.set_words(rest.providers)
            self.callback_base.setText(rest.callback_base)
            self.lifetime.setValue(min(rest.session_lifetime or 0, MAX_SESSION_LIFETIME))
        finally:
            self._loading = False
        self._update()

    def profile(self) -> Profile:
        """The profile as edited; RuntimeError before :meth:`set_profile`."""
        if self._profile is None:
            raise RuntimeError("the REST form has no profile yet")
        base = self._profile
        endpoints = dict(base.provider.endpoints)
        endpoint = self.token_endpoint.text().strip()
        if endpoint:
            endpoints["token_endpoint"] = endpoint
        else:
            endpoints.pop("token_endpoint", None)
        provider = replace(
            base.provider, api_base=self.api_base.text().strip().rstrip("/"), endpoints=endpoints
        )
        client = replace(
            base.client,
            client_id=self.client_id.text().strip(),
            auth_method=self.auth_method.currentText(),
        )
        rest = RestConfig(
            attributes=self.attributes.selected(),
            providers=tuple(self.providers.words()),
            callback_base=self.callback_base.text().strip() or DEFAULT_CALLBACK_BASE,
            session_lifetime=self.lifetime.value() or None,
        )
        return replace(base, provider=provider, client=client, rest=rest)

    def secret(self) -> str:
        return self.secret_field.text()

    def focus(self, where: str) -> None:
        """Show the field a finding's ``where`` names (``create_session.body.…``)."""
        for member, key in (
            ("requestedAttributes", "attributes"),
            ("allowedProviders", "providers"),
            ("callbackUrls", "callback_base"),
            ("sessionLifetime", "session_lifetime"),
        ):
            if member in where:
                self._show_field(key, self._scroll)
                return

    # -- internals -----------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        if self._profile is None:
            return
        p = self.profile()
        rest = p.rest or RestConfig()
        issues: dict[str, list[tuple[str, str]]] = {key: [] for key in self._issues}
        if not p.provider.api_base.startswith(("https://", "http://")):
            issues["api_base"].append(
                ("error", "the REST API's URL, e.g. https://api.signicat.com/auth/rest")
            )
        elif p.provider.api_base.startswith("http://") and "127.0.0.1" not in p.provider.api_base:
            issues["api_base"].append(("warning", "plain http: the API token travels unprotected"))
        if not p.client.client_id:
            issues["client_id"].append(("error", "the API client's ID is required"))
        urls = CallbackUrls.under(rest.callback_base)
        self.callback_urls.setText(
            "callbackUrls: " + ", ".join(f"{url}" for _, url in urls.items())
        )
        findings = lint_session_request(
            providers=rest.providers,
            requested_attributes=rest.attributes,
            callback_urls=urls,
            session_lifetime=rest.session_lifetime,
        )
        for f in findings:
            member = f.where.rsplit(".", 1)[-1] if f.where.count(".") >= 2 else ""
            key = {
                "requestedAttributes": "attributes",
                "allowedProviders": "providers",
                "sessionLifetime": "session_lifetime",
            }.get(member, "callback_base" if "callbackUrls" in f.where else "")
            if key:
                issues[key].append((f.severity.value, f.message))
        for key, badges in self._issues.items():
            badges.set_badges(issues[key])
        self.findings.set_findings(findings)
        if findings:
            worst = max(f.severity.rank for f in findings)
            mark = {2: "error", 1: "warning"}.get(worst, "info")
            self.lint_summary.set_mark(
                mark, f"{len(findings)} finding{'s' if len(findings) != 1 else ''} (below)"
            )
        else:
            self.lint_summary.set_mark("ok", "the request has no findings")
