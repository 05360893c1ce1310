"""The token request and the processing of its response."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from jwcrypto import jwk, jws

from itsme_debugger.core.client_auth import ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from itsme_debugger.core.errors import MalformedResponse, OAuthError, ProviderError
from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.token import build_token_request, process_token_response

TOKEN = "https://idp.e2e.itsme.services/v2/token"
REDIRECT = "https://client.example.org/cb"
VERIFIER = "dBjftJeZ4CVP-mJ92K9ubMWGBfC2XAHh6C1VgT3T7yhQ"
NOW = 1_700_000_000.0
GOOD_HEADERS = (
    ("Content-Type", "application/json;charset=UTF-8"),
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
)
#: The seed's token response (with its JSON typos fixed).
SEED_BODY = {
    "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.ewogImlzcyI6.ggW8hZ1EuVLuxNuuIJKX",
    "access_token": "SlAV32hkKG",
    "token_type": "Bearer",
    "expires_in": 3600,
}


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))


def _resp(
    body: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = GOOD_HEADERS
) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers, raw, TOKEN)


def _process(**changes: Any) -> tuple[Any, list[Finding]]:
    body = {**SEED_BODY, **changes}
    return process_token_response(_resp({k: v for k, v in body.items() if v is not None}))


def _ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


@pytest.fixture(scope="module")
def sig_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="sig-1", use="sig", alg="RS256")


def test_build_with_client_secret_basic() -> None:
    req = build_token_request(
        TOKEN,
        code="SplxlOBeZQQYbYS6WxSbIA",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        auth=ClientSecretBasic("s6BhdRkqt3", "gX1fBat3bV"),
    )
    assert (req.method, req.url) == ("POST", TOKEN)
    assert req.headers == (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        ("Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),
    )
    assert req.body == (
        b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
        b"&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&code_verifier=" + VERIFIER.encode()
    )
    assert req.secret_fields == frozenset({"Authorization", "code", "code_verifier"})


def test_build_with_client_secret_post_seed_example() -> None:
    req = build_token_request(
        TOKEN,
        code="SplxlOBeZQQYbYS6WxSbIA",
        redirect_uri=REDIRECT,
        code_verifier=None,
        auth=ClientSecretPost("s6BhdRkqt3", "secret"),
    )
    assert _form(req.body) == {
        "grant_type": "authorization_code",
        "code": "SplxlOBeZQQYbYS6WxSbIA",
        "redirect_uri": REDIRECT,
        "client_id": "s6BhdRkqt3",
        "client_secret": "secret",
    }
    assert req.header("authorization") is None
    assert "client_secret" in req.secret_fields


def test_build_with_extra_fields() -> None:
    req = build_token_request(
        TOKEN,
        code="c",
        redirect_uri=REDIRECT,
        code_verifier=None,
        auth=ClientSecretPost("id", "s"),
        extra={"resource": "https://api"},
    )
    assert _form(req.body)["resource"] == "https://api"


def test_build_with_private_key_jwt(sig_key: jwk.JWK) -> None:
    req = build_token_request(
        TOKEN,
        code="c",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        auth=PrivateKeyJwt("my-client", sig_key),
        now=NOW,
    )
    form = _form(req.body)
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    token = jws.JWS()
    token.deserialize(form["client_assertion"])
    token.verify(sig_key.public())
    claims = json.loads(token.payload)
    assert (claims["aud"], claims["iat"]) == (TOKEN, int(NOW))
    assert req.secret_fields == frozenset({"client_assertion", "code", "code_verifier"})


def test_seed_response_has_no_findings() -> None:
    tokens, findings = process_token_response(_resp(SEED_BODY))
    assert findings == []
    assert tokens.access_token == "SlAV32hkKG"
    assert tokens.token_type == "Bearer"
    assert tokens.id_token == SEED_BODY["id_token"]
    assert tokens.expires_in == 3600
    assert (tokens.refresh_token, tokens.scope) == (None, None)
    assert dict(tokens.raw) == SEED_BODY


def test_refresh_token_and_scope_are_kept() -> None:
    tokens, _ = _process(refresh_token="r", scope="openid profile")
    assert (tokens.refresh_token, tokens.scope) == ("r", "openid profile")


def test_seed_error_example_raises_oauth_error() -> None:
    with pytest.raises(OAuthError) as info:
        process_token_response(_resp({"error": "invalid_request"}, 400))
    assert (info.value.error, info.value.status, info.value.endpoint) == (
        "invalid_request",
        400,
        "token",
    )


def test_itsme_detail_becomes_the_description() -> None:
    with pytest.raises(OAuthError) as info:
        process_token_response(_resp({"error": "unauthorized_client", "detail": "bad aud"}, 400))
    assert info.value.description == "bad aud"


def test_5xx_raises_provider_error() -> None:
    with pytest.raises(ProviderError) as info:
        process_token_response(_resp(b"<html>Bad Gateway</html>", 502))
    assert not isinstance(info.value, MalformedResponse)


def test_not_json_raises_malformed() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_token_response(_resp(b"access_token=abc&token_type=bearer"))
    assert info.value.code == "token.not_json"


def test_not_object_raises_malformed() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_token_response(_resp(["SlAV32hkKG"]))
    assert info.value.code == "token.not_object"


def test_token_type_lowercase_bearer_is_fine() -> None:
    assert _process(token_type="bearer")[1] == []


def test_token_type_not_bearer() -> None:
    _, findings = _process(token_type="DPoP")
    (f,) = findings
    assert (f.id, f.severity) == ("token.token_type_not_bearer", Severity.ERROR)
    assert "'DPoP'" in f.message


def test_token_type_missing() -> None:
    assert _ids(_process(token_type=None)[1]) == ["token.token_type_not_bearer"]


def test_access_token_missing() -> None:
    tokens, findings = _process(access_token=None)
    assert [(f.id, f.severity) for f in findings] == [
        ("token.access_token_missing", Severity.ERROR)
    ]
    assert tokens.access_token is None


def test_access_token_not_a_string() -> None:
    tokens, findings = _process(access_token=12345)
    assert tokens.access_token is None
    assert _ids(findings) == ["token.access_token_missing"]
    assert "int" in findings[0].message and "12345" not in findings[0].message


def test_id_token_missing() -> None:
    _, findings = _process(id_token=None)
    assert [(f.id, f.severity) for f in findings] == [("token.id_token_missing", Severity.ERROR)]


def test_id_token_not_expected_for_plain_oauth() -> None:
    body = {k: v for k, v in SEED_BODY.items() if k != "id_token"}
    assert process_token_response(_resp(body), expect_id_token=False)[1] == []


def test_cache_control_missing() -> None:
    _, findings = process_token_response(
        _resp(SEED_BODY, headers=(("Content-Type", "application/json"),))
    )
    assert [(f.id, f.severity) for f in findings] == [
        ("token.cache_control_missing", Severity.WARNING)
    ]


def test_cache_control_without_no_store() -> None:
    headers = (("Content-Type", "application/json"), ("Cache-Control", "max-age=60"))
    _, findings = process_token_response(_resp(SEED_BODY, headers=headers))
    assert _ids(findings) == ["token.cache_control_missing"]
    assert "max-age=60" in findings[0].message


def test_content_type_not_json() -> None:
    headers = (("Content-Type", "text/plain"), ("Cache-Control", "no-store"))
    _, findings = process_token_response(_resp(SEED_BODY, headers=headers))
    assert [(f.id, f.severity) for f in findings] == [
        ("token.content_type_not_json", Severity.WARNING)
    ]


def test_expires_in_as_string_is_flagged_but_read() -> None:
    tokens, findings = _process(expires_in="3600")
    assert [(f.id, f.severity) for f in findings] == [
        ("token.expires_in_invalid", Severity.WARNING)
    ]
    assert tokens.expires_in == 3600


@pytest.mark.parametrize("value", [-5, 0, True, 1.5, "soon"])
def test_expires_in_invalid(value: Any) -> None:
    tokens, findings = _process(expires_in=value)
    assert _ids(findings) == ["token.expires_in_invalid"]
    assert tokens.expires_in is None


def test_expires_in_absent_is_fine() -> None:
    tokens, findings = _process(expires_in=None)
    assert (tokens.expires_in, findings) == (None, [])
