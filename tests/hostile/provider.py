"""A deliberately misbehaving OpenID provider, for the hostile-provider suite.

:class:`HostileProvider` is a small but complete code-flow provider (discovery, authorization
with an immediate redirect, token endpoint with client authentication and PKCE, UserInfo,
JWKS, revocation) on :class:`~itsme_debugger.net.httpserver.HttpServer`, port 0, with its
issuer at ``/op``. Everything it does right by default, one :class:`Case` per run makes it do
wrong: each hook of the case takes what the provider was about to send (and the provider) and
returns what it sends instead. It counts every request per endpoint, so that a test can assert
what the debugger did *not* do (redeem a code, call UserInfo, hammer the JWKS).

Answers that a whole-body :class:`Response` cannot express (a body that trickles in forever,
100 MB, a head that never ends) come from a second, raw server: a case's ``raw`` coroutine
writes whatever it wants on the socket, and a ``discovery`` hook points an endpoint at
:attr:`HostileProvider.raw_url`.

Tokens are made with ``core.seal`` and jwcrypto, keys are made once per session
(:meth:`Keys.generate`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

from jwcrypto import jwe, jwk, jws

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.http import is_loopback_host
from itsme_debugger.core.idtoken import half_hash
from itsme_debugger.net.httpserver import HttpServer, Request, Response
from itsme_debugger.net.service import AsyncService
from itsme_debugger.net.tasks import spawn

CLIENT_ID = "hostile-rp"
#: 48 bytes: long enough for HS256 (RFC 7518 3.2), with characters Basic auth must encode.
CLIENT_SECRET = "hostile/secret+value:0123456789-abcdefghijklmnop"
SUBJECT = "hostile-subject-0001"
NATIONAL_NUMBER = "http://itsme.services/v2/claim/BENationalNumber"
NATIONAL_NUMBER_VALUE = "85073003328"
ISSUER_PATH = "/op"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

Claims = dict[str, Any]


@dataclass(frozen=True)
class Keys:
    """The provider's keys and the client's, made once per test session."""

    rsa1: jwk.JWK  # op signing key, kid op-rsa-1 (published by default)
    rsa2: jwk.JWK  # op signing key, kid op-rsa-2 (the rotated-to key)
    ec: jwk.JWK  # op signing key, kid op-ec-1, P-256
    op_enc1: jwk.JWK  # op encryption key (request objects), kid op-enc-1
    op_enc2: jwk.JWK  # op encryption key after rotation, kid op-enc-2
    rp_sig: jwk.JWK  # client signing key (private_key_jwt, request objects), kid rp-sig-1
    rp_enc: jwk.JWK  # client decryption key (encrypted ID token / UserInfo), kid rp-enc-1

    @classmethod
    def generate(cls) -> Keys:
        def rsa(kid: str, use: str) -> jwk.JWK:
            return jwk.JWK.generate(kty="RSA", size=2048, kid=kid, use=use)

        return cls(
            rsa1=rsa("op-rsa-1", "sig"),
            rsa2=rsa("op-rsa-2", "sig"),
            ec=jwk.JWK.generate(kty="EC", crv="P-256", kid="op-ec-1", use="sig"),
            op_enc1=rsa("op-enc-1", "enc"),
            op_enc2=rsa("op-enc-2", "enc"),
            rp_sig=rsa("rp-sig-1", "sig"),
            rp_enc=rsa("rp-enc-1", "enc"),
        )

    def client_private_jwks(self) -> dict[str, Any]:
        return {
            "keys": [k.export(private_key=True, as_dict=True) for k in (self.rp_sig, self.rp_enc)]
        }


def public(key: jwk.JWK) -> dict[str, Any]:
    return dict(key.export_public(as_dict=True))


# ---------------------------------------------------------------------------------------------
# Cases

#: What a hook may answer instead of the default: a replacement value, or a whole Response.
DiscoveryHook = Callable[[dict[str, Any], "HostileProvider"], "dict[str, Any] | Response"]
JwksHook = Callable[["HostileProvider"], "dict[str, Any] | Response"]
RedirectHook = Callable[[dict[str, str], "HostileProvider"], dict[str, str]]
TokenHook = Callable[[dict[str, Any], "HostileProvider"], "dict[str, Any] | Response"]
ClaimsHook = Callable[[Claims, "HostileProvider"], Claims]
SignHook = Callable[[Claims, "HostileProvider"], str]
UserInfoHook = Callable[[Claims, "HostileProvider"], "Claims | str | Response"]
RawHook = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """One way of misbehaving; ``name`` is the test's name without ``test_``."""

    name: str
    #: [client] auth_method of the profile the debugger runs with.
    auth_method: str = "client_secret_post"
    #: Extra TOML for [request] (e.g. ``request_object = "signed"``).
    request: str = ""
    #: How many flows run one after the other against the same provider.
    flows: int = 1
    #: [flow] timeout: seconds per HTTP request.
    timeout: float = 2.0
    #: The flow's wait for the browser's redirect (--timeout).
    browser_timeout: float = 10.0
    discovery: DiscoveryHook | None = None
    jwks: JwksHook | None = None
    redirect: RedirectHook | None = None
    token: TokenHook | None = None
    id_token_claims: ClaimsHook | None = None
    id_token: SignHook | None = None
    userinfo: UserInfoHook | None = None
    raw: RawHook | None = None
    #: Runs between two flows (``flows`` > 1), e.g. to rotate keys.
    between_flows: Callable[[HostileProvider], None] | None = None
    #: Seconds an endpoint (a name below the issuer, e.g. "token") waits before answering.
    delay: Mapping[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The provider


@dataclass
class Grant:
    code: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    used: bool = False


@dataclass
class Recorded:
    """What the debugger sent, endpoint by endpoint."""

    calls: Counter[str] = field(default_factory=Counter)
    authorization: list[dict[str, str]] = field(default_factory=list)
    request_objects: list[dict[str, Any]] = field(default_factory=list)
    token: list[Request] = field(default_factory=list)
    userinfo: list[Request] = field(default_factory=list)
    #: Why the token endpoint refused a request (client authentication, code, PKCE).
    refusals: list[str] = field(default_factory=list)


class HostileProvider(AsyncService):
    """The provider of one :class:`Case`; see the module docstring."""

    def __init__(self, case: Case, keys: Keys) -> None:
        self.case = case
        self.keys = keys
        self.server = HttpServer(self._handle)
        self.raw_server: asyncio.base_events.Server | None = None
        self._raw_tasks: set[asyncio.Task[None]] = set()
        self.raw_port = 0
        self.seen = Recorded()
        self.grants: dict[str, Grant] = {}
        self.signing_key = keys.rsa1
        self.published: list[jwk.JWK] = [keys.rsa1, keys.ec, keys.op_enc1]
        self.decryption_keys: list[jwk.JWK] = [keys.op_enc1]
        self.access_token = "hostile-at-" + secrets.token_urlsafe(24)
        self.refresh_token = "hostile-rt-" + secrets.token_urlsafe(24)
        #: The nonce of the last authorization request (for hooks that want to misuse it).
        self.nonce: str | None = None

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await self.server.start()
        if self.case.raw is not None:
            self.raw_server = await asyncio.start_server(self._on_raw, "127.0.0.1", 0)
            self.raw_port = int(self.raw_server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        await self.server.close()
        if self.raw_server is not None:
            self.raw_server.close()
            for task in list(self._raw_tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.raw_server.wait_closed(), 2)

    @property
    def issuer(self) -> str:
        return self.server.base_url + ISSUER_PATH

    @property
    def raw_url(self) -> str:
        return f"http://127.0.0.1:{self.raw_port}/raw"

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}"

    # -- keys ----------------------------------------------------------------------------------

    def rotate_signing_key(self) -> None:
        """Sign with op-rsa-2 from now on and publish it instead of op-rsa-1."""
        self.signing_key = self.keys.rsa2
        self.published = [self.keys.rsa2, self.keys.ec, self.published[-1]]

    def rotate_encryption_key(self) -> None:
        """Publish op-enc-2 instead of op-enc-1 and decrypt only with it from now on."""
        self.published = [*self.published[:-1], self.keys.op_enc2]
        self.decryption_keys = [self.keys.op_enc2]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public(k) for k in self.published]}

    # -- tokens ----------------------------------------------------------------------------------

    def id_token_claims(self, nonce: str | None) -> Claims:
        now = int(time.time())
        claims: Claims = {
            "iss": self.issuer,
            "sub": SUBJECT,
            "aud": CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "auth_time": now - 5,
            "at_hash": half_hash(self.access_token, "RS256"),
            "name": "George Tǎnka",
            NATIONAL_NUMBER: NATIONAL_NUMBER_VALUE,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def sign(self, claims: Claims | str | bytes, key: jwk.JWK | None = None, **kw: Any) -> str:
        return seal.sign(claims, key or self.signing_key, **kw)

    def userinfo_claims(self) -> Claims:
        return {
            "sub": SUBJECT,
            "name": "George Tǎnka",
            "given_name": "George",
            "family_name": "Tǎnka",
            "email": "george@example.org",
            NATIONAL_NUMBER: NATIONAL_NUMBER_VALUE,
        }

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = request.path
        if not path.startswith(ISSUER_PATH + "/"):
            return Response.json({"error": "not_found"}, 404)
        name = path[len(ISSUER_PATH) + 1 :]
        self.seen.calls[name] += 1
        if self.case.delay.get(name):
            await asyncio.sleep(self.case.delay[name])
        handler = {
            ".well-known/openid-configuration": self._discovery,
            "authorize": self._authorize,
            "token": self._token,
            "userinfo": self._userinfo,
            "jwks": self._jwks,
            "revoke": self._revoke,
        }.get(name)
        if handler is None:
            return Response.json({"error": "not_found"}, 404)
        return await handler(request)

    async def _discovery(self, request: Request) -> Response:
        doc: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("authorize"),
            "token_endpoint": self.endpoint("token"),
            "userinfo_endpoint": self.endpoint("userinfo"),
            "jwks_uri": self.endpoint("jwks"),
            "revocation_endpoint": self.endpoint("revoke"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "request_object_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": True,
            "scopes_supported": ["openid", "profile", "email"],
        }
        answer = self.case.discovery(doc, self) if self.case.discovery else doc
        return answer if isinstance(answer, Response) else Response.json(answer)

    async def _jwks(self, request: Request) -> Response:
        answer = self.case.jwks(self) if self.case.jwks else self.jwks()
        return answer if isinstance(answer, Response) else Response.json(answer)

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query)
        if params.get("request"):
            inner = self._read_request_object(params["request"])
            params.update({k: v for k, v in inner.items() if isinstance(v, str)})
        self.seen.authorization.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if not is_loopback_host(urlsplit(redirect_uri).hostname):
            return Response.text(f"refused redirect_uri {redirect_uri!r}", 400)
        self.nonce = params.get("nonce")
        code = secrets.token_urlsafe(27)
        self.grants[code] = Grant(
            code, redirect_uri, params.get("nonce"), params.get("code_challenge")
        )
        answer = {"code": code, "state": params.get("state", ""), "iss": self.issuer}
        if self.case.redirect is not None:
            answer = self.case.redirect(answer, self)
        return Response.redirect(f"{redirect_uri}?{urlencode(answer)}")

    def _read_request_object(self, token: str) -> dict[str, Any]:
        record: dict[str, Any] = {"encrypted": token.count(".") == 4}
        self.seen.request_objects.append(record)
        if record["encrypted"]:
            obj = jwe.JWE()
            obj.deserialize(token)
            kid = obj.jose_header.get("kid")
            record["kid"] = kid
            key = next((k for k in self.decryption_keys if k.get("kid") == kid), None)
            if key is None:
                record["error"] = f"no decryption key {kid!r}"
                return {}
            obj.decrypt(key)
            token = obj.payload.decode()
        sig = jws.JWS()
        sig.deserialize(token)
        sig.verify(self.keys.rp_sig)
        record["verified"] = True
        claims: dict[str, Any] = json.loads(sig.payload)
        record["claims"] = claims
        return claims

    async def _token(self, request: Request) -> Response:
        self.seen.token.append(request)
        form = request.form()
        refusal = self._client_auth_refusal(request, form)
        if refusal:
            self.seen.refusals.append(refusal)
            return Response.json({"error": "invalid_client", "error_description": refusal}, 401)
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used:
            self.seen.refusals.append("unknown or used code")
            return Response.json({"error": "invalid_grant"}, 400)
        grant.used = True
        if grant.redirect_uri != form.get("redirect_uri"):
            self.seen.refusals.append("redirect_uri differs")
            return Response.json({"error": "invalid_grant"}, 400)
        verifier = form.get("code_verifier", "")
        challenge = b64url_encode(hashlib.sha256(verifier.encode()).digest())
        if grant.code_challenge is not None and challenge != grant.code_challenge:
            self.seen.refusals.append("PKCE verifier does not match")
            return Response.json({"error": "invalid_grant"}, 400)
        claims = self.id_token_claims(grant.nonce)
        if self.case.id_token_claims is not None:
            claims = self.case.id_token_claims(claims, self)
        id_token = self.case.id_token(claims, self) if self.case.id_token else self.sign(claims)
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "refresh_token": self.refresh_token,
            "id_token": id_token,
        }
        answer = self.case.token(body, self) if self.case.token else body
        return answer if isinstance(answer, Response) else Response.json(answer)

    def _client_auth_refusal(self, request: Request, form: dict[str, str]) -> str:
        """Why the client's authentication fails ("" when it is right)."""
        method = self.case.auth_method
        if method == "client_secret_post":
            ok = form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
            return "" if ok else "client_secret_post: wrong client_id / client_secret"
        if method == "client_secret_basic":
            header = request.header("authorization") or ""
            if not header.startswith("Basic ") or "client_secret" in form:
                return "client_secret_basic: no Basic header, or the secret also in the form"
            pair = base64.b64decode(header[6:]).decode()
            name, _, secret = pair.partition(":")
            ok = (unquote_plus(name), unquote_plus(secret)) == (CLIENT_ID, CLIENT_SECRET)
            return "" if ok else "client_secret_basic: wrong (form-urlencoded) id / secret"
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "private_key_jwt: wrong client_assertion_type"
        assertion = jws.JWS()
        try:
            assertion.deserialize(form.get("client_assertion", ""))
            assertion.verify(self.keys.rp_sig)
        except Exception as exc:
            return f"private_key_jwt: the assertion does not verify ({exc})"
        claims = json.loads(assertion.payload)
        ok = (
            claims.get("iss") == claims.get("sub") == CLIENT_ID
            and claims.get("aud") == self.endpoint("token")
            and claims.get("exp", 0) > time.time()
            and claims.get("jti")
        )
        return "" if ok else f"private_key_jwt: wrong assertion claims {claims}"

    async def _userinfo(self, request: Request) -> Response:
        self.seen.userinfo.append(request)
        if request.header("authorization") != f"Bearer {self.access_token}":
            return Response(401, (("WWW-Authenticate", 'Bearer error="invalid_token"'),), b"")
        claims = self.userinfo_claims()
        answer = self.case.userinfo(claims, self) if self.case.userinfo else claims
        if isinstance(answer, Response):
            return answer
        if isinstance(answer, str):
            return Response(200, (("Content-Type", "application/jwt"),), answer.encode())
        return Response.json(answer)

    async def _revoke(self, request: Request) -> Response:
        return Response(200, (("Cache-Control", "no-store"),), b"")

    # -- the raw server ----------------------------------------------------------------------------

    async def _on_raw(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None and self.case.raw is not None
        self._raw_tasks.add(task)
        self.seen.calls["raw"] += 1
        try:
            with contextlib.suppress(asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                await reader.readuntil(b"\r\n\r\n")
            await self.case.raw(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._raw_tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1)


__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "NATIONAL_NUMBER",
    "NATIONAL_NUMBER_VALUE",
    "SUBJECT",
    "Case",
    "HostileProvider",
    "Keys",
    "public",
    "spawn",
]
