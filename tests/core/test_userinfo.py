"""core.userinfo: the Bearer request, JSON and JWT responses, sub matching, error responses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.errors import MalformedResponse, OAuthError
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.jose import Policy
from itsme_debugger.core.userinfo import (
    UserInfoResult,
    build_userinfo_request,
    process_userinfo_response,
)
from tests.core.support import key_set

ISSUER = "https://idp.e2e.itsme.services/v2"
CLIENT = "my-client"
SUB = "e3xad7upx64grm14ttpnx4c586ve8gy0gp38"
# From the itsme v2 UserInfo example (seed 003), shortened.
USERINFO = {
    "sub": SUB,
    "birthdate": "1978-11-01",
    "http://itsme.services/v2/claim/BENationalNumber": "99060427181",
    "address": {"locality": "TONGEREN", "postal_code": "3700"},
    "family_name": "Tǎnka",
}


def json_response(
    body: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> HttpResponse:
    return HttpResponse(
        status, (("Content-Type", "application/json"), *headers), json.dumps(body).encode()
    )


def process(resp: HttpResponse, **kw: Any) -> UserInfoResult:
    args: dict[str, Any] = {"expected_sub": SUB, "issuer": ISSUER, "client_id": CLIENT, **kw}
    return process_userinfo_response(resp, **args)


def ids(result: UserInfoResult) -> dict[str, Severity]:
    return {f.id: f.severity for f in result.findings}


def test_request_is_a_get_with_a_bearer_token_marked_secret() -> None:
    req = build_userinfo_request(f"{ISSUER}/userinfo", "SlAV32hkKG")
    assert (req.method, req.url, req.body) == ("GET", f"{ISSUER}/userinfo", b"")
    assert req.header("authorization") == "Bearer SlAV32hkKG"
    assert req.secret_fields == frozenset({"authorization"})


def test_json_response_with_the_right_sub() -> None:
    result = process(json_response(USERINFO))
    assert (result.format, result.claims, result.inspection) == ("json", USERINFO, None)
    assert result.findings == ()


def test_signed_and_encrypted_response(op_key: jwk.JWK, rp_key: jwk.JWK) -> None:
    claims = {**USERINFO, "iss": ISSUER, "aud": CLIENT}
    body = seal.sign_then_encrypt(claims, op_key, rp_key).encode()
    result = process(
        HttpResponse(200, (("Content-Type", "application/jwt"),), body),
        decryption_keys=key_set(rp_key),
        verification_keys=key_set(jwk.JWK(**op_key.export_public(as_dict=True))),
        policy=Policy(require_encryption=True, require_kid=True),
    )
    assert result.format == "jwt" and result.claims == claims
    assert result.inspection is not None and result.inspection.signature_verified
    assert result.findings == ()


def test_jwt_body_labelled_as_json_is_still_read(op_key: jwk.JWK) -> None:
    # itsme's reference documents the UserInfo JWT under "200 application/json".
    token = seal.sign({**USERINFO, "iss": ISSUER, "aud": CLIENT}, op_key)
    resp = HttpResponse(200, (("Content-Type", "application/json"),), token.encode())
    result = process(resp, verification_keys=key_set(op_key))
    assert result.format == "jwt"
    assert ids(result) == {"userinfo.content_type_mismatch": Severity.INFO}


def test_encrypted_only_response_needs_no_signature(rp_key: jwk.JWK) -> None:
    body = seal.encrypt(json.dumps(USERINFO), rp_key).encode()
    resp = HttpResponse(200, (("Content-Type", "application/jwt"),), body)
    result = process(resp, decryption_keys=key_set(rp_key))
    assert result.claims == USERINFO and result.findings == ()


def test_signed_response_without_iss_and_aud_warns(op_key: jwk.JWK) -> None:
    resp = HttpResponse(
        200, (("Content-Type", "application/jwt"),), seal.sign(USERINFO, op_key).encode()
    )
    result = process(resp, verification_keys=key_set(op_key))
    assert ids(result) == {
        "userinfo.iss_missing": Severity.WARNING,
        "userinfo.aud_missing": Severity.WARNING,
    }


def test_signed_response_with_the_wrong_iss_and_aud_warns(op_key: jwk.JWK) -> None:
    claims = {**USERINFO, "iss": "https://evil.example", "aud": ["other"]}
    resp = HttpResponse(
        200, (("Content-Type", "application/jwt"),), seal.sign(claims, op_key).encode()
    )
    result = process(resp, verification_keys=key_set(op_key))
    assert set(ids(result)) == {"userinfo.iss_mismatch", "userinfo.aud_mismatch"}


def test_sub_mismatch() -> None:
    result = process(json_response({**USERINFO, "sub": "somebody-else"}))
    finding = result.findings[0]
    assert (finding.id, finding.severity) == ("userinfo.sub_mismatch", Severity.ERROR)
    assert SUB in finding.message and "somebody-else" in finding.message
    assert finding.reference == "OIDC Core 5.3.2"


def test_sub_missing() -> None:
    body = {k: v for k, v in USERINFO.items() if k != "sub"}
    assert ids(process(json_response(body))) == {"userinfo.sub_missing": Severity.ERROR}


def test_sub_unchecked_without_an_id_token_sub() -> None:
    result = process(json_response(USERINFO), expected_sub=None)
    assert ids(result) == {"userinfo.sub_unchecked": Severity.INFO}


def test_plain_json_when_encryption_is_required() -> None:
    result = process(json_response(USERINFO), policy=Policy(require_encryption=True))
    assert ids(result) == {"userinfo.not_encrypted": Severity.ERROR}


def test_jwt_that_cannot_be_decrypted_has_no_claims(rp_key: jwk.JWK) -> None:
    body = seal.encrypt(json.dumps(USERINFO), rp_key).encode()
    result = process(HttpResponse(200, (("Content-Type", "application/jwt"),), body))
    assert result.claims is None
    assert "userinfo.no_decryption_key" in ids(result)


def test_userinfo_401_with_a_bearer_error() -> None:
    challenge = (
        'Bearer realm="example", error="invalid_token",'
        ' error_description="The access token expired"'
    )
    resp = HttpResponse(401, (("WWW-Authenticate", challenge),))
    with pytest.raises(OAuthError) as caught:
        process(resp)
    err = caught.value
    assert (err.error, err.description, err.status, err.endpoint) == (
        "invalid_token",
        "The access token expired",
        401,
        "userinfo",
    )


def test_userinfo_401_without_an_error_code() -> None:
    resp = HttpResponse(401, (("WWW-Authenticate", 'Bearer realm="example"'),))
    with pytest.raises(OAuthError) as caught:
        process(resp)
    assert caught.value.error == "http_401"
    assert 'Bearer realm="example"' in caught.value.description


def test_userinfo_400_with_a_json_error_body() -> None:
    resp = json_response({"error": "invalid_request", "error_description": "two tokens"}, 400)
    with pytest.raises(OAuthError) as caught:
        process(resp)
    assert (caught.value.error, caught.value.description) == ("invalid_request", "two tokens")


def test_userinfo_500_with_html() -> None:
    resp = HttpResponse(500, (("Content-Type", "text/html"),), b"<h1>Internal error</h1>")
    with pytest.raises(OAuthError) as caught:
        process(resp)
    assert caught.value.error == "http_500" and "Internal error" in caught.value.description


def test_garbage_body_is_malformed() -> None:
    resp = HttpResponse(200, (("Content-Type", "text/html"),), b"<html>login page</html>")
    with pytest.raises(MalformedResponse, match="neither JSON nor a JWT"):
        process(resp)


def test_json_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedResponse, match="JSON object"):
        process(json_response(["sub", SUB]))


def test_body_that_is_not_utf8_is_malformed() -> None:
    with pytest.raises(MalformedResponse, match="UTF-8"):
        process(HttpResponse(200, (), b"\xff\xfe\x00"))
