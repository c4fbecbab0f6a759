"""The coding window's undo steps and the Qt face of the coding session.

An undo step only says which value to put back; the session (services/coding_session.py)
checks it, saves it or keeps it pending. ``SessionSignals`` turns the session's plain
callbacks into Qt signals, so a save finished on the writer thread reaches the window
on its own thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from annotator.services.coding import FieldValue, Status
from annotator.services.coding_session import Change, Pending

if TYPE_CHECKING:
    from annotator.gui.coding_actions import CodingActions


class SessionSignals(QObject):
    saved = Signal(object)  # Change
    pending = Signal(object, object)  # Change, Pending
    failed = Signal(object, str)  # Change, message

    def on_saved(self, change: Change) -> None:
        self.saved.emit(change)

    def on_pending(self, change: Change, why: Pending) -> None:
        self.pending.emit(change, why)

    def on_failed(self, change: Change, message: str) -> None:
        self.failed.emit(change, message)


class SetValue(QUndoCommand):
    """A coder's change of one field; text edits in a row merge into one undo step."""

    TEXT_ID = 1

    def __init__(
        self,
        window: CodingActions,
        rid: int,
        field_id: int,
        before: FieldValue,
        after: FieldValue,
        label: str,
        accepted: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(label)
        self.window, self.rid, self.field_id = window, rid, field_id
        self.before, self.after = before, after
        self.accepted = accepted  # codes ticked by accepting a theme suggestion
        self.is_text = any(f.id == field_id and f.kind == "text" for f in window.spec.fields)

    def id(self) -> int:
        return self.TEXT_ID if self.is_text else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetValue) or self.accepted or other.accepted:
            return False
        if (other.rid, other.field_id) != (
            self.rid,
            self.field_id,
        ):
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.window.apply_value(self.rid, self.field_id, self.after, self.accepted)

    def undo(self) -> None:
        self.window.apply_value(self.rid, self.field_id, self.before)


class SetStatus(QUndoCommand):
    def __init__(
        self, window: CodingActions, rid: int, before: Status, after: Status, label: str
    ) -> None:
        super().__init__(label)
        self.window, self.rid, self.before, self.after = window, rid, before, after

    def redo(self) -> None:
        self.window.apply_status(self.rid, self.after)

    def undo(self) -> None:
        self.window.apply_status(self.rid, self.before)
