"""Response history: every response a document published, and reviews' month and date

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Adds ``response_entry`` (one row a response a document gave a recommendation: the
Working Group report's preliminary position, the addendum, a later update, or a
secondary source such as the OHCHR matrix) and the review's ``month`` and
``review_date``. Existing responses become the first entry of each recommendation's
history, their document kind taken from the source that brought the recommendation
(OHCHR matrix: matrix; UPR Info, UHRI: database; anything else: table); the
recommendation's response stays as it was (it is the current one). Reviews whose
session is in the UPR calendar get that session's year and month: the year used to
be computed as three sessions a year, which is wrong for many sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from annotator import responses, upr_calendar
from annotator.store.ids import new_uuid

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_OF_SOURCE = {
    "ohchr-matrix": "matrix",
    "matrix-csv": "matrix",
    "uprinfo": "database",
    "uhri": "database",
}
CHUNK = 5_000


def upgrade() -> None:
    op.create_table(
        "response_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("document_kind", sa.String(length=20), nullable=False),
        sa.Column("document_key", sa.String(length=300), nullable=False),
        sa.Column("document_symbol", sa.String(length=60), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("position", sa.String(length=20), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("file", sa.String(length=300), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("source_format", sa.String(length=40), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "document_kind IN ('report', 'addendum', 'update', 'matrix', 'database', 'table')",
            name=op.f("ck_response_entry_document_kind"),
        ),
        sa.CheckConstraint(
            "position IS NULL OR position IN ('supported', 'noted')",
            name=op.f("ck_response_entry_position"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_response_entry_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_entry")),
        sa.UniqueConstraint(
            "recommendation_id",
            "document_kind",
            "document_key",
            name=op.f("uq_response_entry_recommendation_id_document_kind_document_key"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_response_entry_uuid")),
    )
    with op.batch_alter_table("response_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_entry_recommendation_id"), ["recommendation_id"], unique=False
        )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_date", sa.Date(), nullable=True))
    _history_from_existing_responses()
    _years_from_the_calendar()


def _history_from_existing_responses() -> None:
    bind = op.get_bind()
    sources: dict[int, set[str]] = {}
    for rid, source in bind.execute(
        sa.text("SELECT DISTINCT recommendation_id, source FROM source_tag")
    ):
        sources.setdefault(rid, set()).add(source)
    rows = bind.execute(
        sa.text(
            "SELECT id, response, response_explanation, position, updated_at "
            "FROM recommendation WHERE response IS NOT NULL ORDER BY id"
        )
    ).all()
    entry = sa.table(
        "response_entry",
        sa.column("uuid", sa.Uuid()),
        sa.column("recommendation_id", sa.Integer()),
        sa.column("document_kind", sa.String()),
        sa.column("document_key", sa.String()),
        sa.column("wording", sa.Text()),
        sa.column("category", sa.String()),
        sa.column("position", sa.String()),
        sa.column("explanation", sa.Text()),
        sa.column("source_format", sa.String()),
        sa.column("imported_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    batch = []
    for rid, wording, explanation, position, updated in rows:
        found = sources.get(rid, set())
        source = next((s for s in sorted(found) if s in KIND_OF_SOURCE), None)
        kind = KIND_OF_SOURCE.get(source or "", "table")
        batch.append(
            {
                "uuid": new_uuid(),
                "recommendation_id": rid,
                "document_kind": kind,
                "document_key": f"{kind}:before history",
                "wording": wording,
                "category": responses.category(wording),
                "position": position,
                "explanation": explanation,
                "source_format": source,
                "imported_at": _aware(updated) or now,
            }
        )
        if len(batch) >= CHUNK:
            op.bulk_insert(entry, batch)
            batch = []
    if batch:
        op.bulk_insert(entry, batch)


def _aware(value: object) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _years_from_the_calendar() -> None:
    bind = op.get_bind()
    for rid, session in bind.execute(
        sa.text("SELECT id, session FROM review WHERE session IS NOT NULL")
    ).all():
        known = upr_calendar.SESSIONS.get(int(session))
        if known is None:
            continue
        bind.execute(
            sa.text("UPDATE review SET year = :year, month = :month WHERE id = :id"),
            {"year": known.year, "month": known.month, "id": rid},
        )


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_column("review_date")
        batch_op.drop_column("month")
    with op.batch_alter_table("response_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_entry_recommendation_id"))
    op.drop_table("response_entry")
