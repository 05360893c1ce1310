"""Generating, loading, describing and checking the client's keys."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwk

from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.errors import KeyError_
from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.keys import (
    check_itsme_jwks,
    describe_key,
    generate_client_keys,
    load_keys,
    private_jwks,
    public_jwks,
)

PRIVATE = ("d", "p", "q", "dp", "dq", "qi")


@pytest.fixture(scope="module")
def keys() -> jwk.JWKSet:
    return generate_client_keys()


@pytest.fixture(scope="module")
def pyca_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _by_use(keys: jwk.JWKSet, use: str) -> jwk.JWK:
    (key,) = [k for k in keys["keys"] if k.get("use") == use]
    return key


def _pem(
    key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat, password: bytes | None = None
) -> bytes:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc)


def _certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _ids(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.id, f.severity) for f in findings]


# -- generate ------------------------------------------------------------------------------------


def test_generate_one_signing_and_one_encryption_key(keys: jwk.JWKSet) -> None:
    sig, enc = _by_use(keys, "sig"), _by_use(keys, "enc")
    assert (sig["kty"], sig["alg"], enc["kty"], enc["alg"]) == ("RSA", "RS256", "RSA", "RSA-OAEP")
    assert sig.has_private and enc.has_private
    assert sig["kid"] == "sig-" + sig.thumbprint()[:8]
    assert enc["kid"] == "enc-" + enc.thumbprint()[:8]
    assert describe_key(sig).startswith("RSA 2048 sig RS256 kid=sig-")


def test_generate_with_given_kids_and_size() -> None:
    small = generate_client_keys(bits=1024, sig_kid="s1", enc_kid="e1")
    assert sorted(k["kid"] for k in small["keys"]) == ["e1", "s1"]
    assert describe_key(_by_use(small, "enc")) == "RSA 1024 enc RSA-OAEP kid=e1"


def test_public_jwks_has_no_private_material(keys: jwk.JWKSet) -> None:
    doc = public_jwks(keys)
    assert [k["use"] for k in doc["keys"]] == ["sig", "enc"]
    for entry in doc["keys"]:
        assert not set(PRIVATE) & set(entry)
        assert {"kty", "kid", "use", "alg", "n", "e"} <= set(entry)


def test_private_jwks_round_trips(keys: jwk.JWKSet) -> None:
    doc = private_jwks(keys)
    assert [k["use"] for k in doc["keys"]] == ["sig", "enc"]
    assert all(set(PRIVATE) <= set(entry) for entry in doc["keys"])
    loaded = load_keys(json.dumps(doc).encode())
    assert {k["kid"] for k in loaded["keys"]} == {k["kid"] for k in keys["keys"]}
    assert all(k.has_private for k in loaded["keys"])


def test_generated_public_jwks_passes_itsme_checks_but_for_the_oaep_note(keys: jwk.JWKSet) -> None:
    assert _ids(check_itsme_jwks(public_jwks(keys))) == [("keys.enc_alg", Severity.INFO)]


# -- describe ------------------------------------------------------------------------------------


def test_describe_key_ec_without_kid() -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    assert describe_key(key) == "EC P-256 any-use no-alg no kid"


def test_describe_key_never_shows_private_material(keys: jwk.JWKSet) -> None:
    sig = _by_use(keys, "sig")
    text = describe_key(sig)
    assert sig["d"][:12] not in text and sig["n"][:12] not in text


# -- load ----------------------------------------------------------------------------------------


def test_load_jwks(keys: jwk.JWKSet) -> None:
    loaded = load_keys(json.dumps(public_jwks(keys)).encode(), source="public.jwks.json")
    assert len(loaded["keys"]) == 2 and not any(k.has_private for k in loaded["keys"])


def test_load_single_jwk_with_bom(keys: jwk.JWKSet) -> None:
    data = b"\xef\xbb\xbf" + json.dumps(_by_use(keys, "sig").export_private(as_dict=True)).encode()
    (key,) = load_keys(data)["keys"]
    assert key.has_private and key["kid"].startswith("sig-")


@pytest.mark.parametrize(
    "fmt", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
def test_load_pem_private_key(
    pyca_key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat
) -> None:
    (key,) = load_keys(_pem(pyca_key, fmt))["keys"]
    assert key["kty"] == "RSA" and key.has_private


def test_load_pem_public_key(pyca_key: rsa.RSAPrivateKey) -> None:
    data = pyca_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (key,) = load_keys(data)["keys"]
    assert key["kty"] == "RSA" and not key.has_private


def test_load_pem_ec_private_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    data = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (key,) = load_keys(data)["keys"]
    assert (key["kty"], key["crv"], key.has_private) == ("EC", "P-256", True)


def test_load_certificate(pyca_key: rsa.RSAPrivateKey) -> None:
    (key,) = load_keys(_certificate(pyca_key))["keys"]
    assert key["kty"] == "RSA" and not key.has_private


def test_load_key_and_certificate_keeps_the_private_key(pyca_key: rsa.RSAPrivateKey) -> None:
    data = _certificate(pyca_key) + _pem(pyca_key, serialization.PrivateFormat.PKCS8)
    (key,) = load_keys(data)["keys"]
    assert key.has_private


def test_load_encrypted_pem_with_password(pyca_key: rsa.RSAPrivateKey) -> None:
    data = _pem(pyca_key, serialization.PrivateFormat.PKCS8, b"pw")
    (key,) = load_keys(data, password=b"pw")["keys"]
    assert key.has_private


def _key_error(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(KeyError_) as info:
        load_keys(data, source="private.jwks.json", **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("private.jwks.json: ")
    return message


def test_load_encrypted_pem_without_password(pyca_key: rsa.RSAPrivateKey) -> None:
    message = _key_error(_pem(pyca_key, serialization.PrivateFormat.PKCS8, b"pw"))
    assert "encrypted: give its password" in message


def test_load_encrypted_pem_wrong_password(pyca_key: rsa.RSAPrivateKey) -> None:
    message = _key_error(_pem(pyca_key, serialization.PrivateFormat.PKCS8, b"pw"), password=b"no")
    assert "password is wrong" in message


def test_load_junk() -> None:
    assert "not a key file" in _key_error(b"\x00\x01junk")


def test_load_empty() -> None:
    assert "empty" in _key_error(b"  \n")


def test_load_invalid_json() -> None:
    assert "not a JWK Set: invalid JSON" in _key_error(b'{"keys": [')


def test_load_json_without_keys_or_kty() -> None:
    assert "not a JWK Set: no 'keys' member" in _key_error(b'{"issuer": "x"}')


def test_load_keys_not_a_list() -> None:
    assert "'keys' is not a non-empty list" in _key_error(b'{"keys": {}}')


def test_load_jwk_with_members_of_another_key_type() -> None:
    # jwcrypto raises KeyError for an RSA member on an oct key (found by fuzzing)
    assert "Cannot set 'n' on 'oct' key type" in _key_error(
        b'{"kty": "oct", "n": "RSA", "k": "RSA"}'
    )


def test_load_invalid_jwk_in_set() -> None:
    data = json.dumps({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "!!"}]}).encode()
    assert "key #0 is not a valid JWK" in _key_error(data)


def test_load_non_object_in_set() -> None:
    assert "key #0 is a str" in _key_error(b'{"keys": ["k"]}')


def test_load_broken_pem() -> None:
    assert "without a complete BEGIN/END block" in _key_error(b"-----BEGIN PRIVATE KEY-----\nAAAA")


def test_load_pem_garbage_inside() -> None:
    data = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert "PUBLIC KEY is not an RSA or EC key" in _key_error(data)


# -- itsme JWKS checks -----------------------------------------------------------------------------


def _sig_entry(keys: jwk.JWKSet, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = _by_use(keys, "sig").export_public(as_dict=True)
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def _enc_entry(keys: jwk.JWKSet, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = _by_use(keys, "enc").export_public(as_dict=True)
    entry.update({"alg": "RSA-OAEP-256", **changes})
    return {k: v for k, v in entry.items() if v is not None}


def _check(*entries: Any) -> list[tuple[str, Severity]]:
    return _ids(check_itsme_jwks({"keys": list(entries)}))


def test_itsme_jwks_clean(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys), _enc_entry(keys)) == []


def test_not_rsa(keys: jwk.JWKSet) -> None:
    ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="ec")
    entry = {**ec.export_public(as_dict=True), "use": "sig"}
    assert _check(_sig_entry(keys), _enc_entry(keys), entry) == [("keys.not_rsa", Severity.ERROR)]


def test_no_signing_key(keys: jwk.JWKSet) -> None:
    assert _check(_enc_entry(keys)) == [("keys.no_signing_key", Severity.ERROR)]


def test_no_encryption_key(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys)) == [("keys.no_encryption_key", Severity.ERROR)]


def test_no_keys_at_all() -> None:
    assert _ids(check_itsme_jwks({})) == [
        ("keys.no_signing_key", Severity.ERROR),
        ("keys.no_encryption_key", Severity.ERROR),
    ]


def test_key_without_use_does_not_count(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys, use=None), _enc_entry(keys)) == [
        ("keys.no_signing_key", Severity.ERROR)
    ]


def test_signing_key_kid_missing_is_an_error(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys, kid=None), _enc_entry(keys)) == [
        ("keys.kid_missing", Severity.ERROR)
    ]


def test_encryption_key_kid_missing_is_a_warning(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys), _enc_entry(keys, kid=None)) == [
        ("keys.kid_missing", Severity.WARNING)
    ]


def test_private_material(keys: jwk.JWKSet) -> None:
    leaked = _by_use(keys, "sig").export_private(as_dict=True)
    assert _check(leaked, _enc_entry(keys)) == [("keys.private_material", Severity.ERROR)]


def test_rsa_too_small(keys: jwk.JWKSet) -> None:
    n = b64url_encode((2**1023 + 1).to_bytes(128, "big"))
    findings = check_itsme_jwks({"keys": [_sig_entry(keys, n=n), _enc_entry(keys)]})
    assert _ids(findings) == [("keys.rsa_too_small", Severity.ERROR)]
    assert "1024 bits" in findings[0].message


def test_sig_alg_not_rs256(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys, alg="PS256"), _enc_entry(keys)) == [
        ("keys.sig_alg_not_rs256", Severity.WARNING)
    ]


def test_enc_alg(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys), _enc_entry(keys, alg="RSA1_5")) == [
        ("keys.enc_alg", Severity.INFO)
    ]


def test_key_invalid(keys: jwk.JWKSet) -> None:
    assert _check(_sig_entry(keys), _enc_entry(keys), "key") == [
        ("keys.key_invalid", Severity.ERROR)
    ]


def test_load_json_that_is_not_an_object() -> None:
    assert "not a JWK Set: the JSON is not an object" in _key_error(b'[{"kty": "RSA"}]')


def test_load_symmetric_jwk_and_describe_it() -> None:
    (key,) = load_keys(b'{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ", "kid": "hs"}')["keys"]
    assert describe_key(key) == "oct any-use no-alg kid=hs"


@pytest.mark.parametrize("n", ["!!", None])
def test_rsa_key_with_unreadable_modulus_is_not_sized(keys: jwk.JWKSet, n: str | None) -> None:
    assert _check(_sig_entry(keys, n=n), _enc_entry(keys)) == []
