"""itsme® metadata claims: facts about the user's attributes, not about the user.

Seed 003, "User Data, Metadata": a metadata claim is an object with one value per requested
user attribute it applies to (``verificationDate`` -> ``{"birthdate": "2023-06-01T13:04:26Z",
"given_name": ...}``); requested alone it returns nothing; ``validityTo`` only ever has values
for ``BEeidSn`` and ``IDDocumentSN``. Attributes are keyed by their full claim names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .catalogue import ITSME_CLAIM_PREFIX, catalogue, claim_info, full_name, short_name
from .findings import Finding, error, info, warning

METADATA_CLAIMS: tuple[str, ...] = tuple(
    ITSME_CLAIM_PREFIX + name
    for name in (
        "verificationDate",
        "validityFrom",
        "validityTo",
        "IDIssuingCountry",
        "issuance_locality",
    )
)
_DATE_CLAIMS = frozenset(METADATA_CLAIMS[:3])
_COUNTRY_CLAIM = ITSME_CLAIM_PREFIX + "IDIssuingCountry"
_ISO_8601 = re.compile(
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?"
)
_ALPHA_3 = re.compile(r"[A-Z]{3}")
REFERENCE = "itsme v2: User Data, Metadata"


def compute_metadata(
    requested_metadata: Iterable[str],
    released_attributes: Iterable[str],
    facts: Mapping[str, Mapping[str, str]],
) -> dict[str, dict[str, str]]:
    """The metadata claims a provider returns, by the seed's rules.

    For each requested metadata claim, an object ``{attribute: facts[metadata][attribute]}``
    over the released attributes it applies to (and that ``facts`` knows); a metadata claim
    with nothing to say is left out. Short names (``BEeidSn``) are accepted everywhere.
    """
    released = [full_name(a) for a in released_attributes]
    known = {
        full_name(meta): {full_name(attr): value for attr, value in values.items()}
        for meta, values in facts.items()
    }
    out: dict[str, dict[str, str]] = {}
    for meta in dict.fromkeys(full_name(m) for m in requested_metadata):
        meta_info = claim_info(meta)
        if meta_info is None or not meta_info.metadata:
            continue
        values = known.get(meta, {})
        obj = {a: values[a] for a in released if a in meta_info.applies_to and a in values}
        if obj:
            out[meta] = obj
    return out


@dataclass(frozen=True)
class MetadataMatrix:
    """Attributes (rows) x metadata claims (columns) for display; missing cells are absent."""

    attributes: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], str]


def metadata_matrix(claims: Mapping[str, Any]) -> MetadataMatrix:
    """Lay out the metadata objects in ``claims``: rows in catalogue order, then unknown keys."""
    columns = tuple(m for m in METADATA_CLAIMS if isinstance(claims.get(m), Mapping))
    cells: dict[tuple[str, str], str] = {}
    seen: dict[str, None] = {}
    for column in columns:
        for attr, value in claims[column].items():
            seen.setdefault(str(attr))
            cells[(str(attr), column)] = value if isinstance(value, str) else json.dumps(value)
    order = {name: i for i, name in enumerate(catalogue())}
    attributes = sorted(seen, key=lambda a: order.get(a, len(order)))
    return MetadataMatrix(tuple(attributes), columns, cells)


def check_metadata(target: str, claims: Mapping[str, Any]) -> list[Finding]:
    """Check the shape of every metadata claim in one response (ID token or UserInfo)."""
    findings: list[Finding] = []
    for meta in METADATA_CLAIMS:
        if meta not in claims:
            continue
        value = claims[meta]
        where = f"{target}.claims.{meta}"
        name = short_name(meta)
        if not isinstance(value, Mapping):
            findings.append(
                error(
                    f"{target}.metadata_not_object",
                    f"{name} should be an object keyed by attribute name "
                    f'(e.g. {{"birthdate": ...}}); got {type(value).__name__} {value!r:.60}',
                    REFERENCE,
                    where,
                )
            )
            continue
        if not value:
            findings.append(
                info(
                    f"{target}.metadata_empty",
                    f"{name} is an empty object; itsme® leaves out a metadata claim that has "
                    "nothing to say",
                    REFERENCE,
                    where,
                )
            )
        for attr, item in value.items():
            findings += _check_entry(target, meta, str(attr), item, claims)
    return findings


def _check_entry(
    target: str, meta: str, attr: str, item: Any, claims: Mapping[str, Any]
) -> list[Finding]:
    meta_info = claim_info(meta)
    assert meta_info is not None
    name = short_name(meta)
    where = f"{target}.claims.{meta}.{attr}"
    findings: list[Finding] = []
    if attr not in meta_info.applies_to:
        hint = ""
        if full_name(attr) in meta_info.applies_to:
            hint = f"; itsme® keys it by the full claim name {full_name(attr)}"
        allowed = ", ".join(short_name(a) for a in meta_info.applies_to)
        findings.append(
            warning(
                f"{target}.metadata_not_applicable",
                f"{name} has a value for {attr}, but it only applies to {allowed}{hint}",
                REFERENCE,
                where,
            )
        )
    elif attr not in claims:
        findings.append(
            warning(
                f"{target}.metadata_attribute_absent",
                f"{name} has a value for {short_name(attr)}, but this response does not "
                f"contain {short_name(attr)}; metadata only describes attributes that are "
                "requested and returned",
                REFERENCE,
                where,
            )
        )
    if not isinstance(item, str):
        findings.append(
            warning(
                f"{target}.metadata_value_not_string",
                f"{name}[{short_name(attr)}] should be a string; got {type(item).__name__}",
                REFERENCE,
                where,
            )
        )
    elif meta in _DATE_CLAIMS and not is_iso8601(item):
        findings.append(
            warning(
                f"{target}.metadata_date_invalid",
                f"{name}[{short_name(attr)}] should be an ISO 8601 date-time such as "
                f"2023-04-12T15:02:23Z; got {item!r:.60}",
                REFERENCE,
                where,
            )
        )
    elif meta == _COUNTRY_CLAIM and not _ALPHA_3.fullmatch(item):
        findings.append(
            warning(
                f"{target}.metadata_country_invalid",
                f"{name}[{short_name(attr)}] should be a 3-letter ISO country code such as "
                f"BEL; got {item!r:.60}",
                REFERENCE,
                where,
            )
        )
    return findings


def is_iso8601(text: str) -> bool:
    """An ISO 8601 extended date or date-time (2023-04-12, 2023-04-12T15:02:23.000Z)."""
    if not _ISO_8601.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
