"""Render the coding screen on the bundled sample to PNG for the README.

QT_QPA_PLATFORM=offscreen python scripts/screenshot.py [OUT.png]

The recommendation shown is half coded (two themes, the published response), as a
volunteer would see it in the middle of an evening's work.
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
        else ROOT / "docs" / "screenshots" / "coding-screen.png"
    )
    app = QApplication([])
    configure_application(app)
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        project = init_project(Path(folder) / "china-2018.upr", sample=True)
        window = MainWindow(project, "Amina Khan", AppSettings())
        window.resize(1400, 860)
        window.show()
        window.table.selectRow(9)
        for field_key, code_key in (
            ("themes", "international_instruments"),
            ("themes", "torture"),
            ("published_response", "noted"),
        ):
            field = window.spec.field_by_key(field_key)
            window.toggle_code(next(c.id for c in field.codes if c.key == code_key))
        window.form.first_text().box.setPlainText("Ratification of OPCAT was also asked in 2013.")
        window.form.flush_text()
        window.table.setFocus()
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
