"""File ▸ Coder packages and File ▸ Merge, driven as a coordinator drives them.

A package is coded in the real main window (keyboard shortcuts, as a coder codes),
then merged back through the merge dialog; the work runs off the GUI thread.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from annotator.gui.main_window import MainWindow
from annotator.gui.merge_dialog import MergeDialog
from annotator.gui.packages_dialog import CreatePackagesDialog
from annotator.services import packages
from annotator.services.assignments import assign
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import CodingService, FieldValue
from annotator.store.models import Coder, MergeLog, Recommendation
from annotator.store.project import open_project


@pytest.fixture
def master(sample_project):
    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        ben = get_or_create_coder(session, "Ben").id
        olga = get_or_create_coder(session, "Olga", role="coordinator").id
        assign(session, amina, range(1, 31), by_coder_id=olga)
        assign(session, ben, range(21, 51), by_coder_id=olga)
    sample_project.olga = olga  # type: ignore[attr-defined]
    return sample_project


def digest(project) -> str:
    with sqlite3.connect(project.path) as connection:
        rows = [
            (table, sorted(connection.execute(f"SELECT * FROM {table}").fetchall()))
            for (table,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'recommendation_fts%' ORDER BY name"
            )
        ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_create_packages_dialog_writes_one_package_per_ticked_coder(qtbot, master, tmp_path):
    dialog = CreatePackagesDialog(master, master.olga)
    qtbot.addWidget(dialog)
    rows = [dialog.coder_list.item(i).text() for i in range(dialog.coder_list.count())]
    assert rows == [
        "Amina — 30 assigned recommendations",
        "Ben — 30 assigned recommendations",
        "Olga (coordinator) — no assignment: all 346 recommendations",
    ]
    assert dialog.chosen_coders() == ["Amina", "Ben"]  # coders ticked, the coordinator not
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder_edit.setText(str(out))
    assert "sample - Amina.upr" in dialog.names_label.text()
    with qtbot.waitSignal(dialog.created, timeout=60_000) as made:
        dialog.create_button.click()
    reports = made.args[0]
    assert [(r.coder, r.recommendations) for r in reports] == [("Amina", 30), ("Ben", 30)]
    assert sorted(p.name for p in out.iterdir()) == ["sample - Amina.upr", "sample - Ben.upr"]
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert "Wrote 2 packages" in dialog.progress_label.text()
    # Again without "replace": refused before anything is written, said in the dialog.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    dialog.create_button.click()
    assert "already exist" in dialog.progress_label.text()
    assert dialog.progress_label.styleSheet()  # shown as an error
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    package = open_project(out / "sample - Amina.upr")
    try:
        with package.session() as session:
            assert session.scalars(select(Coder.name)).all() == ["Amina"]
    finally:
        package.close()


def key(qtbot, widget, keys: str) -> None:
    sequence = QKeySequence(keys)[0]
    target = QApplication.focusWidget() or widget
    qtbot.keyClick(target, sequence.key(), sequence.keyboardModifiers())


def test_code_a_package_in_the_app_and_merge_it_with_the_dialog(
    qtbot, master, gui_settings, tmp_path
):
    amina_out, ben_out = tmp_path / "amina.upr", tmp_path / "ben.upr"
    packages.create_package(master, "Amina", amina_out, made_by_id=master.olga)
    packages.create_package(master, "Ben", ben_out, made_by_id=master.olga)

    # Amina codes her package in the app, by keyboard, like any project: on a laptop
    # that remembers another name (Zoe's), the package still codes as Amina.
    gui_settings.coder_name = "Zoe"
    package = open_project(amina_out)
    window = MainWindow(package, "Zoe", gui_settings)
    qtbot.addWidget(window)
    assert "package of Amina, coding as Amina" in window.windowTitle()
    assert window.coder_label.text() == "Coder: Amina (coder)"
    assert "you code as Amina here, not as Zoe" in window.statusBar().currentMessage()
    assert not window.offer_bar.isVisible()  # a package offers no coordinator role
    assert str(amina_out) not in gui_settings.recent_projects()  # never the default project
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    first = window.current_id
    detention = next(c.id for c in window.spec.field_by_key("themes").codes if c.key == "detention")
    window.table.setFocus()
    key(qtbot, window, "D")  # Detention's shortcut
    for field in window.spec.fields:  # done needs every required field: each its first option
        if field.required and field.key != "themes":
            key(qtbot, window, window.focus_keys[field.key])
            key(qtbot, window, "Down")
    key(qtbot, window, "Ctrl+Return")  # done, and the next one
    assert window.current_id != first
    assert window.service.flush(5)  # saves run on the writer thread
    QApplication.processEvents()
    assert window.saved_label.text().startswith("Saved")
    with package.session() as session:
        first_uuid = session.get(Recommendation, first).uuid
    window.close()
    package.close()
    # Ben codes his through the services.
    ben_package = open_project(ben_out)
    try:
        service = CodingService(ben_package, 1)
        themes = service.form().field_by_key("themes")
        torture = next(c.id for c in themes.codes if c.key == "torture")
        service.save(1, themes.id, FieldValue(frozenset({torture})))
    finally:
        ben_package.close()

    dialog = MergeDialog(master, master.olga)
    qtbot.addWidget(dialog)
    assert not dialog.merge_button.isEnabled()
    with qtbot.waitSignal(dialog.previewed, timeout=60_000) as previewed:
        dialog.add_files([amina_out, ben_out])
    plan = previewed.args[0]
    # Amina's: a theme, a published response and a position (done needs them all).
    assert [(c.coder, c.added) for c in plan.coders] == [("Amina", 3), ("Ben", 1)]
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=10_000)
    tops = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert [(t.text(0), t.text(1)) for t in tops] == [("Amina", "3"), ("Ben", "1")]
    lines = [tops[0].child(0).child(i).text(0) for i in range(tops[0].child(0).childCount())]
    assert any(line.startswith("Add ") and "Detention" in line for line in lines)
    before = digest(master)
    assert digest(master) == before  # the preview wrote nothing

    with qtbot.waitSignal(dialog.merged, timeout=60_000):
        dialog.merge_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert dialog.progress_label.text().startswith("Merged 2 packages (Amina, Ben).")
    assert not dialog.merge_button.isEnabled()
    with master.session() as session:
        amina = session.scalars(select(Coder.id).where(Coder.name == "Amina")).one()
        rid = session.scalars(
            select(Recommendation.id).where(Recommendation.uuid == first_uuid)
        ).one()
        assert [log.coder_name for log in session.scalars(select(MergeLog))] == ["Amina", "Ben"]
    service = CodingService(master, amina)
    assert detention in service.values(rid)[service.form().field_by_key("themes").id].codes
    assert service.status(rid).status == "done"


def test_merge_dialog_shows_a_refusal_and_merges_nothing(qtbot, master, tmp_path):
    good = tmp_path / "amina.upr"
    packages.create_package(master, "Amina", good, made_by_id=master.olga)
    crafted = tmp_path / "crafted.upr"
    packages.create_package(master, "Ben", crafted, made_by_id=master.olga)
    with sqlite3.connect(crafted) as connection:
        connection.execute("CREATE TRIGGER t AFTER INSERT ON coder BEGIN DELETE FROM code; END")
    before = digest(master)
    dialog = MergeDialog(master, master.olga)
    qtbot.addWidget(dialog)
    dialog.add_files([good, crafted])
    qtbot.waitUntil(lambda: "refused" in dialog.progress_label.text(), timeout=60_000)
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    text = dialog.progress_label.text()
    assert str(crafted) in text and "holds a trigger (t)" in text
    assert dialog.progress_label.styleSheet()  # an error
    assert not dialog.merge_button.isEnabled() and dialog.tree.topLevelItemCount() == 0
    assert digest(master) == before
    # Taking the crafted file out previews the good one again.
    dialog.file_list.item(1).setSelected(True)
    with qtbot.waitSignal(dialog.previewed, timeout=60_000):
        dialog.remove_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert [Path(p).name for p in dialog.paths()] == ["amina.upr"]
    assert dialog.tree.topLevelItem(0).text(0) == "Amina"
    assert "Nothing new to merge" in dialog.progress_label.text()
    assert not dialog.merge_button.isEnabled()


def test_coders_ben_and_ben_dot_get_two_package_files(qtbot, master, tmp_path):
    with master.write() as session:
        get_or_create_coder(session, "Ben.")
    dialog = CreatePackagesDialog(master, master.olga)
    qtbot.addWidget(dialog)
    dialog.set_chosen_coders(["Ben", "Ben."])
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder_edit.setText(str(out))
    assert dialog.target("Ben") != dialog.target("Ben.")
    with qtbot.waitSignal(dialog.created, timeout=60_000) as made:
        dialog.create_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert sorted((r.path.name, r.coder) for r in made.args[0]) == [
        ("sample - Ben (2).upr", "Ben."),
        ("sample - Ben.upr", "Ben"),
    ]
    assert sorted(p.name for p in out.iterdir()) == ["sample - Ben (2).upr", "sample - Ben.upr"]
