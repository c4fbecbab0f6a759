"""The recommendations list: ordered ids for a whole project, rows fetched on demand.

The GUI's table holds only the ordered ids and asks for the rows it is about to show,
so a project of 200,000 recommendations opens as fast as one of 300.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from annotator.recnumbers import sort_key
from annotator.store import fts
from annotator.store.models import (
    Annotation,
    CodingStatus,
    Recommendation,
    RecommendationState,
    Review,
    State,
)
from annotator.store.project import Project
from annotator.vocabulary import STATUS_LABELS

# A recommendation's number as people quote it: "115.23", "CHN 115.23", "china 115.23".
_NUMBER = re.compile(r"^\s*(?:([A-Za-z][A-Za-z .'-]*?)\s+)?(\d+(?:\.\d+)+)\s*$")


@dataclass(frozen=True)
class QueueRow:
    id: int
    number: str
    review: str
    recommending: str
    response: str
    position: str
    status: str
    text: str


def fetch_rows(session: Session, ids: Sequence[int], coder_id: int | None) -> dict[int, QueueRow]:
    if not ids:
        return {}
    status_join = and_(
        CodingStatus.recommendation_id == Recommendation.id, CodingStatus.coder_id == coder_id
    )
    rows = session.execute(
        select(
            Recommendation.id,
            Recommendation.number,
            State.name,
            Review.cycle,
            Review.year,
            Recommendation.response,
            Recommendation.position,
            CodingStatus.status,
            Recommendation.text,
        )
        .join(Review, Recommendation.review_id == Review.id)
        .join(State, Review.state_id == State.id)
        .outerjoin(CodingStatus, status_join)
        .where(Recommendation.id.in_(ids))
    ).all()
    recommending: dict[int, list[str]] = {}
    for rid, name in session.execute(
        select(RecommendationState.recommendation_id, State.name)
        .join(State, RecommendationState.state_id == State.id)
        .where(RecommendationState.recommendation_id.in_(ids))
        .order_by(RecommendationState.recommendation_id, RecommendationState.ordinal)
    ):
        recommending.setdefault(rid, []).append(name)
    return {
        rid: QueueRow(
            id=rid,
            number=number or "",
            review=f"{state} {year}" if year else f"{state}, cycle {cycle}",
            recommending=", ".join(recommending.get(rid, [])),
            response=response or "",
            position=position or "",
            status=STATUS_LABELS.get(status, status or ""),
            text=text,
        )
        for rid, number, state, cycle, year, response, position, status, text in rows
    }


# -- filters and order, all in SQL ---------------------------------------------------------
# A proxy model sorting 100,000 rows in Python takes about 50 s; SQLite does it on an
# index in a fraction of a second, so the queue asks the database for ordered ids.

SORTS = ("number", "recommending", "response", "status", "text")


@dataclass
class QueueFilter:
    """What the coder asked the queue to show. Empty fields filter nothing."""

    statuses: frozenset[str] = frozenset()  # this coder's statuses; "not_started" included
    positions: frozenset[str] = frozenset()  # normalised: supported / noted
    response: str | None = None  # the state's own wording, as published
    code_id: int | None = None  # a theme (any code) ...
    code_by_anyone: bool = False  # ... coded by this coder, or by anyone
    state_id: int | None = None  # a recommending state
    regional_group: str | None = None  # of a recommending state
    cycle: int | None = None
    review_id: int | None = None
    search: str = ""  # words of the recommendation text (full-text search)
    only_ids: frozenset[int] | None = None  # e.g. the coder's assignment; None: all
    sort: str = "number"
    descending: bool = False

    @property
    def active(self) -> bool:
        return bool(
            self.statuses
            or self.positions
            or self.response
            or self.code_id
            or self.state_id
            or self.regional_group
            or self.cycle
            or self.review_id
            or self.search.strip()
        )


def _status_column(coder_id: int | None) -> ColumnElement[str]:
    return func.coalesce(
        select(CodingStatus.status)
        .where(
            CodingStatus.recommendation_id == Recommendation.id,
            CodingStatus.coder_id == coder_id,
        )
        .correlate(Recommendation)
        .scalar_subquery(),
        "not_started",
    )


def filtered_select(session: Session, flt: QueueFilter, coder_id: int | None) -> Select | None:
    """The ids the filter keeps, in its order; None when a search matches nothing."""
    query = select(Recommendation.id)
    status = _status_column(coder_id)
    if flt.statuses:
        query = query.where(status.in_(flt.statuses))
    if flt.positions:
        query = query.where(Recommendation.position.in_(flt.positions))
    if flt.response:
        # As stored (the filter offers the stored wordings), so no function hides the column.
        query = query.where(Recommendation.response == flt.response)
    if flt.cycle or flt.review_id:
        query = query.join(Review, Review.id == Recommendation.review_id)
        if flt.cycle:
            query = query.where(Review.cycle == flt.cycle)
        if flt.review_id:
            query = query.where(Review.id == flt.review_id)
    if flt.state_id or flt.regional_group:
        by_state = select(RecommendationState.recommendation_id).join(
            State, State.id == RecommendationState.state_id
        )
        if flt.state_id:
            by_state = by_state.where(RecommendationState.state_id == flt.state_id)
        if flt.regional_group:
            by_state = by_state.where(State.regional_group == flt.regional_group)
        query = query.where(Recommendation.id.in_(by_state))
    if flt.code_id:
        coded = select(Annotation.recommendation_id).where(Annotation.code_id == flt.code_id)
        if not flt.code_by_anyone:
            coded = coded.where(Annotation.coder_id == coder_id)
        query = query.where(Recommendation.id.in_(coded))
    if flt.only_ids is not None:
        query = query.where(Recommendation.id.in_(sorted(flt.only_ids)))
    if flt.search.strip():
        clause = fts.matching(
            session.connection(), Recommendation.id, Recommendation.text, flt.search
        )
        by_number = _number_clause(flt.search)
        if clause is None and by_number is None:
            return None
        query = query.where(or_(*(c for c in (clause, by_number) if c is not None)))
    return query.order_by(*_order(flt, status))


def _number_clause(search: str) -> ColumnElement[bool] | None:
    """Recommendations whose number is the one typed, of the named state under review
    (its ISO code or the start of its name) when one is named; None when no number."""
    found = _NUMBER.match(search)
    if found is None:
        return None
    state, number = found.group(1), found.group(2)
    clause = Recommendation.sort_key == sort_key(number)
    if state:
        named = state.strip().lower()
        reviews = select(Review.id).join(State, State.id == Review.state_id)
        reviews = reviews.where(
            or_(func.lower(State.iso3) == named, func.lower(State.name).like(f"{named}%"))
        )
        clause = and_(clause, Recommendation.review_id.in_(reviews))
    return clause


def _order(flt: QueueFilter, status: ColumnElement[str]) -> list[Any]:
    reading: list[Any] = [Recommendation.review_id, Recommendation.sort_key, Recommendation.id]
    first: Any = {
        "number": None,
        "recommending": func.lower(Recommendation.recommending_text),
        "response": func.lower(func.coalesce(Recommendation.response, "")),
        "status": status,
        "text": func.lower(Recommendation.text),
    }.get(flt.sort)
    if first is None:  # by number: reading order, or its reverse
        return [c.desc() for c in reading] if flt.descending else reading
    return [first.desc() if flt.descending else first, *reading]


def filtered_ids(session: Session, flt: QueueFilter, coder_id: int | None) -> list[int]:
    query = filtered_select(session, flt, coder_id)
    if query is None:
        return []
    # The driver's rows as they come: ids are plain integers, so SQLAlchemy's per-row
    # result handling (about half the time at 100,000 ids) has nothing to add.
    result = session.connection().execute(query)
    try:
        return [row[0] for row in result.cursor.fetchall()]
    finally:
        result.close()


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


def progress(session: Session, coder_id: int | None, ids: Sequence[int] | None = None) -> Progress:
    """How many of ``ids`` (None: of every recommendation) this coder marked done."""
    if ids is None:
        total = session.scalar(select(func.count(Recommendation.id))) or 0
        return Progress(_done_count(session, coder_id), total)
    done = 0
    for start in range(0, len(ids), 900):
        chunk = list(ids[start : start + 900])
        done += (
            session.scalar(
                select(func.count())
                .select_from(CodingStatus)
                .where(
                    CodingStatus.coder_id == coder_id,
                    CodingStatus.status == "done",
                    CodingStatus.recommendation_id.in_(chunk),
                )
            )
            or 0
        )
    return Progress(done, len(ids))


def filter_progress(session: Session, flt: QueueFilter, coder_id: int | None) -> Progress:
    """Done / total of what the filter keeps: one query, joined on the status's key."""
    if not flt.active and flt.only_ids is None:
        return progress(session, coder_id)  # two counts on indexes
    query = filtered_select(session, flt, coder_id)
    if query is None:
        return Progress(0, 0)
    query = query.order_by(None)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    mine = _done_count(session, coder_id)
    if not total or not mine:
        return Progress(0, total)
    # Done is counted from the smaller side: each of the coder's done statuses checked
    # against the filter, or each recommendation kept probed for its status.
    if mine < total:
        status = aliased(CodingStatus)
        kept = query.where(Recommendation.id == status.recommendation_id).correlate(status)
        done = session.scalar(
            select(func.count())
            .select_from(status)
            .where(status.coder_id == coder_id, status.status == "done", kept.exists())
        )
    else:  # a correlated probe, so the planner cannot start from the coder's statuses
        done_here = (
            select(CodingStatus.recommendation_id)
            .where(
                CodingStatus.recommendation_id == Recommendation.id,
                CodingStatus.coder_id == coder_id,
                CodingStatus.status == "done",
            )
            .correlate(Recommendation)
            .exists()
        )
        done = session.scalar(select(func.count()).select_from(query.where(done_here).subquery()))
    return Progress(done or 0, total)


def _done_count(session: Session, coder_id: int | None) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(CodingStatus)
            .where(CodingStatus.coder_id == coder_id, CodingStatus.status == "done")
        )
        or 0
    )


@dataclass(frozen=True)
class FilterChoices:
    """What the filter bar offers, read from the project."""

    responses: tuple[str, ...]
    states: tuple[tuple[int, str], ...]  # recommending states in use
    regional_groups: tuple[str, ...]
    cycles: tuple[int, ...]
    reviews: tuple[tuple[int, str], ...]


def filter_choices(session: Session) -> FilterChoices:
    responses = tuple(
        r
        for r in session.scalars(
            select(Recommendation.response).distinct().order_by(Recommendation.response)
        )
        if r
    )
    states_used = tuple(
        session.execute(
            select(State.id, State.name)
            .where(State.id.in_(select(RecommendationState.state_id).distinct()))
            .order_by(State.name)
        )
    )
    groups = tuple(
        g
        for g in session.scalars(
            select(State.regional_group)
            .where(State.id.in_(select(RecommendationState.state_id).distinct()))
            .distinct()
            .order_by(State.regional_group)
        )
        if g
    )
    cycles = tuple(session.scalars(select(Review.cycle).distinct().order_by(Review.cycle)))
    reviews = tuple(
        (rid, f"{name}, cycle {cycle}" + (f" ({year})" if year else ""))
        for rid, name, cycle, year in session.execute(
            select(Review.id, State.name, Review.cycle, Review.year)
            .join(State, State.id == Review.state_id)
            .order_by(State.name, Review.cycle)
        )
    )
    return FilterChoices(responses, states_used, groups, cycles, reviews)


# -- for front ends: the project in, plain results out, one read each ----------------------


def queue_ids(project: Project, flt: QueueFilter, coder_id: int | None) -> list[int]:
    """The ids the queue shows under ``flt``, in its order."""
    with project.session() as session:
        return filtered_ids(session, flt, coder_id)


def queue_rows(project: Project, ids: Sequence[int], coder_id: int | None) -> dict[int, QueueRow]:
    """The queue's rows of ``ids`` (a page), by id."""
    with project.session() as session:
        return fetch_rows(session, ids, coder_id)


def queue_choices(project: Project) -> FilterChoices:
    """What the filter boxes offer."""
    with project.session() as session:
        return filter_choices(session)
