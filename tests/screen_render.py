"""Every window and dialog of the app drawn on a screen of a given size, for
tests/test_gui_screen_fit.py: run as ``python -m tests.screen_render WxH PROJECT OUT``
in its own process, because Qt's offscreen screen size is fixed when Qt starts
(``offscreen:configfile=``). Writes OUT/WxH-<window>.png and OUT/report.json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(size: str, project_path: str, out: str) -> None:
    width, height = (int(n) for n in size.split("x"))
    folder = Path(out)
    config = folder / f"screen-{size}.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [screen]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import configure_application

    app = QApplication([])
    configure_application(app)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))

    from annotator.gui.analysis_view import AnalysisDialog
    from annotator.gui.assign_dialog import AssignDialog
    from annotator.gui.codebook_dialogs import NewCodeDialog, NewFieldDialog
    from annotator.gui.codebook_editor import CodebookEditor
    from annotator.gui.coders_dialog import CodersDialog
    from annotator.gui.disagreements_view import DisagreementsDialog
    from annotator.gui.export_dialog import ExportDialog
    from annotator.gui.first_run import GettingStarted
    from annotator.gui.import_dialog import ImportDialog
    from annotator.gui.main_window import MainWindow
    from annotator.gui.mapping_dialog import MappingDialog
    from annotator.gui.merge_dialog import MergeDialog
    from annotator.gui.packages_dialog import CreatePackagesDialog
    from annotator.gui.reliability_view import ReliabilityReportDialog
    from annotator.gui.reviews_dialog import ReviewsDialog
    from annotator.gui.settings import AppSettings
    from annotator.gui.shortcuts import PreferencesDialog, ShortcutsHelp
    from annotator.gui.value_editor import ValueEditor
    from annotator.services.coding import EMPTY
    from annotator.store.project import open_project

    settings = AppSettings()
    window = MainWindow(open_project(project_path), "Dan", settings)  # the coordinator
    project, me = window.project, window.coder_id
    assert project is not None
    table = Path(__file__).parent / "data" / "china_cycle3_2018_matrix.csv"
    editor = CodebookEditor(project, me, window)
    themes = window.spec.field_by_key("themes")
    windows = {
        "main": lambda: window,
        "analysis": lambda: AnalysisDialog(project, me, window),
        "assign": lambda: AssignDialog(project, me, window),
        "codebook": lambda: editor,
        "new-code": lambda: NewCodeDialog(editor.book.fields[0], None, editor),
        "new-field": lambda: NewFieldDialog(editor.book, editor),
        "coders": lambda: CodersDialog(project, me, window),
        "disagreements": lambda: DisagreementsDialog(project, me, window),
        "value-editor": lambda: ValueEditor(themes, EMPTY, window),
        "export": lambda: ExportDialog(project, me, window),
        "import": lambda: ImportDialog(project, settings, [table], window),
        "mapping": lambda: MappingDialog(table, settings, window),
        "merge": lambda: MergeDialog(project, me, window),
        "packages": lambda: CreatePackagesDialog(project, me, window),
        "reliability": lambda: ReliabilityReportDialog(project, me, window),
        "reviews": lambda: ReviewsDialog(project, window),
        "preferences": lambda: PreferencesDialog(settings, window.spec, window),
        "shortcuts": lambda: ShortcutsHelp(settings, window.spec, window, window.focus_keys),
        "getting-started": lambda: GettingStarted(settings, window),
    }
    report = {}
    for name, make in windows.items():
        widget = make()
        widget.show()
        for _ in range(5):
            app.processEvents()
        frame, inner = widget.frameGeometry(), widget.geometry()
        available = widget.screen().availableGeometry()
        minimum = widget.minimumSizeHint()
        widget.grab().save(str(folder / f"{size}-{name}.png"))
        report[name] = {
            "frame": frame.getRect(),
            "inner": inner.getRect(),
            "available": available.getRect(),
            "minimum": [minimum.width(), minimum.height()],
        }
        if widget is window:
            report[name]["form"] = _form_fit(window.form)
        if widget is not window and widget is not editor:
            widget.close()
    (folder / "report.json").write_text(json.dumps(report, indent=1))
    project.close()


def _form_fit(form) -> dict:
    """The coding form against its viewport: the widths, and every visible widget of the
    form that reaches past the viewport's left or right edge."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QWidget

    viewport, body = form.viewport(), form.widget()
    outside = []
    for child in body.findChildren(QWidget):
        if not child.isVisibleTo(body):
            continue
        left = child.mapTo(viewport, QPoint(0, 0)).x()
        if left < 0 or left + child.width() > viewport.width():
            outside.append(f"{type(child).__name__} {getattr(child, 'text', lambda: '')()}")
    return {
        "viewport": viewport.width(),
        "body": body.width(),
        "body_minimum": body.minimumSizeHint().width(),
        "outside": outside,
    }


if __name__ == "__main__":
    main(*sys.argv[1:4])
