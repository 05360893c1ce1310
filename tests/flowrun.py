"""Running ``itsme-debugger`` as a user does, for the tests that drive it as a subprocess.

- :func:`run_cli` runs ``python -m itsme_debugger ARGS`` and measures it: exit code, output,
  wall time, and the peak resident memory of that process (``os.wait4`` gives the rusage of
  exactly this child, so concurrent runs do not blur each other's figures).
- :func:`run_flow` is ``itsme-debugger flow PROFILE --json --open-with CMD --timeout S`` with
  the JSON report parsed into a :class:`FlowRun`.
- :class:`ThreadedLoop` runs an asyncio loop in a thread, so that a test (or a pool of them)
  can keep providers serving while it waits for subprocesses.
- :func:`free_port` picks a loopback port nobody listens on right now.
- :func:`port_is_free`, :func:`stay_put` (an opener for a user who never comes back) and
  :func:`cancel_while_waiting` (cancel an engine's run at the browser and check what it leaves),
  for the in-process flow tests and the GUI's.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class FlowRun:
    """One finished run of the command line."""

    code: int
    report: dict[str, Any]
    stderr: str
    stdout: str = ""
    #: Wall time from start to exit, in seconds.
    seconds: float = 0.0
    #: Peak resident set size of the process, in bytes.
    max_rss: int = 0
    #: True when the run had to be killed after its hard time limit.
    killed: bool = False
    argv: list[str] = field(default_factory=list)

    def finding_ids(self) -> list[str]:
        return [f["id"] for f in self.report.get("findings", [])]

    def error_ids(self) -> list[str]:
        return [f["id"] for f in self.report.get("findings", []) if f["severity"] == "error"]

    def step(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["steps"] if s["name"] == name)

    @property
    def error_code(self) -> str | None:
        error = self.report.get("error") or {}
        code = error.get("code")
        return str(code) if code is not None else None


def run_cli(
    args: list[str],
    *,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> FlowRun:
    """Run ``python -m itsme_debugger ARGS``; kill it after ``timeout`` seconds."""
    argv = [sys.executable, "-m", "itsme_debugger", *args]
    environ = dict(os.environ if env is None else env)
    environ["ITSME_DEBUGGER_DEBUG"] = ""
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if stdin is not None and proc.stdin is not None:
        with proc.stdin:
            proc.stdin.write(stdin.encode())
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        # wait4, not wait(): it returns the resource usage of exactly this child.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    for reader in readers:
        reader.join(10)
    stdout = b"".join(out).decode("utf-8", "replace")
    stderr = b"".join(err).decode("utf-8", "replace")
    try:
        report = json.loads(stdout) if stdout.strip().startswith("{") else {}
    except ValueError:
        report = {}
    return FlowRun(
        code=proc.returncode,
        report=report,
        stderr=stderr,
        stdout=stdout,
        seconds=seconds,
        max_rss=usage.ru_maxrss * 1024,  # kilobytes on Linux
        killed=killed.is_set(),
        argv=argv,
    )


def _drain(stream: Any, sink: list[bytes]) -> None:
    with stream:
        for chunk in iter(lambda: stream.read(65536), b""):
            sink.append(chunk)


def run_flow(
    profile: Path, *args: str, open_with: str, timeout: float = 30, hard_limit: float = 60
) -> FlowRun:
    """``itsme-debugger flow PROFILE --json --open-with OPEN_WITH --timeout TIMEOUT ARGS``.

    ``timeout`` is the flow's own wait for the browser; the process is killed after
    ``timeout + hard_limit`` seconds. A traceback on stderr fails the calling test.
    """
    run = run_cli(
        [
            "flow",
            str(profile),
            "--json",
            "--open-with",
            open_with,
            "--timeout",
            str(timeout),
            *args,
        ],
        timeout=timeout + hard_limit,
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run


class ThreadedLoop:
    """An asyncio event loop running in a daemon thread; :meth:`call` runs a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


def free_port() -> int:
    """A loopback port that is free right now (it may be taken by the time it is used)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def cancel_while_waiting(
    task: asyncio.Task[Any], engine: Any, port: int, next_step: str
) -> None:
    """Cancel a flow engine's run that waits for the browser; check what that leaves: the
    loopback port freed, the callback step cancelled, ``next_step`` skipped, exit code 130."""
    assert not port_is_free(port)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the run went on after it was cancelled")
    assert port_is_free(port)
    assert engine.result.steps["callback"].status == "cancelled"
    assert engine.result.steps[next_step].status == "skipped"
    assert engine.result.exit_code == 130


async def stay_put(_url: str) -> None:
    """An opener for a user who never comes back from the browser."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
