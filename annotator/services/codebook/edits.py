"""Editing codes and fields of the project's active codebook.

A code that annotations use is retired, never deleted. See ``changes`` for what every
saved edit shares (the check, the new version, the audit event).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.services import permissions
from annotator.services.codebook.changes import (
    EDIT,
    EDITABLE_ATTRIBUTES,
    SavedChange,
    _active,
    _audit,
    _canonical_shortcut,
    _check,
    _code,
    _code_row,
    _code_state,
    _fail,
    _field,
    _field_row,
    _field_state,
    _new_version,
    _save_code_edit,
    _savepoint,
)
from annotator.services.codebook.store import active_codebook, write_rows
from annotator.services.codebook.usage import _count, code_usage

# --------------------------------------------------------------------------- codes


def siblings(fld: cbk.Field, code_key: str) -> list[str]:
    """Keys of the codes that share this code's parent (itself included), in order."""
    _code(fld, code_key)  # an unknown code is named plainly
    return [c.key for c in fld.siblings(code_key)]


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
        fld.codes = fld.preorder()
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
        _code(fld, code_key)  # an unknown code is named plainly
        if fld.kind == "ordinal":
            raise _fail(
                f"The codes of ordinal field '{fld.key}' are in scale order and cannot be "
                "moved; change their labels instead."
            )
        group = [c.key for c in fld.siblings(code_key)]
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
        fld.codes = fld.preorder()
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
            if parent_key in {c.key for c in fld.descendants(code_key)}:
                raise _fail(
                    f"Code '{code_key}' cannot go under '{parent_key}': '{parent_key}' is "
                    f"itself under '{code_key}'."
                )
        code.parent = parent_key
        fld.codes.remove(code)
        fld.codes.append(code)
        fld.codes = fld.preorder()
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
        children = [c.key for c in fld.children(code_key)]
        if children:
            raise _fail(
                f"Code '{code_key}' has codes under it ({', '.join(children)}); move or "
                "delete them first."
            )
        old = _code_state(_field(before, field_key), _code(_field(before, field_key), code_key))
        code_uuid = _code_row(cb_row, field_key, code_key).uuid
        fld.codes.remove(code)
        _check(before, edited, f"The deletion of code '{code_key}'")
        write_rows(session, cb_row, edited)
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
        new.codes = new.preorder()
        for other in edited.fields:
            if other.key == new.key:
                raise _fail(
                    f"The codebook already has a field '{new.key}' ({other.label}); "
                    "choose another key."
                )
        edited.fields.append(new)
        _check(before, edited, f"The new field '{new.key}'")
        write_rows(session, cb_row, edited)
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
