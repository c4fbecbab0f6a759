"""The queue's filter by published response on an index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The filter by the state's own wording keeps, at 200,000 recommendations, tens of
thousands of them in reading order. With the index on (response, review, number) SQLite
reads exactly those, already in reading order (the rowid, the id, ends every index),
instead of every recommendation in order, testing each one's response.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_recommendation_response_order",
        "recommendation",
        ["response", "review_id", "sort_key"],
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_response_order", table_name="recommendation")
