"""`itsme-debugger flow --export FILE` and `itsme-debugger decode --trace FILE --entry N`.

The flow runs as a user runs it: a subprocess with a profile, against the mock provider (in a
thread of this process, auto-approving) and a scripted browser given as ``--open-with``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from itsme_debugger.cli import main
from itsme_debugger.export import load_trace
from itsme_debugger.mockop.provider import MockProvider

from . import ITSME, leaks

#: Plays the user: follows the authorization URL's redirects to the loopback capture.
BROWSER = shlex.join(
    [
        sys.executable,
        "-c",
        "import asyncio, sys\n"
        "from itsme_debugger.net.autobrowser import follow_redirects\n"
        "asyncio.run(follow_redirects(sys.argv[1]))",
    ]
)


@dataclass(frozen=True)
class Setup:
    mock: MockProvider
    profile: Path
    keys: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def call(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    mock = MockProvider("itsme-v2", auto_approve=True)
    call(mock.start())
    tmp = tmp_path_factory.mktemp("cli-export")
    keys = tmp / "client.jwks.json"
    assert mock.demo_client.private_jwks is not None
    keys.write_text(mock.demo_client.private_jwks.export(private_keys=True))
    profile = tmp / "demo.toml"
    profile.write_text(
        f"""
name = "export test"
[provider]
issuer = "{mock.issuer}"
[client]
client_id = "{mock.demo_client.client_id}"
auth_method = "private_key_jwt"
keys = "{keys}"
redirect_uri = "http://127.0.0.1:0/callback"
[request]
scope = "openid service:TEST_code profile eid"
request_object = "signed+encrypted"
[request.claims.id_token]
given_name = {{ essential = true }}
"{ITSME}BENationalNumber" = {{}}
"""
    )
    try:
        yield Setup(mock, profile, keys)
    finally:
        call(mock.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def _flow(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "itsme_debugger", "flow", str(setup.profile)]
    cmd += ["--open-with", BROWSER, "--timeout", "30", *args]
    env = dict(os.environ, ITSME_DEBUGGER_DEBUG="")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_flow_export_writes_a_redacted_har(setup: Setup, tmp_path: Path) -> None:
    out = tmp_path / "trace.har"
    proc = _flow(setup, "--export", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    assert f"Trace written to {out} (secrets masked)" in proc.stderr
    har = json.loads(out.read_text())
    assert har["log"]["_redacted"] is True
    steps = [e["_step"] for e in har["log"]["entries"]]
    assert steps[:4] == ["discovery", "jwks", "authorization", "callback"]
    report = json.loads(proc.stdout)
    assert har["log"]["_report"]["steps"][0]["name"] == report["steps"][0]["name"]
    code = next(e for e in har["log"]["entries"] if e["_step"] == "callback")
    assert {q["name"]: q["value"] for q in code["request"]["queryString"]}["code"].startswith(
        "«redacted, "
    )
    personal = {"national number": "99060427181", "family name": "Tǎnka"}  # the seed's user
    assert leaks(out.read_text(), personal) == []


def test_flow_export_with_reveal_then_decode_the_id_token(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "trace.json"
    proc = _flow(setup, "--export", str(out), "--reveal", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    loaded = load_trace(out)
    assert loaded.redacted is False
    entry = next(i + 1 for i, ex in enumerate(loaded.exchanges) if ex.step == "token")
    code = main(
        ["decode", "--trace", str(out), "--entry", str(entry), "--keys", str(setup.keys), "--json"]
    )
    decoded = json.loads(capsys.readouterr().out)
    assert code == 0, decoded["findings"]
    assert decoded["source"] == {"trace": str(out), "entry": entry, "field": "id_token"}
    assert [layer["kind"] for layer in decoded["layers"]] == ["JWE", "JWS", "JSON"]
    assert decoded["layers"][1]["ok"] is True  # verified with the JWKS the trace fetched
    assert decoded["claims"]["given_name"] == "George"


def test_decode_a_redacted_entry_says_to_export_with_reveal(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "trace.har"
    assert _flow(setup, "--export", str(out), "--quiet").returncode == 0
    loaded = load_trace(out)
    entry = next(i + 1 for i, ex in enumerate(loaded.exchanges) if ex.step == "userinfo")
    assert main(["decode", "--trace", str(out), "--entry", str(entry)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the body was redacted in this export; export the flow again with --reveal" in err


def test_flow_export_with_an_unknown_suffix_stops_before_the_flow(
    setup: Setup, tmp_path: Path
) -> None:
    proc = _flow(setup, "--export", str(tmp_path / "trace.txt"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot tell the export format" in proc.stderr
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []


def test_flow_export_that_cannot_be_written_exits_2_after_the_flow(
    setup: Setup, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "trace.har"
    proc = _flow(setup, "--export", str(out), "--json", "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert f"{out}: cannot write the export: " in proc.stderr
    assert json.loads(proc.stdout)["exit_code"] == 0  # the flow itself ran and is reported


def test_decode_trace_of_junk_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.har"
    junk.write_text('{"log": {"entries": [')
    assert main(["decode", "--trace", str(junk), "--entry", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated?" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["decode"], "give a TOKEN (or - for stdin) or --trace FILE"),
        (["decode", "--trace", "t.har"], "--trace needs --entry N"),
        (["decode", "tok", "--trace", "t.har", "--entry", "1"], "not both"),
        (["decode", "tok", "--entry", "1"], "--entry and --field go with --trace FILE"),
    ],
)
def test_decode_options_that_do_not_go_together(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
