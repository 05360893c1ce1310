"""The Keys tab: the profile's key file and client secret.

Each key of the file is described with ``core.keys.describe_key`` (never its material); the
findings about the file (``keyfiles.read_keys``) and, for itsme® profiles, its public part
against itsme®'s rules (``core.keys.check_itsme_jwks``) are listed below. "Generate keys…"
writes a private JWK Set (0600) and its public JWK Set with ``keyfiles.write_keypair``.
The client secret is typed in a password field and kept by the profile store (keychain or a
0600 file, with a visible note), never in the profile file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from jwcrypto import jwk
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.errors import KeyError_
from itsme_debugger.core.findings import Finding
from itsme_debugger.core.keys import check_itsme_jwks, describe_key, generate_client_keys
from itsme_debugger.core.keys import public_jwks as public_part
from itsme_debugger.core.profile import Profile
from itsme_debugger.keyfiles import PRIVATE_NAME, PUBLIC_NAME, read_keys, write_keypair
from itsme_debugger.net.tasks import spawn

from . import icons
from .widgets import FindingsTable, SecretField, SeverityBadge

ITSME_VARIANTS = ("itsme-v2", "itsme-secret")
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


class KeysView(QWidget):
    """See the module docstring. ``keyFileChanged``: the path belongs to the profile."""

    keyFileChanged = Signal()
    secretChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._variant = "generic"
        self._key_dir: Path | None = None
        self._memory_keys: jwk.JWKSet | None = None
        self._generating: asyncio.Task[None] | None = None
        self.path_field = QLineEdit()
        self.path_field.setReadOnly(True)
        self.path_field.setPlaceholderText("no key file")
        self.choose_button = QPushButton(icons.icon("open"), "Choose key file…")
        self.choose_button.clicked.connect(self._choose)
        self.generate_button = QPushButton(icons.icon("key"), "Generate keys…")
        self.generate_button.setToolTip(
            "Write a new RSA signing key and encryption key: private.jwks.json (readable only "
            "by you) and public.jwks.json (to publish at your jwks_uri)"
        )
        self.generate_button.clicked.connect(self._generate_clicked)
        self.state = SeverityBadge("info")
        self.key_list = QListWidget()
        self.findings = FindingsTable()
        secret = SecretField()
        secret.secretChanged.connect(self.secretChanged)
        self.secret_field, self.reveal_button = secret.edit, secret.reveal_button
        self.secret_note = SeverityBadge("warning")
        self.secret_hint = QLabel()
        self.secret_hint.setWordWrap(True)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path_field, 1)
        file_row.addWidget(self.choose_button)
        file_row.addWidget(self.generate_button)
        keys_box = QGroupBox("Keys (private_key_jwt, request objects, decrypting tokens)")
        keys_layout = QVBoxLayout(keys_box)
        keys_layout.addLayout(file_row)
        keys_layout.addWidget(self.state)
        keys_layout.addWidget(self.key_list)
        keys_layout.addWidget(self.findings, 1)
        secret_box = QGroupBox("Client secret")
        secret_layout = QVBoxLayout(secret_box)
        secret_layout.addWidget(secret)
        secret_layout.addWidget(self.secret_hint)
        secret_layout.addWidget(self.secret_note)
        layout = QVBoxLayout(self)
        layout.addWidget(keys_box, 1)
        layout.addWidget(secret_box)

    # -- the profile ---------------------------------------------------------------------------

    def set_profile(
        self,
        profile: Profile,
        *,
        secret: str | None,
        secret_note: str | None,
        key_dir: Path | None,
        memory_keys: jwk.JWKSet | None = None,
    ) -> None:
        """Show ``profile``'s keys. ``key_dir``: where "Generate keys…" writes by default;
        None for the built-in Demo (its keys live in memory: ``memory_keys``)."""
        self._variant = profile.provider.variant
        self._key_dir = key_dir
        self._memory_keys = memory_keys
        builtin = key_dir is None
        for widget in (self.choose_button, self.generate_button, self.secret_field):
            widget.setEnabled(not builtin)
        self.path_field.setText(profile.client.keys or "")
        self.secret_field.setText(secret or "")
        self.reveal_button.setChecked(False)
        method = profile.client.auth_method
        if builtin:
            self.secret_hint.setText("The Demo's client is built in: its keys live in memory.")
        elif method in SECRET_METHODS:
            self.secret_hint.setText(f"auth_method {method} sends this secret to the provider.")
        else:
            self.secret_hint.setText(
                f"auth_method {method} does not use a client secret (only a secret-keyed "
                "HS256 ID token would)."
            )
        self.secret_note.set_mark("warning", secret_note or "")
        self.secret_note.setVisible(bool(secret_note) and not builtin)
        self._describe()

    def key_file(self) -> str | None:
        return self.path_field.text() or None

    def secret(self) -> str:
        return self.secret_field.text()

    def set_key_file(self, path: str) -> None:
        """Use the key file at ``path`` (part of the profile: ``keyFileChanged``)."""
        self.path_field.setText(path)
        self._describe()
        self.keyFileChanged.emit()

    # -- describing --------------------------------------------------------------------------

    def _describe(self) -> None:
        self.key_list.clear()
        keys, findings = self._read()
        if keys is None:
            self._fit_key_list()
            self.findings.set_findings(findings)
            return
        for key in sorted(keys["keys"], key=lambda k: (k.get("use") != "sig", k.get("kid") or "")):
            self.key_list.addItem(describe_key(key))
        self._fit_key_list()
        if self._variant in ITSME_VARIANTS and self._key_dir is not None:
            findings += check_itsme_jwks(public_part(keys))
        n = len(keys["keys"])
        self.state.set_mark("ok", f"{n} key{'s' if n != 1 else ''} read")
        self.findings.set_findings(findings)

    def _fit_key_list(self) -> None:
        count = self.key_list.count()
        row = self.key_list.sizeHintForRow(0) if count else self.fontMetrics().height() + 2
        self.key_list.setFixedHeight(max(count, 1) * row + 2 * self.key_list.frameWidth() + 2)

    def _read(self) -> tuple[jwk.JWKSet | None, list[Finding]]:
        if self._memory_keys is not None:
            return self._memory_keys, []
        path = self.key_file()
        if not path:
            self.state.set_mark(
                "info", "No key file: private_key_jwt and encrypted tokens need one."
            )
            return None, []
        if not Path(path).exists():
            self.state.set_mark(
                "warning", "This file does not exist yet: generate keys or choose a key file."
            )
            return None, []
        try:
            keys, findings = read_keys(Path(path))
        except KeyError_ as exc:
            self.state.set_mark("error", exc.message)
            return None, []
        return keys, findings

    # -- actions -----------------------------------------------------------------------------

    def _choose(self) -> None:
        start = self.key_file() or str(self._key_dir or Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose key file", start, "Key files (*.json *.jwks *.pem *.key);;All files (*)"
        )
        if path:
            self.set_key_file(path)

    def _generate_clicked(self) -> None:
        start = str(self._key_dir) if self._key_dir is not None else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new key pair", start)
        if not folder:
            return
        directory = Path(folder)
        existing = [n for n in (PRIVATE_NAME, PUBLIC_NAME) if (directory / n).exists()]
        overwrite = False
        if existing:
            answer = QMessageBox.question(
                self,
                "Replace the key files?",
                f"{', '.join(existing)} already exist in {directory}. Replace them? The old "
                "private keys are lost.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        self._generating = spawn(self.generate(directory, overwrite=overwrite), name="keygen")

    async def generate(self, directory: Path, *, overwrite: bool = False) -> None:
        """Generate a key pair into ``directory`` and use its private file (off the UI thread)."""
        self.generate_button.setEnabled(False)
        self.state.set_mark("info", "Generating RSA keys…")
        try:
            keys = await asyncio.to_thread(generate_client_keys)
            directory.mkdir(parents=True, exist_ok=True)
            private, public = write_keypair(directory, keys, overwrite=overwrite)
        except OSError as exc:
            self.state.set_mark("error", f"The keys could not be written: {exc}")
            return
        finally:
            self.generate_button.setEnabled(True)
        self.set_key_file(str(private))
        self.state.set_mark(
            "ok", f"New keys written. Publish {public} at your jwks_uri (it has no secrets)."
        )


__all__ = ["KeysView"]
