"""Saves never block the window (issue 15, item 10b): another program holds the write
lock of the real project file; the keystroke returns with the change pending, the
window says "Not saved yet", and once the lock goes the value is in the file."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtWidgets import QApplication

from annotator.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, sample_project, gui_settings):
    win = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    win.show()
    return win


def annotations_in_file(path, rid: int, code_id: int) -> int:
    """Read the file with a connection of its own: what is really on disk."""
    with sqlite3.connect(path) as reader:
        return reader.execute(
            "SELECT count(*) FROM annotation WHERE recommendation_id = ? AND code_id = ?",
            (rid, code_id),
        ).fetchone()[0]


def still_shown_after_going_away(window, rid: int, field_id: int, code: int) -> None:
    """Going away and back shows the change waiting, not the stored old value."""
    window.go_next()
    window.select_id(rid)
    assert code in window.form.values()[field_id].codes


def test_a_save_under_another_programs_lock_returns_pending_and_lands_later(
    window, sample_path, qtbot
):
    themes = window.spec.field_by_key("themes")
    torture = next(c.id for c in themes.codes if c.key == "torture")
    rid = window.current_id
    other = sqlite3.connect(sample_path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another program writing, holding the lock
    try:
        window.toggle_code(torture)  # the keystroke's work
        # It returned while the lock is still held, with the change kept, on screen.
        assert other.in_transaction
        assert window.has_unsaved()
        assert torture in window.form.values()[themes.id].codes
        qtbot.waitUntil(lambda: "Not saved yet" in window.saved_label.text(), timeout=5_000)
        assert other.in_transaction  # said while the lock is still held
        assert annotations_in_file(sample_path, rid, torture) == 0
        still_shown_after_going_away(window, rid, themes.id, torture)
    finally:
        other.rollback()
        other.close()
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=10_000)
    assert window.service.flush(5)
    QApplication.processEvents()
    assert window.saved_label.text().startswith("Saved")
    assert annotations_in_file(sample_path, rid, torture) == 1


def test_closing_with_a_change_still_locked_asks_first(window, sample_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    themes = window.spec.field_by_key("themes")
    torture = next(c.id for c in themes.codes if c.key == "torture")
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *args, **kwargs: asked.append(args[1]) or QMessageBox.StandardButton.No,
    )
    other = sqlite3.connect(sample_path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        window.toggle_code(torture)
        assert not window.close()  # the coder said no: the window stays, the change too
        assert asked == ["Changes not saved yet"]
        assert window.has_unsaved()
    finally:
        other.rollback()
        other.close()
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=10_000)
    assert annotations_in_file(sample_path, window.current_id, torture) == 1
