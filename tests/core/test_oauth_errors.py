"""The error catalogue, explain(), and reading error bodies."""

from __future__ import annotations

import json

import pytest

from itsme_debugger.core.errors import MalformedResponse, OAuthError, ProviderError
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.oauth_errors import (
    explain,
    json_object,
    lookup,
    parse_error_body,
    raise_for_error,
)

CODES = {
    "authorization": [
        "invalid_request",
        "access_denied",
        "login_required",
        "interaction_required",
        "unsupported_request",
        "invalid_client_id",
        "invalid_redirect_uri",
        "unsupported_grant_type",
        "invalid_grant",
        "invalid_scope",
        "unsupported_display",
        "unauthorized_client",
        "unsupported_response_type",
        "invalid_request_object",
        "invalid_request_uri",
        "temporary_unavailable",
        "temporarily_unavailable",
        "server_error",
        "consent_required",
        "account_selection_required",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    ],
    "token": [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ],
    "userinfo": ["invalid_request", "invalid_token", "insufficient_scope"],
    "revocation": [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_token_type",
    ],
}


def _json(status: int, body: object, **headers: str) -> HttpResponse:
    hdrs = (("Content-Type", "application/json"), *headers.items())
    return HttpResponse(status, hdrs, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("endpoint", "code"), [(e, c) for e, codes in CODES.items() for c in codes]
)
def test_every_documented_code_is_in_the_catalogue(endpoint: str, code: str) -> None:
    info = lookup(endpoint, code)
    assert info is not None
    assert info.endpoint == endpoint and info.error == code
    assert info.meaning and info.what_to_do and info.reference


def test_lookup_unknown_code_is_none() -> None:
    assert lookup("token", "access_denied") is None
    assert lookup("nowhere", "invalid_request") is None


def test_explain_known_code_says_meaning_description_and_what_to_do() -> None:
    f = explain("token", "invalid_grant", "code expired", 400)
    assert f.id == "token.error.invalid_grant"
    assert f.severity is Severity.ERROR
    assert "HTTP 400" in f.message
    assert '"code expired"' in f.message
    assert "single-use" in f.message and "3 minutes" in f.message
    assert "redirect_uri" in f.message and "code_verifier" in f.message
    assert f.reference.startswith("itsme v2: Token Endpoint errors")
    assert f.detail == {
        "error": "invalid_grant",
        "error_description": "code expired",
        "status": 400,
    }


def test_explain_unauthorized_client_points_at_the_client_assertion() -> None:
    message = explain("token", "unauthorized_client").message
    for needle in (
        "client_assertion",
        "iss = sub = your client_id",
        "aud = the token endpoint",
        "exp in the future",
        "kid",
    ):
        assert needle in message


def test_explain_access_denied_is_an_error() -> None:
    f = explain("authorization", "access_denied")
    assert f.id == "authorization.error.access_denied"
    assert f.severity is Severity.ERROR


def test_explain_callback_step_reports_authorization_codes() -> None:
    assert explain("callback", "invalid_scope").id == "authorization.error.invalid_scope"


def test_explain_unknown_code() -> None:
    f = explain("token", "slow_down", "wait", 400)
    assert f.id == "token.error.unknown"
    assert f.severity is Severity.ERROR
    assert "slow_down" in f.message and '"wait"' in f.message


def test_explain_unknown_code_with_control_characters_is_quoted() -> None:
    f = explain("userinfo", "bad\ncode")
    assert f.id == "userinfo.error.unknown"
    assert "\n" not in f.message
    assert "'bad\\ncode'" in f.message


def test_explain_without_description_has_no_provider_quote() -> None:
    assert "provider said" not in explain("token", "invalid_client").message


def test_parse_error_body_seed_token_example() -> None:
    assert parse_error_body(_json(400, {"error": "invalid_request"})) == ("invalid_request", "")


def test_parse_error_body_error_description() -> None:
    resp = _json(400, {"error": "invalid_grant", "error_description": "expired"})
    assert parse_error_body(resp) == ("invalid_grant", "expired")


def test_parse_error_body_itsme_detail() -> None:
    resp = _json(400, {"error": "invalid_client", "detail": "bad assertion"})
    assert parse_error_body(resp) == ("invalid_client", "bad assertion")


def test_parse_error_body_www_authenticate() -> None:
    header = (
        'Bearer realm="example", error="invalid_token", error_description="the \\"token\\" expired"'
    )
    resp = HttpResponse(401, (("WWW-Authenticate", header),))
    assert parse_error_body(resp) == ("invalid_token", 'the "token" expired')


def test_parse_error_body_www_authenticate_token_form_after_other_scheme() -> None:
    resp = HttpResponse(
        403, (("WWW-Authenticate", 'Basic realm="x", Bearer error=insufficient_scope'),)
    )
    assert parse_error_body(resp) == ("insufficient_scope", "")


def test_parse_error_body_seed_userinfo_example_has_no_code() -> None:
    resp = HttpResponse(401, (("WWW-Authenticate", 'Bearer realm="example"'),))
    assert parse_error_body(resp) is None


def test_parse_error_body_none_for_html() -> None:
    assert parse_error_body(HttpResponse(502, (), b"<html>Bad gateway</html>")) is None


def test_parse_error_body_none_for_non_string_error() -> None:
    assert parse_error_body(_json(400, {"error": {"code": 7}})) is None


def test_raise_for_error_oauth_error() -> None:
    with pytest.raises(OAuthError) as info:
        raise_for_error(_json(400, {"error": "invalid_grant", "detail": "used"}), "token")
    assert (info.value.error, info.value.description) == ("invalid_grant", "used")
    assert (info.value.status, info.value.endpoint) == (400, "token")


def test_raise_for_error_error_in_a_200_body() -> None:
    with pytest.raises(OAuthError):
        raise_for_error(_json(200, {"error": "server_error"}), "token")


def test_raise_for_error_5xx_is_a_provider_failure() -> None:
    with pytest.raises(ProviderError) as info:
        raise_for_error(
            HttpResponse(503, (), b"<h1>  Service\n unavailable </h1>", "https://op/t"), "token"
        )
    assert not isinstance(info.value, MalformedResponse)
    assert info.value.code == "token.http_error"
    assert "HTTP 503" in info.value.message and "https://op/t" in info.value.message
    assert "<h1> Service unavailable </h1>" in info.value.message


def test_raise_for_error_4xx_without_code_is_malformed() -> None:
    with pytest.raises(MalformedResponse) as info:
        raise_for_error(HttpResponse(404, (), b"Not Found"), "discovery")
    assert info.value.code == "discovery.http_error"


def test_raise_for_error_passes_200() -> None:
    raise_for_error(_json(200, {"ok": True}), "token")


def test_json_object_not_json() -> None:
    with pytest.raises(MalformedResponse) as info:
        json_object(HttpResponse(200, (("Content-Type", "text/html"),), b"<html>"), "token")
    assert info.value.code == "token.not_json"
    assert "text/html" in info.value.message


def test_json_object_not_object() -> None:
    with pytest.raises(MalformedResponse) as info:
        json_object(_json(200, [1, 2]), "jwks")
    assert info.value.code == "jwks.not_object"
