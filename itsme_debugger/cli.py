"""Command line entry point (filled in by the flow engine work)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("itsme-debugger: not yet", file=sys.stderr)
    return 2
