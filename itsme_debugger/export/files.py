"""Writing exports to disk: the format by suffix, and a write that is all or nothing.

:func:`write_export` picks HAR, JSON or Markdown by the file's suffix (:data:`FORMATS`) and
writes with :func:`itsme_debugger.atomic.write_atomic` (a temporary file in the same folder,
fsync, rename): a failure at any point (a folder that is not writable, a full disk, a
serializer that raises) leaves the target as it was and no temporary file behind. Large
documents are streamed one exchange at a time. An unmasked export (``reveal``) holds secrets:
its mode is 0600; a masked one 0644.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from itsme_debugger.atomic import write_atomic
from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import FlowResult
from itsme_debugger.core.trace import Exchange

from .har import har_from_view
from .json_export import json_from_view
from .markdown import markdown_from_view
from .redact import ExportView, prepare

#: Suffix -> format name.
FORMATS = {".har": "HAR", ".json": "JSON", ".md": "Markdown"}
#: Stands in for the long list while the rest of a document is encoded.
_HOLE = "\x00itsme-debugger:items\x00"


def export_format(path: str | Path) -> str:
    """The format ``path``'s suffix asks for; ConfigError for any other suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise ConfigError(f"{path}: cannot tell the export format from the suffix (use {known})")
    return FORMATS[suffix]


def json_chunks(doc: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[str]:
    """``doc`` as indented JSON, the list at ``path`` written one compact item per line.

    The list must be the last member of its object (and each object on the way).
    """
    skeleton: dict[str, Any] = dict(doc)
    holder = skeleton
    for key in path[:-1]:
        holder[key] = dict(holder[key])
        holder = holder[key]
    items = holder[path[-1]]
    holder[path[-1]] = _HOLE
    # The list is the document's last member: its hole is the last occurrence.
    head, _, tail = json.dumps(skeleton, indent=1, ensure_ascii=False).rpartition(json.dumps(_HOLE))
    yield head + "["
    for i, item in enumerate(items):
        yield ("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]" + tail + "\n"


def export_chunks(fmt: str, view: ExportView) -> Iterator[str]:
    """The text of the export in format ``fmt`` (a value of :data:`FORMATS`), in pieces."""
    if fmt == "HAR":
        return json_chunks(har_from_view(view), ("log", "entries"))
    if fmt == "JSON":
        return json_chunks(json_from_view(view), ("exchanges",))
    return markdown_from_view(view)


def write_export(
    path: str | Path,
    trace: Iterable[Exchange],
    result: FlowResult | None = None,
    profile: Profile | None = None,
    *,
    reveal: bool = False,
) -> Path:
    """Export the flow to ``path`` (.har, .json or .md), masked unless ``reveal``; the path.

    ConfigError for an unknown suffix or a failed write; the target is then unchanged.
    """
    fmt = export_format(path)
    try:
        with _gc_paused():
            view = prepare(trace, result, profile, reveal=reveal)
            write_atomic(path, export_chunks(fmt, view), mode=0o600 if reveal else 0o644)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the export: {exc.strerror or exc}") from exc
    return Path(path)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an export is built.

    The export is a large tree of new, acyclic dicts and lists (freed by reference counting);
    meanwhile the collector would walk the whole trace again and again: a third of the time
    of a large export.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
