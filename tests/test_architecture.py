"""The layering of DESIGN.md, checked mechanically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = [
    "annotator.cli",
    "annotator.codebook",
    "annotator.states",
    "annotator.services.projects",
    "annotator.services.queue",
    "annotator.services.synthetic",
    "annotator.importers.matrix_csv",
    "annotator.store.project",
]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Count-free, so a contract added elsewhere does not break this test.
    assert " 0 broken" in result.stdout, result.stdout
    assert "Importers free of the store, the services and SQLAlchemy KEPT" in result.stdout


def test_the_core_runs_without_loading_qt():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "annotator", "tests", "scripts", "db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_qt_signals_do_not_leak_references():
    """PySide6 6.12.0 dropped a reference to True on every emit; the app then aborts."""
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class R(QObject):\n"
        "    bare = Signal()\n"
        "    number = Signal(int)\n"
        "r = R()\n"
        "before = sys.getrefcount(True)\n"
        "for _ in range(3000):\n"
        "    r.bare.emit()\n"
        "    r.number.emit(1)\n"
        "sys.exit(0 if abs(sys.getrefcount(True) - before) < 50 else 3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
