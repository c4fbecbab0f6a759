"""Similar recommendations across reviews, and those a state answered differently.

The candidates of one set of reviews are vectorised once and kept in memory (keyed by
the reviews and their recommendation counts, so an import makes a fresh one): moving
from one recommendation to the next in the reading pane then costs one product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.analysis.similar import TfIdf, cosine
from annotator.responses import category
from annotator.store.models import Recommendation, Review, State
from annotator.store.project import Project

DEFAULT_THRESHOLD = 0.5  # cosine above which two recommendations are taken as the same one
SHOWN_MINIMUM = 0.2  # below this the reading pane shows nothing: no word of weight shared


@dataclass(frozen=True)
class SimilarRecommendation:
    id: int
    number: str | None
    text: str
    state: str
    cycle: int
    year: int | None
    response: str | None
    category: str | None
    score: float

    @property
    def review(self) -> str:
        when = f" ({self.year})" if self.year else ""
        return f"{self.state}, cycle {self.cycle}{when}"


@dataclass(frozen=True)
class ChangedPair:
    earlier: SimilarRecommendation
    later: SimilarRecommendation
    score: float

    def sentence(self) -> str:
        then = self.earlier.category or self.earlier.response or "no response"
        now = self.later.category or self.later.response or "no response"
        return (
            f"{then} in {self.earlier.year or f'cycle {self.earlier.cycle}'}, "
            f"{now} in {self.later.year or f'cycle {self.later.cycle}'}"
        )


@dataclass(frozen=True)
class ChangedReport:
    earlier: str
    later: str
    threshold: float
    compared: int  # recommendations of the later review with a close match
    pairs: list[ChangedPair]


@dataclass
class _Index:
    items: list[SimilarRecommendation]
    model: TfIdf


_CACHE: dict[tuple[tuple[int, int], ...], _Index] = {}


def _items(session: Session, review_ids: list[int]) -> list[SimilarRecommendation]:
    rows = session.execute(
        select(
            Recommendation.id,
            Recommendation.number,
            Recommendation.text,
            Recommendation.response,
            State.name,
            Review.cycle,
            Review.year,
        )
        .join(Review, Review.id == Recommendation.review_id)
        .join(State, State.id == Review.state_id)
        .where(Recommendation.review_id.in_(review_ids))
        .order_by(Review.cycle, Recommendation.sort_key, Recommendation.id)
    ).all()
    return [
        SimilarRecommendation(
            r.id, r.number, r.text, r.name, r.cycle, r.year, r.response, category(r.response), 0.0
        )
        for r in rows
    ]


def _index(session: Session, review_ids: list[int]) -> _Index:
    counts = dict(
        session.execute(
            select(Recommendation.review_id, func.count())
            .where(Recommendation.review_id.in_(review_ids))
            .group_by(Recommendation.review_id)
        ).all()
    )
    key = tuple(sorted((r, counts.get(r, 0)) for r in review_ids))
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= 16:  # stale sets after imports: drop them all, they rebuild fast
            _CACHE.clear()
        items = _items(session, review_ids)
        found = _CACHE[key] = _Index(items, TfIdf([i.text for i in items]))
    return found


def _scored(item: SimilarRecommendation, score: float) -> SimilarRecommendation:
    return SimilarRecommendation(**{**item.__dict__, "score": round(score, 3)})


def similar_recommendations(
    session: Session,
    recommendation_id: int,
    *,
    limit: int = 5,
    other_states: bool = False,
    minimum: float = SHOWN_MINIMUM,
) -> list[SimilarRecommendation]:
    """The most similar recommendations of the state's earlier reviews (and, with
    ``other_states``, of every other state's reviews), most similar first."""
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise ValueError(f"There is no recommendation {recommendation_id} in this project.")
    this = session.get(Review, rec.review_id)
    assert this is not None
    query = select(Review.id).where(Review.id != this.id)
    if not other_states:
        query = query.where(Review.state_id == this.state_id, Review.cycle < this.cycle)
    else:
        query = query.where(
            (Review.state_id != this.state_id)
            | ((Review.state_id == this.state_id) & (Review.cycle < this.cycle))
        )
    review_ids = list(session.scalars(query))
    if not review_ids:
        return []
    index = _index(session, review_ids)
    if not index.items:
        return []
    scores = cosine(index.model.transform([rec.text]), index.model.matrix)[0]
    best = np.argsort(-scores)[:limit]
    return [_scored(index.items[i], float(scores[i])) for i in best if scores[i] >= minimum]


def changed_responses(
    session: Session, earlier_id: int, later_id: int, *, threshold: float = DEFAULT_THRESHOLD
) -> ChangedReport:
    """The later review's recommendations whose closest match in the earlier review
    (similarity at least ``threshold``) got a response of another category."""
    if not 0 < threshold <= 1:
        raise ValueError(f"The threshold must be above 0 and at most 1, not {threshold}.")
    earlier = _index(session, [earlier_id])
    later = _items(session, [later_id])
    labels = []
    for rid in (earlier_id, later_id):
        review = session.get(Review, rid)
        assert review is not None
        labels.append(f"{review.state.name}, cycle {review.cycle}")
    pairs: list[ChangedPair] = []
    compared = 0
    if earlier.items and later:
        scores = cosine(earlier.model.transform([i.text for i in later]), earlier.model.matrix)
        for row, item in enumerate(later):
            col = int(np.argmax(scores[row]))
            score = float(scores[row, col])
            if score < threshold:
                continue
            compared += 1
            then = earlier.items[col]
            if then.category and item.category and then.category != item.category:
                pairs.append(
                    ChangedPair(_scored(then, score), _scored(item, score), round(score, 3))
                )
    pairs.sort(key=lambda p: -p.score)
    return ChangedReport(labels[0], labels[1], threshold, compared, pairs)


def changed_between(
    project: Project,
    earlier: str | int,
    later: str | int,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> ChangedReport:
    """``changed_responses`` for two reviews as a person names them (China:3 China:4) or
    by their ids; the earlier is the one of the lower cycle, whatever the order given."""
    from annotator.services.analysis_data import find_review

    with project.session() as session:
        ids = [r if isinstance(r, int) else find_review(session, r) for r in (earlier, later)]
        cycles = {r: session.scalar(select(Review.cycle).where(Review.id == r)) or 0 for r in ids}
        ids.sort(key=cycles.__getitem__)
        return changed_responses(session, ids[0], ids[1], threshold=threshold)


def similar_for(
    project: Project, recommendation_id: int, *, limit: int = 5, other_states: bool = False
) -> list[SimilarRecommendation]:
    with project.session() as session:
        return similar_recommendations(
            session, recommendation_id, limit=limit, other_states=other_states
        )
