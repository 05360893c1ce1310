"""One TLS context per process for every HTTP client of the app.

httpx builds a new ``ssl.SSLContext`` for each client, loading the CA bundle: tens of
milliseconds, and on the UI thread when a flow starts in the window. The context is the same
every time, so it is built once (per ``trust_env``: with it, ``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` are honoured) and shared.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls_context(trust_env: bool = True) -> ssl.SSLContext:
    """The verifying TLS context httpx would build for a client with this ``trust_env``."""
    return httpx.create_ssl_context(trust_env=trust_env)
