"""Markdown export: a readable incident report of one flow, to paste into a support ticket.

In order: the result, the profile's settings (never secrets or key material), the steps and
their timings, every request and response (headers, query and form parameters, bodies shown
up to :data:`MAX_BODY` characters), the decoded ID token and UserInfo, and the findings with
their references. Masked like the other exports unless ``reveal``. Text that comes from the
provider is escaped, so a hostile page cannot inject markup into the rendered report.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from itsme_debugger import __version__
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import STEP_LABELS, FlowResult
from itsme_debugger.core.trace import Exchange

from .json_export import body_text, iso_time
from .redact import ExportView, prepare

MAX_BODY = 4000
MAX_CELL = 160
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_MARK = {True: "✓", False: "✗", None: "–"}


def make_markdown(
    trace: Iterable[Exchange],
    result: FlowResult | None = None,
    profile: Profile | None = None,
    *,
    reveal: bool = False,
) -> str:
    """The report as one string (pure; :mod:`.files` writes it)."""
    return "".join(markdown_from_view(prepare(trace, result, profile, reveal=reveal)))


def markdown_from_view(view: ExportView) -> Iterator[str]:
    """The report, section by section."""
    report = view.report or {}
    yield from _title(view, report)
    if view.profile is not None:
        yield from _profile(view.profile)
    if report.get("steps"):
        yield from _steps(report["steps"])
    if view.exchanges:
        yield "## Exchanges\n\n"
        for _, ex in view.exchanges:
            yield _exchange(ex)
    for key, title in (("id_token", "ID token"), ("userinfo", "UserInfo")):
        if report.get(key):
            yield from _token(title, report[key])
    yield from _findings(report.get("findings", []))


# -- text helpers ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A table cell: one line, escaped, shortened."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return html.escape(text, quote=False).replace("|", "\\|").replace("`", "\\`") or " "


def _inline(value: str) -> str:
    """Inline text outside tables: escaped, one line."""
    return html.escape(" ".join(value.split()), quote=False)


def _code(text: str, lang: str = "") -> str:
    """A fenced block that no backtick run inside ``text`` can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}\n\n"


def _table(header: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n"


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} ms"


# -- sections -------------------------------------------------------------------------------


def _title(view: ExportView, report: Mapping[str, Any]) -> Iterator[str]:
    name = (view.profile or {}).get("name") or report.get("profile") or "flow"
    yield f"# itsme-debugger report: {_inline(name)}\n\n"
    started = view.exchanges[0][1].started if view.exchanges else None
    when = f" Flow started {iso_time(started)}." if started else ""
    yield f"Written by itsme-debugger {__version__}.{when}\n\n"
    if view.redacted:
        yield (
            "Secrets (client secrets and assertions, codes, verifiers, tokens, request "
            "objects, keys) and personal data are **redacted**.\n\n"
        )
    else:
        yield (
            "> **Not redacted: this report contains secrets and personal data.** "
            "Do not share it.\n\n"
        )
    if "exit_code" in report:
        findings = report.get("findings", [])
        errors = sum(1 for f in findings if f.get("severity") == "error")
        warnings = sum(1 for f in findings if f.get("severity") == "warning")
        line = f"**Result: exit {report['exit_code']}**; {errors} error(s), {warnings} warning(s)"
        error = report.get("error")
        if error:
            line += f"; stopped: {_inline(str(error.get('message', '')))}"
        yield line + ".\n\n"


def _profile(p: Mapping[str, Any]) -> Iterator[str]:
    provider, client = p["provider"], p["client"]
    request, flow = p["request"], p["flow"]
    rows: list[tuple[str, Any]] = [
        ("Issuer", provider["issuer"] or "(none: endpoints given)"),
        ("Provider variant", provider["variant"]),
        *((f"Endpoint {k}", v) for k, v in provider.get("endpoints", {}).items()),
        ("Client ID", client["client_id"]),
        ("Client authentication", client["auth_method"]),
        ("Redirect URI", client["redirect_uri"]),
        ("Keys", client["keys"] or "none"),
        ("Client secret", client["client_secret"] or "none"),
        ("Scope", request["scope"]),
        ("PKCE", "S256" if request["pkce"] else "off"),
        ("Request object", request["request_object"]),
        *((f"Parameter {k}", v) for k, v in request["params"].items()),
    ]
    for target, claims in request["claims"].items():
        rows.append((f"Claims requested ({target})", ", ".join(claims) or "none"))
    rows.append(
        (
            "Flow options",
            f"timeout {flow['timeout']:g} s, TLS verification "
            f"{'on' if flow['verify_tls'] else 'OFF'}, UserInfo "
            f"{'on' if flow['userinfo'] else 'off'}, revocation "
            f"{'on' if flow['revoke'] else 'off'}, leeway {flow['leeway']} s, "
            f"redirect by {flow['redirect']}",
        )
    )
    yield "## Profile\n\n"
    yield _table(("Setting", "Value"), rows)


def _steps(steps: list[Mapping[str, Any]]) -> Iterator[str]:
    yield "## Steps\n\n"
    yield _table(
        ("Step", "Status", "Duration", "Note"),
        (
            (
                STEP_LABELS.get(s["name"], s["name"]),
                s["status"],
                _ms(s.get("duration_ms")),
                s.get("message", ""),
            )
            for s in steps
        ),
    )


def _status(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _outcome(ex: Exchange) -> str:
    if ex.error:
        return f"failed: {_inline(ex.error)}"
    if ex.response is None:
        return "in the browser"
    ms = ex.elapsed_ms or ex.response.elapsed_ms
    return f"{_status(ex.response.status)} ({ms:.1f} ms)"


def _body(body: bytes, content_type: str) -> str:
    if not body:
        return ""
    text, encoding = body_text(body)
    lang = ""
    ctype = content_type.split(";")[0].strip().lower()
    if encoding:
        text = f"({len(body)} bytes of binary data, base64)\n{text}"
    elif ctype == "application/x-www-form-urlencoded":
        return _table(("Field", "Value"), parse_qsl(text, keep_blank_values=True))
    elif ctype.endswith("json") or text.lstrip()[:1] in ("{", "["):
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            lang = "json"
        except ValueError:
            pass
    elif ctype == "text/html":
        lang = "html"
    if len(text) > MAX_BODY:
        more = len(text) - MAX_BODY
        text = text[:MAX_BODY] + f"\n… ({more} more characters: the HAR or JSON export has all)"
    return _code(text, lang)


def _exchange(ex: Exchange) -> str:
    req = ex.request
    try:
        parts = urlsplit(req.url)
        where = urlunsplit(parts._replace(query="", fragment=""))
        query = parse_qsl(parts.query, keep_blank_values=True)
        target = parts.path or "/"
    except ValueError:
        where, query, target = req.url, [], req.url
    label = STEP_LABELS.get(ex.step, ex.step)
    out = [
        f"### {ex.index + 1}. {_inline(label)}: {req.method} {_inline(where)} → {_outcome(ex)}\n\n",
        f"Started {iso_time(ex.started)}"
        + (" in the browser" if ex.kind == "browser" else "")
        + (f"; {_inline(ex.note)}" if ex.note else "")
        + ".\n\n",
        "**Request**\n\n",
        _code(
            "\n".join([f"{req.method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in req.headers)]),
            "http",
        ),
    ]
    if query:
        out.append(_table(("Query parameter", "Value"), query))
    out.append(_body(req.body, req.header("content-type") or ""))
    if ex.response is not None:
        resp = ex.response
        status = f"HTTP/1.1 {_status(resp.status)}"
        out += [
            "**Response**\n\n",
            _code("\n".join([status, *(f"{k}: {v}" for k, v in resp.headers)]), "http"),
            _body(resp.body, resp.content_type),
        ]
    return "".join(out)


def _token(title: str, section: Mapping[str, Any]) -> Iterator[str]:
    yield f"## {title}\n\n"
    facts = [f"format {section['format']}"] if "format" in section else []
    facts += [
        f"{name} {_MARK[section.get(key)]}"
        for key, name in (
            ("encrypted", "encrypted"),
            ("signed", "signed"),
            ("signature_verified", "signature verified"),
        )
        if key in section
    ]
    if facts:
        yield ", ".join(facts) + ".\n\n"
    if section.get("layers"):
        yield _table(
            ("Layer", "Header", "Key", "Result"),
            (
                (
                    layer["kind"],
                    layer.get("header") or "",
                    _key(layer.get("key")),
                    f"{_MARK[layer.get('ok')]} {layer.get('note', '')}",
                )
                for layer in section["layers"]
            ),
        )
    if section.get("checks"):
        checks = ", ".join(f"{k} {_MARK[v]}" for k, v in section["checks"].items())
        yield f"Checks: {checks}.\n\n"
    if section.get("claims"):
        yield _table(("Claim", "Value"), section["claims"].items())


def _key(key: Mapping[str, Any] | None) -> str:
    if not key:
        return ""
    return f"{key.get('kid') or '(no kid)'} ({key.get('kty')}): {key.get('reason', '')}"


def _findings(findings: list[Mapping[str, Any]]) -> Iterator[str]:
    yield "## Findings\n\n"
    if not findings:
        yield "None.\n"
        return
    ordered = sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.get("severity", ""), 3))
    for f in ordered:
        step = STEP_LABELS.get(f.get("step", ""), f.get("step", ""))
        ref = f" *Reference: {_inline(f['reference'])}.*" if f.get("reference") else ""
        yield (
            f"- **{f.get('severity', '').upper()}** `{f.get('id', '')}` ({_inline(step)}): "
            f"{_inline(f.get('message', ''))}{ref}\n"
        )
