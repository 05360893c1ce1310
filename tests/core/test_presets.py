"""Provider presets: the seeds' hosts, auth methods and defaults."""

from __future__ import annotations

import pytest

from itsme_debugger.core.authorize import AuthorizationParams, lint_authorization_request
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.presets import PRESETS
from itsme_debugger.core.profile import AUTH_METHODS, REQUEST_OBJECT_MODES, VARIANTS


def test_preset_keys():
    assert set(PRESETS) == {
        "itsme-v2-e2e",
        "itsme-v2-prd",
        "itsme-secret-e2e",
        "itsme-secret-prd",
        "itsme-secret-v2-e2e",
        "itsme-secret-v2-prd",
        "signicat",
        "generic",
    }


@pytest.mark.parametrize(
    ("key", "issuer", "auth_method", "variant"),
    [
        ("itsme-v2-e2e", "https://idp.e2e.itsme.services/v2", "private_key_jwt", "itsme-v2"),
        ("itsme-v2-prd", "https://idp.prd.itsme.services/v2", "private_key_jwt", "itsme-v2"),
        (
            "itsme-secret-e2e",
            "https://oidc.e2e.itsme.services/clientsecret-oidc/csapi/v0.1",
            "client_secret_post",
            "itsme-secret",
        ),
        (
            "itsme-secret-prd",
            "https://oidc.prd.itsme.services/clientsecret-oidc/csapi/v0.1",
            "client_secret_post",
            "itsme-secret",
        ),
        (
            "itsme-secret-v2-e2e",
            "https://idp.e2e.itsme.services/v2",
            "client_secret_post",
            "itsme-secret",
        ),
        (
            "itsme-secret-v2-prd",
            "https://idp.prd.itsme.services/v2",
            "client_secret_post",
            "itsme-secret",
        ),
        ("signicat", "https://<domain>/auth/open", "client_secret_basic", "signicat"),
        ("generic", "", "client_secret_basic", "generic"),
    ],
)
def test_preset_provider(key, issuer, auth_method, variant):
    preset = PRESETS[key]
    assert preset.key == key
    assert (preset.issuer, preset.auth_method, preset.variant) == (issuer, auth_method, variant)


@pytest.mark.parametrize("preset", PRESETS.values(), ids=lambda p: p.key)
def test_presets_fit_profiles(preset):
    assert preset.variant in VARIANTS
    assert preset.auth_method in AUTH_METHODS
    assert preset.request_object in REQUEST_OBJECT_MODES
    assert preset.label and preset.notes
    assert preset.pkce


@pytest.mark.parametrize("key", [k for k in PRESETS if k.startswith("itsme")])
def test_itsme_default_scope_and_environment(key):
    preset = PRESETS[key]
    assert preset.scope == ("openid", "service:TEST_code", "profile")
    assert preset.environment == key.rsplit("-", 1)[1]
    assert f".{preset.environment}." in preset.issuer


def test_signicat_sends_straight_to_itsme():
    preset = PRESETS["signicat"]
    assert preset.params == {"acr_values": "idp:itsme", "prompt": "login"}
    assert preset.scope == ("openid", "profile")


@pytest.mark.parametrize("preset", PRESETS.values(), ids=lambda p: p.key)
def test_a_request_from_a_preset_has_no_error(preset):
    params = AuthorizationParams(
        client_id="my-client",
        redirect_uri="https://client.example.org/cb",
        scope=preset.scope,
        acr_values=preset.params.get("acr_values"),
        prompt=preset.params.get("prompt"),
    )
    findings = lint_authorization_request(
        params, variant=preset.variant, request_object_mode=preset.request_object
    )
    assert [f.id for f in findings if f.severity is Severity.ERROR] == []


def test_presets_are_read_only():
    with pytest.raises(TypeError):
        PRESETS["mine"] = PRESETS["generic"]  # type: ignore[index]
