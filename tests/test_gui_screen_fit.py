"""Windows that fit a laptop's screen, and the first-run guide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

from annotator.gui.first_run import SEEN_KEY, GettingStarted, show_once
from annotator.gui.screen_fit import DECORATION, fit_to_screen

ROOT = Path(__file__).parent.parent


def test_fit_caps_to_the_available_area_and_centres(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setMinimumSize(900, 700)
    area = QRect(0, 0, 1280, 680)
    size = fit_to_screen(widget, QSize(1400, 860), area)
    room = area.marginsRemoved(DECORATION)
    assert size == room.size() and widget.size() == room.size()
    assert widget.minimumSize().height() == room.height()
    small = QWidget()
    qtbot.addWidget(small)
    fit_to_screen(small, QSize(400, 300), area)
    assert small.size() == QSize(400, 300)
    assert abs(small.x() + DECORATION.left() + 200 - 640) <= 1


def test_the_guide_shows_once_and_from_help(qtbot, gui_settings, sample_project):
    from annotator.gui.main_window import MainWindow

    guide = show_once(gui_settings)
    assert guide is not None and guide.isVisible() and not guide.isModal()
    guide.close_button.click()
    assert gui_settings.value(SEEN_KEY) == "1"
    assert show_once(gui_settings) is None
    window = MainWindow(sample_project, "Amina", gui_settings)
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    entry = next(a for a in help_menu.actions() if a.text() == "&Getting started")
    entry.trigger()
    shown = [w for w in window.findChildren(GettingStarted) if w.isVisible()]
    assert shown and ("Ctrl+Return", "Mark done and go to the next") in shown[0].key_rows


@pytest.mark.parametrize("size", ["1280x720", "1366x768"])
def test_every_window_fits_a_laptop_screen(size, sample_path, tmp_path, qapp):
    from annotator.store.project import open_project
    from tests.test_reliability_report import build_two_coder_project

    project = open_project(sample_path)
    build_two_coder_project(project)
    project.close()
    out = Path(os.environ.get("ANNOTATOR_SCREENSHOTS") or tmp_path)
    out.mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "tests.screen_render", size, str(sample_path), str(out)],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    report = json.loads((out / "report.json").read_text())
    assert len(report) >= 19
    for name, seen in report.items():
        available = QRect(*seen["available"])
        assert available.size() == QSize(*map(int, size.split("x")))
        # A real title bar and border, which offscreen does not draw, must fit too.
        framed = QRect(*seen["inner"]).marginsAdded(DECORATION)
        assert available.contains(QRect(*seen["frame"])), name
        assert framed.height() <= available.height() and framed.width() <= available.width(), name
        inner = QRect(*seen["inner"])
        assert inner.width() >= seen["minimum"][0] and inner.height() >= seen["minimum"][1], name
    # the coding form fits its pane across (it scrolls only up and down)
    form = report["main"]["form"]
    assert form["body"] <= form["viewport"], form
    assert form["body_minimum"] <= form["viewport"], form
    assert form["outside"] == [], form
