"""A tiny relying party for the mock's tests: plain httpx + jwcrypto + core.seal.

The mock is the provider; these helpers are the client. Keys are generated once per test
session (RSA generation is slow) and passed to every mock.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import json_b64
from itsme_debugger.core.jose import derive_secret_key
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.core.pkce import challenge_s256, make_verifier
from itsme_debugger.mockop.provider import MockProvider

MOCK_KEYS = generate_client_keys()
DEMO_KEYS = generate_client_keys()
OTHER_KEYS = generate_client_keys()
ITSME = "http://itsme.services/v2/claim/"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REDIRECT = "http://127.0.0.1:8765/callback"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Rp:
    """The client side of one test, against one running mock."""

    mock: MockProvider
    http: httpx.AsyncClient
    clock: Callable[[], float] = time.time
    client_id: str = "demo-client"
    redirect_uri: str = REDIRECT
    keys: jwk.JWKSet | None = None
    secret: str | None = None
    verifier: str = field(default_factory=make_verifier)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            "authorization_endpoint": self.mock.issuer + self.mock.variant.authorization,
            "token_endpoint": self.mock.issuer + self.mock.variant.token,
            "userinfo_endpoint": self.mock.issuer + self.mock.variant.userinfo,
        }

    def auth_params(self, **extra: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": f"openid service:{self.mock.service_code} profile eid",
            "redirect_uri": self.redirect_uri,
            "state": "st-1",
            "nonce": "n-1",
            "code_challenge": challenge_s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    async def authorize(self, **extra: str | None) -> httpx.Response:
        return await self.http.get(
            self.metadata["authorization_endpoint"], params=self.auth_params(**extra)
        )

    async def code(self, **extra: str | None) -> str:
        resp = await self.authorize(**extra)
        assert resp.status_code == 302, resp.text
        query = redirect_query(resp)
        assert "code" in query, query
        return query["code"]

    def assertion(self, **claims: Any) -> str:
        assert self.keys is not None
        now = int(self.clock())
        body: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.metadata["token_endpoint"],
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return seal.sign(body, seal.key_for(self.keys, "sig", private=True), alg="RS256")

    def client_auth(self) -> dict[str, str]:
        if self.secret is not None:
            return {"client_id": self.client_id, "client_secret": self.secret}
        return {"client_assertion_type": JWT_BEARER, "client_assertion": self.assertion()}

    async def token(self, code: str | None, **extra: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
            **self.client_auth(),
        }
        form.update(extra)
        data = {k: v for k, v in form.items() if v is not None}
        return await self.http.post(self.metadata["token_endpoint"], data=data)

    async def tokens(self, **extra: str | None) -> dict[str, Any]:
        """A whole authorization + token exchange; the token response body."""
        resp = await self.token(await self.code(**extra))
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    async def userinfo(self, access_token: str) -> httpx.Response:
        return await self.http.get(
            self.metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )

    def open(self, token: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
        """Decrypt and verify a mock token: (claims, JWS header, JWE header or None)."""
        outer: dict[str, Any] | None = None
        if token.count(".") == 4:
            outer = json_b64(token.split(".")[0])
            assert outer is not None
            if outer["alg"] == "dir":
                assert self.secret is not None
                key = derive_secret_key(self.secret, "dir", outer["enc"])
            else:
                assert self.keys is not None
                key = seal.key_for(self.keys, "enc", private=True)
            obj = jwe.JWE()
            obj.deserialize(token, key=key)
            token = bytes(obj.payload).decode()
        header = json_b64(token.split(".")[0])
        signed = jws.JWS()
        signed.deserialize(token)
        signed.verify(jwk.JWKSet.from_json(json.dumps(self.mock.jwks())).get_key(header["kid"]))
        return json.loads(signed.payload), header, outer


def redirect_query(resp: httpx.Response) -> dict[str, str]:
    location = resp.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def assert_redirect_error(resp: httpx.Response, error: str, *, state: str | None = "st-1") -> str:
    """The response redirects back with ``error``; returns its description."""
    assert resp.status_code == 302, resp.text
    query = redirect_query(resp)
    assert query.get("error") == error, query
    assert query.get("state") == state
    assert query["iss"]
    return query.get("error_description", "")


def assert_page_error(resp: httpx.Response, error: str) -> None:
    """The error is shown on the sign-in page, not redirected."""
    assert resp.status_code == 400, resp.text
    assert "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert error in resp.text


def assert_json_error(resp: httpx.Response, status: int, error: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error, body
    return str(body.get("error_description", ""))


def with_mock(
    test: Callable[[Rp], Awaitable[None]],
    variant: str = "itsme-v2",
    *,
    auto_approve: bool = True,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> None:
    """Run ``test`` against a fresh mock on port 0, as the demo client."""

    async def main() -> None:
        mock = MockProvider(
            variant,
            auto_approve=auto_approve,
            clock=clock,
            keys=MOCK_KEYS,
            demo_client_keys=DEMO_KEYS,
            **options,
        )
        async with mock, httpx.AsyncClient(trust_env=False, timeout=10) as http:
            rp = Rp(
                mock,
                http,
                clock=clock,
                keys=mock.demo_client.private_jwks,
                secret=mock.demo_client.secret,
            )
            await test(rp)

    asyncio.run(main())
