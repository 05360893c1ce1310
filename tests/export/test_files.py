"""Writing exports: the format by suffix, all or nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.export import files, write_export
from itsme_debugger.export.files import export_format, json_chunks

from . import demo_run

OLD = "the previous export, which a failed write must leave alone\n"


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("trace.har", lambda text: json.loads(text)["log"]["version"] == "1.2"),
        ("trace.json", lambda text: "exchanges" in json.loads(text)),
        ("Trace.MD", lambda text: text.startswith("# itsme-debugger report: ")),
    ],
)
def test_the_suffix_chooses_the_format(tmp_path: Path, name: str, check: Any) -> None:
    run = demo_run("itsme-v2")
    path = write_export(tmp_path / name, run.trace, run.result, run.profile)
    assert path == tmp_path / name
    assert check(path.read_text(encoding="utf-8"))


def test_an_unknown_suffix_is_a_config_error(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    with pytest.raises(ConfigError, match=r"trace\.txt: cannot tell the export format"):
        write_export(tmp_path / "trace.txt", run.trace)
    with pytest.raises(ConfigError, match=r"use \.har, \.json, \.md"):
        export_format("trace")
    assert list(tmp_path.iterdir()) == []


def test_a_masked_export_is_readable_an_unmasked_one_private(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    masked = write_export(tmp_path / "a.har", run.trace)
    revealed = write_export(tmp_path / "b.har", run.trace, reveal=True)
    assert stat.S_IMODE(masked.stat().st_mode) == 0o644
    assert stat.S_IMODE(revealed.stat().st_mode) == 0o600


def test_a_folder_that_is_a_file_is_one_config_error(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"file/out\.har: cannot write the export: "):
        write_export(tmp_path / "file" / "out.har", run.trace)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_that_is_not_writable_leaves_the_old_file(tmp_path: Path) -> None:
    run = demo_run("itsme-v2")
    target = tmp_path / "trace.har"
    target.write_text(OLD)
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="Permission denied"):
            write_export(target, run.trace)
    finally:
        tmp_path.chmod(0o700)
    assert target.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["trace.har"]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_a_folder_not_even_root_may_write_is_one_config_error() -> None:
    run = demo_run("itsme-v2")
    target = Path("/sys/kernel/itsme-debugger-trace.har")
    with pytest.raises(ConfigError, match=r"itsme-debugger-trace\.har: cannot write the export"):
        write_export(target, run.trace)
    assert not target.exists()


def test_a_serializer_that_raises_midway_leaves_no_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = demo_run("itsme-v2")
    target = tmp_path / "trace.har"
    target.write_text(OLD)
    written: list[str] = []

    def chunks(doc: Any, path: Any) -> Any:
        for i, chunk in enumerate(json_chunks(doc, path)):
            if i == 3:
                raise RuntimeError("the serializer broke")
            written.append(chunk)
            yield chunk

    monkeypatch.setattr(files, "json_chunks", chunks)
    with pytest.raises(RuntimeError, match="the serializer broke"):
        write_export(target, run.trace, run.result, run.profile)
    assert len(written) == 3  # it did write part of the document
    assert target.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["trace.har"]


def test_the_streamed_json_is_the_document() -> None:
    doc = {"a": {"b": 1, "items": [{"x": "é"}, [], "\x00"]}}
    text = "".join(json_chunks(doc, ("a", "items")))
    assert json.loads(text) == doc
    assert '\n{"x": "é"},\n' in text  # one item per line
