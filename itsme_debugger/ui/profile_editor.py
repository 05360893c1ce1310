"""The centre of the window: the Request, Claims and Keys tabs editing one profile.

:class:`ProfileEditor` keeps the three tabs in step (the scope chosen in the composer tells the
claims editor what is already in scope; the claims edited go to the composer's preview; a new
key file goes to the composer's request-object preview) and returns the profile as edited.
When a profile cannot be edited (its file cannot be read, the Demo is starting), it shows why
in place of the tabs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from jwcrypto import jwk
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.discovery import ProviderMetadata
from itsme_debugger.core.profile import Profile

from . import icons
from .claims_editor import ClaimsEditor
from .composer import ComposerWidget
from .keys_view import KeysView
from .widgets import SeverityBadge

REQUEST_TAB, CLAIMS_TAB, KEYS_TAB = 0, 1, 2
_CLAIM_WHERE = ("request.claims.id_token.", "request.claims.userinfo.")


class ProfileEditor(QWidget):
    """``edited``: the profile changed in one of the tabs; ``secretChanged``: a secret typed."""

    edited = Signal()
    secretChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded = False
        self._loading = False
        self._scope: tuple[str, ...] = ()
        self.composer = ComposerWidget()
        self.composer.changed.connect(self._composer_edited)
        self.claims = ClaimsEditor()
        self.claims.changed.connect(self._claims_edited)
        self.keys = KeysView()
        self.keys.keyFileChanged.connect(self._key_file_edited)
        self.keys.secretChanged.connect(self._secret_typed)
        keys_scroll = QScrollArea()  # the tab stays usable on a small screen
        keys_scroll.setWidgetResizable(True)
        keys_scroll.setFrameShape(QFrame.Shape.NoFrame)
        keys_scroll.setWidget(self.keys)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.composer, "Request")
        self.tabs.addTab(self.claims, "Claims")
        self.tabs.addTab(keys_scroll, icons.icon("key"), "Keys")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.message)
        self.problem = SeverityBadge("error")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.problem)
        layout.addWidget(self.pages, 1)

    # -- what is shown -----------------------------------------------------------------------

    def load(
        self,
        profile: Profile,
        *,
        secret: str | None,
        secret_note: str | None,
        key_dir: Path | None,
        memory_keys: jwk.JWKSet | None = None,
        discovery: ProviderMetadata | None = None,
    ) -> None:
        """Edit ``profile``; ``key_dir`` None for the built-in Demo (keys in ``memory_keys``)."""
        self._loading = True
        try:
            self.composer.set_profile(profile)
            self.composer.set_client_keys(memory_keys)
            self._scope = tuple(profile.request.scope)
            self.claims.set_claims(profile.request.claims, self._scope)
            self.set_discovery(discovery)
            self.keys.set_profile(
                profile,
                secret=secret,
                secret_note=secret_note,
                key_dir=key_dir,
                memory_keys=memory_keys,
            )
        finally:
            self._loading = False
        self._loaded = True
        self.hide_problem()
        self.pages.setCurrentWidget(self.tabs)

    def show_message(self, html_text: str) -> None:
        """Say why there is nothing to edit (in place of the tabs)."""
        self._loaded = False
        self.hide_problem()
        self.message.setText(html_text)
        self.pages.setCurrentWidget(self.message)

    def set_discovery(self, metadata: ProviderMetadata | None) -> None:
        """The provider's metadata: the composer's preview and the claims it supports."""
        self.composer.set_discovery(metadata)
        self.claims.set_claims_supported(_claims_supported(metadata))

    def show_problem(self, text: str) -> None:
        self.problem.set_mark("error", text)
        self.problem.show()

    def hide_problem(self) -> None:
        self.problem.hide()

    def focus(self, where: str) -> None:
        """Show the tab (and the claim) a finding's ``where`` names."""
        for prefix in _CLAIM_WHERE:
            if where.startswith(prefix):
                self.tabs.setCurrentIndex(CLAIMS_TAB)
                self.claims.select_claim(where.removeprefix(prefix))
                return
        if where.startswith(("request.", "client.redirect_uri", "provider.")):
            self.tabs.setCurrentIndex(REQUEST_TAB)
        elif where.startswith(("client.keys", "jwks")):
            self.tabs.setCurrentIndex(KEYS_TAB)

    # -- the profile as edited -----------------------------------------------------------------

    def profile(self) -> Profile | None:
        """The profile as edited in the three tabs; None when there is none to edit."""
        if not self._loaded:
            return None
        p = self.composer.profile()
        return replace(
            p,
            client=replace(p.client, keys=self.keys.key_file()),
            request=replace(p.request, claims=self.claims.claims()),
        )

    def secret(self) -> str:
        return self.keys.secret()

    def _composer_edited(self) -> None:
        if self._loading:
            return
        scope = tuple(self.composer.profile().request.scope)
        if scope != self._scope:
            self._scope = scope
            self.claims.set_scopes(scope)
        self.edited.emit()

    def _claims_edited(self) -> None:
        if self._loading:
            return
        self.composer.set_claims(self.claims.claims())
        self.edited.emit()

    def _key_file_edited(self) -> None:
        profile = self.profile()
        if self._loading or profile is None:
            return
        self._loading = True
        try:
            self.composer.set_profile(profile)  # its request-object preview names the key
        finally:
            self._loading = False
        self.edited.emit()

    def _secret_typed(self, secret: str) -> None:
        if not self._loading:
            self.secretChanged.emit(secret)


def _claims_supported(metadata: ProviderMetadata | None) -> Sequence[str] | None:
    raw: Mapping[str, object] = metadata.raw if metadata is not None else {}
    names = raw.get("claims_supported")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else None
