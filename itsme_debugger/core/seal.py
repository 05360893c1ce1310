"""Making JOSE objects: sign, encrypt, and sign-then-encrypt (a nested JWT).

Used by client assertions, request objects, and the mock provider. Reading them back is
``core.jose``'s work. Every signed header carries ``kid`` (itsme requires it) and every nested
JWE carries ``cty: "JWT"`` (RFC 7519 section 5.2, required by itsme).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from jwcrypto import jwe, jwk, jws

from .errors import KeyError_

SIGNING_ALGS = ("RS256", "PS256", "ES256")


def key_for(
    keys: jwk.JWKSet | Iterable[jwk.JWK] | jwk.JWK,
    use: str,
    *,
    alg: str | None = None,
    kid: str | None = None,
    private: bool = False,
) -> jwk.JWK:
    """Pick the key for ``use`` ("sig" or "enc") from a set.

    Preference: the given ``kid``; then a key whose ``use`` matches (or has no ``use``) and
    whose ``alg`` matches (or has none); RSA before others. Raises KeyError_ with a clear
    message when none fits.
    """
    if isinstance(keys, jwk.JWK):
        candidates = [keys]
    elif isinstance(keys, jwk.JWKSet):
        candidates = list(keys["keys"])
    else:
        candidates = list(keys)
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
        if not candidates:
            raise KeyError_(f"no key with kid {kid!r}")
    fitting = [
        k
        for k in candidates
        if k.get("use") in (None, use)
        and (alg is None or k.get("alg") in (None, alg))
        and (not private or k.has_private)
        and (use != "sig" or k.get("kty") != "oct" or alg in (None, "HS256", "HS384", "HS512"))
    ]
    if not fitting:
        what = f"{'private ' if private else ''}{'signing' if use == 'sig' else 'encryption'} key"
        raise KeyError_(f"no {what}{f' for {alg}' if alg else ''} among {len(candidates)} key(s)")
    fitting.sort(key=lambda k: (k.get("use") != use, k.get("alg") != alg, k.get("kty") != "RSA"))
    return fitting[0]


def default_alg(key: jwk.JWK, use: str) -> str:
    alg = key.get("alg")
    if alg:
        return str(alg)
    kty = key.get("kty")
    if use == "sig":
        return {"RSA": "RS256", "EC": "ES256", "oct": "HS256"}.get(str(kty), "RS256")
    return {"RSA": "RSA-OAEP-256", "EC": "ECDH-ES", "oct": "dir"}.get(str(kty), "RSA-OAEP-256")


def sign(
    claims: Mapping[str, Any] | str | bytes,
    key: jwk.JWK,
    *,
    alg: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """A compact JWS over ``claims`` (a mapping is serialized as JSON)."""
    payload = _payload(claims)
    alg = alg or default_alg(key, "sig")
    if alg == "none":
        raise KeyError_("refusing to make an unsigned token (alg none)")
    protected: dict[str, Any] = {"alg": alg}
    if key.get("kid"):
        protected["kid"] = key.get("kid")
    if headers:
        protected.update(headers)
    token = jws.JWS(payload)
    token.add_signature(key, alg=alg, protected=json.dumps(protected))
    return str(token.serialize(compact=True))


def encrypt(
    plaintext: str | bytes,
    key: jwk.JWK,
    *,
    alg: str | None = None,
    enc: str = "A256CBC-HS512",
    cty: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """A compact JWE of ``plaintext`` to ``key``."""
    alg = alg or default_alg(key, "enc")
    protected: dict[str, Any] = {"alg": alg, "enc": enc}
    if key.get("kid") and alg != "dir":
        protected["kid"] = key.get("kid")
    if cty:
        protected["cty"] = cty
    if headers:
        protected.update(headers)
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    token = jwe.JWE(data, protected=json.dumps(protected))
    token.add_recipient(key)
    return str(token.serialize(compact=True))


def sign_then_encrypt(
    claims: Mapping[str, Any],
    signing_key: jwk.JWK,
    encryption_key: jwk.JWK,
    *,
    sig_alg: str | None = None,
    enc_alg: str | None = None,
    enc: str = "A256CBC-HS512",
    typ: str | None = None,
) -> str:
    """A nested JWT: signed, then encrypted, with ``cty: JWT``."""
    inner = sign(claims, signing_key, alg=sig_alg, headers={"typ": typ} if typ else None)
    return encrypt(inner, encryption_key, alg=enc_alg, enc=enc, cty="JWT")


def _payload(claims: Mapping[str, Any] | str | bytes) -> bytes:
    if isinstance(claims, bytes):
        return claims
    if isinstance(claims, str):
        return claims.encode("utf-8")
    return json.dumps(dict(claims), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
