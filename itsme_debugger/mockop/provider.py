"""The embedded mock itsme® provider: state, routing and the endpoint handlers.

One :class:`MockProvider` serves one variant (``itsme-v2``, ``itsme-secret`` or ``signicat``,
see :mod:`.variants`; ``MockProvider("signicat")`` makes a
:class:`~itsme_debugger.mockop.signicat.SignicatMockProvider`) on a loopback port with
:class:`~itsme_debugger.net.httpserver.HttpServer`. It is the app's Demo, the test fixture
and ``itsme-debugger mock``. It imitates seed 003: its paths, client authentication,
36-character codes living 3 minutes, PKCE S256, the claims parameter, signed-then-encrypted
request objects, ID tokens and UserInfo, the example user George Tǎnka with the metadata
claims, and every endpoint's error codes. Faults (:mod:`.faults`) make it misbehave on
purpose.

Nothing a client sends can crash it: junk in any parameter ends in the seed's error code.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx
from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.catalogue import scope_claims
from itsme_debugger.core.errors import OAuthError
from itsme_debugger.core.jose import derive_secret_key
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.net.httpserver import HttpServer, Request, Response
from itsme_debugger.net.service import AsyncService

from . import tokens
from .answers import NO_CACHE, bearer_error, bearer_token, oauth_error, page, redirect, unique_form
from .authorize import AuthRequest, Context, Refused, validate
from .clientauth import AuthContext, authenticate
from .clients import DEMO_CLIENT_ID, DEMO_REDIRECT_URI, Client, DemoClient, make_client
from .consent import consent_page, error_page
from .faults import ELSEWHERE_PICTURE, check_faults
from .store import AccessToken, Store
from .user import PHOTO_CLAIM, ExampleUser, example_user
from .variants import CONTENT_ENCRYPTIONS, Variant, discovery_document
from .variants import variant as find_variant

REQUEST_URI_TIMEOUT = 5.0
MAX_REQUEST_OBJECT = 64 * 1024


async def fetch_request_uri(uri: str) -> str:
    """GET a request_uri (5 s, no redirects); ValueError for anything but a 200 answer."""
    async with httpx.AsyncClient(
        timeout=REQUEST_URI_TIMEOUT, follow_redirects=False, trust_env=False
    ) as client:
        resp = await client.get(uri, headers={"Accept": "application/oauth-authz-req+jwt"})
    if resp.status_code != 200:
        raise ValueError(f"it answered HTTP {resp.status_code}")
    if len(resp.content) > MAX_REQUEST_OBJECT:
        raise ValueError("it is larger than 64 KiB")
    return resp.text


class MockProvider(AsyncService):
    """A mock itsme® provider on ``host:port`` (port 0: a free one). See the module doc.

    Run-time knobs: ``faults`` (a set of :data:`~.faults.FAULTS` names), ``slow_seconds``,
    ``auto_approve``, ``fetch_request_uri`` (an async ``uri -> text``, replaceable in tests).
    For tests: ``tokens_issued`` and ``codes_redeemed`` count successful token requests;
    ``last_authorization_params`` holds the last authorization request's parameters (the
    effective ones, request object included, once the request is accepted).
    """

    def __new__(cls, variant: str = "itsme-v2", *args: Any, **kwargs: Any) -> MockProvider:
        """The Signicat broker is a subclass (:mod:`.signicat`): its own pages, tokens, REST API."""
        if cls is MockProvider and variant == "signicat":
            from .signicat import SignicatMockProvider

            return super().__new__(SignicatMockProvider)
        return super().__new__(cls)

    def __init__(
        self,
        variant: str = "itsme-v2",
        *,
        auto_approve: bool = False,
        faults: Iterable[str] = (),
        service_code: str = "TEST_code",
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        keys: jwk.JWKSet | None = None,
        demo_client_keys: jwk.JWKSet | None = None,
    ) -> None:
        """``keys``: the provider's own private keys (a signing and an encryption RSA key);
        ``demo_client_keys``: the v2 demo client's private keys. Both are generated when not
        given (tests pass them to save the RSA key generation)."""
        self.variant: Variant = find_variant(variant)
        self.auto_approve = auto_approve
        self.faults: set[str] = check_faults(faults)
        self.service_code = service_code
        self.slow_seconds = 15.0
        self.fetch_request_uri: Callable[[str], Awaitable[str]] = fetch_request_uri
        self.tokens_issued = 0
        self.codes_redeemed = 0
        self.last_authorization_params: dict[str, str] = {}
        self._clock = clock
        self._server = HttpServer(self._handle, host, port)
        own = keys if keys is not None else generate_client_keys()
        self._signing_keys = [seal.key_for(own, "sig", alg="RS256", private=True)]
        self._encryption_key = seal.key_for(own, "enc", private=True)
        self._stray_key: jwk.JWK | None = None
        self._clients: dict[str, Client] = {}
        self._store = Store()
        self._seen_jti: dict[str, float] = {}
        self.demo_client = self._make_demo_client(demo_client_keys)

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen; raises OSError when the port cannot be had."""
        await self._server.start()

    async def close(self) -> None:
        await self._server.close()

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def issuer(self) -> str:
        """The issuer identifier (known once started: it carries the port)."""
        return self.base_url + self.variant.base_path

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    # -- clients and keys ----------------------------------------------------------------

    def register_client(
        self,
        client_id: str,
        *,
        public_jwks: Mapping[str, Any] | None = None,
        secret: str | None = None,
        redirect_uris: Sequence[str] = (),
        service_code: str | None = None,
    ) -> None:
        """Add a client; ConfigError when it could never authenticate at this variant."""
        self._clients[client_id] = make_client(
            self.variant,
            client_id,
            service_code=service_code or self.service_code,
            public_jwks=public_jwks,
            secret=secret,
            redirect_uris=redirect_uris,
        )

    def rotate_signing_key(self) -> str:
        """Publish a new signing key and sign with it from now on (the old one stays
        published, as itsme®'s rotation procedure says); returns its kid."""
        key = _new_signing_key()
        self._signing_keys.append(key)
        return str(key.get("kid"))

    @property
    def signing_kid(self) -> str:
        return str(self._signing_keys[-1].get("kid"))

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set served at the jwks path."""
        return {
            "keys": [
                k.export_public(as_dict=True) for k in (*self._signing_keys, self._encryption_key)
            ]
        }

    def _make_demo_client(self, keys: jwk.JWKSet | None) -> DemoClient:
        if self.variant.uses_secret:
            secret = secrets.token_urlsafe(32)
            demo = DemoClient(DEMO_CLIENT_ID, DEMO_REDIRECT_URI, "client_secret_post", None, secret)
        else:
            private = keys if keys is not None else generate_client_keys()
            demo = DemoClient(DEMO_CLIENT_ID, DEMO_REDIRECT_URI, "private_key_jwt", private, None)
        return self._register_demo(demo)

    def _register_demo(self, demo: DemoClient) -> DemoClient:
        """Register the demo client (any loopback redirect URI) and hand it back."""
        self._clients[DEMO_CLIENT_ID] = make_client(
            self.variant,
            DEMO_CLIENT_ID,
            service_code=self.service_code,
            public_jwks=demo.public_jwks,
            secret=demo.secret,
            any_loopback=True,
        )
        return demo

    def _decryption_keys(self, client: Client | None = None) -> list[jwk.JWK]:
        """The provider's encryption key, and for a secret client the keys derived from its
        secret (a request object may be encrypted with ``dir``)."""
        keys = [self._encryption_key]
        if client is not None and client.secret and self.variant.uses_secret:
            keys += [derive_secret_key(client.secret, "dir", enc) for enc in CONTENT_ENCRYPTIONS]
        return keys

    # -- routing -------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = request.path
        base = self.variant.base_path
        v = self.variant
        routes: dict[str, tuple[tuple[str, ...], Callable[[Request], Awaitable[Response]]]] = {
            base + "/.well-known/openid-configuration": (("GET",), self._discovery),
            base + v.jwks: (("GET",), self._jwks),
            base + v.authorization: (("GET", "POST"), self._authorize),
            base + v.authorization + "/decision": (("POST",), self._decision),
            base + v.token: (("POST",), self._token),
            base + v.userinfo: (("GET", "POST"), self._userinfo),
            base + v.picture: (("GET",), self._picture),
        }
        if v.revocation is not None:
            routes[base + v.revocation] = (("POST",), self._revoke)
        route = routes.get(path)
        if route is None:
            return Response.json({"error": "not_found", "error_description": path[:200]}, 404)
        methods, handler = route
        if request.method not in methods:
            return Response(
                405,
                (("Allow", ", ".join(methods)), ("Content-Type", "application/json")),
                b'{"error":"invalid_request","error_description":"method not allowed"}',
            )
        return await handler(request)

    async def _discovery(self, request: Request) -> Response:
        return Response.json(discovery_document(self.variant, self.issuer))

    async def _jwks(self, request: Request) -> Response:
        return Response.json(self.jwks())

    # -- authorization -------------------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        get = request.method == "GET"
        pairs = request.query_pairs if get else request.form_pairs()
        self.last_authorization_params = request.query if get else request.form()
        ctx = Context(
            issuer=self.issuer,
            clients=self._clients,
            decryption_keys=self._decryption_keys,
            fetch_request_uri=self.fetch_request_uri,
            now=self._clock(),
        )
        try:
            req = await self._validate(pairs, ctx)
        except Refused as refused:
            if refused.redirect_uri is None:
                return page(error_page(refused.error, refused.description), 400)
            return self._redirect(
                refused.redirect_uri,
                error=refused.error,
                error_description=refused.description,
                state=refused.state,
            )
        self.last_authorization_params = dict(req.params)
        if "access_denied" in self.faults:
            return self._deny(req, "the user refused (mock fault access_denied)")
        if self.auto_approve:
            return self._approve(req)
        return self._consent(req)

    async def _validate(self, pairs: Sequence[tuple[str, str]], ctx: Context) -> AuthRequest:
        """The variant's checks of an authorization request (raises Refused)."""
        return await validate(pairs, ctx)

    def _consent(self, req: AuthRequest) -> Response:
        """The page the user approves or denies, posting to the decision endpoint."""
        transaction = self._store.open_transaction(req, self._clock())
        action = self.variant.base_path + self.variant.authorization + "/decision"
        html = consent_page(
            req, user_name=self._user().name, transaction=transaction, action=action
        )
        return page(html, 200)

    def _user(self) -> ExampleUser:
        """The user who signs in."""
        return example_user()

    def _answered(self, request: Request) -> tuple[Mapping[str, str], AuthRequest] | Response:
        """The form posted from a sign-in page and the request it answers (its transaction is
        closed); the error page when that is unknown, expired or already answered."""
        form = request.form()
        req = self._store.close_transaction(form.get("transaction", ""), self._clock())
        if req is None:
            description = "this sign-in request is unknown, expired or was already answered"
            return page(error_page("invalid_request", description), 400)
        return form, req

    async def _decision(self, request: Request) -> Response:
        answered = self._answered(request)
        if isinstance(answered, Response):
            return answered
        form, req = answered
        decision = form.get("decision")
        if decision == "approve":
            return self._approve(req)
        if decision == "deny":
            return self._deny(req, "the user denied the request")
        return page(error_page("invalid_request", "decision must be approve or deny"), 400)

    def _approve(self, req: AuthRequest) -> Response:
        now = self._clock()
        code = self._store.issue_code(tokens.Grant(req, now, self._user()), now)
        state = req.state
        if "state_mismatch" in self.faults:
            state = (state or "") + "-tampered"
        return self._redirect(req.redirect_uri, code=code, state=state)

    def _deny(self, req: AuthRequest, description: str) -> Response:
        return self._redirect(
            req.redirect_uri,
            error="access_denied",
            error_description=description,
            state=req.state,
        )

    def _redirect(self, uri: str, **params: str | None) -> Response:
        """302 back to the client, with ``iss`` on every response (RFC 9207)."""
        return redirect(uri, {**params, "iss": self.issuer})

    # -- token ---------------------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        if "slow" in self.faults:
            await asyncio.sleep(self.slow_seconds)
        if "server_error" in self.faults:
            return Response.html(
                "<html><body><h1>500 Internal Server Error</h1></body></html>", 500
            )
        if "malformed_token_body" in self.faults:
            return Response(200, (("Content-Type", "application/json"),), b'{"access_token": "')
        try:
            form = unique_form(request)
            client = self._authenticate(request, form, self.variant.token)
            return self._redeem(client, form)
        except OAuthError as exc:
            return oauth_error(exc)

    def _authenticate(self, request: Request, form: Mapping[str, str], path: str) -> Client:
        ctx = AuthContext(
            variant=self.variant,
            clients=self._clients,
            issuer=self.issuer,
            endpoint_url=self.issuer + path,
            decryption_keys=self._decryption_keys(),
            seen_jti=self._seen_jti,
            now=self._clock(),
        )
        return authenticate(form, request.header("Authorization"), ctx)

    def _redeem(self, client: Client, form: Mapping[str, str]) -> Response:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is missing")
        if grant_type != "authorization_code":
            raise OAuthError(
                "unsupported_grant_type",
                f"grant_type {grant_type[:80]!r} is not supported; use authorization_code",
            )
        if "invalid_grant" in self.faults:
            raise OAuthError("invalid_grant", "the code is refused (mock fault invalid_grant)")
        code = form.get("code")
        if not code:
            raise OAuthError("invalid_request", "code is missing")
        now = self._clock()
        grant, access_token = self._store.redeem(
            code,
            client_id=client.client_id,
            redirect_uri=form.get("redirect_uri"),
            code_verifier=form.get("code_verifier"),
            now=now,
        )
        self.codes_redeemed += 1
        self.tokens_issued += 1
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(tokens.ACCESS_TOKEN_LIFETIME),
            "id_token": self._id_token(grant, access_token, now),
        }
        return Response.json(body, headers=NO_CACHE)

    def _id_token_claims(
        self, grant: tokens.Grant, access_token: str, now: float
    ) -> dict[str, Any]:
        return tokens.id_token_claims(
            grant,
            issuer=self.issuer,
            now=now,
            access_token=access_token,
            picture_url=self._picture_url(),
            faults=self.faults,
        )

    def _id_token(self, grant: tokens.Grant, access_token: str, now: float) -> str:
        claims = self._id_token_claims(grant, access_token, now)
        key = self._stray() if "unknown_kid" in self.faults else self._signing_keys[-1]
        signed = tokens.sign(claims, key, corrupt="bad_signature" in self.faults)
        if "not_encrypted" in self.faults:
            return signed
        return self._encrypt(signed, grant.request.client)

    def _encrypt(self, signed: str, client: Client) -> str:
        sealed = tokens.encrypt_for(
            signed,
            client_keys=client.keys_for("enc"),
            secret=client.secret if self.variant.uses_secret else None,
        )
        return sealed if sealed is not None else signed

    def _stray(self) -> jwk.JWK:
        """A signing key that is not in the JWK Set (the unknown_kid fault)."""
        if self._stray_key is None:
            self._stray_key = _new_signing_key("unknown-")
        return self._stray_key

    # -- userinfo, picture, revocation ---------------------------------------------------

    async def _userinfo(self, request: Request) -> Response:
        try:
            record = self._bearer(request)
        except OAuthError as exc:
            return bearer_error(exc, self.issuer)
        grant = record.grant
        claims = tokens.userinfo_claims(
            grant,
            issuer=self.issuer,
            now=self._clock(),
            picture_url=self._picture_url(),
            scope_claims=[c for s in grant.request.scope for c in scope_claims(s)],
        )
        if "userinfo_sub_mismatch" in self.faults:
            claims["sub"] = tokens.other_subject()
        signed = tokens.sign(claims, self._signing_keys[-1])
        body = self._encrypt(signed, grant.request.client).encode("ascii")
        headers = (("Content-Type", "application/jwt"), ("Cache-Control", "no-store"))
        return Response(200, headers, body)

    def _picture_url(self) -> str:
        if "picture_elsewhere" in self.faults:
            return ELSEWHERE_PICTURE
        return self.issuer + self.variant.picture

    async def _picture(self, request: Request) -> Response:
        try:
            record = self._bearer(request)
            req = record.grant.request
            if "profile" not in req.scope and not {"picture", PHOTO_CLAIM} & set(
                req.claims.names()
            ):
                raise OAuthError(
                    "insufficient_scope",
                    "the picture needs the profile scope or the picture claim",
                    status=403,
                )
        except OAuthError as exc:
            return bearer_error(exc, self.issuer)
        if "picture_not_image" in self.faults:
            page = b"<!doctype html><title>Picture</title><p>Log in to see the picture.</p>"
            return Response(200, (("Content-Type", "text/html"),), page)
        headers = (("Content-Type", "image/jpeg"), ("Cache-Control", "no-store"))
        return Response(200, headers, record.grant.user.photo)

    def _bearer(self, request: Request) -> AccessToken:
        return self._store.access_token(bearer_token(request), self._clock())

    async def _revoke(self, request: Request) -> Response:
        assert self.variant.revocation is not None
        try:
            form = unique_form(request)
            client = self._authenticate(request, form, self.variant.revocation)
            token = form.get("token")
            if not token:
                raise OAuthError("invalid_request", "token is missing")
            hint = form.get("token_type_hint")
            if hint not in (None, "access_token", "refresh_token"):
                raise OAuthError(
                    "unsupported_token_type", f"token_type_hint {hint[:40]!r} is not supported"
                )
            self._store.revoke(token, client.client_id)
        except OAuthError as exc:
            return oauth_error(exc)
        return Response(200, (("Cache-Control", "no-store"),), b"")


def _new_signing_key(prefix: str = "sig-") -> jwk.JWK:
    key = jwk.JWK.generate(kty="RSA", size=2048, use="sig", alg="RS256")
    key["kid"] = prefix + key.thumbprint()[:8]
    return key
