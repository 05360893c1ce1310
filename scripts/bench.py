"""Benchmarks: measured side by side in one run, printed as a table, written to docs/benchmarks.md.

    .venv/bin/python scripts/bench.py [--runs N] [--start-runs N] [--gui-runs N]
                                      [--token-runs N] [--export-runs N] [--no-write]

Not a test: figures depend on the machine; the targets are what we hold ourselves to.

- flow: the whole Demo flow (discovery, authorization with a signed+encrypted request object,
  loopback capture, token with private_key_jwt, nested-JWE ID token, UserInfo) run by the engine
  against the in-process mock, no human in the loop; median and p90 per step. Target: median
  <= 150 ms. Beside it, the floor: the same number of plain HTTP round trips to the same mock
  with httpx alone, so the ratio shows what the engine and the crypto add.
- start-up: cold start to the main window's first painted frame, and peak RSS then, of
  ``python -m itsme_debugger`` (a fresh config folder, as on a first start) against a bare
  PySide6 window of the same size (``scripts/_bare_window.py``), fresh subprocesses,
  offscreen, in turns, byte code cached (outside the tree) as for an installed app; median of
  ``--start-runs``. Beside them: the same widgets built with plain PySide6 and no logic
  (``scripts/_widgets_window.py``, what the window itself costs); when the app's asyncio loop
  runs (the window takes a Start); when the Demo's mock provider listens with its profile in
  the editor; the longest UI-thread stall from the first frame until then (a 2 ms beat). All
  report through ``itsme_debugger.ui.startup`` (``ITSME_DEBUGGER_PROBE``).
  Targets: <= 1.5x each.
- UI stall: the Demo flow run from the real main window (offscreen, the mock approving at
  once) with a 2 ms heartbeat timer on the UI thread: the longest gap between two beats over
  ``--gui-runs`` flows, the p99 gap, the median of each flow's longest; the first flow (which
  builds the result pages and is the first to sign and decrypt with the keys) apart. Target:
  longest <= 16 ms.
- ID token: nested JWE (RSA-OAEP / A128CBC-HS256 around RS256) decrypt, verify and validate
  through ``core.idtoken.process_id_token`` (the engine's path) against jwcrypto called
  directly on the same tokens (decrypt, verify the inner JWS with the key of its kid,
  ``json.loads``): ``--token-runs`` pairs of short runs in turns, the median of the pairs'
  ratios (a busy machine slows both sides of a pair alike). Target: >= 0.9x.
- export: a 10,000-exchange trace (the Demo flow's exchanges over and over, with its report)
  written by ``write_export`` as HAR, JSON and Markdown, masked (the default) and, for HAR,
  unmasked; median of ``--export-runs``. Target: HAR <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_flow(runs: int) -> dict[str, Any]:
    import httpx

    from itsme_debugger.demo import demo_profile, demo_secrets
    from itsme_debugger.flow import FlowEngine
    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects

    totals: list[float] = []
    per_step: dict[str, list[float]] = {}
    exchanges = 0
    async with MockProvider("itsme-v2", auto_approve=True) as mock:
        profile = demo_profile(mock)
        secrets = demo_secrets(mock)
        for i in range(runs + 2):
            engine = FlowEngine(profile, secrets, opener=follow_redirects)
            t0 = time.perf_counter()
            result = await engine.run()
            elapsed = (time.perf_counter() - t0) * 1000
            if result.exit_code != 0:
                bad = [f.id for f in result.all_findings if f.severity.value == "error"]
                raise SystemExit(f"the Demo flow failed (exit {result.exit_code}): {bad}")
            if i < 2:  # warm-up: imports, first connections
                continue
            totals.append(elapsed)
            exchanges = len(engine.trace)
            for name, rec in result.steps.items():
                if rec.duration_ms is not None:
                    per_step.setdefault(name, []).append(rec.duration_ms)
        floor: list[float] = []
        url = mock.issuer + "/.well-known/openid-configuration"
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.get(url)
            for _ in range(runs):
                t0 = time.perf_counter()
                for _ in range(exchanges):
                    await client.get(url)
                floor.append((time.perf_counter() - t0) * 1000)
    return {
        "median": statistics.median(totals),
        "p90": _pct(totals, 0.9),
        "steps": {k: statistics.median(v) for k, v in per_step.items()},
        "floor": statistics.median(floor),
        "exchanges": exchanges,
    }


async def _demo_flow() -> Any:
    from itsme_debugger.demo import demo_profile, demo_secrets
    from itsme_debugger.flow import FlowEngine
    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects

    async with MockProvider("itsme-v2", auto_approve=True) as mock:
        engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=follow_redirects)
        await engine.run()
        return engine


# ---------------------------------------------------------------------------------------------
# Start-up: cold start and peak RSS against a bare window


def _probe(cmd: list[str], mode: str, config: Path, pycache: Path) -> dict[str, tuple[float, int]]:
    """Start ``cmd`` with the start-up probe on; {label: (seconds since the start, KiB)}.

    Byte code is cached (outside the tree, in ``pycache``) as for an installed app."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ITSME_DEBUGGER_PROBE": mode,
        "ITSME_DEBUGGER_CONFIG_DIR": str(config),
        "PYTHONPYCACHEPREFIX": str(pycache),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.monotonic()  # CLOCK_MONOTONIC: one clock for both processes
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    seen: dict[str, tuple[float, int]] = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "probe":
            seen[parts[1]] = (float(parts[2]) - t0, int(parts[3]))
        elif len(parts) == 2 and parts[0] == "probe-stall":
            seen["stall"] = (float(parts[1]) / 1000, 0)  # as seconds, like the others
    if done.returncode != 0 or "shown" not in seen:
        raise SystemExit(f"{cmd}: no probe line (exit {done.returncode}): {done.stderr[-500:]}")
    return seen


def bench_startup(runs: int) -> dict[str, float]:
    python = sys.executable
    app = [python, "-m", "itsme_debugger"]
    bare = [python, str(ROOT / "scripts" / "_bare_window.py")]
    widgets = [python, str(ROOT / "scripts" / "_widgets_window.py")]
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        pycache = Path(folder, "pycache")
        for _ in range(2):  # byte code compiled, the OS file cache warm, for both
            _probe(bare, "shown", Path(folder, "warm"), pycache)
            _probe(widgets, "shown", Path(folder, "warm"), pycache)
            _probe(app, "demo", Path(folder, "warm"), pycache)
        for i in range(runs):
            first_start = Path(folder, f"run{i}")  # no profiles yet: the Demo opens
            turn = [("bare", bare), ("widgets", widgets), ("app", app)]
            for name, cmd in turn if i % 2 == 0 else turn[::-1]:
                probe = "demo" if name == "app" else "shown"
                seen = _probe(cmd, probe, first_start, pycache)
                for label, (seconds, kib) in seen.items():
                    samples.setdefault(f"{name} {label} s", []).append(seconds * 1000)
                    samples.setdefault(f"{name} {label} rss", []).append(kib / 1024)
    return {k: statistics.median(v) for k, v in samples.items()}


# ---------------------------------------------------------------------------------------------
# The longest UI-thread stall during a Demo flow in the main window


def bench_gui_stall(runs: int, beat_ms: int = 2) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import Qt, QTimer, qInstallMessageHandler

    qInstallMessageHandler(lambda *_message: None)  # the offscreen platform's chatter

    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects
    from itsme_debugger.ui.app import make_application
    from itsme_debugger.ui.flow_controller import FlowController
    from itsme_debugger.ui.main_window import MainWindow
    from itsme_debugger.ui.profile_store import FileSecrets, ProfileStore

    app = make_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    gaps: list[float] = []
    worst: list[float] = []  # the longest gap of each flow, the first (warm-up) one first

    async def main(folder: Path) -> None:
        store = ProfileStore(folder, secrets=FileSecrets(folder / "secrets.json"))
        controller = FlowController(make_mock=lambda: MockProvider("itsme-v2", auto_approve=True))
        window = MainWindow(store, controller, opener=follow_redirects)
        window.show()
        await controller.demo()
        await asyncio.sleep(0.2)  # the Demo profile shown, the first frame painted
        last = [0.0]
        flow_gaps: list[float] = []

        def beat() -> None:
            now = time.perf_counter()
            flow_gaps.append((now - last[0]) * 1000)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(beat_ms)
        heartbeat.timeout.connect(beat)
        for i in range(runs + 1):
            finished: asyncio.Future[object] = loop.create_future()

            def done(result: object, future: asyncio.Future[object] = finished) -> None:
                if not future.done():
                    future.set_result(result)

            controller.finished.connect(done)
            flow_gaps.clear()
            last[0] = time.perf_counter()
            heartbeat.start()
            window.start_action.trigger()
            result = await asyncio.wait_for(finished, 30)
            await asyncio.sleep(0.1)  # what the window does once the flow has finished
            heartbeat.stop()
            controller.finished.disconnect(done)
            if getattr(result, "exit_code", 1) != 0:
                raise SystemExit("the Demo flow failed in the window")
            worst.append(max(flow_gaps))
            if i > 0:  # the first flow imports the engine and loads the keys: apart
                gaps.extend(flow_gaps)
        window.close()
        await controller.aclose()

    try:
        with tempfile.TemporaryDirectory() as folder:
            loop.run_until_complete(main(Path(folder)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return {
        "max": max(gaps),
        "p99": _pct(gaps, 0.99),
        "typical": statistics.median(worst[1:]),
        "first": worst[0],
        "beat": float(beat_ms),
        "beats": float(len(gaps)),
    }


# ---------------------------------------------------------------------------------------------
# Nested JWE ID tokens: the core against jwcrypto called directly


def bench_id_token(runs: int, tokens: int = 8) -> dict[str, float]:
    """``runs`` pairs of short runs (each side once over the tokens, in turns): the ratio of
    each pair, then the median, so that a busy machine slows both sides of a pair alike."""
    from jwcrypto import jwe, jws

    from itsme_debugger.core.idtoken import process_id_token

    samples = asyncio.run(_id_tokens(tokens))

    def ours() -> None:
        for token, exp, dec, ver in samples:
            result = process_id_token(token, exp, decryption_keys=dec, verification_keys=ver)
            if result.claims is None or any(f.severity.value == "error" for f in result.findings):
                raise SystemExit(f"the ID token did not validate: {result.findings}")

    def direct() -> None:
        for token, _exp, dec, ver in samples:
            outer = jwe.JWE()
            outer.deserialize(token, key=dec)
            inner = jws.JWS()
            inner.deserialize(outer.payload.decode())
            kid = inner.jose_header.get("kid")
            key = ver.get_key(kid) if kid else None
            if key is None:
                raise SystemExit("no provider key for the ID token")
            inner.verify(key)
            json.loads(inner.payload)

    def seconds(fn: Any) -> float:
        # no garbage collection while timing, as timeit does (and the app, see ui.app)
        gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0
        finally:
            gc.enable()

    for _ in range(3):  # warm-up
        ours()
        direct()
    mine: list[float] = []
    theirs: list[float] = []
    for i in range(runs):
        if i % 2 == 0:
            mine.append(seconds(ours))
            theirs.append(seconds(direct))
        else:
            theirs.append(seconds(direct))
            mine.append(seconds(ours))
    ratio = statistics.median(t / m for m, t in zip(mine, theirs, strict=True))
    return {
        "ours": len(samples) / statistics.median(mine),
        "direct": len(samples) / statistics.median(theirs),
        "ratio": ratio,
    }


async def _id_tokens(count: int) -> list[tuple[str, Any, Any, Any]]:
    """``count`` ID tokens from Demo flows, each with its expectations and the keys."""
    from jwcrypto import jwk

    from itsme_debugger.core.idtoken import IdTokenExpectations
    from itsme_debugger.demo import demo_profile, demo_secrets
    from itsme_debugger.flow import FlowEngine
    from itsme_debugger.mockop.provider import MockProvider
    from itsme_debugger.net.autobrowser import follow_redirects

    out: list[tuple[str, Any, Any, Any]] = []
    async with MockProvider("itsme-v2", auto_approve=True) as mock:
        profile, secrets = demo_profile(mock), demo_secrets(mock)
        provider_keys = jwk.JWKSet.from_json(json.dumps(mock.jwks()))
        for _ in range(count):
            engine = FlowEngine(profile, secrets, opener=follow_redirects)
            result = await engine.run()
            token_ex = next(ex for ex in engine.trace if ex.step == "token")
            assert token_ex.response is not None
            tokens = json.loads(token_ex.response.body)
            assert result.id_token is not None and result.id_token.claims is not None
            exp = IdTokenExpectations(
                issuer=mock.issuer,
                client_id=profile.client.client_id,
                nonce=result.id_token.claims.get("nonce"),
                access_token=tokens["access_token"],
                leeway=3600,
            )
            out.append((tokens["id_token"], exp, secrets.keys, provider_keys))
    return out


def bench_export(runs: int, size: int = 10_000) -> dict[str, float]:
    import tempfile

    from itsme_debugger.core.trace import Trace
    from itsme_debugger.export import write_export

    engine = asyncio.run(_demo_flow())
    flow = list(engine.trace)
    trace = Trace()
    for i in range(size):
        ex = flow[i % len(flow)]
        trace.add(
            ex.step,
            ex.request,
            ex.response,
            started=ex.started + i * 0.05,
            elapsed_ms=ex.elapsed_ms,
            error=ex.error,
            kind=ex.kind,
            note=ex.note,
        )
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, suffix, reveal in (
            ("HAR", ".har", False),
            ("HAR, unmasked", ".har", True),
            ("JSON", ".json", False),
            ("Markdown", ".md", False),
        ):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                write_export(
                    Path(folder) / f"trace{suffix}",
                    trace,
                    engine.result,
                    engine.profile,
                    reveal=reveal,
                )
                times.append(time.perf_counter() - t0)
            out[name] = statistics.median(times)
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20, help="engine flows")
    ap.add_argument("--start-runs", type=int, default=9, help="cold starts of each side")
    ap.add_argument("--gui-runs", type=int, default=10, help="Demo flows in the window")
    ap.add_argument("--token-runs", type=int, default=200, help="ID token pairs of runs")
    ap.add_argument("--export-runs", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    start = bench_startup(args.start_runs)
    cold = start["app shown s"] / start["bare shown s"]
    rss = start["app shown rss"] / start["bare shown rss"]
    rss_demo = start["app demo rss"] / start["bare shown rss"]
    rows = [
        ("Cold start to window shown, app ÷ bare", f"{cold:.2f}×", "≤ 1.5×", _met(cold <= 1.5)),
        ("  app (median)", f"{start['app shown s']:.0f} ms", "", ""),
        ("  bare PySide6 window (median)", f"{start['bare shown s']:.0f} ms", "", ""),
        (
            "  the same widgets, plain PySide6, no logic ÷ bare",
            f"{start['widgets shown s'] / start['bare shown s']:.2f}×",
            "",
            "",
        ),
        ("Peak RSS at window shown, app ÷ bare", f"{rss:.2f}×", "≤ 1.5×", _met(rss <= 1.5)),
        ("  app (median)", f"{start['app shown rss']:.1f} MiB", "", ""),
        ("  bare PySide6 window (median)", f"{start['bare shown rss']:.1f} MiB", "", ""),
        ("  app, asyncio loop running after", f"{start['app ready s']:.0f} ms", "", ""),
        ("  app, Demo ready (mock listening) after", f"{start['app demo s']:.0f} ms", "", ""),
        ("  app, Demo ready, peak RSS", f"{start['app demo rss']:.1f} MiB", "", ""),
        ("  app, Demo ready, peak RSS ÷ bare", f"{rss_demo:.2f}×", "", ""),
        (
            "  longest UI-thread stall, first frame to Demo ready",
            f"{start['app stall s']:.0f} ms",
            "",
            "",
        ),
    ]
    stall = bench_gui_stall(args.gui_runs)
    rows += [
        (
            f"Longest UI-thread stall, Demo flow in the window ({stall['beat']:.0f} ms beat)",
            f"{stall['max']:.1f} ms",
            "≤ 16 ms",
            _met(stall["max"] <= 16),
        ),
        ("  p99 gap between beats", f"{stall['p99']:.1f} ms", "", ""),
        ("  longest of a flow (median over flows)", f"{stall['typical']:.1f} ms", "", ""),
        ("  longest, first flow (result pages built)", f"{stall['first']:.1f} ms", "", ""),
    ]
    token = bench_id_token(args.token_runs)
    rows += [
        (
            "Nested JWE ID token decrypt+verify+validate, core ÷ jwcrypto",
            f"{token['ratio']:.2f}×",
            "≥ 0.9×",
            _met(token["ratio"] >= 0.9),
        ),
        ("  core (process_id_token)", f"{token['ours']:.0f} /s", "", ""),
        ("  jwcrypto directly", f"{token['direct']:.0f} /s", "", ""),
    ]
    flow = asyncio.run(bench_flow(args.runs))
    rows += [
        (
            "Demo flow, engine (median)",
            f"{flow['median']:.1f} ms",
            "≤ 150 ms",
            _met(flow["median"] <= 150),
        ),
        ("Demo flow, engine (p90)", f"{flow['p90']:.1f} ms", "", ""),
        (f"floor: {flow['exchanges']} plain GETs to the mock", f"{flow['floor']:.1f} ms", "", ""),
        ("engine ÷ floor", f"{flow['median'] / flow['floor']:.1f}×", "", ""),
    ]
    rows += [(f"  step {k}", f"{v:.1f} ms", "", "") for k, v in flow["steps"].items()]
    exports = bench_export(args.export_runs)
    for name, seconds in exports.items():
        target, met = ("≤ 1 s", _met(seconds <= 1.0)) if name == "HAR" else ("", "")
        rows.append((f"{name} export, 10,000 exchanges (median)", f"{seconds:.2f} s", target, met))
    header = ("measure", "value", "target", "")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    lines = [
        " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    ]
    lines.insert(1, "-|-".join("-" * w for w in widths))
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        doc = ROOT / "docs" / "benchmarks.md"
        doc.parent.mkdir(exist_ok=True)
        command = (
            f"python scripts/bench.py --runs {args.runs} --start-runs {args.start_runs} "
            f"--gui-runs {args.gui_runs} --token-runs {args.token_runs}"
        )
        doc.write_text(
            "# Benchmarks\n\n"
            f"`{command}` on {platform.machine()} ({os.cpu_count()} cores), "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}, Qt offscreen.\n\n"
            + "\n".join("| " + line + " |" for line in lines)
            + "\n\n"
            + NOTES
        )
    return 0


NOTES = """\
How each figure is measured: the docstring of `scripts/bench.py`.

Start-up. The window is built and painted before asyncio, qasync, jwcrypto, cryptography,
httpx, the engine, the exports and the mock provider are imported: the asyncio loop starts
right after the first frame, then the Demo's mock provider (its keys made on a worker thread)
and, on another worker thread, the engine with its TLS contexts, so that the first Start waits
for none of them. The editor's tabs, the inspector's pages and the application icon come
after the first frame too (on a first start the editor says the Demo is starting). What the
first frame still costs beyond the bare window, which paints an empty QMainWindow with no
widget and no text: the window's own widgets (the row "the same widgets, plain PySide6":
PySide6 materialises the `Qt` namespace and the enums of each class on first use, with
Python 3.11's Enum, `Qt.Key` alone has 471 members), then our modules: about 10 ms of
dataclasses (22 records: profile, report, trace, catalogue, whose methods dataclass generates
and compiles at import), about 10 ms of the rest of their code, and the logic that fills the
window. PySide6's import hook, which read the source of every module imported after it
(PYSIDE-2029), no longer does (`itsme_debugger.ui`). Peak RSS at the first frame no longer
holds asyncio, OpenSSL, cryptography, httpx and the CA bundle. After the first frame asyncio
loads on a worker thread and the editor's tabs are built one per turn of the event loop, so
the longest the window waits is the first construction of one tab or the Demo's profile
loaded into them (about 20-30 ms).

UI stall. The longest stalls left come at the end of a flow: the ID token page shown (about
4 ms: its tables keep the row heights and column widths Qt gave for rows they showed before,
and the HTTP exchange is drawn only when its tab is shown), then laid out and painted (about
5 ms). The first flow builds the result pages (in the app, while the user is in the browser)
and is the first to sign and decrypt with its keys.

ID token. The core reads the nested JWE with jwcrypto's JWE and JWS objects, which share one
header registry (jwcrypto's constructors deep-copy it, about 30 µs each, and only read it):
without that the core's work around jwcrypto leaves it at about 0.89× jwcrypto's own path.
"""


if __name__ == "__main__":
    raise SystemExit(main())
