"""UserInfo: rp-userinfo-*, oidcc-client-test-userinfo-* and a provider that answers badly."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from itsme_debugger.net.httpserver import Response

from .conftest import Outcome, case
from .hooks import nested_json, raw_body, tampered, to_client, with_claims
from .provider import CLIENT_ID, Claims, HostileProvider


def _signed(claims: Claims, op: HostileProvider) -> str:
    return op.sign({**claims, "iss": op.issuer, "aud": CLIENT_ID})


@case()
def test_bearer_header(outcome: Outcome) -> None:
    """rp-userinfo-bearer-header / oidcc-client-test-userinfo-bearer-header: the access token
    goes in the Authorization header, never in the URL."""
    outcome.accepted()
    (request,) = outcome.op.seen.userinfo
    assert request.header("authorization") == f"Bearer {outcome.op.access_token}"
    assert outcome.op.access_token not in request.target
    assert not urlsplit(request.target).query


@case(userinfo=with_claims(sub="someone-else"))
def test_bad_sub_claim_rejected(outcome: Outcome) -> None:
    """rp-userinfo-bad-sub-claim / oidcc-client-test-userinfo-invalid-sub."""
    outcome.rejected("userinfo.sub_mismatch")


@case(userinfo=lambda claims, op: {k: v for k, v in claims.items() if k != "sub"})
def test_sub_missing_rejected(outcome: Outcome) -> None:
    outcome.rejected("userinfo.sub_missing")


@case()
def test_scope_userinfo_claims(outcome: Outcome) -> None:
    """rp-scope-userinfo-claims / oidcc-client-test-scope-userinfo-claims: the profile and
    email scopes' claims come back from UserInfo."""
    run = outcome.accepted()
    assert "profile" in outcome.op.seen.authorization[0]["scope"].split()
    claims = run.report["userinfo"]["claims"]
    assert {"name", "email"} <= set(claims)


@case(userinfo=_signed)
def test_signed_accepted(outcome: Outcome) -> None:
    """rp-userinfo-sig / oidcc-client-test-userinfo-signed."""
    run = outcome.accepted()
    assert run.report["userinfo"]["format"] == "jwt"
    assert run.report["userinfo"]["claims"]["sub"]


@case(userinfo=lambda claims, op: to_client(json.dumps(claims), op, cty=None))
def test_encrypted_accepted(outcome: Outcome) -> None:
    """rp-userinfo-enc: encrypted only (OIDC Core 5.3.2 allows it)."""
    run = outcome.accepted()
    assert run.report["userinfo"]["format"] == "jwt"
    assert run.report["userinfo"]["claims"]["sub"]


@case(userinfo=lambda claims, op: to_client(_signed(claims, op), op))
def test_signed_and_encrypted_accepted(outcome: Outcome) -> None:
    """rp-userinfo-sig+enc (what itsme sends)."""
    run = outcome.accepted()
    assert run.report["userinfo"]["claims"]["sub"]


@case(userinfo=lambda claims, op: tampered(_signed(claims, op)))
def test_bad_signature_rejected(outcome: Outcome) -> None:
    outcome.rejected("userinfo.signature_invalid")


@case(userinfo=lambda claims, op: op.sign({**claims, "iss": "https://attacker.example"}))
def test_signed_by_another_issuer_warned(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert "userinfo.iss_mismatch" in run.finding_ids()


@case(
    userinfo=lambda claims, op: Response(
        401, (("WWW-Authenticate", 'Bearer error="invalid_token", error_description="gone"'),)
    )
)
def test_invalid_token_is_a_provider_refusal(outcome: Outcome) -> None:
    outcome.failed("userinfo.error.invalid_token")


@case(userinfo=raw_body(b"<html>500</html>", "text/html", 500))
def test_server_error_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()


@case(userinfo=raw_body(b"[1, 2, 3]"))
def test_json_array_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()


@case(userinfo=raw_body(nested_json(200_000)))
def test_deeply_nested_json_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()


@case(userinfo=raw_body(b"\xff\xfe not utf-8"))
def test_bytes_that_are_not_text_are_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()


def _aggregated(claims: Claims, op: HostileProvider) -> dict[str, Any]:
    return {
        **claims,
        "_claim_names": {"address": "src1"},
        "_claim_sources": {"src1": {"JWT": op.sign({"address": {"country": "BE"}})}},
    }


@case(userinfo=_aggregated)
def test_aggregated_claims_accepted(outcome: Outcome) -> None:
    """oidcc-client-test-aggregated-claims: the sources are shown, not followed."""
    outcome.accepted()
    assert outcome.calls["userinfo"] == 1
