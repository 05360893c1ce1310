"""Import: exports read back, HAR files of browsers, and junk refused in one line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.trace import Exchange
from itsme_debugger.export import (
    load_trace,
    make_har,
    make_json,
    parse_trace,
    provider_keys,
    token_in_exchange,
    write_export,
)
from itsme_debugger.export.redact import Redactor

from . import demo_run

#: What a browser's developer tools write (Chrome, trimmed): no custom fields of ours.
BROWSER_HAR = {
    "log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [],
        "entries": [
            {
                "startedDateTime": "2024-05-01T10:00:00.123Z",
                "time": 42.5,
                "request": {
                    "method": "GET",
                    "url": "https://idp.example/.well-known/openid-configuration",
                    "httpVersion": "http/2.0",
                    "headers": [{"name": "accept", "value": "application/json"}],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": 0,
                },
                "response": {
                    "status": 200,
                    "statusText": "",
                    "httpVersion": "http/2.0",
                    "headers": [{"name": "content-type", "value": "application/json"}],
                    "cookies": [],
                    "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 0, "wait": 42.5, "receive": 0},
                "_resourceType": "fetch",
            }
        ],
    }
}


def _same_but_time(a: Exchange, b: Exchange) -> None:
    assert replace(a, started=0.0) == replace(b, started=0.0)
    assert a.started == pytest.approx(b.started, abs=0.001)


def test_a_json_export_reads_back_to_the_same_exchanges(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    path = write_export(tmp_path / "t.json", run.trace, run.result, run.profile, reveal=True)
    loaded = load_trace(path)
    assert loaded.format == "JSON" and loaded.redacted is False
    assert loaded.exchanges == run.trace
    assert loaded.report["exit_code"] == 0
    assert [f for _, f in loaded.findings] == run.result.all_findings
    assert [s for s, _ in loaded.findings] == [s for s, _ in run.result.findings]


def test_a_redacted_json_export_reads_back_to_the_redacted_exchanges(tmp_path: Path) -> None:
    run = demo_run("itsme-secret")
    path = write_export(tmp_path / "t.json", run.trace, run.result, run.profile)
    loaded = load_trace(path)
    redactor = Redactor()
    assert loaded.redacted is True
    assert loaded.exchanges == tuple(redactor.exchange(ex) for ex in run.trace)


@pytest.mark.parametrize("reveal", [False, True], ids=["redacted", "revealed"])
def test_a_har_export_reads_back_to_the_same_exchanges(tmp_path: Path, reveal: bool) -> None:
    run = demo_run("itsme-v2")
    path = write_export(tmp_path / "t.har", run.trace, run.result, run.profile, reveal=reveal)
    loaded = load_trace(path)
    assert loaded.format == "HAR" and loaded.redacted is not reveal
    expected = run.trace if reveal else tuple(Redactor().exchange(ex) for ex in run.trace)
    assert len(loaded.exchanges) == len(expected)
    for got, want in zip(loaded.exchanges, expected, strict=True):
        if want.kind == "browser" and want.response is not None:
            # A capture's duration is its response's: HAR has one time per entry.
            want = replace(want, elapsed_ms=want.response.elapsed_ms)
        _same_but_time(got, want)
    assert loaded.report["exit_code"] == 0
    assert [f for _, f in loaded.findings] == run.result.all_findings


def test_loaded_exchanges_make_a_trace() -> None:
    run = demo_run("itsme-v2")
    loaded = parse_trace(json.dumps(make_json(run.trace, reveal=True)))
    trace = loaded.trace()
    assert list(trace) == list(run.trace)


def test_a_browser_har_loads_with_defaults() -> None:
    loaded = parse_trace(json.dumps(BROWSER_HAR), source="chrome.har")
    (ex,) = loaded.exchanges
    assert (ex.index, ex.step, ex.kind, ex.note, ex.error) == (0, "http", "http", "", None)
    assert ex.request.url == "https://idp.example/.well-known/openid-configuration"
    assert ex.response is not None and ex.response.body == b"{}"
    assert ex.response.url == ex.request.url
    assert ex.elapsed_ms == 42.5 and ex.response.elapsed_ms == 42.5
    assert ex.started == pytest.approx(1714557600.123)
    assert loaded.report == {} and loaded.findings == () and loaded.redacted is None


def test_entry_numbers_count_from_one() -> None:
    run = demo_run("itsme-v2")
    loaded = parse_trace(json.dumps(make_har(run.trace)), source="t.har")
    assert loaded.entry(1) == loaded.exchanges[0]
    with pytest.raises(
        ConfigError, match=r"t\.har: there is no entry 0; the trace has entries 1 to"
    ):
        loaded.entry(0)
    with pytest.raises(ConfigError, match="there is no entry 99"):
        loaded.entry(99)


# -- junk: one clear line each -------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.har: no such file"):
        load_trace(tmp_path / "nope.har")


def test_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the trace"):
        load_trace(tmp_path)


def test_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.har").write_text("")
    with pytest.raises(ConfigError, match=r"e\.har: not a HAR or JSON trace: the file is empty"):
        load_trace(tmp_path / "e.har")


def test_a_truncated_export(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    path = write_export(tmp_path / "t.har", run.trace, run.result)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ConfigError, match=r"it ends too early: truncated\?"):
        load_trace(path)


def test_text_that_is_not_json() -> None:
    with pytest.raises(
        ConfigError, match=r"x: not a HAR or JSON trace: Expecting value \(line 1, column 1\)$"
    ):
        parse_trace("hello, world", source="x")


def test_bytes_that_are_not_utf8() -> None:
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        parse_trace(b"\xff\xfe\x00{", source="x")


def test_json_nested_too_deeply() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_trace("[" * 100_000 + "]" * 100_000)


def test_json_that_is_not_a_trace() -> None:
    with pytest.raises(ConfigError, match="neither a HAR log nor the exchanges"):
        parse_trace('{"steps": []}')
    with pytest.raises(ConfigError, match="the document must be an object, not a list"):
        parse_trace("[1, 2]")


def _har_with(change: Any) -> str:
    doc = json.loads(json.dumps(BROWSER_HAR))
    change(doc["log"]["entries"][0])
    return json.dumps(doc)


def test_an_entry_without_url() -> None:
    text = _har_with(lambda e: e["request"].pop("url"))
    with pytest.raises(ConfigError, match="h: entry 1: request: url is missing"):
        parse_trace(text, source="h")


def test_a_status_that_is_text() -> None:
    text = _har_with(lambda e: e["response"].update(status="200"))
    with pytest.raises(
        ConfigError, match="entry 1: response: status must be a number, not a string"
    ):
        parse_trace(text)


def test_headers_that_are_not_name_value_objects() -> None:
    text = _har_with(lambda e: e["request"].update(headers=["accept: */*"]))
    with pytest.raises(ConfigError, match=r"entry 1: request\.headers\[0\] must be an object"):
        parse_trace(text)


def test_a_start_time_that_is_not_iso_8601() -> None:
    text = _har_with(lambda e: e.update(startedDateTime="yesterday"))
    with pytest.raises(ConfigError, match="'yesterday' is not an ISO 8601 time"):
        parse_trace(text)


def test_body_text_that_is_not_base64() -> None:
    text = _har_with(lambda e: e["response"]["content"].update(text="@@@", encoding="base64"))
    with pytest.raises(ConfigError, match=r"response\.content\.text: not valid base64"):
        parse_trace(text)


def test_a_finding_that_is_not_one() -> None:
    doc = {"exchanges": [], "findings": [{"id": "x", "severity": "fatal"}]}
    with pytest.raises(ConfigError, match=r"findings\[0\]: not a finding"):
        parse_trace(json.dumps(doc))


def test_a_json_exchange_with_a_bad_header_pair() -> None:
    doc = {"exchanges": [{"request": {"method": "GET", "url": "u", "headers": [["a"]]}}]}
    with pytest.raises(ConfigError, match=r"exchange 1: request\.headers\[0\] must be a \[name"):
        parse_trace(json.dumps(doc))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_PATHS = [
    ("request",),
    ("request", "method"),
    ("request", "headers"),
    ("request", "postData"),
    ("request", "_secret_fields"),
    ("response",),
    ("response", "status"),
    ("response", "content"),
    ("response", "headers"),
    ("startedDateTime",),
    ("time",),
    ("_step",),
]


@given(st.sampled_from(_PATHS), _JSON)
def test_any_value_anywhere_in_an_entry_is_read_or_refused_in_one_line(
    path: tuple[str, ...], value: Any
) -> None:
    doc = json.loads(json.dumps(BROWSER_HAR))
    holder = doc["log"]["entries"][0]
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    try:
        parse_trace(json.dumps(doc))
    except ConfigError as exc:
        assert "\n" not in exc.message


# -- decode --trace helpers ------------------------------------------------------------------


def test_the_id_token_of_the_token_exchange_is_found() -> None:
    run = demo_run("itsme-v2")
    token = next(ex for ex in run.trace if ex.step == "token")
    assert run.result.token is not None
    assert token_in_exchange(token) == ("id_token", run.result.token.id_token)


def test_the_userinfo_jwt_is_the_body() -> None:
    run = demo_run("itsme-v2")
    userinfo = next(ex for ex in run.trace if ex.step == "userinfo")
    assert userinfo.response is not None
    assert token_in_exchange(userinfo) == ("body", userinfo.response.text())


def test_a_named_field_of_the_request_is_found() -> None:
    run = demo_run("itsme-v2")
    token = next(ex for ex in run.trace if ex.step == "token")
    name, value = token_in_exchange(token, "client_assertion")
    assert name == "client_assertion" and value.count(".") == 2


def test_a_redacted_token_cannot_be_decoded() -> None:
    run = demo_run("itsme-v2")
    token = Redactor().exchange(next(ex for ex in run.trace if ex.step == "token"))
    with pytest.raises(ConfigError, match="the id_token was redacted in this export; export"):
        token_in_exchange(token)


def test_an_exchange_without_a_token() -> None:
    run = demo_run("itsme-v2")
    with pytest.raises(ConfigError, match=r"entry 1 \(discovery\) carries no JWT or JWE"):
        token_in_exchange(run.trace[0])
    with pytest.raises(ConfigError, match=r"has no field 'nope' \(its fields: "):
        token_in_exchange(run.trace[0], "nope")
    with pytest.raises(ConfigError, match="the field 'issuer' is not a JWT or JWE"):
        token_in_exchange(run.trace[0], "issuer")


def test_the_provider_keys_are_those_the_trace_fetched() -> None:
    run = demo_run("itsme-v2")
    loaded = parse_trace(json.dumps(make_json(run.trace)))
    keys = provider_keys(loaded)
    assert keys is not None
    jwks = next(ex for ex in run.trace if ex.step == "jwks")
    assert jwks.response is not None
    kids = {k["kid"] for k in jwks.response.json()["keys"]}
    assert {k.get("kid") for k in keys["keys"]} == kids
    assert provider_keys(parse_trace(json.dumps(BROWSER_HAR))) is None
