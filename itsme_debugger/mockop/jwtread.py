"""Reading the JWTs clients send the mock: client assertions and request objects.

Both may be a compact JWS, or a nested JWT (signed, then encrypted to the provider). The mock
checks them as itsme® does and says in one sentence why it rejects one: that sentence is the
``error_description`` the debugger shows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from itsme_debugger.core.b64 import json_b64


class JwtRejected(Exception):
    """The token cannot be accepted; ``str(exc)`` says why."""


@dataclass(frozen=True)
class OpenedJwt:
    claims: Mapping[str, Any]
    header: Mapping[str, Any]
    encrypted: bool


def open_jwt(
    token: str,
    *,
    decryption_keys: Sequence[jwk.JWK],
    verification_keys: Sequence[jwk.JWK],
    sig_algs: Collection[str],
    require_encrypted: bool,
    what: str,
) -> OpenedJwt:
    """Decrypt (when it is a JWE) and verify ``token``; JwtRejected says what is wrong."""
    inner, encrypted = unwrap(token, decryption_keys, what)
    if require_encrypted and not encrypted:
        raise JwtRejected(
            f"the {what} must be signed then encrypted (a nested JWT), not only signed"
        )
    opened = verify_jws(inner, verification_keys, sig_algs, what)
    return OpenedJwt(opened.claims, opened.header, encrypted)


def unwrap(token: str, decryption_keys: Sequence[jwk.JWK], what: str) -> tuple[str, bool]:
    """The compact JWS inside ``token`` (decrypted when it is a JWE), and whether it was."""
    token = token.strip()
    parts = token.split(".")
    if len(parts) == 5:
        token = _decrypt(token, decryption_keys, what)
        parts = token.split(".")
        if len(parts) != 3:
            raise JwtRejected(f"the {what} decrypts to something that is not a compact JWS")
        return token, True
    if len(parts) != 3:
        raise JwtRejected(f"the {what} is not a compact JWS or JWE")
    return token, False


def peek_claims(jws_compact: str, what: str) -> dict[str, Any]:
    """The payload of a compact JWS, not yet verified (to find out who claims to sign it)."""
    try:
        claims = json_b64(jws_compact.split(".")[1])
    except (ValueError, IndexError) as exc:
        raise JwtRejected(f"the {what}'s payload is not base64url JSON") from exc
    if not isinstance(claims, dict):
        raise JwtRejected(f"the {what}'s payload is not a JSON object")
    return claims


def verify_jws(
    jws_compact: str, keys: Sequence[jwk.JWK], sig_algs: Collection[str], what: str
) -> OpenedJwt:
    """Verify a compact JWS with one of ``keys`` (the one its ``kid`` names, if any)."""
    header = _header(jws_compact.split(".")[0], what)
    alg = header.get("alg")
    if alg not in sig_algs:
        raise JwtRejected(
            f"the {what} is signed with alg {_short(alg)}; accepted: {', '.join(sig_algs)}"
        )
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.get("kid") == kid]
    if not candidates:
        raise JwtRejected(
            f"the {what} is signed with kid {_short(kid)}, which is not in the client's JWKS"
            if kid is not None
            else f"there is no key to verify the {what} with"
        )
    _verify(jws_compact, candidates, str(alg), what)
    return OpenedJwt(peek_claims(jws_compact, what), header, False)


def _header(segment: str, what: str) -> dict[str, Any]:
    try:
        header = json_b64(segment)
    except ValueError as exc:
        raise JwtRejected(f"the {what}'s header is not base64url JSON") from exc
    if not isinstance(header, dict):
        raise JwtRejected(f"the {what}'s header is not a JSON object")
    return header


def _decrypt(token: str, keys: Sequence[jwk.JWK], what: str) -> str:
    header = _header(token.split(".")[0], what)
    for key in keys:
        obj = jwe.JWE()
        try:
            obj.deserialize(token, key=key)
            return bytes(obj.payload).decode("utf-8")
        except (JWException, ValueError, TypeError, KeyError):
            continue
    raise JwtRejected(
        f"the {what} cannot be decrypted (alg {_short(header.get('alg'))}, "
        f"enc {_short(header.get('enc'))}, kid {_short(header.get('kid'))}): it must be "
        "encrypted to the provider's encryption key"
    )


def _verify(token: str, keys: Sequence[jwk.JWK], alg: str, what: str) -> None:
    obj = jws.JWS()
    try:
        obj.deserialize(token)
    except (JWException, ValueError, TypeError) as exc:
        raise JwtRejected(f"the {what} is not a valid JWS") from exc
    for key in keys:
        try:
            obj.verify(key, alg=alg)
            return
        except (JWException, ValueError, TypeError):
            continue
    raise JwtRejected(f"the {what}'s signature does not verify with the client's keys")


def _short(value: Any) -> str:
    """A header value quoted for an error description, cut short (it comes from the client)."""
    return repr(value if isinstance(value, str) and len(value) <= 40 else str(value)[:40])
