"""The Keys tab: the key file described key by key, itsme® rules, generating a key pair,
the client secret in a password field."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import qasync
from jwcrypto import jwk
from PySide6.QtWidgets import QLineEdit

from itsme_debugger.core.keys import describe_key, private_jwks
from itsme_debugger.core.profile import ClientConfig, Profile, ProviderConfig
from itsme_debugger.keyfiles import PRIVATE_NAME, PUBLIC_NAME, write_keypair
from itsme_debugger.ui.keys_view import KeysView

from .conftest import run

pytestmark = pytest.mark.gui


def profile(
    keys: Path | None, variant: str = "itsme-v2", method: str = "private_key_jwt"
) -> Profile:
    return Profile(
        name="p",
        provider=ProviderConfig(issuer="https://idp.e2e.itsme.services/v2", variant=variant),
        client=ClientConfig("rp", auth_method=method, keys=str(keys) if keys else None),
    )


@pytest.fixture
def view(qtbot: Any) -> KeysView:
    widget = KeysView()
    qtbot.addWidget(widget)
    return widget


def finding_ids(view: KeysView) -> list[str]:
    model = view.findings.model()
    return [model.index(r, 1).data() for r in range(model.rowCount())]


def show(view: KeysView, p: Profile, tmp_path: Path, **kw: Any) -> None:
    kw.setdefault("secret", None)
    kw.setdefault("secret_note", None)
    view.set_profile(p, key_dir=tmp_path / "keys", **kw)


def test_each_key_is_described_without_its_material(
    view: KeysView, tmp_path: Path, mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]
) -> None:
    private, _ = write_keypair(tmp_path, mock_keys[1])
    show(view, profile(private), tmp_path)
    shown = [view.key_list.item(i).text() for i in range(view.key_list.count())]
    assert sorted(shown) == sorted(describe_key(k) for k in mock_keys[1]["keys"])
    assert any(s.startswith("RSA 2048 sig RS256 kid=sig-") for s in shown)
    assert (view.state.mark(), view.state.text()) == ("ok", "2 keys read")
    assert "keys.no_encryption_key" not in finding_ids(view)
    assert view.key_file() == str(private)


def test_missing_key_file_says_to_generate_or_choose(view: KeysView, tmp_path: Path) -> None:
    show(view, profile(tmp_path / "nowhere.json"), tmp_path)
    assert view.state.mark() == "warning"
    assert "does not exist yet" in view.state.text()
    assert view.key_list.count() == 0


def test_unreadable_key_file_shows_the_error_in_the_pane(view: KeysView, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    show(view, profile(bad), tmp_path)
    assert view.state.mark() == "error"
    assert "bad.json" in view.state.text()


def test_key_file_against_itsme_rules(
    view: KeysView, tmp_path: Path, mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]
) -> None:
    only_sig = {"keys": [k for k in private_jwks(mock_keys[1])["keys"] if k["use"] == "sig"]}
    path = tmp_path / "sig-only.json"
    path.write_text(json.dumps(only_sig), encoding="utf-8")
    path.chmod(0o600)
    show(view, profile(path), tmp_path)
    assert "keys.no_encryption_key" in finding_ids(view)


def test_itsme_rules_are_not_applied_to_other_providers(
    view: KeysView, tmp_path: Path, mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]
) -> None:
    only_sig = {"keys": [k for k in private_jwks(mock_keys[1])["keys"] if k["use"] == "sig"]}
    path = tmp_path / "sig-only.json"
    path.write_text(json.dumps(only_sig), encoding="utf-8")
    path.chmod(0o600)
    show(view, profile(path, variant="generic"), tmp_path)
    assert finding_ids(view) == []


def test_key_file_readable_by_others_is_flagged(
    view: KeysView, tmp_path: Path, mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]
) -> None:
    private, _ = write_keypair(tmp_path, mock_keys[1])
    private.chmod(0o644)
    show(view, profile(private), tmp_path)
    assert "keys.file_readable_by_others" in finding_ids(view)


def test_generate_writes_a_private_0600_and_a_public_key_file(
    view: KeysView, tmp_path: Path, loop: qasync.QEventLoop
) -> None:
    show(view, profile(None), tmp_path)
    changed: list[bool] = []
    view.keyFileChanged.connect(lambda: changed.append(True))
    target = tmp_path / "keys" / "new"
    run(loop, view.generate(target))
    private, public = target / PRIVATE_NAME, target / PUBLIC_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert all("d" not in k for k in json.loads(public.read_text(encoding="utf-8"))["keys"])
    assert view.key_file() == str(private)
    assert changed == [True]
    assert view.key_list.count() == 2
    assert view.state.mark() == "ok" and str(public) in view.state.text()


def test_generate_never_replaces_existing_keys_unasked(
    view: KeysView,
    tmp_path: Path,
    loop: qasync.QEventLoop,
    mock_keys: tuple[jwk.JWKSet, jwk.JWKSet],
) -> None:
    private, _ = write_keypair(tmp_path, mock_keys[1])
    before = private.read_bytes()
    show(view, profile(None), tmp_path)
    run(loop, view.generate(tmp_path))
    assert private.read_bytes() == before
    assert view.state.mark() == "error"
    assert view.key_file() is None


def test_secret_is_typed_in_a_password_field(view: KeysView, tmp_path: Path) -> None:
    show(view, profile(None, method="client_secret_post"), tmp_path, secret="abc")
    assert view.secret_field.echoMode() == QLineEdit.EchoMode.Password
    assert view.secret() == "abc"
    view.reveal_button.setChecked(True)
    assert view.secret_field.echoMode() == QLineEdit.EchoMode.Normal
    typed: list[str] = []
    view.secretChanged.connect(typed.append)
    view.secret_field.setText("new-secret")
    view.secret_field.editingFinished.emit()
    assert typed == ["new-secret"]


def test_secret_kept_in_a_file_shows_a_note(view: KeysView, tmp_path: Path) -> None:
    show(view, profile(None), tmp_path, secret_note="kept in /x/secrets.json")
    assert not view.secret_note.isHidden()
    assert "secrets.json" in view.secret_note.text()
    show(view, profile(None), tmp_path, secret_note=None)
    assert view.secret_note.isHidden()


def test_demo_keys_live_in_memory(view: KeysView, mock_keys: tuple[jwk.JWKSet, jwk.JWKSet]) -> None:
    p = profile(None).with_changes(
        client=ClientConfig("demo-client", auth_method="private_key_jwt", keys="(in memory)")
    )
    view.set_profile(p, secret=None, secret_note="note", key_dir=None, memory_keys=mock_keys[1])
    assert view.key_list.count() == 2
    assert not view.generate_button.isEnabled()
    assert not view.choose_button.isEnabled()
    assert view.secret_note.isHidden()
