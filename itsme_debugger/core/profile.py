"""Profiles: provider + client + request settings, in the TOML format of DESIGN.md.

Parsing is strict about types and names and says what is wrong in one line
(``ConfigError``). File reading and secret look-up (environment, keychain) happen outside the
core; :func:`parse_profile` takes the text and the folder relative paths are resolved against.

Beyond DESIGN.md's format, a profile may carry (all optional, all compatible):

- ``[provider] variant``: ``itsme-v2``, ``itsme-secret``, ``signicat``, ``generic`` (else inferred
  from the issuer); ``preset``: the preset it was made from.
- ``[flow]``: ``timeout`` (seconds per HTTP request, default 10), ``verify_tls`` (default true;
  false is reported as a warning), ``userinfo``, ``picture`` (fetch the ``picture`` claim's
  URL with the access token) and ``revoke`` (default true), ``leeway``
  (seconds of clock skew allowed, default 60), ``redirect`` (``loopback`` or ``paste``).

A Signicat Authentication REST API profile (seed 001) says ``[provider] kind =
"signicat-rest"`` (the default kind is ``oidc``) and replaces the OIDC keys:

- ``[provider] api_base``: the REST API's base URL (``https://api.signicat.com/auth/rest``);
  ``token_endpoint`` (optional): the API token endpoint, by default the API host's
  ``/auth/open/connect/token``. The variant is ``signicat``.
- ``[client]``: the API client: ``client_id``, ``client_secret`` or ``client_secret_env``,
  ``auth_method`` (``client_secret_basic`` by default, or ``client_secret_post``).
- ``[request]``: ``attributes`` (the ``requestedAttributes``, a list of strings),
  ``providers`` (``allowedProviders``, default ``["itsme"]``), ``callback_base`` (a loopback
  URL: the success / abort / error callbacks are ``{callback_base}/success`` ...; default
  ``http://127.0.0.1:0/signicat``, port 0 meaning a free one), ``session_lifetime``
  (``sessionLifetime`` in seconds, optional).
- ``[flow]``: ``timeout``, ``verify_tls`` and ``redirect`` as above.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .claims import ClaimSpec, ClaimsRequest
from .errors import ConfigError

AUTH_METHODS = ("private_key_jwt", "client_secret_basic", "client_secret_post", "none")
REQUEST_OBJECT_MODES = ("none", "signed", "signed+encrypted")
VARIANTS = ("itsme-v2", "itsme-secret", "signicat", "generic")
KINDS = ("oidc", "signicat-rest")
DEFAULT_CALLBACK_BASE = "http://127.0.0.1:0/signicat"
REST_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
_REST_REQUEST_KEYS = ("attributes", "providers", "callback_base", "session_lifetime")
ENDPOINT_KEYS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
)
#: Authorization parameters a profile's [request] table may set besides scope/pkce/claims.
REQUEST_PARAMS = (
    "prompt",
    "acr_values",
    "ui_locales",
    "max_age",
    "login_hint",
    "display",
    "response_type",
    "request_uri",
)

#: Bounds of the [flow] numbers: an HTTP request waits an hour at most, clocks differ by a day.
MAX_TIMEOUT = 3600.0
MAX_LEEWAY = 86400.0


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str = ""
    variant: str = "generic"
    preset: str = ""
    endpoints: Mapping[str, str] = field(default_factory=dict)
    #: ``oidc``, or ``signicat-rest`` for the Signicat Authentication REST API.
    kind: str = "oidc"
    #: The REST API's base URL (kind ``signicat-rest``).
    api_base: str = ""

    @property
    def uses_discovery(self) -> bool:
        """Discovery runs unless the authorization and token endpoints are both given."""
        return not (
            self.endpoints.get("authorization_endpoint") and self.endpoints.get("token_endpoint")
        )


@dataclass(frozen=True)
class ClientConfig:
    client_id: str
    auth_method: str = "client_secret_basic"
    redirect_uri: str = "http://127.0.0.1:0/callback"
    #: Absolute path of the key file (private JWKS or PEM), when there is one.
    keys: str | None = None
    client_secret: str | None = None
    client_secret_env: str | None = None
    #: Encrypt the private_key_jwt assertion to the provider (signed then encrypted).
    encrypt_assertion: bool = False


@dataclass(frozen=True)
class RequestConfig:
    scope: tuple[str, ...] = ("openid",)
    pkce: bool = True
    request_object: str = "none"
    params: Mapping[str, str] = field(default_factory=dict)
    claims: ClaimsRequest = field(default_factory=lambda: ClaimsRequest({}, {}))


@dataclass(frozen=True)
class RestConfig:
    """The create-session request of a ``signicat-rest`` profile."""

    attributes: tuple[str, ...] = ()
    providers: tuple[str, ...] = ("itsme",)
    callback_base: str = DEFAULT_CALLBACK_BASE
    session_lifetime: int | None = None


@dataclass(frozen=True)
class FlowOptions:
    timeout: float = 10.0
    verify_tls: bool = True
    userinfo: bool = True
    picture: bool = True
    revoke: bool = True
    leeway: int = 60
    redirect: str = "loopback"


@dataclass(frozen=True)
class Profile:
    name: str
    provider: ProviderConfig
    client: ClientConfig
    request: RequestConfig = field(default_factory=RequestConfig)
    flow: FlowOptions = field(default_factory=FlowOptions)
    #: Where it was read from ("" when built in memory).
    source: str = ""
    #: The REST API request (kind ``signicat-rest`` only).
    rest: RestConfig | None = None

    @property
    def is_rest(self) -> bool:
        return self.provider.kind == "signicat-rest"

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)


def infer_variant(issuer: str) -> str:
    low = issuer.lower()
    if "clientsecret-oidc" in low:
        return "itsme-secret"
    if "itsme.services" in low:
        return "itsme-v2"
    if "/auth/open" in low:
        return "signicat"
    return "generic"


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _str(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {type(value).__name__}")
    return value


def _bool(data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


def _number(data: Mapping[str, Any], key: str, where: str, default: float, maximum: float) -> float:
    value = data.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value < math.inf  # also refuses nan
    ):
        raise ConfigError(f"{where}: {key} must be a non-negative number")
    if value > maximum:
        raise ConfigError(f"{where}: {key} = {value} is more than {maximum:g}")
    return float(value)


def _claims(data: Mapping[str, Any], where: str) -> ClaimsRequest:
    targets: dict[str, dict[str, ClaimSpec]] = {"id_token": {}, "userinfo": {}}
    for target, claims in data.items():
        if target not in targets:
            raise ConfigError(
                f"{where}: [request.claims.{target}] is not a claims target "
                "(use id_token or userinfo)"
            )
        if not isinstance(claims, Mapping):
            raise ConfigError(f"{where}: [request.claims.{target}] must be a table")
        for name, spec in claims.items():
            targets[target][name] = _claim_spec(spec, f"{where}: claim {name!r}")
    return ClaimsRequest(targets["id_token"], targets["userinfo"])


def _claim_spec(spec: Any, where: str) -> ClaimSpec:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where} must be a table such as {{}} or {{ essential = true }}")
    unknown = set(spec) - {"essential", "value", "values"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    essential = spec.get("essential")
    if essential is not None and not isinstance(essential, bool):
        raise ConfigError(f"{where}: essential must be true or false")
    values = spec.get("values")
    if values is not None and not isinstance(values, list):
        raise ConfigError(f"{where}: values must be a list")
    return ClaimSpec(
        essential=essential,
        value=spec.get("value"),
        values=tuple(values) if values is not None else None,
    )


def _path(value: str | None, base_dir: str | None) -> str | None:
    if not value:
        return None
    expanded = os.path.expanduser(value)
    if os.path.isabs(expanded) or base_dir is None:
        return expanded
    return os.path.normpath(os.path.join(base_dir, expanded))


def parse_profile(text: str, *, base_dir: str | None = None, source: str = "profile") -> Profile:
    """Parse a profile; raises ConfigError naming ``source`` and the problem in one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    return profile_from_dict(data, base_dir=base_dir, source=source)


def profile_from_dict(
    data: Mapping[str, Any], *, base_dir: str | None = None, source: str = "profile"
) -> Profile:
    where = source
    unknown = set(data) - {"name", "provider", "client", "request", "flow"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    name = _str(data, "name", where, "") or ""

    prov = _table(data, "provider", where)
    kind = _str(prov, "kind", where, "oidc") or "oidc"
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind == "signicat-rest":
        return _rest_profile(data, name, base_dir, where)
    issuer = (_str(prov, "issuer", where, "") or "").rstrip("/")
    endpoints = {k: v for k in ENDPOINT_KEYS if (v := _str(prov, k, where))}
    if not issuer and not (
        endpoints.get("authorization_endpoint") and endpoints.get("token_endpoint")
    ):
        raise ConfigError(
            f"{where}: [provider] needs an issuer, or authorization_endpoint and token_endpoint"
        )
    variant = _str(prov, "variant", where) or infer_variant(issuer)
    if variant not in VARIANTS:
        raise ConfigError(f"{where}: variant {variant!r} is not one of {', '.join(VARIANTS)}")
    provider = ProviderConfig(issuer, variant, _str(prov, "preset", where, "") or "", endpoints)

    cli = _table(data, "client", where)
    client_id = _client_id(cli, where)
    auth_method = _str(cli, "auth_method", where, "client_secret_basic") or ""
    if auth_method not in AUTH_METHODS:
        raise ConfigError(
            f"{where}: auth_method {auth_method!r} is not one of {', '.join(AUTH_METHODS)}"
        )
    keys = _path(_str(cli, "keys", where), base_dir)
    if auth_method == "private_key_jwt" and not keys:
        raise ConfigError(f"{where}: auth_method private_key_jwt needs [client] keys = a key file")
    client = ClientConfig(
        client_id=client_id,
        auth_method=auth_method,
        redirect_uri=_str(cli, "redirect_uri", where, ClientConfig.redirect_uri) or "",
        keys=keys,
        client_secret=_str(cli, "client_secret", where),
        client_secret_env=_str(cli, "client_secret_env", where),
        encrypt_assertion=_bool(cli, "encrypt_assertion", where, False),
    )

    req = _table(data, "request", where)
    scope_value = req.get("scope", "openid")
    if isinstance(scope_value, str):
        scope = tuple(scope_value.split())
    elif isinstance(scope_value, list) and all(isinstance(s, str) for s in scope_value):
        scope = tuple(scope_value)
    else:
        raise ConfigError(f"{where}: scope must be a string or a list of strings")
    mode = _str(req, "request_object", where, "none") or "none"
    if mode not in REQUEST_OBJECT_MODES:
        raise ConfigError(
            f"{where}: request_object {mode!r} is not one of {', '.join(REQUEST_OBJECT_MODES)}"
        )
    params: dict[str, str] = {}
    for key, value in req.items():
        if key in ("scope", "pkce", "request_object", "claims"):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ConfigError(f"{where}: request parameter {key} must be a string or a number")
        params[key] = str(value)
    request = RequestConfig(
        scope=scope,
        pkce=_bool(req, "pkce", where, True),
        request_object=mode,
        params=params,
        claims=_claims(_table(req, "claims", where + " [request]"), where),
    )

    fl = _table(data, "flow", where)
    redirect = _redirect_mode(fl, where)
    flow = FlowOptions(
        timeout=_number(fl, "timeout", where, 10.0, MAX_TIMEOUT),
        verify_tls=_bool(fl, "verify_tls", where, True),
        userinfo=_bool(fl, "userinfo", where, True),
        picture=_bool(fl, "picture", where, True),
        revoke=_bool(fl, "revoke", where, True),
        leeway=int(_number(fl, "leeway", where, 60, MAX_LEEWAY)),
        redirect=redirect,
    )
    return Profile(name or client_id, provider, client, request, flow, source)


def _client_id(cli: Mapping[str, Any], where: str, whose: str = "") -> str:
    client_id = _str(cli, "client_id", where)
    if not client_id:
        raise ConfigError(f"{where}: [client] client_id{whose} is required")
    return client_id


def _redirect_mode(fl: Mapping[str, Any], where: str) -> str:
    redirect = _str(fl, "redirect", where, "loopback") or "loopback"
    if redirect not in ("loopback", "paste"):
        raise ConfigError(f"{where}: [flow] redirect must be loopback or paste")
    return redirect


def _strings(
    table: Mapping[str, Any], key: str, where: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _rest_profile(data: Mapping[str, Any], name: str, base_dir: str | None, where: str) -> Profile:
    """A ``kind = "signicat-rest"`` profile (see the module docstring)."""
    prov = _table(data, "provider", where)
    api_base = (_str(prov, "api_base", where, "") or "").rstrip("/")
    if not api_base.startswith(("https://", "http://")):
        raise ConfigError(
            f"{where}: [provider] api_base must be the REST API's URL "
            "(e.g. https://api.signicat.com/auth/rest)"
        )
    endpoints = {k: v for k in ("token_endpoint",) if (v := _str(prov, k, where))}
    provider = ProviderConfig(
        _str(prov, "issuer", where, "") or "",
        "signicat",
        _str(prov, "preset", where, "") or "",
        endpoints,
        kind="signicat-rest",
        api_base=api_base,
    )
    cli = _table(data, "client", where)
    client_id = _client_id(cli, where, " (the API client's)")
    auth_method = _str(cli, "auth_method", where, "client_secret_basic") or ""
    if auth_method not in REST_AUTH_METHODS:
        raise ConfigError(
            f"{where}: an API client authenticates with {' or '.join(REST_AUTH_METHODS)}, "
            f"not {auth_method!r}"
        )
    client = ClientConfig(
        client_id=client_id,
        auth_method=auth_method,
        client_secret=_str(cli, "client_secret", where),
        client_secret_env=_str(cli, "client_secret_env", where),
    )
    req = _table(data, "request", where)
    unknown = set(req) - set(_REST_REQUEST_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown [request] key(s) for a signicat-rest profile: "
            f"{', '.join(sorted(unknown))} (use {', '.join(_REST_REQUEST_KEYS)})"
        )
    lifetime = req.get("session_lifetime")
    if lifetime is not None and (
        isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0
    ):
        raise ConfigError(f"{where}: session_lifetime must be a positive number of seconds")
    rest = RestConfig(
        attributes=_strings(req, "attributes", where, ()),
        providers=_strings(req, "providers", where, RestConfig.providers),
        callback_base=_str(req, "callback_base", where, DEFAULT_CALLBACK_BASE) or "",
        session_lifetime=lifetime,
    )
    fl = _table(data, "flow", where)
    redirect = _redirect_mode(fl, where)
    flow = FlowOptions(
        timeout=_number(fl, "timeout", where, 10.0, MAX_TIMEOUT),
        verify_tls=_bool(fl, "verify_tls", where, True),
        redirect=redirect,
    )
    return Profile(name or client_id, provider, client, flow=flow, source=where, rest=rest)


# ---------------------------------------------------------------------------------------------
# Writing (the GUI saves profiles in the same format)


def _toml_str(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    for ch, esc in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        out = out.replace(ch, esc)
    return f'"{out}"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if value is None:
        return '""'
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key):
        return key
    return _toml_str(key)


def _spec_dict(spec: ClaimSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.essential is not None:
        out["essential"] = spec.essential
    if spec.value is not None:
        out["value"] = spec.value
    if spec.values is not None:
        out["values"] = list(spec.values)
    return out


def profile_to_toml(profile: Profile, *, include_secret: bool = False) -> str:
    """The profile as TOML. The client secret is written only when ``include_secret``."""
    if profile.rest is not None:
        return _rest_to_toml(profile, profile.rest, include_secret)
    lines = [f"name = {_toml_str(profile.name)}", "", "[provider]"]
    p = profile.provider
    if p.issuer:
        lines.append(f"issuer = {_toml_str(p.issuer)}")
    lines.append(f"variant = {_toml_str(p.variant)}")
    if p.preset:
        lines.append(f"preset = {_toml_str(p.preset)}")
    for key in ENDPOINT_KEYS:
        if p.endpoints.get(key):
            lines.append(f"{key} = {_toml_str(p.endpoints[key])}")
    c = profile.client
    lines += ["", "[client]", f"client_id = {_toml_str(c.client_id)}"]
    lines.append(f"auth_method = {_toml_str(c.auth_method)}")
    if c.keys:
        lines.append(f"keys = {_toml_str(c.keys)}")
    if c.client_secret_env:
        lines.append(f"client_secret_env = {_toml_str(c.client_secret_env)}")
    if include_secret and c.client_secret:
        lines.append(f"client_secret = {_toml_str(c.client_secret)}")
    if c.encrypt_assertion:
        lines.append("encrypt_assertion = true")
    lines.append(f"redirect_uri = {_toml_str(c.redirect_uri)}")
    r = profile.request
    lines += ["", "[request]", f"scope = {_toml_str(' '.join(r.scope))}"]
    lines.append(f"pkce = {_toml_value(r.pkce)}")
    lines.append(f"request_object = {_toml_str(r.request_object)}")
    for key, value in r.params.items():
        lines.append(f"{_toml_key(key)} = {_toml_str(value)}")
    f = profile.flow
    defaults = FlowOptions()
    flow_lines = [
        f"{name} = {_toml_value(getattr(f, name))}"
        for name in (
            "timeout",
            "verify_tls",
            "userinfo",
            "picture",
            "revoke",
            "leeway",
            "redirect",
        )
        if getattr(f, name) != getattr(defaults, name)
    ]
    if flow_lines:
        lines += ["", "[flow]", *flow_lines]
    for target in ("id_token", "userinfo"):
        claims = getattr(r.claims, target)
        if claims:
            lines += ["", f"[request.claims.{target}]"]
            for name, spec in claims.items():
                lines.append(f"{_toml_key(name)} = {_toml_value(_spec_dict(spec or ClaimSpec()))}")
    return "\n".join(lines) + "\n"


def _rest_to_toml(profile: Profile, rest: RestConfig, include_secret: bool) -> str:
    p, c = profile.provider, profile.client
    lines = [
        f"name = {_toml_str(profile.name)}",
        "",
        "[provider]",
        'kind = "signicat-rest"',
        f"api_base = {_toml_str(p.api_base)}",
    ]
    if p.endpoints.get("token_endpoint"):
        lines.append(f"token_endpoint = {_toml_str(p.endpoints['token_endpoint'])}")
    if p.preset:
        lines.append(f"preset = {_toml_str(p.preset)}")
    lines += ["", "[client]", f"client_id = {_toml_str(c.client_id)}"]
    lines.append(f"auth_method = {_toml_str(c.auth_method)}")
    if c.client_secret_env:
        lines.append(f"client_secret_env = {_toml_str(c.client_secret_env)}")
    if include_secret and c.client_secret:
        lines.append(f"client_secret = {_toml_str(c.client_secret)}")
    lines += [
        "",
        "[request]",
        f"attributes = {_toml_value(rest.attributes)}",
        f"providers = {_toml_value(rest.providers)}",
        f"callback_base = {_toml_str(rest.callback_base)}",
    ]
    if rest.session_lifetime is not None:
        lines.append(f"session_lifetime = {rest.session_lifetime}")
    f, defaults = profile.flow, FlowOptions()
    flow_lines = [
        f"{name} = {_toml_value(getattr(f, name))}"
        for name in ("timeout", "verify_tls", "redirect")
        if getattr(f, name) != getattr(defaults, name)
    ]
    if flow_lines:
        lines += ["", "[flow]", *flow_lines]
    return "\n".join(lines) + "\n"
