"""Start-up: work deferred to after the window's first frame, and the benchmark's probe.

:func:`on_first_frame` runs a callable once a window has painted its first frame: what the
window does not need to appear (the Demo's mock provider) waits for it.
:func:`until_first_frame` runs Qt's event loop until then (before the asyncio loop exists);
:func:`import_in_background` loads pure-Python modules on a worker thread meanwhile, and
:func:`asyncio_running` tells code that may run before it whether it can start tasks.
:class:`StallWatch` measures the longest the UI thread was held up (for the probe).

The probe, for ``scripts/bench.py``, is off unless ``ITSME_DEBUGGER_PROBE`` is set.
``ITSME_DEBUGGER_PROBE=shown``: at the main window's first frame the app prints
``probe shown <monotonic seconds> <peak RSS KiB>`` on stdout and closes the window.
``ITSME_DEBUGGER_PROBE=demo``: the same line, then ``probe ready ...`` once the asyncio loop
runs, then, once the Demo's mock provider listens and its profile is in the editor,
``probe demo ...``, then, a moment later (its first frame painted), ``probe-stall <ms>``: the
longest the UI thread was held up since the first frame; then it closes. The bare window of
the benchmark reports through the same functions, so both sides are timed alike. This module
imports nothing but QtCore.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer

PROBE_ENV = "ITSME_DEBUGGER_PROBE"
PROBE_MODES = ("shown", "demo")


class _FirstFrame(QObject):
    def __init__(self, window: QObject, then: Callable[[], object]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # the window paints first, its children after it: go on once the frame is done
            QTimer.singleShot(0, self._then)
            self.deleteLater()
        return False


def on_first_frame(window: QObject, then: Callable[[], object]) -> None:
    """Call ``then`` once the first frame of ``window`` has been painted."""
    _FirstFrame(window, then)


def until_first_frame(window: QObject, limit_ms: int = 2000) -> None:
    """Run Qt's event loop until ``window`` (shown) has painted its first frame, at most
    ``limit_ms`` (a window manager may keep a window unmapped)."""
    loop = QEventLoop()
    limit = QTimer(loop)
    limit.setSingleShot(True)
    limit.timeout.connect(loop.quit)
    limit.start(limit_ms)
    on_first_frame(window, loop.quit)
    loop.exec()
    limit.stop()


def import_in_background(*names: str, beat_ms: int = 2) -> None:
    """Import the pure-Python modules ``names`` on a worker thread while Qt's event loop keeps
    the window answering (the first frame is up, the asyncio loop is not yet); re-raises what
    the import raised. Only for modules that make no Qt object: they load off the UI thread."""
    import importlib
    import threading

    failure: list[BaseException] = []

    def load() -> None:
        try:
            for name in names:
                importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=load, name="import", daemon=True)
    worker.start()
    loop = QEventLoop()
    poll = QTimer(loop)
    poll.setInterval(beat_ms)

    def check() -> None:
        if not worker.is_alive():
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    worker.join()
    if failure:
        raise failure[0]


def asyncio_running() -> bool:
    """Whether an asyncio loop runs now (asyncio is not imported to find out)."""
    aio = sys.modules.get("asyncio")
    if aio is None:
        return False
    try:
        aio.get_running_loop()
    except RuntimeError:
        return False
    return True


def probe_mode() -> str:
    """``shown``, ``demo`` or "" (the probe is off)."""
    value = os.environ.get(PROBE_ENV, "")
    return value if value in PROBE_MODES else ""


def peak_rss_kib() -> int:
    """This process's peak resident set size so far (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes


def report(label: str) -> None:
    """One probe line on stdout (see the module docstring)."""
    print(f"probe {label} {time.monotonic():.6f} {peak_rss_kib()}", flush=True)


class StallWatch(QObject):
    """The longest gap between two beats of a ``beat_ms`` timer on the UI thread: how long
    the window could not answer, at worst, since :meth:`start`."""

    def __init__(self, beat_ms: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(beat_ms)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self.longest_ms = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.longest_ms = max(self.longest_ms, (now - self._last) * 1000)
        self._last = now
