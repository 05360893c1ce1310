"""What the mock puts in ID tokens and UserInfo responses, and how it seals them.

ID token (seed 003, Token Request): iss, sub, aud, iat, nbf, exp = iat + 300, nonce, auth_time,
acr, at_hash and the claims requested in ``claims.id_token``. UserInfo: sub, the claims of the
granted scopes and of ``claims.userinfo``, with iss, aud, iat, nbf and exp as in the seed's
example. Metadata claims are computed for each response by the seed's rules. Both are signed
RS256 (``kid`` in the header), then encrypted: v2 to the client's RSA encryption key, the
client-secret variant with ``dir`` + A256GCM and a key derived from the secret.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import b64url_decode, b64url_encode
from itsme_debugger.core.jose import derive_secret_key
from itsme_debugger.core.metadata import METADATA_CLAIMS, compute_metadata

from .authorize import AuthRequest
from .user import ExampleUser
from .variants import RSA_KEY_WRAPS

ID_TOKEN_LIFETIME = 300
ACCESS_TOKEN_LIFETIME = 3600
USER_ENC = "A128CBC-HS256"
SECRET_ENC = "A256GCM"
#: Claims the provider sets itself; a request for them in ``claims`` changes nothing.
_PROTOCOL = frozenset(
    ("iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "auth_time", "acr", "amr", "at_hash")
)


@dataclass(frozen=True)
class Grant:
    """What one authorization gave the client: the request, when the user approved, the user."""

    request: AuthRequest
    auth_time: float
    user: ExampleUser


def release(user: ExampleUser, requested: Iterable[str], picture_url: str) -> dict[str, Any]:
    """The user's attributes among ``requested``, plus the metadata requested about them."""
    names = [n for n in dict.fromkeys(requested) if n not in _PROTOCOL]
    attributes = user.release([n for n in names if n not in METADATA_CLAIMS], picture_url)
    metadata = compute_metadata(
        [n for n in names if n in METADATA_CLAIMS], attributes, user.metadata_facts
    )
    return attributes | metadata


def id_token_claims(
    grant: Grant,
    *,
    issuer: str,
    now: float,
    access_token: str,
    picture_url: str,
    faults: set[str],
) -> dict[str, Any]:
    req = grant.request
    iat = int(now) - 900 if "expired" in faults else int(now)
    claims: dict[str, Any] = {
        "iss": issuer + "/" if "wrong_iss" in faults else issuer,
        "sub": grant.user.sub,
        "aud": "another-client" if "wrong_aud" in faults else req.client.client_id,
        "iat": iat,
        "nbf": iat,
        "exp": iat + ID_TOKEN_LIFETIME,
        "auth_time": int(grant.auth_time),
        "acr": req.acr,
        "at_hash": at_hash(access_token),
    }
    if "wrong_nonce" in faults:
        claims["nonce"] = (req.nonce or "") + "-not-the-one-you-sent"
    elif req.nonce is not None:
        claims["nonce"] = req.nonce
    return release(grant.user, req.claims.names("id_token"), picture_url) | claims


def userinfo_claims(
    grant: Grant, *, issuer: str, now: float, picture_url: str, scope_claims: Iterable[str]
) -> dict[str, Any]:
    req = grant.request
    requested = [*scope_claims, *req.claims.names("userinfo")]
    return release(grant.user, requested, picture_url) | {
        "sub": grant.user.sub,
        "iss": issuer,
        "aud": req.client.client_id,
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + ID_TOKEN_LIFETIME,
    }


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: the left half of SHA-256 of the access token, base64url."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


def other_subject() -> str:
    """A subject of the same shape as itsme®'s (36 characters) that is nobody's."""
    return secrets.token_hex(18)


def sign(claims: Mapping[str, Any], key: jwk.JWK, *, corrupt: bool = False) -> str:
    token = seal.sign(claims, key, alg="RS256")
    if not corrupt:
        return token
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x5A
    return f"{head}.{payload}.{b64url_encode(bytes(raw))}"


def encrypt_for(jws_compact: str, *, client_keys: list[jwk.JWK], secret: str | None) -> str | None:
    """The nested JWT for a client: ``dir`` + A256GCM with its secret, else RSA to its
    encryption key; None when the client has neither (the token then stays only signed)."""
    if secret is not None:
        key = derive_secret_key(secret, "dir", SECRET_ENC)
        return seal.encrypt(jws_compact, key, alg="dir", enc=SECRET_ENC, cty="JWT")
    if not client_keys:
        return None
    key = client_keys[0]
    alg = key.get("alg") if key.get("alg") in RSA_KEY_WRAPS else RSA_KEY_WRAPS[0]
    return seal.encrypt(jws_compact, key, alg=str(alg), enc=USER_ENC, cty="JWT")
