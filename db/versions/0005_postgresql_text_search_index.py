"""An index for full-text search of recommendation texts on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

On a server the queue searches with ``to_tsvector('simple', text) @@ to_tsquery(...)``
(annotator.store.fts.matching); without an index every search reads every text. This
GIN index on the same expression lets PostgreSQL answer from the index. SQLite keeps
its FTS5 table (made in 0001), so there is nothing to do there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_recommendation_text_search"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {INDEX} ON recommendation USING gin (to_tsvector('simple', text))"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
