"""The PyInstaller bundle's entry point: the same program as ``itsme-debugger``.

A script of its own because ``itsme_debugger/__main__.py`` imports relatively.
"""

import sys

from itsme_debugger.cli import main

if __name__ == "__main__":
    sys.exit(main())
