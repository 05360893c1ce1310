"""The mock Signicat Authentication REST API (seed 001): sessions, their page and their status.

``POST /auth/rest/sessions`` creates a session (``allowedProviders``, ``flow: redirect``,
``callbackUrls`` success / abort / error, ``requestedAttributes``, ``sessionLifetime``) and
answers it in status ``CREATED`` with its ``authenticationUrl``
(``/broker/sp/external-service/login?messageId=...&transactionId=<id>``, as in the seed) and
the callback URLs with ``sessionId`` added. That page asks the user (Approve / Abort / Error);
the answer sets the status to ``SUCCESS``, ``ABORT`` or ``ERROR`` and sends the browser to the
matching callback. ``GET /auth/rest/sessions/{id}`` tells the status, and on ``SUCCESS`` the
``subject`` of the seed (Maxence Legrand, with the ``nin`` object) limited to the requested
attributes. A session not finished within its ``sessionLifetime`` is ``EXPIRED``; its page
then sends the browser to the error callback.

Requests need an API access token (client credentials, scope ``signicat-api``; the token
endpoint is the broker's, see :mod:`.signicat`). Errors are JSON problem details
(``type``, ``title``, ``status``, ``detail``, ``code``); a missing or bad token is 401 with a
``WWW-Authenticate: Bearer`` challenge. Plain state, one clock: tests move it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from itsme_debugger.core.signicat import OUTCOMES, CallbackUrls
from itsme_debugger.net.httpserver import Request, Response

from .answers import page
from .signicat_pages import message_page, session_page

API_PATH = "/auth/rest"
LOGIN_PATH = "/broker/sp/external-service/login"
API_TOKEN_LIFETIME = 600
DEFAULT_LIFETIME = 1200  # the seed's sessionLifetime
MAX_LIFETIME = 86400
ACCOUNT_ID = "a-mock-account"
PROVIDER = "itsme"
ERROR_TYPE = "https://developer.signicat.com/docs/eid-hub/error-codes/"
#: The seed's subject (seed 001, Use the response).
SUBJECT: Mapping[str, Any] = {
    "id": "tXOq9614vLHkXBkENWcZGQO02Fc98IPaHq6iRwK-ytA=",
    "idpId": "rpx5rrbsn4ktvhm3m0q4uh2iepsdat34i9vf",
    "name": "Maxence Legrand",
    "firstName": "Maxence",
    "lastName": "Legrand",
    "dateOfBirth": "1981-04-24",
    "nin": {"value": "81042419835", "issuingCountry": "BE", "type": "PERSON"},
}
_ALWAYS = ("id", "idpId")
_STATUS_OF = {"approve": "SUCCESS", "abort": "ABORT", "error": "ERROR"}
_CALLBACK_OF = {"SUCCESS": "success", "ABORT": "abort", "ERROR": "error", "EXPIRED": "error"}
#: The decision of the scripted user for each outcome.
OUTCOME_DECISIONS = {"success": "approve", "abort": "abort", "error": "error"}


class Problem(Exception):
    """A JSON problem details answer."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def response(self) -> Response:
        titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Not Allowed"}
        body = {
            "type": ERROR_TYPE,
            "title": titles.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        headers: list[tuple[str, str]] = [("Content-Type", "application/problem+json")]
        if self.status == 401:
            detail = self.detail.replace('"', "'")
            headers.append(
                ("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{detail}"')
            )
        return Response(self.status, tuple(headers), json.dumps(body).encode("utf-8"))


@dataclass
class RestSession:
    """One session; ``status`` moves from CREATED to SUCCESS, ABORT, ERROR or EXPIRED."""

    id: str
    client_id: str
    message_id: str
    created_at: float
    lifetime: int
    allowed_providers: list[str]
    requested_attributes: list[str]
    callback_urls: CallbackUrls
    status: str = "CREATED"
    environment: dict[str, str] | None = None
    error: dict[str, str] | None = None

    def status_at(self, now: float) -> str:
        if self.status == "CREATED" and now >= self.created_at + self.lifetime:
            self.status = "EXPIRED"
        return self.status


@dataclass
class RestApi:
    """The REST API's state and handlers. ``auto_outcome()``: the outcome a scripted user
    chooses at once (``success``, ``abort`` or ``error``), or None to show the page."""

    clock: Callable[[], float]
    base_url: Callable[[], str]
    auto_outcome: Callable[[], str | None]
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    sessions: dict[str, RestSession] = field(default_factory=dict)

    # -- access tokens -------------------------------------------------------------------

    def issue_token(self, client_id: str) -> str:
        now = self.clock()
        self.tokens = {t: e for t, e in self.tokens.items() if now - e[1] < API_TOKEN_LIFETIME}
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (client_id, now)
        return token

    def _client_of(self, request: Request) -> str:
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "invalid_token", "an API access token is required (Bearer)")
        entry = self.tokens.get(token.strip())
        if entry is None:
            raise Problem(401, "invalid_token", "the access token is unknown")
        if self.clock() - entry[1] >= API_TOKEN_LIFETIME:
            raise Problem(401, "invalid_token", "the access token expired")
        return entry[0]

    # -- routing -------------------------------------------------------------------------

    def route(self, request: Request) -> Callable[[Request], Response] | None:
        """The handler for ``request``'s path, or None when it is not the REST API's."""
        path = request.path
        if path == API_PATH + "/sessions":
            return self._create
        if path.startswith(API_PATH + "/sessions/"):
            return self._status
        if path == LOGIN_PATH:
            return self._login
        return None

    def handle(self, handler: Callable[[Request], Response], request: Request) -> Response:
        try:
            return handler(request)
        except Problem as problem:
            return problem.response()

    # -- the API -------------------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        if request.method != "POST":
            raise Problem(405, "method_not_allowed", "use POST to create a session")
        client_id = self._client_of(request)
        ctype = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise Problem(
                400, "invalid_request", f"the body must be application/json; got {ctype!r}"
            )
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(400, "invalid_request", "the body is not JSON") from exc
        if not isinstance(body, dict):
            raise Problem(400, "invalid_request", "the body must be a JSON object")
        session = self._new_session(client_id, body)
        self.sessions[session.id] = session
        return Response.json(self._describe(session))

    def _new_session(self, client_id: str, body: Mapping[str, Any]) -> RestSession:
        providers = _strings(body, "allowedProviders", [PROVIDER])
        if PROVIDER not in providers:
            raise Problem(
                400, "invalid_request", f"allowedProviders {providers}: this account has only itsme"
            )
        flow = body.get("flow")
        if flow != "redirect":
            raise Problem(
                400, "invalid_request", f"flow {str(flow)[:40]!r}: the mock supports redirect only"
            )
        urls = body.get("callbackUrls")
        if not isinstance(urls, dict):
            raise Problem(
                400, "invalid_request", "callbackUrls (success, abort, error) is required"
            )
        for outcome in OUTCOMES:
            url = urls.get(outcome)
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise Problem(
                    400, "invalid_request", f"callbackUrls.{outcome} must be an absolute URL"
                )
        lifetime = body.get("sessionLifetime", DEFAULT_LIFETIME)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int):
            raise Problem(400, "invalid_request", "sessionLifetime must be a number of seconds")
        if not 1 <= lifetime <= MAX_LIFETIME:
            raise Problem(400, "invalid_request", f"sessionLifetime must be 1 to {MAX_LIFETIME}")
        session_id = str(uuid.uuid4())
        with_id = {o: _add_param(urls[o], "sessionId", session_id) for o in OUTCOMES}
        return RestSession(
            id=session_id,
            client_id=client_id,
            message_id=str(uuid.uuid4()),
            created_at=self.clock(),
            lifetime=lifetime,
            allowed_providers=providers,
            requested_attributes=_strings(body, "requestedAttributes", []),
            callback_urls=CallbackUrls(**with_id),
        )

    def _status(self, request: Request) -> Response:
        if request.method != "GET":
            raise Problem(405, "method_not_allowed", "use GET to read a session")
        client_id = self._client_of(request)
        session_id = request.path.removeprefix(API_PATH + "/sessions/")
        session = self.sessions.get(session_id)
        if session is None or session.client_id != client_id:
            raise Problem(404, "session_not_found", f"no session {session_id[:80]!r}")
        return Response.json(self._describe(session))

    def _describe(self, s: RestSession) -> dict[str, Any]:
        status = s.status_at(self.clock())
        out: dict[str, Any] = {
            "id": s.id,
            "accountId": ACCOUNT_ID,
            "authenticationUrl": self.base_url()
            + LOGIN_PATH
            + "?"
            + urlencode({"messageId": s.message_id, "transactionId": s.id}),
            "status": status,
        }
        if status == "SUCCESS":
            out["provider"] = PROVIDER
            wanted = set(s.requested_attributes) | set(_ALWAYS)
            out["subject"] = {k: v for k, v in SUBJECT.items() if k in wanted}
        if s.error is not None:
            out["error"] = s.error
        out["callbackUrls"] = s.callback_urls.to_json()
        if s.environment is not None:
            out["environment"] = s.environment
        out |= {
            "allowedProviders": s.allowed_providers,
            "flow": "redirect",
            "requestedAttributes": [*sorted(set(s.requested_attributes) - {"idpId"}), "idpId"],
            "sessionLifetime": s.lifetime,
        }
        return out

    # -- the authenticationUrl -----------------------------------------------------------

    def _login(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            raise Problem(405, "method_not_allowed", "GET the page, POST the decision")
        params = request.query if request.method == "GET" else request.form()
        session = self.sessions.get(params.get("transactionId", ""))
        if session is None or params.get("messageId") != session.message_id:
            text = "This authentication link is unknown. Create a new session."
            return page(message_page("Unknown session", text), 404)
        status = session.status_at(self.clock())
        if status == "EXPIRED":
            return Response.redirect(session.callback_urls.error)
        if status != "CREATED":
            text = f"This session has already ended ({status}). Create a new session."
            return page(message_page("Session already finished", text), 400)
        session.environment = {
            "ipAddress": request.client[0],
            "userAgent": request.header("User-Agent") or "",
        }
        if request.method == "POST":
            return self._decide(session, params.get("decision", ""))
        outcome = self.auto_outcome()
        if outcome is not None:
            return self._decide(session, OUTCOME_DECISIONS[outcome])
        fields = [("messageId", session.message_id), ("transactionId", session.id)]
        html = session_page(
            ACCOUNT_ID,
            session.requested_attributes,
            str(SUBJECT["name"]),
            fields=fields,
            action=LOGIN_PATH,
        )
        return page(html, 200)

    def _decide(self, session: RestSession, decision: str) -> Response:
        status = _STATUS_OF.get(decision)
        if status is None:
            text = "The decision must be approve, abort or error."
            return page(message_page("Unknown decision", text), 400)
        session.status = status
        if status == "ERROR":
            session.error = {
                "code": "provider_error",
                "title": "Identity provider error",
                "detail": "itsme® reported an error (the mock's Error button)",
            }
        return Response.redirect(session.callback_urls.get(_CALLBACK_OF[status]))


def _strings(body: Mapping[str, Any], name: str, default: list[str]) -> list[str]:
    value = body.get(name, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Problem(400, "invalid_request", f"{name} must be a list of strings")
    return list(value)


def _add_param(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode({name: value})}"
