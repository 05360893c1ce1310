"""The claims editor's model: a plain-Python selection over the catalogue, and its Qt tree.

:class:`ClaimsSelection` holds the :class:`~itsme_debugger.core.claims.ClaimsRequest` being
edited (per target, in insertion order, so what was loaded round-trips), the scopes and the
provider's ``claims_supported``; it announces changes to plain callables. :class:`ClaimsTreeModel`
wraps it as groups of claims with check boxes: requested, ID token, UserInfo, essential.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from itsme_debugger.core.catalogue import ClaimInfo, catalogue, claim_info, scope_claims, short_name
from itsme_debugger.core.claims import TARGETS, ClaimSpec, ClaimsRequest, lint_claims_request
from itsme_debugger.core.findings import Finding
from itsme_debugger.ui import widgets
from itsme_debugger.ui.widgets import ROOT, Index

#: Tree groups: (key, title, catalogue groups in it).
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("identity", "Identity", ("identity",)),
    ("contact", "Contact", ("contact",)),
    ("address", "Address", ("address",)),
    ("eid", "eID / document", ("eid", "document")),
    ("device_fraud", "Device and fraud signals", ("device_fraud",)),
    ("metadata", "Metadata", ("metadata",)),
    ("other", "Other claims (not in the catalogue)", ()),
)
#: Where a new claim goes when its box is ticked: itsme® recommends the ID token.
DEFAULT_TARGET = "id_token"
#: Short words for the notes column, by finding id.
_NOTE_WORDS = {
    "claims.metadata_without_attribute": "no attribute for this metadata",
    "claims.value_and_values": "value and values both set",
    "claims.unknown": "not in the catalogue",
}


def parse_value_text(text: str) -> tuple[Any, tuple[Any, ...] | None]:
    """The ``value`` / ``values`` typed in the editor: (value, values); ValueError when bad.

    Empty: neither. A JSON array: ``values``. JSON that starts with ``{`` or ``"`` (or true,
    false, a number): ``value`` as JSON. Anything else: ``value`` as the text itself.
    """
    stripped = text.strip()
    if not stripped:
        return None, None
    if stripped.startswith("["):
        try:
            values = json.loads(stripped)
        except ValueError as exc:
            raise ValueError(f"values: not a JSON array ({exc})") from exc
        if not values:
            raise ValueError("values: the list is empty; give at least one value")
        return None, tuple(values)
    if stripped[0] in '{"' or stripped in ("true", "false"):
        try:
            return json.loads(stripped), None
        except ValueError as exc:
            raise ValueError(f"value: not valid JSON ({exc}); or type plain text") from exc
    return stripped, None


def value_text(spec: ClaimSpec | None) -> str:
    """The editor text for a spec's value / values (the inverse of :func:`parse_value_text`)."""
    if spec is None:
        return ""
    if spec.values is not None:
        return json.dumps(list(spec.values), ensure_ascii=False)
    value = spec.value
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            plain = parse_value_text(value) == (value, None)
        except ValueError:
            plain = False
        if plain:
            return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Group:
    key: str
    title: str
    names: list[str] = field(default_factory=list)


class ClaimsSelection:
    """The claims request being edited, over the catalogue. Plain Python."""

    def __init__(self) -> None:
        self.request = ClaimsRequest({}, {})
        self.scopes: tuple[str, ...] = ()
        self.claims_supported: tuple[str, ...] | None = None
        self.groups: list[Group] = []
        self.findings: list[Finding] = []
        self._listeners: list[Callable[[bool], None]] = []
        self._regroup()

    # -- listening -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[bool], None]) -> None:
        """``listener(regrouped)`` after every change; ``regrouped`` when rows came or went."""
        self._listeners.append(listener)

    def _changed(self, regrouped: bool = False) -> None:
        self.findings = lint_claims_request(
            self.request, scopes=self.scopes, claims_supported=self.claims_supported
        )
        for listener in list(self._listeners):
            listener(regrouped)

    def _regroup(self) -> None:
        known = catalogue()
        by_group = {key: Group(key, title) for key, title, _ in GROUPS}
        lookup = {g: key for key, _, members in GROUPS for g in members}
        for name, info in known.items():
            by_group[lookup.get(info.group, "other")].names.append(name)
        extra = [n for n in self.request.names() if n not in known]
        by_group["other"].names += extra
        self.groups = [g for g in by_group.values() if g.names]

    # -- loading -------------------------------------------------------------------------

    def load(self, req: ClaimsRequest, scopes: Sequence[str]) -> None:
        self.request = req
        self.scopes = tuple(scopes)
        self._regroup()
        self._changed(regrouped=True)

    def set_scopes(self, scopes: Sequence[str]) -> None:
        self.scopes = tuple(scopes)
        self._changed()

    def set_claims_supported(self, names: Sequence[str] | None) -> None:
        self.claims_supported = tuple(names) if names is not None else None
        self._changed()

    # -- reading -------------------------------------------------------------------------

    def targets(self, name: str) -> tuple[str, ...]:
        return tuple(t for t in TARGETS if name in self.request.target(t))

    def spec(self, name: str) -> ClaimSpec | None:
        """The spec of ``name`` in its first target (they are edited together)."""
        for t in self.targets(name):
            return self.request.target(t)[name]
        return None

    def is_requested(self, name: str) -> bool:
        return bool(self.targets(name))

    def is_essential(self, name: str) -> bool:
        return any(self.request.target(t)[name].essential for t in self.targets(name))

    def scope_yielding(self, name: str) -> str | None:
        """The selected scope that already yields ``name``, if any."""
        return next((s for s in self.scopes if name in scope_claims(s)), None)

    def claim_findings(self, name: str) -> list[Finding]:
        return [
            f
            for f in self.findings
            if any(f.where == f"request.claims.{t}.{name}" for t in TARGETS)
        ]

    def unlisted(self, name: str) -> bool:
        """Not in the provider's claims_supported, and no lint finding says so already."""
        if self.claims_supported is None or name in self.claims_supported:
            return False
        return all(f.id != "claims.not_supported_by_provider" for f in self.claim_findings(name))

    def notes(self, name: str) -> list[tuple[str, str]]:
        """(mark, words) shown beside a claim: scope, discovery, lint (each once)."""
        out: list[tuple[str, str]] = []
        scope = self.scope_yielding(name)
        if scope is not None:
            out.append(("info", f"already in scope {scope}"))
        if self.claims_supported is not None and name not in self.claims_supported:
            out.append(("warning", "not in discovery"))
        out += [
            (f.severity.value, _NOTE_WORDS[f.id])
            for f in self.claim_findings(name)
            if f.id in _NOTE_WORDS
        ]
        return list(dict.fromkeys(out))

    def count(self, group: Group) -> int:
        return sum(1 for n in group.names if self.is_requested(n))

    # -- editing -------------------------------------------------------------------------

    def set_requested(self, name: str, on: bool) -> None:
        if on == self.is_requested(name):
            return
        req = self.request
        if on:
            req = req.with_claim(DEFAULT_TARGET, name, ClaimSpec())
        else:
            for t in TARGETS:
                req = req.without_claim(t, name)
        self.request = req
        self._changed()

    def set_target(self, name: str, target: str, on: bool) -> None:
        if on == (name in self.request.target(target)):
            return
        if on:
            self.request = self.request.with_claim(target, name, self.spec(name) or ClaimSpec())
        else:
            self.request = self.request.without_claim(target, name)
        self._changed()

    def _update_spec(self, name: str, spec: ClaimSpec) -> None:
        req = self.request
        for t in self.targets(name) or (DEFAULT_TARGET,):
            req = req.with_claim(t, name, spec)
        self.request = req
        self._changed()

    def set_essential(self, name: str, on: bool) -> None:
        spec = self.spec(name) or ClaimSpec()
        self._update_spec(name, ClaimSpec(True if on else None, spec.value, spec.values))

    def add_claim(self, name: str) -> None:
        """Request a claim by name, one the catalogue may not know (generic providers)."""
        name = name.strip()
        if not name or self.is_requested(name):
            return
        self.request = self.request.with_claim(DEFAULT_TARGET, name, ClaimSpec())
        known = any(name in g.names for g in self.groups)
        if not known:
            self._regroup()
        self._changed(regrouped=not known)

    def set_value_text(self, name: str, text: str) -> None:
        """Set value / values from the editor text; ValueError (nothing changed) when bad."""
        value, values = parse_value_text(text)
        spec = self.spec(name) or ClaimSpec()
        self._update_spec(name, ClaimSpec(spec.essential, value, values))


# ---------------------------------------------------------------------------------------------
# The Qt tree


@dataclass(eq=False)
class _Node:
    group: Group
    row: int
    name: str | None = None  # None for a group row
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)


COLUMNS = ("Claim", "ID token", "UserInfo", "Essential", "Value(s)", "Notes")
_COL_TARGET = {1: "id_token", 2: "userinfo"}
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2


class ClaimsTreeModel(QAbstractItemModel):
    """Groups of claims; check boxes edit the :class:`ClaimsSelection`."""

    def __init__(self, selection: ClaimsSelection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self._groups: list[_Node] = []
        self._build()
        selection.subscribe(self._on_change)

    def _build(self) -> None:
        self._groups = []
        for i, group in enumerate(self.selection.groups):
            node = _Node(group, i)
            node.children = [_Node(group, j, name, node) for j, name in enumerate(group.names)]
            self._groups.append(node)

    def _on_change(self, regrouped: bool) -> None:
        if regrouped:
            self.beginResetModel()
            self._build()
            self.endResetModel()
            return
        last = len(COLUMNS) - 1
        for g in self._groups:
            self.dataChanged.emit(self.createIndex(g.row, 0, g), self.createIndex(g.row, last, g))
            if g.children:
                first, end = g.children[0], g.children[-1]
                self.dataChanged.emit(
                    self.createIndex(first.row, 0, first), self.createIndex(end.row, last, end)
                )

    def _node(self, index: Index) -> _Node | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        assert isinstance(node, _Node)
        return node

    def index_of(self, name: str) -> QModelIndex:
        for g in self._groups:
            for c in g.children:
                if c.name == name:
                    return self.createIndex(c.row, 0, c)
        return QModelIndex()

    # -- structure -----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self._node(parent)
        items = self._groups if node is None else node.children
        return self.createIndex(row, column, items[row])

    def parent(self, child: Index = ROOT) -> QModelIndex:  # type: ignore[override]
        node = self._node(child)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: Index = ROOT) -> int:
        node = self._node(parent)
        if node is None:
            return len(self._groups)
        if parent.column() != 0:
            return 0
        return len(node.children)

    def columnCount(self, parent: Index = ROOT) -> int:
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # -- data ----------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.name is None:
            return base
        col = index.column()
        if col in (0, 1, 2) or (col == 3 and self.selection.is_requested(node.name)):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        if node.name is None:
            return self._group_data(node.group, index.column(), role)
        return self._claim_data(node.name, index.column(), role)

    def _group_data(self, group: Group, col: int, role: int) -> Any:
        if col != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{group.title}  ({self.selection.count(group)}/{len(group.names)})"
        if role == Qt.ItemDataRole.FontRole:
            return _bold()
        return None

    def _claim_data(self, name: str, col: int, role: int) -> Any:
        sel = self.selection
        info = claim_info(name)
        if role == NAME_ROLE:
            return name
        if role == SEARCH_ROLE:
            return f"{info.label if info else ''} {name}".lower()
        if role == Qt.ItemDataRole.CheckStateRole:
            return self._check_state(name, col)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return _label(name, info)
            if col == 4:
                return value_text(sel.spec(name))
            if col == 5:
                return ", ".join(words for _, words in sel.notes(name))
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == 5:
            marks = [m for m, _ in sel.notes(name)]
            top = next((m for m in ("error", "warning", "info") if m in marks), None)
            return widgets.mark_icon(top) if top is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 5:
                found = sel.claim_findings(name)
                return "\n".join(f"{f.id}: {f.message}" for f in found) or None
            return f"{name}\n{info.description}" if info is not None else name
        return None

    def _check_state(self, name: str, col: int) -> Any:
        sel = self.selection
        if col == 0:
            on = sel.is_requested(name)
        elif col in _COL_TARGET:
            on = name in sel.request.target(_COL_TARGET[col])
        elif col == 3 and sel.is_requested(name):
            on = sel.is_essential(name)
        else:
            return None
        return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self._node(index)
        if node is None or node.name is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsUserCheckable:
            return False
        on = _checked(value)
        col = index.column()
        if col == 0:
            self.selection.set_requested(node.name, on)
        elif col in _COL_TARGET:
            self.selection.set_target(node.name, _COL_TARGET[col], on)
        else:
            self.selection.set_essential(node.name, on)
        return True


def _checked(value: Any) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    return bool(value == Qt.CheckState.Checked.value or value is True)


def _label(name: str, info: ClaimInfo | None) -> str:
    return info.label if info is not None else short_name(name)


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class ClaimsFilterModel(QSortFilterProxyModel):
    """Filters claims by label or name (case-insensitive), keeping their groups; optionally
    only the requested ones."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._text = ""
        self._requested_only = False

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().lower()))

    def set_requested_only(self, on: bool) -> None:
        self._refilter(lambda: setattr(self, "_requested_only", on))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10 deprecates invalidateFilter
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        name = model.data(index, NAME_ROLE)
        if name is None:  # a group: shown when a claim in it is (recursive filtering)
            return not self._text and not self._requested_only
        if self._requested_only and model.data(index, Qt.ItemDataRole.CheckStateRole) != (
            Qt.CheckState.Checked
        ):
            return False
        return not self._text or self._text in str(model.data(index, SEARCH_ROLE))
