"""One coder's coding session: what they may do, and the guarantee that nothing they
enter is lost.

The window, a coding sheet's import and the command line all save a coder's values
through a :class:`CodingSession`. It checks each value against the codebook before
anything is written, works blind (a coder reads their own values; others' only with
the role for it, see ``permissions``), and keeps a change that found the project busy,
read-only or on a full disk *pending*, in order, until a retry saves it. With
``threaded=True`` the saves run on one writer thread, so a caller never waits for the
disk at all. No Qt here: the window adapts the plain callbacks to its own signals.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from annotator.services import queue
from annotator.services.coding import (
    CodingService,
    FieldValue,
    FormSpec,
    InvalidValue,
    RecommendationDetail,
    Status,
    value_problem,
)
from annotator.services.completeness import IncompleteDone, done_refusal
from annotator.store.errors import DiskFull, ProjectBusy, ProjectReadOnly
from annotator.store.project import Project

# Why a change could not be saved yet; the change stays pending and is tried again.
KEEPS_PENDING = (ProjectBusy, DiskFull, ProjectReadOnly)


@dataclass(frozen=True)
class ValueChange:
    """A coder's new value of one field of one recommendation."""

    recommendation_id: int
    field_id: int
    value: FieldValue
    accepted: frozenset[int] = frozenset()  # codes accepted from the theme suggestions


@dataclass(frozen=True)
class StatusChange:
    """A coder's new status of one recommendation."""

    recommendation_id: int
    status: Status


Change = ValueChange | StatusChange


@dataclass(frozen=True)
class Pending:
    """Why the changes waiting are not saved yet, in words for the coder."""

    kind: str  # "busy", "disk_full" or "read_only"
    message: str
    waiting: int


def _pending_kind(error: Exception) -> str:
    if isinstance(error, DiskFull):
        return "disk_full"
    if isinstance(error, ProjectReadOnly):
        return "read_only"
    return "busy"


SavedCallback = Callable[[Change], None]
PendingCallback = Callable[[Change, Pending], None]
FailedCallback = Callable[[Change, str], None]


def _ignore(*_args: object) -> None:
    return None


class CodingSession:
    """The coding of one coder on one project.

    ``on_saved(change)``: the change is on disk. ``on_pending(change, why)``: it is kept
    and will be tried again (``retry``, or the writer thread on its own). ``on_failed(change,
    message)``: it was refused (not allowed, or not a value of the codebook) and dropped.
    With ``threaded`` the callbacks run on the writer thread.
    """

    def __init__(
        self,
        project: Project,
        coder_id: int,
        *,
        busy_timeout_ms: int | None = None,
        attempts: int | None = None,
        on_saved: SavedCallback = _ignore,
        on_pending: PendingCallback = _ignore,
        on_failed: FailedCallback = _ignore,
        threaded: bool = False,
        retry_seconds: float = 2.0,
    ) -> None:
        self.project = project
        self.coder_id = coder_id
        self.service = CodingService(
            project, coder_id, busy_timeout_ms=busy_timeout_ms, attempts=attempts
        )
        self.on_saved, self.on_pending, self.on_failed = on_saved, on_pending, on_failed
        self.retry_seconds = retry_seconds
        self._spec: FormSpec | None = None
        self._pending: list[Change] = []
        self._times: dict[int, float] = {}  # seconds spent, waiting for the writer thread
        self._last_refused: Change | None = None
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one writer at a time, in order
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._closing = False
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(
                target=self._writer, name="coding-session-writer", daemon=True
            )
            self._thread.start()

    # -- reading (blind: this coder's own values) -------------------------------------------
    def form(self) -> FormSpec:
        self._spec = self.service.form()
        return self._spec

    @property
    def spec(self) -> FormSpec:
        return self._spec if self._spec is not None else self.form()

    def values(self, recommendation_id: int) -> dict[int, FieldValue]:
        """This coder's values as they stand, changes not saved yet included (taken
        before the read: a change saved meanwhile is then in the database)."""
        waiting = self.pending
        values = self.service.values(recommendation_id)
        for change in waiting:
            if isinstance(change, ValueChange) and change.recommendation_id == recommendation_id:
                if change.value.codes or change.value.text:
                    values[change.field_id] = change.value
                else:  # cleared: saved, it leaves no value
                    values.pop(change.field_id, None)
        return values

    def status(self, recommendation_id: int) -> Status:
        waiting = self.pending
        status = self.service.status(recommendation_id)
        for change in waiting:
            if isinstance(change, StatusChange) and change.recommendation_id == recommendation_id:
                status = Status(change.status.status, change.status.reason, status.seconds)
        return status

    def detail(self, recommendation_id: int) -> RecommendationDetail:
        return self.service.detail(recommendation_id)

    def others(self, recommendation_id: int) -> dict[str, dict[int, FieldValue]]:
        """Other coders' values: NotPermitted for a coder, who works blind."""
        return self.service.others(recommendation_id)

    def assignment(self) -> frozenset[int] | None:
        return self.service.assignment()

    def progress(self, ids: Sequence[int] | None = None) -> queue.Progress:
        return self.service.progress(ids)

    def filter_progress(self, flt: queue.QueueFilter) -> queue.Progress:
        return self.service.filter_progress(flt)

    def first_not_done(self, ids: Sequence[int]) -> int | None:
        return self.service.first_not_done(ids)

    # -- what a coder may enter -------------------------------------------------------------
    def check(self, field_id: int, value: FieldValue) -> None:
        """InvalidValue unless the value fits the codebook (checked before it is kept, so
        a pending change is always one that can be saved)."""
        problem = value_problem(self.spec, field_id, value)
        if problem is not None:
            raise InvalidValue(problem)

    # -- saving -----------------------------------------------------------------------------
    def save_value(
        self,
        recommendation_id: int,
        field_id: int,
        value: FieldValue,
        accepted: frozenset[int] = frozenset(),
    ) -> bool:
        """Save (or keep pending) this coder's value; True when it is on disk now.
        ``accepted``: codes of it ticked by accepting a theme suggestion.

        InvalidValue when the codebook does not allow it (nothing is kept)."""
        self.check(field_id, value)
        return self._submit(ValueChange(recommendation_id, field_id, value, accepted))

    def accept(self, recommendation_id: int, field_id: int, code_id: int) -> bool:
        """Accept a suggested code: the same value as ticking it (added to the codes
        already chosen), its annotation marked as accepted. Already ticked: no change."""
        current = self.values(recommendation_id).get(field_id, FieldValue())
        if code_id in current.codes:
            return True
        value = replace(current, codes=current.codes | {code_id})
        return self.save_value(recommendation_id, field_id, value, frozenset({code_id}))

    def done_refusal(self, recommendation_id: int) -> IncompleteDone | None:
        """Why this recommendation may not be marked done (required fields empty, changes
        not saved yet included), or None; ``set_status`` raises it."""
        return done_refusal(self.project, self.spec, self.values(recommendation_id))

    def set_status(self, recommendation_id: int, status: Status) -> bool:
        if status.status == "flagged" and not (status.reason or "").strip():
            raise ValueError("A flag needs a reason, so the coordinator knows what to look at.")
        if status.status == "done":
            refusal = self.done_refusal(recommendation_id)
            if refusal is not None:  # nothing is kept: the coder fills the fields or flags
                raise refusal
        return self._submit(StatusChange(recommendation_id, status))

    def add_time(self, recommendation_id: int, seconds: float) -> None:
        """Time spent is a comfort figure: a busy project must not hold the coder up
        (with the writer thread it is written there, after the changes)."""
        if self._thread is not None:
            with self._lock:
                self._times[recommendation_id] = self._times.get(recommendation_id, 0.0) + seconds
            self._wake.set()
            return
        with contextlib.suppress(*KEEPS_PENDING):
            self.service.add_time(recommendation_id, seconds)

    def _write_times(self) -> None:
        with self._lock:
            times, self._times = self._times, {}
        for rid, seconds in times.items():
            try:
                self.service.add_time(rid, seconds)
            except KEEPS_PENDING:
                with self._lock:  # tried again with the next write
                    self._times[rid] = self._times.get(rid, 0.0) + seconds
            except ValueError:
                continue  # e.g. retired meanwhile: time is not worth a message

    @property
    def pending(self) -> tuple[Change, ...]:
        with self._lock:
            return tuple(self._pending)

    def has_unsaved(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _submit(self, change: Change) -> bool:
        # Behind what is already waiting: a newer value must never be overwritten by an
        # older one saved later.
        with self._lock:
            self._pending.append(change)
            self._idle.clear()
        if self._thread is not None:
            self._wake.set()
            return False
        return self.retry() and self._last_refused is not change

    def retry(self) -> bool:
        """Save what is waiting, in order; True when nothing is left."""
        with self._writing:
            while True:
                with self._lock:
                    if not self._pending:
                        self._idle.set()
                        return True
                    change = self._pending[0]
                try:
                    self._apply(change)
                except KEEPS_PENDING as error:
                    why = Pending(_pending_kind(error), str(error), len(self.pending))
                    self.on_pending(change, why)
                    return False
                except ValueError as refused:  # NotPermitted and InvalidValue are ValueErrors
                    self._drop(change)
                    self._last_refused = change
                    self.on_failed(change, str(refused))
                    continue
                self._drop(change)
                self.on_saved(change)

    def _drop(self, change: Change) -> None:
        with self._lock:
            if self._pending and self._pending[0] is change:
                self._pending.pop(0)

    def _apply(self, change: Change) -> None:
        if isinstance(change, ValueChange):
            self.service.save(
                change.recommendation_id, change.field_id, change.value, change.accepted
            )
        else:
            self.service.set_status(
                change.recommendation_id, change.status.status, reason=change.status.reason
            )

    def _writer(self) -> None:
        while True:
            self._wake.wait(self.retry_seconds if self.has_unsaved() else None)
            self._wake.clear()
            if self._closing and not self.has_unsaved():
                self._write_times()
                return
            if self.retry():
                self._write_times()
            if self._closing:
                return

    def flush(self, timeout: float = 5.0) -> bool:
        """Try to save everything waiting for at most ``timeout`` seconds; True when
        nothing is left unsaved (else the caller tells the coder what would be lost)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._thread is not None:
                self._wake.set()
                if self._idle.wait(max(0.0, min(0.2, deadline - time.monotonic()))):
                    return True
            elif self.retry():
                return True
            if time.monotonic() >= deadline:
                return not self.has_unsaved()
            if self._thread is None:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def close(self, timeout: float = 5.0) -> bool:
        """Flush, then stop the writer thread; True when nothing was left unsaved."""
        saved = self.flush(timeout)
        self._closing = True
        if self._thread is not None:
            self._wake.set()
            self._thread.join(timeout=max(timeout, 1.0))
            self._thread = None
        return saved
