"""The Session pane of a Signicat Authentication REST API flow (seed 001).

One pane for the four steps, a section each, so that every step's outcome and findings show
where they happened: the API access token, the session created (its id, ``authenticationUrl``,
lifetime and when it expires), the callback the browser came back to (success, abort or error,
with its ``sessionId``), and the session's status with its meaning and the ``subject``: each
attribute with its label, the ``nin`` object masked until "Reveal secrets" is ticked. The Raw
tab holds the last session JSON the API sent (``nin`` masked the same way).

Everything shown comes from the engine's :class:`~itsme_debugger.core.report.FlowResult`; the
words come from :mod:`itsme_debugger.core.signicat_records`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from itsme_debugger.core.findings import Finding
from itsme_debugger.core.report import REST_STEPS, FlowResult, StepRecord, mask, mask_subject
from itsme_debugger.core.signicat_records import ATTRIBUTES, STATUSES, Session
from itsme_debugger.core.trace import Trace

from . import icons, widgets

SECTION_TITLES = {
    "api_token": "API access token",
    "create_session": "Session",
    "callback": "Callback",
    "session_status": "Status and subject",
}
_STEP_MARK = {"ok": "ok", "warning": "warning", "error": "error", "cancelled": "warning"}
_OUTCOME_WORDS = {
    "success": "success: the user finished",
    "abort": "abort: the user aborted",
    "error": "error: the authentication failed or the session expired",
}
#: Members of ``nin`` and what they hold.
_NIN_PARTS = ("value", "issuingCountry", "type")


def status_mark(status: str) -> str:
    """The mark of a session status: SUCCESS ok, the other final statuses error, else warning."""
    if status == "SUCCESS":
        return "ok"
    info = STATUSES.get(status)
    if info is not None and info.final:
        return "error"
    return "warning"


def status_text(status: str) -> str:
    """A status with its meaning: "ABORT: the user aborted the authentication"."""
    info = STATUSES.get(status)
    if info is None:
        return f"{status or '(none)'}: not a status of the API"
    return f"{status}: {info.meaning}"


def attribute_label(name: str) -> str:
    """ "Full name (name)"; the subject's own ``id`` is Signicat's identifier of the user."""
    info = ATTRIBUTES.get(name)
    if info is not None:
        return f"{info.label} ({name})"
    return "Subject id (id)" if name == "id" else name


def nin_text(value: Any) -> str:
    """The ``nin`` object on one line: "81042419835 · BE · PERSON"."""
    if isinstance(value, Mapping):
        parts = [str(value[k]) for k in _NIN_PARTS if value.get(k) is not None]
        others = [f"{k}={v}" for k, v in value.items() if k not in _NIN_PARTS]
        return " · ".join(parts + others) or "{}"
    return _value(value)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).strftime("%d %B %Y").lstrip("0")
    except ValueError:
        return "not a YYYY-MM-DD date"


def _when(ts: float) -> str:
    return f"{widgets.local_time(ts)} ({widgets.relative_time(ts)})"


def _lifetime(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds} s ({seconds // 60} min)"
    return f"{seconds} s"


class _Section:
    """A heading, the step's outcome badge, a key/value table, its findings."""

    def __init__(self, body: QVBoxLayout, title: str) -> None:
        self.heading = widgets.section_label(html.escape(title))
        self.badge = widgets.SeverityBadge("na")
        self.table = widgets.KeyValueTable(fit=True)
        self.findings = widgets.FindingsList()
        self.widgets: list[QWidget] = [self.heading, self.badge, self.table, self.findings]
        for widget in self.widgets:
            body.addWidget(widget)

    def show(
        self, record: StepRecord, rows: Sequence[widgets.KeyValue], findings: Sequence[Finding]
    ) -> None:
        word = icons.STATUS_WORDS.get(record.status, record.status)
        mark = _STEP_MARK.get(record.status, "na")
        text = record.message if record.message else ""
        if record.status == "waiting":
            text = "not run yet"
        elif record.status == "skipped" and not text:
            text = "skipped: an earlier step failed"
        if record.duration_ms is not None and record.status in ("ok", "warning", "error"):
            took = f"{record.duration_ms:.0f} ms"
            text = f"{text} · {took}" if text else took
        self.badge.set_mark(mark, text, word.capitalize())
        self.table.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.findings.set_findings(findings)
        self.findings.setVisible(bool(findings))


class SessionView(QWidget):
    """The REST API flow's session, step by step; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: FlowResult | None = None
        self._trace: Trace | None = None
        self.title = QLabel()
        self.reveal = QCheckBox("Reveal secrets")
        self.reveal.setToolTip("Show the national identity number and the API token in full")
        self.reveal.toggled.connect(self._render)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reveal)
        self.status = widgets.SeverityBadge("na")
        page = QWidget()
        body = QVBoxLayout(page)
        body.addWidget(self.status)
        # the result first (the subject of a successful session), then the steps in order
        self.subject_heading = widgets.section_label("Subject (the user's data)")
        self.subject = widgets.KeyValueTable(fit=True)
        body.addWidget(self.subject_heading)
        body.addWidget(self.subject)
        self.sections = {name: _Section(body, SECTION_TITLES[name]) for name in REST_STEPS}
        body.addStretch(1)
        self.tabs, self.raw = widgets.decoded_and_raw_tabs(self, top, page)
        self._scroll = self.tabs.widget(0)
        self._render()

    # -- API ---------------------------------------------------------------------------------

    def show_session(
        self, result: FlowResult | None, trace: Trace | None = None, step: str | None = None
    ) -> None:
        """Show ``result``'s REST API steps; ``step``: the section to bring into view."""
        self._result, self._trace = result, trace
        self._render()
        if step in self.sections:
            self.tabs.setCurrentIndex(0)
            # once laid out: the status (and subject) at the top, another step at its section
            QTimer.singleShot(0, self, lambda: self._scroll_to(step))

    def _scroll_to(self, step: str) -> None:
        scroll = self._scroll
        page = scroll.widget() if isinstance(scroll, QScrollArea) else None
        if not isinstance(scroll, QScrollArea) or page is None:
            return
        top = 0
        if step != "session_status":
            top = self.sections[step].heading.mapTo(page, QPoint(0, 0)).y()
        scroll.verticalScrollBar().setValue(top)

    def subject_rows(self) -> list[widgets.KeyValue]:
        """The subject as shown (for tests and accessibility)."""
        return self.subject.kv_model.rows()

    def section_rows(self, step: str) -> list[widgets.KeyValue]:
        return self.sections[step].table.kv_model.rows()

    # -- rendering ---------------------------------------------------------------------------

    def _render(self) -> None:
        r = self._result
        if r is None or "session_status" not in r.steps:
            self.title.setText("<i>No REST API session yet: run the flow.</i>")
            self.status.hide()
            for section in self.sections.values():
                for w in section.widgets:
                    w.hide()
            self.subject_heading.hide()
            self.subject.hide()
            self.raw.setPlainText("")
            return
        reveal = self.reveal.isChecked()
        session = r.session
        self.title.setText(
            "<b>Signicat session</b>"
            + (f" <code>{html.escape(session.id)}</code>" if session and session.id else "")
        )
        for section in self.sections.values():
            for w in (section.heading, section.badge):
                w.show()
        self._render_status(r)
        s = self.sections
        s["api_token"].show(r.steps["api_token"], self._token_rows(r, reveal), self._f("api_token"))
        s["create_session"].show(
            r.steps["create_session"], self._session_rows(r), self._f("create_session")
        )
        s["callback"].show(r.steps["callback"], self._callback_rows(r), self._f("callback"))
        s["session_status"].show(
            r.steps["session_status"], self._status_rows(r), self._f("session_status")
        )
        subject = session.subject if session is not None else None
        rows = self._subject_rows(subject.attributes if subject else None, reveal)
        self.subject_heading.setVisible(subject is not None)
        self.subject.setVisible(subject is not None)
        self.subject.set_rows(rows)
        self.raw.setPlainText(self._raw_text(session, reveal))

    def _f(self, step: str) -> list[Finding]:
        return self._result.step_findings(step) if self._result is not None else []

    def _render_status(self, r: FlowResult) -> None:
        session = r.session
        step = r.steps["session_status"]
        self.status.show()
        if session is not None and step.status in ("ok", "warning", "error"):
            self.status.set_mark(status_mark(session.status), status_text(session.status), "Status")
            return
        failed = next((n for n in REST_STEPS if r.steps[n].status == "error"), None)
        if failed is not None:
            message = r.steps[failed].message or "see its findings"
            self.status.set_mark(
                "error", f"no status: {SECTION_TITLES[failed]} failed ({message})", "Failed"
            )
        elif r.interrupted:
            self.status.set_mark("warning", "the flow was cancelled before the status", "Stopped")
        elif session is not None:
            self.status.set_mark("na", status_text(session.status), "Waiting")
        else:
            self.status.set_mark("na", "no session yet", "Waiting")

    def _started(self, step: str) -> float | None:
        if self._trace is None:
            return None
        exchanges = self._trace.for_step(step)
        return exchanges[-1].started if exchanges else None

    def _token_rows(self, r: FlowResult, reveal: bool) -> list[widgets.KeyValue]:
        t = r.token
        rows: list[widgets.KeyValue] = []
        exchanges = self._trace.for_step("api_token") if self._trace is not None else []
        if exchanges:
            rows.append(widgets.KeyValue("Token endpoint", exchanges[0].request.url))
        if t is None:
            return rows
        if t.access_token:
            shown = t.access_token if reveal else mask(t.access_token)
            note = "" if reveal else "masked: tick Reveal secrets"
            rows.append(widgets.KeyValue("Access token", shown, note))
        if t.token_type:
            rows.append(widgets.KeyValue("Type", t.token_type))
        if t.scope is not None:
            rows.append(widgets.KeyValue("Scope", t.scope))
        if t.expires_in is not None:
            got = self._started("api_token")
            until = f", until {_when(got + t.expires_in)}" if got is not None else ""
            rows.append(widgets.KeyValue("Expires in", f"{t.expires_in} s{until}"))
        return rows

    def _session_rows(self, r: FlowResult) -> list[widgets.KeyValue]:
        s = r.session
        if s is None:
            return []
        kv = widgets.KeyValue
        rows = [kv("Session id", s.id or "(none)")]
        if s.account_id:
            rows.append(kv("Account", s.account_id))
        if s.authentication_url:
            rows.append(kv("Authentication URL", s.authentication_url, "opened in the browser"))
        if s.allowed_providers:
            rows.append(kv("Allowed providers", ", ".join(s.allowed_providers)))
        if s.requested_attributes:
            rows.append(kv("Requested attributes", ", ".join(s.requested_attributes)))
        if s.flow:
            rows.append(kv("Flow", s.flow))
        created = self._started("create_session")
        if created is not None:
            rows.append(kv("Created", _when(created)))
        if s.session_lifetime is not None:
            rows.append(kv("Lifetime", _lifetime(s.session_lifetime)))
            if created is not None:
                rows.append(kv("Expires", _when(created + s.session_lifetime)))
        if s.callback_urls is not None:
            rows += [kv(f"Callback ({o})", url) for o, url in s.callback_urls.items()]
        for key, value in s.raw.items():  # readable times Signicat may add (e.g. expiresAt)
            if isinstance(value, str) and (when := widgets.iso_time(value)):
                rows.append(kv(key, value, when))
        return rows

    def _callback_rows(self, r: FlowResult) -> list[widgets.KeyValue]:
        c = r.callback
        if c is None:
            return []
        kv = widgets.KeyValue
        outcome = _OUTCOME_WORDS.get(c.outcome or "", "none of the session's callback URLs")
        rows = [kv("Outcome", outcome), kv("URL", c.url)]
        expected = r.session.id if r.session is not None else None
        if c.session_id is None:
            rows.append(kv("sessionId", "(missing)"))
        else:
            same = expected is None or c.session_id == expected
            note = "" if same else f"not this flow's session ({expected})"
            rows.append(kv("sessionId", c.session_id, note or "this flow's session"))
        came = self._started("callback")
        if came is not None:
            rows.append(kv("Came back", _when(came)))
        return rows

    def _status_rows(self, r: FlowResult) -> list[widgets.KeyValue]:
        s = r.session
        if s is None or r.steps["session_status"].status not in ("ok", "warning", "error"):
            return []
        kv = widgets.KeyValue
        info = STATUSES.get(s.status)
        rows = [kv("Status", s.status or "(none)", info.meaning if info else "unknown status")]
        if s.provider:
            rows.append(kv("Provider", s.provider))
        if s.error is not None:
            detail = f" ({s.error.detail})" if s.error.detail else ""
            rows.append(kv("Error", f"{s.error.code}: {s.error.title}{detail}"))
        read = self._started("session_status")
        if read is not None:
            rows.append(kv("Read", _when(read)))
        return rows

    @staticmethod
    def _subject_rows(attributes: Mapping[str, Any] | None, reveal: bool) -> list[widgets.KeyValue]:
        if attributes is None:
            return []
        shown = dict(attributes) if reveal else (mask_subject(attributes) or {})
        rows = []
        for name, value in shown.items():
            info = ATTRIBUTES.get(name)
            sensitive = info is not None and info.sensitive
            text = nin_text(value) if name == "nin" else _value(value)
            note = "masked: tick Reveal secrets" if sensitive and not reveal else ""
            if name == "dateOfBirth" and isinstance(value, str):
                note = _date(value)
            elif name == "id":
                note = "the same user gets the same id each time"
            rows.append(widgets.KeyValue(attribute_label(name), text, note))
        return rows

    @staticmethod
    def _raw_text(session: Session | None, reveal: bool) -> str:
        if session is None or not session.raw:
            return ""
        raw = dict(session.raw)
        subject = raw.get("subject")
        if isinstance(subject, Mapping) and not reveal:
            raw["subject"] = mask_subject(subject)
        note = "" if reveal else "(the nin masked: tick Reveal secrets to see it)\n"
        return note + json.dumps(raw, indent=2, ensure_ascii=False)


__all__ = ["SessionView", "attribute_label", "nin_text", "status_mark", "status_text"]
