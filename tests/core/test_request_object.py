"""Request objects: every parameter inside, signed then encrypted, read back with jwcrypto."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core.authorize import (
    AuthorizationParams,
    build_authorization_url,
    lint_authorization_request,
    parse_authorization_url,
)
from itsme_debugger.core.claims import ClaimSpec, ClaimsRequest
from itsme_debugger.core.request_object import (
    authorization_params_with_request_object,
    build_request_object,
    request_object_claims,
)

ISSUER = "https://idp.e2e.itsme.services/v2"
NOW = 1_700_000_000
PARAMS = AuthorizationParams(
    client_id="my-client",
    redirect_uri="https://client.example.org/cb",
    scope=("openid", "service:TEST_code", "profile"),
    state="s" * 43,
    nonce="n" * 43,
    code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method="S256",
    max_age=600,
    claims=ClaimsRequest({"given_name": ClaimSpec(essential=True)}, {"email": ClaimSpec()}),
    extra=(("custom", "1"),),
)


@pytest.fixture(scope="module")
def client_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="client-sig", use="sig")


@pytest.fixture(scope="module")
def provider_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="op-enc", use="enc")


def test_claims_carry_every_parameter():
    claims = request_object_claims(PARAMS, client_id="my-client", audience=ISSUER, now=NOW)
    assert claims["response_type"] == "code"
    assert claims["client_id"] == "my-client"
    assert claims["redirect_uri"] == "https://client.example.org/cb"
    assert claims["scope"] == "openid service:TEST_code profile"
    assert claims["state"] == PARAMS.state
    assert claims["nonce"] == PARAMS.nonce
    assert claims["code_challenge_method"] == "S256"
    assert claims["max_age"] == 600
    assert claims["claims"] == {
        "id_token": {"given_name": {"essential": True}},
        "userinfo": {"email": None},
    }
    assert claims["custom"] == "1"


def test_claims_identify_the_client_and_the_provider():
    claims = request_object_claims(
        PARAMS, client_id="my-client", audience=ISSUER, now=NOW, lifetime=60
    )
    assert (claims["iss"], claims["aud"]) == ("my-client", ISSUER)
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 60)
    assert len(claims["jti"]) >= 32


def test_jti_is_fresh():
    a = request_object_claims(PARAMS, client_id="c", audience=ISSUER, now=NOW)
    b = request_object_claims(PARAMS, client_id="c", audience=ISSUER, now=NOW)
    assert a["jti"] != b["jti"]


def test_request_and_request_uri_stay_outside():
    params = AuthorizationParams(
        "c", "https://r/cb", request="x.y.z", request_uri="https://u:443/r"
    )
    claims = request_object_claims(params, client_id="c", audience=ISSUER)
    assert "request" not in claims
    assert "request_uri" not in claims


def test_signed_then_encrypted_round_trip(client_key, provider_key):
    token = build_request_object(
        PARAMS,
        client_id="my-client",
        audience=ISSUER,
        signing_key=client_key,
        encryption_key=provider_key,
        now=NOW,
    )
    assert token.count(".") == 4
    outer = jwe.JWE()
    outer.deserialize(token, key=provider_key)
    header = outer.jose_header
    assert header["cty"] == "JWT"
    assert header["enc"] == "A256CBC-HS512"
    assert header["alg"] == "RSA-OAEP-256"
    assert header["kid"] == "op-enc"
    inner = jws.JWS()
    inner.deserialize(outer.payload.decode())
    inner.verify(client_key)
    assert inner.jose_header["alg"] == "RS256"
    assert inner.jose_header["kid"] == "client-sig"
    claims = json.loads(inner.payload)
    assert claims == request_object_claims(
        PARAMS, client_id="my-client", audience=ISSUER, now=NOW
    ) | {"jti": claims["jti"]}


def test_other_content_encryption(client_key, provider_key):
    token = build_request_object(
        PARAMS,
        client_id="c",
        audience=ISSUER,
        signing_key=client_key,
        encryption_key=provider_key,
        enc="A128GCM",
    )
    outer = jwe.JWE()
    outer.deserialize(token, key=provider_key)
    assert outer.jose_header["enc"] == "A128GCM"


def test_signed_only(client_key):
    token = build_request_object(
        PARAMS, client_id="c", audience=ISSUER, signing_key=client_key, encryption_key=None
    )
    assert token.count(".") == 2
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(client_key)
    assert json.loads(signed.payload)["aud"] == ISSUER


def test_url_params_keep_only_what_oidc_needs_outside():
    outside = authorization_params_with_request_object(PARAMS, "a.b.c.d.e")
    assert outside.to_query() == [
        ("response_type", "code"),
        ("client_id", "my-client"),
        ("scope", "openid service:TEST_code profile"),
        ("request", "a.b.c.d.e"),
    ]


def test_url_with_request_object_parses_back(client_key, provider_key):
    token = build_request_object(
        PARAMS, client_id="c", audience=ISSUER, signing_key=client_key, encryption_key=provider_key
    )
    url = build_authorization_url(
        ISSUER + "/authorization", authorization_params_with_request_object(PARAMS, token)
    )
    _, parsed, findings = parse_authorization_url(url)
    assert findings == []
    assert parsed.request == token
    ids = [f.id for f in lint_authorization_request(parsed, variant="itsme-v2")]
    assert "request.request_object_not_encrypted" not in ids


def test_a_signed_only_request_object_on_the_url_is_flagged_for_itsme(client_key):
    token = build_request_object(
        PARAMS, client_id="c", audience=ISSUER, signing_key=client_key, encryption_key=None
    )
    findings = lint_authorization_request(
        authorization_params_with_request_object(PARAMS, token), variant="itsme-v2"
    )
    assert "request.request_object_not_encrypted" in [f.id for f in findings]
