"""The self-contained app, built by scripts/build-app, runs with no Python around it.

Building takes a minute or more of both cores, so these run only when asked:
``UPR_BUILD_APP=1`` (``.ci/run --bundle`` sets it) and ``-m bundle``. With
``UPR_BUNDLE_PREBUILT=1`` the folder already in dist/ is tested instead of rebuilt.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dist" / "upr-coder" / "upr-coder"

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        os.environ.get("UPR_BUILD_APP") != "1",
        reason="builds the self-contained app (a minute or more): set UPR_BUILD_APP=1 "
        "or run .ci/run --bundle",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
]


@pytest.fixture(scope="module")
def app() -> Path:
    if os.environ.get("UPR_BUNDLE_PREBUILT") != "1":
        build = subprocess.run(
            [str(ROOT / "scripts" / "build-app")],
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert APP.is_file()
    return APP


@pytest.fixture(scope="module")
def gui_env() -> Iterator[dict[str, str]]:
    """The GUI's display: a virtual X server (Qt's xcb plugin, as on a desktop) where Xvfb
    is installed, else offscreen. .ci/run --bundle installs Xvfb and sets
    UPR_REQUIRE_XVFB=1, so CI never falls back without failing."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        assert os.environ.get("UPR_REQUIRE_XVFB") != "1", "Xvfb is required but not installed"
        warnings.warn("Xvfb not installed: the bundle's GUI test runs offscreen", stacklevel=1)
        yield {"QT_QPA_PLATFORM": "offscreen"}
        return
    read, write = os.pipe()
    # -displayfd: Xvfb picks a free display and writes its number when it is ready.
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, server.communicate(timeout=10)[1][-2000:]
    print(f"the bundle's GUI test runs under Xvfb on :{number} (QT_QPA_PLATFORM=xcb)")
    try:
        yield {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{number}"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _run_clean(app: Path, home: Path, *args: str, timeout: int = 120):
    """Run the app as on a machine without Python: no virtual environment, no PYTHONPATH."""
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [str(app), *args], env=env, cwd=home, capture_output=True, text=True, timeout=timeout
    )


def test_the_archive_holds_the_app_and_its_own_python(app):
    (archive,) = (ROOT / "dist").glob("upr-coder-*-linux-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        # Left-out Qt libraries leave only PyInstaller's dangling links behind.
        files = {member.name for member in tar.getmembers() if member.isfile()}
    assert "upr-coder/upr-coder" in names
    assert any(name.startswith("upr-coder/_internal/libpython3") for name in names)
    assert "upr-coder/_internal/annotator/_resources/states.csv" in names
    assert not any(part in name for name in files for part in ("QtWebEngine", "Qt6Quick", "Qt6Qml"))
    # The trimmed Qt pieces (packaging/bundle_files.py) stay out; what a desktop needs stays in.
    assert not any("/Qt/translations/" in name or name.endswith("libqvnc.so") for name in files)
    plugins = "upr-coder/_internal/PySide6/Qt/plugins"
    assert {f"{plugins}/platforms/libqxcb.so", f"{plugins}/imageformats/libqsvg.so"} <= files


def test_version_runs_without_python(app, tmp_path):
    result = _run_clean(app, tmp_path / "home", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("UPR Coder ")


def test_init_with_the_sample_makes_a_project_with_recommendations(app, tmp_path):
    project = tmp_path / "china.upr"
    result = _run_clean(app, tmp_path / "home", "init", "--sample", "--db", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert project.stat().st_size > 10_000
    # The migrations ran from the bundle: the project has the schema's version stamp.
    with sqlite3.connect(project) as db:
        (version,) = db.execute("select version_num from alembic_version").fetchone()
        (count,) = db.execute("select count(*) from recommendation").fetchone()
    assert version
    assert count > 0


def test_the_bundle_carries_the_xcb_plugins_libraries(app):
    # Not on every desktop's base install; without them Qt cannot open a window on X.
    internal = app.parent / "_internal"
    for name in (
        "libxcb-keysyms.so.1",
        "libxcb-icccm.so.4",
        "libxcb-image.so.0",
        "libxcb-render-util.so.0",
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
    ):
        assert (internal / name).exists(), name
    assert (internal / "PySide6/Qt/plugins/platforms/libqxcb.so").is_file()


def test_the_first_start_opens_the_window_on_the_sample(app, tmp_path, gui_env):
    home = tmp_path / "home"
    # The name is given so the welcome question does not wait. With no project named,
    # it makes the default project with the sample and shows its
    # window, which runs until closed: it must be alive once the project is there.
    process = subprocess.Popen(
        [str(app), "--coder", "Volunteer"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), **gui_env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        project = home / ".local/share/UPR Coder/project.upr"
        for _ in range(120):
            if process.poll() is not None:
                break
            if project.exists() and project.stat().st_size > 10_000:
                time.sleep(3)
                break
            time.sleep(0.5)
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert project.exists(), "the first start made no project with the sample"
    finally:
        process.terminate()
        process.communicate(timeout=30)
