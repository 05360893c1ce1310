"""The outcome of a flow as plain data, the JSON report, and the readable summary.

The flow engine fills a :class:`FlowResult` step by step; :func:`build_report` turns it into
the ``--json`` report of DESIGN.md and :func:`render_summary` into the text the command line
prints. Secrets are masked unless ``reveal`` is asked for: the client secret and private keys
never appear at all; access, refresh and ID tokens, the authorization code, client assertions
and request objects are shortened to a recognisable stub; sensitive claims (national number,
document numbers) are masked.

A Signicat REST API flow (``[provider] kind = "signicat-rest"``) has the steps of
:data:`REST_STEPS` instead of :data:`STEPS`; its report adds a ``session`` object (id, status,
provider, the callback that came back, the subject with its ``nin`` masked like claims, the
error object) and reports the API access token under ``token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from .errors import ConfigError, DebuggerError, ProviderError
from .findings import Finding, Severity, has_errors

if TYPE_CHECKING:
    from .authorize import AuthorizationParams
    from .discovery import ProviderMetadata
    from .idtoken import IdTokenResult
    from .jose import Inspection
    from .picture import PictureResult
    from .redirect import RedirectResult
    from .signicat_records import Callback, Session
    from .token import TokenSet
    from .userinfo import UserInfoResult

STEPS = (
    "discovery",
    "authorization",
    "callback",
    "token",
    "id_token",
    "userinfo",
    "revocation",
)
#: The steps of a Signicat Authentication REST API flow.
REST_STEPS = ("api_token", "create_session", "callback", "session_status")
STEP_LABELS = {
    "discovery": "Discovery",
    "authorization": "Authorize",
    "callback": "Callback",
    "token": "Token",
    "id_token": "ID token",
    "userinfo": "UserInfo",
    "revocation": "Revocation",
    "api_token": "API token",
    "create_session": "Session",
    "session_status": "Status",
    "jwks": "JWKS",
    "picture": "Picture",
}
#: Form fields and parameters whose values are secrets.
SECRET_PARAMS = frozenset(
    {
        "client_secret",
        "client_assertion",
        "code",
        "code_verifier",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "request",
        "authorization",
    }
)

EXIT_OK, EXIT_FINDINGS, EXIT_CONFIG, EXIT_PROVIDER, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@dataclass
class StepRecord:
    name: str
    status: str = "waiting"  # waiting | running | ok | warning | error | skipped | cancelled
    duration_ms: float | None = None
    message: str = ""


@dataclass
class FlowResult:
    profile_name: str = ""
    steps: dict[str, StepRecord] = field(
        default_factory=lambda: {name: StepRecord(name) for name in STEPS}
    )
    discovery: ProviderMetadata | None = None
    discovery_url: str = ""
    authorization_url: str | None = None
    params: AuthorizationParams | None = None
    request_object: Inspection | None = None
    redirect: RedirectResult | None = None
    token_status: int | None = None
    token: TokenSet | None = None
    id_token: IdTokenResult | None = None
    userinfo: UserInfoResult | None = None
    #: The ``picture`` claim's image, fetched with the access token (in the UserInfo step).
    picture: PictureResult | None = None
    revocation_status: int | None = None
    #: A Signicat REST API flow: the session (last known state) and the callback that came.
    session: Session | None = None
    callback: Callback | None = None
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    error: DebuggerError | None = None
    interrupted: bool = False

    @classmethod
    def with_steps(cls, profile_name: str, names: tuple[str, ...]) -> FlowResult:
        """A result for a flow with other steps than the OIDC ones (e.g. REST_STEPS)."""
        return cls(profile_name=profile_name, steps={n: StepRecord(n) for n in names})

    def add(self, step: str, *findings: Finding) -> None:
        self.findings.extend((step, f) for f in findings)

    def step_findings(self, step: str) -> list[Finding]:
        return [f for s, f in self.findings if s == step]

    @property
    def all_findings(self) -> list[Finding]:
        return [f for _, f in self.findings]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if isinstance(self.error, ConfigError):
            return EXIT_CONFIG
        if isinstance(self.error, ProviderError):
            return EXIT_PROVIDER
        if has_errors(self.all_findings) or self.error is not None:
            return EXIT_FINDINGS
        return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Masking


def mask(value: str, keep: int = 6) -> str:
    """A recognisable stub: the first characters and the length, never the whole value."""
    if len(value) <= keep + 2:
        return "…" * min(len(value), 3) + f" ({len(value)} chars)"
    return f"{value[:keep]}… ({len(value)} chars)"


def mask_query(query: str, secrets: frozenset[str] = SECRET_PARAMS) -> str:
    """``a=b&code=xyz`` with each secret value replaced by a readable stub (not encoded)."""
    out = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and unquote_plus(name).lower() in secrets:
            part = f"{name}={mask(unquote_plus(value))}"
        out.append(part)
    return "&".join(out)


def mask_url(url: str, secrets: frozenset[str] = SECRET_PARAMS) -> str:
    """The URL with secret query parameters masked; the rest is left exactly as it was."""
    rest, hash_mark, fragment = url.partition("#")
    base, question, query = rest.partition("?")
    if not question:
        return url
    return f"{base}?{mask_query(query, secrets)}{hash_mark}{fragment}"


def _sensitive_claims() -> frozenset[str]:
    from .catalogue import catalogue

    return frozenset(name for name, info in catalogue().items() if info.sensitive)


def mask_claims(claims: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if claims is None:
        return None
    sensitive = _sensitive_claims()
    return {
        k: (mask(v, 2) if isinstance(v, str) and k in sensitive else v) for k, v in claims.items()
    }


def mask_subject(subject: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A Signicat session's subject with the sensitive attributes (nin) masked."""
    if subject is None:
        return None
    from .signicat_records import mask_subject as mask_attributes

    return mask_attributes(subject, mask)


def mask_body(body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (mask(v) if isinstance(v, str) and k.lower() in SECRET_PARAMS else v)
        for k, v in body.items()
    }


# ---------------------------------------------------------------------------------------------
# The JSON report


def _inspection_dict(insp: Inspection | None) -> dict[str, Any]:
    if insp is None:
        return {}
    out: dict[str, Any] = {
        "encrypted": insp.encrypted,
        "signed": insp.signed,
        "signature_verified": insp.signature_verified,
        "jwe_header": insp.jwe_header or {},
        "jws_header": insp.jws_header or {},
    }
    layers = []
    for layer in insp.layers:
        entry: dict[str, Any] = {"kind": layer.kind, "ok": layer.ok, "header": layer.header}
        if layer.key is not None:
            entry["key"] = {"kid": layer.key.kid, "kty": layer.key.kty, "reason": layer.key.reason}
        if layer.note:
            entry["note"] = layer.note
        layers.append(entry)
    out["layers"] = layers
    return out


def _picture_dict(picture: PictureResult) -> dict[str, Any]:
    """The picture in the report: where and what it was, never the image (personal data)."""
    entry: dict[str, Any] = {"url": picture.url, "status": picture.status}
    if picture.data is not None:
        entry.update(
            content_type=picture.content_type,
            image_type=picture.image_type,
            bytes=len(picture.data),
        )
    return entry


def _picture_line(picture: PictureResult) -> str:
    if picture.data is not None:
        return f"{picture.image_type}, {len(picture.data)} bytes, from {picture.url}"
    if picture.status is None:
        return f"not fetched ({picture.url})"
    return f"HTTP {picture.status}, no image ({picture.url})"


def build_report(result: FlowResult, *, reveal: bool = False) -> dict[str, Any]:
    """The ``--json`` report (DESIGN.md), secrets masked unless ``reveal``."""

    def claims(c: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return dict(c) if reveal else mask_claims(c)

    steps = [
        {
            "name": s.name,
            "status": s.status,
            "duration_ms": round(s.duration_ms, 1) if s.duration_ms is not None else None,
            **({"message": s.message} if s.message else {}),
        }
        for s in result.steps.values()
    ]
    report: dict[str, Any] = {"profile": result.profile_name, "steps": steps}
    if result.discovery is not None:
        report["discovery"] = {
            "url": result.discovery_url,
            "issuer": result.discovery.issuer,
            "document": dict(result.discovery.raw),
        }
    auth: dict[str, Any] = {}
    if result.authorization_url:
        auth["url"] = result.authorization_url if reveal else mask_url(result.authorization_url)
    if result.params is not None:
        auth["params"] = {
            k: (mask(v) if not reveal and k in SECRET_PARAMS else v)
            for k, v in result.params.to_query()
        }
    if result.request_object is not None:
        auth["request_object"] = _inspection_dict(result.request_object)
    if result.redirect is not None:
        r = result.redirect
        response = {k: (mask(v) if not reveal and k == "code" else v) for k, v in r.params.items()}
        auth["response"] = response
    if auth:
        report["authorization"] = auth
    if result.token_status is not None or result.token is not None:
        body = dict(result.token.raw) if result.token is not None else {}
        report["token"] = {
            "status": result.token_status,
            "body": body if reveal else mask_body(body),
        }
    if result.id_token is not None:
        entry = _inspection_dict(result.id_token.inspection)
        entry["claims"] = claims(result.id_token.claims)
        entry["checks"] = {name: ok for name, ok in result.id_token.checks}
        report["id_token"] = entry
    if result.userinfo is not None:
        ui = result.userinfo
        entry = {"format": ui.format, **_inspection_dict(ui.inspection)}
        entry["claims"] = claims(ui.claims)
        report["userinfo"] = entry
    if result.picture is not None:
        report["picture"] = _picture_dict(result.picture)
    if result.revocation_status is not None:
        report["revocation"] = {"status": result.revocation_status}
    if result.session is not None or result.callback is not None:
        report["session"] = _session_dict(result, reveal)
    report["findings"] = [dict(f.to_dict(), step=step) for step, f in result.findings]
    report["error"] = (
        {"code": result.error.code, "message": result.error.message}
        if result.error is not None
        else None
    )
    report["exit_code"] = result.exit_code
    return report


def _session_dict(result: FlowResult, reveal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    s = result.session
    if s is not None:
        subject = dict(s.subject.attributes) if s.subject is not None else None
        out |= {
            "id": s.id,
            "status": s.status,
            "provider": s.provider,
            "authentication_url": s.authentication_url,
            "requested_attributes": list(s.requested_attributes),
            "subject": subject if reveal else mask_subject(subject),
        }
        if s.error is not None:
            out["error"] = {"code": s.error.code, "title": s.error.title, "detail": s.error.detail}
    if result.callback is not None:
        out["callback"] = {
            "outcome": result.callback.outcome,
            "session_id": result.callback.session_id,
            "url": result.callback.url,
        }
    return out


# ---------------------------------------------------------------------------------------------
# The readable summary

_MARK = {
    "ok": "✓",
    "warning": "⚠",
    "error": "✗",
    "skipped": "-",
    "waiting": "·",
    "running": "…",
    "cancelled": "■",
}
_SEV = {Severity.ERROR: "ERROR  ", Severity.WARNING: "WARNING", Severity.INFO: "info   "}


def render_summary(result: FlowResult, *, reveal: bool = False) -> str:
    """Findings first (most severe first), then the steps, then the claims."""
    lines: list[str] = []
    ordered = sorted(result.findings, key=lambda sf: -sf[1].severity.rank)
    if ordered:
        lines.append("Findings")
        for _step, f in ordered:
            ref = f"  [{f.reference}]" if f.reference else ""
            lines.append(f"  {_SEV[f.severity]} {f.id}: {f.message}{ref}")
        lines.append("")
    if result.error is not None:
        lines.append(f"Stopped: {result.error.message}")
        lines.append("")
    lines.append("Steps")
    for s in result.steps.values():
        dur = f"{s.duration_ms:8.1f} ms" if s.duration_ms is not None else " " * 11
        msg = f"  {s.message}" if s.message else ""
        lines.append(f"  {_MARK.get(s.status, '?')} {STEP_LABELS[s.name]:<11}{dur}{msg}")
    if result.session is not None:
        lines += _session_lines(result.session, reveal)
    for title, c in (
        ("ID token claims", result.id_token.claims if result.id_token else None),
        ("UserInfo claims", result.userinfo.claims if result.userinfo else None),
    ):
        if c:
            shown = c if reveal else (mask_claims(c) or {})
            lines.append("")
            lines.append(title)
            for k, v in shown.items():
                text = str(v)
                if len(text) > 90:
                    text = text[:87] + "..."
                lines.append(f"  {k}: {text}")
    if result.picture is not None:
        lines += ["", f"Picture: {_picture_line(result.picture)}"]
    n_err = sum(1 for f in result.all_findings if f.severity is Severity.ERROR)
    n_warn = sum(1 for f in result.all_findings if f.severity is Severity.WARNING)
    lines.append("")
    lines.append(f"Result: exit {result.exit_code}; {n_err} error(s), {n_warn} warning(s)")
    return "\n".join(lines) + "\n"


def _session_lines(session: Session, reveal: bool) -> list[str]:
    lines = ["", "Session", f"  id: {session.id}", f"  status: {session.status}"]
    if session.provider:
        lines.append(f"  provider: {session.provider}")
    if session.error is not None:
        lines.append(f"  error: {session.error.code}: {session.error.title}")
    if session.subject is not None:
        subject = dict(session.subject.attributes)
        shown = subject if reveal else (mask_subject(subject) or {})
        lines.append("  subject:")
        lines += [f"    {k}: {v}" for k, v in shown.items()]
    return lines
