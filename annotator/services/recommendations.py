"""A recommendation as the services show it: its review's label, its place in reading
order, read for many recommendations at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services import response_history
from annotator.store.models import Recommendation, RecommendationState, Review, SourceTag, State
from annotator.store.queries import in_chunks


def review_label(state: str, cycle: int, year: int | None) -> str:
    """ "China 2018 (cycle 3)", or "China, cycle 3" when the year is unknown."""
    return f"{state} {year} (cycle {cycle})" if year else f"{state}, cycle {cycle}"


@dataclass(frozen=True)
class RecommendationRow:
    id: int
    number: str | None
    sort_key: str
    text: str | None  # None when read without texts
    review_id: int
    state: str  # the state under review
    cycle: int

    @property
    def reading_order(self) -> tuple[str, int, int, str]:
        """By state, cycle and review, then number (28.2 before 28.10)."""
        return (self.state, self.cycle, self.review_id, self.sort_key)

    @property
    def review(self) -> str:
        return f"{self.state}, cycle {self.cycle}"

    @property
    def place(self) -> str:
        """ "China, cycle 3, 28.2": where a coordinator finds it."""
        return f"{self.review}, {self.number or 'unnumbered'}"


def recommendation_rows(
    session: Session, ids: Iterable[int], *, with_text: bool = True
) -> dict[int, RecommendationRow]:
    """The recommendations of these ids (unknown ids are left out), read in chunks."""
    text = Recommendation.text if with_text else None
    # Typed loosely: the columns differ in type, and the row unpacks them by position.
    columns: list[Any] = [
        Recommendation.id,
        Recommendation.number,
        Recommendation.sort_key,
        Recommendation.review_id,
        State.name,
        Review.cycle,
    ]
    found: dict[int, RecommendationRow] = {}
    for chunk in in_chunks(sorted(set(ids))):
        query = (
            select(*columns, *([text] if text is not None else []))
            .join(Review, Recommendation.review_id == Review.id)
            .join(State, Review.state_id == State.id)
            .where(Recommendation.id.in_(chunk))
        )
        for rid, number, sort_key, review_id, state, cycle, *rest in session.execute(query):
            found[rid] = RecommendationRow(
                rid, number, sort_key, rest[0] if rest else None, review_id, state, cycle
            )
    return found


# -- what the reading pane shows ------------------------------------------------------------


@dataclass(frozen=True)
class RecommendingState:
    name: str
    regional_group: str | None


@dataclass(frozen=True)
class RecommendationDetail:
    id: int
    number: str
    text: str
    state_under_review: str
    cycle: int
    year: int | None
    session: int | None
    report_symbol: str | None
    responses_symbol: str | None
    recommending: tuple[RecommendingState, ...]
    recommending_text: str
    response: str | None
    position: str | None
    response_explanation: str | None
    source_reference: str | None
    source_url: str | None
    source_tags: tuple[tuple[str, str, str], ...] = field(default=())
    # Every response a document gave, oldest first; the last is the current one.
    history: tuple[response_history.HistoryItem, ...] = field(default=())


def recommendation_detail(session: Session, recommendation_id: int) -> RecommendationDetail:
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise LookupError(f"recommendation {recommendation_id} is not in the project")
    review = session.get_one(Review, rec.review_id)
    state = session.get_one(State, review.state_id)
    recommending = tuple(
        RecommendingState(name, group)
        for name, group in session.execute(
            select(State.name, State.regional_group)
            .join(RecommendationState, RecommendationState.state_id == State.id)
            .where(RecommendationState.recommendation_id == recommendation_id)
            .order_by(RecommendationState.ordinal)
        )
    )
    tags = tuple(
        session.execute(
            select(SourceTag.source, SourceTag.kind, SourceTag.value)
            .where(SourceTag.recommendation_id == recommendation_id)
            .order_by(SourceTag.id)
        )
    )
    return RecommendationDetail(
        id=rec.id,
        number=rec.number or "",
        text=rec.text,
        state_under_review=state.name,
        cycle=review.cycle,
        year=review.year,
        session=review.session,
        report_symbol=review.report_symbol,
        responses_symbol=review.responses_symbol,
        recommending=recommending,
        recommending_text=rec.recommending_text,
        response=rec.response,
        position=rec.position,
        response_explanation=rec.response_explanation,
        source_reference=rec.source_reference,
        source_url=rec.source_url,
        source_tags=tags,
        history=tuple(response_history.history(session, recommendation_id)),
    )


def document_url(detail: RecommendationDetail) -> str | None:
    """Where a coder can read the source: the file's own link, else the UN document."""
    if detail.source_url:
        return detail.source_url
    symbol = detail.responses_symbol or detail.report_symbol
    if symbol:
        # undocs.org resolves any UN document symbol to the official PDF.
        return f"https://undocs.org/{symbol}"
    return None
