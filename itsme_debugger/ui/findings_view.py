"""The FINDINGS pane: every finding of the flow, the most severe first.

:class:`FlowFindingsModel` wraps a plain list of ``(step, Finding)`` pairs (the shape of
``FlowResult.findings``), kept ordered by severity (errors, warnings, notes), each level in
the order the flow found them. Each severity shows an icon and a word; selecting a finding tells the
window which step it belongs to, double-clicking asks to jump to the field it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from itsme_debugger.core.findings import Finding, Severity
from itsme_debugger.core.report import STEP_LABELS

from .widgets import RowsModel, finding_data, tidy_table

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Severity", "Finding", "Message", "Reference", "Step")
NOT_RUN = "none yet: press Start to run the flow"
NONE_FOUND = "none: every check passed"


class FlowFindingsModel(RowsModel[tuple[str, Finding]]):
    HEADERS = COLUMNS

    def set_findings(self, findings: Iterable[tuple[str, Finding]]) -> None:
        self._reset(sorted(findings, key=lambda sf: -sf[1].severity.rank))

    def add(self, step: str, finding: Finding) -> None:
        """Insert after the last finding at least as severe."""
        rank = finding.severity.rank
        row = next((i for i, (_, f) in enumerate(self._rows) if f.severity.rank < rank), None)
        row = len(self._rows) if row is None else row
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, (step, finding))
        self.endInsertRows()

    def clear(self) -> None:
        self.set_findings([])

    def item(self, row: int) -> tuple[str, Finding]:
        return self._rows[row]

    def counts(self) -> dict[Severity, int]:
        out = dict.fromkeys(Severity, 0)
        for _, f in self._rows:
            out[f.severity] += 1
        return out

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        step, f = self._rows[index.row()]
        if index.column() == 4:
            return STEP_LABELS.get(step, step) if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f.message if index.column() == 2 else None
        return finding_data(f, index.column(), role)


class FindingsView(QWidget):
    """The pane: a title with the counts, and the table."""

    #: (step, finding) selected
    findingSelected = Signal(str, object)
    #: (step, finding) double-clicked: jump to where it comes from
    findingActivated = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FlowFindingsModel(self)
        self.empty_text = NOT_RUN
        title = QLabel("FINDINGS")
        title.setObjectName("paneTitle")
        self.summary = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        tidy_table(self.table)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((90, 260, 560, 260, 90)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.doubleClicked.connect(self._activated)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.table)
        for signal in (self.model.rowsInserted, self.model.modelReset):
            signal.connect(self._update_summary)
        self._update_summary()

    def _update_summary(self) -> None:
        counts = self.model.counts()
        if not self.model.rowCount():
            self.summary.setText(self.empty_text)
            return
        parts = [
            f"{n} {sev.value}{'s' if n != 1 and sev is not Severity.INFO else ''}"
            for sev, n in counts.items()
            if n
        ]
        self.summary.setText(", ".join(parts))

    def set_flow_over(self, over: bool) -> None:
        """Say "none" once a flow has ended without findings, "none yet" before."""
        self.empty_text = NONE_FOUND if over else NOT_RUN
        self._update_summary()

    def clear_selection(self) -> None:
        """Forget the current row, so that clicking it again selects it again."""
        self.table.selectionModel().clearCurrentIndex()
        self.table.clearSelection()

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.findingSelected.emit(*self.model.item(current.row()))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.findingActivated.emit(*self.model.item(index.row()))
