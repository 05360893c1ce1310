"""base64url without padding (RFC 7515 section 2) and small JSON helpers."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url with or without padding; raises ValueError on bad input."""
    if isinstance(text, str):
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError("not base64url: non-ASCII characters") from exc
    else:
        raw = text
    raw = raw.strip()
    if raw.translate(None, _ALPHABET):  # what is left once the alphabet is deleted
        raise ValueError("not base64url: characters outside the alphabet")
    raw = raw.rstrip(b"=")
    if len(raw) % 4 == 1:
        raise ValueError("not base64url: impossible length")
    # what base64.urlsafe_b64decode does, without its layers (tokens are decoded often)
    return binascii.a2b_base64(raw.translate(_TO_STANDARD) + b"=" * (-len(raw) % 4))


def json_b64(text: str) -> Any:
    """Decode one base64url segment that holds JSON; raises ValueError when it does not."""
    data = b64url_decode(text)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
