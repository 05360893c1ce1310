"""The authorization endpoint's checks, in the order itsme® makes them (seed 003).

Until the client and its redirect URI are known good, an error is shown on the sign-in page
(never sent to an unchecked redirect URI); after that it goes back to the client as
``?error=...&error_description=...&state=...``. :func:`validate` returns the accepted request
or raises :class:`Refused`, which says which of the two applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jwcrypto import jwk

from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.claims import ClaimsRequest

from .clients import Client
from .jwtread import JwtRejected, open_jwt
from .variants import ACR_ADVANCED, ACR_BASIC, PROMPTS, itsme_scopes

_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_SECONDS = re.compile(r"[0-9]{1,10}")
#: Members of a request object that are not authorization parameters.
_NOT_PARAMS = ("iss", "aud", "exp", "iat", "nbf", "jti", "request", "request_uri")
_LOCALHOST = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
MISMATCH = "Oauth2 parameters do not match Request object"


class Refused(Exception):
    """The request is refused; ``redirect_uri`` None means: show it on the sign-in page."""

    def __init__(
        self,
        error: str,
        description: str,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True)
class AuthRequest:
    """An accepted authorization request: what the code will be bound to."""

    client: Client
    redirect_uri: str
    scope: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    acr: str
    claims: ClaimsRequest
    prompt: tuple[str, ...]
    max_age: int | None
    ui_locales: tuple[str, ...]
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What the checks need to know about the provider."""

    issuer: str
    clients: Mapping[str, Client]
    decryption_keys: Callable[[Client], Sequence[jwk.JWK]]
    fetch_request_uri: Callable[[str], Awaitable[str]]
    now: float


async def validate(pairs: Sequence[tuple[str, str]], ctx: Context) -> AuthRequest:
    """Check one authorization request (its query or form pairs)."""
    query, repeated = _query(pairs)
    client = _client(query, ctx)
    obj_params: dict[str, str] | None = None
    obj_error: Refused | None = None
    try:
        obj_params = await _request_object(query, client, ctx)
    except Refused as exc:
        obj_error = exc
    params = query | (obj_params or {})
    redirect_uri = _redirect_uri(params.get("redirect_uri"), client, obj_error)
    state = params.get("state")

    def refuse(error: str, description: str) -> Refused:
        return Refused(error, description, redirect_uri, state)

    if obj_error is not None:
        raise refuse(obj_error.error, obj_error.description)
    if repeated:
        raise refuse("invalid_request", f"parameter {repeated[0][:80]} is given more than once")
    if obj_params is not None:
        for name, value in query.items():
            if name in obj_params and not _same(name, value, obj_params[name]):
                raise refuse("invalid_request", f"{MISMATCH}: {name}")
    response_type = params.get("response_type")
    if not response_type:
        raise refuse("invalid_request", "response_type is missing")
    if response_type != "code":
        raise refuse(
            "unsupported_response_type",
            f"response_type {_show(response_type)} is not supported; itsme® only supports code",
        )
    mode = params.get("response_mode")
    if mode not in (None, "query"):
        raise refuse(
            "unsupported_request", f"response_mode {_show(mode)} is not supported (query only)"
        )
    scope = _scope(params.get("scope"), client, refuse)
    challenge = _pkce(params, refuse)
    display = params.get("display")
    if display is not None and display != "page":
        raise refuse("unsupported_display", f"display {_show(display)}: only page is supported")
    acr = _acr(params.get("acr_values"), refuse)
    prompt = tuple(params.get("prompt", "").split())
    for value in prompt:
        if value not in PROMPTS:
            raise refuse("invalid_request", f"prompt value {_show(value)} is not supported")
    if "none" in prompt:
        if len(prompt) > 1:
            raise refuse("invalid_request", "prompt=none cannot be combined with other values")
        raise refuse("login_required", "the user must confirm in the itsme® app (prompt=none)")
    max_age = _max_age(params.get("max_age"), refuse)
    claims = _claims(params.get("claims"), refuse)
    return AuthRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        acr=acr,
        claims=claims,
        prompt=prompt,
        max_age=max_age,
        ui_locales=tuple(params.get("ui_locales", "").split()),
        params=params,
    )


def _query(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """The parameters (the first of each name) and the names given more than once."""
    query: dict[str, str] = {}
    repeated: list[str] = []
    for name, value in pairs:
        if name in query:
            repeated.append(name)
        query.setdefault(name, value)
    return query, repeated


def _client(query: Mapping[str, str], ctx: Context) -> Client:
    client_id = query.get("client_id")
    if not client_id:
        raise Refused("unauthorized_client", "client_id is missing")
    client = ctx.clients.get(client_id)
    if client is None:
        raise Refused("invalid_client_id", f"client_id {_show(client_id)} is not registered")
    return client


def _redirect_uri(uri: str | None, client: Client, obj_error: Refused | None) -> str:
    if not uri:
        if obj_error is not None:
            raise Refused(obj_error.error, obj_error.description)
        raise Refused("invalid_redirect_uri", "redirect_uri is missing")
    if not client.allows_redirect(uri):
        raise Refused(
            "invalid_redirect_uri",
            f"redirect_uri {uri[:200]!r} is not registered for client {client.client_id!r} "
            "(exact, case-sensitive match)",
        )
    return uri


async def _request_object(
    query: Mapping[str, str], client: Client, ctx: Context
) -> dict[str, str] | None:
    request = query.get("request")
    request_uri = query.get("request_uri")
    if request is not None and request_uri is not None:
        raise Refused("invalid_request", "request and request_uri cannot be used together")
    if request_uri is not None:
        request = await _fetch(request_uri, ctx)
    if request is None:
        return None
    try:
        opened = open_jwt(
            request,
            decryption_keys=ctx.decryption_keys(client),
            verification_keys=_verification_keys(client),
            sig_algs=("RS256", "HS256") if client.secret else ("RS256",),
            require_encrypted=True,
            what="request object",
        )
    except JwtRejected as exc:
        raise Refused("invalid_request_object", str(exc)) from exc
    claims = opened.claims
    problem = _object_claims_problem(claims, client, ctx)
    if problem:
        raise Refused("invalid_request_object", problem)
    return {k: _as_param(v) for k, v in claims.items() if k not in _NOT_PARAMS}


def _verification_keys(client: Client) -> list[jwk.JWK]:
    keys = client.keys_for("sig")
    if client.secret:
        keys.append(jwk.JWK(kty="oct", k=b64url_encode(client.secret.encode("utf-8"))))
    return keys


def _object_claims_problem(claims: Mapping[str, Any], client: Client, ctx: Context) -> str:
    if claims.get("iss") != client.client_id:
        return (
            f"iss must be the client_id {client.client_id!r}; got {_show(str(claims.get('iss')))}"
        )
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if ctx.issuer not in audiences:
        return f"aud must be the issuer {ctx.issuer!r}; got {_show(str(aud))}"
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return "exp is missing or not a number"
    if exp <= ctx.now:
        return f"the request object expired {int(ctx.now - exp)} s ago"
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and not isinstance(nbf, bool) and nbf > ctx.now + 60:
        return "nbf is in the future"
    if "client_id" in claims and claims["client_id"] != client.client_id:
        return "client_id inside the request object is another client"
    return ""


async def _fetch(uri: str, ctx: Context) -> str:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise Refused("invalid_request_uri", "request_uri is not a valid URL") from exc
    if parts.scheme != "https":
        raise Refused("invalid_request_uri", "request_uri must use the https scheme")
    if port != 443:
        raise Refused(
            "invalid_request_uri", "request_uri must contain the port 443 (https://host:443/...)"
        )
    host = parts.hostname or ""
    if not host or host in _LOCALHOST or host.endswith(".localhost") or host.startswith("127."):
        raise Refused("invalid_request_uri", "request_uri must not point to localhost")
    try:
        return await ctx.fetch_request_uri(uri)
    except Exception as exc:
        raise Refused("invalid_request_uri", f"request_uri could not be fetched: {exc}") from exc


def _show(value: str | None) -> str:
    """A parameter value quoted for an error description, cut short."""
    return repr(value if value is None or len(value) <= 80 else value[:80] + "…")


def _same(name: str, a: str, b: str) -> bool:
    if name == "claims":
        try:
            return bool(json.loads(a) == json.loads(b))
        except ValueError:
            return a == b
    return a == b


def _as_param(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


Refuse = Callable[[str, str], Refused]


def _scope(scope: str | None, client: Client, refuse: Refuse) -> tuple[str, ...]:
    values = tuple((scope or "").split())
    if not values:
        raise refuse("invalid_scope", "scope is missing (it needs openid and service:CODE)")
    known = set(itsme_scopes()) - {"service"}
    services = [v.removeprefix("service:") for v in values if v.startswith("service:")]
    unknown = [v for v in values if v not in known and not v.startswith("service:")]
    if unknown:
        raise refuse("invalid_scope", f"scope {_show(unknown[0])} is unknown")
    if "openid" not in values:
        raise refuse("invalid_scope", "scope must contain openid")
    if not services:
        raise refuse("invalid_scope", f"scope must contain service:{client.service_code}")
    if len(services) > 1:
        raise refuse("invalid_scope", "scope may name only one service")
    if services[0] != client.service_code:
        raise refuse(
            "invalid_scope",
            f"service:{services[0][:80]} is not a service of client {client.client_id!r}",
        )
    return values


def _pkce(params: Mapping[str, str], refuse: Refuse) -> str | None:
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise refuse("invalid_request", "code_challenge_method without code_challenge")
        return None
    if method != "S256":
        raise refuse(
            "invalid_request",
            f"code_challenge_method must be S256; got {_show(method)}"
            + (" (plain is not supported)" if method in (None, "plain") else ""),
        )
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise refuse("invalid_request", "code_challenge must be 43 base64url characters")
    return challenge


def _acr(acr_values: str | None, refuse: Refuse) -> str:
    values = (acr_values or "").split()
    for value in values:
        if value not in (ACR_BASIC, ACR_ADVANCED):
            raise refuse("invalid_request", f"acr_values: {_show(value)} is not an itsme® acr")
    return ACR_ADVANCED if ACR_ADVANCED in values else ACR_BASIC


def _max_age(value: str | None, refuse: Refuse) -> int | None:
    if value is None:
        return None
    if not _SECONDS.fullmatch(value):
        raise refuse("invalid_request", f"max_age must be a number of seconds; got {_show(value)}")
    return int(value)


def _claims(text: str | None, refuse: Refuse) -> ClaimsRequest:
    if text is None:
        return ClaimsRequest({}, {})
    try:
        return ClaimsRequest.from_json(text)
    except ValueError as exc:
        raise refuse("invalid_request", str(exc)[:300]) from exc
