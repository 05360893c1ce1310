"""The Signicat REST API core: requests built, answers processed, with plain data (seed 001)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from itsme_debugger.core.client_auth import ClientSecretBasic, ClientSecretPost
from itsme_debugger.core.errors import MalformedResponse, OAuthError
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.report import mask
from itsme_debugger.core.signicat import (
    ATTRIBUTES,
    STATUSES,
    ApiError,
    Callback,
    CallbackUrls,
    api_token_endpoint,
    build_api_token_request,
    build_create_session_request,
    build_session_status_request,
    check_broker_claims,
    lint_session_request,
    mask_subject,
    parse_callback,
    process_api_token_response,
    process_session_response,
    process_session_status,
)

API = "https://api.signicat.com/auth/rest"
API_SCOPE = "signicat-api"
SID = "4ccb8a1b-6f40-e146-af1b-15f1c6eabb56"
SENT = CallbackUrls(
    "https://example.test/get?status=success",
    "https://example.test/get?status=abort",
    "https://example.test/get?status=error",
)
ATTRS = ("name", "firstName", "lastName", "dateOfBirth", "nin")
#: Seed 001's create-session response.
CREATED: dict[str, Any] = {
    "id": SID,
    "accountId": "a-sdge-Adv",
    "authenticationUrl": "https://x.signicat.com/broker/sp/external-service/login?messageId=d"
    f"&transactionId={SID}",
    "status": "CREATED",
    "callbackUrls": {o: f"{u}&sessionId={SID}" for o, u in SENT.items()},
    "allowedProviders": ["itsme"],
    "flow": "redirect",
    "requestedAttributes": ["dateOfBirth", "firstName", "lastName", "name", "nin", "idpId"],
    "sessionLifetime": 1200,
}
#: Seed 001's successful session.
SUBJECT = {
    "id": "tXOq9614vLHkXBkENWcZGQO02Fc98IPaHq6iRwK-ytA=",
    "idpId": "rpx5rrbsn4ktvhm3m0q4uh2iepsdat34i9vf",
    "name": "Maxence Legrand",
    "firstName": "Maxence",
    "lastName": "Legrand",
    "dateOfBirth": "1981-04-24",
    "nin": {"value": "81042419835", "issuingCountry": "BE", "type": "PERSON"},
}
SUCCESS = {**CREATED, "status": "SUCCESS", "provider": "itsme", "subject": SUBJECT}


def answer(body: Any, status: int = 200, ctype: str = "application/json") -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, (("Content-Type", ctype), ("Cache-Control", "no-store")), raw)


def ids(findings: list[Any]) -> list[str]:
    return [f.id for f in findings]


def callback(outcome: str, session_id: str = SID) -> Callback:
    url = f"{SENT.get(outcome)}&sessionId={session_id}"
    return parse_callback(url, SENT, SID)[0]


# -- the API access token -------------------------------------------------------------------


def test_api_token_endpoint_is_on_the_api_host() -> None:
    assert api_token_endpoint(API) == "https://api.signicat.com/auth/open/connect/token"


def test_api_token_request_is_client_credentials_for_signicat_api() -> None:
    req = build_api_token_request(
        "https://api.signicat.com/auth/open/connect/token", ClientSecretBasic("api-1", "s3cret")
    )
    assert req.method == "POST"
    fields = parse_qs(req.body.decode())
    assert fields == {"grant_type": ["client_credentials"], "scope": ["signicat-api"]}
    assert req.header("Authorization") == "Basic " + base64.b64encode(b"api-1:s3cret").decode()
    assert "authorization" in {f.lower() for f in req.secret_fields}


def test_api_token_request_with_client_secret_post() -> None:
    req = build_api_token_request("https://t.example/token", ClientSecretPost("api-1", "s3cret"))
    fields = parse_qs(req.body.decode())
    assert fields["client_id"] == ["api-1"] and fields["client_secret"] == ["s3cret"]
    assert "client_secret" in req.secret_fields


def test_api_token_response_needs_no_id_token() -> None:
    body = {"access_token": "at", "token_type": "Bearer", "expires_in": 600, "scope": API_SCOPE}
    tokens, findings = process_api_token_response(answer(body))
    assert tokens.access_token == "at"
    assert findings == []


def test_api_token_for_another_scope() -> None:
    body = {"access_token": "at", "token_type": "Bearer", "scope": "openid"}
    _, findings = process_api_token_response(answer(body))
    assert ids(findings) == ["signicat.api_token_scope"]


def test_api_token_error_raises_the_oauth_error() -> None:
    with pytest.raises(OAuthError) as info:
        process_api_token_response(answer({"error": "invalid_client"}, 401))
    assert info.value.error == "invalid_client"


# -- creating a session --------------------------------------------------------------------


def test_create_session_request_is_the_seeds_payload() -> None:
    req = build_create_session_request(API, "at-1", callback_urls=SENT, requested_attributes=ATTRS)
    assert (req.method, req.url) == ("POST", API + "/sessions")
    assert req.header("Authorization") == "Bearer at-1"
    assert req.header("Content-Type") == "application/json"
    assert json.loads(req.body) == {
        "allowedProviders": ["itsme"],
        "flow": "redirect",
        "callbackUrls": SENT.to_json(),
        "requestedAttributes": list(ATTRS),
    }
    assert "authorization" in req.secret_fields


def test_create_session_request_with_lifetime_and_more_members() -> None:
    req = build_create_session_request(
        API + "/",
        "at",
        callback_urls=SENT,
        requested_attributes=(),
        session_lifetime=60,
        extra={"language": "fr"},
    )
    body = json.loads(req.body)
    assert req.url == API + "/sessions"
    assert body["sessionLifetime"] == 60 and body["language"] == "fr"


def test_good_session_request_has_no_finding() -> None:
    assert (
        lint_session_request(providers=("itsme",), requested_attributes=ATTRS, callback_urls=SENT)
        == []
    )


@pytest.mark.parametrize(
    ("finding", "severity", "changes"),
    [
        ("signicat.allowed_providers_without_itsme", Severity.WARNING, {"providers": ("nbid",)}),
        ("signicat.attributes_missing", Severity.WARNING, {"requested_attributes": ()}),
        ("signicat.attribute_unknown", Severity.INFO, {"requested_attributes": ("shoeSize",)}),
        (
            "signicat.callback_url_invalid",
            Severity.ERROR,
            {"callback_urls": CallbackUrls("/relative", SENT.abort, SENT.error)},
        ),
        (
            "signicat.callback_url_invalid",
            Severity.ERROR,
            {"callback_urls": CallbackUrls(SENT.success, "https://x.test/a#frag", SENT.error)},
        ),
        ("signicat.session_lifetime_invalid", Severity.ERROR, {"session_lifetime": 0}),
    ],
)
def test_session_request_lint(finding: str, severity: Severity, changes: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "providers": ("itsme",),
        "requested_attributes": ATTRS,
        "callback_urls": SENT,
    }
    found = [f for f in lint_session_request(**(args | changes)) if f.id == finding]
    assert found and found[0].severity is severity and found[0].reference


def test_created_session_is_read() -> None:
    session, findings = process_session_response(answer(CREATED), sent_callback_urls=SENT)
    assert findings == []
    assert session.id == SID and session.status == "CREATED"
    assert session.authentication_url == CREATED["authenticationUrl"]
    assert session.callback_urls is not None
    assert session.callback_urls.success.endswith(f"&sessionId={SID}")
    assert session.requested_attributes[-1] == "idpId"
    assert session.session_lifetime == 1200


def test_created_answer_201_is_accepted() -> None:
    session, findings = process_session_response(answer(CREATED, 201))
    assert session.id == SID and findings == []


def test_created_session_without_id() -> None:
    session, findings = process_session_response(answer({**CREATED, "id": None}))
    assert session.id == ""
    assert "signicat.session_id_missing" in ids(findings)


def test_created_session_without_authentication_url() -> None:
    body = {k: v for k, v in CREATED.items() if k != "authenticationUrl"}
    _, findings = process_session_response(answer(body))
    assert ids(findings) == ["signicat.authentication_url_missing"]


def test_created_session_in_another_status() -> None:
    _, findings = process_session_response(answer({**CREATED, "status": "SUCCESS"}))
    assert ids(findings) == ["signicat.status_not_created"]


def test_created_session_with_an_unknown_status() -> None:
    _, findings = process_session_response(answer({**CREATED, "status": "DONE"}))
    assert ids(findings) == ["signicat.status_unknown"]


def test_created_session_whose_callbacks_changed() -> None:
    urls = dict(CREATED["callbackUrls"], abort="https://evil.test/get?status=abort")
    _, findings = process_session_response(
        answer({**CREATED, "callbackUrls": urls}), sent_callback_urls=SENT
    )
    assert ids(findings) == ["signicat.callback_url_changed"]
    assert "abort" in findings[0].message


def test_api_error_answer_raises_with_its_finding() -> None:
    problem = {"title": "Bad Request", "status": 400, "detail": "flow is invalid", "code": "x1"}
    with pytest.raises(ApiError) as info:
        process_session_response(answer(problem, 400, "application/problem+json"))
    exc = info.value
    assert exc.status == 400 and exc.code == "signicat.api_error"
    assert exc.finding.id == "signicat.api_error"
    assert exc.finding.severity is Severity.ERROR
    assert "flow is invalid" in exc.finding.message
    assert exc.finding.detail["code"] == "x1"


def test_api_401_says_what_to_do() -> None:
    with pytest.raises(ApiError) as info:
        process_session_response(answer(b"", 401, "text/plain"))
    assert "client credentials" in info.value.finding.message


def test_api_403_names_the_missing_permission() -> None:
    with pytest.raises(ApiError) as info:
        process_session_response(answer({"title": "Forbidden"}, 403))
    assert "permission" in info.value.finding.message


def test_api_answer_not_json() -> None:
    with pytest.raises(MalformedResponse) as info:
        process_session_response(answer(b"<html>ok</html>", 200, "text/html"))
    assert info.value.code == "signicat.not_json"


def test_api_answer_json_but_not_an_object() -> None:
    with pytest.raises(MalformedResponse):
        process_session_response(answer([CREATED]))


# -- the callback ---------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["success", "abort", "error"])
def test_each_callback_is_recognised(outcome: str) -> None:
    cb, findings = parse_callback(f"{SENT.get(outcome)}&sessionId={SID}", SENT, SID)
    assert (cb.outcome, cb.session_id, findings) == (outcome, SID, [])


def test_callbacks_on_three_paths() -> None:
    urls = CallbackUrls.under("http://127.0.0.1:9000/signicat/")
    assert urls.abort == "http://127.0.0.1:9000/signicat/abort"
    cb, findings = parse_callback(urls.error + "?sessionId=" + SID, urls, SID)
    assert cb.outcome == "error" and findings == []


def test_callback_to_another_url() -> None:
    cb, findings = parse_callback(f"https://example.test/other?sessionId={SID}", SENT, SID)
    assert cb.outcome is None
    assert ids(findings) == ["signicat.callback_unexpected"]


def test_callback_with_a_changed_query_is_unexpected() -> None:
    _, findings = parse_callback(f"https://example.test/get?status=ok&sessionId={SID}", SENT, SID)
    assert ids(findings) == ["signicat.callback_unexpected"]


def test_callback_without_session_id() -> None:
    _, findings = parse_callback(SENT.success, SENT, SID)
    assert ids(findings) == ["signicat.callback_session_id_missing"]


def test_callback_for_another_session() -> None:
    cb, findings = parse_callback(f"{SENT.success}&sessionId=other", SENT, SID)
    assert cb.session_id == "other"
    assert ids(findings) == ["signicat.callback_session_id_mismatch"]
    assert findings[0].severity is Severity.ERROR


@pytest.mark.parametrize("junk", ["", "not a url", "http://[::1/cb", "\x00\x01"])
def test_callback_junk_never_raises(junk: str) -> None:
    cb, findings = parse_callback(junk, SENT, SID)
    assert cb.outcome is None
    assert "signicat.callback_unexpected" in ids(findings)


# -- the status -----------------------------------------------------------------------------


def test_successful_session_with_the_seeds_subject() -> None:
    session, findings = process_session_status(
        answer(SUCCESS), expected_id=SID, requested_attributes=ATTRS, callback=callback("success")
    )
    assert findings == []
    assert session.status == "SUCCESS" and session.provider == "itsme"
    subject = session.subject
    assert subject is not None
    assert (subject.first_name, subject.last_name) == ("Maxence", "Legrand")
    assert subject.date_of_birth == "1981-04-24"
    assert subject.nin is not None
    assert (subject.nin.value, subject.nin.issuing_country, subject.nin.type) == (
        "81042419835",
        "BE",
        "PERSON",
    )


@pytest.mark.parametrize(
    ("status", "finding"),
    [
        ("ABORT", "signicat.session_aborted"),
        ("ERROR", "signicat.session_error"),
        ("EXPIRED", "signicat.session_expired"),
        ("CANCELLED", "signicat.session_cancelled"),
        ("INVALID", "signicat.session_invalid"),
        ("CREATED", "signicat.session_not_finished"),
        ("WAITING_FOR_USER", "signicat.session_not_finished"),
    ],
)
def test_session_outcome_is_an_error_finding(status: str, finding: str) -> None:
    _, findings = process_session_status(answer({**CREATED, "status": status}), expected_id=SID)
    assert ids(findings) == [finding]
    assert findings[0].severity is Severity.ERROR
    assert STATUSES[status].finding == finding


def test_error_session_says_what_signicat_said() -> None:
    error = {"code": "provider_error", "title": "Identity provider error", "detail": "boom"}
    session, findings = process_session_status(
        answer({**CREATED, "status": "ERROR", "error": error}), expected_id=SID
    )
    assert session.error is not None and session.error.code == "provider_error"
    assert "provider_error" in findings[0].message and "boom" in findings[0].message


def test_status_for_another_session() -> None:
    _, findings = process_session_status(answer(SUCCESS), expected_id="another")
    assert "signicat.session_id_mismatch" in ids(findings)


def test_success_without_subject() -> None:
    body = {k: v for k, v in SUCCESS.items() if k != "subject"}
    _, findings = process_session_status(answer(body), expected_id=SID)
    assert ids(findings) == ["signicat.subject_missing"]


def test_subject_with_another_status() -> None:
    _, findings = process_session_status(answer({**SUCCESS, "status": "ABORT"}), expected_id=SID)
    assert "signicat.subject_unexpected" in ids(findings)


def test_requested_attribute_not_returned() -> None:
    subject = {k: v for k, v in SUBJECT.items() if k != "dateOfBirth"}
    _, findings = process_session_status(
        answer({**SUCCESS, "subject": subject}), expected_id=SID, requested_attributes=ATTRS
    )
    assert ids(findings) == ["signicat.attribute_not_returned"]
    assert "dateOfBirth" in findings[0].message


def test_nin_that_is_not_the_object() -> None:
    subject = {**SUBJECT, "nin": "81042419835"}
    session, findings = process_session_status(
        answer({**SUCCESS, "subject": subject}), expected_id=SID
    )
    assert session.subject is not None and session.subject.nin is None
    assert ids(findings) == ["signicat.nin_malformed"]
    assert "81042419835" not in findings[0].message


def test_provider_outside_the_allowed_ones() -> None:
    _, findings = process_session_status(answer({**SUCCESS, "provider": "nbid"}), expected_id=SID)
    assert ids(findings) == ["signicat.provider_unexpected"]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("success", "ABORT"), ("abort", "SUCCESS"), ("error", "SUCCESS"), ("success", "ERROR")],
)
def test_callback_that_contradicts_the_status(outcome: str, status: str) -> None:
    body = SUCCESS if status == "SUCCESS" else {**CREATED, "status": status}
    _, findings = process_session_status(answer(body), expected_id=SID, callback=callback(outcome))
    assert "signicat.callback_status_mismatch" in ids(findings)


def test_error_callback_of_an_expired_session_agrees() -> None:
    _, findings = process_session_status(
        answer({**CREATED, "status": "EXPIRED"}), expected_id=SID, callback=callback("error")
    )
    assert ids(findings) == ["signicat.session_expired"]


def test_status_request() -> None:
    req = build_session_status_request(API, "at", "a b/c")
    assert (req.method, req.url) == ("GET", API + "/sessions/a%20b%2Fc")
    assert req.header("Authorization") == "Bearer at"


def test_status_404_is_an_api_error() -> None:
    with pytest.raises(ApiError) as info:
        process_session_status(answer({"title": "Not Found"}, 404), expected_id=SID)
    assert "no such session" in info.value.finding.message


# -- catalogue, masking, the broker's ID token ------------------------------------------------


def test_attribute_catalogue_has_the_seeds_attributes() -> None:
    assert set(ATTRS) | {"idpId"} <= set(ATTRIBUTES)
    assert [a for a in ATTRIBUTES.values() if a.sensitive] == [ATTRIBUTES["nin"]]
    assert all(a.label and a.description for a in ATTRIBUTES.values())


def test_mask_subject_hides_the_national_number_only() -> None:
    out = mask_subject(SUBJECT, mask)
    assert "81042419835" not in json.dumps(out)
    assert out["nin"]["issuingCountry"] == "BE"
    assert out["name"] == "Maxence Legrand"
    assert "81042419835" not in json.dumps(mask_subject({"nin": "81042419835"}, mask))


def test_broker_claims_of_the_seed_are_clean_but_sandbox() -> None:
    claims = {"idp": "itsme", "idp_issuer": "https://idp.e2e.itsme.services/v2", "sandbox": True}
    findings = check_broker_claims(claims, acr_values=("idp:itsme",))
    assert ids(findings) == ["signicat.sandbox"]
    assert findings[0].severity is Severity.INFO
    assert check_broker_claims({**claims, "sandbox": False}, acr_values=("idp:itsme",)) == []


def test_broker_idp_not_itsme() -> None:
    findings = check_broker_claims({"idp": "nbid"}, acr_values=("idp:itsme",))
    assert ids(findings) == ["signicat.idp_not_itsme"]
    assert check_broker_claims({"idp": "nbid"}) == []
