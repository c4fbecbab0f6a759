"""The coding workspace, driven by keyboard in a real window on a real project file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QRadioButton
from sqlalchemy import select, text

from annotator.codebook import builtin_codebook
from annotator.gui.main_window import MainWindow
from annotator.gui.shortcuts import PreferencesDialog
from annotator.services import codebook as codebooks
from annotator.services.bulk import write_annotations
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import FieldValue, form_spec, load_status, load_values
from annotator.store.models import Code, Coder, Recommendation
from annotator.store.project import open_project
from tests.project_helpers import fill_required
from tests.roles import boss


def key(qtbot, widget, keys: str) -> None:
    """Press a key combination the way a person does (to the focused widget)."""
    from PySide6.QtGui import QKeySequence

    sequence = QKeySequence(keys)[0]
    target = QApplication.focusWidget() or widget
    qtbot.keyClick(target, sequence.key(), sequence.keyboardModifiers())


def type_text(qtbot, widget, words: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget() or widget, words)


def settled(window) -> None:
    """Wait for the writer thread to finish and its signals to reach the window."""
    assert window.service.flush(5)
    QApplication.processEvents()


def code_id(window, field_key: str, code_key: str) -> int:
    field = window.spec.field_by_key(field_key)
    return next(c.id for c in field.codes if c.key == code_key)


@pytest.fixture
def any_window(qtbot, any_sample_project, gui_settings):
    """The window on the sample, on SQLite and on a PostgreSQL server."""
    win = MainWindow(any_sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    return win


def test_coding_a_recommendation_by_keyboard_alone(any_window, qtbot):
    window = any_window
    where = window.project.url
    first = window.current_id
    themes = window.spec.field_by_key("themes")
    response = window.spec.field_by_key("published_response")
    notes = window.spec.field_by_key("notes")
    window.table.setFocus()

    key(qtbot, window, "Ctrl+T")  # theme filter: type part of a label, Enter ticks it
    assert QApplication.focusWidget() is window.form.first_multi().filter
    type_text(qtbot, window, "tortur")
    key(qtbot, window, "Return")
    key(qtbot, window, "Escape")  # back to the codes: letters are shortcuts again
    key(qtbot, window, "D")  # Detention's shortcut in the built-in codebook
    key(qtbot, window, "5")  # published response: Noted
    key(qtbot, window, "Ctrl+Shift+N")  # the note
    type_text(qtbot, window, "Asked twice before")
    key(qtbot, window, "Escape")
    key(qtbot, window, window.focus_keys["position"])  # the last required field
    key(qtbot, window, "Down")  # its first option: Supported
    key(qtbot, window, "Ctrl+Return")  # done, and the next one
    assert window.current_id != first
    settled(window)  # saves run on the writer thread
    assert window.saved_label.text().startswith("Saved")

    window.close()
    project = open_project(where)  # a new connection reads what was committed
    with project.session() as session:
        amina = session.scalar(select(Coder.id).where(Coder.name == "Amina"))
        values = load_values(session, first, amina)
        status = load_status(session, first, amina)
    project.close()
    assert values[themes.id].codes == {
        code_id(window, "themes", "torture"),
        code_id(window, "themes", "detention"),
    }
    assert values[response.id].codes == {code_id(window, "published_response", "noted")}
    assert values[notes.id].text == "Asked twice before"
    assert values[window.spec.field_by_key("position").id].codes == {
        code_id(window, "position", "supported")
    }
    assert status.status == "done"


def test_in_a_text_box_keys_are_text_and_ctrl_z_undoes_typing(window, qtbot):
    notes = window.form.first_text()
    themes = window.spec.field_by_key("themes").id
    detention = code_id(window, "themes", "detention")
    torture = code_id(window, "themes", "torture")
    window.toggle_code(torture)  # a coding action that Ctrl+Z in the note must not undo
    window.focus_notes()
    type_text(qtbot, window, "d")
    assert notes.box.toPlainText() == "d"
    assert detention not in window.form.values()[themes].codes
    key(qtbot, window, "Ctrl+Z")  # the text box's own undo
    assert notes.box.toPlainText() == ""
    assert window.service.values(window.current_id)[themes].codes == {torture}
    key(qtbot, window, "Escape")
    assert QApplication.focusWidget() is window.table
    key(qtbot, window, "D")
    assert window.service.values(window.current_id)[themes].codes == {torture, detention}
    key(qtbot, window, "Ctrl+Z")  # outside a text box: the coding action is undone
    assert window.service.values(window.current_id)[themes].codes == {torture}


def test_digits_typed_in_a_text_box_are_text_not_a_published_response(window, qtbot):
    """The published response's keys are plain digits: typing a number must not code it."""
    response = window.spec.field_by_key("published_response").id
    noted = code_id(window, "published_response", "noted")
    window.focus_notes()
    type_text(qtbot, window, "5 of 2015")
    assert window.form.first_text().box.toPlainText() == "5 of 2015"
    window.focus_theme_filter()
    type_text(qtbot, window, "5")
    assert window.form.first_multi().filter.text() == "5"
    key(qtbot, window, "Escape")
    window.focus_search()
    type_text(qtbot, window, "5")
    assert window.queue.search.text() == "5"
    assert not window.form.values()[response].codes
    window.table.setFocus()
    key(qtbot, window, "5")  # outside a text box the digit is the code
    assert window.form.values()[response].codes == {noted}


def test_undo_and_redo_across_recommendations(window, qtbot):
    themes = window.spec.field_by_key("themes").id
    torture = code_id(window, "themes", "torture")
    first = window.current_id
    window.toggle_code(torture)
    window.go_next()
    second = window.current_id
    window.toggle_code(torture)
    assert window.service.values(second)[themes].codes == {torture}

    key(qtbot, window, "Ctrl+Z")
    assert window.service.values(second).get(themes, FieldValue()).codes == frozenset()
    key(qtbot, window, "Ctrl+Z")  # the first recommendation's change: shown again, undone
    assert window.current_id == first
    assert window.service.values(first).get(themes, FieldValue()).codes == frozenset()
    assert torture not in window.form.values()[themes].codes
    key(qtbot, window, "Ctrl+Shift+Z")
    assert window.service.values(first)[themes].codes == {torture}
    assert torture in window.form.values()[themes].codes


def test_next_not_done_and_flag(window, qtbot, monkeypatch):
    ids = window.model.ids()
    window.select_id(ids[1])
    fill_required(window)
    window.done_and_next()
    window.select_id(ids[0])
    window.go_next_not_done()
    assert window.current_id == ids[2]  # 1 is done
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Two asks in one", True))
    window.flag()
    assert window.service.status(ids[2]).reason == "Two asks in one"
    assert "flagged" in window.status_line.text()  # at once, before the save
    settled(window)
    assert window.model.row(2).status == "flagged"


def test_the_form_follows_the_codebook(window, sample_project):
    with sample_project.write() as session:
        book = codebooks.active_codebook(session)
        themes = next(f for f in book.fields if f.key == "themes")
        from annotator import codebook as cbk

        themes.codes.append(cbk.Code(key="land_rights", label="Land grabbing", shortcut="Alt+L"))
        torture = next(c for c in themes.codes if c.key == "torture")
        torture.retired = True
        book.fields.append(cbk.Field(key="follow_up", label="Needs follow-up", kind="boolean"))
        book.version += 1
        codebooks.store_codebook(session, book, by_coder_id=boss(session))
    window.codebook_changed()
    labels = [f.label for f in window.spec.fields]
    assert "Needs follow-up" in labels
    multi = window.form.first_multi()
    reprisals = code_id(window, "themes", "land_rights")
    assert not multi.items[reprisals].isHidden()
    retired = code_id(window, "themes", "torture")
    assert multi.items[retired].isHidden()  # retired: not offered for new coding
    assert "(retired)" in multi.items[retired].text(0)
    window.toggle_code(reprisals)
    assert (
        reprisals
        in window.service.values(window.current_id)[window.spec.field_by_key("themes").id].codes
    )


def test_retired_codes_stay_visible_where_they_were_used(window, sample_project):
    themes = window.spec.field_by_key("themes")
    torture = code_id(window, "themes", "torture")
    window.toggle_code(torture)
    with sample_project.write() as session:
        session.get(Code, torture).retired = True
    window.codebook_changed()
    item = window.form.first_multi().items[torture]
    assert not item.isHidden() and "(retired)" in item.text(0)
    window.go_next()
    assert window.form.first_multi().items[torture].isHidden()
    assert themes.id in window.form.widgets


def test_filters_and_search_give_the_right_rows(window, qtbot):
    window.queue.search.setText("death penalty")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 346, timeout=3_000)
    for row in range(window.model.rowCount()):
        assert "death penalt" in window.model.row(row).text.lower()
    assert window.current_id == window.model.recommendation_id(0)
    window.queue.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 346, timeout=3_000)
    window.queue.response.setCurrentIndex(window.queue.response.findData("Noted"))
    assert window.model.rowCount() == 62
    assert "62 of 346" in window.count_label.text()
    fill_required(window)
    window.done_and_next()
    window.queue.status.setCurrentIndex(window.queue.status.findText("Done"))
    assert window.model.rowCount() == 1
    assert "1 of 1 done" in window.queue.progress_label.text() or window.queue.progress.value() == 1


def test_queue_model_passes_qt_model_checks_when_filtered(window, qtmodeltester):
    window.queue.response.setCurrentIndex(window.queue.response.findData("Noted"))
    qtmodeltester.check(window.model)


def test_header_click_sorts_in_sql(window):
    window.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    numbers = [window.model.row(r).number for r in range(5)]
    assert numbers[0] == "28.346"
    assert numbers == sorted(numbers, key=lambda n: int(n.split(".")[1]), reverse=True)


def test_blind_mode_hides_other_coders_codes(qtbot, sample_project, gui_settings):
    with sample_project.write() as session:
        ben = get_or_create_coder(session, "Ben").id
        get_or_create_coder(session, "Chloe", role="adjudicator")
        spec = form_spec(session)
        themes = spec.field_by_key("themes")
        torture = next(c.id for c in themes.codes if c.key == "torture")
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "28.1"))
        write_annotations(session, [(rid, ben, themes.id, torture, None, 1)])
    coder = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(coder)
    coder.select_id(rid)
    coder.others_action.setChecked(True)
    coder.toggle_others()
    assert "Ben" not in coder.reader.toPlainText()
    assert not coder.others_action.isEnabled()
    assert coder.form.values().get(themes.id, FieldValue()).codes == frozenset()

    adjudicator = MainWindow(open_project(sample_project.url), "Chloe", gui_settings)
    qtbot.addWidget(adjudicator)
    adjudicator.select_id(rid)
    adjudicator.others_action.setChecked(True)
    adjudicator.toggle_others()
    shown = adjudicator.reader.toPlainText()
    assert "Ben" in shown and "Torture and other CID treatment" in shown


def test_another_writer_holding_the_lock_delays_but_loses_nothing(window, sample_project, qtbot):
    """A second connection writes at the same time: no error, no lost edit, and the
    window does not wait for it (issue 13: it froze about 30 s): the change stays
    pending and the retry saves it once the other writer is done."""
    torture = code_id(window, "themes", "torture")
    themes = window.spec.field_by_key("themes").id
    holding = threading.Event()
    problems: list[BaseException] = []
    released: list[float] = []

    def other_window() -> None:
        try:
            with sample_project.engine.connect() as connection:
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
                with connection.begin():  # holds the write lock until the block ends
                    connection.execute(text("UPDATE coder SET role = role"))
                    holding.set()
                    time.sleep(1.0)
                released.append(time.monotonic())
        except BaseException as error:  # reported below: the test must not pass without it
            problems.append(error)
            holding.set()

    thread = threading.Thread(target=other_window)
    thread.start()
    assert holding.wait(5)
    window.toggle_code(torture)
    returned = time.monotonic()
    still_held = not released
    thread.join()
    assert problems == []
    if still_held:  # the save gave up while the lock was held, and kept the change
        assert released and returned < released[0]
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=10_000)
    assert window.service.values(window.current_id)[themes].codes == {torture}
    assert window.saved_label.text().startswith("Saved")


def test_a_lock_held_too_long_keeps_the_edit_and_saves_it_later(window, qtbot, monkeypatch):
    torture = code_id(window, "themes", "torture")
    themes = window.spec.field_by_key("themes").id
    real_write = window.project.write
    calls = {"n": 0}

    def locked_twice(**options):
        calls["n"] += 1
        if calls["n"] <= 2:
            # What Project.write raises when another program holds the lock.
            from annotator.store.errors import ProjectLocked, busy_message

            raise ProjectLocked(busy_message("the project"))
        return real_write(**options)

    monkeypatch.setattr(window.project, "write", locked_twice)
    window.toggle_code(torture)
    assert window.has_unsaved()
    qtbot.waitUntil(lambda: "Not saved yet" in window.saved_label.text(), timeout=5_000)
    assert torture in window.form.values()[themes].codes  # still on screen
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=10_000)
    assert window.service.values(window.current_id)[themes].codes == {torture}


def test_a_shortcut_clash_is_refused(gui_settings, window):
    dialog = PreferencesDialog(gui_settings, window.spec, window)
    assert not dialog.set_key("next", "Ctrl+Z")
    assert "Undo" in dialog.message.text()
    assert not dialog.set_key("next", "D")  # the Detention code's key
    assert "Detention" in dialog.message.text()
    assert dialog.set_key("next", "Ctrl+J")
    dialog.accept()
    window._apply_bindings()
    assert window.actions_by_id["next"].shortcut().toString() == "Ctrl+J"
    assert "Ctrl+J" in window.actions_by_id["next"].toolTip()


KILLED = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings
    from annotator.store.project import open_project
    app = QApplication([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
    window = MainWindow(open_project(sys.argv[1]), "Amina", AppSettings())
    window.show()
    themes = window.spec.field_by_key("themes")
    torture = next(c.id for c in themes.codes if c.key == "torture")
    window.toggle_code(torture)
    while not window.saved_label.text().startswith("Saved"):  # the writer thread's signal
        app.processEvents()
    print("SAVED", window.current_id, flush=True)
    while True:
        app.processEvents()
    """
)


def test_killed_right_after_an_edit_keeps_it(sample_path, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(sample_path), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("SAVED"), process.stderr.read()
        os.kill(process.pid, signal.SIGKILL)  # no chance to close anything
    finally:
        process.wait(timeout=30)
    rid = int(line.split()[1])
    project = open_project(sample_path)
    with project.session() as session:
        amina = session.scalar(select(Coder.id).where(Coder.name == "Amina"))
        spec = form_spec(session)
        values = load_values(session, rid, amina)
    project.close()
    themes = spec.field_by_key("themes")
    torture = next(c.id for c in themes.codes if c.key == "torture")
    assert values[themes.id].codes == {torture}


def test_a_coders_queue_shows_only_their_assignment(qtbot, sample_project, gui_settings):
    from annotator.services.assignments import assign

    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        some = session.scalars(select(Recommendation.id).order_by(Recommendation.id)).all()[:10]
        assign(session, amina, some, by_coder_id=boss(session))
    window = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(window)
    assert sorted(window.model.ids()) == sorted(some)
    assert "0 of 10 done" in window.queue.progress.text()
    fill_required(window)
    window.done_and_next()
    settled(window)
    assert "1 of 10 done" in window.queue.progress.text()
    ben = MainWindow(open_project(sample_project.url), "Ben", gui_settings)
    qtbot.addWidget(ben)
    assert ben.model.rowCount() == 346  # no assignment: every recommendation


def test_two_windows_on_one_file_see_each_others_work_on_refresh(qtbot, sample_path, gui_settings):
    project = open_project(sample_path)
    with project.write() as session:
        get_or_create_coder(session, "Amina", role="adjudicator")  # she may see Ben's codes
    first = MainWindow(project, "Amina", gui_settings)
    second = MainWindow(open_project(sample_path), "Ben", gui_settings)
    for window in (first, second):
        qtbot.addWidget(window)
    torture = code_id(first, "themes", "torture")
    rid = first.current_id
    first.toggle_code(torture)
    fill_required(first)
    first.done_and_next()
    second.toggle_code(torture)  # the same recommendation, at the same time
    second.refresh()
    assert second.model.row(second.model.row_of(rid)).status == "in progress"  # Ben's own
    first.refresh()
    assert first.model.row(first.model.row_of(rid)).status == "done"
    themes = first.spec.field_by_key("themes").id
    assert first.service.values(rid)[themes].codes == {torture}
    assert second.service.values(rid)[themes].codes == {torture}
    assert first.service.others(rid)["Ben"][themes].codes == {torture}


def test_an_unexpected_error_is_shown_in_a_window(monkeypatch, qapp, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from annotator import errorlog
    from annotator.gui.app import show_unexpected_error

    log = tmp_path / "logs" / "errors.log"
    monkeypatch.setattr(errorlog, "log_path", lambda: log)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    try:
        raise RuntimeError("the disk is full")
    except RuntimeError as error:
        show_unexpected_error(type(error), error, error.__traceback__)
    assert shown and "the disk is full" in shown[0] and "saved is safe" in shown[0]
    assert str(log) in shown[0]  # the window says where the details are
    assert "Traceback" in log.read_text() and "RuntimeError: the disk is full" in log.read_text()


def test_a_note_typed_in_pauses_is_one_undo_step(window):
    notes = window.form.first_text()
    field = window.spec.field_by_key("notes").id
    before = window.undo_stack.count()
    notes.box.setPlainText("First thought")
    notes.flush()  # what a pause in typing does
    notes.box.setPlainText("First thought, then a second")
    notes.flush()
    assert window.undo_stack.count() == before + 1
    assert window.service.values(window.current_id)[field].text == "First thought, then a second"
    window.undo_stack.undo()
    assert window.service.values(window.current_id).get(field) is None
    assert notes.box.toPlainText() == ""


@pytest.mark.parametrize(
    ("action_id", "dialog_class"),
    [
        ("edit_codebook", "CodebookEditor"),
        ("assign", "AssignDialog"),
        ("reliability", "ReliabilityReportDialog"),
        ("analysis", "AnalysisDialog"),
        ("export", "ExportDialog"),
        ("shortcuts_help", "ShortcutsHelp"),
        ("create_packages", "CreatePackagesDialog"),
        ("merge_packages", "MergeDialog"),
    ],
)
def test_each_tool_opens_from_its_menu_action(window, action_id, dialog_class):
    # Amina takes the empty coordinator role, so that every tool is hers to open.
    window.answer_coordinator_offer(True)
    assert window.coder_role == "coordinator"
    window.actions_by_id[action_id].trigger()
    opened = [type(d).__name__ for d in window._dialogs if d.isVisible()]
    assert dialog_class in opened
    for dialog in window._dialogs:
        dialog.close()


def test_disagreements_are_for_adjudicators_only(qtbot, sample_project, gui_settings):
    coder = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(coder)
    assert not coder.disagreements_action.isEnabled()
    coder.disagreements()
    assert coder._dialogs == []
    with sample_project.write() as session:
        get_or_create_coder(session, "Chloe", role="adjudicator")
    adjudicator = MainWindow(open_project(sample_project.url), "Chloe", gui_settings)
    qtbot.addWidget(adjudicator)
    adjudicator.actions_by_id["disagreements"].trigger()
    assert [type(d).__name__ for d in adjudicator._dialogs] == ["DisagreementsDialog"]


def test_the_theme_finder_is_cleared_on_the_next_recommendation(window, qtbot):
    key(qtbot, window, "Ctrl+T")
    type_text(qtbot, window, "tortur")
    assert window.form.first_multi().filter.text() == "tortur"
    key(qtbot, window, "Ctrl+Down")
    assert window.form.first_multi().filter.text() == ""


def test_every_option_of_a_one_choice_field_has_a_key_shown_and_working(window, qtbot):
    """Position and Assessment: every option shows its key and answers to it."""
    position = window.spec.field_by_key("position")
    assessment = window.spec.field_by_key("assessment")
    keys = [c.shortcut for f in (position, assessment) for c in f.codes if not c.retired]
    assert all(keys) and len(set(keys)) == len(keys)
    radio = window.form.findChildren(QRadioButton)
    shown_text = " ".join(b.text() for b in radio)
    for code in position.codes:
        if not code.retired:
            assert f"{code.label}  (" in shown_text
    window.table.setFocus()
    first = window.current_id
    for fld in (position, assessment):
        chosen = next(c for c in fld.codes if not c.retired)
        key(qtbot, window, chosen.shortcut)
        settled(window)
        assert window.service.values(first)[fld.id].codes == {chosen.id}
    # the codebook itself keeps only the coordinator's keys, nothing the form assigned
    with window.project.session() as session:
        stored = form_spec(session)
    builtin = builtin_codebook()
    for fld in stored.fields:
        assert [c.shortcut for c in fld.codes] == [c.shortcut for c in builtin.field(fld.key).codes]
