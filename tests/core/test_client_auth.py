"""Client authentication methods at the token and revocation endpoints."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from jwcrypto import jwe, jwk, jws

from itsme_debugger.core.client_auth import (
    ASSERTION_TYPE,
    ClientSecretBasic,
    ClientSecretPost,
    NoClientAuth,
    PrivateKeyJwt,
    make_client_auth,
)
from itsme_debugger.core.errors import ConfigError, KeyError_

TOKEN = "https://idp.e2e.itsme.services/v2/token"
NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def client_keys() -> jwk.JWKSet:
    keys = jwk.JWKSet()
    keys.add(jwk.JWK.generate(kty="RSA", size=2048, kid="sig-1", use="sig", alg="RS256"))
    keys.add(jwk.JWK.generate(kty="RSA", size=2048, kid="enc-1", use="enc", alg="RSA-OAEP"))
    return keys


@pytest.fixture(scope="module")
def provider_enc() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="op-enc", use="enc", alg="RSA-OAEP-256")


def _sig(keys: jwk.JWKSet) -> jwk.JWK:
    return keys.get_key("sig-1")


def _claims(token: str, key: jwk.JWK) -> tuple[dict[str, Any], dict[str, Any]]:
    obj = jws.JWS()
    obj.deserialize(token)
    obj.verify(key.public())
    return dict(obj.jose_header), json.loads(obj.payload)


def test_basic_seed_example() -> None:
    # RFC 6749 2.3.1 / the itsme revocation example: s6BhdRkqt3 : gX1fBat3bV
    fields, headers, secret = ClientSecretBasic("s6BhdRkqt3", "gX1fBat3bV").apply({"a": "1"}, TOKEN)
    assert fields == {"a": "1"}
    assert headers == (("Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"),)
    assert secret == frozenset({"Authorization"})


def test_basic_form_urlencodes_special_characters_before_base64() -> None:
    _, headers, _ = ClientSecretBasic("my client", "p@ss:w/rd é+").apply({}, TOKEN)
    scheme, token = headers[0][1].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "my+client:p%40ss%3Aw%2Frd+%C3%A9%2B"


def test_basic_does_not_change_the_given_fields() -> None:
    given = {"code": "x"}
    fields, _, _ = ClientSecretBasic("id", "s").apply(given, TOKEN)
    assert fields == given and fields is not given


def test_post() -> None:
    fields, headers, secret = ClientSecretPost("s6BhdRkqt3", "s3cret").apply({"code": "c"}, TOKEN)
    assert fields == {"code": "c", "client_id": "s6BhdRkqt3", "client_secret": "s3cret"}
    assert headers == ()
    assert secret == frozenset({"client_secret"})


def test_none() -> None:
    fields, headers, secret = NoClientAuth("public-app").apply({"code": "c"}, TOKEN)
    assert fields == {"code": "c", "client_id": "public-app"}
    assert (headers, secret) == ((), frozenset())


def test_methods() -> None:
    assert ClientSecretBasic("a", "b").method == "client_secret_basic"
    assert ClientSecretPost("a", "b").method == "client_secret_post"
    assert NoClientAuth("a").method == "none"


def test_secrets_are_not_in_repr(client_keys: jwk.JWKSet) -> None:
    assert "hunter2" not in repr(ClientSecretBasic("a", "hunter2"))
    assert "hunter2" not in repr(ClientSecretPost("a", "hunter2"))
    assert '"d"' not in repr(PrivateKeyJwt("a", _sig(client_keys)))


def test_assertion_claims(client_keys: jwk.JWKSet) -> None:
    auth = PrivateKeyJwt("my-client", _sig(client_keys), lifetime=90)
    claims = auth.assertion_claims(TOKEN, NOW)
    assert claims["iss"] == claims["sub"] == "my-client"
    assert claims["aud"] == TOKEN
    assert (claims["iat"], claims["exp"]) == (int(NOW), int(NOW) + 90)
    assert 16 <= len(claims["jti"]) <= 255
    assert auth.assertion_claims(TOKEN, NOW)["jti"] != claims["jti"]


def test_private_key_jwt_signed_assertion_verifies(client_keys: jwk.JWKSet) -> None:
    auth = PrivateKeyJwt("my-client", _sig(client_keys))
    assert auth.method == "private_key_jwt"
    fields, headers, secret = auth.apply({"code": "c"}, TOKEN, NOW)
    assert fields["code"] == "c"
    assert fields["client_assertion_type"] == ASSERTION_TYPE
    assert "client_id" not in fields
    assert (headers, secret) == ((), frozenset({"client_assertion"}))
    header, claims = _claims(fields["client_assertion"], _sig(client_keys))
    assert header == {"alg": "RS256", "kid": "sig-1"}
    assert claims["iss"] == claims["sub"] == "my-client"
    assert claims["aud"] == TOKEN
    assert claims["exp"] == int(NOW) + 60
    assert claims["jti"]


def test_private_key_jwt_encrypted_assertion_decrypts(
    client_keys: jwk.JWKSet, provider_enc: jwk.JWK
) -> None:
    auth = PrivateKeyJwt("my-client", _sig(client_keys), encrypt_to=provider_enc.public())
    fields, _, _ = auth.apply({}, TOKEN, NOW)
    outer = jwe.JWE()
    outer.deserialize(fields["client_assertion"], key=provider_enc)
    assert outer.jose_header["cty"] == "JWT"
    assert outer.jose_header["enc"] == "A256CBC-HS512"
    assert outer.jose_header["alg"] == "RSA-OAEP-256"
    _, claims = _claims(outer.payload.decode(), _sig(client_keys))
    assert claims["aud"] == TOKEN and claims["iss"] == "my-client"


def test_private_key_jwt_wrong_alg_for_key_is_a_key_error(client_keys: jwk.JWKSet) -> None:
    with pytest.raises(KeyError_, match="ES256"):
        PrivateKeyJwt("c", _sig(client_keys), alg="ES256").apply({}, TOKEN)


def test_make_client_auth_basic() -> None:
    assert make_client_auth("client_secret_basic", "c", secret="s") == ClientSecretBasic("c", "s")


def test_make_client_auth_post() -> None:
    assert make_client_auth("client_secret_post", "c", secret="s") == ClientSecretPost("c", "s")


def test_make_client_auth_none() -> None:
    assert make_client_auth("none", "c") == NoClientAuth("c")


def test_make_client_auth_private_key_jwt(client_keys: jwk.JWKSet, provider_enc: jwk.JWK) -> None:
    auth = make_client_auth("private_key_jwt", "c", keys=client_keys, encrypt_to=provider_enc)
    assert isinstance(auth, PrivateKeyJwt)
    assert auth.signing_key.get("kid") == "sig-1"
    assert auth.encrypt_to is provider_enc
    assert auth.alg == "RS256"


def test_make_client_auth_missing_secret() -> None:
    with pytest.raises(ConfigError, match="client_secret_post needs a client secret"):
        make_client_auth("client_secret_post", "c")


def test_make_client_auth_missing_keys() -> None:
    with pytest.raises(ConfigError, match="private_key_jwt needs"):
        make_client_auth("private_key_jwt", "c")


def test_make_client_auth_public_keys_only(client_keys: jwk.JWKSet) -> None:
    public = jwk.JWKSet()
    for k in client_keys["keys"]:
        public.add(k.public())
    with pytest.raises(KeyError_, match=r"^private_key_jwt: no .*private signing key"):
        make_client_auth("private_key_jwt", "c", keys=public)


def test_make_client_auth_unknown_method() -> None:
    with pytest.raises(ConfigError, match="'tls_client_auth' is not one of"):
        make_client_auth("tls_client_auth", "c")


def test_make_client_auth_without_client_id() -> None:
    with pytest.raises(ConfigError, match="no client_id"):
        make_client_auth("none", "")
