"""Helpers and seed data shared by the core's tests."""

from __future__ import annotations

from typing import Any

from jwcrypto import jwk


def key_set(*keys: jwk.JWK | dict[str, Any]) -> jwk.JWKSet:
    out = jwk.JWKSet()
    for key in keys:
        out.add(key if isinstance(key, jwk.JWK) else jwk.JWK(**key))
    return out


# Seed 003, "Authorization Request", the example's claims parameter, verbatim.
SEED_CLAIMS_JSON = """{"id_token":{
  "name":null,
  "gender":null,
	"http://itsme.services/v2/claim/BENationalNumber":null,
	"http://itsme.services/v2/claim/claim_citizenship":null,
	"http://itsme.services/v2/claim/place_of_birth":null,
	"http://itsme.services/v2/claim/physical_person_photo":null,
	"http://itsme.services/v2/claim/birthdate_as_string":null,
	"http://itsme.services/v2/claim/validityFrom":null,
	"http://itsme.services/v2/claim/validityTo":null,
	"http://itsme.services/v2/claim/IDDocumentSN":null}}"""
