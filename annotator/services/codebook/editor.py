"""The codebook editor's calls: what it reads in one go, and each change it saves
described in plain values and committed in a unit of work of its own.

A window builds one of the change records below and hands it to ``save_change``; it
never holds a session. The records carry keys, labels and ``annotator.codebook`` values
(a new code or field), nothing of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.services.codebook.edits import (
    add_code,
    add_field,
    edit_code,
    move_code_down,
    move_code_up,
    retire_code,
    set_parent,
)
from annotator.services.codebook.merges import (
    MergeCounts,
    MergeInfo,
    last_merge,
    merge_codes,
    merge_preview,
    undo_merge,
)
from annotator.services.codebook.store import active_codebook
from annotator.services.codebook.usage import usage_counts
from annotator.store.project import Project


@dataclass(frozen=True)
class EditorState:
    """What the editor shows: the active codebook, each code's use, the merge to undo."""

    book: cbk.Codebook | None
    usage: dict[tuple[str, str], int]
    last_merge: MergeInfo | None


def editor_state(project: Project) -> EditorState:
    with project.session() as session:
        return EditorState(active_codebook(session), usage_counts(session), last_merge(session))


def preview_merge(
    project: Project, field_key: str, source_key: str, target_key: str
) -> MergeCounts:
    """What merging would move and drop (for the confirmation), changing nothing."""
    with project.session() as session:
        return merge_preview(session, field_key, source_key, target_key)


@dataclass(frozen=True)
class EditCode:
    field_key: str
    code_key: str
    changes: dict[str, Any] = field(default_factory=dict)  # attribute -> new value


@dataclass(frozen=True)
class AddCode:
    field_key: str
    code: cbk.Code


@dataclass(frozen=True)
class AddField:
    field: cbk.Field


@dataclass(frozen=True)
class MoveCode:
    field_key: str
    code_key: str
    step: int  # -1 up, +1 down, among its siblings


@dataclass(frozen=True)
class SetParent:
    field_key: str
    code_key: str
    parent_key: str | None  # None: the top level


@dataclass(frozen=True)
class RetireCode:
    field_key: str
    code_key: str
    retired: bool = True  # False restores it


@dataclass(frozen=True)
class MergeCodes:
    field_key: str
    source_key: str
    target_key: str


@dataclass(frozen=True)
class UndoMerge:
    event_id: int


CodebookChange = (
    EditCode | AddCode | AddField | MoveCode | SetParent | RetireCode | MergeCodes | UndoMerge
)


def save_change(project: Project, change: CodebookChange, *, coder_id: int | None) -> None:
    """Save one change as a new version of the codebook, committed at once; a
    ``CodebookEditError`` (or NotPermitted) changes nothing."""
    with project.write() as session:
        _apply(session, change, coder_id)


def _apply(session: Session, change: CodebookChange, coder_id: int | None) -> None:
    match change:
        case EditCode(field_key, code_key, changes):
            edit_code(session, field_key, code_key, coder_id=coder_id, **changes)
        case AddCode(field_key, code):
            add_code(session, field_key, code, coder_id=coder_id)
        case AddField(new_field):
            add_field(session, new_field, coder_id=coder_id)
        case MoveCode(field_key, code_key, step):
            mover = move_code_up if step < 0 else move_code_down
            mover(session, field_key, code_key, coder_id=coder_id)
        case SetParent(field_key, code_key, parent_key):
            set_parent(session, field_key, code_key, parent_key, coder_id=coder_id)
        case RetireCode(field_key, code_key, retired):
            retire_code(session, field_key, code_key, coder_id=coder_id, retired=retired)
        case MergeCodes(field_key, source_key, target_key):
            merge_codes(session, field_key, source_key, target_key, coder_id=coder_id)
        case UndoMerge(event_id):
            undo_merge(session, event_id, coder_id=coder_id)
