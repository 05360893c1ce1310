"""Key files on disk: write a generated key pair safely, read a key file.

The private JWK Set is created with mode 0600 from its first byte (``os.open`` with the mode,
so there is no moment when others could read it) and both files appear atomically (a
temporary file renamed into place). The parsing itself is ``core.keys``'s.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from jwcrypto import jwk

from .atomic import write_atomic
from .core.errors import KeyError_
from .core.findings import Finding, warning
from .core.keys import load_keys, private_jwks, public_jwks

PRIVATE_NAME = "private.jwks.json"
PUBLIC_NAME = "public.jwks.json"


def write_keypair(
    directory: Path, keys: jwk.JWKSet, *, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write ``private.jwks.json`` (0600) and ``public.jwks.json`` (0644) into ``directory``.

    Raises FileExistsError (with ``filename``) when a file is there already and ``overwrite``
    is false; nothing is written then.
    """
    private, public = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if not overwrite:
        for path in (private, public):
            if path.exists():
                raise FileExistsError(errno.EEXIST, "file exists", str(path))
    _write_atomic(private, private_jwks(keys), 0o600)
    _write_atomic(public, public_jwks(keys), 0o644)
    return private, public


def _write_atomic(path: Path, doc: dict[str, Any], mode: int) -> None:
    write_atomic(path, json.dumps(doc, indent=2) + "\n", mode=mode)


def read_keys(path: Path) -> tuple[jwk.JWKSet, list[Finding]]:
    """The keys of a key file (any format ``load_keys`` reads) and findings about the file.

    ``keys.file_readable_by_others`` when it holds private keys and its mode lets the group or
    others read it. KeyError_ (one line naming the file) when it cannot be read or parsed.
    """
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise KeyError_(f"{path}: cannot read the key file: {exc.strerror or exc}") from exc
    keys = load_keys(data, source=str(path))
    findings: list[Finding] = []
    secret = any(k.has_private or k.is_symmetric for k in keys["keys"])
    if secret and os.name == "posix" and mode & 0o077:
        findings.append(
            warning(
                "keys.file_readable_by_others",
                f"{path} holds private keys but has mode {mode & 0o777:04o}: other users can "
                f"read it; run chmod 600 {path}",
                "RFC 7517 9.2",
                "client.keys",
                mode=f"{mode & 0o777:04o}",
            )
        )
    return keys, findings
