"""Hypothesis strategies for hostile input: tokens, JSON documents, redirect URLs, raw HTTP.

Each strategy mixes what a buggy or hostile provider (or browser) can send: values that look
right but have the wrong type, truncated or badly encoded segments, nesting, duplicates, and
plain junk. :func:`fuzz` sets the number of examples: a short run in the test suite, the
profile's count (100,000 with ``HYPOTHESIS_PROFILE=long``, see ``scripts/fuzz``) in the long one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from itsme_debugger.core.b64 import b64url_encode
from itsme_debugger.core.http import HttpResponse
from itsme_debugger.core.idtoken import IdTokenExpectations

#: Above this, the loaded profile is a long run and keeps its own count.
_LONG_RUN_EXAMPLES = 1000

#: True under scripts/fuzz: the loaded profile asks for a long run.
LONG_RUN = settings.default.max_examples >= _LONG_RUN_EXAMPLES
#: Every fuzz property carries it: ``pytest -m fuzz`` selects them (scripts/fuzz does).
mark = pytest.mark.fuzz


def fuzz(examples: int = 100) -> settings:
    """``examples`` per property in the test suite; the profile's count in a long run."""
    profile = settings.default
    count = profile.max_examples if LONG_RUN else examples
    return settings(
        profile,
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------------------------------
# Building blocks

B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
b64_segment = st.text(alphabet=B64URL_ALPHABET, max_size=80)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

HEADER_WORDS = "RS256 PS256 ES256 HS256 none RSA-OAEP RSA-OAEP-256 dir RSA1_5 A256GCM A128CBC-HS256"
header_values = st.sampled_from([*HEADER_WORDS.split(), "JWT", "DEF", "op-sig-1", "rp-enc-1"])
header_values |= json_values
headers = st.dictionaries(
    st.sampled_from(["alg", "enc", "kid", "cty", "zip", "crit", "typ", "b64", "jku", "x5u", "jwk"])
    | st.text(max_size=6),
    header_values,
    max_size=6,
)

#: Strings that break naive parsers: separators, escapes, control and non-ASCII characters.
odd_text = st.sampled_from(
    ["", " ", ".", "..", "=", "%", "%zz", "%00", "\x00", "\ufeff", "é", "𝄞", "\r\n", "#", "?", "&"]
) | st.text(max_size=30)


def _b64json(value: Any) -> str:
    return b64url_encode(json.dumps(value).encode())


def deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def bad_base64(draw: st.DrawFn) -> str:
    """A segment that is not clean base64url: padding, the standard alphabet, spaces, junk."""
    core = draw(b64_segment)
    how = draw(st.sampled_from(["pad", "std", "space", "junk", "len1"]))
    if how == "pad":
        return core + "=" * draw(st.integers(1, 3))
    if how == "std":
        return core.replace("-", "+").replace("_", "/") + "+/"
    if how == "space":
        i = draw(st.integers(0, len(core)))
        return core[:i] + draw(st.sampled_from([" ", "\t", "\n"])) + core[i:]
    if how == "len1":
        return core[: len(core) - len(core) % 4] + "A"
    return core + draw(st.text(min_size=1, max_size=4))


# ---------------------------------------------------------------------------------------------
# JWS / JWE compact tokens


@st.composite
def compact_tokens(draw: st.DrawFn, depth: int = 0) -> str:
    """A compact JWS (3 parts) or JWE (5 parts) that looks plausible and is wrong somewhere.

    The header is a JSON object with the usual members holding right or wrong values; the
    payload is claims, junk, or (nested) another token; segments may be truncated, badly
    encoded, dropped or repeated.
    """
    header = draw(headers)
    kind = draw(st.sampled_from(["jws", "jwe"]))
    if kind == "jwe":
        header.setdefault("enc", draw(st.sampled_from(["A256GCM", "A128CBC-HS256", "A1", 7])))
    header.setdefault("alg", draw(header_values))
    nested = depth < 2 and draw(st.booleans()) and draw(st.booleans())
    if nested:
        inner = draw(compact_tokens(depth + 1))
        header["cty"] = draw(st.sampled_from(["JWT", "jwt", "application/jwt", None]))
        payload = b64url_encode(inner.encode())
    else:
        claims = draw(
            st.dictionaries(
                st.sampled_from(["iss", "sub", "aud", "exp", "iat", "nonce", "azp"])
                | st.text(max_size=5),
                json_values,
                max_size=6,
            )
            | json_values
        )
        payload = draw(
            st.sampled_from([_b64json(claims), b64url_encode(deeply_nested(50_000).encode())])
            | st.binary().map(b64url_encode)
        )
    first = _b64json(header) if draw(st.integers(0, 9)) else draw(bad_base64())
    if kind == "jws":
        parts = [first, payload, draw(b64_segment)]
    else:
        parts = [first, draw(b64_segment), draw(b64_segment), payload, draw(b64_segment)]
    mangle = draw(st.sampled_from(["none", "none", "truncate", "bad64", "drop", "dup", "wrap"]))
    if mangle == "bad64":
        parts[draw(st.integers(0, len(parts) - 1))] = draw(bad_base64())
    elif mangle == "drop":
        del parts[draw(st.integers(0, len(parts) - 1))]
    elif mangle == "dup":
        parts.append(parts[-1])
    token = ".".join(parts)
    if mangle == "truncate":
        token = token[: draw(st.integers(0, max(0, len(token) - 1)))]
    elif mangle == "wrap":
        token = draw(st.sampled_from([" ", "\n", '"', "Bearer "])) + token
    return token


tokens = compact_tokens() | st.text(max_size=200) | st.lists(b64_segment, max_size=7).map(".".join)


# ---------------------------------------------------------------------------------------------
# JSON documents: discovery, token responses, UserInfo, JWKS

URLS = st.sampled_from(
    [
        "https://op.example",
        "https://op.example/",
        "http://op.example/token",
        "http://127.0.0.1:9000/authorize",
        "https://op.example/jwks",
        "",
        "not a url",
        "javascript:alert(1)",
        "https://[::1",
        "https://op.example:99999/x",
    ]
)
field_values = URLS | json_values | st.lists(st.text(max_size=12), max_size=4)

DISCOVERY_FIELDS = [
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
    "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported",
    "userinfo_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported",
    "request_object_signing_alg_values_supported",
    "request_object_encryption_alg_values_supported",
    "code_challenge_methods_supported",
    "claims_supported",
    "scopes_supported",
    "response_modes_supported",
    "grant_types_supported",
    "claims_parameter_supported",
    "request_parameter_supported",
    "request_uri_parameter_supported",
    "authorization_response_iss_parameter_supported",
]
TOKEN_FIELDS = [
    "access_token",
    "token_type",
    "expires_in",
    "id_token",
    "refresh_token",
    "scope",
    "error",
    "error_description",
    "error_uri",
]
USERINFO_FIELDS = [
    "sub",
    "iss",
    "aud",
    "name",
    "email",
    "given_name",
    "http://itsme.services/v2/claim/BENationalNumber",
    "http://itsme.services/v2/claim/physical_person_photo",
    "http://itsme.services/v2/claim/verificationDate",
    "_claim_names",
    "_claim_sources",
]
JWK_FIELDS = ["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y", "d", "k", "key_ops", "x5c"]
JWK_VALUES = st.sampled_from(
    ["RSA", "EC", "oct", "OKP", "sig", "enc", "RS256", "P-256", "AQAB", "AA", "_-_", "k1"]
)


def objects(names: list[str], values: st.SearchStrategy[Any] = field_values) -> Any:
    """JSON objects with (some of) ``names`` holding plausible or wrong values, plus others."""
    return st.dictionaries(st.sampled_from(names) | st.text(max_size=8), values, max_size=10)


discovery_documents = objects(DISCOVERY_FIELDS)
token_responses = objects(
    TOKEN_FIELDS,
    field_values | tokens | st.sampled_from(["Bearer", "bearer", "DPoP", "invalid_grant"]),
)
userinfo_documents = objects(USERINFO_FIELDS, field_values | tokens)
jwk_objects = objects(JWK_FIELDS, JWK_VALUES | b64_segment | json_values)
jwks_documents = st.fixed_dictionaries(
    {"keys": st.lists(jwk_objects, max_size=4) | json_values}
) | st.dictionaries(st.text(max_size=6), json_values, max_size=3)


@st.composite
def bodies(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> bytes:
    """A response body: a document, another JSON value, junk, a nesting bomb, or not UTF-8."""
    how = draw(st.sampled_from(["doc", "doc", "doc", "json", "junk", "nested", "latin1", "token"]))
    if how == "doc":
        return json.dumps(draw(documents), ensure_ascii=draw(st.booleans())).encode()
    if how == "json":
        return json.dumps(draw(json_values)).encode()
    if how == "nested":
        return deeply_nested(draw(st.sampled_from([50, 2_000, 100_000]))).encode()
    if how == "latin1":
        return b'{"a": "\xe9\xff"}'
    if how == "token":
        return draw(tokens).encode()
    return draw(st.binary(max_size=200))


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/jwt",
        "text/html",
        "",
        "application/JSON",
    ]
)


@st.composite
def responses(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> HttpResponse:
    """An HTTP response carrying one of :func:`bodies`, with a status and headers that may lie."""
    status = draw(st.sampled_from([200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 500, 503]))
    hdrs: list[tuple[str, str]] = [("Content-Type", draw(CONTENT_TYPES))]
    if draw(st.booleans()):
        hdrs.append(
            (
                "WWW-Authenticate",
                draw(st.sampled_from(['Bearer error="invalid_token"', "Bearer", 'Bearer x="', ""])),
            )
        )
    return HttpResponse(status, tuple(hdrs), draw(bodies(documents)), "https://op.example/x")


# ---------------------------------------------------------------------------------------------
# Redirect URLs

REDIRECT_NAMES = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "session_state",
]


@st.composite
def redirect_urls(draw: st.DrawFn) -> str:
    """What the browser may end on: the redirect URI (or another) with a query to pick apart."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "", "com.example.app", "javascript"]))
    host = draw(
        st.sampled_from(["127.0.0.1", "localhost", "[::1]", "127.0.0.1:8765", "evil.example", ""])
    )
    path = draw(st.sampled_from(["/callback", "/callback/", "/other", "", "/callback;x"]))
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(REDIRECT_NAMES) | odd_text, odd_text | b64_segment),
            max_size=6,
        )
    )
    encode = draw(st.booleans())
    query = "&".join(
        f"{quote(k, safe='') if encode else k}={quote(v, safe='') if encode else v}"
        for k, v in pairs
    )
    where = draw(st.sampled_from(["?", "#", "?", "?x#", ""]))
    url = f"{scheme}://{host}{path}{where}{query}" if scheme else f"{host}{path}{where}{query}"
    if draw(st.integers(0, 9)) == 0:
        url = draw(odd_text) + url + draw(odd_text)
    return url


redirects = redirect_urls() | st.text(max_size=100)


# ---------------------------------------------------------------------------------------------
# Raw HTTP request bytes for the loopback server

METHODS = st.sampled_from([b"GET", b"POST", b"HEAD", b"OPTIONS", b"CONNECT", b"G\x00T", b""])
TARGETS = st.sampled_from(
    [
        b"/callback?code=c&state=s",
        b"/callback",
        b"/",
        b"/favicon.ico",
        b"*",
        b"http://127.0.0.1/callback?code=c",
        b"//callback",
        b"/callback?" + b"a=" * 50,
        b"/%zz",
        b"/\xff\xfe",
        b"",
    ]
)
VERSIONS = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 x", b"", b"HTTP/"])
HEADER_LINES = st.sampled_from(
    [
        b"Host: 127.0.0.1",
        b"Host: 127.0.0.1\r\nHost: evil.example",
        b"Content-Length: 5",
        b"Content-Length: -1",
        b"Content-Length: 99999999999999999999",
        b"Content-Length: 3\r\nContent-Length: 4",
        b"Transfer-Encoding: chunked",
        b"Transfer-Encoding: gzip, chunked",
        b"Connection: close",
        b"Connection: keep-alive",
        b"Expect: 100-continue",
        b"X-Folded: a\r\n b",
        b"NoColon",
        b": empty-name",
        b"X: \x00\x7f",
        b"Upgrade: h2c",
    ]
) | st.binary(max_size=40)


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    """An HTTP/1.x request with odd parts, one or more back to back, or plain junk bytes."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=300))
    line = b" ".join([draw(METHODS), draw(TARGETS), draw(VERSIONS)])
    lines = [line, *draw(st.lists(HEADER_LINES, max_size=5))]
    eol = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n", b"\r"]))
    body = draw(st.sampled_from([b"", b"hello", b"0\r\n\r\n", b"5\r\nhello\r\n0\r\n\r\n"]))
    data = eol.join(lines) + eol + eol + body
    if draw(st.booleans()):
        data = data * draw(st.integers(2, 3))  # pipelined
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


# ---------------------------------------------------------------------------------------------
# Claims requests and profiles

CLAIM_NAMES = st.sampled_from(
    [
        "given_name",
        "sub",
        "auth_time",
        "http://itsme.services/v2/claim/BENationalNumber",
        "http://itsme.services/v2/claim/physical_person_photo",
    ]
) | st.text(max_size=10)
claim_specs = (
    st.none()
    | st.fixed_dictionaries(
        {},
        optional={"essential": json_values, "value": json_values, "values": json_values},
    )
    | json_values
)
claims_objects = st.dictionaries(
    st.sampled_from(["id_token", "userinfo"]) | st.text(max_size=8),
    st.dictionaries(CLAIM_NAMES, claim_specs, max_size=4) | json_values,
    max_size=3,
)
claims_texts = (
    claims_objects.map(json.dumps)
    | st.text(max_size=60)
    | st.sampled_from([deeply_nested(100_000), '{"id_token": ' * 5000])
)

toml_scalars = (
    st.text(max_size=20)
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.booleans()
    | st.sampled_from(
        [
            "https://op.example",
            "private_key_jwt",
            "client_secret_basic",
            "signicat-rest",
            "signed+encrypted",
            "loopback",
            "paste",
            "itsme-v2",
            "openid profile",
        ]
    )
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
PROFILE_KEYS = {
    "provider": ["issuer", "variant", "kind", "api_base", "preset", "token_endpoint"],
    "client": [
        "client_id",
        "auth_method",
        "keys",
        "redirect_uri",
        "client_secret",
        "client_secret_env",
        "encrypt_assertion",
    ],
    "request": [
        "scope",
        "pkce",
        "request_object",
        "claims",
        "prompt",
        "max_age",
        "attributes",
        "providers",
        "callback_base",
        "session_lifetime",
    ],
    "flow": ["timeout", "verify_tls", "userinfo", "revoke", "leeway", "redirect"],
}


def _toml_key(key: str) -> str:
    return json.dumps(key)  # a TOML basic string is a JSON string (for what json.dumps makes)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def profile_texts(draw: st.DrawFn) -> str:
    """A TOML profile: the right tables with plausible or wrong values, sometimes mangled."""
    lines = [f"name = {_toml_value(draw(toml_scalars))}"] if draw(st.booleans()) else []
    for table, keys in PROFILE_KEYS.items():
        if not draw(st.integers(0, 4)):
            continue
        lines.append(f"[{table}]")
        members = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=5), toml_values))
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in members.items()]
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 5)) == 0:
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(odd_text) + text[i + 1 :]
    return text


#: What the ID token properties expect: any token that is not exactly this gets findings.
EXPECT = IdTokenExpectations(
    issuer="https://op.example",
    client_id="rp",
    nonce="n",
    max_age=60,
    access_token="at",
    code="c",
    acr_values=("a",),
    now=1_700_000_000,
)
