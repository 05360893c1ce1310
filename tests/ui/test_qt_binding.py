"""The Qt binding we run on: guards for defects that crash the app."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

pytestmark = pytest.mark.gui


class _Emitter(QObject):
    fired = Signal(object)


def test_signal_emit_keeps_the_refcount_of_true() -> None:
    """PySide6 6.12.0 drops a reference to True on every emit and aborts the process
    ("bool_dealloc") after a few hundred: pyproject.toml excludes that release."""
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.fired.emit(1)
    # Unrelated code may take or drop a reference or two; 6.12.0 drops one per emit.
    assert abs(sys.getrefcount(True) - before) < 20
