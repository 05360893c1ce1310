"""One HTTP exchange: request and response, decoded and raw, secrets masked until revealed.

Masked by default (``core.report.mask``, a recognisable stub): the request's ``secret_fields``,
the Authorization and cookie headers, ``client_secret``, ``client_assertion``, ``code``,
``code_verifier``, tokens in form and JSON bodies, secret parameters in URLs (and in a
``Location`` header), and a body that is a whole JWT.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.http import Headers, HttpRequest, HttpResponse
from itsme_debugger.core.jose import peek
from itsme_debugger.core.report import (
    SECRET_PARAMS,
    mask,
    mask_claims,
    mask_query,
    mask_subject,
    mask_url,
)
from itsme_debugger.core.trace import Exchange
from itsme_debugger.ui import widgets

_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
_URL_HEADERS = frozenset({"location", "referer"})
_MAX_BODY = 200_000


@dataclass(frozen=True)
class Masker:
    """Masks secrets in the parts of one exchange, unless ``reveal``."""

    secrets: frozenset[str]
    reveal: bool

    @classmethod
    def for_request(cls, request: HttpRequest, reveal: bool) -> Masker:
        return cls(SECRET_PARAMS | {s.lower() for s in request.secret_fields}, reveal)

    def value(self, name: str, value: str) -> str:
        if self.reveal or name.lower() not in self.secrets:
            return value
        return mask(value)

    def header(self, name: str, value: str) -> str:
        low = name.lower()
        if self.reveal:
            return value
        if low in _URL_HEADERS:
            return mask_url(value, self.secrets)
        if low not in _SECRET_HEADERS and low not in self.secrets:
            return value
        scheme, sep, credentials = value.partition(" ")
        if low.endswith("authorization") and sep and credentials:
            return f"{scheme} {mask(credentials)}"
        return mask(value)

    def headers(self, headers: Headers) -> list[tuple[str, str]]:
        return [(k, self.header(k, v)) for k, v in headers]

    def url(self, url: str) -> str:
        return url if self.reveal else mask_url(url, self.secrets)

    def form(self, body: bytes) -> tuple[str, list[tuple[str, str]]]:
        """(the body as text, its fields), masked."""
        text = body.decode("utf-8", "replace")
        pairs = parse_qsl(text, keep_blank_values=True)
        shown = text if self.reveal else mask_query(text, self.secrets)
        return shown, [(k, self.value(k, v)) for k, v in pairs]

    def json(self, doc: Any) -> Any:
        if self.reveal or not isinstance(doc, Mapping):
            return doc
        shown = {k: self.value(k, v) if isinstance(v, str) else v for k, v in doc.items()}
        shown = mask_claims(shown) or shown  # a plain-JSON UserInfo's national number, ...
        subject = shown.get("subject")
        if isinstance(subject, Mapping):  # a Signicat session's nin
            shown["subject"] = mask_subject(subject)
        return shown

    def jwt(self, text: str) -> str:
        return text if self.reveal else mask(text, 20)


@dataclass(frozen=True)
class Body:
    """A body decoded for display: ``kind`` form | json | jwt | text | binary | empty."""

    kind: str
    text: str
    fields: tuple[tuple[str, str], ...] = ()


def decode_body(body: bytes, content_type: str, masker: Masker) -> Body:
    if not body:
        return Body("empty", "")
    if content_type == "application/x-www-form-urlencoded":
        text, fields = masker.form(body)
        return Body("form", text, tuple(fields))
    try:
        text = body[:_MAX_BODY].decode("utf-8")
    except UnicodeDecodeError:
        return Body("binary", f"{len(body)} bytes of binary data ({content_type or 'no type'})")
    cut = f"\n… ({len(body) - _MAX_BODY} more bytes not shown)" if len(body) > _MAX_BODY else ""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            doc = json.loads(stripped)
        except ValueError:
            pass
        else:
            return Body("json", json.dumps(masker.json(doc), indent=2, ensure_ascii=False))
    if peek(stripped)[0] != "unknown":
        return Body("jwt", masker.jwt(stripped))
    return Body("text", text + cut)


def request_content_type(request: HttpRequest) -> str:
    return (request.header("content-type") or "").split(";")[0].strip().lower()


def status_line(response: HttpResponse) -> str:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    return f"HTTP/1.1 {response.status} {phrase}".rstrip()


def raw_exchange(exchange: Exchange, masker: Masker) -> str:
    """The exchange as HTTP/1.1 text, masked like the decoded view."""
    req = exchange.request
    lines = [f"{req.method} {masker.url(req.url)} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in masker.headers(req.headers)]
    body = decode_body(req.body, request_content_type(req), masker)
    lines += ["", body.text] if body.kind != "empty" else []
    resp = exchange.response
    if resp is not None:
        lines += ["", "", status_line(resp)]
        lines += [f"{k}: {v}" for k, v in masker.headers(resp.headers)]
        rbody = decode_body(resp.body, resp.content_type, masker)
        lines += ["", rbody.text] if rbody.kind != "empty" else []
    elif exchange.error:
        lines += ["", "", f"(no response: {exchange.error})"]
    return "\n".join(lines)


class _BodyView(QWidget):
    """A body: form fields as a table, anything else as text."""

    def __init__(self) -> None:
        super().__init__()
        self.table = widgets.KeyValueTable(fit=True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(widgets.mono_font())
        self.text.setMinimumHeight(60)
        self.empty = QLabel("<i>no body</i>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        layout.addWidget(self.text)

    def show_body(self, body: Body) -> None:
        self.empty.setVisible(body.kind == "empty")
        self.table.setVisible(body.kind == "form")
        self.text.setVisible(body.kind not in ("form", "empty"))
        if body.kind == "form":
            self.table.set_rows(body.fields)
        else:
            self.text.setPlainText(body.text)
            lines = body.text.count("\n") + 1
            self.text.setFixedHeight(min(max(lines, 3), 24) * self.fontMetrics().height() + 16)


class HttpExchangeView(QWidget):
    """[Decoded] request and response with headers, body and timing; [Raw] HTTP text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exchange: Exchange | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.reveal = QCheckBox("Reveal secrets")
        self.reveal.setToolTip("Show secrets (client secret, assertion, code, tokens) in full")
        self.reveal.toggled.connect(self._render)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reveal)

        self.request_line = QLabel()
        self.request_line.setWordWrap(True)
        self.request_line.setFont(widgets.mono_font())
        self.query = widgets.KeyValueTable(fit=True)
        self.request_headers = widgets.KeyValueTable(fit=True)
        self.request_body = _BodyView()
        self.response_line = QLabel()
        self.response_line.setFont(widgets.mono_font())
        self.response_headers = widgets.KeyValueTable(fit=True)
        self.response_body = _BodyView()
        self.timing = QLabel()
        self.problem = widgets.SeverityBadge("error")

        page = QWidget()
        body = QVBoxLayout(page)
        body.addWidget(self.problem)
        body.addWidget(widgets.section_label("Request"))
        body.addWidget(self.request_line)
        self._query_heading = QLabel("Query parameters")
        body.addWidget(self._query_heading)
        body.addWidget(self.query)
        body.addWidget(QLabel("Headers"))
        body.addWidget(self.request_headers)
        body.addWidget(QLabel("Body"))
        body.addWidget(self.request_body)
        self._response_parts: list[QWidget] = [widgets.section_label("Response")]
        self._response_parts += [self.response_line, QLabel("Headers"), self.response_headers]
        self._response_parts += [QLabel("Body"), self.response_body]
        for w in self._response_parts:
            body.addWidget(w)
        body.addWidget(self.timing)
        body.addStretch(1)
        self.tabs, self.raw = widgets.decoded_and_raw_tabs(self, top, page)
        self._render()

    def show_exchange(self, exchange: Exchange | None) -> None:
        self._exchange = exchange
        self._render()

    def _render(self) -> None:
        ex = self._exchange
        self.tabs.setEnabled(ex is not None)
        if ex is None:
            self.title.setText("<i>No exchange selected.</i>")
            self.raw.clear()
            self.problem.hide()
            return
        masker = Masker.for_request(ex.request, self.reveal.isChecked())
        req = ex.request
        what = f"#{ex.index + 1} {ex.step}" + (f" — {ex.note}" if ex.note else "")
        self.title.setText(f"<b>{html.escape(what)}</b>")
        self.problem.setVisible(bool(ex.error))
        if ex.error:
            self.problem.set_mark("error", ex.error)
        self.request_line.setText(f"{req.method} {masker.url(req.url)}")
        query = _query(req.url, masker)
        self.query.set_rows(query)
        self.query.setVisible(bool(query))
        self._query_heading.setVisible(bool(query))
        self.request_headers.set_rows(masker.headers(req.headers))
        self.request_body.show_body(decode_body(req.body, request_content_type(req), masker))
        resp = ex.response
        for w in self._response_parts:
            w.setVisible(resp is not None)
        if resp is not None:
            self.response_line.setText(status_line(resp))
            self.response_headers.set_rows(masker.headers(resp.headers))
            self.response_body.show_body(decode_body(resp.body, resp.content_type, masker))
        self.timing.setText(_timing(ex))
        self.raw.setPlainText(raw_exchange(ex, masker))


def _query(url: str, masker: Masker) -> list[tuple[str, str]]:
    _, _, query = url.partition("?")
    query = query.partition("#")[0]
    return [(k, masker.value(k, v)) for k, v in parse_qsl(query, keep_blank_values=True)]


def _timing(ex: Exchange) -> str:
    parts = []
    if ex.started:
        parts.append(f"started {widgets.local_time(ex.started)}")
    elapsed = ex.elapsed_ms or (ex.response.elapsed_ms if ex.response is not None else 0.0)
    if elapsed:
        parts.append(f"took {elapsed:.0f} ms")
    if ex.kind == "browser":
        parts.append("in the browser (not sent by the debugger)")
    return "Timing: " + ", ".join(parts) if parts else ""
