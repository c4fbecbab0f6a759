"""Render the main window on the bundled sample to PNG for the README.

QT_QPA_PLATFORM=offscreen python scripts/screenshot.py [OUT.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from annotator.gui.app import configure_application
from annotator.gui.main_window import MainWindow
from annotator.gui.settings import AppSettings
from annotator.services.projects import init_project

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT / "docs" / "screenshots" / "main-window.png"
    )
    app = QApplication([])
    configure_application(app)
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        project = init_project(Path(folder) / "china-2018.upr", sample=True)
        window = MainWindow(project, "Amina Khan", AppSettings())
        window.resize(1180, 760)
        window.show()
        window.table.selectRow(2)
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
