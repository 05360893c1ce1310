"""The mock Signicat Authentication REST API (seed 001): sessions, their page, their status."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from itsme_debugger.mockop.signicat import SignicatMockProvider
from itsme_debugger.mockop.signicat_rest import SUBJECT

from .helpers import Clock, Rp, with_mock

CALLBACKS = {
    "success": "https://example.test/get?status=success",
    "abort": "https://example.test/get?status=abort",
    "error": "https://example.test/cb/error",
}
ATTRS = ["name", "firstName", "lastName", "dateOfBirth", "nin"]
SEED_REQUEST: dict[str, Any] = {
    "allowedProviders": ["itsme"],
    "flow": "redirect",
    "callbackUrls": CALLBACKS,
    "requestedAttributes": ATTRS,
}


class Api:
    """The client side: an API access token and the REST calls."""

    def __init__(self, rp: Rp) -> None:
        assert isinstance(rp.mock, SignicatMockProvider)
        self.mock: SignicatMockProvider = rp.mock
        self.http = rp.http
        self.token = ""

    async def login(self) -> None:
        api = self.mock.api_client
        resp = await self.http.post(
            self.mock.token_endpoint,
            data={"grant_type": "client_credentials", "scope": "signicat-api"},
            auth=(api.client_id, api.secret),
        )
        assert resp.status_code == 200, resp.text
        self.token = resp.json()["access_token"]

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token if token is None else token}"}

    async def create(self, body: Any = None, **headers: str) -> httpx.Response:
        return await self.http.post(
            self.mock.api_base + "/sessions",
            json=SEED_REQUEST if body is None else body,
            headers=headers or self.auth(),
        )

    async def session(self, **changes: Any) -> dict[str, Any]:
        resp = await self.create(SEED_REQUEST | changes)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    async def status(self, session_id: str) -> httpx.Response:
        return await self.http.get(
            f"{self.mock.api_base}/sessions/{session_id}", headers=self.auth()
        )

    async def decide(self, session: dict[str, Any], decision: str) -> httpx.Response:
        page = await self.http.get(session["authenticationUrl"])
        assert page.status_code == 200 and "Approve" in page.text, page.text
        query = parse_qs(urlsplit(session["authenticationUrl"]).query)
        form = {k: v[0] for k, v in query.items()} | {"decision": decision}
        return await self.http.post(
            session["authenticationUrl"].split("?")[0], data=form, headers={"User-Agent": "bot"}
        )


def rest(
    test: Callable[[Api], Awaitable[None]],
    *,
    clock: Callable[[], float] | None = None,
    **options: Any,
) -> None:
    async def main(rp: Rp) -> None:
        api = Api(rp)
        await api.login()
        await test(api)

    options.setdefault("auto_approve", False)
    if clock is not None:
        options["clock"] = clock
    with_mock(main, "signicat", **options)


def problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["code"]
    return body


# -- creating a session ---------------------------------------------------------------------


def test_created_session_answers_like_the_seed() -> None:
    async def test(api: Api) -> None:
        body = await api.session()
        sid = body["id"]
        assert body["status"] == "CREATED" and body["accountId"]
        url = urlsplit(body["authenticationUrl"])
        assert url.path == "/broker/sp/external-service/login"
        query = parse_qs(url.query)
        assert query["transactionId"] == [sid] and query["messageId"]
        assert body["callbackUrls"] == {
            "success": f"{CALLBACKS['success']}&sessionId={sid}",
            "abort": f"{CALLBACKS['abort']}&sessionId={sid}",
            "error": f"{CALLBACKS['error']}?sessionId={sid}",
        }
        assert body["requestedAttributes"] == [
            "dateOfBirth",
            "firstName",
            "lastName",
            "name",
            "nin",
            "idpId",
        ]
        assert body["allowedProviders"] == ["itsme"] and body["flow"] == "redirect"
        assert body["sessionLifetime"] == 1200
        assert "subject" not in body

    rest(test)


def test_session_lifetime_is_kept() -> None:
    async def test(api: Api) -> None:
        assert (await api.session(sessionLifetime=60))["sessionLifetime"] == 60

    rest(test)


def test_create_without_a_token() -> None:
    async def test(api: Api) -> None:
        resp = await api.http.post(api.mock.api_base + "/sessions", json=SEED_REQUEST)
        problem(resp, 401)
        assert resp.headers["www-authenticate"].startswith("Bearer")

    rest(test)


def test_create_with_an_unknown_token() -> None:
    async def test(api: Api) -> None:
        assert problem(await api.create(**api.auth("nope")), 401)["code"] == "invalid_token"

    rest(test)


def test_create_with_an_expired_token() -> None:
    clock = Clock()

    async def test(api: Api) -> None:
        clock.now += 601
        assert "expired" in problem(await api.create(), 401)["detail"]

    rest(test, clock=clock)


def test_create_with_a_users_access_token() -> None:
    async def test(api: Api) -> None:
        rp_token = await _user_access_token(api)
        problem(await api.create(**api.auth(rp_token)), 401)

    rest(test, auto_approve=True)


async def _user_access_token(api: Api) -> str:
    rp = Rp(
        api.mock,
        api.http,
        keys=api.mock.demo_client.private_jwks,
        secret=api.mock.demo_client.secret,
    )
    body = await rp.tokens(scope="openid profile", acr_values="idp:itsme")
    return str(body["access_token"])


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (SEED_REQUEST | {"flow": "headless"}, "flow"),
        ({k: v for k, v in SEED_REQUEST.items() if k != "flow"}, "flow"),
        (SEED_REQUEST | {"allowedProviders": ["nbid"]}, "allowedProviders"),
        (SEED_REQUEST | {"allowedProviders": "itsme"}, "allowedProviders"),
        ({k: v for k, v in SEED_REQUEST.items() if k != "callbackUrls"}, "callbackUrls"),
        (SEED_REQUEST | {"callbackUrls": CALLBACKS | {"abort": "/abort"}}, "abort"),
        (SEED_REQUEST | {"callbackUrls": {"success": CALLBACKS["success"]}}, "abort"),
        (SEED_REQUEST | {"requestedAttributes": "name"}, "requestedAttributes"),
        (SEED_REQUEST | {"sessionLifetime": 0}, "sessionLifetime"),
        (SEED_REQUEST | {"sessionLifetime": 86401}, "sessionLifetime"),
        (SEED_REQUEST | {"sessionLifetime": "60"}, "sessionLifetime"),
        ([SEED_REQUEST], "object"),
    ],
)
def test_bad_create_requests(body: Any, word: str) -> None:
    async def test(api: Api) -> None:
        assert word in problem(await api.create(body), 400)["detail"]

    rest(test)


def test_create_with_a_body_that_is_not_json() -> None:
    async def test(api: Api) -> None:
        resp = await api.http.post(
            api.mock.api_base + "/sessions",
            content=b"{nope",
            headers=api.auth() | {"Content-Type": "application/json"},
        )
        problem(resp, 400)
        resp = await api.http.post(
            api.mock.api_base + "/sessions", data={"flow": "redirect"}, headers=api.auth()
        )
        problem(resp, 400)

    rest(test)


def test_sessions_by_get_is_not_allowed() -> None:
    async def test(api: Api) -> None:
        problem(await api.http.get(api.mock.api_base + "/sessions", headers=api.auth()), 405)

    rest(test)


# -- the status ------------------------------------------------------------------------------


def test_unknown_session() -> None:
    async def test(api: Api) -> None:
        assert problem(await api.status("nope"), 404)["code"] == "session_not_found"

    rest(test)


def test_another_api_clients_session_is_not_found() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        api.mock.register_api_client("other-api", "other-secret")
        resp = await api.http.post(
            api.mock.token_endpoint,
            data={"grant_type": "client_credentials"},
            auth=("other-api", "other-secret"),
        )
        other = resp.json()["access_token"]
        resp = await api.http.get(
            f"{api.mock.api_base}/sessions/{session['id']}", headers=api.auth(other)
        )
        problem(resp, 404)

    rest(test)


def test_status_by_post_is_not_allowed() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        resp = await api.http.post(
            f"{api.mock.api_base}/sessions/{session['id']}", headers=api.auth()
        )
        problem(resp, 405)

    rest(test)


def test_approve_gives_success_and_the_seeds_subject() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        resp = await api.decide(session, "approve")
        assert resp.status_code == 302
        assert resp.headers["location"] == session["callbackUrls"]["success"]
        body = (await api.status(session["id"])).json()
        assert body["status"] == "SUCCESS" and body["provider"] == "itsme"
        assert body["subject"] == SUBJECT
        assert body["subject"]["nin"] == {
            "value": "81042419835",
            "issuingCountry": "BE",
            "type": "PERSON",
        }
        assert body["environment"]["userAgent"] == "bot"
        assert body["environment"]["ipAddress"] == "127.0.0.1"

    rest(test)


def test_subject_holds_only_the_requested_attributes() -> None:
    async def test(api: Api) -> None:
        session = await api.session(requestedAttributes=["name"])
        await api.decide(session, "approve")
        body = (await api.status(session["id"])).json()
        assert set(body["subject"]) == {"id", "idpId", "name"}

    rest(test)


def test_abort_goes_to_the_abort_callback() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        resp = await api.decide(session, "abort")
        assert resp.headers["location"] == session["callbackUrls"]["abort"]
        body = (await api.status(session["id"])).json()
        assert body["status"] == "ABORT" and "subject" not in body

    rest(test)


def test_error_goes_to_the_error_callback_with_an_error_object() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        resp = await api.decide(session, "error")
        assert resp.headers["location"] == session["callbackUrls"]["error"]
        body = (await api.status(session["id"])).json()
        assert body["status"] == "ERROR" and "subject" not in body
        assert set(body["error"]) == {"code", "title", "detail"}

    rest(test)


def test_session_expires_after_its_lifetime() -> None:
    clock = Clock()

    async def test(api: Api) -> None:
        session = await api.session(sessionLifetime=60)
        clock.now += 59
        assert (await api.status(session["id"])).json()["status"] == "CREATED"
        clock.now += 1
        assert (await api.status(session["id"])).json()["status"] == "EXPIRED"
        page = await api.http.get(session["authenticationUrl"])
        assert page.status_code == 302
        assert page.headers["location"] == session["callbackUrls"]["error"]

    rest(test, clock=clock)


def test_decision_after_expiry_goes_to_the_error_callback() -> None:
    clock = Clock()

    async def test(api: Api) -> None:
        session = await api.session(sessionLifetime=30)
        page = await api.http.get(session["authenticationUrl"])
        assert page.status_code == 200
        clock.now += 31
        query = {k: v[0] for k, v in parse_qs(urlsplit(session["authenticationUrl"]).query).items()}
        resp = await api.http.post(
            session["authenticationUrl"].split("?")[0], data=query | {"decision": "approve"}
        )
        assert resp.headers["location"] == session["callbackUrls"]["error"]
        assert (await api.status(session["id"])).json()["status"] == "EXPIRED"

    rest(test, clock=clock)


def test_finished_session_page_says_so() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        await api.decide(session, "approve")
        page = await api.http.get(session["authenticationUrl"])
        assert page.status_code == 400 and "SUCCESS" in page.text

    rest(test)


def test_unknown_session_page() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        url = session["authenticationUrl"].replace("messageId=", "messageId=x")
        assert (await api.http.get(url)).status_code == 404
        base = session["authenticationUrl"].split("?")[0]
        assert (await api.http.get(base)).status_code == 404

    rest(test)


def test_unknown_decision() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        assert (await api.decide(session, "maybe")).status_code == 400
        assert (await api.status(session["id"])).json()["status"] == "CREATED"

    rest(test)


@pytest.mark.parametrize(
    ("outcome", "status"), [("success", "SUCCESS"), ("abort", "ABORT"), ("error", "ERROR")]
)
def test_auto_approve_answers_the_chosen_outcome(outcome: str, status: str) -> None:
    async def test(api: Api) -> None:
        api.mock.rest_outcome = outcome
        session = await api.session()
        resp = await api.http.get(session["authenticationUrl"])
        assert resp.headers["location"] == session["callbackUrls"][outcome]
        assert (await api.status(session["id"])).json()["status"] == status

    rest(test, auto_approve=True)


def test_access_denied_fault_aborts() -> None:
    async def test(api: Api) -> None:
        session = await api.session()
        resp = await api.http.get(session["authenticationUrl"])
        assert resp.headers["location"] == session["callbackUrls"]["abort"]

    rest(test, faults=["access_denied"])


def test_problem_details_never_leak_the_token() -> None:
    async def test(api: Api) -> None:
        resp = await api.create(**api.auth("secret-token-value"))
        assert "secret-token-value" not in json.dumps(resp.json()) + str(resp.headers)

    rest(test)
