"""Resource attacks on a client that decrypts and inflates what it is sent.

Every case ends by itself, well within the bounds of :class:`~.conftest.Outcome` (wall time and
the child's peak RSS), with exit 1 (a token refused) or 3 (the provider failed the flow).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import zlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto import jwk

from itsme_debugger.core.b64 import b64url_encode

from .conftest import MAX_RSS, Outcome, case
from .hooks import point, signed_with, sleep_forever, to_client
from .provider import Claims, HostileProvider, public

MB = 1024 * 1024


@functools.cache
def _deflated_zeros(size: int) -> bytes:
    """``size`` zero bytes, raw-DEFLATEd (RFC 1951) chunk by chunk: ~1,000 to 1."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MB)
    out = [squeeze.compress(chunk) for _ in range(size // MB)]
    return b"".join([*out, squeeze.flush()])


def _bomb_to(key: jwk.JWK, size: int = 100 * MB) -> str:
    """A JWE (RSA-OAEP, A256GCM, zip DEF) whose plaintext inflates to ``size`` bytes.

    Built by hand: jwcrypto would need the whole plaintext in memory to compress it.
    """
    header = b64url_encode(
        json.dumps(
            {"alg": "RSA-OAEP", "enc": "A256GCM", "zip": "DEF", "kid": key.get("kid")}
        ).encode()
    )
    cek, iv = os.urandom(32), os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, _deflated_zeros(size), header.encode())
    oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    wrapped = key.get_op_key("wrapKey").encrypt(cek, oaep)
    parts = [wrapped, iv, sealed[:-16], sealed[-16:]]
    return ".".join([header, *(b64url_encode(p) for p in parts)])


@case(id_token=lambda claims, op: _bomb_to(jwk.JWK(**public(op.keys.rp_enc))))
def test_zip_def_compression_bomb_refused(outcome: Outcome) -> None:
    """100 MB of zeros in a 140 KB token: inflating stops at the plaintext cap."""
    run = outcome.rejected("id_token.too_large")
    assert run.max_rss < 200 * MB
    assert outcome.calls.get("userinfo", 0) == 0


@case(userinfo=lambda claims, op: _bomb_to(jwk.JWK(**public(op.keys.rp_enc))))
def test_zip_def_bomb_in_userinfo_refused(outcome: Outcome) -> None:
    run = outcome.rejected("userinfo.too_large")
    assert run.max_rss < 200 * MB


@case(id_token=lambda claims, op: to_client(op.sign({**claims, "pad": "x" * (400 * 1024)}), op))
def test_huge_jwe_refused_before_decrypting(outcome: Outcome) -> None:
    outcome.rejected("id_token.too_large")


def _nested(claims: Claims, op: HostileProvider) -> str:
    token = op.sign(claims)
    for _ in range(8):
        token = to_client(token, op)
    return token


@case(id_token=_nested)
def test_nested_encryption_stops_peeling(outcome: Outcome) -> None:
    outcome.rejected("id_token.nesting_too_deep")


@case(id_token_claims=lambda c, op: {**c, "deep": json.loads(b"[" * 900 + b"]" * 900)})
def test_deep_claims_decoded_without_a_crash(outcome: Outcome) -> None:
    outcome.assert_bounded()
    assert outcome.run.code in (0, 1), outcome.explain()


@case(id_token=lambda claims, op: op.sign(b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"))
def test_claims_nested_too_deep_rejected(outcome: Outcome) -> None:
    outcome.rejected("id_token.claims_not_object")


async def _huge_token_answer(writer: asyncio.StreamWriter) -> None:
    """100 MB of JSON with its Content-Length, streamed (the test process stays small)."""
    size = 100 * MB
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {size}\r\n\r\n".encode()
        + b'{"access_token": "'
    )
    chunk = b"a" * 65536
    for _ in range(size // len(chunk)):
        writer.write(chunk)
        await writer.drain()


@case(raw=_huge_token_answer, discovery=point("token_endpoint", lambda op: op.raw_url))
def test_100_mb_answer_is_cut_off(outcome: Outcome) -> None:
    """The token endpoint answers 100 MB: reading stops at the client's cap."""
    run = outcome.failed("network.protocol")
    assert run.max_rss < MAX_RSS


async def _trickle(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"
    )
    while True:
        await writer.drain()
        writer.write(b" ")
        await asyncio.sleep(0.05)


@case(raw=_trickle, discovery=point("token_endpoint", lambda op: op.raw_url))
def test_body_that_trickles_forever_times_out(outcome: Outcome) -> None:
    run = outcome.failed("network.timeout")
    assert run.seconds < 10


async def _endless_header(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
    chunk = b"a" * 65536
    while True:
        writer.write(chunk)
        await writer.drain()


@case(raw=_endless_header, discovery=point("token_endpoint", lambda op: op.raw_url))
def test_header_that_never_ends_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()
    assert run.error_code in ("network.protocol", "network.timeout"), outcome.explain()


async def _huge_stream(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    chunk = os.urandom(1024) * 64
    for _ in range(100 * MB // len(chunk)):
        writer.write(chunk)
        await writer.drain()


@case(raw=_huge_stream, discovery=point("userinfo_endpoint", lambda op: op.raw_url))
def test_100_mb_stream_without_length_is_cut_off(outcome: Outcome) -> None:
    run = outcome.failed("network.protocol")
    assert run.max_rss < MAX_RSS


@case(raw=sleep_forever, discovery=point("jwks_uri", lambda op: op.raw_url))
def test_jwks_that_never_answers_times_out(outcome: Outcome) -> None:
    run = outcome.failed("network.timeout")
    assert outcome.calls.get("userinfo", 0) == 0
    assert run.seconds < 10


@case(delay={"token": 6.0})
def test_slow_provider_beyond_the_timeout(outcome: Outcome) -> None:
    """The token endpoint answers after 6 s; the profile's timeout is 2 s."""
    run = outcome.failed("network.timeout")
    assert run.step("token")["status"] == "error"
    assert run.seconds < 6


@case(delay={".well-known/openid-configuration": 6.0})
def test_slow_discovery_beyond_the_timeout(outcome: Outcome) -> None:
    run = outcome.failed("network.timeout")
    assert outcome.calls.get("authorize", 0) == 0
    assert run.seconds < 6


def _many_keys(op: HostileProvider) -> dict[str, object]:
    base = public(op.keys.rsa2)
    junk = [{**base, "kid": f"k{i}"} for i in range(3000)]
    return {"keys": [*junk, public(op.keys.rsa1)]}


@case(jwks=_many_keys, id_token=signed_with(lambda op: op.keys.rsa1, kid=False))
def test_thousands_of_keys_without_a_kid_in_the_token(outcome: Outcome) -> None:
    """3,001 keys, a token without kid: bounded work to find the one that verifies (or not)."""
    outcome.assert_bounded()
    assert outcome.run.code in (0, 1)


@case(id_token=lambda claims, op: op.sign(claims).replace(".", "." + "A" * 300_000, 1))
def test_oversized_signed_token_refused(outcome: Outcome) -> None:
    outcome.rejected("id_token.too_large")


@case(id_token=lambda claims, op: zlib.compress(b"x").hex())
def test_garbage_id_token_rejected(outcome: Outcome) -> None:
    outcome.rejected("id_token.malformed")


def _huge_moduli(op: HostileProvider) -> dict[str, object]:
    def modulus(bits: int) -> str:
        n = int.from_bytes(os.urandom(bits // 8), "big") | (1 << (bits - 1)) | 1
        return b64url_encode(n.to_bytes(bits // 8, "big"))

    return {
        "keys": [
            {"kty": "RSA", "kid": "op-rsa-1", "use": "sig", "n": modulus(16384), "e": "AQAB"},
            {"kty": "RSA", "kid": "huge", "use": "sig", "n": modulus(65536), "e": "AQAB"},
            public(op.keys.op_enc1),
        ]
    }


@case(jwks=_huge_moduli)
def test_keys_with_huge_moduli_cost_bounded_time(outcome: Outcome) -> None:
    """A 16,384-bit and a 65,536-bit "key": verification fails (or the key is refused) fast."""
    outcome.rejected("id_token.signature_invalid")
    assert outcome.run.seconds < 10
