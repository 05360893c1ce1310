"""Client authentication at the token and revocation endpoints (RFC 6749 2.3, OIDC Core 9).

Each method is a small immutable value with ``apply(fields, endpoint)``, which returns the
form fields and headers to send and the names of the ones that carry secrets (for masking), in
the manner of openid-client's client-auth factories. :func:`make_client_auth` builds the one
a profile names, with one clear ConfigError when something it needs is missing.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import quote_plus

from jwcrypto import jwk
from jwcrypto.common import JWException

from .errors import ConfigError, KeyError_
from .http import Headers
from .seal import default_alg, key_for, sign, sign_then_encrypt

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
METHODS = ("private_key_jwt", "client_secret_basic", "client_secret_post", "none")

Applied = tuple[dict[str, str], Headers, frozenset[str]]


class ClientAuth(Protocol):
    @property
    def client_id(self) -> str: ...

    @property
    def method(self) -> str: ...

    def apply(self, fields: dict[str, str], endpoint: str, now: float | None = None) -> Applied:
        """Form fields, extra headers, and the names of the secret fields / headers."""
        ...


@dataclass(frozen=True)
class ClientSecretBasic:
    """HTTP Basic with the form-urlencoded client_id and secret (RFC 6749 2.3.1)."""

    client_id: str
    secret: str = field(repr=False)
    method: ClassVar[str] = "client_secret_basic"

    def apply(self, fields: dict[str, str], endpoint: str, now: float | None = None) -> Applied:
        pair = f"{quote_plus(self.client_id, safe='')}:{quote_plus(self.secret, safe='')}"
        token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        return dict(fields), (("Authorization", f"Basic {token}"),), frozenset({"Authorization"})


@dataclass(frozen=True)
class ClientSecretPost:
    """client_id and client_secret in the form body (RFC 6749 2.3.1)."""

    client_id: str
    secret: str = field(repr=False)
    method: ClassVar[str] = "client_secret_post"

    def apply(self, fields: dict[str, str], endpoint: str, now: float | None = None) -> Applied:
        out = {**fields, "client_id": self.client_id, "client_secret": self.secret}
        return out, (), frozenset({"client_secret"})


@dataclass(frozen=True)
class PrivateKeyJwt:
    """A client assertion signed with the client's key, optionally encrypted (RFC 7523 2.2).

    itsme®: iss = sub = client_id, aud = the token endpoint URL, a jti of at most 255
    characters, exp; signed RS256 with a kid; if encrypted, signed then encrypted.
    """

    client_id: str
    signing_key: jwk.JWK = field(repr=False)
    encrypt_to: jwk.JWK | None = field(default=None, repr=False)
    lifetime: int = 60
    alg: str = "RS256"
    enc: str = "A256CBC-HS512"
    method: ClassVar[str] = "private_key_jwt"

    def assertion_claims(self, endpoint: str, now: float | None = None) -> dict[str, Any]:
        issued = int(time.time() if now is None else now)
        return {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": endpoint,
            "jti": secrets.token_urlsafe(24),
            "iat": issued,
            "exp": issued + self.lifetime,
        }

    def assertion(self, endpoint: str, now: float | None = None) -> str:
        claims = self.assertion_claims(endpoint, now)
        try:
            if self.encrypt_to is None:
                return sign(claims, self.signing_key, alg=self.alg)
            return sign_then_encrypt(
                claims, self.signing_key, self.encrypt_to, sig_alg=self.alg, enc=self.enc
            )
        except (JWException, ValueError, TypeError) as exc:
            raise KeyError_(
                f"cannot make the client assertion with {self.alg} and key "
                f"{self.signing_key.get('kid')!r}: {exc or type(exc).__name__}"
            ) from exc

    def apply(self, fields: dict[str, str], endpoint: str, now: float | None = None) -> Applied:
        out = {
            **fields,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(endpoint, now),
        }
        return out, (), frozenset({"client_assertion"})


@dataclass(frozen=True)
class NoClientAuth:
    """A public client: only client_id in the form body (RFC 6749 3.2.1)."""

    client_id: str
    method: ClassVar[str] = "none"

    def apply(self, fields: dict[str, str], endpoint: str, now: float | None = None) -> Applied:
        return {**fields, "client_id": self.client_id}, (), frozenset()


def make_client_auth(
    method: str,
    client_id: str,
    *,
    secret: str | None = None,
    keys: jwk.JWKSet | None = None,
    encrypt_to: jwk.JWK | None = None,
) -> ClientAuth:
    """The client authentication ``method`` names; ConfigError when something is missing."""
    if not client_id:
        raise ConfigError("the client has no client_id")
    if method in ("client_secret_basic", "client_secret_post"):
        if not secret:
            raise ConfigError(
                f"auth_method {method} needs a client secret "
                "(client_secret or client_secret_env in [client])"
            )
        if method == "client_secret_basic":
            return ClientSecretBasic(client_id, secret)
        return ClientSecretPost(client_id, secret)
    if method == "private_key_jwt":
        if keys is None:
            raise ConfigError("auth_method private_key_jwt needs the client's private keys")
        try:
            signing = key_for(keys, "sig", private=True)
        except KeyError_ as exc:
            raise KeyError_(f"private_key_jwt: {exc.message}") from exc
        return PrivateKeyJwt(
            client_id, signing, encrypt_to=encrypt_to, alg=default_alg(signing, "sig")
        )
    if method == "none":
        return NoClientAuth(client_id)
    raise ConfigError(f"auth_method {method!r} is not one of {', '.join(METHODS)}")
