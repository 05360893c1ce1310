"""The mock's faults: each makes one answer go wrong the way it says, and only that one."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest
from jwcrypto import jwe
from jwcrypto.common import JWException

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import json_b64
from itsme_debugger.core.errors import ConfigError
from itsme_debugger.mockop.faults import ELSEWHERE_PICTURE, FAULTS
from itsme_debugger.mockop.provider import MockProvider

from .helpers import (
    MOCK_KEYS,
    Rp,
    assert_json_error,
    assert_redirect_error,
    redirect_query,
    with_mock,
)


def with_fault(fault: str, test: Callable[[Rp], Awaitable[None]]) -> None:
    with_mock(test, faults=[fault])


def _inner_claims(rp: Rp, token: str) -> tuple[dict[str, object], dict[str, object]]:
    """Decrypt without verifying: (claims, JWS header)."""
    assert rp.keys is not None
    obj = jwe.JWE()
    obj.deserialize(token, key=seal.key_for(rp.keys, "enc", private=True))
    inner = bytes(obj.payload).decode()
    return json_b64(inner.split(".")[1]), json_b64(inner.split(".")[0])


def test_access_denied_fault_answers_access_denied() -> None:
    async def t(rp: Rp) -> None:
        assert_redirect_error(await rp.authorize(), "access_denied")

    with_fault("access_denied", t)


def test_state_mismatch_fault_sends_another_state() -> None:
    async def t(rp: Rp) -> None:
        query = redirect_query(await rp.authorize())
        assert query["code"] and query["state"] != "st-1"

    with_fault("state_mismatch", t)


def test_invalid_grant_fault_refuses_the_code() -> None:
    async def t(rp: Rp) -> None:
        assert_json_error(await rp.token(await rp.code()), 400, "invalid_grant")

    with_fault("invalid_grant", t)


def test_server_error_fault_answers_500_with_html() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code())
        assert resp.status_code == 500
        assert resp.headers["content-type"].startswith("text/html")

    with_fault("server_error", t)


def test_malformed_token_body_fault_answers_200_with_a_body_that_is_not_json() -> None:
    async def t(rp: Rp) -> None:
        resp = await rp.token(await rp.code())
        assert resp.status_code == 200
        with pytest.raises(ValueError):
            resp.json()

    with_fault("malformed_token_body", t)


def test_slow_fault_delays_the_token_answer() -> None:
    async def t(rp: Rp) -> None:
        rp.mock.slow_seconds = 0.3
        code = await rp.code()
        started = time.monotonic()
        resp = await rp.token(code)
        assert resp.status_code == 200
        assert time.monotonic() - started >= 0.3

    with_fault("slow", t)


def test_bad_signature_fault_corrupts_the_id_token_signature() -> None:
    async def t(rp: Rp) -> None:
        with pytest.raises(JWException):
            rp.open((await rp.tokens())["id_token"])

    with_fault("bad_signature", t)


def test_unknown_kid_fault_signs_with_a_key_not_in_the_jwks() -> None:
    async def t(rp: Rp) -> None:
        _, header = _inner_claims(rp, (await rp.tokens())["id_token"])
        published = [k["kid"] for k in rp.mock.jwks()["keys"]]
        assert header["kid"] not in published

    with_fault("unknown_kid", t)


def test_wrong_nonce_fault_sends_another_nonce() -> None:
    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens())["id_token"])[0]
        assert claims["nonce"] != "n-1"

    with_fault("wrong_nonce", t)


def test_expired_fault_sends_an_expired_id_token() -> None:
    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens())["id_token"])[0]
        assert claims["exp"] < time.time()

    with_fault("expired", t)


def test_wrong_iss_fault_names_another_issuer() -> None:
    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens())["id_token"])[0]
        assert claims["iss"] != rp.mock.issuer

    with_fault("wrong_iss", t)


def test_wrong_aud_fault_addresses_another_client() -> None:
    async def t(rp: Rp) -> None:
        claims = rp.open((await rp.tokens())["id_token"])[0]
        assert claims["aud"] != rp.client_id

    with_fault("wrong_aud", t)


def test_not_encrypted_fault_sends_a_signed_only_id_token() -> None:
    async def t(rp: Rp) -> None:
        token = (await rp.tokens())["id_token"]
        assert token.count(".") == 2
        claims, _, outer = rp.open(token)
        assert outer is None and claims["sub"]

    with_fault("not_encrypted", t)


def test_userinfo_sub_mismatch_fault_names_another_subject() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens()
        id_claims = rp.open(body["id_token"])[0]
        info = rp.open((await rp.userinfo(body["access_token"])).text)[0]
        assert info["sub"] != id_claims["sub"] and len(info["sub"]) == 36

    with_fault("userinfo_sub_mismatch", t)


def test_picture_elsewhere_fault_points_the_picture_at_another_host() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens()
        info = rp.open((await rp.userinfo(body["access_token"])).text)[0]
        assert info["picture"] == ELSEWHERE_PICTURE
        assert not info["picture"].startswith(rp.mock.issuer)

    with_fault("picture_elsewhere", t)


def test_picture_not_image_fault_answers_a_page_in_place_of_the_picture() -> None:
    async def t(rp: Rp) -> None:
        body = await rp.tokens()
        info = rp.open((await rp.userinfo(body["access_token"])).text)[0]
        resp = await rp.http.get(
            info["picture"], headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "text/html"
        assert resp.content.startswith(b"<!doctype html>")

    with_fault("picture_not_image", t)


def test_faults_can_be_switched_at_run_time() -> None:
    async def t(rp: Rp) -> None:
        rp.mock.faults.add("wrong_aud")
        assert rp.open((await rp.tokens())["id_token"])[0]["aud"] != rp.client_id
        rp.mock.faults.clear()
        assert rp.open((await rp.tokens())["id_token"])[0]["aud"] == rp.client_id

    with_mock(t)


def test_an_unknown_fault_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown mock fault"):
        MockProvider(keys=MOCK_KEYS, faults=["loud"])


def test_every_fault_has_a_test() -> None:
    names = [n for n in globals() if n.startswith("test_")]
    untested = [f for f in FAULTS if not any(n.startswith(f"test_{f}_fault_") for n in names)]
    assert not untested


def test_bad_signature_fault_leaves_a_token_that_still_parses() -> None:
    async def t(rp: Rp) -> None:
        claims, header = _inner_claims(rp, (await rp.tokens())["id_token"])
        assert claims["sub"] and header["kid"] == rp.mock.signing_kid

    with_fault("bad_signature", t)
