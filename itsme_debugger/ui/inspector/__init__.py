"""The inspector: panes that show one step's result (discovery, HTTP, redirect, tokens)."""

from .discovery_view import DiscoveryView
from .http_view import HttpExchangeView
from .metadata_view import MetadataView
from .photo_view import PhotoView
from .redirect_view import RedirectView
from .token_view import TokenView

__all__ = [
    "DiscoveryView",
    "HttpExchangeView",
    "MetadataView",
    "PhotoView",
    "RedirectView",
    "TokenView",
]
