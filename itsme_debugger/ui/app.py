"""Start the desktop app: QApplication, the palette, the main window, then the qasync loop.

asyncio runs on the Qt event loop (qasync), so the flow engine's network work never blocks the
window. The window comes first: it is built and painted before asyncio, qasync, jwcrypto or
httpx are imported (none of them is needed to show it); the asyncio loop starts right after
the first frame, and the Demo's mock provider after it. Closing the window cancels a running
flow (freeing its port) and closes the Demo's mock provider before the loop ends.
"""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from itsme_debugger import __version__

from . import icons, startup
from .main_window import MainWindow
from .profile_store import ProfileStore

APP_NAME = "itsme-debugger"
#: The reverse-DNS id of packaging/<id>.desktop and <id>.metainfo.xml (Wayland matches on it).
DESKTOP_ID = "be.itsme_debugger.ItsmeDebugger"
GC_INTERVAL_MS = 1000


class MainThreadGarbageCollector(QObject):
    """Cyclic garbage collection on the UI thread only (as qutebrowser does).

    Left to itself, the collector runs in whichever thread allocates, also in the workers of
    ``asyncio.to_thread``; a Qt object it frees there while Qt runs timers crashes the app.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(GC_INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as gc would."""
        counts = zip(gc.get_count(), gc.get_threshold(), strict=True)
        due = [generation for generation, (n, limit) in enumerate(counts) if n > limit]
        if due:
            gc.collect(due[-1])


def no_display() -> str | None:
    """Why Qt could not open a window here (Qt would abort the process), or None."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display: set DISPLAY or WAYLAND_DISPLAY to open the window; the command line "
        "works without one (itsme-debugger --help)"
    )


def make_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_ID)  # the window's icon comes after its first frame
    follow_color_scheme(app)
    MainThreadGarbageCollector(app)
    return app


def follow_color_scheme(app: QApplication) -> None:
    """Use the system's light or dark scheme, also where the platform style does not
    (the icons are painted in the palette of the moment, see :mod:`.icons`)."""

    def apply() -> None:
        dark = app.styleHints().colorScheme() == Qt.ColorScheme.Dark
        if dark != icons.is_dark(app.palette()):
            app.setStyle("Fusion")
            app.setPalette(dark_palette() if dark else app.style().standardPalette())

    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply())
    apply()


def dark_palette() -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#202124"),
        (role.WindowText, "#e8eaed"),
        (role.Base, "#17181a"),
        (role.AlternateBase, "#26282b"),
        (role.ToolTipBase, "#303134"),
        (role.ToolTipText, "#e8eaed"),
        (role.Text, "#e8eaed"),
        (role.PlaceholderText, "#9aa0a6"),
        (role.Button, "#2d2f33"),
        (role.ButtonText, "#e8eaed"),
        (role.BrightText, "#ff8a80"),
        (role.Highlight, "#3d6fd6"),
        (role.HighlightedText, "#ffffff"),
        (role.Link, "#8ab4f8"),
        (role.Mid, "#5f6368"),
    ):
        pal.setColor(r, QColor(colour))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor("#80868b"))
    return pal


async def _main(window: MainWindow, watch: startup.StallWatch | None = None) -> int:
    import asyncio
    import contextlib
    import signal

    closed = asyncio.Event()
    window.closed.connect(closed.set)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Ctrl-C in the terminal closes the window the ordinary way (not on Windows).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, window.close)
    probe = startup.probe_mode()
    if probe:
        startup.report("ready")
    if window.isVisible():
        window.loop_started()
        if probe == "demo":
            _probe_demo(window, watch)
        await closed.wait()
    await window.controller.aclose()
    return 0


def _probe_demo(window: MainWindow, watch: startup.StallWatch | None) -> None:
    """For the benchmark: report once the Demo's mock provider listens and the window has
    taken its profile in (``demoReady`` is handled before the task ends), and, once that is
    painted, the longest stall since the first frame; then close."""

    def stalls() -> None:
        print(f"probe-stall {watch.longest_ms if watch is not None else 0.0:.1f}", flush=True)
        window.close()

    def demo_ready(_task: object) -> None:
        startup.report("demo")
        QTimer.singleShot(100, stalls)

    window.controller.prepare_demo().add_done_callback(demo_ready)


def run(argv: list[str] | None = None) -> int:
    """Run the app until its window closes; the exit code."""
    problem = no_display()
    if problem is not None:
        print(f"{APP_NAME}: {problem}", file=sys.stderr)
        return 2
    app = make_application([sys.argv[0], *(argv or [])])
    app.setQuitOnLastWindowClosed(False)  # the loop ends when _main has cleaned up
    window = MainWindow(ProfileStore.default())
    window.show()
    startup.until_first_frame(window)
    watch = None
    if startup.probe_mode():
        startup.report("shown")
        if startup.probe_mode() == "shown":
            window.close()
        if startup.probe_mode() == "demo":
            watch = startup.StallWatch(parent=window)
            watch.start()
    startup.import_in_background("asyncio")  # the window answers meanwhile
    import asyncio

    import qasync  # it makes Qt classes: on the UI thread

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        code: int = loop.run_until_complete(_main(window, watch))
    finally:
        loop.close()
    return code
