"""Icons: the SVG files in ``resources/icons/``, drawn in the palette's or a status's colour.

The SVGs draw with ``currentColor``. Each icon is painted when shown (a ``QIconEngine``), with
the colour of the palette in use at that moment, so icons follow a switch between light and
dark, and disabled actions get the palette's disabled colour; each is drawn once per colour
and size, then reused. Status colours always come with
a word beside them (:data:`STATUS_WORDS`): colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from itsme_debugger._resources import resource

#: The word shown beside each flow-step status and severity.
STATUS_WORDS = {
    "waiting": "waiting",
    "running": "running",
    "ok": "ok",
    "warning": "warning",
    "error": "error",
    "skipped": "skipped",
    "cancelled": "cancelled",
    "info": "info",
}
_LIGHT = {"ok": "#2e7d32", "warning": "#b26a00", "error": "#c62828", "info": "#1565c0"}
_DARK = {"ok": "#81c784", "warning": "#ffb74d", "error": "#ef9a9a", "info": "#90caf9"}
SPINNER_FRAMES = 12

Shade = Callable[[QIcon.Mode], str]


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette if palette is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def status_color(status: str) -> QColor:
    """The colour of a status or severity word; grey for waiting / skipped / cancelled."""
    table = _DARK if is_dark() else _LIGHT
    if status in table:
        return QColor(table[status])
    role = (
        QPalette.ColorRole.Highlight if status == "running" else QPalette.ColorRole.PlaceholderText
    )
    return QApplication.palette().color(role)


@cache
def _renderer(name: str, color: str) -> QSvgRenderer:
    data = resource("icons", f"{name}.svg").read_bytes()
    return QSvgRenderer(QByteArray(data.replace(b"currentColor", color.encode())))


@lru_cache(maxsize=1024)
def _drawn(name: str, color: str, angle: float, width: int, height: int, ratio: float) -> QPixmap:
    """The SVG drawn once per colour, angle and size: views and the running spinner repaint
    icons over and over, and drawing an SVG each time shows in a flow's UI-thread time."""
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    area = QRectF(QRect(QPoint(0, 0), pixmap.size()))
    if angle:
        painter.translate(area.center())
        painter.rotate(angle)
        painter.translate(-area.center())
    _renderer(name, color).render(painter, area)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class _SvgEngine(QIconEngine):
    """Paints ``name`` in the colour ``shade(mode)`` gives at paint time."""

    def __init__(self, name: str, shade: Shade, angle: float = 0.0) -> None:
        super().__init__()
        self._name, self._shade, self._angle = name, shade, angle

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        shade = self._shade(mode)
        painter.drawPixmap(
            rect, _drawn(self._name, shade, self._angle, rect.width(), rect.height(), ratio)
        )

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        shade = self._shade(mode)
        return QPixmap(_drawn(self._name, shade, self._angle, size.width(), size.height(), 1.0))

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._name, self._shade, self._angle)


def _text_shade(mode: QIcon.Mode) -> str:
    group = (
        QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else QPalette.ColorGroup.Active
    )
    return QApplication.palette().color(group, QPalette.ColorRole.Text).name()


def _status_shade(status: str) -> Shade:
    def shade(mode: QIcon.Mode) -> str:
        return _text_shade(mode) if mode == QIcon.Mode.Disabled else status_color(status).name()

    return shade


@cache
def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` in the palette's text colour."""
    return QIcon(_SvgEngine(name, _text_shade))


@cache
def status_icon(status: str) -> QIcon:
    """The icon of a flow-step status or a severity, in its status colour."""
    name = status if status in STATUS_WORDS else "waiting"
    return QIcon(_SvgEngine(f"status-{name}", _status_shade(name)))


def spinner_icon(frame: int) -> QIcon:
    """One frame of the running animation (:data:`SPINNER_FRAMES` frames per turn)."""
    return _spinner(frame % SPINNER_FRAMES)


@cache
def _spinner(step: int) -> QIcon:
    angle = step * 360.0 / SPINNER_FRAMES
    return QIcon(_SvgEngine("status-running", _status_shade("running"), angle))


@cache
def app_icon() -> QIcon:
    """The application icon (full colour), as pixmaps: window systems ask for set sizes."""
    engine = _SvgEngine("app", lambda _mode: "")
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(engine.pixmap(QSize(size, size), QIcon.Mode.Normal, QIcon.State.Off))
    return icon
