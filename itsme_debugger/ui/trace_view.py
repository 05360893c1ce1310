"""The TRACE timeline: every HTTP exchange of the flow, in order.

:class:`TraceModel` wraps a :class:`~itsme_debugger.core.trace.Trace` and follows it through
``Trace.subscribe``: an added exchange becomes a new row, a replaced one an updated row.
URLs are shown decoded, their secret parameters masked (``core.report.mask_url``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote_plus

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QLabel, QMenu, QTableView, QVBoxLayout, QWidget

from itsme_debugger.core.report import STEP_LABELS, mask_url
from itsme_debugger.core.trace import Exchange, Trace

from . import icons
from .widgets import tidy_table

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("#", "Step", "Method", "URL", "Status", "ms")


def shown_url(url: str) -> str:
    """The URL to read in a list: secret parameters masked, percent-escapes decoded."""
    return unquote_plus(mask_url(url))


def status_text(ex: Exchange) -> str:
    if ex.error:
        return f"failed: {ex.error}"
    if ex.response is not None:
        return str(ex.response.status)
    return "browser" if ex.kind == "browser" else "…"


def failed(ex: Exchange) -> bool:
    return bool(ex.error) or (ex.response is not None and ex.response.status >= 400)


class TraceModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._trace: Trace | None = None
        self._rows = 0
        self._unsubscribe: Callable[[], None] | None = None

    def set_trace(self, trace: Trace | None) -> None:
        """Show ``trace`` (and follow it); None shows nothing."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.beginResetModel()
        self._trace = trace
        self._rows = len(trace) if trace is not None else 0
        self.endResetModel()
        if trace is not None:
            self._unsubscribe = trace.subscribe(self._changed)

    def exchange(self, row: int) -> Exchange:
        assert self._trace is not None
        return self._trace[row]

    def _changed(self, ex: Exchange) -> None:
        if self._trace is None:
            return
        if ex.index < self._rows:
            self.dataChanged.emit(self.index(ex.index, 0), self.index(ex.index, len(COLUMNS) - 1))
            return
        self.beginInsertRows(QModelIndex(), self._rows, len(self._trace) - 1)
        self._rows = len(self._trace)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._trace is None or not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        ex = self._trace[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(ex.index + 1)
            if col == 1:
                return STEP_LABELS.get(ex.step, ex.step)
            if col == 2:
                return ex.request.method
            if col == 3:
                return shown_url(ex.request.url)
            if col == 4:
                return status_text(ex)
            return f"{ex.elapsed_ms:.0f}" if ex.kind == "http" and ex.response else ""
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            url = shown_url(ex.request.url)
            return f"{url}\n{ex.note}" if ex.note else url
        if role == Qt.ItemDataRole.DecorationRole and col == 4 and failed(ex):
            return icons.status_icon("error")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None


class TraceView(QWidget):
    """The pane: a title, a line that names an imported trace, the timeline table with a
    context menu for its rows (:meth:`set_row_actions`)."""

    exchangeSelected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TraceModel(self)
        title = QLabel("TRACE")
        title.setObjectName("paneTitle")
        self.table = QTableView()
        self.table.setModel(self.model)
        tidy_table(self.table)
        self.table.setWordWrap(False)
        # The table gives up its height first: the waiting banner that comes and goes above it
        # takes it from the timeline, not from the editor beside it (which would be laid out
        # and painted again, whole, twice a flow).
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height() * 2)
        header = self.table.horizontalHeader()
        for col, width in enumerate((32, 80, 64, 300, 70, 50)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.model.rowsInserted.connect(lambda *_: self.table.scrollToBottom())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.row_menu = QMenu(self.table)
        self.row_menu.setToolTipsVisible(True)
        self.source = QLabel()
        self.source.setObjectName("traceSource")
        self.source.setWordWrap(True)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source.setStyleSheet(
            "QLabel#traceSource { background: palette(alternate-base);"
            " border: 1px solid palette(mid); border-radius: 3px; padding: 3px 6px; }"
        )
        self.source.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.source)
        layout.addWidget(self.table)

    def set_row_actions(self, actions: Sequence[QAction]) -> None:
        """The actions of a row's context menu (they act on the current row)."""
        self.row_menu.clear()
        self.row_menu.addActions(list(actions))

    def show_source(self, text: str | None) -> None:
        """Say where the rows come from (an imported file); None: the running or last flow."""
        self.source.setText(text or "")
        self.source.setVisible(bool(text))

    def current_exchange(self) -> Exchange | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not 0 <= index.row() < self.model.rowCount():
            return None
        return self.model.exchange(index.row())

    def clear_selection(self) -> None:
        """Forget the current row, so that clicking it again shows it again."""
        self.table.selectionModel().clearCurrentIndex()
        self.table.clearSelection()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        if index.row() != self.table.currentIndex().row():
            self.table.selectRow(index.row())
        self.row_menu.popup(self.table.viewport().mapToGlobal(pos))

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.exchangeSelected.emit(self.model.exchange(current.row()))
