"""The inspector: panes that show one step's result (discovery, HTTP, redirect, tokens).

Each pane is imported when first asked for (``from itsme_debugger.ui.inspector import
TokenView`` works as usual): the window's first frame needs none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .discovery_view import DiscoveryView
    from .http_view import HttpExchangeView
    from .metadata_view import MetadataView
    from .photo_view import PhotoView
    from .redirect_view import RedirectView
    from .token_view import TokenView

_MODULES = {
    "DiscoveryView": "discovery_view",
    "HttpExchangeView": "http_view",
    "MetadataView": "metadata_view",
    "PhotoView": "photo_view",
    "RedirectView": "redirect_view",
    "TokenView": "token_view",
}

__all__ = [
    "DiscoveryView",
    "HttpExchangeView",
    "MetadataView",
    "PhotoView",
    "RedirectView",
    "TokenView",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
