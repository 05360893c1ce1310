"""The token request of the authorization code flow, and its response (RFC 6749 4.1.3-4.1.4).

:func:`build_token_request` makes the form POST (client authentication included);
:func:`process_token_response` raises for what stops the flow (an OAuth error body, a 5xx, a
body that is not a JSON object) and reports everything else as findings on a
:class:`TokenSet`. The ID token itself is checked by ``core.idtoken``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .client_auth import ClientAuth
from .findings import Finding, error, warning
from .http import HttpRequest, HttpResponse
from .oauth_errors import json_object, raise_for_error

_RESPONSE = "RFC 6749 5.1"
_ITSME = "itsme v2: Token Request, Response"


def build_token_request(
    token_endpoint: str,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    auth: ClientAuth,
    extra: Mapping[str, str] | None = None,
    now: float | None = None,
) -> HttpRequest:
    """The ``grant_type=authorization_code`` POST, authenticated with ``auth``."""
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier is not None:
        fields["code_verifier"] = code_verifier
    fields.update(extra or {})
    fields, headers, secret = auth.apply(fields, token_endpoint, now)
    return HttpRequest.form(
        token_endpoint,
        fields,
        (("Accept", "application/json"), *headers),
        secret | {"code", "code_verifier"},
    )


@dataclass(frozen=True)
class TokenSet:
    access_token: str | None
    token_type: str | None
    id_token: str | None
    expires_in: int | None
    refresh_token: str | None
    scope: str | None
    raw: Mapping[str, Any]


def process_token_response(
    resp: HttpResponse, *, expect_id_token: bool = True
) -> tuple[TokenSet, list[Finding]]:
    """The tokens of a successful answer and findings about its shape.

    Raises OAuthError (endpoint ``token``) for an error body, ProviderError for another non-200
    answer, MalformedResponse when the body is not a JSON object. ``expect_id_token``: an
    OpenID Connect flow (scope openid) must return an ID token.
    """
    raise_for_error(resp, "token")
    body = json_object(resp, "token")
    findings: list[Finding] = []
    if resp.content_type != "application/json":
        findings.append(
            warning(
                "token.content_type_not_json",
                "the token response must have Content-Type application/json; got "
                f"{resp.content_type or 'none'}",
                _RESPONSE,
                "token.headers.content-type",
            )
        )
    if "no-store" not in (resp.header("cache-control") or "").lower():
        findings.append(
            warning(
                "token.cache_control_missing",
                "the token response must carry Cache-Control: no-store so that no cache keeps "
                f"the tokens; got {resp.header('cache-control') or 'no Cache-Control header'}",
                _RESPONSE,
                "token.headers.cache-control",
            )
        )
    access_token = _string(body, "access_token")
    if access_token is None:
        findings.append(
            error(
                "token.access_token_missing",
                f"the token response has no access_token string{_got(body, 'access_token')}",
                f"{_RESPONSE}; {_ITSME}",
                "token.body.access_token",
            )
        )
    token_type = _string(body, "token_type")
    if token_type is None or token_type.lower() != "bearer":
        findings.append(
            error(
                "token.token_type_not_bearer",
                "token_type must be Bearer (compared case-insensitively); got "
                + (
                    repr(token_type)
                    if token_type is not None
                    else f"nothing{_got(body, 'token_type')}"
                ),
                f"OIDC Core 3.1.3.3; {_ITSME}",
                "token.body.token_type",
            )
        )
    id_token = _string(body, "id_token")
    if id_token is None and expect_id_token:
        findings.append(
            error(
                "token.id_token_missing",
                "an OpenID Connect token response must contain an id_token; got "
                f"none{_got(body, 'id_token')}",
                f"OIDC Core 3.1.3.3; {_ITSME}",
                "token.body.id_token",
            )
        )
    expires_in = _expires_in(body, findings)
    tokens = TokenSet(
        access_token=access_token,
        token_type=token_type,
        id_token=id_token,
        expires_in=expires_in,
        refresh_token=_string(body, "refresh_token"),
        scope=_string(body, "scope"),
        raw=body,
    )
    return tokens, findings


def _string(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def _got(body: Mapping[str, Any], name: str) -> str:
    """A note on a member that is there but unusable (never its value: it may be a secret)."""
    if name not in body:
        return ""
    return f" (the member is there but is a {type(body[name]).__name__}, or empty)"


def _expires_in(body: Mapping[str, Any], findings: list[Finding]) -> int | None:
    if "expires_in" not in body:
        return None
    value = body["expires_in"]
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    shown = repr(value)[:40]
    findings.append(
        warning(
            "token.expires_in_invalid",
            f"expires_in must be a positive number of seconds (a JSON number); got {shown}",
            _RESPONSE,
            "token.body.expires_in",
        )
    )
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None
