"""Server logins: which PostgreSQL login is which coder

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

On a team server each person connects with their own login; ``server_login`` says
which coder a login codes as, and the row-level security policies installed by
``annotator db secure`` / ``db grant`` read it to let a coder's session see and change
only that coder's work. On SQLite the table exists and stays empty: a file has no
logins.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "server_login",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coder.id"],
            name=op.f("fk_server_login_coder_id_coder"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_server_login")),
    )
    with op.batch_alter_table("server_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_server_login_coder_id"), ["coder_id"], unique=False)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        # A secured server's policies read this table: they go with it, which leaves
        # row-level security on with no policy, so coders' logins see nothing (closed,
        # not open) until the owner runs `annotator db secure` on a newer version.
        op.execute("DROP TABLE server_login CASCADE")
        return
    with op.batch_alter_table("server_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_login_coder_id"))
    op.drop_table("server_login")
