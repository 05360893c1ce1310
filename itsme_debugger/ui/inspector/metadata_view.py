"""The itsme® metadata matrix: attributes (rows) x the five metadata claims (columns).

The layout is ``core.metadata.metadata_matrix``'s; this view labels it from the catalogue and
shows every metadata column, so a missing one is visible as a column of dashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QObject, Qt
from PySide6.QtWidgets import QHeaderView, QWidget

from itsme_debugger.core.catalogue import claim_info, short_name
from itsme_debugger.core.metadata import METADATA_CLAIMS, MetadataMatrix, metadata_matrix
from itsme_debugger.ui.widgets import ROOT, FitTable, Index, iso_time

EMPTY = "—"


def claim_label(name: str) -> str:
    info = claim_info(name)
    return info.label if info is not None else short_name(name)


class MetadataModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.matrix = MetadataMatrix((), (), {})

    def set_claims(self, claims: Mapping[str, Any] | None) -> None:
        self.beginResetModel()
        self.matrix = metadata_matrix(claims or {})
        self.endResetModel()

    def cell(self, attribute: str, column: str) -> str | None:
        return self.matrix.cells.get((attribute, column))

    def row_key(self, row: int) -> tuple[str | None, ...]:
        """What decides everything row ``row`` shows (``FitTable`` keeps sizes by it)."""
        attr = self.matrix.attributes[row]
        return (attr, *(self.cell(attr, column) for column in METADATA_CLAIMS))

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.matrix.attributes)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(METADATA_CLAIMS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        attr = self.matrix.attributes[index.row()]
        column = METADATA_CLAIMS[index.column()]
        value = self.cell(attr, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return EMPTY if value is None else value
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{short_name(column)} of {short_name(attr)}"
            if value is None:
                return f"{where}: no value"
            when = iso_time(value)
            return f"{where}: {value}" + (f"\n{when}" if when else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and value is None:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return claim_label(METADATA_CLAIMS[section])
            return claim_label(self.matrix.attributes[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            if orientation == Qt.Orientation.Horizontal:
                return METADATA_CLAIMS[section]
            return self.matrix.attributes[section]
        return None


class MetadataView(FitTable):
    """The matrix; hidden rows mean no metadata came back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, fit=True)
        self.metadata_model = MetadataModel(self)
        self.setModel(self.metadata_model)
        self.verticalHeader().setVisible(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def show_claims(self, claims: Mapping[str, Any] | None) -> bool:
        """Lay out the metadata claims of ``claims``; True when there is any."""
        self.metadata_model.set_claims(claims)  # the columns fit their contents (the header's mode)
        return self.metadata_model.rowCount() > 0
