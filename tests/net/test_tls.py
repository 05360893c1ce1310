"""One TLS context for every client: built once, and it still verifies certificates."""

from __future__ import annotations

import ssl

import httpx

from itsme_debugger.core.trace import Trace
from itsme_debugger.net.recorder import RecordingClient
from itsme_debugger.net.tls import tls_context


def _context_of(client: httpx.AsyncClient) -> ssl.SSLContext:
    pool = client._transport._pool  # type: ignore[attr-defined]
    return pool._ssl_context  # type: ignore[no-any-return]


def test_the_shared_context_verifies_certificates_and_host_names() -> None:
    for trust_env in (True, False):
        context = tls_context(trust_env)
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname
        assert context is tls_context(trust_env)  # built once


def test_every_flow_reuses_it_instead_of_loading_the_ca_bundle_again() -> None:
    first, second = RecordingClient(Trace()), RecordingClient(Trace())
    for url in ("https://op.example/token", "http://127.0.0.1:8080/token"):
        a = first._client_for(httpx.URL(url))
        b = second._client_for(httpx.URL(url))
        assert a is not b
        assert _context_of(a) is _context_of(b)


def test_without_verification_no_shared_context_is_used() -> None:
    client = RecordingClient(Trace(), verify=False)._client_for(httpx.URL("https://op.example"))
    assert _context_of(client).verify_mode is ssl.CERT_NONE
