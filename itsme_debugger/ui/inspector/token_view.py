"""The ID token and UserInfo pane: layer by layer, the claims, the checklist, metadata, photo.

Everything shown comes from ``core`` results (``IdTokenResult``, ``UserInfoResult``); this
module only words and lays it out. Sensitive claims (national number, document numbers) and the
compact token are masked until "Reveal secrets" is ticked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as _html_escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.catalogue import ITSME_CLAIM_PREFIX, claim_info, short_name
from itsme_debugger.core.findings import Finding
from itsme_debugger.core.idtoken import IdTokenResult
from itsme_debugger.core.jose import Inspection, Layer
from itsme_debugger.core.picture import PictureResult
from itsme_debugger.core.report import mask
from itsme_debugger.core.userinfo import UserInfoResult
from itsme_debugger.ui import widgets
from itsme_debugger.ui.widgets import Index

from .metadata_view import MetadataView
from .photo_view import PhotoView

PHOTO_CLAIM = ITSME_CLAIM_PREFIX + "physical_person_photo"
#: NumericDate claims (RFC 7519 2): shown as local time and relative to now.
TIME_CLAIMS = frozenset({"exp", "iat", "nbf", "auth_time", "updated_at"})
#: Labels of the protocol claims of an ID token (the catalogue lists user data only).
PROTOCOL_LABELS = {
    "iss": "Issuer",
    "aud": "Audience",
    "exp": "Expires",
    "iat": "Issued at",
    "nbf": "Not before",
    "auth_time": "Authenticated at",
    "nonce": "Nonce",
    "acr": "Authentication level (acr)",
    "amr": "Authentication methods (amr)",
    "azp": "Authorized party",
    "at_hash": "Access token hash",
    "c_hash": "Code hash",
    "sid": "Session id",
    "jti": "Token id",
    "updated_at": "Updated at",
}
#: The checklist of ``IdTokenResult.checks``, in words.
CHECK_MEANINGS = {
    "decryption": "decrypted with the client's key",
    "signature": "signature verified with the provider's key",
    "iss": "issuer is the provider's",
    "sub": "subject present",
    "aud": "audience contains the client_id",
    "azp": "authorized party is the client",
    "exp": "not expired",
    "iat": "issue time plausible",
    "nbf": "not used before its time",
    "nonce": "nonce is the one sent",
    "at_hash": "at_hash matches the access token",
    "c_hash": "c_hash matches the code",
    "auth_time": "authentication recent enough (max_age)",
    "acr": "acr is one requested",
}
_RAW_SHOWN = 100


def label_for(name: str) -> str:
    info = claim_info(name)
    if info is not None:
        return info.label
    return PROTOCOL_LABELS.get(name, short_name(name))


def readable(name: str, value: Any, now: float | None = None) -> str:
    """A readable rendering of a claim value, or "" when the raw value says it all."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in TIME_CLAIMS and isinstance(value, int | float):
        return f"{widgets.local_time(value)} ({widgets.relative_time(value, now)})"
    if isinstance(value, str):
        return widgets.iso_time(value, now)
    if isinstance(value, Mapping):
        return _summarise_object(name, value)
    if isinstance(value, list):
        shown = ", ".join(widgets.json_summary(v) for v in value[:3])
        more = ", …" if len(value) > 3 else ""
        return f"{len(value)} value{'s' if len(value) != 1 else ''}: {shown}{more}"
    return ""


def _summarise_object(name: str, value: Mapping[str, Any]) -> str:
    info = claim_info(name)
    if name == PHOTO_CLAIM:
        data = value.get("value")
        size = f", {len(data) * 3 // 4 / 1024:.1f} kB" if isinstance(data, str) else ""
        return f"photo {value.get('format', '?')}{size} (shown below)"
    if info is not None and info.metadata:
        return f"metadata for {len(value)} attribute{'s' if len(value) != 1 else ''} (matrix below)"
    formatted = value.get("formatted")
    if isinstance(formatted, str):
        return formatted
    keys = list(value)
    shown = ", ".join(str(k) for k in keys[:4]) + (", …" if len(keys) > 4 else "")
    return f"{{{shown}}} ({len(keys)} member{'s' if len(keys) != 1 else ''})"


def raw_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _shorten(text: str, limit: int = _RAW_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class ClaimRow:
    name: str
    label: str
    raw: str
    readable: str
    masked: bool


class ClaimsTableModel(widgets.RowsModel[ClaimRow]):
    """Claim label, name, raw value, readable value."""

    HEADERS = ("Claim", "Value", "Readable")

    def set_claims(
        self,
        claims: Mapping[str, Any],
        *,
        reveal: bool,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """``notes``: a readable value for some claims, in place of the one from the value."""
        rows = []
        for name, value in claims.items():
            info = claim_info(name)
            hide = not reveal and info is not None and info.sensitive and isinstance(value, str)
            raw = mask(value, 2) if hide else raw_text(value)
            shown = (notes or {}).get(name) or readable(name, value)
            rows.append(ClaimRow(name, label_for(name), raw, shown, hide))
        self._reset(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            short = short_name(r.name)
            claim = r.label if r.label == short else f"{r.label} ({short})"
            return (claim, _shorten(r.raw), r.readable)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1:
                note = "\n(masked: tick Reveal secrets to see it)" if r.masked else ""
                return _shorten(r.raw, 2000) + note
            return (r.name, "", r.readable)[col] or None
        if role == Qt.ItemDataRole.FontRole and col == 1 and r.masked:
            return widgets.italic_font()
        return None


@dataclass(frozen=True)
class CheckRow:
    name: str
    mark: str  # ok | error | na
    meaning: str
    detail: str


class ChecksModel(widgets.RowsModel[CheckRow]):
    """The validation checklist: ✓ passed / ✗ failed / – not applicable, with the reason."""

    HEADERS = ("Result", "Check")

    def set_checks(
        self, checks: Sequence[tuple[str, bool | None]], findings: Sequence[Finding]
    ) -> None:
        self._reset(
            CheckRow(
                name,
                widgets.check_mark(ok),
                CHECK_MEANINGS.get(name, name),
                "; ".join(f.message for f in findings if _concerns(f, name)),
            )
            for name, ok in checks
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            result = f"{widgets.CHECK_SYMBOLS[r.mark]} {widgets.CHECK_WORDS[r.mark]}"
            detail = f"\n{r.detail}" if r.detail else ""
            return (result, f"{r.name}: {r.meaning}{detail}")[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return widgets.mark_icon(r.mark)
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return widgets.mark_color(r.mark)
        return None


def _concerns(finding: Finding, check: str) -> bool:
    if finding.where.endswith(f".claims.{check}"):
        return True
    kind = {"decryption": ".jwe", "signature": ".jws"}.get(check)
    return kind is not None and kind in finding.where


# ---------------------------------------------------------------------------------------------
# Layers in words


def _esc(text: object) -> str:
    return _html_escape(str(text))


def describe_layer(layer: Layer) -> tuple[str, str]:
    """(mark, rich text) for one layer of a token; the layer's kind is the badge's word."""
    mark = "ok" if layer.ok else "error"
    h = layer.header
    if layer.kind == "JWE":
        title = f"{h.get('alg', '?')} / {h.get('enc', '?')}"
        verb = "decrypted with"
    elif layer.kind == "JWS":
        title = f"{h.get('alg', '?')}" + (f", kid {h['kid']}" if h.get("kid") else "")
        verb = "verified with"
    else:
        return mark, "the claims, a JSON object" if layer.ok else _esc(layer.note)
    lines = [f"<b>{_esc(title)}</b>"]
    extra = {k: v for k, v in h.items() if k not in ("alg", "enc", "kid")}
    if extra:
        lines.append("header: " + _esc(", ".join(f"{k}: {raw_text(v)}" for k, v in extra.items())))
    if layer.key is not None:
        k = layer.key
        key = f"kid {k.kid}" if k.kid else "a key without kid"
        use = f", use {k.use}" if k.use else ""
        lines.append(f"{verb} {_esc(key)} ({_esc(k.kty)}{_esc(use)}): {_esc(k.reason)}")
    if layer.note and (not layer.ok or layer.key is None):
        lines.append(_esc(layer.note))
    return mark, "<br>".join(lines)


# ---------------------------------------------------------------------------------------------
# The view


class TokenView(QWidget):
    """One token: [Decoded] (layers, claims, checks, metadata, photo, findings) and [Raw]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[str, Inspection | None, Mapping[str, Any] | None] | None = None
        self._checks: Sequence[tuple[str, bool | None]] = ()
        self._findings: Sequence[Finding] = ()
        self._picture: PictureResult | None = None

        self.title = QLabel()
        self.reveal = QCheckBox("Reveal secrets")
        self.reveal.setToolTip("Show the compact token and sensitive claims in full")
        self.reveal.toggled.connect(self._render)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reveal)

        self.summary = widgets.SeverityBadge("na")
        self.layers = widgets.BadgeList()
        self.claims_table = widgets.FitTable(fit=True)
        self.claims_model = ClaimsTableModel(self)
        self.claims_table.setModel(self.claims_model)
        self.claims_table.setWordWrap(True)
        hdr = self.claims_table.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.claims_table.cap_columns({0: 0.3, 2: 0.32})
        self.checks_table = widgets.FitTable(fit=True)
        self.checks_model = ChecksModel(self)
        self.checks_table.setModel(self.checks_model)
        self.checks_table.setWordWrap(True)
        checks_header = self.checks_table.horizontalHeader()
        checks_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        checks_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.metadata = MetadataView()
        self.photo = PhotoView()
        self.picture = PhotoView()
        self.picture_source = QLabel()
        self.picture_source.setWordWrap(True)
        self.picture_source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        picture_box = QWidget()
        picture_layout = QVBoxLayout(picture_box)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        picture_layout.addWidget(self.picture_source)
        picture_layout.addWidget(self.picture)
        self.findings = widgets.FindingsList()

        page = QWidget()
        body = QVBoxLayout(page)
        body.addWidget(self.summary)
        self._sections: dict[str, list[QWidget]] = {}
        self._section(body, "layers", "Layers", self.layers)
        self._section(body, "claims", "Claims", self.claims_table)
        self._section(body, "checks", "Validation checklist", self.checks_table)
        self._section(body, "metadata", "Metadata", self.metadata)
        self._section(body, "photo", "Photo (physical_person_photo)", self.photo)
        self._section(
            body, "picture", "Picture (picture, fetched with the access token)", picture_box
        )
        self._section(body, "findings", "Findings", self.findings)
        body.addStretch(1)
        self.tabs, self.raw = widgets.decoded_and_raw_tabs(self, top, page)
        self._render()

    def _section(self, body: QVBoxLayout, key: str, title: str, item: QWidget) -> None:
        heading = widgets.section_label(title)
        body.addWidget(heading)
        body.addWidget(item)
        self._sections[key] = [heading, item]

    def _show_section(self, key: str, visible: bool) -> None:
        for w in self._sections[key]:
            w.setVisible(visible)

    # -- API ---------------------------------------------------------------------------------

    def show_id_token(self, result: IdTokenResult | None) -> None:
        self._picture = None
        if result is None:
            self._set(None, (), ())
            return
        self._set(("ID token", result.inspection, result.claims), result.checks, result.findings)

    def show_userinfo(
        self, result: UserInfoResult | None, picture: PictureResult | None = None
    ) -> None:
        """The UserInfo response; ``picture``: what its ``picture`` URL gave (the flow's)."""
        self._picture = picture
        if result is None:
            self._set(None, (), ())
            return
        what = "UserInfo (JWT)" if result.format == "jwt" else "UserInfo (plain JSON)"
        self._set((what, result.inspection, result.claims), (), result.findings)

    def _set(
        self,
        shown: tuple[str, Inspection | None, Mapping[str, Any] | None] | None,
        checks: Sequence[tuple[str, bool | None]],
        findings: Sequence[Finding],
    ) -> None:
        self._shown, self._checks, self._findings = shown, checks, findings
        self._render()

    # -- rendering ---------------------------------------------------------------------------

    def _render(self) -> None:
        reveal = self.reveal.isChecked()
        if self._shown is None:
            self.title.setText("<i>No token yet: run the flow.</i>")
            self.summary.hide()
            for key in self._sections:
                self._show_section(key, False)
            self.raw.setPlainText("")
            return
        what, insp, claims = self._shown
        self.title.setText(f"<b>{_esc(what)}</b>")
        self.summary.show()
        self.summary.set_mark(*self._verdict(insp, claims))
        self._render_layers(insp)
        self.claims_model.set_claims(claims or {}, reveal=reveal, notes=self._picture_note())
        self._show_section("claims", claims is not None)
        self.checks_model.set_checks(self._checks, self._findings)
        self._show_section("checks", bool(self._checks))
        self._show_section("metadata", self.metadata.show_claims(claims))
        has_photo = claims is not None and PHOTO_CLAIM in claims
        if claims is not None and has_photo:
            self.photo.show_claim(claims[PHOTO_CLAIM])
        self._show_section("photo", has_photo)
        self._render_picture()
        # the picture's findings are listed too, but are not the token's (see _verdict)
        shown = (*self._findings, *(self._picture.findings if self._picture is not None else ()))
        self.findings.set_findings(shown)
        self._show_section("findings", bool(shown))
        self.raw.setPlainText(self._raw_text(insp, claims, reveal))

    def _picture_note(self) -> dict[str, str]:
        """What the ``picture`` claim's row says once its URL was fetched (or not)."""
        picture = self._picture
        if picture is None:
            return {}
        if picture.data is not None:
            kind = picture.image_type or picture.content_type or "an image"
            return {"picture": f"fetched: {kind}, {len(picture.data) / 1024:.1f} kB (shown below)"}
        return {"picture": "not shown: see Picture below"}

    def _render_picture(self) -> None:
        picture = self._picture
        self._show_section("picture", picture is not None)
        if picture is None:
            return
        source = f"{_esc(picture.url)}" + (
            f" · HTTP {picture.status}" if picture.status is not None else " · not fetched"
        )
        self.picture_source.setText(source)
        if picture.data is not None:
            self.picture.show_bytes(picture.data, picture.image_type or picture.content_type)
            return
        self.picture.clear()
        why = (
            "the image is masked in this export (personal data)"
            if not picture.findings and picture.status is not None
            else "see the findings below"
        )
        self.picture_source.setText(f"{source}<br><i>No image: {why}.</i>")

    def _verdict(
        self, insp: Inspection | None, claims: Mapping[str, Any] | None
    ) -> tuple[str, str]:
        worst = max((f.severity.rank for f in self._findings), default=-1)
        mark = {2: "error", 1: "warning"}.get(worst, "ok")
        if insp is None:
            shape = "plain JSON, neither signed nor encrypted"
        else:
            parts = []
            if insp.encrypted:
                parts.append("decrypted" if insp.decrypted_with else "encrypted (not decrypted)")
            if insp.signed:
                parts.append(
                    "signature verified" if insp.signature_verified else "signature NOT verified"
                )
            shape = ", ".join(parts) or "neither signed nor encrypted"
        n = len(self._findings)
        count = f"; {n} finding{'s' if n != 1 else ''} below" if n else ""
        readable_claims = "" if claims is not None else "; the claims could not be read"
        verdict = "rejected: " if mark == "error" else ""
        return mark, f"{verdict}{shape}{readable_claims}{count}"

    def _render_layers(self, insp: Inspection | None) -> None:
        layers = insp.layers if insp is not None else ()
        self.layers.set_badges([(*describe_layer(layer), layer.kind) for layer in layers])
        self._show_section("layers", bool(layers))

    def layer_texts(self) -> list[str]:
        """Each layer as "JWE: <its description>" (for tests and accessibility)."""
        return self.layers.lines()

    @staticmethod
    def _raw_text(insp: Inspection | None, claims: Mapping[str, Any] | None, reveal: bool) -> str:
        parts = []
        if insp is not None:
            token = insp.token if reveal else mask(insp.token, 20)
            note = "" if reveal else "   (masked: tick Reveal secrets to see it)"
            parts.append(f"Compact token{note}\n{token}")
            for layer in insp.layers:
                if layer.kind in ("JWE", "JWS"):
                    header = json.dumps(layer.header, indent=2, ensure_ascii=False)
                    parts.append(f"{layer.kind} header\n{header}")
        if claims is not None:
            shown = dict(claims)
            if not reveal:
                for name, value in claims.items():
                    info = claim_info(name)
                    if info is not None and info.sensitive and isinstance(value, str):
                        shown[name] = mask(value, 2)
            parts.append("Claims\n" + json.dumps(shown, indent=2, ensure_ascii=False))
        return "\n\n".join(parts)
