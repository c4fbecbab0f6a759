"""The core (everything but annotator.gui) is usable from a script: importing any of it
loads no Qt, so it runs on a server without a display or PySide6's libraries."""

from __future__ import annotations

import subprocess
import sys


def test_no_core_module_loads_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import annotator\n"
        "names = [m.name for m in pkgutil.walk_packages(annotator.__path__, 'annotator.')\n"
        "         if not m.name.startswith('annotator.gui') and not m.name.endswith('__main__')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(len(names), loaded)\n"
        "sys.exit(1 if loaded or len(names) < 20 else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_sees_qt_when_it_is_loaded():
    code = "import sys, annotator.gui.worker\nsys.exit(0 if 'PySide6' in sys.modules else 1)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
