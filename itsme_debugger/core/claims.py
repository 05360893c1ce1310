"""The ``claims`` request parameter (OIDC Core 5.5): build, parse, lint, and check the answer.

A :class:`ClaimsRequest` round-trips with the JSON of the ``claims`` parameter:
``{"id_token": {"given_name": {"essential": true}, "birthdate": null}, "userinfo": {...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalogue import claim_info, scope_claims, short_name
from .findings import Finding, error, info, warning
from .metadata import check_metadata

TARGETS = ("id_token", "userinfo")
REFERENCE = "OIDC Core 5.5"
_SPEC_MEMBERS = ("essential", "value", "values")


@dataclass(frozen=True)
class ClaimSpec:
    """One requested claim (OIDC Core 5.5.1); all empty is JSON ``null``."""

    essential: bool | None = None
    value: Any = None
    values: tuple[Any, ...] | None = None

    def to_json_value(self) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        if self.essential is not None:
            out["essential"] = self.essential
        if self.value is not None:
            out["value"] = self.value
        if self.values is not None:
            out["values"] = list(self.values)
        return out or None

    @classmethod
    def from_json_value(cls, data: Any, where: str = "claim") -> ClaimSpec:
        """Parse ``null`` or ``{"essential": ..., "value": ..., "values": [...]}``."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected null or an object, got {_kind(data)}")
        unknown = [k for k in data if k not in _SPEC_MEMBERS]
        if unknown:
            raise ValueError(
                f"{where}: unknown member {unknown[0]!r} (expected essential, value or values)"
            )
        essential = data.get("essential")
        if essential is not None and not isinstance(essential, bool):
            raise ValueError(f"{where}: essential must be true or false, got {_kind(essential)}")
        values = data.get("values")
        if values is not None and not isinstance(values, list):
            raise ValueError(f"{where}: values must be an array, got {_kind(values)}")
        return cls(essential, data.get("value"), tuple(values) if values is not None else None)


@dataclass(frozen=True)
class ClaimsRequest:
    """The claims requested per target, in insertion order.

    ``unknown_targets``: top-level members other than id_token / userinfo found when parsing,
    kept so that :func:`lint_claims_request` can report them (they request nothing).
    """

    id_token: Mapping[str, ClaimSpec]
    userinfo: Mapping[str, ClaimSpec]
    unknown_targets: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "id_token", dict(self.id_token))
        object.__setattr__(self, "userinfo", dict(self.userinfo))

    def target(self, target: str) -> Mapping[str, ClaimSpec]:
        if target == "id_token":
            return self.id_token
        if target == "userinfo":
            return self.userinfo
        raise ValueError(f"{target!r} is not a claims target (use id_token or userinfo)")

    def to_dict(self) -> dict[str, Any]:
        return {
            t: {name: spec.to_json_value() for name, spec in self.target(t).items()}
            for t in TARGETS
            if self.target(t)
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def is_empty(self) -> bool:
        return not self.id_token and not self.userinfo

    def with_claim(self, target: str, name: str, spec: ClaimSpec = ClaimSpec()) -> ClaimsRequest:
        """A copy with ``name`` requested in ``target`` (replaced in place if already there)."""
        claims = dict(self.target(target))
        claims[name] = spec
        return self._with(target, claims)

    def without_claim(self, target: str, name: str) -> ClaimsRequest:
        claims = {k: v for k, v in self.target(target).items() if k != name}
        return self._with(target, claims)

    def names(self, target: str | None = None) -> tuple[str, ...]:
        """Requested claim names of one target, or of both (id_token first, no repeats)."""
        if target is not None:
            return tuple(self.target(target))
        return tuple(dict.fromkeys([*self.id_token, *self.userinfo]))

    def _with(self, target: str, claims: Mapping[str, ClaimSpec]) -> ClaimsRequest:
        if target == "id_token":
            return ClaimsRequest(claims, self.userinfo, self.unknown_targets)
        return ClaimsRequest(self.id_token, claims, self.unknown_targets)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimsRequest:
        """Parse the ``claims`` object; raises ValueError saying what is wrong and where."""
        if not isinstance(data, Mapping):
            raise ValueError(f"claims must be a JSON object, got {_kind(data)}")
        targets: dict[str, dict[str, ClaimSpec]] = {t: {} for t in TARGETS}
        unknown: list[str] = []
        for target, members in data.items():
            if target not in targets:
                unknown.append(str(target))
                continue
            if not isinstance(members, Mapping):
                raise ValueError(f"claims.{target} must be an object, got {_kind(members)}")
            for name, spec in members.items():
                where = f"claims.{target}.{name}"
                targets[target][str(name)] = ClaimSpec.from_json_value(spec, where)
        return cls(targets["id_token"], targets["userinfo"], tuple(unknown))

    @classmethod
    def from_json(cls, text: str) -> ClaimsRequest:
        try:
            data = json.loads(text)
        except RecursionError as exc:
            raise ValueError("claims is not valid JSON: nested too deeply") from exc
        except ValueError as exc:
            raise ValueError(f"claims is not valid JSON: {exc}") from exc
        return cls.from_dict(data)


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Lint the request


def lint_claims_request(
    req: ClaimsRequest, *, scopes: Sequence[str], claims_supported: Sequence[str] | None
) -> list[Finding]:
    """What is odd about a claims request, before it is sent."""
    findings = [
        error(
            "claims.invalid_target",
            f"claims has a top-level member {name!r}: only id_token and userinfo request "
            "anything, so the claims under it are not requested",
            "OIDC Core 5.5; itsme v2: Authorization Request, claims",
            f"request.claims.{name}",
        )
        for name in req.unknown_targets
    ]
    in_scope = {claim: scope for scope in scopes for claim in scope_claims(scope)}
    for target in TARGETS:
        requested = req.target(target)
        for name, spec in requested.items():
            findings += _lint_claim(target, name, spec, requested, in_scope, claims_supported)
    return findings


def _lint_claim(
    target: str,
    name: str,
    spec: ClaimSpec,
    requested: Mapping[str, ClaimSpec],
    in_scope: Mapping[str, str],
    claims_supported: Sequence[str] | None,
) -> list[Finding]:
    where = f"request.claims.{target}.{name}"
    claim = claim_info(name)
    findings: list[Finding] = []
    if claim is None:
        findings.append(
            info(
                "claims.unknown",
                f"{name} is not a claim of the itsme® catalogue; the provider may ignore it",
                "itsme v2: Authorization Request, claims",
                where,
            )
        )
    if claims_supported is not None and name not in claims_supported:
        findings.append(
            warning(
                "claims.not_supported_by_provider",
                f"{name} is not in the provider's claims_supported; it will probably not be "
                "returned",
                "OpenID Connect Discovery 1.0, 3 (claims_supported)",
                where,
            )
        )
    if claim is not None and claim.metadata:
        attributes = set(requested) | (set(in_scope) if target == "userinfo" else set())
        if not attributes & set(claim.applies_to):
            some = ", ".join(short_name(a) for a in claim.applies_to[:4])
            findings.append(
                warning(
                    "claims.metadata_without_attribute",
                    f"{short_name(name)} is metadata: it only has values for attributes "
                    f"requested with it in {target} (such as {some}); requested alone it "
                    "returns nothing",
                    "itsme v2: User Data, Metadata",
                    where,
                )
            )
    if target == "userinfo" and name in in_scope and spec.to_json_value() is None:
        findings.append(
            info(
                "claims.already_in_scope",
                f"{short_name(name)} is already returned at UserInfo because of the scope "
                f"{in_scope[name]}",
                "itsme v2: Authorization Request, scope",
                where,
            )
        )
    if spec.value is not None and spec.values is not None:
        findings.append(
            warning(
                "claims.value_and_values",
                f"{short_name(name)} asks for both value and values; use one of them",
                "OIDC Core 5.5.1",
                where,
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Check what came back


def check_returned_claims(
    target: str, claims: Mapping[str, Any], req: ClaimsRequest, scopes: Sequence[str]
) -> list[Finding]:
    """Compare the claims of an ID token or UserInfo response with what was requested."""
    findings: list[Finding] = []
    requested = req.target(target)
    for name, spec in requested.items():
        where = f"{target}.claims.{name}"
        if name not in claims:
            if spec.essential:
                findings.append(
                    warning(
                        f"{target}.essential_claim_missing",
                        f"{short_name(name)} was requested as essential in {target} but is "
                        "not in it",
                        "OIDC Core 5.5.1",
                        where,
                    )
                )
            continue
        findings += _check_value(target, name, spec, claims[name])
    findings += check_metadata(target, claims)
    findings += _check_metadata_requested(target, claims, req, scopes)
    return findings


def _check_value(target: str, name: str, spec: ClaimSpec, got: Any) -> list[Finding]:
    where = f"{target}.claims.{name}"
    # OIDC Core 5.5.1.1: a sub requested with a value MUST NOT come back for another user.
    severity = error if name == "sub" else warning
    if spec.value is not None and got != spec.value:
        return [
            severity(
                f"{target}.claim_value_mismatch",
                f"{short_name(name)} was requested with the value {spec.value!r:.80}; got "
                f"{got!r:.80}",
                "OIDC Core 5.5.1",
                where,
            )
        ]
    if spec.values is not None and got not in spec.values:
        return [
            severity(
                f"{target}.claim_values_mismatch",
                f"{short_name(name)} was requested with one of the values "
                f"{list(spec.values)!r:.80}; got {got!r:.80}",
                "OIDC Core 5.5.1",
                where,
            )
        ]
    return []


def _check_metadata_requested(
    target: str, claims: Mapping[str, Any], req: ClaimsRequest, scopes: Sequence[str]
) -> list[Finding]:
    """Metadata values for attributes nobody asked for (the seed says there are none)."""
    asked = set(req.names()) | {c for s in scopes for c in scope_claims(s)}
    findings: list[Finding] = []
    for name, value in claims.items():
        claim = claim_info(name)
        if claim is None or not claim.metadata or not isinstance(value, Mapping):
            continue
        findings += [
            info(
                f"{target}.metadata_for_unrequested_attribute",
                f"{short_name(name)} has a value for {short_name(str(attr))}, which was not "
                "requested; itsme® only returns metadata for requested attributes",
                "itsme v2: User Data, Metadata",
                f"{target}.claims.{name}.{attr}",
            )
            for attr in value
            if attr not in asked and attr in claim.applies_to
        ]
    return findings
