"""The Reviews dialog: the calendar's dates shown, a session and symbols set and refused."""

from __future__ import annotations

from sqlalchemy import select

from annotator.gui.main_window import MainWindow
from annotator.gui.reviews_dialog import ReviewsDialog
from annotator.store.models import Review


def test_reviews_dialog_sets_session_and_symbols(sample_project, qtbot, tmp_path):
    dialog = ReviewsDialog(sample_project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.table.rowCount() == 1
    cells = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert cells == ["China, cycle 3", "31", "5 to 16 November 2018", "2018", "A/HRC/40/6",
                     "A/HRC/40/6/Add.1", "346"]  # fmt: skip
    dialog.grab().save(str(tmp_path / "reviews.png"))

    dialog.session_edit.setText("28")
    assert "6 to 17 November 2017 (cycle 3)" in dialog.session_dates.text()
    assert not dialog.year_edit.isEnabled()
    dialog.addendum_edit.setText("A/HRC/40/6/Add.2")
    assert dialog.save()
    assert "Saved: China, cycle 3, session 28, 6 to 17 November 2017" in dialog.message.text()
    assert dialog.table.item(0, 5).text() == "A/HRC/40/6/Add.2"
    assert dialog.table.item(0, 3).text() == "2017"
    dialog.session_edit.setText("31")
    dialog.addendum_edit.setText("A/HRC/40/6/Add.1")
    assert dialog.save()

    dialog.session_edit.setText("45")  # a cycle-4 session for a cycle-3 review
    assert not dialog.save()
    assert "session 45 belongs to cycle 4" in dialog.message.text()
    dialog.session_edit.setText("31")
    dialog.report_edit.setText("x")
    dialog.session_edit.setText("thirty")
    assert not dialog.save()
    assert "'thirty' is not a session number" in dialog.message.text()
    with sample_project.session() as session:
        review = session.scalar(select(Review))
        assert (review.session, review.year, review.month, review.report_symbol) == (
            31, 2018, 11, "A/HRC/40/6"
        )  # fmt: skip
        assert review.responses_symbol == "A/HRC/40/6/Add.1"


def test_reviews_dialog_opens_from_the_file_menu(sample_project, qtbot, gui_settings, tmp_path):
    window = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(window)
    window.show()
    file_menu = window.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text().startswith("Reviews"))
    action.trigger()
    dialog = next(d for d in window._dialogs if isinstance(d, ReviewsDialog))
    qtbot.waitExposed(dialog)
    dialog.resize(1280, 720)
    assert dialog.grab().save(str(tmp_path / "reviews_1280.png"))
    assert dialog.table.item(0, 0).text() == "China, cycle 3"
