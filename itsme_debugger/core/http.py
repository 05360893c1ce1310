"""Immutable HTTP records: what the core builds and what it is given back.

The core never sends anything. It returns an :class:`HttpRequest`; ``itsme_debugger.net``
sends it and hands the :class:`HttpResponse` back to a ``process_*`` function.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

Headers = tuple[tuple[str, str], ...]


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, ``*.localhost`` and loopback IP addresses (RFC 6761, RFC 8252)."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _get(headers: Headers, name: str) -> str | None:
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""
    #: Names of form fields / headers that carry secrets (for masking in views and exports).
    secret_fields: frozenset[str] = field(default_factory=frozenset)

    def header(self, name: str) -> str | None:
        return _get(self.headers, name)

    @classmethod
    def form(
        cls,
        url: str,
        fields: dict[str, str],
        headers: Headers = (),
        secret_fields: frozenset[str] = frozenset(),
    ) -> HttpRequest:
        """A POST with an application/x-www-form-urlencoded body."""
        hdrs = (("Content-Type", "application/x-www-form-urlencoded"), *headers)
        return cls("POST", url, hdrs, urlencode(fields).encode("ascii"), secret_fields)

    @classmethod
    def get(cls, url: str, headers: Headers = ()) -> HttpRequest:
        return cls("GET", url, headers)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""
    url: str = ""
    #: Wall time from the first byte sent to the last byte read, in milliseconds.
    elapsed_ms: float = 0.0

    def header(self, name: str) -> str | None:
        return _get(self.headers, name)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The parsed JSON body; raises ValueError when the body is not JSON (or nests so
        deeply that the parser gives up: a hostile body must not end in RecursionError)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
