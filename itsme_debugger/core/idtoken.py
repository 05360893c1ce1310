"""ID token validation: OIDC Core 3.1.3.7, with at_hash (3.1.3.6 / 3.2.2.9) and c_hash.

``process_id_token`` peels the token with ``core.jose.inspect`` (decryption, signature, alg
allow-list, kid) and then checks the claims with ``validate_id_token_claims``, which is usable
on its own (the ``decode`` command). Each check is one entry of the checklist the UI shows:
True passed, False failed, None not applicable. Times are shown in ISO 8601 UTC together with
how far off they are.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk

from .b64 import b64url_encode
from .findings import Finding, error, info, warning
from .jose import DEFAULT_POLICY, Inspection, Policy, inspect

Check = tuple[str, bool | None]

_REF = "OIDC Core 3.1.3.7"
_HASH_BITS = re.compile(r"^(?:RS|PS|ES|HS)(256|384|512)$")


@dataclass(frozen=True)
class IdTokenExpectations:
    """What the relying party expects; ``now`` (epoch seconds) defaults to the clock."""

    issuer: str
    client_id: str
    nonce: str | None = None
    max_age: int | None = None
    access_token: str | None = None
    code: str | None = None
    acr_values: tuple[str, ...] = ()
    now: float | None = None
    leeway: int = 60
    max_lifetime: int = 24 * 3600


@dataclass(frozen=True)
class IdTokenResult:
    inspection: Inspection
    claims: dict[str, Any] | None
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]


def process_id_token(
    token: str,
    exp: IdTokenExpectations,
    *,
    decryption_keys: jwk.JWKSet | None = None,
    verification_keys: jwk.JWKSet | None = None,
    client_secret: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> IdTokenResult:
    """Decrypt, verify and validate an ID token; problems are findings, nothing is raised."""
    insp = inspect(
        token,
        prefix="id_token",
        decryption_keys=decryption_keys,
        verification_keys=verification_keys,
        client_secret=client_secret,
        policy=policy,
    )
    # one pass over the layers for what Inspection's properties would each look up again
    jwe_layer = jws_layer = None
    verified = False
    for layer in insp.layers:
        if layer.kind == "JWE":
            jwe_layer = jwe_layer or layer
        elif layer.kind == "JWS":
            jws_layer = jws_layer or layer
            verified = verified or layer.ok
    checks: list[Check] = [("decryption", None if jwe_layer is None else jwe_layer.key is not None)]
    unverified = any(f.id == "id_token.unverified" for f in insp.findings)
    checks.append(("signature", True if verified else None if unverified else False))
    if insp.claims is None:
        return IdTokenResult(insp, None, insp.findings, tuple(checks))
    jws_header = {} if jws_layer is None else jws_layer.header
    more, claim_checks = validate_id_token_claims(insp.claims, jws_header, exp)
    checks += claim_checks
    return IdTokenResult(insp, insp.claims, insp.findings + tuple(more), tuple(checks))


def validate_id_token_claims(
    claims: Mapping[str, Any], jws_header: Mapping[str, Any], exp: IdTokenExpectations
) -> tuple[list[Finding], list[Check]]:
    """Check the claims of an ID token against ``exp``: (findings, checklist)."""
    v = _Validator(claims, exp, time.time() if exp.now is None else exp.now)
    alg = jws_header.get("alg")
    alg = alg if isinstance(alg, str) else ""
    checks: list[Check] = [
        ("iss", v.iss()),
        ("sub", v.sub()),
        ("aud", v.aud()),
        ("azp", v.azp()),
        ("exp", v.expiry()),
        ("iat", v.iat()),
        ("nbf", v.nbf()),
        ("nonce", v.nonce()),
        ("at_hash", v.token_hash("at_hash", exp.access_token, alg)),
        ("c_hash", v.token_hash("c_hash", exp.code, alg)),
        ("auth_time", v.auth_time()),
        ("acr", v.acr()),
    ]
    return v.findings, checks


class _Validator:
    """The checks of OIDC Core 3.1.3.7, one method per claim; findings accumulate."""

    def __init__(self, claims: Mapping[str, Any], exp: IdTokenExpectations, now: float) -> None:
        self.claims, self.expect, self.now = claims, exp, now
        self.exp_at: float | None = None
        self.findings: list[Finding] = []

    def fail(self, code: str, message: str, ref: str, claim: str) -> bool:
        self.findings.append(error(f"id_token.{code}", message, ref, f"id_token.claims.{claim}"))
        return False

    def warn(self, code: str, message: str, ref: str, claim: str) -> None:
        self.findings.append(warning(f"id_token.{code}", message, ref, f"id_token.claims.{claim}"))

    def iss(self) -> bool:
        iss, expected = self.claims.get("iss"), self.expect.issuer
        if iss is None:
            return self.fail(
                "iss_missing", f"expected iss {expected!r}, received none", _REF, "iss"
            )
        if iss == expected:
            return True
        hint = ""
        if isinstance(iss, str) and iss.rstrip("/") == expected.rstrip("/"):
            hint = " (they differ only by a trailing slash; the comparison is exact)"
        return self.fail(
            "iss_mismatch",
            f"expected iss {expected!r}, received {iss!r}{hint}",
            f"{_REF} (2)",
            "iss",
        )

    def sub(self) -> bool:
        sub = self.claims.get("sub")
        if not isinstance(sub, str) or not sub:
            return self.fail(
                "sub_missing",
                f"expected sub, a non-empty string, received {sub!r}",
                "OIDC Core 2",
                "sub",
            )
        if len(sub) > 255:
            self.warn(
                "sub_too_long",
                f"sub must not exceed 255 ASCII characters, received {len(sub)}",
                "OIDC Core 2",
                "sub",
            )
            return False
        return True

    def audiences(self) -> list[Any]:
        aud = self.claims.get("aud")
        return aud if isinstance(aud, list) else [aud]

    def aud(self) -> bool:
        aud, client_id = self.claims.get("aud"), self.expect.client_id
        if aud is None:
            return self.fail(
                "aud_missing", f"expected aud {client_id!r}, received none", f"{_REF} (3)", "aud"
            )
        if client_id not in self.audiences():
            return self.fail(
                "aud_mismatch",
                f"expected aud to be or contain the client_id {client_id!r}, received {aud!r}",
                f"{_REF} (3)",
                "aud",
            )
        others = [a for a in self.audiences() if a != client_id]
        if others:
            self.warn(
                "aud_extra",
                f"aud also names {others!r}: reject the token unless these audiences are trusted",
                f"{_REF} (3)",
                "aud",
            )
        return True

    def azp(self) -> bool | None:
        azp, client_id = self.claims.get("azp"), self.expect.client_id
        if azp is None:
            if len(self.audiences()) > 1:
                self.warn(
                    "azp_missing",
                    f"aud has {len(self.audiences())} audiences, expected an azp claim"
                    f" ({client_id!r}), received none",
                    f"{_REF} (4)",
                    "azp",
                )
                return False
            return None
        if azp != client_id:
            return self.fail(
                "azp_mismatch",
                f"expected azp {client_id!r}, received {azp!r}",
                f"{_REF} (5)",
                "azp",
            )
        return True

    def date(self, name: str, required: bool, ref: str) -> float | None:
        """The NumericDate claim ``name``, or None (with a finding when it is bad or missing)."""
        value = self.claims.get(name)
        if value is None:
            if required:
                self.fail(f"{name}_missing", f"expected {name}, received none", ref, name)
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(
                f"{name}_invalid",
                f"expected {name} as a NumericDate (seconds since 1970), received {value!r}",
                "RFC 7519 section 2",
                name,
            )
            return None
        return float(value)

    def expiry(self) -> bool:
        exp = self.exp_at = self.date("exp", True, f"{_REF} (9)")
        if exp is None:
            return False
        if self.now > exp + self.expect.leeway:
            return self.fail(
                "expired",
                f"the ID token expired at {_iso(exp)}, {_span(self.now - exp)} ago"
                f" (leeway {self.expect.leeway} s; now {_iso(self.now)})",
                f"{_REF} (9)",
                "exp",
            )
        return True

    def iat(self) -> bool:
        iat = self.date("iat", True, f"{_REF} (10)")
        if iat is None:
            return False
        ok = True
        if iat > self.now + self.expect.leeway:
            ok = self.fail(
                "iat_in_future",
                f"the ID token was issued at {_iso(iat)}, {_span(iat - self.now)} in the future"
                f" (leeway {self.expect.leeway} s; now {_iso(self.now)}): check the clocks",
                f"{_REF} (10)",
                "iat",
            )
        limit = self.expect.max_lifetime
        if self.now - iat > limit:
            ok = False
            self.warn(
                "issued_too_long_ago",
                f"the ID token was issued at {_iso(iat)}, {_span(self.now - iat)} ago; expected"
                f" at most {_span(limit)}",
                f"{_REF} (10)",
                "iat",
            )
        exp = self.exp_at
        if exp is not None and exp - iat > limit:
            ok = False
            self.warn(
                "lifetime_too_long",
                f"the ID token lives {_span(exp - iat)} (iat {_iso(iat)} to exp {_iso(exp)});"
                f" expected at most {_span(limit)}",
                f"{_REF} (10)",
                "exp",
            )
        return ok

    def nbf(self) -> bool | None:
        nbf = self.date("nbf", False, "RFC 7519 section 4.1.5")
        if nbf is None:
            return None if "nbf" not in self.claims else False
        if nbf > self.now + self.expect.leeway:
            return self.fail(
                "nbf_in_future",
                f"the ID token is not valid before {_iso(nbf)}, {_span(nbf - self.now)} from now"
                f" (leeway {self.expect.leeway} s; now {_iso(self.now)})",
                "RFC 7519 section 4.1.5",
                "nbf",
            )
        return True

    def nonce(self) -> bool | None:
        nonce, expected = self.claims.get("nonce"), self.expect.nonce
        if expected is None:
            if nonce is not None:
                self.warn(
                    "nonce_unexpected",
                    f"no nonce was sent, but the ID token carries nonce {nonce!r}",
                    f"{_REF} (11)",
                    "nonce",
                )
                return False
            return None
        if nonce is None:
            return self.fail(
                "nonce_missing",
                f"expected nonce {expected!r}, received none",
                f"{_REF} (11)",
                "nonce",
            )
        if not isinstance(nonce, str) or not _same(nonce, expected):
            return self.fail(
                "nonce_mismatch",
                f"expected nonce {expected!r} (the one sent), received {nonce!r}",
                f"{_REF} (11)",
                "nonce",
            )
        return True

    def token_hash(self, name: str, value: str | None, alg: str) -> bool | None:
        """at_hash / c_hash: the left half of the hash of ``value`` for the JWS alg."""
        claim = self.claims.get(name)
        what = "access token" if name == "at_hash" else "authorization code"
        ref = "OIDC Core 3.1.3.6" if name == "at_hash" else "OIDC Core 3.3.2.11"
        if value is None:
            return None
        if claim is None:
            if name == "at_hash":
                self.findings.append(
                    info(
                        "id_token.at_hash_missing",
                        "the ID token has no at_hash, so the access token is not bound to it"
                        " (optional in the code flow)",
                        "OIDC Core 3.1.3.6",
                        "id_token.claims.at_hash",
                    )
                )
            return None
        expected = half_hash(value, alg)
        if expected is None:
            self.findings.append(
                info(
                    f"id_token.{name}_unverifiable",
                    f"{name} cannot be checked: the JWS alg {alg or '(none)'!r} names no hash",
                    ref,
                    f"id_token.claims.{name}",
                )
            )
            return None
        if not isinstance(claim, str) or not _same(claim, expected):
            return self.fail(
                f"{name}_mismatch",
                f"expected {name} {expected!r} (left half of the {alg} hash of the {what}),"
                f" received {claim!r}",
                ref,
                name,
            )
        return True

    def auth_time(self) -> bool | None:
        max_age = self.expect.max_age
        ref = f"{_REF} (13)"
        if max_age is None:
            return None
        auth_time = self.claims.get("auth_time")
        if auth_time is None:
            return self.fail(
                "auth_time_missing",
                f"max_age={max_age} was requested, so auth_time is required; received none",
                ref,
                "auth_time",
            )
        when = self.date("auth_time", True, ref)
        if when is None:
            return False
        age = self.now - when
        if age > max_age + self.expect.leeway:
            return self.fail(
                "auth_too_old",
                f"the user authenticated at {_iso(when)}, {_span(age)} ago; max_age is"
                f" {_span(max_age)} (leeway {self.expect.leeway} s)",
                ref,
                "auth_time",
            )
        return True

    def acr(self) -> bool | None:
        wanted = self.expect.acr_values
        if not wanted:
            return None
        acr = self.claims.get("acr")
        if acr is None:
            self.findings.append(
                info(
                    "id_token.acr_missing",
                    f"acr_values {' '.join(wanted)!r} were requested; the ID token has no acr",
                    f"{_REF} (12)",
                    "id_token.claims.acr",
                )
            )
            return False
        if acr not in wanted:
            self.warn(
                "acr_not_requested",
                f"expected acr to be one of {list(wanted)!r}, received {acr!r}",
                f"{_REF} (12)",
                "acr",
            )
            return False
        return True


def half_hash(value: str, alg: str) -> str | None:
    """at_hash / c_hash of ``value`` for JWS ``alg``: base64url of the left half of its hash."""
    match = _HASH_BITS.match(alg)
    if match is None:
        return None
    digest = hashlib.new(f"sha{match.group(1)}", value.encode("utf-8")).digest()
    return b64url_encode(digest[: len(digest) // 2])


def _same(received: str, expected: str) -> bool:
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


def _iso(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return f"{ts:g} (not a representable date)"


def _span(seconds: float) -> str:
    """A duration in words: "42 s", "5 min 3 s", "3 h 2 min", "2 d 4 h"."""
    s = round(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"
