"""HAR 1.2 export: valid against the specification's schema, typed as browsers expect."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.trace import Trace
from itsme_debugger.export import make_har

from . import demo_run

SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(har: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(har)]


def _odd_trace() -> Trace:
    """Exchanges a flow rarely has: no answer, a binary body, cookies, a redirect, 5xx."""
    trace = Trace()
    trace.add(
        "token",
        HttpRequest.form("https://idp.example/token", {"code": "c0de-value"}),
        None,
        started=1_700_000_000.25,
        elapsed_ms=10_000.0,
        error="https://idp.example/token did not answer within 10 s",
    )
    trace.add(
        "userinfo",
        HttpRequest("POST", "https://idp.example/bin", (("Cookie", "a=1; b=2"),), b"\xff\x00"),
        HttpResponse(
            302,
            (("Location", "https://idp.example/next?x=1"), ("Set-Cookie", "sid=abc; Path=/")),
            b"\x89PNG\x00\xff",
            "https://idp.example/bin",
            3.5,
        ),
        started=1_700_000_001.0,
        elapsed_ms=3.5,
    )
    trace.add(
        "discovery",
        HttpRequest.get("https://idp.example/.well-known/openid-configuration"),
        HttpResponse(599, (("Content-Encoding", "gzip"),), b"oops", "", 1.0),
        started=1_700_000_002.0,
        elapsed_ms=1.0,
    )
    return trace


@pytest.mark.parametrize("variant", ["itsme-v2", "itsme-secret"])
@pytest.mark.parametrize("reveal", [False, True], ids=["redacted", "revealed"])
def test_a_flow_exports_as_valid_har_1_2(variant: str, reveal: bool) -> None:
    run = demo_run(variant)
    har = make_har(run.trace, run.result, run.profile, reveal=reveal)
    assert _errors(har) == []
    assert har["log"]["version"] == "1.2"
    assert har["log"]["creator"]["name"] == "itsme-debugger"
    assert har["log"]["_redacted"] is not reveal


def test_unusual_exchanges_are_valid_har_too() -> None:
    har = make_har(_odd_trace())
    assert _errors(har) == []
    failed, binary, server_error = har["log"]["entries"]
    assert failed["response"]["status"] == 0 and failed["_error"].endswith("within 10 s")
    assert failed["response"]["bodySize"] == -1
    assert binary["request"]["postData"] == {
        "mimeType": "application/octet-stream",
        "text": "/wA=",
        "_encoding": "base64",
    }
    assert binary["response"]["content"]["encoding"] == "base64"
    assert binary["response"]["redirectURL"] == "https://idp.example/next?x=1"
    assert binary["response"]["statusText"] == "Found"
    assert [c["name"] for c in binary["request"]["cookies"]] == ["a", "b"]
    assert [c["name"] for c in binary["response"]["cookies"]] == ["sid"]
    assert server_error["response"]["statusText"] == ""
    assert server_error["response"]["bodySize"] == -1  # compressed on the wire: size unknown


def test_the_schema_refuses_what_browsers_would_refuse() -> None:
    har = make_har(_odd_trace())
    entry = har["log"]["entries"][1]
    entry["request"]["headersSize"] = None
    entry["response"]["cookies"] = None
    entry["timings"]["wait"] = -1
    entry["invented"] = 1
    assert len(_errors(har)) == 4


def test_every_exchange_is_an_entry_with_its_real_timing() -> None:
    run = demo_run("itsme-v2")
    entries = make_har(run.trace, run.result)["log"]["entries"]
    assert [e["_step"] for e in entries] == [ex.step for ex in run.trace]
    for entry, ex in zip(entries, run.trace, strict=True):
        started = datetime.fromisoformat(entry["startedDateTime"]).timestamp()
        assert started == pytest.approx(ex.started, abs=0.001)
        timings = [v for v in entry["timings"].values() if v != -1]
        assert entry["time"] == pytest.approx(sum(timings))
        if ex.kind == "http":
            assert entry["time"] == pytest.approx(ex.elapsed_ms, abs=0.001)
            assert entry["time"] > 0


def test_the_browser_exchanges_are_there() -> None:
    run = demo_run("itsme-v2")
    entries = make_har(run.trace, run.result)["log"]["entries"]
    browser = [e for e in entries if e["_kind"] == "browser"]
    assert [e["_step"] for e in browser] == ["authorization", "callback"]
    authorize, callback = browser
    assert authorize["_note"] == "opened in the browser"
    assert authorize["response"]["status"] == 0
    assert {q["name"] for q in authorize["request"]["queryString"]} >= {"client_id", "request"}
    assert callback["_note"] == "redirect captured on loopback"
    assert callback["response"]["status"] == 200
    assert callback["response"]["content"]["mimeType"].startswith("text/html")


def test_decoded_tokens_and_findings_ride_on_their_entries() -> None:
    run = demo_run("itsme-v2")
    log = make_har(run.trace, run.result, run.profile)["log"]
    by_step = {e["_step"]: e for e in log["entries"]}
    decoded = by_step["token"]["_decoded"]
    assert decoded["encrypted"] is True
    assert [layer["kind"] for layer in decoded["layers"]] == ["JWE", "JWS", "JSON"]
    assert decoded["claims"]["given_name"] == "«redacted, 6 chars»"
    assert run.result.id_token is not None and run.result.id_token.claims is not None
    assert decoded["claims"]["sub"] == run.result.id_token.claims["sub"]
    assert by_step["userinfo"]["_decoded"]["format"] == "jwt"
    ids = [f["id"] for f in by_step["authorization"]["_findings"]]
    assert "request.redirect_uri_not_https" in ids
    assert [f["id"] for f in log["_findings"]] == [f.id for f in run.result.all_findings]
    assert log["_report"]["exit_code"] == 0
    assert log["_profile"]["client"]["client_id"] == run.profile.client.client_id


def test_form_posts_list_their_params() -> None:
    run = demo_run("itsme-secret")
    token = next(
        e for e in make_har(run.trace, run.result)["log"]["entries"] if e["_step"] == "token"
    )
    post = token["request"]["postData"]
    assert post["mimeType"] == "application/x-www-form-urlencoded"
    params = {p["name"]: p["value"] for p in post["params"]}
    assert params["grant_type"] == "authorization_code"
    assert params["client_secret"].startswith("«redacted, ")
    assert token["request"]["_secret_fields"] == ["client_secret", "code", "code_verifier"]


def test_a_trace_alone_exports_without_report() -> None:
    har = make_har(_odd_trace())
    assert "_report" not in har["log"] and "_profile" not in har["log"]
    assert har["log"]["pages"][0]["title"] == "itsme-debugger flow"
