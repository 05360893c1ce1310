"""The mock provider's switchable misbehaviours, for demos and tests.

Each fault makes one endpoint answer the way a broken or hostile provider would, so that the
debugger's findings for it can be seen and tested. They can be set at construction and
switched at run time through ``MockProvider.faults`` (a plain set of these names).
"""

from __future__ import annotations

from collections.abc import Iterable

from itsme_debugger.core.errors import ConfigError

FAULTS: dict[str, str] = {
    "access_denied": "the authorization endpoint answers error=access_denied",
    "state_mismatch": "the authorization response carries a different state",
    "invalid_grant": "the token endpoint answers error=invalid_grant",
    "server_error": "the token endpoint answers HTTP 500 with an HTML page",
    "slow": "the token endpoint waits slow_seconds before answering",
    "malformed_token_body": "the token endpoint answers 200 with a body that is not JSON",
    "bad_signature": "the ID token's signature is corrupted",
    "wrong_nonce": "the ID token carries another nonce",
    "expired": "the ID token expired before it was issued",
    "wrong_iss": "the ID token names another issuer",
    "wrong_aud": "the ID token is addressed to another client",
    "unknown_kid": "the ID token is signed by a key that is not in the JWK Set",
    "not_encrypted": "the ID token is only signed, not encrypted",
    "userinfo_sub_mismatch": "the UserInfo response names another subject",
    "picture_elsewhere": "the picture claim points at another host than the provider",
    "picture_not_image": "the picture URL answers an HTML page instead of the image",
}

#: Where the ``picture_elsewhere`` fault points the picture claim (no provider's origin).
ELSEWHERE_PICTURE = "https://pictures.example.net/v2/picture"


def check_faults(names: Iterable[str]) -> set[str]:
    """The set of fault names; raises ConfigError naming the unknown ones."""
    wanted = set(names)
    unknown = sorted(wanted - FAULTS.keys())
    if unknown:
        raise ConfigError(
            f"unknown mock fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}"
        )
    return wanted
