"""core.jose: published vectors, round trips, key selection, and one test per negative case."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core import jose, seal
from itsme_debugger.core.b64 import b64url_decode, b64url_encode
from itsme_debugger.core.errors import KeyError_
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.jose import Inspection, Policy, derive_secret_key, inspect, peek
from tests.core.support import key_set

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "rfc_vectors.json").read_text("utf-8")
)
CLAIMS = {"iss": "https://op.example", "sub": "user-1", "aud": "rp", "name": "George Tǎnka"}
SECRET = "a-client-secret-that-is-long-enough-for-hs256!"
SIG_ALGS = ("RS256", "PS256", "ES256")
KEY_ALGS = ("RSA-OAEP", "RSA-OAEP-256")
ENCS = ("A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM")


@dataclass(frozen=True)
class Keys:
    sig: jwk.JWK  # the provider's RSA signing key (private)
    ec: jwk.JWK  # the provider's EC signing key (private)
    enc: jwk.JWK  # the relying party's RSA encryption key (private)
    other_enc: jwk.JWK  # an RSA encryption key the tokens are not encrypted to

    def verification(self) -> jwk.JWKSet:
        return key_set(public(self.sig), public(self.ec))

    def decryption(self) -> jwk.JWKSet:
        return key_set(self.enc)


def public(key: jwk.JWK) -> jwk.JWK:
    return jwk.JWK(**key.export_public(as_dict=True))


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(
        sig=jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-1", use="sig"),
        ec=jwk.JWK.generate(kty="EC", crv="P-256", kid="op-ec-1", use="sig"),
        enc=jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-1", use="enc"),
        other_enc=jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-old", use="enc"),
    )


def ids(insp: Inspection) -> set[str]:
    return {f.id for f in insp.findings}


def severities(insp: Inspection) -> dict[str, Severity]:
    return {f.id: f.severity for f in insp.findings}


def nested(keys: Keys, claims: dict[str, Any] = CLAIMS, **kw: Any) -> str:
    return seal.sign_then_encrypt(claims, keys.sig, keys.enc, **kw)


def raw_jws(header: dict[str, Any], payload: bytes | str, signature: bytes = b"sig") -> str:
    body = payload.encode() if isinstance(payload, str) else payload
    return ".".join(
        [b64url_encode(json.dumps(header).encode()), b64url_encode(body), b64url_encode(signature)]
    )


def hmac_jws(alg: str, secret: str, claims: dict[str, Any] = CLAIMS) -> str:
    """An HMAC-signed JWS made with the stdlib (jwcrypto refuses keys shorter than the hash)."""
    header = b64url_encode(json.dumps({"alg": alg}).encode())
    head = f"{header}.{b64url_encode(json.dumps(claims).encode())}"
    mac = hmac.new(secret.encode(), head.encode(), f"sha{alg[2:]}").digest()
    return f"{head}.{b64url_encode(mac)}"


def swap_char(segment: str, index: int) -> str:
    c = segment[index]
    return segment[:index] + ("A" if c != "A" else "B") + segment[index + 1 :]


# -- published vectors -------------------------------------------------------------------------


def test_rfc7515_a2_rs256_verifies_with_the_published_key() -> None:
    v = VECTORS["rfc7515_a2"]
    insp = inspect(v["token"], verification_keys=key_set(v["public_key"]))
    assert insp.signature_verified
    assert insp.findings == ()
    assert insp.claims == {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}
    assert insp.verified_with is not None and "the only RSA key" in insp.verified_with.reason


def test_rfc7515_a3_es256_verifies_with_the_published_key() -> None:
    v = VECTORS["rfc7515_a3"]
    insp = inspect(v["token"], verification_keys=key_set(v["public_key"]))
    assert insp.signature_verified
    assert insp.verified_with is not None and insp.verified_with.kty == "EC"
    assert insp.claims is not None and insp.claims["iss"] == "joe"


def test_rfc7515_a2_published_signature_fails_with_another_key(keys: Keys) -> None:
    insp = inspect(VECTORS["rfc7515_a2"]["token"], verification_keys=key_set(public(keys.sig)))
    assert not insp.signature_verified
    assert "token.signature_invalid" in ids(insp)


def test_rfc7516_a1_rsa_oaep_a256gcm_decrypts_the_published_jwe() -> None:
    v = VECTORS["rfc7516_a1"]
    insp = inspect(v["token"], decryption_keys=key_set(v["private_key"]))
    assert insp.payload == "The true sign of intelligence is not knowledge but imagination."
    assert insp.jwe_header == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    assert insp.decrypted_with is not None and insp.decrypted_with.kty == "RSA"
    # plain text, neither a JWT nor JSON claims
    assert {"token.claims_not_object", "token.not_signed"} <= ids(insp)


def test_rfc7516_a2_rsa1_5_is_rejected_as_not_allowed() -> None:
    v = VECTORS["rfc7516_a2"]
    insp = inspect(v["token"], decryption_keys=key_set(v["private_key"]))
    assert severities(insp)["token.alg_not_allowed"] is Severity.ERROR
    assert insp.payload is None and insp.decrypted_with is None
    assert "padding oracle" in next(f.message for f in insp.findings)


def test_rfc7520_4_1_rs256_picks_the_key_by_kid() -> None:
    v = VECTORS["rfc7520_4_1"]
    insp = inspect(v["token"], verification_keys=key_set(v["public_key"]))
    assert insp.signature_verified
    assert insp.verified_with is not None
    assert insp.verified_with.kid == "bilbo.baggins@hobbiton.example"
    assert "matches" in insp.verified_with.reason
    assert insp.payload is not None and insp.payload.startswith("It’s a dangerous business, Frodo")


def test_rfc7520_4_3_es512_verifies_only_when_the_policy_allows_it() -> None:
    v = VECTORS["rfc7520_4_3"]
    ks = key_set(v["public_key"])
    assert "token.alg_not_allowed" in ids(inspect(v["token"], verification_keys=ks))
    allowed = inspect(v["token"], verification_keys=ks, policy=Policy(allowed_sig_algs=("ES512",)))
    assert allowed.signature_verified


def test_rfc7520_5_1_rsa1_5_is_rejected() -> None:
    v = VECTORS["rfc7520_5_1"]
    insp = inspect(v["token"], decryption_keys=key_set(v["private_key"]))
    assert "token.alg_not_allowed" in ids(insp)
    assert insp.payload is None


def test_rfc7520_5_2_rsa_oaep_a256gcm_decrypts_with_the_key_named_by_kid() -> None:
    v = VECTORS["rfc7520_5_2"]
    insp = inspect(v["token"], decryption_keys=key_set(v["private_key"]))
    assert insp.payload == v["plaintext"]
    assert insp.decrypted_with is not None
    assert insp.decrypted_with.kid == "samwise.gamgee@hobbiton.example"
    assert (
        insp.decrypted_with.reason
        == "kid 'samwise.gamgee@hobbiton.example' of the JWE header matches"
    )


def test_rfc7520_5_6_dir_a128gcm_decrypts_with_the_symmetric_key() -> None:
    v = VECTORS["rfc7520_5_6"]
    insp = inspect(v["token"], decryption_keys=key_set(v["key"]))
    assert insp.payload == v["plaintext"]
    assert insp.decrypted_with is not None and insp.decrypted_with.kty == "oct"


# -- OIDC Core 10.2: keys derived from the client secret ----------------------------------------


@pytest.mark.parametrize(
    ("alg", "enc", "hash_name", "size"),
    [
        ("dir", "A128GCM", "sha256", 16),
        ("dir", "A256GCM", "sha256", 32),
        ("dir", "A128CBC-HS256", "sha256", 32),
        ("dir", "A256CBC-HS512", "sha512", 64),
        ("A128KW", "A256GCM", "sha256", 16),
        ("A256KW", "A128GCM", "sha256", 32),
    ],
)
def test_derive_secret_key_left_truncates_the_sha2_hash(
    alg: str, enc: str, hash_name: str, size: int
) -> None:
    key = derive_secret_key(SECRET, alg, enc)
    expected = hashlib.new(hash_name, SECRET.encode()).digest()[:size]
    assert b64url_decode(key.get("k")) == expected


def test_derive_secret_key_refuses_an_asymmetric_alg() -> None:
    with pytest.raises(KeyError_, match="RSA-OAEP"):
        derive_secret_key(SECRET, "RSA-OAEP", "A256GCM")


def test_dir_a256gcm_from_the_client_secret_round_trips() -> None:
    token = seal.encrypt(
        json.dumps(CLAIMS), derive_secret_key(SECRET, "dir", "A256GCM"), alg="dir", enc="A256GCM"
    )
    insp = inspect(token, client_secret=SECRET, policy=Policy(require_signature=False))
    assert insp.claims == CLAIMS
    assert insp.findings == ()
    assert insp.decrypted_with is not None
    assert insp.decrypted_with.reason == "derived from the client secret (OIDC Core 10.2)"


def test_hs256_signed_then_dir_encrypted_with_the_client_secret_round_trips() -> None:
    inner = hmac_jws("HS256", SECRET)
    token = seal.encrypt(
        inner,
        derive_secret_key(SECRET, "dir", "A128CBC-HS256"),
        alg="dir",
        enc="A128CBC-HS256",
        cty="JWT",
    )
    policy = Policy(allow_hmac_with_secret=True)
    insp = inspect(token, client_secret=SECRET, policy=policy)
    assert insp.claims == CLAIMS and insp.signature_verified
    assert insp.verified_with is not None and "client secret" in insp.verified_with.reason
    assert insp.findings == ()


# -- round trips with core.seal ------------------------------------------------------------------


@pytest.mark.parametrize("enc", ENCS)
@pytest.mark.parametrize("enc_alg", KEY_ALGS)
@pytest.mark.parametrize("sig_alg", SIG_ALGS)
def test_sign_then_encrypt_round_trip(keys: Keys, sig_alg: str, enc_alg: str, enc: str) -> None:
    signer = keys.ec if sig_alg == "ES256" else keys.sig
    token = seal.sign_then_encrypt(
        CLAIMS, signer, keys.enc, sig_alg=sig_alg, enc_alg=enc_alg, enc=enc
    )
    insp = inspect(
        token,
        decryption_keys=keys.decryption(),
        verification_keys=keys.verification(),
        policy=Policy(require_encryption=True, require_kid=True),
    )
    assert insp.findings == ()
    assert insp.claims == CLAIMS
    assert [layer.kind for layer in insp.layers] == ["JWE", "JWS", "JSON"]
    assert insp.encrypted and insp.signed and insp.signature_verified
    assert insp.jwe_header == {"alg": enc_alg, "enc": enc, "kid": "rp-enc-1", "cty": "JWT"}
    assert insp.jws_header == {"alg": sig_alg, "kid": signer.get("kid")}
    assert insp.decrypted_with is not None and insp.decrypted_with.kid == "rp-enc-1"
    assert insp.verified_with is not None and insp.verified_with.kid == signer.get("kid")


# -- key selection -------------------------------------------------------------------------


def test_jwe_without_kid_picks_the_only_encryption_key(keys: Keys) -> None:
    enc_no_kid = jwk.JWK(**{k: v for k, v in keys.enc.export(as_dict=True).items() if k != "kid"})
    token = seal.sign_then_encrypt(CLAIMS, keys.sig, enc_no_kid)
    sig_private = keys.sig  # a use=sig key in the decryption set is never tried
    insp = inspect(
        token,
        decryption_keys=key_set(sig_private, enc_no_kid),
        verification_keys=keys.verification(),
    )
    assert insp.claims == CLAIMS
    assert insp.decrypted_with is not None
    assert insp.decrypted_with.reason.startswith("the only RSA key")
    assert "use=enc" in insp.decrypted_with.reason


def test_jwe_without_kid_tries_the_candidates_in_order(keys: Keys) -> None:
    token = seal.sign_then_encrypt(CLAIMS, keys.sig, _without_kid(keys.enc))
    insp = inspect(
        token,
        decryption_keys=key_set(_without_kid(keys.other_enc), _without_kid(keys.enc)),
        verification_keys=keys.verification(),
    )
    assert insp.claims == CLAIMS
    assert insp.decrypted_with is not None
    assert "the first that decrypts" in insp.decrypted_with.reason


def _without_kid(key: jwk.JWK) -> jwk.JWK:
    return jwk.JWK(**{k: v for k, v in key.export(as_dict=True).items() if k != "kid"})


def test_jwe_kid_unknown_falls_back_to_every_fitting_key(keys: Keys) -> None:
    token = nested(keys)
    renamed = jwk.JWK(**{**keys.enc.export(as_dict=True), "kid": "rp-enc-2"})
    insp = inspect(token, decryption_keys=key_set(renamed), verification_keys=keys.verification())
    assert severities(insp)["token.unknown_enc_kid"] is Severity.WARNING
    assert insp.claims == CLAIMS
    assert insp.decrypted_with is not None and insp.decrypted_with.kid == "rp-enc-2"


def test_jws_without_kid_uses_the_key_for_the_alg(keys: Keys) -> None:
    token = seal.sign(CLAIMS, _without_kid(keys.sig))
    insp = inspect(token, verification_keys=keys.verification())
    assert insp.signature_verified
    assert insp.verified_with is not None and insp.verified_with.kid == "op-sig-1"
    assert insp.verified_with.reason.startswith("no kid in the JWS header; the only RSA key")


def test_jws_without_kid_tries_every_fitting_key(keys: Keys) -> None:
    spare = jwk.JWK.generate(kty="RSA", size=2048, use="sig")
    token = seal.sign(CLAIMS, _without_kid(keys.sig))
    insp = inspect(token, verification_keys=key_set(public(spare), public(_without_kid(keys.sig))))
    assert insp.signature_verified
    assert insp.verified_with is not None
    assert "of 2 for RS256, the first that verifies" in insp.verified_with.reason


def test_keys_whose_alg_or_curve_do_not_fit_are_not_tried(keys: Keys) -> None:
    ps_only = jwk.JWK(**{**keys.sig.export_public(as_dict=True), "alg": "PS256"})
    p384 = jwk.JWK.generate(kty="EC", crv="P-384", kid="op-ec-1")
    rs = inspect(seal.sign(CLAIMS, keys.sig), verification_keys=key_set(ps_only))
    es = inspect(seal.sign(CLAIMS, keys.ec), verification_keys=key_set(public(p384)))
    assert "token.no_verification_key" in ids(rs) and "token.no_verification_key" in ids(es)


def test_decryption_key_restricted_by_key_ops_is_not_tried(keys: Keys) -> None:
    encrypt_only = jwk.JWK(**{**keys.enc.export(as_dict=True), "key_ops": ["encrypt"]})
    insp = inspect(nested(keys), decryption_keys=key_set(encrypt_only))
    assert "token.no_decryption_key" in ids(insp)


def test_ecdh_es_decrypts_when_the_policy_allows_it() -> None:
    ec_enc = jwk.JWK.generate(kty="EC", crv="P-256", kid="rp-ec-enc", use="enc")
    token = seal.encrypt(json.dumps(CLAIMS), ec_enc, alg="ECDH-ES", enc="A256GCM")
    policy = Policy(allowed_key_algs=("ECDH-ES",), require_signature=False)
    insp = inspect(token, decryption_keys=key_set(ec_enc), policy=policy)
    assert insp.claims == CLAIMS and insp.findings == ()


def test_aes_key_wrap_with_a_symmetric_key_or_the_client_secret() -> None:
    policy = Policy(allowed_key_algs=("A256KW",), require_signature=False)
    wrap_key = jwk.JWK.generate(kty="oct", size=256, kid="rp-kw")
    token = seal.encrypt(json.dumps(CLAIMS), wrap_key, alg="A256KW", enc="A128GCM")
    assert inspect(token, decryption_keys=key_set(wrap_key), policy=policy).claims == CLAIMS
    derived = derive_secret_key(SECRET, "A256KW", "A128GCM")
    token = seal.encrypt(json.dumps(CLAIMS), derived, alg="A256KW", enc="A128GCM")
    insp = inspect(token, client_secret=SECRET, policy=policy)
    assert insp.claims == CLAIMS
    assert insp.decrypted_with is not None and "client secret" in insp.decrypted_with.reason


def test_whitespace_inside_the_token_is_removed(keys: Keys) -> None:
    token = seal.sign(CLAIMS, keys.sig)
    wrapped = "\n  ".join(token[i : i + 40] for i in range(0, len(token), 40))
    insp = inspect(f"  {wrapped}\n", verification_keys=keys.verification())
    assert insp.signature_verified and insp.token == token
    assert severities(insp) == {"token.whitespace_removed": Severity.INFO}


def test_prefix_names_the_findings(keys: Keys) -> None:
    insp = inspect(seal.sign(CLAIMS, keys.sig), prefix="id_token")
    assert ids(insp) == {"id_token.unverified"}
    assert insp.findings[0].reference


# -- negative cases ------------------------------------------------------------------------


def test_alg_none_is_an_error_even_without_keys() -> None:
    token = raw_jws({"alg": "none"}, json.dumps(CLAIMS), b"")
    insp = inspect(token)
    assert severities(insp)["token.alg_none"] is Severity.ERROR
    assert not insp.signed and not insp.signature_verified
    assert insp.claims == CLAIMS  # still shown, marked by the error


def test_alg_none_is_an_error_with_keys(keys: Keys) -> None:
    insp = inspect(
        raw_jws({"alg": "None"}, json.dumps(CLAIMS), b""), verification_keys=keys.verification()
    )
    assert "token.alg_none" in ids(insp)
    assert not insp.signature_verified


def _confusion_token(keys: Keys, kid: str | None) -> str:
    """HS256 keyed with the provider's public RSA key, as an attacker would make it."""
    pem = keys.sig.export_to_pem()  # public key PEM bytes: what a naive verifier would use
    hmac_key = jwk.JWK(kty="oct", k=b64url_encode(pem))
    header = {"alg": "HS256", **({"kid": kid} if kid else {})}
    token = jws.JWS(json.dumps(CLAIMS).encode())
    token.add_signature(hmac_key, alg="HS256", protected=json.dumps(header))
    return str(token.serialize(compact=True))


def test_hmac_with_rsa_public_key_is_refused(keys: Keys) -> None:
    insp = inspect(_confusion_token(keys, "op-sig-1"), verification_keys=keys.verification())
    assert severities(insp)["token.hmac_with_asymmetric_key"] is Severity.ERROR
    assert not insp.signature_verified


def test_hmac_with_rsa_public_key_is_refused_even_when_hmac_is_allowed(keys: Keys) -> None:
    insp = inspect(
        _confusion_token(keys, "op-sig-1"),
        verification_keys=keys.verification(),
        client_secret=SECRET,
        policy=Policy(allow_hmac_with_secret=True),
    )
    assert "token.hmac_with_asymmetric_key" in ids(insp)
    assert not insp.signature_verified


def test_hmac_without_kid_and_only_public_keys_is_refused(keys: Keys) -> None:
    insp = inspect(_confusion_token(keys, None), verification_keys=keys.verification())
    assert "token.hmac_with_asymmetric_key" in ids(insp)


def test_hmac_not_allowed_by_the_policy() -> None:
    insp = inspect(hmac_jws("HS256", SECRET), client_secret=SECRET)
    assert "token.alg_not_allowed" in ids(insp)
    assert not insp.signature_verified


def test_hmac_with_the_wrong_client_secret() -> None:
    policy = Policy(allow_hmac_with_secret=True)
    insp = inspect(hmac_jws("HS512", SECRET * 2), client_secret=SECRET * 2 + "!", policy=policy)
    assert severities(insp) == {"token.signature_invalid": Severity.ERROR}


def test_hmac_with_a_short_client_secret_verifies_with_a_warning() -> None:
    policy = Policy(allow_hmac_with_secret=True)
    insp = inspect(hmac_jws("HS256", "short"), client_secret="short", policy=policy)
    assert insp.signature_verified and insp.claims == CLAIMS
    assert severities(insp) == {"token.hmac_key_too_short": Severity.WARNING}


def test_hmac_without_a_client_secret_but_with_keys(keys: Keys) -> None:
    token = hmac_jws("HS256", SECRET)
    oct_only = key_set(jwk.JWK.generate(kty="oct", size=256))
    insp = inspect(token, verification_keys=oct_only, policy=Policy(allow_hmac_with_secret=True))
    assert "token.no_verification_key" in ids(insp)


def test_hmac_without_any_secret_or_keys_is_unverified() -> None:
    insp = inspect(hmac_jws("HS256", SECRET), policy=Policy(allow_hmac_with_secret=True))
    assert severities(insp) == {"token.unverified": Severity.WARNING}
    assert insp.claims == CLAIMS


def test_sig_alg_not_allowed(keys: Keys) -> None:
    insp = inspect(seal.sign(CLAIMS, keys.sig, alg="RS384"), verification_keys=keys.verification())
    assert "token.alg_not_allowed" in ids(insp)
    assert "RS384" in next(f.message for f in insp.findings)


def test_enc_not_allowed(keys: Keys) -> None:
    token = nested(keys, enc="A192GCM")
    insp = inspect(token, decryption_keys=keys.decryption(), verification_keys=keys.verification())
    assert "token.enc_not_allowed" in ids(insp)
    assert insp.claims is None


def test_wrong_decryption_key(keys: Keys) -> None:
    token = seal.sign_then_encrypt(CLAIMS, keys.sig, _without_kid(keys.enc))
    insp = inspect(token, decryption_keys=key_set(keys.other_enc))
    assert severities(insp)["token.decryption_failed"] is Severity.ERROR
    assert insp.claims is None and insp.jwe_header is not None


def test_no_decryption_key(keys: Keys) -> None:
    insp = inspect(nested(keys), verification_keys=keys.verification())
    assert "token.no_decryption_key" in ids(insp)
    assert insp.jwe_header is not None and insp.jwe_header["kid"] == "rp-enc-1"
    assert insp.claims is None


def test_tampered_signature(keys: Keys) -> None:
    header, payload, signature = seal.sign(CLAIMS, keys.sig).split(".")
    token = f"{header}.{payload}.{swap_char(signature, 10)}"
    insp = inspect(token, verification_keys=keys.verification())
    assert severities(insp)["token.signature_invalid"] is Severity.ERROR
    assert not insp.signature_verified


def test_tampered_payload(keys: Keys) -> None:
    header, _, signature = seal.sign(CLAIMS, keys.sig).split(".")
    forged = b64url_encode(json.dumps({**CLAIMS, "sub": "admin"}).encode())
    insp = inspect(f"{header}.{forged}.{signature}", verification_keys=keys.verification())
    assert "token.signature_invalid" in ids(insp)
    assert insp.claims is not None and insp.claims["sub"] == "admin"  # shown, but flagged


def test_unknown_kid(keys: Keys) -> None:
    rotated = jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-2", use="sig")
    insp = inspect(seal.sign(CLAIMS, rotated), verification_keys=keys.verification())
    assert insp.unknown_kid == "op-sig-2"
    assert "token.unknown_kid" in ids(insp)
    assert "op-sig-1" in next(f.message for f in insp.findings)


def test_kid_naming_a_key_that_cannot_verify(keys: Keys) -> None:
    impostor = jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-1")
    insp = inspect(seal.sign(CLAIMS, impostor), verification_keys=key_set(public(keys.enc)))
    assert "token.no_verification_key" in ids(insp)
    assert insp.unknown_kid is None


def test_not_encrypted_when_required(keys: Keys) -> None:
    insp = inspect(
        seal.sign(CLAIMS, keys.sig),
        verification_keys=keys.verification(),
        policy=Policy(require_encryption=True),
    )
    assert severities(insp) == {"token.not_encrypted": Severity.ERROR}
    assert insp.claims == CLAIMS


def test_not_signed_when_a_signature_is_required(keys: Keys) -> None:
    insp = inspect(seal.encrypt(json.dumps(CLAIMS), keys.enc), decryption_keys=keys.decryption())
    assert severities(insp) == {"token.not_signed": Severity.ERROR}


def test_kid_missing_when_required(keys: Keys) -> None:
    token = seal.sign(CLAIMS, _without_kid(keys.sig))
    insp = inspect(token, verification_keys=keys.verification(), policy=Policy(require_kid=True))
    assert severities(insp) == {"token.kid_missing": Severity.WARNING}
    assert insp.signature_verified


def test_cty_missing_on_a_nested_jwt(keys: Keys) -> None:
    token = seal.encrypt(seal.sign(CLAIMS, keys.sig), keys.enc)  # no cty
    insp = inspect(token, decryption_keys=keys.decryption(), verification_keys=keys.verification())
    assert severities(insp) == {"token.cty_missing": Severity.WARNING}
    assert insp.signature_verified and insp.claims == CLAIMS


def test_unverified_without_keys(keys: Keys) -> None:
    insp = inspect(seal.sign(CLAIMS, keys.sig))
    assert severities(insp) == {"token.unverified": Severity.WARNING}
    assert insp.claims == CLAIMS and insp.signed and not insp.signature_verified


def test_bad_base64() -> None:
    insp = inspect("eyJhbGciOiJSUzI1NiJ9.not*base64.c2ln")
    assert "token.malformed" in ids(insp)
    assert insp.claims is None


def test_non_json_header() -> None:
    insp = inspect(f"{b64url_encode(b'{alg: RS256')}.e30.c2ln")
    assert severities(insp) == {"token.malformed": Severity.ERROR}
    assert "not base64url-encoded JSON" in insp.findings[0].message


def test_header_not_an_object() -> None:
    insp = inspect(f"{b64url_encode(b'[1, 2]')}.e30.c2ln")
    assert "an array" in insp.findings[0].message


def test_wrong_number_of_parts() -> None:
    insp = inspect("a.b.c.d")
    assert severities(insp) == {"token.malformed": Severity.ERROR}
    assert "4 part(s)" in insp.findings[0].message


def test_huge_token_is_not_decoded(keys: Keys) -> None:
    payload = json.dumps({**CLAIMS, "blob": "x" * 300_000})
    insp = inspect(seal.sign(payload, keys.sig), verification_keys=keys.verification())
    assert severities(insp) == {"token.too_large": Severity.ERROR}
    assert insp.layers == () and insp.claims is None


def _zipped(keys: Keys, plaintext: bytes) -> str:
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "zip": "DEF"}
    token = jwe.JWE(plaintext, protected=json.dumps(header))
    token.add_recipient(keys.enc)
    return str(token.serialize(compact=True))


def test_zip_bomb_is_refused(keys: Keys) -> None:
    bomb = b'{"a":"' + b"0" * (3 * 1024 * 1024) + b'"}'
    token = _zipped(keys, bomb)
    assert len(token) < 20_000  # small on the wire, 3 MiB inflated
    insp = inspect(token, decryption_keys=keys.decryption())
    assert "token.too_large" in ids(insp)
    assert insp.claims is None and insp.payload is None


def test_zip_within_the_cap_is_inflated_with_a_warning(keys: Keys) -> None:
    token = _zipped(keys, json.dumps(CLAIMS).encode())
    insp = inspect(token, decryption_keys=keys.decryption(), policy=Policy(require_signature=False))
    assert insp.claims == CLAIMS
    assert severities(insp) == {"token.zip_used": Severity.WARNING}


def test_unknown_zip_is_refused(keys: Keys) -> None:
    protected = b64url_encode(
        json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "zip": "GZ"}).encode()
    )
    rest = nested(keys).split(".", 1)[1]
    insp = inspect(f"{protected}.{rest}", decryption_keys=keys.decryption())
    assert "token.zip_unsupported" in ids(insp)


def test_claims_not_an_object(keys: Keys) -> None:
    insp = inspect(seal.sign("[1, 2, 3]", keys.sig), verification_keys=keys.verification())
    assert severities(insp) == {"token.claims_not_object": Severity.ERROR}
    assert insp.signature_verified and insp.claims is None
    assert insp.layers[-1].kind == "JSON" and not insp.layers[-1].ok


def test_claims_not_json(keys: Keys) -> None:
    insp = inspect(seal.sign(b"\xff\xfe not json", keys.sig), verification_keys=keys.verification())
    assert "token.claims_not_object" in ids(insp)
    assert "not UTF-8 text" in insp.findings[0].message


def test_claims_text_that_is_not_json(keys: Keys) -> None:
    insp = inspect(seal.sign("hello", keys.sig), verification_keys=keys.verification())
    assert "text that is not JSON" in insp.findings[0].message
    assert insp.payload == "hello"


def test_claims_nested_too_deeply() -> None:
    deep = "[" * 30_000 + "]" * 30_000
    insp = inspect(raw_jws({"alg": "RS256"}, deep))
    assert "token.claims_not_object" in ids(insp)
    assert "nested too deeply" in next(f.message for f in insp.findings if "claims" in f.id)


def test_crit_header_is_refused(keys: Keys) -> None:
    header = {"alg": "RS256", "kid": "op-sig-1", "crit": ["exp"], "exp": 1}
    token = raw_jws(header, json.dumps(CLAIMS))
    insp = inspect(token, verification_keys=keys.verification())
    assert "token.crit_unsupported" in ids(insp)
    assert not insp.signature_verified


def test_crit_jwe_header_is_refused(keys: Keys) -> None:
    token = seal.encrypt(json.dumps(CLAIMS), keys.enc, headers={"crit": ["exp"], "exp": 1})
    insp = inspect(token, decryption_keys=keys.decryption())
    assert "token.crit_unsupported" in ids(insp)
    assert insp.claims is None


def test_unencoded_payload_is_malformed() -> None:
    insp = inspect(raw_jws({"alg": "RS256", "b64": False, "crit": ["b64"]}, "{}"))
    assert "token.malformed" in ids(insp)


def test_nesting_too_deep(keys: Keys) -> None:
    token = seal.sign(CLAIMS, keys.sig)
    for _ in range(4):
        token = seal.sign(token, keys.sig, headers={"cty": "JWT"})
    insp = inspect(token, verification_keys=keys.verification())
    assert "token.nesting_too_deep" in ids(insp)
    assert insp.claims is None


def test_jwe_with_an_empty_ciphertext_is_malformed(keys: Keys) -> None:
    parts = nested(keys).split(".")
    parts[3] = ""
    insp = inspect(".".join(parts), decryption_keys=keys.decryption())
    assert "token.malformed" in ids(insp)


# -- peek ------------------------------------------------------------------------------------


def test_peek_names_the_kind_and_first_header(keys: Keys) -> None:
    assert peek(nested(keys)) == (
        "JWE",
        {"alg": "RSA-OAEP-256", "enc": "A256CBC-HS512", "kid": "rp-enc-1", "cty": "JWT"},
    )
    assert peek(seal.sign(CLAIMS, keys.sig)) == ("JWS", {"alg": "RS256", "kid": "op-sig-1"})
    assert peek(raw_jws({"alg": "none"}, "{}", b""))[0] == "unsecured"


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "....", "eyJ9.e30.e30", "\x00.\x00.\x00"])
def test_peek_never_raises_on_junk(junk: str) -> None:
    assert peek(junk) == ("unknown", {})


# -- the jwcrypto objects inspect() makes ------------------------------------------------------


@pytest.mark.parametrize("cls", [jwe.JWE, jws.JWS])
def test_fresh_jwcrypto_objects_are_as_new_and_share_only_the_registry(cls: Any) -> None:
    """inspect() copies a prototype instead of paying jwcrypto's deep copy of the header
    registry for each object; with another jwcrypto this says whether that still holds."""
    assert cls in jose._PROTOTYPES, "jwcrypto objects hold more than _fresh knows how to copy"
    made, fresh, proto = cls(), jose._fresh(cls), jose._PROTOTYPES[cls]
    assert type(fresh) is cls and vars(fresh).keys() == vars(made).keys()
    for name, value in vars(made).items():
        if name == "header_registry":
            assert fresh.header_registry is proto.header_registry
            assert dict(fresh.header_registry) == dict(value)
        else:
            assert getattr(fresh, name) == value
            if isinstance(value, dict | list):
                assert getattr(fresh, name) is not getattr(proto, name)


def test_reading_tokens_leaves_the_shared_registries_as_they_were(keys: Keys) -> None:
    tokens = [nested(keys), seal.sign(CLAIMS, keys.ec), nested(keys, enc="A128GCM")]
    tokens.append(seal.encrypt(seal.sign(CLAIMS, keys.sig), keys.other_enc, cty="JWT"))
    for token in tokens:
        inspect(token, decryption_keys=keys.decryption(), verification_keys=keys.verification())
    for cls, proto in jose._PROTOTYPES.items():
        assert dict(proto.header_registry) == dict(cls().header_registry)
        assert vars(proto).keys() == vars(cls()).keys()
        assert all(v == vars(cls())[k] for k, v in vars(proto).items() if k != "header_registry")
