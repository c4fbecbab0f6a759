"""The main window on real project files, driven offscreen with pytest-qt."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from annotator.gui.app import start_main_window
from annotator.gui.main_window import MainWindow
from annotator.gui.recommendation_model import COLUMNS, PAGE
from annotator.paths import default_project_path
from annotator.recnumbers import sort_key


@pytest.fixture
def window(qtbot, sample_project, gui_settings):
    win = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def warnings_shown(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text, *a, **k: shown.append((title, text))
    )
    return shown


def column(name: str) -> int:
    return [key for key, _ in COLUMNS].index(name)


def test_shows_the_samples_recommendations_in_reading_order(window):
    model = window.model
    assert model.rowCount() == 346
    numbers = [model.index(r, column("number")).data() for r in range(model.rowCount())]
    assert len(set(numbers)) == 346
    assert numbers == sorted(numbers, key=sort_key)
    assert numbers[:3] == ["28.1", "28.2", "28.3"]
    assert numbers.index("28.9") < numbers.index("28.10") < numbers.index("28.100")
    first = model.row(0)
    assert first.review == "China 2018"
    assert first.recommending  # every sample recommendation names its recommending state
    assert first.status == "not started"
    assert first.response in {"Supported", "Noted"}


def test_every_row_has_a_recommending_state_and_a_response(window):
    model = window.model
    rows = [model.row(r) for r in range(model.rowCount())]
    assert all(row.recommending for row in rows)
    assert sum(row.response == "Supported" for row in rows) == 284
    assert sum(row.response == "Noted" for row in rows) == 62


def test_status_bar_names_the_file_and_the_coder(window, sample_project):
    assert str(sample_project.path) in window.file_label.text()
    assert window.coder_label.text() == "Coder: Amina (coder)"
    assert window.count_label.text() == "346 recommendations"
    assert "sample.upr" in window.windowTitle()


def test_reading_pane_shows_the_selected_recommendation(window, qtbot):
    window.table.selectRow(5)
    row = window.model.row(5)
    qtbot.waitUntil(lambda: row.number in window.reader.toPlainText())
    assert " ".join(row.text.split())[:60] in " ".join(window.reader.toPlainText().split())


def test_model_passes_qt_model_checks(window, qtmodeltester):
    qtmodeltester.check(window.model)


def test_rows_are_fetched_by_page_not_all_at_once(window):
    model = window.model
    model.refresh()
    model.index(0, 0).data()
    assert len(model._pages) == 1
    model.index(PAGE + 1, 0).data()
    assert len(model._pages) == 2


def test_opening_a_file_that_is_not_a_project_keeps_the_current_one(
    window, tmp_path, warnings_shown
):
    bogus = tmp_path / "notes.upr"
    bogus.write_text("shopping list\n", encoding="utf-8")
    assert window.open_location(str(bogus)) is False
    assert len(warnings_shown) == 1
    title, message = warnings_shown[0]
    assert title == "The project could not be opened"
    assert str(bogus) in message
    assert window.model.rowCount() == 346
    assert bogus.read_text(encoding="utf-8") == "shopping list\n"


def test_file_new_creates_an_empty_project_and_remembers_it(
    window, tmp_path, monkeypatch, gui_settings
):
    target = tmp_path / "fresh"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "UPR Coder projects")
    )
    window.new_action.trigger()
    created = tmp_path / "fresh.upr"
    assert created.is_file()
    assert window.project.path == created
    assert window.model.rowCount() == 0
    assert gui_settings.recent_projects()[0] == str(created)


def test_file_open_and_recent(window, tmp_path, monkeypatch, sample_project, gui_settings):
    from annotator.services.projects import init_project

    other = tmp_path / "other.upr"
    init_project(other).close()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    window.open_action.trigger()
    assert window.project.path == other
    window._fill_recent_menu()
    entries = [a.text() for a in window.recent_menu.actions()]
    assert entries[:2] == [str(other), str(sample_project.path)]
    window.recent_menu.actions()[1].trigger()
    assert window.project.path == sample_project.path
    assert window.model.rowCount() == 346


def test_first_run_asks_the_coders_name_once(gui_settings, sample_path, monkeypatch, qtbot):
    asked = []

    def answer(*_args, **_kwargs):
        asked.append(True)
        return ("  Amina   Khan ", True)

    monkeypatch.setattr(QInputDialog, "getText", answer)
    first = start_main_window(str(sample_path), None, gui_settings)
    qtbot.addWidget(first)
    assert first.coder_name == "Amina Khan"
    first.close()
    second = start_main_window(str(sample_path), None, gui_settings)
    qtbot.addWidget(second)
    assert second.coder_name == "Amina Khan"
    assert asked == [True]
    second.close()


def test_coder_option_opens_without_asking(gui_settings, sample_path, monkeypatch, qtbot):
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: pytest.fail("asked for a name"))
    win = start_main_window(str(sample_path), "Ben", gui_settings)
    qtbot.addWidget(win)
    assert win.coder_label.text() == "Coder: Ben (coder)"
    assert gui_settings.coder_name == "Ben"
    win.close()


def test_first_run_creates_the_default_project_with_the_sample(gui_settings, qtbot):
    gui_settings.coder_name = "Amina"
    assert not default_project_path().exists()
    win = start_main_window(None, None, gui_settings)
    qtbot.addWidget(win)
    assert win.project.path == default_project_path()
    assert win.model.rowCount() == 346
    win.close()
    # The next start opens the same project again (the last one used).
    again = start_main_window(None, None, gui_settings)
    qtbot.addWidget(again)
    assert again.project.path == default_project_path()
    again.close()


def test_last_used_project_is_reopened(gui_settings, sample_path, qtbot):
    gui_settings.coder_name = "Amina"
    gui_settings.add_recent_project(str(sample_path))
    win = start_main_window(None, None, gui_settings)
    qtbot.addWidget(win)
    assert win.project.path == Path(sample_path)
    win.close()


def test_layout_is_remembered(window, gui_settings, sample_path, qtbot):
    window.resize(780, 560)  # within the offscreen screen (800 × 600), which restoring clamps to
    window.splitter.setSizes([380, 190, 200])
    sizes = window.splitter.sizes()
    window.close()
    again = start_main_window(str(sample_path), "Amina", gui_settings)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (780, 560)
    # The splitter lays its panes out once the window is shown.
    qtbot.waitUntil(lambda: again.splitter.sizes() == sizes, timeout=2_000)
    again.close()
