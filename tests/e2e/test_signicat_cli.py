"""`itsme-debugger flow` end to end against the mock Signicat broker, as a user runs it.

Both paths of issue 6: the broker over OIDC (a client registered with an encryption key, so
that the ID token and UserInfo come encrypted) and the Authentication REST API (an API client,
the loopback callbacks). The browser bot plays the user on the mock's real pages; each
negative case asserts the exit code of the DESIGN.md contract and the finding that explains it.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from itsme_debugger.mockop.signicat import SignicatMockProvider

from .conftest import BOT_COMMAND
from .oidc_keys import rsa_key, write_jwks_pair
from .test_flow_cli import ThreadedMock, _free_port, run_flow

SECRET = "s3cr3t-signicat-e2e"
API_SECRET = "api-s3cr3t-signicat-e2e"
NIN = "81042419835"
#: The bot, started after the session's lifetime has passed.
SLOW_BOT = shlex.join(["sh", "-c", 'sleep 1.5; exec "$0" "$@"', *shlex.split(BOT_COMMAND)])


@dataclass
class Broker:
    threaded: ThreadedMock
    oidc_profile: Path
    rest_profile: Path
    tmp: Path

    @property
    def mock(self) -> SignicatMockProvider:
        mock = self.threaded.mock
        assert isinstance(mock, SignicatMockProvider)
        return mock

    def profile(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(text)
        return path


def _oidc_profile(issuer: str, redirect: str, keys: Path, extra: str = "") -> str:
    return f"""
name = "Signicat broker e2e"
[provider]
issuer = "{issuer}"
[client]
client_id = "e2e-signicat"
auth_method = "client_secret_basic"
client_secret = "{SECRET}"
keys = "{keys}"
redirect_uri = "{redirect}"
[request]
scope = "openid profile"
{extra}
"""


def _rest_profile(api_base: str, extra: str = "") -> str:
    return f"""
name = "Signicat REST API e2e"
[provider]
kind = "signicat-rest"
api_base = "{api_base}"
[client]
client_id = "e2e-api"
client_secret_env = "SIGNICAT_E2E_API_SECRET"
[request]
attributes = ["name", "firstName", "lastName", "dateOfBirth", "nin"]
providers = ["itsme"]
callback_base = "http://127.0.0.1:0/signicat"
{extra}
"""


@pytest.fixture(scope="module")
def broker_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    tmp = tmp_path_factory.mktemp("signicat")
    private_path, public_path = write_jwks_pair(
        tmp, "client", [rsa_key("e2e-enc", "enc", "RSA-OAEP")]
    )
    threaded = ThreadedMock("signicat")
    mock = threaded.mock
    assert isinstance(mock, SignicatMockProvider)
    mock.auto_approve = False  # the bot plays the user on the real pages
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    mock.register_client(
        "e2e-signicat",
        public_jwks=json.loads(public_path.read_text()),
        secret=SECRET,
        redirect_uris=[redirect],
    )
    mock.register_api_client("e2e-api", API_SECRET)
    oidc = tmp / "oidc.toml"
    oidc.write_text(
        _oidc_profile(
            mock.issuer, redirect, private_path, 'acr_values = "idp:itsme"\nprompt = "login"'
        )
    )
    rest = tmp / "rest.toml"
    rest.write_text(_rest_profile(mock.api_base))
    try:
        yield Broker(threaded, oidc, rest, tmp)
    finally:
        threaded.close()


@pytest.fixture
def broker(broker_setup: Broker, monkeypatch: pytest.MonkeyPatch) -> Iterator[Broker]:
    mock = broker_setup.mock
    monkeypatch.setenv("SIGNICAT_E2E_API_SECRET", API_SECRET)
    yield broker_setup
    mock.faults.clear()
    mock.auto_approve = False
    mock.rest_outcome = "success"


def error_ids(report: dict[str, Any]) -> list[str]:
    return [f["id"] for f in report["findings"] if f["severity"] == "error"]


# -- the broker over OIDC ------------------------------------------------------------------


def test_oidc_broker_with_an_encrypting_client(broker: Broker) -> None:
    run = run_flow(broker.oidc_profile)
    assert run.code == 0, (run.stderr, run.finding_ids())
    for step in ("discovery", "authorization", "callback", "token", "id_token", "userinfo"):
        assert run.step(step)["status"] in ("ok", "warning"), run.report["steps"]
    id_token = run.report["id_token"]
    assert id_token["encrypted"] is True and id_token["signature_verified"] is True
    assert id_token["jwe_header"]["alg"] == "RSA-OAEP" and id_token["jwe_header"]["cty"] == "JWT"
    claims = id_token["claims"]
    assert claims["idp"] == "itsme" and claims["sandbox"] is True
    assert claims["idp_issuer"] == "https://idp.e2e.itsme.services/v2"
    assert claims["amr"] == ["external"] and claims["sid"] and claims["transaction_id"]
    assert claims["name"] == "Maxence Legrand"
    assert run.report["userinfo"]["format"] == "jwt"
    assert run.report["userinfo"]["encrypted"] is True
    assert run.report["userinfo"]["claims"]["family_name"] == "Legrand"
    assert run.report["revocation"]["status"] == 200
    assert "signicat.sandbox" in run.finding_ids()
    assert SECRET not in json.dumps(run.report) + run.stderr


def test_oidc_broker_without_acr_values_passes_the_eid_selection(broker: Broker) -> None:
    text = broker.oidc_profile.read_text().replace('acr_values = "idp:itsme"\n', "")
    run = run_flow(broker.profile("no-acr.toml", text))
    assert run.code == 0, (run.stderr, run.finding_ids())
    assert "request.acr_values_missing" in run.finding_ids()
    assert run.report["id_token"]["claims"]["idp"] == "itsme"


def test_oidc_broker_deny_exits_3(broker: Broker) -> None:
    run = run_flow(broker.oidc_profile, open_with=BOT_COMMAND + " --deny")
    assert run.code == 3, (run.stderr, run.finding_ids())
    assert "authorization.error.access_denied" in run.finding_ids()


def test_oidc_broker_without_the_service_scope_is_flagged(broker: Broker) -> None:
    text = broker.oidc_profile.read_text().replace('scope = "openid profile"', 'scope = "openid"')
    run = run_flow(broker.profile("no-service.toml", text))
    assert run.code == 0, (run.stderr, run.finding_ids())
    assert "signicat.service_scope_missing" in run.finding_ids()


# -- the Authentication REST API ---------------------------------------------------------------


def test_rest_flow_with_the_seeds_subject(broker: Broker) -> None:
    run = run_flow(broker.rest_profile)
    assert run.code == 0, (run.stderr, run.finding_ids())
    assert [s["name"] for s in run.report["steps"]] == [
        "api_token",
        "create_session",
        "callback",
        "session_status",
    ]
    assert {s["status"] for s in run.report["steps"]} == {"ok"}
    session = run.report["session"]
    assert session["status"] == "SUCCESS" and session["provider"] == "itsme"
    assert session["callback"]["outcome"] == "success"
    assert session["callback"]["session_id"] == session["id"]
    subject = session["subject"]
    assert subject["firstName"] == "Maxence" and subject["dateOfBirth"] == "1981-04-24"
    assert subject["nin"]["issuingCountry"] == "BE" and subject["nin"]["type"] == "PERSON"
    assert run.report["token"]["status"] == 200
    text = json.dumps(run.report) + run.stderr
    assert NIN not in text and API_SECRET not in text
    assert not [token for token in broker.mock.rest.tokens if token in text]


def test_rest_flow_reveal_shows_the_national_number(broker: Broker) -> None:
    run = run_flow(broker.rest_profile, "--reveal")
    assert run.code == 0
    assert run.report["session"]["subject"]["nin"]["value"] == NIN


def test_rest_abort_exits_3(broker: Broker) -> None:
    run = run_flow(broker.rest_profile, open_with=BOT_COMMAND + " --deny")
    assert run.code == 3, (run.stderr, run.finding_ids())
    assert "signicat.session_aborted" in error_ids(run.report)
    assert run.report["error"]["code"] == "signicat.session_aborted"
    assert run.report["session"]["status"] == "ABORT"
    assert run.report["session"]["callback"]["outcome"] == "abort"
    assert run.report["session"]["subject"] is None


def test_rest_error_exits_3(broker: Broker) -> None:
    broker.mock.auto_approve = True
    broker.mock.rest_outcome = "error"
    run = run_flow(broker.rest_profile)
    assert run.code == 3, (run.stderr, run.finding_ids())
    assert "signicat.session_error" in error_ids(run.report)
    assert run.report["session"]["error"]["code"] == "provider_error"


def test_rest_expired_session_exits_3(broker: Broker) -> None:
    text = broker.rest_profile.read_text() + "session_lifetime = 1\n"
    run = run_flow(broker.profile("expiring.toml", text), open_with=SLOW_BOT)
    assert run.code == 3, (run.stderr, run.finding_ids())
    assert "signicat.session_expired" in error_ids(run.report)
    assert run.report["session"]["status"] == "EXPIRED"
    assert run.report["session"]["callback"]["outcome"] == "error"


def test_rest_wrong_api_secret_exits_3(broker: Broker) -> None:
    text = broker.rest_profile.read_text().replace(
        'client_secret_env = "SIGNICAT_E2E_API_SECRET"', 'client_secret = "wrong"'
    )
    run = run_flow(broker.profile("wrong-secret.toml", text))
    assert run.code == 3
    assert "token.error.invalid_client" in run.finding_ids()
    assert run.step("create_session")["status"] == "skipped"


def test_rest_no_callback_within_the_timeout_exits_3(broker: Broker) -> None:
    run = run_flow(broker.rest_profile, open_with="true", timeout=2)
    assert run.code == 3
    assert run.report["error"]["code"] == "flow.browser_timeout"


def test_rest_profile_error_is_one_line_exit_2(broker: Broker) -> None:
    text = broker.rest_profile.read_text().replace('providers = ["itsme"]', 'providers = "itsme"')
    proc = subprocess.run(
        [sys.executable, "-m", "itsme_debugger", "flow", str(broker.profile("bad.toml", text))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "providers" in proc.stderr


def test_rest_secret_env_not_set_exit_2(broker: Broker) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SIGNICAT_E2E_API_SECRET"}
    proc = subprocess.run(
        [sys.executable, "-m", "itsme_debugger", "flow", str(broker.rest_profile)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    assert "SIGNICAT_E2E_API_SECRET" in proc.stderr


# -- the demo and the mock command --------------------------------------------------------------


@pytest.mark.parametrize("variant", ["signicat", "signicat-rest"])
def test_demo_variant_exits_0(variant: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "itsme_debugger", "demo", "--variant", variant, "--json", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    if variant == "signicat-rest":
        assert report["session"]["status"] == "SUCCESS"
    else:
        assert report["id_token"]["claims"]["idp"] == "itsme"


def test_mock_command_serves_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "itsme_debugger", "mock", "--variant", "signicat", "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        announced: dict[str, str] = {}
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.partition(":")
            announced[name.strip()] = value.strip()
        assert announced["issuer"].endswith("/auth/open")
        assert announced["auth_method"] == "client_secret_basic"
        assert announced["client_secret"] and announced["private_jwks"]
        profile = tmp_path / "rest.toml"
        profile.write_text(
            _rest_profile(announced["api_base"]).replace(
                'client_id = "e2e-api"', f'client_id = "{announced["api_client_id"]}"'
            )
        )
        monkeypatch.setenv("SIGNICAT_E2E_API_SECRET", announced["api_secret"].split()[0])
        run = run_flow(profile)
        assert run.code == 0, (run.stderr, run.finding_ids())
        assert run.report["session"]["status"] == "SUCCESS"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    assert proc.returncode == 0
