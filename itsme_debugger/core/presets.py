"""Provider presets: the issuers and settings a new profile starts from.

itsme® v2 (private_key_jwt) and client-secret hosts come from seed 003; client-secret clients
onboarded on or after 2025-06-25 use the v2 host (seeds/README.md); the Signicat broker from
seed 000.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

ITSME_SCOPE = ("openid", "service:TEST_code", "profile")


@dataclass(frozen=True)
class Preset:
    """Starting values for a profile. ``issuer`` may hold ``<domain>`` (Signicat) to fill in."""

    key: str
    label: str
    variant: str
    issuer: str
    auth_method: str
    scope: tuple[str, ...]
    params: Mapping[str, str] = field(default_factory=dict)
    pkce: bool = True
    request_object: str = "none"
    environment: str = ""
    notes: str = ""


def _itsme(
    key: str, env: str, variant: str, issuer: str, auth: str, label: str, notes: str
) -> Preset:
    return Preset(key, label, variant, issuer, auth, ITSME_SCOPE, environment=env, notes=notes)


def _all() -> dict[str, Preset]:
    presets: list[Preset] = []
    for env, name in (("e2e", "test (e2e)"), ("prd", "production")):
        presets += [
            _itsme(
                f"itsme-v2-{env}",
                env,
                "itsme-v2",
                f"https://idp.{env}.itsme.services/v2",
                "private_key_jwt",
                f"itsme® v2, private key JWT, {name}",
                "Replace TEST_code with your service code. Needs your private JWKS (RSA, one "
                "sig and one enc key); ID token and UserInfo come signed then encrypted.",
            ),
            _itsme(
                f"itsme-secret-{env}",
                env,
                "itsme-secret",
                f"https://oidc.{env}.itsme.services/clientsecret-oidc/csapi/v0.1",
                "client_secret_post",
                f"itsme® client secret (csapi v0.1), {name}",
                "For client-secret clients onboarded before 2025-06-25. Replace TEST_code "
                "with your service code.",
            ),
            _itsme(
                f"itsme-secret-v2-{env}",
                env,
                "itsme-secret",
                f"https://idp.{env}.itsme.services/v2",
                "client_secret_post",
                f"itsme® client secret (v2 host), {name}",
                "For client-secret clients onboarded on or after 2025-06-25: they use the v2 "
                "host. Replace TEST_code with your service code.",
            ),
        ]
    presets += [
        Preset(
            "signicat",
            "Signicat broker (itsme® via OIDC)",
            "signicat",
            "https://<domain>/auth/open",
            "client_secret_basic",
            ("openid", "profile"),
            MappingProxyType({"acr_values": "idp:itsme", "prompt": "login"}),
            notes="Replace <domain> with your Signicat domain. Scope openid name starts the "
            "Authentication service, openid profile the Identification service; "
            "acr_values=idp:itsme skips the eID selection screen.",
        ),
        Preset(
            "generic",
            "Generic OpenID Connect provider",
            "generic",
            "",
            "client_secret_basic",
            ("openid",),
            notes="Any OpenID Connect provider with discovery: fill in its issuer.",
        ),
    ]
    return {p.key: p for p in presets}


PRESETS: Mapping[str, Preset] = MappingProxyType(_all())
