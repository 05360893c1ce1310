"""The ID token: the OpenID Foundation's rp-id_token-* and oidcc-client-test-* cases.

A provider that answers the code flow right but for one thing in its ID token. Every rejected
token exits 1 with its finding, and the engine stops there: UserInfo is not called with the
access token of a rejected ID token.
"""

from __future__ import annotations

import json
import time

from jwcrypto import jwe, jwk

from itsme_debugger.core import seal
from itsme_debugger.core.jose import derive_secret_key

from .conftest import Outcome, case
from .hooks import (
    encrypted,
    hmac_signed,
    rs256_with_header,
    signed_with,
    tampered,
    unsecured,
    with_claims,
    without,
)
from .provider import CLIENT_ID, CLIENT_SECRET, Claims, HostileProvider, public


def _stopped_at_id_token(outcome: Outcome, finding: str) -> None:
    outcome.rejected(finding)
    assert outcome.calls.get("userinfo", 0) == 0, outcome.explain()
    assert outcome.run.step("userinfo")["status"] == "skipped"


# -- accepted: oidcc-client-test, -idtoken-sig-rs256, rp-id_token-sig-es256 / hs256 ----------


@case()
def test_code_flow_accepted(outcome: Outcome) -> None:
    """oidcc-client-test / rp-response_type-code: the whole flow, each endpoint once."""
    run = outcome.accepted()
    assert outcome.calls == {
        ".well-known/openid-configuration": 1,
        "authorize": 1,
        "token": 1,
        "jwks": 1,
        "userinfo": 1,
        "revoke": 1,
    }
    assert run.report["id_token"]["jws_header"]["alg"] == "RS256"
    assert run.report["userinfo"]["claims"]["sub"]
    # rp-nonce-unless-code-flow: a nonce is sent even in the code flow, and checked
    assert outcome.op.seen.authorization[0]["nonce"]


@case(id_token=signed_with(lambda op: op.keys.ec, alg="ES256"))
def test_sig_es256_accepted(outcome: Outcome) -> None:
    """rp-id_token-sig-es256."""
    run = outcome.accepted()
    assert run.report["id_token"]["jws_header"]["alg"] == "ES256"


@case(id_token=hmac_signed(CLIENT_SECRET.encode()))
def test_sig_hs256_with_the_client_secret_accepted(outcome: Outcome) -> None:
    """rp-id_token-sig-hs256 / oidcc-client-test-idtoken-sig-hs256: HMAC over the secret."""
    run = outcome.accepted()
    assert run.report["id_token"]["jws_header"]["alg"] == "HS256"


@case(id_token=encrypted())
def test_sig_enc_accepted(outcome: Outcome) -> None:
    """rp-id_token-sig+enc: signed, then encrypted to the client's key."""
    run = outcome.accepted()
    assert run.report["id_token"]["encrypted"] is True
    assert run.report["id_token"]["jwe_header"]["alg"] == "RSA-OAEP"


@case(
    id_token=lambda claims, op: seal.encrypt(
        op.sign(claims),
        derive_secret_key(CLIENT_SECRET, "dir", "A128CBC-HS256"),
        alg="dir",
        enc="A128CBC-HS256",
        cty="JWT",
    )
)
def test_sig_enc_with_the_client_secret_accepted(outcome: Outcome) -> None:
    """OIDC Core 10.2: encrypted with a key derived from the client secret (dir)."""
    run = outcome.accepted()
    assert run.report["id_token"]["jwe_header"]["alg"] == "dir"


@case(id_token=lambda claims, op: seal.encrypt(op.sign(claims), op.keys.op_enc1, cty="JWT"))
def test_encrypted_to_another_key_rejected(outcome: Outcome) -> None:
    """Encrypted to a key the client does not hold."""
    _stopped_at_id_token(outcome, "id_token.decryption_failed")


def _rsa1_5(claims: Claims, op: HostileProvider) -> str:
    header = {"alg": "RSA1_5", "enc": "A128CBC-HS256", "cty": "JWT"}
    token = jwe.JWE(
        op.sign(claims).encode(), protected=json.dumps(header), algs=list(header.values())[:2]
    )
    token.add_recipient(jwk.JWK(**public(op.keys.rp_enc)))
    return str(token.serialize(compact=True))


@case(id_token=_rsa1_5)
def test_rsa1_5_encryption_rejected(outcome: Outcome) -> None:
    """RSAES-PKCS1-v1_5 is refused before decrypting (padding oracle, RFC 8725 3.2)."""
    _stopped_at_id_token(outcome, "id_token.alg_not_allowed")


@case(id_token=signed_with(lambda op: op.keys.rsa1, kid=False))
def test_kid_absent_single_jwks_accepted(outcome: Outcome) -> None:
    """rp-id_token-kid-absent-single-jwks: one RSA key, no kid in the header."""
    outcome.accepted()


@case(
    id_token=signed_with(lambda op: op.keys.rsa2, kid=False),
    jwks=lambda op: {
        "keys": [
            k.export_public(as_dict=True)
            for k in op.keys.__dict__.values()
            if k.get("kid", "").startswith("op-")
        ]
    },
)
def test_kid_absent_multiple_jwks_accepted(outcome: Outcome) -> None:
    """rp-id_token-kid-absent-multiple-jwks: no kid, several keys; the one that verifies wins."""
    outcome.accepted()
    assert outcome.calls["jwks"] == 1


# -- rejected signatures -------------------------------------------------------------------


@case(id_token=signed_with(lambda op: op.keys.rsa1, tamper=True))
def test_bad_sig_rs256_rejected(outcome: Outcome) -> None:
    """rp-id_token-bad-sig-rs256 / oidcc-client-test-invalid-sig-rs256."""
    _stopped_at_id_token(outcome, "id_token.signature_invalid")


@case(id_token=signed_with(lambda op: op.keys.ec, alg="ES256", tamper=True))
def test_bad_sig_es256_rejected(outcome: Outcome) -> None:
    """rp-id_token-bad-sig-es256 / oidcc-client-test-invalid-sig-es256."""
    _stopped_at_id_token(outcome, "id_token.signature_invalid")


@case(id_token=hmac_signed(CLIENT_SECRET.encode(), tamper=True))
def test_bad_sig_hs256_rejected(outcome: Outcome) -> None:
    """rp-id_token-bad-sig-hs256 / oidcc-client-test-invalid-sig-hs256."""
    _stopped_at_id_token(outcome, "id_token.signature_invalid")


@case(id_token=unsecured)
def test_sig_none_rejected(outcome: Outcome) -> None:
    """rp-id_token-sig-none / oidcc-client-test-idtoken-sig-none: never accepted."""
    _stopped_at_id_token(outcome, "id_token.alg_none")


def _hs256_with_the_public_key(claims: Claims, op: HostileProvider) -> str:
    pem = op.keys.rsa1.export_to_pem()  # the public key, as an attacker would find it
    return hmac_signed(pem, alg="HS256")(claims, op)


@case(id_token=_hs256_with_the_public_key)
def test_hs256_signed_with_the_public_key_rejected(outcome: Outcome) -> None:
    """The algorithm confusion attack (RFC 8725 2.1): the RSA public key as HMAC secret."""
    _stopped_at_id_token(outcome, "id_token.signature_invalid")


@case(id_token=signed_with(lambda op: op.keys.rsa2))
def test_signed_by_an_unpublished_key_rejected(outcome: Outcome) -> None:
    """An unknown kid: the JWKS is fetched again once (rotation?), then the token rejected."""
    _stopped_at_id_token(outcome, "id_token.unknown_kid")
    assert outcome.calls["jwks"] == 2


@case(id_token=signed_with(lambda op: op.keys.rsa1, headers={"kid": "op-ec-1"}))
def test_kid_naming_a_key_of_another_type_rejected(outcome: Outcome) -> None:
    """RS256 whose kid names the EC key: no key can verify it."""
    _stopped_at_id_token(outcome, "id_token.no_verification_key")


@case(id_token=rs256_with_header({"kid": "op-rsa-1", "crit": ["x-must-know"], "x-must-know": 1}))
def test_unknown_critical_header_rejected(outcome: Outcome) -> None:
    """RFC 7515 4.1.11: a crit extension that is not understood."""
    _stopped_at_id_token(outcome, "id_token.crit_unsupported")


@case(id_token=signed_with(lambda op: op.keys.rsa1, alg="PS384"))
def test_alg_outside_the_allow_list_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.alg_not_allowed")


@case(id_token=lambda claims, op: tampered(op.sign(claims)).replace(".", "..", 1))
def test_malformed_compact_serialization_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.malformed")


@case(id_token=lambda claims, op: op.sign("[1, 2, 3]"))
def test_claims_not_an_object_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.claims_not_object")


# -- rejected claims -----------------------------------------------------------------------


@case(id_token_claims=without("iat"))
def test_iat_missing_rejected(outcome: Outcome) -> None:
    """rp-id_token-iat / oidcc-client-test-missing-iat."""
    _stopped_at_id_token(outcome, "id_token.iat_missing")


@case(id_token_claims=with_claims(aud="another-client"))
def test_aud_mismatch_rejected(outcome: Outcome) -> None:
    """rp-id_token-aud / oidcc-client-test-invalid-aud."""
    _stopped_at_id_token(outcome, "id_token.aud_mismatch")


@case(id_token_claims=without("aud"))
def test_aud_missing_rejected(outcome: Outcome) -> None:
    """oidcc-client-test-missing-aud."""
    _stopped_at_id_token(outcome, "id_token.aud_missing")


@case(id_token_claims=lambda c, op: {**c, "iss": op.issuer + "/other"})
def test_iss_mismatch_rejected(outcome: Outcome) -> None:
    """rp-id_token-issuer-mismatch / oidcc-client-test-invalid-iss."""
    _stopped_at_id_token(outcome, "id_token.iss_mismatch")


@case(id_token_claims=lambda c, op: {**c, "iss": op.issuer + "/"})
def test_iss_with_a_trailing_slash_rejected(outcome: Outcome) -> None:
    """The comparison is exact (OIDC Core 3.1.3.7 (2))."""
    _stopped_at_id_token(outcome, "id_token.iss_mismatch")


@case(id_token_claims=without("sub"))
def test_sub_missing_rejected(outcome: Outcome) -> None:
    """rp-id_token-sub / oidcc-client-test-missing-sub."""
    _stopped_at_id_token(outcome, "id_token.sub_missing")


@case(id_token_claims=with_claims(at_hash="AAAAAAAAAAAAAAAAAAAAAA"))
def test_bad_at_hash_rejected(outcome: Outcome) -> None:
    """rp-id_token-bad-at_hash / oidcc-client-test-invalid-athash."""
    _stopped_at_id_token(outcome, "id_token.at_hash_mismatch")


@case(id_token_claims=with_claims(c_hash="AAAAAAAAAAAAAAAAAAAAAA"))
def test_bad_c_hash_rejected(outcome: Outcome) -> None:
    """rp-id_token-bad-c_hash: optional in the code flow, but a wrong one is never accepted."""
    _stopped_at_id_token(outcome, "id_token.c_hash_mismatch")


@case(id_token_claims=without("at_hash"))
def test_at_hash_missing_accepted(outcome: Outcome) -> None:
    """oidcc-client-test-missing-athash: at_hash is optional in the code flow."""
    outcome.accepted()
    assert "id_token.at_hash_missing" in outcome.run.finding_ids()


@case(
    id_token_claims=lambda c, op: {
        **c,
        "exp": int(time.time()) - 3600,
        "iat": int(time.time()) - 4000,
    }
)
def test_expired_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.expired")


@case(id_token_claims=without("exp"))
def test_exp_missing_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.exp_missing")


@case(id_token_claims=with_claims(exp="tomorrow"))
def test_exp_not_a_number_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.exp_invalid")


@case(id_token_claims=lambda c, op: {**c, "iat": int(time.time()) + 3600})
def test_iat_in_the_future_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.iat_in_future")


@case(id_token_claims=lambda c, op: {**c, "nbf": int(time.time()) + 3600})
def test_nbf_in_the_future_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.nbf_in_future")


@case(id_token_claims=with_claims(aud=[CLIENT_ID, "another-client"], azp="another-client"))
def test_azp_of_another_client_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.azp_mismatch")


@case(id_token_claims=with_claims(aud=[CLIENT_ID, "another-client"]))
def test_extra_audience_without_azp_warned(outcome: Outcome) -> None:
    """Several audiences and no azp: warnings (OIDC Core 3.1.3.7 (3), (4)), not an error."""
    run = outcome.accepted()
    assert {"id_token.aud_extra", "id_token.azp_missing"} <= set(run.finding_ids())


@case(id_token_claims=with_claims(sub=""))
def test_empty_sub_rejected(outcome: Outcome) -> None:
    _stopped_at_id_token(outcome, "id_token.sub_missing")
