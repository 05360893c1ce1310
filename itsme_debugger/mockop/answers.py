"""The shapes of the mock's HTTP answers: redirects, JSON errors, Bearer challenges, pages."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from itsme_debugger.core.errors import OAuthError
from itsme_debugger.net.httpserver import Request, Response

FORM = "application/x-www-form-urlencoded"
NO_CACHE = (("Pragma", "no-cache"),)
_PAGE_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
)


def redirect(uri: str, params: dict[str, str | None]) -> Response:
    """302 to ``uri`` with the non-empty ``params`` added to its query."""
    parts = urlsplit(uri)
    added = urlencode([(k, v) for k, v in params.items() if v])
    query = f"{parts.query}&{added}" if parts.query else added
    return Response.redirect(urlunsplit(parts._replace(query=query)))


def oauth_error(exc: OAuthError) -> Response:
    """A JSON error answer (RFC 6749 5.2); 401 with a challenge when Basic auth failed."""
    status = exc.status or 400
    headers = list(NO_CACHE)
    if status == 401:
        headers.append(("WWW-Authenticate", 'Basic realm="itsme"'))
    return Response.json(
        {"error": exc.error, "error_description": exc.description}, status, tuple(headers)
    )


def bearer_error(exc: OAuthError, realm: str) -> Response:
    """RFC 6750 3: 401 (or the given status) with ``WWW-Authenticate: Bearer error=...``."""
    status = exc.status or 401
    description = exc.description.replace('"', "'")
    challenge = f'Bearer realm="{realm}", error="{exc.error}", error_description="{description}"'
    return Response.json(
        {"error": exc.error, "error_description": exc.description},
        status,
        (("WWW-Authenticate", challenge),),
    )


def page(html: str, status: int) -> Response:
    return Response(
        status, (("Content-Type", "text/html; charset=utf-8"), *_PAGE_HEADERS), html.encode()
    )


def unique_form(request: Request) -> dict[str, str]:
    """A form body whose parameters each appear once; OAuthError invalid_request otherwise."""
    ctype = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != FORM:
        raise OAuthError("invalid_request", f"the body must be {FORM}; got {ctype[:60]!r}")
    form: dict[str, str] = {}
    for name, value in request.form_pairs():
        if name in form:
            raise OAuthError("invalid_request", f"parameter {name[:40]} is repeated")
        form[name] = value
    return form


def bearer_token(request: Request) -> str:
    """The access token of a protected resource request (RFC 6750 2.1 header, 2.2 body)."""
    header = request.header("Authorization")
    ctype = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    in_body = request.method == "POST" and ctype == FORM
    body_token = request.form().get("access_token") if in_body else None
    if header is not None and body_token is not None:
        raise OAuthError(
            "invalid_request", "the access token is sent in more than one way", status=400
        )
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise OAuthError("invalid_token", "use Authorization: Bearer <access_token>")
        return value.strip()
    if not body_token:
        raise OAuthError("invalid_token", "no access token")
    return body_token
