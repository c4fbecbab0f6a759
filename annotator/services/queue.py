"""The recommendations list: ordered ids for a whole project, rows fetched on demand.

The GUI's table holds only the ordered ids and asks for the rows it is about to show,
so a project of 200,000 recommendations opens as fast as one of 300.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from annotator.store.models import (
    CodingStatus,
    Recommendation,
    RecommendationState,
    Review,
    State,
)

STATUS_LABELS = {
    None: "not started",
    "not_started": "not started",
    "in_progress": "in progress",
    "done": "done",
    "flagged": "flagged",
    "skipped": "skipped",
}


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


def ordered_ids(session: Session) -> list[int]:
    """Every recommendation, review by review, in reading order of its number."""
    return list(
        session.scalars(
            select(Recommendation.id).order_by(
                Recommendation.review_id, Recommendation.sort_key, Recommendation.id
            )
        )
    )


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
