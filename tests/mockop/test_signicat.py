"""The mock Signicat broker over OIDC (seed 000), and its token endpoint for API clients."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from itsme_debugger.core.keys import public_jwks
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.mockop.signicat import SignicatMockProvider

from .helpers import (
    DEMO_KEYS,
    MOCK_KEYS,
    OTHER_KEYS,
    REDIRECT,
    Rp,
    assert_json_error,
    assert_page_error,
    assert_redirect_error,
    redirect_query,
    with_mock,
)

ITSME = {"scope": "openid profile", "acr_values": "idp:itsme", "prompt": "login"}
BROKER_CLAIMS = {"amr", "sid", "idp", "idp_issuer", "transaction_id", "sandbox"}


def signicat(test: Any, **options: Any) -> None:
    with_mock(test, "signicat", **options)


def plain_client(rp: Rp) -> Rp:
    """A client registered without keys: its ID token is only signed, its UserInfo JSON."""
    assert isinstance(rp.mock, SignicatMockProvider)
    rp.mock.register_client("plain", secret="plain-secret", redirect_uris=[REDIRECT])
    return Rp(rp.mock, rp.http, client_id="plain", secret="plain-secret")


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


# -- discovery and keys ---------------------------------------------------------------------


def test_discovery_has_the_brokers_paths() -> None:
    async def test(rp: Rp) -> None:
        doc = (await rp.http.get(rp.mock.discovery_url)).json()
        issuer = rp.mock.issuer
        assert issuer.endswith("/auth/open")
        assert doc["issuer"] == issuer
        assert doc["authorization_endpoint"] == issuer + "/connect/authorize"
        assert doc["token_endpoint"] == issuer + "/connect/token"
        assert doc["userinfo_endpoint"] == issuer + "/connect/userinfo"
        assert doc["revocation_endpoint"] == issuer + "/connect/revocation"
        assert doc["jwks_uri"] == issuer + "/.well-known/openid-configuration/jwks"
        assert doc["acr_values_supported"] == ["idp:itsme"]
        assert {"name", "profile"} <= set(doc["scopes_supported"])
        assert set(doc["claims_supported"]) >= BROKER_CLAIMS
        keys = (await rp.http.get(doc["jwks_uri"])).json()["keys"]
        assert {k["use"] for k in keys} == {"sig", "enc"}

    signicat(test)


def test_demo_client_has_a_secret_and_an_encryption_key() -> None:
    mock = MockProvider("signicat", keys=MOCK_KEYS, demo_client_keys=DEMO_KEYS)
    assert isinstance(mock, SignicatMockProvider)
    demo = mock.demo_client
    assert demo.auth_method == "client_secret_basic"
    assert demo.secret and demo.private_jwks is not None
    assert mock.api_client.client_id == "demo-api-client" and mock.api_client.secret


def test_rest_outcome_must_be_a_callback() -> None:
    mock = MockProvider("signicat", keys=MOCK_KEYS, demo_client_keys=DEMO_KEYS)
    assert isinstance(mock, SignicatMockProvider)
    with pytest.raises(ValueError, match="success"):
        mock.rest_outcome = "maybe"


# -- the authorization request --------------------------------------------------------------


def test_idp_itsme_goes_straight_to_the_itsme_consent() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(**ITSME)
        assert resp.status_code == 200
        assert "Approve" in resp.text and "Identification" in resp.text
        assert "Choose your electronic ID" not in resp.text
        resp = await rp.authorize(**(ITSME | {"scope": "openid name"}))
        assert "Authentication" in resp.text

    signicat(test, auto_approve=False)


def test_without_acr_values_the_eid_selection_comes_first() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(scope="openid profile")
        assert resp.status_code == 200 and "Choose your electronic ID" in resp.text
        action = rp.mock.issuer + "/connect/authorize/idp"
        transaction = resp.text.split('name="transaction" value="')[1].split('"')[0]
        chosen = await rp.http.post(action, data={"transaction": transaction, "idp": "itsme"})
        assert chosen.status_code == 200 and "Approve" in chosen.text
        transaction = chosen.text.split('name="transaction" value="')[1].split('"')[0]
        decided = await rp.http.post(
            rp.mock.issuer + "/connect/authorize/decision",
            data={"transaction": transaction, "decision": "approve"},
        )
        assert "code" in redirect_query(decided)

    signicat(test, auto_approve=False)


def test_cancel_at_the_eid_selection_is_access_denied() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(scope="openid profile")
        transaction = resp.text.split('name="transaction" value="')[1].split('"')[0]
        cancelled = await rp.http.post(
            rp.mock.issuer + "/connect/authorize/idp",
            data={"transaction": transaction, "idp": "cancel"},
        )
        assert_redirect_error(cancelled, "access_denied")

    signicat(test, auto_approve=False)


def test_eid_choice_with_an_unknown_transaction() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.http.post(
            rp.mock.issuer + "/connect/authorize/idp", data={"transaction": "x", "idp": "itsme"}
        )
        assert_page_error(resp, "invalid_request")

    signicat(test, auto_approve=False)


def test_eid_choice_by_get_is_refused() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.http.get(rp.mock.issuer + "/connect/authorize/idp")
        assert resp.status_code == 405

    signicat(test, auto_approve=False)


def test_another_idp_is_refused() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(**(ITSME | {"acr_values": "idp:nbid"}))
        assert "nbid" in assert_redirect_error(resp, "invalid_request")

    signicat(test)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": "openid eid"}, "invalid_scope"),
        ({"scope": "openid service:TEST_code"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),
        ({"prompt": "sometimes"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"request": "a.b.c.d.e"}, "request_not_supported"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"claims": "{not json"}, "invalid_request"),
        ({"max_age": "soon"}, "invalid_request"),
    ],
)
def test_refused_authorization_requests(changes: dict[str, str], error: str) -> None:
    async def test(rp: Rp) -> None:
        assert_redirect_error(await rp.authorize(**(ITSME | changes)), error)

    signicat(test)


def test_repeated_parameter_is_refused() -> None:
    async def test(rp: Rp) -> None:
        params = [*rp.auth_params(**ITSME).items(), ("scope", "openid")]
        resp = await rp.http.get(rp.metadata["authorization_endpoint"], params=params)
        assert_redirect_error(resp, "invalid_request")

    signicat(test)


def test_unknown_client_is_shown_on_the_page() -> None:
    async def test(rp: Rp) -> None:
        assert_page_error(
            await rp.authorize(**(ITSME | {"client_id": "nobody"})), "invalid_client_id"
        )

    signicat(test)


def test_api_client_cannot_sign_users_in() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(**(ITSME | {"client_id": "demo-api-client"}))
        assert_page_error(resp, "invalid_redirect_uri")

    signicat(test)


def test_access_denied_fault() -> None:
    async def test(rp: Rp) -> None:
        assert_redirect_error(await rp.authorize(**ITSME), "access_denied")

    signicat(test, faults=["access_denied"])


# -- tokens and UserInfo ----------------------------------------------------------------------


def test_encrypting_client_gets_the_brokers_id_token_encrypted() -> None:
    async def test(rp: Rp) -> None:
        body = await rp.tokens(**ITSME)
        claims, header, outer = rp.open(body["id_token"])
        assert outer is not None and outer["alg"].startswith("RSA-OAEP") and outer["cty"] == "JWT"
        assert header["alg"] == "RS256" and header["kid"]
        assert claims["iss"] == rp.mock.issuer and claims["aud"] == "demo-client"
        assert claims["exp"] - claims["iat"] == 600
        assert claims["amr"] == ["external"]
        assert claims["idp"] == "itsme" and claims["sandbox"] is True
        assert claims["idp_issuer"] == "https://idp.e2e.itsme.services/v2"
        assert set(claims) >= BROKER_CLAIMS and "acr" not in claims
        assert claims["nonce"] == "n-1"
        assert claims["name"] == "Maxence Legrand" and claims["birthdate"] == "1981-04-24"
        resp = await rp.userinfo(body["access_token"])
        assert resp.headers["content-type"] == "application/jwt"
        info, _, info_outer = rp.open(resp.text)
        assert info_outer is not None
        assert info["sub"] == claims["sub"] and info["idp_issuer"] == claims["idp_issuer"]

    signicat(test)


def test_client_without_keys_gets_a_signed_id_token_and_json_userinfo() -> None:
    async def test(rp: Rp) -> None:
        plain = plain_client(rp)
        body = await plain.tokens(**(ITSME | {"scope": "openid name"}))
        assert body["id_token"].count(".") == 2
        claims, _, outer = plain.open(body["id_token"])
        assert outer is None
        assert {"name", "given_name", "family_name"} <= set(claims)
        assert "birthdate" not in claims  # openid name: the Authentication service
        resp = await plain.userinfo(body["access_token"])
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == {
            "name": "Maxence Legrand",
            "family_name": "Legrand",
            "given_name": "Maxence",
            "sub": claims["sub"],
            "idp_issuer": "https://idp.e2e.itsme.services/v2",
        }

    signicat(test)


def test_client_secret_basic_and_revocation() -> None:
    async def test(rp: Rp) -> None:
        code = await rp.code(**ITSME)
        assert rp.secret is not None
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": rp.verifier,
        }
        resp = await rp.http.post(
            rp.metadata["token_endpoint"], data=form, headers=basic("demo-client", rp.secret)
        )
        assert resp.status_code == 200, resp.text
        token = resp.json()["access_token"]
        revoke = await rp.http.post(
            rp.mock.issuer + "/connect/revocation",
            data={"token": token},
            headers=basic("demo-client", rp.secret),
        )
        assert revoke.status_code == 200
        assert (await rp.userinfo(token)).status_code == 401

    signicat(test)


def test_private_key_jwt_is_not_accepted() -> None:
    async def test(rp: Rp) -> None:
        rp.secret = None
        resp = await rp.token(await rp.code(**ITSME))
        assert_json_error(resp, 400, "invalid_client")

    signicat(test)


def test_registered_client_with_a_public_jwks_gets_encrypted_tokens() -> None:
    async def test(rp: Rp) -> None:
        rp.mock.register_client(
            "enc", public_jwks=public_jwks(OTHER_KEYS), secret="e", redirect_uris=[REDIRECT]
        )
        enc = Rp(rp.mock, rp.http, client_id="enc", secret="e", keys=OTHER_KEYS)
        body = await enc.tokens(**ITSME)
        assert body["id_token"].count(".") == 4
        assert enc.open(body["id_token"])[0]["aud"] == "enc"

    signicat(test)


# -- API clients at the token endpoint -------------------------------------------------------


async def _api_token(rp: Rp, **form: str) -> httpx.Response:
    assert isinstance(rp.mock, SignicatMockProvider)
    api = rp.mock.api_client
    data = {"grant_type": "client_credentials", "scope": "signicat-api", **form}
    return await rp.http.post(
        rp.mock.token_endpoint, data=data, headers=basic(api.client_id, api.secret)
    )


def test_api_client_gets_an_api_token() -> None:
    async def test(rp: Rp) -> None:
        resp = await _api_token(rp)
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-store"
        body = resp.json()
        assert body["token_type"] == "Bearer" and body["scope"] == "signicat-api"
        assert body["expires_in"] == 600 and "id_token" not in body
        assert (await rp.userinfo(body["access_token"])).status_code == 401

    signicat(test)


def test_api_token_for_another_scope() -> None:
    async def test(rp: Rp) -> None:
        assert_json_error(await _api_token(rp, scope="openid"), 400, "invalid_scope")

    signicat(test)


def test_api_token_with_a_wrong_secret() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.http.post(
            rp.metadata["token_endpoint"],
            data={"grant_type": "client_credentials", "scope": "signicat-api"},
            headers=basic("demo-api-client", "wrong"),
        )
        assert_json_error(resp, 401, "invalid_client")

    signicat(test)


def test_oidc_client_cannot_use_client_credentials() -> None:
    async def test(rp: Rp) -> None:
        assert rp.secret is not None
        resp = await rp.http.post(
            rp.metadata["token_endpoint"],
            data={"grant_type": "client_credentials", "scope": "signicat-api"},
            headers=basic("demo-client", rp.secret),
        )
        assert_json_error(resp, 400, "unauthorized_client")

    signicat(test)


def test_api_client_cannot_redeem_a_code() -> None:
    async def test(rp: Rp) -> None:
        code = await rp.code(**ITSME)
        assert isinstance(rp.mock, SignicatMockProvider)
        api = rp.mock.api_client
        resp = await rp.http.post(
            rp.metadata["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            headers=basic(api.client_id, api.secret),
        )
        assert_json_error(resp, 400, "unauthorized_client")

    signicat(test)


def test_consent_page_posts_back_to_the_provider() -> None:
    async def test(rp: Rp) -> None:
        resp = await rp.authorize(**ITSME)
        action = resp.text.split('action="')[1].split('"')[0]
        assert urljoin(str(resp.url), action).startswith(rp.mock.issuer)

    signicat(test, auto_approve=False)
