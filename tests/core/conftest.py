"""Keys shared by the core's token tests (RSA generation is slow: once per module)."""

from __future__ import annotations

import pytest
from jwcrypto import jwk


@pytest.fixture(scope="module")
def op_key() -> jwk.JWK:
    """The provider's signing key."""
    return jwk.JWK.generate(kty="RSA", size=2048, kid="op-sig-1", use="sig")


@pytest.fixture(scope="module")
def rp_key() -> jwk.JWK:
    """The client's encryption key."""
    return jwk.JWK.generate(kty="RSA", size=2048, kid="rp-enc-1", use="enc")
