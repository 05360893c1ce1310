"""Nothing secret reaches the terminal, the logs or a default export; TLS is never off silently.

The command line runs as a user runs it (a subprocess), with the debug switch on and Python
logging at DEBUG on stderr (httpx, h11 and the rest included), through a thin spy that writes
down every secret the run handles as it is made: the client secret, the private keys' ``d``,
the authorization code, the PKCE verifier, the access token, the ID token and UserInfo JWT
(and each of their segments but the header). stdout, stderr and every default export are
then searched for each of them, and for the national number and the document number, in every
encoding an output may use (plain, URL-encoded, JSON- and HTML-escaped, base64 and base64url at
any alignment: ``tests.export.leaks``). A run with ``--reveal`` shows that the spy records the
very values the output would hold.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from itsme_debugger.core.keys import generate_client_keys, public_jwks
from itsme_debugger.keyfiles import read_keys, write_keypair
from itsme_debugger.mockop.provider import MockProvider
from tests.export import leaks
from tests.flowrun import ThreadedLoop, free_port

ROOT = Path(__file__).resolve().parent.parent
BOT = shlex.join([sys.executable, str(ROOT / "tests" / "e2e" / "browser_bot.py")])
ITSME = "http://itsme.services/v2/claim/"
USER = json.loads((ROOT / "resources" / "mock_user.json").read_text(encoding="utf-8"))["claims"]
PERSONAL = {
    "national number": USER[ITSME + "BENationalNumber"],
    "document number": USER[ITSME + "IDDocumentSN"],
}
CLIENT_SECRET = "s3cr3t-client-value-for-the-leak-test-0123456789"
pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

#: Wraps where secrets are made, in the mock and in the client; ``install(record)`` returns
#: the function that undoes it. Run in the CLI's process (SPY_MAIN) and, for a mock served
#: by the test, in this one.
SPY = r"""
def install(record):
    from itsme_debugger import flow
    from itsme_debugger.mockop import provider, store

    undo = []

    def wrap(owner, name, after):
        original = getattr(owner, name)

        def spy(*args, **kwargs):
            value = original(*args, **kwargs)
            after(args[0] if args else None, value)
            return value

        setattr(owner, name, spy)
        undo.append(lambda: setattr(owner, name, original))

    def init(mock, _):
        client = mock.demo_client
        if client.secret:
            record("client secret", client.secret)
        if client.private_jwks is not None:
            for key in client.private_jwks["keys"]:
                record("demo client d", key.export_private(as_dict=True)["d"])

    wrap(provider.MockProvider, "__init__", init)
    wrap(store.Store, "issue_code", lambda _s, code: record("code", code))
    wrap(store.Store, "redeem", lambda _s, out: record("access token", out[1]))
    wrap(provider.MockProvider, "_id_token", lambda _s, token: record("id token", token))
    wrap(provider.MockProvider, "_encrypt", lambda _s, token: record("sealed jwt", token))
    original_verifier = flow.make_verifier

    def verifier(*args, **kwargs):
        value = original_verifier(*args, **kwargs)
        record("code verifier", value)
        return value

    flow.make_verifier = verifier
    undo.append(lambda: setattr(flow, "make_verifier", original_verifier))
    return lambda: [u() for u in reversed(undo)]
"""
SPY_MAIN = r"""
import atexit, json, logging, os, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
seen = []
install(lambda name, value: seen.append([name, value]))
atexit.register(lambda: open(os.environ["SPY_OUT"], "w").write(json.dumps(seen)))
from itsme_debugger.cli import main
sys.exit(main(sys.argv[1:]))
"""


def secrets_of(recorded: list[list[str]]) -> dict[str, str]:
    """Name -> value for leak search: each value, and the non-header segments of tokens."""
    out: dict[str, str] = dict(PERSONAL)
    for i, (name, value) in enumerate(recorded):
        out[f"{name} #{i}"] = value
        if value.count(".") in (2, 4):
            for j, segment in enumerate(value.split(".")[1:], 1):
                if len(segment) >= 16:
                    out[f"{name} #{i} segment {j}"] = segment
    return out


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str], recorded: list[list[str]]):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.recorded = recorded
        self.files: dict[str, str] = {}

    def names(self) -> set[str]:
        return {name for name, _ in self.recorded}

    def outputs(self) -> dict[str, str]:
        return {"stdout": self.stdout, "stderr": self.stderr, **self.files}


def cli(tmp: Path, *args: str, exports: tuple[Path, ...] = ()) -> Run:
    """``itsme-debugger ARGS`` in a subprocess under the spy, debug logging on."""
    out = tmp / f"spy-{len(list(tmp.glob('spy-*')))}.json"
    env = {**os.environ, "ITSME_DEBUGGER_DEBUG": "1", "SPY_OUT": str(out)}
    proc = subprocess.run(
        [sys.executable, "-c", SPY + "\n" + SPY_MAIN, *args],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=ROOT,
        env=env,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    run = Run(proc, json.loads(out.read_text()))
    for path in exports:
        run.files[path.name] = path.read_text(encoding="utf-8")
    return run


def assert_no_leak(run: Run) -> None:
    secrets = secrets_of(run.recorded)
    for where, text in run.outputs().items():
        assert leaks(text, secrets) == [], where


# ---------------------------------------------------------------------------------------------
# itsme-debugger demo


@pytest.mark.parametrize("variant", ["itsme-v2", "itsme-secret"])
@pytest.mark.parametrize("json_out", [False, True], ids=["summary", "json"])
def test_demo_leaks_nothing(tmp_path: Path, variant: str, json_out: bool) -> None:
    run = cli(tmp_path, "demo", "--variant", variant, *(["--json"] if json_out else []))
    assert run.code == 0, run.stderr[-2000:]
    expected = {"code", "access token", "id token", "code verifier"}
    expected.add("client secret" if variant == "itsme-secret" else "demo client d")
    assert expected <= run.names()
    assert "DEBUG:" in run.stderr, "debug logging was on"  # asyncio's, at least
    assert_no_leak(run)


def test_demo_with_reveal_shows_what_the_spy_recorded(tmp_path: Path) -> None:
    """The search above looks for the right values: --reveal prints them."""
    run = cli(tmp_path, "demo", "--variant", "itsme-secret", "--json", "--reveal")
    assert run.code == 0
    found = leaks(run.stdout, secrets_of(run.recorded))
    for name in ("code", "access token", "national number"):
        assert any(f.startswith(name) for f in found), name


# ---------------------------------------------------------------------------------------------
# itsme-debugger flow, against a mock served by this test


class SpiedMock:
    def __init__(self, variant: str) -> None:
        self.recorded: list[list[str]] = []
        namespace: dict[str, Any] = {}
        exec(SPY, namespace)
        self._undo: Callable[[], None] = namespace["install"](
            lambda name, value: self.recorded.append([name, value])
        )
        self.threaded = ThreadedLoop()
        self.mock = MockProvider(variant, auto_approve=True)
        self.threaded.call(self.mock.start())

    def close(self) -> None:
        self.threaded.call(self.mock.close())
        self.threaded.close()
        self._undo()


@pytest.fixture(scope="module")
def mocks() -> Iterator[dict[str, SpiedMock]]:
    spied = {v: SpiedMock(v) for v in ("itsme-v2", "itsme-secret")}
    try:
        yield spied
    finally:
        for m in spied.values():
            m.close()


def write_profile(tmp: Path, mock: MockProvider, private_key_jwt: bool) -> tuple[Path, list[str]]:
    """A profile for a new client of ``mock``; the secrets the client holds."""
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    if private_key_jwt:
        keys = generate_client_keys()
        private, _ = write_keypair(tmp, keys, overwrite=True)
        mock.register_client("leak-rp", public_jwks=public_jwks(keys), redirect_uris=[redirect])
        client = f'auth_method = "private_key_jwt"\nkeys = "{private}"'
        held = [k.export_private(as_dict=True)["d"] for k in keys["keys"]]
        ro = "signed+encrypted"
    else:
        mock.register_client("leak-rp", secret=CLIENT_SECRET, redirect_uris=[redirect])
        client = f'auth_method = "client_secret_post"\nclient_secret = "{CLIENT_SECRET}"'
        held = [CLIENT_SECRET]
        ro = "none"
    profile = tmp / "leak.toml"
    profile.write_text(
        f"""name = "leak test"
[provider]
issuer = "{mock.issuer}"
[client]
client_id = "leak-rp"
redirect_uri = "{redirect}"
{client}
[request]
scope = "openid service:TEST_code profile eid"
request_object = "{ro}"
[request.claims.id_token]
"{ITSME}BENationalNumber" = {{}}
[request.claims.userinfo]
"{ITSME}IDDocumentSN" = {{}}
""",
        encoding="utf-8",
    )
    return profile, held


@pytest.mark.parametrize(
    ("variant", "output"),
    [
        ("itsme-v2", ("--export", "trace.har")),
        ("itsme-v2", ("--json", "--export", "trace.json")),
        ("itsme-secret", ("--export", "report.md")),
        ("itsme-secret", ("--json", "--export", "trace.har")),
    ],
)
def test_flow_leaks_nothing(
    tmp_path: Path, mocks: dict[str, SpiedMock], variant: str, output: tuple[str, ...]
) -> None:
    spied = mocks[variant]
    profile, held = write_profile(tmp_path, spied.mock, variant == "itsme-v2")
    export = tmp_path / output[-1]
    before = len(spied.recorded)
    args = ("flow", str(profile), "--open-with", BOT, "--timeout", "30")
    run = cli(tmp_path, *args, *output[:-1], str(export), exports=(export,))
    assert run.code == 0, run.stderr[-2000:]
    run.recorded += spied.recorded[before:] + [["held by the client", h] for h in held]
    assert {"code", "access token", "id token", "code verifier"} <= run.names()
    assert_no_leak(run)


# ---------------------------------------------------------------------------------------------
# Key files


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_generated_private_key_file_is_0600_and_a_loose_one_is_reported(tmp_path: Path) -> None:
    from itsme_debugger.cli import main

    assert main(["keys", "generate", str(tmp_path)]) == 0
    private = tmp_path / "private.jwks.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert read_keys(private)[1] == []
    os.chmod(private, 0o640)
    (finding,) = read_keys(private)[1]
    assert finding.id == "keys.file_readable_by_others" and "\n" not in finding.message


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_loose_key_file_is_a_warning_in_the_flow_report(
    tmp_path: Path, mocks: dict[str, SpiedMock]
) -> None:
    profile, _ = write_profile(tmp_path, mocks["itsme-v2"].mock, True)
    os.chmod(tmp_path / "private.jwks.json", 0o644)
    run = cli(tmp_path, "flow", str(profile), "--open-with", BOT, "--timeout", "30", "--json")
    assert run.code == 0, run.stderr[-2000:]
    (loose,) = [
        f for f in json.loads(run.stdout)["findings"] if f["id"] == "keys.file_readable_by_others"
    ]
    assert loose["severity"] == "warning" and "chmod 600" in loose["message"]


# ---------------------------------------------------------------------------------------------
# TLS verification


def test_tls_verification_off_is_a_warning_in_the_report(
    tmp_path: Path, mocks: dict[str, SpiedMock]
) -> None:
    profile, _ = write_profile(tmp_path, mocks["itsme-secret"].mock, False)
    profile.write_text(profile.read_text() + "[flow]\nverify_tls = false\n")
    run = cli(tmp_path, "flow", str(profile), "--open-with", BOT, "--timeout", "30", "--json")
    assert run.code == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    (off,) = [f for f in report["findings"] if f["id"] == "flow.tls_verification_off"]
    assert off["severity"] == "warning"
    summary = cli(tmp_path, "flow", str(profile), "--open-with", BOT, "--timeout", "30")
    assert "TLS certificate verification is switched off" in summary.stdout
