"""The command line: ``itsme-debugger [flow|decode|keys|mock|demo] ...``.

Exit codes (a contract, see DESIGN.md): 0 done with no error-level finding; 1 done or stopped
with at least one error-level finding; 2 usage or configuration error, in one line; 3 the
provider or the network failed the flow. 130 when interrupted (Ctrl-C). No traceback, ever.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .core.errors import ConfigError, DebuggerError
from .core.report import (
    EXIT_CONFIG,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROVIDER,
    STEP_LABELS,
)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def _err(message: str) -> None:
    print(f"itsme-debugger: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# flow


def _progress(stream: TextIO) -> Callable[[Any], None]:
    from .flow import FindingAdded, StepChanged, WaitingForBrowser

    def listener(event: Any) -> None:
        if isinstance(event, StepChanged):
            s = event.step
            if s.status == "running":
                print(f"… {STEP_LABELS[s.name]}", file=stream, flush=True)
            elif s.status in ("ok", "warning", "error"):
                mark = {"ok": "✓", "warning": "⚠", "error": "✗"}[s.status]
                dur = f" ({s.duration_ms:.0f} ms)" if s.duration_ms is not None else ""
                print(f"{mark} {STEP_LABELS[s.name]}{dur}", file=stream, flush=True)
        elif isinstance(event, WaitingForBrowser):
            where = ", ".join(event.listening) or "paste mode"
            print(f"  waiting for the redirect ({where})", file=stream, flush=True)
            print(f"  authorization URL: {event.url}", file=stream, flush=True)
        elif isinstance(event, FindingAdded) and event.finding.severity.value == "error":
            print(f"  ✗ {event.finding.id}", file=stream, flush=True)

    return listener


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such {what}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc}") from exc


async def _run_engine(engine: Any, paste: bool) -> Any:
    """Run the engine; Ctrl-C / SIGTERM cancel it cleanly (the port is freed)."""
    import asyncio

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    reader = None
    if paste:

        async def read_pasted() -> None:
            while not engine.waiting_for_redirect:
                await asyncio.sleep(0.05)
            print("Paste the URL the browser ended on, then Enter:", file=sys.stderr, flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            engine.paste_redirect(line.strip())

        from .net.tasks import spawn

        reader = spawn(read_pasted())
    try:
        return await engine.run()
    except asyncio.CancelledError:
        return engine.result
    finally:
        if reader is not None:
            reader.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def _emit_result(result: Any, args: argparse.Namespace) -> int:
    from .core.report import build_report, render_summary

    if getattr(args, "json", False):
        print(json.dumps(build_report(result, reveal=args.reveal), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_summary(result, reveal=args.reveal))
    return int(result.exit_code)


def cmd_flow(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace

    from .core.profile import parse_profile
    from .flow import FlowEngine, load_secrets
    from .signicat_flow import SignicatRestEngine

    if args.export:
        from .export.files import export_format

        export_format(args.export)  # an unknown suffix is a usage error before the flow runs
    text = _read_text(args.profile, "profile")
    profile = parse_profile(
        text, base_dir=str(Path(args.profile).resolve().parent), source=args.profile
    )
    if args.paste:
        profile = replace(profile, flow=replace(profile.flow, redirect="paste"))
    secrets = load_secrets(profile)
    engine_class = SignicatRestEngine if profile.is_rest else FlowEngine
    engine = engine_class(
        profile,
        secrets,
        opener=_no_browser if args.paste and not args.open_with else None,
        open_with=args.open_with,
        listener=None if args.quiet else _progress(sys.stderr),
        browser_timeout=args.timeout,
    )
    result = asyncio.run(_run_engine(engine, args.paste))
    code = _emit_result(result, args)
    if args.export and not _export_trace(args, engine):
        code = max(code, EXIT_CONFIG)
    return code


def _export_trace(args: argparse.Namespace, engine: Any) -> bool:
    """Write the flow's trace to ``--export`` (masked unless ``--reveal``); False on failure."""
    from .export.files import write_export

    try:
        path = write_export(
            args.export, engine.trace, engine.result, engine.profile, reveal=args.reveal
        )
    except ConfigError as exc:
        _err(exc.message)
        return False
    if not args.quiet:
        masked = "unmasked: it holds secrets" if args.reveal else "secrets masked"
        print(f"Trace written to {path} ({masked})", file=sys.stderr)
    return True


async def _no_browser(url: str) -> None:
    print(f"Open this URL in a browser:\n{url}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# demo


def cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from .demo import demo_profile, demo_rest_profile, demo_rest_secrets, demo_secrets
    from .flow import FlowEngine
    from .mockop.provider import MockProvider
    from .net.autobrowser import follow_redirects
    from .signicat_flow import SignicatRestEngine

    rest = args.variant == "signicat-rest"
    variant = "signicat" if rest else args.variant

    async def main() -> Any:
        mock = MockProvider(variant, auto_approve=not args.browser, faults=args.fault or ())
        await mock.start()
        try:
            print(f"Mock provider: {mock.issuer}", file=sys.stderr)
            engine_class = SignicatRestEngine if rest else FlowEngine
            engine = engine_class(
                demo_rest_profile(mock) if rest else demo_profile(mock),
                demo_rest_secrets(mock) if rest else demo_secrets(mock),
                opener=None if args.browser else follow_redirects,
                listener=None if args.quiet else _progress(sys.stderr),
                browser_timeout=args.timeout,
            )
            return await _run_engine(engine, False)
        finally:
            await mock.close()

    result = asyncio.run(main())
    return _emit_result(result, args)


# ---------------------------------------------------------------------------------------------
# decode


def cmd_decode(args: argparse.Namespace) -> int:
    from .core.idtoken import IdTokenExpectations, validate_id_token_claims
    from .core.jose import inspect
    from .core.keys import load_keys
    from .core.report import mask_claims
    from .keyfiles import read_keys

    loaded = None
    if args.trace:
        from .export.load import load_trace, provider_keys, token_in_exchange

        if args.token is not None:
            raise UsageError("itsme-debugger decode: give a TOKEN or --trace FILE, not both")
        if args.entry is None:
            raise UsageError("itsme-debugger decode: --trace needs --entry N (1 = the first)")
        loaded = load_trace(args.trace)
        exchange = loaded.entry(args.entry)
        source, token = token_in_exchange(exchange, args.field)
        where = f"the {source} of entry {args.entry} ({exchange.step}) in {args.trace}"
        if not args.json:
            print(f"Token: {where}")
    elif args.token is None:
        raise UsageError("itsme-debugger decode: give a TOKEN (or - for stdin) or --trace FILE")
    elif args.entry is not None or args.field is not None:
        raise UsageError("itsme-debugger decode: --entry and --field go with --trace FILE")
    else:
        token = sys.stdin.read() if args.token == "-" else args.token
    token = "".join(token.split())
    if not token:
        raise ConfigError("no token given")
    findings: list[Any] = []
    decryption = None
    if args.keys:
        decryption, key_findings = read_keys(Path(args.keys))
        findings += key_findings
    verification = None
    if args.jwks:
        if args.jwks.startswith(("http://", "https://")):
            verification = _fetch_jwks(args.jwks)
        else:
            data = _read_bytes(args.jwks, "JWKS file")
            verification = load_keys(data, source=args.jwks)
    elif loaded is not None:
        verification = provider_keys(loaded)  # the provider's keys as the trace fetched them
    secret = None
    if args.secret_env:
        secret = os.environ.get(args.secret_env)
        if not secret:
            raise ConfigError(f"the environment variable {args.secret_env} is not set")
    insp = inspect(
        token,
        prefix=args.prefix,
        decryption_keys=decryption,
        verification_keys=verification,
        client_secret=secret,
    )
    findings += list(insp.findings)
    checks: list[tuple[str, bool | None]] = []
    if insp.claims is not None and (args.issuer or args.audience or args.nonce):
        exp = IdTokenExpectations(
            issuer=args.issuer or str(insp.claims.get("iss", "")),
            client_id=args.audience or _first_aud(insp.claims),
            nonce=args.nonce,
        )
        more, checks = validate_id_token_claims(insp.claims, insp.jws_header or {}, exp)
        findings += more
    claims = insp.claims if args.reveal or insp.claims is None else mask_claims(insp.claims)
    if args.json:
        out = {
            "layers": [
                {
                    "kind": layer.kind,
                    "ok": layer.ok,
                    "header": layer.header,
                    "key": (
                        {"kid": layer.key.kid, "kty": layer.key.kty, "reason": layer.key.reason}
                        if layer.key
                        else None
                    ),
                    "note": layer.note,
                }
                for layer in insp.layers
            ],
            "claims": claims,
            "checks": dict(checks),
            "findings": [f.to_dict() for f in findings],
        }
        if loaded is not None:
            out["source"] = {"trace": args.trace, "entry": args.entry, "field": source}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for layer in insp.layers:
            status = "✓" if layer.ok else "✗"
            print(f"{layer.kind} {status} {json.dumps(layer.header, ensure_ascii=False)}")
            if layer.key is not None:
                print(
                    f"    key: {layer.key.kid or '(no kid)'} ({layer.key.kty}): {layer.key.reason}"
                )
            if layer.note:
                print(f"    {layer.note}")
        if claims is not None:
            print("Claims")
            print(json.dumps(claims, indent=2, ensure_ascii=False))
        if checks:
            print(
                "Checks: "
                + "  ".join(f"{n} {'✓' if ok else '✗' if ok is False else '-'}" for n, ok in checks)
            )
        if findings:
            print("Findings")
            for f in sorted(findings, key=lambda f: -f.severity.rank):
                ref = f"  [{f.reference}]" if f.reference else ""
                print(f"  {f.severity.value.upper():<7} {f.id}: {f.message}{ref}")
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_OK


def _first_aud(claims: dict[str, Any]) -> str:
    aud = claims.get("aud", "")
    if isinstance(aud, list):
        return str(aud[0]) if aud else ""
    return str(aud)


def _read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc


def _fetch_jwks(url: str) -> Any:
    import httpx

    from .core.discovery import process_jwks_response
    from .core.http import HttpResponse
    from .net.errors import NetworkError

    try:
        with httpx.Client(timeout=10.0, trust_env=True) as c:
            r = c.get(url)
    except httpx.HTTPError as exc:
        raise NetworkError(f"{url}: {exc}", code="network.connect") from exc
    keys, _ = process_jwks_response(
        HttpResponse(r.status_code, tuple(r.headers.items()), r.content, url)
    )
    return keys


# ---------------------------------------------------------------------------------------------
# keys


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from .core.keys import check_itsme_jwks, describe_key, generate_client_keys, public_jwks
    from .keyfiles import write_keypair

    directory = Path(args.directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot create the folder: {exc.strerror}") from exc
    keys = generate_client_keys(bits=args.bits)
    try:
        private, public = write_keypair(directory, keys, overwrite=args.force)
    except FileExistsError as exc:
        raise ConfigError(f"{exc.filename}: exists already (use --force to replace it)") from exc
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write the keys: {exc.strerror or exc}") from exc
    print(f"private JWKS: {private} (mode 0600: keep it secret)")
    print(f"public JWKS:  {public} (publish it at your jwks_uri)")
    for key in keys["keys"]:
        print(f"  {describe_key(key)}")
    for f in check_itsme_jwks(public_jwks(keys)):
        print(f"  {f.severity.value}: {f.id}: {f.message}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# parser


def build_parser() -> argparse.ArgumentParser:
    from .mockop import command as mock_command

    parser = _Parser(
        prog="itsme-debugger",
        description="A desktop OpenID Connect debugger for itsme®, Signicat and any OIDC provider.",
    )
    parser.add_argument("--version", action="version", version=f"itsme-debugger {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def output_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
        p.add_argument(
            "--reveal",
            action="store_true",
            help="show tokens, codes and sensitive claims in full (masked by default)",
        )
        p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    p = sub.add_parser("flow", help="run a whole flow headless from a profile")
    p.add_argument("profile", help="profile file (TOML)")
    p.add_argument("--open-with", metavar="CMD", help="open the URL with CMD URL instead")
    p.add_argument(
        "--export",
        metavar="FILE",
        help="write the trace (.har, .json or .md), secrets masked unless --reveal",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds to wait for the browser's redirect (default 300)",
    )
    p.add_argument(
        "--paste", action="store_true", help="read the redirect URL from stdin (no loopback)"
    )
    output_options(p)
    p.set_defaults(func=cmd_flow)

    p = sub.add_parser("demo", help="run the Demo flow against the embedded mock provider")
    p.add_argument(
        "--variant",
        default="itsme-v2",
        choices=("itsme-v2", "itsme-secret", "signicat", "signicat-rest"),
        help="signicat: the broker over OIDC; signicat-rest: its Authentication REST API",
    )
    p.add_argument(
        "--browser", action="store_true", help="open the consent page in the system browser"
    )
    p.add_argument("--fault", action="append", metavar="NAME", help="make the mock misbehave")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S")
    output_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("decode", help="decrypt, verify and validate one JWT or JWE")
    p.add_argument("token", nargs="?", help="the token, or - to read it from stdin")
    p.add_argument("--keys", metavar="PRIVATE_JWKS", help="your private keys (to decrypt)")
    p.add_argument("--jwks", metavar="FILE|URL", help="the issuer's public keys (to verify)")
    p.add_argument("--issuer", metavar="I")
    p.add_argument("--audience", metavar="A")
    p.add_argument("--nonce", metavar="N")
    p.add_argument("--secret-env", metavar="VAR", help="client secret from this variable")
    p.add_argument("--trace", metavar="FILE", help="take the token from a HAR or JSON export")
    p.add_argument(
        "--entry",
        type=int,
        metavar="N",
        help="the exchange of --trace to decode, numbered as in the timeline (1 = the first)",
    )
    p.add_argument(
        "--field",
        metavar="NAME",
        help="the field of the entry that holds the token (default: the first of id_token, "
        "the body, access_token, refresh_token, request, client_assertion)",
    )
    p.add_argument("--prefix", default="token", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="show sensitive claims in full")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("keys", help="key management")
    keys_sub = p.add_subparsers(dest="keys_command", parser_class=_Parser)
    g = keys_sub.add_parser("generate", help="write a private JWKS (0600) and its public JWKS")
    g.add_argument("directory", metavar="DIR")
    g.add_argument("--bits", type=int, default=2048, choices=(2048, 3072, 4096))
    g.add_argument("--force", action="store_true", help="replace existing key files")
    g.set_defaults(func=cmd_keys_generate)

    mock_command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # httpx and httpcore log every URL at INFO: with the codes and tokens some URLs hold.
    # Whatever logging the host sets up, they say only what went wrong.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        if not (sys.argv[1:] if argv is None else argv):
            return _run_app()  # no command: the window, without building the parser first
        parser = build_parser()
        args = parser.parse_args(argv)
        func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
        if func is None:
            if args.command is None:
                return _run_app()
            parser.parse_args([args.command, "--help"])
            return EXIT_CONFIG
        return func(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_CONFIG
    except ConfigError as exc:
        _err(exc.message)
        return EXIT_CONFIG
    except DebuggerError as exc:
        _err(exc.message)
        return EXIT_PROVIDER
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("ITSME_DEBUGGER_DEBUG"):
            raise
        _err(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set ITSME_DEBUGGER_DEBUG=1 for the traceback, and please report it)"
        )
        return EXIT_PROVIDER


def _run_app() -> int:
    """No command: the GUI when it is there, else the Demo flow headless."""
    import importlib

    try:
        app = importlib.import_module("itsme_debugger.app")
    except ImportError as exc:
        _err(f"the desktop app cannot start ({exc}); running the Demo flow headless")
        return main(["demo"])
    result: int = app.run_app()
    return result
