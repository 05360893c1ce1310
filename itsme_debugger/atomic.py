"""All-or-nothing file writes: a temporary file in the same folder, fsync, rename, fsync folder.

A reader (or a crash at any point) sees the old file or the new one, whole, never a mix. The
temporary file is created with mode 0600 before anything is written, so a private key is never
readable by others, even for a moment; ``mode`` is applied just before the rename.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(
    path: str | Path, data: str | bytes | Iterable[str] | Iterable[bytes], *, mode: int = 0o644
) -> None:
    """Write ``data`` (text is UTF-8) to ``path``; OSError when it cannot, with nothing left over.

    ``data`` may be an iterable of chunks; an exception raised while producing them also leaves
    the old file in place and no temporary file behind.
    """
    target = Path(path)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            chunks = [data] if isinstance(data, str | bytes) else data
            for chunk in chunks:
                out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable, where supported
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
