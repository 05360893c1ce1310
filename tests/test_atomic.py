"""All-or-nothing writes: the old file or the new one, whole; never a leftover temporary file."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from itsme_debugger.atomic import write_atomic


def test_writes_text_bytes_and_chunks(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    write_atomic(p, "Tǎnka\n")
    assert p.read_text(encoding="utf-8") == "Tǎnka\n"
    write_atomic(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    write_atomic(p, ["a", "b", "c"])
    assert p.read_text() == "abc"


def test_mode_is_applied(tmp_path: Path) -> None:
    p = tmp_path / "private.json"
    write_atomic(p, "{}", mode=0o600)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    write_atomic(p, "{}", mode=0o644)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_a_failing_producer_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    p = tmp_path / "profile.toml"
    p.write_text("old")

    def chunks() -> Iterator[str]:
        yield "new, half"
        raise RuntimeError("serializer broke")

    with pytest.raises(RuntimeError):
        write_atomic(p, chunks())
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["profile.toml"]


def test_a_missing_folder_is_an_oserror_and_the_old_file_stays(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "gone" / "x", "data")
    assert list(tmp_path.iterdir()) == []
