"""The Authorization Request: its parameters, the URL, and the provider rules it must follow.

Every parameter of the itsme® v2 reference (seed 003, "Authorization Request") plus the OIDC
Core 3.1.2.1 ones itsme® uses in its example (prompt, max_age). :func:`lint_authorization_request`
checks a request against the rules of the chosen provider variant and its discovery document.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from .claims import ClaimsRequest, lint_claims_request
from .findings import Finding, error, info, warning
from .http import is_loopback_host
from .profile import Profile, infer_variant

ITSME_VARIANTS = frozenset({"itsme-v2", "itsme-secret", "demo"})
ITSME_SCOPES = frozenset({"openid", "profile", "email", "address", "phone", "eid"})
SIGNICAT_SCOPES = frozenset({"openid", "profile", "name", "email", "address", "phone"})
ITSME_UI_LOCALES = ("fr", "nl", "de", "en")
ITSME_ACR_BASIC = "http://itsme.services/v2/claim/acr_basic"
ITSME_ACR_ADVANCED = "http://itsme.services/v2/claim/acr_advanced"
SIGNICAT_ACR = "idp:itsme"
OIDC_DISPLAY = ("page", "popup", "touch", "wap")
OIDC_PROMPT = ("none", "login", "consent", "select_account", "create")
#: Fewer characters than this is too little entropy for state / nonce (96 bits base64url).
MIN_RANDOM_LENGTH = 16

_ITSME = "itsme v2: Authorization Request, "
_CORE = "OIDC Core 3.1.2.1"
_REQUEST_URI_REF = _ITSME + "request_uri; itsme onboarding: Request URI"
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_ORDER = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "ui_locales",
    "display",
    "acr_values",
    "login_hint",
    "claims",
    "request",
    "request_uri",
)
_ITSME_PARAMS = frozenset(_ORDER) - {"login_hint"}


@dataclass(frozen=True)
class AuthorizationParams:
    """The parameters of one authorization request; None (or "") means "not sent"."""

    client_id: str
    redirect_uri: str
    scope: tuple[str, ...] = ("openid",)
    response_type: str = "code"
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    ui_locales: str | None = None
    display: str | None = None
    acr_values: str | None = None
    prompt: str | None = None
    max_age: int | None = None
    login_hint: str | None = None
    claims: ClaimsRequest | None = None
    request: str | None = None
    request_uri: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def to_query(self) -> list[tuple[str, str]]:
        """The parameters that are set, in a stable readable order, then ``extra``."""
        values: dict[str, str | None] = {
            "scope": " ".join(self.scope),
            "max_age": str(self.max_age) if self.max_age is not None else None,
            "claims": self.claims.to_json() if self.claims is not None else None,
        }
        pairs = [(name, values.get(name, getattr(self, name))) for name in _ORDER]
        return [(k, v) for k, v in pairs if v] + list(self.extra)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


#: Profile [request] keys that map onto AuthorizationParams fields of the same name.
PROFILE_PARAMS = frozenset({"prompt", "acr_values", "ui_locales", "login_hint", "display"})


def authorization_params(
    profile: Profile, *, state: str, nonce: str, code_challenge: str | None
) -> tuple[AuthorizationParams, list[Finding]]:
    """The Authorization Request a profile describes, with the given state, nonce and challenge.

    The one place that maps a profile onto parameters: the flow engine and the composer's
    preview both call it. A ``max_age`` that is not a whole number is left out and reported.
    """
    p = dict(profile.request.params)
    problems: list[Finding] = []
    max_age: int | None = None
    max_age_text = p.pop("max_age", None)
    if max_age_text is not None:
        max_age = _int(max_age_text)
        if max_age is None:
            problems.append(_max_age_invalid(max_age_text))
    response_type = p.pop("response_type", "code")
    own = PROFILE_PARAMS | {"request_uri"}
    params = AuthorizationParams(
        client_id=profile.client.client_id,
        redirect_uri=profile.client.redirect_uri,
        scope=profile.request.scope,
        response_type=response_type,
        state=state,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method="S256" if code_challenge else None,
        max_age=max_age,
        claims=None if profile.request.claims.is_empty() else profile.request.claims,
        extra=tuple((k, v) for k, v in p.items() if k not in own),
        **{k: v for k, v in p.items() if k in own},
    )
    return params, problems


def build_authorization_url(endpoint: str, params: AuthorizationParams) -> str:
    """The URL to open in the browser; a query already in ``endpoint`` is kept, verbatim."""
    base, hash_mark, fragment = endpoint.partition("#")
    sep = "" if base.endswith(("?", "&")) else "&" if "?" in base else "?"
    return base + sep + urlencode(params.to_query()) + hash_mark + fragment


def parse_authorization_url(url: str) -> tuple[str, AuthorizationParams, list[Finding]]:
    """Read an authorization URL back: (endpoint without query, params, findings).

    Never raises: a bad ``claims`` JSON, a non-integer ``max_age`` or a repeated parameter is
    a finding. Parameters the debugger does not model go to ``extra``.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return (
            url,
            AuthorizationParams("", ""),
            [error("request.url_invalid", f"not a URL: {exc}", "RFC 3986", "request")],
        )
    endpoint = urlunsplit(parts._replace(query="", fragment=""))
    findings: list[Finding] = []
    known: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in seen:
            findings.append(
                error(
                    "request.parameter_repeated",
                    f"{name} appears more than once"
                    + ("; the debugger reads the first" if name in _ORDER else ""),
                    "RFC 6749 3.1",
                    f"request.{name}",
                )
            )
        seen.add(name)
        if name not in _ORDER:
            extra.append((name, value))
        else:
            known.setdefault(name, value)
    claims = None
    if known.get("claims"):
        try:
            claims = ClaimsRequest.from_json(known["claims"])
        except ValueError as exc:
            findings.append(error("request.claims_invalid", str(exc), "OIDC Core 5.5", "request"))
    max_age = None
    if known.get("max_age"):
        max_age = _int(known["max_age"])
        if max_age is None:
            findings.append(_max_age_invalid(known["max_age"]))

    def optional(name: str) -> str | None:
        return known.get(name) or None

    params = AuthorizationParams(
        client_id=known.get("client_id", ""),
        redirect_uri=known.get("redirect_uri", ""),
        scope=tuple(known.get("scope", "").split()),
        response_type=known.get("response_type", ""),
        state=optional("state"),
        nonce=optional("nonce"),
        code_challenge=optional("code_challenge"),
        code_challenge_method=optional("code_challenge_method"),
        ui_locales=optional("ui_locales"),
        display=optional("display"),
        acr_values=optional("acr_values"),
        prompt=optional("prompt"),
        max_age=max_age,
        login_hint=optional("login_hint"),
        claims=claims,
        request=optional("request"),
        request_uri=optional("request_uri"),
        extra=tuple(extra),
    )
    return endpoint, params, findings


def _int(text: str) -> int | None:
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        return None
    return int(text)


def _max_age_invalid(value: object) -> Finding:
    return error(
        "request.max_age_invalid",
        f"max_age must be a non-negative whole number of seconds; got {value!r:.40}",
        _CORE + " (max_age)",
        "request.max_age",
    )


# ---------------------------------------------------------------------------------------------
# Lint


@dataclass(frozen=True)
class _Ctx:
    p: AuthorizationParams
    variant: str
    issuer: str
    discovery: Mapping[str, Any]
    request_object_mode: str

    @property
    def itsme(self) -> bool:
        return self.variant in ITSME_VARIANTS

    @property
    def signicat(self) -> bool:
        return self.variant == "signicat"

    def listed(self, key: str) -> list[str] | None:
        """A list of strings from the discovery document, or None when it gives none."""
        value = self.discovery.get(key)
        return [str(v) for v in value] if isinstance(value, list) else None


def lint_authorization_request(
    params: AuthorizationParams,
    *,
    variant: str,
    issuer: str = "",
    discovery: Mapping[str, Any] | None = None,
    request_object_mode: str = "none",
) -> list[Finding]:
    """Everything wrong or risky in a request for this provider ``variant``.

    ``variant``: ``itsme-v2``, ``itsme-secret`` (and ``demo``) get itsme®'s rules;
    ``signicat`` the broker's; anything else plain OIDC. ``discovery``: the provider's
    metadata, to check values against what it advertises.
    """
    ctx = _Ctx(params, variant, issuer, discovery or {}, request_object_mode)
    findings: list[Finding] = []
    for check in _CHECKS:
        findings += check(ctx)
    return findings


def _check_variant(ctx: _Ctx) -> list[Finding]:
    guess = infer_variant(ctx.issuer) if ctx.issuer else "generic"
    if ctx.variant != "generic" or guess == "generic":
        return []
    return [
        info(
            "request.variant_mismatch",
            f"the issuer {ctx.issuer} looks like {guess}, but the profile's variant is generic: "
            f"choose {guess} to check the request against its rules",
            "itsme v2: API reference",
            "provider.variant",
        )
    ]


def _check_required(ctx: _Ctx) -> list[Finding]:
    findings = []
    if not ctx.p.client_id:
        findings.append(
            error("request.client_id_missing", "client_id is required", _CORE, "request.client_id")
        )
    if not ctx.p.redirect_uri:
        findings.append(
            error(
                "request.redirect_uri_missing",
                "redirect_uri is required",
                _ITSME + "redirect_uri" if ctx.itsme else _CORE,
                "request.redirect_uri",
            )
        )
    return findings


def _check_scope(ctx: _Ctx) -> list[Finding]:
    scope = ctx.p.scope
    findings: list[Finding] = []
    where = "request.scope"
    if "openid" not in scope:
        findings.append(
            error(
                "request.openid_missing",
                f"scope must contain openid; got {' '.join(scope) or '(empty)'}",
                _CORE + " (scope)",
                where,
            )
        )
    services = [s for s in scope if s.startswith("service:")]
    if ctx.itsme and not services:
        findings.append(
            error(
                "request.service_scope_missing",
                "itsme® needs the service scope service:CODE, with the service code from "
                "registration (e.g. service:TEST_code)",
                _ITSME + "scope (service)",
                where,
            )
        )
    if ctx.itsme and len(services) > 1:
        findings.append(
            warning(
                "request.service_scope_multiple",
                f"one itsme® service per request; got {' '.join(services)}",
                _ITSME + "scope (service)",
                where,
            )
        )
    findings += [
        error(
            "request.service_scope_empty",
            "service: needs the service code after the colon (e.g. service:TEST_code)",
            _ITSME + "scope (service)",
            where,
        )
        for s in services
        if s == "service:"
    ]
    known = ITSME_SCOPES if ctx.itsme else SIGNICAT_SCOPES if ctx.signicat else None
    if known is not None:
        findings += [
            info(
                "request.scope_unknown",
                f"{s} is not a scope {'itsme®' if ctx.itsme else 'Signicat (for itsme®)'} "
                f"documents ({', '.join(sorted(known))}"
                f"{', service:CODE' if ctx.itsme else ''})",
                _ITSME + "scope" if ctx.itsme else "Signicat: itsme® via OIDC, Scopes",
                where,
            )
            for s in scope
            if s not in known and not (ctx.itsme and s.startswith("service:"))
        ]
    return findings


def _check_response_type(ctx: _Ctx) -> list[Finding]:
    if ctx.p.response_type == "code":
        return []
    severity = error if ctx.itsme or ctx.signicat else warning
    return [
        severity(
            "request.response_type_not_code",
            f"response_type must be code (the authorization code flow); got "
            f"{ctx.p.response_type or '(none)'}",
            _ITSME + "response_type" if ctx.itsme else _CORE + " (response_type)",
            "request.response_type",
        )
    ]


def _check_redirect_uri(ctx: _Ctx) -> list[Finding]:
    uri = ctx.p.redirect_uri
    if not uri:
        return []
    ref = _ITSME + "redirect_uri" if ctx.itsme else "RFC 6749 3.1.2"
    where = "request.redirect_uri"
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        return [error("request.redirect_uri_not_absolute", f"not a URI: {exc}", ref, where)]
    findings: list[Finding] = []
    if "#" in uri:
        findings.append(
            error(
                "request.redirect_uri_fragment",
                f"redirect_uri must not contain a fragment (#...); got {uri}",
                ref,
                where,
            )
        )
    if parts.scheme not in ("http", "https"):
        if not parts.scheme:
            findings.append(
                error(
                    "request.redirect_uri_not_absolute",
                    f"redirect_uri must be an absolute URI; got {uri}",
                    ref,
                    where,
                )
            )
        elif ctx.itsme:
            findings.append(
                error(
                    "request.redirect_uri_custom_scheme",
                    f"itsme® does not accept custom URL schemes ({parts.scheme}:); use an https "
                    "URI (Universal links / App links for mobile apps)",
                    ref,
                    where,
                )
            )
        return findings
    if not parts.hostname:
        findings.append(
            error(
                "request.redirect_uri_not_absolute",
                f"redirect_uri has no host; got {uri}",
                ref,
                where,
            )
        )
    elif parts.scheme == "http":
        findings += _redirect_not_https(ctx, parts, ref, where)
    return findings


def _redirect_not_https(ctx: _Ctx, parts: SplitResult, ref: str, where: str) -> list[Finding]:
    if is_loopback_host(parts.hostname):
        if not ctx.itsme:
            return []
        return [
            warning(
                "request.redirect_uri_not_https",
                f"the loopback http redirect_uri {parts.geturl()} works with the mock provider, "
                "but real itsme® only accepts registered https redirect URIs",
                ref,
                where,
            )
        ]
    severity = error if ctx.itsme else warning
    return [
        severity(
            "request.redirect_uri_not_https",
            f"redirect_uri must use https; got {parts.geturl()}",
            ref if ctx.itsme else "RFC 6749 3.1.2.1",
            where,
        )
    ]


def _check_state_nonce(ctx: _Ctx) -> list[Finding]:
    findings: list[Finding] = []
    for name, value, ref, risk in (
        ("state", ctx.p.state, "RFC 6749 10.12", "a forged redirect (CSRF)"),
        ("nonce", ctx.p.nonce, "OIDC Core 15.5.2", "a replayed ID token"),
    ):
        reference = f"{_ITSME}{name}; {ref}"
        if not value:
            findings.append(
                warning(
                    f"request.{name}_missing",
                    f"{name} is Strongly RECOMMENDED: without it {risk} cannot be detected",
                    reference,
                    f"request.{name}",
                )
            )
        elif len(value) < MIN_RANDOM_LENGTH:
            findings.append(
                warning(
                    f"request.{name}_weak",
                    f"{name} has {len(value)} characters; use at least {MIN_RANDOM_LENGTH} "
                    "random characters (e.g. 32 random bytes, base64url)",
                    reference,
                    f"request.{name}",
                )
            )
    return findings


def _check_pkce(ctx: _Ctx) -> list[Finding]:
    challenge, method = ctx.p.code_challenge, ctx.p.code_challenge_method
    where = "request.code_challenge"
    if not challenge:
        if method:
            return [
                error(
                    "request.pkce_method_without_challenge",
                    f"code_challenge_method={method} but no code_challenge",
                    "RFC 7636 4.3",
                    where,
                )
            ]
        return [
            warning(
                "request.pkce_missing",
                "no PKCE code_challenge: "
                + (
                    "itsme® strongly recommends PKCE (S256) and can enforce it for your client"
                    if ctx.itsme
                    else "PKCE (S256) protects the code against interception and injection"
                ),
                "itsme v2: PKCE-enhanced flow; RFC 7636" if ctx.itsme else "RFC 9700 2.1.1",
                where,
            )
        ]
    if method != "S256":
        return [
            (error if ctx.itsme else warning)(
                "request.pkce_method_not_s256",
                f"code_challenge_method must be S256; got {method or '(none, meaning plain)'}",
                "RFC 7636 4.3; " + _ITSME + "code_challenge_method",
                "request.code_challenge_method",
            )
        ]
    if not _S256_CHALLENGE.fullmatch(challenge):
        return [
            error(
                "request.pkce_challenge_invalid",
                f"an S256 code_challenge is 43 base64url characters; got {len(challenge)} "
                "characters",
                "RFC 7636 4.2",
                where,
            )
        ]
    return []


def _check_ui_locales(ctx: _Ctx) -> list[Finding]:
    if not ctx.itsme or not ctx.p.ui_locales:
        return []
    bad = [t for t in ctx.p.ui_locales.split() if t.lower() not in ITSME_UI_LOCALES]
    if not bad:
        return []
    return [
        warning(
            "request.ui_locales_unsupported",
            f"itsme® supports the ui_locales {' '.join(ITSME_UI_LOCALES)}; got {' '.join(bad)}",
            _ITSME + "ui_locales",
            "request.ui_locales",
        )
    ]


def _check_display(ctx: _Ctx) -> list[Finding]:
    display = ctx.p.display
    if not display:
        return []
    if ctx.itsme and display != "page":
        return [
            error(
                "request.display_unsupported",
                f"itsme® only supports display=page (else unsupported_display); got {display}",
                _ITSME + "display",
                "request.display",
            )
        ]
    if display not in OIDC_DISPLAY:
        return [
            warning(
                "request.display_unsupported",
                f"display is one of {', '.join(OIDC_DISPLAY)}; got {display}",
                _CORE + " (display)",
                "request.display",
            )
        ]
    return []


def _check_acr(ctx: _Ctx) -> list[Finding]:
    values = (ctx.p.acr_values or "").split()
    where = "request.acr_values"
    if ctx.signicat:
        if not values:
            return [
                info(
                    "request.acr_values_missing",
                    f"acr_values={SIGNICAT_ACR} sends the user straight to itsme®, skipping "
                    "Signicat's eID selection screen",
                    "Signicat: itsme® via OIDC, ACR values",
                    where,
                )
            ]
        return [
            info(
                "request.acr_values_unknown",
                f"Signicat selects itsme® with acr_values={SIGNICAT_ACR}; got {v}",
                "Signicat: itsme® via OIDC, ACR values",
                where,
            )
            for v in values
            if v != SIGNICAT_ACR
        ]
    if not ctx.itsme:
        return []
    known = (ITSME_ACR_BASIC, ITSME_ACR_ADVANCED)
    findings = [
        warning(
            "request.acr_values_unknown",
            f"itsme® accepts the acr_values {ITSME_ACR_BASIC} and {ITSME_ACR_ADVANCED}; got {v}",
            _ITSME + "acr_values",
            where,
        )
        for v in values
        if v not in known
    ]
    if all(k in values for k in known):
        findings.append(
            info(
                "request.acr_values_both",
                "both acr_basic and acr_advanced are given: only the most constraining one "
                "(acr_advanced, the itsme® code) applies",
                _ITSME + "acr_values",
                where,
            )
        )
    return findings


def _check_signicat(ctx: _Ctx) -> list[Finding]:
    """The broker's itsme® requests (seed 000): the scope chooses the service, prompt=login."""
    if not ctx.signicat:
        return []
    findings = []
    if not {"name", "profile"} & set(ctx.p.scope):
        findings.append(
            warning(
                "signicat.service_scope_missing",
                "the scope chooses the itsme® service at Signicat: add name (Authentication) "
                f"or profile (Identification); got {' '.join(ctx.p.scope) or '(empty)'}",
                "Signicat: itsme via OIDC, itsme® services with OIDC",
                "request.scope",
            )
        )
    if "login" not in (ctx.p.prompt or "").split():
        findings.append(
            info(
                "signicat.prompt_login_missing",
                "Signicat's itsme® requests send prompt=login, so that the user confirms in "
                "the itsme® app every time instead of reusing a Signicat session; got "
                f"{'prompt=' + ctx.p.prompt if ctx.p.prompt else 'no prompt'}",
                "Signicat: itsme via OIDC, Build the request",
                "request.prompt",
            )
        )
    return findings


def _check_max_age_prompt(ctx: _Ctx) -> list[Finding]:
    findings = []
    if ctx.p.max_age is not None and ctx.p.max_age < 0:
        findings.append(_max_age_invalid(ctx.p.max_age))
    prompt = (ctx.p.prompt or "").split()
    bad = [v for v in prompt if v not in OIDC_PROMPT]
    if bad or ("none" in prompt and len(prompt) > 1):
        findings.append(
            error(
                "request.prompt_invalid",
                f"prompt is a space-separated list of {', '.join(OIDC_PROMPT)}, with none "
                f"alone; got {ctx.p.prompt}",
                _CORE + " (prompt)",
                "request.prompt",
            )
        )
    return findings


def _check_request_object(ctx: _Ctx) -> list[Finding]:
    p = ctx.p
    findings = []
    if p.request and p.request_uri:
        findings.append(
            error(
                "request.request_and_request_uri",
                "request and request_uri must not both be used",
                "OIDC Core 6.1; RFC 9101 5",
                "request.request",
            )
        )
    if p.request_uri:
        findings += _check_request_uri(ctx, p.request_uri)
    signed_only = ctx.request_object_mode == "signed" or (
        p.request is not None and p.request.count(".") == 2
    )
    if ctx.itsme and signed_only:
        findings.append(
            error(
                "request.request_object_not_encrypted",
                "itsme® requires the request object to be signed then encrypted (a nested JWT); "
                "this one is only signed",
                _ITSME + "request",
                "request.request",
            )
        )
    return findings


def _check_request_uri(ctx: _Ctx, uri: str) -> list[Finding]:
    where = "request.request_uri"
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        return [error("request.request_uri_invalid", f"not a URI: {exc}", "RFC 3986", where)]
    findings = []
    if parts.scheme != "https":
        findings.append(
            (error if ctx.itsme else warning)(
                "request.request_uri_not_https",
                f"request_uri must use https; got {uri}",
                _REQUEST_URI_REF if ctx.itsme else "OIDC Core 6.2",
                where,
            )
        )
    if not ctx.itsme:
        return findings
    if port != 443:
        findings.append(
            error(
                "request.request_uri_port_not_443",
                f"itsme® needs the port 443 written in the request_uri "
                f"(e.g. https://test.istme.be:443/p/test); got {uri}",
                _REQUEST_URI_REF,
                where,
            )
        )
    if is_loopback_host(parts.hostname):
        findings.append(
            error(
                "request.request_uri_localhost",
                f"itsme® must fetch the request_uri publicly: localhost is not permitted; "
                f"got {uri}",
                _REQUEST_URI_REF,
                where,
            )
        )
    return findings


def _check_params(ctx: _Ctx) -> list[Finding]:
    findings = [
        error(
            "request.parameter_repeated",
            f"{name} is both a modelled parameter and an extra one; it would be sent twice",
            "RFC 6749 3.1",
            f"request.{name}",
        )
        for name, _ in ctx.p.extra
        if name in _ORDER
    ]
    if ctx.itsme:
        used = [k for k, _ in ctx.p.to_query() if k not in _ITSME_PARAMS]
        findings += [
            warning(
                "request.parameter_unsupported",
                f"{name} is not an itsme® authorization parameter; itsme® may answer "
                "unsupported_request",
                _ITSME + "Parameters",
                f"request.{name}",
            )
            for name in dict.fromkeys(used)
        ]
    return findings


def _check_discovery(ctx: _Ctx) -> list[Finding]:
    p = ctx.p
    findings: list[Finding] = []

    def not_listed(
        key: str, values: Sequence[str], what: str, severity: Callable[..., Finding] = warning
    ) -> None:
        listed = ctx.listed(key)
        if listed is None:
            return
        findings.extend(
            severity(
                f"request.{what}_not_in_discovery",
                f"{v} is not in the provider's {key} ({', '.join(listed) or 'empty'})",
                f"OpenID Connect Discovery 1.0, 3 ({key})",
                f"request.{what}",
            )
            for v in values
            if v not in listed
        )

    not_listed("scopes_supported", [s for s in p.scope if not s.startswith("service:")], "scope")
    not_listed("response_types_supported", [p.response_type], "response_type")
    if p.code_challenge:
        not_listed("code_challenge_methods_supported", ["S256"], "pkce")
    not_listed("ui_locales_supported", (p.ui_locales or "").split(), "ui_locales", info)
    not_listed("acr_values_supported", (p.acr_values or "").split(), "acr_values")
    not_listed("display_values_supported", [p.display] if p.display else [], "display", info)
    uses_request = bool(p.request) or ctx.request_object_mode != "none"
    for flag, used, what in (
        ("claims_parameter_supported", p.claims is not None, "claims"),
        ("request_parameter_supported", uses_request, "request"),
        ("request_uri_parameter_supported", bool(p.request_uri), "request_uri"),
    ):
        if used and ctx.discovery.get(flag) is False:
            findings.append(
                warning(
                    f"request.{what}_not_supported",
                    f"the provider's discovery says {flag}: false, but the request uses {what}",
                    f"OpenID Connect Discovery 1.0, 3 ({flag})",
                    f"request.{what}",
                )
            )
    return findings


def _check_claims(ctx: _Ctx) -> list[Finding]:
    if ctx.p.claims is None:
        return []
    return lint_claims_request(
        ctx.p.claims, scopes=ctx.p.scope, claims_supported=ctx.listed("claims_supported")
    )


_CHECKS: tuple[Callable[[_Ctx], list[Finding]], ...] = (
    _check_variant,
    _check_required,
    _check_scope,
    _check_response_type,
    _check_redirect_uri,
    _check_state_nonce,
    _check_pkce,
    _check_ui_locales,
    _check_display,
    _check_acr,
    _check_signicat,
    _check_max_age_prompt,
    _check_request_object,
    _check_params,
    _check_discovery,
    _check_claims,
)
