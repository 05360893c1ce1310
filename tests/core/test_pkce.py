"""PKCE (RFC 7636): the S256 challenge, verifier syntax, and the provider's check."""

from __future__ import annotations

import pytest

from itsme_debugger.core.pkce import challenge_s256, check_verifier, make_verifier, verify

# RFC 7636, appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_challenge_matches_rfc_7636_appendix_b():
    assert challenge_s256(RFC_VERIFIER) == RFC_CHALLENGE


def test_verify_accepts_the_matching_verifier():
    assert verify(RFC_VERIFIER, RFC_CHALLENGE)


def test_verify_rejects_another_verifier():
    assert not verify(make_verifier(), RFC_CHALLENGE)


def test_verify_plain_compares_verbatim():
    assert verify(RFC_VERIFIER, RFC_VERIFIER, "plain")
    assert not verify(RFC_VERIFIER, RFC_CHALLENGE, "plain")


def test_verify_unknown_method_fails():
    assert not verify(RFC_VERIFIER, RFC_CHALLENGE, "S512")


def test_made_verifiers_are_valid_and_fresh():
    a, b = make_verifier(), make_verifier()
    assert a != b
    assert len(a) == 64
    assert check_verifier(a) == []


@pytest.mark.parametrize("length", [43, 128])
def test_check_verifier_accepts_the_length_bounds(length):
    assert check_verifier("a" * length) == []


@pytest.mark.parametrize("length", [42, 129])
def test_check_verifier_rejects_lengths_out_of_bounds(length):
    [finding] = check_verifier("a" * length)
    assert finding.id == "pkce.verifier_invalid"
    assert f"got {length} characters" in finding.message


def test_check_verifier_rejects_reserved_characters():
    [finding] = check_verifier("a" * 42 + "+")
    assert finding.id == "pkce.verifier_invalid"
    assert "outside" in finding.message
