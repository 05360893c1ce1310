"""`itsme-debugger flow` end to end, as a user runs it: a subprocess, a profile, a browser bot.

Against panva's oidc-provider (independent, OpenID Certified) and against our own mock, with
the same positive suite; then one test per negative case, each asserting the exit code of the
DESIGN.md contract and the finding that explains it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from itsme_debugger.mockop.provider import MockProvider
from tests import flowrun
from tests.flowrun import FlowRun, ThreadedLoop
from tests.flowrun import free_port as _free_port

from .conftest import BOT_COMMAND, NATIONAL_NUMBER, PHOTO, E2EProvider, write_profile
from .oidc_keys import rsa_key, write_jwks_pair

ITSME = "http://itsme.services/v2/claim/"


def run_flow(
    profile: Path, *args: str, open_with: str = BOT_COMMAND, timeout: float = 30
) -> FlowRun:
    return flowrun.run_flow(profile, *args, open_with=open_with, timeout=timeout)


def assert_complete(run: FlowRun) -> None:
    assert run.code == 0, (run.stderr, run.finding_ids())
    for step in ("discovery", "authorization", "callback", "token", "id_token", "userinfo"):
        assert run.step(step)["status"] in ("ok", "warning"), run.report["steps"]
    assert not [f for f in run.report["findings"] if f["severity"] == "error"]


# ---------------------------------------------------------------------------------------------
# Against panva's oidc-provider


def test_oidc_provider_private_key_jwt(oidc_provider: E2EProvider, tmp_path: Path) -> None:
    run = run_flow(write_profile(tmp_path, oidc_provider, "e2e-pkjwt"))
    assert_complete(run)
    id_token = run.report["id_token"]
    assert id_token["encrypted"] is True
    assert id_token["jwe_header"]["alg"] == "RSA-OAEP"
    assert id_token["signature_verified"] is True
    assert id_token["claims"]["sub"] == oidc_provider.subject
    assert run.report["userinfo"]["format"] == "jwt"
    assert run.report["userinfo"]["encrypted"] is True
    assert run.report["revocation"]["status"] == 200
    # the national number is there, masked by default
    assert (
        NATIONAL_NUMBER in run.report["userinfo"]["claims"]
        or NATIONAL_NUMBER in (id_token["claims"])
    )
    assert "99060427181" not in json.dumps(run.report)


def test_oidc_provider_client_secret_post(oidc_provider: E2EProvider, tmp_path: Path) -> None:
    run = run_flow(write_profile(tmp_path, oidc_provider, "e2e-secret"))
    assert_complete(run)
    assert run.report["id_token"]["encrypted"] is False
    assert run.report["userinfo"]["format"] == "json"
    secret = oidc_provider.clients["e2e-secret"].client_secret
    assert secret and secret not in json.dumps(run.report) + run.stderr


def test_oidc_provider_signed_then_encrypted_request_object(
    oidc_provider: E2EProvider, tmp_path: Path
) -> None:
    profile = write_profile(
        tmp_path, oidc_provider, "e2e-pkjwt", request={"request_object": "signed+encrypted"}
    )
    run = run_flow(profile)
    assert_complete(run)
    assert "request=" in run.report["authorization"]["url"]


def test_oidc_provider_reveal_shows_the_national_number(
    oidc_provider: E2EProvider, tmp_path: Path
) -> None:
    run = run_flow(write_profile(tmp_path, oidc_provider, "e2e-pkjwt"), "--reveal")
    assert run.code == 0
    assert "99060427181" in json.dumps(run.report)


def test_oidc_provider_state_mismatch_never_redeems_the_code(
    oidc_provider: E2EProvider, tmp_path: Path
) -> None:
    run = run_flow(
        write_profile(tmp_path, oidc_provider, "e2e-pkjwt"),
        open_with=BOT_COMMAND + " --tamper-state",
    )
    assert run.code == 1
    assert "redirect.state_mismatch" in run.finding_ids()
    assert run.step("token")["status"] == "skipped"
    assert "token" not in run.report


def test_oidc_provider_access_denied_exits_3(oidc_provider: E2EProvider, tmp_path: Path) -> None:
    run = run_flow(
        write_profile(tmp_path, oidc_provider, "e2e-pkjwt"), open_with=BOT_COMMAND + " --deny"
    )
    assert run.code == 3
    assert "authorization.error.access_denied" in run.finding_ids()


# ---------------------------------------------------------------------------------------------
# Against our mock, run in a thread so that tests can switch its faults


class ThreadedMock:
    def __init__(self, variant: str) -> None:
        self.threaded = ThreadedLoop()
        self.mock = MockProvider(variant, auto_approve=True)
        self.threaded.call(self.mock.start())

    def close(self) -> None:
        self.threaded.call(self.mock.close())
        self.threaded.close()


@dataclass
class MockSetup:
    threaded: ThreadedMock
    profile: Path
    secret_profile: Path
    secret_threaded: ThreadedMock

    @property
    def mock(self) -> MockProvider:
        return self.threaded.mock


def _profile_text(issuer: str, client: str, auth: str, redirect: str, extra: str) -> str:
    return f"""
name = "mock {client}"
[provider]
issuer = "{issuer}"
[client]
client_id = "{client}"
auth_method = "{auth}"
redirect_uri = "{redirect}"
{extra}
[request]
scope = "openid service:TEST_code profile eid"
request_object = "none"
[request.claims.id_token]
given_name = {{ essential = true }}
"{NATIONAL_NUMBER}" = {{}}
"{ITSME}verificationDate" = {{}}
[request.claims.userinfo]
"{PHOTO}" = {{}}
"{ITSME}BEeidSn" = {{}}
"{ITSME}validityTo" = {{}}
"""


@pytest.fixture(scope="module")
def mock_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSetup]:
    tmp = tmp_path_factory.mktemp("mock")
    keys = [rsa_key("e2e-sig", "sig", "RS256"), rsa_key("e2e-enc", "enc", "RSA-OAEP")]
    private_path, public_path = write_jwks_pair(tmp, "client", keys)
    v2 = ThreadedMock("itsme-v2")
    secret = ThreadedMock("itsme-secret")
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    v2.mock.register_client(
        "e2e-mock",
        public_jwks=json.loads(public_path.read_text()),
        redirect_uris=[redirect],
    )
    secret.mock.register_client(
        "e2e-mock-secret", secret="s3cr3t-e2e-value", redirect_uris=[redirect]
    )
    profile = tmp / "v2.toml"
    profile.write_text(
        _profile_text(
            v2.mock.issuer, "e2e-mock", "private_key_jwt", redirect, f'keys = "{private_path}"'
        )
    )
    secret_profile = tmp / "secret.toml"
    secret_profile.write_text(
        _profile_text(
            secret.mock.issuer,
            "e2e-mock-secret",
            "client_secret_post",
            redirect,
            'client_secret = "s3cr3t-e2e-value"',
        )
    )
    try:
        yield MockSetup(v2, profile, secret_profile, secret)
    finally:
        v2.close()
        secret.close()


@pytest.fixture
def mock(mock_setup: MockSetup) -> Iterator[MockSetup]:
    mock_setup.mock.faults.clear()
    yield mock_setup
    mock_setup.mock.faults.clear()


def test_mock_v2_private_key_jwt_with_metadata_and_photo(mock: MockSetup) -> None:
    run = run_flow(mock.profile)
    assert_complete(run)
    assert run.report["id_token"]["encrypted"] is True
    id_claims = run.report["id_token"]["claims"]
    assert id_claims["given_name"] == "George"
    assert set(id_claims[ITSME + "verificationDate"]) >= {"given_name"}
    ui = run.report["userinfo"]["claims"]
    assert ui[PHOTO]["format"] == "image/jpeg"
    assert list(ui[ITSME + "validityTo"]) == [ITSME + "BEeidSn"]


def test_mock_v2_signed_then_encrypted_request_object(mock: MockSetup, tmp_path: Path) -> None:
    text = mock.profile.read_text().replace(
        'request_object = "none"', 'request_object = "signed+encrypted"'
    )
    profile = tmp_path / "ro.toml"
    profile.write_text(text)
    run = run_flow(profile)
    assert_complete(run)
    assert mock.mock.last_authorization_params.get("request")


def test_mock_client_secret_variant_with_revocation(mock: MockSetup) -> None:
    run = run_flow(mock.secret_profile)
    assert_complete(run)
    assert run.report["id_token"]["jwe_header"]["alg"] == "dir"
    assert run.report["revocation"]["status"] == 200
    assert "s3cr3t-e2e-value" not in json.dumps(run.report) + run.stderr


@pytest.mark.parametrize(
    ("fault", "finding"),
    [
        ("bad_signature", "id_token.signature_invalid"),
        ("wrong_iss", "id_token.iss_mismatch"),
        ("wrong_aud", "id_token.aud_mismatch"),
        ("expired", "id_token.expired"),
        ("wrong_nonce", "id_token.nonce_mismatch"),
        ("unknown_kid", "id_token.unknown_kid"),
        ("userinfo_sub_mismatch", "userinfo.sub_mismatch"),
    ],
)
def test_mock_rejected_token_exits_1(mock: MockSetup, fault: str, finding: str) -> None:
    mock.mock.faults.add(fault)
    run = run_flow(mock.profile)
    assert run.code == 1, (run.stderr, run.finding_ids())
    errors = [f["id"] for f in run.report["findings"] if f["severity"] == "error"]
    assert finding in errors


def test_mock_state_mismatch_never_redeems_the_code(mock: MockSetup) -> None:
    before = mock.mock.codes_redeemed
    mock.mock.faults.add("state_mismatch")
    run = run_flow(mock.profile)
    assert run.code == 1
    assert "redirect.state_mismatch" in run.finding_ids()
    assert mock.mock.codes_redeemed == before
    assert run.step("token")["status"] == "skipped"


@pytest.mark.parametrize(
    ("fault", "finding_or_error"),
    [
        ("access_denied", "authorization.error.access_denied"),
        ("invalid_grant", "token.error.invalid_grant"),
        ("server_error", "token.http_error"),
        ("malformed_token_body", "token.not_json"),
    ],
)
def test_mock_provider_error_exits_3(mock: MockSetup, fault: str, finding_or_error: str) -> None:
    mock.mock.faults.add(fault)
    run = run_flow(mock.profile)
    assert run.code == 3, (run.stderr, run.finding_ids())
    error = run.report.get("error") or {}
    assert finding_or_error in [*run.finding_ids(), error.get("code")]


def test_mock_slow_token_endpoint_times_out_exits_3(mock: MockSetup, tmp_path: Path) -> None:
    mock.mock.faults.add("slow")
    mock.mock.slow_seconds = 5
    profile = tmp_path / "slow.toml"
    profile.write_text(mock.profile.read_text() + "\n[flow]\ntimeout = 1\n")
    run = run_flow(profile)
    assert run.code == 3
    assert run.report["error"]["code"] == "network.timeout"
    assert run.step("token")["status"] == "error"


def test_no_redirect_within_the_timeout_exits_3(mock: MockSetup) -> None:
    run = run_flow(mock.profile, open_with="true", timeout=2)
    assert run.code == 3
    assert run.report["error"]["code"] == "flow.browser_timeout"
    assert run.step("callback")["status"] == "error"


# ---------------------------------------------------------------------------------------------
# Configuration errors: one line, exit 2


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itsme_debugger", *args], capture_output=True, text=True, timeout=60
    )


def test_missing_profile_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = _cli("flow", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "nope.toml" in proc.stderr
    assert proc.stdout == ""


def test_unreadable_key_file_is_one_line_exit_2(mock: MockSetup, tmp_path: Path) -> None:
    bad = tmp_path / "junk.jwks.json"
    bad.write_text("{not json")
    profile = tmp_path / "badkeys.toml"
    text = mock.profile.read_text()
    start = text.index("keys = ")
    end = text.index("\n", start)
    profile.write_text(text[:start] + f'keys = "{bad}"' + text[end:])
    proc = _cli("flow", str(profile))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "junk.jwks.json" in proc.stderr


def test_ctrl_c_while_waiting_stops_cleanly_and_frees_the_port(mock: MockSetup) -> None:
    text = mock.profile.read_text()
    port = int(text.split('redirect_uri = "http://127.0.0.1:')[1].split("/")[0])
    proc = subprocess.Popen(
        [sys.executable, "-m", "itsme_debugger", "flow", str(mock.profile), "--open-with", "true"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "waiting for the redirect" in line:
            break
    else:
        pytest.fail("".join(lines))
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) == 0  # the loopback server listens
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err
    with socket.socket() as s:
        # Free again: a listener would still hold it; the probe's own closed connection may
        # leave a TIME_WAIT entry, which SO_REUSEADDR (as every server sets it) does not mind.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()
