"""The findings pane: one list for the whole flow, severity as icon and word."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from itsme_debugger.core.findings import Finding, error, info, warning
from itsme_debugger.ui.findings_view import FindingsView, FlowFindingsModel

pytestmark = pytest.mark.gui

NONCE = error(
    "id_token.nonce_mismatch",
    "the ID token's nonce is 'b', the request sent 'a'",
    "OIDC Core 3.1.3.7 (11)",
    "id_token.claims.nonce",
)
HTTP = warning(
    "request.redirect_uri_not_https", "http redirect URI", "itsme v2: redirect_uri", "request"
)
NOTE = info("claims.already_in_scope", "already in scope", "itsme v2: scope")


def filled(model: FlowFindingsModel) -> FlowFindingsModel:
    model.set_findings([("authorization", HTTP), ("id_token", NONCE)])
    model.add("authorization", NOTE)
    return model


def test_model_passes_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = filled(FlowFindingsModel())
    qtmodeltester.check(model)
    model.add("userinfo", NOTE)
    model.clear()
    qtmodeltester.check(model)


def test_each_row_shows_severity_word_and_icon_id_message_reference_step(qapp: Any) -> None:
    model = filled(FlowFindingsModel())
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row == [
        "Error",
        "id_token.nonce_mismatch",
        "the ID token's nonce is 'b', the request sent 'a'",
        "OIDC Core 3.1.3.7 (11)",
        "ID token",
    ]
    assert not model.index(0, 0).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert model.index(0, 1).data(Qt.ItemDataRole.DecorationRole) is None


def test_most_severe_findings_come_first_each_level_in_flow_order(qapp: Any) -> None:
    model = filled(FlowFindingsModel())
    later = warning("token.later", "a later warning")
    model.add("token", later)
    model.add("token", NONCE)
    assert [model.item(r)[1] for r in range(model.rowCount())] == [NONCE, NONCE, HTTP, later, NOTE]


def test_summary_counts_the_findings(qtbot: Any) -> None:
    view = FindingsView()
    qtbot.addWidget(view)
    assert "none yet" in view.summary.text()
    filled(view.model)
    assert view.summary.text() == "1 error, 1 warning, 1 info"
    view.model.add("id_token", NONCE)
    assert view.summary.text() == "2 errors, 1 warning, 1 info"


def test_selecting_a_finding_names_its_step(qtbot: Any) -> None:
    view = FindingsView()
    qtbot.addWidget(view)
    filled(view.model)
    selected: list[tuple[str, Finding]] = []
    view.findingSelected.connect(lambda step, f: selected.append((step, f)))
    view.table.selectRow(0)
    assert selected == [("id_token", NONCE)]


def test_selecting_the_same_finding_again_after_clearing_selects_it_again(qtbot: Any) -> None:
    view = FindingsView()
    qtbot.addWidget(view)
    filled(view.model)
    selected: list[str] = []
    view.findingSelected.connect(lambda step, f: selected.append(step))
    view.table.selectRow(0)
    view.clear_selection()
    view.table.selectRow(0)
    assert selected == ["id_token", "id_token"]


def test_double_click_asks_to_jump_to_the_finding(qtbot: Any) -> None:
    view = FindingsView()
    qtbot.addWidget(view)
    filled(view.model)
    activated: list[Finding] = []
    view.findingActivated.connect(lambda step, f: activated.append(f))
    view.table.doubleClicked.emit(view.model.index(0, 2))
    assert activated == [NONCE]


def test_summary_tells_no_findings_yet_from_a_flow_that_found_none(qtbot: Any) -> None:
    view = FindingsView()
    qtbot.addWidget(view)
    assert view.summary.text().startswith("none yet")
    view.set_flow_over(True)
    assert view.summary.text() == "none: every check passed"
    view.set_flow_over(False)
    assert view.summary.text().startswith("none yet")
