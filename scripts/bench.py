"""Benchmarks: measured side by side in one run, printed as a table, written to docs/benchmarks.md.

    .venv/bin/python scripts/bench.py [--runs N] [--no-write]

Not a test: figures depend on the machine; the targets are what we hold ourselves to.

- flow: the whole Demo flow (discovery, authorization with a signed+encrypted request object,
  loopback capture, token with private_key_jwt, nested-JWE ID token, UserInfo) run by the engine
  against the in-process mock, no human in the loop; median and p90 per step. Target: median
  <= 150 ms. Beside it, the floor: the same number of plain HTTP round trips to the same mock
  with httpx alone, so the ratio shows what the engine and the crypto add.
- export: a 10,000-exchange trace (the Demo flow's exchanges over and over, with its report)
  written by ``write_export`` as HAR, JSON and Markdown, masked (the default) and, for HAR,
  unmasked; median of ``--export-runs``. Target: HAR <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--export-runs", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    flow = asyncio.run(bench_flow(args.runs))
    rows = [
        (
            "Demo flow, engine (median)",
            f"{flow['median']:.1f} ms",
            "≤ 150 ms",
            "met" if flow["median"] <= 150 else "MISSED",
        ),
        ("Demo flow, engine (p90)", f"{flow['p90']:.1f} ms", "", ""),
        (f"floor: {flow['exchanges']} plain GETs to the mock", f"{flow['floor']:.1f} ms", "", ""),
        ("engine ÷ floor", f"{flow['median'] / flow['floor']:.1f}×", "", ""),
    ]
    rows += [(f"  step {k}", f"{v:.1f} ms", "", "") for k, v in flow["steps"].items()]
    exports = bench_export(args.export_runs)
    for name, seconds in exports.items():
        target, met = (
            ("≤ 1 s", "met" if seconds <= 1.0 else "MISSED") if name == "HAR" else ("", "")
        )
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
        doc.write_text(
            "# Benchmarks\n\n"
            f"`python scripts/bench.py --runs {args.runs}` on {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}.\n\n"
            + "\n".join("| " + line.replace(" | ", " | ") + " |" for line in lines)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
