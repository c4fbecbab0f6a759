"""What is chosen stays in view: the pinned summary, the focused field scrolled to, a
strong checked style in both themes, a readable link in the dark one, and the keys."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from annotator.gui import theme
from annotator.gui.field_widgets import ChoiceWidget
from annotator.gui.shortcuts import PreferencesDialog
from tests.test_gui_coding import code_id, key, settled, type_text


def test_the_summary_shows_every_value_and_follows_changes(window, qtbot):
    window.toggle_code(code_id(window, "themes", "torture"))
    window.toggle_code(code_id(window, "position", "supported"))
    text = window.summary.label.text()
    assert "Torture" in text and "Supported" in text
    assert not window.form.isAncestorOf(window.summary)  # pinned, not scrolled away
    window.go_next()
    assert window.summary.lines["Position"] == ""
    assert "not coded (required)" in window.summary.label.text()
    settled(window)


def test_the_note_scrolls_into_view_when_its_key_is_pressed(window, qtbot):
    window.resize(1280, 600)
    window.form.verticalScrollBar().setValue(0)
    key(qtbot, window, "Ctrl+Shift+N")
    box = window.form.first_text().box
    assert QApplication.focusWidget() is box
    top_left = box.mapTo(window.form.viewport(), box.rect().topLeft())
    seen = window.form.viewport().rect()
    assert seen.contains(QRect(top_left, box.size()))


def test_a_long_note_typed_at_the_bottom_stays_in_view(window, qtbot):
    window.resize(1280, 600)
    window.form.verticalScrollBar().setValue(0)
    key(qtbot, window, "Ctrl+Shift+N")
    box = window.form.first_text().box
    for n in range(15):
        type_text(qtbot, window, f"line {n} of a long note")
        key(qtbot, window, "Return")
    type_text(qtbot, window, "the last line")
    assert box.toPlainText().endswith("the last line")
    viewport = window.form.viewport()
    top_left = box.mapTo(viewport, box.rect().topLeft())
    assert viewport.rect().contains(QRect(top_left, box.size()))
    cursor = box.cursorRect()  # where the typing is, inside the box's own view
    assert box.viewport().rect().contains(cursor)
    assert box.textCursor().block().text() == "the last line"
    settled(window)


def test_a_chosen_option_stands_out_in_light_and_dark(window, qtbot):
    for name in ("light", "dark"):
        window.set_theme(name)
        field = window.spec.field_by_key("action")
        widget = window.form.widgets[field.stored_id]
        assert isinstance(widget, ChoiceWidget)
        buttons = list(widget.buttons.values())
        window.toggle_code(code_id(window, "action", "3"))
        QApplication.processEvents()
        chosen = buttons[2].grab().toImage().pixelColor(8, buttons[2].height() // 2)
        other = buttons[1].grab().toImage().pixelColor(8, buttons[1].height() // 2)
        highlight = buttons[2].palette().color(QPalette.ColorRole.Highlight)
        assert abs(chosen.lightness() - other.lightness()) > 40, name
        assert chosen == highlight, name
        window.toggle_code(code_id(window, "action", "3"))
    settled(window)
    theme.apply("light")


def test_the_document_link_is_readable_in_the_dark_theme(window, qtbot):
    window.set_theme("dark")
    document = window.reader.document()
    found = document.find("open the document")
    assert not found.isNull()
    cursor = QTextCursor(found)
    colour = cursor.charFormat().foreground().color()
    assert colour != QColor("#0000ff")
    assert colour.lightness() > 120
    theme.apply("light")


def test_a_window_key_cannot_take_a_fields_own_key(window, qtbot):
    dialog = PreferencesDialog(window.settings, window.spec, window, window.focus_keys)
    qtbot.addWidget(dialog)
    assert window.focus_keys["position"] == "Alt+O"
    assert not dialog.set_key("search", "Alt+O")
    assert "Position" in dialog.message.text()
