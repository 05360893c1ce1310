"""Start the desktop app (the Qt code lives in itsme_debugger.ui and is imported only here)."""

from __future__ import annotations

import importlib
import sys

#: Pure-Python modules the window needs, imported before Qt. Once PySide6 is loaded, it reads
#: the source of every module imported after it, looking for "PySide6" (PYSIDE-2029's feature
#: switch): for cryptography and jwcrypto that is tens of milliseconds of start-up and megabytes
#: of source text kept in memory. (The core never imports Qt, an import-linter contract.)
BEFORE_QT = ("itsme_debugger.core.jose", "itsme_debugger.core.profile", "itsme_debugger.keyfiles")


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window and run until it closes; 2 when Qt cannot start here."""
    for name in BEFORE_QT:
        importlib.import_module(name)
    try:
        from .ui.app import run
    except ImportError as exc:  # Qt or one of its system libraries is missing
        print(
            f"itsme-debugger: the desktop app cannot start ({exc}); the command line works "
            "without it (itsme-debugger --help)",
            file=sys.stderr,
        )
        return 2
    return run(argv)
