"""Theme suggestions leave a trace: shown to a coder, accepted by a key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Adds ``coding_status.suggestions_shown`` (the coder had suggestions on screen for the
recommendation) and ``annotation.accepted_suggestion`` (the code was ticked by accepting
a suggestion). Both false for everything coded before: no suggestions existed then, so
old work counts as coded without them. Batch mode, so SQLite rebuilds the tables with
the server default in place; PostgreSQL adds the columns in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coding_status", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suggestions_shown", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "accepted_suggestion", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_column("accepted_suggestion")
    with op.batch_alter_table("coding_status", schema=None) as batch_op:
        batch_op.drop_column("suggestions_shown")
