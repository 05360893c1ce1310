"""The end-to-end harness works: oidc-provider on loopback, the browser bot, the profile writer.

The client in this file is a plain one written from the specs with httpx and jwcrypto (plus the
package's PKCE and signing helpers), not the debugger's flow engine: when these tests fail, the
harness is broken, not the engine.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core import pkce, seal
from itsme_debugger.net.httpserver import HttpServer, Request, Response

from . import browser_bot
from .conftest import BOT, NATIONAL_NUMBER, PHOTO, E2EClient, E2EProvider, write_profile

pytestmark = pytest.mark.end2end

ID_TOKEN_CLAIMS = {NATIONAL_NUMBER: None, "given_name": {"essential": True}}
USERINFO_CLAIMS = {"family_name": None, "birthdate": None, PHOTO: None}


@dataclass(frozen=True)
class Authorization:
    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str


# ---------------------------------------------------------------------------------------------
# A plain client


def _http() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10.0)


def _metadata(provider: E2EProvider) -> dict[str, Any]:
    with _http() as http:
        data: dict[str, Any] = http.get(provider.discovery_url).raise_for_status().json()
    return data


def _provider_keys(metadata: dict[str, Any]) -> jwk.JWKSet:
    with _http() as http:
        return jwk.JWKSet.from_json(http.get(metadata["jwks_uri"]).raise_for_status().text)


def _client_keys(client: E2EClient) -> jwk.JWKSet:
    assert client.private_jwks_path is not None
    return jwk.JWKSet.from_json(client.private_jwks_path.read_text(encoding="utf-8"))


def _authorization(
    metadata: dict[str, Any], provider: E2EProvider, client: E2EClient, *, use_pkce: bool = True
) -> Authorization:
    state, nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(16), ""
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": f"openid service:{provider.service_code} profile eid",
        "state": state,
        "nonce": nonce,
        "claims": json.dumps({"id_token": ID_TOKEN_CLAIMS, "userinfo": USERINFO_CLAIMS}),
    }
    if use_pkce:
        verifier = pkce.make_verifier()
        params |= {"code_challenge": pkce.challenge_s256(verifier), "code_challenge_method": "S256"}
    url = f"{metadata['authorization_endpoint']}?{urlencode(params)}"
    return Authorization(url, state, nonce, verifier)


async def _capture(client: E2EClient, url: str, bot_args: tuple[str, ...] | None) -> dict[str, str]:
    """Listen on the client's redirect URI, let the bot play the user, return the query.

    ``bot_args`` None runs the bot in this process; a tuple runs ``browser_bot.py`` as a
    command with those options, the way ``--open-with`` does.
    """
    captured: list[dict[str, str]] = []

    async def handler(request: Request) -> Response:
        captured.append(request.query)
        return Response.html("<p>Done. You may close this window.</p>")

    async with HttpServer(handler, port=client.redirect_port):
        if bot_args is None:
            await asyncio.to_thread(browser_bot.run, url, timeout=20)
        else:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(BOT), *bot_args, url, stderr=asyncio.subprocess.PIPE
            )
            _, err = await asyncio.wait_for(proc.communicate(), 30)
            assert proc.returncode == 0, err.decode()
    assert len(captured) == 1, captured
    return captured[0]


def _run_bot(
    client: E2EClient, url: str, bot_args: tuple[str, ...] | None = None
) -> dict[str, str]:
    return asyncio.run(_capture(client, url, bot_args))


def _client_auth(client: E2EClient, audience: str) -> dict[str, str]:
    if client.auth_method == "client_secret_post":
        assert client.client_secret is not None
        return {"client_id": client.client_id, "client_secret": client.client_secret}
    now = int(time.time())
    assertion = seal.sign(
        {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        },
        seal.key_for(_client_keys(client), "sig", alg="RS256", private=True),
        alg="RS256",
    )
    return {
        "client_id": client.client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


def _token_request(
    metadata: dict[str, Any], client: E2EClient, code: str, verifier: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": verifier,
        **_client_auth(client, metadata["token_endpoint"]),
    }
    with _http() as http:
        return http.post(metadata["token_endpoint"], data=form)


def _tokens(metadata: dict[str, Any], client: E2EClient, code: str, verifier: str) -> Tokens:
    response = _token_request(metadata, client, code, verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    return Tokens(body["access_token"], body["id_token"])


def _decrypt(token: str, client: E2EClient, enc: str) -> str:
    """The nested JWS inside a JWE made for the client's encryption key."""
    outer = jwe.JWE()
    outer.deserialize(token, key=seal.key_for(_client_keys(client), "enc", private=True))
    header = outer.jose_header
    assert (header["alg"], header["enc"], header.get("cty")) == ("RSA-OAEP", enc, "JWT")
    return bytes(outer.payload).decode("utf-8")


def _verify(token: str, provider_keys: jwk.JWKSet) -> dict[str, Any]:
    """The claims of a JWS signed (RS256) by one of the provider's keys, found by kid."""
    signed = jws.JWS()
    signed.deserialize(token)
    header = signed.jose_header
    assert header["alg"] == "RS256"
    signed.verify(provider_keys.get_key(header["kid"]), alg="RS256")
    claims: dict[str, Any] = json.loads(signed.payload)
    return claims


def _userinfo(metadata: dict[str, Any], access_token: str) -> httpx.Response:
    with _http() as http:
        return http.get(
            metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
        )


def _revoke(metadata: dict[str, Any], client: E2EClient, access_token: str) -> None:
    form = {
        "token": access_token,
        "token_type_hint": "access_token",
        **_client_auth(client, metadata["token_endpoint"]),
    }
    with _http() as http:
        response = http.post(metadata["revocation_endpoint"], data=form)
    assert response.status_code == 200, response.text


def _check_id_token(
    claims: dict[str, Any], provider: E2EProvider, client: E2EClient, nonce: str
) -> None:
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == client.client_id
    assert claims["sub"] == provider.subject
    assert claims["nonce"] == nonce
    assert claims["exp"] > time.time()
    assert claims[NATIONAL_NUMBER] == "99060427181"
    assert claims["given_name"] == "George"


# ---------------------------------------------------------------------------------------------
# The provider and a whole flow, once per client


def test_provider_publishes_itsme_like_metadata(oidc_provider: E2EProvider) -> None:
    metadata = _metadata(oidc_provider)
    assert metadata["issuer"] == oidc_provider.issuer
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["claims_parameter_supported"] is True
    assert metadata["request_parameter_supported"] is True
    assert f"service:{oidc_provider.service_code}" in metadata["scopes_supported"]
    assert "eid" in metadata["scopes_supported"]
    assert NATIONAL_NUMBER in metadata["claims_supported"]
    assert "RSA-OAEP" in metadata["id_token_encryption_alg_values_supported"]
    assert metadata["revocation_endpoint"].startswith(oidc_provider.issuer)


def test_private_key_jwt_flow_with_encrypted_id_token_and_userinfo(
    oidc_provider: E2EProvider,
) -> None:
    client = oidc_provider.clients["e2e-pkjwt"]
    metadata = _metadata(oidc_provider)
    provider_keys = _provider_keys(metadata)
    auth = _authorization(metadata, oidc_provider, client)

    query = _run_bot(client, auth.url, bot_args=())
    assert query["state"] == auth.state
    assert query["iss"] == oidc_provider.issuer
    tokens = _tokens(metadata, client, query["code"], auth.verifier)

    assert tokens.id_token.count(".") == 4  # a JWE
    id_claims = _verify(_decrypt(tokens.id_token, client, "A128CBC-HS256"), provider_keys)
    _check_id_token(id_claims, oidc_provider, client, auth.nonce)

    response = _userinfo(metadata, tokens.access_token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jwt")
    userinfo = _verify(_decrypt(response.text, client, "A256CBC-HS512"), provider_keys)
    assert userinfo["sub"] == oidc_provider.subject
    assert userinfo["family_name"] == "Tǎnka"
    assert userinfo["birthdate"] == "1978-11-01"
    assert userinfo[PHOTO]["format"] == "image/png"

    _revoke(metadata, client, tokens.access_token)
    assert _userinfo(metadata, tokens.access_token).status_code == 401


def test_client_secret_post_flow_with_signed_id_token_and_json_userinfo(
    oidc_provider: E2EProvider,
) -> None:
    client = oidc_provider.clients["e2e-secret"]
    metadata = _metadata(oidc_provider)
    auth = _authorization(metadata, oidc_provider, client)

    query = _run_bot(client, auth.url)
    assert query["state"] == auth.state
    tokens = _tokens(metadata, client, query["code"], auth.verifier)

    assert tokens.id_token.count(".") == 2  # a JWS
    id_claims = _verify(tokens.id_token, _provider_keys(metadata))
    _check_id_token(id_claims, oidc_provider, client, auth.nonce)

    response = _userinfo(metadata, tokens.access_token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["family_name"] == "Tǎnka"

    _revoke(metadata, client, tokens.access_token)
    assert _userinfo(metadata, tokens.access_token).status_code == 401


def test_signed_then_encrypted_request_object_is_accepted(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-pkjwt"]
    metadata = _metadata(oidc_provider)
    auth = _authorization(metadata, oidc_provider, client)
    params = dict(parse_qsl(urlsplit(auth.url).query))
    now = int(time.time())
    request = seal.sign_then_encrypt(
        {**params, "iss": client.client_id, "aud": oidc_provider.issuer, "iat": now},
        seal.key_for(_client_keys(client), "sig", alg="RS256", private=True),
        seal.key_for(_provider_keys(metadata), "enc"),
        sig_alg="RS256",
        enc_alg="RSA-OAEP-256",
    )
    outer = {k: params[k] for k in ("client_id", "response_type", "scope")}
    url = f"{metadata['authorization_endpoint']}?{urlencode({**outer, 'request': request})}"

    query = _run_bot(client, url)

    assert query["state"] == auth.state
    tokens = _tokens(metadata, client, query["code"], auth.verifier)
    id_claims = _verify(
        _decrypt(tokens.id_token, client, "A128CBC-HS256"), _provider_keys(metadata)
    )
    _check_id_token(id_claims, oidc_provider, client, auth.nonce)


# ---------------------------------------------------------------------------------------------
# The provider refuses what itsme refuses


def test_authorization_without_pkce_is_refused(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-pkjwt"]
    metadata = _metadata(oidc_provider)
    auth = _authorization(metadata, oidc_provider, client, use_pkce=False)

    query = _run_bot(client, auth.url)

    assert "code" not in query
    assert query["error"] == "invalid_request"
    assert "PKCE" in query["error_description"]
    assert query["state"] == auth.state


def test_token_request_with_wrong_code_verifier_is_refused(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-secret"]
    metadata = _metadata(oidc_provider)
    auth = _authorization(metadata, oidc_provider, client)
    query = _run_bot(client, auth.url)

    response = _token_request(metadata, client, query["code"], pkce.make_verifier())

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------------------------------------
# The bot's options, as the flow command's negative tests use them


def test_bot_deny_returns_access_denied(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-secret"]
    auth = _authorization(_metadata(oidc_provider), oidc_provider, client)

    query = _run_bot(client, auth.url, bot_args=("--deny",))

    assert query["error"] == "access_denied"
    assert "code" not in query


def test_bot_tamper_state_changes_state(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-secret"]
    auth = _authorization(_metadata(oidc_provider), oidc_provider, client)

    query = _run_bot(client, auth.url, bot_args=("--tamper-state",))

    assert query["code"]
    assert query["state"] != auth.state


def test_bot_reports_a_provider_error_page_in_one_line(oidc_provider: E2EProvider) -> None:
    client = oidc_provider.clients["e2e-secret"]
    metadata = _metadata(oidc_provider)
    bad = _authorization(metadata, oidc_provider, client).url.replace("callback", "elsewhere")

    done = asyncio.run(_bot_command(bad))

    assert done[0] == 1
    assert done[1].count("\n") == 1
    assert "answered 400" in done[1]
    assert "redirect_uri" in done[1]


async def _bot_command(url: str, *options: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        *options,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert out == b""
    return proc.returncode or 0, err.decode()


def test_bot_refuses_to_leave_loopback() -> None:
    with pytest.raises(browser_bot.BotError, match="loopback"):
        browser_bot.run("https://idp.e2e.itsme.services/v2/authorization?client_id=x")


async def _mock_consent(deny: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """A consent page shaped like the mock provider's: hidden fields, Approve / Deny."""
    posted: list[dict[str, str]] = []
    captured: list[dict[str, str]] = []

    async def redirect_uri(request: Request) -> Response:
        captured.append(request.query)
        return Response.text("ok")

    async with HttpServer(redirect_uri) as callback:

        async def provider(request: Request) -> Response:
            if request.path == "/v2/authorization":
                return Response.html(
                    '<form method="post" action="/v2/authorization/decision">'
                    '<input type="hidden" name="request_id" value="r-123">'
                    '<button type="submit" name="decision" value="approve">Approve</button>'
                    '<button type="submit" name="decision" value="deny">Deny</button></form>'
                )
            form = request.form()
            posted.append(form)
            if form.get("decision") == "approve":
                return Response.redirect(f"{callback.base_url}/callback?code=c-1&state=s-1")
            return Response.redirect(f"{callback.base_url}/callback?error=access_denied&state=s-1")

        async with HttpServer(provider) as op:
            url = f"{op.base_url}/v2/authorization?state=s-1"
            await asyncio.to_thread(browser_bot.run, url, deny=deny, timeout=10)
    return posted, captured


def test_bot_approves_a_mock_style_consent_page() -> None:
    posted, captured = asyncio.run(_mock_consent(deny=False))
    assert posted == [{"request_id": "r-123", "decision": "approve"}]
    assert captured == [{"code": "c-1", "state": "s-1"}]


def test_bot_denies_a_mock_style_consent_page() -> None:
    posted, captured = asyncio.run(_mock_consent(deny=True))
    assert posted == [{"request_id": "r-123", "decision": "deny"}]
    assert captured == [{"error": "access_denied", "state": "s-1"}]


# ---------------------------------------------------------------------------------------------
# Profiles for ``itsme-debugger flow``


def test_write_profile_follows_the_design_format(
    oidc_provider: E2EProvider, tmp_path: Path
) -> None:
    client = oidc_provider.clients["e2e-pkjwt"]
    path = write_profile(tmp_path, oidc_provider, "e2e-pkjwt", flow={"timeout": 5})

    data = tomllib.loads(path.read_text(encoding="utf-8"))

    assert data["provider"] == {"issuer": oidc_provider.issuer}
    assert data["client"] == {
        "client_id": "e2e-pkjwt",
        "auth_method": "private_key_jwt",
        "redirect_uri": client.redirect_uri,
        "keys": str(client.private_jwks_path),
    }
    assert data["request"]["scope"].split() == ["openid", "service:TEST_code", "profile", "eid"]
    assert data["request"]["claims"]["id_token"][NATIONAL_NUMBER] == {}
    assert data["request"]["claims"]["id_token"]["given_name"] == {"essential": True}
    assert PHOTO in data["request"]["claims"]["userinfo"]
    assert data["flow"] == {"timeout": 5}


def test_write_profile_overrides_and_removes_keys(
    oidc_provider: E2EProvider, tmp_path: Path
) -> None:
    path = write_profile(
        tmp_path, oidc_provider, "e2e-secret", request={"pkce": False, "claims": None}
    )

    data = tomllib.loads(path.read_text(encoding="utf-8"))

    assert data["client"]["client_secret"] == oidc_provider.clients["e2e-secret"].client_secret
    assert data["request"]["pkce"] is False
    assert "claims" not in data["request"]
