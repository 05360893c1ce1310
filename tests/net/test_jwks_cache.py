"""The provider's JWK Set: fetched once, refetched within bounds when keys rotate."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from jwcrypto import jwk

from itsme_debugger.core.trace import Trace
from itsme_debugger.net.errors import NetworkError
from itsme_debugger.net.jwks_cache import JwksCache
from itsme_debugger.net.recorder import RecordingClient

JWKS_URI = "https://op.example/v2/jwkSet"


def public(kid: str | None) -> dict[str, Any]:
    key = jwk.JWK.generate(kty="EC", crv="P-256", **({"kid": kid} if kid else {}))
    return key.export_public(as_dict=True)


class Provider:
    """Serves ``sets[n]`` on the n-th fetch (the last one from then on)."""

    def __init__(self, *sets: list[dict[str, Any]]) -> None:
        self.sets = sets
        self.fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URI
        keys = self.sets[min(self.fetches, len(self.sets) - 1)]
        self.fetches += 1
        return httpx.Response(
            200,
            headers={"Content-Type": "application/json"},
            content=json.dumps({"keys": keys}).encode(),
        )


def run(provider: Provider, body: Any) -> Trace:
    """Run ``body(cache)`` against ``provider``; the trace of what was fetched."""
    trace = Trace()

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
            await body(JwksCache(RecordingClient(trace, client=client), JWKS_URI))

    asyncio.run(main())
    return trace


def steps(trace: Trace) -> list[str]:
    return [ex.step for ex in trace]


def test_fetched_once_then_cached():
    provider = Provider([public("k1")])

    async def body(cache: JwksCache) -> None:
        first = await cache.get()
        again = await cache.get()
        assert again is first
        assert first.get_key("k1") is not None
        assert cache.findings == []

    assert steps(run(provider, body)) == ["jwks"]


def test_concurrent_gets_fetch_once():
    provider = Provider([public("k1")])

    async def body(cache: JwksCache) -> None:
        a, b = await asyncio.gather(cache.get(), cache.get())
        assert a is b

    assert steps(run(provider, body)) == ["jwks"]


def test_rotated_key_is_found_by_one_refetch():
    provider = Provider([public("old")], [public("old"), public("new")])

    async def body(cache: JwksCache) -> None:
        await cache.get()
        keys = await cache.refetch_for_kid("new")
        assert keys is not None and keys.get_key("new") is not None
        assert await cache.get() is keys
        assert [f.id for f in cache.findings] == ["jwks.key_rotated"]

    assert steps(run(provider, body)) == ["jwks", "jwks-refresh"]


def test_refetch_before_get_fetches_first():
    provider = Provider([public("k1")], [public("k2")])

    async def body(cache: JwksCache) -> None:
        keys = await cache.refetch_for_kid("k2")
        assert keys is not None and keys.get_key("k2") is not None

    assert steps(run(provider, body)) == ["jwks", "jwks-refresh"]


def test_kid_already_cached_needs_no_refetch():
    provider = Provider([public("k1")])

    async def body(cache: JwksCache) -> None:
        keys = await cache.refetch_for_kid("k1")
        assert keys is not None and keys is await cache.get()

    assert steps(run(provider, body)) == ["jwks"]


def test_unknown_kid_is_refetched_once_only():
    provider = Provider([public("k1")])

    async def body(cache: JwksCache) -> None:
        assert await cache.refetch_for_kid("forged") is None
        assert await cache.refetch_for_kid("forged") is None
        assert [f.id for f in cache.findings] == ["jwks.kid_not_found"]
        assert "'forged'" in cache.findings[0].message

    assert steps(run(provider, body)) == ["jwks", "jwks-refresh"]


def test_no_more_than_three_refetches_per_cache():
    provider = Provider([public("k1")])

    async def body(cache: JwksCache) -> None:
        for kid in ("a", "b", "c", "d", "e"):
            assert await cache.refetch_for_kid(kid) is None
        assert [f.id for f in cache.findings][-2:] == ["jwks.refetch_limit"] * 2

    assert steps(run(provider, body)) == ["jwks"] + ["jwks-refresh"] * 3


def test_failed_refetch_keeps_the_keys_fetched_before():
    class Flaky(Provider):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if self.fetches:
                raise httpx.ConnectError("refused", request=request)
            return super().__call__(request)

    provider = Flaky([public("k1")])

    async def body(cache: JwksCache) -> None:
        before = await cache.get()
        assert await cache.refetch_for_kid("k2") is None
        assert await cache.get() is before
        assert [f.id for f in cache.findings] == ["jwks.refetch_failed"]

    trace = run(provider, body)
    assert steps(trace) == ["jwks", "jwks-refresh"]
    assert trace[1].error is not None


def test_first_fetch_failure_raises():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as client:
            cache = JwksCache(RecordingClient(Trace(), client=client), JWKS_URI)
            with pytest.raises(NetworkError):
                await cache.get()

    asyncio.run(main())


def test_findings_about_the_set_are_not_repeated_by_a_refetch():
    provider = Provider([public(None)])

    async def body(cache: JwksCache) -> None:
        await cache.get()
        await cache.refetch_for_kid("k9")
        assert [f.id for f in cache.findings] == ["jwks.kid_missing", "jwks.kid_not_found"]

    run(provider, body)
