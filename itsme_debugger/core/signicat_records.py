"""The records of the Signicat Authentication REST API (seed 001) and what the debugger
knows about its values: the attributes of ``requestedAttributes`` and the session statuses.

The status values are those of the API reference (``SessionData.status``); seed 001 shows
``CREATED`` and ``SUCCESS`` and the three callbacks (success, abort, error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import ProviderError
from .findings import Finding

REF_OIDC = "Signicat: itsme via OIDC"
REF_REST = "Signicat Authentication REST API"
REF_API_ACCESS = "Signicat: Connect to Signicat APIs"
API_SCOPE = "signicat-api"
TOKEN_PATH = "/auth/open/connect/token"
REDIRECT_FLOW = "redirect"
OUTCOMES = ("success", "abort", "error")
ITSME = "itsme"


@dataclass(frozen=True)
class AttributeInfo:
    """One ``requestedAttributes`` name; ``sensitive`` values are masked in reports."""

    name: str
    label: str
    description: str
    sensitive: bool = False


_ATTRIBUTES = (
    AttributeInfo("name", "Full name", "The full name, e.g. Maxence Legrand."),
    AttributeInfo("firstName", "First name", "The first name(s)."),
    AttributeInfo("middleName", "Middle name", "The middle name, when the eID has one."),
    AttributeInfo("lastName", "Last name", "The family name."),
    AttributeInfo("dateOfBirth", "Date of birth", "The date of birth, YYYY-MM-DD."),
    AttributeInfo(
        "nin",
        "National identity number",
        "An object: value (the number), issuingCountry (e.g. BE) and type (e.g. PERSON).",
        sensitive=True,
    ),
    AttributeInfo("email", "Email", "The email address, when the eID has one."),
    AttributeInfo(
        "idpId",
        "Identifier at the eID",
        "The user's identifier at the identity provider; Signicat adds it to every session.",
    ),
)
#: The attributes of the REST API that itsme® sessions return, by name, in the picker's order.
ATTRIBUTES: Mapping[str, AttributeInfo] = MappingProxyType({a.name: a for a in _ATTRIBUTES})


@dataclass(frozen=True)
class StatusInfo:
    """What a session status means; ``finding``: the id reported once the flow saw it."""

    meaning: str
    finding: str | None = None
    final: bool = True


STATUSES: Mapping[str, StatusInfo] = MappingProxyType(
    {
        "CREATED": StatusInfo(
            "the session exists; the user has not finished at the authenticationUrl",
            "signicat.session_not_finished",
            final=False,
        ),
        "WAITING_FOR_USER": StatusInfo(
            "the user is authenticating", "signicat.session_not_finished", final=False
        ),
        "SUCCESS": StatusInfo("the user authenticated; the subject holds their data"),
        "ABORT": StatusInfo("the user aborted the authentication", "signicat.session_aborted"),
        "ERROR": StatusInfo(
            "the authentication failed (see the error object)", "signicat.session_error"
        ),
        "CANCELLED": StatusInfo("the session was cancelled", "signicat.session_cancelled"),
        "EXPIRED": StatusInfo(
            "the sessionLifetime passed before the user finished", "signicat.session_expired"
        ),
        "INVALID": StatusInfo("the session is invalid", "signicat.session_invalid"),
    }
)


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class CallbackUrls:
    """Where Signicat sends the browser back for each outcome."""

    success: str
    abort: str
    error: str

    @classmethod
    def under(cls, base: str) -> CallbackUrls:
        """``{base}/success``, ``{base}/abort`` and ``{base}/error``."""
        root = base.rstrip("/")
        return cls(root + "/success", root + "/abort", root + "/error")

    def get(self, outcome: str) -> str:
        return str(getattr(self, outcome))

    def items(self) -> list[tuple[str, str]]:
        return [(o, self.get(o)) for o in OUTCOMES]

    def to_json(self) -> dict[str, str]:
        return dict(self.items())


@dataclass(frozen=True)
class Nin:
    """The national identity number object of a subject."""

    value: str
    issuing_country: str
    type: str


@dataclass(frozen=True)
class Subject:
    """The ``subject`` of a successful session; ``attributes``: every member as sent."""

    id: str | None
    idp_id: str | None
    name: str | None
    first_name: str | None
    last_name: str | None
    date_of_birth: str | None
    nin: Nin | None
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class SessionError:
    """The ``error`` object of a session in status ERROR."""

    code: str
    title: str
    detail: str


@dataclass(frozen=True)
class Session:
    """A session as the API described it (creation or status)."""

    id: str
    status: str
    authentication_url: str | None = None
    account_id: str | None = None
    provider: str | None = None
    subject: Subject | None = None
    callback_urls: CallbackUrls | None = None
    allowed_providers: tuple[str, ...] = ()
    requested_attributes: tuple[str, ...] = ()
    flow: str | None = None
    session_lifetime: int | None = None
    error: SessionError | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Callback:
    """The callback the browser came back to: its outcome (None: not one of ours)."""

    url: str
    outcome: str | None
    session_id: str | None
    params: Mapping[str, str]


class ApiError(ProviderError):
    """The REST API answered with an error; ``finding`` explains it."""

    code = "signicat.api_error"

    def __init__(self, message: str, finding: Finding, status: int) -> None:
        super().__init__(message)
        self.finding = finding
        self.status = status


def mask_subject(subject: Mapping[str, Any], mask: Callable[[str, int], str]) -> dict[str, Any]:
    """The subject with its sensitive attributes masked by ``mask(text, keep)``."""
    out: dict[str, Any] = {}
    for name, value in subject.items():
        attr = ATTRIBUTES.get(name)
        if attr is None or not attr.sensitive:
            out[name] = value
        elif isinstance(value, dict):
            out[name] = {
                k: (mask(v, 2) if k == "value" and isinstance(v, str) else v)
                for k, v in value.items()
            }
        elif isinstance(value, str):
            out[name] = mask(value, 2)
        else:
            out[name] = value
    return out
