"""Writing and reading key files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk

from itsme_debugger.core.errors import KeyError_
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.keyfiles import read_keys, write_keypair

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(scope="module")
def keys() -> jwk.JWKSet:
    return generate_client_keys()


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_keypair_modes_and_content(tmp_path: Path, keys: jwk.JWKSet, umask_022: None) -> None:
    private, public = write_keypair(tmp_path, keys)
    assert (private.name, public.name) == ("private.jwks.json", "public.jwks.json")
    assert _mode(private) == 0o600
    assert _mode(public) == 0o644
    assert all("d" in k for k in json.loads(private.read_text())["keys"])
    assert not any("d" in k for k in json.loads(public.read_text())["keys"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.jwks.json", "public.jwks.json"]


def test_public_file_is_0644_even_under_a_strict_umask(tmp_path: Path, keys: jwk.JWKSet) -> None:
    old = os.umask(0o077)
    try:
        _, public = write_keypair(tmp_path, keys)
    finally:
        os.umask(old)
    assert _mode(public) == 0o644


def test_private_file_is_created_0600(
    tmp_path: Path, keys: jwk.JWKSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []
    real_open = os.open

    def spy(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        calls.append((Path(path).name, mode))
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", spy)
    write_keypair(tmp_path, keys)
    (private_mode,) = [mode for name, mode in calls if "private.jwks" in name]
    assert private_mode == 0o600


def test_write_keypair_refuses_to_overwrite(tmp_path: Path, keys: jwk.JWKSet) -> None:
    (tmp_path / "public.jwks.json").write_text("old")
    with pytest.raises(FileExistsError) as info:
        write_keypair(tmp_path, keys)
    assert info.value.filename == str(tmp_path / "public.jwks.json")
    assert (tmp_path / "public.jwks.json").read_text() == "old"
    assert not (tmp_path / "private.jwks.json").exists()


def test_write_keypair_overwrites_when_asked(tmp_path: Path, keys: jwk.JWKSet) -> None:
    (tmp_path / "private.jwks.json").write_text("old")
    os.chmod(tmp_path / "private.jwks.json", 0o644)
    private, _ = write_keypair(tmp_path, keys, overwrite=True)
    assert json.loads(private.read_text())["keys"]
    assert _mode(private) == 0o600


def test_read_keys_round_trip(tmp_path: Path, keys: jwk.JWKSet) -> None:
    private, _ = write_keypair(tmp_path, keys)
    loaded, findings = read_keys(private)
    assert findings == []
    assert {k["kid"] for k in loaded["keys"]} == {k["kid"] for k in keys["keys"]}
    assert all(k.has_private for k in loaded["keys"])


def test_public_file_readable_by_all_is_fine(tmp_path: Path, keys: jwk.JWKSet) -> None:
    _, public = write_keypair(tmp_path, keys)
    assert read_keys(public)[1] == []


def test_file_readable_by_others(tmp_path: Path, keys: jwk.JWKSet) -> None:
    private, _ = write_keypair(tmp_path, keys)
    os.chmod(private, 0o644)
    _, findings = read_keys(private)
    (f,) = findings
    assert (f.id, f.severity) == ("keys.file_readable_by_others", Severity.WARNING)
    assert "0644" in f.message and "chmod 600" in f.message


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match=r"missing\.json: cannot read the key file"):
        read_keys(tmp_path / "missing.json")


def test_read_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"keys": 3}')
    with pytest.raises(KeyError_) as info:
        read_keys(path)
    assert str(info.value).startswith(f"{path}: not a JWK Set")


def test_failed_write_leaves_no_temporary_file(
    tmp_path: Path, keys: jwk.JWKSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_keypair(tmp_path, keys)
    assert list(tmp_path.iterdir()) == []
