"""The profile store: TOML files written atomically, unreadable files left alone, secrets kept
out of the files (keychain or a 0600 file)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.presets import PRESETS
from itsme_debugger.core.profile import ClientConfig, Profile, ProviderConfig
from itsme_debugger.ui import profile_store
from itsme_debugger.ui.profile_store import (
    FileSecrets,
    KeychainSecrets,
    ProfileStore,
    default_secrets,
)

pytestmark = pytest.mark.gui

SECRET = "s3cr3t-value-that-must-not-leak"


def a_profile(name: str = "Test OP", **client: Any) -> Profile:
    client.setdefault("client_id", "rp-1")
    return Profile(
        name=name,
        provider=ProviderConfig(issuer="https://op.example.com"),
        client=ClientConfig(**client),
    )


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.data.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not there")


def test_config_dir_follows_the_environment_variable(config_dir: Path) -> None:
    assert profile_store.config_dir() == config_dir


def test_saved_profile_reads_back(store: ProfileStore) -> None:
    stored = store.create(a_profile())
    assert stored.error is None
    assert stored.path == store.profiles_dir / "test-op.toml"
    assert stored.profile is not None
    assert stored.profile.client.client_id == "rp-1"
    assert [s.id for s in store.profiles()] == ["test-op"]
    assert not [p for p in store.profiles_dir.iterdir() if p.name.startswith(".")]  # no temp left


def test_ids_of_profiles_with_the_same_name_differ(store: ProfileStore) -> None:
    ids = [store.create(a_profile("Same / name")).id for _ in range(3)]
    assert ids == ["same-name", "same-name-2", "same-name-3"]


def test_profile_that_would_not_read_back_is_not_written(store: ProfileStore) -> None:
    with pytest.raises(ConfigError, match="private_key_jwt needs"):
        store.create(a_profile(auth_method="private_key_jwt"))
    assert store.profiles() == []


def test_unreadable_profile_is_listed_with_its_error(store: ProfileStore) -> None:
    store.profiles_dir.mkdir(parents=True)
    (store.profiles_dir / "broken.toml").write_text("name = [unclosed\n", encoding="utf-8")
    [stored] = store.profiles()
    assert stored.profile is None
    assert stored.error is not None and "not valid TOML" in stored.error
    assert stored.name == "broken.toml"


def test_unreadable_profile_is_never_overwritten(store: ProfileStore) -> None:
    store.profiles_dir.mkdir(parents=True)
    path = store.profiles_dir / "broken.toml"
    path.write_text("name = [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="left as it is"):
        store.save("broken", a_profile())
    assert path.read_text(encoding="utf-8") == "name = [unclosed\n"


def test_secret_goes_to_the_secret_store_not_the_file(store: ProfileStore) -> None:
    stored = store.create(a_profile(auth_method="client_secret_basic", client_secret=SECRET))
    assert SECRET not in stored.path.read_text(encoding="utf-8")
    assert store.secret(stored.id) == SECRET
    secrets_file = store.folder / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600


def test_secret_file_is_only_readable_by_its_owner(tmp_path: Path) -> None:
    secrets = FileSecrets(tmp_path / "secrets.json")
    secrets.set("p", SECRET)
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert secrets.get("p") == SECRET
    assert secrets.note is not None and "secrets.json" in secrets.note
    secrets.set("p", None)
    assert secrets.get("p") is None


def test_keychain_is_used_when_a_backend_is_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: ring)
    secrets = default_secrets(tmp_path)
    assert isinstance(secrets, KeychainSecrets)
    assert secrets.note is None
    secrets.set("p", SECRET)
    assert ring.data == {("itsme-debugger", "p"): SECRET}
    assert not (tmp_path / "secrets.json").exists()
    secrets.set("p", None)
    secrets.set("p", None)  # deleting twice is fine
    assert ring.data == {}


def test_fail_keyring_falls_back_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    secrets = default_secrets(tmp_path)
    assert isinstance(secrets, FileSecrets)
    assert secrets.note is not None and "no OS keychain" in secrets.note


def test_broken_keyring_falls_back_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError("no D-Bus session")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    secrets = default_secrets(tmp_path)
    assert isinstance(secrets, FileSecrets)
    assert secrets.note is not None and "no D-Bus session" in secrets.note


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_makes_a_profile_that_reads_back(store: ProfileStore, key: str) -> None:
    stored = store.new_from_preset(key)
    assert stored.profile is not None, stored.error
    preset = PRESETS[key]
    assert stored.profile.provider.variant == preset.variant
    assert stored.profile.client.auth_method == preset.auth_method
    assert stored.profile.request.scope == preset.scope
    if preset.auth_method == "private_key_jwt":
        assert stored.profile.client.keys == str(store.key_dir(stored.id) / "private.jwks.json")


def test_rename_keeps_the_file_and_the_secret(store: ProfileStore) -> None:
    stored = store.create(a_profile(client_secret=SECRET))
    renamed = store.rename(stored.id, "  New name ")
    assert renamed.id == stored.id
    assert renamed.profile is not None and renamed.profile.name == "New name"
    assert store.secret(stored.id) == SECRET


def test_rename_to_nothing_is_refused(store: ProfileStore) -> None:
    stored = store.create(a_profile())
    with pytest.raises(ConfigError, match="needs a name"):
        store.rename(stored.id, "   ")


def test_duplicate_copies_the_profile_and_its_secret(store: ProfileStore) -> None:
    stored = store.create(a_profile(client_secret=SECRET))
    copy = store.duplicate(stored.id)
    assert copy.id != stored.id
    assert copy.profile is not None and copy.profile.name == "Test OP (copy)"
    assert store.secret(copy.id) == SECRET


def test_delete_removes_the_file_and_the_secret(store: ProfileStore) -> None:
    stored = store.create(a_profile(client_secret=SECRET))
    store.delete(stored.id)
    assert not stored.path.exists()
    assert store.secret(stored.id) is None


def test_imported_file_resolves_relative_keys_and_keeps_the_secret_out(
    store: ProfileStore, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "mine.toml").write_text(
        'name = "Mine"\n[provider]\nissuer = "https://op.example.com"\n'
        '[client]\nclient_id = "rp"\nauth_method = "private_key_jwt"\n'
        f'keys = "private.jwks.json"\nclient_secret = "{SECRET}"\n',
        encoding="utf-8",
    )
    stored = store.import_file(outside / "mine.toml")
    assert stored.profile is not None
    assert stored.profile.client.keys == str(outside / "private.jwks.json")
    assert SECRET not in stored.path.read_text(encoding="utf-8")
    assert store.secret(stored.id) == SECRET


def test_importing_a_bad_file_says_why(store: ProfileStore, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[client]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs an issuer"):
        store.import_file(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="cannot be read"):
        store.import_file(tmp_path / "missing.toml")


def test_write_is_atomic_and_keeps_the_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.toml"
    profile_store.write_atomic(path, "old\n")

    def no_rename(*_a: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError, match="No space"):
        profile_store.write_atomic(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_settings_live_in_the_config_folder(store: ProfileStore) -> None:
    settings = store.settings()
    settings.setValue("profiles/last", "x")
    settings.sync()
    assert "last=x" in (store.folder / "settings.ini").read_text(encoding="utf-8")


def test_keychain_that_refuses_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("the collection is locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError("access denied")

    monkeypatch.setattr(keyring, "get_keyring", Locked)
    secrets = default_secrets(tmp_path)
    with pytest.raises(ConfigError, match="did not give the client secret: the collection"):
        secrets.get("p")
    with pytest.raises(ConfigError, match="did not keep the client secret: access denied"):
        secrets.set("p", SECRET)
