"""Coders can be retired: their work stays, they no longer code

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Adds ``coder.retired_at`` (when a coordinator retired the coder; NULL for active
coders). A plain nullable column: SQLite adds it in place, nothing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coder", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
