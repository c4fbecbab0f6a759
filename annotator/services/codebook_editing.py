"""Editing the project's active codebook: codes, fields, merges, and undoing a merge.

Every operation works inside the caller's transaction on the given ``Session`` (the
caller commits, e.g. with ``Project.write()``), under a savepoint so that a refused or
failed edit leaves the session as it found it. Each saved change

- is first made on an ``annotator.codebook.Codebook`` copy and checked with
  ``annotator.codebook.validate``, so the rules for keys, labels, parents, shortcuts and
  colours live in one place; a problem raises ``CodebookEditError`` and changes nothing;
- bumps ``Codebook.version`` by one and stores the YAML of the new version as a
  ``CodebookRevision``, so any annotation's codebook can be shown again;
- records an ``AuditEvent`` (who, what, before and after as JSON).

Codes are named by their field's key and their own key, the stable names the YAML uses.
A code that annotations use is retired, never deleted. Merging code A into code B moves
every annotation and consensus value from A to B (dropping an A row where the same
coder, or the consensus, already has B), retires A, and keeps the exact rows in the audit
trail so that ``undo_merge`` can put them back.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Uuid, delete, func, insert, select, update
from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.services import permissions
from annotator.services.codebooks import KEYWORD_SEPARATOR, active_codebook, active_codebook_row
from annotator.store import models

__all__ = [
    "EDITABLE_ATTRIBUTES",
    "KIND_NAMES",
    "CodeUsage",
    "CodebookEditError",
    "MergeCounts",
    "MergeInfo",
    "SavedChange",
    "add_code",
    "add_field",
    "code_usage",
    "delete_code",
    "edit_code",
    "last_merge",
    "merge_codes",
    "merge_preview",
    "move_code",
    "move_code_down",
    "move_code_up",
    "rename_code",
    "restore_code",
    "retire_code",
    "set_parent",
    "siblings",
    "suggest_code_key",
    "suggest_field_key",
    "undo_merge",
    "usage_counts",
]

EDIT = "codebook_edit"
MERGE = "code_merge"
UNDO_MERGE = "code_merge_undo"
EDITABLE_ATTRIBUTES = (
    "label",
    "definition",
    "include",
    "exclude",
    "example",
    "colour",
    "shortcut",
    "keywords",
)
KIND_NAMES = {
    "multi": "multi-choice",
    "single": "single-choice",
    "ordinal": "ordinal",
    "boolean": "yes/no",
    "text": "free text",
}
# Well under SQLite's limit on bound parameters per statement.
CHUNK = 500


class CodebookEditError(ValueError):
    """An edit of the codebook was refused; the message says why in plain English."""


@dataclass(frozen=True)
class SavedChange:
    """What a saved edit produced: the codebook's new version and its audit event."""

    version: int
    event_id: int


@dataclass(frozen=True)
class CodeUsage:
    annotations: int
    consensus: int

    @property
    def used(self) -> bool:
        return bool(self.annotations or self.consensus)


@dataclass(frozen=True)
class MergeCounts:
    """How many annotations and consensus values a merge moves, and how many it drops.

    A row is dropped, not moved, where the same coder (or the consensus) already has the
    target code for that recommendation.
    """

    annotations_remapped: int
    annotations_removed: int
    consensus_remapped: int
    consensus_removed: int
    coders: int = 0
    recommendations: int = 0

    @property
    def annotations(self) -> int:
        return self.annotations_remapped + self.annotations_removed

    @property
    def consensus(self) -> int:
        return self.consensus_remapped + self.consensus_removed


@dataclass(frozen=True)
class MergeInfo:
    """A merge that can still be undone."""

    event_id: int
    at: datetime
    field_key: str
    source_key: str
    source_label: str
    target_key: str
    target_label: str
    counts: MergeCounts
    version: int


# --------------------------------------------------------------------------- helpers


def _fail(message: str) -> CodebookEditError:
    return CodebookEditError(message)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _field(book: cbk.Codebook, field_key: str) -> cbk.Field:
    for fld in book.fields:
        if fld.key == field_key:
            return fld
    raise _fail(f"There is no field '{field_key}' in the codebook.")


def _code(fld: cbk.Field, code_key: str) -> cbk.Code:
    for code in fld.codes:
        if code.key == code_key:
            return code
    raise _fail(f"There is no code '{code_key}' in field '{fld.key}'.")


def _active(session: Session) -> tuple[models.Codebook, cbk.Codebook]:
    row = active_codebook_row(session)
    book = active_codebook(session)
    if row is None or book is None:
        raise _fail("The project has no codebook to edit.")
    return row, book


def _canonical_shortcut(shortcut: str | None) -> str | None:
    """Canonical form; an invalid shortcut is kept so that validation explains it."""
    if shortcut is None or not shortcut.strip():
        return None
    try:
        return cbk.normalise_shortcut(shortcut)
    except ValueError:
        return shortcut


def _check(before: cbk.Codebook, after: cbk.Codebook, what: str) -> None:
    """Refuse ``after`` if validation finds a problem that ``before`` did not have."""
    known = {p.message for p in cbk.validate(before)}
    new = [p.message for p in cbk.validate(after) if p.message not in known]
    if new:
        raise _fail(f"{what} was not saved: " + " ".join(_sentence(m) for m in new))


def _sibling_keys(fld: cbk.Field, parent: str | None) -> list[str]:
    return [c.key for c in fld.codes if c.parent == parent]


def siblings(fld: cbk.Field, code_key: str) -> list[str]:
    """Keys of the codes that share this code's parent (itself included), in order."""
    return _sibling_keys(fld, _code(fld, code_key).parent)


def _preorder(codes: list[cbk.Code]) -> list[cbk.Code]:
    """Codes with every code's children right after it, siblings in their given order.

    Keeps the stored order readable (a group, then its codes) whatever was moved where;
    a code whose parent is missing is kept, as a top-level code, for validation to name.
    """
    keys = {c.key for c in codes}
    children: dict[str | None, list[cbk.Code]] = {}
    for code in codes:
        parent = code.parent if code.parent in keys and code.parent != code.key else None
        children.setdefault(parent, []).append(code)
    out: list[cbk.Code] = []
    seen: set[int] = set()

    def visit(parent: str | None) -> None:
        for child in children.get(parent, []):
            if id(child) not in seen:
                seen.add(id(child))
                out.append(child)
                visit(child.key)

    visit(None)
    out.extend(c for c in codes if id(c) not in seen)  # codes caught in a cycle
    return out


def _descendants(fld: cbk.Field, code_key: str) -> set[str]:
    """Keys of every code below ``code_key`` (its children, their children, ...)."""
    out: set[str] = set()
    todo = [code_key]
    while todo:
        parent = todo.pop()
        for code in fld.codes:
            if code.parent == parent and code.key not in out and code.key != code_key:
                out.add(code.key)
                todo.append(code.key)
    return out


def _code_state(fld: cbk.Field, code: cbk.Code) -> dict[str, Any]:
    state = dataclasses.asdict(code)
    state["field"] = fld.key
    state["position"] = _sibling_keys(fld, code.parent).index(code.key)
    return state


def _field_state(fld: cbk.Field) -> dict[str, Any]:
    state = dataclasses.asdict(fld)
    state["codes"] = [c.key for c in fld.codes]
    return state


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _code_row(cb_row: models.Codebook, field_key: str, code_key: str) -> models.Code:
    for frow in cb_row.fields:
        if frow.key == field_key:
            for crow in frow.codes:
                if crow.key == code_key:
                    return crow
    raise _fail(f"There is no code '{code_key}' in field '{field_key}'.")


def _field_row(cb_row: models.Codebook, field_key: str) -> models.CodebookField:
    for frow in cb_row.fields:
        if frow.key == field_key:
            return frow
    raise _fail(f"There is no field '{field_key}' in the codebook.")


@contextmanager
def _savepoint(session: Session) -> Iterator[None]:
    with session.begin_nested():
        yield


def _write(session: Session, cb_row: models.Codebook, edited: cbk.Codebook) -> None:
    """Make the stored codebook match ``edited`` (fields are only ever added)."""
    by_field = {f.key: f for f in cb_row.fields}
    for fpos, fld in enumerate(edited.fields):
        frow = by_field.get(fld.key)
        if frow is None:
            frow = models.CodebookField(key=fld.key)
            cb_row.fields.append(frow)
        frow.label = fld.label
        frow.kind = fld.kind
        frow.description = fld.description
        frow.required = fld.required
        frow.position = fpos
        by_code = {c.key: c for c in frow.codes}
        wanted = {c.key for c in fld.codes}
        for crow in list(frow.codes):
            if crow.key not in wanted:
                frow.codes.remove(crow)  # delete-orphan: callers checked it is unused
        for cpos, code in enumerate(fld.codes):
            crow = by_code.get(code.key)
            if crow is None:
                crow = models.Code(key=code.key)
                frow.codes.append(crow)
                by_code[code.key] = crow
            crow.label = code.label
            crow.definition = code.definition
            crow.include = code.include
            crow.exclude = code.exclude
            crow.example = code.example
            crow.shortcut = code.shortcut
            crow.colour = code.colour
            crow.retired = code.retired
            crow.keywords = KEYWORD_SEPARATOR.join(code.keywords)
            crow.position = cpos
        for code in fld.codes:
            by_code[code.key].parent = by_code[code.parent] if code.parent else None
    session.flush()


def _new_version(session: Session, cb_row: models.Codebook) -> int:
    """Bump the version and store the YAML of the new version as read back from the rows."""
    cb_row.version += 1
    session.flush()
    # Collections loaded before the edit keep their old order in memory; read them again.
    for frow in cb_row.fields:
        session.expire(frow, ["codes"])
    session.expire(cb_row, ["fields"])
    book = active_codebook(session)
    assert book is not None
    session.add(
        models.CodebookRevision(
            codebook_id=cb_row.id, version=cb_row.version, document=cbk.dump_yaml(book)
        )
    )
    session.flush()
    return cb_row.version


def _audit(
    session: Session,
    *,
    coder_id: int | None,
    action: str,
    entity: str,
    entity_uuid: uuid.UUID | None,
    before: Any,
    after: Any,
) -> int:
    event = models.AuditEvent(
        coder_id=coder_id,
        action=action,
        entity=entity,
        entity_uuid=entity_uuid,
        before=None if before is None else _dumps(before),
        after=None if after is None else _dumps(after),
    )
    session.add(event)
    session.flush()
    return event.id


def _save_code_edit(
    session: Session,
    cb_row: models.Codebook,
    before: cbk.Codebook,
    edited: cbk.Codebook,
    field_key: str,
    code_key: str,
    *,
    operation: str,
    coder_id: int | None,
    what: str,
) -> SavedChange:
    _check(before, edited, what)
    old_field = _field(before, field_key)
    new_field = _field(edited, field_key)
    old = _code_state(old_field, _code(old_field, code_key)) if operation != "add_code" else None
    _write(session, cb_row, edited)
    version = _new_version(session, cb_row)
    new = _code_state(new_field, _code(new_field, code_key))
    event_id = _audit(
        session,
        coder_id=coder_id,
        action=EDIT,
        entity="code",
        entity_uuid=_code_row(cb_row, field_key, code_key).uuid,
        before=old,
        after={"operation": operation, "codebook_version": version, "code": new},
    )
    return SavedChange(version, event_id)


# --------------------------------------------------------------------------- codes


def suggest_code_key(fld: cbk.Field, label: str) -> str:
    """A key for a new code of ``fld`` made from its label, unused in the field.

    Ordinal codes are keyed by the next number of the scale.
    """
    taken = {c.key for c in fld.codes}
    if fld.kind == "ordinal":
        numbers = [int(k) for k in taken if re.fullmatch(r"-?[0-9]+", k)]
        return str(max(numbers) + 1 if numbers else 1)
    return _free_key(label, taken, "code")


def suggest_field_key(book: cbk.Codebook, label: str) -> str:
    """A key for a new field made from its label, unused in the codebook."""
    return _free_key(label, {f.key for f in book.fields}, "field")


def _free_key(label: str, taken: set[str], fallback: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:60].strip("_") or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def add_code(
    session: Session, field_key: str, code: cbk.Code, *, coder_id: int | None
) -> SavedChange:
    """Add ``code`` to a field: after its siblings, under ``code.parent`` if given."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        fld = _field(edited, field_key)
        new = dataclasses.replace(
            code,
            key=code.key.strip(),
            label=code.label.strip(),
            shortcut=_canonical_shortcut(code.shortcut),
            colour=(code.colour or "").strip() or None,
            parent=code.parent or None,
            keywords=list(code.keywords),
        )
        for other in fld.codes:
            if other.key == new.key:
                raise _fail(
                    f"Field '{field_key}' already has a code '{new.key}' ({other.label}); "
                    "choose another key."
                )
        fld.codes.append(new)
        fld.codes = _preorder(fld.codes)
        return _save_code_edit(
            session,
            cb_row,
            before,
            edited,
            field_key,
            new.key,
            operation="add_code",
            coder_id=coder_id,
            what=f"The new code '{new.key}'",
        )


def edit_code(
    session: Session, field_key: str, code_key: str, *, coder_id: int | None, **changes: Any
) -> SavedChange:
    """Change any of EDITABLE_ATTRIBUTES of a code, all in one saved version.

    ``shortcut`` and ``colour`` may be None or "" to remove them; shortcuts are stored
    in their canonical form (``alt+3`` becomes ``Alt+3``).
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    unknown = set(changes) - set(EDITABLE_ATTRIBUTES)
    if unknown:
        raise TypeError(f"edit_code() cannot change {', '.join(sorted(unknown))}")
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        code = _code(_field(edited, field_key), code_key)
        for attr, value in changes.items():
            if attr == "label":
                value = (value or "").strip()
            elif attr == "shortcut":
                value = _canonical_shortcut(value)
            elif attr == "colour":
                value = (value or "").strip() or None
            elif attr == "keywords":
                value = list(value or [])
            elif value is None:
                value = ""
            setattr(code, attr, value)
        if dataclasses.asdict(code) == dataclasses.asdict(
            _code(_field(before, field_key), code_key)
        ):
            raise _fail(f"Code '{code_key}' has no changes to save.")
        return _save_code_edit(
            session,
            cb_row,
            before,
            edited,
            field_key,
            code_key,
            operation="edit_code",
            coder_id=coder_id,
            what=f"The change to code '{code_key}'",
        )


def rename_code(
    session: Session, field_key: str, code_key: str, label: str, *, coder_id: int | None
) -> SavedChange:
    """Give a code a new label (its key, which annotations and files use, stays)."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    return edit_code(session, field_key, code_key, coder_id=coder_id, label=label)


def move_code(
    session: Session, field_key: str, code_key: str, position: int, *, coder_id: int | None
) -> SavedChange:
    """Move a code to ``position`` (0 = first) among the codes that share its parent."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        fld = _field(edited, field_key)
        code = _code(fld, code_key)
        if fld.kind == "ordinal":
            raise _fail(
                f"The codes of ordinal field '{fld.key}' are in scale order and cannot be "
                "moved; change their labels instead."
            )
        group = _sibling_keys(fld, code.parent)
        if not 0 <= position < len(group):
            where = "first" if position < 0 else "last"
            raise _fail(f"Code '{code_key}' is already the {where} of its group.")
        if group.index(code_key) == position:
            raise _fail(f"Code '{code_key}' is already in that place.")
        group.remove(code_key)
        group.insert(position, code_key)
        rank = {key: i for i, key in enumerate(group)}
        # Only the moved code's siblings change places; every other code keeps its own.
        slots = [i for i, c in enumerate(fld.codes) if c.key in rank]
        ordered = sorted((c for c in fld.codes if c.key in rank), key=lambda c: rank[c.key])
        for slot, moved in zip(slots, ordered, strict=True):
            fld.codes[slot] = moved
        fld.codes = _preorder(fld.codes)
        return _save_code_edit(
            session,
            cb_row,
            before,
            edited,
            field_key,
            code_key,
            operation="move_code",
            coder_id=coder_id,
            what=f"The move of code '{code_key}'",
        )


def _step(
    session: Session, field_key: str, code_key: str, step: int, *, coder_id: int | None
) -> SavedChange:
    book = active_codebook(session)
    if book is None:
        raise _fail("The project has no codebook to edit.")
    group = siblings(_field(book, field_key), code_key)
    return move_code(session, field_key, code_key, group.index(code_key) + step, coder_id=coder_id)


def move_code_up(
    session: Session, field_key: str, code_key: str, *, coder_id: int | None
) -> SavedChange:
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    return _step(session, field_key, code_key, -1, coder_id=coder_id)


def move_code_down(
    session: Session, field_key: str, code_key: str, *, coder_id: int | None
) -> SavedChange:
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    return _step(session, field_key, code_key, +1, coder_id=coder_id)


def set_parent(
    session: Session,
    field_key: str,
    code_key: str,
    parent_key: str | None,
    *,
    coder_id: int | None,
) -> SavedChange:
    """Put a code (with its own children) under another code, or at the top with None.

    It becomes the last code of its new group. A parent inside the code's own subtree is
    refused: the parents would form a cycle.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        fld = _field(edited, field_key)
        code = _code(fld, code_key)
        parent_key = parent_key or None
        if parent_key == code.parent:
            raise _fail(
                f"Code '{code_key}' is already "
                + (f"under '{parent_key}'." if parent_key else "at the top level.")
            )
        if parent_key is not None and fld.kind == "multi":
            _code(fld, parent_key)  # an unknown parent is named plainly
            if parent_key in _descendants(fld, code_key):
                raise _fail(
                    f"Code '{code_key}' cannot go under '{parent_key}': '{parent_key}' is "
                    f"itself under '{code_key}'."
                )
        code.parent = parent_key
        fld.codes.remove(code)
        fld.codes.append(code)
        fld.codes = _preorder(fld.codes)
        return _save_code_edit(
            session,
            cb_row,
            before,
            edited,
            field_key,
            code_key,
            operation="set_parent",
            coder_id=coder_id,
            what=f"The move of code '{code_key}'",
        )


def retire_code(
    session: Session,
    field_key: str,
    code_key: str,
    *,
    coder_id: int | None,
    retired: bool = True,
) -> SavedChange:
    """Retire a code: no longer offered to coders, kept for the annotations that use it."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        code = _code(_field(edited, field_key), code_key)
        if code.retired == retired:
            state = "retired" if retired else "in use (not retired)"
            raise _fail(f"Code '{code_key}' is already {state}.")
        code.retired = retired
        return _save_code_edit(
            session,
            cb_row,
            before,
            edited,
            field_key,
            code_key,
            operation="retire_code" if retired else "restore_code",
            coder_id=coder_id,
            what=f"Code '{code_key}'",
        )


def restore_code(
    session: Session, field_key: str, code_key: str, *, coder_id: int | None
) -> SavedChange:
    """Offer a retired code to coders again."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    return retire_code(session, field_key, code_key, coder_id=coder_id, retired=False)


def delete_code(
    session: Session, field_key: str, code_key: str, *, coder_id: int | None
) -> SavedChange:
    """Delete a code that no annotation or consensus uses and that has no child codes."""
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        fld = _field(edited, field_key)
        code = _code(fld, code_key)
        usage = code_usage(session, field_key, code_key)
        if usage.used:
            raise _fail(
                f"Code '{code_key}' is used by {_count(usage.annotations, 'annotation')} and "
                f"{_count(usage.consensus, 'consensus value')}; retire it instead of "
                "deleting it."
            )
        children = [c.key for c in fld.codes if c.parent == code_key]
        if children:
            raise _fail(
                f"Code '{code_key}' has codes under it ({', '.join(children)}); move or "
                "delete them first."
            )
        old = _code_state(_field(before, field_key), _code(_field(before, field_key), code_key))
        code_uuid = _code_row(cb_row, field_key, code_key).uuid
        fld.codes.remove(code)
        _check(before, edited, f"The deletion of code '{code_key}'")
        _write(session, cb_row, edited)
        version = _new_version(session, cb_row)
        event_id = _audit(
            session,
            coder_id=coder_id,
            action=EDIT,
            entity="code",
            entity_uuid=code_uuid,
            before=old,
            after={"operation": "delete_code", "codebook_version": version, "code": None},
        )
        return SavedChange(version, event_id)


# --------------------------------------------------------------------------- fields


def add_field(session: Session, fld: cbk.Field, *, coder_id: int | None) -> SavedChange:
    """Add a field at the end of the codebook.

    Multi, single and ordinal fields need at least one code (give it in ``fld.codes``);
    boolean and text fields have none.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        edited = copy.deepcopy(before)
        new = copy.deepcopy(fld)
        new.key = new.key.strip()
        new.label = new.label.strip()
        for code in new.codes:
            code.key = code.key.strip()
            code.label = code.label.strip()
            code.shortcut = _canonical_shortcut(code.shortcut)
        new.codes = _preorder(new.codes)
        for other in edited.fields:
            if other.key == new.key:
                raise _fail(
                    f"The codebook already has a field '{new.key}' ({other.label}); "
                    "choose another key."
                )
        edited.fields.append(new)
        _check(before, edited, f"The new field '{new.key}'")
        _write(session, cb_row, edited)
        version = _new_version(session, cb_row)
        event_id = _audit(
            session,
            coder_id=coder_id,
            action=EDIT,
            entity="field",
            entity_uuid=_field_row(cb_row, new.key).uuid,
            before=None,
            after={
                "operation": "add_field",
                "codebook_version": version,
                "field": _field_state(new),
            },
        )
        return SavedChange(version, event_id)


# --------------------------------------------------------------------------- usage


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def code_usage(session: Session, field_key: str, code_key: str) -> CodeUsage:
    """How many annotations and consensus values use a code of the active codebook."""
    cb_row, _book = _active(session)
    code_id = _code_row(cb_row, field_key, code_key).id
    annotations = session.scalar(
        select(func.count())
        .select_from(models.Annotation)
        .where(models.Annotation.code_id == code_id)
    )
    consensus = session.scalar(
        select(func.count())
        .select_from(models.Consensus)
        .where(models.Consensus.code_id == code_id)
    )
    return CodeUsage(annotations or 0, consensus or 0)


def usage_counts(session: Session) -> dict[tuple[str, str], int]:
    """(field key, code key) -> number of annotations, for the codes of the active codebook."""
    cb_row = active_codebook_row(session)
    if cb_row is None:
        return {}
    rows = session.execute(
        select(models.CodebookField.key, models.Code.key, func.count(models.Annotation.id))
        .join(models.Code, models.Code.field_id == models.CodebookField.id)
        .join(models.Annotation, models.Annotation.code_id == models.Code.id)
        .where(models.CodebookField.codebook_id == cb_row.id)
        .group_by(models.CodebookField.key, models.Code.key)
    ).all()
    return {(f, c): n for f, c, n in rows}


# --------------------------------------------------------------------------- merging


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row_json(row: Any) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row._mapping.items()}


def _row_values(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """A row saved by _row_json, with its values back in their Python types."""
    out: dict[str, Any] = {}
    for column in table.columns:
        value = data.get(column.name)
        if value is not None and isinstance(column.type, models.UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Uuid):
            value = uuid.UUID(value)
        out[column.name] = value
    return out


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _MergePlan:
    field: cbk.Field
    source: cbk.Code
    target: cbk.Code
    source_id: int
    target_id: int
    annotations: list[dict[str, Any]]  # every annotation with the source code, as JSON
    consensus: list[dict[str, Any]]
    annotations_removed: list[int]  # ids of those whose coder already has the target
    consensus_removed: list[int]

    def counts(self) -> MergeCounts:
        return MergeCounts(
            annotations_remapped=len(self.annotations) - len(self.annotations_removed),
            annotations_removed=len(self.annotations_removed),
            consensus_remapped=len(self.consensus) - len(self.consensus_removed),
            consensus_removed=len(self.consensus_removed),
            coders=len({a["coder_id"] for a in self.annotations}),
            recommendations=len(
                {a["recommendation_id"] for a in self.annotations}
                | {c["recommendation_id"] for c in self.consensus}
            ),
        )


def _plan_merge(
    session: Session,
    cb_row: models.Codebook,
    book: cbk.Codebook,
    field_key: str,
    source_key: str,
    target_key: str,
) -> _MergePlan:
    fld = _field(book, field_key)
    source = _code(fld, source_key)
    target = _code(fld, target_key)
    if fld.kind not in ("multi", "single", "ordinal"):
        raise _fail(f"Field '{field_key}' has no codes to merge.")
    if source_key == target_key:
        raise _fail(f"Code '{source_key}' cannot be merged into itself.")
    if target.retired:
        raise _fail(
            f"Code '{target_key}' is retired: restore it before merging code '{source_key}' "
            "into it."
        )
    source_id = _code_row(cb_row, field_key, source_key).id
    target_id = _code_row(cb_row, field_key, target_key).id
    ann = models.Annotation.__table__
    annotations = [
        _row_json(r)
        for r in session.execute(select(ann).where(ann.c.code_id == source_id).order_by(ann.c.id))
    ]
    has_target = {
        tuple(r)
        for r in session.execute(
            select(ann.c.recommendation_id, ann.c.coder_id, ann.c.field_id).where(
                ann.c.code_id == target_id
            )
        )
    }
    cons = models.Consensus.__table__
    consensus = [
        _row_json(r)
        for r in session.execute(
            select(cons).where(cons.c.code_id == source_id).order_by(cons.c.id)
        )
    ]
    cons_target = {
        tuple(r)
        for r in session.execute(
            select(cons.c.recommendation_id, cons.c.field_id).where(cons.c.code_id == target_id)
        )
    }
    return _MergePlan(
        field=fld,
        source=source,
        target=target,
        source_id=source_id,
        target_id=target_id,
        annotations=annotations,
        consensus=consensus,
        annotations_removed=[
            a["id"]
            for a in annotations
            if (a["recommendation_id"], a["coder_id"], a["field_id"]) in has_target
        ],
        consensus_removed=[
            c["id"] for c in consensus if (c["recommendation_id"], c["field_id"]) in cons_target
        ],
    )


def merge_preview(
    session: Session, field_key: str, source_key: str, target_key: str
) -> MergeCounts:
    """What merging would move and drop, without changing anything (for a confirmation)."""
    cb_row, book = _active(session)
    return _plan_merge(session, cb_row, book, field_key, source_key, target_key).counts()


def merge_codes(
    session: Session, field_key: str, source_key: str, target_key: str, *, coder_id: int | None
) -> MergeInfo:
    """Merge code ``source_key`` into ``target_key`` of the same field, and retire it.

    Every annotation and consensus value with the source code gets the target code; where
    the same coder (or the consensus) already has the target code for that
    recommendation, the source row is removed instead, so nothing is counted twice. The
    exact rows are kept in the audit trail: ``undo_merge(session, info.event_id)`` puts
    them back. Child codes of the source stay where they are.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        plan = _plan_merge(session, cb_row, before, field_key, source_key, target_key)
        edited = copy.deepcopy(before)
        _code(_field(edited, field_key), source_key).retired = True
        _check(before, edited, f"The merge of code '{source_key}'")

        removed = set(plan.annotations_removed)
        remapped = [a["id"] for a in plan.annotations if a["id"] not in removed]
        cons_removed = set(plan.consensus_removed)
        cons_remapped = [c["id"] for c in plan.consensus if c["id"] not in cons_removed]
        ann = models.Annotation.__table__
        cons = models.Consensus.__table__
        for ids in _chunks(plan.annotations_removed):
            session.execute(delete(ann).where(ann.c.id.in_(ids)))
        for ids in _chunks(remapped):
            session.execute(update(ann).where(ann.c.id.in_(ids)).values(code_id=plan.target_id))
        for ids in _chunks(plan.consensus_removed):
            session.execute(delete(cons).where(cons.c.id.in_(ids)))
        for ids in _chunks(cons_remapped):
            session.execute(update(cons).where(cons.c.id.in_(ids)).values(code_id=plan.target_id))

        _write(session, cb_row, edited)
        version = _new_version(session, cb_row)
        source_row = _code_row(cb_row, field_key, source_key)
        target_row = _code_row(cb_row, field_key, target_key)
        event_id = _audit(
            session,
            coder_id=coder_id,
            action=MERGE,
            entity="code",
            entity_uuid=source_row.uuid,
            before={
                "field": field_key,
                "source": _code_state(plan.field, plan.source),
                "target": _code_state(plan.field, plan.target),
                "annotations": plan.annotations,
                "consensus": plan.consensus,
            },
            after={
                "operation": "merge_codes",
                "codebook_version": version,
                "field": field_key,
                "source_key": source_key,
                "source_code_id": plan.source_id,
                "source_uuid": str(source_row.uuid),
                "target_key": target_key,
                "target_code_id": plan.target_id,
                "target_uuid": str(target_row.uuid),
                "source_label": plan.source.label,
                "target_label": plan.target.label,
                "counts": dataclasses.asdict(plan.counts()),
                "annotations_remapped": remapped,
                "annotations_removed": plan.annotations_removed,
                "consensus_remapped": cons_remapped,
                "consensus_removed": plan.consensus_removed,
            },
        )
        _row_events(
            session, coder_id, MERGE, "annotation", plan.annotations, removed, plan.target_id
        )
        _row_events(
            session, coder_id, MERGE, "consensus", plan.consensus, cons_removed, plan.target_id
        )
        return _merge_info(session, event_id)


def _row_events(
    session: Session,
    coder_id: int | None,
    action: str,
    entity: str,
    rows: list[dict[str, Any]],
    removed: set[int],
    new_code_id: int,
) -> None:
    """One audit event per annotation or consensus value, for each recommendation's history."""
    if not rows:
        return
    events = []
    for row in rows:
        after = None if row["id"] in removed else {**row, "code_id": new_code_id}
        events.append(
            {
                "coder_id": coder_id,
                "action": action,
                "entity": entity,
                "entity_uuid": uuid.UUID(row["uuid"]),
                "recommendation_id": row["recommendation_id"],
                "before": _dumps(row),
                "after": None if after is None else _dumps(after),
            }
        )
    session.execute(insert(models.AuditEvent), events)


def _undone_merges(session: Session) -> set[int]:
    undone: set[int] = set()
    for text in session.scalars(
        select(models.AuditEvent.after).where(
            models.AuditEvent.action == UNDO_MERGE, models.AuditEvent.entity == "code"
        )
    ):
        if text:
            undone.add(int(json.loads(text)["undoes"]))
    return undone


def _merge_event(session: Session, event_id: int) -> models.AuditEvent:
    event = session.get(models.AuditEvent, event_id)
    if event is None or event.action != MERGE or event.entity != "code":
        raise _fail("There is no such merge of codes to undo.")
    return event


def _merge_info(session: Session, event_id: int) -> MergeInfo:
    # Only the summary in ``after``: ``before`` holds every moved row and can be large.
    found = session.execute(
        select(models.AuditEvent.at, models.AuditEvent.after).where(
            models.AuditEvent.id == event_id,
            models.AuditEvent.action == MERGE,
            models.AuditEvent.entity == "code",
        )
    ).first()
    if found is None:
        raise _fail("There is no such merge of codes to undo.")
    at, text = found
    after = json.loads(text or "{}")
    return MergeInfo(
        event_id=event_id,
        at=at,
        field_key=after["field"],
        source_key=after["source_key"],
        source_label=after["source_label"],
        target_key=after["target_key"],
        target_label=after["target_label"],
        counts=MergeCounts(**after["counts"]),
        version=after["codebook_version"],
    )


def last_merge(session: Session) -> MergeInfo | None:
    """The latest merge in the active codebook that has not been undone, if any."""
    cb_row = active_codebook_row(session)
    if cb_row is None:
        return None
    code_ids = {c.id for f in cb_row.fields for c in f.codes}
    undone = _undone_merges(session)
    for event_id, text in session.execute(
        select(models.AuditEvent.id, models.AuditEvent.after)
        .where(models.AuditEvent.action == MERGE, models.AuditEvent.entity == "code")
        .order_by(models.AuditEvent.id.desc())
    ):
        if event_id in undone or not text:
            continue
        after = json.loads(text)
        if after.get("source_code_id") in code_ids and after.get("target_code_id") in code_ids:
            return _merge_info(session, event_id)
    return None


def undo_merge(session: Session, merge_event_id: int, *, coder_id: int | None) -> MergeInfo:
    """Put back exactly the annotations and consensus values a merge moved or removed.

    The source code is un-retired if it was in use before the merge. Refused, changing
    nothing, if the merge was already undone, if its codes are no longer in the active
    codebook, or if any of the rows it moved has been changed since.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        event = _merge_event(session, merge_event_id)
        if merge_event_id in _undone_merges(session):
            raise _fail("That merge has already been undone.")
        info = _merge_info(session, merge_event_id)
        before = json.loads(event.before or "{}")
        after = json.loads(event.after or "{}")
        cb_row, book = _active(session)
        fld = _field(book, info.field_key)
        source_id, target_id = after["source_code_id"], after["target_code_id"]
        code_ids = {c.id for f in cb_row.fields for c in f.codes}
        if source_id not in code_ids or target_id not in code_ids:
            raise _fail(
                f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be "
                "undone: one of the two codes is no longer in the codebook."
            )
        ann = models.Annotation.__table__
        cons = models.Consensus.__table__
        _check_unchanged(session, ann, after["annotations_remapped"], target_id, "annotation", info)
        _check_unchanged(
            session, cons, after["consensus_remapped"], target_id, "consensus value", info
        )
        by_id = {a["id"]: a for a in before["annotations"]}
        cons_by_id = {c["id"]: c for c in before["consensus"]}
        # Every row goes back to the source code: none may find its place taken since.
        _check_free(
            session,
            ann,
            [by_id[i] for i in after["annotations_removed"]],
            ("recommendation_id", "coder_id", "field_id", "code_id"),
            "annotation",
            info,
        )
        _check_free(
            session,
            ann,
            [by_id[i] for i in after["annotations_remapped"]],
            ("recommendation_id", "coder_id", "field_id", "code_id"),
            "annotation",
            info,
            reinserted=False,
        )
        for ids, reinserted in (
            (after["consensus_removed"], True),
            (after["consensus_remapped"], False),
        ):
            _check_free(
                session,
                cons,
                [cons_by_id[i] for i in ids],
                ("recommendation_id", "field_id", "code_id"),
                "consensus value",
                info,
                reinserted=reinserted,
            )

        for row_id in after["annotations_remapped"]:
            old = _row_values(ann, by_id[row_id])
            session.execute(
                update(ann)
                .where(ann.c.id == row_id)
                .values(code_id=old["code_id"], updated_at=old["updated_at"])
            )
        for row_id in after["consensus_remapped"]:
            old = _row_values(cons, cons_by_id[row_id])
            session.execute(update(cons).where(cons.c.id == row_id).values(code_id=old["code_id"]))
        _reinsert(session, ann, [by_id[i] for i in after["annotations_removed"]])
        _reinsert(session, cons, [cons_by_id[i] for i in after["consensus_removed"]])

        edited = copy.deepcopy(book)
        source = _code(_field(edited, info.field_key), info.source_key)
        source.retired = bool(before["source"]["retired"])
        _write(session, cb_row, edited)
        version = _new_version(session, cb_row)
        _audit(
            session,
            coder_id=coder_id,
            action=UNDO_MERGE,
            entity="code",
            entity_uuid=_code_row(cb_row, info.field_key, info.source_key).uuid,
            before={"field": fld.key, "source": _code_state(fld, _code(fld, info.source_key))},
            after={
                "operation": "undo_merge",
                "undoes": merge_event_id,
                "codebook_version": version,
            },
        )
        _undo_row_events(session, coder_id, "annotation", before["annotations"], after, target_id)
        _undo_row_events(session, coder_id, "consensus", before["consensus"], after, target_id)
        return info


def _check_unchanged(
    session: Session, table: Table, ids: list[int], target_id: int, noun: str, info: MergeInfo
) -> None:
    found = 0
    for chunk in _chunks(ids):
        found += (
            session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.id.in_(chunk), table.c.code_id == target_id)
            )
            or 0
        )
    if found != len(ids):
        changed = len(ids) - found
        raise _fail(
            f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be undone: "
            f"{_count(changed, noun)} it moved {'has' if changed == 1 else 'have'} been changed "
            "or removed since."
        )


def _check_free(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    unique: tuple[str, ...],
    noun: str,
    info: MergeInfo,
    *,
    reinserted: bool = True,
) -> None:
    """Refuse if the source code was entered again where one of ``rows`` goes back."""
    for row in rows:
        clash = session.scalar(
            select(func.count())
            .select_from(table)
            .where(*(table.c[col] == row[col] for col in unique))
        )
        taken = reinserted and session.scalar(
            select(func.count()).select_from(table).where(table.c.uuid == uuid.UUID(row["uuid"]))
        )
        if clash or taken:
            raise _fail(
                f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be "
                f"undone: code '{info.source_key}' has been used again since, on "
                f"recommendations the merge changed. Remove those uses first."
            )


def _reinsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        values = _row_values(table, row)
        if session.scalar(select(func.count()).select_from(table).where(table.c.id == row["id"])):
            del values["id"]  # the old id went to a newer row; the uuid is the identity
        session.execute(insert(table).values(**values))


def _undo_row_events(
    session: Session,
    coder_id: int | None,
    entity: str,
    rows: list[dict[str, Any]],
    merge_after: dict[str, Any],
    target_id: int,
) -> None:
    if not rows:
        return
    key = "annotations_removed" if entity == "annotation" else "consensus_removed"
    removed = set(merge_after[key])
    session.execute(
        insert(models.AuditEvent),
        [
            {
                "coder_id": coder_id,
                "action": UNDO_MERGE,
                "entity": entity,
                "entity_uuid": uuid.UUID(row["uuid"]),
                "recommendation_id": row["recommendation_id"],
                "before": None if row["id"] in removed else _dumps({**row, "code_id": target_id}),
                "after": _dumps(row),
            }
            for row in rows
        ],
    )
