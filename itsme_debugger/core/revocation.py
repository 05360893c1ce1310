"""Token revocation (RFC 7009): the request, and the check of its answer.

itsme® offers revocation on its client-secret API only (``/connect/revoke``), for access
tokens: it issues no refresh tokens.
"""

from __future__ import annotations

from .client_auth import ClientAuth
from .findings import Finding
from .http import HttpRequest, HttpResponse
from .oauth_errors import raise_for_error


def build_revocation_request(
    endpoint: str,
    token: str,
    auth: ClientAuth,
    token_type_hint: str | None = "access_token",
    now: float | None = None,
) -> HttpRequest:
    """The form POST that revokes ``token``, authenticated as at the token endpoint."""
    fields = {"token": token}
    if token_type_hint:
        fields["token_type_hint"] = token_type_hint
    fields, headers, secret = auth.apply(fields, endpoint, now)
    return HttpRequest.form(endpoint, fields, headers, secret | {"token"})


def process_revocation_response(resp: HttpResponse) -> list[Finding]:
    """``[]`` for 200 (RFC 7009 2.2: also when the token was already invalid).

    Raises OAuthError (endpoint ``revocation``) for an error body and ProviderError for any
    other non-200 answer (RFC 7009 2.2.1: 503 when the server cannot revoke right now).
    """
    raise_for_error(resp, "revocation")
    return []
