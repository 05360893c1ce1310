"""The Claims tab: the itsme® catalogue as a searchable, grouped tree, and a details panel.

Tick a claim to request it (in the ID token, as itsme® recommends), move it to UserInfo or
request it in both, mark it essential, give it a value or values. The details panel explains
the claim (description and format from the reference, the scope that already yields it) and
lists what ``core.claims.lint_claims_request`` says about it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from itsme_debugger.core.catalogue import claim_info, short_name
from itsme_debugger.core.claims import ClaimsRequest
from itsme_debugger.core.findings import Severity
from itsme_debugger.ui import widgets
from itsme_debugger.ui.claims_model import (
    NAME_ROLE,
    ClaimsFilterModel,
    ClaimsSelection,
    ClaimsTreeModel,
    value_text,
)


class ClaimDetails(QWidget):
    """What the catalogue says about one claim, its value editor and its findings."""

    def __init__(self, selection: ClaimsSelection) -> None:
        super().__init__()
        self.selection = selection
        self.name: str | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.full_name = QLabel()
        self.full_name.setFont(widgets.mono_font())
        self.full_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.full_name.setWordWrap(True)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.format = QLabel()
        self.format.setWordWrap(True)
        self.scope = widgets.SeverityBadge("info")
        self.example = QLabel()
        self.example.setWordWrap(True)
        self.example.setFont(widgets.mono_font())
        self.value = QLineEdit()
        self.value.setPlaceholderText('text, JSON such as "BE", or ["BE", "NL"] for values')
        self.value.setClearButtonEnabled(True)
        self.value.textEdited.connect(self._value_edited)
        self.value_problem = widgets.SeverityBadge("error")
        self.value_problem.hide()
        self.notes = widgets.BadgeList()

        self.facts = QWidget()
        form = QFormLayout(self.facts)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Format", self.format)
        form.addRow("Example", self.example)
        form.addRow("Value(s)", self.value)
        form.addRow("", self.value_problem)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.full_name)
        layout.addWidget(self.description)
        layout.addWidget(self.facts)
        layout.addWidget(self.scope)
        layout.addWidget(self.notes)
        layout.addStretch(1)
        self.show_claim(None)

    def show_claim(self, name: str | None) -> None:
        if name != self.name:
            self.value_problem.hide()
        self.name = name
        self._render(reload_value=True)

    def refresh(self) -> None:
        """The selection changed elsewhere: keep a value being typed (it may be invalid)."""
        self._render(reload_value=self.value_problem.isHidden())

    def _render(self, *, reload_value: bool) -> None:
        name = self.name
        for w in (self.full_name, self.description, self.scope, self.facts):
            w.setVisible(name is not None)
        if name is None:
            self.title.setText("<i>Select a claim to see what it is and how to request it.</i>")
            self.notes.set_badges([])
            return
        sel = self.selection
        info = claim_info(name)
        self.title.setText(f"<b>{info.label if info else short_name(name)}</b>")
        self.full_name.setText(name)
        self.description.setText(info.description if info else "Not in the itsme® catalogue.")
        self.format.setText(info.format if info else "unknown")
        example = info.example if info is not None else None
        self.example.setText(_shorten(widgets.value_text(example)) if example is not None else "—")
        in_scope = sel.scope_yielding(name)
        if in_scope is not None:
            self.scope.set_mark("info", f"already in scope {in_scope}", "Scope")
        elif info is not None and info.scope:
            self.scope.set_mark("na", f"the scope {info.scope} yields it", "Scope")
        else:
            self.scope.set_mark("na", "no scope yields it: request it here", "Scope")
        requested = sel.is_requested(name)
        self.value.setEnabled(requested)
        if reload_value:
            self.value.setText(value_text(sel.spec(name)))
        self.value.setToolTip("" if requested else "Tick the claim to request it first")
        found = sel.claim_findings(name)
        notes = [(f.severity.value, f"{f.message} ({f.reference})") for f in found]
        if sel.unlisted(name):
            notes.append(("warning", "not in the provider's claims_supported (discovery)"))
        if info is not None and info.metadata:
            attrs = ", ".join(short_name(a) for a in info.applies_to)
            notes.append(("info", f"metadata: describes {attrs} when requested with them"))
        self.notes.set_badges(list(dict.fromkeys(notes)))

    def note_texts(self) -> list[str]:
        return self.notes.texts()

    def _value_edited(self, text: str) -> None:
        if self.name is None:
            return
        try:
            self.selection.set_value_text(self.name, text)
        except ValueError as exc:
            self.value_problem.set_mark("error", str(exc), "Invalid")
            self.value_problem.show()
            return
        self.value_problem.hide()


class ClaimsEditor(QWidget):
    """The Claims tab. ``changed`` after every edit; :meth:`claims` is the request as edited."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = ClaimsSelection()
        self.model = ClaimsTreeModel(self.selection, self)
        self.proxy = ClaimsFilterModel(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search claims by label or name")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search)
        self.requested_only = QCheckBox("Requested only")
        self.requested_only.toggled.connect(self._requested_only)
        self.add = QLineEdit()
        self.add.setPlaceholderText("Add a claim by name…")
        self.add.setToolTip("Request a claim the catalogue does not list (press Enter)")
        self.add.returnPressed.connect(self._add)
        self.summary = widgets.SeverityBadge("na")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.requested_only)
        bar.addWidget(self.add)

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.setColumnWidth(0, 230)
        self.tree.setColumnWidth(4, 110)
        self.tree.selectionModel().selectionChanged.connect(self._selected)

        self.details = ClaimDetails(self.selection)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.selection.subscribe(self._on_change)
        self._on_change(True)

    # -- API ---------------------------------------------------------------------------------

    def set_claims(self, req: ClaimsRequest, scopes: Sequence[str]) -> None:
        self.selection.load(req, scopes)

    def claims(self) -> ClaimsRequest:
        return self.selection.request

    def set_claims_supported(self, names: Sequence[str] | None) -> None:
        self.selection.set_claims_supported(names)

    def set_scopes(self, scopes: Sequence[str]) -> None:
        """The scopes changed in the composer: "already in scope" and lint follow."""
        self.selection.set_scopes(scopes)

    def select_claim(self, name: str) -> None:
        """Select ``name`` in the tree (clearing a search that hides it)."""
        source = self.model.index_of(name)
        if not source.isValid():
            return
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.search.clear()
            self.requested_only.setChecked(False)
            index = self.proxy.mapFromSource(source)
        self.tree.expand(index.parent())
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)

    # -- reactions ---------------------------------------------------------------------------

    def _on_change(self, regrouped: bool) -> None:
        if regrouped:
            self._expand_all()
        self.details.refresh()
        self._summarise()
        self.changed.emit()

    def _expand_all(self) -> None:
        """Open every group; while the tab is hidden, once it is shown (it takes a while)."""
        self._expand_pending = not self.isVisible()
        if not self._expand_pending:
            self.tree.expandAll()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._expand_pending:
            self._expand_pending = False
            self.tree.expandAll()

    def _summarise(self) -> None:
        req = self.selection.request
        n_id, n_ui = len(req.id_token), len(req.userinfo)
        findings = self.selection.findings
        n_warn = sum(1 for f in findings if f.severity is not Severity.INFO)
        text = f"{len(req.names())} claims requested ({n_id} in the ID token, {n_ui} at UserInfo)"
        if n_warn:
            text += f"; {n_warn} to look at (see the Notes column)"
        mark = "warning" if n_warn else "ok"
        self.summary.set_mark(mark, text, "Claims")

    def _add(self) -> None:
        name = self.add.text().strip()
        if not name:
            return
        self.selection.add_claim(name)
        self.add.clear()
        self.select_claim(name)

    def _search(self, text: str) -> None:
        self.proxy.set_text(text)
        self.tree.expandAll()

    def _requested_only(self, on: bool) -> None:
        self.proxy.set_requested_only(on)
        self.tree.expandAll()

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        name = self.proxy.data(indexes[0], NAME_ROLE) if indexes else None
        self.details.show_claim(name if isinstance(name, str) else None)

    def current_claim(self) -> str | None:
        index: QModelIndex = self.tree.currentIndex()
        name = self.proxy.data(index, NAME_ROLE) if index.isValid() else None
        return name if isinstance(name, str) else None


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
