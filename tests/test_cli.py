"""The command line contract: commands, exit codes, one-line errors, no secrets printed."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jwcrypto import jwk

from itsme_debugger.cli import main
from itsme_debugger.core import seal
from itsme_debugger.core.keys import generate_client_keys, private_jwks, public_jwks

NN = "http://itsme.services/v2/claim/BENationalNumber"


@pytest.fixture(scope="module")
def client_keys() -> jwk.JWKSet:
    return generate_client_keys()


@pytest.fixture(scope="module")
def issuer_keys() -> jwk.JWKSet:
    return generate_client_keys(sig_kid="op-sig", enc_kid="op-enc")


@pytest.fixture
def key_files(
    tmp_path: Path, client_keys: jwk.JWKSet, issuer_keys: jwk.JWKSet
) -> tuple[Path, Path]:
    private = tmp_path / "private.jwks.json"
    private.write_text(json.dumps(private_jwks(client_keys)))
    private.chmod(0o600)
    issuer = tmp_path / "issuer.jwks.json"
    issuer.write_text(json.dumps(public_jwks(issuer_keys)))
    return private, issuer


def _nested(client_keys: jwk.JWKSet, issuer_keys: jwk.JWKSet, **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": "https://op",
        "sub": "u1",
        "aud": "c1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n1",
    }
    body.update(claims)
    return seal.sign_then_encrypt(
        body,
        seal.key_for(issuer_keys, "sig", private=True),
        seal.key_for(client_keys, "enc"),
        enc="A128CBC-HS256",
    )


def test_decode_peels_and_validates_a_nested_token(
    capsys: pytest.CaptureFixture[str],
    key_files: tuple[Path, Path],
    client_keys: jwk.JWKSet,
    issuer_keys: jwk.JWKSet,
) -> None:
    token = _nested(client_keys, issuer_keys, **{NN: "99060427181"})
    private, issuer = key_files
    code = main(
        [
            "decode",
            token,
            "--keys",
            str(private),
            "--jwks",
            str(issuer),
            "--issuer",
            "https://op",
            "--audience",
            "c1",
            "--nonce",
            "n1",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out["findings"]
    assert [layer["kind"] for layer in out["layers"]] == ["JWE", "JWS", "JSON"]
    assert all(layer["ok"] for layer in out["layers"])
    assert out["layers"][1]["key"]["kid"] == "op-sig"
    assert out["checks"]["nonce"] is True
    assert "99060427181" not in json.dumps(out)  # masked unless --reveal


def test_decode_wrong_nonce_exits_1(
    capsys: pytest.CaptureFixture[str],
    key_files: tuple[Path, Path],
    client_keys: jwk.JWKSet,
    issuer_keys: jwk.JWKSet,
) -> None:
    private, issuer = key_files
    token = _nested(client_keys, issuer_keys)
    code = main(
        ["decode", token, "--keys", str(private), "--jwks", str(issuer), "--nonce", "other"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "id_token.nonce_mismatch" in out


def test_decode_reads_stdin_and_reports_junk_as_a_finding(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "itsme_debugger", "decode", "-"],
        input="this.is.not-a-token\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "token.malformed" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_decode_with_an_unreadable_key_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["decode", "a.b.c", "--keys", str(tmp_path / "missing.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "missing.json" in err


def test_keys_generate_writes_a_private_0600_and_a_public_jwks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["keys", "generate", str(tmp_path / "k")]) == 0
    private = tmp_path / "k" / "private.jwks.json"
    public = tmp_path / "k" / "public.jwks.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    keys = json.loads(public.read_text())["keys"]
    assert sorted(k["use"] for k in keys) == ["enc", "sig"]
    assert all("d" not in k and k["kid"] for k in keys)
    printed = capsys.readouterr().out
    assert '"d"' not in printed
    # never overwritten by accident
    assert main(["keys", "generate", str(tmp_path / "k")]) == 2


def test_usage_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flow"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "profile" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("itsme-debugger ")


@pytest.mark.parametrize("variant", ["itsme-v2", "itsme-secret"])
def test_demo_runs_a_whole_flow(capsys: pytest.CaptureFixture[str], variant: str) -> None:
    assert main(["demo", "--variant", variant, "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == 0
    assert report["id_token"]["claims"]["given_name"] == "George"
    assert report["userinfo"]["format"] == "jwt"


def test_demo_with_a_fault_explains_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fault", "wrong_nonce", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Findings")
    assert "id_token.nonce_mismatch" in out


def test_demo_with_an_unknown_fault_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fault", "gremlins", "--quiet"]) == 2
    assert "gremlins" in capsys.readouterr().err
