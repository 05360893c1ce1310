"""Start the desktop app (the Qt code lives in itsme_debugger.ui and is imported only here)."""

from __future__ import annotations

import sys


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window and run until it closes; 2 when Qt cannot start here."""
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
