"""HAR 1.2 export: :func:`make_har` is pure (a dict); :mod:`.files` writes it.

Every exchange becomes an entry, the browser's authorization request and the redirect
captured on loopback included (``_kind: "browser"``), with its start time and duration. The
standard members are typed exactly as the HAR 1.2 specification says (``headersSize: -1``
when unknown, ``cookies: []``, timings that add up to ``time``), so browsers' developer tools
import the file. What the debugger adds is under ``_``-prefixed members, which the
specification reserves for custom fields:

- entry: ``_index``, ``_step``, ``_kind``, ``_note``, ``_error``, ``_decoded`` (the token the
  exchange carried, peeled: headers, layers and claims), ``_findings`` (the findings of its
  step), ``_resourceType`` (what Chrome's importer files the entry under);
- request: ``_secret_fields`` (the fields the debugger masks), ``postData._encoding``;
- log: ``_redacted``, ``_profile`` (the settings, never secrets), ``_report`` (the ``--json``
  report) and ``_findings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_plus

from itsme_debugger import __version__
from itsme_debugger.core.http import Headers, HttpRequest, HttpResponse
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import FlowResult
from itsme_debugger.core.trace import Exchange

from .json_export import CREATOR, body_text, iso_time
from .redact import ExportView, prepare

HAR_VERSION = "1.2"
HTTP_VERSION = "HTTP/1.1"
PAGE_ID = "flow"
#: The report section that decodes what an exchange of a step carried.
DECODED = {
    "token": ("id_token",),
    "userinfo": ("userinfo",),
    "authorization": ("authorization", "request_object"),
}
#: Findings of these steps belong to the exchange of another step.
FINDING_STEP = {"id_token": "token"}


def make_har(
    trace: Iterable[Exchange],
    result: FlowResult | None = None,
    profile: Profile | None = None,
    *,
    reveal: bool = False,
) -> dict[str, Any]:
    """The HAR 1.2 document of ``trace`` (and of ``result``'s report), masked unless ``reveal``."""
    return har_from_view(prepare(trace, result, profile, reveal=reveal))


def har_from_view(view: ExportView) -> dict[str, Any]:
    report = view.report or {}
    shown = [s for _, s in view.exchanges]
    last_of_step = {ex.step: ex.index for ex in shown}
    findings: dict[int, list[dict[str, Any]]] = {}
    for f in report.get("findings", []):
        step = FINDING_STEP.get(f.get("step", ""), f.get("step", ""))
        if step in last_of_step:
            findings.setdefault(last_of_step[step], []).append(f)
    entries = []
    for original, ex in view.exchanges:
        decoded = _section(report, DECODED[ex.step]) if ex.step in DECODED else None
        entry = har_entry(original, ex)
        if decoded and last_of_step[ex.step] == ex.index:
            entry["_decoded"] = decoded
        if ex.index in findings:
            entry["_findings"] = findings[ex.index]
        entries.append(entry)
    started = shown[0].started if shown else 0.0
    title = (view.profile or {}).get("name") or report.get("profile") or "itsme-debugger flow"
    log: dict[str, Any] = {
        "version": HAR_VERSION,
        "creator": {"name": CREATOR, "version": __version__},
        "pages": [
            {
                "startedDateTime": iso_time(started),
                "id": PAGE_ID,
                "title": title,
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            }
        ],
        "_redacted": view.redacted,
    }
    if view.profile is not None:
        log["_profile"] = view.profile
    if view.report is not None:
        log["_report"] = view.report
        log["_findings"] = view.report.get("findings", [])
    log["entries"] = entries
    return {"log": log}


def _section(report: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = report
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def har_entry(original: Exchange, ex: Exchange) -> dict[str, Any]:
    """One entry: ``ex`` as shown (masked or not), with ``original``'s sizes."""
    time = ex.elapsed_ms or (ex.response.elapsed_ms if ex.response is not None else 0.0)
    time = max(time, 0.0)
    entry: dict[str, Any] = {
        "pageref": PAGE_ID,
        "startedDateTime": iso_time(ex.started),
        "time": time,
        "request": _request(ex.request, len(original.request.body)),
        "response": (
            _response(ex.response, len(original.response.body))
            if ex.response is not None and original.response is not None
            else _no_response()
        ),
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "send": 0,
            "wait": time,
            "receive": 0,
            "ssl": -1,
        },
        "_index": ex.index,
        "_step": ex.step,
        "_kind": ex.kind,
        "_resourceType": "document" if ex.kind == "browser" else "fetch",
    }
    if ex.note:
        entry["_note"] = ex.note
    if ex.error:
        entry["_error"] = ex.error
    return entry


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _unquote(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True)``, faster on text that needs no decoding."""
    out = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            out.append((_unquote(name), _unquote(value)))
    return out


def _cookies(headers: Headers, name: str) -> list[dict[str, str]]:
    """Cookies of the ``Cookie`` header (all pairs) or of ``Set-Cookie`` headers (the first)."""
    out = []
    for k, v in headers:
        if k.lower() != name:
            continue
        pairs = v.split(";") if name == "cookie" else v.split(";")[:1]
        for pair in pairs:
            cname, sep, cvalue = pair.strip().partition("=")
            if sep and cname:
                out.append({"name": cname, "value": cvalue})
    return out


def _request(req: HttpRequest, size: int) -> dict[str, Any]:
    query = _form_pairs(req.url.partition("?")[2].partition("#")[0])
    out: dict[str, Any] = {
        "method": req.method,
        "url": req.url,
        "httpVersion": HTTP_VERSION,
        "cookies": _cookies(req.headers, "cookie"),
        "headers": _pairs(req.headers),
        "queryString": _pairs(query),
        "headersSize": -1,
        "bodySize": size,
    }
    if req.body:
        mime = req.header("content-type") or "application/octet-stream"
        text, encoding = body_text(req.body)
        post: dict[str, Any] = {"mimeType": mime, "text": text}
        if encoding:
            post["_encoding"] = encoding
        elif mime.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            post["params"] = _pairs(_form_pairs(text))
        out["postData"] = post
    if req.secret_fields:
        out["_secret_fields"] = sorted(req.secret_fields)
    return out


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _response(resp: HttpResponse, size: int) -> dict[str, Any]:
    text, encoding = body_text(resp.body)
    content: dict[str, Any] = {
        "size": size,
        "mimeType": resp.header("content-type") or "x-unknown",
        "text": text,
    }
    if encoding:
        content["encoding"] = encoding
    compressed = (resp.header("content-encoding") or "identity").lower() != "identity"
    out: dict[str, Any] = {
        "status": resp.status,
        "statusText": _status_text(resp.status),
        "httpVersion": HTTP_VERSION,
        "cookies": _cookies(resp.headers, "set-cookie"),
        "headers": _pairs(resp.headers),
        "content": content,
        "redirectURL": resp.header("location") or "",
        "headersSize": -1,
        "bodySize": -1 if compressed else size,
    }
    if resp.url:
        out["_url"] = resp.url
    out["_elapsed_ms"] = resp.elapsed_ms
    return out


def _no_response() -> dict[str, Any]:
    """What HAR writers put for a request that got no answer (or one the browser kept)."""
    return {
        "status": 0,
        "statusText": "",
        "httpVersion": "",
        "cookies": [],
        "headers": [],
        "content": {"size": 0, "mimeType": "x-unknown"},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }
