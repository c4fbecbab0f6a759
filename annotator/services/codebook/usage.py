"""How much the project's annotations and consensus values use each code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.services.codebook.changes import _active, _code_row
from annotator.services.codebook.store import active_codebook_row
from annotator.store import models


@dataclass(frozen=True)
class CodeUsage:
    annotations: int
    consensus: int

    @property
    def used(self) -> bool:
        return bool(self.annotations or self.consensus)


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
