"""The Request tab: the form round-trips a profile, the preview follows every edit, lint shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from itsme_debugger.core.authorize import ITSME_ACR_ADVANCED
from itsme_debugger.core.claims import ClaimSpec, ClaimsRequest
from itsme_debugger.core.discovery import metadata_from_endpoints
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.core.profile import (
    ClientConfig,
    FlowOptions,
    Profile,
    ProviderConfig,
    RequestConfig,
)
from itsme_debugger.core.seal import key_for
from itsme_debugger.keyfiles import write_keypair
from itsme_debugger.ui.composer import ComposerWidget

pytestmark = pytest.mark.gui

ISSUER = "https://idp.e2e.itsme.services/v2"
CLAIMS = ClaimsRequest({"given_name": ClaimSpec(essential=True)}, {})


def itsme_profile(**request: Any) -> Profile:
    req = {
        "scope": ("openid", "service:TEST_code", "profile"),
        "pkce": True,
        "request_object": "none",
        "params": {"ui_locales": "fr", "custom": "x"},
        "claims": CLAIMS,
        **request,
    }
    return Profile(
        "itsme e2e",
        ProviderConfig(ISSUER, "itsme-v2", preset="itsme-v2-e2e"),
        ClientConfig(
            "my-client",
            "private_key_jwt",
            "https://rp.example.org/cb",
            keys="/nonexistent/private.jwks.json",
        ),
        RequestConfig(**req),
        FlowOptions(timeout=5.0, redirect="paste"),
        source="/tmp/profile.toml",
    )


def composer(qtbot: Any, profile: Profile | None = None) -> ComposerWidget:
    widget = ComposerWidget()
    qtbot.addWidget(widget)
    widget.set_profile(profile or itsme_profile())
    return widget


def type_into(qtbot: Any, field: QWidget, text: str) -> None:
    """Replace a field's text the way a user does: select all, type."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for i, line in enumerate(text.split("\n")):
        if i:
            qtbot.keyClick(field, Qt.Key.Key_Return)
        qtbot.keyClicks(field, line)


def test_profile_round_trips_unchanged(qtbot: Any) -> None:
    profile = itsme_profile()
    assert composer(qtbot, profile).profile() == profile


def test_profile_has_every_edit(qtbot: Any) -> None:
    w = composer(qtbot)
    type_into(qtbot, w.issuer, "https://idp.prd.itsme.services/v2")
    w.variant.setCurrentText("itsme-secret")
    type_into(qtbot, w.endpoints["token_endpoint"], "https://t.example.org/token")
    type_into(qtbot, w.client_id, "other-client")
    w.auth_method.setCurrentText("client_secret_post")
    type_into(qtbot, w.redirect_uri, "https://rp.example.org/callback")
    w.scope.chip("eid").click()
    type_into(qtbot, w.service_code, "MY_SERVICE")
    w.pkce.click()
    w.request_object.setCurrentText("signed+encrypted")
    w.prompt.setCurrentText("login")
    w.acr_values.chip(ITSME_ACR_ADVANCED).click()
    w.ui_locales.chip("nl").click()
    type_into(qtbot, w.max_age, "600")
    type_into(qtbot, w.login_hint, "george@example.org")
    w.display.setCurrentText("page")
    type_into(qtbot, w.extra, "custom=y\nother=z")

    p = w.profile()
    assert p.provider.issuer == "https://idp.prd.itsme.services/v2"
    assert p.provider.variant == "itsme-secret"
    assert p.provider.endpoints == {"token_endpoint": "https://t.example.org/token"}
    assert p.client.client_id == "other-client"
    assert p.client.auth_method == "client_secret_post"
    assert p.client.redirect_uri == "https://rp.example.org/callback"
    assert p.request.scope == ("openid", "service:MY_SERVICE", "profile", "eid")
    assert p.request.pkce is False
    assert p.request.request_object == "signed+encrypted"
    assert p.request.params == {
        "prompt": "login",
        "acr_values": ITSME_ACR_ADVANCED,
        "ui_locales": "fr nl",
        "max_age": "600",
        "login_hint": "george@example.org",
        "display": "page",
        "custom": "y",
        "other": "z",
    }
    # What the form does not show is kept.
    assert p.client.keys == "/nonexistent/private.jwks.json"
    assert p.flow == FlowOptions(timeout=5.0, redirect="paste")
    assert p.request.claims == CLAIMS
    assert (p.name, p.source, p.provider.preset) == (
        "itsme e2e",
        "/tmp/profile.toml",
        "itsme-v2-e2e",
    )


def test_edits_emit_changed(qtbot: Any) -> None:
    w = composer(qtbot)
    with qtbot.waitSignal(w.changed, timeout=1000):
        qtbot.keyClicks(w.login_hint, "g")


def test_preview_url_follows_the_form(qtbot: Any) -> None:
    w = composer(qtbot)
    assert "client_id=my-client" in w.url.toPlainText()
    assert "login_hint" not in w.url.toPlainText()
    qtbot.keyClicks(w.login_hint, "george")
    assert "&login_hint=george" in w.url.toPlainText()
    rows = {r.key: r for r in w.preview.rows}
    assert rows["login_hint"].value == "george"
    assert rows["state"].note == "generated at Start"
    assert "state=generated-at-Start-state" in w.url.toPlainText()


def test_preview_uses_the_discovered_authorization_endpoint(qtbot: Any) -> None:
    w = composer(qtbot)
    assert w.url.toPlainText().startswith("https://authorization-endpoint.from-discovery")
    w.set_discovery(
        metadata_from_endpoints(
            ISSUER, authorization_endpoint=ISSUER + "/authorization", token_endpoint="t"
        )
    )
    assert w.url.toPlainText().startswith(ISSUER + "/authorization?response_type=code")


def test_preview_shows_the_claims_json(qtbot: Any) -> None:
    w = composer(qtbot)
    assert '"given_name": {\n      "essential": true' in w.claims_json.toPlainText()
    w.set_claims(CLAIMS.with_claim("userinfo", "birthdate"))
    assert '"userinfo": {\n    "birthdate": null' in w.claims_json.toPlainText()
    assert w.profile().request.claims.names("userinfo") == ("birthdate",)


def test_preview_shows_the_request_object_and_its_layers(qtbot: Any, tmp_path: Path) -> None:
    keys = generate_client_keys()
    private, _ = write_keypair(tmp_path, keys)
    profile = itsme_profile(request_object="signed+encrypted")
    w = composer(qtbot, profile.with_changes(client=ClientConfig("c", keys=str(private))))
    assert w.ro_claims.isVisibleTo(w)
    url = w.url.toPlainText()
    assert "request=request-object-made-at-Start" in url
    assert "nonce" not in url
    assert '"nonce": "generated-at-Start-nonce"' in w.ro_claims.toPlainText()
    assert '"iss": "c"' in w.ro_claims.toPlainText()
    kid = key_for(keys, "sig").get("kid")
    assert w.preview.layers[0].startswith(f"1. JWS RS256, kid {kid}")
    assert w.preview.layers[1].startswith("2. JWE to the provider's encryption key")
    w.request_object.setCurrentText("none")
    assert not w.ro_claims.isVisibleTo(w)
    assert "nonce=generated-at-Start-nonce" in w.url.toPlainText()


def test_request_object_with_an_unreadable_key_file_says_why(qtbot: Any) -> None:
    w = composer(qtbot, itsme_profile(request_object="signed"))
    assert "cannot read /nonexistent/private.jwks.json" in w.preview.layers[0]


def test_lint_badge_for_a_missing_service_scope(qtbot: Any) -> None:
    w = composer(qtbot, itsme_profile(scope=("openid", "profile")))
    assert "request.service_scope_missing" in [f.id for f in w.findings()]
    assert any("service:CODE" in text for text in w.field_issues("scope"))
    assert w.lint_summary.mark() == "error"
    qtbot.keyClicks(w.service_code, "TEST_code")
    assert w.profile().request.scope == ("openid", "service:TEST_code", "profile")
    assert w.field_issues("scope") == []


def test_focus_field_goes_to_the_field_a_finding_names(qtbot: Any) -> None:
    w = composer(qtbot, itsme_profile(scope=("openid",)))
    finding = next(f for f in w.findings() if f.id == "request.service_scope_missing")
    assert w.focus_field(finding.where)
    assert w.focusWidget() is w.scope.edit
    assert not w.focus_field("request.claims.id_token.given_name")


def test_lint_uses_the_discovery_document(qtbot: Any) -> None:
    w = composer(qtbot)
    metadata = metadata_from_endpoints(ISSUER, authorization_endpoint="a", token_endpoint="t")
    raw = {**metadata.raw, "claims_supported": ["sub"], "ui_locales_supported": ["nl"]}
    w.set_discovery(replace(metadata, raw=raw))
    ids = [f.id for f in w.findings()]
    assert "claims.not_supported_by_provider" in ids
    assert "request.ui_locales_not_in_discovery" in ids
    assert any(
        "fr is not in the provider's ui_locales_supported" in t
        for t in w.field_issues("ui_locales")
    )


def test_invalid_max_age_stays_in_its_field_with_a_message(qtbot: Any) -> None:
    w = composer(qtbot)
    qtbot.keyClicks(w.max_age, "6o0")
    assert w.max_age.text() == "6o0"
    assert w.field_issues("max_age") == [
        "max_age must be a non-negative whole number of seconds; got '6o0'"
    ]
    assert w.profile().request.params["max_age"] == "6o0"
    assert "max_age" not in w.url.toPlainText()


def test_extra_parameter_without_equals_sign_is_flagged_and_kept(qtbot: Any) -> None:
    w = composer(qtbot)
    type_into(qtbot, w.extra, "custom=x\nbroken line")
    assert w.extra.toPlainText() == "custom=x\nbroken line"
    assert "line 2: expected name=value; got 'broken line'" in w.field_issues("extra")
    assert w.profile().request.params["custom"] == "x"


def test_extra_parameter_that_has_its_own_field_is_refused(qtbot: Any) -> None:
    w = composer(qtbot)
    type_into(qtbot, w.extra, "nonce=mine")
    assert "line 1: nonce has its own field or is set by the debugger" in w.field_issues("extra")
    assert "nonce" not in w.profile().request.params


def test_scope_chip_and_text_stay_in_step(qtbot: Any) -> None:
    w = composer(qtbot)
    assert w.scope.chip("profile").isChecked()
    assert w.scope.chip("profile").text() == "✓ profile"
    w.scope.chip("profile").click()
    assert w.scope.chip("profile").text() == "profile"
    assert w.scope.edit.text() == "openid service:TEST_code"
    type_into(qtbot, w.scope.edit, "openid service:TEST_code email")
    assert w.scope.chip("email").isChecked()
    assert not w.scope.chip("profile").isChecked()


def test_variant_decides_the_scope_chips_and_the_service_field(qtbot: Any) -> None:
    w = composer(qtbot)
    w.variant.setCurrentText("signicat")
    assert w.service_code.isHidden()
    assert w.scope.chip("name").text() == "name"
    assert w.acr_values.chip("idp:itsme").text() == "idp:itsme"
    w.variant.setCurrentText("itsme-v2")
    assert not w.service_code.isHidden()


def test_profile_before_set_profile_is_an_error(qtbot: Any) -> None:
    w = ComposerWidget()
    qtbot.addWidget(w)
    assert not w.isEnabled()
    with pytest.raises(RuntimeError):
        w.profile()


@pytest.fixture
def held_composer() -> Iterator[ComposerWidget]:
    """A composer that outlives qtmodeltester's teardown (request it before qtmodeltester)."""
    widget = ComposerWidget()
    widget.set_profile(itsme_profile(request_object="signed"))
    yield widget
    widget.close()
    widget.deleteLater()


def test_parameters_model_passes_the_model_tester(
    held_composer: ComposerWidget, qtmodeltester: Any
) -> None:
    model = held_composer.params_table.kv_model
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)


def test_the_providers_discovery_sharpens_the_editor_without_counting_as_an_edit(
    qtbot: Any,
) -> None:
    from itsme_debugger.ui.profile_editor import ProfileEditor

    editor = ProfileEditor()
    qtbot.addWidget(editor)
    editor.load(itsme_profile(), secret=None, secret_note=None, key_dir=None)
    edits: list[bool] = []
    editor.edited.connect(lambda: edits.append(True))
    updates: list[bool] = []
    editor.composer.changed.connect(lambda: updates.append(True))
    metadata = metadata_from_endpoints(
        ISSUER, authorization_endpoint="https://idp.example/authorize", token_endpoint="t"
    )
    editor.set_discovery(replace(metadata, raw={**metadata.raw, "claims_supported": ["sub"]}))
    assert editor.composer.preview.url.startswith("https://idp.example/authorize?")
    assert "claims.not_supported_by_provider" in [f.id for f in editor.composer.findings()]
    assert (edits, updates) == ([], [True])  # the preview once; the profile is as it was


def test_changes_made_together_refresh_the_preview_once(qtbot: Any) -> None:
    w = ComposerWidget()
    qtbot.addWidget(w)
    updates: list[bool] = []
    w.changed.connect(lambda: updates.append(True))
    with w.held_updates():
        w.set_profile(itsme_profile())
        w.set_client_keys(None)
        w.set_claims(ClaimsRequest({}, {}))
        assert updates == []
    assert updates == [True]
    assert "client_id=my-client" in w.preview.url  # made, from the profile loaded
