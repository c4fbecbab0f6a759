"""Roles in the app: the one-time coordinator offer, Coders ▸ Manage, menus greyed out
for what a role cannot do (the services refuse it anyway)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.gui.coders_dialog import CodersDialog
from annotator.gui.main_window import MainWindow
from annotator.services import coders
from annotator.store.models import AuditEvent
from annotator.store.project import open_project

COORDINATOR_TOOLS = ("edit_codebook", "assign", "create_packages", "merge_packages")
DECIDER_TOOLS = ("others", "disagreements", "reliability")


@pytest.fixture
def window(qtbot, sample_project, gui_settings):
    win = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    win.show()
    return win


def offer_events(project) -> list[tuple[str, int | None]]:
    with project.session() as session:
        return [
            (e.action, e.coder_id)
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_((coders.OFFER_ACCEPTED, coders.OFFER_DECLINED))
                )
            )
        ]


def test_the_first_person_is_offered_the_coordinator_role_and_takes_it(window, sample_project):
    assert window.offer_bar.isVisible()
    for tool in COORDINATOR_TOOLS + DECIDER_TOOLS:
        assert not window.actions_by_id[tool].isEnabled(), tool
    window.offer_accept.click()
    assert not window.offer_bar.isVisible()
    assert window.coder_role == "coordinator"
    assert window.coder_label.text() == "Coder: Amina (coordinator)"
    for tool in COORDINATOR_TOOLS + DECIDER_TOOLS:
        assert window.actions_by_id[tool].isEnabled(), tool
    assert offer_events(sample_project) == [(coders.OFFER_ACCEPTED, window.coder_id)]


def test_a_declined_offer_is_recorded_and_not_made_again(
    qtbot, window, sample_project, gui_settings
):
    window.offer_decline.click()
    assert not window.offer_bar.isVisible()
    assert window.coder_role == "coder"
    assert offer_events(sample_project) == [(coders.OFFER_DECLINED, window.coder_id)]
    for name in ("Amina", "Ben"):  # reopened, by her or by someone else: no offer
        again = MainWindow(open_project(sample_project.url), name, gui_settings)
        qtbot.addWidget(again)
        again.show()
        assert not again.offer_bar.isVisible()
        again.close()
        again.project.close()


def test_no_offer_where_there_is_a_coordinator(qtbot, sample_project, gui_settings):
    with sample_project.write() as session:
        coders.get_or_create_coder(session, "Dan", role="coordinator")
    win = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    win.show()
    assert not win.offer_bar.isVisible()


def test_an_adjudicator_sees_others_but_not_the_coordinators_tools(
    qtbot, sample_project, gui_settings
):
    with sample_project.write() as session:
        coders.get_or_create_coder(session, "Dan", role="coordinator")
        coders.get_or_create_coder(session, "Cora", role="adjudicator")
    win = MainWindow(sample_project, "Cora", gui_settings)
    qtbot.addWidget(win)
    for tool in DECIDER_TOOLS:
        assert win.actions_by_id[tool].isEnabled(), tool
    for tool in COORDINATOR_TOOLS:
        action = win.actions_by_id[tool]
        assert not action.isEnabled(), tool
        assert action.toolTip().startswith("Only a coordinator can")


@pytest.fixture
def managed(qtbot, sample_project):
    with sample_project.write() as session:
        dan = coders.get_or_create_coder(session, "Dan", role="coordinator").id
        coders.get_or_create_coder(session, "Amina")
        coders.get_or_create_coder(session, "Ben")
    dialog = CodersDialog(sample_project, dan)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def role_box(dialog, name):
    row = next(n for n, r in enumerate(dialog.rows) if r.name == name)
    return dialog.table.cellWidget(row, 1)


def test_a_coordinator_manages_the_team_in_the_dialog(qtbot, managed, sample_project, tmp_path):
    managed.grab().save(str(tmp_path / "coders.png"))
    managed.name_edit.setText("Eve")
    managed.role_box.setCurrentIndex(managed.role_box.findData("adjudicator"))
    managed.add_button.click()
    assert managed.message.text() == "Added Eve as adjudicator."
    assert [(r.name, r.role) for r in managed.rows] == [
        ("Amina", "coder"),
        ("Ben", "coder"),
        ("Dan", "coordinator"),
        ("Eve", "adjudicator"),
    ]
    box = role_box(managed, "Ben")
    box.setCurrentIndex(box.findData("adjudicator"))
    assert managed.message.text() == "Ben is now adjudicator."
    managed.select("Amina")
    assert managed.rename_selected("Amina K.")
    managed.select("Eve")
    assert managed.retire_or_restore_selected()
    assert managed.message.text().startswith("Retired Eve")
    managed.select("Eve")
    assert managed.retire_button.text() == "Restore"
    # The last coordinator keeps the role; the box goes back and says why.
    box = role_box(managed, "Dan")
    box.setCurrentIndex(box.findData("coder"))
    assert managed.message_is_error and "last coordinator" in managed.message.text()
    assert role_box(managed, "Dan").currentData() == "coordinator"
    with sample_project.session() as session:
        roles = {
            c.name: (c.role, c.retired) for c in coders.list_coders(session, include_retired=True)
        }
    assert roles == {
        "Amina K.": ("coder", False),
        "Ben": ("adjudicator", False),
        "Dan": ("coordinator", False),
        "Eve": ("adjudicator", True),
    }


def test_a_coder_sees_the_team_but_cannot_change_it(qtbot, sample_project):
    with sample_project.write() as session:
        coders.get_or_create_coder(session, "Dan", role="coordinator")
        ben = coders.get_or_create_coder(session, "Ben").id
    dialog = CodersDialog(sample_project, ben)
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled() and not dialog.name_edit.isEnabled()
    assert not role_box(dialog, "Dan").isEnabled()
    assert dialog.message.text() == "Only a coordinator can manage coders; you are a coder."
    assert not dialog.claim_button.isVisible()
    # Even called directly, the service refuses.
    assert not dialog.set_role(ben, "coordinator")
    assert "Only a coordinator can manage coders" in dialog.message.text()


def test_in_a_project_without_coordinator_the_dialog_lets_one_claim_it(qtbot, sample_project):
    with sample_project.write() as session:
        ben = coders.get_or_create_coder(session, "Ben").id
    dialog = CodersDialog(sample_project, ben)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.claim_button.isVisible()
    dialog.claim_button.click()
    assert dialog.message.text() == "You are now this project's coordinator."
    assert dialog.add_button.isEnabled() and not dialog.claim_button.isVisible()
