"""Keys for the end-to-end provider and its clients: RSA, made with jwcrypto, as JWKS files.

Kept apart from the product's key code on purpose: the harness must not share a bug with the
code it checks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jwcrypto import jwk

KEY_BITS = 2048


def rsa_key(kid: str, use: str, alg: str) -> jwk.JWK:
    """A fresh RSA key with ``kid``, ``use`` ("sig" or "enc") and ``alg``."""
    return jwk.JWK.generate(kty="RSA", size=KEY_BITS, kid=kid, use=use, alg=alg)


def jwks(keys: list[jwk.JWK], *, private: bool) -> dict[str, Any]:
    """The keys as a JWKS dictionary, with or without their private parts."""
    return {"keys": [k.export(private_key=private, as_dict=True) for k in keys]}


def write_jwks_pair(directory: Path, name: str, keys: list[jwk.JWK]) -> tuple[Path, Path]:
    """Write ``NAME.private.jwks.json`` (mode 0600) and ``NAME.public.jwks.json``."""
    private = directory / f"{name}.private.jwks.json"
    public = directory / f"{name}.public.jwks.json"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(jwks(keys, private=True), fh, indent=2)
    public.write_text(json.dumps(jwks(keys, private=False), indent=2), encoding="utf-8")
    return private, public
