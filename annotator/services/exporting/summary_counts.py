"""The Summary's figures, counted by the database (GROUP BY), so an export holds no row
per recommendation for them: its memory is the same at 5,000 recommendations as at
200,000.

* ``response_groups``: recommendations by review, published wording and position, each
  group with the reading-order place of its first recommendation (the breakdowns, the
  table by review, the wordings and the cycle comparisons are all made from these);
* ``regional_groups``: recommendations by regional group of their recommending states
  and by published wording;
* ``verification``: one streaming pass over the recommendations with their coders'
  verified responses, counted by outcome, keeping only the first ``MAX_LISTED`` ids it
  lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.services import analysis_data
from annotator.services.coding import FieldSpec
from annotator.services.exporting.options import MAX_LISTED
from annotator.store.models import (
    Annotation,
    Recommendation,
    RecommendationState,
    State,
)
from annotator.store.queries import in_chunks

# Rows fetched at a time by the streaming pass.
STREAM_ROWS = 10_000


@dataclass(frozen=True)
class ResponseGroup:
    review_id: int
    response: str | None
    position: str | None
    recommendations: int
    first: int  # the reading-order place (from 1) of its first recommendation in the review


def _in_reviews(query: Any, review_ids: Sequence[int] | None) -> Any:
    if review_ids is None:
        return query
    return query.where(Recommendation.review_id.in_(list(review_ids)))


def response_groups(session: Session, review_ids: Sequence[int] | None) -> list[ResponseGroup]:
    """Recommendations by review, wording and position, by review id then reading order."""
    place = (
        func.row_number()
        .over(
            partition_by=Recommendation.review_id,
            order_by=(Recommendation.sort_key, Recommendation.id),
        )
        .label("place")
    )
    ranked = _in_reviews(
        select(Recommendation.review_id, Recommendation.response, Recommendation.position, place),
        review_ids,
    ).subquery()
    query = select(
        ranked.c.review_id,
        ranked.c.response,
        ranked.c.position,
        func.count(),
        func.min(ranked.c.place),
    ).group_by(ranked.c.review_id, ranked.c.response, ranked.c.position)
    groups = [
        ResponseGroup(int(r), w, p, int(n), int(f)) for r, w, p, n, f in session.execute(query)
    ]
    groups.sort(key=lambda g: (g.review_id, g.first))
    return groups


def regional_groups(
    session: Session, review_ids: Sequence[int] | None
) -> dict[str, dict[str, int]]:
    """Regional group -> response category -> recommendations; a recommendation made by
    two states of one group counts once for it."""
    group = func.coalesce(State.regional_group, analysis.NO_GROUP)
    query = _in_reviews(
        select(
            group,
            Recommendation.response,
            func.count(distinct(RecommendationState.recommendation_id)),
        )
        .select_from(RecommendationState)
        .join(State, State.id == RecommendationState.state_id)
        .join(Recommendation, Recommendation.id == RecommendationState.recommendation_id),
        review_ids,
    ).group_by(group, Recommendation.response)
    counts: dict[str, dict[str, int]] = {}
    for name, response, n in session.execute(query):
        row = counts.setdefault(str(name), {})
        category = analysis.response_category(response)
        row[category] = row.get(category, 0) + int(n)
    return counts


@dataclass
class Verification:
    counts: dict[str, int]  # outcome -> recommendations
    flagged: int = 0  # corrected, or the coders disagree
    first: list[int] = field(default_factory=list)  # the first MAX_LISTED flagged, in order


def verification(
    session: Session,
    field_spec: FieldSpec,
    review_ids: Sequence[int] | None,
    coder_id: int | None,
) -> Verification | None:
    """Recommendations by verification outcome (``analysis.verify_responses``), only
    ``coder_id``'s values when given; None when nobody has verified a response."""
    verified = analysis_data.verified_query(field_spec, coder_id).subquery()
    # A code's category, as analysis.code_category reads it, in the database so that
    # "accepted" and "accepted and being implemented" are one verified response.
    said = case(analysis.CODE_CATEGORIES, value=verified.c.key, else_=verified.c.key)
    per = (
        select(
            verified.c.recommendation_id.label("id"),
            func.count(distinct(said)).label("kinds"),
            func.min(said).label("said"),
        )
        .group_by(verified.c.recommendation_id)
        .subquery()
    )
    query = _in_reviews(
        select(Recommendation.response, per.c.kinds, per.c.said, Recommendation.id)
        .outerjoin(per, per.c.id == Recommendation.id)
        .order_by(Recommendation.review_id, Recommendation.sort_key, Recommendation.id),
        review_ids,
    )
    result = Verification(dict.fromkeys(analysis.OUTCOMES, 0))
    categories: dict[str | None, str] = {}
    listed = (analysis.CORRECTED, analysis.DISAGREEMENT)
    for response, kinds, code, rid in _stream(session, query):
        published = categories.get(response)
        if published is None:
            published = categories[response] = analysis.response_category(response)
        outcome = analysis.verification_outcome(published, int(kinds or 0), code)
        result.counts[outcome] += 1
        if outcome in listed:
            result.flagged += 1
            if len(result.first) < MAX_LISTED:
                result.first.append(int(rid))
    if result.counts[analysis.NOT_VERIFIED] == sum(result.counts.values()):
        return None
    return result


def _stream(session: Session, query: Any) -> Iterator[Any]:
    for partition in session.execute(query.execution_options(yield_per=STREAM_ROWS)).partitions():
        yield from partition


def listed(
    session: Session,
    field_spec: FieldSpec,
    ids: Sequence[int],
    review_labels: dict[int, str],
    coder_id: int | None,
) -> pd.DataFrame:
    """The Summary's list of the ``ids`` (in this order) whose verified and published
    responses disagree: review, number, both responses, each coder's reading."""
    rows: dict[int, tuple[Any, ...]] = {}
    values: list[tuple[Any, ...]] = []
    for chunk in in_chunks(ids):
        found = session.execute(
            select(
                Recommendation.id,
                Recommendation.review_id,
                Recommendation.number,
                Recommendation.response,
            ).where(Recommendation.id.in_(chunk))
        )
        for rid, review_id, number, response in found:
            rows[rid] = (rid, review_labels.get(review_id, ""), number or "", response)
        values.extend(
            session.execute(
                analysis_data.verified_query(field_spec, coder_id).where(
                    Annotation.recommendation_id.in_(chunk)
                )
            ).all()
        )
    few = pd.DataFrame(
        [rows[i] for i in ids if i in rows], columns=["id", "review", "number", "response"]
    )
    verified = pd.DataFrame(values, columns=["id", "coder", "value"])
    return analysis.verify_responses(few, verified).review.drop(columns=["id"])
