"""itsme® metadata claims: computed by the seed's rules, laid out, and checked."""

from __future__ import annotations

import pytest

from itsme_debugger.core.catalogue import ITSME_CLAIM_PREFIX as P
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.metadata import (
    METADATA_CLAIMS,
    check_metadata,
    compute_metadata,
    is_iso8601,
    metadata_matrix,
)

VD, VFROM, VTO = P + "verificationDate", P + "validityFrom", P + "validityTo"
COUNTRY, LOCALITY = P + "IDIssuingCountry", P + "issuance_locality"
EID, DOC = P + "BEeidSn", P + "IDDocumentSN"

#: What the provider knows about George Tǎnka's attributes (seed 003 examples).
FACTS = {
    VD: {
        "birthdate": "2023-06-01T13:04:26Z",
        "given_name": "2023-06-01T13:04:26Z",
        EID: "2023-04-12T15:02:23Z",
        DOC: "2023-04-12T15:02:23Z",
    },
    VFROM: {EID: "2018-11-08T00:00:00Z", DOC: "2018-11-08T00:00:00Z"},
    VTO: {EID: "2028-11-10T00:00:00Z", DOC: "2028-11-10T00:00:00Z", "given_name": "never"},
    COUNTRY: {EID: "BEL", "birthdate": "BEL"},
    LOCALITY: {EID: "BRUXELLES"},
}

#: The metadata part of seed 003's UserInfo example, with the attributes it describes.
SEED_USERINFO = {
    "given_name": "George",
    "family_name": "Tǎnka",
    "birthdate": "1978-11-01",
    EID: "431522485012",
    DOC: "431522485012",
    VFROM: {EID: "2018-11-08T00:00:00Z"},
    VTO: {EID: "2028-11-10T00:00:00Z"},
    LOCALITY: {EID: "BRUXELLES"},
    VD: {
        "birthdate": "2023-04-12T15:02:23Z",
        "given_name": "2023-04-12T15:02:23Z",
        EID: "2023-04-12T15:02:23Z",
        DOC: "2023-04-12T15:02:23Z",
        "family_name": "2023-04-12T15:02:23Z",
    },
    COUNTRY: {"birthdate": "BEL", EID: "BEL"},
}


def test_metadata_claims_are_the_five_of_the_seed():
    assert [name.removeprefix(P) for name in METADATA_CLAIMS] == [
        "verificationDate",
        "validityFrom",
        "validityTo",
        "IDIssuingCountry",
        "issuance_locality",
    ]


# ---------------------------------------------------------------------------------------------
# compute_metadata


def test_verification_date_with_birthdate_and_given_name_is_the_seed_shape():
    out = compute_metadata([VD], ["birthdate", "given_name"], FACTS)
    assert out == {VD: {"birthdate": "2023-06-01T13:04:26Z", "given_name": "2023-06-01T13:04:26Z"}}


def test_verification_date_alone_returns_nothing():
    assert compute_metadata([VD], [], FACTS) == {}


def test_validity_to_only_for_beeidsn_and_iddocumentsn():
    out = compute_metadata([VTO], ["given_name", EID, DOC], FACTS)
    assert out == {VTO: {EID: "2028-11-10T00:00:00Z", DOC: "2028-11-10T00:00:00Z"}}


def test_validity_to_without_a_document_number_is_omitted():
    assert compute_metadata([VTO], ["given_name", "birthdate"], FACTS) == {}


def test_validity_from_only_for_beeidsn():
    assert compute_metadata([VFROM], [DOC], FACTS) == {}
    assert compute_metadata([VFROM], [DOC, EID], FACTS) == {VFROM: {EID: "2018-11-08T00:00:00Z"}}


def test_attributes_without_facts_are_left_out():
    out = compute_metadata([COUNTRY], ["birthdate", "family_name"], FACTS)
    assert out == {COUNTRY: {"birthdate": "BEL"}}


def test_short_names_are_accepted():
    out = compute_metadata(
        ["issuance_locality"], ["BEeidSn"], {"issuance_locality": {"BEeidSn": "X"}}
    )
    assert out == {LOCALITY: {EID: "X"}}


def test_non_metadata_requests_are_ignored():
    assert compute_metadata(["given_name", "no_such_claim"], ["given_name"], FACTS) == {}


def test_every_requested_metadata_claim_is_computed():
    out = compute_metadata(METADATA_CLAIMS, [EID, "birthdate"], FACTS)
    assert list(out) == list(METADATA_CLAIMS)


# ---------------------------------------------------------------------------------------------
# metadata_matrix


def test_matrix_of_the_seed_example():
    m = metadata_matrix(SEED_USERINFO)
    assert m.columns == (VD, VFROM, VTO, COUNTRY, LOCALITY)
    # Rows follow the catalogue's order, not the response's.
    assert m.attributes == ("given_name", "family_name", "birthdate", EID, DOC)
    assert m.cells[(EID, VTO)] == "2028-11-10T00:00:00Z"
    assert m.cells[("birthdate", COUNTRY)] == "BEL"
    assert (DOC, VTO) not in m.cells


def test_matrix_skips_non_object_metadata_and_shows_odd_values_as_json():
    m = metadata_matrix({VD: "2023-04-12", VTO: {"weird_attribute": 5}})
    assert m.columns == (VTO,)
    assert m.attributes == ("weird_attribute",)
    assert m.cells[("weird_attribute", VTO)] == "5"


def test_matrix_of_claims_without_metadata_is_empty():
    m = metadata_matrix({"given_name": "George"})
    assert (m.attributes, m.columns, dict(m.cells)) == ((), (), {})


# ---------------------------------------------------------------------------------------------
# check_metadata


def ids(findings):
    return [f.id for f in findings]


def test_seed_example_is_clean():
    assert check_metadata("userinfo", SEED_USERINFO) == []


def test_metadata_not_object():
    [f] = check_metadata("userinfo", {VD: "2023-04-12T15:02:23Z"})
    assert f.id == "userinfo.metadata_not_object"
    assert f.severity is Severity.ERROR
    assert f.where == f"userinfo.claims.{VD}"


def test_metadata_not_applicable():
    [f] = check_metadata("id_token", {"given_name": "George", VTO: {"given_name": "2028-11-10"}})
    assert f.id == "id_token.metadata_not_applicable"
    assert f.severity is Severity.WARNING
    assert "BEeidSn, IDDocumentSN" in f.message


def test_metadata_keyed_by_short_name_says_so():
    [f] = check_metadata("userinfo", {EID: "1", VTO: {"BEeidSn": "2028-11-10T00:00:00Z"}})
    assert f.id == "userinfo.metadata_not_applicable"
    assert EID in f.message


def test_metadata_attribute_absent():
    [f] = check_metadata("userinfo", {VTO: {EID: "2028-11-10T00:00:00Z"}})
    assert f.id == "userinfo.metadata_attribute_absent"
    assert f.severity is Severity.WARNING


@pytest.mark.parametrize(
    "value", ["2028-13-10T00:00:00Z", "10/11/2028", "yesterday", "2028-11-10 00:00"]
)
def test_metadata_date_invalid(value):
    [f] = check_metadata("userinfo", {EID: "1", VTO: {EID: value}})
    assert f.id == "userinfo.metadata_date_invalid"


def test_locality_is_not_a_date():
    assert check_metadata("userinfo", {EID: "1", LOCALITY: {EID: "BRUXELLES"}}) == []


@pytest.mark.parametrize("value", ["BE", "bel", "Belgium"])
def test_metadata_country_invalid(value):
    [f] = check_metadata("userinfo", {EID: "1", COUNTRY: {EID: value}})
    assert f.id == "userinfo.metadata_country_invalid"


def test_metadata_value_not_string():
    [f] = check_metadata("userinfo", {EID: "1", VD: {EID: 1681314190}})
    assert f.id == "userinfo.metadata_value_not_string"


def test_metadata_empty():
    [f] = check_metadata("userinfo", {VD: {}})
    assert f.id == "userinfo.metadata_empty"
    assert f.severity is Severity.INFO


@pytest.mark.parametrize(
    "text",
    ["2023-04-12", "2023-04-12T15:02:23Z", "2023-04-12T15:02:23.000Z", "2023-04-12T15:02:23+02:00"],
)
def test_iso8601_accepts(text):
    assert is_iso8601(text)


@pytest.mark.parametrize("text", ["", "2023-4-12", "20230412T150223Z", "2023-02-30", "12.04.2023"])
def test_iso8601_rejects(text):
    assert not is_iso8601(text)
