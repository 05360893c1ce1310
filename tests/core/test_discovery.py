"""Discovery documents and the provider's JWK Set."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwk

from itsme_debugger.core.discovery import (
    build_discovery_request,
    build_jwks_request,
    discovery_stop_reason,
    discovery_url,
    metadata_from_endpoints,
    process_discovery_response,
    process_jwks_response,
)
from itsme_debugger.core.errors import MalformedResponse, ProviderError
from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.http import HttpResponse

ISSUER = "https://idp.e2e.itsme.services/v2"


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorization",
        "token_endpoint": f"{ISSUER}/token",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "jwks_uri": f"{ISSUER}/jwkSet",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "claims_parameter_supported": True,
        "scopes_supported": ["openid", "profile", 7],
    }
    for k, v in changes.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def _resp(body: Any, status: int = 200) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, (("Content-Type", "application/json"),), raw, "https://x/")


def _process(**changes: Any) -> tuple[Any, list[Finding]]:
    return process_discovery_response(_resp(_doc(**changes)), ISSUER)


def _ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


@pytest.fixture(scope="module")
def rsa() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig", alg="RS256")


def test_discovery_url() -> None:
    assert discovery_url(ISSUER) == f"{ISSUER}/.well-known/openid-configuration"


def test_discovery_url_without_double_slash() -> None:
    assert discovery_url("https://op/") == "https://op/.well-known/openid-configuration"


def test_build_discovery_request() -> None:
    req = build_discovery_request(ISSUER)
    assert (req.method, req.url, req.body) == (
        "GET",
        f"{ISSUER}/.well-known/openid-configuration",
        b"",
    )
    assert req.header("accept") == "application/json"


def test_valid_document_has_no_findings() -> None:
    metadata, findings = _process()
    assert findings == []
    assert metadata.issuer == ISSUER
    assert metadata.token_endpoint == f"{ISSUER}/token"
    assert metadata.authorization_endpoint == f"{ISSUER}/authorization"
    assert metadata.userinfo_endpoint == f"{ISSUER}/userinfo"
    assert metadata.jwks_uri == f"{ISSUER}/jwkSet"
    assert metadata.revocation_endpoint is None


def test_supported_keeps_strings_only() -> None:
    metadata, _ = _process()
    assert metadata.supported("scopes_supported") == ("openid", "profile")


def test_supported_absent_or_not_a_list() -> None:
    metadata, _ = _process(claims_supported="name")
    assert metadata.supported("claims_supported") == ()
    assert metadata.supported("grant_types_supported") == ()


def test_http_error_404() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_discovery_response(_resp(b"Not Found", 404), ISSUER)
    assert info.value.code == "discovery.http_error"


def test_http_error_500() -> None:
    with pytest.raises(ProviderError) as info:
        process_discovery_response(_resp(b"oops", 500), ISSUER)
    assert info.value.code == "discovery.http_error"


def test_not_json() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_discovery_response(_resp(b"<html>login</html>"), ISSUER)
    assert info.value.code == "discovery.not_json"


def test_not_object() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_discovery_response(_resp(["issuer"]), ISSUER)
    assert info.value.code == "discovery.not_object"


def test_issuer_mismatch() -> None:
    metadata, findings = _process(issuer="https://idp.prd.itsme.services/v2")
    (f,) = [f for f in findings if f.id == "discovery.issuer_mismatch"]
    assert f.severity is Severity.ERROR
    assert f.reference == "OIDC Discovery 4.3"
    assert "https://idp.prd.itsme.services/v2" in f.message and ISSUER in f.message
    assert metadata.issuer == "https://idp.prd.itsme.services/v2"


def test_issuer_mismatch_trailing_slash_is_explained() -> None:
    _, findings = process_discovery_response(_resp(_doc()), ISSUER + "/")
    (f,) = [f for f in findings if f.id == "discovery.issuer_mismatch"]
    assert "trailing slash" in f.message


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("issuer", Severity.ERROR),
        ("authorization_endpoint", Severity.ERROR),
        ("token_endpoint", Severity.ERROR),
        ("jwks_uri", Severity.ERROR),
        ("response_types_supported", Severity.WARNING),
        ("subject_types_supported", Severity.WARNING),
        ("id_token_signing_alg_values_supported", Severity.WARNING),
    ],
)
def test_required_field_missing(name: str, severity: Severity) -> None:
    _, findings = _process(**{name: None})
    (f,) = [f for f in findings if f.id == f"discovery.{name}_missing"]
    assert f.severity is severity
    assert f.reference == "OIDC Discovery 3"


def test_required_field_null_counts_as_missing() -> None:
    doc = _doc()
    doc["token_endpoint"] = None
    metadata, findings = process_discovery_response(_resp(doc), ISSUER)
    assert "discovery.token_endpoint_missing" in _ids(findings)
    assert metadata.token_endpoint == ""


def test_missing_issuer_falls_back_to_expected() -> None:
    metadata, _ = _process(issuer=None)
    assert metadata.issuer == ISSUER


def test_field_invalid() -> None:
    metadata, findings = _process(token_endpoint=42)
    assert _ids(findings) == ["discovery.field_invalid"]
    assert "token_endpoint" in findings[0].message
    assert metadata.token_endpoint == ""


def test_list_field_invalid() -> None:
    _, findings = _process(response_types_supported="code")
    assert "discovery.field_invalid" in _ids(findings)


def test_endpoint_not_https() -> None:
    _, findings = _process(token_endpoint="http://idp.example/token")
    (f,) = findings
    assert (f.id, f.severity, f.where) == (
        "discovery.endpoint_not_https",
        Severity.WARNING,
        "discovery.token_endpoint",
    )


def test_loopback_http_is_fine() -> None:
    base = "http://127.0.0.1:8080/v2"
    doc = _doc(
        issuer=base,
        authorization_endpoint=f"{base}/authorization",
        token_endpoint="http://localhost:8080/v2/token",
        userinfo_endpoint="http://[::1]:8080/v2/userinfo",
        jwks_uri=f"{base}/jwkSet",
    )
    _, findings = process_discovery_response(_resp(doc), base)
    assert findings == []


def test_code_not_supported() -> None:
    _, findings = _process(response_types_supported=["id_token"])
    (f,) = findings
    assert (f.id, f.severity) == ("discovery.code_not_supported", Severity.ERROR)


def test_s256_not_supported() -> None:
    _, findings = _process(code_challenge_methods_supported=["plain"])
    (f,) = findings
    assert (f.id, f.severity) == ("discovery.s256_not_supported", Severity.WARNING)


def test_pkce_not_advertised() -> None:
    _, findings = _process(code_challenge_methods_supported=None)
    assert _ids(findings) == ["discovery.pkce_not_advertised"]
    assert findings[0].severity is Severity.INFO


def test_none_alg_advertised() -> None:
    _, findings = _process(id_token_signing_alg_values_supported=["RS256", "none"])
    (f,) = findings
    assert (f.id, f.severity) == ("discovery.none_alg_advertised", Severity.WARNING)


def test_claims_parameter_not_supported() -> None:
    _, findings = _process(claims_parameter_supported=None)
    (f,) = findings
    assert (f.id, f.severity) == ("discovery.claims_parameter_not_supported", Severity.INFO)


def test_metadata_from_endpoints() -> None:
    m = metadata_from_endpoints(
        ISSUER,
        authorization_endpoint="https://a",
        token_endpoint="https://t",
        revocation_endpoint="https://r",
    )
    assert (m.issuer, m.authorization_endpoint, m.token_endpoint) == (
        ISSUER,
        "https://a",
        "https://t",
    )
    assert (m.userinfo_endpoint, m.jwks_uri, m.revocation_endpoint) == (None, None, "https://r")
    assert dict(m.raw) == {
        "issuer": ISSUER,
        "authorization_endpoint": "https://a",
        "token_endpoint": "https://t",
        "revocation_endpoint": "https://r",
    }


# -- JWKS ----------------------------------------------------------------------------------------


def _public(key: jwk.JWK, **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = key.export_public(as_dict=True)
    out.update(changes)
    return out


def test_build_jwks_request() -> None:
    req = build_jwks_request(f"{ISSUER}/jwkSet")
    assert (req.method, req.url) == ("GET", f"{ISSUER}/jwkSet")
    assert "application/json" in (req.header("accept") or "")


def test_jwks_valid(rsa: jwk.JWK) -> None:
    keys, findings = process_jwks_response(_resp({"keys": [_public(rsa)]}))
    assert findings == []
    (key,) = keys["keys"]
    assert key.get("kid") == "k1" and not key.has_private


def test_jwks_http_error() -> None:
    with pytest.raises(ProviderError) as info:
        process_jwks_response(_resp(b"", 503))
    assert info.value.code == "jwks.http_error"


def test_jwks_not_json() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_jwks_response(_resp(b"<html>"))
    assert info.value.code == "jwks.not_json"


@pytest.mark.parametrize("body", [{"keys": []}, {}, {"keys": "k1"}])
def test_jwks_no_keys(body: dict[str, Any]) -> None:
    keys, findings = process_jwks_response(_resp(body))
    assert list(keys["keys"]) == []
    assert [(f.id, f.severity) for f in findings] == [("jwks.no_keys", Severity.ERROR)]


def test_jwks_key_invalid_is_skipped_others_kept(rsa: jwk.JWK) -> None:
    bad = [
        {"kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB"},
        {"kty": "XYZ"},
        "key",
        {"kty": "RSA", "kid": "short", "n": "AQAB", "e": "AQAB"},
    ]
    keys, findings = process_jwks_response(_resp({"keys": [*bad, _public(rsa)]}))
    assert [k.get("kid") for k in keys["keys"]] == ["k1"]
    assert _ids(findings) == ["jwks.key_invalid"] * 4
    assert findings[2].where == "jwks.keys[2]"


def test_jwks_private_key_published(rsa: jwk.JWK) -> None:
    keys, findings = process_jwks_response(_resp({"keys": [rsa.export_private(as_dict=True)]}))
    (f,) = findings
    assert (f.id, f.severity) == ("jwks.private_key_published", Severity.ERROR)
    assert "d" in f.message
    (key,) = keys["keys"]
    assert not key.has_private  # only the public part is kept


def test_jwks_symmetric_key_published() -> None:
    keys, findings = process_jwks_response(
        _resp({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]})
    )
    assert _ids(findings) == ["jwks.private_key_published"]
    assert list(keys["keys"]) == []


def test_jwks_duplicate_kid(rsa: jwk.JWK) -> None:
    other = jwk.JWK.generate(kty="EC", crv="P-256", kid="k1")
    keys, findings = process_jwks_response(_resp({"keys": [_public(rsa), _public(other)]}))
    assert [(f.id, f.severity) for f in findings] == [("jwks.duplicate_kid", Severity.WARNING)]
    assert len(keys["keys"]) == 2


def test_jwks_kid_missing(rsa: jwk.JWK) -> None:
    entry = _public(rsa)
    del entry["kid"]
    keys, findings = process_jwks_response(_resp({"keys": [entry]}))
    assert [(f.id, f.severity) for f in findings] == [("jwks.kid_missing", Severity.WARNING)]
    assert len(keys["keys"]) == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/authorize", "file:///etc/passwd"])
def test_endpoint_that_is_not_an_http_url_is_not_used(url: str) -> None:
    metadata, findings = _process(authorization_endpoint=url)
    assert "discovery.field_invalid" in _ids(findings)
    assert metadata.authorization_endpoint == ""
    assert "authorization_endpoint" in discovery_stop_reason(metadata, findings)


def test_stop_reason_for_another_issuer_and_none_for_a_good_document() -> None:
    metadata, findings = _process(issuer="https://attacker.example/v2")
    assert "another issuer" in discovery_stop_reason(metadata, findings)
    metadata, findings = _process()
    assert discovery_stop_reason(metadata, findings) == ""


def test_missing_token_endpoint_stops_the_flow() -> None:
    metadata, findings = _process(token_endpoint=None)
    assert "token_endpoint" in discovery_stop_reason(metadata, findings)
