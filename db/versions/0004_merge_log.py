"""Merge log: every coder package merged into the project

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Adds the ``merge_log`` table, one row per package merged (file name, SHA-256, whose
work, when, by whom, what changed). Only a new table: nothing existing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("coder_uuid", sa.Uuid(), nullable=False),
        sa.Column("coder_name", sa.String(length=120), nullable=False),
        sa.Column("package_name", sa.String(length=255), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("package_uuid", sa.Uuid(), nullable=False),
        sa.Column("package_made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coder.id"],
            name=op.f("fk_merge_log_coder_id_coder"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_id"],
            ["coder.id"],
            name=op.f("fk_merge_log_merged_by_id_coder"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_log")),
    )
    with op.batch_alter_table("merge_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merge_log_package_sha256"), ["package_sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("merge_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_log_package_sha256"))
    op.drop_table("merge_log")
