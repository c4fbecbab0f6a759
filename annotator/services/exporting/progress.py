"""The Summary's coding progress, counted by the database (GROUP BY), so an export
holds no row per recommendation and coder for it.

The same figures as ``analysis.coding_progress`` over the statuses and assignments
frames: per coder, what they have to code (their assignment within the selection, or
every recommendation of it when they have none there) and how much of it is done, in
progress, flagged or skipped; overall, done by one coder or more and by two or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.analysis.progress import by_coder_frame, coder_row
from annotator.store.models import Assignment, Coder, CodingStatus, Recommendation


def _within(query: Any, column: Any, review_ids: Sequence[int] | None) -> Any:
    """``query`` kept to the recommendations of the chosen reviews (a Select)."""
    if review_ids is None:
        return query
    return query.join(Recommendation, Recommendation.id == column).where(
        Recommendation.review_id.in_(list(review_ids))
    )


def coding_progress(
    session: Session, total: int, review_ids: Sequence[int] | None = None
) -> analysis.CodingProgress:
    """Coding progress of the selection (``total`` recommendations) from SQL counts."""
    coders = list(session.scalars(select(Coder.name).order_by(Coder.name)))
    assigned = dict(
        session.execute(
            _within(
                select(Coder.name, func.count())
                .select_from(Assignment)
                .join(Coder, Coder.id == Assignment.coder_id),
                Assignment.recommendation_id,
                review_ids,
            ).group_by(Coder.name)
        ).all()
    )
    # Each status counted twice: all of them, and those within the coder's assignment.
    in_scope = func.sum(case((Assignment.coder_id.is_not(None), 1), else_=0))
    status_query = (
        select(Coder.name, CodingStatus.status, func.count(), in_scope)
        .select_from(CodingStatus)
        .join(Coder, Coder.id == CodingStatus.coder_id)
        .outerjoin(
            Assignment,
            and_(
                Assignment.recommendation_id == CodingStatus.recommendation_id,
                Assignment.coder_id == CodingStatus.coder_id,
            ),
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for name, status, every, scoped in session.execute(
        _within(status_query, CodingStatus.recommendation_id, review_ids).group_by(
            Coder.name, CodingStatus.status
        )
    ):
        counts.setdefault(name, {})[status] = int(scoped or 0) if name in assigned else every
    rows = []
    for name in sorted(dict.fromkeys([*coders, *counts, *assigned]), key=str.casefold):
        rows.append(coder_row(name, assigned.get(name, total), counts.get(name, {})))
    by_coder = by_coder_frame(rows)
    done_by = (
        _within(
            select(CodingStatus.recommendation_id, func.count(distinct(CodingStatus.coder_id)))
            .where(CodingStatus.status == "done")
            .group_by(CodingStatus.recommendation_id),
            CodingStatus.recommendation_id,
            review_ids,
        )
    ).subquery()
    coders_done = list(done_by.c)[1]
    by_any, by_two = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((coders_done >= 2, 1), else_=0)), 0),
        ).select_from(done_by)
    ).one()
    return analysis.CodingProgress(by_coder, total, int(by_any), int(by_two))
