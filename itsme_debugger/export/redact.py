"""Redaction: secrets and personal data masked so that the structure stays readable.

Every export goes through a :class:`Redactor` (on by default). What it masks:

- secrets by name, in URL queries and fragments (``Location`` headers too), form and JSON
  bodies and headers: client secrets and assertions, authorization codes, code verifiers,
  access / ID / refresh tokens, request objects, hints (:data:`SECRET_NAMES`), plus the names
  an :class:`HttpRequest` lists in ``secret_fields``; ``Authorization``, ``Cookie`` and
  ``Set-Cookie`` headers (the scheme and cookie names stay);
- any compact JWT / JWE, wherever it is: only its header is kept,
  ``eyJhbGciOi...: «redacted JWE, 5 parts, 812 chars»``;
- private key members of a JWK (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``k``, ``oth``);
- personal data: the claims the catalogue flags ``personal`` and the standard OIDC ones, in a
  claims set (a UserInfo body, a decoded token, any ``claims`` member) and the attributes of a
  Signicat session's ``subject``: a value becomes ``«redacted, 6 chars»``, an object keeps its
  keys, the photo becomes ``«redacted image/jpeg, 3026 bytes»``; image bodies likewise;
- any masked value that a response or a message repeats elsewhere (an error description that
  echoes the code, a finding that quotes a claim) is replaced by ``«redacted»``.

With ``reveal=True`` every method gives its input back unchanged.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from itsme_debugger.core.catalogue import catalogue, short_name
from itsme_debugger.core.http import Headers, HttpRequest, HttpResponse
from itsme_debugger.core.jose import peek
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import SECRET_PARAMS, FlowResult, build_report
from itsme_debugger.core.trace import Exchange

#: Parameter, field and JSON member names whose values are secrets (compared lower-case).
SECRET_NAMES = SECRET_PARAMS | frozenset(
    {
        "id_token_hint",
        "login_hint",
        "login_hint_token",
        "assertion",
        "password",
        "device_code",
        "subject_token",
        "actor_token",
        "client_assertion_jwt",
    }
)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: Headers whose value is a URL (a redirect's Location may carry the code).
URL_HEADERS = frozenset({"location", "content-location", "referer"})
_SPECIAL_HEADERS = SECRET_HEADERS | URL_HEADERS
#: Personal claims of OIDC Core 5.1 that the itsme® catalogue does not list, and the personal
#: attributes of a Signicat REST API session's ``subject``.
OTHER_PERSONAL = frozenset(
    {"middle_name", "nickname", "preferred_username", "profile"}
    | {"firstName", "middleName", "lastName", "dateOfBirth", "nin", "email"}
)
#: JSON members that hold a set of claims (or a session's subject attributes).
CLAIMS_MEMBERS = frozenset({"claims", "subject"})
JWK_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
#: What replaces a masked value that turns up again inside other text.
REDACTED = "«redacted»"
#: Shorter values are not looked for inside other text (too many false hits).
_MIN_ECHO = 4
_MAX_HEADER_SHOWN = 300
#: A masked value and the encodings it may turn up in (plain, URL-encoded).
Echoes = Mapping[str, tuple[str, ...]]
_NONE: Echoes = MappingProxyType({})
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?")


@cache
def personal_claims() -> frozenset[str]:
    """Claim names (full and short) whose values are personal data."""
    names = {name for name, info in catalogue().items() if info.personal}
    return frozenset(names | {short_name(n) for n in names} | OTHER_PERSONAL)


def is_personal(name: str) -> bool:
    return name in personal_claims()


def jwt_kind(value: str) -> str | None:
    """The kind of a compact token ("JWE", "JWS", "unsecured JWT"); None for other text."""
    if not value.startswith("eyJ") or not _JWT.fullmatch(value):
        return None
    return _kind_of(value.split(".", 1)[0], value.count(".") + 1)


@lru_cache(maxsize=256)
def _kind_of(header: str, parts: int) -> str | None:
    """The token kind for a header segment (a flow repeats few headers: they are cached)."""
    kind = peek(header + "." * (parts - 1))[0]
    return {"JWE": "JWE", "JWS": "JWS", "unsecured": "unsecured JWT"}.get(kind)


@lru_cache(maxsize=64)
def _members(names: frozenset[str]) -> re.Pattern[str]:
    """Finds a JSON member named one of ``names``, a JWK private member or a claims set."""
    members = names | JWK_PRIVATE | CLAIMS_MEMBERS
    alternatives = "|".join(re.escape(n.lower()) for n in sorted(members))
    return re.compile(f'"(?:{alternatives})"\\s*:')


def _may_hold_secrets(text: str, secrets: frozenset[str], masked: Echoes) -> bool:
    """False when a JSON text surely has nothing to mask: a quick scan before a walk."""
    return (
        "eyJ" in text
        or "?" in text
        or "#" in text
        or _members(secrets).search(text.lower()) is not None
        or any(form in text for forms in masked.values() for form in forms)
    )


@lru_cache(maxsize=1024)
def _form_quote(mask: str) -> str:
    """A mask, form-encoded (masks repeat: «redacted, 36 chars» for every code)."""
    return quote_plus(mask, safe="")


def _chars(value: str) -> str:
    return f"«redacted, {len(value)} chars»"


def _photo(value: Any) -> str | None:
    """The mask of an image claim ``{format: image/..., value: base64}``, else None."""
    if not isinstance(value, Mapping):
        return None
    fmt, data = value.get("format"), value.get("value")
    if not (isinstance(fmt, str) and fmt.startswith("image/") and isinstance(data, str)):
        return None
    size = len("".join(data.split()).rstrip("=")) * 3 // 4
    return f"«redacted {fmt}, {size} bytes»"


class Redactor:
    """Masks values of one export; remembers what it masked to catch it repeated elsewhere."""

    def __init__(self, *, reveal: bool = False) -> None:
        self.reveal = reveal
        #: Every masked value long enough to be looked for in other text, with its encodings.
        self.masked: dict[str, tuple[str, ...]] = {}
        self._local: dict[str, tuple[str, ...]] | None = None

    def _remember(self, value: str) -> None:
        if len(value) < _MIN_ECHO or value in self.masked:
            if self._local is not None and value in self.masked:
                self._local[value] = self.masked[value]
            return
        forms = tuple(dict.fromkeys((value, quote_plus(value, safe=""), quote(value, safe=""))))
        self.masked[value] = forms
        if self._local is not None:
            self._local[value] = forms

    # -- single values -----------------------------------------------------------------------

    def secret(self, value: str) -> str:
        """A token shows its header and shape; any other secret its length."""
        if self.reveal:
            return value
        self._remember(value)
        kind = jwt_kind(value)
        if kind is None:
            return _chars(value)
        parts = value.split(".")
        header = parts[0]
        if len(header) > _MAX_HEADER_SHOWN:
            header = header[:_MAX_HEADER_SHOWN] + "…"
        return f"{header}: «redacted {kind}, {len(parts)} parts, {len(value)} chars»"

    def personal(self, value: Any) -> Any:
        """A personal claim value: masked leaf by leaf, keys and lists kept; None stays."""
        if self.reveal or value is None:
            return value
        photo = _photo(value)
        if photo is not None:
            self._remember(str(value.get("value")))
            return photo
        if isinstance(value, Mapping):
            return {k: self.personal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.personal(v) for v in value]
        if isinstance(value, str):
            self._remember(value)
            return _chars(value)
        return f"«redacted {type(value).__name__}»"

    def claims(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """A claims set: personal claims masked, tokens and secrets masked, the rest kept."""
        return {
            k: self.personal(v) if is_personal(k) else self.json(v, key=k)
            for k, v in claims.items()
        }

    def text(self, value: str, masked: Echoes | None = None) -> str:
        """``value`` with any masked value (plain or URL-encoded) replaced by «redacted».

        ``masked``: the values to look for (default: every value masked so far).
        """
        if self.reveal or not value:
            return value
        for forms in (self.masked if masked is None else masked).values():
            for form in forms:
                if form in value:
                    value = value.replace(form, REDACTED)
        return value

    def json(
        self,
        value: Any,
        *,
        key: str = "",
        secrets: frozenset[str] = SECRET_NAMES,
        masked: Echoes | None = None,
    ) -> Any:
        """A JSON value, walked: see the module docstring for what is masked."""
        if self.reveal:
            return value
        if isinstance(value, str):
            if key.lower() in secrets or jwt_kind(value):
                return self.secret(value)
            if value.startswith(("http://", "https://")) and ("?" in value or "#" in value):
                return self.url(value, secrets)
            return self.text(value, masked)
        if isinstance(value, Mapping):
            if key in CLAIMS_MEMBERS:
                return self.claims(value)
            private = JWK_PRIVATE if "kty" in value else frozenset()
            return {
                k: (
                    self.personal(v)
                    if k in private
                    else self.json(v, key=k, secrets=secrets, masked=masked)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json(v, key=key, secrets=secrets, masked=masked) for v in value]
        return value

    # -- HTTP --------------------------------------------------------------------------------

    def params(self, text: str, secrets: frozenset[str] = SECRET_NAMES) -> str:
        """A query string or form body, masked field by field; untouched fields stay as sent."""
        if self.reveal or not text:
            return text
        out = []
        for part in text.split("&"):
            raw_name, sep, raw = part.partition("=")
            name = unquote_plus(raw_name) if "%" in raw_name or "+" in raw_name else raw_name
            # A token is base64url: its characters are never percent-encoded.
            if sep and raw and (name.lower() in secrets or jwt_kind(raw)):
                part = f"{raw_name}={_form_quote(self.secret(unquote_plus(raw)))}"
            out.append(part)
        return "&".join(out)

    def url(self, url: str, secrets: frozenset[str] = SECRET_NAMES) -> str:
        if self.reveal or ("?" not in url and "#" not in url):
            return url
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        return urlunsplit(
            parts._replace(
                query=self.params(parts.query, secrets),
                fragment=self.params(parts.fragment, secrets),
            )
        )

    def header(self, name: str, value: str, secrets: frozenset[str] = SECRET_NAMES) -> str:
        lname = name.lower()
        if self.reveal:
            return value
        if lname in URL_HEADERS:
            return self.url(value, secrets)
        if lname not in SECRET_HEADERS and lname not in secrets:
            return value
        if lname in ("cookie", "set-cookie"):
            pairs = value.split(";") if lname == "cookie" else value.split(";", 1)[:1]
            rest = value.split(";", 1)[1:] if lname == "set-cookie" else []
            masked = []
            for pair in pairs:
                cname, sep, cvalue = pair.partition("=")
                masked.append(f"{cname}={self.secret(cvalue)}" if sep else self.secret(pair))
            return ";".join(masked + rest)
        scheme, sep, credentials = value.partition(" ")
        if sep and scheme.isalpha() and credentials:
            if scheme.lower() == "basic":
                self._remember_basic(credentials.strip())
            return f"{scheme} {self.secret(credentials.strip())}"
        return self.secret(value)

    def _remember_basic(self, credentials: str) -> None:
        """The client secret inside HTTP Basic credentials, to catch it echoed elsewhere."""
        try:
            pair = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return
        _, sep, secret = pair.partition(":")
        if sep:
            self._remember(unquote_plus(secret))

    def body(
        self,
        body: bytes,
        content_type: str,
        secrets: frozenset[str] = SECRET_NAMES,
        *,
        claims: bool = False,
        masked: Echoes = _NONE,
    ) -> bytes:
        """A body masked according to what it holds; unchanged when nothing is to mask."""
        if self.reveal or not body:
            return body
        ctype = content_type.split(";")[0].strip().lower()
        if ctype.startswith("image/"):
            return f"«redacted {ctype}, {len(body)} bytes»".encode()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        stripped = text.strip()
        if jwt_kind(stripped):
            return self.secret(stripped).encode("utf-8")
        if ctype == "application/x-www-form-urlencoded":
            out = self.params(text, secrets)
            return self.text(out, masked).encode("utf-8")
        if stripped[:1] in ("{", "[") or ctype.endswith("json"):
            if not claims and not _may_hold_secrets(text, secrets, masked):
                return body
            try:
                doc = json.loads(text)
            except ValueError:
                pass
            else:
                shown = (
                    self.claims(doc)
                    if claims and isinstance(doc, dict)
                    else self.json(doc, secrets=secrets, masked=masked)
                )
                if shown == doc:
                    return body
                return json.dumps(shown, ensure_ascii=False).encode("utf-8")
        return self.text(text, masked).encode("utf-8")

    def request(self, request: HttpRequest) -> HttpRequest:
        if self.reveal:
            return request
        secrets = (
            SECRET_NAMES | {s.lower() for s in request.secret_fields}
            if request.secret_fields
            else SECRET_NAMES
        )
        return HttpRequest(
            request.method,
            self.url(request.url, secrets),
            self._headers(request.headers, secrets),
            self.body(request.body, request.header("content-type") or "", secrets),
            request.secret_fields,
        )

    def _headers(self, headers: Headers, secrets: frozenset[str]) -> Headers:
        special = _SPECIAL_HEADERS | secrets
        return tuple(
            (k, self.header(k, v, secrets) if k.lower() in special else v) for k, v in headers
        )

    def response(
        self, response: HttpResponse, *, claims: bool = False, masked: Echoes = _NONE
    ) -> HttpResponse:
        if self.reveal:
            return response
        body = self.body(response.body, response.content_type, claims=claims, masked=masked)
        url = self.url(response.url)
        headers = self._headers(response.headers, SECRET_NAMES)
        if body is response.body and url is response.url and headers == response.headers:
            return response
        return HttpResponse(response.status, headers, body, url, response.elapsed_ms)

    def exchange(self, exchange: Exchange) -> Exchange:
        """The exchange masked; what its request sent is also masked where its response echoes."""
        if self.reveal:
            return exchange
        self._local = {}
        try:
            request = self.request(exchange.request)
            response = None
            if exchange.response is not None:
                claims = exchange.step == "userinfo"
                response = self.response(exchange.response, claims=claims, masked=self._local)
        finally:
            local, self._local = self._local, None
        return Exchange(
            exchange.index,
            exchange.step,
            request,
            response,
            started=exchange.started,
            elapsed_ms=exchange.elapsed_ms,
            error=self.text(exchange.error, local) if exchange.error else exchange.error,
            kind=exchange.kind,
            note=self.text(exchange.note, local),
            extra=exchange.extra,
        )

    def scrub(self, value: Any) -> Any:
        """Every string in ``value`` with any value masked so far replaced by «redacted»."""
        if self.reveal:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def report(self, report: Mapping[str, Any]) -> dict[str, Any]:
        """A ``build_report(..., reveal=True)`` report, masked.

        Its free text (step messages, findings, the error) is scrubbed last, once every
        value of the report has been masked.
        """
        if self.reveal:
            return dict(report)
        shown: dict[str, Any] = self.json(report, masked=_NONE)
        shown["steps"] = [
            {**step, "message": self.text(step["message"])} if "message" in step else step
            for step in shown.get("steps", [])
        ]
        for key in ("findings", "error"):
            if key in shown:
                shown[key] = self.scrub(shown[key])
        return shown


# ---------------------------------------------------------------------------------------------
# What the exports show of a flow


def profile_summary(profile: Profile, redactor: Redactor) -> dict[str, Any]:
    """The profile's settings without secrets or key material, whatever ``reveal`` says."""
    client = profile.client
    if client.client_secret:
        secret = "set in the profile (not shown)"
    elif client.client_secret_env:
        secret = f"from the environment variable {client.client_secret_env} (not shown)"
    else:
        secret = None
    params = {k: redactor.json(v, key=k) for k, v in profile.request.params.items()}
    return {
        "name": profile.name,
        "provider": {
            "issuer": profile.provider.issuer,
            "variant": profile.provider.variant,
            **(
                {"endpoints": dict(profile.provider.endpoints)}
                if profile.provider.endpoints
                else {}
            ),
        },
        "client": {
            "client_id": client.client_id,
            "auth_method": client.auth_method,
            "redirect_uri": client.redirect_uri,
            "keys": Path(client.keys).name if client.keys else None,
            "client_secret": secret,
            "encrypt_assertion": client.encrypt_assertion,
        },
        "request": {
            "scope": " ".join(profile.request.scope),
            "pkce": profile.request.pkce,
            "request_object": profile.request.request_object,
            "params": params,
            "claims": profile.request.claims.to_dict(),
        },
        "flow": {
            "timeout": profile.flow.timeout,
            "verify_tls": profile.flow.verify_tls,
            "userinfo": profile.flow.userinfo,
            "revoke": profile.flow.revoke,
            "leeway": profile.flow.leeway,
            "redirect": profile.flow.redirect,
        },
    }


@dataclass(frozen=True)
class ExportView:
    """What every export format shows of a flow, masked unless ``reveal``.

    ``exchanges`` pairs each original exchange (for sizes) with the one to show; ``report`` is
    the ``--json`` report (None without a result), ``profile`` :func:`profile_summary`.
    """

    exchanges: tuple[tuple[Exchange, Exchange], ...]
    report: dict[str, Any] | None
    profile: dict[str, Any] | None
    redactor: Redactor

    @property
    def redacted(self) -> bool:
        return not self.redactor.reveal


def prepare(
    trace: Iterable[Exchange],
    result: FlowResult | None = None,
    profile: Profile | None = None,
    *,
    reveal: bool = False,
) -> ExportView:
    redactor = Redactor(reveal=reveal)
    pairs = tuple((ex, redactor.exchange(ex)) for ex in trace)
    report = redactor.report(build_report(result, reveal=True)) if result is not None else None
    summary = profile_summary(profile, redactor) if profile is not None else None
    return ExportView(pairs, report, summary, redactor)
