"""The callback pane: the URL the browser came back to, its parameters, and the findings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from itsme_debugger.core.findings import Finding
from itsme_debugger.core.redirect import RedirectResult
from itsme_debugger.core.report import mask, mask_url
from itsme_debugger.ui import widgets

_NOTES = {
    "code": "the authorization code (single use, short-lived)",
    "state": "must equal the state sent",
    "iss": "the provider that answered (RFC 9207)",
    "error": "the provider's error code",
    "error_description": "the provider's explanation",
}


class RedirectView(QWidget):
    """Outcome badge, the URL (code masked until revealed), a parameter table, findings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: RedirectResult | None = None
        self._findings: Sequence[Finding] = ()
        self.outcome = widgets.SeverityBadge("na")
        self.reveal = QCheckBox("Reveal secrets")
        self.reveal.setToolTip("Show the authorization code in full")
        self.reveal.toggled.connect(self._render)
        top = QHBoxLayout()
        top.addWidget(self.outcome, 1)
        top.addWidget(self.reveal, 0, Qt.AlignmentFlag.AlignTop)
        self.url = QLabel()
        self.url.setWordWrap(True)
        self.url.setTextFormat(Qt.TextFormat.PlainText)
        self.url.setFont(widgets.mono_font())
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params = widgets.KeyValueTable(fit=True)
        self.findings = widgets.FindingsList()
        page = QWidget()
        body = QVBoxLayout(page)
        body.addLayout(top)
        body.addWidget(self.url)
        body.addWidget(self.params)
        body.addWidget(self.findings)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._render()

    def show_redirect(self, result: RedirectResult | None, findings: Sequence[Finding]) -> None:
        self._result, self._findings = result, findings
        self._render()

    def _render(self) -> None:
        r = self._result
        reveal = self.reveal.isChecked()
        self.findings.set_findings(self._findings)
        self.params.setVisible(r is not None)
        if r is None:
            self.outcome.set_mark("na", "No redirect yet: start the flow and sign in.", "Waiting")
            self.url.setText("")
            return
        worst = max((f.severity.rank for f in self._findings), default=-1)
        if r.error:
            text = f"the provider answered with the error {r.error}"
            if r.error_description:
                text += f": {r.error_description}"
            self.outcome.set_mark("error", text)
        elif r.code is not None:
            mark = {2: "error", 1: "warning"}.get(worst, "ok")
            verdict = "the code is not redeemed" if worst == 2 else "a code came back"
            self.outcome.set_mark(mark, verdict)
        else:
            self.outcome.set_mark("error", "no code and no error in the redirect")
        self.url.setText(r.url if reveal else mask_url(r.url))
        rows = [
            widgets.KeyValue(k, v if reveal or k != "code" else mask(v), _NOTES.get(k, ""))
            for k, v in r.params.items()
        ]
        self.params.set_rows(rows)
