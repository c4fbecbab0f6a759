"""The project's codebook: stored from, and read back into, ``annotator.codebook`` form."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from annotator import codebook as cbk
from annotator.services import permissions
from annotator.store import models

KEYWORD_SEPARATOR = ";"


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
    for position, field in enumerate(book.fields):
        field_row = models.CodebookField(
            key=field.key,
            label=field.label,
            kind=field.kind,
            description=field.description,
            required=field.required,
            position=position,
        )
        row.fields.append(field_row)
        by_key: dict[str, models.Code] = {}
        for code_position, code in enumerate(field.codes):
            code_row = models.Code(
                key=code.key,
                label=code.label,
                definition=code.definition,
                include=code.include,
                exclude=code.exclude,
                example=code.example,
                shortcut=code.shortcut,
                colour=code.colour,
                retired=code.retired,
                keywords=KEYWORD_SEPARATOR.join(code.keywords),
                position=code_position,
            )
            field_row.codes.append(code_row)
            by_key[code.key] = code_row
        for code in field.codes:
            if code.parent:
                by_key[code.key].parent = by_key[code.parent]
    row.revisions.append(
        models.CodebookRevision(version=book.version, document=cbk.dump_yaml(book))
    )
    session.flush()
    return row


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
    if row is None:
        return None
    return cbk.Codebook(
        name=row.name,
        version=row.version,
        description=row.description,
        fields=[
            cbk.Field(
                key=f.key,
                label=f.label,
                kind=f.kind,
                description=f.description,
                required=f.required,
                codes=[
                    cbk.Code(
                        key=c.key,
                        label=c.label,
                        definition=c.definition,
                        include=c.include,
                        exclude=c.exclude,
                        example=c.example,
                        parent=c.parent.key if c.parent else None,
                        shortcut=c.shortcut,
                        colour=c.colour,
                        retired=c.retired,
                        keywords=[k for k in c.keywords.split(KEYWORD_SEPARATOR) if k],
                    )
                    for c in f.codes
                ],
            )
            for f in row.fields
        ],
    )
