"""The Authorization Request: URL build and parse, and one test per lint finding."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsme_debugger.core.authorize import (
    ITSME_ACR_ADVANCED,
    ITSME_ACR_BASIC,
    AuthorizationParams,
    build_authorization_url,
    lint_authorization_request,
    new_nonce,
    new_state,
    parse_authorization_url,
)
from itsme_debugger.core.catalogue import catalogue
from itsme_debugger.core.claims import ClaimSpec, ClaimsRequest
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.pkce import challenge_s256, make_verifier
from tests.core.support import SEED_CLAIMS_JSON

# Seed 003, "Authorization Request", the example request (line breaks as in the seed).
SEED_URL = (
    "https://server.example.com/v2/authorization?response_type=code"
    "&client_id=abcd1234"
    "&redirect_uri=https://client.example.org/cb"
    "&scope=openid+service:EXAMPLE+profile+eid+phone+email+address"
    "&state=anystate"
    "&nonce=anonce"
    "&prompt=login"
    "&max_age=1"
    "&claims=" + SEED_CLAIMS_JSON
)

GOOD = {
    "itsme-v2": AuthorizationParams(
        client_id="my-client",
        redirect_uri="https://client.example.org/cb",
        scope=("openid", "service:TEST_code", "profile"),
        state=new_state(),
        nonce=new_nonce(),
        code_challenge=challenge_s256(make_verifier()),
        code_challenge_method="S256",
        ui_locales="en fr",
        display="page",
        acr_values=ITSME_ACR_BASIC,
        prompt="login",
        max_age=600,
        claims=ClaimsRequest({"given_name": ClaimSpec(essential=True)}, {}),
    ),
}
GOOD["itsme-secret"] = GOOD["itsme-v2"]
GOOD["signicat"] = replace(
    GOOD["itsme-v2"],
    scope=("openid", "profile"),
    acr_values="idp:itsme",
    ui_locales=None,
    display=None,
)
GOOD["generic"] = replace(GOOD["itsme-v2"], scope=("openid", "profile", "email"), acr_values=None)

DISCOVERY: dict[str, Any] = {
    "scopes_supported": ["openid", "profile", "email", "address", "phone", "eid", "service"],
    "response_types_supported": ["code"],
    "code_challenge_methods_supported": ["S256"],
    "ui_locales_supported": ["fr", "nl", "de", "en"],
    "acr_values_supported": [ITSME_ACR_BASIC, ITSME_ACR_ADVANCED, "idp:itsme"],
    "display_values_supported": ["page"],
    "claims_supported": list(catalogue()),
    "claims_parameter_supported": True,
    "request_parameter_supported": True,
    "request_uri_parameter_supported": True,
}


def lint(variant="itsme-v2", discovery=None, mode="none", issuer="", **changes):
    params = replace(GOOD[variant], **changes)
    return lint_authorization_request(
        params, variant=variant, issuer=issuer, discovery=discovery, request_object_mode=mode
    )


def ids(findings):
    return [f.id for f in findings]


# ---------------------------------------------------------------------------------------------
# Query, URL build and parse


def test_to_query_order_and_only_set_params():
    params = AuthorizationParams(
        client_id="c",
        redirect_uri="https://r/cb",
        state="s",
        max_age=0,
        extra=(("foo", "bar"),),
    )
    assert params.to_query() == [
        ("response_type", "code"),
        ("client_id", "c"),
        ("redirect_uri", "https://r/cb"),
        ("scope", "openid"),
        ("state", "s"),
        ("max_age", "0"),
        ("foo", "bar"),
    ]


def test_to_query_sends_claims_as_compact_json():
    query = dict(GOOD["itsme-v2"].to_query())
    assert query["claims"] == '{"id_token":{"given_name":{"essential":true}}}'
    assert query["scope"] == "openid service:TEST_code profile"


def test_build_keeps_the_endpoint_query():
    url = build_authorization_url("https://op.example/auth?tenant=a%20b", GOOD["generic"])
    assert url.startswith("https://op.example/auth?tenant=a%20b&response_type=code&client_id=")


@pytest.mark.parametrize("endpoint", ["https://op.example/auth?", "https://op.example/auth?a=1&"])
def test_build_after_a_trailing_separator(endpoint):
    url = build_authorization_url(endpoint, AuthorizationParams("c", "https://r/cb"))
    assert (
        url
        == endpoint
        + "response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fr%2Fcb&scope=openid"
    )


def test_build_never_fails_on_an_odd_endpoint():
    url = build_authorization_url("http://[::1/auth#frag", AuthorizationParams("c", ""))
    assert url == "http://[::1/auth?response_type=code&client_id=c&scope=openid#frag"


def test_seed_example_parses():
    endpoint, params, findings = parse_authorization_url(SEED_URL)
    assert findings == []
    assert endpoint == "https://server.example.com/v2/authorization"
    assert params.client_id == "abcd1234"
    assert params.redirect_uri == "https://client.example.org/cb"
    assert params.scope == (
        "openid",
        "service:EXAMPLE",
        "profile",
        "eid",
        "phone",
        "email",
        "address",
    )
    assert (params.state, params.nonce, params.prompt, params.max_age) == (
        "anystate",
        "anonce",
        "login",
        1,
    )
    assert params.claims is not None
    assert len(params.claims.names("id_token")) == 10


def test_seed_example_round_trips():
    endpoint, params, _ = parse_authorization_url(SEED_URL)
    again = parse_authorization_url(build_authorization_url(endpoint, params))
    assert again == (endpoint, params, [])


def test_seed_example_lint():
    _, params, _ = parse_authorization_url(SEED_URL)
    findings = lint_authorization_request(params, variant="itsme-v2")
    assert ids(findings) == [
        "request.state_weak",
        "request.nonce_weak",
        "request.pkce_missing",
        "claims.metadata_without_attribute",
    ]


def test_parse_bad_claims_is_a_finding():
    _, params, findings = parse_authorization_url("https://op/a?client_id=c&claims={oops")
    assert ids(findings) == ["request.claims_invalid"]
    assert params.claims is None
    assert params.client_id == "c"


def test_parse_bad_max_age_is_a_finding():
    _, params, findings = parse_authorization_url("https://op/a?max_age=ten")
    assert ids(findings) == ["request.max_age_invalid"]
    assert params.max_age is None


def test_parse_repeated_parameter_is_a_finding():
    _, params, findings = parse_authorization_url("https://op/a?state=one&state=two")
    assert ids(findings) == ["request.parameter_repeated"]
    assert params.state == "one"


def test_parse_unknown_parameters_go_to_extra():
    _, params, _ = parse_authorization_url("https://op/a?foo=1&client_id=c&bar=")
    assert params.extra == (("foo", "1"), ("bar", ""))


def test_parse_blank_optional_parameter_is_unset():
    _, params, _ = parse_authorization_url("https://op/a?state=&nonce=n")
    assert (params.state, params.nonce) == (None, "n")


def test_parse_not_a_url_is_a_finding():
    _, params, findings = parse_authorization_url("http://[::1/a?x=1")
    assert ids(findings) == ["request.url_invalid"]
    assert params.client_id == ""


@given(st.text())
def test_parse_never_raises_on_junk(text):
    endpoint, params, findings = parse_authorization_url(text)
    assert isinstance(endpoint, str)
    assert isinstance(params, AuthorizationParams)
    assert all(f.id.startswith("request.") for f in findings)


@given(st.lists(st.tuples(st.sampled_from(["claims", "max_age", "scope", "x"]), st.text())))
def test_parse_never_raises_on_junk_queries(pairs):
    from urllib.parse import urlencode

    parse_authorization_url("https://op/a?" + urlencode(pairs))


tokens = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1)


@given(
    client_id=tokens,
    state=tokens,
    scope=st.lists(tokens, max_size=4).map(tuple),
    login_hint=st.none() | st.text(min_size=1),
    max_age=st.none() | st.integers(min_value=0, max_value=10**9),
)
def test_build_then_parse_round_trips(client_id, state, scope, login_hint, max_age):
    params = AuthorizationParams(
        client_id=client_id,
        redirect_uri="https://client.example.org/cb?x=1&y=2",
        scope=scope,
        state=state,
        login_hint=login_hint,
        max_age=max_age,
        claims=ClaimsRequest({}, {"email": ClaimSpec(values=("a&b", None))}),
    )
    endpoint, parsed, findings = parse_authorization_url(
        build_authorization_url("https://op.example/auth", params)
    )
    assert (endpoint, parsed, findings) == ("https://op.example/auth", params, [])


def test_new_state_and_nonce_are_long_and_fresh():
    assert len(new_state()) >= 43
    assert new_state() != new_state()
    assert len(new_nonce()) >= 43
    assert new_nonce() != new_nonce()


# ---------------------------------------------------------------------------------------------
# Lint: the clean baselines (the negative case of every finding below)


@pytest.mark.parametrize("variant", ["itsme-v2", "itsme-secret", "signicat", "generic"])
@pytest.mark.parametrize("discovery", [None, DISCOVERY], ids=["no-discovery", "discovery"])
def test_good_request_has_no_finding(variant, discovery):
    assert lint(variant, discovery) == []


# ---------------------------------------------------------------------------------------------
# Lint: one positive case per finding

ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
POSITIVE = [
    ("request.client_id_missing", ERR, "itsme-v2", {"client_id": ""}),
    ("request.redirect_uri_missing", ERR, "itsme-v2", {"redirect_uri": ""}),
    ("request.openid_missing", ERR, "generic", {"scope": ("profile",)}),
    ("request.service_scope_missing", ERR, "itsme-v2", {"scope": ("openid", "profile")}),
    ("request.service_scope_missing", ERR, "itsme-secret", {"scope": ("openid",)}),
    ("request.service_scope_empty", ERR, "itsme-v2", {"scope": ("openid", "service:")}),
    (
        "request.service_scope_multiple",
        WARN,
        "itsme-v2",
        {"scope": ("openid", "service:A", "service:B")},
    ),
    ("request.scope_unknown", INFO, "itsme-v2", {"scope": ("openid", "service:A", "offline")}),
    ("request.scope_unknown", INFO, "signicat", {"scope": ("openid", "eid")}),
    ("request.response_type_not_code", ERR, "itsme-v2", {"response_type": "id_token"}),
    ("request.response_type_not_code", WARN, "generic", {"response_type": "code id_token"}),
    ("request.redirect_uri_fragment", ERR, "generic", {"redirect_uri": "https://c.example/cb#x"}),
    ("request.redirect_uri_custom_scheme", ERR, "itsme-v2", {"redirect_uri": "com.example:/cb"}),
    ("request.redirect_uri_not_absolute", ERR, "generic", {"redirect_uri": "/cb"}),
    ("request.redirect_uri_not_absolute", ERR, "generic", {"redirect_uri": "http://[::1/cb"}),
    ("request.redirect_uri_not_absolute", ERR, "generic", {"redirect_uri": "https:///cb"}),
    ("request.redirect_uri_not_https", ERR, "itsme-v2", {"redirect_uri": "http://c.example/cb"}),
    ("request.redirect_uri_not_https", WARN, "itsme-v2", {"redirect_uri": "http://127.0.0.1:9/cb"}),
    ("request.redirect_uri_not_https", WARN, "itsme-v2", {"redirect_uri": "http://[::1]:9/cb"}),
    ("request.redirect_uri_not_https", WARN, "itsme-v2", {"redirect_uri": "http://localhost/cb"}),
    ("request.redirect_uri_not_https", WARN, "generic", {"redirect_uri": "http://c.example/cb"}),
    ("request.state_missing", WARN, "itsme-v2", {"state": None}),
    ("request.nonce_missing", WARN, "itsme-v2", {"nonce": None}),
    ("request.state_weak", WARN, "generic", {"state": "anystate"}),
    ("request.nonce_weak", WARN, "generic", {"nonce": "anonce"}),
    (
        "request.pkce_missing",
        WARN,
        "itsme-v2",
        {"code_challenge": None, "code_challenge_method": None},
    ),
    (
        "request.pkce_missing",
        WARN,
        "generic",
        {"code_challenge": None, "code_challenge_method": None},
    ),
    ("request.pkce_method_without_challenge", ERR, "generic", {"code_challenge": None}),
    ("request.pkce_method_not_s256", ERR, "itsme-v2", {"code_challenge_method": "plain"}),
    ("request.pkce_method_not_s256", ERR, "itsme-v2", {"code_challenge_method": None}),
    ("request.pkce_method_not_s256", WARN, "generic", {"code_challenge_method": "plain"}),
    ("request.pkce_challenge_invalid", ERR, "generic", {"code_challenge": "short"}),
    ("request.ui_locales_unsupported", WARN, "itsme-v2", {"ui_locales": "en es"}),
    ("request.display_unsupported", ERR, "itsme-v2", {"display": "popup"}),
    ("request.display_unsupported", WARN, "generic", {"display": "fullscreen"}),
    ("request.acr_values_unknown", WARN, "itsme-v2", {"acr_values": "urn:loa:high"}),
    ("request.acr_values_unknown", INFO, "signicat", {"acr_values": "idp:bankid"}),
    (
        "request.acr_values_both",
        INFO,
        "itsme-v2",
        {"acr_values": f"{ITSME_ACR_BASIC} {ITSME_ACR_ADVANCED}"},
    ),
    ("request.acr_values_missing", INFO, "signicat", {"acr_values": None}),
    ("signicat.service_scope_missing", WARN, "signicat", {"scope": ("openid", "email")}),
    ("signicat.prompt_login_missing", INFO, "signicat", {"prompt": None}),
    ("signicat.prompt_login_missing", INFO, "signicat", {"prompt": "consent"}),
    ("request.max_age_invalid", ERR, "generic", {"max_age": -1}),
    ("request.prompt_invalid", ERR, "generic", {"prompt": "always"}),
    ("request.prompt_invalid", ERR, "generic", {"prompt": "none login"}),
    (
        "request.request_and_request_uri",
        ERR,
        "generic",
        {"request": "a.b.c.d.e", "request_uri": "https://c.example/r"},
    ),
    ("request.request_uri_not_https", ERR, "itsme-v2", {"request_uri": "http://c.example:443/r"}),
    ("request.request_uri_not_https", WARN, "generic", {"request_uri": "http://c.example/r"}),
    ("request.request_uri_invalid", ERR, "generic", {"request_uri": "https://c.example:x/r"}),
    ("request.request_uri_port_not_443", ERR, "itsme-v2", {"request_uri": "https://c.example/r"}),
    (
        "request.request_uri_port_not_443",
        ERR,
        "itsme-v2",
        {"request_uri": "https://c.example:8443/r"},
    ),
    ("request.request_uri_localhost", ERR, "itsme-v2", {"request_uri": "https://localhost:443/r"}),
    ("request.request_uri_localhost", ERR, "itsme-v2", {"request_uri": "https://127.0.0.1:443/r"}),
    ("request.request_object_not_encrypted", ERR, "itsme-v2", {"request": "h.p.s"}),
    ("request.parameter_repeated", ERR, "generic", {"extra": (("scope", "openid"),)}),
    ("request.parameter_unsupported", WARN, "itsme-v2", {"login_hint": "+32485"}),
    ("request.parameter_unsupported", WARN, "itsme-secret", {"extra": (("foo", "bar"),)}),
    (
        "claims.invalid_target",
        ERR,
        "itsme-v2",
        {"claims": ClaimsRequest.from_json('{"idtoken": {}}')},
    ),
]


@pytest.mark.parametrize(
    ("finding", "severity", "variant", "changes"),
    POSITIVE,
    ids=[f"{p[0]}-{p[2]}-{i}" for i, p in enumerate(POSITIVE)],
)
def test_finding(finding, severity, variant, changes):
    findings = [f for f in lint(variant, **changes) if f.id == finding]
    assert findings, f"{finding} not reported"
    assert findings[0].severity is severity
    assert findings[0].reference
    assert findings[0].message


@pytest.mark.parametrize("scope", [("openid", "name"), ("openid", "profile")])
def test_signicat_name_or_profile_chooses_the_itsme_service(scope):
    assert lint("signicat", scope=scope) == []


def test_signicat_rules_stay_out_of_other_variants():
    ids = [f.id for f in lint("generic", scope=("openid",), prompt=None)]
    assert not [i for i in ids if i.startswith("signicat.")]


def test_request_object_mode_signed_is_not_encrypted_for_itsme():
    [f] = lint("itsme-v2", mode="signed")
    assert f.id == "request.request_object_not_encrypted"
    assert f.severity is Severity.ERROR


def test_variant_mismatch():
    [f] = lint("generic", issuer="https://idp.e2e.itsme.services/v2")
    assert f.id == "request.variant_mismatch"
    assert "itsme-v2" in f.message


# Discovery: the provider advertises less than the request uses.
DISCOVERY_CASES = [
    ("request.scope_not_in_discovery", WARN, {"scope": ("openid", "service:X", "phone2")}, {}),
    ("request.response_type_not_in_discovery", WARN, {"response_type": "token"}, {}),
    ("request.pkce_not_in_discovery", WARN, {}, {"code_challenge_methods_supported": ["plain"]}),
    ("request.ui_locales_not_in_discovery", INFO, {}, {"ui_locales_supported": ["nl"]}),
    ("request.acr_values_not_in_discovery", WARN, {}, {"acr_values_supported": []}),
    ("request.display_not_in_discovery", INFO, {}, {"display_values_supported": ["touch"]}),
    ("request.claims_not_supported", WARN, {}, {"claims_parameter_supported": False}),
    (
        "request.request_uri_not_supported",
        WARN,
        {"request_uri": "https://c.example:443/r"},
        {"request_uri_parameter_supported": False},
    ),
    ("claims.not_supported_by_provider", WARN, {}, {"claims_supported": ["sub"]}),
]


@pytest.mark.parametrize(
    ("finding", "severity", "changes", "discovery"),
    DISCOVERY_CASES,
    ids=[c[0] for c in DISCOVERY_CASES],
)
def test_discovery_finding(finding, severity, changes, discovery):
    findings = lint("itsme-v2", {**DISCOVERY, **discovery}, **changes)
    found = [f for f in findings if f.id == finding]
    assert found, f"{finding} not reported: {ids(findings)}"
    assert found[0].severity is severity


def test_request_not_supported():
    findings = lint(
        "itsme-v2", {**DISCOVERY, "request_parameter_supported": False}, mode="signed+encrypted"
    )
    assert ids(findings) == ["request.request_not_supported"]


# ---------------------------------------------------------------------------------------------
# Lint: negative cases at the edges


def test_loopback_http_redirect_is_fine_for_generic():
    assert lint("generic", redirect_uri="http://127.0.0.1:8765/callback") == []


def test_custom_scheme_redirect_is_not_flagged_for_generic():
    assert lint("generic", redirect_uri="com.example.app:/callback") == []


def test_ui_locales_are_case_insensitive():
    assert lint("itsme-v2", ui_locales="FR NL") == []


def test_ui_locales_are_only_checked_for_itsme():
    assert lint("generic", ui_locales="es") == []


def test_acr_advanced_alone_is_fine():
    assert lint("itsme-v2", acr_values=ITSME_ACR_ADVANCED) == []


def test_max_age_zero_is_fine():
    assert lint("generic", max_age=0) == []


def test_prompt_list_is_fine():
    assert lint("generic", prompt="login consent") == []


def test_itsme_request_uri_with_port_443_is_fine():
    assert lint("itsme-v2", request_uri="https://test.istme.be:443/p/test") == []


def test_generic_request_uri_needs_no_port():
    assert lint("generic", request_uri="https://c.example/r") == []


def test_encrypted_request_object_is_fine():
    assert lint("itsme-v2", mode="signed+encrypted", request="a.b.c.d.e") == []


def test_signed_request_object_is_fine_for_generic():
    assert lint("generic", mode="signed", request="h.p.s") == []


def test_discovery_without_flags_does_not_complain():
    sparse = {"issuer": "https://op"}
    assert lint("itsme-v2", sparse, mode="signed+encrypted", request_uri="https://c:443/r") == []


def test_junk_discovery_values_are_ignored():
    junk = {"scopes_supported": "openid", "claims_supported": 5, "acr_values_supported": None}
    assert lint("itsme-v2", junk) == []


def test_no_variant_mismatch_for_an_unknown_issuer():
    assert lint("generic", issuer="https://login.example.com") == []


def test_findings_point_at_the_parameter():
    [f] = lint("itsme-v2", display="touch")
    assert f.where == "request.display"
    assert f.reference == "itsme v2: Authorization Request, display"
