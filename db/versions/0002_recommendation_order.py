"""Order recommendations by number the way people read them, and check positions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Adds ``recommendation.sort_key`` (150.2 before 150.10, filled in for every existing
recommendation), an index on (review, sort key) for the coding queue, and a check
that the normalised position is 'supported' or 'noted'. Adding a CHECK constraint
rebuilds the recommendation table on SQLite, the parent of annotations, statuses and
consensus: the runner does this with foreign keys off (see annotator.store.migrations).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sort_key(number: str | None) -> str:
    # A frozen copy of annotator.recnumbers.sort_key as it was at this revision.
    if not number:
        return ""
    parts = re.split(r"(\d+)", number.strip())
    return "".join(p.zfill(8) if p.isdigit() else p.lower() for p in parts)


def _recreate() -> str:
    # SQLite needs the table rebuilt to add a CHECK; PostgreSQL alters it in place, and
    # a rebuild there would have to drop the primary key its children reference.
    return "always" if op.get_context().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("recommendation", recreate=_recreate()) as batch_op:
        batch_op.add_column(
            sa.Column("sort_key", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            "position", "position IS NULL OR position IN ('supported', 'noted')"
        )
    connection = op.get_bind()
    recommendation = sa.table(
        "recommendation",
        sa.column("id", sa.Integer),
        sa.column("number", sa.String),
        sa.column("sort_key", sa.String),
    )
    rows = connection.execute(sa.select(recommendation.c.id, recommendation.c.number)).all()
    if rows:
        connection.execute(
            recommendation.update()
            .where(recommendation.c.id == sa.bindparam("rid"))
            .values(sort_key=sa.bindparam("key")),
            [{"rid": rid, "key": _sort_key(number)} for rid, number in rows],
        )
    with op.batch_alter_table("recommendation") as batch_op:
        batch_op.alter_column("sort_key", server_default=None)
        batch_op.create_index("ix_recommendation_review_sort", ["review_id", "sort_key"])


def downgrade() -> None:
    with op.batch_alter_table("recommendation", recreate=_recreate()) as batch_op:
        batch_op.drop_index("ix_recommendation_review_sort")
        batch_op.drop_constraint(op.f("ck_recommendation_position"), type_="check")
        batch_op.drop_column("sort_key")
