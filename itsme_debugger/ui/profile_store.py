"""Saved profiles, their secrets and the window settings, in the user's config folder.

Layout of the folder (``QStandardPaths`` AppConfigLocation, or ``$ITSME_DEBUGGER_CONFIG_DIR``)::

    profiles/<id>.toml     one profile each, in the format of DESIGN.md (no secret inside)
    keys/<id>/             where "Generate keys…" writes a profile's key pair by default
    secrets.json           client secrets (mode 0600), only when no OS keychain is usable
    settings.ini           window geometry, splitter sizes, the last selected profile

A profile is written atomically (a temporary file in the same folder, fsync, rename) and only
when it reads back: a profile that would not load again is refused with a ConfigError. A file
that cannot be read is listed with its error and never overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from PySide6.QtCore import QSettings, QStandardPaths

from itsme_debugger.atomic import write_atomic
from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.presets import PRESETS, Preset
from itsme_debugger.core.profile import (
    ClientConfig,
    Profile,
    ProviderConfig,
    RequestConfig,
    RestConfig,
    parse_profile,
    profile_to_toml,
)

ENV_CONFIG_DIR = "ITSME_DEBUGGER_CONFIG_DIR"
KEYRING_SERVICE = "itsme-debugger"
#: The built-in Demo's id: never the stem of a saved file (ids are slugs).
DEMO_ID = ":demo"
#: The built-in Demos of the Signicat mock: the broker over OIDC and the REST API.
DEMO_SIGNICAT_ID = ":demo-signicat"
DEMO_SIGNICAT_REST_ID = ":demo-signicat-rest"
DEMO_IDS = (DEMO_ID, DEMO_SIGNICAT_ID, DEMO_SIGNICAT_REST_ID)
#: The preset of a Signicat Authentication REST API profile (kind signicat-rest, seed 001).
REST_PRESET = Preset(
    "signicat-rest",
    "Signicat REST API (itsme® via REST)",
    "signicat",
    "https://api.signicat.com/auth/rest",
    "client_secret_basic",
    (),
    notes="An API client of the Signicat Dashboard with the Authentication REST API "
    "permission: its client ID and secret. The requested attributes choose the itsme® "
    "service (Authentication or Identification).",
)


def _ui_presets() -> Mapping[str, Preset]:
    out: dict[str, Preset] = {}
    for key, preset in PRESETS.items():
        out[key] = preset
        if key == "signicat":
            out[REST_PRESET.key] = REST_PRESET
    out.setdefault(REST_PRESET.key, REST_PRESET)
    return MappingProxyType(out)


#: The presets of the New profile menu, in order: the REST API right after the broker's.
UI_PRESETS = _ui_presets()
#: The attributes a new REST API profile asks for (seed 001's request).
REST_PRESET_ATTRIBUTES = ("name", "firstName", "lastName", "dateOfBirth", "nin")
#: Issuer placeholder of the generic preset (a profile needs one to be saved).
GENERIC_ISSUER = "https://op.example.com"


def config_dir() -> Path:
    """The app's config folder: ``$ITSME_DEBUGGER_CONFIG_DIR``, else the platform's."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(location) if location else Path.home() / ".config" / "itsme-debugger"


# ---------------------------------------------------------------------------------------------
# Secrets


class SecretStore(Protocol):
    """Where client secrets live. ``note`` is shown in the Keys tab (None: nothing to say)."""

    note: str | None

    def get(self, profile_id: str) -> str | None: ...
    def set(self, profile_id: str, secret: str | None) -> None: ...


class FileSecrets:
    """Secrets in a JSON file of mode 0600, for systems without a usable keychain."""

    def __init__(self, path: Path, reason: str = "no OS keychain is available") -> None:
        self.path = path
        self.note: str | None = (
            f"{reason}: client secrets are kept in {path} (readable only by you)"
        )

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )

    def get(self, profile_id: str) -> str | None:
        return self._read().get(profile_id)

    def set(self, profile_id: str, secret: str | None) -> None:
        data = self._read()
        if secret:
            data[profile_id] = secret
        elif data.pop(profile_id, None) is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=2) + "\n", mode=0o600)


class KeychainSecrets:
    """Secrets in the OS keychain through ``keyring``; ConfigError when the keychain refuses
    (locked, access denied)."""

    note: str | None = None

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def get(self, profile_id: str) -> str | None:
        import keyring.errors

        try:
            value = self._backend.get_password(KEYRING_SERVICE, profile_id)
        except keyring.errors.KeyringError as exc:
            raise ConfigError(f"the keychain did not give the client secret: {exc}") from exc
        return value if isinstance(value, str) else None

    def set(self, profile_id: str, secret: str | None) -> None:
        import keyring.errors

        try:
            if secret:
                self._backend.set_password(KEYRING_SERVICE, profile_id, secret)
                return
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                self._backend.delete_password(KEYRING_SERVICE, profile_id)
        except keyring.errors.KeyringError as exc:
            raise ConfigError(f"the keychain did not keep the client secret: {exc}") from exc


def default_secrets(folder: Path) -> SecretStore:
    """The OS keychain when ``keyring`` has a usable backend, else a 0600 file in ``folder``."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring set-up means "no keychain"
        return FileSecrets(folder / "secrets.json", f"the keychain could not be used ({exc})")
    if isinstance(backend, fail.Keyring | null.Keyring) or backend.priority <= 0:
        return FileSecrets(folder / "secrets.json")
    return KeychainSecrets(backend)


# ---------------------------------------------------------------------------------------------
# Profiles


@dataclass(frozen=True)
class StoredProfile:
    """A saved profile, or the error that keeps its file from being read."""

    id: str
    path: Path
    profile: Profile | None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.profile.name if self.profile is not None else self.path.name


def slug(text: str) -> str:
    """A file-name-safe id made from a profile name."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out[:48].strip("-") or "profile"


class ProfileStore:
    """Profiles as TOML files in ``folder / "profiles"``; secrets in ``secrets``."""

    def __init__(self, folder: Path, *, secrets: SecretStore | None = None) -> None:
        self.folder = folder
        self.profiles_dir = folder / "profiles"
        self._secrets = secrets

    @classmethod
    def default(cls) -> ProfileStore:
        return cls(config_dir())

    # -- secrets -----------------------------------------------------------------------------

    @property
    def secrets(self) -> SecretStore:
        """Chosen on first use: asking the keychain can take a moment."""
        if self._secrets is None:
            self._secrets = default_secrets(self.folder)
        return self._secrets

    def secret(self, profile_id: str) -> str | None:
        return self.secrets.get(profile_id)

    def set_secret(self, profile_id: str, secret: str | None) -> None:
        self.secrets.set(profile_id, secret or None)

    # -- files -------------------------------------------------------------------------------

    def path(self, profile_id: str) -> Path:
        return self.profiles_dir / f"{profile_id}.toml"

    def key_dir(self, profile_id: str) -> Path:
        """Where this profile's generated key pair goes by default."""
        return self.folder / "keys" / profile_id

    def settings(self) -> QSettings:
        return QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)

    def _ids(self) -> Iterator[str]:
        if self.profiles_dir.is_dir():
            yield from (p.stem for p in self.profiles_dir.glob("*.toml"))

    def profiles(self) -> list[StoredProfile]:
        """Every saved profile (readable or not), sorted by name."""
        return sorted((self.get(i) for i in self._ids()), key=lambda s: s.name.casefold())

    def get(self, profile_id: str) -> StoredProfile:
        path = self.path(profile_id)
        try:
            text = path.read_text(encoding="utf-8")
            profile = parse_profile(text, base_dir=str(self.profiles_dir), source=path.name)
        except ConfigError as exc:
            return StoredProfile(profile_id, path, None, exc.message)
        except (OSError, UnicodeDecodeError) as exc:
            return StoredProfile(profile_id, path, None, f"{path.name}: cannot be read: {exc}")
        return StoredProfile(profile_id, path, replace(profile, source=str(path)))

    def save(self, profile_id: str, profile: Profile) -> StoredProfile:
        """Write ``profile`` (its client secret goes to the secret store, not the file).

        ConfigError when the profile would not read back, or when the file there now cannot
        be read (it is never overwritten).
        """
        path = self.path(profile_id)
        if path.exists() and (current := self.get(profile_id)).error is not None:
            raise ConfigError(
                f"{path} cannot be read ({current.error}); it is left as it is: "
                "fix it in an editor or delete it"
            )
        text = profile_to_toml(profile)
        parse_profile(text, source=profile.name or path.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        if profile.client.client_secret:
            self.set_secret(profile_id, profile.client.client_secret)
        return self.get(profile_id)

    def create(self, profile: Profile) -> StoredProfile:
        """Save ``profile`` under a new id made from its name."""
        return self.save(self.new_id(profile.name), profile)

    def new_id(self, name: str) -> str:
        base = slug(name)
        taken = set(self._ids())
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def rename(self, profile_id: str, name: str) -> StoredProfile:
        stored = self.get(profile_id)
        if stored.profile is None:
            raise ConfigError(stored.error or f"{profile_id} cannot be read")
        if not name.strip():
            raise ConfigError("a profile needs a name")
        return self.save(profile_id, stored.profile.with_changes(name=name.strip()))

    def duplicate(self, profile_id: str) -> StoredProfile:
        stored = self.get(profile_id)
        if stored.profile is None:
            raise ConfigError(stored.error or f"{profile_id} cannot be read")
        copy = self.create(stored.profile.with_changes(name=f"{stored.profile.name} (copy)"))
        secret = self.secret(profile_id)
        if secret:
            self.set_secret(copy.id, secret)
        return copy

    def delete(self, profile_id: str) -> None:
        self.path(profile_id).unlink(missing_ok=True)
        self.set_secret(profile_id, None)

    def import_file(self, path: Path) -> StoredProfile:
        """Copy the profile file at ``path`` into the store (relative key paths resolved)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read: {exc}") from exc
        profile = parse_profile(text, base_dir=str(path.parent), source=path.name)
        return self.create(profile)

    def new_from_preset(self, preset_key: str) -> StoredProfile:
        """A new saved profile with the starting values of a preset (``UI_PRESETS``)."""
        preset = UI_PRESETS[preset_key]
        profile_id = self.new_id(preset.label)
        if preset is REST_PRESET:
            rest = Profile(
                name=preset.label,
                provider=ProviderConfig(
                    variant="signicat",
                    preset=preset.key,
                    kind="signicat-rest",
                    api_base=preset.issuer,
                ),
                client=ClientConfig(client_id="my-api-client-id", auth_method=preset.auth_method),
                rest=RestConfig(attributes=REST_PRESET_ATTRIBUTES),
            )
            return self.save(profile_id, rest)
        keys = None
        if preset.auth_method == "private_key_jwt":
            from itsme_debugger.keyfiles import PRIVATE_NAME

            keys = str(self.key_dir(profile_id) / PRIVATE_NAME)
        profile = Profile(
            name=preset.label,
            provider=ProviderConfig(
                issuer=preset.issuer or GENERIC_ISSUER, variant=preset.variant, preset=preset.key
            ),
            client=ClientConfig(
                client_id="my-client-id", auth_method=preset.auth_method, keys=keys
            ),
            request=RequestConfig(
                scope=preset.scope,
                pkce=preset.pkce,
                request_object=preset.request_object,
                params=dict(preset.params),
            ),
        )
        return self.save(profile_id, profile)
