"""Token revocation (RFC 7009) requests and answers."""

from __future__ import annotations

import json

import pytest

from itsme_debugger.core.client_auth import ClientSecretBasic, ClientSecretPost
from itsme_debugger.core.errors import MalformedResponse, OAuthError, ProviderError
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.revocation import build_revocation_request, process_revocation_response

REVOKE = "https://oidc.e2e.itsme.services/clientsecret-oidc/csapi/v0.1/connect/revoke"


def test_build_seed_example() -> None:
    req = build_revocation_request(
        REVOKE, "45ghiukldjahdnhzdauz", ClientSecretBasic("s6BhdRkqt3", "gX1fBat3bV")
    )
    assert (req.method, req.url) == ("POST", REVOKE)
    assert req.headers == (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),
    )
    assert req.body == b"token=45ghiukldjahdnhzdauz&token_type_hint=access_token"
    assert req.secret_fields == frozenset({"token", "Authorization"})


def test_build_without_hint_with_post_auth() -> None:
    req = build_revocation_request(REVOKE, "t", ClientSecretPost("id", "s"), token_type_hint=None)
    assert req.body == b"token=t&client_id=id&client_secret=s"
    assert req.secret_fields == frozenset({"token", "client_secret"})


def test_200_has_no_findings() -> None:
    assert process_revocation_response(HttpResponse(200)) == []


def test_error_body_raises_oauth_error() -> None:
    resp = HttpResponse(
        400,
        (("Content-Type", "application/json"),),
        json.dumps({"error": "unsupported_token_type"}).encode(),
    )
    with pytest.raises(OAuthError) as info:
        process_revocation_response(resp)
    assert (info.value.error, info.value.endpoint, info.value.status) == (
        "unsupported_token_type",
        "revocation",
        400,
    )


def test_503_raises_provider_error() -> None:
    with pytest.raises(ProviderError) as info:
        process_revocation_response(HttpResponse(503, (("Retry-After", "10"),)))
    assert info.value.code == "revocation.http_error"


def test_401_without_body_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        process_revocation_response(HttpResponse(401))
