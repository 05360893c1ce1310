"""JSON export: the ``--json`` report of the flow plus every exchange, as one document.

The document is :func:`~itsme_debugger.core.report.build_report`'s structure (masked by the
export's :class:`~itsme_debugger.export.redact.Redactor` unless ``reveal``), with two more
members: ``exchanges`` (every :class:`~itsme_debugger.core.trace.Exchange`, in order, exactly
as :mod:`itsme_debugger.export.load` reads them back) and ``export`` (what wrote it, when, and
whether it is redacted). Bodies are text when they are UTF-8, else base64 with
``body_encoding: "base64"``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from itsme_debugger import __version__
from itsme_debugger.core.http import Headers
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import FlowResult
from itsme_debugger.core.trace import Exchange

from .redact import ExportView, prepare

FORMAT = "itsme-debugger trace"
FORMAT_VERSION = 1
CREATOR = "itsme-debugger"


def iso_time(epoch: float) -> str:
    """ISO 8601 in UTC with milliseconds, as browsers write HAR times."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def body_text(body: bytes) -> tuple[str, str | None]:
    """``(text, None)`` for a UTF-8 body, ``(base64, "base64")`` for any other."""
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def _body(body: bytes) -> dict[str, Any]:
    text, encoding = body_text(body)
    return {"body": text, "body_encoding": encoding} if encoding else {"body": text}


def _headers(headers: Headers) -> list[list[str]]:
    return [[k, v] for k, v in headers]


def exchange_to_dict(ex: Exchange) -> dict[str, Any]:
    """One exchange as plain JSON data (the inverse of ``load.exchange_from_dict``)."""
    req = ex.request
    out: dict[str, Any] = {
        "index": ex.index,
        "step": ex.step,
        "kind": ex.kind,
        "note": ex.note,
        "started": ex.started,
        "started_at": iso_time(ex.started),
        "elapsed_ms": ex.elapsed_ms,
        "error": ex.error,
        "request": {
            "method": req.method,
            "url": req.url,
            "headers": _headers(req.headers),
            **_body(req.body),
            "secret_fields": sorted(req.secret_fields),
        },
        "response": None,
    }
    if ex.response is not None:
        resp = ex.response
        out["response"] = {
            "status": resp.status,
            "url": resp.url,
            "headers": _headers(resp.headers),
            **_body(resp.body),
            "elapsed_ms": resp.elapsed_ms,
        }
    return out


def export_info(view: ExportView) -> dict[str, Any]:
    """What wrote the document, when, whether it is redacted, and the profile's settings."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "creator": f"{CREATOR} {__version__}",
        "created": iso_time(datetime.now(UTC).timestamp()),
        "redacted": view.redacted,
        "profile": view.profile,
    }


def json_from_view(view: ExportView) -> dict[str, Any]:
    doc: dict[str, Any] = dict(view.report or {})
    doc["export"] = export_info(view)
    doc["exchanges"] = [exchange_to_dict(shown) for _, shown in view.exchanges]
    return doc


def make_json(
    trace: Iterable[Exchange],
    result: FlowResult | None = None,
    profile: Profile | None = None,
    *,
    reveal: bool = False,
) -> dict[str, Any]:
    """The JSON export as a dict (pure; :mod:`.files` writes it)."""
    return json_from_view(prepare(trace, result, profile, reveal=reveal))
