"""The built-in Demo: the embedded mock itsme® provider and a profile that uses it.

Against the mock's ``signicat`` variant, :func:`demo_profile` is the broker's OIDC profile
(``acr_values=idp:itsme``, ``prompt=login``, ID token and UserInfo encrypted to the demo
client) and :func:`demo_rest_profile` / :func:`demo_rest_secrets` the Authentication REST API's.
"""

from __future__ import annotations

from .core.claims import ClaimSpec, ClaimsRequest
from .core.errors import ConfigError
from .core.profile import (
    ClientConfig,
    FlowOptions,
    Profile,
    ProviderConfig,
    RequestConfig,
    RestConfig,
)
from .flow import Secrets
from .mockop.provider import MockProvider
from .mockop.signicat import SignicatMockProvider

ITSME = "http://itsme.services/v2/claim/"

DEMO_CLAIMS = ClaimsRequest(
    id_token={
        "given_name": ClaimSpec(essential=True),
        "family_name": ClaimSpec(),
        "birthdate": ClaimSpec(),
        ITSME + "BENationalNumber": ClaimSpec(),
        ITSME + "verificationDate": ClaimSpec(),
    },
    userinfo={
        ITSME + "physical_person_photo": ClaimSpec(),
        ITSME + "BEeidSn": ClaimSpec(),
        ITSME + "IDDocumentSN": ClaimSpec(),
        ITSME + "validityFrom": ClaimSpec(),
        ITSME + "validityTo": ClaimSpec(),
        ITSME + "IDIssuingCountry": ClaimSpec(),
        ITSME + "issuance_locality": ClaimSpec(),
        ITSME + "verificationDate": ClaimSpec(),
    },
)


def demo_profile(mock: MockProvider, *, request_object: str = "signed+encrypted") -> Profile:
    """A profile for the mock's demo client, as a newcomer would want to see it."""
    if isinstance(mock, SignicatMockProvider):
        return _signicat_profile(mock)
    client = mock.demo_client
    secret_variant = client.secret is not None
    return Profile(
        name="Demo (mock itsme®)",
        provider=ProviderConfig(
            issuer=mock.issuer,
            variant="itsme-secret" if secret_variant else "itsme-v2",
            preset="demo",
        ),
        client=ClientConfig(
            client_id=client.client_id,
            auth_method="client_secret_post" if secret_variant else "private_key_jwt",
            redirect_uri="http://127.0.0.1:0/callback",
            keys="(in memory)" if not secret_variant else None,
        ),
        request=RequestConfig(
            scope=("openid", f"service:{mock.service_code}", "profile", "eid"),
            pkce=True,
            request_object="none" if secret_variant else request_object,
            params={"ui_locales": "en", "acr_values": ITSME + "acr_basic"},
            claims=DEMO_CLAIMS,
        ),
        flow=FlowOptions(timeout=10.0),
    )


def demo_secrets(mock: MockProvider) -> Secrets:
    client = mock.demo_client
    return Secrets(keys=client.private_jwks, client_secret=client.secret)


def _signicat_profile(mock: SignicatMockProvider) -> Profile:
    client = mock.demo_client
    return Profile(
        name="Demo (mock Signicat broker, OIDC)",
        provider=ProviderConfig(issuer=mock.issuer, variant="signicat", preset="demo"),
        client=ClientConfig(
            client_id=client.client_id,
            auth_method=client.auth_method,
            redirect_uri="http://127.0.0.1:0/callback",
            keys="(in memory)",
        ),
        request=RequestConfig(
            scope=("openid", "profile"),
            pkce=True,
            params={"acr_values": "idp:itsme", "prompt": "login"},
        ),
        flow=FlowOptions(timeout=10.0),
    )


def _signicat(mock: MockProvider) -> SignicatMockProvider:
    if not isinstance(mock, SignicatMockProvider):
        raise ConfigError("the REST API demo needs the mock provider's signicat variant")
    return mock


def demo_rest_profile(mock: MockProvider) -> Profile:
    """The Authentication REST API profile of the mock's demo API client (seed 001's request)."""
    mock = _signicat(mock)
    return Profile(
        name="Demo (mock Signicat, Authentication REST API)",
        provider=ProviderConfig(
            variant="signicat", preset="demo", kind="signicat-rest", api_base=mock.api_base
        ),
        client=ClientConfig(client_id=mock.api_client.client_id),
        flow=FlowOptions(timeout=10.0),
        rest=RestConfig(attributes=("name", "firstName", "lastName", "dateOfBirth", "nin")),
    )


def demo_rest_secrets(mock: MockProvider) -> Secrets:
    return Secrets(client_secret=_signicat(mock).api_client.secret)
