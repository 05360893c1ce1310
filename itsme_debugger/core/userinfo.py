"""UserInfo: build the request, process the response (OIDC Core 5.3).

The response is JSON, or a JWT (signed and/or encrypted; itsme signs then encrypts it) that
``core.jose.inspect`` peels with the prefix ``userinfo``. Its ``sub`` must equal the ID token's
(OIDC Core 5.3.2). An HTTP error raises :class:`~itsme_debugger.core.errors.OAuthError`
(``error`` from ``WWW-Authenticate: Bearer error=...`` or from a JSON body, RFC 6750 3.1); a
body that is neither JSON nor a JWT raises :class:`~itsme_debugger.core.errors.MalformedResponse`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk

from .errors import MalformedResponse, OAuthError
from .findings import Finding, error, info, warning
from .http import HttpRequest, HttpResponse
from .jose import DEFAULT_POLICY, Inspection, Policy, inspect, peek

_REF = "OIDC Core 5.3.2"
_AUTH_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))')


@dataclass(frozen=True)
class UserInfoResult:
    format: str  # "json" | "jwt"
    claims: dict[str, Any] | None
    inspection: Inspection | None
    findings: tuple[Finding, ...]


def build_userinfo_request(endpoint: str, access_token: str) -> HttpRequest:
    """GET the UserInfo endpoint with the access token as a Bearer token (RFC 6750 2.1)."""
    return HttpRequest(
        "GET",
        endpoint,
        (("Authorization", f"Bearer {access_token}"),),
        secret_fields=frozenset({"authorization"}),
    )


def process_userinfo_response(
    resp: HttpResponse,
    *,
    expected_sub: str | None,
    issuer: str,
    client_id: str,
    decryption_keys: jwk.JWKSet | None = None,
    verification_keys: jwk.JWKSet | None = None,
    client_secret: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> UserInfoResult:
    """The claims of a UserInfo response, with findings; raises on an error response."""
    if not 200 <= resp.status < 300:
        raise bearer_error(resp)
    try:
        text = resp.body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise MalformedResponse(f"the UserInfo body is not UTF-8 text ({exc})") from exc
    findings: list[Finding] = []
    ctype = resp.content_type
    if ctype == "application/jwt" or peek(text)[0] != "unknown":
        # A JWT may be encrypted only (OIDC Core 5.3.2), so a signature is not required here.
        insp = inspect(
            text,
            prefix="userinfo",
            decryption_keys=decryption_keys,
            verification_keys=verification_keys,
            client_secret=client_secret,
            policy=dataclasses.replace(policy, require_signature=False),
        )
        findings += insp.findings
        _content_type(findings, ctype, "application/jwt")
        if insp.signed and insp.claims is not None:
            findings += _iss_aud(insp.claims, issuer, client_id)
        claims, fmt = insp.claims, "jwt"
    else:
        claims, insp, fmt = _json_claims(text), None, "json"
        _content_type(findings, ctype, "application/json")
        if policy.require_encryption:
            findings.append(
                error(
                    "userinfo.not_encrypted",
                    "expected the UserInfo response as a signed and encrypted JWT,"
                    " received plain JSON",
                    "itsme v2: UserInfo Request (signed and encrypted JWT)",
                    "userinfo",
                )
            )
    if claims is not None:
        findings += _sub(claims, expected_sub)
    return UserInfoResult(fmt, claims, insp, tuple(findings))


def _json_claims(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedResponse(
            f"the UserInfo body is neither JSON nor a JWT: {text[:80]!r}"
        ) from exc
    if not isinstance(value, dict):
        raise MalformedResponse(
            f"the UserInfo body must be a JSON object, received {type(value).__name__}"
        )
    return value


def _content_type(findings: list[Finding], ctype: str, expected: str) -> None:
    if ctype != expected:
        findings.append(
            info(
                "userinfo.content_type_mismatch",
                f"the body is {'a JWT' if expected == 'application/jwt' else 'JSON'};"
                f" expected Content-Type {expected}, received {ctype or '(none)'}",
                _REF,
                "userinfo.headers.content-type",
            )
        )


def _sub(claims: dict[str, Any], expected_sub: str | None) -> list[Finding]:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        return [
            error(
                "userinfo.sub_missing",
                f"expected sub (always returned), received {sub!r}",
                _REF,
                "userinfo.claims.sub",
            )
        ]
    if expected_sub is None:
        return [
            info(
                "userinfo.sub_unchecked",
                "sub could not be compared: there is no ID token sub",
                _REF,
                "userinfo.claims.sub",
            )
        ]
    if sub != expected_sub:
        return [
            error(
                "userinfo.sub_mismatch",
                f"expected sub {expected_sub!r} (the ID token's), received {sub!r}:"
                " the UserInfo response must not be used",
                _REF,
                "userinfo.claims.sub",
            )
        ]
    return []


def _iss_aud(claims: dict[str, Any], issuer: str, client_id: str) -> list[Finding]:
    """A signed UserInfo response SHOULD carry iss and aud (OIDC Core 5.3.2)."""
    out = []
    iss, aud = claims.get("iss"), claims.get("aud")
    if iss != issuer:
        code = "iss_missing" if iss is None else "iss_mismatch"
        out.append(
            warning(
                f"userinfo.{code}",
                f"expected iss {issuer!r} in the signed response, received {iss!r}",
                _REF,
                "userinfo.claims.iss",
            )
        )
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        code = "aud_missing" if aud is None else "aud_mismatch"
        out.append(
            warning(
                f"userinfo.{code}",
                f"expected aud to be or contain {client_id!r} in the signed response,"
                f" received {aud!r}",
                _REF,
                "userinfo.claims.aud",
            )
        )
    return out


def bearer_error(resp: HttpResponse, endpoint: str = "userinfo") -> OAuthError:
    """The OAuthError of a non-2xx answer to a Bearer request (its RFC 6750 3.1 challenge,
    else a JSON body)."""
    params = {
        m.group(1).lower(): re.sub(r"\\(.)", r"\1", m.group(2))
        if m.group(2) is not None
        else m.group(3)
        for m in _AUTH_PARAM.finditer(resp.header("www-authenticate") or "")
    }
    code, description = params.get("error"), params.get("error_description", "")
    if not code:
        try:
            body = resp.json()
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            code = body["error"]
            detail = body.get("error_description") or body.get("detail") or ""
            description = detail if isinstance(detail, str) else json.dumps(detail)
    if not code:
        code = f"http_{resp.status}"
        challenge = resp.header("www-authenticate")
        description = f"WWW-Authenticate: {challenge}" if challenge else resp.text()[:200]
    return OAuthError(code, description, status=resp.status, endpoint=endpoint)
