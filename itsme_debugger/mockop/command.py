"""``itsme-debugger mock``: run the mock provider on 127.0.0.1 until interrupted.

It prints the issuer and the demo client's credentials (for v2 the demo client's private JWKS
goes to a 0600 temporary file, removed on exit; for the client-secret variant the throwaway
secret is printed; the signicat variant prints both, and the demo API client of the
Authentication REST API), then ``ready`` (flushed) so that scripts can wait for it. A bad
option or a port in use is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from itsme_debugger.core.errors import ConfigError

from .faults import FAULTS
from .variants import VARIANTS

if TYPE_CHECKING:  # the provider (and jwcrypto) load only when the mock runs
    from .provider import MockProvider

EXIT_OK = 0
EXIT_USAGE = 2
_PROG = "itsme-debugger mock"


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``mock`` command to the program's subcommands."""
    parser = subparsers.add_parser(
        "mock",
        help="run the mock itsme® provider on 127.0.0.1 until interrupted",
        description="Run the mock itsme® provider on 127.0.0.1 until interrupted.",
    )
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument(
        "--variant", default="itsme-v2", choices=tuple(VARIANTS), help="API variant"
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="answer the authorization request with the redirect at once (no consent page)",
    )
    parser.add_argument("--client-id", metavar="ID", help="register one more client")
    parser.add_argument(
        "--client-jwks",
        metavar="PUBLIC_JWKS",
        help="that client's public JWKS file (v2; signicat: its encryption key)",
    )
    parser.add_argument(
        "--client-secret",
        metavar="SECRET",
        help="that client's secret (itsme-secret and signicat variants)",
    )
    parser.add_argument(
        "--redirect-uri",
        metavar="URI",
        action="append",
        help="that client's redirect URI (exact match; repeatable)",
    )
    parser.add_argument(
        "--service-code", default="TEST_code", metavar="CODE", help="service code of every client"
    )
    parser.add_argument(
        "--fault",
        action="append",
        choices=sorted(FAULTS),
        metavar="NAME",
        help=f"make the mock misbehave (repeatable): {', '.join(sorted(FAULTS))}",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run until SIGINT / SIGTERM; 0 when stopped, 2 for a bad option or a port in use."""
    try:
        mock = _build(args)
        return asyncio.run(_serve(mock, args.port))
    except ConfigError as exc:
        print(f"{_PROG}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


def _build(args: argparse.Namespace) -> MockProvider:
    from .provider import MockProvider

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number (0 to 65535)")
    client_options = [
        name
        for name, value in (
            ("--client-jwks", args.client_jwks),
            ("--client-secret", args.client_secret),
            ("--redirect-uri", args.redirect_uri),
        )
        if value
    ]
    if client_options and not args.client_id:
        raise ConfigError(f"{client_options[0]} needs --client-id")
    mock = MockProvider(
        args.variant,
        auto_approve=args.auto_approve,
        faults=args.fault or (),
        service_code=args.service_code,
        port=args.port,
    )
    if args.client_id:
        if not args.redirect_uri:
            raise ConfigError("--client-id needs --redirect-uri")
        mock.register_client(
            args.client_id,
            public_jwks=_read_jwks(args.client_jwks) if args.client_jwks else None,
            secret=args.client_secret,
            redirect_uris=args.redirect_uri,
        )
    return mock


def _read_jwks(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such JWKS file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the JWKS: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: the JWKS is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the JWKS is not a JSON object")
    return data


async def _serve(mock: MockProvider, port: int) -> int:
    try:
        await mock.start()
    except OSError as exc:
        reason = "is in use" if port else f"cannot be opened ({exc.strerror or exc})"
        raise ConfigError(f"port {port} on 127.0.0.1 {reason}") from exc
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    keys_file: Path | None = None
    try:
        keys_file = _announce(mock)
        await stop.wait()
    finally:
        await mock.close()
        if keys_file is not None:
            keys_file.unlink(missing_ok=True)
    print("stopped", file=sys.stderr)
    return EXIT_OK


def _announce(mock: MockProvider) -> Path | None:
    from itsme_debugger.core.keys import private_jwks

    from .signicat import SignicatMockProvider

    """Print what a client needs; returns the temporary private JWKS file, if any."""
    demo = mock.demo_client
    lines = [
        f"issuer:        {mock.issuer}",
        f"discovery:     {mock.discovery_url}",
        f"client_id:     {demo.client_id}",
        f"redirect_uri:  {demo.redirect_uri} (any http loopback URI is accepted)",
        f"auth_method:   {demo.auth_method}",
    ]
    if isinstance(mock, SignicatMockProvider):
        lines.append("scope:         openid profile (or openid name); acr_values=idp:itsme")
    else:
        lines.append(f"scope:         openid service:{mock.service_code}")
    keys_file: Path | None = None
    if demo.private_jwks is not None:
        keys_file = _write_private(private_jwks(demo.private_jwks))
        lines.append(f"private_jwks:  {keys_file} (mode 0600, removed on exit)")
    if demo.secret is not None:
        lines.append(f"client_secret: {demo.secret} (a throwaway demo secret)")
    if isinstance(mock, SignicatMockProvider):
        lines += [
            f"api_base:      {mock.api_base}",
            f"api_token:     {mock.token_endpoint} (client_credentials, scope signicat-api)",
            f"api_client_id: {mock.api_client.client_id}",
            f"api_secret:    {mock.api_client.secret} (a throwaway demo secret)",
        ]
    if mock.faults:
        lines.append(f"faults:        {', '.join(sorted(mock.faults))}")
    lines.append("ready")
    print("\n".join(lines), flush=True)
    return keys_file


def _write_private(jwks: dict[str, Any]) -> Path:
    fd, name = tempfile.mkstemp(prefix="itsme-mock-demo-client-", suffix=".jwks.json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp creates it with mode 0600
        json.dump(jwks, out, indent=2)
    return Path(name)


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def main(argv: list[str] | None = None) -> int:
    """``python -m itsme_debugger.mockop``."""
    parser = _OneLineParser(prog=_PROG, description="Run the mock itsme® provider.")
    configure(parser)
    return run(parser.parse_args(argv))
