"""Client authentication at the token and revocation endpoints, as itsme® checks it.

v2 host: private_key_jwt only (seed 003, Token Request): a ``client_assertion`` JWT signed
RS256 with a key of the client's JWKS (optionally signed then encrypted to the provider), with
iss = sub = client_id, aud = the token endpoint URL, exp in the future and a fresh jti of at
most 255 characters. Client-secret host: ``client_secret_basic`` or ``client_secret_post``.
Failures raise :class:`~itsme_debugger.core.errors.OAuthError` with the seed's error code.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from jwcrypto import jwk

from itsme_debugger.core.errors import OAuthError

from .clients import Client
from .jwtread import JwtRejected, peek_claims, unwrap, verify_jws
from .variants import PRIVATE_KEY_JWT, Variant

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_JTI = 255


@dataclass
class AuthContext:
    """What client authentication needs; ``seen_jti`` (jti -> exp) outlives one request."""

    variant: Variant
    clients: Mapping[str, Client]
    issuer: str
    endpoint_url: str
    decryption_keys: Sequence[jwk.JWK]
    seen_jti: MutableMapping[str, float]
    now: float


def authenticate(form: Mapping[str, str], authorization: str | None, ctx: AuthContext) -> Client:
    """The client that sent this request, or OAuthError saying why it is not accepted."""
    basic = authorization is not None and authorization[:6].lower() == "basic "
    assertion = "client_assertion" in form or "client_assertion_type" in form
    post = "client_secret" in form
    used = [
        name
        for name, on in (
            ("client_secret_basic", basic),
            (PRIVATE_KEY_JWT, assertion),
            ("client_secret_post", post),
        )
        if on
    ]
    if len(used) > 1:
        raise OAuthError(
            "invalid_request",
            f"more than one client authentication method is used: {', '.join(used)}",
            status=400,
        )
    allowed = ", ".join(ctx.variant.auth_methods)
    if not used:
        raise _invalid_client(f"no client authentication; this endpoint accepts {allowed}", basic)
    if used[0] not in ctx.variant.auth_methods:
        raise _invalid_client(
            f"client authentication {used[0]} is not supported here; use {allowed}", basic
        )
    if used[0] == PRIVATE_KEY_JWT:
        return _private_key_jwt(form, ctx)
    if basic:
        assert authorization is not None
        client_id, secret = _basic_credentials(authorization[6:].strip())
        if form.get("client_id", client_id) != client_id:
            raise OAuthError(
                "invalid_request", "client_id in the body differs from the Basic one", status=400
            )
    else:
        client_id, secret = form.get("client_id", ""), form["client_secret"]
    client = ctx.clients.get(client_id)
    if client is None or client.secret is None:
        raise _invalid_client(f"client_id {client_id[:80]!r} is not registered", basic)
    if not hmac.compare_digest(client.secret.encode("utf-8"), secret.encode("utf-8")):
        raise _invalid_client(f"wrong client secret for {client_id!r}", basic)
    return client


def _invalid_client(description: str, basic: bool) -> OAuthError:
    """invalid_client: 401 when the client tried the Authorization header (RFC 6749 5.2)."""
    return OAuthError("invalid_client", description, status=401 if basic else 400)


def _basic_credentials(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise _invalid_client("the Basic credentials are not base64", True) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _invalid_client("the Basic credentials have no ':' between id and secret", True)
    return unquote_plus(client_id), unquote_plus(secret)


def _private_key_jwt(form: Mapping[str, str], ctx: AuthContext) -> Client:
    kind = form.get("client_assertion_type")
    if kind != JWT_BEARER:
        raise OAuthError(
            "invalid_request",
            f"client_assertion_type must be {JWT_BEARER}; got {str(kind)[:80]!r}",
            status=400,
        )
    token = form.get("client_assertion")
    if not token:
        raise OAuthError("invalid_request", "client_assertion is missing", status=400)
    try:
        inner, _ = unwrap(token, ctx.decryption_keys, "client_assertion")
        claims = peek_claims(inner, "client_assertion")
    except JwtRejected as exc:
        raise _bad_assertion(str(exc)) from exc
    iss = claims.get("iss")
    client = ctx.clients.get(iss) if isinstance(iss, str) else None
    if client is None:
        raise OAuthError(
            "invalid_client", f"client_assertion iss {str(iss)[:80]!r} is not a registered client"
        )
    if form.get("client_id", client.client_id) != client.client_id:
        raise _bad_assertion("client_id differs from the client_assertion's iss")
    try:
        verify_jws(inner, client.keys_for("sig"), ("RS256",), "client_assertion")
    except JwtRejected as exc:
        raise _bad_assertion(str(exc)) from exc
    _check_assertion_claims(claims, client, ctx)
    return client


def _bad_assertion(description: str) -> OAuthError:
    return OAuthError("unauthorized_client", f"invalid client_assertion: {description}")


def _check_assertion_claims(claims: Mapping[str, object], client: Client, ctx: AuthContext) -> None:
    if claims.get("sub") != client.client_id:
        raise _bad_assertion(
            f"sub must be the client_id {client.client_id!r}; got {str(claims.get('sub'))[:80]!r}"
        )
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if ctx.endpoint_url not in audiences:
        hint = " (the issuer is not accepted)" if ctx.issuer in audiences else ""
        raise _bad_assertion(f"aud must be the token endpoint {ctx.endpoint_url!r}{hint}")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise _bad_assertion("exp is missing or not a number")
    if exp <= ctx.now:
        raise _bad_assertion(f"it expired {int(ctx.now - exp)} s ago")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise _bad_assertion("jti is missing")
    if len(jti) > MAX_JTI:
        raise _bad_assertion(f"jti has {len(jti)} characters; at most {MAX_JTI}")
    for old in [j for j, until in ctx.seen_jti.items() if until < ctx.now]:
        del ctx.seen_jti[old]
    key = f"{client.client_id}\n{jti}"
    if key in ctx.seen_jti:
        raise _bad_assertion(f"jti {jti[:40]!r} was already used (replay)")
    ctx.seen_jti[key] = float(exp)
