"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The first schema: the domain of DESIGN.md, and full-text search over
recommendation texts (SQLite FTS5; SQLite only).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Written out here, not imported, so that this revision stays what it was.
# The index keeps its own copy of each text (rowid = recommendation id) and is kept in
# step by annotator.store.fts, not by triggers: with trusted_schema off, SQLite refuses
# triggers that write to a virtual table ("unsafe use of virtual table").
FTS_CREATE = (
    "CREATE VIRTUAL TABLE recommendation_fts USING fts5("
    "text, tokenize='unicode61 remove_diacritics 2')"
)


def create_fts() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute(FTS_CREATE)


def drop_fts() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS recommendation_fts")


def upgrade() -> None:
    op.create_table(
        "codebook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook")),
        sa.UniqueConstraint("uuid", name=op.f("uq_codebook_uuid")),
    )
    op.create_table(
        "coder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('coder', 'adjudicator', 'coordinator')", name=op.f("ck_coder_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coder")),
        sa.UniqueConstraint("name", name=op.f("uq_coder_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_coder_uuid")),
    )
    op.create_table(
        "project_info",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_project_info")),
    )
    op.create_table(
        "state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("iso2", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("official_name", sa.String(length=300), nullable=False),
        sa.Column("regional_group", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint("status IN ('member', 'observer')", name=op.f("ck_state_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state")),
        sa.UniqueConstraint("iso3", name=op.f("uq_state_iso3")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_uuid", sa.Uuid(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coder.id"],
            name=op.f("fk_audit_event_coder_id_coder"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("uuid", name=op.f("uq_audit_event_uuid")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "codebook_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("codebook_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('multi', 'single', 'ordinal', 'boolean', 'text')",
            name=op.f("ck_codebook_field_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["codebook_id"],
            ["codebook.id"],
            name=op.f("fk_codebook_field_codebook_id_codebook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_field")),
        sa.UniqueConstraint("codebook_id", "key", name=op.f("uq_codebook_field_codebook_id_key")),
        sa.UniqueConstraint("uuid", name=op.f("uq_codebook_field_uuid")),
    )
    op.create_table(
        "codebook_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codebook_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codebook_id"],
            ["codebook.id"],
            name=op.f("fk_codebook_revision_codebook_id_codebook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_revision")),
        sa.UniqueConstraint(
            "codebook_id", "version", name=op.f("uq_codebook_revision_codebook_id_version")
        ),
    )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("session", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("report_symbol", sa.String(length=40), nullable=True),
        sa.Column("responses_symbol", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cycle BETWEEN 1 AND 4", name=op.f("ck_review_cycle")),
        sa.ForeignKeyConstraint(["state_id"], ["state.id"], name=op.f("fk_review_state_id_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("report_symbol", name=op.f("uq_review_report_symbol")),
        sa.UniqueConstraint("state_id", "cycle", name=op.f("uq_review_state_id_cycle")),
        sa.UniqueConstraint("uuid", name=op.f("uq_review_uuid")),
    )
    op.create_table(
        "code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("include", sa.Text(), nullable=False),
        sa.Column("exclude", sa.Text(), nullable=False),
        sa.Column("example", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("shortcut", sa.String(length=40), nullable=True),
        sa.Column("colour", sa.String(length=9), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["codebook_field.id"],
            name=op.f("fk_code_field_id_codebook_field"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["code.id"], name=op.f("fk_code_parent_id_code"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code")),
        sa.UniqueConstraint("field_id", "key", name=op.f("uq_code_field_id_key")),
        sa.UniqueConstraint("uuid", name=op.f("uq_code_uuid")),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recommending_text", sa.Text(), nullable=False),
        sa.Column("response", sa.String(length=200), nullable=True),
        sa.Column("response_explanation", sa.Text(), nullable=True),
        sa.Column("position", sa.String(length=20), nullable=True),
        sa.Column("source_reference", sa.String(length=200), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
            name=op.f("fk_recommendation_review_id_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
        sa.UniqueConstraint("review_id", "number", name=op.f("uq_recommendation_review_id_number")),
        sa.UniqueConstraint("uuid", name=op.f("uq_recommendation_uuid")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_position"), ["position"], unique=False)

    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("codebook_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], name=op.f("fk_annotation_code_id_code")),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coder.id"], name=op.f("fk_annotation_coder_id_coder")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["codebook_field.id"], name=op.f("fk_annotation_field_id_codebook_field")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_annotation_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
        sa.UniqueConstraint(
            "recommendation_id",
            "coder_id",
            "field_id",
            "code_id",
            name=op.f("uq_annotation_recommendation_id_coder_id_field_id_code_id"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_annotation_uuid")),
    )
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_annotation_coder_recommendation", ["coder_id", "recommendation_id"], unique=False
        )
        batch_op.create_index("ix_annotation_field_code", ["field_id", "code_id"], unique=False)

    op.create_table(
        "coding_status",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("flag_reason", sa.Text(), nullable=True),
        sa.Column("seconds_spent", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'flagged', 'skipped')",
            name=op.f("ck_coding_status_status"),
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coder.id"], name=op.f("fk_coding_status_coder_id_coder")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_coding_status_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "coder_id", name=op.f("pk_coding_status")),
    )
    with op.batch_alter_table("coding_status", schema=None) as batch_op:
        batch_op.create_index("ix_coding_status_coder_status", ["coder_id", "status"], unique=False)

    op.create_table(
        "consensus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], name=op.f("fk_consensus_code_id_code")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["coder.id"], name=op.f("fk_consensus_decided_by_id_coder")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["codebook_field.id"], name=op.f("fk_consensus_field_id_codebook_field")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_consensus_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus")),
        sa.UniqueConstraint(
            "recommendation_id",
            "field_id",
            "code_id",
            name=op.f("uq_consensus_recommendation_id_field_id_code_id"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_consensus_uuid")),
    )
    with op.batch_alter_table("consensus", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consensus_recommendation_field", ["recommendation_id", "field_id"], unique=False
        )

    op.create_table(
        "recommendation_state",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_state_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["state.id"], name=op.f("fk_recommendation_state_state_id_state")
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "state_id", name=op.f("pk_recommendation_state")
        ),
    )
    with op.batch_alter_table("recommendation_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_state_state_id"), ["state_id"], unique=False
        )

    op.create_table(
        "source_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_source_tag_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_tag")),
    )
    with op.batch_alter_table("source_tag", schema=None) as batch_op:
        batch_op.create_index("ix_source_tag_kind_value", ["kind", "value"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_source_tag_recommendation_id"), ["recommendation_id"], unique=False
        )
    create_fts()


def downgrade() -> None:
    drop_fts()
    with op.batch_alter_table("source_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_tag_recommendation_id"))
        batch_op.drop_index("ix_source_tag_kind_value")

    op.drop_table("source_tag")
    with op.batch_alter_table("recommendation_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_state_state_id"))

    op.drop_table("recommendation_state")
    with op.batch_alter_table("consensus", schema=None) as batch_op:
        batch_op.drop_index("ix_consensus_recommendation_field")

    op.drop_table("consensus")
    with op.batch_alter_table("coding_status", schema=None) as batch_op:
        batch_op.drop_index("ix_coding_status_coder_status")

    op.drop_table("coding_status")
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_index("ix_annotation_field_code")
        batch_op.drop_index("ix_annotation_coder_recommendation")

    op.drop_table("annotation")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_position"))

    op.drop_table("recommendation")
    op.drop_table("code")
    op.drop_table("review")
    op.drop_table("codebook_revision")
    op.drop_table("codebook_field")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    op.drop_table("state")
    op.drop_table("project_info")
    op.drop_table("coder")
    op.drop_table("codebook")
