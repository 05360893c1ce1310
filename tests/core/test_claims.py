"""The claims request (OIDC Core 5.5): JSON round trip, lint, and the check of what came back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsme_debugger.core.catalogue import ITSME_CLAIM_PREFIX as P
from itsme_debugger.core.claims import (
    ClaimSpec,
    ClaimsRequest,
    check_returned_claims,
    lint_claims_request,
)
from itsme_debugger.core.findings import Severity
from tests.core.support import SEED_CLAIMS_JSON

EMPTY = ClaimsRequest({}, {})


def ids(findings):
    return [f.id for f in findings]


# ---------------------------------------------------------------------------------------------
# JSON


def test_seed_example_round_trips():
    req = ClaimsRequest.from_json(SEED_CLAIMS_JSON)
    assert req.names("id_token")[:3] == ("name", "gender", P + "BENationalNumber")
    assert len(req.names("id_token")) == 10
    assert req.userinfo == {}
    assert req.to_dict() == json.loads(SEED_CLAIMS_JSON)
    assert ClaimsRequest.from_json(req.to_json()) == req


def test_to_json_is_compact():
    req = EMPTY.with_claim("id_token", "given_name", ClaimSpec(essential=True))
    assert req.to_json() == '{"id_token":{"given_name":{"essential":true}}}'


def test_to_json_keeps_non_ascii_values():
    req = EMPTY.with_claim("userinfo", "family_name", ClaimSpec(value="Tǎnka"))
    assert "Tǎnka" in req.to_json()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (ClaimSpec(), None),
        (ClaimSpec(essential=True), {"essential": True}),
        (ClaimSpec(essential=False), {"essential": False}),
        (ClaimSpec(value="male"), {"value": "male"}),
        (ClaimSpec(values=("fr", "nl")), {"values": ["fr", "nl"]}),
        (
            ClaimSpec(essential=True, values=("a",)),
            {"essential": True, "values": ["a"]},
        ),
    ],
)
def test_claim_spec_json_value(spec, expected):
    assert spec.to_json_value() == expected
    assert ClaimSpec.from_json_value(expected) == spec


def test_full_request_round_trips_in_order():
    data = {
        "userinfo": {"b": None, "a": {"essential": True}},
        "id_token": {"sub": {"value": "x"}, "acr": {"values": ["1", "2"]}},
    }
    req = ClaimsRequest.from_dict(data)
    assert req.names() == ("sub", "acr", "b", "a")
    assert req.to_dict() == data
    assert list(req.to_dict()["userinfo"]) == ["b", "a"]


def test_empty_request():
    assert EMPTY.is_empty()
    assert EMPTY.to_dict() == {}
    assert ClaimsRequest.from_json('{"id_token": {}, "userinfo": {}}').is_empty()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "claims must be a JSON object, got an array"),
        ('{"id_token": []}', "claims.id_token must be an object, got an array"),
        ('{"id_token": {"name": true}}', "claims.id_token.name: expected null or an object"),
        ('{"userinfo": {"name": {"essential": "yes"}}}', "essential must be true or false"),
        ('{"userinfo": {"name": {"values": "fr"}}}', "values must be an array"),
        ('{"userinfo": {"name": {"purpose": "x"}}}', "unknown member 'purpose'"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_from_json_rejects_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        ClaimsRequest.from_json(text)


def test_unknown_top_level_members_are_kept_for_the_lint():
    req = ClaimsRequest.from_json('{"given_name": null, "userinfo": {"email": null}}')
    assert req.unknown_targets == ("given_name",)
    assert req.to_dict() == {"userinfo": {"email": None}}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.text())
def test_from_json_on_junk_text_raises_only_value_error(text):
    try:
        ClaimsRequest.from_json(text)
    except ValueError:
        pass


@given(
    st.dictionaries(
        st.sampled_from(["id_token", "userinfo", "other"]),
        json_values,
        max_size=3,
    )
)
def test_from_json_on_junk_structures_raises_only_value_error(data):
    try:
        req = ClaimsRequest.from_json(json.dumps(data))
    except ValueError:
        return
    assert ClaimsRequest.from_dict(req.to_dict()) == ClaimsRequest(req.id_token, req.userinfo)


# ---------------------------------------------------------------------------------------------
# Editing


def test_with_claim_returns_a_new_request():
    req = EMPTY.with_claim("id_token", "given_name")
    assert EMPTY.is_empty()
    assert req.names("id_token") == ("given_name",)
    assert req.id_token["given_name"] == ClaimSpec()


def test_with_claim_replaces_in_place():
    req = EMPTY.with_claim("userinfo", "a").with_claim("userinfo", "b")
    req = req.with_claim("userinfo", "a", ClaimSpec(essential=True))
    assert req.names("userinfo") == ("a", "b")
    assert req.userinfo["a"].essential is True


def test_without_claim():
    req = EMPTY.with_claim("userinfo", "a").with_claim("id_token", "a")
    assert req.without_claim("userinfo", "a").names() == ("a",)
    assert req.without_claim("userinfo", "a").names("userinfo") == ()
    assert req.without_claim("userinfo", "missing") == req


def test_bad_target_is_a_value_error():
    with pytest.raises(ValueError, match="not a claims target"):
        EMPTY.with_claim("access_token", "a")


def test_constructor_copies_the_mappings():
    source = {"a": ClaimSpec()}
    req = ClaimsRequest(source, {})
    source["b"] = ClaimSpec()
    assert req.names() == ("a",)


# ---------------------------------------------------------------------------------------------
# Lint


def lint(req, scopes=("openid",), claims_supported=None):
    return lint_claims_request(req, scopes=scopes, claims_supported=claims_supported)


def test_seed_example_lints_clean_but_for_metadata():
    # validityFrom / validityTo come with IDDocumentSN in the example: validityTo applies,
    # validityFrom (BEeidSn only) does not.
    req = ClaimsRequest.from_json(SEED_CLAIMS_JSON)
    findings = lint(req, scopes=("openid", "service:EXAMPLE", "profile", "eid"))
    assert ids(findings) == ["claims.metadata_without_attribute"]
    assert findings[0].where == f"request.claims.id_token.{P}validityFrom"


def test_claims_unknown():
    [f] = lint(EMPTY.with_claim("id_token", "favourite_colour"))
    assert f.id == "claims.unknown"
    assert f.severity is Severity.INFO


def test_claims_known_is_not_unknown():
    assert lint(EMPTY.with_claim("id_token", P + "IDDocumentSN")) == []


def test_claims_not_supported_by_provider():
    req = EMPTY.with_claim("id_token", "given_name")
    [f] = lint(req, claims_supported=["sub", "name"])
    assert f.id == "claims.not_supported_by_provider"
    assert f.severity is Severity.WARNING


def test_claims_supported_by_provider():
    req = EMPTY.with_claim("id_token", "given_name")
    assert lint(req, claims_supported=["sub", "given_name"]) == []


def test_claims_metadata_without_attribute():
    [f] = lint(EMPTY.with_claim("id_token", P + "verificationDate"))
    assert f.id == "claims.metadata_without_attribute"
    assert f.severity is Severity.WARNING
    assert "returns nothing" in f.message


def test_claims_metadata_with_attribute():
    req = EMPTY.with_claim("id_token", P + "verificationDate").with_claim("id_token", "birthdate")
    assert lint(req) == []


def test_claims_metadata_with_attribute_of_no_use():
    # validityTo only applies to BEeidSn / IDDocumentSN, not to given_name.
    req = EMPTY.with_claim("userinfo", P + "validityTo").with_claim("userinfo", "given_name")
    assert ids(lint(req)) == ["claims.metadata_without_attribute"]


def test_claims_metadata_attribute_in_the_other_target_does_not_count():
    req = EMPTY.with_claim("userinfo", P + "validityTo").with_claim("id_token", P + "BEeidSn")
    assert ids(lint(req)) == ["claims.metadata_without_attribute"]


def test_claims_metadata_attribute_from_scope_counts_at_userinfo():
    req = EMPTY.with_claim("userinfo", P + "validityTo")
    assert lint(req, scopes=("openid", "eid")) == []


def test_claims_metadata_attribute_from_scope_does_not_count_in_id_token():
    req = EMPTY.with_claim("id_token", P + "validityTo")
    assert ids(lint(req, scopes=("openid", "eid"))) == ["claims.metadata_without_attribute"]


def test_claims_already_in_scope():
    [f] = lint(EMPTY.with_claim("userinfo", "email"), scopes=("openid", "email"))
    assert f.id == "claims.already_in_scope"
    assert f.severity is Severity.INFO
    assert "email" in f.message


def test_claims_in_scope_moved_to_id_token_is_not_redundant():
    assert lint(EMPTY.with_claim("id_token", "email"), scopes=("openid", "email")) == []


def test_claims_in_scope_but_essential_is_not_redundant():
    req = EMPTY.with_claim("userinfo", "email", ClaimSpec(essential=True))
    assert lint(req, scopes=("openid", "email")) == []


def test_claims_invalid_target():
    [f] = lint(ClaimsRequest.from_json('{"idtoken": {"name": null}}'))
    assert f.id == "claims.invalid_target"
    assert f.severity is Severity.ERROR
    assert "idtoken" in f.message


def test_claims_value_and_values():
    req = EMPTY.with_claim("id_token", "gender", ClaimSpec(value="male", values=("male",)))
    assert ids(lint(req)) == ["claims.value_and_values"]


# ---------------------------------------------------------------------------------------------
# What came back


def check(target, claims, req, scopes=("openid",)):
    return check_returned_claims(target, claims, req, scopes)


ESSENTIAL = EMPTY.with_claim("id_token", "given_name", ClaimSpec(essential=True))


def test_essential_claim_missing():
    [f] = check("id_token", {"sub": "x"}, ESSENTIAL)
    assert f.id == "id_token.essential_claim_missing"
    assert f.severity is Severity.WARNING
    assert f.where == "id_token.claims.given_name"


def test_essential_claim_present():
    assert check("id_token", {"given_name": "George"}, ESSENTIAL) == []


def test_essential_claim_is_checked_in_its_own_target_only():
    assert check("userinfo", {"sub": "x"}, ESSENTIAL) == []


def test_voluntary_claim_missing_is_fine():
    assert check("userinfo", {}, EMPTY.with_claim("userinfo", "email")) == []


def test_claim_value_mismatch():
    req = EMPTY.with_claim("userinfo", "gender", ClaimSpec(value="female"))
    [f] = check("userinfo", {"gender": "male"}, req)
    assert f.id == "userinfo.claim_value_mismatch"
    assert f.severity is Severity.WARNING


def test_claim_value_match():
    req = EMPTY.with_claim("userinfo", "gender", ClaimSpec(value="male"))
    assert check("userinfo", {"gender": "male"}, req) == []


def test_sub_value_mismatch_is_an_error():
    req = EMPTY.with_claim("id_token", "sub", ClaimSpec(value="abc"))
    [f] = check("id_token", {"sub": "def"}, req)
    assert f.id == "id_token.claim_value_mismatch"
    assert f.severity is Severity.ERROR


def test_claim_values_mismatch():
    req = EMPTY.with_claim("id_token", "locale", ClaimSpec(values=("FR", "NL")))
    [f] = check("id_token", {"locale": "EN"}, req)
    assert f.id == "id_token.claim_values_mismatch"


def test_claim_values_match():
    req = EMPTY.with_claim("id_token", "locale", ClaimSpec(values=("FR", "NL")))
    assert check("id_token", {"locale": "NL"}, req) == []


def test_metadata_shape_is_checked():
    req = EMPTY.with_claim("userinfo", "given_name").with_claim("userinfo", P + "validityTo")
    findings = check("userinfo", {"given_name": "G", P + "validityTo": {"given_name": "x"}}, req)
    assert "userinfo.metadata_not_applicable" in ids(findings)


def test_metadata_for_unrequested_attribute():
    req = EMPTY.with_claim("userinfo", P + "verificationDate")
    claims = {"birthdate": "1978-11-01", P + "verificationDate": {"birthdate": "2023-04-12"}}
    [f] = check("userinfo", claims, req)
    assert f.id == "userinfo.metadata_for_unrequested_attribute"


def test_metadata_for_attribute_requested_by_scope():
    req = EMPTY.with_claim("userinfo", P + "verificationDate")
    claims = {"birthdate": "1978-11-01", P + "verificationDate": {"birthdate": "2023-04-12"}}
    assert check("userinfo", claims, req, scopes=("openid", "profile")) == []
