"""Fuzzing the token reader: whatever comes in, inspect() answers with findings, never raises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwcrypto import jwk

from itsme_debugger.core import seal
from itsme_debugger.core.b64 import b64url_decode, b64url_encode
from itsme_debugger.core.findings import has_errors
from itsme_debugger.core.idtoken import validate_id_token_claims
from itsme_debugger.core.jose import Inspection, Policy, inspect, peek
from tests.fuzz.strategies import EXPECT, b64_segment, fuzz, headers, json_values
from tests.fuzz.strategies import mark as fuzz_mark

pytestmark = fuzz_mark
FUZZ = fuzz(200)
CLAIMS = {"iss": "https://op.example", "sub": "user-1", "aud": "rp", "exp": 2_000_000_000}
SECRET = "fuzzing-client-secret-of-a-decent-length-0123456789"


@dataclass(frozen=True)
class Material:
    tokens: tuple[str, ...]
    decryption: jwk.JWKSet
    verification: jwk.JWKSet


@pytest.fixture(scope="module")
def material() -> Material:
    sig = jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-1", use="sig")
    ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="op-ec-1", use="sig")
    enc = jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-1", use="enc")
    decryption, verification = jwk.JWKSet(), jwk.JWKSet()
    decryption.add(enc)
    verification.add(jwk.JWK(**sig.export_public(as_dict=True)))
    verification.add(jwk.JWK(**ec.export_public(as_dict=True)))
    secret_key = jwk.JWK(kty="oct", k=b64url_encode(SECRET.encode()))
    tokens = (
        seal.sign(CLAIMS, sig),
        seal.sign(CLAIMS, ec, alg="ES256"),
        seal.sign(CLAIMS, secret_key, alg="HS256"),
        seal.sign_then_encrypt(CLAIMS, sig, enc),
        seal.sign_then_encrypt(CLAIMS, sig, enc, enc_alg="RSA-OAEP", enc="A128GCM"),
    )
    return Material(tokens, decryption, verification)


def run(token: str, m: Material | None = None, *, bad: bool = True) -> Inspection:
    insp = inspect(
        token,
        decryption_keys=m.decryption if m else None,
        verification_keys=m.verification if m else None,
        client_secret=SECRET,
        policy=Policy(allow_hmac_with_secret=True),
    )
    assert insp.findings or not bad, "bad input must always produce findings"
    peek(token)  # never raises either
    return insp


def segments(token: str) -> list[bytes | None]:
    """The decoded bytes of each segment (None when not decodable): what a token means."""
    out: list[bytes | None] = []
    for part in token.split("."):
        try:
            out.append(b64url_decode(part))
        except ValueError:
            out.append(None)
    return out


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    insp = run(text)
    assert has_errors(insp.findings) and insp.claims is None


@FUZZ
@given(st.lists(b64_segment, min_size=1, max_size=7))
def test_random_dot_strings(parts: list[str]) -> None:
    insp = run(".".join(parts))
    assert has_errors(insp.findings)
    if len(parts) not in (3, 5):
        assert [f.id for f in insp.findings] == ["token.malformed"]


@FUZZ
@given(headers, st.binary(max_size=200), st.binary(max_size=64), st.booleans())
def test_random_json_headers(
    material: Material, header: dict[str, Any], payload: bytes, signature: bytes, five_parts: bool
) -> None:
    first = b64url_encode(json.dumps(header).encode())
    rest = (
        [payload, signature, payload[:12], signature[:16]] if five_parts else [payload, signature]
    )
    insp = run(".".join([first, *(b64url_encode(p) for p in rest)]), material)
    # a random signature never verifies and random ciphertext never decrypts
    assert not insp.signature_verified and insp.decrypted_with is None


@FUZZ
@given(st.data())
def test_mutated_valid_tokens(material: Material, data: st.DataObject) -> None:
    token = data.draw(st.sampled_from(material.tokens))
    assert not has_errors(run(token, material, bad=False).findings)
    how = data.draw(st.sampled_from(["flip", "truncate", "swap", "drop", "duplicate"]))
    parts = token.split(".")
    if how == "flip":
        i = data.draw(st.integers(0, len(token) - 1))
        c = data.draw(st.sampled_from("A_-.=0z/+ \x00é"))
        mutated = token[:i] + c + token[i + 1 :]
    elif how == "truncate":
        mutated = token[: data.draw(st.integers(0, len(token) - 1))]
    elif how == "swap":
        i, j = data.draw(st.lists(st.integers(0, len(parts) - 1), min_size=2, max_size=2))
        parts[i], parts[j] = parts[j], parts[i]
        mutated = ".".join(parts)
    elif how == "drop":
        del parts[data.draw(st.integers(0, len(parts) - 1))]
        mutated = ".".join(parts)
    else:
        mutated = ".".join([*parts, parts[-1]])
    changed = segments(mutated) != segments(token)
    insp = run(mutated, material, bad=changed)
    if changed:
        assert has_errors(insp.findings), f"{how}: a changed token must be rejected"


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "iss",
                "sub",
                "aud",
                "azp",
                "exp",
                "iat",
                "nbf",
                "nonce",
                "at_hash",
                "c_hash",
                "auth_time",
                "acr",
            ]
        ),
        json_values | st.floats(),
        max_size=12,
    ),
    headers,
)
def test_validate_id_token_claims_never_raises(
    claims: dict[str, Any], header: dict[str, Any]
) -> None:
    findings, checks = validate_id_token_claims(claims, header, EXPECT)
    assert findings and len(checks) == 12
