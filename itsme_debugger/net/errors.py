"""Errors of the network layer.

A failed request is the provider's (or the network's) doing, not ours, so it sits under
:class:`~itsme_debugger.core.errors.ProviderError` (exit 3)::

    ProviderError
    └── NetworkError        no usable HTTP answer came back; ``code`` says why:
                            network.timeout   no answer within the timeout
                            network.connect   refused, unreachable, unknown host, bad URL
                            network.tls       the TLS handshake failed (certificate, protocol)
                            network.protocol  the answer broke HTTP, or was too large

The ``message`` is one line that names the URL (never its query: it may carry secrets).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from itsme_debugger.core.errors import ProviderError

TIMEOUT = "network.timeout"
CONNECT = "network.connect"
TLS = "network.tls"
PROTOCOL = "network.protocol"


class NetworkError(ProviderError):
    code = CONNECT

    def __init__(self, message: str, *, code: str | None = None, url: str = "") -> None:
        super().__init__(message, code=code)
        self.url = url


def display_url(url: str) -> str:
    """``url`` without credentials, query and fragment, for one-line messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    netloc = parts.netloc.rsplit("@", 1)[-1]  # no user:password
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


__all__ = ["CONNECT", "PROTOCOL", "TIMEOUT", "TLS", "NetworkError", "display_url"]
