"""The client's own keys: generate them, read them from bytes, check them against itsme®'s rules.

Pure: bytes in, values out (``itsme_debugger.keyfiles`` reads and writes the files). itsme®
wants a JWK Set of RSA keys only, with at least one signing key (``use: sig``, RS256, a
``kid``) and one encryption key (``use: enc``, SHOULD be RSA-OAEP-256).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from jwcrypto import jwk
from jwcrypto.common import JWException

from .b64 import b64url_decode
from .discovery import PRIVATE_MEMBERS
from .errors import KeyError_
from .findings import Finding, error, info, warning

_ITSME_KEYS = "itsme v2: JWK Set of the relying party"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.DOTALL)
_KEY_ERRORS = (JWException, ValueError, TypeError, KeyError, UnsupportedAlgorithm)


def generate_client_keys(
    *, bits: int = 2048, sig_kid: str | None = None, enc_kid: str | None = None
) -> jwk.JWKSet:
    """One RSA signing key (use sig, RS256) and one RSA encryption key (use enc, RSA-OAEP).

    Without a given kid, each gets ``sig-`` / ``enc-`` + the first 8 characters of its RFC 7638
    thumbprint.
    """
    keys = jwk.JWKSet()
    for use, alg, kid in (("sig", "RS256", sig_kid), ("enc", "RSA-OAEP", enc_kid)):
        key = jwk.JWK.generate(kty="RSA", size=bits, use=use, alg=alg)
        key["kid"] = kid or f"{use}-{key.thumbprint()[:8]}"
        keys.add(key)
    return keys


def _sorted(keys: jwk.JWKSet) -> list[jwk.JWK]:
    """Signing keys first, then by kid: a stable order for files and views."""
    return sorted(keys["keys"], key=lambda k: (k.get("use") != "sig", str(k.get("kid", ""))))


def public_jwks(keys: jwk.JWKSet) -> dict[str, Any]:
    """The JWK Set to publish: public parts only (symmetric keys are left out)."""
    return {"keys": [k.export_public(as_dict=True) for k in _sorted(keys) if k.has_public]}


def private_jwks(keys: jwk.JWKSet) -> dict[str, Any]:
    """The whole JWK Set, private parts included (for the private key file only)."""
    return {"keys": [k.export(private_key=True, as_dict=True) for k in _sorted(keys)]}


def load_keys(data: bytes, *, password: bytes | None = None, source: str = "") -> jwk.JWKSet:
    """Keys from a JWK Set (JSON), a single JWK (JSON), or PEM (private or public RSA / EC key,
    X.509 certificate; several blocks allowed).

    Raises KeyError_ with one line that starts with ``source``.
    """
    prefix = f"{source}: " if source else ""
    text = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not text:
        raise KeyError_(f"{prefix}empty: expected a JWK Set, a JWK or a PEM key")
    if text.startswith((b"{", b"[")):
        return _from_json(text, prefix)
    if b"-----BEGIN " in text:
        return _from_pem(text, password, prefix)
    raise KeyError_(
        f"{prefix}not a key file: expected a JWK Set or a JWK (JSON), or a PEM key or certificate"
    )


def _from_json(text: bytes, prefix: str) -> jwk.JWKSet:
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyError_(f"{prefix}not a JWK Set: invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise KeyError_(f"{prefix}not a JWK Set: the JSON is nested too deeply") from exc
    keys = jwk.JWKSet()
    if not isinstance(doc, dict):
        raise KeyError_(f"{prefix}not a JWK Set: the JSON is not an object")
    if "keys" in doc:
        entries = doc["keys"]
        if not isinstance(entries, list) or not entries:
            raise KeyError_(f"{prefix}not a JWK Set: 'keys' is not a non-empty list")
        for index, entry in enumerate(entries):
            keys.add(_jwk(entry, f"{prefix}not a JWK Set: key #{index}"))
        return keys
    if "kty" in doc:
        keys.add(_jwk(doc, f"{prefix}not a JWK"))
        return keys
    raise KeyError_(f"{prefix}not a JWK Set: no 'keys' member (and no 'kty' for a single JWK)")


def _jwk(entry: Any, what: str) -> jwk.JWK:
    if not isinstance(entry, dict):
        raise KeyError_(f"{what} is a {type(entry).__name__}, not a JSON object")
    if "kty" not in entry:
        raise KeyError_(f"{what} is not a valid JWK: it has no kty")
    try:
        key = jwk.JWK(**entry)
        if not key.is_symmetric:
            key.export_to_pem(private_key=key.has_private, password=None)  # builds the key
    except _KEY_ERRORS as exc:
        raise KeyError_(f"{what} is not a valid JWK: {exc or type(exc).__name__}") from exc
    return key


def _from_pem(text: bytes, password: bytes | None, prefix: str) -> jwk.JWKSet:
    blocks = [(m.group(1).decode("ascii"), m.group(0)) for m in _PEM_BLOCK.finditer(text)]
    if not blocks:
        raise KeyError_(f"{prefix}PEM data without a complete BEGIN/END block")
    blocks.sort(key=lambda b: "PRIVATE KEY" not in b[0])  # a private key wins over its cert
    keys = jwk.JWKSet()
    for label, block in blocks:
        private = "PRIVATE KEY" in label
        try:
            keys.add(jwk.JWK.from_pem(block, password if private else None))
        except TypeError as exc:
            raise KeyError_(
                f"{prefix}the {label} is encrypted: give its password"
                if password is None
                else f"{prefix}cannot read the {label}: {exc}"
            ) from exc
        except _KEY_ERRORS as exc:
            hint = " (or the password is wrong)" if private and password is not None else ""
            raise KeyError_(
                f"{prefix}the PEM {label} is not an RSA or EC key or certificate that can be "
                f"read{hint}"
            ) from exc
    return keys


def describe_key(key: jwk.JWK) -> str:
    """A one-line summary, e.g. ``RSA 2048 sig RS256 kid=sig-1a2b3c4d`` (no key material)."""
    kty = str(key.get("kty", "?"))
    if kty == "RSA":
        size = str(_rsa_bits(key.get("n")) or "?")
    elif kty in ("EC", "OKP"):
        size = str(key.get("crv", "?"))
    else:
        size = ""
    kid = key.get("kid")
    parts = [
        kty,
        size,
        str(key.get("use") or "any-use"),
        str(key.get("alg") or "no-alg"),
        f"kid={kid}" if kid else "no kid",
    ]
    return " ".join(p for p in parts if p)


def _rsa_bits(n: Any) -> int | None:
    if not isinstance(n, str):
        return None
    try:
        return int.from_bytes(b64url_decode(n), "big").bit_length()
    except ValueError:
        return None


def check_itsme_jwks(jwks: Mapping[str, Any]) -> list[Finding]:
    """Check a public JWK Set (as published at the client's jwks_uri) against itsme®'s rules."""
    findings: list[Finding] = []
    entries = jwks.get("keys")
    entries = entries if isinstance(entries, list) else []
    uses: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"jwks.keys[{index}]"
        if not isinstance(entry, dict):
            findings.append(
                error(
                    "keys.key_invalid",
                    f"key #{index} is a {type(entry).__name__}, not a JWK object",
                    "RFC 7517 5",
                    where,
                )
            )
            continue
        findings += _check_key(index, entry, where)
        if entry.get("kty") == "RSA" and isinstance(entry.get("use"), str):
            uses.add(entry["use"])
    for use, what in (("sig", "signing"), ("enc", "encryption")):
        if use not in uses:
            findings.append(
                error(
                    f"keys.no_{what}_key",
                    f"the JWK Set has no RSA key with use {use!r}; itsme® needs at least one "
                    f"{what} key marked use: {use}",
                    _ITSME_KEYS,
                    "jwks.keys",
                )
            )
    return findings


def _check_key(index: int, entry: Mapping[str, Any], where: str) -> list[Finding]:
    findings: list[Finding] = []
    name = f"key #{index}" + (f" ({entry['kid']})" if entry.get("kid") else "")
    use, alg = entry.get("use"), entry.get("alg")
    if entry.get("kty") != "RSA":
        findings.append(
            error(
                "keys.not_rsa",
                f"{name} has kty {entry.get('kty')!r}; itsme® only supports RSA keys",
                _ITSME_KEYS,
                where,
            )
        )
    private = [m for m in PRIVATE_MEMBERS if m in entry]
    if private:
        findings.append(
            error(
                "keys.private_material",
                f"{name} carries private material ({', '.join(private)}) in a public JWK Set: "
                "publish only the public part and replace this key, it is compromised",
                "RFC 7517 9.2",
                where,
            )
        )
    if not entry.get("kid") and use == "sig":
        findings.append(
            error(
                "keys.kid_missing",
                f"{name} is a signing key without kid; itsme® requires a kid in the JWS header "
                "and picks your key by it",
                _ITSME_KEYS,
                where,
            )
        )
    elif not entry.get("kid"):
        findings.append(
            warning(
                "keys.kid_missing",
                f"{name} has no kid; with a kid, tokens encrypted to you name the key to use, "
                "which makes key rotation painless",
                _ITSME_KEYS,
                where,
            )
        )
    if entry.get("kty") == "RSA":
        bits = _rsa_bits(entry.get("n"))
        if bits is not None and bits < 2048:
            findings.append(
                error(
                    "keys.rsa_too_small",
                    f"{name} is an RSA key of {bits} bits; use at least 2048 bits",
                    "RFC 7518 3.3, 4.3",
                    where,
                )
            )
    if use == "sig" and alg is not None and alg != "RS256":
        findings.append(
            warning(
                "keys.sig_alg_not_rs256",
                f"{name} is a signing key with alg {alg!r}; itsme® expects RS256",
                _ITSME_KEYS,
                where,
            )
        )
    if use == "enc" and alg is not None and alg != "RSA-OAEP-256":
        findings.append(
            info(
                "keys.enc_alg",
                f"{name} is an encryption key with alg {alg!r}; itsme® says it SHOULD be "
                "RSA-OAEP-256",
                _ITSME_KEYS,
                where,
            )
        )
    return findings
