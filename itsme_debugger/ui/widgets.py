"""Small widgets shared by the panes: severity badges, a findings table, a JSON tree with copy,
a key/value table, and the wording of times and check marks.

Colour never carries meaning alone: every severity shows an icon and a word. Icons and
colours are ``ui.icons``' status icons.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.findings import Finding
from itsme_debugger.ui import icons

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
RowT = TypeVar("RowT")

# ---------------------------------------------------------------------------------------------
# Marks: severities and checks, each an icon with a word

#: mark -> (status icon of ``ui.icons``, word)
_MARKS: dict[str, tuple[str, str]] = {
    "error": ("error", "Error"),
    "warning": ("warning", "Warning"),
    "info": ("info", "Info"),
    "ok": ("ok", "OK"),
    "na": ("skipped", "n/a"),
}


def mark_word(mark: str) -> str:
    """The word shown beside a mark's icon: "Error", "Warning", "Info", "OK", "n/a"."""
    return _MARKS[mark][1]


def mark_color(mark: str) -> QColor:
    """The mark's colour for the current palette (light or dark)."""
    return icons.status_color(_MARKS[mark][0])


def mark_icon(mark: str) -> QIcon:
    """The icon of ``mark`` ("error", "warning", "info", "ok", "na"), in its colour."""
    return icons.status_icon(_MARKS[mark][0])


def check_mark(ok: bool | None) -> str:
    """A checklist entry: True passed ("ok"), False failed ("error"), None not applicable."""
    return "na" if ok is None else "ok" if ok else "error"


CHECK_WORDS = {"ok": "passed", "error": "failed", "na": "not applicable"}
CHECK_SYMBOLS = {"ok": "✓", "error": "✗", "na": "–"}


class SeverityBadge(QWidget):
    """An icon and a word ("⚠ Warning"), optionally followed by a text."""

    def __init__(
        self,
        mark: str = "info",
        text: str = "",
        parent: QWidget | None = None,
        *,
        word: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._icon = QLabel()
        self._word = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._word, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._text, 1)
        self.set_mark(mark, text, word)

    def set_mark(self, mark: str, text: str = "", word: str | None = None) -> None:
        self._mark = mark
        self._icon.setPixmap(mark_icon(mark).pixmap(16, 16))
        self._word.setText(f"<b>{word or mark_word(mark)}</b>")
        self._word.setStyleSheet(f"color: {mark_color(mark).name()};")
        self._text.setText(text)
        self._text.setVisible(bool(text))

    def mark(self) -> str:
        return self._mark

    def word(self) -> str:
        return self._word.text().removeprefix("<b>").removesuffix("</b>")

    def text(self) -> str:
        return self._text.text()


# ---------------------------------------------------------------------------------------------
# Times


def local_time(ts: float) -> str:
    """Seconds since the epoch as local time, "2024-05-01 14:03:22 CEST"."""
    try:
        return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    except (OverflowError, ValueError, OSError):
        return "not a representable date"


def relative_time(ts: float, now: float | None = None) -> str:
    """How far ``ts`` is from now, in words: "in 4 min", "3 h ago", "now"."""
    delta = ts - (time.time() if now is None else now)
    s = abs(delta)
    if s < 5:
        return "now"
    if s < 60:
        text = f"{int(s)} s"
    elif s < 3600:
        text = f"{int(s // 60)} min"
    elif s < 86400:
        text = f"{int(s // 3600)} h"
    elif s < 86400 * 365:
        text = f"{int(s // 86400)} d"
    else:
        text = f"{int(s // (86400 * 365))} y"
    return f"in {text}" if delta > 0 else f"{text} ago"


def iso_time(text: str, now: float | None = None) -> str:
    """An ISO 8601 date-time with a zone ("2023-04-12T15:02:23Z") as local time and relative to
    now; "" for anything else (a date alone, no zone, not a date)."""
    if len(text) < 11 or text[4:5] != "-" or "T" not in text:
        return ""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if parsed.tzinfo is None:
        return ""
    ts = parsed.timestamp()
    return f"{local_time(ts)} ({relative_time(ts, now)})"


# ---------------------------------------------------------------------------------------------
# Tables


#: How many cell heights and column widths a table keeps (see ``FitTable.sizeHintForRow``).
_KEPT_SIZES = 4096


class FitTable(QTableView):
    """A read-only table; with ``fit`` it is as tall as its rows (no inner scroll bar), for
    tables stacked in a scrolling pane. Rows grow to wrapped text once the width is known."""

    def __init__(self, parent: QWidget | None = None, *, fit: bool = False) -> None:
        super().__init__(parent)
        self._fit = fit
        self._caps: dict[int, float] = {}
        self._heights: dict[tuple[object, int, int], int] = {}
        self._widths: dict[tuple[int, tuple[object, ...]], int] = {}
        tidy_table(self)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if fit:
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.verticalHeader().sectionResized.connect(self._refit)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._apply_caps)
        if model is not None and self._fit:
            model.modelReset.connect(self._refit)
            model.layoutChanged.connect(self._refit)

    # Sizes to contents: QTableView's own answers, kept. A table refilled at every flow mostly
    # shows the same rows again, and asking the delegate lays the text out anew for every
    # cell, asking the model for every role of it. Only for models with ``row_key(row)``: a
    # hashable value that decides everything the row's cells show (RowsModel: its record).

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()
            self._widths.clear()
        super().changeEvent(event)

    def sizeHintForColumn(self, column: int) -> int:
        model = self.model()
        row_key = getattr(model, "row_key", None)
        if model is None or row_key is None:
            return super().sizeHintForColumn(column)
        key = (column, tuple(row_key(r) for r in range(model.rowCount())))
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) >= _KEPT_SIZES:
                self._widths.clear()
            width = self._widths[key] = super().sizeHintForColumn(column)
        return width

    def sizeHintForRow(self, row: int) -> int:
        """The delegate's height of each cell at its column's width, the tallest (as
        QTableView says), each cell's height kept (see above)."""
        model = self.model()
        row_key = getattr(model, "row_key", None)
        if model is None or row_key is None or not self.wordWrap():
            return super().sizeHintForRow(row)
        record = row_key(row)
        header = self.horizontalHeader()
        grid = 1 if self.showGrid() else 0
        option: QStyleOptionViewItem | None = None
        hint = -1
        for col in range(model.columnCount()):
            if header.isSectionHidden(col):
                continue
            width = self.columnWidth(col) - grid
            key = (record, col, width)
            height = self._heights.get(key)
            if height is None:
                if option is None:
                    option = QStyleOptionViewItem()
                    self.initViewItemOption(option)
                index = model.index(row, col)
                option.rect = QRect(0, 0, width, self.rowHeight(row))
                height = self.itemDelegateForIndex(index).sizeHint(option, index).height()
                if len(self._heights) >= _KEPT_SIZES:
                    self._heights.clear()
                self._heights[key] = height
            hint = max(hint, height)
        return hint + grid

    def cap_columns(self, caps: dict[int, float]) -> None:
        """Size these columns to their content, but at most a share of the width each
        (e.g. ``{0: 0.3}``); a stretching column takes the rest."""
        self._caps = caps
        self._apply_caps()

    def _apply_caps(self) -> None:
        width = self.viewport().width()
        for col, share in self._caps.items():
            self.setColumnWidth(col, min(self.text_width(col), int(width * share)))

    def text_width(self, col: int) -> int:
        """The width column ``col`` needs for its longest line of text: what
        ``sizeHintForColumn`` says of a text column, measured without asking the model for
        every role of every cell (a table refilled at each flow must be cheap to lay out)."""
        model = self.model()
        if model is None:
            return 0
        display, font_role = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole
        plain = QFontMetricsF(self.font())
        widest = 0.0
        for row in range(model.rowCount()):
            index = model.index(row, col)
            text = model.data(index, display)
            if not text:
                continue
            font = model.data(index, font_role)
            metrics = QFontMetricsF(font) if isinstance(font, QFont) else plain
            widest = max(
                widest, *(metrics.horizontalAdvance(line) for line in str(text).split("\n"))
            )
        if not widest:
            return self.sizeHintForColumn(col)
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        return math.ceil(widest) + 2 * margin + (1 if self.showGrid() else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._apply_caps()

    def _refit(self, *_args: object) -> None:
        self.updateGeometry()

    def _rows_height(self) -> int:
        height = self.verticalHeader().length()
        if self.horizontalHeader().isVisible() or not self.isVisible():
            height += self.horizontalHeader().sizeHint().height()
        if self.horizontalScrollBar().isVisible():
            height += self.horizontalScrollBar().sizeHint().height()
        return height + 2 * self.frameWidth() + 2

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._fit:
            hint.setHeight(self._rows_height())
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self._fit:
            hint.setHeight(self._rows_height())
        return hint


# ---------------------------------------------------------------------------------------------
# Findings


class RowsModel(QAbstractTableModel, Generic[RowT]):
    """A flat, read-only table of rows under fixed ``HEADERS``: the counting and the header,
    once for every such model; subclasses give ``data``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []

    def _reset(self, rows: Iterable[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, i: int) -> RowT:
        return self._rows[i]

    def row_key(self, i: int) -> RowT:
        """What decides everything row ``i`` shows (``FitTable`` keeps sizes by it)."""
        return self._rows[i]

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None


def italic_font() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def finding_data(f: Finding, column: int, role: int) -> Any:
    """What a findings table shows of ``f`` in its first four columns (severity with icon and
    colour, id, message, reference)."""
    if role == Qt.ItemDataRole.DisplayRole and column < 4:
        return (mark_word(f.severity.value), f.id, f.message, f.reference)[column]
    if role == Qt.ItemDataRole.DecorationRole and column == 0:
        return mark_icon(f.severity.value)
    if role == Qt.ItemDataRole.ForegroundRole and column == 0:
        return mark_color(f.severity.value)
    if role == Qt.ItemDataRole.ToolTipRole:
        ref = f"\n({f.reference})" if f.reference else ""
        return f"{f.id}: {f.message}{ref}"
    return None


class FindingsModel(RowsModel[Finding]):
    """Findings as a table: severity (icon + word), id, message, reference."""

    HEADERS = ("Severity", "Finding", "Message", "Reference")

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self._reset(sorted(findings, key=lambda f: -f.severity.rank))

    def finding(self, row: int) -> Finding:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return finding_data(self._rows[index.row()], index.column(), role)


class FindingsTable(FitTable):
    """A read-only table of findings, most severe first; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None, *, fit: bool = False) -> None:
        super().__init__(parent, fit=fit)
        self.findings_model = FindingsModel(self)
        self.setModel(self.findings_model)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 220)
        header.resizeSection(3, 170)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.findings_model.set_findings(findings)
        self.setVisible(bool(findings))


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget of ``layout`` (hidden at once, deleted later)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


class BadgeList(QWidget):
    """A column of badges: (mark, text) or (mark, text, word); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(3)
        self._items: list[tuple[str, ...]] = []
        self.hide()

    def set_badges(self, items: Sequence[tuple[str, str] | tuple[str, str, str]]) -> None:
        wanted = [tuple(i) for i in items]
        if wanted == self._items:
            return
        self._items = wanted
        clear_layout(self._layout)
        for item in wanted:
            word = item[2] if len(item) > 2 else None
            self._layout.addWidget(SeverityBadge(item[0], item[1], word=word))
        self.setVisible(bool(wanted))

    def texts(self) -> list[str]:
        """The text of each badge (without its word)."""
        return [item[1] for item in self._items]

    def lines(self) -> list[str]:
        """Each badge as "word: text"."""
        return [f"{i[2] if len(i) > 2 else mark_word(i[0])}: {i[1]}" for i in self._items]


class FieldForm(QWidget):
    """A form whose rows each hold a field with its badges below it, both found by key.

    Subclasses build group boxes with :meth:`_form` and :meth:`_row`, and implement
    :meth:`_edited` (what the fields made by :meth:`_line` call on every edit).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._issues: dict[str, BadgeList] = {}
        self._fields: dict[str, QWidget] = {}

    @staticmethod
    def _form(title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        return box, form

    def _row(self, form: QFormLayout, label: str, field: QWidget, key: str, tip: str = "") -> None:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(field)
        issues = BadgeList()
        box.addWidget(issues)
        self._issues[key] = issues
        self._fields[key] = field
        title = QLabel(label)
        if tip:
            title.setToolTip(tip)
            field.setToolTip(tip)
        form.addRow(title, holder)

    def _line(self, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._edited)
        return edit

    def _edited(self, *_args: object) -> None:
        raise NotImplementedError

    def _show_field(self, key: str, scroll: QScrollArea) -> None:
        """Scroll the field ``key`` into view and focus it."""
        field = self._fields[key]
        scroll.ensureWidgetVisible(field)
        field.setFocus()

    def field_issues(self, key: str) -> list[str]:
        """The texts of the inline badges beside a field."""
        return self._issues[key].texts()


class SecretField(QWidget):
    """A password field with a Show/Hide button; ``secretChanged`` when editing ends."""

    secretChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText("client secret (kept outside the profile file)")
        self.edit.editingFinished.connect(lambda: self.secretChanged.emit(self.edit.text()))
        self.reveal_button = QPushButton("Show")
        self.reveal_button.setCheckable(True)
        self.reveal_button.toggled.connect(self._reveal)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.reveal_button)

    def _reveal(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        self.reveal_button.setText("Hide" if shown else "Show")


class FindingsList(BadgeList):
    """Findings as wrapped lines (icon, word, id, message, reference), for narrow panes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self._findings = sorted(findings, key=lambda f: -f.severity.rank)
        self.set_badges([(f.severity.value, _finding_html(f)) for f in self._findings])

    def findings(self) -> list[Finding]:
        """The findings shown, most severe first."""
        return list(self._findings)


def _finding_html(f: Finding) -> str:
    ref = f" <i>({html.escape(f.reference)})</i>" if f.reference else ""
    return f"<code>{html.escape(f.id)}</code>: {html.escape(f.message)}{ref}"


# ---------------------------------------------------------------------------------------------
# JSON tree


@dataclass
class _Node:
    key: str
    value: Any
    parent: _Node | None
    row: int
    children: list[_Node]

    @property
    def path(self) -> list[str]:
        node: _Node | None = self
        parts: list[str] = []
        while node is not None and node.parent is not None:
            parts.append(node.key)
            node = node.parent
        return parts[::-1]


def _build(key: str, value: Any, parent: _Node | None, row: int) -> _Node:
    node = _Node(key, value, parent, row, [])
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list | tuple):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        items = []
    node.children = [_build(k, v, node, i) for i, (k, v) in enumerate(items)]
    return node


def json_summary(value: Any) -> str:
    """One line for a JSON value: strings as they are, containers as "{3 members}", short
    lists of scalars spelled out ("openid, profile  [2 items]")."""
    if isinstance(value, dict):
        return f"{{{len(value)} member{'s' if len(value) != 1 else ''}}}"
    if isinstance(value, list | tuple):
        count = f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
        if value and all(isinstance(v, str | int | float | bool) for v in value):
            joined = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
            if len(joined) <= 60:
                return f"{joined}  {count}"
        return count
    if isinstance(value, str):
        return value
    return json.dumps(value)


class JsonModel(QAbstractItemModel):
    """A plain JSON value (dict, list, scalars) as a tree: key, value."""

    HEADERS = ("Key", "Value")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _build("", {}, None, 0)

    def set_document(self, doc: Any) -> None:
        self.beginResetModel()
        self._root = _build("", doc, None, 0)
        self.endResetModel()

    def document(self) -> Any:
        return self._root.value

    def _node(self, index: Index) -> _Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        assert isinstance(node, _Node)
        return node

    def node_value(self, index: Index) -> Any:
        return self._node(index).value

    def node_path(self, index: Index) -> list[str]:
        return self._node(index).path

    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._node(parent).children[row])

    def parent(self, child: Index = ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        up = self._node(child).parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = ROOT) -> int:
        return len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                return node.key
            return json_summary(node.value)
        container = isinstance(node.value, dict | list | tuple)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and container:
            return QGuiApplication.palette().placeholderText().color()
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


def value_text(value: Any) -> str:
    """What "copy" puts on the clipboard: strings bare, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


class JsonTreeView(QTreeView):
    """A JSON document as a tree; Ctrl+C or the context menu copies values, paths or all."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.json_model = JsonModel(self)
        self.setModel(self.json_model)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.header().setStretchLastSection(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        copy = QAction("Copy value", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_value)
        self.addAction(copy)

    def set_document(self, doc: Any) -> None:
        self.json_model.set_document(doc)
        self._fit_key_column()

    def _fit_key_column(self) -> None:
        wanted = max(self.sizeHintForColumn(0) + 12, 80)
        self.setColumnWidth(0, min(wanted, int(self.viewport().width() * 0.45)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_key_column()

    def _current(self) -> QModelIndex:
        return self.currentIndex()

    def copy_value(self) -> str:
        """Copy the selected value (the whole document when nothing is selected)."""
        text = value_text(self.json_model.node_value(self._current()))
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_path(self) -> str:
        path = self.json_model.node_path(self._current())
        text = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in path).lstrip(".")
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_document(self) -> str:
        text = value_text(self.json_model.document())
        QGuiApplication.clipboard().setText(text)
        return text

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction("Copy value", self.copy_value)
        menu.addAction("Copy path", self.copy_path)
        menu.addAction("Copy whole document", self.copy_document)
        menu.exec(self.viewport().mapToGlobal(pos))


# ---------------------------------------------------------------------------------------------
# Key / value table


@dataclass(frozen=True)
class KeyValue:
    """One row: a name, its value, and an optional note (in italics in a third column)."""

    key: str
    value: str
    note: str = ""


class KeyValueModel(RowsModel[KeyValue]):
    HEADERS = ("Name", "Value", "Note")

    def set_rows(self, rows: Sequence[KeyValue | tuple[str, str]]) -> None:
        self._reset(r if isinstance(r, KeyValue) else KeyValue(*r) for r in rows)

    def rows(self) -> list[KeyValue]:
        return list(self._rows)

    def has_notes(self) -> bool:
        return any(r.note for r in self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.key, row.value, row.note)[index.column()]
        if role == Qt.ItemDataRole.FontRole and index.column() == 2:
            return italic_font()
        return None


class KeyValueTable(FitTable):
    """A read-only name / value table; the note column shows only when a row has a note."""

    def __init__(self, parent: QWidget | None = None, *, fit: bool = False) -> None:
        super().__init__(parent, fit=fit)
        self.kv_model = KeyValueModel(self)
        self.setModel(self.kv_model)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.cap_columns({0: 0.35, 2: 0.3})

    def set_rows(self, rows: Sequence[KeyValue | tuple[str, str]]) -> None:
        self.kv_model.set_rows(rows)
        self.setColumnHidden(2, not self.kv_model.has_notes())


def tidy_table(view: QTableView) -> None:
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


def mono_font() -> QFont:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def section_label(text: str) -> QLabel:
    """A bold heading for a part of a pane."""
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 6, 0, 2)
    return label


def decoded_and_raw_tabs(
    owner: QWidget, top: QLayout, page: QWidget
) -> tuple[QTabWidget, QPlainTextEdit]:
    """Lay ``owner`` out as ``top`` above two tabs: ``page`` scrolling under "Decoded", and a
    read-only monospaced "Raw" text; returns the tabs and the raw text."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(page)
    raw = QPlainTextEdit()
    raw.setReadOnly(True)
    raw.setFont(mono_font())
    tabs = QTabWidget()
    tabs.addTab(scroll, "Decoded")
    tabs.addTab(raw, "Raw")
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(top)
    layout.addWidget(tabs)
    return tabs, raw
