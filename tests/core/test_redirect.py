"""Reading and checking the authorization response in a redirect URL."""

from __future__ import annotations

import pytest

from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.redirect import RedirectResult, parse_redirect

REDIRECT_URI = "http://127.0.0.1:8765/callback"
ISSUER = "https://idp.e2e.itsme.services/v2"


def ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


def parse(url: str, **kw: str | None) -> tuple[RedirectResult, list[Finding]]:
    kw.setdefault("expected_state", "af0ifjsldkj")
    return parse_redirect(url, redirect_uri=REDIRECT_URI, **kw)


def test_the_seed_example_response_is_clean():
    result, findings = parse_redirect(
        f"{REDIRECT_URI}?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss={ISSUER}",
        expected_state="af0ifjsldkj",
        expected_iss=ISSUER,
        redirect_uri=REDIRECT_URI,
    )
    assert findings == []
    assert result.code == "SplxlOBeZQQYbYS6WxSbIA"
    assert result.state == "af0ifjsldkj"
    assert result.iss == ISSUER
    assert result.error is None
    assert dict(result.params) == {
        "code": "SplxlOBeZQQYbYS6WxSbIA",
        "state": "af0ifjsldkj",
        "iss": ISSUER,
    }


def test_percent_encoded_values_are_decoded():
    result, _ = parse(f"{REDIRECT_URI}?code=a%2Bb%2Fc&state=af0ifjsldkj&iss=https%3A%2F%2Fop")
    assert result.code == "a+b/c"
    assert result.iss == "https://op"


def test_state_mismatch_is_an_error_that_forbids_redeeming():
    _, findings = parse(f"{REDIRECT_URI}?code=abc&state=someone-else")
    (f,) = findings
    assert f.id == "redirect.state_mismatch"
    assert f.severity is Severity.ERROR
    assert "'af0ifjsldkj'" in f.message and "'someone-else'" in f.message
    assert "must not be redeemed" in f.message


def test_state_missing_is_an_error_when_one_was_sent():
    _, findings = parse(f"{REDIRECT_URI}?code=abc")
    assert ids(findings) == ["redirect.state_missing"]
    assert findings[0].severity is Severity.ERROR


def test_no_state_is_fine_when_none_was_sent():
    _, findings = parse(f"{REDIRECT_URI}?code=abc", expected_state=None)
    assert findings == []


def test_iss_mismatch_is_an_error():
    _, findings = parse(
        f"{REDIRECT_URI}?code=abc&state=af0ifjsldkj&iss=https://evil.example",
        expected_iss=ISSUER,
    )
    assert ids(findings) == ["redirect.iss_mismatch"]
    assert findings[0].reference == "RFC 9207 2.4"
    assert "https://evil.example" in findings[0].message


def test_code_missing():
    result, findings = parse(f"{REDIRECT_URI}?state=af0ifjsldkj&foo=bar")
    assert result.code is None
    assert ids(findings) == ["redirect.code_missing"]
    assert "'foo'" in findings[0].message


def test_empty_code_counts_as_missing():
    result, findings = parse(f"{REDIRECT_URI}?code=&state=af0ifjsldkj")
    assert result.code is None
    assert ids(findings) == ["redirect.code_missing"]
    assert "empty code" in findings[0].message


def test_no_query_at_all_is_code_missing():
    _, findings = parse(REDIRECT_URI, expected_state=None)
    assert ids(findings) == ["redirect.code_missing"]
    assert "no parameters" in findings[0].message


def test_duplicate_code_is_an_error_and_the_first_value_wins():
    result, findings = parse(f"{REDIRECT_URI}?code=first&state=af0ifjsldkj&code=second")
    assert result.code == "first"
    assert ids(findings) == ["redirect.duplicate_parameter"]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].detail == {"parameter": "code", "count": 2}


def test_duplicate_unknown_parameter_is_a_warning():
    _, findings = parse(f"{REDIRECT_URI}?code=c&state=af0ifjsldkj&x=1&x=2")
    assert ids(findings) == ["redirect.duplicate_parameter"]
    assert findings[0].severity is Severity.WARNING


def test_response_in_the_fragment_is_a_wrong_response_mode():
    result, findings = parse(f"{REDIRECT_URI}#code=abc&state=af0ifjsldkj")
    assert result.code is None
    assert ids(findings) == ["redirect.fragment_response"]
    assert findings[0].severity is Severity.ERROR
    assert "response_mode" in findings[0].message
    assert findings[0].detail == {"parameters": ["code", "state"]}


def test_an_unrelated_fragment_is_ignored():
    _, findings = parse(f"{REDIRECT_URI}?code=abc&state=af0ifjsldkj#_=_")
    assert findings == []


def test_authorization_error_is_explained():
    result, findings = parse(
        f"{REDIRECT_URI}?error=access_denied&error_description=User+cancelled&state=af0ifjsldkj"
    )
    assert result.error == "access_denied"
    assert result.error_description == "User cancelled"
    assert ids(findings) == ["authorization.error.access_denied"]
    assert "User cancelled" in findings[0].message


def test_error_with_a_wrong_state_reports_both():
    _, findings = parse(f"{REDIRECT_URI}?error=access_denied&state=xyz")
    assert sorted(ids(findings)) == ["authorization.error.access_denied", "redirect.state_mismatch"]


def test_url_of_another_endpoint_is_a_warning():
    _, findings = parse("http://127.0.0.1:9999/other?code=abc&state=af0ifjsldkj")
    assert ids(findings) == ["redirect.not_redirect_uri"]
    assert findings[0].severity is Severity.WARNING
    assert REDIRECT_URI in findings[0].message


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://127.0.0.1:8765/callback?code=abc&state=af0ifjsldkj",
        "http://127.0.0.1:8765/callback?code=abc&state=af0ifjsldkj&extra=1",
    ],
)
def test_same_endpoint_written_differently_is_not_flagged(url: str):
    _, findings = parse(url)
    assert findings == []


def test_default_port_equals_no_port():
    _, findings = parse_redirect(
        "https://client.example.org/cb?code=x&state=s",
        expected_state="s",
        redirect_uri="https://client.example.org:443/cb",
    )
    assert findings == []


def test_a_url_wrapped_over_lines_is_joined():
    result, findings = parse(f"  {REDIRECT_URI}?code=abc\n&state=af0ifjsldkj\n")
    assert findings == []
    assert result.code == "abc"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "hello",
        "?code=abc&state=af0ifjsldkj",
        "http://",
        "http://[::1/callback?code=x",
        "http://127.0.0.1:notaport/callback?code=x",
        "http://127.0.0.1:8765/cb?code=\x00",
        "12:34",
    ],
)
def test_not_a_url(junk: str):
    result, findings = parse(junk)
    assert ids(findings) == ["redirect.not_a_url"]
    assert findings[0].severity is Severity.ERROR
    assert result.code is None
    assert dict(result.params) == {}


def test_a_long_state_is_cut_in_the_message():
    _, findings = parse(f"{REDIRECT_URI}?code=c&state={'x' * 500}")
    assert ids(findings) == ["redirect.state_mismatch"]
    assert len(findings[0].message) < 400


def test_params_cannot_be_changed():
    result, _ = parse(f"{REDIRECT_URI}?code=abc&state=af0ifjsldkj")
    with pytest.raises(TypeError):
        result.params["code"] = "other"
