"""The ``picture`` claim: which URL, whether the access token may go there, what came back."""

from __future__ import annotations

import pytest

from itsme_debugger._resources import resource
from itsme_debugger.core.findings import Severity
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.picture import (
    build_picture_request,
    picture_url,
    process_picture_response,
    sniff_image,
)

ISSUER = "https://idp.prd.itsme.services/v2"
USERINFO = ISSUER + "/userinfo"
URL = ISSUER + "/picture"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def jpeg() -> bytes:
    import base64
    import json

    user = json.loads(resource("mock_user.json").read_text(encoding="utf-8"))
    photo = user["claims"]["http://itsme.services/v2/claim/physical_person_photo"]["value"]
    return base64.b64decode(photo)


def answer(status: int, body: bytes, ctype: str = "image/jpeg", **headers: str) -> HttpResponse:
    pairs = (("Content-Type", ctype), *((k.replace("_", "-"), v) for k, v in headers.items()))
    return HttpResponse(status, pairs, body, URL)


def ids(findings: tuple[object, ...]) -> list[str]:
    return [f.id for f in findings]  # type: ignore[attr-defined]


def test_the_userinfo_picture_comes_before_the_id_tokens() -> None:
    assert picture_url({"picture": " https://a/p "}, {"picture": "https://b/p"}) == "https://a/p"
    assert picture_url({"picture": 42}, None, {"picture": "https://b/p"}) == "https://b/p"
    assert picture_url({"name": "x"}, {"picture": ""}) is None


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (PNG, "image/png"),
        (b"GIF89a...", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n....", "image/jp2"),
        (b"<!doctype html>", None),
        (b"", None),
    ],
)
def test_an_image_is_told_by_its_first_bytes(data: bytes, kind: str | None) -> None:
    assert sniff_image(data) == kind


def test_the_access_token_goes_to_the_providers_origin_as_a_bearer_token() -> None:
    request, findings = build_picture_request(
        "https://idp.prd.itsme.services:443/v2/picture", "at-123", (USERINFO, ISSUER)
    )
    assert findings == ()
    assert request is not None
    assert request.method == "GET"
    assert request.header("authorization") == "Bearer at-123"
    assert "authorization" in request.secret_fields  # masked in the views and exports


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://pictures.example.net/v2/picture", "picture.other_origin"),
        ("https://idp.prd.itsme.services:8443/v2/picture", "picture.other_origin"),
        ("http://idp.prd.itsme.services/v2/picture", "picture.not_https"),
        ("javascript:alert(1)", "picture.url_invalid"),
        ("/v2/picture", "picture.url_invalid"),
        ("https://[::1/picture", "picture.url_invalid"),
    ],
)
def test_the_access_token_is_not_sent_elsewhere(url: str, code: str) -> None:
    request, findings = build_picture_request(url, "at-123", (USERINFO, ISSUER))
    assert request is None
    assert ids(findings) == [code]
    assert all(f.severity is Severity.WARNING and "at-123" not in f.message for f in findings)


def test_a_loopback_provider_may_serve_the_picture_over_http() -> None:
    request, findings = build_picture_request(
        "http://127.0.0.1:9000/v2/picture", "t", ("http://127.0.0.1:9000/v2/userinfo",)
    )
    assert request is not None and findings == ()


def test_the_picture_is_the_image_that_came() -> None:
    result = process_picture_response(URL, answer(200, jpeg()))
    assert result.findings == ()
    assert result.data == jpeg() and result.image_type == "image/jpeg"
    assert result.status == 200


def test_an_image_of_another_type_than_its_content_type_says_is_a_warning() -> None:
    result = process_picture_response(URL, answer(200, PNG, "image/jpeg; charset=binary"))
    assert result.data == PNG
    assert ids(result.findings) == ["picture.content_type"]
    assert "image/png by its bytes" in result.findings[0].message


def test_a_page_instead_of_the_picture_is_an_error() -> None:
    result = process_picture_response(URL, answer(200, b"<html>log in</html>", "text/html"))
    assert result.data is None
    assert ids(result.findings) == ["picture.not_an_image"]
    assert result.findings[0].severity is Severity.ERROR


def test_an_empty_answer_is_an_error() -> None:
    result = process_picture_response(URL, answer(200, b""))
    assert ids(result.findings) == ["picture.empty"]


def test_a_refusal_is_explained_from_its_bearer_challenge() -> None:
    challenge = 'Bearer error="insufficient_scope", error_description="needs profile"'
    result = process_picture_response(
        URL, answer(403, b"", "text/plain", WWW_Authenticate=challenge)
    )
    assert result.data is None and result.status == 403
    (finding,) = result.findings
    assert finding.id == "picture.refused" and finding.severity is Severity.WARNING
    assert "HTTP 403, insufficient_scope" in finding.message
    assert '"needs profile"' in finding.message
    assert "profile scope or the picture claim" in finding.message


def test_a_refusal_without_a_challenge_says_its_status() -> None:
    result = process_picture_response(URL, answer(500, b"oops", "text/plain"))
    assert "HTTP 500, http_500" in result.findings[0].message
