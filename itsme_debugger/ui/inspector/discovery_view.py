"""The discovery pane: the provider's metadata document as a tree, with its findings."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from itsme_debugger.core.discovery import ProviderMetadata
from itsme_debugger.core.findings import Finding
from itsme_debugger.ui import widgets


class DiscoveryView(QWidget):
    """Issuer and document (a JSON tree with copy) above the findings about it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = widgets.JsonTreeView()
        self.findings = widgets.FindingsList()
        findings_page = QWidget()
        findings_box = QVBoxLayout(findings_page)
        findings_box.addWidget(self.findings)
        findings_box.addStretch(1)
        self._findings_scroll = findings_scroll = QScrollArea()
        findings_scroll.setWidgetResizable(True)
        findings_scroll.setWidget(findings_page)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(findings_scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        self.show_metadata(None, ())

    def show_metadata(self, metadata: ProviderMetadata | None, findings: Sequence[Finding]) -> None:
        if metadata is None:
            self.title.setText("<i>No discovery document yet: run the flow.</i>")
            self.tree.set_document({})
        else:
            n = len(metadata.raw)
            self.title.setText(
                f"<b>Issuer</b> {html.escape(metadata.issuer)} &nbsp; "
                f"({n} member{'s' if n != 1 else ''})"
            )
            self.tree.set_document(dict(metadata.raw))
        self.tree.setVisible(metadata is not None)
        self.findings.set_findings(findings)
        self._findings_scroll.setVisible(bool(findings))
