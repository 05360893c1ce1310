"""Proof Key for Code Exchange (RFC 7636), S256 only as itsme requires."""

from __future__ import annotations

import hashlib
import re
import secrets

from .b64 import b64url_encode
from .findings import Finding, error

_UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
REFERENCE = "RFC 7636 4.1"


def make_verifier(nbytes: int = 48) -> str:
    """A high-entropy verifier: 48 random bytes give 64 characters."""
    return b64url_encode(secrets.token_bytes(nbytes))


def challenge_s256(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def check_verifier(verifier: str) -> list[Finding]:
    if _UNRESERVED.match(verifier):
        return []
    return [
        error(
            "pkce.verifier_invalid",
            f"code_verifier must be 43 to 128 unreserved characters; got {len(verifier)} "
            "characters"
            + (
                ""
                if re.fullmatch(r"[A-Za-z0-9\-._~]*", verifier)
                else " with characters outside [A-Za-z0-9-._~]"
            ),
            REFERENCE,
            "request.code_verifier",
        )
    ]


def verify(verifier: str, challenge: str, method: str = "S256") -> bool:
    """True when ``verifier`` matches ``challenge`` (what a provider checks)."""
    if method == "S256":
        return secrets.compare_digest(challenge_s256(verifier), challenge)
    if method == "plain":
        return secrets.compare_digest(verifier, challenge)
    return False
