"""core.idtoken: OIDC Core 3.1.3.7 one claim at a time, at_hash / c_hash, and the checklist."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.idtoken import (
    IdTokenExpectations,
    half_hash,
    process_id_token,
    validate_id_token_claims,
)
from itsme_debugger.core.jose import Policy
from tests.core.support import key_set

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
ISSUER = "https://idp.e2e.itsme.services/v2"
CLIENT = "my-client"
ACCESS_TOKEN = "SlAV32hkKG"
EXPECT = IdTokenExpectations(
    issuer=ISSUER, client_id=CLIENT, nonce="n-0S6_WzA2Mj", access_token=ACCESS_TOKEN, now=NOW
)
HEADER = {"alg": "RS256", "kid": "op-sig-1"}


def good_claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "sub": "e3xad7upx64grm14ttpnx4c586ve8gy0gp38",
        "aud": CLIENT,
        "exp": NOW + 300,
        "iat": NOW - 10,
        "nonce": "n-0S6_WzA2Mj",
        "at_hash": half_hash(ACCESS_TOKEN, "RS256"),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def check(claims: dict[str, Any], exp: IdTokenExpectations = EXPECT) -> dict[str, Finding]:
    findings, _ = validate_id_token_claims(claims, HEADER, exp)
    return {f.id: f for f in findings}


def checklist(claims: dict[str, Any], exp: IdTokenExpectations = EXPECT) -> dict[str, Any]:
    return dict(validate_id_token_claims(claims, HEADER, exp)[1])


# -- the whole token ------------------------------------------------------------------------------


def test_a_good_signed_and_encrypted_id_token_passes(op_key: jwk.JWK, rp_key: jwk.JWK) -> None:
    token = seal.sign_then_encrypt(good_claims(), op_key, rp_key)
    public = jwk.JWK(**op_key.export_public(as_dict=True))
    result = process_id_token(
        token,
        EXPECT,
        decryption_keys=key_set(rp_key),
        verification_keys=key_set(public),
        policy=Policy(require_encryption=True, require_kid=True),
    )
    assert result.findings == ()
    assert result.claims == good_claims()
    assert dict(result.checks) == {
        "decryption": True,
        "signature": True,
        "iss": True,
        "sub": True,
        "aud": True,
        "azp": None,
        "exp": True,
        "iat": True,
        "nbf": None,
        "nonce": True,
        "at_hash": True,
        "c_hash": None,
        "auth_time": None,
        "acr": None,
    }


def test_signature_check_is_not_applicable_without_keys(op_key: jwk.JWK) -> None:
    result = process_id_token(seal.sign(good_claims(), op_key), EXPECT)
    checks = dict(result.checks)
    assert checks["signature"] is None and checks["decryption"] is None
    assert [f.id for f in result.findings] == ["id_token.unverified"]


def test_bad_signature_fails_the_signature_check(op_key: jwk.JWK) -> None:
    other = jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-1")
    result = process_id_token(
        seal.sign(good_claims(), other),
        EXPECT,
        verification_keys=key_set(jwk.JWK(**op_key.export_public(as_dict=True))),
    )
    assert dict(result.checks)["signature"] is False
    assert "id_token.signature_invalid" in {f.id for f in result.findings}


def test_unreadable_token_has_no_claim_checks() -> None:
    result = process_id_token("not-a-token", EXPECT)
    assert result.claims is None
    assert dict(result.checks) == {"decryption": None, "signature": False}
    assert [f.id for f in result.findings] == ["id_token.malformed"]


def test_encrypted_id_token_without_the_key_fails_decryption(
    op_key: jwk.JWK, rp_key: jwk.JWK
) -> None:
    token = seal.sign_then_encrypt(good_claims(), op_key, rp_key)
    result = process_id_token(token, EXPECT, decryption_keys=jwk.JWKSet())
    assert dict(result.checks)["decryption"] is False
    assert "id_token.no_decryption_key" in {f.id for f in result.findings}


# -- one test per claim failure --------------------------------------------------------------------


def test_good_claims_have_no_findings() -> None:
    assert check(good_claims()) == {}


def test_iss_mismatch() -> None:
    found = check(good_claims(iss=ISSUER + "/"))
    f = found["id_token.iss_mismatch"]
    assert f.severity is Severity.ERROR
    assert ISSUER in f.message and "trailing slash" in f.message
    assert f.reference == "OIDC Core 3.1.3.7 (2)"


def test_iss_missing() -> None:
    assert "id_token.iss_missing" in check(good_claims(iss=None))


def test_aud_mismatch() -> None:
    f = check(good_claims(aud="someone-else"))["id_token.aud_mismatch"]
    assert "'my-client'" in f.message and "'someone-else'" in f.message


def test_aud_missing() -> None:
    assert "id_token.aud_missing" in check(good_claims(aud=None))


def test_aud_list_with_the_client_and_azp_passes_with_a_warning_for_the_other_audience() -> None:
    found = check(good_claims(aud=[CLIENT, "api"], azp=CLIENT))
    assert set(found) == {"id_token.aud_extra"}
    assert found["id_token.aud_extra"].severity is Severity.WARNING


def test_azp_missing_with_several_audiences() -> None:
    found = check(good_claims(aud=[CLIENT, "api"]))
    assert found["id_token.azp_missing"].severity is Severity.WARNING
    assert checklist(good_claims(aud=[CLIENT, "api"]))["azp"] is False


def test_azp_mismatch() -> None:
    f = check(good_claims(azp="api"))["id_token.azp_mismatch"]
    assert f.severity is Severity.ERROR and "'api'" in f.message


def test_exp_missing() -> None:
    assert "id_token.exp_missing" in check(good_claims(exp=None))


def test_exp_not_a_number() -> None:
    assert "id_token.exp_invalid" in check(good_claims(exp="tomorrow"))


def test_expired_says_when_and_how_long_ago() -> None:
    f = check(good_claims(exp=NOW - 3 * 3600 - 125))["id_token.expired"]
    assert f.severity is Severity.ERROR
    assert "2023-11-14T19:11:15Z" in f.message
    assert "3 h 2 min ago" in f.message
    assert "now 2023-11-14T22:13:20Z" in f.message


def test_expired_seconds_ago_without_leeway() -> None:
    f = check(good_claims(exp=NOW - 42), replace(EXPECT, leeway=0))["id_token.expired"]
    assert "42 s ago (leeway 0 s" in f.message


def test_expired_within_leeway_passes() -> None:
    assert check(good_claims(exp=NOW - 30)) == {}


def test_iat_missing() -> None:
    assert "id_token.iat_missing" in check(good_claims(iat=None))


def test_iat_in_future() -> None:
    f = check(good_claims(iat=NOW + 600))["id_token.iat_in_future"]
    assert "10 min 0 s in the future" in f.message


def test_issued_too_long_ago() -> None:
    claims = good_claims(iat=NOW - 2 * 86400, exp=NOW + 60)
    found = check(claims)
    assert found["id_token.issued_too_long_ago"].severity is Severity.WARNING
    assert "2 d 0 h ago" in found["id_token.issued_too_long_ago"].message


def test_lifetime_too_long() -> None:
    found = check(good_claims(exp=NOW + 7 * 86400))
    assert set(found) == {"id_token.lifetime_too_long"}
    assert checklist(good_claims(exp=NOW + 7 * 86400))["iat"] is False


def test_nbf_in_future() -> None:
    f = check(good_claims(nbf=NOW + 3600))["id_token.nbf_in_future"]
    assert "2023-11-14T23:13:20Z" in f.message


def test_nbf_in_the_past_passes() -> None:
    assert checklist(good_claims(nbf=NOW - 10))["nbf"] is True


def test_nonce_missing() -> None:
    assert "id_token.nonce_missing" in check(good_claims(nonce=None))


def test_nonce_mismatch() -> None:
    f = check(good_claims(nonce="replayed"))["id_token.nonce_mismatch"]
    assert "'n-0S6_WzA2Mj'" in f.message and "'replayed'" in f.message


def test_nonce_unexpected() -> None:
    found = check(good_claims(), replace(EXPECT, nonce=None))
    assert found["id_token.nonce_unexpected"].severity is Severity.WARNING


def test_no_nonce_sent_and_none_received_is_not_applicable() -> None:
    exp = replace(EXPECT, nonce=None)
    assert checklist(good_claims(nonce=None), exp)["nonce"] is None
    assert check(good_claims(nonce=None), exp) == {}


def test_sub_missing() -> None:
    assert "id_token.sub_missing" in check(good_claims(sub=None))


def test_sub_too_long() -> None:
    assert "id_token.sub_too_long" in check(good_claims(sub="x" * 256))


def test_at_hash_mismatch() -> None:
    f = check(good_claims(at_hash=half_hash("another-token", "RS256")))["id_token.at_hash_mismatch"]
    assert f.severity is Severity.ERROR and half_hash(ACCESS_TOKEN, "RS256") in f.message


def test_at_hash_missing_is_info() -> None:
    found = check(good_claims(at_hash=None))
    assert found["id_token.at_hash_missing"].severity is Severity.INFO


def test_at_hash_uses_the_hash_of_the_jws_alg() -> None:
    claims = good_claims(at_hash=half_hash(ACCESS_TOKEN, "PS512"))
    findings, checks = validate_id_token_claims(claims, {"alg": "PS512"}, EXPECT)
    assert findings == [] and dict(checks)["at_hash"] is True
    assert len(half_hash(ACCESS_TOKEN, "ES384") or "") == 32  # 24 bytes, base64url


def test_at_hash_without_a_known_alg_is_unverifiable() -> None:
    findings, checks = validate_id_token_claims(good_claims(), {"alg": "EdDSA"}, EXPECT)
    assert [f.id for f in findings] == ["id_token.at_hash_unverifiable"]
    assert dict(checks)["at_hash"] is None


def test_half_hash_matches_the_oidc_core_examples() -> None:
    # OIDC Core appendix A.3 / A.4 (RS256)
    assert half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == (
        "77QmUPtjPfzWtF2AnpK9RQ"
    )
    code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
    assert half_hash(code, "RS256") == "LDktKdoQak3Pk0cnXxCltA"


def test_c_hash_mismatch() -> None:
    exp = replace(EXPECT, code="the-code")
    found = check(good_claims(c_hash=half_hash("another-code", "RS256")), exp)
    assert "id_token.c_hash_mismatch" in found
    assert checklist(good_claims(c_hash=half_hash("the-code", "RS256")), exp)["c_hash"] is True


def test_auth_time_missing() -> None:
    assert "id_token.auth_time_missing" in check(good_claims(), replace(EXPECT, max_age=600))


def test_auth_too_old() -> None:
    exp = replace(EXPECT, max_age=600)
    f = check(good_claims(auth_time=NOW - 3600), exp)["id_token.auth_too_old"]
    assert "1 h 0 min ago" in f.message and "10 min 0 s" in f.message
    assert checklist(good_claims(auth_time=NOW - 300), exp)["auth_time"] is True


def test_acr_not_requested() -> None:
    exp = replace(EXPECT, acr_values=("http://itsme.services/v2/claim/acr_advanced",))
    found = check(good_claims(acr="http://itsme.services/v2/claim/acr_basic"), exp)
    assert found["id_token.acr_not_requested"].severity is Severity.WARNING
    ok = good_claims(acr="http://itsme.services/v2/claim/acr_advanced")
    assert checklist(ok, exp)["acr"] is True


def test_acr_missing_is_info() -> None:
    exp = replace(EXPECT, acr_values=("idp:itsme",))
    assert check(good_claims(), exp)["id_token.acr_missing"].severity is Severity.INFO


def test_dates_far_out_of_range_do_not_break_the_messages() -> None:
    found = check(good_claims(exp=1e300))
    assert "not a representable date" in found["id_token.lifetime_too_long"].message
