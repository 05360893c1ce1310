"""Findings: the debugger's main output.

A finding says what was expected, what came, and where the rule is written down. Its ``id``
is a stable dotted code (``id_token.nonce_mismatch``) that tests, scripts and the JSON report
rely on: never rename one, add a new one instead.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Finding:
    """One observation about the flow.

    ``id``: stable dotted code; ``severity``; ``message``: expected vs. received, in words;
    ``reference``: spec and section ("OIDC Core 3.1.3.7 (11)"); ``where``: the step or field it
    concerns ("id_token.claims.nonce"), used by the UI to jump to it; ``detail``: extra
    structured data (never secrets).
    """

    id: str
    severity: Severity
    message: str
    reference: str = ""
    where: str = ""
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "severity": self.severity.value,
            "message": self.message,
            "reference": self.reference,
        }
        if self.where:
            out["where"] = self.where
        if self.detail:
            out["detail"] = self.detail
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            id=str(data["id"]),
            severity=Severity(data["severity"]),
            message=str(data.get("message", "")),
            reference=str(data.get("reference", "")),
            where=str(data.get("where", "")),
            detail=dict(data.get("detail") or {}),
        )


def error(id: str, message: str, reference: str = "", where: str = "", **detail: Any) -> Finding:
    return Finding(id, Severity.ERROR, message, reference, where, detail)


def warning(id: str, message: str, reference: str = "", where: str = "", **detail: Any) -> Finding:
    return Finding(id, Severity.WARNING, message, reference, where, detail)


def info(id: str, message: str, reference: str = "", where: str = "", **detail: Any) -> Finding:
    return Finding(id, Severity.INFO, message, reference, where, detail)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The most severe level among ``findings``, or None when there are none."""
    best: Severity | None = None
    for f in findings:
        if best is None or f.severity.rank > best.rank:
            best = f.severity
    return best
