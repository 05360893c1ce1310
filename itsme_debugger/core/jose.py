"""Reading JOSE tokens: peel a compact JWE / JWS layer by layer and say why each key was chosen.

``inspect()`` never raises on bad input: every problem becomes a finding
(``f"{prefix}.{code}"``), and whatever can still be decoded is decoded. Making tokens is
``core.seal``'s work. References: RFC 7515 (JWS), RFC 7516 (JWE), RFC 7518 (JWA), RFC 7519
(JWT), RFC 8725 (JWT best practices), OIDC Core 10.1 / 10.2, "itsme v2: Signing, encrypting and
decoding JWTs".

Decisions, in order: the size limit; the header (base64url JSON object); the algorithm against
the :class:`Policy` allow-lists (``alg: none`` is always refused; HMAC only with the client
secret, never with an RSA / EC public key: that is the algorithm confusion attack); the key (by
``kid``, else by ``use`` / ``alg`` / ``kty``, trying candidates in a stable order); then the
content: a nested JWT (``cty: JWT``, or a payload that looks like one) is peeled again, anything
else must be a JSON object of claims.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from .b64 import b64url_decode, b64url_encode, json_b64
from .errors import KeyError_
from .findings import Finding, Severity, error, info, warning

HMAC_ALGS = ("HS256", "HS384", "HS512")

#: Bits of key material each JWE content encryption (``dir``) or key wrapping algorithm needs.
_ENC_KEY_BITS = {
    "A128CBC-HS256": 256,
    "A192CBC-HS384": 384,
    "A256CBC-HS512": 512,
    "A128GCM": 128,
    "A192GCM": 192,
    "A256GCM": 256,
}
_KW_KEY_BITS = {
    "A128KW": 128,
    "A192KW": 192,
    "A256KW": 256,
    "A128GCMKW": 128,
    "A192GCMKW": 192,
    "A256GCMKW": 256,
}
_SIG_KTY = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
_ES_CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}
_MAX_DEPTH = 4
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64URL_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

#: What jwcrypto (and cryptography below it) raise on hostile input; caught, never re-raised.
_JOSE_ERRORS = (JWException, ValueError, TypeError, KeyError, IndexError, OverflowError)

_REF_JWS = "RFC 7515 section 5.2"
_REF_JWE = "RFC 7516 section 5.2"
_REF_ITSME = "itsme v2: Signing, encrypting and decoding JWTs"
_MAKE = {Severity.ERROR: error, Severity.WARNING: warning, Severity.INFO: info}


@dataclass(frozen=True)
class KeyUse:
    """Which key did what, and why it was chosen."""

    kid: str | None
    kty: str
    alg: str | None
    use: str | None
    reason: str


@dataclass(frozen=True)
class Layer:
    """One layer of a token: ``kind`` is "JWE", "JWS" or "JSON" (the claims)."""

    kind: str
    header: dict[str, Any]
    key: KeyUse | None
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class Policy:
    """What the reader accepts. The defaults suit itsme and most OpenID providers."""

    allowed_sig_algs: tuple[str, ...] = ("RS256", "PS256", "ES256")
    allowed_key_algs: tuple[str, ...] = ("RSA-OAEP", "RSA-OAEP-256", "dir")
    allowed_enc: tuple[str, ...] = ("A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM")
    require_encryption: bool = False
    require_kid: bool = False  # itsme requires kid in the JWS header
    allow_hmac_with_secret: bool = False  # HS256/384/512 only with the client secret
    max_token_bytes: int = 256 * 1024
    #: A JWT must be signed (OIDC Core 2 for ID tokens); UserInfo may be encrypted only.
    require_signature: bool = True
    #: Cap on the inflated plaintext of a JWE with ``zip: DEF``.
    max_plaintext_bytes: int = 1024 * 1024


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Inspection:
    """What ``inspect()`` found: the layers peeled, the claims, and the findings."""

    token: str
    layers: tuple[Layer, ...]
    claims: dict[str, Any] | None  # None when it could not be read
    findings: tuple[Finding, ...]
    unknown_kid: str | None = None  # JWS kid not among the verification keys: refetch once
    payload: str | None = None  # the innermost payload as text, when it could be decrypted

    def _first(self, kind: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.kind == kind), None)

    @property
    def encrypted(self) -> bool:
        return self._first("JWE") is not None

    @property
    def signed(self) -> bool:
        return any(
            layer.kind == "JWS" and str(layer.header.get("alg", "")).lower() != "none"
            for layer in self.layers
        )

    @property
    def signature_verified(self) -> bool:
        return any(layer.kind == "JWS" and layer.ok for layer in self.layers)

    @property
    def jwe_header(self) -> dict[str, Any] | None:
        layer = self._first("JWE")
        return layer.header if layer else None

    @property
    def jws_header(self) -> dict[str, Any] | None:
        layer = self._first("JWS")
        return layer.header if layer else None

    @property
    def decrypted_with(self) -> KeyUse | None:
        layer = self._first("JWE")
        return layer.key if layer else None

    @property
    def verified_with(self) -> KeyUse | None:
        layer = self._first("JWS")
        return layer.key if layer else None


def derive_secret_key(client_secret: str, alg: str, enc: str) -> jwk.JWK:
    """The symmetric key OIDC Core 10.2 derives from a client secret.

    A left-truncated SHA-2 hash of the secret's UTF-8 octets: SHA-256 for keys up to 256 bits,
    SHA-384 up to 384, SHA-512 up to 512; the size is the one ``enc`` needs for ``dir``, or the
    one the key wrapping ``alg`` needs. Raises KeyError_ for any other algorithm.
    """
    bits = _secret_key_bits(alg, enc)
    if bits is None:
        raise KeyError_(
            f"no key can be derived from the client secret for alg {alg!r} / enc {enc!r}"
            " (OIDC Core 10.2 covers dir and AES key wrapping)"
        )
    name = "sha256" if bits <= 256 else "sha384" if bits <= 384 else "sha512"
    digest = hashlib.new(name, client_secret.encode("utf-8")).digest()
    return jwk.JWK(kty="oct", k=b64url_encode(digest[: bits // 8]))


def peek(token: str) -> tuple[str, dict[str, Any]]:
    """("JWE" | "JWS" | "unsecured" | "unknown", first header), without keys; never raises."""
    parts = "".join(str(token).split()).split(".")
    header = _json_object(parts[0]) if len(parts) in (3, 5) else None
    if header is None:
        return "unknown", {}
    if len(parts) == 5:
        return "JWE", header
    alg = header.get("alg")
    return ("unsecured" if isinstance(alg, str) and alg.lower() == "none" else "JWS"), header


def inspect(
    token: str,
    *,
    prefix: str = "token",
    decryption_keys: jwk.JWKSet | None = None,
    verification_keys: jwk.JWKSet | None = None,
    client_secret: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Inspection:
    """Decrypt, verify and decode ``token``; every problem is a finding, nothing is raised."""
    peeler = _Peeler(prefix, decryption_keys, verification_keys, client_secret or None, policy)
    return peeler.run(token)


# ---------------------------------------------------------------------------------------------
# The peeler: mutable state of one inspect() call.


@dataclass
class _Peeler:
    prefix: str
    decryption_keys: jwk.JWKSet | None
    verification_keys: jwk.JWKSet | None
    client_secret: str | None
    policy: Policy
    layers: list[Layer] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unknown_kid: str | None = None
    text: str | None = None  # the innermost payload as UTF-8 text, once claims() decoded it

    def add(self, sev: Severity, code: str, message: str, reference: str, where: str = "") -> None:
        make = _MAKE[sev]
        self.findings.append(
            make(f"{self.prefix}.{code}", message, reference, f"{self.prefix}{where}")
        )

    def run(self, token: str) -> Inspection:
        text = str(token).strip()
        compact = "".join(text.split())
        limit = self.policy.max_token_bytes
        size = len(compact)
        if size <= limit and not compact.isascii():
            size = len(compact.encode("utf-8", "replace"))
        if size > limit:
            self.add(
                Severity.ERROR,
                "too_large",
                f"the token is {size} bytes; the limit is {limit} bytes, so it was not decoded",
                "debugger limit (Policy.max_token_bytes)",
            )
            return Inspection(compact, (), None, tuple(self.findings))
        if compact != text:
            self.add(
                Severity.INFO,
                "whitespace_removed",
                "the token contained whitespace, removed before decoding"
                " (a compact serialization has none)",
                "RFC 7515 section 7.1",
            )
        payload = self.peel(compact, 0)
        claims = None if payload is None else self.claims(payload)
        self.policy_checks(payload is not None)
        text_payload = self.text
        if text_payload is None and payload is not None:
            text_payload = payload.decode("utf-8", "replace")
        return Inspection(
            compact,
            tuple(self.layers),
            claims,
            tuple(self.findings),
            self.unknown_kid,
            text_payload,
        )

    def policy_checks(self, readable: bool) -> None:
        if not self.layers:
            return
        if self.policy.require_encryption and self.layers[0].kind != "JWE":
            self.add(
                Severity.ERROR,
                "not_encrypted",
                f"expected an encrypted token (JWE, 5 parts), received a {self.layers[0].kind}",
                f"{_REF_ITSME} (signed then encrypted)",
            )
        signed = any(layer.kind == "JWS" for layer in self.layers)
        if self.policy.require_signature and readable and not signed:
            self.add(
                Severity.ERROR,
                "not_signed",
                "expected a signed JWT (JWS) inside, received claims that are not signed",
                "OIDC Core 2 (the ID Token MUST be signed)",
            )

    # -- structure --------------------------------------------------------------------------

    def peel(self, token: str, depth: int) -> bytes | None:
        """Peel one compact serialization; the innermost payload, or None when unreadable."""
        parts = token.split(".")
        if len(parts) == 5:
            return self.jwe(token, parts, depth)
        if len(parts) == 3:
            return self.jws(token, parts, depth)
        self.add(
            Severity.ERROR,
            "malformed",
            f"expected a compact JWS (3 parts) or JWE (5 parts), received {len(parts)} part(s)",
            "RFC 7515 section 7.1; RFC 7516 section 7.1",
        )
        return None

    def header(self, segment: str, kind: str) -> dict[str, Any] | None:
        try:
            value = json_b64(segment)
        except (ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            self.bad(kind, f"the {kind} header is not base64url-encoded JSON ({reason})")
            return None
        if not isinstance(value, dict):
            self.bad(kind, f"the {kind} header must be a JSON object, received {_kind(value)}")
            return None
        return value

    def bad(self, kind: str, message: str, header: dict[str, Any] | None = None) -> None:
        reference = f"RFC 751{5 if kind == 'JWS' else 6} section 7.1"
        self.add(Severity.ERROR, "malformed", message, reference)
        self.layers.append(Layer(kind, header or {}, None, False, message))

    def nested(self, header: dict[str, Any], payload: bytes, depth: int, kind: str) -> bytes | None:
        """Peel again when the content is a JWT; else the payload as it is."""
        cty = header.get("cty")
        says_jwt = isinstance(cty, str) and cty.lower() in ("jwt", "application/jwt")
        if not says_jwt and payload[:1] == b"{":  # claims, the usual case: not a compact JWT
            return payload
        text = payload.decode("ascii", "replace").strip()
        if not says_jwt and not _looks_compact(text):
            return payload
        if not says_jwt:
            self.add(
                Severity.WARNING,
                "cty_missing",
                f'the {kind} content is a nested JWT but the header has no "cty": "JWT"'
                f" (received cty {cty!r})",
                f"RFC 7519 section 5.2; {_REF_ITSME} (cty JWT required)",
                f".{kind.lower()}.header.cty",
            )
        if depth + 1 >= _MAX_DEPTH:
            self.add(
                Severity.ERROR,
                "nesting_too_deep",
                f"more than {_MAX_DEPTH} nested layers; stopped peeling",
                "debugger limit",
            )
            return None
        return self.peel("".join(text.split()), depth + 1)

    def claims(self, payload: bytes) -> dict[str, Any] | None:
        value: Any = None
        try:
            self.text = payload.decode("utf-8")
            value = json.loads(self.text)
        except UnicodeDecodeError:
            received = "bytes that are not UTF-8 text"
        except ValueError as exc:
            received = f"text that is not JSON ({exc})"
        except RecursionError:
            received = "JSON nested too deeply"
        else:
            received = _kind(value)
        if isinstance(value, dict):
            self.layers.append(Layer("JSON", {}, None, True, "claims"))
            return value
        self.add(
            Severity.ERROR,
            "claims_not_object",
            f"expected the claims as a JSON object, received {received}",
            "RFC 7519 section 7.2 (10)",
            ".claims",
        )
        self.layers.append(Layer("JSON", {}, None, False, f"not a JSON object: {received}"))
        return None

    # -- JWS ----------------------------------------------------------------------------------

    def jws(self, token: str, parts: list[str], depth: int) -> bytes | None:
        header = self.header(parts[0], "JWS")
        if header is None:
            return None
        try:
            payload = b64url_decode(parts[1])
            signature = b64url_decode(parts[2])
        except ValueError as exc:
            self.bad("JWS", f"the JWS payload or signature is not base64url ({exc})", header)
            return None
        if header.get("b64") is False:
            self.bad("JWS", 'a JWT cannot use an unencoded payload ("b64": false)', header)
            return None
        key, ok, note = self.verify(header, token, signature)
        self.layers.append(Layer("JWS", header, key, ok, note))
        return self.nested(header, payload, depth, "JWS")

    def verify(
        self, header: dict[str, Any], token: str, signature: bytes
    ) -> tuple[KeyUse | None, bool, str]:
        alg, kid = header.get("alg"), header.get("kid")
        if kid is not None and not isinstance(kid, str):
            self.add(
                Severity.ERROR,
                "malformed",
                "the JWS kid must be a string",
                "RFC 7515 section 4.1.4",
            )
            kid = None
        if kid is None and self.policy.require_kid:
            self.add(
                Severity.WARNING,
                "kid_missing",
                "expected a kid in the JWS header, received none",
                f"{_REF_ITSME} (kid required); RFC 7515 section 4.1.4",
                ".jws.header.kid",
            )
        if not isinstance(alg, str) or not alg:
            self.add(
                Severity.ERROR, "malformed", "the JWS header has no alg", "RFC 7515 section 4.1.1"
            )
            return None, False, "no alg"
        if alg.lower() == "none":
            self.add(
                Severity.ERROR,
                "alg_none",
                'the JWS alg is "none": the token is not signed and must be rejected'
                f"{' (and it even carries a signature)' if signature else ''}",
                "RFC 8725 section 3.1; RFC 7518 section 3.6",
                ".jws.header.alg",
            )
            return None, False, "unsecured (alg none)"
        if "crit" in header:
            return self.crit(header, "JWS")
        if alg in HMAC_ALGS:
            return self.verify_hmac(alg, kid, token, signature)
        if alg not in self.policy.allowed_sig_algs:
            self.add(
                Severity.ERROR,
                "alg_not_allowed",
                f"expected the JWS alg to be one of {_list(self.policy.allowed_sig_algs)},"
                f" received {alg!r}",
                "RFC 8725 section 3.1",
                ".jws.header.alg",
            )
            return None, False, f"alg {alg} not allowed"
        if self.verification_keys is None:
            self.add(
                Severity.WARNING,
                "unverified",
                "the signature was not verified: no verification keys were given",
                _REF_JWS,
            )
            return None, False, "not verified: no keys"
        return self.verify_with_keys(alg, kid, token)

    def crit(self, header: dict[str, Any], kind: str) -> tuple[None, bool, str]:
        self.add(
            Severity.ERROR,
            "crit_unsupported",
            f"the {kind} header marks extensions as critical ({header.get('crit')!r});"
            " none is understood, so the token must be rejected",
            f"RFC 751{5 if kind == 'JWS' else 6} section 4.1.{11 if kind == 'JWS' else 13}",
            f".{kind.lower()}.header.crit",
        )
        return None, False, "critical extensions not understood"

    def verify_hmac(
        self, alg: str, kid: str | None, token: str, signature: bytes
    ) -> tuple[KeyUse | None, bool, str]:
        keys = _keys(self.verification_keys)
        named_asym = kid is not None and any(
            k.get("kid") == kid and k.get("kty") != "oct" for k in keys
        )
        usable = self.policy.allow_hmac_with_secret and self.client_secret is not None
        if named_asym or (not usable and any(k.get("kty") != "oct" for k in keys)):
            self.add(
                Severity.ERROR,
                "hmac_with_asymmetric_key",
                f"the JWS alg is {alg} (HMAC) but the verification keys are RSA/EC public keys:"
                " using a public key as an HMAC secret is the algorithm confusion attack;"
                " an HMAC-signed token verifies only with the client secret",
                "RFC 8725 sections 2.1 and 3.1; OIDC Core 10.1",
                ".jws.header.alg",
            )
            return None, False, "refused: HMAC with a public key"
        if not self.policy.allow_hmac_with_secret:
            self.add(
                Severity.ERROR,
                "alg_not_allowed",
                f"expected the JWS alg to be one of {_list(self.policy.allowed_sig_algs)},"
                f" received {alg!r} (HMAC with the client secret is not allowed here)",
                "RFC 8725 section 3.1; OIDC Core 10.1",
                ".jws.header.alg",
            )
            return None, False, f"alg {alg} not allowed"
        if self.client_secret is None:
            if self.verification_keys is None:
                self.add(
                    Severity.WARNING,
                    "unverified",
                    f"the {alg} signature was not verified: no client secret was given",
                    "OIDC Core 10.1",
                )
                return None, False, "not verified: no client secret"
            self.add(
                Severity.ERROR,
                "no_verification_key",
                f"a {alg} signature verifies only with the client secret, and none was given",
                "OIDC Core 10.1",
            )
            return None, False, "no client secret"
        secret = self.client_secret.encode("utf-8")
        bits = int(alg[2:])
        if len(secret) * 8 < bits:
            self.add(
                Severity.WARNING,
                "hmac_key_too_short",
                f"{alg} needs a key of at least {bits} bits; the client secret has"
                f" {len(secret) * 8}",
                "RFC 7518 section 3.2; OIDC Core 16.19",
            )
        # The stdlib, not jwcrypto: it refuses short keys, which would read as a bad signature.
        mac = hmac.new(secret, token.rsplit(".", 1)[0].encode("ascii"), f"sha{bits}").digest()
        if hmac.compare_digest(mac, signature):
            reason = "the client secret's UTF-8 octets (OIDC Core 10.1)"
            return KeyUse(None, "oct", alg, "sig", reason), True, "verified with the client secret"
        self.add(
            Severity.ERROR,
            "signature_invalid",
            f"the {alg} signature does not verify with the client secret",
            _REF_JWS,
        )
        return None, False, "signature invalid"

    def verify_with_keys(
        self, alg: str, kid: str | None, token: str
    ) -> tuple[KeyUse | None, bool, str]:
        keys = _keys(self.verification_keys)
        if kid is not None:
            named = [k for k in keys if k.get("kid") == kid]
            if not named:
                self.unknown_kid = kid
                self.add(
                    Severity.ERROR,
                    "unknown_kid",
                    f"the JWS kid {kid!r} is not among the {len(keys)} verification key(s)"
                    f" ({_kids(keys)}); the provider may have rotated its keys: fetch its JWKS"
                    " again",
                    "OIDC Core 10.1.1",
                    ".jws.header.kid",
                )
                return None, False, f"unknown kid {kid!r}"
            candidates = [k for k in named if _can_verify(k, alg)]
        else:
            candidates = [k for k in keys if _can_verify(k, alg)]

        def what() -> str:  # only for a finding: describing keys without kid hashes them
            if kid is not None:
                return f"the key with kid {kid!r} ({_describe_all(named)})"
            return f"any of the {len(keys)} verification key(s) ({_describe_all(keys)})"

        if not candidates:
            self.add(
                Severity.ERROR,
                "no_verification_key",
                f"expected a key that can verify {alg} (kty {_kty_for(alg)}, use sig), found"
                f" none: {what()}",
                "RFC 7517 section 4.2; OIDC Core 10.1",
            )
            return None, False, "no usable key"
        for i, key in enumerate(candidates, 1):
            if _verifies(token, key, alg):
                if kid is not None:
                    reason = f"kid {kid!r} of the JWS header matches"
                elif len(candidates) == 1:
                    reason = f"no kid in the JWS header; the only {_describe(key)} for {alg}"
                else:
                    reason = (
                        f"no kid in the JWS header; {_describe(key)} is candidate {i} of"
                        f" {len(candidates)} for {alg}, the first that verifies"
                    )
                return _key_use(key, reason), True, "signature verified"
        self.add(
            Severity.ERROR,
            "signature_invalid",
            f"the {alg} signature does not verify with {what()}: the token was altered or signed"
            " with another key",
            _REF_JWS,
        )
        return None, False, "signature invalid"

    # -- JWE ----------------------------------------------------------------------------------

    def jwe(self, token: str, parts: list[str], depth: int) -> bytes | None:
        header = self.header(parts[0], "JWE")
        if header is None:
            return None
        alg, enc, kid = header.get("alg"), header.get("enc"), header.get("kid")
        if not isinstance(alg, str) or not isinstance(enc, str):
            self.bad("JWE", "the JWE header needs alg and enc (strings)", header)
            return None
        try:
            filled = [_b64_nonempty(p) for p in parts[1:]]
        except ValueError as exc:
            self.bad("JWE", f"a JWE part is not base64url ({exc})", header)
            return None
        if not all(filled[1:]):
            self.bad("JWE", "the JWE initialization vector, ciphertext or tag is empty", header)
            return None
        refusal = self.refuse_jwe(header, alg, enc)
        if refusal:
            self.layers.append(Layer("JWE", header, None, False, refusal))
            return None
        candidates = self.decryption_candidates(alg, enc, kid if isinstance(kid, str) else None)
        if not candidates:
            self.add(
                Severity.ERROR,
                "no_decryption_key",
                f"expected a key to decrypt {alg} / {enc}"
                f"{f' with kid {kid!r}' if kid else ''}, found none among"
                f" {len(_keys(self.decryption_keys))} decryption key(s)"
                f"{' (and no client secret)' if alg == 'dir' and not self.client_secret else ''}",
                f"OIDC Core 10.2; {_REF_ITSME}",
                ".jwe.header",
            )
            self.layers.append(Layer("JWE", header, None, False, "no decryption key"))
            return None
        for i, (key, reason) in enumerate(candidates, 1):
            plaintext, inflated_too_much = _decrypt(token, key, alg, enc, self.policy)
            if inflated_too_much:
                self.add(
                    Severity.ERROR,
                    "too_large",
                    f"the compressed plaintext inflates beyond {self.policy.max_plaintext_bytes}"
                    " bytes (a zip bomb?); refused",
                    "RFC 8725 section 3.6; debugger limit (Policy.max_plaintext_bytes)",
                    ".jwe.header.zip",
                )
                self.layers.append(Layer("JWE", header, None, False, "inflated too large"))
                return None
            if plaintext is not None:
                if len(candidates) > 1:
                    reason += f" (candidate {i} of {len(candidates)}, the first that decrypts)"
                self.layers.append(Layer("JWE", header, _key_use(key, reason), True, "decrypted"))
                return self.nested(header, plaintext, depth, "JWE")
        self.add(
            Severity.ERROR,
            "decryption_failed",
            f"none of the {len(candidates)} candidate key(s) decrypts the token"
            f" ({'; '.join(reason for _, reason in candidates)}): it was encrypted to another"
            " key, or altered",
            _REF_JWE,
        )
        self.layers.append(Layer("JWE", header, None, False, "decryption failed"))
        return None

    def refuse_jwe(self, header: dict[str, Any], alg: str, enc: str) -> str:
        """A reason to stop before decrypting ("" when there is none); adds the findings."""
        reasons = []
        if "crit" in header:
            reasons.append(self.crit(header, "JWE")[2])
        if alg not in self.policy.allowed_key_algs:
            why = " (RSAES-PKCS1-v1_5 is open to padding oracle attacks)" if alg == "RSA1_5" else ""
            self.add(
                Severity.ERROR,
                "alg_not_allowed",
                f"expected the JWE alg to be one of {_list(self.policy.allowed_key_algs)},"
                f" received {alg!r}{why}",
                "RFC 8725 section 3.2; RFC 7518 section 4.1",
                ".jwe.header.alg",
            )
            reasons.append(f"alg {alg} not allowed")
        if enc not in self.policy.allowed_enc:
            self.add(
                Severity.ERROR,
                "enc_not_allowed",
                f"expected the JWE enc to be one of {_list(self.policy.allowed_enc)},"
                f" received {enc!r}",
                "RFC 8725 section 3.2; RFC 7518 section 5.1",
                ".jwe.header.enc",
            )
            reasons.append(f"enc {enc} not allowed")
        zip_ = header.get("zip")
        if zip_ is not None and zip_ != "DEF":
            self.add(
                Severity.ERROR,
                "zip_unsupported",
                f'expected no "zip" or "DEF", received {zip_!r}',
                "RFC 7516 section 4.1.3",
                ".jwe.header.zip",
            )
            reasons.append("unknown compression")
        elif zip_ == "DEF":
            self.add(
                Severity.WARNING,
                "zip_used",
                "the plaintext was compressed before encryption, which can leak its content"
                " through the ciphertext length",
                "RFC 8725 section 3.6",
                ".jwe.header.zip",
            )
        return "; ".join(reasons)

    def decryption_candidates(
        self, alg: str, enc: str, kid: str | None
    ) -> list[tuple[jwk.JWK, str]]:
        keys = [k for k in _keys(self.decryption_keys) if _can_decrypt(k, alg, enc)]
        out: list[tuple[jwk.JWK, str]] = []
        if kid is not None:
            named = [k for k in keys if k.get("kid") == kid]
            out = [(k, f"kid {kid!r} of the JWE header matches") for k in named]
            if not named and keys:
                self.add(
                    Severity.WARNING,
                    "unknown_enc_kid",
                    f"no decryption key for {alg} has the JWE kid {kid!r} ({_kids(keys)});"
                    " trying every key that fits",
                    "RFC 7516 section 4.1.6",
                    ".jwe.header.kid",
                )
        if not out:
            only = "the only" if len(keys) == 1 else "a"
            out = [(k, f"{only} {_describe(k)} that can decrypt {alg}") for k in keys]
        if self.client_secret is not None and _secret_key_bits(alg, enc):
            derived = derive_secret_key(self.client_secret, alg, enc)
            out.append((derived, "derived from the client secret (OIDC Core 10.2)"))
        return out


# ---------------------------------------------------------------------------------------------
# Small helpers


def _secret_key_bits(alg: str, enc: str) -> int | None:
    """Bits of key OIDC Core 10.2 derives from the client secret; None when it does not."""
    return _ENC_KEY_BITS.get(enc) if alg == "dir" else _KW_KEY_BITS.get(alg)


def _json_object(segment: str) -> dict[str, Any] | None:
    try:
        value = json_b64(segment)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _looks_compact(text: str) -> bool:
    """True for a string shaped like a compact JWS / JWE whose header has an alg."""
    parts = text.split(".")
    if len(parts) not in (3, 5) or any(_B64URL.fullmatch(p) is None for p in parts):
        return False
    header = _json_object(parts[0])
    return header is not None and "alg" in header


def _b64_nonempty(segment: str) -> bool:
    """``bool(b64url_decode(segment))``, raising as it does; a clean segment is not decoded."""
    clean = (
        len(segment) % 4 != 1
        and segment.isascii()
        and not segment.encode("ascii").translate(None, _B64URL_CHARS)
    )
    if clean:  # only the alphabet, at a length that can be: it decodes, to bytes unless empty
        return segment != ""
    return b64url_decode(segment) != b""


def _keys(keys: jwk.JWKSet | None) -> list[jwk.JWK]:
    """The keys of a set in a stable order (a JWKSet is a set: its own order varies)."""
    if keys is None:
        return []
    listed = list(keys)
    if len(listed) < 2:
        return listed
    kids = [str(k.get("kid") or "") for k in listed]
    if len(set(kids)) == len(kids):  # distinct kids order them alone: no thumbprints to hash
        return [listed[i] for i in sorted(range(len(listed)), key=kids.__getitem__)]
    return sorted(listed, key=lambda k: (str(k.get("kid") or ""), k.thumbprint()))


def _kty_for(alg: str) -> str:
    return _SIG_KTY.get(alg[:2], "OKP" if alg.startswith("Ed") else "?")


def _can_verify(key: jwk.JWK, alg: str) -> bool:
    if key.get("kty") != _kty_for(alg) or key.get("use") not in (None, "sig"):
        return False
    if key.get("alg") not in (None, alg):
        return False
    if key.get("kty") == "EC" and key.get("crv") != _ES_CRV.get(alg):
        return False
    ops = key.get("key_ops")
    return ops is None or "verify" in ops


def _can_decrypt(key: jwk.JWK, alg: str, enc: str) -> bool:
    if key.get("use") not in (None, "enc"):
        return False
    ops = key.get("key_ops")
    if ops is not None and not {"decrypt", "unwrapKey"} & set(ops):
        return False
    kty = key.get("kty")
    if alg.startswith("RSA"):
        return kty == "RSA" and key.has_private and key.get("alg") in (None, alg)
    if alg.startswith("ECDH-ES"):
        return kty in ("EC", "OKP") and key.has_private and key.get("alg") in (None, alg)
    if alg == "dir":
        return kty == "oct" and key.get("alg") in (None, "dir", enc)
    return kty == "oct" and key.get("alg") in (None, alg)


_T = TypeVar("_T")


def _shares_registry(obj: object) -> bool:
    """True when a copy of ``obj``'s attributes, its dicts and lists copied too, is as good as
    new: nothing but the header registry is shared (see ``_fresh``)."""
    plain = (type(None), bool, int, str, bytes)
    return all(
        name == "header_registry"
        or type(value) in plain
        or (type(value) is list and all(type(v) in plain for v in value))
        or (type(value) is dict and all(type(v) in plain for v in value.values()))
        for name, value in vars(obj).items()
    )


#: A JWE and a JWS made the ordinary way, for ``_fresh`` to copy.
_PROTOTYPES: dict[Any, Any] = {
    cls: proto for cls in (jwe.JWE, jws.JWS) if _shares_registry(proto := cls())
}


def _fresh(cls: type[_T]) -> _T:
    """A new ``cls()`` (jwcrypto's JWE or JWS), without the deep copy of its header registry.

    Each JWE and JWS that jwcrypto makes deep-copies its registry of header parameters (about
    30 µs each: a nested ID token needs one of each, a sixth of the time it takes to read),
    and then only reads it: deserialize, decrypt and verify look headers up, never change
    them. So the new object shares the registry of a prototype made the ordinary way; the
    rest of its state (None, flags, an empty dict) is its own, as ``cls()`` would make it.
    """
    proto = _PROTOTYPES.get(cls)
    if proto is None:  # another jwcrypto, whose objects hold what _shares_registry refuses
        return cls()
    obj = cls.__new__(cls)
    obj.__dict__.update(
        {k: v.copy() if type(v) in (dict, list) else v for k, v in vars(proto).items()}
    )
    return obj


def _verifies(token: str, key: jwk.JWK, alg: str) -> bool:
    obj = _fresh(jws.JWS)
    obj.allowed_algs = [alg]
    try:
        obj.deserialize(token)
        obj.verify(key, alg=alg)
    except _JOSE_ERRORS:
        return False
    return True


def _decrypt(
    token: str, key: jwk.JWK, alg: str, enc: str, policy: Policy
) -> tuple[bytes | None, bool]:
    """(plaintext or None, True when decryption worked but inflating went over the cap)."""
    obj = _fresh(jwe.JWE)
    obj.allowed_algs = [alg, enc]
    try:
        obj.deserialize(token)
        obj.decrypt(key, max_plaintext=policy.max_plaintext_bytes)
    except _JOSE_ERRORS:
        # jwcrypto keeps the content key once decryption worked, even if inflating then failed
        return None, getattr(obj, "cek", None) is not None
    return bytes(obj.plaintext), False


def _key_use(key: jwk.JWK, reason: str) -> KeyUse:
    kid, alg, use = key.get("kid"), key.get("alg"), key.get("use")
    return KeyUse(
        kid=None if kid is None else str(kid),
        kty=str(key.get("kty")),
        alg=None if alg is None else str(alg),
        use=None if use is None else str(use),
        reason=reason,
    )


def _describe(key: jwk.JWK) -> str:
    use = key.get("use")
    name = f"kid {key.get('kid')!r}" if key.get("kid") else f"thumbprint {key.thumbprint()[:8]}"
    return f"{key.get('kty')} key ({name}, {f'use={use}' if use else 'no use'})"


def _describe_all(keys: list[jwk.JWK]) -> str:
    return "; ".join(_describe(k) for k in keys) or "no keys"


def _kids(keys: list[jwk.JWK]) -> str:
    kids = [str(k.get("kid")) for k in keys if k.get("kid")]
    return f"kids {', '.join(kids)}" if kids else "none has a kid"


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(values) or "(nothing)"


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")
