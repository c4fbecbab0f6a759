"""Benchmark: coding on a project the size of the whole UPR, in the real window.

    python tests/benchmarks/bench_coding.py [--recommendations 200000] [--keep PATH]

On a synthetic project (real texts and states, 3 coders) it reports, median and worst
of many runs: a code's keystroke to the annotation committed and shown as saved; the
next recommendation on screen; a filter applied (published response); a full-text
search applied. Targets (issue 4): under 30 ms for a keystroke and for the next
recommendation, under 150 ms for a search; the filter under 100 ms in every run (issue 15).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float], target: float, *, worst_case: bool = False) -> None:
    """``worst_case``: the target is for every run (issue 15: the filter), not the median."""
    median, worst = statistics.median(times), max(times)
    verdict = "ok" if (worst if worst_case else median) < target else "MISSED"
    print(
        f"{name:<44} median {median:7.1f} ms, worst {worst:7.1f} ms "
        f"(target < {target:.0f} ms{' worst' if worst_case else ''}: {verdict})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="write the project here and keep it")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import configure_application
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings
    from annotator.services.projects import init_project
    from annotator.services.synthetic import SyntheticSpec, generate
    from annotator.store.project import open_project

    app = QApplication([])
    configure_application(app)
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        path = args.keep or Path(folder) / "upr-scale.upr"
        if not path.exists():
            project = init_project(path)
            generate(project, SyntheticSpec(recommendations=args.recommendations, coders=3, seed=1))
            project.close()
        window = MainWindow(open_project(path), "Volunteer", AppSettings())
        window.resize(1400, 860)
        window.show()
        app.processEvents()
        print(f"{window.model.rowCount():,} recommendations in the queue")
        themes = window.spec.field_by_key("themes")
        codes = [c.id for c in themes.codes if not c.retired][:8]

        def keystroke() -> None:
            window.toggle_code(codes[0])  # what the code's shortcut runs; returns at once

        def keystroke_saved() -> None:
            window.toggle_code(codes[0])
            window.service.flush(5)  # the writer thread commits ...
            app.processEvents()  # ... and its signal reaches the window
            assert window.saved_label.text().startswith("Saved")

        def next_one() -> None:
            window.go_next()
            app.processEvents()

        report("code keystroke -> returned to the window", timed(keystroke, args.repeat), 30)
        window.service.flush(5)
        app.processEvents()
        report("code keystroke -> committed, shown saved", timed(keystroke_saved, args.repeat), 30)
        report("next recommendation on screen", timed(next_one, args.repeat), 30)

        responses = [
            window.queue.response.itemData(i) for i in range(window.queue.response.count())
        ]

        def filter_once(state=[0]) -> None:  # noqa: B006 - a counter across calls
            state[0] += 1
            window.queue.response.setCurrentIndex(state[0] % len(responses))
            app.processEvents()

        report("filter by published response", timed(filter_once, 12), 100, worst_case=True)
        window.queue.response.setCurrentIndex(0)
        words = ["torture", "death penalty", "women", "ratify the optional", "children", "press"]

        def search_once(state=[0]) -> None:  # noqa: B006
            state[0] += 1
            window.queue.search.setText(words[state[0] % len(words)])
            window._filter_changed()  # what the typing pause triggers
            app.processEvents()

        report("full-text search", timed(search_once, 12), 150)
        print(f"rows after the last search: {window.model.rowCount():,}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
