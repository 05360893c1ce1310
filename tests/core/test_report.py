"""The JSON report and the summary: exit codes and what never appears in them."""

from __future__ import annotations

import json

from itsme_debugger.core.errors import ConfigError, OAuthError
from itsme_debugger.core.findings import error, warning
from itsme_debugger.core.report import (
    REST_STEPS,
    FlowResult,
    build_report,
    mask,
    mask_claims,
    mask_url,
    render_summary,
)

NN = "http://itsme.services/v2/claim/BENationalNumber"


def test_mask_keeps_a_stub_never_the_value() -> None:
    secret = "SlAV32hkKG-this-is-an-access-token"
    shown = mask(secret)
    assert secret not in shown
    assert shown.startswith("SlAV32")
    assert f"({len(secret)} chars)" in shown
    assert "abc" not in mask("abc")


def test_mask_url_masks_secret_parameters_only() -> None:
    url = "http://127.0.0.1:1/cb?code=abcdefghijklmnopqrstuvwxyz0123456789&state=xyz"
    out = mask_url(url)
    assert "abcdefghijklmnopqrstuvwxyz0123456789" not in out
    assert "state=xyz" in out


def test_sensitive_claims_are_masked_names_are_not() -> None:
    out = mask_claims({NN: "99060427181", "given_name": "George"})
    assert out is not None
    assert "99060427181" not in json.dumps(out)
    assert out["given_name"] == "George"


def test_exit_codes() -> None:
    r = FlowResult()
    assert r.exit_code == 0
    r.add("id_token", warning("id_token.x", "w"))
    assert r.exit_code == 0
    r.add("id_token", error("id_token.nonce_mismatch", "e"))
    assert r.exit_code == 1
    r.error = OAuthError("invalid_grant", endpoint="token")
    assert r.exit_code == 3
    r.error = ConfigError("bad profile")
    assert r.exit_code == 2
    r.interrupted = True
    assert r.exit_code == 130


def test_report_has_the_contract_keys_and_no_secrets() -> None:
    r = FlowResult(profile_name="demo")
    r.authorization_url = (
        "https://op/authorize?client_id=c&request=eyJhbGciOiJSU0EtT0FFUCJ9.aaaa.bbbb"
    )
    r.add("token", error("token.access_token_missing", "no access token", "RFC 6749 5.1"))
    report = build_report(r)
    assert {"steps", "findings", "exit_code"} <= set(report)
    assert report["steps"][0] == {"name": "discovery", "status": "waiting", "duration_ms": None}
    assert report["findings"][0]["id"] == "token.access_token_missing"
    assert report["findings"][0]["step"] == "token"
    assert "eyJhbGciOiJSU0EtT0FFUCJ9.aaaa.bbbb" not in json.dumps(report)
    assert "eyJhbGciOiJSU0EtT0FFUCJ9.aaaa.bbbb" in json.dumps(build_report(r, reveal=True))


def test_summary_lists_findings_first_most_severe_first() -> None:
    r = FlowResult()
    r.add("discovery", warning("discovery.endpoint_not_https", "plain http"))
    r.add("id_token", error("id_token.expired", "expired 5 min ago", "OIDC Core 3.1.3.7 (9)"))
    text = render_summary(r)
    assert text.startswith("Findings")
    assert text.index("id_token.expired") < text.index("discovery.endpoint_not_https")
    assert "[OIDC Core 3.1.3.7 (9)]" in text
    assert "exit 1" in text


# -- a Signicat REST API flow -------------------------------------------------------------


def _rest_result() -> FlowResult:
    from itsme_debugger.core.signicat import Callback, Nin, Session, Subject

    subject_raw = {
        "id": "tXOq",
        "name": "Maxence Legrand",
        "nin": {"value": "81042419835", "issuingCountry": "BE", "type": "PERSON"},
    }
    r = FlowResult.with_steps("rest", REST_STEPS)
    r.session = Session(
        id="s-1",
        status="SUCCESS",
        authentication_url="https://x.test/broker/sp/external-service/login?transactionId=s-1",
        provider="itsme",
        subject=Subject(
            "tXOq",
            None,
            "Maxence Legrand",
            None,
            None,
            None,
            Nin("81042419835", "BE", "PERSON"),
            subject_raw,
        ),
        requested_attributes=("name", "nin", "idpId"),
    )
    r.callback = Callback("http://127.0.0.1:1/signicat/success?sessionId=s-1", "success", "s-1", {})
    return r


def test_rest_report_has_its_steps_and_the_session_masked() -> None:
    report = build_report(_rest_result())
    assert [s["name"] for s in report["steps"]] == list(REST_STEPS)
    session = report["session"]
    assert session["status"] == "SUCCESS" and session["provider"] == "itsme"
    assert session["callback"] == {
        "outcome": "success",
        "session_id": "s-1",
        "url": "http://127.0.0.1:1/signicat/success?sessionId=s-1",
    }
    assert session["subject"]["nin"]["issuingCountry"] == "BE"
    assert "81042419835" not in json.dumps(report)
    assert "81042419835" in json.dumps(build_report(_rest_result(), reveal=True))
    assert {"steps", "findings", "error", "exit_code"} <= set(report)


def test_rest_summary_shows_the_session() -> None:
    text = render_summary(_rest_result())
    assert "API token" in text and "Status" in text
    assert "status: SUCCESS" in text and "Maxence Legrand" in text
    assert "81042419835" not in text


def test_oidc_report_has_no_session() -> None:
    assert "session" not in build_report(FlowResult())
