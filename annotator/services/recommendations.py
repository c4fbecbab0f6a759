"""A recommendation as the services show it: its review's label, its place in reading
order, read for many recommendations at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.store.models import Recommendation, Review, State
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
