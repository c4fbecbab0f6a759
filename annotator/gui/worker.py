"""Running long work (imports, later exports and merges) off the GUI thread.

The work is a plain function taking a progress callback ``(label, done, total)``;
``Worker`` runs it in a QThread, reports progress through signals, and cancels it by
raising the work's own cancel exception from inside that callback, so the service
layer unwinds (and rolls back) exactly as it does for any other error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

ProgressFn = Callable[[str, int, int], None]


class _Runner(QObject):
    progressed = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Callable[[ProgressFn], Any], cancelled: type[BaseException]) -> None:
        super().__init__()
        self._work = work
        self._cancelled = cancelled
        self._stop = threading.Event()

    def _progress(self, label: str, done: int, total: int) -> None:
        if self._stop.is_set():
            raise self._cancelled("cancelled")
        self.progressed.emit(label, done, total)

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self._progress)
        except BaseException as error:  # reported to the window, never to the console
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class Worker(QObject):
    """One piece of long work in its own thread. Keep a reference until ``finished``."""

    progressed = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        work: Callable[[ProgressFn], Any],
        cancelled: type[BaseException],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._runner = _Runner(work, cancelled)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progressed.connect(self.progressed)
        self._runner.succeeded.connect(self.succeeded)
        self._runner.failed.connect(self.failed)
        # Direct: quit() is thread-safe, and a queued call would never arrive while the
        # GUI thread sits in wait() (closing the dialog mid-import deadlocked until timeout).
        self._runner.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self.finished)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._runner._stop.set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, milliseconds: int = 30_000) -> bool:
        return self._thread.wait(milliseconds)


class _Cancelled(Exception):
    """The cancel exception of work that has none of its own."""


def run_in_background(
    work: Callable[[ProgressFn], Any],
    *,
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    on_progress: ProgressFn | None = None,
    on_finished: Callable[[], None] | None = None,
    cancelled: type[BaseException] = _Cancelled,
    parent: QObject | None = None,
) -> Worker:
    """Start one service call in its own thread and return its ``Worker`` (keep it, to
    cancel or wait). The callbacks run on the GUI thread: ``on_result`` with what the
    work returned, ``on_error`` with what it raised (the cancel exception included, so
    a dialog can tell the person the work stopped), ``on_finished`` last either way."""
    worker = Worker(work, cancelled, parent)
    if on_progress is not None:
        worker.progressed.connect(on_progress)
    worker.succeeded.connect(on_result)
    worker.failed.connect(on_error)
    if on_finished is not None:
        worker.finished.connect(on_finished)
    worker.start()
    return worker
