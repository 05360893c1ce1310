"""The hostile-provider suite: one case per test, each run through ``itsme-debugger flow``.

A test declares its case with :func:`case` and receives the :class:`Outcome` (the flow runs
and the provider's record of what the debugger did) through the ``outcome`` fixture. Every
flow is a process of its own running the command line's ``main`` with the user's argv, forked
from a :class:`~.zygote.Zygote` that has imported it once (a cold start costs more than the
flow). The session runs the cases of all selected tests up front, several at a time
(:class:`Lab`), and each test then checks its own outcome; running one test alone runs only
its case. ``HOSTILE_TIMES=1 pytest -s tests/hostile`` prints each case's time and memory.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.flowrun import FlowRun, ThreadedLoop

from .provider import CLIENT_ID, CLIENT_SECRET, Case, HostileProvider, Keys
from .zygote import Zygote

HERE = Path(__file__).resolve().parent
#: ``--open-with``: a stdlib-only browser that follows the provider's redirect.
BROWSER = shlex.join([sys.executable, "-I", "-S", str(HERE / "browser.py")])
#: Peak memory any flow may use, whatever the provider sends.
MAX_RSS = 300 * 1024 * 1024
#: Wall time any flow may take (its own timeouts are 2 s per request and 10 s for the browser).
MAX_SECONDS = 15.0

F = TypeVar("F", bound=Callable[..., Any])


def case(**hooks: Any) -> Callable[[F], F]:
    """Declare the hostile case of a test: :class:`Case` fields, named after the test."""

    def mark(test: F) -> F:
        module = test.__module__.rsplit(".", 1)[-1].removeprefix("test_")
        name = f"{module}-{test.__name__.removeprefix('test_')}"
        test.hostile_case = Case(name=name, **hooks)  # type: ignore[attr-defined]
        return test

    return mark


@dataclass
class Outcome:
    """The flows of one case and what the provider saw."""

    case: Case
    op: HostileProvider
    runs: list[FlowRun]

    @property
    def run(self) -> FlowRun:
        return self.runs[-1]

    @property
    def calls(self) -> dict[str, int]:
        return dict(self.op.seen.calls)

    def explain(self) -> str:
        run = self.run
        return (
            f"exit {run.code}; errors {run.error_ids()}; all {run.finding_ids()}; "
            f"error {run.report.get('error')}; calls {self.calls}; "
            f"refusals {self.op.seen.refusals}; stderr {run.stderr[-2000:]}"
        )

    def assert_bounded(self) -> FlowRun:
        """Every flow ended by itself, in bounded time and memory, without a crash; the last."""
        for run in self.runs:
            assert not run.killed, f"killed after its hard limit: {self.explain()}"
            assert "internal error" not in run.stderr, self.explain()
            assert run.seconds < MAX_SECONDS, f"{run.seconds:.1f} s: {self.explain()}"
            assert run.max_rss < MAX_RSS, f"{run.max_rss / 2**20:.0f} MB: {self.explain()}"
        return self.run

    def accepted(self) -> FlowRun:
        """Each flow exits 0: no error-level finding (warnings are allowed)."""
        self.assert_bounded()
        for run in self.runs:
            assert run.code == 0 and not run.error_ids(), self.explain()
        return self.run

    def rejected(self, finding: str) -> FlowRun:
        """Exit 1, with ``finding`` among the error-level findings."""
        self.assert_bounded()
        assert self.run.code == 1, self.explain()
        assert finding in self.run.error_ids(), self.explain()
        return self.run

    def failed(self, code: str) -> FlowRun:
        """Exit 3 (the provider failed the flow): ``code`` is the error's or a finding's id."""
        self.assert_bounded()
        assert self.run.code == 3, self.explain()
        assert code in [self.run.error_code, *self.run.finding_ids()], self.explain()
        return self.run


class Lab:
    """Runs cases: a provider per case on one shared event loop, the flows as subprocesses."""

    def __init__(self, keys: Keys, workdir: Path) -> None:
        self.keys = keys
        self.workdir = workdir
        self.loop = ThreadedLoop()
        runs = workdir / "runs"
        runs.mkdir()
        self.zygote = Zygote(runs)
        self.keys_path = workdir / "client.private.jwks.json"
        fd = os.open(self.keys_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(keys.client_private_jwks(), fh)
        self._outcomes: dict[str, Outcome] = {}

    def close(self) -> None:
        self.zygote.close()
        self.loop.close()

    def prefetch(self, cases: list[Case]) -> None:
        todo = [c for c in cases if c.name not in self._outcomes]
        # Most of a flow is waiting (for the provider, the browser, a timeout): more flows
        # than cores keep the cores busy.
        workers = 3 * (os.cpu_count() or 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for outcome in pool.map(self._run_case, todo):
                self._outcomes[outcome.case.name] = outcome
        if os.environ.get("HOSTILE_TIMES"):
            for o in sorted(self._outcomes.values(), key=lambda o: -sum(r.seconds for r in o.runs)):
                secs = sum(r.seconds for r in o.runs)
                steps = " ".join(
                    f"{s['name'][:5]}={s['duration_ms'] or 0:.0f}"
                    for s in o.run.report.get("steps", [])
                )
                print(
                    f"{secs:6.2f} s {o.run.max_rss / 2**20:5.0f} MB {o.case.name} {steps}",
                    file=sys.stderr,
                )

    def outcome(self, case: Case) -> Outcome:
        if case.name not in self._outcomes:
            self._outcomes[case.name] = self._run_case(case)
        return self._outcomes[case.name]

    def profile(self, op: HostileProvider, case: Case) -> Path:
        path = self.workdir / f"{case.name}.toml"
        path.write_text(
            f"""name = "hostile {case.name}"
[provider]
issuer = "{op.issuer}"
variant = "generic"
[client]
client_id = "{CLIENT_ID}"
auth_method = "{case.auth_method}"
client_secret = "{CLIENT_SECRET}"
keys = "{self.keys_path}"
redirect_uri = "http://127.0.0.1:0/callback"
[request]
scope = "openid profile email"
{case.request}
[flow]
timeout = {case.timeout}
""",
            encoding="utf-8",
        )
        return path

    def _run_case(self, case: Case) -> Outcome:
        op = HostileProvider(case, self.keys)
        self.loop.call(op.start())
        try:
            profile = self.profile(op, case)
            runs = []
            for i in range(case.flows):
                if i and case.between_flows is not None:
                    case.between_flows(op)
                runs.append(
                    self.zygote.run_flow(profile, open_with=BROWSER, timeout=case.browser_timeout)
                )
        finally:
            self.loop.call(op.close())
        return Outcome(case, op, runs)


#: The first test's setup runs every selected case (about 30 s on two busy cores).
SESSION_TIMEOUT = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.timeout(SESSION_TIMEOUT))


@pytest.fixture(scope="session")
def hostile_keys() -> Keys:
    return Keys.generate()


@pytest.fixture(scope="session")
def lab(
    request: pytest.FixtureRequest, hostile_keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lab]:
    lab = Lab(hostile_keys, tmp_path_factory.mktemp("hostile"))
    functions = [getattr(item, "function", None) for item in request.session.items]
    cases = [getattr(f, "hostile_case", None) for f in functions]
    lab.prefetch([c for c in cases if isinstance(c, Case)])
    yield lab
    lab.close()


@pytest.fixture
def outcome(lab: Lab, request: pytest.FixtureRequest) -> Outcome:
    hostile_case = getattr(request.function, "hostile_case", None)
    assert hostile_case is not None, "declare the test's case with @case(...)"
    return lab.outcome(hostile_case)
