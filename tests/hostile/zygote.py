"""``itsme-debugger`` imported once, then forked for every flow of the hostile suite.

A fresh ``python -m itsme_debugger flow ...`` spends most of its second importing (the parser
alone pulls in the mock provider); a hundred cases would take minutes. The zygote is a process
that imports :mod:`itsme_debugger.cli` once and then, per request, forks a child that runs
``cli.main(argv)`` with stdin on /dev/null and stdout / stderr in files: the same code, argv
and exit code as the command line, in a process of its own, measured the same way as
:func:`tests.flowrun.run_cli` (wall time, and ``wait4``'s peak RSS of exactly that child).

Run as a script it is the zygote: requests come as JSON lines on stdin
(``{"id", "argv", "out", "err", "limit"}``), replies go as JSON lines on stdout
(``{"id", "status", "maxrss", "seconds"}``). A child that outlives ``limit`` seconds is ended
by SIGALRM. :class:`Zygote` is the test side.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from tests.flowrun import FlowRun


class Zygote:
    """Starts the zygote process and runs command lines through it, from any thread."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        env = dict(os.environ, ITSME_DEBUGGER_DEBUG="1")  # a crash shows as a traceback
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hostile.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parents[2],  # the repository: ``tests`` is a package
        )
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[dict[str, Any]]] = {}
        self._next = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            reply = json.loads(line)
            with self._lock:
                future = self._waiting.pop(reply["id"])
            future.set_result(reply)
        with self._lock:  # the zygote died: nobody will answer
            for future in self._waiting.values():
                future.set_exception(RuntimeError("the zygote process ended"))

    def run_cli(self, args: list[str], *, limit: float) -> FlowRun:
        """``itsme-debugger ARGS`` in a forked child; killed after ``limit`` seconds."""
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            self._next += 1
            rid = self._next
            self._waiting[rid] = future
            out, err = self.workdir / f"{rid}.out", self.workdir / f"{rid}.err"
            request = {"id": rid, "argv": args, "out": str(out), "err": str(err), "limit": limit}
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        reply = future.result(limit + 30)
        stdout = out.read_text("utf-8", "replace")
        stderr = err.read_text("utf-8", "replace")
        try:
            report = json.loads(stdout) if stdout.strip().startswith("{") else {}
        except ValueError:
            report = {}
        code = os.waitstatus_to_exitcode(reply["status"])
        return FlowRun(
            code=code,
            report=report,
            stderr=stderr,
            stdout=stdout,
            seconds=reply["seconds"],
            max_rss=reply["maxrss"] * 1024,  # kilobytes on Linux
            killed=code in (-signal.SIGALRM, -signal.SIGKILL),
            argv=["itsme-debugger", *args],
        )

    def run_flow(self, profile: Path, *, open_with: str, timeout: float) -> FlowRun:
        """As :func:`tests.flowrun.run_flow`: ``flow PROFILE --json --open-with --timeout``."""
        args = ["flow", str(profile), "--json", "--open-with", open_with, "--timeout", str(timeout)]
        run = self.run_cli(args, limit=timeout + 30)
        assert "Traceback" not in run.stderr, run.stderr
        return run

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# ---------------------------------------------------------------------------------------------
# The zygote process


def _child(request: dict[str, Any], cli: Any) -> None:
    """In the forked child: become ``itsme-debugger ARGV``; never returns."""
    code = 70
    try:
        signal.alarm(max(1, int(request["limit"])))
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, request["out"]), (2, request["err"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        # Fresh stream objects: the zygote's may hold locks or buffered bytes of its own.
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.argv = ["itsme-debugger", *request["argv"]]
        try:
            code = cli.main(request["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _serve() -> None:
    from itsme_debugger import cli

    cli.build_parser()  # imports everything the parser needs, once
    import itsme_debugger.flow  # noqa: F401  (what ``flow`` runs)

    try:  # the shared TLS context, when the tree has one: built once, as the imports are
        from itsme_debugger.net.tls import tls_context
    except ImportError:
        pass
    else:
        tls_context(False)
        tls_context(True)

    replies = os.dup(1)
    requests = sys.stdin.buffer
    started: dict[int, tuple[int, float]] = {}
    pending = b""
    open_ = True
    while open_ or started:
        ready, _, _ = select.select([requests] if open_ else [], [], [], 0.005)
        if ready:
            chunk = os.read(requests.fileno(), 65536)
            if not chunk:
                open_ = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    os.close(replies)
                    _child(request, cli)
                started[pid] = (request["id"], time.monotonic())
        while started:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            rid, t0 = started.pop(pid)
            reply = {
                "id": rid,
                "status": status,
                "maxrss": usage.ru_maxrss,
                "seconds": time.monotonic() - t0,
            }
            os.write(replies, json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    _serve()
