"""The recommendations to export, read from the database a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.services import response_history
from annotator.services.exporting.options import CHUNK, LIST_SEPARATOR, POSITIONS
from annotator.store.models import (
    Recommendation,
    RecommendationState,
    Review,
    State,
)


@dataclass(frozen=True)
class BaseRow:
    """What the first columns say about one recommendation, read once per chunk."""

    id: int
    state: str
    cycle: int
    year: int | None
    symbol: str | None
    number: str
    text: str
    recommending: str
    groups: str
    response: str | None
    category: str
    position: str | None
    response_from: str | None = None

    def cells(self) -> list[Any]:
        return [
            self.id,
            self.state,
            self.cycle,
            self.year,
            self.symbol,
            self.number,
            self.text,
            self.recommending,
            self.groups,
            self.response,
            self.category,
            self.position,
            self.response_from,
        ]


class Reader:
    """Streams a project's recommendations, in reading order, a chunk at a time."""

    def __init__(self, session: Session, review_ids: Sequence[int] | None) -> None:
        self.session = session
        query = select(Recommendation.id).order_by(
            Recommendation.review_id, Recommendation.sort_key, Recommendation.id
        )
        if review_ids is not None:
            query = query.where(Recommendation.review_id.in_(list(review_ids)))
        self.ids: list[int] = list(session.connection().execute(query).scalars())
        self.reviews = {
            rid: (name, cycle, year, symbol)
            for rid, name, cycle, year, symbol in session.execute(
                select(Review.id, State.name, Review.cycle, Review.year, Review.report_symbol).join(
                    State, State.id == Review.state_id
                )
            )
        }
        self._categories: dict[str | None, str] = {}

    def chunks(self) -> Iterator[list[BaseRow]]:
        for start in range(0, len(self.ids), CHUNK):
            chunk = self.ids[start : start + CHUNK]
            rows: dict[int, list[Any]] = {
                rid: rest
                for rid, *rest in self.session.execute(
                    select(
                        Recommendation.id,
                        Recommendation.review_id,
                        Recommendation.number,
                        Recommendation.text,
                        Recommendation.response,
                        Recommendation.position,
                    ).where(Recommendation.id.in_(chunk))
                )
            }
            names: dict[int, list[str]] = {}
            groups: dict[int, list[str]] = {}
            for rid, name, group in self.session.execute(
                select(RecommendationState.recommendation_id, State.name, State.regional_group)
                .join(State, State.id == RecommendationState.state_id)
                .where(RecommendationState.recommendation_id.in_(chunk))
                .order_by(RecommendationState.recommendation_id, RecommendationState.ordinal)
            ):
                names.setdefault(rid, []).append(name)
                if group:
                    own = groups.setdefault(rid, [])
                    if group not in own:
                        own.append(group)
            sources = response_history.current_sources(self.session, chunk)
            result = []
            for rid in chunk:
                review_id, number, text, response, position = rows[rid]
                came = sources.get(rid)
                state, cycle, year, symbol = self.reviews[review_id]
                category = self._categories.get(response)
                if category is None:
                    category = analysis.CATEGORY_LABELS[analysis.response_category(response)]
                    self._categories[response] = category
                result.append(
                    BaseRow(
                        rid,
                        state,
                        cycle,
                        year,
                        symbol,
                        number or "",
                        text,
                        LIST_SEPARATOR.join(names.get(rid, ())),
                        LIST_SEPARATOR.join(groups.get(rid, ())),
                        response,
                        category,
                        POSITIONS.get(position or ""),
                        response_history.source_label(*came) if came and response else None,
                    )
                )
            yield result
