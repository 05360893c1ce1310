"""The mock's one user: George Tǎnka, the Belgian account of the itsme® v2 UserInfo example.

``resources/mock_user.json`` holds the example's attribute claims, its ``sub`` and its
metadata facts (verificationDate, IDIssuingCountry, validityFrom, validityTo,
issuance_locality), extracted from the API reference; validityTo is extended to IDDocumentSN
as the reference's metadata rules say. ``picture`` is not stored: it is the mock's own
picture URL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from itsme_debugger._resources import resource
from itsme_debugger.core.catalogue import ITSME_CLAIM_PREFIX

PHOTO_CLAIM = ITSME_CLAIM_PREFIX + "physical_person_photo"


@dataclass(frozen=True)
class ExampleUser:
    sub: str
    attributes: Mapping[str, Any]
    metadata_facts: Mapping[str, Mapping[str, str]]

    @property
    def name(self) -> str:
        return str(self.attributes.get("name", self.sub))

    @property
    def photo(self) -> bytes:
        """The JPEG of ``physical_person_photo`` (also served at the picture URL)."""
        return base64.b64decode(self.attributes[PHOTO_CLAIM]["value"])

    def release(self, names: Iterable[str], picture_url: str) -> dict[str, Any]:
        """The values this user has for ``names``; names the user has no value for are left out
        (as itsme does, e.g. no ``given_name`` for a user without first names)."""
        out: dict[str, Any] = {}
        for name in names:
            if name == "picture":
                out[name] = picture_url
            elif name in self.attributes:
                out[name] = self.attributes[name]
        return out


@cache
def example_user() -> ExampleUser:
    data = json.loads(resource("mock_user.json").read_text(encoding="utf-8"))
    return ExampleUser(sub=data["sub"], attributes=data["claims"], metadata_facts=data["metadata"])
