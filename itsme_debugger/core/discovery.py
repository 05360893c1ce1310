"""OpenID Provider discovery and the provider's JWK Set.

:func:`build_discovery_request` / :func:`process_discovery_response` fetch and check the
provider metadata (OpenID Connect Discovery 1.0); :func:`metadata_from_endpoints` stands in
for a provider configured by hand. :func:`build_jwks_request` / :func:`process_jwks_response`
read the provider's public keys, skipping (and reporting) the ones that cannot be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jwcrypto import jwk
from jwcrypto.common import JWException

from .findings import Finding, error, info, warning
from .http import HttpRequest, HttpResponse
from .oauth_errors import json_object, raise_for_error

WELL_KNOWN = "/.well-known/openid-configuration"
_ACCEPT_JSON = (("Accept", "application/json"),)
_DISCOVERY_3 = "OIDC Discovery 3"
#: Metadata members OIDC Discovery 3 marks REQUIRED; the flow cannot run without the first three.
_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
_REQUIRED_LISTS = (
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
)
_URL_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "end_session_endpoint",
    "registration_endpoint",
    "introspection_endpoint",
)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
#: Members of a JWK that only a private (or symmetric) key has (RFC 7518 6.2.2, 6.3.2, 6.4).
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    jwks_uri: str | None
    revocation_endpoint: str | None
    raw: Mapping[str, Any]

    def supported(self, name: str) -> tuple[str, ...]:
        """The string values of a ``*_supported`` list, e.g. ``supported("scopes_supported")``;
        ``()`` when the member is absent or not a list."""
        value = self.raw.get(name)
        if not isinstance(value, list):
            return ()
        return tuple(v for v in value if isinstance(v, str))


def discovery_url(issuer: str) -> str:
    """``issuer`` + ``/.well-known/openid-configuration``, without a double slash (4.1)."""
    return issuer.rstrip("/") + WELL_KNOWN


def build_discovery_request(issuer: str) -> HttpRequest:
    return HttpRequest.get(discovery_url(issuer), _ACCEPT_JSON)


def metadata_from_endpoints(
    issuer: str,
    *,
    authorization_endpoint: str,
    token_endpoint: str,
    userinfo_endpoint: str | None = None,
    jwks_uri: str | None = None,
    revocation_endpoint: str | None = None,
) -> ProviderMetadata:
    """Metadata for a provider configured endpoint by endpoint instead of by discovery."""
    raw = {
        k: v
        for k, v in {
            "issuer": issuer,
            "authorization_endpoint": authorization_endpoint,
            "token_endpoint": token_endpoint,
            "userinfo_endpoint": userinfo_endpoint,
            "jwks_uri": jwks_uri,
            "revocation_endpoint": revocation_endpoint,
        }.items()
        if v is not None
    }
    return ProviderMetadata(
        issuer,
        authorization_endpoint,
        token_endpoint,
        userinfo_endpoint,
        jwks_uri,
        revocation_endpoint,
        raw,
    )


def process_discovery_response(
    resp: HttpResponse, expected_issuer: str
) -> tuple[ProviderMetadata, list[Finding]]:
    """Check a discovery document; raise ProviderError / MalformedResponse when it is unusable.

    A missing ``issuer`` falls back to ``expected_issuer``; a missing endpoint is ``""`` (or
    None) with an error finding, so the caller can still override it from the profile.
    """
    raise_for_error(resp, "discovery")
    doc = json_object(resp, "discovery")
    findings: list[Finding] = []
    strings: dict[str, str | None] = {}
    for name in _URL_FIELDS:
        strings[name] = _string_member(doc, name, findings)
    for name in _REQUIRED:
        if doc.get(name) is None:
            findings.append(
                error(
                    f"discovery.{name}_missing",
                    f"the discovery document has no {name}; OIDC Discovery 3 requires it",
                    _DISCOVERY_3,
                    f"discovery.{name}",
                )
            )
    for name in _REQUIRED_LISTS:
        if name not in doc:
            findings.append(
                warning(
                    f"discovery.{name}_missing",
                    f"the discovery document has no {name}; OIDC Discovery 3 requires it",
                    _DISCOVERY_3,
                    f"discovery.{name}",
                )
            )
        elif not isinstance(doc[name], list):
            findings.append(_invalid(name, "a JSON array of strings", doc[name]))
    issuer = strings["issuer"]
    if issuer is not None and issuer != expected_issuer:
        hint = (
            " (they differ only by a trailing slash, which still counts)"
            if issuer.rstrip("/") == expected_issuer.rstrip("/")
            else ""
        )
        findings.append(
            error(
                "discovery.issuer_mismatch",
                f"the discovery document says issuer {issuer!r}, but it was fetched for the "
                f"issuer {expected_issuer!r}; they must be identical{hint}. ID tokens are "
                "checked against the document's issuer.",
                "OIDC Discovery 4.3",
                "discovery.issuer",
                expected=expected_issuer,
                received=issuer,
            )
        )
    for name in _URL_FIELDS:
        url = strings[name]
        if url is not None and not _http_url(url):
            # Never hand the browser (or the HTTP client) a javascript:, file: or relative URL.
            findings.append(_invalid(name, "an absolute http or https URL", url))
            strings[name] = None
        elif url is not None and not _https_or_loopback(url):
            findings.append(
                warning(
                    "discovery.endpoint_not_https",
                    f"{name} {url!r} does not use https (only loopback addresses may use http)",
                    _DISCOVERY_3,
                    f"discovery.{name}",
                )
            )
    metadata = ProviderMetadata(
        issuer=issuer or expected_issuer,
        authorization_endpoint=strings["authorization_endpoint"] or "",
        token_endpoint=strings["token_endpoint"] or "",
        userinfo_endpoint=strings["userinfo_endpoint"],
        jwks_uri=strings["jwks_uri"],
        revocation_endpoint=strings["revocation_endpoint"],
        raw=doc,
    )
    return metadata, findings + _capabilities(metadata)


def discovery_stop_reason(metadata: ProviderMetadata, findings: list[Finding]) -> str:
    """Why the flow must not go on with this configuration ("" when it may).

    OIDC Discovery 4.3: a document for another issuer MUST NOT be used; and without an
    authorization and a token endpoint (http or https) there is nothing to send the user to.
    """
    if any(f.id == "discovery.issuer_mismatch" for f in findings):
        return "the document names another issuer: it is not used"
    missing = [
        name
        for name in ("authorization_endpoint", "token_endpoint")
        if not _http_url(getattr(metadata, name) or "")
    ]
    if missing:
        return f"no usable {' or '.join(missing)}: the flow cannot start"
    return ""


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def _string_member(doc: Mapping[str, Any], name: str, findings: list[Finding]) -> str | None:
    value = doc.get(name)
    if value is None or (isinstance(value, str) and value):
        return value
    findings.append(_invalid(name, "a non-empty URL string", value))
    return None


def _invalid(name: str, expected: str, value: Any) -> Finding:
    return error(
        "discovery.field_invalid",
        f"{name} must be {expected}; got {type(value).__name__} {str(value)[:80]!r}",
        _DISCOVERY_3,
        f"discovery.{name}",
    )


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


def _capabilities(metadata: ProviderMetadata) -> list[Finding]:
    """What the provider advertises that the authorization code flow relies on."""
    findings: list[Finding] = []
    response_types = metadata.supported("response_types_supported")
    if "response_types_supported" in metadata.raw and "code" not in response_types:
        findings.append(
            error(
                "discovery.code_not_supported",
                "response_types_supported does not list 'code', but this debugger runs the "
                f"authorization code flow; advertised: {list(response_types)}",
                _DISCOVERY_3,
                "discovery.response_types_supported",
            )
        )
    methods = metadata.supported("code_challenge_methods_supported")
    if "code_challenge_methods_supported" not in metadata.raw:
        findings.append(
            info(
                "discovery.pkce_not_advertised",
                "the discovery document has no code_challenge_methods_supported, so PKCE "
                "support is not advertised (itsme® supports S256)",
                "RFC 8414 2",
                "discovery.code_challenge_methods_supported",
            )
        )
    elif "S256" not in methods:
        findings.append(
            warning(
                "discovery.s256_not_supported",
                f"code_challenge_methods_supported lists {list(methods)} but not S256, the "
                "PKCE method itsme® requires and RFC 7636 recommends",
                "RFC 7636 4.2; RFC 8414 2",
                "discovery.code_challenge_methods_supported",
            )
        )
    if "none" in metadata.supported("id_token_signing_alg_values_supported"):
        findings.append(
            warning(
                "discovery.none_alg_advertised",
                "id_token_signing_alg_values_supported lists 'none': unsigned ID tokens are "
                "only acceptable where no signature is needed; the debugger rejects them",
                "OIDC Core 3.1.3.7 (7); OIDC Discovery 3",
                "discovery.id_token_signing_alg_values_supported",
            )
        )
    if metadata.raw.get("claims_parameter_supported") is not True:
        findings.append(
            info(
                "discovery.claims_parameter_not_supported",
                "claims_parameter_supported is not true: the provider may ignore the claims "
                "parameter (itsme® relies on it to request individual claims)",
                _DISCOVERY_3,
                "discovery.claims_parameter_supported",
            )
        )
    return findings


# -- the provider's JWK Set --------------------------------------------------------------------


def build_jwks_request(jwks_uri: str) -> HttpRequest:
    return HttpRequest.get(jwks_uri, (("Accept", "application/jwk-set+json, application/json"),))


def process_jwks_response(resp: HttpResponse) -> tuple[jwk.JWKSet, list[Finding]]:
    """The usable public keys of a JWK Set, and findings about the ones that are not.

    Raises ProviderError for a non-200 answer and MalformedResponse (``jwks.not_json``) when
    the body is not a JSON object. A key that cannot be read is skipped
    (``jwks.key_invalid``); private material is stripped (``jwks.private_key_published``).
    """
    raise_for_error(resp, "jwks")
    doc = json_object(resp, "jwks")
    findings: list[Finding] = []
    keys = jwk.JWKSet()
    entries = doc.get("keys")
    if not isinstance(entries, list) or not entries:
        findings.append(
            error(
                "jwks.no_keys",
                "the JWK Set has no keys: expected {'keys': [ ...at least one JWK... ]}",
                "RFC 7517 5",
                "jwks.keys",
            )
        )
        return keys, findings
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"jwks.keys[{index}]"
        key = _read_public_key(entry, where, findings)
        if key is None:
            continue
        kid = key.get("kid")
        if kid is None:
            findings.append(
                warning(
                    "jwks.kid_missing",
                    f"key #{index} ({key.get('kty')}) has no kid; tokens cannot name it in "
                    "their header, so key selection and rotation rely on guessing",
                    "RFC 7517 4.5; OIDC Core 10.1",
                    where,
                )
            )
        elif kid in seen:
            findings.append(
                warning(
                    "jwks.duplicate_kid",
                    f"keys #{seen[kid]} and #{index} share the kid {kid!r}; a token's kid "
                    "does not pick one key",
                    "RFC 7517 4.5",
                    where,
                )
            )
        else:
            seen[kid] = index
        keys.add(key)
    return keys, findings


def _read_public_key(entry: Any, where: str, findings: list[Finding]) -> jwk.JWK | None:
    """The public JWK of one JWKS entry; None (with a finding) when it cannot be used."""
    if not isinstance(entry, dict):
        findings.append(_key_invalid(where, f"it is a {type(entry).__name__}, not an object"))
        return None
    private = [m for m in PRIVATE_MEMBERS if m in entry]
    if private:
        findings.append(
            error(
                "jwks.private_key_published",
                f"key {entry.get('kid', '#' + where)!r} in the public JWK Set carries private "
                f"material ({', '.join(private)}): anyone can forge or decrypt with it; it "
                "must be replaced",
                "RFC 7517 9.2",
                where,
            )
        )
    if "kty" not in entry:
        findings.append(_key_invalid(where, "it has no kty (RFC 7517 4.1 requires one)"))
        return None
    try:
        key = jwk.JWK(**entry)
        public = key if key.is_symmetric else key.public()
        if not key.is_symmetric:
            public.export_to_pem()  # builds the key: catches values that are not a valid key
    except (JWException, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        findings.append(_key_invalid(where, str(exc) or type(exc).__name__))
        return None
    if key.is_symmetric:
        return None  # a shared secret has no place in a public JWK Set (reported above)
    return public


def _key_invalid(where: str, why: str) -> Finding:
    return warning(
        "jwks.key_invalid",
        f"{where} is not a usable JWK and is skipped: {why}",
        "RFC 7517 4",
        where,
    )
