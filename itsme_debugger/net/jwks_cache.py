"""The provider's JWK Set, fetched once and refetched, within bounds, when keys rotate.

A token signed with a ``kid`` the cached set lacks may mean the provider rotated its keys
(OIDC Core 10.1.1): :meth:`JwksCache.refetch_for_kid` fetches the set again, once per unknown
kid and at most :data:`MAX_REFETCHES` times per cache, so a forged or stale kid cannot make the
debugger hammer the provider.
"""

from __future__ import annotations

import asyncio

from jwcrypto import jwk

from itsme_debugger.core.discovery import build_jwks_request, process_jwks_response
from itsme_debugger.core.errors import ProviderError
from itsme_debugger.core.findings import Finding, info, warning

from .recorder import RecordingClient

MAX_REFETCHES = 3
_ROTATION = "OIDC Core 10.1.1"


class JwksCache:
    """The JWK Set at ``jwks_uri``; ``findings`` collects what fetching it showed."""

    def __init__(self, client: RecordingClient, jwks_uri: str) -> None:
        self.client = client
        self.jwks_uri = jwks_uri
        self.findings: list[Finding] = []
        self._keys: jwk.JWKSet | None = None
        self._tried: set[str] = set()
        self._refetches = 0
        self._reported: set[tuple[str, str]] = set()
        self._lock = asyncio.Lock()

    async def get(self) -> jwk.JWKSet:
        """The key set: fetched on the first call (step ``jwks``), then from the cache."""
        async with self._lock:
            if self._keys is None:
                self._keys = await self._fetch("jwks")
            return self._keys

    async def refetch_for_kid(self, kid: str) -> jwk.JWKSet | None:
        """Fetch the set again because ``kid`` is not in it; the new set if it now has the kid.

        None when the refetched set lacks the kid too, when this kid was refetched for
        already, or when the cache has used up its refetches.
        """
        await self.get()
        async with self._lock:
            if _has_kid(self._keys, kid):
                return self._keys  # there already, or another caller's refetch brought it
            if kid in self._tried:
                return None
            if self._refetches >= MAX_REFETCHES:
                self.findings.append(
                    info(
                        "jwks.refetch_limit",
                        f"no key with kid {kid!r} in the provider's JWK Set, which is not fetched "
                        f"again: it was refetched {MAX_REFETCHES} times already in this flow",
                        _ROTATION,
                        "jwks",
                    )
                )
                return None
            self._tried.add(kid)
            self._refetches += 1
            try:
                self._keys = await self._fetch("jwks-refresh")
            except ProviderError as exc:
                self.findings.append(
                    warning(
                        "jwks.refetch_failed",
                        f"fetching the JWK Set again for kid {kid!r} failed ({exc.message}); "
                        "the keys fetched before are kept",
                        _ROTATION,
                        "jwks",
                    )
                )
                return None
            if _has_kid(self._keys, kid):
                self.findings.append(
                    info(
                        "jwks.key_rotated",
                        f"the key with kid {kid!r} was not in the cached JWK Set but is in the "
                        "one fetched again: the provider rotated its keys",
                        _ROTATION,
                        "jwks",
                    )
                )
                return self._keys
            self.findings.append(
                warning(
                    "jwks.kid_not_found",
                    f"expected a key with kid {kid!r} in the provider's JWK Set, found none even "
                    f"after fetching it again from {self.jwks_uri}",
                    _ROTATION,
                    "jwks",
                )
            )
            return None

    async def _fetch(self, step: str) -> jwk.JWKSet:
        resp = await self.client.send(build_jwks_request(self.jwks_uri), step)
        keys, findings = process_jwks_response(resp)
        for f in findings:  # a refetched set repeats what was said about the first one
            if (f.id, f.message) not in self._reported:
                self._reported.add((f.id, f.message))
                self.findings.append(f)
        return keys


def _has_kid(keys: jwk.JWKSet | None, kid: str) -> bool:
    return keys is not None and keys.get_key(kid) is not None


__all__ = ["MAX_REFETCHES", "JwksCache"]
