"""Request objects (OIDC Core 6.1): the authorization parameters as a signed, encrypted JWT.

itsme® (seed 003, ``request`` / ``request_uri``): the JWT MUST be signed, MUST carry ``iss``
(the client_id) and ``aud`` (the issuer), and MUST then be encrypted: a nested JWT.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from jwcrypto import jwk

from . import seal
from .authorize import AuthorizationParams

#: The content encryption of a signed-then-encrypted request object.
DEFAULT_ENC = "A256CBC-HS512"

#: Parameters that never go inside a request object (OIDC Core 6.1).
_OUTSIDE_ONLY = ("request", "request_uri")


def request_object_claims(
    params: AuthorizationParams,
    *,
    client_id: str,
    audience: str,
    now: float | None = None,
    lifetime: int = 300,
) -> dict[str, Any]:
    """Every authorization parameter (``claims`` as an object, ``max_age`` as a number), plus
    ``iss`` = client_id, ``aud``, ``iat``, ``nbf``, ``exp`` and a fresh ``jti``."""
    issued = int(time.time() if now is None else now)
    out: dict[str, Any] = {k: v for k, v in params.to_query() if k not in _OUTSIDE_ONLY}
    if params.claims is not None:
        out["claims"] = params.claims.to_dict()
    if params.max_age is not None:
        out["max_age"] = params.max_age
    out.update(
        iss=client_id,
        aud=audience,
        iat=issued,
        nbf=issued,
        exp=issued + lifetime,
        jti=secrets.token_urlsafe(24),
    )
    return out


def build_request_object(
    params: AuthorizationParams,
    *,
    client_id: str,
    audience: str,
    signing_key: jwk.JWK,
    encryption_key: jwk.JWK | None,
    now: float | None = None,
    enc: str = DEFAULT_ENC,
) -> str:
    """Sign the request object (RS256 for an RSA key, with its ``kid``); then, when
    ``encryption_key`` is given, encrypt it to the provider (``cty: JWT``)."""
    claims = request_object_claims(params, client_id=client_id, audience=audience, now=now)
    if encryption_key is None:
        return seal.sign(claims, signing_key)
    return seal.sign_then_encrypt(claims, signing_key, encryption_key, enc=enc)


def authorization_params_with_request_object(
    params: AuthorizationParams, request_object: str
) -> AuthorizationParams:
    """What goes on the URL: client_id, response_type and scope (OIDC Core 6.1 wants them
    outside too) and ``request``; everything else travels inside the request object."""
    return AuthorizationParams(
        client_id=params.client_id,
        redirect_uri="",
        scope=params.scope,
        response_type=params.response_type,
        request=request_object,
    )
