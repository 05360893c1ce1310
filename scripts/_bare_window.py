"""The floor of ``scripts/bench.py``: a bare PySide6 window (QApplication + QMainWindow, shown),
timed to its first painted frame by the same probe as the app, then closed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QMainWindow

from itsme_debugger.ui import startup


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1400, 900)

    def shown() -> None:
        startup.report("shown")
        window.close()

    startup.on_first_frame(window, shown)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
