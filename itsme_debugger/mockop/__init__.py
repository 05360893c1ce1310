"""The embedded mock itsme® provider: the Demo, the test fixture and ``itsme-debugger mock``.

:class:`~.provider.MockProvider` serves one API variant on a loopback port; ``command`` is the
command line; the other modules are its parts (authorization checks, client authentication,
tokens, the consent page, the stored grants, the faults).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clients import DemoClient
    from .faults import FAULTS
    from .provider import MockProvider

__all__ = ["FAULTS", "DemoClient", "MockProvider"]


def __getattr__(name: str) -> Any:
    """Load the provider (and jwcrypto) only when it is used, not with the command line."""
    if name == "MockProvider":
        from .provider import MockProvider

        return MockProvider
    if name == "DemoClient":
        from .clients import DemoClient

        return DemoClient
    if name == "FAULTS":
        from .faults import FAULTS

        return FAULTS
    raise AttributeError(name)
