"""The mock Signicat broker: itsme® over OIDC (seed 000) and the Authentication REST API (seed 001).

One server, the paths of Signicat's: the OIDC server below ``/auth/open`` (discovery,
``/connect/authorize``, ``/connect/token``, ``/connect/userinfo``, ``/connect/revocation``,
the JWKS at ``/.well-known/openid-configuration/jwks``), the REST API below ``/auth/rest``
and its authentication page (:mod:`.signicat_rest`).

OIDC, as the seed shows it: ``acr_values=idp:itsme`` goes straight to itsme® (without it the
eID selection screen comes first), ``prompt=login``, the scopes ``openid name``
(Authentication) and ``openid profile`` (Identification); clients authenticate with
``client_secret_basic`` or ``client_secret_post``. The ID token carries the broker's claims
(``amr``, ``sid``, ``idp``, ``idp_issuer``, ``transaction_id``, ``sandbox``) and the seed's user
Maxence Legrand; it is signed (RS256), then encrypted to the client's RSA key when the client
is registered with one (its public JWKS), as is the UserInfo response (plain JSON otherwise).

The token endpoint also serves API clients: ``grant_type=client_credentials`` with the scope
``signicat-api`` gives the access token the REST API wants. The demo OIDC client and the demo
API client are made at start; ``rest_outcome`` is what the scripted user (``auto_approve``)
answers at a REST session's page (``success``, ``abort`` or ``error``); the ``access_denied``
fault makes it abort.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jwcrypto import jwk

from itsme_debugger.core.errors import OAuthError
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.core.signicat import API_SCOPE
from itsme_debugger.net.httpserver import Request, Response

from . import tokens
from .answers import NO_CACHE, bearer_error, page
from .authorize import (
    AuthRequest,
    Context,
    Refused,
    _claims,
    _client,
    _max_age,
    _pkce,
    _query,
    _redirect_uri,
    _show,
)
from .clients import DEMO_CLIENT_ID, DEMO_REDIRECT_URI, Client, DemoClient
from .consent import error_page
from .provider import MockProvider
from .signicat_pages import broker_consent_page, idp_choice_page
from .signicat_rest import API_PATH, API_TOKEN_LIFETIME, OUTCOME_DECISIONS, SUBJECT, RestApi
from .user import ExampleUser
from .variants import CONTENT_ENCRYPTIONS, PROMPTS, RSA_KEY_WRAPS

ACR_ITSME = "idp:itsme"
IDP = "itsme"
IDP_ISSUER = "https://idp.e2e.itsme.services/v2"
ID_TOKEN_LIFETIME = 600  # seed 000: exp - iat
DEMO_API_CLIENT_ID = "demo-api-client"
#: The claims each scope yields at the broker (seed 000's ID token and UserInfo examples).
SCOPE_CLAIMS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "family_name", "given_name"),
    "profile": ("name", "family_name", "given_name", "gender", "birthdate"),
}
SCOPES = ("openid", "profile", "name", "email", "address", "phone")
#: The seed's user (seed 000's claims; the sub is seed 001's subject id).
USER = ExampleUser(
    sub=str(SUBJECT["id"]),
    attributes={
        "name": "Maxence Legrand",
        "given_name": "Maxence",
        "family_name": "Legrand",
        "gender": "female",
        "birthdate": "1981-04-24",
    },
    metadata_facts={},
)


@dataclass(frozen=True)
class DemoApiClient:
    """The built-in API client of the REST API (client credentials)."""

    client_id: str
    secret: str


class SignicatMockProvider(MockProvider):
    """``MockProvider("signicat")``; see the module docstring."""

    def __init__(self, variant: str = "signicat", **kwargs: Any) -> None:
        super().__init__(variant, **kwargs)
        self._rest_outcome = "success"
        self._api_clients: set[str] = set()
        self.rest = RestApi(
            clock=self._clock, base_url=lambda: self.base_url, auto_outcome=self._auto_outcome
        )
        self.api_client = DemoApiClient(DEMO_API_CLIENT_ID, secrets.token_urlsafe(32))
        self.register_api_client(self.api_client.client_id, self.api_client.secret)

    @property
    def api_base(self) -> str:
        """The REST API's base URL (``https://api.signicat.com/auth/rest`` at Signicat)."""
        return self.base_url + API_PATH

    @property
    def token_endpoint(self) -> str:
        return self.issuer + self.variant.token

    def register_api_client(self, client_id: str, secret: str) -> None:
        """Add an API client (client credentials only, for the REST API)."""
        self._clients[client_id] = Client(client_id, service_code="", secret=secret)
        self._api_clients.add(client_id)

    @property
    def rest_outcome(self) -> str:
        """What ``auto_approve`` answers at a REST session's page."""
        return self._rest_outcome

    @rest_outcome.setter
    def rest_outcome(self, outcome: str) -> None:
        if outcome not in OUTCOME_DECISIONS:
            raise ValueError(f"rest_outcome must be one of {', '.join(OUTCOME_DECISIONS)}")
        self._rest_outcome = outcome

    def _auto_outcome(self) -> str | None:
        if "access_denied" in self.faults:
            return "abort"
        return self._rest_outcome if self.auto_approve else None

    def _make_demo_client(self, keys: jwk.JWKSet | None) -> DemoClient:
        """The demo OIDC client: a secret (client_secret_basic) and an encryption key."""
        private = keys if keys is not None else generate_client_keys()
        secret = secrets.token_urlsafe(32)
        demo = DemoClient(DEMO_CLIENT_ID, DEMO_REDIRECT_URI, "client_secret_basic", private, secret)
        return self._register_demo(demo)

    # -- routing -------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        handler = self.rest.route(request)
        if handler is not None:
            return self.rest.handle(handler, request)
        if request.path == self.variant.base_path + self.variant.authorization + "/idp":
            if request.method != "POST":
                return page(error_page("invalid_request", "choose the eID with a POST"), 405)
            return self._choose_idp(request)
        return await super()._handle(request)

    async def _discovery(self, request: Request) -> Response:
        return Response.json(discovery_document(self.issuer, self.variant.base_path))

    # -- authorization -------------------------------------------------------------------

    async def _validate(self, pairs: Sequence[tuple[str, str]], ctx: Context) -> AuthRequest:
        return validate_broker(pairs, ctx)

    def _user(self) -> ExampleUser:
        return USER

    def _consent(self, req: AuthRequest) -> Response:
        transaction = self._store.open_transaction(req, self._clock())
        base = self.variant.base_path + self.variant.authorization
        client_id = req.client.client_id
        if req.acr != ACR_ITSME:
            html = idp_choice_page(client_id, transaction=transaction, action=base + "/idp")
        else:
            html = broker_consent_page(
                client_id,
                req.scope,
                USER.name,
                transaction=transaction,
                action=base + "/decision",
            )
        return page(html, 200)

    def _choose_idp(self, request: Request) -> Response:
        answered = self._answered(request)
        if isinstance(answered, Response):
            return answered
        form, req = answered
        idp = form.get("idp")
        if idp == IDP:
            return self._consent(replace(req, acr=ACR_ITSME))
        if idp == "cancel":
            return self._deny(req, "the user cancelled the eID selection")
        return page(error_page("invalid_request", "idp must be itsme or cancel"), 400)

    # -- tokens --------------------------------------------------------------------------

    def _redeem(self, client: Client, form: Mapping[str, str]) -> Response:
        if form.get("grant_type") == "client_credentials":
            return self._api_token(client, form)
        if client.client_id in self._api_clients:
            raise OAuthError(
                "unauthorized_client",
                f"{client.client_id!r} is an API client: it may use client_credentials only",
            )
        return super()._redeem(client, form)

    def _api_token(self, client: Client, form: Mapping[str, str]) -> Response:
        if client.client_id not in self._api_clients:
            raise OAuthError(
                "unauthorized_client",
                f"{client.client_id!r} is not an API client: client_credentials is not allowed",
            )
        scope = form.get("scope", API_SCOPE)
        if scope.split() != [API_SCOPE]:
            raise OAuthError("invalid_scope", f"scope must be {API_SCOPE}; got {_show(scope)}")
        self.tokens_issued += 1
        body = {
            "access_token": self.rest.issue_token(client.client_id),
            "expires_in": API_TOKEN_LIFETIME,
            "token_type": "Bearer",
            "scope": API_SCOPE,
        }
        return Response.json(body, headers=NO_CACHE)

    def _id_token_claims(
        self, grant: tokens.Grant, access_token: str, now: float
    ) -> dict[str, Any]:
        claims = super()._id_token_claims(grant, access_token, now)
        claims.pop("acr", None)
        claims["exp"] = claims["iat"] + ID_TOKEN_LIFETIME
        return scope_claims(grant) | claims | broker_claims()

    def _encrypt(self, signed: str, client: Client) -> str:
        """To the client's RSA encryption key when it has one; else only signed."""
        sealed = tokens.encrypt_for(signed, client_keys=client.keys_for("enc"), secret=None)
        return sealed if sealed is not None else signed

    async def _userinfo(self, request: Request) -> Response:
        try:
            record = self._bearer(request)
        except OAuthError as exc:
            return bearer_error(exc, self.issuer)
        grant = record.grant
        client = grant.request.client
        claims = (
            scope_claims(grant)
            | tokens.release(USER, grant.request.claims.names("userinfo"), "")
            | {"sub": USER.sub, "idp_issuer": IDP_ISSUER}
        )
        if "userinfo_sub_mismatch" in self.faults:
            claims["sub"] = tokens.other_subject()
        if not client.keys_for("enc"):
            return Response.json(claims)
        now = int(self._clock())
        claims |= {"iss": self.issuer, "aud": client.client_id, "iat": now}
        signed = tokens.sign(claims, self._signing_keys[-1])
        body = self._encrypt(signed, client).encode("ascii")
        headers = (("Content-Type", "application/jwt"), ("Cache-Control", "no-store"))
        return Response(200, headers, body)


def scope_claims(grant: tokens.Grant) -> dict[str, Any]:
    """The user's claims for the granted scopes (name, profile)."""
    names = [c for s in grant.request.scope for c in SCOPE_CLAIMS.get(s, ())]
    return tokens.release(USER, names, "")


def broker_claims() -> dict[str, Any]:
    """What Signicat adds to an itsme® ID token (seed 000)."""
    return {
        "amr": ["external"],
        "sid": secrets.token_hex(16).upper(),
        "idp": IDP,
        "idp_issuer": IDP_ISSUER,
        "transaction_id": str(uuid.uuid4()),
        "sandbox": True,
    }


def discovery_document(issuer: str, base_path: str) -> dict[str, Any]:
    """The OpenID Provider metadata of the broker's OIDC server."""
    return {
        "issuer": issuer,
        "jwks_uri": issuer + "/.well-known/openid-configuration/jwks",
        "authorization_endpoint": issuer + "/connect/authorize",
        "token_endpoint": issuer + "/connect/token",
        "userinfo_endpoint": issuer + "/connect/userinfo",
        "revocation_endpoint": issuer + "/connect/revocation",
        "scopes_supported": [*SCOPES, API_SCOPE],
        "claims_supported": [
            "sub",
            *dict.fromkeys(c for claims in SCOPE_CLAIMS.values() for c in claims),
            *broker_claims(),
        ],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "id_token_encryption_alg_values_supported": list(RSA_KEY_WRAPS),
        "id_token_encryption_enc_values_supported": list(CONTENT_ENCRYPTIONS),
        "userinfo_signing_alg_values_supported": ["RS256"],
        "userinfo_encryption_alg_values_supported": list(RSA_KEY_WRAPS),
        "userinfo_encryption_enc_values_supported": list(CONTENT_ENCRYPTIONS),
        "acr_values_supported": [ACR_ITSME],
        "prompt_values_supported": list(PROMPTS),
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }


# ---------------------------------------------------------------------------------------------
# The broker's checks of an authorization request


def validate_broker(pairs: Sequence[tuple[str, str]], ctx: Context) -> AuthRequest:
    """Check an authorization request at the broker; raises Refused (see .authorize)."""
    query, repeated = _query(pairs)
    client = _client(query, ctx)
    redirect_uri = _redirect_uri(query.get("redirect_uri"), client, None)
    state = query.get("state")

    def refuse(error: str, description: str) -> Refused:
        return Refused(error, description, redirect_uri, state)

    if repeated:
        raise refuse("invalid_request", f"parameter {repeated[0][:80]} is given more than once")
    if "request" in query or "request_uri" in query:
        raise refuse("request_not_supported", "request objects are not supported here")
    response_type = query.get("response_type")
    if response_type != "code":
        raise refuse(
            "unsupported_response_type",
            f"response_type {_show(response_type)} is not supported; use code",
        )
    if query.get("response_mode") not in (None, "query"):
        raise refuse("invalid_request", "response_mode: only query is supported")
    scope = _scope(query.get("scope"), refuse)
    challenge = _pkce(query, refuse)
    acr = _acr(query.get("acr_values"), refuse)
    prompt = tuple(query.get("prompt", "").split())
    if any(p not in PROMPTS for p in prompt):
        raise refuse("invalid_request", f"prompt {_show(query.get('prompt'))} is not supported")
    if "none" in prompt:
        raise refuse("login_required", "the user must confirm with itsme® (prompt=none)")
    return AuthRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=query.get("nonce"),
        code_challenge=challenge,
        acr=acr,
        claims=_claims(query.get("claims"), refuse),
        prompt=prompt,
        max_age=_max_age(query.get("max_age"), refuse),
        ui_locales=tuple(query.get("ui_locales", "").split()),
        params=query,
    )


def _scope(value: str | None, refuse: Callable[[str, str], Refused]) -> tuple[str, ...]:
    scope = tuple((value or "").split())
    if "openid" not in scope:
        raise refuse("invalid_scope", "scope must contain openid")
    unknown = _first(s for s in scope if s not in SCOPES)
    if unknown is not None:
        raise refuse("invalid_scope", f"scope {_show(unknown)} is not allowed for this client")
    return scope


def _acr(value: str | None, refuse: Callable[[str, str], Refused]) -> str:
    """``idp:itsme``, or "" when no eID is named (the eID selection screen comes first)."""
    idps = [v.removeprefix("idp:") for v in (value or "").split() if v.startswith("idp:")]
    if not idps:
        return ""
    if IDP not in idps:
        raise refuse("invalid_request", f"acr_values: idp:{idps[0][:40]} is not an eID here")
    return ACR_ITSME


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)
