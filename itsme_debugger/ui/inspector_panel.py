"""The INSPECTOR: the selected step (its decoded result first, its HTTP exchange a tab away)
or the selected exchange of the trace.

It only arranges the panes of :mod:`itsme_debugger.ui.inspector`; what each shows is theirs.
"""

from __future__ import annotations

import html
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.report import REST_STEPS, STEP_LABELS, FlowResult, StepRecord
from itsme_debugger.core.trace import Exchange, Trace

from . import icons

if TYPE_CHECKING:
    from .inspector.discovery_view import DiscoveryView
    from .inspector.http_view import HttpExchangeView
    from .inspector.redirect_view import RedirectView
    from .inspector.token_view import TokenView
    from .session_view import SessionView

#: The step whose exchange carried a step's input (the ID token came in the token response).
_EXCHANGE_STEP = {"id_token": "token"}
RESULT_TAB, HTTP_TAB = 0, 1
Page = TypeVar("Page", bound=QWidget)


class InspectorPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("INSPECTOR")
        title.setObjectName("paneTitle")
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()  # the result pages join it when first shown
        self.pages.addWidget(self.hint)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.pages, "Result")
        self.tabs.addTab(QWidget(), "HTTP exchange")  # the view takes its place when first shown
        self.tabs.currentChanged.connect(self._tab_changed)
        # The HTTP exchange of the step shown, drawn when its tab is (not at each step).
        self._exchange: Exchange | None = None
        self._exchange_drawn = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 0)
        layout.addWidget(title)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.step: str | None = None
        self.clear()

    # The result pages (and their modules) come the first time they are shown: the window
    # opens sooner.

    @cached_property
    def http(self) -> HttpExchangeView:
        from .inspector.http_view import HttpExchangeView

        view = HttpExchangeView()
        current, enabled = self.tabs.currentIndex(), self.tabs.isTabEnabled(HTTP_TAB)
        placeholder = self.tabs.widget(HTTP_TAB)
        self.tabs.removeTab(HTTP_TAB)
        self.tabs.insertTab(HTTP_TAB, view, "HTTP exchange")
        self.tabs.setTabEnabled(HTTP_TAB, enabled)
        self.tabs.setCurrentIndex(current)
        if placeholder is not None:
            placeholder.deleteLater()
        return view

    @cached_property
    def discovery(self) -> DiscoveryView:
        from .inspector.discovery_view import DiscoveryView

        return self._page(DiscoveryView())

    @cached_property
    def redirect(self) -> RedirectView:
        from .inspector.redirect_view import RedirectView

        return self._page(RedirectView())

    @cached_property
    def id_token(self) -> TokenView:
        from .inspector.token_view import TokenView

        return self._page(TokenView())

    @cached_property
    def userinfo(self) -> TokenView:
        from .inspector.token_view import TokenView

        return self._page(TokenView())

    @cached_property
    def session(self) -> SessionView:
        """A Signicat REST API flow's steps."""
        from .session_view import SessionView

        return self._page(SessionView())

    def prepare_token_pages(self) -> None:
        """Build the ID token and UserInfo pages ahead of their first use."""
        for page in (self.id_token, self.userinfo):
            page.ensurePolished()

    def _page(self, page: Page) -> Page:
        self.pages.addWidget(page)
        return page

    def clear(self) -> None:
        self.step = None
        self.heading.setText("<i>Select a step of the flow or an exchange of the trace.</i>")
        self._hint(
            "Press Start (Ctrl+R) to run the flow.\n\nThen click a step of the flow or an "
            "exchange of the trace: its decoded result shows here, its HTTP exchange a tab away."
        )
        self.tabs.setTabEnabled(HTTP_TAB, False)
        self._set_exchange(None)

    def show_step(self, name: str, result: FlowResult | None, trace: Trace | None) -> None:
        """Show step ``name`` of ``result`` (None: no flow has run yet)."""
        self.step = name
        rec = result.steps[name] if result is not None else StepRecord(name)
        findings = result.step_findings(name) if result is not None else []
        self.heading.setText(_heading(rec, len(findings), _count(findings, Severity.ERROR)))
        page = self._result_page(name, result, trace)
        exchanges = trace.for_step(_EXCHANGE_STEP.get(name, name)) if trace is not None else []
        self._exchange, self._exchange_drawn = (exchanges[0] if exchanges else None), False
        self.tabs.setTabEnabled(HTTP_TAB, bool(exchanges))
        if page is not None:
            self.pages.setCurrentWidget(page)
            self.tabs.setCurrentIndex(RESULT_TAB)
        else:
            self._hint(_hint_text(rec, bool(exchanges)))
            self.tabs.setCurrentIndex(HTTP_TAB if exchanges else RESULT_TAB)
        self._tab_changed(self.tabs.currentIndex())

    def show_exchange(self, exchange: Exchange) -> None:
        self.step = None
        label = STEP_LABELS.get(exchange.step, exchange.step)
        self.heading.setText(
            f"<b>Exchange #{exchange.index + 1}</b> · {html.escape(label)} · "
            f"{html.escape(exchange.request.method)}"
        )
        self._hint("An exchange is selected: see the HTTP exchange tab.")
        self._exchange, self._exchange_drawn = exchange, False
        self.tabs.setTabEnabled(HTTP_TAB, True)
        self.tabs.setCurrentIndex(HTTP_TAB)
        self._tab_changed(HTTP_TAB)

    def _set_exchange(self, exchange: Exchange | None) -> None:
        self._exchange, self._exchange_drawn = exchange, False
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        if index == HTTP_TAB and not self._exchange_drawn:
            self._exchange_drawn = True
            self.http.show_exchange(self._exchange)

    def _result_page(
        self, name: str, result: FlowResult | None, trace: Trace | None = None
    ) -> QWidget | None:
        if result is None:
            return None
        if name in REST_STEPS and "session_status" in result.steps:
            if result.steps[name].status == "waiting":
                return None
            self.session.show_session(result, trace, name)
            return self.session
        if name == "discovery" and result.discovery is not None:
            self.discovery.show_metadata(result.discovery, result.step_findings(name))
            return self.discovery
        if name == "callback" and result.redirect is not None:
            self.redirect.show_redirect(result.redirect, result.step_findings(name))
            return self.redirect
        if name == "id_token" and result.id_token is not None:
            self.id_token.show_id_token(result.id_token)
            return self.id_token
        if name == "userinfo" and result.userinfo is not None:
            self.userinfo.show_userinfo(result.userinfo, result.picture)
            return self.userinfo
        return None

    def _hint(self, text: str) -> None:
        self.hint.setText(text)
        self.pages.setCurrentWidget(self.hint)


def _count(findings: list[Finding], severity: Severity) -> int:
    return sum(1 for f in findings if f.severity is severity)


def _heading(rec: StepRecord, n_findings: int, n_errors: int) -> str:
    word = icons.STATUS_WORDS.get(rec.status, rec.status)
    colour = icons.status_color(rec.status).name()
    parts = [
        f"<b>{html.escape(STEP_LABELS[rec.name])}</b>",
        f"<span style='color:{colour}'><b>{word}</b></span>",
    ]
    if rec.duration_ms is not None:
        parts.append(f"{rec.duration_ms:.0f} ms")
    if n_findings:
        errors = f", {n_errors} error{'s' if n_errors != 1 else ''}" if n_errors else ""
        parts.append(f"{n_findings} finding{'s' if n_findings != 1 else ''}{errors}")
    text = " · ".join(parts)
    if rec.message and rec.status not in ("ok", "running"):
        text += f"<br>{html.escape(rec.message)}"
    return text


def _hint_text(rec: StepRecord, has_exchange: bool) -> str:
    if rec.status == "waiting":
        return "This step has not run yet."
    if rec.status == "running":
        return "This step is running…"
    if rec.status == "skipped":
        return f"Skipped{': ' + rec.message if rec.message else '.'}"
    if rec.status == "cancelled":
        return "Cancelled."
    if has_exchange:
        return "Its HTTP exchange is in the next tab."
    return rec.message or "Nothing to show for this step."
