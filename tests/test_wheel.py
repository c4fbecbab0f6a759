"""A wheel built from the repository carries resources/ and db/ and runs on its own."""

from __future__ import annotations

import os
import site
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_virtual_environment(tmp_path, built_wheel):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The app's dependencies (Qt alone is hundreds of MB) come from this test run's
    # environment through a .pth file; the app itself only from the wheel.
    target_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(target_site, "zz_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(built_wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    annotator = env_dir / "bin" / "annotator"
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""}

    where = subprocess.run(
        [
            str(python),
            "-c",
            "import annotator.paths as p; print(p.resources_dir()); print(p.migrations_dir())",
        ],
        cwd=away,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    assert all(str(env_dir) in line for line in where), where  # not the checkout's folders

    version = subprocess.run(
        [str(annotator), "--version"], cwd=away, capture_output=True, text=True, env=env
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("UPR Coder ")

    db = away / "from-wheel.upr"
    init = subprocess.run(
        [str(annotator), "init", "--sample", "--db", str(db)],
        cwd=away,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert "Recommendations: 346" in init.stdout
