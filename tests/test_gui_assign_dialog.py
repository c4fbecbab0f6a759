"""The Assign recommendations dialog, driven through its widgets on a real sample project."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from annotator.gui.assign_dialog import AssignDialog
from annotator.services import assignments as asg
from annotator.services.coders import get_or_create_coder
from annotator.store.models import Assignment, AuditEvent, Coder

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def coordinator(sample_project) -> int:
    with sample_project.write() as session:
        return get_or_create_coder(session, "Cora", "coordinator").id


@pytest.fixture
def dialog(qtbot, sample_project, coordinator):
    dialog = AssignDialog(sample_project, coordinator)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def coder_id(project, name: str) -> int:
    with project.session() as session:
        return session.scalars(select(Coder.id).where(Coder.name == name)).one()


def assignment_count(project) -> int:
    with project.session() as session:
        return session.scalar(select(func.count()).select_from(Assignment))


def add_coder(qtbot, dialog, name: str, *, enter: bool = False) -> None:
    if enter:
        # With the focus in the field, as a person typing has it: only then would Enter
        # also press the dialog's default button.
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        dialog.new_coder_edit.setFocus()
    qtbot.keyClicks(dialog.new_coder_edit, name)
    if enter:
        qtbot.keyClick(dialog.new_coder_edit, Qt.Key.Key_Return)
    else:
        qtbot.mouseClick(dialog.add_coder_button, LEFT)


def test_a_ten_percent_overlap_for_two_coders(qtbot, dialog, sample_project, coordinator):
    add_coder(qtbot, dialog, "Amina")
    assert dialog.message.text() == "Added Amina to the project's coders."
    add_coder(qtbot, dialog, "Ben", enter=True)
    assert dialog.isVisible(), "Enter in the name field must not press a dialog button"
    assert dialog.message.text() == "Added Ben to the project's coders."
    assert [name for _, name in dialog.checked_coders()] == ["Amina", "Ben"]

    qtbot.mouseClick(dialog.sample_radio, LEFT)
    dialog.share_spin.setValue(10)
    dialog.seed_spin.setValue(7)
    assert dialog.sample_radio.isChecked()
    assert dialog.sample_size_label.text() == "draws 35 recommendations"
    with qtbot.waitSignal(dialog.assigned, timeout=5000):
        qtbot.mouseClick(dialog.assign_button, LEFT)

    assert not dialog.message_is_error
    assert dialog.message.text().startswith("Assigned 35 recommendations to Amina and Ben")
    amina, ben = coder_id(sample_project, "Amina"), coder_id(sample_project, "Ben")
    with sample_project.session() as session:
        expected = set(asg.draw_overlap_sample(session, 0.10, seed=7))
        assert asg.assigned_ids(session, amina) == expected
        assert asg.assigned_ids(session, ben) == expected
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "assignment").order_by(AuditEvent.id)
        ).all()
    assert len(expected) == 35
    assert [(e.action, e.coder_id) for e in events] == [("assign", coordinator)] * 2
    assert json.loads(events[0].after)["sample"]["seed"] == 7

    table = dialog.summary_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == {"Amina", "Ben", "Cora"}
    assert table.item(rows["Amina"], 1).text() == "35"
    assert table.item(rows["Ben"], 3).text() == "35"
    assert table.item(rows["Cora"], 1).text() == "none: sees all"
    assert dialog.overlap_label.text().startswith("35 recommendations are assigned to two")

    # The same seed again changes nothing and says so.
    with qtbot.assertNotEmitted(dialog.assigned):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    assert "already had these 35 recommendations; nothing changed" in dialog.message.text()
    assert assignment_count(sample_project) == 70


def test_stratified_sample_through_the_checkbox(qtbot, dialog, sample_project):
    add_coder(qtbot, dialog, "Amina")
    qtbot.mouseClick(dialog.stratify_check, LEFT)
    assert dialog.sample_radio.isChecked()
    assert dialog.sample_size_label.text() == "draws 34 recommendations"
    qtbot.mouseClick(dialog.assign_button, LEFT)
    with sample_project.session() as session:
        assert asg.assigned_ids(session, coder_id(sample_project, "Amina")) == set(
            asg.draw_overlap_sample(session, 0.1, seed=1, stratify_by="position")
        )


def test_mistakes_are_shown_in_the_dialog_and_change_nothing(qtbot, dialog, sample_project):
    with qtbot.assertNotEmitted(dialog.assigned):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    assert dialog.message_is_error
    assert "Tick at least one coder" in dialog.message.text()

    qtbot.mouseClick(dialog.add_coder_button, LEFT)  # no name typed
    assert dialog.message_is_error and "needs a name" in dialog.message.text()

    add_coder(qtbot, dialog, "Amina")
    # The range starts filled in with the review's first and last numbers.
    assert (dialog.first_edit.text(), dialog.last_edit.text()) == ("28.1", "28.346")
    dialog.first_edit.clear()
    qtbot.keyClicks(dialog.first_edit, "28.10")
    dialog.last_edit.clear()
    qtbot.keyClicks(dialog.last_edit, "28.2")
    assert dialog.range_radio.isChecked()
    with qtbot.assertNotEmitted(dialog.assigned):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    assert dialog.message_is_error
    assert "comes after its end" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()
    assert assignment_count(sample_project) == 0


def test_a_range_then_removing_everything(qtbot, dialog, sample_project):
    add_coder(qtbot, dialog, "Amina")
    qtbot.mouseClick(dialog.range_radio, LEFT)
    dialog.first_edit.setText("28.2")
    dialog.last_edit.setText("28.10")
    with qtbot.waitSignal(dialog.assigned, timeout=5000):
        qtbot.mouseClick(dialog.assign_button, LEFT)
    assert dialog.message.text() == "Assigned 9 recommendations to Amina."
    amina = coder_id(sample_project, "Amina")
    with sample_project.session() as session:
        assert len(asg.assigned_ids(session, amina)) == 9

    qtbot.mouseClick(dialog.all_radio, LEFT)
    with qtbot.waitSignal(dialog.assigned, timeout=5000):
        qtbot.mouseClick(dialog.remove_button, LEFT)
    assert dialog.message.text() == (
        "Removed 9 recommendations from Amina. "
        "Amina now has no assignment and sees every recommendation."
    )
    with sample_project.session() as session:
        assert asg.assigned_ids(session, amina) is None
