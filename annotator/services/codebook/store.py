"""The project's codebook: stored from, and read back into, ``annotator.codebook`` form.

The one place where a ``Codebook`` meets its rows: ``write_rows`` makes the rows say what
a codebook says, ``codebook_from_row`` reads them back (ids included, for the coding form).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from annotator import codebook as cbk
from annotator.services import permissions
from annotator.store import models

KEYWORD_SEPARATOR = ";"
# Attributes that the rows hold in a column of the same name and form.
_PLAIN_CODE_COLUMNS = tuple(a for a in cbk.CODE_ATTRIBUTES if a not in ("parent", "keywords"))


def load_codebook_file(path: Path) -> cbk.Codebook:
    """A codebook from a .yaml/.yml or .xlsx file (CodebookError names what is wrong)."""
    if path.suffix.lower() == ".xlsx":
        return cbk.load_xlsx(path)
    return cbk.load_yaml(path)


def store_codebook(
    session: Session, book: cbk.Codebook, *, by_coder_id: int | None = None
) -> models.Codebook:
    """Add ``book`` as the project's active codebook (older ones are kept, inactive).

    A new project takes its first codebook as it is set up; replacing one is a
    coordinator's edit of the codebook."""
    older_books = list(session.scalars(select(models.Codebook).where(models.Codebook.active)))
    if older_books:
        permissions.require(session, by_coder_id, permissions.EDIT_CODEBOOK)
    for older in older_books:
        older.active = False
    row = models.Codebook(name=book.name, version=book.version, description=book.description)
    session.add(row)
    write_rows(session, row, book)
    row.revisions.append(
        models.CodebookRevision(version=book.version, document=cbk.dump_yaml(book))
    )
    session.flush()
    return row


def write_rows(session: Session, cb_row: models.Codebook, book: cbk.Codebook) -> None:
    """Make the stored fields and codes of ``cb_row`` match ``book``.

    Fields are only ever added; a code missing from ``book`` is deleted (callers checked
    that nothing uses it)."""
    by_field = {f.key: f for f in cb_row.fields}
    for fpos, fld in enumerate(book.fields):
        frow = by_field.get(fld.key)
        if frow is None:
            frow = models.CodebookField(key=fld.key)
            cb_row.fields.append(frow)
        for attr in cbk.FIELD_ATTRIBUTES:
            setattr(frow, attr, getattr(fld, attr))
        frow.position = fpos
        by_code = {c.key: c for c in frow.codes}
        wanted = {c.key for c in fld.codes}
        for gone in [c for c in frow.codes if c.key not in wanted]:
            frow.codes.remove(gone)  # delete-orphan
        for cpos, code in enumerate(fld.codes):
            found = by_code.get(code.key)
            if found is not None:
                crow = found
            else:
                crow = models.Code(key=code.key)
                frow.codes.append(crow)
                by_code[code.key] = crow
            for attr in _PLAIN_CODE_COLUMNS:
                setattr(crow, attr, getattr(code, attr))
            crow.keywords = KEYWORD_SEPARATOR.join(code.keywords)
            crow.position = cpos
        for code in fld.codes:
            by_code[code.key].parent = by_code[code.parent] if code.parent else None
    session.flush()


def codebook_from_row(row: models.Codebook) -> cbk.Codebook:
    """The codebook its rows hold, with the rows' ids."""
    return cbk.Codebook(
        name=row.name,
        version=row.version,
        description=row.description,
        fields=[_field_from_row(f) for f in row.fields],
        id=row.id,
    )


def _field_from_row(frow: models.CodebookField) -> cbk.Field:
    plain: dict[str, Any] = {attr: getattr(frow, attr) for attr in cbk.FIELD_ATTRIBUTES}
    return cbk.Field(**plain, codes=[_code_from_row(c) for c in frow.codes], id=frow.id)


def _code_from_row(crow: models.Code) -> cbk.Code:
    plain: dict[str, Any] = {attr: getattr(crow, attr) for attr in _PLAIN_CODE_COLUMNS}
    return cbk.Code(
        **plain,
        parent=crow.parent.key if crow.parent else None,
        keywords=[k for k in crow.keywords.split(KEYWORD_SEPARATOR) if k],
        id=crow.id,
        parent_id=crow.parent_id,
    )


def active_codebook_row(session: Session) -> models.Codebook | None:
    return session.scalars(
        select(models.Codebook)
        .where(models.Codebook.active)
        .options(
            selectinload(models.Codebook.fields)
            .selectinload(models.CodebookField.codes)
            .selectinload(models.Code.parent)
        )
    ).first()


def active_codebook(session: Session) -> cbk.Codebook | None:
    row = active_codebook_row(session)
    return None if row is None else codebook_from_row(row)
