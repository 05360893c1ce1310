"""Import: read a HAR or JSON trace back, to inspect a flow offline.

:func:`load_trace` reads what :mod:`.files` wrote (and HAR files of other tools, browsers'
developer tools included: what they lack, such as the debugger's steps, gets a default). The
format is told by the content, not the suffix. A file that is not a trace, is truncated or
has a member of the wrong type ends in one :class:`~itsme_debugger.core.errors.ConfigError`
line that says where, never in a traceback.

:func:`token_in_exchange` and :func:`provider_keys` serve ``itsme-debugger decode --trace``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jwcrypto import jwk

from itsme_debugger.core.discovery import process_jwks_response
from itsme_debugger.core.errors import ConfigError, DebuggerError
from itsme_debugger.core.findings import Finding
from itsme_debugger.core.http import Headers, HttpRequest, HttpResponse
from itsme_debugger.core.trace import Exchange, Trace

from .redact import jwt_kind

MAX_BYTES = 512 * 1024 * 1024
#: Where ``decode --trace`` looks for a token when no ``--field`` is named, in order.
TOKEN_FIELDS = (
    "id_token",
    "body",
    "access_token",
    "refresh_token",
    "request",
    "client_assertion",
    "id_token_hint",
    "logout_token",
)
_MARK = "«redacted"


@dataclass(frozen=True)
class LoadedTrace:
    """A trace read from a file: its exchanges, its report ({} without one) and findings."""

    source: str
    format: str  # "HAR" | "JSON"
    exchanges: tuple[Exchange, ...]
    report: Mapping[str, Any]
    findings: tuple[tuple[str, Finding], ...]
    #: None when the file does not say (a HAR written by another tool).
    redacted: bool | None

    def trace(self) -> Trace:
        """The exchanges as a new :class:`Trace`, for views that follow one."""
        trace = Trace()
        for ex in self.exchanges:
            trace.add(
                ex.step,
                ex.request,
                ex.response,
                started=ex.started,
                elapsed_ms=ex.elapsed_ms,
                error=ex.error,
                kind=ex.kind,
                note=ex.note,
            )
        return trace

    def entry(self, number: int) -> Exchange:
        """Exchange ``number``, counted from 1 as the timeline and the Markdown report do."""
        if not 1 <= number <= len(self.exchanges):
            span = f"entries 1 to {len(self.exchanges)}" if self.exchanges else "no entries"
            raise ConfigError(f"{self.source}: there is no entry {number}; the trace has {span}")
        return self.exchanges[number - 1]


class _Bad(Exception):
    """Something in the document is not what a trace holds; the message says where."""


def load_trace(path: str | Path) -> LoadedTrace:
    """Read the HAR or JSON trace at ``path``; ConfigError when it cannot be used."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not read")
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the trace: {exc.strerror or exc}") from exc
    return parse_trace(data, source=str(path))


def parse_trace(data: bytes | str, *, source: str = "trace") -> LoadedTrace:
    """A trace from the text of a HAR or JSON export; ConfigError when it is not one."""
    prefix = f"{source}: not a HAR or JSON trace"
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{prefix}: not UTF-8 text") from exc
    if not text.strip():
        raise ConfigError(f"{prefix}: the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        # An unterminated string runs to the end of the text too.
        early = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        ends = "; it ends too early: truncated?" if early else ""
        raise ConfigError(
            f"{prefix}: {exc.msg} (line {exc.lineno}, column {exc.colno}){ends}"
        ) from exc
    except RecursionError as exc:
        raise ConfigError(f"{prefix}: nested too deeply") from exc
    try:
        return _read(doc, source)
    except _Bad as exc:
        raise ConfigError(f"{source}: {exc}") from exc


# -- typed access -----------------------------------------------------------------------------

_MISSING: Any = object()
_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _get(
    obj: Mapping[str, Any],
    key: str,
    want: type | tuple[type, ...],
    where: str,
    default: Any = _MISSING,
) -> Any:
    value = obj.get(key, _MISSING)
    if value is _MISSING or (value is None and default is not _MISSING):
        if default is _MISSING:
            raise _Bad(f"{where}: {key} is missing")
        return default
    wanted = want if isinstance(want, tuple) else (want,)
    if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
        names = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, "a number") for t in wanted))
        raise _Bad(f"{where}: {key} must be {names}, not {_kind(value)}")
    return value


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{where} must be an object, not {_kind(value)}")
    return value


def _number(obj: Mapping[str, Any], key: str, where: str, default: Any = _MISSING) -> float:
    return float(_get(obj, key, (int, float), where, default))


def _decode(text: str, encoding: str | None, where: str) -> bytes:
    if encoding is None:
        return text.encode("utf-8")
    if encoding != "base64":
        raise _Bad(f"{where}: unknown encoding {encoding!r}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Bad(f"{where}: not valid base64") from exc


def _strings(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(f"{where} must be a list of strings")
    return frozenset(value)


def _findings(value: Any, where: str) -> tuple[tuple[str, Finding], ...]:
    if not isinstance(value, list):
        raise _Bad(f"{where} must be a list, not {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        f = _obj(item, f"{where}[{i}]")
        try:
            finding = Finding.from_dict(dict(f))
        except (KeyError, TypeError, ValueError) as exc:
            raise _Bad(f"{where}[{i}]: not a finding ({exc})") from exc
        out.append((str(f.get("step", "")), finding))
    return tuple(out)


# -- the two formats ---------------------------------------------------------------------------


def _read(doc: Any, source: str) -> LoadedTrace:
    doc = _obj(doc, "the document")
    if "log" in doc:
        return _read_har(_obj(doc["log"], "log"), source)
    if "exchanges" in doc:
        return _read_json(doc, source)
    raise _Bad(
        "not a HAR or JSON trace: neither a HAR log nor the exchanges of an itsme-debugger export"
    )


def _read_json(doc: Mapping[str, Any], source: str) -> LoadedTrace:
    items = _get(doc, "exchanges", list, "the document")
    exchanges = tuple(_json_exchange(i, _obj(x, f"exchange {i + 1}")) for i, x in enumerate(items))
    report = {k: v for k, v in doc.items() if k not in ("exchanges", "export")}
    info = _obj(doc.get("export", {}), "export")
    redacted = info.get("redacted")
    return LoadedTrace(
        source,
        "JSON",
        exchanges,
        report,
        _findings(report.get("findings", []), "findings"),
        redacted if isinstance(redacted, bool) else None,
    )


def _pairs_list(value: Any, where: str) -> Headers:
    if not isinstance(value, list):
        raise _Bad(f"{where} must be a list, not {_kind(value)}")
    out = []
    for i, pair in enumerate(value):
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            raise _Bad(f"{where}[{i}] must be a [name, value] pair of strings")
        out.append((pair[0], pair[1]))
    return tuple(out)


def _json_exchange(i: int, x: Mapping[str, Any]) -> Exchange:
    where = f"exchange {i + 1}"
    req = _obj(x.get("request"), f"{where}: request")
    request = HttpRequest(
        _get(req, "method", str, f"{where}: request"),
        _get(req, "url", str, f"{where}: request"),
        _pairs_list(req.get("headers", []), f"{where}: request.headers"),
        _decode(
            _get(req, "body", str, f"{where}: request", ""),
            _get(req, "body_encoding", str, f"{where}: request", None),
            f"{where}: request.body",
        ),
        _strings(req.get("secret_fields", []), f"{where}: request.secret_fields"),
    )
    response = None
    if x.get("response") is not None:
        resp = _obj(x["response"], f"{where}: response")
        response = HttpResponse(
            int(_get(resp, "status", int, f"{where}: response")),
            _pairs_list(resp.get("headers", []), f"{where}: response.headers"),
            _decode(
                _get(resp, "body", str, f"{where}: response", ""),
                _get(resp, "body_encoding", str, f"{where}: response", None),
                f"{where}: response.body",
            ),
            _get(resp, "url", str, f"{where}: response", ""),
            _number(resp, "elapsed_ms", f"{where}: response", 0.0),
        )
    return Exchange(
        i,
        _get(x, "step", str, where, "http"),
        request,
        response,
        started=_number(x, "started", where, 0.0),
        elapsed_ms=_number(x, "elapsed_ms", where, 0.0),
        error=_get(x, "error", str, where, None),
        kind=_get(x, "kind", str, where, "http"),
        note=_get(x, "note", str, where, ""),
    )


def _read_har(log: Mapping[str, Any], source: str) -> LoadedTrace:
    entries = _get(log, "entries", list, "log")
    exchanges = tuple(_har_exchange(i, _obj(e, f"entry {i + 1}")) for i, e in enumerate(entries))
    report = _obj(log.get("_report") or {}, "log._report")
    findings = log.get("_findings", report.get("findings", []))
    redacted = log.get("_redacted")
    return LoadedTrace(
        source,
        "HAR",
        exchanges,
        report,
        _findings(findings, "log._findings"),
        redacted if isinstance(redacted, bool) else None,
    )


def _har_pairs(value: Any, where: str) -> Headers:
    if not isinstance(value, list):
        raise _Bad(f"{where} must be a list, not {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        h = _obj(item, f"{where}[{i}]")
        out.append((_get(h, "name", str, f"{where}[{i}]"), _get(h, "value", str, f"{where}[{i}]")))
    return tuple(out)


def _har_time(value: Any, where: str) -> float:
    if not isinstance(value, str):
        raise _Bad(f"{where}: startedDateTime must be a string, not {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Bad(f"{where}: startedDateTime {value[:40]!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _har_exchange(i: int, e: Mapping[str, Any]) -> Exchange:
    where = f"entry {i + 1}"
    req = _obj(e.get("request"), f"{where}: request")
    url = _get(req, "url", str, f"{where}: request")
    body = b""
    if req.get("postData") is not None:
        post = _obj(req["postData"], f"{where}: request.postData")
        body = _decode(
            _get(post, "text", str, f"{where}: request.postData", ""),
            _get(post, "_encoding", str, f"{where}: request.postData", None),
            f"{where}: request.postData.text",
        )
    request = HttpRequest(
        _get(req, "method", str, f"{where}: request"),
        url,
        _har_pairs(req.get("headers", []), f"{where}: request.headers"),
        body,
        _strings(req.get("_secret_fields", []), f"{where}: request._secret_fields"),
    )
    elapsed = _number(e, "time", where, 0.0)
    resp = _obj(e.get("response"), f"{where}: response")
    status = int(_get(resp, "status", (int, float), f"{where}: response"))
    response = None
    if status > 0:
        content = _obj(resp.get("content", {}), f"{where}: response.content")
        response = HttpResponse(
            status,
            _har_pairs(resp.get("headers", []), f"{where}: response.headers"),
            _decode(
                _get(content, "text", str, f"{where}: response.content", ""),
                _get(content, "encoding", str, f"{where}: response.content", None),
                f"{where}: response.content.text",
            ),
            _get(resp, "_url", str, f"{where}: response", url),
            _number(resp, "_elapsed_ms", f"{where}: response", elapsed),
        )
    return Exchange(
        i,
        _get(e, "_step", str, where, "http"),
        request,
        response,
        started=_har_time(e.get("startedDateTime"), where),
        elapsed_ms=elapsed,
        error=_get(e, "_error", str, where, None),
        kind=_get(e, "_kind", str, where, "http"),
        note=_get(e, "_note", str, where, ""),
    )


# -- decode --trace -----------------------------------------------------------------------------


def _fields(ex: Exchange) -> dict[str, str]:
    """Every named string an exchange carries: response JSON members, body, request params."""
    out: dict[str, str] = {}
    try:
        query = parse_qsl(urlsplit(ex.request.url).query, keep_blank_values=True)
    except ValueError:
        query = []
    out.update(query)
    if (ex.request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
        out.update(parse_qsl(ex.request.body.decode("utf-8", "replace"), keep_blank_values=True))
    if ex.response is not None and ex.response.body:
        text = ex.response.text().strip()
        out["body"] = text
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict):
            out.update({k: v for k, v in doc.items() if isinstance(v, str)})
    return out


def token_in_exchange(ex: Exchange, field: str | None = None) -> tuple[str, str]:
    """``(name, token)``: the JWT that ``field`` names in ``ex``, or the first one it carries.

    ConfigError when there is none, or when the export masked it.
    """
    fields = _fields(ex)
    where = f"entry {ex.index + 1} ({ex.step})"
    names = [field] if field else [n for n in TOKEN_FIELDS if n in fields]
    if field and field not in fields:
        known = ", ".join(sorted(fields)) or "none"
        raise ConfigError(f"{where} has no field {field!r} (its fields: {known})")
    for name in names:
        value = fields[name]
        if _MARK in value:
            raise ConfigError(
                f"{where}: the {name} was redacted in this export; "
                "export the flow again with --reveal to decode it"
            )
        if jwt_kind(value):
            return name, value
    if field:
        raise ConfigError(f"{where}: the field {field!r} is not a JWT or JWE")
    raise ConfigError(f"{where} carries no JWT or JWE; name a field with --field")


def provider_keys(loaded: LoadedTrace) -> jwk.JWKSet | None:
    """The provider's public keys as the trace last fetched them, or None."""
    for ex in reversed(loaded.exchanges):
        if ex.step in ("jwks", "jwks-refresh") and ex.response is not None:
            try:
                keys, _ = process_jwks_response(ex.response)
            except DebuggerError:
                continue
            if keys["keys"]:
                return keys
    return None
