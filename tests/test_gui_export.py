"""The export dialog and the Analysis dashboard, driven as a person drives them."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt

from annotator.gui.analysis_view import AnalysisDialog
from annotator.gui.export_dialog import ExportDialog
from tests import known_answers
from tests.roles import coordinator_id, lead_of

REPRISALS = "Reprisals and intimidation for cooperation with the UN"


@pytest.fixture
def known(tmp_path):
    built = known_answers.build(tmp_path / "known.upr")
    yield built
    built.project.close()


def test_export_dialog_writes_the_workbook_off_the_gui_thread(qtbot, known, tmp_path):
    lead = ExportDialog(known.project, lead_of(known.project))
    qtbot.addWidget(lead)
    # The coordinator may export anyone's codes.
    assert [lead.source_box.itemData(i) for i in range(lead.source_box.count())] == [
        "consensus",
        "coder:Amina",
        "coder:Ben",
        "all-coders",
    ]
    dialog = ExportDialog(known.project, known.amina)
    qtbot.addWidget(dialog)
    # A coder works blind: her own codes are all she is offered.
    assert dialog.source_box.currentData() == "coder:Amina"
    assert dialog.source_box.count() == 1
    assert not dialog.export_button.isEnabled()
    dialog.review_box.setCurrentIndex(dialog.review_box.findText("China 2024 (cycle 4)"))
    dialog.file_edit.setText(str(tmp_path / "china"))
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=10_000)
    out = tmp_path / "china.xlsx"
    assert dialog.outcome is not None and dialog.outcome.path == out
    assert "Exported 428 recommendations (coder Amina)" in dialog.progress_label.text()
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[:2] == ["Recommendations", "Summary"]
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=5_000)
    assert not dialog.progress.isVisible()


def test_export_dialog_csv_and_stop(qtbot, known, tmp_path):
    dialog = ExportDialog(known.project, lead_of(known.project))
    qtbot.addWidget(dialog)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    assert not dialog.reliability_box.isEnabled()
    dialog.source_box.setCurrentIndex(dialog.source_box.findData("all-coders"))
    dialog.file_edit.setText(str(tmp_path / "all.csv"))
    dialog.export_button.click()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=60_000)
    qtbot.wait(50)
    text = dialog.progress_label.text()
    if dialog.outcome is None:  # stopped in time: nothing left behind
        assert text == "Stopped: no file was written."
        assert list(tmp_path.glob("*.csv")) == []
    else:
        assert (tmp_path / "all.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert list(tmp_path.glob(".*.part")) == []


def test_export_dialog_reports_a_bad_place(qtbot, known, tmp_path):
    dialog = ExportDialog(known.project, None)
    qtbot.addWidget(dialog)
    dialog.file_edit.setText(str(tmp_path / "missing" / "x.xlsx"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=30_000)
    qtbot.waitUntil(lambda: "Not exported" in dialog.progress_label.text(), timeout=5_000)
    assert "does not exist" in dialog.progress_label.text()


def _ready(qtbot, dialog: AnalysisDialog) -> None:
    qtbot.waitUntil(dialog.is_ready, timeout=30_000)
    qtbot.wait(20)


def test_dashboard_figures_cells_statements_and_charts(qtbot, known, tmp_path):
    dialog = AnalysisDialog(known.project, lead_of(known.project))
    qtbot.addWidget(dialog)
    dialog.show()
    _ready(qtbot, dialog)
    dialog.source_box.setCurrentIndex(dialog.source_box.findData("coder:Amina"))
    _ready(qtbot, dialog)
    assert "coder Amina" in dialog.status.text()
    dialog.review_box.setCurrentIndex(dialog.review_box.findText("China 2024 (cycle 4)"))
    model = dialog.breakdown_model
    counts = [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(5)]
    assert counts == ["290", "8", "32", "98", "0"]
    assert model.data(model.index(3, 1), Qt.ItemDataRole.DisplayRole) == "22.9 %"
    assert "98 / 428 = 22.9 %" in dialog.rates_label.text()
    assert "130 / 428 = 30.4 %" in dialog.rates_label.text()
    # Cycle comparison: the other China review is offered.
    assert dialog.compare_box.currentText() == "China 2018 (cycle 3)"
    assert "30.4 % rejected or noted in 2024 against 18.0 % in 2018" in (
        dialog.comparison_label.text()
    )
    assert (
        "30.4 % not accepted (rejected or noted: 130 of 428) in 2024 against 18.0 % (54 of "
        "300) in 2018: up 12.4 points."
    ) in dialog.comparison_label.text()
    assert "of 428 recommendations, 428 with a published response" in dialog.rates_label.text()
    # Click the Reprisals × Rejected cell: its five recommendations are listed.
    dialog.tabs.setCurrentIndex(3)
    view = dialog.crosstab_view
    row = next(
        r
        for r in range(dialog.crosstab_model.rowCount())
        if dialog.crosstab_model.row_label(r) == REPRISALS
    )
    column = list(dialog.crosstab.counts.columns).index("Rejected")
    rect = view.visualRect(dialog.crosstab_model.index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.cell_model.rowCount() == 5
    assert dialog.cell_label.text().startswith(f"5 recommendation(s) on {REPRISALS}, rejected")
    # Row shares carry the count each rests on, and the table says what it rests on.
    dialog.shares_box.setCurrentIndex(dialog.shares_box.findData("shares"))
    shares = dialog.crosstab_model
    row = next(r for r in range(shares.rowCount()) if shares.row_label(r) == REPRISALS)
    cell = shares.index(row, list(dialog.crosstab.shares.columns).index("Rejected"))
    assert shares.data(cell, Qt.ItemDataRole.DisplayRole) == "100.0 % (5 of 5)"
    assert "of 428 recommendations, 55 coded for themes" in dialog.crosstab_basis.text()
    # The rejection chart: each bar names how many it rests on.
    axis = dialog.theme_chart.chart.axes(Qt.Orientation.Vertical)[0]
    assert f"{REPRISALS}  (5 of 5)" in axis.categories()
    assert "55 coded for themes" in dialog.theme_chart.chart.title()
    dialog.shares_box.setCurrentIndex(dialog.shares_box.findData("counts"))
    # The statement checker.
    dialog.tabs.setCurrentIndex(4)
    dialog.theme_box.setCurrentText("Women's rights")
    dialog.response_box.setCurrentIndex(dialog.response_box.findData("accepted"))
    dialog.check_statement()
    assert dialog.verdict_label.text().startswith("False: 25 of the 30")
    assert dialog.counter_model.rowCount() == 25
    dialog.theme_box.setCurrentText("Torture and other CID treatment")
    dialog.check_statement()
    assert dialog.verdict_label.text().startswith("True")
    assert dialog.counter_model.rowCount() == 0
    # Charts saved as PNG and SVG.
    for name in ("responses", "themes", "comparison"):
        png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
        dialog.export_chart(name, png)
        dialog.export_chart(name, svg)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and "</svg>" in text
    assert "Responses: China 2024 (cycle 4)" in (tmp_path / "responses.svg").read_text("utf-8")
    assert dialog.state_model.rowCount() == 5
    assert "confirmed 6" in dialog.verify_counts.text()


def test_dashboard_on_the_sample_project(qtbot, sample_project, tmp_path):
    dialog = AnalysisDialog(sample_project, coordinator_id(sample_project))
    qtbot.addWidget(dialog)
    dialog.show()
    _ready(qtbot, dialog)
    # One review: it is chosen, and there is nothing to compare it with.
    assert dialog.review_box.currentText() == "China 2018 (cycle 3)"
    assert dialog.compare_box.currentData() is None
    assert "62 / 346" in dialog.rates_label.text()
    image = tmp_path / "dashboard.png"
    assert dialog.grab().save(str(image))
    assert Path(image).stat().st_size > 10_000


def test_export_dialog_says_which_texts_were_cut_and_refuses_the_project(qtbot, known, tmp_path):
    from sqlalchemy import select

    from annotator.store.models import Recommendation

    with known.project.write() as session:
        first = session.scalars(select(Recommendation).order_by(Recommendation.id)).first()
        first.text = "Long. " * 7_000  # past a cell's 32,767 characters
        rid = first.id
    dialog = ExportDialog(known.project, lead_of(known.project))
    qtbot.addWidget(dialog)
    dialog.file_edit.setText(str(known.project.path))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=30_000)
    qtbot.waitUntil(lambda: "Not exported" in dialog.progress_label.text(), timeout=30_000)
    assert "it is the open project" in dialog.progress_label.text()
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=30_000)
    dialog.file_edit.setText(str(tmp_path / "cut.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=30_000)
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=30_000)
    text = dialog.progress_label.text()
    assert "1 cell held more than 32,767 characters" in text and f"ID {rid} " in text
