"""Codebook ▸ Edit in a real dialog on the sample project (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox
from sqlalchemy import select

from annotator.gui.codebook_editor import CodebookEditor, NewCodeDialog, NewFieldDialog
from annotator.services.bulk import write_annotations
from annotator.services.codebook import active_codebook
from annotator.services.coders import get_or_create_coder
from annotator.store import models

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def coder_id(sample_project) -> int:
    with sample_project.write() as session:
        return get_or_create_coder(session, "Amina", role="coordinator").id


@pytest.fixture
def editor(qtbot, sample_project, coder_id) -> CodebookEditor:
    dialog = CodebookEditor(sample_project, coder_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def book(project):
    with project.session() as session:
        return active_codebook(session)


def select_code(dialog: CodebookEditor, field_key: str, code_key: str | None) -> None:
    item = dialog._item((field_key, code_key))
    assert item is not None, (field_key, code_key)
    dialog.tree.setCurrentItem(item)


def fill_new_code(label: str, key: str | None = None):
    def fake_exec(self: NewCodeDialog) -> int:
        self.label_edit.setText(label)
        if key is not None:
            self.key_edit.setText(key)
        return QDialog.DialogCode.Accepted

    return fake_exec


def test_the_tree_shows_every_field_and_code(editor, sample_project):
    current = book(sample_project)
    assert editor.windowTitle() == "Edit codebook"
    assert editor.tree.topLevelItemCount() == len(current.fields)
    themes = editor._item(("themes", None))
    assert themes.text(0) == "Themes — multi-choice"
    group = editor._item(("themes", "civil_political_rights"))
    assert group.parent() is themes
    torture = editor._item(("themes", "torture"))
    assert torture.parent() is group
    assert (torture.text(1), torture.text(2)) == ("torture", "t")
    assert editor._item(("notes", None)).childCount() == 0


def test_add_a_child_code_then_rename_it(editor, qtbot, sample_project, monkeypatch):
    monkeypatch.setattr(NewCodeDialog, "exec", fill_new_code("Digital rights"))
    select_code(editor, "themes", "civil_political_rights")
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.add_child_button, LEFT)
    code = book(sample_project).field("themes").code("digital_rights")
    assert (code.label, code.parent) == ("Digital rights", "civil_political_rights")
    assert book(sample_project).version == 2
    assert editor.tree.currentItem().data(0, Qt.ItemDataRole.UserRole) == (
        "themes",
        "digital_rights",
    )
    assert editor.stack.currentIndex() == 1
    assert "version 2" in editor.message.text()

    assert not editor.save_button.isEnabled()
    editor.label_edit.setText("Online rights")
    editor.shortcut_edit.setText("ctrl+alt+9")
    assert editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.save_button, LEFT)
    code = book(sample_project).field("themes").code("digital_rights")
    assert (code.label, code.shortcut) == ("Online rights", "Ctrl+Alt+9")
    item = editor._item(("themes", "digital_rights"))
    assert (item.text(0), item.text(2)) == ("Online rights", "Ctrl+Alt+9")
    assert not editor.save_button.isEnabled()
    assert editor.message.text().startswith("Saved code 'Online rights'")


def test_a_clashing_shortcut_is_refused_with_a_visible_message(editor, qtbot, sample_project):
    select_code(editor, "themes", "detention")
    editor.shortcut_edit.setText("T")
    with qtbot.assertNotEmitted(editor.changed):
        qtbot.mouseClick(editor.save_button, LEFT)
    message = editor.message.text()
    assert editor.message.isVisible()
    assert "not saved" in message and "'t'" in message and "'torture'" in message
    assert "Traceback" not in message
    assert "b00020" in editor.message.styleSheet()  # shown as an error
    code = book(sample_project).field("themes").code("detention")
    assert code.shortcut == "d"
    assert book(sample_project).version == 1

    # choosing another code tries to save first; refused, it stays on 'detention'
    with qtbot.assertNotEmitted(editor.changed):
        select_code(editor, "themes", "torture")
    assert editor.tree.currentItem().text(1) == "detention"
    assert editor.shortcut_edit.text() == "T"
    qtbot.mouseClick(editor.revert_button, LEFT)
    assert editor.shortcut_edit.text() == "d"
    select_code(editor, "themes", "torture")
    assert editor.label_edit.text() == book(sample_project).field("themes").code("torture").label


def test_an_empty_label_for_a_new_code_is_refused(editor, qtbot, sample_project, monkeypatch):
    monkeypatch.setattr(NewCodeDialog, "exec", fill_new_code("   ", key="blank"))
    select_code(editor, "themes", "torture")
    with qtbot.assertNotEmitted(editor.changed):
        qtbot.mouseClick(editor.add_code_button, LEFT)
    assert "is empty" in editor.message.text()
    assert "blank" not in [c.key for c in book(sample_project).field("themes").codes]


def test_selecting_another_code_saves_the_form(editor, qtbot, sample_project):
    select_code(editor, "themes", "detention")
    editor.text_edits["definition"].setPlainText("Deprivation of liberty, in all its forms.")
    with qtbot.waitSignal(editor.changed, timeout=5000):
        select_code(editor, "themes", "torture")
    assert editor.tree.currentItem().text(1) == "torture"
    assert (
        book(sample_project).field("themes").code("detention").definition
        == "Deprivation of liberty, in all its forms."
    )


def test_move_buttons_and_move_under(editor, qtbot, sample_project, monkeypatch):
    def siblings():
        themes = book(sample_project).field("themes")
        return [c.key for c in themes.codes if c.parent == "civil_political_rights"]

    before = siblings()
    select_code(editor, "themes", "detention")
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.up_button, LEFT)
    assert siblings().index("detention") == before.index("detention") - 1
    assert editor.tree.currentItem().text(1) == "detention"

    select_code(editor, "themes", before[0])
    assert not editor.up_button.isEnabled()
    select_code(editor, "action", "3")
    assert not editor.up_button.isEnabled() and not editor.parent_button.isEnabled()

    offered = []

    def choose(_parent, _title, _label, items, _current, _editable):
        offered.extend(items)
        return next(i for i in items if "(torture)" in i), True

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    select_code(editor, "themes", "detention")
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.parent_button, LEFT)
    assert book(sample_project).field("themes").code("detention").parent == "torture"
    assert editor._item(("themes", "detention")).parent().text(1) == "torture"
    # a group cannot be put under one of its own codes: they are not offered
    offered.clear()
    select_code(editor, "themes", "civil_political_rights")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (offered.extend(a[3]), ("", False))[1])
    qtbot.mouseClick(editor.parent_button, LEFT)
    assert offered and not [i for i in offered if "(torture)" in i or "(detention)" in i]


def test_retire_and_restore(editor, qtbot, sample_project):
    select_code(editor, "themes", "death_penalty")
    assert editor.retire_button.text() == "Retire"
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.retire_button, LEFT)
    assert book(sample_project).field("themes").code("death_penalty").retired
    item = editor._item(("themes", "death_penalty"))
    assert item.text(0).endswith("(retired)")
    grey = editor.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert item.foreground(0).color() == grey
    assert editor.retire_button.text() == "Restore"
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.retire_button, LEFT)
    assert not book(sample_project).field("themes").code("death_penalty").retired
    assert not editor._item(("themes", "death_penalty")).text(0).endswith("(retired)")


def test_add_a_field(editor, qtbot, sample_project, monkeypatch):
    def fake_exec(self: NewFieldDialog) -> int:
        self.label_edit.setText("Priority")
        self.kind_box.setCurrentIndex(self.kind_box.findData("single"))
        self.first_code_edit.setText("High")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NewFieldDialog, "exec", fake_exec)
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.add_field_button, LEFT)
    field = book(sample_project).field("priority")
    assert field.kind == "single"
    assert [(c.key, c.label) for c in field.codes] == [("high", "High")]
    assert editor._item(("priority", "high")) is not None
    assert editor.tree.currentItem().data(0, Qt.ItemDataRole.UserRole) == ("priority", None)


def test_merge_then_undo(editor, qtbot, sample_project, coder_id, monkeypatch):
    with sample_project.write() as session:
        other = get_or_create_coder(session, "Bo").id
        field = session.scalar(
            select(models.CodebookField).where(models.CodebookField.key == "themes")
        )
        codes = {c.key: c.id for c in field.codes}
        recs = list(
            session.scalars(select(models.Recommendation.id).order_by(models.Recommendation.id))
        )[:2]
        write_annotations(
            session,
            [
                (recs[0], coder_id, field.id, codes["detention"], None, 1),
                (recs[1], other, field.id, codes["detention"], None, 1),
                (recs[1], other, field.id, codes["torture"], None, 1),
            ],
        )

    def table(project):
        with project.session() as session:
            return sorted(
                tuple(r) for r in session.execute(select(models.Annotation.__table__)).all()
            )

    before = table(sample_project)
    editor.reload()
    questions = []
    monkeypatch.setattr(
        QInputDialog,
        "getItem",
        lambda _p, _t, _l, items, _c, _e: (next(i for i in items if "(torture)" in i), True),
    )

    def answer(_parent, title, text, *_args):
        questions.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    select_code(editor, "themes", "detention")
    assert "used by 2 annotations" in editor.where_label.text()
    assert not editor.undo_merge_button.isEnabled()
    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.merge_button, LEFT)
    title, text = questions[-1]
    assert title == "Merge codes"
    assert "2 annotations by 2 coders on 2 recommendations use 'Detention'" in text
    assert "1 will be remapped to 'Torture and other CID treatment'; 1 is simply removed" in text

    with sample_project.session() as session:
        used = session.scalars(
            select(models.Annotation.code_id).where(models.Annotation.field_id == field.id)
        ).all()
    assert sorted(used) == [codes["torture"], codes["torture"]]
    assert book(sample_project).field("themes").code("detention").retired
    assert editor._item(("themes", "detention")).text(0).endswith("(retired)")
    assert editor.undo_merge_button.isEnabled()
    assert "Merged code" in editor.message.text()

    with qtbot.waitSignal(editor.changed, timeout=5000):
        qtbot.mouseClick(editor.undo_merge_button, LEFT)
    assert questions[-1][0] == "Undo last merge"
    assert table(sample_project) == before
    assert not book(sample_project).field("themes").code("detention").retired
    assert not editor.undo_merge_button.isEnabled()
    assert book(sample_project).version == 3


def test_closing_saves_pending_edits_unless_refused(editor, qtbot, sample_project):
    select_code(editor, "themes", "detention")
    editor.keywords_edit.setText("prison; custody ;  ")
    with qtbot.waitSignal(editor.changed, timeout=5000):
        editor.reject()
    assert book(sample_project).field("themes").code("detention").keywords == ["prison", "custody"]
    assert not editor.isVisible()

    editor.show()
    select_code(editor, "themes", "detention")
    editor.shortcut_edit.setText("Ctrl+Space")
    editor.reject()
    assert editor.isVisible()  # the refused edit keeps the dialog open
    assert "not valid" in editor.message.text()
