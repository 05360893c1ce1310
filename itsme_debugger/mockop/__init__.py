"""The embedded mock itsme® provider: the Demo, the test fixture and ``itsme-debugger mock``.

:class:`~.provider.MockProvider` serves one API variant on a loopback port; ``command`` is the
command line; the other modules are its parts (authorization checks, client authentication,
tokens, the consent page, the stored grants, the faults).
"""

from __future__ import annotations

from .clients import DemoClient
from .faults import FAULTS
from .provider import MockProvider

__all__ = ["FAULTS", "DemoClient", "MockProvider"]
