"""The project's data model: SQLAlchemy 2.0 typed declarative classes.

Integer primary keys keep joins and the coding queue fast; UUID columns give every
record that travels between laptops (reviews, recommendations, coders, annotations,
consensus, audit events) an identity that merges without collisions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from annotator.store.ids import new_uuid
from annotator.vocabulary import FIELD_KINDS, POSITIONS, STATUSES

# Named constraints let Alembic's batch mode on SQLite find and alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CODER_ROLES = ("coder", "adjudicator", "coordinator")
# The documents a response can come from (annotator.importers.records.DocumentKind).
DOCUMENT_KINDS = ("report", "addendum", "update", "matrix", "database", "table")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware UTC datetime (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; UPR Coder stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as the ``Table`` it is (SQLAlchemy types ``__table__``
    as the wider ``FromClause``, which has no ``insert()`` or ``name``)."""
    return cast(Table, model.__table__)


class ProjectInfo(Base):
    """Key/value facts about the project itself (its UUID, name, creation time)."""

    __tablename__ = "project_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class State(Base):
    __tablename__ = "state"
    __table_args__ = (CheckConstraint(_in("status", ("member", "observer")), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    iso2: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str] = mapped_column(String(300), default="")
    regional_group: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="member")


class Review(Base):
    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("state_id", "cycle"),
        CheckConstraint("cycle BETWEEN 1 AND 4", name="cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    cycle: Mapped[int] = mapped_column(Integer)
    session: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    report_symbol: Mapped[str | None] = mapped_column(String(40), unique=True)
    responses_symbol: Mapped[str | None] = mapped_column(String(40))
    # Month of the Working Group session (from the UPR calendar) and the day of the
    # review itself where the report gives it: reviews are ordered by cycle, then date.
    month: Mapped[int | None] = mapped_column(Integer)
    review_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    state: Mapped[State] = relationship()
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="review", cascade="all, delete-orphan", passive_deletes=True
    )


class RecommendationState(Base):
    """A recommending state of a recommendation; joint recommendations have several."""

    __tablename__ = "recommendation_state"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"), primary_key=True, index=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)

    state: Mapped[State] = relationship()


class Recommendation(Base):
    __tablename__ = "recommendation"
    __table_args__ = (
        UniqueConstraint("review_id", "number"),
        Index("ix_recommendation_review_sort", "review_id", "sort_key"),
        # The queue's filter by published response, in reading order (migration 0009).
        Index("ix_recommendation_response_order", "response", "review_id", "sort_key"),
        CheckConstraint(f"position IS NULL OR {_in('position', POSITIONS)}", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    # Paragraph numbers are text: "28.10" and "28.1" are different recommendations.
    number: Mapped[str | None] = mapped_column(String(20))
    # Zero-padded form of the number so that SQL orders 150.2 before 150.10.
    sort_key: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text)
    recommending_text: Mapped[str] = mapped_column(Text, default="")
    # The state's own wording ("accepted and already implemented") is kept as published;
    # the UN's normalised position (supported / noted) is derived from it.
    response: Mapped[str | None] = mapped_column(String(200))
    response_explanation: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(String(20), index=True)
    source_reference: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    review: Mapped[Review] = relationship(back_populates="recommendations")
    recommending: Mapped[list[RecommendationState]] = relationship(
        cascade="all, delete-orphan",
        order_by=RecommendationState.ordinal,
        passive_deletes=True,
    )
    source_tags: Mapped[list[SourceTag]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    response_history: Mapped[list[ResponseEntry]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ResponseEntry(Base):
    """One response a document published for a recommendation.

    A recommendation's entries are its response history: preliminary positions in the
    Working Group report, the state's addendum, a later update, or a secondary source
    restating them (matrix, database, table). ``Recommendation.response``,
    ``response_explanation`` and ``position`` hold the current one (see
    ``annotator.services.response_history``). One document gives a recommendation one
    entry (``document_key``), so importing it again changes nothing.
    """

    __tablename__ = "response_entry"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "document_kind", "document_key"),
        CheckConstraint(_in("document_kind", DOCUMENT_KINDS), name="document_kind"),
        CheckConstraint(f"position IS NULL OR {_in('position', POSITIONS)}", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    document_kind: Mapped[str] = mapped_column(String(20))
    # The document's symbol where known, else "<kind>:<file name>": what makes a
    # second import of the same document the same entry.
    document_key: Mapped[str] = mapped_column(String(300))
    document_symbol: Mapped[str | None] = mapped_column(String(60))
    document_date: Mapped[date | None] = mapped_column(Date)
    wording: Mapped[str | None] = mapped_column(Text)  # as the document wrote it
    category: Mapped[str | None] = mapped_column(String(30))
    position: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(String(300))
    line: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    source_format: Mapped[str | None] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SourceTag(Base):
    """A tag a source gave a recommendation (matrix theme, SDG, UPR Info issue...).

    Kept apart from the project's codebook: sources are evidence, coding is ours.
    """

    __tablename__ = "source_tag"
    __table_args__ = (Index("ix_source_tag_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)


class Codebook(Base):
    __tablename__ = "codebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fields: Mapped[list[CodebookField]] = relationship(
        back_populates="codebook",
        cascade="all, delete-orphan",
        order_by="CodebookField.position",
        passive_deletes=True,
    )
    revisions: Mapped[list[CodebookRevision]] = relationship(
        cascade="all, delete-orphan", order_by="CodebookRevision.version", passive_deletes=True
    )


class CodebookRevision(Base):
    """The YAML of every saved version, so any annotation's codebook can be shown again."""

    __tablename__ = "codebook_revision"
    __table_args__ = (UniqueConstraint("codebook_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    document: Mapped[str] = mapped_column(Text)


class CodebookField(Base):
    __tablename__ = "codebook_field"
    __table_args__ = (
        UniqueConstraint("codebook_id", "key"),
        CheckConstraint(_in("kind", FIELD_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    codebook: Mapped[Codebook] = relationship(back_populates="fields")
    codes: Mapped[list[Code]] = relationship(
        back_populates="field",
        cascade="all, delete-orphan",
        order_by="Code.position",
        passive_deletes=True,
    )


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("field_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    field_id: Mapped[int] = mapped_column(ForeignKey("codebook_field.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="SET NULL"))
    shortcut: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(9))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # ';'-joined: a handful of words per code, only ever read whole.
    keywords: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    field: Mapped[CodebookField] = relationship(back_populates="codes")
    parent: Mapped[Code | None] = relationship(remote_side="Code.id")


class Coder(Base):
    __tablename__ = "coder"
    __table_args__ = (CheckConstraint(_in("role", CODER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="coder")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a coordinator retires the coder: their work stays, they code no more.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Annotation(Base):
    """What one coder said about one recommendation for one field.

    Choice fields store one row per selected code (``code_id``); boolean and text
    fields store ``value`` with no code.
    """

    __tablename__ = "annotation"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "coder_id", "field_id", "code_id"),
        Index("ix_annotation_coder_recommendation", "coder_id", "recommendation_id"),
        Index("ix_annotation_field_code", "field_id", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE")
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("codebook_field.id"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"))
    value: Mapped[str | None] = mapped_column(Text)
    codebook_version: Mapped[int] = mapped_column(Integer)
    # Ticked by accepting a theme suggestion (its key), not by hand.
    accepted_suggestion: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodingStatus(Base):
    """Where one coder stands with one recommendation; no row means not started."""

    __tablename__ = "coding_status"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        Index("ix_coding_status_coder_status", "coder_id", "status"),
    )

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    flag_reason: Mapped[str | None] = mapped_column(Text)
    seconds_spent: Mapped[float] = mapped_column(Float, default=0.0)
    # The coder had theme suggestions on screen here: reliability can leave the unit out.
    suggestions_shown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assignment(Base):
    """A recommendation a coordinator gave one coder to code.

    A coder with no assignment at all sees every recommendation; once they have one,
    their queue holds only what is assigned to them.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        # The primary key leads with the recommendation (overlap counts, cascades); the
        # coder's queue asks the other way round.
        Index("ix_assignment_coder_recommendation", "coder_id", "recommendation_id"),
    )

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id"), primary_key=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))


class Consensus(Base):
    """The adjudicated final value of one field for one recommendation."""

    __tablename__ = "consensus"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "field_id", "code_id"),
        Index("ix_consensus_recommendation_field", "recommendation_id", "field_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE")
    )
    field_id: Mapped[int] = mapped_column(ForeignKey("codebook_field.id"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"))
    value: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("coder.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """One change to annotations, statuses, consensus or the codebook: who, when, what.

    ``before`` and ``after`` hold JSON so nothing a coder entered is ever lost, even
    after the row it described is gone (hence no foreign keys to the subject).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_uuid: Mapped[UUID | None] = mapped_column(Uuid)
    recommendation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class MergeLog(Base):
    """One merge of a coder's package into this project: which file, whose work, what changed.

    The package's SHA-256 is what makes merging the same file twice a no-op; the counts
    are kept as JSON so that the log can say what a merge did without re-reading it.
    """

    __tablename__ = "merge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    # Kept apart from coder_id so the log still says whose work it was if the coder goes.
    coder_uuid: Mapped[UUID] = mapped_column(Uuid)
    coder_name: Mapped[str] = mapped_column(String(120))
    package_name: Mapped[str] = mapped_column(String(255))
    package_sha256: Mapped[str] = mapped_column(String(64), index=True)
    package_uuid: Mapped[UUID] = mapped_column(Uuid)
    package_made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counts: Mapped[str] = mapped_column(Text)


class ServerLogin(Base):
    """A PostgreSQL login of a team server and the coder it codes as.

    Row-level security on the server reads this table (``current_user``) to decide
    whose work a session may see and change; a SQLite file keeps it empty.
    """

    __tablename__ = "server_login"

    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
