"""The provider's keys: rp-key-rotation-*, oidcc-client-test-signing-key-rotation*, bad JWKS.

The JWK Set is fetched once per flow, and again at most once when a token names a kid the set
lacks: a forged kid cannot make the debugger hammer the provider.
"""

from __future__ import annotations

from typing import Any

from .conftest import Outcome, case
from .hooks import raw_body
from .provider import HostileProvider, public

SIGNED_ENCRYPTED = 'request_object = "signed+encrypted"'


def _rotate_during_authorization(answer: dict[str, str], op: HostileProvider) -> dict[str, str]:
    # The debugger fetched the JWKS to encrypt its request object; now the provider rotates.
    op.rotate_signing_key()
    return answer


@case(request=SIGNED_ENCRYPTED, redirect=_rotate_during_authorization)
def test_op_sign_key_rotation_just_before_signing(outcome: Outcome) -> None:
    """rp-key-rotation-op-sign-key / oidcc-client-test-signing-key-rotation-just-before-signing:
    the ID token names a kid the cached set lacks; one refetch finds it."""
    run = outcome.accepted()
    assert outcome.calls["jwks"] == 2
    assert "jwks.key_rotated" in run.finding_ids()
    assert run.report["id_token"]["jws_header"]["kid"] == "op-rsa-2"


def _overlap(op: HostileProvider) -> dict[str, Any]:
    # A provider that rotates the usual way publishes the old and the new key for a while.
    return {"keys": [public(op.keys.rsa1), public(op.keys.rsa2), public(op.keys.op_enc1)]}


@case(jwks=_overlap, id_token=lambda claims, op: op.sign(claims, op.keys.rsa2))
def test_op_sign_key_rotation_native(outcome: Outcome) -> None:
    """rp-key-rotation-op-sign-key-native / oidcc-client-test-signing-key-rotation: the new key
    is published beside the old one; the kid picks it, with no refetch."""
    outcome.accepted()
    assert outcome.calls["jwks"] == 1


@case(
    request=SIGNED_ENCRYPTED,
    flows=2,
    between_flows=lambda op: op.rotate_encryption_key(),
)
def test_op_enc_key_rotation(outcome: Outcome) -> None:
    """rp-key-rotation-op-enc-key: the second flow encrypts its request object to the new key."""
    outcome.accepted()
    kids = [r.get("kid") for r in outcome.op.seen.request_objects]
    assert kids == ["op-enc-1", "op-enc-2"], kids
    assert all(r.get("verified") for r in outcome.op.seen.request_objects)


@case(
    request=SIGNED_ENCRYPTED,
    redirect=_rotate_during_authorization,
    jwks=lambda op: {"keys": [public(op.keys.rsa1), public(op.keys.op_enc1)]},
    id_token=lambda claims, op: op.sign(claims, op.keys.rsa2),
)
def test_kid_still_unknown_after_the_refetch_rejected(outcome: Outcome) -> None:
    """The refetched set still lacks the kid: rejected, and the JWKS fetched twice, not more."""
    outcome.rejected("id_token.unknown_kid")
    assert outcome.calls["jwks"] == 2
    assert "jwks.kid_not_found" in outcome.run.finding_ids()


def _random_kid(claims: dict[str, Any], op: HostileProvider) -> str:
    return op.sign(claims, op.keys.rsa1, headers={"kid": f"forged-{op.seen.calls['jwks']}"})


@case(id_token=_random_kid)
def test_forged_kid_refetches_the_jwks_once(outcome: Outcome) -> None:
    outcome.rejected("id_token.unknown_kid")
    assert outcome.calls["jwks"] == 2, outcome.explain()


@case(userinfo=lambda claims, op: _random_kid({**claims, "iss": op.issuer, "aud": "x"}, op))
def test_forged_kid_in_userinfo_does_not_refetch(outcome: Outcome) -> None:
    """The ID token verified with the keys just fetched: UserInfo's unknown kid is refused
    without fetching the set again."""
    outcome.rejected("userinfo.unknown_kid")
    assert outcome.calls["jwks"] == 1, outcome.explain()


@case(jwks=lambda op: {"keys": [{**public(op.keys.rsa1), "d": "AAAA"}, public(op.keys.op_enc1)]})
def test_private_key_in_the_jwks_reported(outcome: Outcome) -> None:
    """Anyone can forge with a key whose private part is public."""
    outcome.rejected("jwks.private_key_published")


@case(
    jwks=lambda op: {
        "keys": [
            {"kty": "RSA", "kid": "broken", "n": "%%%", "e": "AQAB"},
            {"kty": "EC", "kid": "bad-curve", "crv": "P-999", "x": "AA", "y": "AA"},
            {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"},
            "not a key",
            public(op.keys.rsa1),
        ]
    }
)
def test_unusable_keys_are_skipped(outcome: Outcome) -> None:
    """Junk beside the real key: each skipped with a finding, the real one still verifies."""
    run = outcome.assert_bounded()
    assert run.report["id_token"]["claims"]["sub"]
    assert "jwks.key_invalid" in run.finding_ids()
    assert "id_token.signature_invalid" not in run.finding_ids()


@case(jwks=lambda op: {"keys": []})
def test_empty_jwks_rejected(outcome: Outcome) -> None:
    outcome.rejected("jwks.no_keys")
    assert outcome.calls.get("userinfo", 0) == 0


@case(jwks=raw_body(b"<html>keys are elsewhere</html>", "text/html"))
def test_jwks_not_json_is_a_provider_failure(outcome: Outcome) -> None:
    outcome.failed("jwks.not_json")
    assert outcome.calls.get("userinfo", 0) == 0


@case(jwks=raw_body(b'{"error": "server_error"}', status=500))
def test_jwks_server_error_is_a_provider_failure(outcome: Outcome) -> None:
    outcome.assert_bounded()
    assert outcome.run.code == 3, outcome.explain()
    assert outcome.calls.get("userinfo", 0) == 0


@case(
    jwks=lambda op: {
        "keys": [
            {**public(op.keys.rsa1), "kid": "same"},
            {**public(op.keys.rsa2), "kid": "same"},
        ]
    },
    id_token=lambda claims, op: op.sign(claims, op.keys.rsa2, headers={"kid": "same"}),
)
def test_duplicate_kids_still_verify(outcome: Outcome) -> None:
    run = outcome.accepted()
    assert "jwks.duplicate_kid" in run.finding_ids()
