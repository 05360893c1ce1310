"""Request objects at the mock's authorization endpoint: ``request`` and ``request_uri``."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.jose import derive_secret_key
from itsme_debugger.core.pkce import challenge_s256

from .helpers import (
    OTHER_KEYS,
    Rp,
    assert_page_error,
    assert_redirect_error,
    redirect_query,
    with_mock,
)

#: Query parameters a request object makes unnecessary (they are inside it).
_INSIDE = {"state": None, "nonce": None, "code_challenge": None, "code_challenge_method": None}


def _mock_enc_key(rp: Rp) -> jwk.JWK:
    entry = next(k for k in rp.mock.jwks()["keys"] if k["use"] == "enc")
    return jwk.JWK(**entry)


def request_object(
    rp: Rp,
    *,
    sign_with: jwk.JWK | None = None,
    encrypt_to: jwk.JWK | None = None,
    signed_only: bool = False,
    **claims: Any,
) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": rp.client_id,
        "aud": rp.mock.issuer,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(12),
        "client_id": rp.client_id,
        "response_type": "code",
        "scope": rp.auth_params()["scope"],
        "redirect_uri": rp.redirect_uri,
        "state": "st-1",
        "nonce": "n-object",
        "code_challenge": challenge_s256(rp.verifier),
        "code_challenge_method": "S256",
        "max_age": 600,
        "claims": {"id_token": {"given_name": {"essential": True}}},
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    assert rp.keys is not None
    key = sign_with or seal.key_for(rp.keys, "sig", private=True)
    if signed_only:
        return seal.sign(body, key, alg="RS256")
    return seal.sign_then_encrypt(
        body, key, encrypt_to or _mock_enc_key(rp), enc_alg="RSA-OAEP-256", enc="A256CBC-HS512"
    )


async def _authorize_with(rp: Rp, obj: str, **query: str | None) -> Any:
    return await rp.authorize(request=obj, **{**_INSIDE, "redirect_uri": None, **query})


def test_request_object_is_accepted_and_its_parameters_are_used() -> None:
    async def t(rp: Rp) -> None:
        resp = await _authorize_with(rp, request_object(rp))
        query = redirect_query(resp)
        assert query["state"] == "st-1"
        assert rp.mock.last_authorization_params["nonce"] == "n-object"
        body = (await rp.token(query["code"])).json()
        claims = rp.open(body["id_token"])[0]
        assert claims["nonce"] == "n-object" and claims["given_name"] == "George"

    with_mock(t)


def test_request_object_parameters_repeated_identically_in_the_query_are_accepted() -> None:
    async def t(rp: Rp) -> None:
        claims = json.dumps({"id_token": {"given_name": {"essential": True}}}, indent=1)
        resp = await rp.authorize(
            request=request_object(rp), nonce="n-object", max_age="600", claims=claims
        )
        assert "code" in redirect_query(resp)

    with_mock(t)


def test_request_object_contradicted_by_the_query_is_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await _authorize_with(rp, request_object(rp), scope="openid service:TEST_code eid")
        description = assert_redirect_error(resp, "invalid_request")
        assert description == "Oauth2 parameters do not match Request object: scope"

    with_mock(t)


def test_request_object_only_signed_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, signed_only=True)
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "encrypted" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_with_the_token_endpoint_as_aud_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, aud=rp.metadata["token_endpoint"])
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "aud" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_from_another_iss_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, iss="someone-else")
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "iss" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_expired_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, exp=int(time.time()) - 10)
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "expired" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_without_exp_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, exp=None)
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_signed_with_an_unknown_key_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, sign_with=seal.key_for(OTHER_KEYS, "sig", private=True))
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "JWKS" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_request_object_encrypted_to_another_key_is_invalid_request_object() -> None:
    async def t(rp: Rp) -> None:
        obj = request_object(rp, encrypt_to=seal.key_for(OTHER_KEYS, "enc"))
        resp = await _authorize_with(rp, obj, redirect_uri=rp.redirect_uri)
        assert "decrypted" in assert_redirect_error(resp, "invalid_request_object", state=None)

    with_mock(t)


def test_bad_request_object_without_a_redirect_uri_is_shown_on_the_page() -> None:
    async def t(rp: Rp) -> None:
        resp = await _authorize_with(rp, request_object(rp, signed_only=True))
        assert_page_error(resp, "invalid_request_object")

    with_mock(t)


def test_request_and_request_uri_together_are_invalid_request() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(request="x", request_uri="https://rp.example:443/r")
        assert_redirect_error(resp, "invalid_request")

    with_mock(t)


def test_request_object_of_a_secret_client_hs256_and_dir_is_accepted() -> None:
    async def t(rp: Rp) -> None:
        assert rp.secret is not None
        mac = jwk.JWK(kty="oct", k=b64url_encode(rp.secret.encode()))
        now = int(time.time())
        body = {"iss": rp.client_id, "aud": rp.mock.issuer, "exp": now + 60, "nonce": "n-hs"}
        inner = seal.sign(body, mac, alg="HS256")
        obj = seal.encrypt(
            inner,
            derive_secret_key(rp.secret, "dir", "A128CBC-HS256"),
            alg="dir",
            enc="A128CBC-HS256",
            cty="JWT",
        )
        resp = await rp.authorize(request=obj, nonce=None)
        assert "code" in redirect_query(resp)
        assert rp.mock.last_authorization_params["nonce"] == "n-hs"

    with_mock(t, "itsme-secret")


# -- request_uri -------------------------------------------------------------------------------


def test_request_uri_is_fetched_and_its_object_used() -> None:
    fetched: list[str] = []

    async def t(rp: Rp) -> None:
        obj = request_object(rp)

        async def fetch(uri: str) -> str:
            fetched.append(uri)
            return obj

        rp.mock.fetch_request_uri = fetch
        resp = await rp.authorize(request_uri="https://rp.example:443/req/1", **_INSIDE)
        assert "code" in redirect_query(resp)
        assert fetched == ["https://rp.example:443/req/1"]
        assert rp.mock.last_authorization_params["nonce"] == "n-object"

    with_mock(t)


def _request_uri_case(uri: str, fragment: str) -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.authorize(request_uri=uri)
        assert fragment in assert_redirect_error(resp, "invalid_request_uri")

    with_mock(t)


def test_request_uri_over_http_is_invalid_request_uri() -> None:
    _request_uri_case("http://rp.example:443/r", "https")


def test_request_uri_without_port_443_is_invalid_request_uri() -> None:
    _request_uri_case("https://rp.example/r", "443")


def test_request_uri_on_another_port_is_invalid_request_uri() -> None:
    _request_uri_case("https://rp.example:8443/r", "443")


def test_request_uri_on_localhost_is_invalid_request_uri() -> None:
    _request_uri_case("https://localhost:443/r", "localhost")


def test_request_uri_on_a_loopback_address_is_invalid_request_uri() -> None:
    _request_uri_case("https://127.0.0.1:443/r", "localhost")


def test_request_uri_that_cannot_be_fetched_is_invalid_request_uri() -> None:
    async def t(rp: Rp) -> None:
        async def fetch(uri: str) -> str:
            raise ValueError("it answered HTTP 404")

        rp.mock.fetch_request_uri = fetch
        resp = await rp.authorize(request_uri="https://rp.example:443/gone")
        assert "404" in assert_redirect_error(resp, "invalid_request_uri")

    with_mock(t)
