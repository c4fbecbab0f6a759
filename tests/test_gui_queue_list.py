"""The list and its filters (issue 15, item 5): Tab leaves the list, the theme filter
finds any part of a name and says whose codes it filters, the search finds numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.services.queue import QueueFilter, queue_ids, queue_rows


def numbers(project, search: str) -> list[str]:
    ids = queue_ids(project, QueueFilter(search=search), None)
    rows = queue_rows(project, ids, None)
    return [rows[i].number for i in ids]


def test_the_search_finds_a_recommendation_by_its_number(sample_project):
    assert numbers(sample_project, "28.23") == ["28.23"]
    assert numbers(sample_project, " CHN 28.23 ") == ["28.23"]
    assert numbers(sample_project, "china 28.23") == ["28.23"]
    assert numbers(sample_project, "FRA 28.23") == []  # not France's review
    assert "28.23" not in numbers(sample_project, "28.2")  # a whole number, not a prefix


def test_the_search_by_text_still_works(sample_project):
    found = numbers(sample_project, "death penalty")
    assert 0 < len(found) < 346


def test_tab_leaves_the_list_for_the_form_and_shift_tab_goes_back(window, qtbot):
    first = window.current_id
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not window.table
    assert window.form.isAncestorOf(focused)
    assert window.current_id == first  # no recommendation opened on the way
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is window.queue.search
    assert window.current_id == first


def test_the_theme_filter_finds_any_part_of_a_name(window, qtbot):
    box = window.queue.theme
    completer = box.completer()
    completer.setCompletionPrefix("death")
    found = [
        completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())
    ]
    assert found and all("death" in name.lower() for name in found)
    assert any(name.endswith("Death penalty") for name in found)
    # Whole names: a tooltip each, and the drop-down as wide as the longest name.
    longest = max(range(box.count()), key=lambda i: len(box.itemText(i)))
    assert box.itemData(longest, Qt.ItemDataRole.ToolTipRole) == box.itemText(longest)
    width = box.fontMetrics().horizontalAdvance(box.itemText(longest))
    assert box.view().minimumWidth() >= min(width, box.screen().availableGeometry().width() - 40)


def test_the_theme_filter_says_whose_codes_it_filters(window):
    whose = window.queue.theme_whose
    assert whose.currentText() == "my codes"
    assert not whose.isEnabled()  # a coder works blind: always their own codes
    assert window.queue.current_filter().code_by_anyone is False
