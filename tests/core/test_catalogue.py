"""The claims catalogue holds every claim and scope of the itsme® v2 reference (seed 003)."""

from __future__ import annotations

import base64

import pytest

from itsme_debugger.core.catalogue import (
    GROUPS,
    ITSME_CLAIM_PREFIX,
    catalogue,
    claim_info,
    full_name,
    scope_claims,
    scopes,
    short_name,
)

P = ITSME_CLAIM_PREFIX

# Seed 003, "Authorization Request", the claims parameter: every supported claim.
SEED_CLAIM_LIST = [
    "name",
    "given_name",
    "family_name",
    "birthdate",
    P + "birthdate_as_string",
    "gender",
    P + "official_gender",
    "locale",
    "picture",
    P + "physical_person_photo",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
    P + "claim_citizenship",
    P + "claim_citizenship_as_iso",
    P + "place_of_birth",
    P + "BEeidSn",
    P + "claim_device",
    P + "BENationalNumber",
    P + "validityFrom",
    P + "validityTo",
    P + "verificationDate",
    P + "IDDocumentSN",
    P + "IDDocumentType",
    P + "IDIssuingCountry",
    P + "issuance_locality",
    P + "app",
    P + "account",
    P + "transaction_ip",
]

# Seed 003, "UserInfo Request", the example response: its user claims and their values.
SEED_USERINFO_VALUES = {
    "sub": "e3xad7upx64grm14ttpnx4c586ve8gy0gp38",
    "birthdate": "1978-11-01",
    P + "claim_citizenship_as_iso": "BEL",
    "gender": "male",
    P + "birthdate_as_string": "01.11.1978",
    P + "IDDocumentType": "I",
    P + "claim_citizenship": "BE",
    "locale": "FR",
    "email": "test@itsme.be",
    "email_verified": False,
    P + "BENationalNumber": "99060427181",
    "phone_number_verified": True,
    "given_name": "George",
    "name": "George Tǎnka",
    P + "IDDocumentSN": "431522485012",
    "phone_number": "+32 485694175",
    P + "BEeidSn": "431522485012",
    "family_name": "Tǎnka",
    P + "validityFrom": {P + "BEeidSn": "2018-11-08T00:00:00Z"},
    P + "validityTo": {P + "BEeidSn": "2028-11-10T00:00:00Z"},
    P + "issuance_locality": {P + "BEeidSn": "BRUXELLES"},
}
SEED_USERINFO_OBJECTS = [
    "address",
    P + "place_of_birth",
    P + "claim_device",
    P + "physical_person_photo",
    "picture",
    P + "verificationDate",
    P + "IDIssuingCountry",
]
PROTOCOL_CLAIMS = ["iss", "aud", "exp", "iat", "nbf", "nonce", "acr", "amr", "auth_time", "azp"]
VERIFICATION_DATE_KEYS = {
    P + "place_of_birth",
    "birthdate",
    "address",
    P + "claim_citizenship_as_iso",
    "gender",
    P + "birthdate_as_string",
    P + "BENationalNumber",
    "given_name",
    P + "claim_citizenship",
    "picture",
    "name",
    P + "IDDocumentSN",
    P + "BEeidSn",
    "family_name",
    P + "physical_person_photo",
}


@pytest.mark.parametrize("name", SEED_CLAIM_LIST)
def test_every_claim_of_the_seed_list_is_catalogued(name):
    assert claim_info(name) is not None


@pytest.mark.parametrize("name", [*SEED_USERINFO_VALUES, *SEED_USERINFO_OBJECTS])
def test_every_claim_of_the_seed_userinfo_example_is_catalogued(name):
    assert name in catalogue()


@pytest.mark.parametrize(("name", "value"), SEED_USERINFO_VALUES.items())
def test_examples_are_the_seed_userinfo_values(name, value):
    info = claim_info(name)
    assert info is not None
    assert info.example == value


def test_catalogue_is_exactly_the_seed_claims_and_sub():
    assert set(catalogue()) == {*SEED_CLAIM_LIST, "sub"}


@pytest.mark.parametrize("name", PROTOCOL_CLAIMS)
def test_id_token_protocol_claims_are_not_catalogued(name):
    assert claim_info(name) is None


def test_photo_example_is_the_seed_jpeg():
    info = claim_info(P + "physical_person_photo")
    assert info is not None
    image = base64.b64decode(info.example["value"])
    assert info.example["format"] == "image/jpeg"
    assert image[:2] == b"\xff\xd8"
    assert image[-2:] == b"\xff\xd9"


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", ("sub",)),
        (
            "profile",
            ("family_name", "given_name", "name", "gender", "locale", "picture", "birthdate"),
        ),
        ("email", ("email", "email_verified")),
        ("address", ("address",)),
        ("phone", ("phone_number", "phone_number_verified")),
        ("eid", (P + "BENationalNumber", P + "BEeidSn")),
        ("service:CODE", ()),
        ("no-such-scope", ()),
    ],
)
def test_scope_claims(scope, claims):
    assert scope_claims(scope) == claims


@pytest.mark.parametrize("scope", ["openid", "profile", "email", "address", "phone", "eid"])
def test_claim_scope_field_agrees_with_scope_claims(scope):
    by_field = {name for name, info in catalogue().items() if info.scope == scope}
    assert by_field == set(scope_claims(scope))


def test_itsme_only_claims_have_no_scope():
    assert catalogue()[P + "IDDocumentSN"].scope is None


def test_scopes_describe_the_seed_scopes():
    described = scopes()
    for scope in ("openid", "service:CODE", "profile", "email", "address", "phone", "eid"):
        assert described[scope]
    assert "service:TEST_code" in described["service:CODE"]


def test_scopes_by_provider():
    assert "name" not in scopes("itsme")
    assert "eid" in scopes("itsme")
    assert "name" in scopes("signicat")
    assert "eid" not in scopes("signicat")


@pytest.mark.parametrize("info", catalogue().values(), ids=lambda i: short_name(i.name))
def test_every_entry_is_well_formed(info):
    assert info.label and info.description and info.format
    assert info.group in GROUPS
    assert info.standard == (not info.name.startswith(P))
    assert info.metadata == (info.group == "metadata")
    assert bool(info.applies_to) == info.metadata
    assert all(claim_info(a) is not None for a in info.applies_to)
    assert not info.sensitive or info.personal


@pytest.mark.parametrize(
    ("name", "applies_to"),
    [
        ("verificationDate", VERIFICATION_DATE_KEYS),
        ("IDIssuingCountry", VERIFICATION_DATE_KEYS),
        ("validityFrom", {P + "BEeidSn"}),
        ("validityTo", {P + "BEeidSn", P + "IDDocumentSN"}),
        ("issuance_locality", {P + "BEeidSn", P + "IDDocumentSN"}),
    ],
)
def test_metadata_applies_to(name, applies_to):
    info = claim_info(P + name)
    assert info is not None
    assert set(info.applies_to) == applies_to


@pytest.mark.parametrize(
    "name", [P + "BENationalNumber", P + "BEeidSn", P + "IDDocumentSN", P + "physical_person_photo"]
)
def test_identifying_numbers_and_photo_are_sensitive(name):
    assert catalogue()[name].sensitive


@pytest.mark.parametrize(
    "name",
    [
        "name",
        "birthdate",
        "address",
        "email",
        "phone_number",
        P + "claim_device",
        P + "transaction_ip",
    ],
)
def test_personal_data_is_marked_personal(name):
    assert catalogue()[name].personal


@pytest.mark.parametrize("name", ["email_verified", "phone_number_verified", P + "IDDocumentType"])
def test_flags_are_not_personal(name):
    assert not catalogue()[name].personal


def test_short_and_full_names():
    assert short_name(P + "BEeidSn") == "BEeidSn"
    assert short_name("given_name") == "given_name"
    assert full_name("BEeidSn") == P + "BEeidSn"
    assert full_name("given_name") == "given_name"
    assert full_name("not_a_claim") == "not_a_claim"
