"""The Request tab: a form for every authorization parameter, inline lint, and a live preview.

The form edits a :class:`~itsme_debugger.core.profile.Profile` (provider, client, request);
:meth:`ComposerWidget.profile` returns it as edited, keeping whatever the form does not show
(keys, secret, flow options). The preview is what ``core`` makes of it: the authorization URL
(``build_authorization_url``) with state, nonce and code challenge as marked placeholders, its
parameters, the claims JSON, the request object (``request_object_claims``) and its layers, and
``lint_authorization_request``'s findings, shown as a list and beside the fields they concern.
Input is never thrown away: a bad number or a bad line stays in its field with a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

from jwcrypto import jwk
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core import catalogue
from itsme_debugger.core.authorize import (
    ITSME_ACR_ADVANCED,
    ITSME_ACR_BASIC,
    ITSME_UI_LOCALES,
    ITSME_VARIANTS,
    OIDC_DISPLAY,
    OIDC_PROMPT,
    SIGNICAT_ACR,
    AuthorizationParams,
    authorization_params,
    build_authorization_url,
    lint_authorization_request,
)
from itsme_debugger.core.claims import ClaimsRequest
from itsme_debugger.core.discovery import ProviderMetadata
from itsme_debugger.core.errors import DebuggerError
from itsme_debugger.core.findings import Finding, error
from itsme_debugger.core.keys import describe_key
from itsme_debugger.core.profile import (
    AUTH_METHODS,
    ENDPOINT_KEYS,
    REQUEST_OBJECT_MODES,
    VARIANTS,
    Profile,
    ProviderConfig,
    RequestConfig,
)
from itsme_debugger.core.request_object import (
    DEFAULT_ENC,
    authorization_params_with_request_object,
    request_object_claims,
)
from itsme_debugger.core.seal import default_alg, key_for
from itsme_debugger.keyfiles import read_keys
from itsme_debugger.ui import widgets

#: Placeholders for what the flow generates at Start (shaped like the real values, so the
#: lint judges the request, not the placeholders).
STATE_PLACEHOLDER = "generated-at-Start-state"
NONCE_PLACEHOLDER = "generated-at-Start-nonce"
CHALLENGE_PLACEHOLDER = "generated-at-Start-S256-code-challenge-xxxx"
REQUEST_PLACEHOLDER = "request-object-made-at-Start"
ENDPOINT_PLACEHOLDER = "https://authorization-endpoint.from-discovery-at-Start/"
GENERATED = "generated at Start"
#: Parameters with a field of their own (or set by the debugger): not allowed as extras.
_OWN_PARAMS = frozenset(f.name for f in fields(AuthorizationParams)) - {"extra"} | {
    "pkce",
    "request_object",
}
_PARAM_FIELDS = ("prompt", "acr_values", "ui_locales", "max_age", "login_hint", "display")
_ENDPOINT_LABELS = {
    "authorization_endpoint": "Authorization",
    "token_endpoint": "Token",
    "userinfo_endpoint": "UserInfo",
    "jwks_uri": "JWKS",
    "revocation_endpoint": "Revocation",
}
#: Where a finding shows inline: ``Finding.where`` -> form field.
_WHERE_FIELD = {
    "provider.variant": "variant",
    "request.client_id": "client_id",
    "request.redirect_uri": "redirect_uri",
    "request.scope": "scope",
    "request.response_type": "response_type",
    "request.code_challenge": "pkce",
    "request.code_challenge_method": "pkce",
    "request.pkce": "pkce",
    "request.request": "request_object",
    "request.request_uri": "request_uri",
    "request.extra": "extra",
    **{f"request.{name}": name for name in _PARAM_FIELDS},
}


def _field_of(where: str) -> str | None:
    """The form field a finding's ``where`` concerns (claims are the Claims tab's)."""
    key = _WHERE_FIELD.get(where)
    generated = where in ("request.state", "request.nonce") or where.startswith("request.claims")
    if key is None and where.startswith("request.") and not generated:
        return "extra"
    return key


def provider_family(variant: str) -> str:
    """The catalogue's provider family of a variant: itsme, signicat or generic."""
    if variant in ITSME_VARIANTS:
        return "itsme"
    return "signicat" if variant == "signicat" else "generic"


# ---------------------------------------------------------------------------------------------
# Chips: a line of words with toggles for the well-known ones


class WordChips(QWidget):
    """A space-separated list of words (the line edit is the truth) with a toggle per known
    word; a ticked toggle says so with a check mark, not only its shade. ``changed`` after every
    edit."""

    changed = Signal()

    def __init__(self, placeholder: str = "") -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.textChanged.connect(self._typed)
        self.setFocusProxy(self.edit)
        self._chips: dict[str, QToolButton] = {}
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.edit)
        layout.addLayout(self._row)

    def set_choices(self, choices: Sequence[tuple[str, str, str]]) -> None:
        """(word, label, tooltip) of each toggle."""
        widgets.clear_layout(self._row)
        while self._row.count():  # the stretch
            self._row.takeAt(0)
        self._chips = {}
        for word, label, tip in choices:
            chip = QToolButton()
            chip.setProperty("label", label)
            chip.setToolTip(f"{word}\n{tip}" if tip else word)
            chip.setCheckable(True)
            chip.setAutoRaise(False)
            chip.toggled.connect(lambda on, w=word: self._toggled(w, on))
            self._chips[word] = chip
            self._row.addWidget(chip)
        self._row.addStretch(1)
        self._sync_chips()

    def words(self) -> list[str]:
        return self.edit.text().split()

    def set_words(self, words: Sequence[str]) -> None:
        self.edit.setText(" ".join(words))

    def chip(self, word: str) -> QToolButton:
        return self._chips[word]

    def _toggled(self, word: str, on: bool) -> None:
        words = self.words()
        if on and word not in words:
            words.append(word)
        elif not on:
            words = [w for w in words if w != word]
        else:
            return
        self.edit.setText(" ".join(words))

    def _typed(self, _text: str) -> None:
        self._sync_chips()
        self.changed.emit()

    def _sync_chips(self) -> None:
        words = set(self.words())
        for word, chip in self._chips.items():
            on = word in words
            chip.blockSignals(True)
            chip.setChecked(on)
            chip.blockSignals(False)
            chip.setText(("✓ " if on else "") + str(chip.property("label")))


@dataclass(frozen=True)
class Preview:
    """What the preview shows, computed from the form by ``core``."""

    url: str
    rows: tuple[widgets.KeyValue, ...]
    claims_json: str
    request_object: str
    layers: tuple[str, ...]
    findings: tuple[Finding, ...]


# ---------------------------------------------------------------------------------------------
# The composer


class ComposerWidget(widgets.FieldForm):
    """The Request tab. ``changed`` after every edit; :meth:`profile` is the profile as edited."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile: Profile | None = None
        self._claims = ClaimsRequest({}, {})
        self._metadata: ProviderMetadata | None = None
        self._keys: jwk.JWKSet | None = None
        self._key_file: tuple[str, float, jwk.JWKSet | None, str] | None = None
        self._loading = False
        self._held = 0  # see held_updates
        self._update_due = False
        self.preview = Preview("", (), "", "", (), ())

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self._provider_box())
        form_layout.addWidget(self._client_box())
        form_layout.addWidget(self._request_box())
        form_layout.addWidget(self._params_box())
        form_layout.addStretch(1)
        self._form_scroll = form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(form_page)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(form_scroll)
        split.addWidget(self._preview_pane())
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.setEnabled(False)

    # -- building the form -------------------------------------------------------------------

    def _combo(self, items: Sequence[str], editable: bool = False) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(editable)
        combo.addItems(list(items))
        combo.currentTextChanged.connect(self._edited)
        return combo

    def _provider_box(self) -> QGroupBox:
        box, form = self._form("Provider")
        self.issuer = self._line("https://idp.e2e.itsme.services/v2")
        self._row(
            form,
            "Issuer",
            self.issuer,
            "issuer",
            "Discovery reads issuer + /.well-known/openid-configuration",
        )
        self.variant = self._combo(VARIANTS)
        self.variant.currentTextChanged.connect(self._variant_changed)
        self._row(
            form,
            "Rules",
            self.variant,
            "variant",
            "Whose rules the request is checked "
            "against: itsme® v2, itsme® client secret, Signicat, or plain OIDC",
        )
        self.endpoints: dict[str, QLineEdit] = {}
        for key in ENDPOINT_KEYS:
            self.endpoints[key] = self._line("from discovery")
            self._row(
                form,
                f"{_ENDPOINT_LABELS[key]} endpoint",
                self.endpoints[key],
                key,
                f"{key}: overrides discovery; with the authorization and token endpoints "
                "both given, discovery does not run",
            )
        return box

    def _client_box(self) -> QGroupBox:
        box, form = self._form("Client")
        self.client_id = self._line("client_id from registration")
        self._row(form, "Client ID", self.client_id, "client_id")
        self.auth_method = self._combo(AUTH_METHODS)
        self._row(
            form,
            "Authentication",
            self.auth_method,
            "auth_method",
            "How the client authenticates at the token endpoint",
        )
        self.redirect_uri = self._line("http://127.0.0.1:8765/callback")
        self._row(
            form,
            "Redirect URI",
            self.redirect_uri,
            "redirect_uri",
            "A loopback address is captured by the debugger; port 0 picks a free port",
        )
        return box

    def _request_box(self) -> QGroupBox:
        box, form = self._form("Request")
        self.scope = WordChips("openid service:CODE profile …")
        self.scope.changed.connect(self._scope_typed)
        self._row(form, "Scope", self.scope, "scope")
        self.service_code = QLineEdit()
        self.service_code.setPlaceholderText("TEST_code")
        self.service_code.textEdited.connect(self._service_edited)
        self._service_label = QLabel("Service code")
        form.addRow(self._service_label, self.service_code)
        self.pkce = QCheckBox("PKCE with S256 (a code verifier made at Start)")
        self.pkce.toggled.connect(self._edited)
        self._row(form, "PKCE", self.pkce, "pkce")
        self.request_object = self._combo(REQUEST_OBJECT_MODES)
        self._row(
            form,
            "Request object",
            self.request_object,
            "request_object",
            "Send the parameters inside a JWT: signed, or signed then encrypted to the "
            "provider (itsme® requires both)",
        )
        self.response_type = self._combo(("code",), editable=True)
        self._row(form, "response_type", self.response_type, "response_type")
        return box

    def _params_box(self) -> QGroupBox:
        box, form = self._form("Authorization parameters")
        self.prompt = self._combo(("", *OIDC_PROMPT), editable=True)
        self._row(form, "prompt", self.prompt, "prompt", "login forces a new authentication")
        self.acr_values = WordChips("space-separated, by preference")
        self.acr_values.changed.connect(self._edited)
        self._row(form, "acr_values", self.acr_values, "acr_values")
        self.ui_locales = WordChips("fr nl de en, by preference")
        self.ui_locales.set_choices([(w, w, "") for w in ITSME_UI_LOCALES])
        self.ui_locales.changed.connect(self._edited)
        self._row(form, "ui_locales", self.ui_locales, "ui_locales")
        self.max_age = self._line("seconds, e.g. 600")
        self._row(
            form,
            "max_age",
            self.max_age,
            "max_age",
            "The longest time since the user last authenticated, in seconds",
        )
        self.login_hint = self._line("")
        self._row(form, "login_hint", self.login_hint, "login_hint")
        self.display = self._combo(("", *OIDC_DISPLAY), editable=True)
        self._row(form, "display", self.display, "display", "itsme® supports page only")
        self.request_uri = self._line("https://…:443/… (the request object by reference)")
        self._row(form, "request_uri", self.request_uri, "request_uri")
        self.extra = QPlainTextEdit()
        self.extra.setPlaceholderText("name=value, one per line")
        self.extra.setFixedHeight(64)
        self.extra.textChanged.connect(self._edited)
        self._row(form, "Other parameters", self.extra, "extra")
        return box

    def _preview_pane(self) -> QWidget:
        page = QWidget()
        body = QVBoxLayout(page)
        self.lint_summary = widgets.SeverityBadge("ok")
        body.addWidget(self.lint_summary)
        body.addWidget(widgets.section_label("Authorization URL"))
        self.url = QPlainTextEdit()
        self.url.setReadOnly(True)
        self.url.setFont(widgets.mono_font())
        self.url.setFixedHeight(96)
        body.addWidget(self.url)
        self.placeholder_note = widgets.SeverityBadge(
            "info",
            "state, nonce and code_challenge are placeholders: fresh values are generated at Start",
            word="Placeholders",
        )
        body.addWidget(self.placeholder_note)
        body.addWidget(widgets.section_label("Parameters"))
        self.params_table = widgets.KeyValueTable(fit=True)
        body.addWidget(self.params_table)
        self._claims_heading = widgets.section_label("Claims (the claims parameter)")
        body.addWidget(self._claims_heading)
        self.claims_json = QPlainTextEdit()
        self.claims_json.setReadOnly(True)
        self.claims_json.setFont(widgets.mono_font())
        self.claims_json.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        body.addWidget(self.claims_json)
        self._ro_heading = widgets.section_label("Request object")
        body.addWidget(self._ro_heading)
        self.ro_layers = QLabel()
        self.ro_layers.setWordWrap(True)
        self.ro_layers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.ro_layers)
        self.ro_claims = QPlainTextEdit()
        self.ro_claims.setReadOnly(True)
        self.ro_claims.setFont(widgets.mono_font())
        self.ro_claims.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        body.addWidget(self.ro_claims)
        body.addWidget(widgets.section_label("Lint"))
        self.findings_list = widgets.FindingsList()
        body.addWidget(self.findings_list)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    # -- API ---------------------------------------------------------------------------------

    def set_profile(self, profile: Profile) -> None:
        """Fill the form from ``profile`` (what the form does not show is kept as it is)."""
        self._profile = profile
        self._claims = profile.request.claims
        self._key_file = None
        self._loading = True
        try:
            self._fill(profile)
        finally:
            self._loading = False
        self.setEnabled(True)
        self._update()

    def profile(self) -> Profile:
        """The profile as edited; raises RuntimeError before :meth:`set_profile`."""
        if self._profile is None:
            raise RuntimeError("the composer has no profile yet")
        base = self._profile
        params, _ = self._params()
        provider = ProviderConfig(
            issuer=self.issuer.text().strip().rstrip("/"),
            variant=self.variant.currentText(),
            preset=base.provider.preset,
            endpoints={k: e.text().strip() for k, e in self.endpoints.items() if e.text().strip()},
        )
        client = replace(
            base.client,
            client_id=self.client_id.text().strip(),
            auth_method=self.auth_method.currentText(),
            redirect_uri=self.redirect_uri.text().strip(),
        )
        request = RequestConfig(
            scope=tuple(self.scope.words()),
            pkce=self.pkce.isChecked(),
            request_object=self.request_object.currentText(),
            params=params,
            claims=self._claims,
        )
        return replace(base, provider=provider, client=client, request=request)

    def set_discovery(self, metadata: ProviderMetadata | None) -> None:
        """The provider's metadata: its authorization endpoint and lists sharpen the preview."""
        self._metadata = metadata
        self._update()

    def set_claims(self, req: ClaimsRequest) -> None:
        """The Claims tab changed the claims request."""
        self._claims = req
        self._update()

    def set_client_keys(self, keys: jwk.JWKSet | None) -> None:
        """The client's keys (else the key file is read) to name the request object's key."""
        self._keys = keys
        self._update()

    def focus_field(self, where: str) -> bool:
        """Show and focus the field a finding's ``where`` names; False when it has none."""
        key = _field_of(where)
        if key is None:
            return False
        self._show_field(key, self._form_scroll)
        return True

    def findings(self) -> tuple[Finding, ...]:
        return self.preview.findings

    # -- filling -----------------------------------------------------------------------------

    def _fill(self, p: Profile) -> None:
        self.issuer.setText(p.provider.issuer)
        self.variant.setCurrentText(p.provider.variant)
        self._variant_changed(p.provider.variant)
        for key, edit in self.endpoints.items():
            edit.setText(p.provider.endpoints.get(key, ""))
        self.client_id.setText(p.client.client_id)
        self.auth_method.setCurrentText(p.client.auth_method)
        self.redirect_uri.setText(p.client.redirect_uri)
        self.scope.set_words(p.request.scope)
        self._scope_typed()
        self.pkce.setChecked(p.request.pkce)
        self.request_object.setCurrentText(p.request.request_object)
        params = dict(p.request.params)
        self.response_type.setCurrentText(params.pop("response_type", "code"))
        self.prompt.setCurrentText(params.pop("prompt", ""))
        self.acr_values.set_words(params.pop("acr_values", "").split())
        self.ui_locales.set_words(params.pop("ui_locales", "").split())
        self.max_age.setText(params.pop("max_age", ""))
        self.login_hint.setText(params.pop("login_hint", ""))
        self.display.setCurrentText(params.pop("display", ""))
        self.request_uri.setText(params.pop("request_uri", ""))
        self.extra.setPlainText("\n".join(f"{k}={v}" for k, v in params.items()))

    def _variant_changed(self, variant: str) -> None:
        family = provider_family(variant)
        self.scope.set_choices(
            [
                (name, name, desc)
                for name, desc in catalogue.scopes(family).items()
                if name != "service:CODE"
            ]
        )
        acr: list[tuple[str, str, str]] = []
        if family == "itsme":
            acr = [
                (ITSME_ACR_BASIC, "acr_basic", "fingerprint or itsme® code (the default)"),
                (ITSME_ACR_ADVANCED, "acr_advanced", "forces the itsme® code"),
            ]
        elif family == "signicat":
            acr = [(SIGNICAT_ACR, SIGNICAT_ACR, "straight to itsme®, no eID selection")]
        self.acr_values.set_choices(acr)
        itsme = family == "itsme"
        self.service_code.setVisible(itsme)
        self._service_label.setVisible(itsme)

    # -- reactions ---------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self._update()

    def _scope_typed(self) -> None:
        service = next((w for w in self.scope.words() if w.startswith("service:")), None)
        if service is not None and not self.service_code.hasFocus():
            self.service_code.setText(service.removeprefix("service:"))
        elif service is None and not self.service_code.hasFocus():
            self.service_code.clear()
        self._edited()

    def _service_edited(self, code: str) -> None:
        words = self.scope.words()
        at = next((i for i, w in enumerate(words) if w.startswith("service:")), None)
        new = f"service:{code.strip()}" if code.strip() else None
        if at is not None:
            if new is None:
                del words[at]
            else:
                words[at] = new
        elif new is not None:
            words.insert(1 if words[:1] == ["openid"] else 0, new)
        self.scope.set_words(words)

    # -- the preview -------------------------------------------------------------------------

    def _params(self) -> tuple[dict[str, str], list[Finding]]:
        """The profile's [request] parameters from the fields, and bad lines of the extras."""
        params: dict[str, str] = {}
        rt = self.response_type.currentText().strip()
        base = self._profile.request.params if self._profile is not None else {}
        if rt and (rt != "code" or "response_type" in base):
            params["response_type"] = rt
        values = {
            "prompt": self.prompt.currentText(),
            "acr_values": " ".join(self.acr_values.words()),
            "ui_locales": " ".join(self.ui_locales.words()),
            "max_age": self.max_age.text(),
            "login_hint": self.login_hint.text(),
            "display": self.display.currentText(),
            "request_uri": self.request_uri.text(),
        }
        params.update({k: v.strip() for k, v in values.items() if v.strip()})
        problems = []
        for n, line in enumerate(self.extra.toPlainText().splitlines(), 1):
            if not line.strip():
                continue
            name, eq, value = line.partition("=")
            name = name.strip()
            if not eq or not name:
                problems.append(f"line {n}: expected name=value; got {line.strip()!r:.40}")
            elif name in _OWN_PARAMS:
                problems.append(f"line {n}: {name} has its own field or is set by the debugger")
            else:
                params[name] = value.strip()
        findings = [
            error("request.extra_parameter_invalid", p, "RFC 6749 3.1", "request.extra")
            for p in problems
        ]
        return params, findings

    def _auth_params(self, profile: Profile) -> tuple[AuthorizationParams, list[Finding]]:
        """The parameters the flow will send, with placeholders; and a bad max_age."""
        return authorization_params(
            profile,
            state=STATE_PLACEHOLDER,
            nonce=NONCE_PLACEHOLDER,
            code_challenge=CHALLENGE_PLACEHOLDER if profile.request.pkce else None,
        )

    @contextmanager
    def held_updates(self) -> Iterator[None]:
        """Several changes at once (a profile loaded with its keys and discovery): the
        preview, whose request object is signed and encrypted, is made once, at the end."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._update_due:
                self._update()

    def _update(self) -> None:
        if self._held:
            self._update_due = True
            return
        self._update_due = False
        if self._profile is None:
            return
        profile = self.profile()
        extra_problems = self._params()[1]
        params, max_age_problems = self._auth_params(profile)
        self.preview = self._compute(profile, params, [*max_age_problems, *extra_problems])
        self._show_preview(self.preview, profile.request.request_object)
        inline: dict[str, list[tuple[str, str]]] = {key: [] for key in self._issues}
        for f in self.preview.findings:
            key = _field_of(f.where)
            if key is not None:
                inline[key].append((f.severity.value, f.message))
        for key, issues in inline.items():
            self._issues[key].set_badges(issues)
        self.changed.emit()

    def _compute(
        self, profile: Profile, params: AuthorizationParams, problems: list[Finding]
    ) -> Preview:
        metadata = self._metadata
        mode = profile.request.request_object
        issuer = metadata.issuer if metadata is not None else profile.provider.issuer
        endpoint = (
            metadata.authorization_endpoint
            if metadata is not None and metadata.authorization_endpoint
            else profile.provider.endpoints.get("authorization_endpoint") or ENDPOINT_PLACEHOLDER
        )
        findings = problems + lint_authorization_request(
            params,
            variant=profile.provider.variant,
            issuer=issuer,
            discovery=metadata.raw if metadata is not None else None,
            request_object_mode=mode,
        )
        url_params = params
        ro_text = ""
        layers: tuple[str, ...] = ()
        if mode != "none":
            url_params = authorization_params_with_request_object(params, REQUEST_PLACEHOLDER)
            claims = request_object_claims(
                params, client_id=profile.client.client_id, audience=issuer, now=time.time()
            )
            ro_text = json.dumps(claims, indent=2, ensure_ascii=False)
            layers = tuple(self._layers(profile, mode))
        notes = {
            "state": GENERATED,
            "nonce": GENERATED,
            "code_challenge": GENERATED,
            "request": "the request object, made at Start",
        }
        rows = tuple(widgets.KeyValue(k, v, notes.get(k, "")) for k, v in url_params.to_query())
        if mode != "none":
            rows += (widgets.KeyValue("…", "every other parameter", "inside the request object"),)
        claims_json = (
            json.dumps(profile.request.claims.to_dict(), indent=2, ensure_ascii=False)
            if not profile.request.claims.is_empty()
            else ""
        )
        return Preview(
            build_authorization_url(endpoint, url_params),
            rows,
            claims_json,
            ro_text,
            layers,
            tuple(findings),
        )

    def _layers(self, profile: Profile, mode: str) -> list[str]:
        key, problem = self._signing_key(profile)
        if key is not None:
            sig = (
                f"1. JWS {default_alg(key, 'sig')}, kid {key.get('kid') or '(none)'}: signed with "
                f"the client's key ({describe_key(key)})"
            )
        else:
            sig = f"1. JWS RS256: signed with the client's signing key ({problem})"
        layers = [sig]
        if mode == "signed+encrypted":
            metadata = self._metadata
            jwks = metadata.jwks_uri if metadata is not None else None
            where = f"from {jwks}" if jwks else "from the provider's jwks_uri"
            layers.append(
                "2. JWE to the provider's encryption key (use enc, "
                f"{where}, fetched at Start), enc {DEFAULT_ENC}, cty JWT: a nested JWT"
            )
        return layers

    def _signing_key(self, profile: Profile) -> tuple[jwk.JWK | None, str]:
        keys = self._keys
        path = profile.client.keys
        if keys is None and path:
            keys, problem = self._read_key_file(path)
            if keys is None:
                return None, problem
        if keys is None:
            return None, "no key file in the profile"
        try:
            return key_for(keys, "sig", private=True), ""
        except DebuggerError as exc:
            return None, exc.message

    def _read_key_file(self, path: str) -> tuple[jwk.JWKSet | None, str]:
        """Read (once per change of the file) the key file named by the profile."""
        try:
            mtime = Path(path).stat().st_mtime
        except OSError as exc:
            return None, f"cannot read {path}: {exc.strerror or exc}"
        if self._key_file is None or self._key_file[:2] != (path, mtime):
            try:
                keys, _ = read_keys(Path(path))
                self._key_file = (path, mtime, keys, "")
            except DebuggerError as exc:
                self._key_file = (path, mtime, None, exc.message)
        return self._key_file[2], self._key_file[3]

    def _show_preview(self, preview: Preview, mode: str) -> None:
        self.url.setPlainText(preview.url)
        made = ["state", "nonce"]
        if CHALLENGE_PLACEHOLDER in preview.url + preview.request_object:
            made.append("code_challenge")
        inside = " (inside the request object, also made at Start)" if mode != "none" else ""
        note = f"{', '.join(made)} are placeholders{inside}: fresh values are generated at Start"
        if preview.url.startswith(ENDPOINT_PLACEHOLDER):
            note += "; the authorization endpoint comes from discovery at Start"
        self.placeholder_note.set_mark("info", note, "Placeholders")
        self.params_table.set_rows(preview.rows)
        self.claims_json.setPlainText(preview.claims_json or "(no claims parameter)")
        _fit_text(self.claims_json, 20)
        for w in (self._ro_heading, self.ro_layers, self.ro_claims):
            w.setVisible(mode != "none")
        self.ro_layers.setText("\n".join(preview.layers))
        self.ro_claims.setPlainText(preview.request_object)
        _fit_text(self.ro_claims, 24)
        self.findings_list.set_findings(preview.findings)
        counts = {s: 0 for s in ("error", "warning", "info")}
        for f in preview.findings:
            counts[f.severity.value] += 1
        mark = "error" if counts["error"] else "warning" if counts["warning"] else "ok"
        text = (
            f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)"
            if preview.findings
            else "the request follows the provider's rules"
        )
        self.lint_summary.set_mark(mark, text, "Lint")


def _fit_text(edit: QPlainTextEdit, max_lines: int) -> None:
    """As tall as its text, up to ``max_lines`` (then it scrolls)."""
    lines = min(max(edit.toPlainText().count("\n") + 1, 2), max_lines)
    scroll = edit.horizontalScrollBar().sizeHint().height()
    edit.setFixedHeight(lines * edit.fontMetrics().lineSpacing() + scroll + 14)
