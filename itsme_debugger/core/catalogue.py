"""The itsme® claims catalogue: every user claim and scope of the itsme® OIDC v2 reference.

The data lives in ``resources/claims.json`` (label, description, value format, group, the scope
that already yields a claim, metadata rules, redaction flags and the seed's example value).
ID-token protocol claims (iss, aud, exp, nonce...) are not user data and are not listed,
except ``sub``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from itsme_debugger._resources import resource

ITSME_CLAIM_PREFIX = "http://itsme.services/v2/claim/"
GROUPS = ("identity", "contact", "address", "eid", "document", "device_fraud", "metadata")


@dataclass(frozen=True)
class ClaimInfo:
    """What the debugger knows about one claim.

    ``scope``: the scope that already yields the claim (None: only the ``claims`` parameter
    does); ``applies_to``: for a metadata claim, the attributes its object may be keyed by;
    ``personal``: personal data to redact in exports; ``sensitive``: masked by default.
    """

    name: str
    label: str
    description: str
    format: str
    group: str
    scope: str | None
    metadata: bool
    applies_to: tuple[str, ...]
    personal: bool
    sensitive: bool
    example: Any
    standard: bool


@dataclass(frozen=True)
class _Data:
    claims: Mapping[str, ClaimInfo]
    scopes: Mapping[str, Mapping[str, Any]]


@cache
def _data() -> _Data:
    raw = json.loads(resource("claims.json").read_text(encoding="utf-8"))
    claims = {
        entry["name"]: ClaimInfo(
            name=entry["name"],
            label=entry["label"],
            description=entry["description"],
            format=entry["format"],
            group=entry["group"],
            scope=entry["scope"],
            metadata=entry["metadata"],
            applies_to=tuple(entry["applies_to"]),
            personal=entry["personal"],
            sensitive=entry["sensitive"],
            example=entry["example"],
            standard=entry["standard"],
        )
        for entry in raw["claims"]
    }
    return _Data(MappingProxyType(claims), MappingProxyType(raw["scopes"]))


def catalogue() -> Mapping[str, ClaimInfo]:
    """Every known claim by full name, in the catalogue's order (read once)."""
    return _data().claims


def claim_info(name: str) -> ClaimInfo | None:
    return _data().claims.get(name)


def scope_claims(scope: str) -> tuple[str, ...]:
    """The claims a scope yields (``profile`` -> family_name, given_name, ...); unknown -> ()."""
    entry = _data().scopes.get(scope)
    return tuple(entry["claims"]) if entry is not None else ()


def scopes(provider: str | None = None) -> Mapping[str, str]:
    """Scope -> description; ``provider`` ("itsme", "signicat", "generic") keeps its scopes.

    ``service:CODE`` stands for every ``service:<code>`` scope.
    """
    return {
        name: entry["description"]
        for name, entry in _data().scopes.items()
        if provider is None or provider in entry["providers"]
    }


def short_name(name: str) -> str:
    """``http://itsme.services/v2/claim/BEeidSn`` -> ``BEeidSn``; other names unchanged."""
    return name.removeprefix(ITSME_CLAIM_PREFIX)


def full_name(name: str) -> str:
    """``BEeidSn`` -> ``http://itsme.services/v2/claim/BEeidSn`` when that is a known claim."""
    if name in _data().claims:
        return name
    candidate = ITSME_CLAIM_PREFIX + name
    return candidate if candidate in _data().claims else name
