"""The token endpoint: rp-token_endpoint-*, oidcc-client-test-client-secret-basic, request
objects (rp-request-*), and a token endpoint that answers badly.

The provider checks the client's authentication strictly (RFC 6749 2.3.1 form-encoding inside
Basic, the assertion's signature and claims, the PKCE verifier): a refusal is recorded in
``seen.refusals`` and fails the test through the exit code.
"""

from __future__ import annotations

import base64

from itsme_debugger.net.httpserver import Response

from .conftest import Outcome, case
from .hooks import nested_json, raw_body
from .provider import CLIENT_ID


@case(auth_method="client_secret_basic")
def test_client_secret_basic(outcome: Outcome) -> None:
    """rp-token_endpoint-client_secret_basic: the secret (with "/", "+" and ":") is
    form-encoded inside the Basic header, and not in the body."""
    outcome.accepted()
    (request,) = outcome.op.seen.token
    pair = base64.b64decode((request.header("authorization") or "")[6:]).decode()
    assert pair.startswith(f"{CLIENT_ID}:") and "%2F" in pair
    assert "client_secret" not in request.form()


@case(auth_method="client_secret_post")
def test_client_secret_post(outcome: Outcome) -> None:
    outcome.accepted()
    assert outcome.op.seen.token[0].header("authorization") is None


@case(auth_method="private_key_jwt")
def test_private_key_jwt(outcome: Outcome) -> None:
    """rp-token_endpoint-private_key_jwt: aud is the token endpoint, signed with the
    client's key, a fresh jti."""
    outcome.accepted()
    assert not outcome.op.seen.refusals
    assert "client_assertion" in outcome.op.seen.token[0].form()


@case(request='request_object = "signed"')
def test_request_object_signed(outcome: Outcome) -> None:
    """rp-request-sig / rp-request_uri-sig: a request object signed with the client's key."""
    outcome.accepted()
    (record,) = outcome.op.seen.request_objects
    assert record["verified"] and not record["encrypted"]


@case(request='request_object = "signed+encrypted"', auth_method="private_key_jwt")
def test_request_object_signed_and_encrypted(outcome: Outcome) -> None:
    """rp-request-sig+enc: signed, then encrypted to the provider's published key."""
    outcome.accepted()
    (record,) = outcome.op.seen.request_objects
    assert record["encrypted"] and record["verified"] and record["kid"] == "op-enc-1"


@case(token=lambda body, op: Response.json({"error": "invalid_client"}, 401))
def test_invalid_client_is_a_provider_refusal(outcome: Outcome) -> None:
    outcome.failed("token.error.invalid_client")
    assert outcome.calls.get("userinfo", 0) == 0


@case(token=raw_body(b"<html>Internal error</html>", "text/html", 500))
def test_server_error_is_a_provider_failure(outcome: Outcome) -> None:
    outcome.failed("token.http_error")
    assert outcome.calls.get("userinfo", 0) == 0


@case(token=raw_body(b"access_token=abc&token_type=bearer", "application/x-www-form-urlencoded"))
def test_form_encoded_answer_is_a_provider_failure(outcome: Outcome) -> None:
    outcome.failed("token.not_json")


@case(token=raw_body(nested_json(200_000)))
def test_deeply_nested_answer_is_a_provider_failure(outcome: Outcome) -> None:
    run = outcome.assert_bounded()
    assert run.code == 3, outcome.explain()


@case(token=lambda body, op: {k: v for k, v in body.items() if k != "id_token"})
def test_no_id_token_rejected(outcome: Outcome) -> None:
    outcome.rejected("token.id_token_missing")


@case(token=lambda body, op: {**body, "token_type": "MAC"})
def test_token_type_not_bearer_rejected(outcome: Outcome) -> None:
    outcome.rejected("token.token_type_not_bearer")


@case(token=lambda body, op: {k: v for k, v in body.items() if k != "access_token"})
def test_no_access_token_never_calls_userinfo(outcome: Outcome) -> None:
    outcome.rejected("token.access_token_missing")
    assert outcome.calls.get("userinfo", 0) == 0


@case(token=lambda body, op: {**body, "id_token": {"not": "a string"}})
def test_id_token_not_a_string_rejected(outcome: Outcome) -> None:
    outcome.rejected("token.id_token_missing")


@case(token=lambda body, op: {**body, "expires_in": "soon"})
def test_expires_in_not_a_number_warned(outcome: Outcome) -> None:
    run = outcome.accepted()
    assert "token.expires_in_invalid" in run.finding_ids()
