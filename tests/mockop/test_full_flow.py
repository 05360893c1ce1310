"""Whole flows against the mock with plain httpx, as a relying party would run them.

Discovery, JWKS, a signed-then-encrypted request object with the claims parameter and PKCE, the
consent page, private_key_jwt (v2) or a client secret, the encrypted ID token and UserInfo with
the metadata claims, the photo, revocation (client-secret variant), and each endpoint's error.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import json_b64
from itsme_debugger.core.jose import derive_secret_key
from itsme_debugger.core.pkce import challenge_s256, make_verifier
from itsme_debugger.mockop.provider import MockProvider

from .helpers import DEMO_KEYS, ITSME, JWT_BEARER, MOCK_KEYS

REDIRECT = "http://127.0.0.1:8765/callback"
CLAIMS = {
    "id_token": {
        "given_name": {"essential": True},
        "family_name": None,
        ITSME + "BENationalNumber": None,
        ITSME + "verificationDate": None,
    },
    "userinfo": {
        ITSME + "physical_person_photo": None,
        ITSME + "IDDocumentSN": None,
        ITSME + "validityTo": None,
        ITSME + "IDIssuingCountry": None,
    },
}


class Client:
    """Just enough of a relying party, driven by the discovery document."""

    def __init__(self, http: httpx.AsyncClient, mock: MockProvider) -> None:
        self.http = http
        self.mock = mock
        self.demo = mock.demo_client
        self.doc: dict[str, Any] = {}
        self.provider_keys = jwk.JWKSet()

    async def discover(self) -> None:
        self.doc = (await self.http.get(self.mock.discovery_url)).json()
        jwks = (await self.http.get(self.doc["jwks_uri"])).text
        self.provider_keys = jwk.JWKSet.from_json(jwks)

    def client_auth(self) -> tuple[dict[str, str], httpx.Auth]:
        """Form fields and Basic credentials for the token and revocation requests."""
        if self.demo.secret is not None:
            return {}, httpx.BasicAuth(self.demo.client_id, self.demo.secret)
        assert self.demo.private_jwks is not None
        now = int(time.time())
        assertion = seal.sign(
            {
                "iss": self.demo.client_id,
                "sub": self.demo.client_id,
                "aud": self.doc["token_endpoint"],
                "exp": now + 60,
                "iat": now,
                "jti": secrets.token_urlsafe(16),
            },
            seal.key_for(self.demo.private_jwks, "sig", private=True),
            alg="RS256",
        )
        return {"client_assertion_type": JWT_BEARER, "client_assertion": assertion}, httpx.Auth()

    def open(self, token: str) -> dict[str, Any]:
        """Decrypt (RSA or dir), then verify with the provider's key named by kid."""
        header = json_b64(token.split(".")[0])
        assert token.count(".") == 4 and header["cty"] == "JWT"
        if self.demo.secret is not None:
            assert (header["alg"], header["enc"]) == ("dir", "A256GCM")
            key = derive_secret_key(self.demo.secret, "dir", "A256GCM")
        else:
            assert self.demo.private_jwks is not None
            key = seal.key_for(self.demo.private_jwks, "enc", private=True)
        outer = jwe.JWE()
        outer.deserialize(token, key=key)
        inner = bytes(outer.payload).decode()
        kid = json_b64(inner.split(".")[0])["kid"]
        signed = jws.JWS()
        signed.deserialize(inner)
        signed.verify(self.provider_keys.get_key(kid), alg="RS256")
        claims: dict[str, Any] = json.loads(signed.payload)
        return claims


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _approve(page: str) -> dict[str, str]:
    marker = 'name="transaction" value="'
    start = page.index(marker) + len(marker)
    return {"transaction": page[start : page.index('"', start)], "decision": "approve"}


async def _flow(variant: str) -> None:
    mock = MockProvider(variant, keys=MOCK_KEYS, demo_client_keys=DEMO_KEYS)
    async with mock, httpx.AsyncClient(trust_env=False, timeout=10) as http:
        rp = Client(http, mock)
        await rp.discover()
        verifier = make_verifier()
        params = {
            "client_id": rp.demo.client_id,
            "response_type": "code",
            "scope": f"openid service:{mock.service_code} profile eid",
            "redirect_uri": REDIRECT,
            "state": "state-42",
            "nonce": "nonce-42",
            "code_challenge": challenge_s256(verifier),
            "code_challenge_method": "S256",
            "acr_values": ITSME + "acr_advanced",
            "ui_locales": "nl fr",
            "claims": json.dumps(CLAIMS),
        }
        if rp.demo.private_jwks is not None:
            # v2: every parameter in a request object, signed then encrypted to the provider.
            now = int(time.time())
            obj_claims: dict[str, Any] = {**params, "claims": CLAIMS, "iss": rp.demo.client_id}
            obj_claims |= {"aud": mock.issuer, "exp": now + 120, "iat": now}
            provider_enc = next(k for k in rp.provider_keys["keys"] if k.get("use") == "enc")
            request = seal.sign_then_encrypt(
                obj_claims,
                seal.key_for(rp.demo.private_jwks, "sig", private=True),
                provider_enc,
                enc_alg="RSA-OAEP-256",
            )
            keep = ("client_id", "response_type", "scope")
            params = {k: params[k] for k in keep} | {"request": request}

        consent = await http.get(rp.doc["authorization_endpoint"], params=params)
        assert consent.status_code == 200 and "Approve" in consent.text
        decision_url = rp.doc["authorization_endpoint"] + "/decision"
        back = await http.post(decision_url, data=_approve(consent.text))
        assert back.status_code == 302 and back.headers["location"].startswith(REDIRECT)
        answer = _query(back.headers["location"])
        assert answer["state"] == "state-42" and answer["iss"] == mock.issuer
        assert len(answer["code"]) == 36

        form, basic = rp.client_auth()
        form |= {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        token = await http.post(rp.doc["token_endpoint"], data=form, auth=basic)
        assert token.status_code == 200, token.text
        body = token.json()
        assert body["token_type"] == "Bearer"

        id_claims = rp.open(body["id_token"])
        assert id_claims["iss"] == mock.issuer and id_claims["aud"] == rp.demo.client_id
        assert id_claims["nonce"] == "nonce-42" and id_claims["acr"] == ITSME + "acr_advanced"
        assert id_claims["given_name"] == "George" and id_claims["family_name"] == "Tǎnka"
        assert id_claims[ITSME + "BENationalNumber"] == "99060427181"
        assert set(id_claims[ITSME + "verificationDate"]) == {
            "given_name",
            "family_name",
            ITSME + "BENationalNumber",
        }

        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        userinfo = await http.get(rp.doc["userinfo_endpoint"], headers=bearer)
        assert userinfo.headers["content-type"] == "application/jwt"
        info = rp.open(userinfo.text)
        assert info["sub"] == id_claims["sub"]
        assert info["name"] == "George Tǎnka"  # profile scope
        assert info[ITSME + "BEeidSn"] == "431522485012"  # eid scope
        photo = info[ITSME + "physical_person_photo"]
        assert photo["format"] == "image/jpeg"
        # metadata describes the released attributes it applies to, scope ones included
        assert info[ITSME + "validityTo"] == {
            ITSME + "BEeidSn": "2028-11-10T00:00:00Z",
            ITSME + "IDDocumentSN": "2028-11-10T00:00:00Z",
        }
        countries = info[ITSME + "IDIssuingCountry"]
        assert {ITSME + "physical_person_photo", ITSME + "IDDocumentSN", "name"} <= set(countries)
        assert "locale" in info and "locale" not in countries

        picture = await http.get(info["picture"], headers=bearer)
        assert picture.headers["content-type"] == "image/jpeg"
        assert picture.content == base64.b64decode(photo["value"])

        if "revocation_endpoint" in rp.doc:
            form, basic = rp.client_auth()
            form |= {"token": body["access_token"], "token_type_hint": "access_token"}
            revoked = await http.post(rp.doc["revocation_endpoint"], data=form, auth=basic)
            assert revoked.status_code == 200
            again = await http.get(rp.doc["userinfo_endpoint"], headers=bearer)
            assert again.status_code == 401


def test_full_flow_itsme_v2() -> None:
    asyncio.run(_flow("itsme-v2"))


def test_full_flow_itsme_client_secret() -> None:
    asyncio.run(_flow("itsme-secret"))


async def _errors(variant: str) -> None:
    mock = MockProvider(variant, keys=MOCK_KEYS, demo_client_keys=DEMO_KEYS)
    async with mock, httpx.AsyncClient(trust_env=False, timeout=10) as http:
        rp = Client(http, mock)
        await rp.discover()
        page = await http.get(rp.doc["authorization_endpoint"], params={"client_id": "nobody"})
        assert page.status_code == 400 and "invalid_client_id" in page.text
        bad_scope = await http.get(
            rp.doc["authorization_endpoint"],
            params={
                "client_id": "demo-client",
                "redirect_uri": REDIRECT,
                "state": "s",
                "response_type": "code",
                "scope": "openid",
            },
        )
        assert _query(bad_scope.headers["location"])["error"] == "invalid_scope"
        form, basic = rp.client_auth()
        form |= {"grant_type": "authorization_code", "code": "0" * 36, "redirect_uri": REDIRECT}
        token = await http.post(rp.doc["token_endpoint"], data=form, auth=basic)
        assert (token.status_code, token.json()["error"]) == (400, "invalid_grant")
        userinfo = await http.get(
            rp.doc["userinfo_endpoint"], headers={"Authorization": "Bearer nope"}
        )
        assert userinfo.status_code == 401 and userinfo.json()["error"] == "invalid_token"
        if "revocation_endpoint" in rp.doc:
            form, basic = rp.client_auth()
            revoke = await http.post(rp.doc["revocation_endpoint"], data=form, auth=basic)
            assert (revoke.status_code, revoke.json()["error"]) == (400, "invalid_request")


def test_error_answers_of_each_endpoint_itsme_v2() -> None:
    asyncio.run(_errors("itsme-v2"))


def test_error_answers_of_each_endpoint_itsme_client_secret() -> None:
    asyncio.run(_errors("itsme-secret"))
