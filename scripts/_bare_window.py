"""The floor of ``scripts/bench.py``: a bare PySide6 window (QApplication + QMainWindow, shown),
timed to its first painted frame by the same probe as the app, then closed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QMainWindow

from itsme_debugger.ui import startup


def until_shown(app: QApplication, window: QMainWindow) -> int:
    """Show ``window``, report its first frame through the app's probe, close it."""

    def shown() -> None:
        startup.report("shown")
        window.close()

    startup.on_first_frame(window, shown)
    window.show()
    return app.exec()


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1400, 900)
    return until_shown(app, window)


if __name__ == "__main__":
    raise SystemExit(main())
