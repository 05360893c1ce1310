"""Render the app icon ``resources/icons/app.svg`` to ``resources/icons/app-<N>.png``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/app_icons.py

The PNGs are committed (desktop entries, installers and window systems that do not read SVG
use them); run this again after changing ``app.svg``. The pixels come from the app's own
:func:`itsme_debugger.ui.icons.app_icon`, so the window icon and the files are the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ROOT / "resources" / "icons" / f"app-{size}.png"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    from itsme_debugger.ui.icons import app_icon

    app = QApplication.instance() or QApplication([])
    icon = app_icon()
    for size in SIZES:
        image = icon.pixmap(QSize(size, size)).toImage()
        if image.size() != QSize(size, size) or not image.save(str(png_path(size)), "PNG"):
            print(f"could not write {png_path(size)}", file=sys.stderr)
            return 1
        print(png_path(size).relative_to(ROOT))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
