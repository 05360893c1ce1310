"""JSON export: the --json report's structure plus every exchange."""

from __future__ import annotations

import base64
import json

from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.report import build_report
from itsme_debugger.core.trace import Exchange
from itsme_debugger.export import make_json
from itsme_debugger.export.json_export import exchange_to_dict

from . import demo_run


def test_the_report_members_are_those_of_the_json_report() -> None:
    run = demo_run("itsme-v2")
    doc = make_json(run.trace, run.result, run.profile)
    report = build_report(run.result)
    assert set(doc) == set(report) | {"exchanges", "export"}
    assert doc["steps"] == report["steps"]
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in report["findings"]]
    assert doc["id_token"]["jwe_header"] == report["id_token"]["jwe_header"]
    assert doc["exit_code"] == 0


def test_every_exchange_is_there_in_order() -> None:
    run = demo_run("itsme-secret")
    doc = make_json(run.trace, run.result, run.profile)
    assert [x["step"] for x in doc["exchanges"]] == [ex.step for ex in run.trace]
    assert [x["index"] for x in doc["exchanges"]] == list(range(len(run.trace)))
    revocation = doc["exchanges"][-1]
    assert revocation["step"] == "revocation"
    assert revocation["request"]["method"] == "POST"
    assert revocation["response"]["status"] == 200


def test_export_says_what_wrote_it_and_whether_it_is_redacted() -> None:
    run = demo_run("itsme-v2")
    masked = make_json(run.trace, run.result, run.profile)["export"]
    revealed = make_json(run.trace, run.result, run.profile, reveal=True)["export"]
    assert masked["format"] == "itsme-debugger trace" and masked["version"] == 1
    assert masked["redacted"] is True and revealed["redacted"] is False
    assert masked["profile"]["request"]["scope"] == " ".join(run.profile.request.scope)


def test_the_profile_settings_never_hold_the_client_secret() -> None:
    run = demo_run("itsme-secret")
    assert run.secrets.client_secret
    profile = run.profile.client
    with_secret = run.profile.with_changes(
        client=type(profile)(**{**profile.__dict__, "client_secret": run.secrets.client_secret})
    )
    info = make_json(run.trace, run.result, with_secret, reveal=True)["export"]["profile"]
    assert run.secrets.client_secret not in json.dumps(info)
    assert info["client"]["client_secret"] == "set in the profile (not shown)"


def test_binary_bodies_are_base64() -> None:
    ex = Exchange(
        0,
        "userinfo",
        HttpRequest("POST", "https://x/", (), b"\xff\x00"),
        HttpResponse(200, (), b"\x89PNG"),
        started=1.5,
    )
    out = exchange_to_dict(ex)
    assert out["request"]["body_encoding"] == "base64"
    assert base64.b64decode(out["request"]["body"]) == b"\xff\x00"
    assert out["response"]["body_encoding"] == "base64"
    assert out["started_at"] == "1970-01-01T00:00:01.500Z"


def test_a_trace_alone_is_exchanges_and_export_only() -> None:
    run = demo_run("itsme-v2")
    doc = make_json(run.trace)
    assert set(doc) == {"exchanges", "export"}
    assert doc["export"]["profile"] is None
