"""Profiles: DESIGN.md's format, one-line errors, and a faithful round trip."""

from __future__ import annotations

import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.profile import (
    infer_variant,
    parse_profile,
    profile_to_toml,
)

DESIGN_EXAMPLE = """
name = "itsme e2e, private key JWT"

[provider]
issuer = "https://idp.e2e.itsme.services/v2"

[client]
client_id = "my-client"
auth_method = "private_key_jwt"
keys = "private.jwks.json"
redirect_uri = "http://127.0.0.1:8765/callback"

[request]
scope = "openid service:TEST_code profile eid"
pkce = true
request_object = "none"
prompt = "login"
max_age = 600

[request.claims.id_token]
"http://itsme.services/v2/claim/BENationalNumber" = {}
given_name = { essential = true }

[request.claims.userinfo]
"http://itsme.services/v2/claim/physical_person_photo" = {}
"""


def test_design_example_parses() -> None:
    p = parse_profile(DESIGN_EXAMPLE, base_dir="/home/dev/itsme", source="e2e.toml")
    assert p.name == "itsme e2e, private key JWT"
    assert p.provider.issuer == "https://idp.e2e.itsme.services/v2"
    assert p.provider.variant == "itsme-v2"
    assert p.provider.uses_discovery
    assert p.client.keys == "/home/dev/itsme/private.jwks.json"
    assert p.client.redirect_uri == "http://127.0.0.1:8765/callback"
    assert p.request.scope == ("openid", "service:TEST_code", "profile", "eid")
    assert p.request.params == {"prompt": "login", "max_age": "600"}
    assert p.request.claims.id_token["given_name"].essential is True
    assert "http://itsme.services/v2/claim/BENationalNumber" in p.request.claims.id_token
    assert list(p.request.claims.userinfo) == [
        "http://itsme.services/v2/claim/physical_person_photo"
    ]


def test_round_trip_keeps_everything_but_the_secret() -> None:
    p = parse_profile(DESIGN_EXAMPLE, base_dir="/x", source="e2e.toml")
    again = parse_profile(profile_to_toml(p), base_dir="/elsewhere", source="again.toml")
    assert again.provider == p.provider
    assert again.client == p.client  # keys path was absolute, so it stays
    assert again.request == p.request
    assert again.flow == p.flow


def test_the_flow_options_round_trip() -> None:
    text = DESIGN_EXAMPLE + "\n[flow]\npicture = false\nrevoke = false\nleeway = 5\n"
    p = parse_profile(text, source="x")
    assert (p.flow.picture, p.flow.revoke, p.flow.leeway, p.flow.userinfo) == (
        False,
        False,
        5,
        True,
    )
    written = profile_to_toml(p)
    assert "picture = false" in written
    assert parse_profile(written, source="again").flow == p.flow
    assert "picture" not in profile_to_toml(parse_profile(DESIGN_EXAMPLE, source="x"))


def test_secret_is_written_only_on_request() -> None:
    text = DESIGN_EXAMPLE.replace(
        'auth_method = "private_key_jwt"',
        'auth_method = "client_secret_post"\nclient_secret = "s3cr3t-value"',
    )
    p = parse_profile(text, source="x")
    assert "s3cr3t-value" not in profile_to_toml(p)
    assert "s3cr3t-value" in profile_to_toml(p, include_secret=True)


def test_endpoints_instead_of_discovery() -> None:
    p = parse_profile(
        """
[provider]
authorization_endpoint = "https://op.example/authorize"
token_endpoint = "https://op.example/token"
[client]
client_id = "c"
client_secret_env = "OP_SECRET"
""",
        source="x",
    )
    assert not p.provider.uses_discovery
    assert p.provider.variant == "generic"
    assert p.client.client_secret_env == "OP_SECRET"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name = ", "not valid TOML"),
        ("[client]\nclient_id='c'", "needs an issuer"),
        ("[provider]\nissuer='https://x'\n[client]\n", "client_id is required"),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\nauth_method='magic'",
            "auth_method 'magic'",
        ),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\nauth_method='private_key_jwt'",
            "needs [client] keys",
        ),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[request]\nrequest_object='enc'",
            "request_object 'enc'",
        ),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[request.claims.access_token]\nx={}",
            "not a claims target",
        ),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[request.claims.id_token]\nx=1",
            "must be a table",
        ),
        ("[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[flow]\ntimeout=-1", "timeout"),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[flow]\ntimeout=1e308",
            "timeout = 1e+308 is more than 3600",
        ),
        (
            "[provider]\nissuer='https://x'\n[client]\nclient_id='c'\n[flow]\nleeway=99999999",
            "leeway = 99999999 is more than 86400",
        ),
        ("[provider]\nissuer='https://x'\n[client]\nclient_id=3", "client_id must be a string"),
        ("[provider]\nissuer='https://x'\nvariant='x'\n[client]\nclient_id='c'", "variant 'x'"),
        ("colour = 'blue'\n[provider]\nissuer='https://x'\n[client]\nclient_id='c'", "colour"),
    ],
)
def test_bad_profile_is_one_clear_line(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_profile(text, source="bad.toml")
    message = str(info.value)
    assert needle in message
    assert message.startswith("bad.toml")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("issuer", "variant"),
    [
        ("https://idp.e2e.itsme.services/v2", "itsme-v2"),
        ("https://oidc.prd.itsme.services/clientsecret-oidc/csapi/v0.1", "itsme-secret"),
        ("https://example.sandbox.signicat.com/auth/open", "signicat"),
        ("https://accounts.example.com", "generic"),
    ],
)
def test_variant_is_inferred_from_the_issuer(issuer: str, variant: str) -> None:
    assert infer_variant(issuer) == variant


# -- kind = "signicat-rest" -------------------------------------------------------------------

REST_EXAMPLE = """
name = "Signicat REST API"

[provider]
kind = "signicat-rest"
api_base = "https://api.signicat.com/auth/rest/"

[client]
client_id = "sandbox-round-apple-123"
client_secret_env = "SIGNICAT_API_SECRET"

[request]
attributes = ["name", "firstName", "lastName", "dateOfBirth", "nin"]
providers = ["itsme"]
callback_base = "http://127.0.0.1:8766/signicat"
session_lifetime = 600
"""


def test_rest_profile_is_parsed() -> None:
    p = parse_profile(REST_EXAMPLE)
    assert p.is_rest and p.provider.kind == "signicat-rest"
    assert p.provider.variant == "signicat"
    assert p.provider.api_base == "https://api.signicat.com/auth/rest"
    assert p.client.client_id == "sandbox-round-apple-123"
    assert p.client.auth_method == "client_secret_basic"
    assert p.client.client_secret_env == "SIGNICAT_API_SECRET"
    assert p.rest is not None
    assert p.rest.attributes == ("name", "firstName", "lastName", "dateOfBirth", "nin")
    assert p.rest.providers == ("itsme",)
    assert p.rest.callback_base == "http://127.0.0.1:8766/signicat"
    assert p.rest.session_lifetime == 600


def test_rest_profile_defaults() -> None:
    text = '[provider]\nkind = "signicat-rest"\napi_base = "https://a.test/auth/rest"\n'
    p = parse_profile(text + '[client]\nclient_id = "c"\n')
    assert p.rest is not None
    assert (p.rest.attributes, p.rest.providers) == ((), ("itsme",))
    assert p.rest.callback_base == "http://127.0.0.1:0/signicat"
    assert p.rest.session_lifetime is None


def test_oidc_profiles_are_kind_oidc() -> None:
    p = parse_profile(DESIGN_EXAMPLE)
    assert p.provider.kind == "oidc" and not p.is_rest and p.rest is None


def test_rest_profile_round_trip() -> None:
    p = parse_profile(REST_EXAMPLE)
    again = parse_profile(profile_to_toml(p))
    assert again == p


def test_rest_profile_secret_is_written_only_when_asked() -> None:
    p = parse_profile(
        REST_EXAMPLE.replace(
            'client_secret_env = "SIGNICAT_API_SECRET"', 'client_secret = "s3cr3t"'
        )
    )
    assert "s3cr3t" not in profile_to_toml(p)
    assert parse_profile(profile_to_toml(p, include_secret=True)).client.client_secret == "s3cr3t"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "signicat-rest"', 'kind = "soap"', "kind"),
        ('api_base = "https://api.signicat.com/auth/rest/"', "", "api_base"),
        ('client_id = "sandbox-round-apple-123"', "", "client_id"),
        ('providers = ["itsme"]', 'providers = "itsme"', "providers"),
        ('attributes = ["name",', "attributes = [1,", "attributes"),
        ("session_lifetime = 600", "session_lifetime = -1", "session_lifetime"),
        ("session_lifetime = 600", 'scope = "openid"', "scope"),
        (
            'client_secret_env = "SIGNICAT_API_SECRET"',
            'auth_method = "private_key_jwt"',
            "private_key_jwt",
        ),
    ],
)
def test_rest_profile_errors_are_one_line(old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_profile(REST_EXAMPLE.replace(old, new), source="rest.toml")
    text = str(info.value)
    assert "\n" not in text and message in text and text.startswith("rest.toml")
