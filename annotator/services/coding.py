"""Coding one recommendation: what a coder said, saved the moment they say it.

Every call here is one committed transaction, so the screen can say "Saved" only
after the change is on disk. Each change of an annotation or a status records an
audit event with the value before and after, so nothing a coder entered is lost
even when they change their mind (and undo can put back exactly what was there).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.limits import MAX_CODER_TEXT
from annotator.services import assignments, completeness, permissions, queue
from annotator.services.codebook import active_codebook_row, codebook_from_row
from annotator.services.recommendations import RecommendationDetail, recommendation_detail
from annotator.store.models import (
    Annotation,
    AuditEvent,
    Code,
    Codebook,
    CodebookField,
    Coder,
    CodingStatus,
)
from annotator.store.project import Project
from annotator.store.queries import rows_changed
from annotator.vocabulary import CHOICE_KINDS

T = TypeVar("T")

# -- what the form is made of -------------------------------------------------------------

# The form's fields and codes are the codebook model itself, read from the project with
# their ids (``annotator.codebook.Field`` and ``Code``; a code's ``parent_id`` is set).
FieldSpec = cbk.Field
CodeSpec = cbk.Code


@dataclass(frozen=True)
class FormSpec:
    """The active codebook as the coding form shows it: its fields, in order, with ids."""

    codebook_name: str
    version: int
    fields: tuple[FieldSpec, ...]

    def field_by_key(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)

    def code(self, code_id: int) -> tuple[FieldSpec, CodeSpec]:
        for spec in self.fields:
            for code in spec.codes:
                if code.id == code_id:
                    return spec, code
        raise KeyError(code_id)


def form_spec(session: Session) -> FormSpec:
    """The active codebook as the coding form needs it (ids included)."""
    row = active_codebook_row(session)
    if row is None:
        return FormSpec("no codebook", 0, ())
    book = codebook_from_row(row)
    return FormSpec(book.name, book.version, tuple(book.fields))


# -- what a coder said --------------------------------------------------------------------


@dataclass(frozen=True)
class FieldValue:
    """One coder's value for one field: codes for choice fields, text for the others."""

    codes: frozenset[int] = frozenset()
    text: str | None = None

    @property
    def empty(self) -> bool:
        return not self.codes and not self.text


EMPTY = FieldValue()


def load_values(session: Session, recommendation_id: int, coder_id: int) -> dict[int, FieldValue]:
    """Field id -> this coder's value on this recommendation (absent fields are empty)."""
    codes: dict[int, set[int]] = {}
    texts: dict[int, str] = {}
    for field_id, code_id, value in session.execute(
        select(Annotation.field_id, Annotation.code_id, Annotation.value).where(
            Annotation.recommendation_id == recommendation_id, Annotation.coder_id == coder_id
        )
    ):
        if code_id is not None:
            codes.setdefault(field_id, set()).add(code_id)
        elif value is not None:
            texts[field_id] = value
    return {
        fid: FieldValue(frozenset(codes.get(fid, ())), texts.get(fid))
        for fid in set(codes) | set(texts)
    }


def check_text_length(what: str, text: str | None) -> None:
    """ValueError when a coder's text is over the one limit every path applies (the
    merge refuses longer texts, so none may be saved)."""
    if text is not None and len(text) > MAX_CODER_TEXT:
        raise ValueError(
            f"{what} can be at most {MAX_CODER_TEXT:,} characters long; this one has "
            f"{len(text):,}. Shorten it and save again."
        )


def save_value(
    session: Session,
    recommendation_id: int,
    coder_id: int,
    field_id: int,
    new: FieldValue,
) -> FieldValue:
    """Make ``new`` this coder's value of the field; returns the value it replaced.

    Rows that stay are left alone (their uuid and created time travel in merges).
    """
    permissions.require(session, coder_id, permissions.CODE)
    check_text_length("A note", new.text)
    check_value(session, field_id, new)
    before = load_values(session, recommendation_id, coder_id).get(field_id, EMPTY)
    if before == new:
        return before
    version = _codebook_version(session)
    now = datetime.now(UTC)
    mine = (
        Annotation.recommendation_id == recommendation_id,
        Annotation.coder_id == coder_id,
        Annotation.field_id == field_id,
    )
    gone = before.codes - new.codes
    if gone:
        session.execute(delete(Annotation).where(*mine, Annotation.code_id.in_(gone)))
    for code_id in sorted(new.codes - before.codes):
        session.add(
            Annotation(
                recommendation_id=recommendation_id,
                coder_id=coder_id,
                field_id=field_id,
                code_id=code_id,
                codebook_version=version,
                created_at=now,
                updated_at=now,
            )
        )
    if new.text != before.text:
        if new.text:
            changed = rows_changed(
                session.execute(
                    update(Annotation)
                    .where(*mine, Annotation.code_id.is_(None))
                    .values(value=new.text, codebook_version=version, updated_at=now)
                )
            )
            if not changed:
                session.add(
                    Annotation(
                        recommendation_id=recommendation_id,
                        coder_id=coder_id,
                        field_id=field_id,
                        value=new.text,
                        codebook_version=version,
                        created_at=now,
                        updated_at=now,
                    )
                )
        else:
            session.execute(delete(Annotation).where(*mine, Annotation.code_id.is_(None)))
    start_status(session, recommendation_id, coder_id, now)
    session.add(
        AuditEvent(
            at=now,
            coder_id=coder_id,
            action="annotate",
            entity="annotation",
            recommendation_id=recommendation_id,
            before=_value_json(session, field_id, before),
            after=_value_json(session, field_id, new),
        )
    )
    session.flush()
    return before


class InvalidValue(ValueError):
    """A value the codebook does not allow (nothing was saved)."""


def _value_problem(
    field: tuple[str, str] | None, own_codes: set[int], value: FieldValue
) -> str | None:
    if field is None:
        return "This field is not in the codebook any more; nothing was saved."
    label, kind = field
    if not value.codes:
        return None
    if kind not in CHOICE_KINDS:
        return f"{label} takes text, not codes; nothing was saved."
    stray = value.codes - own_codes
    if stray:
        return f"{len(stray)} of these codes are not codes of {label}; nothing was saved."
    if kind in ("single", "ordinal") and len(value.codes) > 1:
        return f"{label} takes one code only; nothing was saved."
    return None


def value_problem(spec: FormSpec, field_id: int, value: FieldValue) -> str | None:
    """Why the codebook does not allow ``value`` in the field (None: it does): the field
    is in the codebook, its codes are the field's own (an ordinal value is one of its
    levels), and a single-choice or ordinal field holds at most one code."""
    found = next((f for f in spec.fields if f.id == field_id), None)
    if found is None:
        return _value_problem(None, set(), value)
    return _value_problem((found.label, found.kind), {c.stored_id for c in found.codes}, value)


def check_value(session: Session, field_id: int, value: FieldValue) -> None:
    """InvalidValue unless ``value`` fits the field (``value_problem``'s rules, read from
    the database: two small queries, not the whole codebook, as this runs per keystroke)."""
    row = session.execute(
        select(CodebookField.label, CodebookField.kind).where(CodebookField.id == field_id)
    ).first()
    own: set[int] = set()
    if row is not None and value.codes:
        own = set(
            session.scalars(
                select(Code.id).where(Code.field_id == field_id, Code.id.in_(value.codes))
            )
        )
    problem = _value_problem(None if row is None else (row[0], row[1]), own, value)
    if problem is not None:
        raise InvalidValue(problem)


def _codebook_version(session: Session) -> int:
    # One column, not the codebook with its fields and codes: this runs on every keystroke.
    version = session.scalar(select(Codebook.version).where(Codebook.active))
    return version or 0


def _value_json(session: Session, field_id: int, value: FieldValue) -> str:
    keys = (
        sorted(session.scalars(select(Code.key).where(Code.id.in_(value.codes))))
        if value.codes
        else []
    )
    return json.dumps({"field_id": field_id, "codes": keys, "text": value.text})


# -- statuses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    status: str = "not_started"
    reason: str | None = None
    seconds: float = 0.0


def load_status(session: Session, recommendation_id: int, coder_id: int) -> Status:
    row = session.get(CodingStatus, (recommendation_id, coder_id))
    if row is None:
        return Status()
    return Status(row.status, row.flag_reason, row.seconds_spent)


def start_status(session: Session, recommendation_id: int, coder_id: int, now: datetime) -> None:
    row = session.get(CodingStatus, (recommendation_id, coder_id))
    if row is None:
        session.add(
            CodingStatus(
                recommendation_id=recommendation_id,
                coder_id=coder_id,
                status="in_progress",
                updated_at=now,
            )
        )
    elif row.status == "not_started":
        row.status = "in_progress"


def mark_accepted(
    session: Session,
    recommendation_id: int,
    coder_id: int,
    field_id: int,
    code_ids: frozenset[int],
) -> None:
    """These codes' annotations came from accepting a suggestion, not from ticking."""
    if not code_ids:
        return
    session.execute(
        update(Annotation)
        .where(
            Annotation.recommendation_id == recommendation_id,
            Annotation.coder_id == coder_id,
            Annotation.field_id == field_id,
            Annotation.code_id.in_(code_ids),
        )
        .values(accepted_suggestion=True)
    )


def save_status(
    session: Session,
    recommendation_id: int,
    coder_id: int,
    status: str,
    *,
    reason: str | None = None,
) -> Status:
    """Set this coder's status of the recommendation; returns the one it replaced."""
    permissions.require(session, coder_id, permissions.CODE)
    if status == "flagged" and not (reason or "").strip():
        raise ValueError("A flag needs a reason, so the coordinator knows what to look at.")
    check_text_length("A flag's reason", reason)
    row = session.get(CodingStatus, (recommendation_id, coder_id))
    before = Status() if row is None else Status(row.status, row.flag_reason, row.seconds_spent)
    reason = reason.strip() if status == "flagged" and reason else None
    if before.status == status and before.reason == reason:
        return before
    now = datetime.now(UTC)
    if row is None:
        row = CodingStatus(recommendation_id=recommendation_id, coder_id=coder_id)
        session.add(row)
    row.status, row.flag_reason, row.updated_at = status, reason, now
    session.add(
        AuditEvent(
            at=now,
            coder_id=coder_id,
            action="status",
            entity="coding_status",
            recommendation_id=recommendation_id,
            before=json.dumps({"status": before.status, "reason": before.reason}),
            after=json.dumps({"status": status, "reason": reason}),
        )
    )
    session.flush()
    return before


def add_time(session: Session, recommendation_id: int, coder_id: int, seconds: float) -> None:
    """Time spent reading and coding, added to a status the coder already has."""
    if seconds <= 0:
        return
    session.execute(
        update(CodingStatus)
        .where(
            CodingStatus.recommendation_id == recommendation_id,
            CodingStatus.coder_id == coder_id,
        )
        .values(seconds_spent=CodingStatus.seconds_spent + seconds)
    )


def others_values(
    session: Session, recommendation_id: int, coder_id: int
) -> dict[str, dict[int, FieldValue]]:
    """Every other coder's values on this recommendation, by coder name: for adjudicators
    and coordinators only (coders work blind, whoever asks for them)."""
    permissions.require(session, coder_id, permissions.SEE_OTHERS)
    names = {cid: name for cid, name in session.execute(select(Coder.id, Coder.name))}
    coder_ids = session.scalars(
        select(Annotation.coder_id)
        .where(Annotation.recommendation_id == recommendation_id, Annotation.coder_id != coder_id)
        .distinct()
    ).all()
    return {
        names[other]: load_values(session, recommendation_id, other)
        for other in sorted(coder_ids, key=lambda c: names[c])
    }


# -- the service the screen talks to -------------------------------------------------------


class CodingService:
    """One coder's coding on one project, each call its own committed transaction
    (``coding_session.CodingSession`` adds the never-lose queue and blind reading)."""

    def __init__(
        self,
        project: Project,
        coder_id: int,
        *,
        busy_timeout_ms: int | None = None,
        attempts: int | None = None,
    ) -> None:
        """``busy_timeout_ms`` and ``attempts``: how long one save waits for another
        program's lock (default: the engine's timeout, three times). The window asks
        for a short wait and keeps a change that found the project busy pending."""
        self.project = project
        self.coder_id = coder_id
        self.busy_timeout_ms = busy_timeout_ms
        self.attempts = attempts

    def _write(self, work: Callable[[Session], T]) -> T:
        extra: dict[str, int] = {}
        if self.attempts is not None:
            extra["attempts"] = self.attempts
        return self.project.write_retrying(
            work,
            busy="Another program kept the project busy, so this change is not saved yet. "
            "It is kept on screen and will be saved when you try again.",
            busy_timeout_ms=self.busy_timeout_ms,
            **extra,
        )

    def form(self) -> FormSpec:
        with self.project.session() as session:
            return form_spec(session)

    def values(self, recommendation_id: int) -> dict[int, FieldValue]:
        with self.project.session() as session:
            return load_values(session, recommendation_id, self.coder_id)

    def status(self, recommendation_id: int) -> Status:
        with self.project.session() as session:
            return load_status(session, recommendation_id, self.coder_id)

    def detail(self, recommendation_id: int) -> RecommendationDetail:
        with self.project.session() as session:
            return recommendation_detail(session, recommendation_id)

    def others(self, recommendation_id: int) -> dict[str, dict[int, FieldValue]]:
        with self.project.session() as session:
            return others_values(session, recommendation_id, self.coder_id)

    def save(
        self,
        recommendation_id: int,
        field_id: int,
        value: FieldValue,
        accepted: frozenset[int] = frozenset(),
    ) -> FieldValue:
        """``accepted``: codes ticked by accepting a theme suggestion; those new in
        ``value`` are marked so, in the same transaction."""

        def work(session: Session) -> FieldValue:
            before = save_value(session, recommendation_id, self.coder_id, field_id, value)
            mark_accepted(
                session, recommendation_id, self.coder_id, field_id, accepted - before.codes
            )
            return before

        return self._write(work)

    def set_status(
        self, recommendation_id: int, status: str, *, reason: str | None = None
    ) -> Status:
        """IncompleteDone for "done" with required fields empty, unless the project allows
        it: checked in the save's own transaction, so no front end can skip the rule."""

        def work(session: Session) -> Status:
            if status == "done":
                missing = completeness.missing_required(
                    form_spec(session), load_values(session, recommendation_id, self.coder_id)
                )
                if missing and not completeness.allows_incomplete_done_in(session):
                    raise completeness.IncompleteDone(missing)
            return save_status(session, recommendation_id, self.coder_id, status, reason=reason)

        return self._write(work)

    def add_time(self, recommendation_id: int, seconds: float) -> None:
        self._write(lambda s: add_time(s, recommendation_id, self.coder_id, seconds))

    def assignment(self) -> frozenset[int] | None:
        """The recommendations assigned to this coder; None: no assignment, all of them."""
        with self.project.session() as session:
            found = assignments.assigned_ids(session, self.coder_id)
        return None if found is None else frozenset(found)

    def filter_progress(self, flt: queue.QueueFilter) -> queue.Progress:
        with self.project.session() as session:
            return queue.filter_progress(session, flt, self.coder_id)

    def progress(self, ids: Sequence[int] | None = None) -> queue.Progress:
        with self.project.session() as session:
            return queue.progress(session, self.coder_id, ids)

    def first_not_done(self, ids: Sequence[int]) -> int | None:
        """The first of ``ids`` (in their order) this coder has not marked done or skipped."""
        with self.project.session() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                finished = set(
                    session.scalars(
                        select(CodingStatus.recommendation_id).where(
                            CodingStatus.coder_id == self.coder_id,
                            CodingStatus.recommendation_id.in_(chunk),
                            CodingStatus.status.in_(("done", "skipped")),
                        )
                    )
                )
                for rid in chunk:
                    if rid not in finished:
                        return rid
        return None
