"""The authorization response and the nonce: rp-nonce-*, state, RFC 9207 iss.

A bad redirect must never lead to the code being redeemed: the token endpoint is not called.
"""

from __future__ import annotations

from .conftest import Outcome, case
from .hooks import with_claims, without


def _not_redeemed(outcome: Outcome) -> None:
    assert outcome.calls.get("token", 0) == 0, outcome.explain()
    assert outcome.run.step("token")["status"] == "skipped"


@case(id_token_claims=with_claims(nonce="not-the-nonce-that-was-sent"))
def test_nonce_invalid_rejected(outcome: Outcome) -> None:
    """rp-nonce-invalid / oidcc-client-test-nonce-invalid."""
    outcome.rejected("id_token.nonce_mismatch")
    assert outcome.calls.get("userinfo", 0) == 0


@case(id_token_claims=without("nonce"))
def test_nonce_missing_rejected(outcome: Outcome) -> None:
    """A nonce was sent (always, even in the code flow): the ID token must return it."""
    outcome.rejected("id_token.nonce_missing")
    assert outcome.calls.get("userinfo", 0) == 0


@case(id_token_claims=lambda c, op: {**c, "nonce": [c["nonce"]]})
def test_nonce_as_a_list_rejected(outcome: Outcome) -> None:
    outcome.rejected("id_token.nonce_mismatch")


@case(redirect=lambda a, op: {**a, "state": "forged-" + a["state"]})
def test_state_mismatch_never_redeems_the_code(outcome: Outcome) -> None:
    outcome.rejected("redirect.state_mismatch")
    _not_redeemed(outcome)


@case(redirect=lambda a, op: {k: v for k, v in a.items() if k != "state"})
def test_state_missing_never_redeems_the_code(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 1, outcome.explain()
    assert any(f.startswith("redirect.state") for f in run.error_ids()), outcome.explain()
    _not_redeemed(outcome)


@case(redirect=lambda a, op: {**a, "iss": "https://attacker.example/op"})
def test_iss_of_another_provider_never_redeems_the_code(outcome: Outcome) -> None:
    """RFC 9207: a mix-up attack shows as another iss in the authorization response."""
    outcome.rejected("redirect.iss_mismatch")
    _not_redeemed(outcome)


@case(
    redirect=lambda a, op: {
        "error": "access_denied",
        "error_description": "no",
        "state": a["state"],
    }
)
def test_access_denied_is_a_provider_refusal(outcome: Outcome) -> None:
    outcome.failed("authorization.error.access_denied")
    _not_redeemed(outcome)


@case(redirect=lambda a, op: {"state": a["state"], "iss": a["iss"]})
def test_redirect_without_code_never_calls_the_token_endpoint(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code in (1, 3), outcome.explain()
    _not_redeemed(outcome)


@case(redirect=lambda a, op: {**a, "code": "x" * 5000})
def test_huge_code_is_refused_or_redeemed_once(outcome: Outcome) -> None:
    """A 5,000-character code: whatever the outcome, one token request at most."""
    outcome.assert_bounded()
    assert outcome.calls.get("token", 0) <= 1
