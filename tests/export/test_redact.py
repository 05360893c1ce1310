"""Redaction of single values, bodies, headers and exchanges, with plain data."""

from __future__ import annotations

import base64
import json

from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.trace import Exchange
from itsme_debugger.export.redact import Redactor, jwt_kind

ITSME = "http://itsme.services/v2/claim/"


def _jwt(header: dict[str, str], parts: int = 3) -> str:
    segments = [b64url_encode(json.dumps(header).encode())] + ["c2VjcmV0LXBheWxvYWQ"] * (parts - 1)
    return ".".join(segments)


JWE = _jwt({"alg": "RSA-OAEP", "enc": "A256CBC-HS512"}, 5)
JWS = _jwt({"alg": "RS256", "kid": "k1"})
CODE = "SplxlOBeZQQYbYS6WxSbIA-code-value-123"


def test_a_jwe_keeps_its_header_and_says_its_shape() -> None:
    shown = Redactor().secret(JWE)
    header = JWE.split(".")[0]
    assert shown == f"{header}: «redacted JWE, 5 parts, {len(JWE)} chars»"


def test_an_opaque_secret_shows_its_length_only() -> None:
    assert Redactor().secret(CODE) == f"«redacted, {len(CODE)} chars»"


def test_jwt_kind_tells_tokens_from_text() -> None:
    assert jwt_kind(JWE) == "JWE"
    assert jwt_kind(JWS) == "JWS"
    assert jwt_kind(_jwt({"alg": "none"})) == "unsecured JWT"
    assert jwt_kind("eyJhbGciOi.not a token") is None
    assert jwt_kind("eyJub3QganNvbg.e30.sig") is None  # header is not a JSON object
    assert jwt_kind("hello.world.again") is None


def test_personal_claims_are_masked_leaf_by_leaf_others_kept() -> None:
    photo = base64.b64encode(b"\xff\xd8" + b"x" * 3024).decode()
    claims = {
        "sub": "e3xad7upx64grm14ttpnx4c586ve8gy0gp38",
        "given_name": "George",
        "family_name": "Tǎnka",
        ITSME + "BENationalNumber": "99060427181",
        "address": {"street_address": "Jekerstraat 39", "postal_code": "3700"},
        ITSME + "physical_person_photo": {"format": "image/jpeg", "value": photo},
        ITSME + "claim_device": {"os": "ANDROID", "rooted": False},
        "email_verified": True,
        "phone_number": None,
        "locale": "FR",
    }
    shown = Redactor().claims(claims)
    assert shown["sub"] == claims["sub"]
    assert shown["given_name"] == "«redacted, 6 chars»"
    assert shown["family_name"] == "«redacted, 5 chars»"
    assert shown[ITSME + "BENationalNumber"] == "«redacted, 11 chars»"
    assert shown["address"] == {
        "street_address": "«redacted, 14 chars»",
        "postal_code": "«redacted, 4 chars»",
    }
    assert shown[ITSME + "physical_person_photo"] == "«redacted image/jpeg, 3026 bytes»"
    assert shown[ITSME + "claim_device"] == {
        "os": "«redacted, 7 chars»",
        "rooted": "«redacted bool»",
    }
    assert shown["email_verified"] is True
    assert shown["phone_number"] is None
    assert shown["locale"] == "FR"


def test_a_signicat_subject_is_masked_like_claims() -> None:
    session = {"id": "s-1", "subject": {"nin": {"value": "99060427181"}, "firstName": "George"}}
    shown = Redactor().json(session)
    assert shown == {
        "id": "s-1",
        "subject": {"nin": {"value": "«redacted, 11 chars»"}, "firstName": "«redacted, 6 chars»"},
    }


def test_form_fields_are_masked_one_by_one_the_others_stay_as_sent() -> None:
    body = f"grant_type=authorization_code&code={CODE}&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
    shown = Redactor().params(body)
    assert shown == (
        "grant_type=authorization_code&code=%C2%ABredacted%2C+37+chars%C2%BB"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
    )


def test_a_token_under_any_name_is_masked() -> None:
    shown = Redactor().params(f"foo={JWS}&bar=plain")
    assert JWS not in shown and shown.endswith("&bar=plain")


def test_url_query_and_fragment_are_masked() -> None:
    url = f"http://127.0.0.1:5000/cb?code={CODE}&state=abc#access_token=at-123456&x=1"
    shown = Redactor().url(url)
    assert CODE not in shown and "at-123456" not in shown
    assert shown.startswith("http://127.0.0.1:5000/cb?code=%C2%AB")
    assert "&state=abc#access_token=%C2%AB" in shown and shown.endswith("&x=1")


def test_a_url_without_query_is_left_alone() -> None:
    url = "https://idp.example/v2/token"
    assert Redactor().url(url) is url


def test_authorization_headers_keep_their_scheme() -> None:
    r = Redactor()
    assert r.header("Authorization", "Bearer at-0123456789") == "Bearer «redacted, 13 chars»"
    assert r.header("authorization", f"Bearer {JWS}").startswith(
        f"Bearer {JWS.split('.')[0]}: «redacted JWS"
    )
    basic = base64.b64encode(b"client:s3cr3t").decode()
    assert r.header("Authorization", f"Basic {basic}") == f"Basic «redacted, {len(basic)} chars»"


def test_cookies_keep_their_names() -> None:
    r = Redactor()
    assert r.header("Cookie", "a=12345; b=67890") == "a=«redacted, 5 chars»; b=«redacted, 5 chars»"
    assert (
        r.header("Set-Cookie", "sid=abcdef; Path=/; HttpOnly")
        == "sid=«redacted, 6 chars»; Path=/; HttpOnly"
    )


def test_a_location_header_is_masked_as_a_url() -> None:
    shown = Redactor().header("Location", f"http://127.0.0.1/cb?code={CODE}&state=s")
    assert CODE not in shown and shown.endswith("&state=s")


def test_a_header_named_in_secret_fields_is_masked() -> None:
    request = HttpRequest(
        "GET", "https://x/", (("X-Api-Key", "k-0123456789"),), b"", frozenset({"X-Api-Key"})
    )
    assert Redactor().request(request).headers == (("X-Api-Key", "«redacted, 12 chars»"),)


def test_a_json_body_is_masked_member_by_member() -> None:
    body = json.dumps(
        {"access_token": "at-0123456789", "token_type": "Bearer", "id_token": JWS, "expires_in": 60}
    ).encode()
    shown = json.loads(Redactor().body(body, "application/json"))
    assert shown == {
        "access_token": "«redacted, 13 chars»",
        "token_type": "Bearer",
        "id_token": f"{JWS.split('.')[0]}: «redacted JWS, 3 parts, {len(JWS)} chars»",
        "expires_in": 60,
    }


def test_a_body_with_nothing_to_mask_stays_byte_for_byte() -> None:
    body = b'{"issuer":  "https://idp.example",\n "keys": [{"kty": "RSA", "n": "AQAB"}]}'
    assert Redactor().body(body, "application/json") is body


def test_private_jwk_members_are_masked() -> None:
    body = json.dumps({"keys": [{"kty": "RSA", "n": "modulus", "e": "AQAB", "d": "private-exp"}]})
    shown = json.loads(Redactor().body(body.encode(), "application/json"))
    assert shown["keys"][0] == {
        "kty": "RSA",
        "n": "modulus",
        "e": "AQAB",
        "d": "«redacted, 11 chars»",
    }


def test_a_userinfo_json_body_is_a_claims_set() -> None:
    body = json.dumps({"sub": "abc", "given_name": "George", "birthdate": "1978-11-01"}).encode()
    ex = Exchange(
        0,
        "userinfo",
        HttpRequest("GET", "https://x/userinfo"),
        HttpResponse(200, (("Content-Type", "application/json"),), body),
    )
    shown = Redactor().exchange(ex)
    assert shown.response is not None
    assert json.loads(shown.response.body) == {
        "sub": "abc",
        "given_name": "«redacted, 6 chars»",
        "birthdate": "«redacted, 10 chars»",
    }


def test_a_response_that_echoes_a_masked_request_value_is_scrubbed() -> None:
    error = {"error": "invalid_grant", "error_description": f"code {CODE} has expired"}
    ex = Exchange(
        3,
        "token",
        HttpRequest.form("https://x/token", {"code": CODE}, secret_fields=frozenset({"code"})),
        HttpResponse(400, (("Content-Type", "application/json"),), json.dumps(error).encode()),
        error=None,
        note=f"sent {CODE}",
    )
    shown = Redactor().exchange(ex)
    assert shown.response is not None
    assert json.loads(shown.response.body)["error_description"] == "code «redacted» has expired"
    assert shown.note == "sent «redacted»"
    assert CODE.encode() not in shown.request.body


def test_an_html_page_that_echoes_a_masked_value_is_scrubbed() -> None:
    ex = Exchange(
        0,
        "callback",
        HttpRequest.get(f"http://127.0.0.1/cb?code={CODE}"),
        HttpResponse(200, (("Content-Type", "text/html"),), f"<p>got {CODE}</p>".encode()),
    )
    shown = Redactor().exchange(ex)
    assert (
        shown.response is not None and shown.response.body == b"<p>got \xc2\xabredacted\xc2\xbb</p>"
    )


def test_an_image_body_is_masked() -> None:
    shown = Redactor().body(b"\xff\xd8\xff" * 10, "image/jpeg")
    assert shown == "«redacted image/jpeg, 30 bytes»".encode()


def test_a_binary_body_that_is_not_an_image_is_kept() -> None:
    body = b"\x00\x01\xfe"
    assert Redactor().body(body, "application/octet-stream") is body


def test_report_free_text_is_scrubbed_after_the_values_are_masked() -> None:
    report = {
        "steps": [{"name": "id_token", "status": "error", "message": "George is not expected"}],
        "id_token": {"claims": {"given_name": "George"}},
        "findings": [{"id": "x.y", "message": "got George", "step": "id_token"}],
        "error": {"code": "c", "message": "stopped on George"},
    }
    shown = Redactor().report(report)
    assert "George" not in json.dumps(shown)
    assert shown["steps"][0]["name"] == "id_token"
    assert shown["findings"][0]["message"] == "got «redacted»"


def test_reveal_gives_everything_back() -> None:
    r = Redactor(reveal=True)
    ex = Exchange(
        0,
        "token",
        HttpRequest.form("https://x/token", {"code": CODE}, (("Authorization", "Basic abc"),)),
        HttpResponse(200, (), json.dumps({"access_token": "at"}).encode()),
    )
    assert r.exchange(ex) is ex
    assert r.claims({"given_name": "George"}) == {"given_name": "George"}
    assert r.secret(JWE) == JWE
