"""Theme suggestions in the coding form: the strip appears and hides per the project's
setting, the Nth key (Alt+N when free) ticks the Nth suggestion (marked accepted), none
on double-coded units."""

from __future__ import annotations

from sqlalchemy import select

from annotator.services import suggesting as sg
from annotator.services.assignments import assign
from annotator.services.coders import get_or_create_coder
from annotator.store import models
from tests.roles import coordinator_id
from tests.test_gui_coding import key, settled


def strip_of(window):
    return window.suggestions.strip


def test_after_first_save_the_strip_appears_once_a_value_is_saved(window, qtbot):
    strip = strip_of(window)
    assert sg.mode(window.project) == "after_first_save"
    assert not strip.isVisible()
    window.toggle_code(window.spec.field_by_key("position").codes[0].stored_id)
    settled(window)
    qtbot.waitUntil(strip.isVisible)
    assert len(strip.shown.items) == 5
    assert "(Alt+1–5)" in strip.items_label.text() and "UPR Info" in strip.source_label.text()
    # The built-in codebook leaves Alt+1..Alt+5 free for the suggestions.
    assert strip.keys == [f"Alt+{n}" for n in range(1, 6)]
    with window.project.session() as session:
        row = session.get(models.CodingStatus, (window.current_id, window.coder_id))
    assert row is not None and row.suggestions_shown
    window.resize(1280, 720)
    window.grab().save("/tmp/i16_strip.png")


def test_always_shows_at_once_and_off_hides(window, qtbot):
    chief = coordinator_id(window.project, "Olga")
    sg.set_mode(window.project, "always", chief)
    window.suggestions.refresh()
    assert strip_of(window).isVisible()
    sg.set_mode(window.project, "off", chief)
    window.suggestions.refresh()
    assert not strip_of(window).isVisible()
    with window.project.session() as session:
        row = session.get(models.CodingStatus, (window.current_id, window.coder_id))
    assert row is not None and row.suggestions_shown  # shown once: recorded for good


def test_the_second_key_ticks_the_second_suggestion_and_marks_it_accepted(window, qtbot):
    sg.set_mode(window.project, "always", coordinator_id(window.project, "Olga"))
    window.suggestions.refresh()
    second = strip_of(window).shown.items[1]
    field_id = strip_of(window).shown.field_id
    window.form.setFocus()
    key(qtbot, window, strip_of(window).keys[1])
    settled(window)
    assert window.form.values()[field_id].codes == frozenset({second.code_id})
    with window.project.session() as session:
        rows = session.execute(
            select(models.Annotation.code_id, models.Annotation.accepted_suggestion).where(
                models.Annotation.recommendation_id == window.current_id
            )
        ).all()
    assert rows == [(second.code_id, True)]
    window.undo_stack.undo()  # an undo step like ticking
    settled(window)
    assert window.form.values()[field_id].codes == frozenset()
    with window.project.session() as session:
        assert session.scalars(select(models.Annotation.id)).first() is None


def test_no_strip_on_a_double_coded_recommendation(window, qtbot):
    chief = coordinator_id(window.project, "Olga")
    sg.set_mode(window.project, "always", chief)
    rid = window.current_id
    with window.project.write() as session:
        ben = get_or_create_coder(session, "Ben").id
        assign(session, window.coder_id, [rid], by_coder_id=chief)
        assign(session, ben, [rid], by_coder_id=chief)
    window.suggestions.refresh()
    assert not strip_of(window).isVisible()
    key(qtbot, window, strip_of(window).keys[0])
    settled(window)
    with window.project.session() as session:
        assert session.scalars(select(models.Annotation.id)).first() is None


def test_the_coding_menu_setting_is_the_coordinators(qtbot, sample_project, gui_settings):
    from tests.test_gui_done_complete import shown_window

    coordinator_id(sample_project, "Olga")
    coder = shown_window(qtbot, sample_project, "Amina", gui_settings)
    actions = coder.suggestions.mode_actions
    assert actions["after_first_save"].isChecked()
    assert not any(a.isEnabled() for a in actions.values())
    coder.close()

    chief = shown_window(qtbot, sample_project, "Olga", gui_settings)
    actions = chief.suggestions.mode_actions
    assert all(a.isEnabled() for a in actions.values())
    actions["always"].trigger()
    assert sg.mode(sample_project) == "always"
    assert chief.suggestions.overlap_action is not None
    chief.suggestions.overlap_action.trigger()
    assert sg.shows_on_overlap(sample_project)


def test_the_reliability_window_can_leave_suggested_units_out(qtbot, sample_project):
    from tests.test_reliability_report import build_two_coder_project, open_report_dialog

    built = build_two_coder_project(sample_project)
    sg.record_shown(sample_project, built["amina"], built["units"][0])
    dialog = open_report_dialog(qtbot, sample_project)
    assert dialog.field_combo.currentText().startswith("Themes (12 compared")
    assert "whether or not a coder had theme suggestions" in dialog.overlap_label.text()
    dialog.unsuggested_check.setChecked(True)
    dialog.outcome = None
    dialog.start()
    qtbot.waitUntil(lambda: dialog.worker is None and dialog.outcome is not None, timeout=20_000)
    assert dialog.field_combo.currentText().startswith("Themes (11 compared")
    assert "1 recommendation where a coder had suggestions" in dialog.overlap_label.text()
    dialog.resize(900, 600)
    dialog.grab().save("/tmp/i16_reliability.png")
