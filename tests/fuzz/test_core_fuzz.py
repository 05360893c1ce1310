"""Every core entry point, fed hostile input: findings or values, or the documented error.

"Documented" is what core/errors.py lists (DebuggerError and its subclasses, each with a
one-line message), plus the ValueError of ``ClaimsRequest.from_json`` that its docstring
names. Anything else (a KeyError, a RecursionError, an OverflowError) is a bug: the user would
see a traceback instead of a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.claims import ClaimsRequest, check_returned_claims, lint_claims_request
from itsme_debugger.core.discovery import process_discovery_response, process_jwks_response
from itsme_debugger.core.errors import ConfigError, DebuggerError, KeyError_, ProviderError
from itsme_debugger.core.findings import Finding, has_errors
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.idtoken import IdTokenExpectations, process_id_token
from itsme_debugger.core.jose import Policy, inspect, peek
from itsme_debugger.core.keys import check_itsme_jwks, load_keys
from itsme_debugger.core.metadata import check_metadata, metadata_matrix
from itsme_debugger.core.oauth_errors import parse_error_body
from itsme_debugger.core.profile import parse_profile
from itsme_debugger.core.redirect import parse_redirect
from itsme_debugger.core.revocation import process_revocation_response
from itsme_debugger.core.token import process_token_response
from itsme_debugger.core.userinfo import process_userinfo_response

from . import strategies as s
from .strategies import EXPECT

pytestmark = s.mark
T = TypeVar("T")
CLAIMS = {
    "iss": "https://op.example",
    "sub": "user-1",
    "aud": "rp",
    "exp": 1_700_000_600,
    "iat": 1_700_000_000,
}
JSON = (("Content-Type", "application/json"),)
MINIMAL = '[provider]\nissuer = "https://op.example"\n[client]\nclient_id = "c"\n'


def documented(call: Callable[[], T], *errors: type[Exception]) -> T | DebuggerError | Exception:
    """``call()``'s value, or the documented error it raised; any other exception fails."""
    allowed = errors or (DebuggerError,)
    try:
        return call()
    except allowed as exc:
        message = str(exc)
        assert message, "an error says what is wrong"
        if isinstance(exc, DebuggerError):  # shown as one line on the command line
            assert "\n" not in message, f"not one line: {message!r}"
        return exc


def assert_findings(findings: Any) -> None:
    assert all(isinstance(f, Finding) for f in findings)


@dataclass(frozen=True)
class Keys:
    decryption: jwk.JWKSet
    verification: jwk.JWKSet
    valid: str  # a valid signed-then-encrypted ID token for these keys


@pytest.fixture(scope="module")
def keys() -> Keys:
    sig = jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-1", use="sig")
    enc = jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-1", use="enc")
    decryption, verification = jwk.JWKSet(), jwk.JWKSet()
    decryption.add(enc)
    verification.add(jwk.JWK(**sig.export_public(as_dict=True)))
    return Keys(decryption, verification, seal.sign_then_encrypt(CLAIMS, sig, enc))


# ---------------------------------------------------------------------------------------------
# Tokens


@s.fuzz(150)
@given(s.tokens)
def test_inspect_and_peek_never_raise(keys: Keys, token: str) -> None:
    insp = inspect(
        token,
        decryption_keys=keys.decryption,
        verification_keys=keys.verification,
        client_secret="a-client-secret-of-a-decent-length-0123456789",
        policy=Policy(allow_hmac_with_secret=True),
    )
    assert insp.findings and has_errors(insp.findings), "a hostile token must be refused"
    assert not insp.signature_verified
    peek(token)


@s.fuzz(150)
@given(s.tokens)
def test_process_id_token_never_raises(keys: Keys, token: str) -> None:
    result = process_id_token(
        token, EXPECT, decryption_keys=keys.decryption, verification_keys=keys.verification
    )
    assert has_errors(result.findings)
    assert_findings(result.findings)


def test_the_valid_token_of_the_fixture_passes(keys: Keys) -> None:
    """The property above would be empty if no token could pass at all."""
    exp = IdTokenExpectations(issuer="https://op.example", client_id="rp", now=1_700_000_000)
    result = process_id_token(
        keys.valid, exp, decryption_keys=keys.decryption, verification_keys=keys.verification
    )
    assert not has_errors(result.findings), [f.id for f in result.findings]


# ---------------------------------------------------------------------------------------------
# JSON documents


@s.fuzz(150)
@given(s.responses(s.discovery_documents))
@example(HttpResponse(200, JSON, s.deeply_nested(100_000).encode()))  # was RecursionError
def test_discovery_response(resp: HttpResponse) -> None:
    out = documented(lambda: process_discovery_response(resp, "https://op.example"))
    if not isinstance(out, Exception):
        metadata, findings = out
        assert_findings(findings)
        assert isinstance(metadata.authorization_endpoint, str)
        for name in ("response_types_supported", "claims_supported", "scopes_supported"):
            assert all(isinstance(v, str) for v in metadata.supported(name))


@s.fuzz(150)
@given(s.responses(s.jwks_documents))
@example(HttpResponse(200, JSON, b'{"keys": [{}]}'))  # was KeyError from jwcrypto
def test_jwks_response(resp: HttpResponse) -> None:
    out = documented(lambda: process_jwks_response(resp))
    if not isinstance(out, Exception):
        keyset, findings = out
        assert_findings(findings)
        assert not any(k.has_private for k in keyset["keys"]), "private parts are stripped"


@s.fuzz(150)
@given(s.responses(s.token_responses), st.booleans())
@example(HttpResponse(200, JSON, s.deeply_nested(100_000).encode()), True)
def test_token_response(resp: HttpResponse, expect_id_token: bool) -> None:
    out = documented(lambda: process_token_response(resp, expect_id_token=expect_id_token))
    if not isinstance(out, Exception):
        tokens, findings = out
        assert_findings(findings)
        assert tokens.access_token is None or isinstance(tokens.access_token, str)
        assert tokens.id_token is None or isinstance(tokens.id_token, str)


@s.fuzz(150)
@given(s.responses(s.userinfo_documents), st.sampled_from([None, "user-1"]))
@example(HttpResponse(302, JSON, b"\n\x00"), None)  # the message was two lines
def test_userinfo_response(keys: Keys, resp: HttpResponse, sub: str | None) -> None:
    out = documented(
        lambda: process_userinfo_response(
            resp,
            expected_sub=sub,
            issuer="https://op.example",
            client_id="rp",
            decryption_keys=keys.decryption,
            verification_keys=keys.verification,
        )
    )
    if not isinstance(out, Exception):
        assert_findings(out.findings)
        if out.claims is not None:
            assert isinstance(out.claims, dict)
            check_metadata("userinfo", out.claims)
            metadata_matrix(out.claims)


@s.fuzz(100)
@given(s.responses(s.token_responses))
def test_error_bodies_and_revocation(resp: HttpResponse) -> None:
    parsed = parse_error_body(resp)
    assert parsed is None or all(isinstance(p, str) for p in parsed)
    out = documented(lambda: process_revocation_response(resp))
    if not isinstance(out, Exception):
        assert_findings(out)


@s.fuzz(100)
@given(s.userinfo_documents, s.claims_objects)
def test_claims_checks_on_returned_claims(claims: dict[str, Any], request: Any) -> None:
    req = documented(lambda: ClaimsRequest.from_dict(request), ValueError)
    check_metadata("id_token", claims)
    metadata_matrix(claims)
    if isinstance(req, ClaimsRequest):
        assert_findings(check_returned_claims("id_token", claims, req, ["openid", "profile"]))
        assert_findings(lint_claims_request(req, scopes=["openid"], claims_supported=None))


# ---------------------------------------------------------------------------------------------
# Redirects, keys, claims, profiles


@s.fuzz(150)
@given(s.redirects, st.sampled_from([None, "s"]), st.sampled_from([None, "https://op.example"]))
def test_parse_redirect_never_raises(url: str, state: str | None, iss: str | None) -> None:
    result, findings = parse_redirect(
        url,
        expected_state=state,
        expected_iss=iss,
        redirect_uri="http://127.0.0.1:8765/callback",
    )
    assert_findings(findings)
    if result.code is not None and state is not None and result.state != state:
        assert has_errors(findings), "a code with the wrong state must be refused"


@s.fuzz(150)
@given(s.bodies(s.jwks_documents) | s.bodies(s.jwk_objects))
@example(b'{"keys": [{}]}')
@example(s.deeply_nested(100_000).encode())
def test_load_keys(data: bytes) -> None:
    out = documented(lambda: load_keys(data, source="keys.json"), KeyError_)
    if isinstance(out, Exception):
        assert str(out).startswith("keys.json: ")


@s.fuzz(100)
@given(s.jwks_documents)
def test_check_itsme_jwks_never_raises(doc: dict[str, Any]) -> None:
    assert_findings(check_itsme_jwks(doc))


@s.fuzz(100)
@given(s.claims_texts)
@example('{"id_token": {"given_name": {"values": 3}}}')
def test_claims_request_parse(text: str) -> None:
    out = documented(lambda: ClaimsRequest.from_json(text), ValueError)
    if isinstance(out, ClaimsRequest):  # what it keeps survives a round trip
        again = ClaimsRequest.from_json(out.to_json())
        assert (again.id_token, again.userinfo) == (out.id_token, out.userinfo)


@s.fuzz(150)
@given(s.profile_texts())
@example(
    '[provider]\nissuer = "https://op.example"\n[client]\nclient_id = "c"\n[flow]\nleeway = inf'
)
@example(
    '[provider]\nissuer = "https://op.example"\n[client]\nclient_id = "c"\n[flow]\nleeway = nan'
)
@example(
    '[provider]\nissuer = "https://op.example"\n[client]\nclient_id = "c"\n[flow]\ntimeout = nan'
)
def test_parse_profile(text: str) -> None:
    """Found by this property: an infinite or nan leeway raised OverflowError / ValueError, a
    nan timeout was taken as it was."""
    out = documented(lambda: parse_profile(text, source="p.toml"), ConfigError)
    if isinstance(out, Exception):
        assert str(out).startswith("p.toml")
    else:
        assert out.flow.timeout == out.flow.timeout and out.flow.timeout < float("inf")


def test_provider_errors_are_documented_errors() -> None:
    """The tree the properties rely on: ProviderError and ConfigError are DebuggerErrors."""
    assert issubclass(ProviderError, DebuggerError) and issubclass(ConfigError, DebuggerError)
