"""The API variants the mock imitates: their paths, client authentication and discovery.

Seed 003 describes two itsme® hosts: ``idp.[e2e|prd].itsme.services/v2`` (private_key_jwt,
tokens encrypted to the client's RSA key, no revocation endpoint) and
``oidc.[e2e|prd].itsme.services/clientsecret-oidc/csapi/v0.1`` (client secret, tokens
encrypted with ``dir`` and a key derived from the secret, a revocation endpoint). The Signicat
broker (seed 000) is the third: its OIDC server's paths below ``/auth/open``; what else it does
differently lives in :mod:`.signicat`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsme_debugger.core.catalogue import catalogue, scopes
from itsme_debugger.core.errors import ConfigError

ACR_BASIC = "http://itsme.services/v2/claim/acr_basic"
ACR_ADVANCED = "http://itsme.services/v2/claim/acr_advanced"
UI_LOCALES = ("fr", "nl", "de", "en")
CONTENT_ENCRYPTIONS = ("A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM")
RSA_KEY_WRAPS = ("RSA-OAEP", "RSA-OAEP-256")
PROMPTS = ("none", "login", "consent", "select_account")
PRIVATE_KEY_JWT = "private_key_jwt"
SECRET_METHODS = ("client_secret_post", "client_secret_basic")


@dataclass(frozen=True)
class Variant:
    """One provider API: where its endpoints are below the host, and how clients talk to it."""

    name: str
    base_path: str
    authorization: str
    token: str
    userinfo: str
    jwks: str
    revocation: str | None
    auth_methods: tuple[str, ...]
    picture: str = "/picture"

    @property
    def uses_secret(self) -> bool:
        return PRIVATE_KEY_JWT not in self.auth_methods


VARIANTS: dict[str, Variant] = {
    "itsme-v2": Variant(
        name="itsme-v2",
        base_path="/v2",
        authorization="/authorization",
        token="/token",
        userinfo="/userinfo",
        jwks="/jwkSet",
        revocation=None,  # seed 003, Revoke Request: "Not applicable" on the v2 host
        auth_methods=(PRIVATE_KEY_JWT,),
    ),
    "itsme-secret": Variant(
        name="itsme-secret",
        base_path="/clientsecret-oidc/csapi/v0.1",
        authorization="/connect/authorize",
        token="/connect/token",
        userinfo="/connect/userinfo",
        jwks="/jwks",
        revocation="/connect/revoke",
        auth_methods=SECRET_METHODS,
    ),
    "signicat": Variant(
        name="signicat",
        base_path="/auth/open",
        authorization="/connect/authorize",
        token="/connect/token",
        userinfo="/connect/userinfo",
        jwks="/.well-known/openid-configuration/jwks",
        revocation="/connect/revocation",
        auth_methods=SECRET_METHODS,
    ),
}


def variant(name: str) -> Variant:
    """The variant called ``name``; ConfigError for an unknown one."""
    if name in VARIANTS:
        return VARIANTS[name]
    raise ConfigError(f"unknown mock variant {name!r}; choose one of {', '.join(VARIANTS)}")


def itsme_scopes() -> tuple[str, ...]:
    """The scope values itsme® knows, with ``service`` standing for every ``service:CODE``."""
    return tuple("service" if s == "service:CODE" else s for s in scopes("itsme"))


def discovery_document(v: Variant, issuer: str) -> dict[str, Any]:
    """The OpenID Provider metadata, as itsme® publishes it for this variant."""
    jwe_algs = ["dir", *RSA_KEY_WRAPS] if v.uses_secret else list(RSA_KEY_WRAPS)
    token_encs = ["A256GCM"] if v.uses_secret else list(CONTENT_ENCRYPTIONS)
    token_algs = ["dir"] if v.uses_secret else list(RSA_KEY_WRAPS)
    doc: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": issuer + v.authorization,
        "token_endpoint": issuer + v.token,
        "userinfo_endpoint": issuer + v.userinfo,
        "jwks_uri": issuer + v.jwks,
    }
    if v.revocation is not None:
        doc["revocation_endpoint"] = issuer + v.revocation
        doc["revocation_endpoint_auth_methods_supported"] = list(v.auth_methods)
    doc |= {
        "scopes_supported": list(itsme_scopes()),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": list(v.auth_methods),
        "id_token_signing_alg_values_supported": ["RS256"],
        "id_token_encryption_alg_values_supported": token_algs,
        "id_token_encryption_enc_values_supported": token_encs,
        "userinfo_signing_alg_values_supported": ["RS256"],
        "userinfo_encryption_alg_values_supported": token_algs,
        "userinfo_encryption_enc_values_supported": token_encs,
        "request_object_signing_alg_values_supported": (
            ["RS256", "HS256"] if v.uses_secret else ["RS256"]
        ),
        "request_object_encryption_alg_values_supported": jwe_algs,
        "request_object_encryption_enc_values_supported": list(CONTENT_ENCRYPTIONS),
        "claims_parameter_supported": True,
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "require_request_uri_registration": True,
        "authorization_response_iss_parameter_supported": True,
        "claim_types_supported": ["normal"],
        "claims_supported": list(catalogue()),
        "acr_values_supported": [ACR_BASIC, ACR_ADVANCED],
        "display_values_supported": ["page"],
        "prompt_values_supported": list(PROMPTS),
        "ui_locales_supported": list(UI_LOCALES),
    }
    if not v.uses_secret:
        doc["token_endpoint_auth_signing_alg_values_supported"] = ["RS256"]
    return doc
