"""The desktop GUI: the only package that imports PySide6 and qasync.

Importing it first makes every later import cheaper. Once shiboken (under PySide6) is loaded,
its import hook asks of each newly imported module whether it uses PySide6, by reading the
module's whole source with ``inspect.getsource`` (PYSIDE-2029, for the opt-in
``from __feature__ import snake_case``): for cryptography, jwcrypto, httpx and our own modules
that is tens of milliseconds of start-up and megabytes of source kept in ``linecache``. The
app selects no ``__feature__``, so the answer only has to be right for modules that could:
ours under ``itsme_debugger.ui`` say so by their name, the rest are left out of the switch.
"""

from __future__ import annotations

import sys
from types import ModuleType

import shiboken6  # noqa: F401  (installs the import hook this module tames)


def _uses_pyside(module: ModuleType) -> bool:
    name = getattr(module, "__name__", "")
    return name.startswith(("PySide6", __name__))


def _skip_source_scan() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        setattr(feature, "_mod_uses_pyside", _uses_pyside)  # noqa: B010


_skip_source_scan()
