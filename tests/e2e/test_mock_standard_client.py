"""``itsme-debugger mock`` serves a standard OpenID Connect client that knows nothing of us.

The client is panva's openid-client 6 (an OpenID Certified relying party library), driven by
``node/rp.mjs``: discovery, private_key_jwt, PKCE S256, the claims parameter, the RFC 9207
``iss`` of the redirect, the nested (signed then encrypted) ID token and UserInfo, all checked
by openid-client itself. The mock runs as a user starts it (a subprocess with
``--auto-approve --client-id --client-jwks --redirect-uri``), and the browser bot plays the
user between them. Each test starts both processes and takes about a second.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from . import browser_bot
from .conftest import (
    NATIONAL_NUMBER,
    NODE_DIR,
    SERVICE_CODE,
    SUBJECT,
    SetupError,
    ensure_node_modules,
    free_port,
    node_env,
    node_executable,
    tail,
)
from .oidc_keys import rsa_key, write_jwks_pair

pytestmark = pytest.mark.end2end

CLIENT_ID = "rp-std"
RP = NODE_DIR / "rp.mjs"
EID_SERIAL = "http://itsme.services/v2/claim/BEeidSn"
CITIZENSHIP = "http://itsme.services/v2/claim/claim_citizenship"
#: The seed's example user (itsme v2 API reference, UserInfo example), George Tǎnka.
GEORGE = {
    "sub": SUBJECT,
    "given_name": "George",
    "family_name": "Tǎnka",
    NATIONAL_NUMBER: "99060427181",
    EID_SERIAL: "431522485012",
    CITIZENSHIP: "BE",
}
SCOPE = f"openid service:{SERVICE_CODE} profile eid"
CLAIMS = {
    "id_token": {"given_name": {"essential": True}, "family_name": None, NATIONAL_NUMBER: None},
    "userinfo": {CITIZENSHIP: None},
}
READY_TIMEOUT = 20.0
RESULT_TIMEOUT = 20.0
BOT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ClientKeys:
    private: Path
    public: Path


class Process:
    """A subprocess whose stdout and stderr go to files, read line by line while it runs."""

    def __init__(self, name: str, args: Sequence[str], workdir: Path, **kwargs: Any) -> None:
        self.name = name
        self.stdout = workdir / f"{name}.stdout"
        self.stderr = workdir / f"{name}.stderr"
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, **kwargs
            )

    def lines(self) -> list[str]:
        return self.stdout.read_text(encoding="utf-8", errors="replace").splitlines()

    def wait_line(self, prefixes: tuple[str, ...], timeout: float, *others: Process) -> str:
        """The first stdout line that starts with one of ``prefixes``; fails the test with the
        tail of this and ``others``' output when the process exits or the time is up."""
        deadline = time.monotonic() + timeout
        while True:
            line = next((ln for ln in self.lines() if ln.startswith(prefixes)), None)
            if line is not None:
                return line
            if self.proc.poll() is not None:
                problem = f"{self.name} exited with status {self.proc.returncode}"
            elif time.monotonic() > deadline:
                problem = f"{self.name} printed no {' or '.join(prefixes)} within {timeout:g} s"
            else:
                time.sleep(0.02)
                continue
            fail(f"{problem} (waiting for {'/'.join(p.strip() for p in prefixes)})", self, *others)

    def output_tail(self, lines: int = 15) -> str:
        out, err = tail(self.stdout, lines), tail(self.stderr, lines)
        return f"--- {self.name} stdout ---\n{out}\n--- {self.name} stderr ---\n{err}"

    def interrupt(self, timeout: float = 10.0) -> int | None:
        """SIGINT, as Ctrl+C does; the exit status, or None when it did not stop in time."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def fail(problem: str, *processes: Process) -> NoReturn:
    tails = "\n".join(p.output_tail() for p in processes)
    pytest.fail(f"{problem}\n{tails}", pytrace=False)


@pytest.fixture(scope="module")
def node_ready() -> Path:
    """openid-client installed (``npm ci`` when needed); the venv's node executable."""
    try:
        ensure_node_modules()
        return node_executable()
    except SetupError as exc:
        problem = str(exc)
    pytest.fail(f"openid-client for the end-to-end tests: {problem}", pytrace=False)


@pytest.fixture(scope="module")
def client_keys(tmp_path_factory: pytest.TempPathFactory) -> ClientKeys:
    """The client's RS256 signing key and RSA-OAEP encryption key, as JWKS files."""
    keys = [rsa_key("rp-std-sig", "sig", "RS256"), rsa_key("rp-std-enc", "enc", "RSA-OAEP")]
    private, public = write_jwks_pair(tmp_path_factory.mktemp("rp-keys"), CLIENT_ID, keys)
    return ClientKeys(private, public)


@dataclass(frozen=True)
class Mock:
    issuer: str
    process: Process


@contextlib.contextmanager
def running_mock(
    workdir: Path, keys: ClientKeys, redirect_uri: str, faults: Sequence[str] = ()
) -> Iterator[Mock]:
    """``itsme-debugger mock`` for the client, up to its "ready" line; killed on exit if a test
    has not stopped it."""
    args = [
        *(sys.executable, "-m", "itsme_debugger", "mock", "--auto-approve", "--port", "0"),
        *("--client-id", CLIENT_ID, "--client-jwks", str(keys.public)),
        *("--redirect-uri", redirect_uri),
        *(arg for fault in faults for arg in ("--fault", fault)),
    ]
    mock = Process("mock", args, workdir)
    try:
        mock.wait_line(("ready",), READY_TIMEOUT)
        issuer = next(
            ln.split(":", 1)[1].strip() for ln in mock.lines() if ln.startswith("issuer:")
        )
        yield Mock(issuer, mock)
    finally:
        mock.kill()


def sign_in(
    node: Path, mock: Mock, keys: ClientKeys, redirect_uri: str, workdir: Path, **options: Any
) -> tuple[str, dict[str, Any] | str]:
    """Run rp.mjs against the mock, play the user, and return ("RESULT", result) or
    ("ERROR", message). ``options`` go into rp.mjs's config (e.g. assertion_audience)."""
    config = {
        "issuer": mock.issuer,
        "client_id": CLIENT_ID,
        "private_jwks": str(keys.private),
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "claims": CLAIMS,
        "timeout_seconds": RESULT_TIMEOUT,
        **options,
    }
    config_path = workdir / "rp.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    rp = Process(
        "rp", [str(node), str(RP), str(config_path)], workdir, cwd=NODE_DIR, env=node_env()
    )
    try:
        line = rp.wait_line(("AUTHORIZE ", "ERROR "), READY_TIMEOUT, mock.process)
        if line.startswith("AUTHORIZE "):
            play_user(line.removeprefix("AUTHORIZE "), rp, mock.process)
            line = rp.wait_line(("RESULT ", "ERROR "), RESULT_TIMEOUT + 5, mock.process)
        kind, _, text = line.partition(" ")
        status = rp.proc.wait(timeout=5)
        if (kind == "RESULT") != (status == 0):
            fail(f"rp.mjs printed {kind} and exited with status {status}", rp, mock.process)
        return (kind, json.loads(text)) if kind == "RESULT" else (kind, text)
    finally:
        rp.kill()


def play_user(url: str, *processes: Process) -> None:
    """The browser bot takes the authorization URL to the redirect URI (the mock approves)."""
    try:
        browser_bot.run(url, timeout=BOT_TIMEOUT)
    except browser_bot.BotError as exc:
        problem = str(exc)
    else:
        return
    fail(f"the browser bot could not finish: {problem}", *processes)


def signed_in(kind: str, result: dict[str, Any] | str, mock: Mock) -> dict[str, Any]:
    """The result, or the test fails with openid-client's error and the mock's output."""
    if kind != "RESULT" or not isinstance(result, dict):
        fail(f"openid-client did not sign in: {result}", mock.process)
    return result


@pytest.fixture
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/cb"


def test_openid_client_signs_in_at_the_mock_and_reads_the_encrypted_tokens(
    node_ready: Path, client_keys: ClientKeys, redirect_uri: str, tmp_path: Path
) -> None:
    with running_mock(tmp_path, client_keys, redirect_uri) as mock:
        kind, raw = sign_in(node_ready, mock, client_keys, redirect_uri, tmp_path)
        result = signed_in(kind, raw, mock)
        status = mock.process.interrupt()
        if status != 0:
            fail(f"the mock exited with status {status} on SIGINT (0 expected)", mock.process)

    assert result["authorization_response"] == ["code", "iss", "state"]
    id_token = result["id_token"]
    # A nested JWT: a JWE to the client's "enc" key, decrypted by openid-client, around a JWS
    # it verified against the jwks_uri (enableNonRepudiationChecks).
    assert id_token["segments"] == 5
    assert id_token["jwe_header"]["alg"] == "RSA-OAEP"
    assert id_token["jwe_header"]["kid"] == "rp-std-enc"
    assert id_token["jwe_header"]["cty"] == "JWT"
    claims = id_token["claims"]
    assert claims["iss"] == mock.issuer
    assert claims["aud"] == CLIENT_ID
    assert {k: claims.get(k) for k in ("sub", "given_name", "family_name", NATIONAL_NUMBER)} == {
        k: GEORGE[k] for k in ("sub", "given_name", "family_name", NATIONAL_NUMBER)
    }
    userinfo = result["userinfo"]
    wanted = ("sub", "given_name", "family_name", NATIONAL_NUMBER, EID_SERIAL, CITIZENSHIP)
    assert {k: userinfo.get(k) for k in wanted} == {k: GEORGE[k] for k in wanted}
    calls = [(c["method"], c["path"], c["status"]) for c in result["http"]]
    assert calls == [
        ("GET", "/v2/.well-known/openid-configuration", 200),
        ("POST", "/v2/token", 200),
        ("GET", "/v2/jwkSet", 200),
        ("GET", "/v2/userinfo", 200),
    ]
    assert result["http"][-1]["content_type"].startswith("application/jwt")


def test_openid_client_rejects_an_id_token_with_a_bad_signature(
    node_ready: Path, client_keys: ClientKeys, redirect_uri: str, tmp_path: Path
) -> None:
    with running_mock(tmp_path, client_keys, redirect_uri, ["bad_signature"]) as mock:
        kind, message = sign_in(node_ready, mock, client_keys, redirect_uri, tmp_path)
    assert kind == "ERROR", message
    assert "JWT signature verification failed" in str(message)


def test_openid_client_default_assertion_audience_is_refused_with_the_reason(
    node_ready: Path, client_keys: ClientKeys, redirect_uri: str, tmp_path: Path
) -> None:
    """openid-client 6 puts the issuer in the client assertion's aud; itsme® wants the token
    endpoint, and the mock says so."""
    with running_mock(tmp_path, client_keys, redirect_uri) as mock:
        kind, message = sign_in(
            node_ready, mock, client_keys, redirect_uri, tmp_path, assertion_audience="issuer"
        )
    assert kind == "ERROR", message
    assert "(unauthorized_client: invalid client_assertion: aud must be the token endpoint" in str(
        message
    )
    assert "(the issuer is not accepted)" in str(message)
