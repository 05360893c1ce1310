"""The centre of the window: the Request, Claims and Keys tabs editing one profile.

:class:`ProfileEditor` keeps the three tabs in step (the scope chosen in the composer tells the
claims editor what is already in scope; the claims edited go to the composer's preview; a new
key file goes to the composer's request-object preview) and returns the profile as edited.
When a profile cannot be edited (its file cannot be read, the Demo is starting), it shows why
in place of the tabs.

A Signicat Authentication REST API profile (``kind = "signicat-rest"``) has no authorization
request, claims or keys: :class:`RestForm` takes the place of the three tabs (the API, the API
client and its secret, the attributes picker, the allowed providers, the callback base and the
session lifetime, with the create-session request's lint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.profile import Profile

from . import icons
from .widgets import SeverityBadge

if TYPE_CHECKING:
    from jwcrypto import jwk

    from itsme_debugger.core.discovery import ProviderMetadata

    from .claims_editor import ClaimsEditor
    from .composer import ComposerWidget
    from .keys_view import KeysView
    from .rest_form import RestForm

REQUEST_TAB, CLAIMS_TAB, KEYS_TAB = 0, 1, 2
_CLAIM_WHERE = ("request.claims.id_token.", "request.claims.userinfo.")


class ProfileEditor(QWidget):
    """``edited``: the profile changed in one of the tabs; ``secretChanged``: a secret typed.

    The tabs and the REST API form are built the first time they are needed: the window's
    first frame, on a first start, shows only the message that the Demo is starting."""

    edited = Signal()
    secretChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded = False
        self._loading = False
        self._scope: tuple[str, ...] = ()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.message)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 6, 0, 0)
        self._layout.addWidget(self.pages, 1)

    @cached_property
    def problem(self) -> SeverityBadge:
        """Why the last change could not be saved or applied (above the tabs)."""
        badge = SeverityBadge("error")
        badge.hide()
        self._layout.insertWidget(0, badge)
        return badge

    def prebuild(self) -> None:
        """Build the tabs ahead of their first use, one per turn of the event loop (each takes
        tens of milliseconds: together they would hold the window up)."""
        steps = iter(("composer", "claims", "keys", "tabs"))

        def build_next() -> None:
            name = next(steps, None)
            if name is not None:
                getattr(self, name)
                QTimer.singleShot(1, self, build_next)  # a timer: the window's events between

        QTimer.singleShot(1, self, build_next)

    @cached_property
    def composer(self) -> ComposerWidget:
        from .composer import ComposerWidget

        composer = ComposerWidget()
        composer.changed.connect(self._composer_edited)
        return composer

    @cached_property
    def claims(self) -> ClaimsEditor:
        from .claims_editor import ClaimsEditor

        claims = ClaimsEditor()
        claims.changed.connect(self._claims_edited)
        return claims

    @cached_property
    def keys(self) -> KeysView:
        from .keys_view import KeysView

        keys = KeysView()
        keys.keyFileChanged.connect(self._key_file_edited)
        keys.secretChanged.connect(self._secret_typed)
        return keys

    @cached_property
    def tabs(self) -> QTabWidget:
        """The Request, Claims and Keys tabs."""
        keys_scroll = QScrollArea()  # the tab stays usable on a small screen
        keys_scroll.setWidgetResizable(True)
        keys_scroll.setFrameShape(QFrame.Shape.NoFrame)
        keys_scroll.setWidget(self.keys)
        tabs = QTabWidget()
        tabs.addTab(self.composer, "Request")
        tabs.addTab(self.claims, "Claims")
        tabs.addTab(keys_scroll, icons.icon("key"), "Keys")
        self.pages.insertWidget(0, tabs)
        return tabs

    @cached_property
    def rest(self) -> RestForm:
        """The form of a Signicat REST API profile, in place of the tabs."""
        from .rest_form import RestForm

        rest = RestForm()
        rest.changed.connect(self._rest_edited)
        rest.secretChanged.connect(self._secret_typed)
        self.pages.addWidget(rest)
        return rest

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
        if profile.is_rest:
            self._loading = True
            try:
                self.rest.set_profile(
                    profile, secret=secret, secret_note=secret_note, builtin=key_dir is None
                )
            finally:
                self._loading = False
            self._loaded = True
            self.hide_problem()
            self.pages.setCurrentWidget(self.rest)
            return
        self._loading = True
        try:
            with self.composer.held_updates():
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
        """The provider's metadata: the claims it supports, then the composer's preview (once:
        the profile itself does not change, so nothing says it was edited)."""
        loading, self._loading = self._loading, True
        try:
            self.claims.set_claims_supported(_claims_supported(metadata))
            self.composer.set_discovery(metadata)
        finally:
            self._loading = loading

    def show_problem(self, text: str) -> None:
        self.problem.set_mark("error", text)
        self.problem.show()

    def hide_problem(self) -> None:
        if "problem" in self.__dict__:
            self.problem.hide()

    def is_rest(self) -> bool:
        """Whether the profile being edited is a REST API one (the REST form is shown)."""
        built = self.__dict__.get("rest")
        return self._loaded and built is not None and self.pages.currentWidget() is built

    def focus(self, where: str) -> None:
        """Show the tab (and the claim) a finding's ``where`` names."""
        if not self._loaded:
            return
        if self.is_rest():
            self.rest.focus(where)
            return
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
        if self.is_rest():
            return self.rest.profile()
        p = self.composer.profile()
        return replace(
            p,
            client=replace(p.client, keys=self.keys.key_file()),
            request=replace(p.request, claims=self.claims.claims()),
        )

    def secret(self) -> str:
        if not self._loaded:
            return ""
        return self.rest.secret() if self.is_rest() else self.keys.secret()

    def _rest_edited(self) -> None:
        if not self._loading:
            self.edited.emit()

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
