"""``python -m itsme_debugger.mockop``: the mock as a process scripts can wait for."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from itsme_debugger.core.keys import public_jwks

from .helpers import OTHER_KEYS


@contextmanager
def running(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """Start the mock, read its announcement up to ``ready``; stop it with SIGINT at the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "itsme_debugger.mockop", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    announced: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.partition(":")
            announced[name.strip()] = value.strip()
        else:
            raise AssertionError(f"no 'ready'; stderr: {proc.communicate()[1]}")
        yield proc, announced
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)


def test_mock_command_serves_discovery_until_sigint() -> None:
    with running("--auto-approve") as (proc, announced):
        issuer = announced["issuer"]
        assert issuer.startswith("http://127.0.0.1:") and issuer.endswith("/v2")
        doc = httpx.get(announced["discovery"], trust_env=False).json()
        assert doc["issuer"] == issuer
        params = {
            "client_id": announced["client_id"],
            "response_type": "code",
            "scope": "openid service:TEST_code",
            "redirect_uri": "http://127.0.0.1:8765/callback",
        }
        resp = httpx.get(doc["authorization_endpoint"], params=params, trust_env=False)
        assert resp.status_code == 302 and "code=" in resp.headers["location"]
        keys = Path(announced["private_jwks"].split(" ")[0])
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert {k["use"] for k in json.loads(keys.read_text())["keys"]} == {"sig", "enc"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    assert not keys.exists()


def test_mock_command_secret_variant_prints_the_throwaway_secret() -> None:
    with running("--variant", "itsme-secret") as (proc, announced):
        assert announced["auth_method"] == "client_secret_post"
        assert announced["client_secret"].split(" ")[0]
        assert "private_jwks" not in announced
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_mock_command_registers_the_client_given_on_the_command_line(tmp_path: Path) -> None:
    jwks = tmp_path / "public.jwks.json"
    jwks.write_text(json.dumps(public_jwks(OTHER_KEYS)))
    args = (
        "--client-id",
        "cli-rp",
        "--client-jwks",
        str(jwks),
        "--redirect-uri",
        "https://rp.example/cb",
        "--service-code",
        "MY_code",
    )
    with running(*args) as (_, announced):
        params = {
            "client_id": "cli-rp",
            "response_type": "code",
            "scope": "openid service:MY_code",
            "redirect_uri": "https://rp.example/cb",
        }
        url = announced["issuer"] + "/authorization"
        resp = httpx.get(url, params=params, trust_env=False)
        assert resp.status_code == 200 and "cli-rp" in resp.text  # the consent page


def test_mock_command_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "itsme_debugger.mockop", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert f"port {port}" in done.stderr and "in use" in done.stderr


def test_mock_command_bad_option_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "itsme_debugger.mockop", "--client-id", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "itsme-debugger mock: --client-id needs --redirect-uri"
