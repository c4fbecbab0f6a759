"""File ▸ Import in the real window: preview, import, refuse, stop, drop, paste, map."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from annotator.gui.main_window import MainWindow
from annotator.gui.mapping_dialog import MappingDialog
from tests.project_helpers import table_counts

DATA = Path(__file__).parent / "data"
CHINA_DOCX = DATA / "china_cycle3_2018_matrix.docx"


@pytest.fixture
def window(qtbot, empty_project, gui_settings):
    win = MainWindow(empty_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    win.show()
    return win


def wait_idle(qtbot, dialog, timeout=60_000):
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=timeout)


def test_preview_then_import(window, qtbot, empty_project):
    dialog = window.import_files(files=[CHINA_DOCX])
    qtbot.addWidget(dialog)
    assert dialog.preview_button.isEnabled()
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    report = dialog.report.toPlainText()
    assert "Recommendations: 346 new, 0 updated, 0 unchanged" in report
    assert "Supported: 284" in report and "Noted: 62" in report
    assert dialog.preview_title.text().startswith("Preview: nothing has been written")
    assert table_counts(empty_project)["recommendation"] == 0
    assert dialog.import_button.isEnabled()

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert dialog.preview_title.text() == "Imported."
    assert window.model.rowCount() == 346
    assert window.count_label.text() == "346 recommendations"


def test_a_bad_file_is_refused_in_the_preview(window, qtbot, empty_project, tmp_path):
    fake = tmp_path / "matrix.docx"
    fake.write_bytes(b"%PDF-1.4\n" + b"0" * 64)
    dialog = window.import_files(files=[CHINA_DOCX, fake])
    qtbot.addWidget(dialog)
    dialog.preview()
    wait_idle(qtbot, dialog)
    assert "would be refused" in dialog.preview_title.text()
    assert "matrix.docx is a damaged or incomplete PDF" in dialog.report.toPlainText()
    assert not dialog.import_button.isEnabled()
    assert table_counts(empty_project)["recommendation"] == 0


def test_stop_leaves_the_project_unchanged(window, qtbot, empty_project, tmp_path):
    big = tmp_path / "uprinfo.csv"
    with gzip.open(DATA / "uprinfo_export_sessions01-20.csv.gz", "rb") as source:
        big.write_bytes(source.read())
    before = table_counts(empty_project)
    dialog = window.import_files(files=[big])
    qtbot.addWidget(dialog)
    dialog.preview()
    wait_idle(qtbot, dialog, timeout=120_000)
    assert dialog.import_button.isEnabled()
    dialog.run()
    qtbot.waitUntil(
        lambda: (
            "Adding" in dialog.progress_label.text()
            or "Updating" in dialog.progress_label.text()
            or dialog.worker is None
        ),
        timeout=60_000,
    )
    dialog.stop()
    wait_idle(qtbot, dialog, timeout=120_000)
    assert dialog.preview_title.text() == "Stopped: nothing was written."
    assert table_counts(empty_project) == before
    assert window.model.rowCount() == 0


def test_dropping_files_on_the_window_opens_the_import(window, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(CHINA_DOCX))])
    event = QDropEvent(
        QPointF(100, 100),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    opened = []
    window.import_files = lambda _checked=False, files=None: opened.append(files)  # type: ignore
    window.dropEvent(event)
    assert opened == [[CHINA_DOCX]]


def test_dropped_files_fill_the_dialog(window, qtbot):
    dialog = MainWindow.import_files(window, files=[CHINA_DOCX])
    qtbot.addWidget(dialog)
    assert dialog.files() == [CHINA_DOCX]


def test_pasted_working_group_list(window, qtbot, empty_project):
    dialog = window.import_files()
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.pasted.setPlainText(
        "150.1 Ratify the Optional Protocol to the Convention against Torture (Denmark);\n"
        "150.2 Abolish the death penalty (France) (Mexico);\n"
    )
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("wg-report"))
    dialog.state_box.setCurrentText("Chile")
    dialog.cycle_box.setValue(4)
    dialog.preview()
    wait_idle(qtbot, dialog)
    assert "Recommendations: 2 new" in dialog.report.toPlainText()
    dialog.run()
    wait_idle(qtbot, dialog)
    assert window.model.rowCount() == 2
    rows = [window.model.row(i) for i in range(2)]
    assert rows[1].recommending == "France, Mexico"
    assert rows[0].review.startswith("Chile")


def test_mapping_is_guessed_remembered_and_used(window, qtbot, gui_settings, tmp_path):
    table = tmp_path / "ngo-list.csv"
    table.write_text(
        "Para,Recommendation,Recommending State,Position,Our notes\n"
        "120.1,Ratify the CAT (Chile),Chile,Supported,check\n"
        "120.2,Abolish the death penalty (Spain),Spain,Noted,\n",
        encoding="utf-8",
    )
    first = MappingDialog(table, gui_settings)
    qtbot.addWidget(first)
    assert first.mapping() == {
        "number": "Para",
        "text": "Recommendation",
        "recommending_state": "Recommending State",
        "response": "Position",
    }
    first.boxes["response"].setCurrentIndex(0)  # the coordinator un-maps a column
    first._accept()
    second = MappingDialog(table, gui_settings)
    qtbot.addWidget(second)
    assert "response" not in second.mapping()

    dialog = window.import_files(files=[table])
    qtbot.addWidget(dialog)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("table"))
    dialog.mapping = second.mapping()
    dialog.state_box.setCurrentText("Peru")
    dialog.cycle_box.setValue(4)
    dialog.preview()
    wait_idle(qtbot, dialog)
    assert "Recommendations: 2 new" in dialog.report.toPlainText(), dialog.report.toPlainText()


def test_dialog_closed_while_working_writes_nothing(window, qtbot, empty_project, tmp_path):
    copy = tmp_path / "china.docx"
    shutil.copyfile(CHINA_DOCX, copy)
    dialog = window.import_files(files=[copy])
    qtbot.addWidget(dialog)
    dialog.preview()
    wait_idle(qtbot, dialog)
    dialog.run()
    dialog.reject()
    assert dialog.worker is None or not dialog.worker.is_running()
    counts = table_counts(empty_project)["recommendation"]
    assert counts in (0, 346)  # either the import finished before the close, or nothing


def test_a_working_group_report_pdf_and_its_addendum(window, qtbot, empty_project):
    """The UN's PDFs, as a coordinator downloads them: the report, then the addendum."""
    documents = DATA / "un_documents"
    dialog = window.import_files(files=[documents / "cycle3_A_HRC_43_15_working_group_report.pdf"])
    qtbot.addWidget(dialog)
    dialog.state_box.setCurrentText("Slovenia")
    dialog.cycle_box.setValue(3)
    dialog.preview()
    wait_idle(qtbot, dialog)
    report = dialog.report.toPlainText()
    assert "Recommendations: 215 new, 0 updated, 0 unchanged" in report
    assert "error" not in report.casefold()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert window.model.rowCount() == 215

    answers = window.import_files(
        files=[documents / "cycle3_A_HRC_43_15_Add1_views_of_the_state.pdf"]
    )
    qtbot.addWidget(answers)
    answers.state_box.setCurrentText("Slovenia")
    answers.cycle_box.setValue(3)
    answers.preview()
    wait_idle(qtbot, answers)
    assert "157" in answers.report.toPlainText()
    assert answers.import_button.isEnabled()


def test_an_unknown_table_is_mapped_in_the_dialog(window, qtbot, empty_project, tmp_path):
    """A table of no known layout, recognised from the file: the preview offers its own
    column choice (never the command line's --map), and the import then goes through."""
    from openpyxl import Workbook
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    table = tmp_path / "our-list.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Wording of the ask", "Ref no", "Desk"])
    sheet.append(["Ratify the Optional Protocol to CAT (Chile)", "131.1", "A"])
    sheet.append(["Strengthen the national human rights institution (Spain)", "131.2", "B"])
    sheet.append(["Abolish the death penalty (France)", "131.3", "A"])
    book.save(table)

    dialog = window.import_files(files=[table])
    qtbot.addWidget(dialog)
    dialog.state_box.setCurrentText("Peru")
    dialog.cycle_box.setValue(4)
    dialog.preview()
    wait_idle(qtbot, dialog)
    assert dialog.columns_button.isVisible(), dialog.report.toPlainText()
    assert "Choose columns" in dialog.preview_title.text()
    shown = dialog.preview_title.text() + dialog.report.toPlainText()
    assert "--map" not in shown and "command line" not in shown
    assert "our-list.xlsx is a table of no known layout" in dialog.report.toPlainText()
    assert not dialog.import_button.isEnabled()
    dialog.resize(1280, 720)
    dialog.grab().save("/tmp/i15misc_import_unknown_table.png")

    seen: list[MappingDialog] = []

    def choose() -> None:
        mapping = QApplication.activeModalWidget()
        assert isinstance(mapping, MappingDialog)
        seen.append(mapping)
        mapping.boxes["number"].setCurrentIndex(mapping.boxes["number"].findData("Ref no"))
        mapping.boxes["text"].setCurrentIndex(mapping.boxes["text"].findData("Wording of the ask"))
        mapping.grab().save("/tmp/i15misc_mapping.png")
        mapping._accept()

    QTimer.singleShot(0, choose)
    qtbot.mouseClick(dialog.columns_button, Qt.MouseButton.LeftButton)
    assert seen, "the column choice did not open"
    wait_idle(qtbot, dialog)
    report = dialog.report.toPlainText()
    assert "Recommendations: 3 new" in report, report
    assert not dialog.columns_button.isVisible()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert dialog.preview_title.text() == "Imported.", dialog.report.toPlainText()
    assert table_counts(empty_project)["recommendation"] == 3
    texts = {window.model.row(i).text for i in range(window.model.rowCount())}
    assert "Abolish the death penalty (France)" in texts
