"""The Claims tab: the catalogue tree, search, ticking claims, values, warnings, round trips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QModelIndex, Qt

from itsme_debugger.core.claims import ClaimSpec, ClaimsRequest
from itsme_debugger.ui.claims_editor import ClaimsEditor
from itsme_debugger.ui.claims_model import NAME_ROLE, parse_value_text, value_text

pytestmark = pytest.mark.gui

ITSME = "http://itsme.services/v2/claim/"
#: The claims parameter of the seed's Authorization Request example (itsme v2 reference).
SEED_EXAMPLE = (
    '{"id_token":{"name":null,"gender":null,'
    '"http://itsme.services/v2/claim/BENationalNumber":null,'
    '"http://itsme.services/v2/claim/claim_citizenship":null,'
    '"http://itsme.services/v2/claim/place_of_birth":null,'
    '"http://itsme.services/v2/claim/physical_person_photo":null,'
    '"http://itsme.services/v2/claim/birthdate_as_string":null,'
    '"http://itsme.services/v2/claim/validityFrom":null,'
    '"http://itsme.services/v2/claim/validityTo":null,'
    '"http://itsme.services/v2/claim/IDDocumentSN":null}}'
)
SEED_SCOPES = ("openid", "service:EXAMPLE", "profile", "eid", "phone", "email", "address")


def editor(qtbot: Any, req: ClaimsRequest | None = None, scopes: tuple[str, ...] = ()) -> Any:
    widget = ClaimsEditor()
    qtbot.addWidget(widget)
    widget.set_claims(req or ClaimsRequest({}, {}), scopes or ("openid", "service:TEST_code"))
    return widget


def visible_claims(w: ClaimsEditor) -> list[str]:
    """The claim names the tree shows, in order."""
    out = []
    for g in range(w.proxy.rowCount()):
        group = w.proxy.index(g, 0)
        out += [w.proxy.index(r, 0, group).data(NAME_ROLE) for r in range(w.proxy.rowCount(group))]
    return out


def cell(w: ClaimsEditor, name: str, column: int) -> QModelIndex:
    source = w.model.index_of(name)
    return w.proxy.mapFromSource(source.siblingAtColumn(column))


def tick(w: ClaimsEditor, name: str, column: int, on: bool = True) -> None:
    state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert w.proxy.setData(cell(w, name, column), state, Qt.ItemDataRole.CheckStateRole)


def test_tree_groups_the_catalogue(qtbot: Any) -> None:
    w = editor(qtbot)
    groups = [w.proxy.index(g, 0).data() for g in range(w.proxy.rowCount())]
    assert [g.split("  (")[0] for g in groups] == [
        "Identity",
        "Contact",
        "Address",
        "eID / document",
        "Device and fraud signals",
        "Metadata",
    ]
    assert "eID / document  (0/4)" in groups
    assert cell(w, ITSME + "BEeidSn", 0).data() == "Belgian eID card number"


def test_search_filters_by_label(qtbot: Any) -> None:
    w = editor(qtbot)
    qtbot.keyClicks(w.search, "national")
    assert visible_claims(w) == [ITSME + "BENationalNumber"]


def test_search_filters_by_name(qtbot: Any) -> None:
    w = editor(qtbot)
    qtbot.keyClicks(w.search, "beeidsn")
    assert visible_claims(w) == [ITSME + "BEeidSn"]
    w.search.clear()
    assert len(visible_claims(w)) > 30


def test_requested_only_hides_the_rest(qtbot: Any) -> None:
    w = editor(qtbot, ClaimsRequest({"birthdate": ClaimSpec()}, {}))
    w.requested_only.setChecked(True)
    assert visible_claims(w) == ["birthdate"]


def test_ticking_a_claim_requests_it_in_the_id_token_and_emits_changed(qtbot: Any) -> None:
    w = editor(qtbot)
    with qtbot.waitSignal(w.changed, timeout=1000):
        tick(w, "email", 0)
    assert w.claims() == ClaimsRequest({"email": ClaimSpec()}, {})
    assert cell(w, "email", 1).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert cell(w, "email", 0).parent().data() == "Contact  (1/5)"
    tick(w, "email", 0, on=False)
    assert w.claims().is_empty()


def test_userinfo_column_requests_it_there_too(qtbot: Any) -> None:
    w = editor(qtbot, ClaimsRequest({"email": ClaimSpec(essential=True)}, {}))
    tick(w, "email", 2)
    assert w.claims().userinfo == {"email": ClaimSpec(essential=True)}
    tick(w, "email", 1, on=False)
    assert w.claims() == ClaimsRequest({}, {"email": ClaimSpec(essential=True)})


def test_essential_needs_a_requested_claim(qtbot: Any) -> None:
    w = editor(qtbot)
    assert not w.proxy.flags(cell(w, "email", 3)) & Qt.ItemFlag.ItemIsUserCheckable
    tick(w, "email", 0)
    tick(w, "email", 3)
    assert w.claims().id_token["email"] == ClaimSpec(essential=True)
    tick(w, "email", 3, on=False)
    assert w.claims().id_token["email"] == ClaimSpec()


def test_values_typed_in_the_details_panel(qtbot: Any) -> None:
    name = ITSME + "claim_citizenship_as_iso"
    w = editor(qtbot, ClaimsRequest({name: ClaimSpec()}, {}))
    w.select_claim(name)
    assert w.details.value.isEnabled()
    qtbot.keyClicks(w.details.value, '["BEL", "NLD"]')
    assert w.claims().id_token[name] == ClaimSpec(values=("BEL", "NLD"))
    assert cell(w, name, 4).data() == '["BEL", "NLD"]'


def test_invalid_values_stay_with_a_message_and_change_nothing(qtbot: Any) -> None:
    name = ITSME + "claim_citizenship_as_iso"
    w = editor(qtbot, ClaimsRequest({name: ClaimSpec()}, {}))
    w.select_claim(name)
    qtbot.keyClicks(w.details.value, '["BEL",')
    assert w.details.value.text() == '["BEL",'
    assert not w.details.value_problem.isHidden()
    assert w.details.value_problem.text().startswith("values: not a JSON array")
    assert w.claims().id_token[name] == ClaimSpec()


def test_value_editor_is_off_for_a_claim_not_requested(qtbot: Any) -> None:
    w = editor(qtbot)
    w.select_claim("email")
    assert not w.details.value.isEnabled()


def test_metadata_without_its_attribute_is_flagged(qtbot: Any) -> None:
    meta = ITSME + "validityTo"
    w = editor(qtbot, ClaimsRequest({meta: ClaimSpec()}, {}))
    assert "no attribute for this metadata" in cell(w, meta, 5).data()
    w.select_claim(meta)
    assert any("requested alone it returns nothing" in t for t in w.details.note_texts())
    tick(w, ITSME + "BEeidSn", 0)
    assert "no attribute" not in (cell(w, meta, 5).data() or "")


def test_claims_the_discovery_does_not_list_are_flagged(qtbot: Any) -> None:
    w = editor(qtbot, ClaimsRequest({"given_name": ClaimSpec()}, {}))
    w.set_claims_supported(["sub", "given_name"])
    assert cell(w, "family_name", 5).data() == "not in discovery"
    assert "not in discovery" not in (cell(w, "given_name", 5).data() or "")
    tick(w, "family_name", 0)
    w.select_claim("family_name")
    assert any("not in the provider's claims_supported" in t for t in w.details.note_texts())


def test_details_say_which_selected_scope_yields_a_claim(qtbot: Any) -> None:
    w = editor(qtbot, scopes=("openid", "profile"))
    w.select_claim("birthdate")
    assert w.details.scope.text() == "already in scope profile"
    assert w.details.format.text() == "string YYYY-MM-DD"
    w.set_scopes(("openid",))
    assert w.details.scope.text() == "the scope profile yields it"


def test_seed_example_claims_round_trip(qtbot: Any) -> None:
    req = ClaimsRequest.from_json(SEED_EXAMPLE)
    w = editor(qtbot, req, SEED_SCOPES)
    assert w.claims() == req
    assert w.claims().to_json() == SEED_EXAMPLE


def test_claims_in_both_targets_with_their_own_specs_round_trip(qtbot: Any) -> None:
    req = ClaimsRequest(
        {"given_name": ClaimSpec(essential=True), "acme_claim": ClaimSpec(value="x")},
        {"given_name": ClaimSpec(), ITSME + "verificationDate": ClaimSpec()},
        ("access_token",),
    )
    w = editor(qtbot, req)
    assert w.claims() == req
    assert cell(w, "acme_claim", 0).parent().data().startswith("Other claims")


def test_a_claim_the_catalogue_does_not_list_can_be_added(qtbot: Any) -> None:
    w = editor(qtbot)
    qtbot.keyClicks(w.add, "acme_loyalty_level")
    qtbot.keyClick(w.add, Qt.Key.Key_Return)
    assert w.claims().names("id_token") == ("acme_loyalty_level",)
    assert w.current_claim() == "acme_loyalty_level"
    assert "not in the catalogue" in cell(w, "acme_loyalty_level", 5).data()


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("", (None, None)),
        ("BE", ("BE", None)),
        ('"123"', ("123", None)),
        ("true", (True, None)),
        ('["BE", "NL"]', (None, ("BE", "NL"))),
        ('{"a": 1}', ({"a": 1}, None)),
    ],
)
def test_value_text_parses_and_prints_back(text: str, parsed: tuple[Any, Any]) -> None:
    assert parse_value_text(text) == parsed
    value, values = parsed
    assert parse_value_text(value_text(ClaimSpec(None, value, values))) == parsed


def test_empty_values_list_is_refused() -> None:
    with pytest.raises(ValueError, match="the list is empty"):
        parse_value_text("[]")


@pytest.fixture
def held_editor() -> Iterator[ClaimsEditor]:
    """An editor that outlives qtmodeltester's teardown (request it before qtmodeltester)."""
    widget = ClaimsEditor()
    widget.set_claims(ClaimsRequest.from_json(SEED_EXAMPLE), SEED_SCOPES)
    yield widget
    widget.close()
    widget.deleteLater()


def test_claims_tree_model_passes_the_model_tester(
    held_editor: ClaimsEditor, qtmodeltester: Any
) -> None:
    qtmodeltester.check(held_editor.model, force_py=True)


def test_claims_filter_model_passes_the_model_tester(
    held_editor: ClaimsEditor, qtmodeltester: Any
) -> None:
    held_editor.search.setText("date")
    qtmodeltester.check(held_editor.proxy, force_py=True)
