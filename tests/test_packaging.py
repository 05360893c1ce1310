"""Packaging: the wheel and sdist carry resources/, an installed wheel works on its own, the
bundle spec covers resources/ and keeps the Qt modules the app uses, the desktop entry and the
AppStream metainfo are valid and agree with the app, the app icon's PNG sizes are there.

The PyInstaller bundle itself is built and smoke-tested by scripts/bundle (too slow here).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from itsme_debugger import __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "itsme-debugger.spec"
RESOURCES = ROOT / "resources"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
#: A few files the app cannot run without, relative to resources/.
KEY_RESOURCES = ("claims.json", "mock_user.json", "icons/app.svg", "icons/start.svg")


def _spec_value(name: str) -> Any:
    """A literal assigned at the top of the spec (read without PyInstaller)."""
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {SPEC.name}")


def _desktop_id() -> str:
    from itsme_debugger.ui.app import DESKTOP_ID

    return DESKTOP_ID


# --- the PyInstaller spec and scripts/bundle -------------------------------------------------


def test_bundle_spec_covers_every_resource_file() -> None:
    patterns: list[str] = _spec_value("RESOURCE_PATTERNS")
    files = [p.relative_to(RESOURCES) for p in RESOURCES.rglob("*") if p.is_file()]
    assert files
    missed = [str(f) for f in files if not any(_matches(f, pat) for pat in patterns)]
    assert missed == [], f"resources/ files the bundle spec would leave out: {missed}"


def _matches(path: Path, pattern: str) -> bool:
    """``pattern`` matches the whole of ``path`` (Path.match anchors only at the end)."""
    return len(path.parts) == len(Path(pattern).parts) and path.match(pattern)


def test_bundle_spec_keeps_every_qt_module_the_app_imports() -> None:
    used = set()
    for source in (ROOT / "itsme_debugger").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", source.read_text(encoding="utf-8")))
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    excluded = set(_spec_value("UNUSED_QT_MODULES"))
    assert used & excluded == set(), "the bundle spec excludes Qt modules the app imports"


def test_bundle_script_builds_the_spec_and_the_readme_names_it() -> None:
    from itsme_debugger.ui.startup import PROBE_ENV

    script = (ROOT / "scripts" / "bundle").read_text(encoding="utf-8")
    assert "packaging/itsme-debugger.spec" in script
    assert f"{PROBE_ENV}=demo" in script  # the smoke test's window opens and closes by itself
    assert os.access(ROOT / "scripts" / "bundle", os.X_OK)
    entry = PACKAGING / "entry.py"
    assert "itsme_debugger.cli" in entry.read_text(encoding="utf-8")
    assert "scripts/bundle" in (ROOT / "README.md").read_text(encoding="utf-8")


# --- desktop entry, AppStream metainfo, icons ------------------------------------------------


def _desktop_entry() -> dict[str, str]:
    text = (PACKAGING / f"{_desktop_id()}.desktop").read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")


def test_desktop_entry_and_metainfo_agree_with_the_app() -> None:
    desktop_id = _desktop_id()
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == "itsme-debugger"
    assert entry["Icon"] == desktop_id
    assert entry["StartupWMClass"] == "itsme-debugger"

    root = ElementTree.parse(PACKAGING / f"{desktop_id}.metainfo.xml").getroot()
    assert root.findtext("id") == desktop_id
    assert root.findtext("launchable") == f"{desktop_id}.desktop"
    assert root.findtext("provides/binary") == "itsme-debugger"
    latest = root.find("releases/release")
    assert latest is not None and latest.get("version") == __version__


def _validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # a fresh CI machine: apt-get install desktop-file-utils appstream
        pytest.skip(f"{name} is not installed")
    return path


def test_desktop_entry_passes_desktop_file_validate() -> None:
    tool = _validator("desktop-file-validate")
    done = subprocess.run(
        [tool, str(PACKAGING / f"{_desktop_id()}.desktop")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = _validator("appstreamcli")
    done = subprocess.run(
        [tool, "validate", "--no-net", str(PACKAGING / f"{_desktop_id()}.metainfo.xml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_app_icon_pngs_are_the_svg_at_each_size(qapp: Any) -> None:
    from PySide6.QtGui import QColor, QImage

    assert (RESOURCES / "icons" / "app.svg").is_file()
    for size in ICON_SIZES:
        image = QImage(str(RESOURCES / "icons" / f"app-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corner: transparent
        # the tile's indigo just inside the left edge, half way down
        tile = image.pixelColor(size // 8, size // 5)
        assert tile.alpha() == 255
        assert abs(tile.hue() - QColor("#3949ab").hue()) <= 6, (size, tile.name())


def test_about_box_names_python_too(qapp: Any) -> None:
    import platform

    from itsme_debugger.ui.main_window import about_text

    assert f"Python {platform.python_version()}" in about_text()


# --- sdist and wheel --------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.mark.timeout(300)
def test_wheel_installed_in_a_clean_venv_runs_the_demo_from_its_own_resources(
    tmp_path: Path,
) -> None:
    """``python -m build``: the sdist, then the wheel built from the sdist (so the sdist is
    complete); the wheel installed alone in a new venv (the dependencies seen through a .pth
    file, so nothing is downloaded), used from outside the source tree."""
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=240,
        env=_clean_env(),
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")

    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {f"resources/{name}" for name in KEY_RESOURCES} <= names
    assert not any(name.startswith((".venv", "dist/", "build/")) for name in names)
    with zipfile.ZipFile(wheel) as whl:
        inside = set(whl.namelist())
    assert {f"itsme_debugger/resources/{name}" for name in KEY_RESOURCES} <= inside

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            text=True,
            env=_clean_env(),
        ).strip()
    )
    # The dependencies from the test venv; its .pth files (the editable install of the
    # source tree) are not processed from there, so itsme_debugger comes from the wheel.
    (site / "zz_deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n" + sysconfig.get_path("platlib") + "\n"
    )
    installed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "-q"),
            *("--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stderr[-2000:]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(target / "bin" / "itsme-debugger"), *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=_clean_env(),
        )

    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"itsme-debugger {__version__}"
    where = subprocess.run(
        [str(python), "-c", "from itsme_debugger._resources import resources_dir as r; print(r())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(),
    )
    assert Path(where.stdout.strip()) == site / "itsme_debugger" / "resources", where.stderr
    demo = run("demo", "--json")
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert '"exit_code": 0' in demo.stdout
