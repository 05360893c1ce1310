"""The OAuth 2.0 / OpenID Connect / itsme® error catalogue, and reading error bodies.

Every error code the itsme® v2 API reference lists per endpoint (plus the standard codes a
generic provider may send) with its meaning and a concrete "what to do" for a developer
debugging an integration. :func:`explain` turns a code into a :class:`Finding`;
:func:`parse_error_body` finds the code in a JSON body or a ``WWW-Authenticate: Bearer``
header; :func:`raise_for_error` and :func:`json_object` are the checks every ``process_*``
function of an OAuth endpoint starts with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import MalformedResponse, OAuthError, ProviderError
from .findings import Finding, Severity
from .http import HttpResponse


@dataclass(frozen=True)
class ErrorInfo:
    endpoint: str
    error: str
    meaning: str
    what_to_do: str
    reference: str


_REFS = {
    "authorization": "itsme v2: Authorization Endpoint errors; RFC 6749 4.1.2.1",
    "token": "itsme v2: Token Endpoint errors; RFC 6749 5.2",
    "userinfo": "itsme v2: UserInfo Endpoint errors; RFC 6750 3.1",
    "revocation": "itsme v2: Revocation Endpoint errors; RFC 7009 2.2.1",
}
#: Step names that report the errors of another endpoint.
_ALIASES = {"callback": "authorization", "authorize": "authorization", "revoke": "revocation"}
_LABELS = {
    "authorization": "authorization endpoint",
    "token": "token endpoint",
    "userinfo": "UserInfo endpoint",
    "revocation": "revocation endpoint",
    "discovery": "discovery document",
    "jwks": "JWKS endpoint",
}
_CODE = re.compile(r"^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,80}$")  # RFC 6749 A.7, bounded

_PROMPT_NONE = (
    "itsme® always needs the user to confirm in the app, so prompt=none cannot succeed: "
    "drop prompt=none (omit prompt or use prompt=login)."
)
_RETRY = (
    "Nothing is wrong with the request itself: retry after a short wait (with backoff). If it "
    "persists, contact the provider's support with the time of the request and your client_id "
    "(never the secret or keys)."
)
_ASSERTION = (
    "With private_key_jwt check the client_assertion: iss = sub = your client_id; aud = the "
    "token endpoint URL exactly (e.g. https://idp.e2e.itsme.services/v2/token, not the issuer); "
    "exp in the future (keep it short-lived) and your clock right; a fresh jti of at most 255 "
    "characters; signed RS256 with a kid that is in the JWKS you registered with itsme® (itsme® "
    "caches your JWKS for 30 minutes to 24 hours, so a newly added key may not be seen yet)."
)
_CLIENT_AUTH = (
    "Client authentication failed. private_key_jwt: send client_assertion_type="
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer and a client_assertion signed with "
    "a key published in the JWKS registered for this client_id. Client secret: check the "
    "secret and the method the client is registered for (client_secret_basic header or "
    "client_secret_post form fields, not both); for Basic the id and secret are "
    "form-urlencoded before base64 (RFC 6749 2.3.1). Check also that the client_id belongs to "
    "this environment (e2e and prd are separate) and to this API variant (v2 or the "
    "client-secret host)."
)
_CODE_GRANT = (
    "The authorization code is single-use and lives 3 minutes: exchange it at once and only "
    "once (a retry, a reload of the redirect page or a second tab sends it twice). redirect_uri "
    "must equal the one of the authorization request byte for byte. With PKCE the "
    "code_verifier must be the one whose S256 hash was sent as code_challenge "
    "(BASE64URL(SHA256(verifier))). The code must have been issued to this client_id."
)
_TOKEN_REQUEST = (
    "Check the form body (Content-Type application/x-www-form-urlencoded): "
    "grant_type=authorization_code, code, redirect_uri, code_verifier when PKCE is used; each "
    "parameter once; one client authentication method only (private_key_jwt: "
    "client_assertion_type + client_assertion; client secret: the Basic header OR the "
    "client_id/client_secret form fields)."
)

_CATALOGUE: dict[tuple[str, str], ErrorInfo] = {}


def _add(endpoint: str, code: str, meaning: str, what_to_do: str, reference: str = "") -> None:
    _CATALOGUE[(endpoint, code)] = ErrorInfo(
        endpoint, code, meaning, what_to_do, reference or _REFS[endpoint]
    )


# -- authorization endpoint (itsme v2 reference, then the standard codes) ----------------------
_add(
    "authorization",
    "invalid_request",
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed; itsme® also sends it when "
    "the OAuth2 parameters do not match the request object.",
    "Check the authorization URL against the itsme® parameter list: response_type=code, "
    "client_id, redirect_uri, scope with openid and service:CODE, state, nonce, and "
    "code_challenge with code_challenge_method=S256; no parameter twice. With a request object, "
    "every parameter that is also in the URL (client_id, response_type, scope, redirect_uri) "
    "must have the same value inside the object.",
)
_add(
    "authorization",
    "access_denied",
    "The user or the authorization endpoint denied the request.",
    "The user rejected the request in the itsme® app or on the sign-in page, or the "
    "authentication failed or timed out. The flow ends here; start a new one. If nobody "
    "rejected anything, check that the service code in scope (service:CODE) belongs to your "
    "client_id and exists in this environment (e2e or prd).",
)
_add(
    "authorization",
    "login_required",
    "The authorization endpoint requires user authentication (prompt=none was asked).",
    _PROMPT_NONE,
    "itsme v2: Authorization Endpoint errors; OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "interaction_required",
    "The authorization endpoint needs user interaction to proceed, but prompt=none was asked.",
    _PROMPT_NONE,
    "itsme v2: Authorization Endpoint errors; OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "unsupported_request",
    "The request contains a parameter that is not supported.",
    "Remove every parameter that is not in the itsme® Authorization Request list (client_id, "
    "response_type, scope, redirect_uri, state, nonce, ui_locales, display, acr_values, claims, "
    "request, request_uri, code_challenge, code_challenge_method, prompt, max_age, login_hint).",
)
_add(
    "authorization",
    "invalid_client_id",
    "The request contains an invalid client_id.",
    "Use the client_id itsme® onboarding gave you, for this environment: e2e and prd have "
    "different client ids, and the v2 host (idp.*.itsme.services/v2) and the client-secret host "
    "(oidc.*.itsme.services/clientsecret-oidc/csapi/v0.1) know different clients.",
)
_add(
    "authorization",
    "invalid_redirect_uri",
    "The request contains an invalid redirect URI.",
    "redirect_uri must equal, character for character (case-sensitive path and query string), "
    "one of the redirect URIs registered for this service; https only, no fragment, no custom "
    "scheme. The debugger's loopback URI only works if it is registered for your client.",
)
_add(
    "authorization",
    "unsupported_grant_type",
    "The grant type is not supported.",
    "itsme® only supports the authorization code flow: send response_type=code; grant_type "
    "belongs in the token request (grant_type=authorization_code).",
)
_add(
    "authorization",
    "invalid_grant",
    "The grant is invalid.",
    "The request refers to a grant that is not valid (anymore): start a new authorization "
    "request with a fresh state, nonce and PKCE pair.",
)
_add(
    "authorization",
    "invalid_scope",
    "The requested scope is invalid, unknown, or malformed.",
    "scope is space-separated and must contain openid and service:CODE with your service code "
    "exactly as registered (case-sensitive); the other scopes itsme® knows are profile, email, "
    "address, phone and eid.",
)
_add(
    "authorization",
    "unsupported_display",
    "Only display=page is supported.",
    "Remove the display parameter or set it to page.",
)
_add(
    "authorization",
    "unauthorized_client",
    "The client_id is unknown or unspecified, or not allowed to use this service.",
    "Send client_id, check it against the one onboarding gave you for this environment, and "
    "check that the service code in scope belongs to that client.",
)
_add(
    "authorization",
    "unsupported_response_type",
    "The authorization endpoint does not support obtaining an authorization code this way.",
    "Send response_type=code (itsme® supports only the authorization code flow).",
)
_add(
    "authorization",
    "invalid_request_object",
    "The request parameter contains an invalid request object.",
    "The request object must be signed with your private key (RS256, kid in the JWS header, the "
    "key published in your JWKS) and then encrypted to itsme®'s encryption key from its "
    "jwks_uri (a nested JWT with cty JWT); iss = your client_id, aud = the itsme® issuer "
    "(e.g. https://idp.e2e.itsme.services/v2), exp in the future; its parameters must match "
    "those of the URL.",
)
_add(
    "authorization",
    "invalid_request_uri",
    "The request_uri in the authorization request returns an error or contains invalid data.",
    "itsme® fetches the request_uri itself: it must be registered, https with the port 443 "
    "written out (https://host:443/...), publicly reachable (no localhost), and serve the "
    "signed-then-encrypted request object; check it answers quickly and without a redirect.",
)
_add(
    "authorization",
    "temporary_unavailable",
    "The authorization server is currently unable to handle the request due to a temporary "
    "overloading or maintenance of the server (itsme® spelling of temporarily_unavailable).",
    _RETRY,
)
_add(
    "authorization",
    "temporarily_unavailable",
    "The authorization server is currently unable to handle the request due to a temporary "
    "overloading or maintenance of the server.",
    _RETRY,
    "RFC 6749 4.1.2.1",
)
_add(
    "authorization",
    "server_error",
    "The authorization server met an unexpected condition that prevented it from fulfilling "
    "the request.",
    _RETRY,
    "RFC 6749 4.1.2.1",
)
_add(
    "authorization",
    "consent_required",
    "The user must consent, but prompt=none was asked.",
    _PROMPT_NONE,
    "OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "account_selection_required",
    "The user must select an account, but prompt=none was asked.",
    _PROMPT_NONE,
    "OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "request_not_supported",
    "The provider does not support the request parameter.",
    "Send the parameters in the URL instead, or use request_uri if the provider supports it "
    "(see request_parameter_supported in its discovery document).",
    "OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "request_uri_not_supported",
    "The provider does not support the request_uri parameter.",
    "Send the request object by value in the request parameter, or the parameters in the URL "
    "(see request_uri_parameter_supported in its discovery document).",
    "OIDC Core 3.1.2.6",
)
_add(
    "authorization",
    "registration_not_supported",
    "The provider does not support the registration parameter.",
    "Remove the registration parameter: clients are registered beforehand (itsme®: through "
    "onboarding).",
    "OIDC Core 3.1.2.6",
)

# -- token endpoint ----------------------------------------------------------------------------
_add(
    "token",
    "invalid_request",
    "The request is missing a required parameter, includes an unsupported parameter value, "
    "repeats a parameter, includes multiple credentials, uses more than one mechanism for "
    "authenticating the client, or is otherwise malformed.",
    _TOKEN_REQUEST,
)
_add("token", "invalid_client", "Client authentication failed.", _CLIENT_AUTH)
_add(
    "token",
    "invalid_grant",
    "The authorization code is invalid, expired, already used, or does not match the "
    "redirection URI used in the authorization request.",
    _CODE_GRANT,
)
_add(
    "token",
    "unauthorized_client",
    "The authenticated client is not authorized to use this grant type; can also be caused by "
    "an invalid client_assertion.",
    _ASSERTION,
)
_add(
    "token",
    "unsupported_grant_type",
    "The grant type is not supported by the provider.",
    "Send grant_type=authorization_code.",
    "RFC 6749 5.2",
)
_add(
    "token",
    "invalid_scope",
    "The requested scope is invalid, unknown, malformed, or exceeds what was granted.",
    "Do not send scope in the token request of the authorization code flow; the scope is the "
    "one of the authorization request.",
    "RFC 6749 5.2",
)

# -- UserInfo endpoint -------------------------------------------------------------------------
_add(
    "userinfo",
    "invalid_request",
    "The request is missing a required parameter, includes an unsupported parameter or value, "
    "repeats a parameter, uses more than one method for including an access token, or is "
    "otherwise malformed.",
    "Send the access token once, in the header 'Authorization: Bearer <access_token>', and not "
    "also in the query string or the body.",
)
_add(
    "userinfo",
    "invalid_token",
    "The access token is expired, revoked, malformed, or invalid for other reasons.",
    "Use the access_token of this flow's token response (not the id_token), before expires_in "
    "has passed and before revoking it, in the header 'Authorization: Bearer <access_token>' "
    "(the scheme is Bearer, the token unchanged).",
)
_add(
    "userinfo",
    "insufficient_scope",
    "The access token does not carry the scope the request needs.",
    "Request the claims in the authorization request: the scope that returns them (profile, "
    "email, address, phone, eid) or the userinfo member of the claims parameter.",
    "RFC 6750 3.1",
)

# -- revocation endpoint -----------------------------------------------------------------------
_add(
    "revocation",
    "invalid_request",
    "The request is missing a required parameter, includes an unsupported parameter value, "
    "repeats a parameter, includes multiple credentials, uses more than one mechanism for "
    "authenticating the client, or is otherwise malformed.",
    "Send token=<access_token> (and optionally token_type_hint=access_token) as a form body, "
    "with one client authentication method only.",
)
_add("revocation", "invalid_client", "Client authentication failed.", _CLIENT_AUTH)
_add(
    "revocation",
    "invalid_grant",
    "The provided grant is invalid, expired, or does not belong to this client.",
    "Revoke only a token issued to this client_id in this environment.",
)
_add(
    "revocation",
    "unauthorized_client",
    "The authenticated client is not authorized to revoke tokens.",
    "Authenticate at the revocation endpoint the same way as at the token endpoint; check that "
    "revocation is enabled for your client (the itsme® v2 private_key_jwt API has no "
    "revocation endpoint).",
)
_add(
    "revocation",
    "unsupported_token_type",
    "The provider does not support the revocation of the presented token type.",
    "itsme® issues no refresh tokens: revoke the access_token and send "
    "token_type_hint=access_token (or no hint).",
    "itsme v2: Revocation Endpoint errors; RFC 7009 2.2.1",
)


def _normalize(endpoint: str) -> str:
    return _ALIASES.get(endpoint, endpoint)


def lookup(endpoint: str, error: str) -> ErrorInfo | None:
    """The catalogue entry for ``error`` at ``endpoint``, or None when it is not a known code."""
    return _CATALOGUE.get((_normalize(endpoint), error))


def explain(endpoint: str, error: str, description: str = "", status: int | None = None) -> Finding:
    """A finding that explains an error response: meaning, the provider's text, what to do.

    Its id is ``{endpoint}.error.{error}``, or ``{endpoint}.error.unknown`` for a code the
    catalogue does not know. Every error response ends the flow, so the severity is error
    (``access_denied`` too).
    """
    endpoint = _normalize(endpoint)
    label = _LABELS.get(endpoint, endpoint or "provider")
    http = f" (HTTP {status})" if status is not None else ""
    said = f' The provider said: "{description.strip()}".' if description.strip() else ""
    info = lookup(endpoint, error)
    detail: dict[str, Any] = {"error": error}
    if description:
        detail["error_description"] = description
    if status is not None:
        detail["status"] = status
    if info is None:
        code = error if _CODE.match(error) else repr(error[:80])
        return Finding(
            f"{endpoint}.error.unknown",
            Severity.ERROR,
            f"The {label} answered with the error code {code}{http}, which is not one the "
            f"{label} is documented to send.{said} Look it up in the provider's documentation.",
            _REFS.get(endpoint, "RFC 6749 5.2"),
            endpoint,
            detail,
        )
    return Finding(
        f"{endpoint}.error.{error}",
        Severity.ERROR,
        f"The {label} answered {error}{http}: {info.meaning}{said} What to do: {info.what_to_do}",
        info.reference,
        endpoint,
        detail,
    )


def parse_error_body(resp: HttpResponse) -> tuple[str, str] | None:
    """``(error, description)`` from a JSON error body or a ``WWW-Authenticate: Bearer`` header.

    The JSON body is ``{"error": ..., "error_description" | "detail": ...}`` (itsme® uses
    ``detail`` at its token endpoint). None when the response carries no error code.
    """
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]:
        desc = body.get("error_description", body.get("detail", ""))
        return body["error"], desc if isinstance(desc, str) else str(desc)
    params = _bearer_params(resp.header("www-authenticate") or "")
    if params.get("error"):
        return params["error"], params.get("error_description", "")
    return None


_BEARER = re.compile(r"(?i)(?:^|[\s,])bearer(?=\s|$)")
_PARAM = re.compile(r'\s*,?\s*([A-Za-z0-9_\-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))')


def _bearer_params(header: str) -> dict[str, str]:
    """The auth-params of the Bearer challenge in a WWW-Authenticate header (RFC 6750 3)."""
    match = _BEARER.search(header)
    if match is None:
        return {}
    params: dict[str, str] = {}
    pos = match.end()
    while (m := _PARAM.match(header, pos)) is not None and m.end() > pos:
        value = m.group(2) if m.group(2) is not None else m.group(3)
        params.setdefault(m.group(1).lower(), re.sub(r"\\(.)", r"\1", value))
        pos = m.end()
    return params


def raise_for_error(resp: HttpResponse, endpoint: str) -> None:
    """Raise what stops the step: an OAuth error body, or an HTTP status other than 200.

    :class:`OAuthError` when the response carries an error code (whatever the status); for
    any other non-200 answer (code ``{endpoint}.http_error``) :class:`ProviderError` when the
    server failed (5xx), :class:`MalformedResponse` otherwise (an error without an error code).
    """
    parsed = parse_error_body(resp)
    if parsed is not None:
        raise OAuthError(parsed[0], parsed[1], status=resp.status, endpoint=endpoint)
    if resp.status != 200:
        label = _LABELS.get(endpoint, endpoint)
        where = f" at {resp.url}" if resp.url else ""
        kind = ProviderError if resp.status >= 500 else MalformedResponse
        raise kind(
            f"the {label}{where} answered HTTP {resp.status}, expected 200{_snippet(resp)}",
            code=f"{endpoint}.http_error",
        )


def json_object(resp: HttpResponse, endpoint: str) -> dict[str, Any]:
    """The body as a JSON object; MalformedResponse (``{endpoint}.not_json`` /
    ``{endpoint}.not_object``) when it is not one."""
    label = _LABELS.get(endpoint, endpoint)
    try:
        body = resp.json()
    except ValueError as exc:
        raise MalformedResponse(
            f"the {label} answer is not JSON (Content-Type {resp.content_type or 'missing'})"
            f"{_snippet(resp)}",
            code=f"{endpoint}.not_json",
        ) from exc
    if not isinstance(body, dict):
        raise MalformedResponse(
            f"the {label} answer is JSON but not an object: it is a {type(body).__name__}",
            code=f"{endpoint}.not_object",
        )
    return body


def _snippet(resp: HttpResponse) -> str:
    text = " ".join(resp.text().split())
    if not text:
        return ""
    return f": {text[:120]}{'…' if len(text) > 120 else ''}"
