"""Done means complete, in the window: Ctrl+Return with required fields empty is refused
by a bar naming them, which offers "Flag instead" and answers the keyboard; the project
switch allows incomplete work; undo and redo of a refused done do not crash."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from annotator.gui.main_window import MainWindow
from annotator.services.completeness import allows_incomplete_done
from tests.project_helpers import fill_required
from tests.roles import coordinator_id
from tests.test_gui_coding import key, settled

MISSING = "Themes, Published response and Position are still empty"


def shown_window(qtbot, project, name, settings) -> MainWindow:
    window = MainWindow(project, name, settings)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


@pytest.fixture
def chief_window(qtbot, sample_project, gui_settings) -> MainWindow:
    coordinator_id(sample_project, "Olga")
    return shown_window(qtbot, sample_project, "Olga", gui_settings)


def test_ctrl_return_with_required_fields_empty_is_refused_and_flag_instead_flags(window, qtbot):
    first = window.current_id
    window.table.setFocus()
    key(qtbot, window, "Ctrl+Return")
    assert window.current_id == first  # not moved on
    bar = window.done_bar
    assert bar.isVisible()
    assert MISSING in bar.line.text() and bar.line.is_error
    assert QApplication.focusWidget() is bar.flag_button  # the keyboard answers it
    settled(window)
    assert window.service.status(first).status == "not_started"
    window.grab().save("/tmp/i15done_refusal.png")

    key(qtbot, window, "Return")  # Flag instead
    assert not bar.isVisible()
    assert window.current_id != first  # on to the next, as Ctrl+Return meant
    settled(window)
    status = window.service.status(first)
    assert status.status == "flagged"
    assert status.reason == "Required fields empty: Themes, Published response, Position"


def test_esc_dismisses_the_refusal_and_goes_to_the_first_empty_field(window, qtbot):
    first = window.current_id
    window.toggle_code(next(c.id for c in window.spec.field_by_key("themes").codes))
    key(qtbot, window, "Ctrl+Return")
    bar = window.done_bar
    assert "Published response and Position are still empty" in bar.line.text()
    assert "Themes" not in bar.line.text()
    key(qtbot, window, "Escape")
    assert not bar.isVisible()
    response = window.form.widgets[window.spec.field_by_key("published_response").stored_id]
    assert response.isAncestorOf(QApplication.focusWidget())  # fill it in from here
    settled(window)
    assert window.service.status(first).status == "in_progress"  # neither done nor flagged

    fill_required(window)
    key(qtbot, window, "Ctrl+Return")  # complete now: done, and the next one
    assert window.current_id != first and not bar.isVisible()
    settled(window)
    assert window.service.status(first).status == "done"


def test_the_bar_fits_and_reads_at_1280_by_720(window, qtbot):
    window.resize(1280, 720)
    key(qtbot, window, "Ctrl+Return")
    QApplication.processEvents()
    bar = window.done_bar
    window.grab().save("/tmp/i15done_bar_1280.png")
    assert bar.width() <= window.width()
    for button in (bar.flag_button, bar.close_button):
        assert button.isVisible() and button.width() >= button.sizeHint().width()
        assert window.rect().contains(button.mapTo(window, button.rect().bottomRight()))
    assert bar.line.height() >= bar.line.heightForWidth(bar.line.width())  # not cut off


def test_only_a_coordinator_turns_the_switch_and_it_allows_incomplete_done(
    qtbot, sample_project, gui_settings, chief_window
):
    coder = shown_window(qtbot, sample_project, "Amina", gui_settings)
    assert not coder.done_setting.isEnabled()
    assert "coordinator" in coder.done_setting.toolTip()
    coder.close()

    window = chief_window
    with qtbot.waitActive(window):
        window.activateWindow()
    assert window.done_setting.isEnabled() and not window.done_setting.isChecked()
    window.done_setting.trigger()  # Coding ▸ Allow recommendations marked done with …
    assert allows_incomplete_done(sample_project)
    first = window.current_id
    key(qtbot, window, "Ctrl+Return")
    assert not window.done_bar.isVisible() and window.current_id != first
    settled(window)
    assert window.service.status(first).status == "done"
    window.done_setting.trigger()
    assert not allows_incomplete_done(sample_project)


def test_redo_of_a_done_refused_meanwhile_does_not_crash(qtbot, sample_project, chief_window):
    window = chief_window
    window.done_setting.trigger()  # allowed: done with every field empty
    first = window.current_id
    key(qtbot, window, "Ctrl+Return")
    settled(window)
    key(qtbot, window, "Ctrl+Z")  # the done undone
    settled(window)
    assert window.current_id == first
    assert window.service.status(first).status == "not_started"
    window.done_setting.trigger()  # no longer allowed
    key(qtbot, window, "Ctrl+Shift+Z")  # redo: refused, said, nothing breaks
    settled(window)
    assert window.service.status(first).status == "not_started"
    assert window.done_bar.isVisible() and MISSING in window.done_bar.line.text()
    assert MISSING in window.statusBar().currentMessage()
    key(qtbot, window, "Ctrl+Z")  # undo past it still works
    settled(window)
    assert window.service.status(first).status == "not_started"
