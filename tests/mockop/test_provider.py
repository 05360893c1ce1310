"""The mock provider's endpoints: each happy path and each error code, one test per case."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from itsme_debugger._resources import resource
from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.keys import public_jwks
from itsme_debugger.core.pkce import make_verifier
from itsme_debugger.mockop.provider import MockProvider

from .helpers import (
    ITSME,
    MOCK_KEYS,
    OTHER_KEYS,
    Clock,
    Rp,
    assert_json_error,
    assert_page_error,
    assert_redirect_error,
    redirect_query,
    with_mock,
)

ACR_ADVANCED = ITSME + "acr_advanced"

# -- discovery and keys ---------------------------------------------------------------------


def test_discovery_v2_has_the_itsme_paths_and_capabilities() -> None:
    async def t(rp: Rp) -> None:
        doc = (await rp.http.get(rp.mock.discovery_url)).json()
        issuer = rp.mock.issuer
        assert issuer == f"http://127.0.0.1:{rp.mock.port}/v2"
        assert doc["issuer"] == issuer
        assert doc["authorization_endpoint"] == issuer + "/authorization"
        assert doc["token_endpoint"] == issuer + "/token"
        assert doc["userinfo_endpoint"] == issuer + "/userinfo"
        assert doc["jwks_uri"] == issuer + "/jwkSet"
        assert "revocation_endpoint" not in doc
        assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert doc["response_types_supported"] == ["code"]
        assert "service" in doc["scopes_supported"]
        assert ITSME + "BENationalNumber" in doc["claims_supported"]
        assert doc["acr_values_supported"] == [ITSME + "acr_basic", ACR_ADVANCED]
        assert doc["ui_locales_supported"] == ["fr", "nl", "de", "en"]
        assert doc["claims_parameter_supported"] is True
        assert doc["request_parameter_supported"] is True
        assert doc["request_uri_parameter_supported"] is True
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]

    with_mock(t)


def test_discovery_secret_variant_has_the_client_secret_paths_and_revocation() -> None:
    async def t(rp: Rp) -> None:
        doc = (await rp.http.get(rp.mock.discovery_url)).json()
        issuer = rp.mock.issuer
        assert issuer.endswith("/clientsecret-oidc/csapi/v0.1")
        assert doc["authorization_endpoint"] == issuer + "/connect/authorize"
        assert doc["token_endpoint"] == issuer + "/connect/token"
        assert doc["userinfo_endpoint"] == issuer + "/connect/userinfo"
        assert doc["revocation_endpoint"] == issuer + "/connect/revoke"
        assert set(doc["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
        assert doc["id_token_encryption_alg_values_supported"] == ["dir"]
        assert doc["id_token_encryption_enc_values_supported"] == ["A256GCM"]

    with_mock(t, "itsme-secret")


def test_jwks_publishes_only_public_signing_and_encryption_keys() -> None:
    async def t(rp: Rp) -> None:
        doc = (await rp.http.get(rp.mock.issuer + "/jwkSet")).json()
        uses = sorted(k["use"] for k in doc["keys"])
        assert uses == ["enc", "sig"]
        assert all("d" not in k and k["kty"] == "RSA" and k["kid"] for k in doc["keys"])

    with_mock(t)


def test_rotate_signing_key_publishes_the_new_key_and_signs_with_it() -> None:
    async def t(rp: Rp) -> None:
        old = rp.mock.signing_kid
        new = rp.mock.rotate_signing_key()
        kids = [k["kid"] for k in (await rp.http.get(rp.mock.issuer + "/jwkSet")).json()["keys"]]
        assert old in kids and new in kids and new != old
        _, header, _ = rp.open((await rp.tokens())["id_token"])
        assert header["kid"] == new

    with_mock(t)


def test_unknown_path_is_404() -> None:
    async def t(rp: Rp) -> None:
        assert (await rp.http.get(rp.mock.issuer + "/nothing")).status_code == 404

    with_mock(t)


def test_wrong_method_is_405() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.get(rp.metadata["token_endpoint"])
        assert resp.status_code == 405
        assert resp.headers["allow"] == "POST"

    with_mock(t)


# -- authorization: errors shown on the sign-in page ----------------------------------------


def test_authorize_missing_client_id_is_shown_on_the_page() -> None:
    async def t(rp: Rp) -> None:
        assert_page_error(await rp.authorize(client_id=None), "unauthorized_client")

    with_mock(t)


def test_authorize_unknown_client_id_is_shown_on_the_page() -> None:
    async def t(rp: Rp) -> None:
        assert_page_error(await rp.authorize(client_id="nobody"), "invalid_client_id")

    with_mock(t)


def test_authorize_missing_redirect_uri_is_shown_on_the_page() -> None:
    async def t(rp: Rp) -> None:
        assert_page_error(await rp.authorize(redirect_uri=None), "invalid_redirect_uri")

    with_mock(t)


def test_authorize_non_loopback_redirect_uri_of_demo_client_is_shown_on_the_page() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(redirect_uri="https://evil.example/cb")
        assert_page_error(resp, "invalid_redirect_uri")

    with_mock(t)


def test_registered_client_needs_an_exact_redirect_uri_match() -> None:
    async def t(rp: Rp) -> None:
        rp.mock.register_client(
            "rp-2", public_jwks=public_jwks(OTHER_KEYS), redirect_uris=["https://rp.example/cb"]
        )
        ok = await rp.authorize(client_id="rp-2", redirect_uri="https://rp.example/cb")
        assert ok.status_code == 302 and "code" in redirect_query(ok)
        bad = await rp.authorize(client_id="rp-2", redirect_uri="https://rp.example/CB")
        assert_page_error(bad, "invalid_redirect_uri")

    with_mock(t)


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:50123/callback",
        "http://localhost:8080/cb?x=1",
        "http://[::1]:9/cb",
        "http://127.0.0.1/",
    ],
)
def test_demo_client_accepts_any_loopback_redirect_uri(uri: str) -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(redirect_uri=uri)
        assert resp.status_code == 302
        assert resp.headers["location"].startswith(uri.split("?")[0])

    with_mock(t)


# -- authorization: errors redirected back -------------------------------------------------


def _redirect_case(extra: dict[str, str | None], error: str) -> None:
    async def t(rp: Rp) -> None:
        assert_redirect_error(await rp.authorize(**extra), error)

    with_mock(t)


def test_authorize_missing_response_type() -> None:
    _redirect_case({"response_type": None}, "invalid_request")


def test_authorize_unsupported_response_type() -> None:
    _redirect_case({"response_type": "id_token"}, "unsupported_response_type")


def test_authorize_missing_scope() -> None:
    _redirect_case({"scope": None}, "invalid_scope")


def test_authorize_scope_without_openid() -> None:
    _redirect_case({"scope": "service:TEST_code profile"}, "invalid_scope")


def test_authorize_scope_without_service() -> None:
    _redirect_case({"scope": "openid profile"}, "invalid_scope")


def test_authorize_scope_with_another_service_code() -> None:
    _redirect_case({"scope": "openid service:OTHER"}, "invalid_scope")


def test_authorize_unknown_scope() -> None:
    _redirect_case({"scope": "openid service:TEST_code offline_access"}, "invalid_scope")


def test_authorize_pkce_plain_is_invalid_request() -> None:
    _redirect_case({"code_challenge_method": "plain"}, "invalid_request")


def test_authorize_pkce_challenge_without_method_is_invalid_request() -> None:
    _redirect_case({"code_challenge_method": None}, "invalid_request")


def test_authorize_pkce_malformed_challenge_is_invalid_request() -> None:
    _redirect_case({"code_challenge": "short"}, "invalid_request")


def test_authorize_display_other_than_page() -> None:
    _redirect_case({"display": "popup"}, "unsupported_display")


def test_authorize_unknown_acr_value() -> None:
    _redirect_case({"acr_values": "urn:other:acr"}, "invalid_request")


def test_authorize_prompt_none_is_login_required() -> None:
    _redirect_case({"prompt": "none"}, "login_required")


def test_authorize_unknown_prompt_value() -> None:
    _redirect_case({"prompt": "sometimes"}, "invalid_request")


def test_authorize_max_age_not_a_number() -> None:
    _redirect_case({"max_age": "soon"}, "invalid_request")


def test_authorize_malformed_claims_json() -> None:
    _redirect_case({"claims": '{"id_token": {'}, "invalid_request")


def test_authorize_claims_of_the_wrong_shape() -> None:
    _redirect_case({"claims": '{"id_token": ["name"]}'}, "invalid_request")


def test_authorize_response_mode_form_post_is_unsupported() -> None:
    _redirect_case({"response_mode": "form_post"}, "unsupported_request")


def test_authorize_repeated_parameter() -> None:
    async def t(rp: Rp) -> None:
        url = httpx.URL(rp.metadata["authorization_endpoint"], params=rp.auth_params())
        resp = await rp.http.get(str(url) + "&scope=openid")
        assert "scope" in assert_redirect_error(resp, "invalid_request")

    with_mock(t)


def test_authorize_error_without_state_has_no_state() -> None:
    async def t(rp: Rp) -> None:
        assert_redirect_error(
            await rp.authorize(state=None, display="x"), "unsupported_display", state=None
        )

    with_mock(t)


def test_authorize_redirect_keeps_the_query_of_the_redirect_uri() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(redirect_uri="http://127.0.0.1:9/cb?tenant=a")
        query = redirect_query(resp)
        assert query["tenant"] == "a" and len(query["code"]) == 36

    with_mock(t)


def test_authorize_success_carries_code_state_and_iss() -> None:
    async def t(rp: Rp) -> None:
        query = redirect_query(await rp.authorize())
        assert len(query["code"]) == 36
        assert query["state"] == "st-1"
        assert query["iss"] == rp.mock.issuer
        assert rp.mock.last_authorization_params["nonce"] == "n-1"

    with_mock(t)


def test_authorize_accepts_a_form_post() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.post(rp.metadata["authorization_endpoint"], data=rp.auth_params())
        assert resp.status_code == 302 and "code" in redirect_query(resp)

    with_mock(t)


# -- consent page ---------------------------------------------------------------------------

_CLAIMS = json.dumps(
    {
        "id_token": {"given_name": {"essential": True}, ITSME + "BENationalNumber": None},
        "userinfo": {ITSME + "physical_person_photo": None},
    }
)


def test_consent_page_summarises_client_service_scopes_and_claims() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(claims=_CLAIMS)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/html")
        page = resp.text
        for text in (
            "demo-client",
            "TEST_code",
            "profile",
            "Given name",
            "National number",
            "ID photo",
            "essential",
            "Approve",
            "Deny",
            "George",
        ):
            assert text in page, text
        assert 'method="post"' in page and "/v2/authorization/decision" in page

    with_mock(t, auto_approve=False)


def _decision_form(page: str, decision: str) -> dict[str, str]:
    marker = 'name="transaction" value="'
    start = page.index(marker) + len(marker)
    return {"transaction": page[start : page.index('"', start)], "decision": decision}


def test_consent_approve_form_post_redirects_with_a_code() -> None:
    async def t(rp: Rp) -> None:
        page = (await rp.authorize()).text
        resp = await rp.http.post(
            rp.mock.issuer + "/authorization/decision", data=_decision_form(page, "approve")
        )
        query = redirect_query(resp)
        assert resp.status_code == 302 and len(query["code"]) == 36
        assert query["state"] == "st-1"
        assert (await rp.token(query["code"])).status_code == 200

    with_mock(t, auto_approve=False)


def test_consent_deny_form_post_redirects_access_denied() -> None:
    async def t(rp: Rp) -> None:
        page = (await rp.authorize()).text
        resp = await rp.http.post(
            rp.mock.issuer + "/authorization/decision", data=_decision_form(page, "deny")
        )
        assert_redirect_error(resp, "access_denied")

    with_mock(t, auto_approve=False)


def test_consent_transaction_is_single_use() -> None:
    async def t(rp: Rp) -> None:
        form = _decision_form((await rp.authorize()).text, "approve")
        url = rp.mock.issuer + "/authorization/decision"
        assert (await rp.http.post(url, data=form)).status_code == 302
        assert_page_error(await rp.http.post(url, data=form), "invalid_request")

    with_mock(t, auto_approve=False)


def test_consent_unknown_decision_is_refused() -> None:
    async def t(rp: Rp) -> None:
        form = _decision_form((await rp.authorize()).text, "maybe")
        resp = await rp.http.post(rp.mock.issuer + "/authorization/decision", data=form)
        assert_page_error(resp, "invalid_request")

    with_mock(t, auto_approve=False)


# -- codes and the token endpoint -----------------------------------------------------------


def test_token_success_answers_bearer_tokens_that_are_not_cached() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code())
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-store"
        assert resp.headers["pragma"] == "no-cache"
        body = resp.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        assert body["access_token"] and body["id_token"].count(".") == 4
        assert rp.mock.tokens_issued == 1 and rp.mock.codes_redeemed == 1

    with_mock(t)


def test_code_expires_after_three_minutes() -> None:
    clock = Clock()

    async def t(rp: Rp) -> None:
        code = await rp.code()
        clock.now += 181
        assert "expired" in assert_json_error(await rp.token(code), 400, "invalid_grant")

    with_mock(t, clock=clock)


def test_code_is_still_good_just_before_three_minutes() -> None:
    clock = Clock()

    async def t(rp: Rp) -> None:
        code = await rp.code()
        clock.now += 179
        assert (await rp.token(code)).status_code == 200

    with_mock(t, clock=clock)


def test_code_second_use_is_invalid_grant_and_revokes_the_tokens() -> None:
    async def t(rp: Rp) -> None:
        code = await rp.code()
        first = (await rp.token(code)).json()
        assert (await rp.userinfo(first["access_token"])).status_code == 200
        assert "already used" in assert_json_error(await rp.token(code), 400, "invalid_grant")
        assert (await rp.userinfo(first["access_token"])).status_code == 401

    with_mock(t)


def test_code_is_bound_to_the_redirect_uri() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), redirect_uri="http://127.0.0.1:9/other")
        assert_json_error(resp, 400, "invalid_grant")

    with_mock(t)


def test_code_is_bound_to_the_client() -> None:
    async def t(rp: Rp) -> None:
        code = await rp.code()
        rp.mock.register_client(
            "rp-2", public_jwks=public_jwks(OTHER_KEYS), redirect_uris=[rp.redirect_uri]
        )
        rp.client_id, rp.keys = "rp-2", OTHER_KEYS
        assert_json_error(await rp.token(code), 400, "invalid_grant")

    with_mock(t)


def test_token_pkce_verifier_mismatch() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), code_verifier=make_verifier())
        assert "code_challenge" in assert_json_error(resp, 400, "invalid_grant")

    with_mock(t)


def test_token_pkce_verifier_missing() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), code_verifier=None)
        assert_json_error(resp, 400, "invalid_grant")

    with_mock(t)


def test_token_without_pkce_works_when_the_authorization_had_none() -> None:
    async def t(rp: Rp) -> None:
        code = await rp.code(code_challenge=None, code_challenge_method=None)
        assert (await rp.token(code, code_verifier=None)).status_code == 200

    with_mock(t)


def test_token_redirect_uri_missing() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), redirect_uri=None)
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_token_grant_type_missing() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), grant_type=None)
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_token_unsupported_grant_type() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code(), grant_type="refresh_token")
        assert_json_error(resp, 400, "unsupported_grant_type")

    with_mock(t)


def test_token_code_missing() -> None:
    async def t(rp: Rp) -> None:
        assert_json_error(await rp.token(None), 400, "invalid_request")

    with_mock(t)


def test_token_unknown_code() -> None:
    async def t(rp: Rp) -> None:
        assert_json_error(await rp.token("x" * 36), 400, "invalid_grant")

    with_mock(t)


def test_token_body_that_is_not_a_form() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.post(rp.metadata["token_endpoint"], json={"code": "x"})
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_token_repeated_parameter() -> None:
    async def t(rp: Rp) -> None:
        code = await rp.code()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": rp.verifier,
            **rp.client_auth(),
        }
        body = httpx.QueryParams(form).add("code", code)
        resp = await rp.http.post(
            rp.metadata["token_endpoint"],
            content=str(body),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert "repeated" in assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


# -- ID token -------------------------------------------------------------------------------


def test_id_token_is_signed_rs256_then_encrypted_to_the_client() -> None:
    async def t(rp: Rp) -> None:
        claims, header, outer = rp.open((await rp.tokens())["id_token"])
        assert header == {"alg": "RS256", "kid": rp.mock.signing_kid}
        assert outer is not None
        assert (outer["alg"], outer["enc"], outer["cty"]) == ("RSA-OAEP", "A128CBC-HS256", "JWT")
        assert claims["iss"] == rp.mock.issuer

    with_mock(t)


def test_id_token_has_the_protocol_claims() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens()
        claims, _, _ = rp.open(body["id_token"])
        assert claims["sub"] == "e3xad7upx64grm14ttpnx4c586ve8gy0gp38"
        assert claims["aud"] == "demo-client"
        assert claims["nonce"] == "n-1"
        assert claims["exp"] == claims["iat"] + 300
        assert claims["nbf"] == claims["iat"] and claims["auth_time"] <= claims["iat"]
        assert claims["acr"] == ITSME + "acr_basic"
        digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
        assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    with_mock(t)


def test_id_token_acr_is_the_most_constraining_requested() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens(acr_values=f"{ITSME}acr_basic {ACR_ADVANCED}")
        assert rp.open(body["id_token"])[0]["acr"] == ACR_ADVANCED

    with_mock(t)


def test_id_token_has_no_nonce_when_none_was_sent() -> None:
    async def t(rp: Rp) -> None:
        assert "nonce" not in rp.open((await rp.tokens(nonce=None))["id_token"])[0]

    with_mock(t)


def test_id_token_returns_requested_claims_with_metadata_for_them_only() -> None:
    request = {
        "id_token": {
            "birthdate": None,
            "given_name": None,
            ITSME + "verificationDate": None,
            ITSME + "IDIssuingCountry": None,
        }
    }

    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens(claims=json.dumps(request)))["id_token"])[0]
        assert claims["birthdate"] == "1978-11-01" and claims["given_name"] == "George"
        assert claims[ITSME + "verificationDate"] == {
            "birthdate": "2023-04-12T15:02:23Z",
            "given_name": "2023-04-12T15:02:23Z",
        }
        assert claims[ITSME + "IDIssuingCountry"] == {"birthdate": "BEL", "given_name": "BEL"}
        assert "family_name" not in claims  # profile claims go to UserInfo, not the ID token

    with_mock(t)


def test_metadata_requested_alone_returns_nothing() -> None:
    request = {"id_token": {ITSME + "verificationDate": None, ITSME + "validityTo": None}}

    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens(claims=json.dumps(request)))["id_token"])[0]
        assert ITSME + "verificationDate" not in claims
        assert ITSME + "validityTo" not in claims

    with_mock(t)


def test_validity_to_only_describes_the_document_numbers() -> None:
    request = {
        "id_token": {
            "birthdate": None,
            ITSME + "BEeidSn": None,
            ITSME + "IDDocumentSN": None,
            ITSME + "validityTo": None,
            ITSME + "validityFrom": None,
        }
    }

    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens(claims=json.dumps(request)))["id_token"])[0]
        assert claims[ITSME + "validityTo"] == {
            ITSME + "BEeidSn": "2028-11-10T00:00:00Z",
            ITSME + "IDDocumentSN": "2028-11-10T00:00:00Z",
        }
        assert claims[ITSME + "validityFrom"] == {ITSME + "BEeidSn": "2018-11-08T00:00:00Z"}

    with_mock(t)


# -- UserInfo and the picture ---------------------------------------------------------------


def test_userinfo_returns_scope_claims_requested_claims_and_their_metadata() -> None:
    request = {
        "userinfo": {
            ITSME + "IDDocumentSN": None,
            ITSME + "issuance_locality": None,
            ITSME + "verificationDate": None,
        }
    }

    async def t(rp: Rp) -> None:
        body = await rp.tokens(claims=json.dumps(request), scope="openid service:TEST_code eid")
        resp = await rp.userinfo(body["access_token"])
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/jwt"
        claims, _, outer = rp.open(resp.text)
        assert outer is not None
        assert claims["sub"] == "e3xad7upx64grm14ttpnx4c586ve8gy0gp38"
        assert claims["iss"] == rp.mock.issuer and claims["aud"] == "demo-client"
        assert claims[ITSME + "BENationalNumber"] == "99060427181"
        assert claims[ITSME + "BEeidSn"] == "431522485012"
        assert claims[ITSME + "IDDocumentSN"] == "431522485012"
        assert set(claims[ITSME + "issuance_locality"]) == {
            ITSME + "BEeidSn",
            ITSME + "IDDocumentSN",
        }
        assert set(claims[ITSME + "verificationDate"]) == {
            ITSME + "BENationalNumber",
            ITSME + "BEeidSn",
            ITSME + "IDDocumentSN",
        }
        assert "name" not in claims  # no profile scope

    with_mock(t)


def test_userinfo_profile_scope_gives_the_profile_claims_and_the_picture_url() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens(scope="openid service:TEST_code profile email phone address")
        claims = rp.open((await rp.userinfo(body["access_token"])).text)[0]
        assert claims["name"] == "George Tǎnka" and claims["family_name"] == "Tǎnka"
        assert claims["picture"] == rp.mock.issuer + "/picture"
        assert claims["email"] == "test@itsme.be" and claims["email_verified"] is False
        assert claims["phone_number"] == "+32 485694175"
        assert claims["address"]["postal_code"] == "3700"

    with_mock(t)


def test_userinfo_without_a_token_is_401_invalid_token() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.get(rp.metadata["userinfo_endpoint"])
        assert_json_error(resp, 401, "invalid_token")
        assert 'error="invalid_token"' in resp.headers["www-authenticate"]
        assert resp.headers["www-authenticate"].startswith("Bearer ")

    with_mock(t)


def test_userinfo_unknown_token_is_401_invalid_token() -> None:
    async def t(rp: Rp) -> None:
        assert_json_error(await rp.userinfo("not-a-token"), 401, "invalid_token")

    with_mock(t)


def test_userinfo_expired_token_is_401_invalid_token() -> None:
    clock = Clock()

    async def t(rp: Rp) -> None:
        body = await rp.tokens()
        clock.now += 3601
        resp = await rp.userinfo(body["access_token"])
        assert "expired" in assert_json_error(resp, 401, "invalid_token")

    with_mock(t, clock=clock)


def test_userinfo_token_in_header_and_body_is_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["access_token"]
        resp = await rp.http.post(
            rp.metadata["userinfo_endpoint"],
            data={"access_token": token},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_userinfo_accepts_the_token_in_a_form_body() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["access_token"]
        resp = await rp.http.post(rp.metadata["userinfo_endpoint"], data={"access_token": token})
        assert resp.status_code == 200

    with_mock(t)


def test_picture_is_the_seed_photo_behind_the_bearer_token() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["access_token"]
        resp = await rp.http.get(
            rp.mock.issuer + "/picture", headers={"Authorization": f"Bearer {token}"}
        )
        user = json.loads(resource("mock_user.json").read_text(encoding="utf-8"))
        photo = base64.b64decode(user["claims"][ITSME + "physical_person_photo"]["value"])
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
        assert resp.content == photo and photo.startswith(b"\xff\xd8")

    with_mock(t)


def test_picture_without_a_token_is_401() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.get(rp.mock.issuer + "/picture")
        assert_json_error(resp, 401, "invalid_token")

    with_mock(t)


def test_picture_without_profile_or_photo_consent_is_403_insufficient_scope() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens(scope="openid service:TEST_code eid"))["access_token"]
        resp = await rp.http.get(
            rp.mock.issuer + "/picture", headers={"Authorization": f"Bearer {token}"}
        )
        assert_json_error(resp, 403, "insufficient_scope")

    with_mock(t)


# -- revocation (client-secret variant) -----------------------------------------------------


def _revoke(rp: Rp, **form: str) -> httpx.Request:
    return rp.http.build_request("POST", rp.mock.issuer + "/connect/revoke", data=form)


def test_revoke_makes_the_access_token_unusable() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["access_token"]
        assert rp.secret is not None
        resp = await rp.http.post(
            rp.mock.issuer + "/connect/revoke",
            data={"token": token, "token_type_hint": "access_token"},
            auth=(rp.client_id, rp.secret),
        )
        assert resp.status_code == 200
        assert_json_error(await rp.userinfo(token), 401, "invalid_token")

    with_mock(t, "itsme-secret")


def test_revoke_unknown_token_is_200() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.send(_revoke(rp, token="unknown", **rp.client_auth()))
        assert resp.status_code == 200

    with_mock(t, "itsme-secret")


def test_revoke_missing_token_is_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.send(_revoke(rp, **rp.client_auth()))
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t, "itsme-secret")


def test_revoke_unsupported_token_type_hint() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.send(
            _revoke(rp, token="x", token_type_hint="id_token", **rp.client_auth())
        )
        assert_json_error(resp, 400, "unsupported_token_type")

    with_mock(t, "itsme-secret")


def test_revoke_with_a_wrong_secret_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.send(
            _revoke(rp, token="x", client_id=rp.client_id, client_secret="wrong")
        )
        assert_json_error(resp, 400, "invalid_client")

    with_mock(t, "itsme-secret")


def test_revoke_a_token_of_another_client_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["access_token"]
        rp.mock.register_client("rp-2", secret="s2", redirect_uris=[rp.redirect_uri])
        resp = await rp.http.send(_revoke(rp, token=token, client_id="rp-2", client_secret="s2"))
        assert_json_error(resp, 400, "unauthorized_client")
        assert (await rp.userinfo(token)).status_code == 200

    with_mock(t, "itsme-secret")


def test_v2_has_no_revocation_endpoint() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.post(rp.mock.issuer + "/connect/revoke", data={"token": "x"})
        assert resp.status_code == 404

    with_mock(t)


# -- configuration --------------------------------------------------------------------------


def test_register_client_at_v2_needs_a_public_jwks() -> None:
    mock = MockProvider(keys=MOCK_KEYS, demo_client_keys=OTHER_KEYS)
    with pytest.raises(ConfigError, match="JWKS"):
        mock.register_client("rp-2", secret="s", redirect_uris=["https://rp.example/cb"])


def test_register_client_with_a_secret_at_v2_is_refused() -> None:
    mock = MockProvider(keys=MOCK_KEYS, demo_client_keys=OTHER_KEYS)
    with pytest.raises(ConfigError, match="no use"):
        mock.register_client(
            "rp-2",
            public_jwks=public_jwks(OTHER_KEYS),
            secret="s",
            redirect_uris=["https://rp.example/cb"],
        )


def test_register_client_at_the_secret_variant_needs_a_secret() -> None:
    mock = MockProvider("itsme-secret", keys=MOCK_KEYS)
    with pytest.raises(ConfigError, match="secret"):
        mock.register_client("rp-2", redirect_uris=["https://rp.example/cb"])


def test_register_client_with_an_unreadable_jwks() -> None:
    mock = MockProvider(keys=MOCK_KEYS, demo_client_keys=OTHER_KEYS)
    with pytest.raises(ConfigError, match="JWKS"):
        mock.register_client(
            "rp-2", public_jwks={"keys": [{"kty": "RSA"}]}, redirect_uris=["https://rp.example/cb"]
        )


def test_register_client_needs_a_redirect_uri() -> None:
    mock = MockProvider(keys=MOCK_KEYS, demo_client_keys=OTHER_KEYS)
    with pytest.raises(ConfigError, match="redirect URI"):
        mock.register_client("rp-2", public_jwks=public_jwks(OTHER_KEYS))


def test_unknown_variant_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown mock variant"):
        MockProvider("itsme-v3", keys=MOCK_KEYS)


def test_signicat_variant_is_the_broker_subclass() -> None:
    from itsme_debugger.mockop.signicat import SignicatMockProvider

    mock = MockProvider("signicat", keys=MOCK_KEYS, demo_client_keys=OTHER_KEYS)
    assert isinstance(mock, SignicatMockProvider)
    assert mock.variant.base_path == "/auth/open"


def test_demo_client_of_the_secret_variant_has_a_secret_and_no_keys() -> None:
    mock = MockProvider("itsme-secret", keys=MOCK_KEYS)
    demo = mock.demo_client
    assert demo.secret and demo.private_jwks is None and demo.public_jwks is None
    assert demo.auth_method == "client_secret_post"
    assert demo.redirect_uri == "http://127.0.0.1:8765/callback"


# -- junk never crashes the server ----------------------------------------------------------

_BASE = (
    "client_id=demo-client&response_type=code&scope=openid+service:TEST_code"
    "&redirect_uri=http://127.0.0.1:1/cb"
)
_JUNK = [
    "",
    "client_id=%00&redirect_uri=%ff",
    "client_id=demo-client&redirect_uri=http://127.0.0.1:99999999/cb",
    "client_id=demo-client&redirect_uri=http://[::1/cb",
    _BASE + "&request=a.b.c.d.e",
    _BASE + "&request=e30.e30.e30",
    _BASE + "&request=" + "A" * 8000,
    _BASE + "&request_uri=https://[x:443/",
    _BASE + "&claims=" + "[" * 5000,
    _BASE + "&claims=%ff%fe",
    _BASE + "&max_age=" + "9" * 400,
    _BASE + "&code_challenge=%00&code_challenge_method=S256",
    _BASE + "&acr_values=%20%20&prompt=%20&ui_locales=%ff",
]


@pytest.mark.parametrize("query", _JUNK)
def test_junk_authorization_requests_get_an_error_answer(query: str) -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.get(rp.metadata["authorization_endpoint"] + "?" + query)
        assert resp.status_code in (302, 400), resp.text

    with_mock(t)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00",
        b"grant_type=authorization_code&client_assertion_type=x&client_assertion=\xff",
        b"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        b"&client_assertion=e30.W10.e30",
        b"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        b"&client_assertion=a.b.c.d.e",
    ],
)
def test_junk_token_requests_get_an_error_answer(body: bytes) -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.http.post(
            rp.metadata["token_endpoint"],
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert resp.status_code in (400, 401), resp.text
        assert resp.json()["error"]

    with_mock(t)


@pytest.mark.parametrize("authorization", ["Basic !!!", "Basic " + "YQ==", "Bearer", "Digest x"])
def test_junk_authorization_headers_get_an_error_answer(authorization: str) -> None:
    async def t(rp: Rp) -> None:
        for url in (rp.metadata["token_endpoint"], rp.metadata["userinfo_endpoint"]):
            resp = await rp.http.post(
                url,
                data={"grant_type": "authorization_code"},
                headers={"Authorization": authorization},
            )
            assert 400 <= resp.status_code < 500, resp.text

    with_mock(t, "itsme-secret")
