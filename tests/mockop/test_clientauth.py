"""Client authentication at the mock's token endpoint: private_key_jwt (v2) and secrets."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import quote_plus

import httpx
from jwcrypto import jwk

from itsme_debugger.core import seal

from .helpers import JWT_BEARER, OTHER_KEYS, Rp, assert_json_error, with_mock


async def _token_with(rp: Rp, **auth: str | None) -> httpx.Response:
    """A token request for a fresh code, with ``auth`` instead of the usual client auth."""
    code = await rp.code()
    form: dict[str, Any] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier,
        **auth,
    }
    data = {k: v for k, v in form.items() if v is not None}
    return await rp.http.post(rp.metadata["token_endpoint"], data=data)


async def _with_assertion(rp: Rp, assertion: str) -> httpx.Response:
    return await _token_with(rp, client_assertion_type=JWT_BEARER, client_assertion=assertion)


# -- private_key_jwt -------------------------------------------------------------------------


def test_assertion_signed_then_encrypted_to_the_provider_is_accepted() -> None:
    async def t(rp: Rp) -> None:
        assert rp.keys is not None
        enc = next(k for k in rp.mock.jwks()["keys"] if k["use"] == "enc")
        inner = rp.assertion()
        outer = seal.encrypt(inner, jwk.JWK(**enc), alg="RSA-OAEP-256", cty="JWT")
        assert (await _with_assertion(rp, outer)).status_code == 200

    with_mock(t)


def test_assertion_with_the_issuer_as_aud_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(aud=rp.mock.issuer))
        description = assert_json_error(resp, 400, "unauthorized_client")
        assert rp.metadata["token_endpoint"] in description
        assert "issuer is not accepted" in description

    with_mock(t)


def test_assertion_with_another_aud_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(
            rp, rp.assertion(aud="https://idp.prd.itsme.services/v2/token")
        )
        assert "aud" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_with_aud_as_a_list_holding_the_token_endpoint_is_accepted() -> None:
    async def t(rp: Rp) -> None:
        aud = [rp.metadata["token_endpoint"], "https://other.example"]
        assert (await _with_assertion(rp, rp.assertion(aud=aud))).status_code == 200

    with_mock(t)


def test_assertion_expired_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(exp=int(time.time()) - 5))
        assert "expired" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_without_exp_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(exp=None))
        assert "exp" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_jti_replayed_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        assertion = rp.assertion(jti="once")
        assert (await _with_assertion(rp, assertion)).status_code == 200
        resp = await _with_assertion(rp, assertion)
        assert "replay" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_jti_longer_than_255_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(jti="j" * 256))
        assert "255" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_without_jti_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(jti=None))
        assert "jti" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_sub_other_than_client_id_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(sub="someone"))
        assert "sub" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_from_an_unknown_client_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _with_assertion(rp, rp.assertion(iss="nobody", sub="nobody"))
        assert_json_error(resp, 400, "invalid_client")

    with_mock(t)


def test_assertion_signed_with_a_key_not_in_the_client_jwks_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        rp.keys = OTHER_KEYS
        resp = await _with_assertion(rp, rp.assertion())
        assert "JWKS" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_signed_hs256_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        mac = jwk.JWK(kty="oct", k="c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA")
        now = int(time.time())
        claims = {
            "iss": rp.client_id,
            "sub": rp.client_id,
            "aud": rp.metadata["token_endpoint"],
            "exp": now + 60,
            "jti": "hs",
        }
        resp = await _with_assertion(rp, seal.sign(claims, mac, alg="HS256"))
        assert "HS256" in assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_with_a_client_id_other_than_its_iss_is_unauthorized_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(
            rp,
            client_id="someone",
            client_assertion_type=JWT_BEARER,
            client_assertion=rp.assertion(),
        )
        assert_json_error(resp, 400, "unauthorized_client")

    with_mock(t)


def test_assertion_type_other_than_jwt_bearer_is_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_assertion_type="saml", client_assertion=rp.assertion())
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_assertion_type_without_an_assertion_is_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_assertion_type=JWT_BEARER)
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


def test_no_client_authentication_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_id=rp.client_id)
        assert "private_key_jwt" in assert_json_error(resp, 400, "invalid_client")

    with_mock(t)


def test_client_secret_at_the_v2_endpoint_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_id=rp.client_id, client_secret="s")
        assert "not supported" in assert_json_error(resp, 400, "invalid_client")

    with_mock(t)


def test_two_authentication_methods_are_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(
            rp,
            client_secret="s",
            client_assertion_type=JWT_BEARER,
            client_assertion=rp.assertion(),
        )
        assert "more than one" in assert_json_error(resp, 400, "invalid_request")

    with_mock(t)


# -- client secret ---------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def _token_basic(rp: Rp, headers: dict[str, str], **form: str) -> httpx.Response:
    code = await rp.code()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "code_verifier": rp.verifier,
        **form,
    }
    return await rp.http.post(rp.metadata["token_endpoint"], data=data, headers=headers)


def test_client_secret_basic_is_accepted() -> None:
    async def t(rp: Rp) -> None:
        assert rp.secret is not None
        resp = await _token_basic(rp, _basic(rp.client_id, rp.secret))
        assert resp.status_code == 200

    with_mock(t, "itsme-secret")


def test_client_secret_basic_decodes_form_encoded_credentials() -> None:
    async def t(rp: Rp) -> None:
        rp.mock.register_client("rp:2 é", secret="s&c:ret", redirect_uris=[rp.redirect_uri])
        rp.client_id = "rp:2 é"
        resp = await _token_basic(rp, _basic("rp:2 é", "s&c:ret"))
        assert resp.status_code == 200, resp.text

    with_mock(t, "itsme-secret")


def test_client_secret_post_is_accepted() -> None:
    async def t(rp: Rp) -> None:
        assert rp.secret is not None
        resp = await _token_with(rp, client_id=rp.client_id, client_secret=rp.secret)
        assert resp.status_code == 200

    with_mock(t, "itsme-secret")


def test_client_secret_basic_wrong_secret_is_401_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_basic(rp, _basic(rp.client_id, "wrong"))
        assert_json_error(resp, 401, "invalid_client")
        assert resp.headers["www-authenticate"].startswith("Basic")

    with_mock(t, "itsme-secret")


def test_client_secret_basic_malformed_is_401_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_basic(rp, {"Authorization": "Basic bm8tY29sb24"})
        assert_json_error(resp, 401, "invalid_client")

    with_mock(t, "itsme-secret")


def test_client_secret_post_wrong_secret_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_id=rp.client_id, client_secret="wrong")
        assert_json_error(resp, 400, "invalid_client")

    with_mock(t, "itsme-secret")


def test_client_secret_of_an_unknown_client_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_id="nobody", client_secret="s")
        assert_json_error(resp, 400, "invalid_client")

    with_mock(t, "itsme-secret")


def test_client_assertion_at_the_secret_endpoint_is_invalid_client() -> None:
    async def t(rp: Rp) -> None:
        resp = await _token_with(rp, client_assertion_type=JWT_BEARER, client_assertion="a.b.c")
        assert "not supported" in assert_json_error(resp, 400, "invalid_client")

    with_mock(t, "itsme-secret")


def test_basic_and_post_secrets_together_are_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        assert rp.secret is not None
        resp = await _token_basic(
            rp, _basic(rp.client_id, rp.secret), client_id=rp.client_id, client_secret=rp.secret
        )
        assert_json_error(resp, 400, "invalid_request")

    with_mock(t, "itsme-secret")
