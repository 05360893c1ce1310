"""The authorization response: read the URL the browser was sent back to, and check it.

:func:`parse_redirect` takes the redirect URL, captured on loopback or pasted by the user, and
returns its parameters with findings: a state that does not match (the code must then never
be redeemed), an ``iss`` from another issuer (RFC 9207 mix-up defence), a missing code, a
repeated parameter, a response in the fragment (wrong response_mode), a URL that is not this
flow's redirect URI, and the provider's error explained. It never raises: junk that is not a
URL gives ``redirect.not_a_url``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

from .findings import Finding, error, warning
from .oauth_errors import explain

#: Authorization response parameters (RFC 6749 4.1.2, 4.1.2.1, 4.2.2; RFC 9207; OIDC Core 3).
RESPONSE_PARAMS = frozenset(
    {
        "code",
        "state",
        "iss",
        "error",
        "error_description",
        "error_uri",
        "id_token",
        "access_token",
        "token_type",
        "expires_in",
        "session_state",
        "response",
    }
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN = 80


@dataclass(frozen=True)
class RedirectResult:
    """The parameters of one authorization response (the first value of a repeated one)."""

    url: str
    params: Mapping[str, str]
    code: str | None
    state: str | None
    iss: str | None
    error: str | None
    error_description: str | None


def parse_redirect(
    url: str,
    *,
    expected_state: str | None,
    expected_iss: str | None = None,
    redirect_uri: str | None = None,
) -> tuple[RedirectResult, list[Finding]]:
    """Read the authorization response in ``url`` and check it against what was sent."""
    text = "".join(url.split())  # a URL has no white space; a terminal may wrap a long one
    parts = _split(text)
    if parts is None:
        return _empty(text), [
            error(
                "redirect.not_a_url",
                f"expected the URL the browser was redirected to (e.g. "
                f"{redirect_uri or 'http://127.0.0.1:8765/callback'}?code=...&state=...), "
                f"got {_show(url.strip())}",
                "RFC 6749 4.1.2",
                "callback",
            )
        ]
    scheme, netloc, path, query, fragment = parts
    pairs = parse_qsl(query, keep_blank_values=True)
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)
    result = RedirectResult(
        url=text,
        params=MappingProxyType(params),
        code=params.get("code") or None,
        state=params.get("state"),
        iss=params.get("iss"),
        error=params.get("error") or None,
        error_description=params.get("error_description"),
    )
    findings: list[Finding] = []
    if redirect_uri is not None and not _same_endpoint(text, redirect_uri):
        findings.append(
            warning(
                "redirect.not_redirect_uri",
                f"the URL is {_show(_without_query(scheme, netloc, path))}, but this flow's "
                f"redirect URI is {_show(redirect_uri)}: is it the redirect of this flow?",
                "RFC 6749 3.1.2; OIDC Core 3.1.2.1 (redirect_uri)",
                "callback.url",
            )
        )
    findings += _duplicates(pairs)
    in_fragment = sorted(RESPONSE_PARAMS & {k for k, _ in parse_qsl(fragment)})
    if in_fragment:
        findings.append(
            error(
                "redirect.fragment_response",
                "expected the response in the query (response_mode=query for the code flow), "
                f"but the fragment carries {', '.join(in_fragment)}: the request asked for "
                "response_mode=fragment or an implicit/hybrid response_type, and a loopback "
                "server never sees the fragment",
                "OAuth 2.0 Multiple Response Type Encoding Practices 2.1; RFC 6749 4.1.2",
                "callback.fragment",
                parameters=in_fragment,
            )
        )
        if result.code is None and result.error is None:
            return result, findings
    findings += _check_state(result.state, expected_state)
    findings += _check_iss(result.iss, expected_iss)
    if result.error is not None:
        findings.append(explain("authorization", result.error, result.error_description or ""))
    elif result.code is None:
        findings.append(
            error(
                "redirect.code_missing",
                "expected a code (or an error) in the query of the redirect, got "
                + (
                    "an empty code"
                    if "code" in params
                    else f"the parameters {_names(params)}"
                    if params
                    else "no parameters"
                ),
                "RFC 6749 4.1.2",
                "callback.code",
            )
        )
    return result, findings


def _split(text: str) -> tuple[str, str, str, str, str] | None:
    """The parts of ``text`` when it reads as an absolute URL, else None."""
    if not _SCHEME.match(text) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() in _DEFAULT_PORTS and not parts.hostname:
        return None
    if not (parts.netloc or parts.path or parts.query):
        return None
    return parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment


def _empty(text: str) -> RedirectResult:
    return RedirectResult(text, MappingProxyType({}), None, None, None, None, None)


def _endpoint(url: str) -> tuple[str, str, int | None, str] | None:
    try:
        p = urlsplit(url)
        scheme = p.scheme.lower()
        return scheme, (p.hostname or ""), p.port or _DEFAULT_PORTS.get(scheme), p.path or "/"
    except ValueError:
        return None


def _same_endpoint(url: str, redirect_uri: str) -> bool:
    """Same scheme, host, port and path (the query of a redirect URI is not compared)."""
    ours = _endpoint(redirect_uri)
    return ours is not None and ours == _endpoint(url)


def _without_query(scheme: str, netloc: str, path: str) -> str:
    return f"{scheme}://{netloc}{path}" if netloc else f"{scheme}:{path}"


def _duplicates(pairs: list[tuple[str, str]]) -> list[Finding]:
    counts: dict[str, int] = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    out = []
    for name, n in counts.items():
        if n < 2:
            continue
        make = error if name in RESPONSE_PARAMS else warning
        out.append(
            make(
                "redirect.duplicate_parameter",
                f"expected each parameter once, got {name} {n} times; "
                "the first value is the one used",
                "RFC 6749 3.1",
                f"callback.params.{name}",
                parameter=name,
                count=n,
            )
        )
    return out


def _check_state(state: str | None, expected: str | None) -> list[Finding]:
    if expected is None:
        return []
    if state is None:
        return [
            error(
                "redirect.state_missing",
                f"expected state {_show(expected)} back, got no state: the response cannot be "
                "tied to this flow (CSRF), so the code must not be redeemed",
                "RFC 6749 4.1.2, 10.12",
                "callback.state",
            )
        ]
    if state != expected:
        return [
            error(
                "redirect.state_mismatch",
                f"expected state {_show(expected)}, got {_show(state)}: this response does not "
                "belong to this flow (CSRF or a stale tab), so the code must not be redeemed",
                "RFC 6749 4.1.2, 10.12; OIDC Core 3.1.2.7",
                "callback.state",
            )
        ]
    return []


def _check_iss(iss: str | None, expected: str | None) -> list[Finding]:
    if expected is None or iss is None or iss == expected:
        return []
    return [
        error(
            "redirect.iss_mismatch",
            f"expected iss {_show(expected)}, got {_show(iss)}: the response comes from "
            "another authorization server (mix-up attack?), so it must be rejected",
            "RFC 9207 2.4",
            "callback.iss",
        )
    ]


def _names(params: Mapping[str, str]) -> str:
    return ", ".join(_show(k) for k in list(params)[:10])


def _show(value: str) -> str:
    """``value`` quoted, and cut when it is long."""
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


__all__ = ["RESPONSE_PARAMS", "RedirectResult", "parse_redirect"]
