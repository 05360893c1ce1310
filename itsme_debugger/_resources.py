"""Where the data files live: ``resources/`` beside the package, or inside it in a wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("itsme-debugger resources folder not found")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
