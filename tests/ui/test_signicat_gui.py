"""Signicat in the desktop app: both paths end to end through the window against the mock's
``signicat`` variant (the broker over OIDC, the Authentication REST API), the Session pane, the
REST profile form with its attributes picker, the preset and the Demos."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt

from itsme_debugger.core.profile import Profile, RestConfig, parse_profile, profile_to_toml
from itsme_debugger.core.report import REST_STEPS, STEPS
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.mockop.signicat import SUBJECT, SignicatMockProvider
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.ui.flow_controller import SIGNICAT, FlowController
from itsme_debugger.ui.main_window import MainWindow
from itsme_debugger.ui.profile_store import (
    DEMO_ID,
    DEMO_SIGNICAT_ID,
    DEMO_SIGNICAT_REST_ID,
    ProfileStore,
)
from itsme_debugger.ui.rest_form import AttributesModel, RestForm
from tests.flowrun import stay_put

from .conftest import (
    MockFactory,
    assert_cancelled,
    cancel_while_waiting,
    finish_flow,
    paste_where_the_browser_goes,
    run,
    shown_texts,
)

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

NIN = str(SUBJECT["nin"]["value"])  # type: ignore[index]
WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(open_window: WindowFactory, make_mock: MockFactory) -> WindowFactory:
    """A main window whose Signicat Demos run on a scripted mock (auto-approve, the session's
    keys); ``rest_outcome`` and ``faults`` go to the mock. Closed at teardown."""

    def make(
        opener: Any = follow_redirects, rest_outcome: str = "success", **mock_kw: Any
    ) -> MainWindow:
        def signicat_mock() -> MockProvider:
            mock = make_mock("signicat", **mock_kw)
            assert isinstance(mock, SignicatMockProvider)
            mock.rest_outcome = rest_outcome
            return mock

        controller = FlowController(make_mock=make_mock, make_signicat_mock=signicat_mock)
        return open_window(controller, opener)

    return make


async def open_demo(window: MainWindow, demo_id: str) -> SignicatMockProvider:
    """Select a Signicat Demo and wait for its mock provider (and the profile in the editor)."""
    window.select_profile(demo_id)
    mock = await window.controller.demo(SIGNICAT)
    assert isinstance(mock, SignicatMockProvider)
    assert window.current_profile() is not None
    assert window.start_action.isEnabled()
    return mock


def finding_ids(window: MainWindow) -> list[str]:
    model = window.findings.model
    return [model.item(r)[1].id for r in range(model.rowCount())]


def strip_word(window: MainWindow, step: str) -> str:
    return window.strip.buttons[step].text().split("\n")[1]


# ---------------------------------------------------------------------------------------------
# The Demos and the broker over OIDC


def test_the_sidebar_lists_the_three_demos_and_starts_on_the_itsme_one(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    names = {e.id: e.name for e in window.profiles.entries() if e.builtin}
    assert names == {
        DEMO_ID: "Demo (mock itsme®)",
        DEMO_SIGNICAT_ID: "Demo (Signicat broker)",
        DEMO_SIGNICAT_REST_ID: "Demo (Signicat REST API)",
    }
    assert window.current_id == DEMO_ID


def test_broker_demo_shows_the_id_token_with_the_broker_claims(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window()

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_ID)
        assert window.editor.pages.currentWidget() is window.editor.tabs  # an OIDC profile
        return await finish_flow(window)

    result = run(loop, main())
    assert result.exit_code == 0
    assert window.strip.steps == STEPS
    assert window.inspector.step == "id_token"
    texts = shown_texts(window.inspector.id_token)
    for claim in ("idp", "idp_issuer", "transaction_id", "sandbox", "sid"):
        assert f"({claim})" in texts or f"\n{claim}" in texts, claim
    assert "Maxence" in texts and "https://idp.e2e.itsme.services/v2" in texts
    assert any("decrypted" in line for line in window.inspector.id_token.layer_texts())
    assert "signicat.sandbox" in finding_ids(window)


# ---------------------------------------------------------------------------------------------
# The REST API


def test_rest_demo_shows_success_and_the_subject_with_the_nin_masked(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window()

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        assert window.editor.is_rest()
        assert window.editor.pages.currentWidget() is window.editor.rest  # no OIDC tabs
        return await finish_flow(window)

    result = run(loop, main())
    assert result.exit_code == 0
    assert window.strip.steps == REST_STEPS
    for step in REST_STEPS:
        assert strip_word(window, step).startswith("ok · "), step
    assert window.inspector.step == "session_status"
    pane = window.inspector.session
    assert window.inspector.pages.currentWidget() is pane
    assert pane.status.text().startswith("SUCCESS: the user authenticated")
    subject = {r.key: r for r in pane.subject_rows()}
    assert subject["Full name (name)"].value == "Maxence Legrand"
    assert subject["Date of birth (dateOfBirth)"].value == "1981-04-24"
    nin = subject["National identity number (nin)"]
    assert NIN not in nin.value and "BE" in nin.value and "PERSON" in nin.value
    assert "masked" in nin.note
    assert NIN not in pane.raw.toPlainText()
    assert NIN not in shown_texts(pane) and NIN not in shown_texts(window.findings)
    pane.reveal.setChecked(True)
    revealed = {r.key: r.value for r in pane.subject_rows()}
    assert revealed["National identity number (nin)"] == f"{NIN} · BE · PERSON"
    assert NIN in pane.raw.toPlainText()
    # the session and the callback, with readable times
    session = {r.key: r.value for r in pane.section_rows("create_session")}
    assert session["Session id"] == result.session.id
    assert "(in 19 min)" in session["Expires"] or "(in 20 min)" in session["Expires"]
    callback = {r.key: r for r in pane.section_rows("callback")}
    assert callback["Outcome"].value.startswith("success")
    assert callback["sessionId"].note == "this flow's session"
    # every REST step opens the same pane, at its own section
    window.strip.buttons["callback"].click()
    assert window.inspector.step == "callback"
    assert window.inspector.pages.currentWidget() is pane


def test_rest_abort_shows_abort_and_its_finding_in_the_status_section(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(rest_outcome="abort")

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        return await finish_flow(window)

    result = run(loop, main())
    assert result.exit_code == 3
    assert window.strip.status("session_status") == "error"
    assert window.inspector.step == "session_status"  # the failed step is shown
    pane = window.inspector.session
    assert pane.status.mark() == "error"
    assert pane.status.text().startswith("ABORT: the user aborted")
    section = pane.sections["session_status"]
    assert any("ABORT" in t for t in section.findings.texts())
    assert pane.sections["callback"].findings.texts() == []
    assert not pane.subject.isVisibleTo(pane)
    assert "signicat.session_aborted" in finding_ids(window)
    callback = {r.key: r.value for r in pane.section_rows("callback")}
    assert callback["Outcome"].startswith("abort")


def test_rest_access_denied_fault_aborts_too(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(faults=["access_denied"])

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        return await finish_flow(window)

    result = run(loop, main())
    assert result.session.status == "ABORT"
    assert "signicat.session_aborted" in finding_ids(window)


def test_cancel_while_waiting_for_the_rest_callback_frees_the_port(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(opener=stay_put)

    async def main() -> tuple[int, Any]:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        return await cancel_while_waiting(window)

    port, result = run(loop, main())
    assert_cancelled(window, port, result, "session_status")


def test_a_rest_profile_from_the_preset_runs_with_its_secret_and_shows_api_errors(
    loop: qasync.QEventLoop, make_window: WindowFactory, store: ProfileStore
) -> None:
    window = make_window()
    labels = [a.data() for a in window.sidebar.new_menu.actions()]
    assert labels.index("signicat-rest") == labels.index("signicat") + 1
    window.new_profile("signicat-rest")
    assert window.editor.is_rest() and not window.isWindowModified()
    form = window.editor.rest
    assert form.attributes.selected() == ("name", "firstName", "lastName", "dateOfBirth", "nin")

    async def main() -> tuple[Any, Any]:
        mock = await window.controller.demo(SIGNICAT)
        assert isinstance(mock, SignicatMockProvider)
        form.api_base.setText(mock.api_base)
        form.client_id.setText(mock.api_client.client_id)
        form.secret_field.setText("not-the-secret")
        form.secret_field.editingFinished.emit()
        assert window.save_profile()
        wrong = await finish_flow(window)
        form.secret_field.setText(mock.api_client.secret)
        form.secret_field.editingFinished.emit()
        right = await finish_flow(window)
        return wrong, right

    wrong, right = run(loop, main())
    # a wrong secret: the API token step fails, its finding in the pane's API token section
    assert wrong.exit_code == 3
    assert wrong.steps["api_token"].status == "error"
    assert wrong.steps["create_session"].status == "skipped"
    # (the right one ran after; its pane replaced the wrong one's)
    assert right.exit_code == 0, [f.id for f in right.all_findings]
    assert right.session.status == "SUCCESS"
    assert store.secret(window.current_id) is not None
    saved = store.get(window.current_id).profile
    assert saved is not None and saved.client.client_secret is None  # never in the file


def test_an_api_error_shows_in_the_section_of_its_step(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window()

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        # the mock has itsme only: another provider is a 400 of the create-session request
        window.editor.rest.providers.set_words(["bankid"])
        return await finish_flow(window)

    result = run(loop, main())
    assert result.exit_code == 3
    assert window.inspector.step == "create_session"
    pane = window.inspector.session
    section = pane.sections["create_session"]
    assert section.badge.mark() == "error"
    assert any("HTTP 400" in t for t in section.findings.texts())
    assert pane.sections["api_token"].badge.mark() == "ok"
    assert pane.sections["session_status"].badge.text() == "skipped: an earlier step failed"
    assert pane.status.text().startswith("no status: Session failed")


# ---------------------------------------------------------------------------------------------
# The REST profile form and its attributes picker


def rest_profile(**rest: Any) -> Profile:
    text = """
name = "REST"
[provider]
kind = "signicat-rest"
api_base = "https://api.signicat.com/auth/rest"
[client]
client_id = "api-client"
"""
    profile = parse_profile(text)
    return profile.with_changes(rest=RestConfig(**rest))


@pytest.fixture
def form(qapp: Any) -> Iterator[RestForm]:
    widget = RestForm()
    yield widget
    widget.close()
    widget.deleteLater()


def test_attributes_picker_keeps_the_order_and_unknown_names(form: RestForm) -> None:
    profile = rest_profile(attributes=("nin", "shoeSize", "name"), session_lifetime=600)
    form.set_profile(profile, secret=None, secret_note=None, builtin=False)
    model = form.attributes
    assert model.selected() == ("nin", "shoeSize", "name")
    unknown = model.index(model.row_of("shoeSize"), 0)
    assert "not known" in unknown.data()
    assert unknown.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert any("shoeSize" in t for t in form.findings.texts())  # signicat.attribute_unknown
    changed: list[bool] = []
    form.changed.connect(lambda: changed.append(True))
    model.setData(
        model.index(model.row_of("dateOfBirth"), 0),
        Qt.CheckState.Checked.value,
        Qt.ItemDataRole.CheckStateRole,
    )
    model.setData(
        model.index(model.row_of("nin"), 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    assert changed == [True, True]
    edited = form.profile()
    assert edited.rest is not None
    assert edited.rest.attributes == ("shoeSize", "name", "dateOfBirth")
    assert edited.rest.session_lifetime == 600
    # what is saved reads back the same
    again = parse_profile(profile_to_toml(edited))
    assert again.rest == edited.rest


def test_rest_form_lints_as_you_type_and_keeps_bad_input(form: RestForm) -> None:
    form.set_profile(
        rest_profile(attributes=("name",)), secret=None, secret_note=None, builtin=False
    )
    assert form.lint_summary.mark() == "ok"
    form.attributes.setData(
        form.attributes.index(form.attributes.row_of("name"), 0),
        Qt.CheckState.Unchecked,
        Qt.ItemDataRole.CheckStateRole,
    )
    assert any("requestedAttributes is empty" in t for t in form.field_issues("attributes"))
    form.providers.set_words(["bankid"])
    assert any("itsme" in t for t in form.field_issues("providers"))
    form.api_base.setText("api.signicat.com")
    assert form.field_issues("api_base")
    assert form.profile().provider.api_base == "api.signicat.com"  # kept as typed
    form.callback_base.setText("ftp://x")
    assert any("callbackUrls.success" in t for t in form.field_issues("callback_base"))
    form.lifetime.setValue(0)
    assert form.profile().rest.session_lifetime is None  # type: ignore[union-attr]


def test_rest_demo_form_has_no_secret_to_type(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window()
    run(loop, open_demo(window, DEMO_SIGNICAT_REST_ID))
    form = window.editor.rest
    assert not form.secret_field.isEnabled()
    assert "Demo" in form.secret_field.placeholderText()
    assert window.strip.steps == REST_STEPS  # the steps this profile will run, before a run


@pytest.fixture
def held_model(qapp: Any) -> Iterator[AttributesModel]:
    """A model that outlives qtmodeltester's teardown (request it before qtmodeltester)."""
    model = AttributesModel()
    model.set_selected(["name", "nin", "custom"])
    yield model
    model.deleteLater()


def test_attributes_model_passes_the_model_tester(
    held_model: AttributesModel, qtmodeltester: Any
) -> None:
    qtmodeltester.check(held_model, force_py=True)


def test_rest_callback_pasted_into_the_banner_finishes_the_flow(
    loop: qasync.QEventLoop, make_window: WindowFactory
) -> None:
    window = make_window(opener=stay_put)

    async def main() -> Any:
        await open_demo(window, DEMO_SIGNICAT_REST_ID)
        return await paste_where_the_browser_goes(window)  # the success callback

    result = run(loop, main())
    assert result.exit_code == 0
    assert result.callback is not None and result.callback.outcome == "success"
    assert window.inspector.session.status.text().startswith("SUCCESS")
