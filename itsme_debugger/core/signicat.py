"""The Signicat Authentication REST API (seed 001) and the broker's ID token rules (seed 000).

The REST API's redirect flow, as pure build / process functions:

1. :func:`build_api_token_request` / :func:`process_api_token_response`: an API client's
   access token, by the client credentials grant with the scope ``signicat-api`` at the token
   endpoint of Signicat's OIDC server on the API host (:func:`api_token_endpoint`).
2. :func:`build_create_session_request` / :func:`process_session_response`:
   ``POST {api_base}/sessions`` with ``allowedProviders``, ``flow: redirect``,
   ``callbackUrls`` (success / abort / error) and ``requestedAttributes``; the answer is a
   :class:`Session` in status ``CREATED`` with its ``authenticationUrl``.
3. :func:`parse_callback`: which callback URL the browser came back to, with its
   ``sessionId``.
4. :func:`build_session_status_request` / :func:`process_session_status`:
   ``GET {api_base}/sessions/{id}``; on ``SUCCESS`` (only) the ``subject`` with the ``nin``
   object.

Every problem is a finding with a stable ``signicat.*`` id. An error answer of the API raises
:class:`ApiError` (a :class:`ProviderError`: exit 3) that carries its finding. The status values
are those of the API reference (``SessionData.status``); the records, the attributes and the
statuses (each outcome with its finding) live in :mod:`.signicat_records`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from .client_auth import ClientAuth
from .errors import MalformedResponse
from .findings import Finding, error, info, warning
from .http import HttpRequest, HttpResponse
from .signicat_records import (
    API_SCOPE,
    ATTRIBUTES,
    ITSME,
    OUTCOMES,
    REDIRECT_FLOW,
    REF_API_ACCESS,
    REF_OIDC,
    REF_REST,
    STATUSES,
    TOKEN_PATH,
    ApiError,
    AttributeInfo,
    Callback,
    CallbackUrls,
    Nin,
    Session,
    SessionError,
    StatusInfo,
    Subject,
    mask_subject,
)
from .token import TokenSet, process_token_response

__all__ = [
    "API_SCOPE",
    "ATTRIBUTES",
    "OUTCOMES",
    "REF_OIDC",
    "REF_REST",
    "STATUSES",
    "ApiError",
    "AttributeInfo",
    "Callback",
    "CallbackUrls",
    "Nin",
    "Session",
    "SessionError",
    "Subject",
    "api_token_endpoint",
    "build_api_token_request",
    "build_create_session_request",
    "build_session_status_request",
    "check_broker_claims",
    "lint_session_request",
    "mask_subject",
    "parse_callback",
    "process_api_token_response",
    "process_session_response",
    "process_session_status",
]

# ---------------------------------------------------------------------------------------------
# The API access token


def api_token_endpoint(api_base: str) -> str:
    """The token endpoint for API clients: the API host's ``/auth/open/connect/token``."""
    parts = urlsplit(api_base)
    return urlunsplit((parts.scheme, parts.netloc, TOKEN_PATH, "", ""))


def build_api_token_request(
    token_endpoint: str, auth: ClientAuth, *, scope: str = API_SCOPE, now: float | None = None
) -> HttpRequest:
    """The client credentials grant (RFC 6749 4.4.2) for an API access token."""
    fields, headers, secret = auth.apply(
        {"grant_type": "client_credentials", "scope": scope}, token_endpoint, now
    )
    return HttpRequest.form(
        token_endpoint, fields, (("Accept", "application/json"), *headers), secret
    )


def process_api_token_response(resp: HttpResponse) -> tuple[TokenSet, list[Finding]]:
    """The API access token; the token response's own checks (no ID token is expected) plus
    whether the token is for ``signicat-api``. Raises as :func:`process_token_response`."""
    tokens, findings = process_token_response(resp, expect_id_token=False)
    if tokens.scope is not None and API_SCOPE not in tokens.scope.split():
        findings.append(
            warning(
                "signicat.api_token_scope",
                f"the API access token should be for the scope {API_SCOPE}; it is for "
                f"{tokens.scope!r}, and the REST API may refuse it",
                REF_API_ACCESS,
                "api_token.body.scope",
            )
        )
    return tokens, findings


# ---------------------------------------------------------------------------------------------
# Creating a session


def _bearer(access_token: str) -> tuple[tuple[str, str], ...]:
    return (("Authorization", f"Bearer {access_token}"), ("Accept", "application/json"))


def build_create_session_request(
    api_base: str,
    access_token: str,
    *,
    callback_urls: CallbackUrls,
    requested_attributes: Sequence[str],
    providers: Sequence[str] = (ITSME,),
    flow: str = REDIRECT_FLOW,
    session_lifetime: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> HttpRequest:
    """``POST {api_base}/sessions`` with the seed's payload (``extra``: more members)."""
    body: dict[str, Any] = {
        "allowedProviders": list(providers),
        "flow": flow,
        "callbackUrls": callback_urls.to_json(),
        "requestedAttributes": list(requested_attributes),
    }
    if session_lifetime is not None:
        body["sessionLifetime"] = session_lifetime
    body.update(extra or {})
    return HttpRequest(
        "POST",
        api_base.rstrip("/") + "/sessions",
        (("Content-Type", "application/json"), *_bearer(access_token)),
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        frozenset({"authorization"}),
    )


def lint_session_request(
    *,
    providers: Sequence[str],
    requested_attributes: Sequence[str],
    callback_urls: CallbackUrls,
    session_lifetime: int | None = None,
) -> list[Finding]:
    """What is wrong or risky in a create-session request, before it is sent."""
    where = "create_session.body"
    findings: list[Finding] = []
    if ITSME not in providers:
        findings.append(
            warning(
                "signicat.allowed_providers_without_itsme",
                f"allowedProviders should be [{ITSME!r}] to send the user to itsme®; got "
                f"{list(providers)}",
                REF_REST + ": Create a session",
                where + ".allowedProviders",
            )
        )
    if not requested_attributes:
        findings.append(
            warning(
                "signicat.attributes_missing",
                "requestedAttributes is empty: the attributes choose the itsme® service and "
                "the data in the subject (e.g. name, firstName, lastName, dateOfBirth, nin)",
                REF_REST + ": itsme® services",
                where + ".requestedAttributes",
            )
        )
    findings += [
        info(
            "signicat.attribute_unknown",
            f"{name!r} is not an attribute the debugger knows for itsme® "
            f"({', '.join(ATTRIBUTES)}); Signicat may refuse it or leave it out",
            REF_REST + ": Create a session",
            where + ".requestedAttributes",
        )
        for name in dict.fromkeys(requested_attributes)
        if name not in ATTRIBUTES
    ]
    for outcome, url in callback_urls.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or "#" in url:
            findings.append(
                error(
                    "signicat.callback_url_invalid",
                    f"callbackUrls.{outcome} must be an absolute http(s) URL without a "
                    f"fragment; got {url!r}",
                    REF_REST + ": Create a session",
                    f"{where}.callbackUrls.{outcome}",
                )
            )
    if session_lifetime is not None and session_lifetime <= 0:
        findings.append(
            error(
                "signicat.session_lifetime_invalid",
                f"sessionLifetime is a positive number of seconds; got {session_lifetime}",
                REF_REST + ": Create a session",
                where + ".sessionLifetime",
            )
        )
    return findings


def process_session_response(
    resp: HttpResponse, *, sent_callback_urls: CallbackUrls | None = None
) -> tuple[Session, list[Finding]]:
    """The session just created. A session without ``id`` or ``authenticationUrl`` comes
    back with error findings (the flow cannot go on); an error answer raises ApiError."""
    body = _api_json(resp, "create session")
    session, findings = _session(body, "create_session")
    if not session.authentication_url:
        findings.append(
            error(
                "signicat.authentication_url_missing",
                "the new session has no authenticationUrl: there is nowhere to send the user",
                REF_REST + ": Authentication URL",
                "create_session.body.authenticationUrl",
            )
        )
    if session.status != "CREATED" and session.status in STATUSES:
        findings.append(
            warning(
                "signicat.status_not_created",
                f"a new session should be in status CREATED; got {session.status}",
                REF_REST + ": Create a session, Response",
                "create_session.body.status",
            )
        )
    if sent_callback_urls is not None and session.callback_urls is not None:
        for outcome, sent in sent_callback_urls.items():
            got = session.callback_urls.get(outcome)
            if _callback_match(sent, got) is None:
                findings.append(
                    warning(
                        "signicat.callback_url_changed",
                        f"callbackUrls.{outcome} came back as {got!r}; it should be the URL "
                        f"sent ({sent!r}) with sessionId added",
                        REF_REST + ": Create a session, Response",
                        f"create_session.body.callbackUrls.{outcome}",
                    )
                )
    return session, findings


# ---------------------------------------------------------------------------------------------
# The callback


def parse_callback(
    url: str, callback_urls: CallbackUrls, expected_session_id: str | None
) -> tuple[Callback, list[Finding]]:
    """Which of ``callback_urls`` (as sent, without sessionId) ``url`` is, and its sessionId.

    Never raises: anything that is not one of the three URLs is ``signicat.callback_unexpected``.
    """
    try:
        parts = urlsplit(url.strip())
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        pairs = []
    params = dict(reversed(pairs))  # the first value of a repeated parameter
    outcome = next(
        (o for o, sent in callback_urls.items() if _callback_match(sent, url.strip())), None
    )
    session_id = params.get("sessionId") or None
    callback = Callback(url, outcome, session_id, MappingProxyType(params))
    findings: list[Finding] = []
    ref = REF_REST + ": User journey"
    if outcome is None:
        findings.append(
            error(
                "signicat.callback_unexpected",
                "the browser came back to a URL that is none of the session's callbackUrls "
                f"({', '.join(u for _, u in callback_urls.items())}); got {_no_query(url)}",
                ref,
                "callback.url",
            )
        )
    if session_id is None:
        findings.append(
            error(
                "signicat.callback_session_id_missing",
                "the callback URL has no sessionId parameter; Signicat adds it to every "
                "callback URL",
                ref,
                "callback.sessionId",
            )
        )
    elif expected_session_id is not None and session_id != expected_session_id:
        findings.append(
            error(
                "signicat.callback_session_id_mismatch",
                f"the callback is for session {session_id[:80]!r}, not for the session this "
                f"flow created ({expected_session_id!r}): it belongs to another flow",
                ref,
                "callback.sessionId",
            )
        )
    return callback, findings


def _callback_match(sent: str, got: str) -> str | None:
    """``got`` when it is ``sent`` plus parameters (such as sessionId), else None."""
    try:
        a, b = urlsplit(sent), urlsplit(got)
        same_place = (
            a.scheme.lower() == b.scheme.lower()
            and (a.hostname or "") == (b.hostname or "")
            and a.port == b.port
            and (a.path or "/") == (b.path or "/")
        )
        got_pairs = set(parse_qsl(b.query, keep_blank_values=True))
        sent_pairs = set(parse_qsl(a.query, keep_blank_values=True))
    except ValueError:
        return None
    return got if same_place and sent_pairs <= got_pairs else None


def _no_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return repr(url[:80])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:200] or repr(url[:80])


# ---------------------------------------------------------------------------------------------
# The session status


def build_session_status_request(api_base: str, access_token: str, session_id: str) -> HttpRequest:
    """``GET {api_base}/sessions/{id}``."""
    return HttpRequest(
        "GET",
        f"{api_base.rstrip('/')}/sessions/{quote(session_id, safe='')}",
        _bearer(access_token),
        secret_fields=frozenset({"authorization"}),
    )


def process_session_status(
    resp: HttpResponse,
    *,
    expected_id: str,
    requested_attributes: Sequence[str] = (),
    callback: Callback | None = None,
) -> tuple[Session, list[Finding]]:
    """The session's status and subject, with findings: the outcome (aborted, error,
    expired...), a subject missing on SUCCESS or present without it, requested attributes not
    returned, a malformed ``nin``, and a callback that contradicts the status."""
    body = _api_json(resp, "session status")
    session, findings = _session(body, "session_status")
    where = "session_status.body"
    if session.id and session.id != expected_id:
        findings.append(
            error(
                "signicat.session_id_mismatch",
                f"the status is for session {session.id[:80]!r}, not for {expected_id!r}",
                REF_REST + ": Get the session status",
                where + ".id",
            )
        )
    status_info = STATUSES.get(session.status)
    if status_info is not None and status_info.finding is not None:
        findings.append(_outcome_finding(session, status_info))
    if session.status == "SUCCESS":
        findings += _check_subject(session, requested_attributes)
    elif session.subject is not None:
        findings.append(
            warning(
                "signicat.subject_unexpected",
                f"the session is {session.status} but carries a subject: only successful "
                "authentications return the user's personal data",
                REF_REST + ": Get the session status",
                where + ".subject",
            )
        )
    if callback is not None and callback.outcome is not None:
        findings += _check_callback_outcome(callback.outcome, session.status)
    return session, findings


def _outcome_finding(session: Session, status_info: StatusInfo) -> Finding:
    assert status_info.finding is not None
    detail = ""
    if session.error is not None:
        detail = f" Signicat said: {session.error.code}: {session.error.title}"
        if session.error.detail:
            detail += f" ({session.error.detail})"
        detail += "."
    if not status_info.final:
        message = (
            f"the session is still {session.status} ({status_info.meaning}) although the "
            "browser came back: there is no result to read"
        )
    else:
        message = f"the session ended in status {session.status}: {status_info.meaning}."
    return error(
        status_info.finding,
        message + detail,
        REF_REST + ": Get the session status",
        "session_status.body.status",
        status=session.status,
    )


def _check_subject(session: Session, requested: Sequence[str]) -> list[Finding]:
    where = "session_status.body.subject"
    ref = REF_REST + ": Use the response"
    subject = session.subject
    if subject is None:
        return [
            error(
                "signicat.subject_missing",
                "the session is SUCCESS but has no subject object: the user's data is missing",
                ref,
                where,
            )
        ]
    findings = [
        warning(
            "signicat.attribute_not_returned",
            f"{name} was requested but is not in the subject",
            ref,
            f"{where}.{name}",
        )
        for name in dict.fromkeys(requested)
        if name not in subject.attributes
    ]
    if "nin" in subject.attributes and subject.nin is None:
        findings.append(
            warning(
                "signicat.nin_malformed",
                "subject.nin should be an object with the strings value, issuingCountry and "
                f"type; got {_shape(subject.attributes['nin'])}",
                ref,
                f"{where}.nin",
            )
        )
    allowed = session.allowed_providers
    if session.provider and allowed and session.provider not in allowed:
        findings.append(
            warning(
                "signicat.provider_unexpected",
                f"the user authenticated with {session.provider!r}, which is not one of the "
                f"allowedProviders {list(allowed)}",
                ref,
                "session_status.body.provider",
            )
        )
    return findings


_CALLBACK_STATUS = {"success": "SUCCESS", "abort": "ABORT", "error": "ERROR"}


def _check_callback_outcome(outcome: str, status: str) -> list[Finding]:
    expected = _CALLBACK_STATUS[outcome]
    if status == expected or (outcome == "error" and status in ("EXPIRED", "INVALID")):
        return []
    return [
        error(
            "signicat.callback_status_mismatch",
            f"the browser came back to the {outcome} callback, but the session's status is "
            f"{status} (expected {expected}): trust the status, never the callback alone",
            REF_REST + ": Get the session status",
            "session_status.body.status",
        )
    ]


# ---------------------------------------------------------------------------------------------
# Reading the API's answers


_HINTS = {
    400: "the request does not match the API (see the detail)",
    401: "the access token is missing, expired or not an API token: get a new one with the "
    f"client credentials grant and the scope {API_SCOPE}",
    403: "the API client lacks the Authentication REST API permission (Signicat Dashboard > "
    "API clients > Permissions)",
    404: "there is no such session for this account",
}


def _api_json(resp: HttpResponse, what: str) -> dict[str, Any]:
    """The body of a successful answer as a JSON object; ApiError / MalformedResponse."""
    if resp.status not in (200, 201):
        raise _api_error(resp, what)
    try:
        body = resp.json()
    except ValueError as exc:
        raise MalformedResponse(
            f"the Signicat REST API ({what}) answer is not JSON "
            f"(Content-Type {resp.content_type or 'missing'})",
            code="signicat.not_json",
        ) from exc
    if not isinstance(body, dict):
        raise MalformedResponse(
            f"the Signicat REST API ({what}) answer is JSON but not an object",
            code="signicat.not_json",
        )
    return body


def _api_error(resp: HttpResponse, what: str) -> ApiError:
    try:
        body = resp.json()
    except ValueError:
        body = None
    problem = body if isinstance(body, dict) else {}
    parts = [
        str(problem[k])[:300]
        for k in ("code", "error", "title", "detail", "error_description")
        if isinstance(problem.get(k), str) and problem[k]
    ]
    said = ": " + "; ".join(parts) if parts else ""
    hint = _HINTS.get(resp.status, "the server failed" if resp.status >= 500 else "")
    message = f"the Signicat REST API ({what}) answered HTTP {resp.status}{said}"
    detail: dict[str, Any] = {"status": resp.status}
    detail.update({k: v for k, v in problem.items() if k in ("code", "title", "type", "error")})
    finding = error(
        "signicat.api_error",
        message + (f". What it means: {hint}." if hint else "."),
        REF_REST,
        what.replace(" ", "_"),
        **detail,
    )
    return ApiError(message, finding, resp.status)


def _session(body: Mapping[str, Any], step: str) -> tuple[Session, list[Finding]]:
    findings: list[Finding] = []
    where = f"{step}.body"
    session_id = _str(body, "id")
    if session_id is None:
        findings.append(
            error(
                "signicat.session_id_missing",
                "the session has no id string: it cannot be followed up",
                REF_REST + ": Create a session, Response",
                where + ".id",
            )
        )
    status = _str(body, "status") or ""
    if status not in STATUSES:
        findings.append(
            warning(
                "signicat.status_unknown",
                f"status {status[:40]!r} is none of the API's statuses ({', '.join(STATUSES)})",
                REF_REST + ": Get the session status",
                where + ".status",
            )
        )
    session = Session(
        id=session_id or "",
        status=status,
        authentication_url=_str(body, "authenticationUrl"),
        account_id=_str(body, "accountId"),
        provider=_str(body, "provider"),
        subject=_subject(body.get("subject")),
        callback_urls=_callbacks(body.get("callbackUrls")),
        allowed_providers=_strings(body.get("allowedProviders")),
        requested_attributes=_strings(body.get("requestedAttributes")),
        flow=_str(body, "flow"),
        session_lifetime=_int(body.get("sessionLifetime")),
        error=_session_error(body.get("error")),
        raw=MappingProxyType(dict(body)),
    )
    return session, findings


def _str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "an object with " + (", ".join(sorted(map(str, value))) or "no members")
    return f"a {type(value).__name__}"


def _subject(value: Any) -> Subject | None:
    if not isinstance(value, dict):
        return None
    nin = value.get("nin")
    parsed_nin = None
    if isinstance(nin, dict) and all(
        isinstance(nin.get(k), str) for k in ("value", "issuingCountry", "type")
    ):
        parsed_nin = Nin(nin["value"], nin["issuingCountry"], nin["type"])
    return Subject(
        id=_str(value, "id"),
        idp_id=_str(value, "idpId"),
        name=_str(value, "name"),
        first_name=_str(value, "firstName"),
        last_name=_str(value, "lastName"),
        date_of_birth=_str(value, "dateOfBirth"),
        nin=parsed_nin,
        attributes=MappingProxyType(dict(value)),
    )


def _callbacks(value: Any) -> CallbackUrls | None:
    if not isinstance(value, dict):
        return None
    urls = [value.get(o) for o in OUTCOMES]
    if not all(isinstance(u, str) for u in urls):
        return None
    return CallbackUrls(*(str(u) for u in urls))


def _session_error(value: Any) -> SessionError | None:
    if not isinstance(value, dict):
        return None
    return SessionError(
        str(value.get("code", "")), str(value.get("title", "")), str(value.get("detail", ""))
    )


# ---------------------------------------------------------------------------------------------
# The broker's ID token (OIDC path)


def check_broker_claims(
    claims: Mapping[str, Any], *, acr_values: Sequence[str] = ()
) -> list[Finding]:
    """The claims Signicat adds to an ID token (seed 000): ``idp`` names the eID the user
    chose, ``sandbox`` marks a test identity."""
    findings: list[Finding] = []
    idp = claims.get("idp")
    if f"idp:{ITSME}" in acr_values and idp != ITSME:
        findings.append(
            warning(
                "signicat.idp_not_itsme",
                f"acr_values=idp:{ITSME} asked for itsme®, but the ID token's idp is {idp!r}",
                REF_OIDC + ": ACR values; Get the response",
                "id_token.claims.idp",
            )
        )
    if claims.get("sandbox") is True:
        findings.append(
            info(
                "signicat.sandbox",
                "sandbox is true: the identity comes from a test environment "
                f"(idp_issuer {claims.get('idp_issuer')!r}), not from a real user",
                REF_OIDC + ": Get the response",
                "id_token.claims.sandbox",
            )
        )
    return findings
