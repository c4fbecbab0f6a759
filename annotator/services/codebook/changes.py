"""What every saved edit of the codebook shares: the refusal, the check, the new version
and the audit event.

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
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.services.codebook.store import active_codebook, active_codebook_row, write_rows
from annotator.store import models

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


class CodebookEditError(ValueError):
    """An edit of the codebook was refused; the message says why in plain English."""


@dataclass(frozen=True)
class SavedChange:
    """What a saved edit produced: the codebook's new version and its audit event."""

    version: int
    event_id: int


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


def _code_state(fld: cbk.Field, code: cbk.Code) -> dict[str, Any]:
    """A code as the audit trail records it: what it says, its field and its place."""
    state: dict[str, Any] = {attr: copy.copy(getattr(code, attr)) for attr in cbk.CODE_ATTRIBUTES}
    state["field"] = fld.key
    state["position"] = [c.key for c in fld.siblings(code.key)].index(code.key)
    return state


def _field_state(fld: cbk.Field) -> dict[str, Any]:
    state: dict[str, Any] = {attr: getattr(fld, attr) for attr in cbk.FIELD_ATTRIBUTES}
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
    write_rows(session, cb_row, edited)
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
