"""The PROFILES sidebar: the Demos and the saved profiles, a New… menu of presets.

:class:`ProfileListModel` is a list model over plain :class:`ProfileEntry` records; the window
fills it from the profile store and the same model feeds the toolbar's profile selector.
Renaming in place asks the window (``renameRequested``), which renames in the store and
refreshes the entries: the model never changes itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import icons
from .profile_store import UI_PRESETS

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class ProfileEntry:
    """One line of the sidebar."""

    id: str
    name: str
    detail: str = ""
    error: str | None = None
    builtin: bool = False
    modified: bool = False

    @property
    def editable(self) -> bool:
        """Whether it can be renamed, duplicated and deleted (saved and readable)."""
        return not self.builtin and self.error is None


class ProfileListModel(QAbstractListModel):
    renameRequested = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[ProfileEntry] = []

    def set_entries(self, entries: Sequence[ProfileEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[ProfileEntry]:
        return list(self._entries)

    def entry(self, row: int) -> ProfileEntry:
        return self._entries[row]

    def row_of(self, profile_id: str) -> int:
        """The row of ``profile_id``, or -1."""
        return next((i for i, e in enumerate(self._entries) if e.id == profile_id), -1)

    def set_modified(self, profile_id: str, modified: bool) -> None:
        row = self.row_of(profile_id)
        if row < 0 or self._entries[row].modified == modified:
            return
        self._entries[row] = replace(self._entries[row], modified=modified)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        e = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if e.error is not None:
                return f"{e.name} (cannot be read)"
            return f"{e.name} •" if e.modified else e.name
        if role == Qt.ItemDataRole.EditRole:
            return e.name
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = e.error or e.detail
            return f"{tip}\n(unsaved changes)" if e.modified else tip
        if role == Qt.ItemDataRole.DecorationRole:
            if e.error is not None:
                return icons.status_icon("error")
            return icons.icon("demo" if e.builtin else "profile")
        if role == ID_ROLE:
            return e.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._entries[index.row()].editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        e = self._entries[index.row()]
        name = str(value).strip()
        if not e.editable or not name:
            return False
        if name != e.name:
            self.renameRequested.emit(e.id, name)
        return True


class ProfileSidebar(QWidget):
    """The list of profiles with a New… button; the window supplies the item actions."""

    currentChanged = Signal(str)
    newRequested = Signal(str)

    def __init__(self, model: ProfileListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        title = QLabel("PROFILES")
        title.setObjectName("paneTitle")
        self.view = QListView()
        self.view.setModel(model)
        self.view.setWordWrap(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSpacing(1)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.new_menu = QMenu("New profile", self)
        for preset in UI_PRESETS.values():
            action = self.new_menu.addAction(preset.label)
            action.setData(preset.key)
            action.setToolTip(preset.notes)
        self.new_menu.setToolTipsVisible(True)
        self.new_menu.triggered.connect(lambda a: self.newRequested.emit(str(a.data())))
        self.new_button = QToolButton()
        self.new_button.setText("New…")
        self.new_button.setIcon(icons.icon("new"))
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_button.setMenu(self.new_menu)
        self.new_button.setToolTip("Create a profile from a preset (Ctrl+N)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.new_button)
        self.item_menu = QMenu(self.view)
        model.modelReset.connect(self._restore_selection)
        self._selected = ""

    def set_item_actions(self, actions: Sequence[QAction]) -> None:
        """The actions of the context menu (duplicate, rename, delete)."""
        self.item_menu.clear()
        self.item_menu.addActions(list(actions))

    def current_id(self) -> str:
        return self._selected

    def select(self, profile_id: str) -> None:
        row = self.model.row_of(profile_id)
        if row >= 0:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def start_rename(self) -> None:
        self.view.edit(self.view.currentIndex())

    def show_new_menu(self) -> None:
        self.new_button.showMenu()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._selected = str(current.data(ID_ROLE))
            self.currentChanged.emit(self._selected)

    def _restore_selection(self) -> None:
        self.select(self._selected)

    def _context_menu(self, pos: QPoint) -> None:
        if self.view.indexAt(pos).isValid() and not self.item_menu.isEmpty():
            # popup, not exec: no nested event loop while a flow may be running
            self.item_menu.popup(self.view.viewport().mapToGlobal(pos))
