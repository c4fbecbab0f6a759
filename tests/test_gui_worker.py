"""The one helper that runs a service call off the GUI thread, with a real QThread."""

from __future__ import annotations

import threading

import pytest

from annotator.gui.messages import MessageLine, guarded
from annotator.gui.worker import run_in_background
from annotator.services.coders import get_or_create_coder, list_coders
from annotator.store.errors import ProjectBusy, ProjectReadOnly


class Stopped(Exception):
    pass


def test_the_result_reaches_the_callback_on_the_gui_thread(qtbot):
    results, threads, steps = [], [], []

    def work(progress):
        threads.append(threading.get_ident())
        progress("Counting", 1, 2)
        return 42

    worker = run_in_background(
        work,
        on_result=lambda value: (results.append(value), threads.append(threading.get_ident())),
        on_error=pytest.fail,
        on_progress=lambda label, done, total: steps.append((label, done, total)),
    )
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: results == [42])
    assert steps == [("Counting", 1, 2)]
    work_thread, callback_thread = threads
    assert work_thread != callback_thread == threading.get_ident()


def test_an_exception_reaches_the_error_path_with_its_message(qtbot):
    errors = []

    def work(progress):
        raise ValueError("The share must be between 0 and 100 %.")

    worker = run_in_background(work, on_result=pytest.fail, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "The share must be between 0 and 100 %."
    assert worker.wait()


def test_cancel_stops_the_work_and_nothing_is_written(qtbot, sample_project):
    started, release, errors, finished = threading.Event(), threading.Event(), [], []

    def work(progress):
        with sample_project.write() as session:
            get_or_create_coder(session, "Never saved")
            started.set()
            release.wait(10)
            progress("Adding", 1, 2)  # raises Stopped: the transaction rolls back
            return "done"

    worker = run_in_background(
        work,
        on_result=pytest.fail,
        on_error=errors.append,
        on_finished=lambda: finished.append(True),
        cancelled=Stopped,
    )
    assert started.wait(10)
    worker.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert len(errors) == 1 and isinstance(errors[0], Stopped)
    with sample_project.session() as session:
        assert "Never saved" not in {c.name for c in list_coders(session)}


def test_a_refusal_is_shown_in_red_and_the_result_is_none(qtbot):
    line = MessageLine(describe=lambda error: f"Not saved: {error}")
    qtbot.addWidget(line)

    def busy():
        raise ProjectBusy("Another coder is saving; try again in a moment.")

    def read_only():
        raise ProjectReadOnly("the file is read-only")

    assert guarded(line, busy) is None
    assert line.is_error and line.text() == "Another coder is saving; try again in a moment."
    assert guarded(line, read_only) is None
    assert line.text() == "Not saved: the file is read-only"
    assert guarded(line, lambda: 7) == 7
    line.say("Saved.")
    assert not line.is_error and line.styleSheet() == ""
