"""The reading pane shows a recommendation's response history (real window, offscreen)."""

from __future__ import annotations

import datetime as dt

import pytest

from annotator.gui.main_window import MainWindow
from annotator.importers.records import ImportBatch, ResponseRecord, SourceDocument
from annotator.services.importing import ImportOptions, parse_review, run_import


@pytest.fixture
def answered(sample_project):
    addendum = ImportBatch(
        file="A_HRC_40_6_Add1.txt",
        format="responses",
        document=SourceDocument("addendum", "A/HRC/40/6/Add.1", dt.date(2019, 3, 1)),
        responses=[
            ResponseRecord(
                "28.1",
                "accepted and already implemented",
                "The Convention was ratified in 1988.",
                row=14,
                page=3,
            ),
        ],
    )
    review, _ = parse_review("China:3")
    run_import(sample_project, [addendum], ImportOptions(review=review), commit=True)
    return sample_project


def test_reading_pane_shows_the_history(answered, qtbot, gui_settings, tmp_path):
    window = MainWindow(answered, "Amina", gui_settings)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    row = next(r for r in range(window.model.rowCount()) if window.model.row(r).number == "28.1")
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: "Response history" in window.reader.toPlainText())
    text = " ".join(window.reader.toPlainText().split())
    assert "Response as published: accepted and already implemented" in text
    assert "Response history, newest first (2 documents)" in text
    assert (
        "accepted and already implemented (accepted, implemented) · addendum (the state's "
        "views), A/HRC/40/6/Add.1, 2019-03-01 · current"
    ) in text
    assert "Supported (accepted) · OHCHR matrix" in text
    assert text.index("current") < text.index("OHCHR matrix")
    window.grab().save(str(tmp_path / "history.png"))

    other = next(r for r in range(window.model.rowCount()) if window.model.row(r).number == "28.2")
    window.table.selectRow(other)
    qtbot.waitUntil(lambda: "28.2" in window.reader.toPlainText())
    plain = " ".join(window.reader.toPlainText().split())
    assert "From: OHCHR matrix" in plain and "Response history" not in plain
