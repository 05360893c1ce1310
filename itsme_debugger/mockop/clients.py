"""The mock's registered clients: the built-in demo client and the ones a test or user adds.

The demo client accepts any loopback redirect URI (``http://127.0.0.1:ANYPORT/...``,
``localhost``, ``[::1]``), as RFC 8252 7.3 asks of native-app clients; every other client
needs an exact, case-sensitive match with a registered URI (seed 003, Onboarding).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jwcrypto import jwk
from jwcrypto.common import JWException

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.http import is_loopback_host

from .variants import PRIVATE_KEY_JWT, Variant

DEMO_CLIENT_ID = "demo-client"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class Client:
    """What the mock knows about one client. ``public_keys``: its signing and encryption keys."""

    client_id: str
    service_code: str
    redirect_uris: tuple[str, ...] = ()
    public_keys: jwk.JWKSet | None = None
    secret: str | None = None
    any_loopback: bool = False

    def allows_redirect(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        return self.any_loopback and is_loopback_redirect(uri)

    def keys_for(self, use: str) -> list[jwk.JWK]:
        """Its public keys for ``use`` ("sig" or "enc"); a key without ``use`` serves both."""
        if self.public_keys is None:
            return []
        return [
            k
            for k in self.public_keys["keys"]
            if k.get("kty") == "RSA" and k.get("use") in (None, use)
        ]


@dataclass(frozen=True)
class DemoClient:
    """The built-in client's credentials, for the Demo profile and the ``mock`` command."""

    client_id: str
    redirect_uri: str
    auth_method: str
    private_jwks: jwk.JWKSet | None
    secret: str | None

    @property
    def public_jwks(self) -> dict[str, Any] | None:
        if self.private_jwks is None:
            return None
        exported: dict[str, Any] = self.private_jwks.export(private_keys=False, as_dict=True)
        return exported


def is_loopback_redirect(uri: str) -> bool:
    """An http URI on a loopback host, any port, without a fragment (RFC 8252 7.3)."""
    try:
        parts = urlsplit(uri)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and is_loopback_host(parts.hostname)
        and not parts.fragment
        and "#" not in uri
    )


def read_public_keys(public_jwks: Mapping[str, Any] | str | bytes) -> jwk.JWKSet:
    """A JWK Set of public keys from a JSON object or text; ConfigError when unusable.

    Private members are dropped: the mock only ever needs a client's public keys.
    """
    try:
        text = public_jwks if isinstance(public_jwks, str | bytes) else json.dumps(public_jwks)
        keys = jwk.JWKSet.from_json(text)
    except (JWException, ValueError, TypeError) as exc:
        raise ConfigError(f"the client's JWKS cannot be read: {exc}") from exc
    public = jwk.JWKSet()
    for key in keys["keys"]:
        if key.get("kty") != "RSA":
            raise ConfigError(f"the client's JWKS holds a {key.get('kty')} key; itsme® uses RSA")
        public.add(key if not key.has_private else key.public())
    if not len(public["keys"]):
        raise ConfigError("the client's JWKS has no keys")
    return public


def make_client(
    v: Variant,
    client_id: str,
    *,
    service_code: str,
    public_jwks: Mapping[str, Any] | jwk.JWKSet | None = None,
    secret: str | None = None,
    redirect_uris: Sequence[str] = (),
    any_loopback: bool = False,
) -> Client:
    """A client record for variant ``v``; ConfigError when it could never authenticate."""
    if not client_id:
        raise ConfigError("a client needs a client_id")
    if not redirect_uris and not any_loopback:
        raise ConfigError(f"client {client_id!r} needs at least one redirect URI")
    for uri in redirect_uris:
        if not urlsplit(uri).scheme or "#" in uri:
            raise ConfigError(f"redirect URI {uri!r} must be absolute and without a fragment")
    keys: jwk.JWKSet | None = None
    if isinstance(public_jwks, jwk.JWKSet):
        keys = read_public_keys(public_jwks.export(private_keys=False))
    elif public_jwks is not None:
        keys = read_public_keys(public_jwks)
    if PRIVATE_KEY_JWT in v.auth_methods and keys is None:
        raise ConfigError(f"client {client_id!r} needs a public JWKS for private_key_jwt")
    if secret is not None and not v.uses_secret:
        raise ConfigError(
            f"client {client_id!r}: a client secret has no use at the {v.name} variant "
            "(private_key_jwt only)"
        )
    if v.uses_secret and not secret:
        raise ConfigError(f"client {client_id!r} needs a client secret for the {v.name} variant")
    return Client(
        client_id=client_id,
        service_code=service_code,
        redirect_uris=tuple(redirect_uris),
        public_keys=keys,
        secret=secret,
        any_loopback=any_loopback,
    )
