"""Every field of the built-in codebook coded on ten recommendations by keyboard alone:
Tab walks the fields (one stop each), each field's own key reaches it, arrow keys choose
within a group. No mouse event anywhere; what is stored is read back after the writer."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from annotator.gui.field_widgets import CODE_ROLE, ChoiceWidget, MultiChoiceWidget
from annotator.services.coding import FieldValue
from tests.test_gui_coding import key, settled, type_text


def _reach(qtbot, window, field, by_tab: bool) -> None:
    key(qtbot, window, "Tab" if by_tab else window.focus_keys[field.key])
    widget = window.form.widgets[field.stored_id]
    assert widget.isAncestorOf(QApplication.focusWidget()), f"{field.label} not reached"


def test_ten_recommendations_coded_with_the_keyboard_alone(window, qtbot):
    spec = window.spec
    window.table.setFocus()  # where the window starts
    expected: dict[int, dict[int, FieldValue]] = {}
    for n in range(10):
        rid = window.current_id
        by_tab = n % 2 == 0  # even: Tab walks the fields; odd: each field's own key
        values: dict[int, FieldValue] = {}
        for field in spec.fields:
            _reach(qtbot, window, field, by_tab)
            widget = window.form.widgets[field.stored_id]
            if isinstance(widget, MultiChoiceWidget):
                for _ in range(n + 1):
                    key(qtbot, window, "Down")
                key(qtbot, window, "Space")
                ticked = widget.tree.currentItem()
                values[field.stored_id] = FieldValue(frozenset({ticked.data(0, CODE_ROLE)}))
            elif isinstance(widget, ChoiceWidget):
                arrow = "Right" if field.kind == "ordinal" else "Down"
                steps = 1 + n % len(field.codes)
                for _ in range(steps):
                    key(qtbot, window, arrow)
                chosen = field.codes[steps - 1]
                values[field.stored_id] = FieldValue(frozenset({chosen.id}))
            else:
                type_text(qtbot, window, f"{field.label} {n}")
                values[field.stored_id] = FieldValue(text=f"{field.label} {n}")
        key(qtbot, window, "Escape")  # out of the last text box: the list has the keys
        key(qtbot, window, "Ctrl+Return")  # done, and the next one
        assert window.current_id != rid
        expected[rid] = values
    settled(window)
    for rid, values in expected.items():
        assert window.service.status(rid).status == "done"
        stored = window.service.values(rid)
        for field in spec.fields:
            assert stored.get(field.stored_id) == values[field.stored_id], (rid, field.label)


def test_the_shortcuts_page_lists_the_key_of_every_field_of_the_open_codebook(window):
    window.actions_by_id["shortcuts_help"].trigger()
    page = next(d for d in window._dialogs if type(d).__name__ == "ShortcutsHelp")
    text = page.view.toPlainText()
    assert set(window.focus_keys) == {f.key for f in window.spec.fields}
    for field in window.spec.fields:
        shown_key = QKeySequence(window.focus_keys[field.key]).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        assert f"{shown_key}\ngo to {field.label}" in text or (
            f"{shown_key}\tgo to {field.label}" in text
        ), field.label
    for words in ("Tab / Shift+Tab", "arrow keys", "Space"):
        assert words in text
    assert "Ctrl+Alt+1" in text  # the codes' keys as the codebook gives them
    page.close()
