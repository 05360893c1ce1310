"""Small building blocks for the hooks of hostile cases (see :class:`~.provider.Case`).

Each function returns a hook, or is one: a way of altering what the provider was about to
send. They keep the per-case tests declarative: ``@case(id_token_claims=without("iat"))``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.net.httpserver import Response

from .provider import Claims, HostileProvider, public

ClaimsHook = Callable[[Claims, HostileProvider], Claims]
SignHook = Callable[[Claims, HostileProvider], str]


def without(*names: str) -> ClaimsHook:
    """Drop ``names`` from the claims."""

    def hook(claims: Claims, op: HostileProvider) -> Claims:
        return {k: v for k, v in claims.items() if k not in names}

    return hook


def with_claims(**values: Any) -> ClaimsHook:
    """Set (or replace) claims."""

    def hook(claims: Claims, op: HostileProvider) -> Claims:
        return {**claims, **values}

    return hook


def tampered(token: str) -> str:
    """The token with its signature reversed (still base64url, no longer valid)."""
    head, body, sig = token.split(".")
    return f"{head}.{body}.{sig[::-1]}"


def signed_with(
    key: Callable[[HostileProvider], jwk.JWK],
    *,
    alg: str | None = None,
    kid: bool = True,
    headers: dict[str, Any] | None = None,
    tamper: bool = False,
) -> SignHook:
    """Sign with ``key(op)``; ``kid=False`` leaves the kid out of the header."""

    def hook(claims: Claims, op: HostileProvider) -> str:
        k = key(op)
        if not kid:
            k = jwk.JWK(**{n: v for n, v in k.export(as_dict=True).items() if n != "kid"})
        token = op.sign(claims, k, alg=alg, headers=headers)
        return tampered(token) if tamper else token

    return hook


def hmac_signed(secret: bytes, *, alg: str = "HS256", tamper: bool = False) -> SignHook:
    """Sign with HMAC over ``secret`` (the client secret's octets, or anything else)."""

    def hook(claims: Claims, op: HostileProvider) -> str:
        key = jwk.JWK(kty="oct", k=b64url_encode(secret))
        token = op.sign(claims, key, alg=alg)
        return tampered(token) if tamper else token

    return hook


def rs256_with_header(header: dict[str, Any]) -> SignHook:
    """RS256 over the provider's key with ``header`` as it is (jwcrypto refuses some, e.g. an
    unknown ``crit``): the signature is right, the header is the attack."""

    def hook(claims: Claims, op: HostileProvider) -> str:
        head = b64url_encode(json.dumps({"alg": "RS256", **header}).encode())
        body = b64url_encode(json.dumps(claims).encode())
        key = op.signing_key.get_op_key("sign")
        sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{head}.{body}.{b64url_encode(sig)}"

    return hook


def unsecured(claims: Claims, op: HostileProvider) -> str:
    """An ``alg: none`` JWT (seal refuses to make one, on purpose)."""
    head = b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64url_encode(json.dumps(claims).encode())
    return f"{head}.{body}."


def to_client(inner: str, op: HostileProvider, **kw: Any) -> str:
    """``inner`` encrypted to the client's encryption key (``cty: JWT``)."""
    key = jwk.JWK(**public(op.keys.rp_enc))
    kw.setdefault("cty", "JWT")
    return seal.encrypt(inner, key, alg=kw.pop("alg", "RSA-OAEP"), **kw)


def encrypted(sign: SignHook | None = None, **kw: Any) -> SignHook:
    """Sign (``sign``, else the provider's key) then encrypt to the client."""

    def hook(claims: Claims, op: HostileProvider) -> str:
        inner = sign(claims, op) if sign else op.sign(claims)
        return to_client(inner, op, **dict(kw))

    return hook


def point(name: str, url: Callable[[HostileProvider], str]) -> Callable[..., dict[str, Any]]:
    """A discovery hook that sets the metadata member ``name`` to ``url(op)``."""

    def hook(doc: dict[str, Any], op: HostileProvider) -> dict[str, Any]:
        return {**doc, name: url(op)}

    return hook


def raw_body(
    body: bytes, content_type: str = "application/json", status: int = 200
) -> Callable[..., Response]:
    """A hook (of any endpoint) that answers ``body`` as it is."""

    def hook(*_: Any) -> Response:
        return Response(
            status, (("Content-Type", content_type), ("Cache-Control", "no-store")), body
        )

    return hook


def nested_json(depth: int) -> bytes:
    """``{"a":[[[...]]]}``: valid JSON nested ``depth`` arrays deep."""
    return b'{"a":' + b"[" * depth + b"]" * depth + b"}"


async def sleep_forever(writer: asyncio.StreamWriter) -> None:
    """A raw answer that never comes."""
    await asyncio.sleep(3600)
