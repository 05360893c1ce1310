"""Discovery: rp-discovery-*, oidcc-client-test-discovery-*, and broken configurations.

A configuration that must not be used (another issuer, no usable endpoint) stops the flow
before the browser is opened: the authorization endpoint is never visited.
"""

from __future__ import annotations

from typing import Any

from .conftest import Outcome, case
from .hooks import nested_json, point, raw_body
from .provider import HostileProvider


def _never_authorized(outcome: Outcome) -> None:
    assert outcome.calls.get("authorize", 0) == 0, outcome.explain()
    assert outcome.calls.get("token", 0) == 0, outcome.explain()


@case()
def test_openid_configuration_and_jwks_uri_keys(outcome: Outcome) -> None:
    """rp-discovery-openid-configuration / rp-discovery-jwks_uri-keys: the document is read
    from issuer + /.well-known/openid-configuration, the keys from its jwks_uri."""
    run = outcome.accepted()
    assert run.report["discovery"]["issuer"] == outcome.op.issuer
    assert outcome.calls[".well-known/openid-configuration"] == 1
    assert outcome.calls["jwks"] == 1


@case(discovery=lambda doc, op: {**doc, "issuer": op.issuer + "/other"})
def test_issuer_not_matching_config_stops(outcome: Outcome) -> None:
    """rp-discovery-issuer-not-matching-config / oidcc-client-test-discovery-issuer-mismatch:
    OIDC Discovery 4.3, the document MUST NOT be used."""
    outcome.rejected("discovery.issuer_mismatch")
    _never_authorized(outcome)
    assert outcome.run.step("callback")["status"] == "skipped"


@case(discovery=lambda doc, op: {k: v for k, v in doc.items() if k != "authorization_endpoint"})
def test_no_authorization_endpoint_stops(outcome: Outcome) -> None:
    outcome.rejected("discovery.authorization_endpoint_missing")
    _never_authorized(outcome)


@case(discovery=lambda doc, op: {**doc, "token_endpoint": 42})
def test_token_endpoint_not_a_string_stops(outcome: Outcome) -> None:
    outcome.rejected("discovery.field_invalid")
    _never_authorized(outcome)


@case(discovery=lambda doc, op: {**doc, "authorization_endpoint": "javascript:alert(1)"})
def test_authorization_endpoint_not_http_stops(outcome: Outcome) -> None:
    """Never hand the browser a URL that is not http(s)."""
    run = outcome.assert_bounded()
    assert run.code in (1, 3), outcome.explain()
    _never_authorized(outcome)
    assert "javascript:" not in str(run.report.get("authorization", {}).get("url", ""))


@case(discovery=raw_body(b'{"error": "not_found"}', status=404))
def test_discovery_404_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    _never_authorized(outcome)


@case(discovery=raw_body(b"<html>hello</html>", "text/html"))
def test_discovery_html_is_a_provider_failure(outcome: Outcome) -> None:
    outcome.failed("discovery.not_json")
    _never_authorized(outcome)


@case(discovery=raw_body(nested_json(200_000)))
def test_discovery_nested_too_deep_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    _never_authorized(outcome)


@case(discovery=raw_body(b"", status=302))
def test_discovery_redirect_is_not_followed(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    assert outcome.calls[".well-known/openid-configuration"] == 1


def _loop(doc: dict[str, Any], op: HostileProvider) -> Any:
    from itsme_debugger.net.httpserver import Response

    return Response.redirect(op.issuer + "/.well-known/openid-configuration")


@case(discovery=_loop)
def test_redirect_loop_is_not_followed(outcome: Outcome) -> None:
    """A redirect loop: one request, a clear provider failure, no loop."""
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    assert outcome.calls[".well-known/openid-configuration"] == 1


@case(discovery=point("jwks_uri", lambda op: op.issuer + "/nowhere"))
def test_jwks_uri_404_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    assert outcome.calls.get("userinfo", 0) == 0


@case(discovery=lambda doc, op: {**doc, "response_types_supported": ["id_token"]})
def test_code_not_supported_reported(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert "discovery.code_not_supported" in run.finding_ids()


@case(discovery=lambda doc, op: {**doc, "id_token_signing_alg_values_supported": ["none"]})
def test_none_alg_advertised_warned(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert "discovery.none_alg_advertised" in run.finding_ids()
