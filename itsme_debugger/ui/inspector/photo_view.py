"""The ID photo: itsme®'s ``physical_person_photo`` ``{format, value}`` rendered as an image.

Seed 003: "format: the MIME type; value: the base64 encoded image ... a 200x140 px, 24 BPP JPEG".
Bad data (not an object, not base64, not an image) shows a clear message, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from itsme_debugger.ui import widgets

_MAX_SHOWN = (400, 400)


class PhotoView(QWidget):
    """An image with a caption (format, size), or a message saying why there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QLabel()
        self._image.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._image.setFrameShape(QFrame.Shape.Box)
        self._image.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._caption = QLabel()
        self._caption.setWordWrap(True)
        self.problem = widgets.SeverityBadge("warning")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._image)
        layout.addWidget(self._caption)
        layout.addWidget(self.problem)
        self.clear()

    def clear(self) -> None:
        self.image = QImage()
        self._image.clear()
        self._image.hide()
        self._caption.clear()
        self.problem.hide()

    def show_claim(self, value: Any) -> None:
        """Render a ``physical_person_photo`` claim value."""
        if not isinstance(value, Mapping):
            self._fail(
                "expected an object {format, value} with a base64 image; got "
                f"{type(value).__name__}"
            )
            return
        fmt, data = value.get("format"), value.get("value")
        if not isinstance(data, str) or not data:
            self._fail("the photo has no base64 value (expected {format, value})")
            return
        try:
            raw = base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            self._fail(f"the photo value is not valid base64 ({exc})")
            return
        self.show_bytes(raw, fmt if isinstance(fmt, str) else "")

    def show_bytes(self, data: bytes, fmt: str) -> None:
        """Render image bytes of MIME type ``fmt`` (the type is a hint; the data decides)."""
        self.clear()
        image = QImage.fromData(data)
        if image.isNull():
            self._fail(
                f"the {len(data)} bytes are not an image Qt can read"
                + (f" (format says {fmt})" if fmt else "")
            )
            return
        self.image = image
        pixmap = QPixmap.fromImage(image)
        if pixmap.width() > _MAX_SHOWN[0] or pixmap.height() > _MAX_SHOWN[1]:
            pixmap = pixmap.scaled(
                *_MAX_SHOWN,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self._image.setPixmap(pixmap)
        self._image.show()
        self._caption.setText(
            f"{fmt or 'image'}, {image.width()}×{image.height()} px, {len(data) / 1024:.1f} kB"
        )
        self._caption.show()

    def message(self) -> str:
        return "" if self.problem.isHidden() else self.problem.text()

    def _fail(self, message: str) -> None:
        self.clear()
        self.problem.set_mark("warning", f"No photo: {message}")
        self.problem.show()
