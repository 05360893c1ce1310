"""``python -m itsme_debugger.mockop``: the same as ``itsme-debugger mock``."""

from __future__ import annotations

import sys

from .command import main

sys.exit(main())
