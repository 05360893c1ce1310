"""The trace timeline: a Qt model that follows a core Trace, secrets masked in URLs."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.trace import Exchange, Trace
from itsme_debugger.ui.trace_view import TraceModel, TraceView

pytestmark = pytest.mark.gui

CODE = "SplxlOBeZQQYbYS6WxSbIA-a-secret-code"


def exchange_trace() -> Trace:
    trace = Trace()
    trace.add(
        "discovery",
        HttpRequest.get("https://op.example/.well-known/openid-configuration"),
        HttpResponse(200, {}, b"{}", "https://op.example/", 41.7),
        elapsed_ms=41.7,
    )
    trace.add(
        "callback",
        HttpRequest.get(f"http://127.0.0.1:8765/callback?code={CODE}&state=xyz"),
        None,
        kind="browser",
        note="redirect captured on loopback",
    )
    return trace


def row(model: TraceModel, r: int) -> list[Any]:
    return [model.index(r, c).data() for c in range(model.columnCount())]


def test_model_passes_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = TraceModel()
    qtmodeltester.check(model)
    trace = exchange_trace()
    model.set_trace(trace)
    qtmodeltester.check(model)
    trace.add("token", HttpRequest.form("https://op.example/token", {"code": CODE}))
    qtmodeltester.check(model)
    model.set_trace(None)
    qtmodeltester.check(model)


def test_rows_show_number_step_method_url_status_and_time(qapp: Any) -> None:
    model = TraceModel()
    model.set_trace(exchange_trace())
    assert row(model, 0) == [
        "1",
        "Discovery",
        "GET",
        "https://op.example/.well-known/openid-configuration",
        "200",
        "42",
    ]
    assert row(model, 1)[1:5:3] == ["Callback", "browser"]


def test_secret_parameters_are_masked_in_the_url(qapp: Any) -> None:
    model = TraceModel()
    model.set_trace(exchange_trace())
    url = model.index(1, 3).data()
    assert CODE not in url
    assert url == "http://127.0.0.1:8765/callback?code=SplxlO… (36 chars)&state=xyz"


def test_model_follows_added_and_replaced_exchanges(qapp: Any) -> None:
    trace = exchange_trace()
    model = TraceModel()
    model.set_trace(trace)
    pending = trace.add("token", HttpRequest.form("https://op.example/token", {"a": "b"}))
    assert model.rowCount() == 3
    assert model.index(2, 4).data() == "…"
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    trace.replace(pending, response=HttpResponse(400, {}, b"{}", "", 5.0), elapsed_ms=5.0)
    assert changed == [2]
    assert model.index(2, 4).data() == "400"
    assert not model.index(2, 4).data(Qt.ItemDataRole.DecorationRole).isNull()


def test_a_new_trace_stops_following_the_old_one(qapp: Any) -> None:
    old = exchange_trace()
    model = TraceModel()
    model.set_trace(old)
    model.set_trace(Trace())
    old.add("token", HttpRequest.get("https://op.example/x"))
    assert model.rowCount() == 0


def test_failed_exchange_says_why(qapp: Any) -> None:
    trace = Trace()
    trace.add("token", HttpRequest.get("https://op.example/token"), error="connection refused")
    model = TraceModel()
    model.set_trace(trace)
    assert model.index(0, 4).data() == "failed: connection refused"


def test_selecting_a_row_emits_its_exchange(qtbot: Any) -> None:
    view = TraceView()
    qtbot.addWidget(view)
    trace = exchange_trace()
    view.model.set_trace(trace)
    selected: list[Exchange] = []
    view.exchangeSelected.connect(selected.append)
    view.table.selectRow(1)
    view.clear_selection()
    view.table.selectRow(1)
    assert selected == [trace[1], trace[1]]
