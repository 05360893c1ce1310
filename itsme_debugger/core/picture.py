"""The ``picture`` claim: the user's ID picture, a URL to fetch with the access token.

itsme®: "Returns user's ID picture, represented as a URL string [...] Accessing this URL has
to be done with your bearer token" (``GET /v2/picture``, ``Authorization: Bearer ...``). Unlike
``physical_person_photo`` (the image itself, base64 in the claims), it takes one more request.

The access token goes to the provider only: a URL at another origin than the provider's
UserInfo endpoint or issuer is not fetched, and a finding says so. The answer must be an image,
told by its first bytes (JPEG, JPEG 2000, PNG, GIF, WebP), and its Content-Type should say the
same. An error answer is explained (RFC 6750 3.1) without ending the flow: the picture is extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .findings import Finding, error, warning
from .http import HttpRequest, HttpResponse, is_loopback_host
from .userinfo import bearer_error

_REF = "itsme v2: Claims, picture"
_REF_BEARER = "RFC 6750 3.1"
#: Image formats by their first bytes: (prefix, offset of a second mark, second mark, MIME type).
_SIGNATURES: tuple[tuple[bytes, int, bytes, str], ...] = (
    (b"\xff\xd8\xff", 0, b"", "image/jpeg"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", 0, b"", "image/jp2"),
    (b"\xff\x4f\xff\x51", 0, b"", "image/jp2"),  # a bare JPEG 2000 codestream
    (b"\x89PNG\r\n\x1a\n", 0, b"", "image/png"),
    (b"GIF87a", 0, b"", "image/gif"),
    (b"GIF89a", 0, b"", "image/gif"),
    (b"RIFF", 8, b"WEBP", "image/webp"),
)


@dataclass(frozen=True)
class PictureResult:
    """What came of the ``picture`` URL: the image (None when none came) and the findings."""

    url: str
    status: int | None
    content_type: str
    data: bytes | None
    findings: tuple[Finding, ...]

    @property
    def image_type(self) -> str | None:
        """The MIME type the image's first bytes tell, or None."""
        return sniff_image(self.data) if self.data else None


def picture_url(*claim_sets: Mapping[str, Any] | None) -> str | None:
    """The first ``picture`` claim that is a string, in the order given (UserInfo first)."""
    for claims in claim_sets:
        value = claims.get("picture") if claims is not None else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def sniff_image(data: bytes) -> str | None:
    """The MIME type of an image by its first bytes, or None when they are no known image."""
    for prefix, offset, mark, mime in _SIGNATURES:
        if data.startswith(prefix) and (not mark or data[offset : offset + len(mark)] == mark):
            return mime
    return None


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    default = {"https": 443, "http": 80}[parts.scheme]
    return parts.scheme, parts.hostname.lower(), port if port is not None else default


def build_picture_request(
    url: str, access_token: str, provider_urls: Iterable[str | None]
) -> tuple[HttpRequest | None, tuple[Finding, ...]]:
    """GET ``url`` with the access token as a Bearer token (RFC 6750 2.1), when ``url`` is an
    http(s) URL at the origin of one of ``provider_urls``; else None and why."""
    origin = _origin(url)
    where = "userinfo.picture"
    if origin is None:
        return None, (
            warning(
                "picture.url_invalid",
                f"the picture claim {url[:200]!r} is not an http(s) URL: it was not fetched",
                _REF,
                where,
            ),
        )
    scheme, host, _port = origin
    if scheme == "http" and not is_loopback_host(host):
        return None, (
            warning(
                "picture.not_https",
                f"the picture URL {url[:200]} is plain http: the access token would travel "
                "unprotected, so it was not fetched",
                "RFC 6750 5.3",
                where,
            ),
        )
    allowed = {o for o in map(_origin, (u for u in provider_urls if u)) if o is not None}
    if origin not in allowed:
        return None, (
            warning(
                "picture.other_origin",
                f"the picture URL {url[:200]} is not at the provider's origin "
                f"({', '.join(sorted(f'{s}://{h}:{p}' for s, h, p in allowed)) or 'unknown'}): "
                "the access token is sent to the provider only, so it was not fetched",
                "RFC 6750 5.3",
                where,
            ),
        )
    request = HttpRequest(
        "GET",
        url,
        (("Authorization", f"Bearer {access_token}"), ("Accept", "image/*")),
        secret_fields=frozenset({"authorization"}),
    )
    return request, ()


def process_picture_response(url: str, resp: HttpResponse) -> PictureResult:
    """The image of the picture URL's answer, with findings; an error answer is a finding."""
    ctype = (resp.header("content-type") or "").split(";")[0].strip().lower()
    where = "userinfo.picture"
    if not 200 <= resp.status < 300:
        exc = bearer_error(resp, "picture")  # the same challenge as UserInfo's
        said = f': "{exc.description.strip()[:300]}"' if exc.description.strip() else ""
        hint = (
            "; the picture needs an access token granted with the profile scope or the "
            "picture claim"
            if exc.error == "insufficient_scope"
            else ""
        )
        finding = warning(
            "picture.refused",
            f"the provider refused the picture with HTTP {resp.status}, {exc.error}{said}{hint}",
            _REF_BEARER,
            where,
            status=resp.status,
            error=exc.error,
        )
        return PictureResult(url, resp.status, ctype, None, (finding,))
    if not resp.body:
        finding = error("picture.empty", "the picture URL answered with an empty body", _REF, where)
        return PictureResult(url, resp.status, ctype, None, (finding,))
    kind = sniff_image(resp.body)
    if kind is None:
        finding = error(
            "picture.not_an_image",
            f"the picture URL answered {len(resp.body)} bytes of {ctype or 'no Content-Type'} "
            "that are no JPEG, JPEG 2000, PNG, GIF or WebP image",
            _REF,
            where,
        )
        return PictureResult(url, resp.status, ctype, None, (finding,))
    findings: tuple[Finding, ...] = ()
    if ctype != kind and not (kind == "image/jp2" and ctype in ("image/jpx", "image/jpm")):
        findings = (
            warning(
                "picture.content_type",
                f"the picture is {kind} by its bytes, but its Content-Type says "
                f"{ctype or 'nothing'}",
                "RFC 9110 8.3",
                where,
            ),
        )
    return PictureResult(url, resp.status, ctype, resp.body, findings)


def fetch_failed(url: str, reason: str) -> PictureResult:
    """The picture URL gave no answer (the network, a timeout): a warning, the flow goes on."""
    finding = warning(
        "picture.fetch_failed",
        f"the picture could not be fetched: {reason}",
        _REF,
        "userinfo.picture",
    )
    return PictureResult(url, None, "", None, (finding,))


def not_fetched(url: str, findings: tuple[Finding, ...]) -> PictureResult:
    """The picture URL was not fetched, for ``findings``."""
    return PictureResult(url, None, "", None, findings)
