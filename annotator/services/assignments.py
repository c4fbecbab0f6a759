"""Assignments: which recommendations a coordinator gave which coder.

The rule the queue relies on: a coder with no assignment at all sees every
recommendation; once a coder has one, their queue holds only what is assigned to them.

Overlap samples (the same recommendations given to several coders, for reliability)
are drawn reproducibly: the same seed on the same project draws the same
recommendations again, on any machine and any Python version.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    insert,
    null,
    select,
)
from sqlalchemy.orm import Session

from annotator.recnumbers import sort_key
from annotator.services import permissions
from annotator.store.models import (
    Assignment,
    AuditEvent,
    Coder,
    CodingStatus,
    Recommendation,
    Review,
    State,
)
from annotator.store.queries import in_chunks, rows_changed

STRATA = ("position", "response")


@dataclass(frozen=True)
class CoderAssignments:
    """One coder's line of the summary.

    ``overlap`` counts this coder's recommendations that are also assigned to another
    coder; ``overlap_done`` those of them that at least two of their coders have done.
    """

    coder_id: int
    name: str
    role: str
    assigned: int
    done: int
    overlap: int
    overlap_done: int

    @property
    def sees_everything(self) -> bool:
        return self.assigned == 0


@dataclass(frozen=True)
class OverlapTotals:
    """Project-wide: recommendations assigned to two or more coders, and how many of
    them at least two of those coders have done (the units reliability can use)."""

    units: int
    done_by_two: int


@dataclass(frozen=True)
class OverlapAssignment:
    """What ``assign_overlap`` did: the sample, and how many were new for each coder."""

    ids: list[int]
    new_by_coder: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewRange:
    """A review as the range chooser offers it, with its first and last numbers."""

    review_id: int
    label: str
    first_number: str
    last_number: str
    count: int


# ----------------------------------------------------------------------------- writes


def assign(
    session: Session,
    coder_id: int,
    recommendation_ids: Iterable[int],
    *,
    by_coder_id: int | None = None,
) -> int:
    """Give the coder these recommendations; returns how many they did not have yet."""
    permissions.require(session, by_coder_id, permissions.ASSIGN_WORK)
    return _assign(session, coder_id, recommendation_ids, by_coder_id=by_coder_id)


def unassign(
    session: Session,
    coder_id: int,
    recommendation_ids: Iterable[int] | None = None,
    *,
    by_coder_id: int | None = None,
) -> int:
    """Take recommendations back from a coder (all of them with None); returns how many.

    A coder left with no assignment sees every recommendation again.
    """
    permissions.require(session, by_coder_id, permissions.ASSIGN_WORK)
    coder = _coder(session, coder_id)
    _check_actor(session, by_coder_id)
    if recommendation_ids is None:
        removed = rows_changed(
            session.execute(delete(Assignment).where(Assignment.coder_id == coder_id))
        )
    else:
        ids = _unique(recommendation_ids)
        removed = 0
        for chunk in in_chunks(ids):
            removed += rows_changed(
                session.execute(
                    delete(Assignment).where(
                        Assignment.coder_id == coder_id, Assignment.recommendation_id.in_(chunk)
                    )
                )
            )
    if removed:
        _audit(
            session, "unassign", coder, removed, by_coder_id, remaining=_count(session, coder_id)
        )
    return removed


def assign_overlap(
    session: Session,
    coder_ids: Sequence[int],
    share: float,
    *,
    seed: int,
    stratify_by: str | None = None,
    review_ids: Sequence[int] | None = None,
    by_coder_id: int | None = None,
) -> OverlapAssignment:
    """Give every listed coder the same random sample, for double coding."""
    permissions.require(session, by_coder_id, permissions.ASSIGN_WORK)
    coders = _unique(coder_ids)
    if not coders:
        raise ValueError("Choose at least one coder to give the sample to.")
    for coder_id in coders:
        _coder(session, coder_id)
    _check_actor(session, by_coder_id)
    ids = draw_overlap_sample(
        session, share, seed=seed, stratify_by=stratify_by, review_ids=review_ids
    )
    sample: dict[str, object] = {"share": share, "seed": seed, "stratify_by": stratify_by}
    if review_ids is not None:
        sample["review_ids"] = sorted(set(review_ids))
    detail = {"sample": sample}
    new = {
        coder_id: _assign(session, coder_id, ids, by_coder_id=by_coder_id, detail=detail)
        for coder_id in coders
    }
    return OverlapAssignment(ids=ids, new_by_coder=new)


def _assign(
    session: Session,
    coder_id: int,
    recommendation_ids: Iterable[int],
    *,
    by_coder_id: int | None,
    detail: dict[str, Any] | None = None,
) -> int:
    coder = _coder(session, coder_id)
    _check_actor(session, by_coder_id)
    ids = _unique(recommendation_ids)
    if not ids:
        raise ValueError("There are no recommendations to assign.")
    missing = len(ids) - _count_existing(session, ids)
    if missing:
        raise ValueError(
            f"{_plural(missing, 'recommendation')} to assign "
            f"{'is' if missing == 1 else 'are'} not in this project; nothing was assigned."
        )
    had = set(
        session.scalars(select(Assignment.recommendation_id).where(Assignment.coder_id == coder_id))
    )
    new = [rid for rid in ids if rid not in had]
    if new:
        # One executemany, not one ORM object per row: "all 200,000" must stay quick.
        session.execute(
            insert(Assignment),
            [
                {"recommendation_id": rid, "coder_id": coder_id, "assigned_by_id": by_coder_id}
                for rid in new
            ],
        )
        _audit(
            session,
            "assign",
            coder,
            len(new),
            by_coder_id,
            remaining=len(had) + len(new),
            detail=detail,
        )
    return len(new)


# ------------------------------------------------------------------------------ reads


def assigned_ids(session: Session, coder_id: int) -> set[int] | None:
    """The coder's assigned recommendations, or None when they have no assignment
    (and so see every recommendation)."""
    ids = set(
        session.scalars(select(Assignment.recommendation_id).where(Assignment.coder_id == coder_id))
    )
    return ids or None


def ids_in_range(
    session: Session, review_id: int, first_number: str, last_number: str
) -> list[int]:
    """The review's recommendations numbered first to last, both included, in reading
    order (28.2 comes before 28.10). Neither end has to exist as a number."""
    if session.get(Review, review_id) is None:
        raise ValueError("That review is not in this project.")
    first, last = (first_number or "").strip(), (last_number or "").strip()
    if not first or not last:
        raise ValueError("Give both the first and the last recommendation number of the range.")
    low, high = sort_key(first), sort_key(last)
    if low > high:
        raise ValueError(
            f"The range starts at {first}, which comes after its end, {last}: "
            "give the lower number first."
        )
    ids = list(
        session.scalars(
            select(Recommendation.id)
            .where(
                Recommendation.review_id == review_id,
                Recommendation.sort_key >= low,
                Recommendation.sort_key <= high,
            )
            .order_by(Recommendation.sort_key, Recommendation.id)
        )
    )
    if not ids:
        raise ValueError(f"No recommendation of that review is numbered from {first} to {last}.")
    return ids


def all_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Recommendation.id).order_by(Recommendation.id)))


def draw_overlap_sample(
    session: Session,
    share: float,
    *,
    seed: int,
    stratify_by: str | None = None,
    review_ids: Sequence[int] | None = None,
) -> list[int]:
    """A reproducible random share of the recommendations, sorted by id.

    With ``stratify_by`` ("position" or "response") each published response contributes
    round(share x its size) recommendations, and at least one; recommendations without
    a published response form a group of their own.
    """
    _check_share(share)
    column = _stratum_column(stratify_by)
    query = select(Recommendation.id, column if column is not None else null()).order_by(
        Recommendation.id
    )
    if review_ids is not None:
        query = query.where(Recommendation.review_id.in_(_check_reviews(session, review_ids)))
    rows = session.execute(query).all()
    if not rows:
        raise ValueError("There are no recommendations to draw a sample from.")
    # One random number per recommendation, drawn in id order. Only Random.random() is
    # promised to repeat across Python versions (not sample() or shuffle()), and taking
    # the smallest keys within each group makes a group's pick independent of the others.
    rng = random.Random(seed)
    groups: dict[str | None, list[tuple[float, int]]] = {}
    for rid, stratum in rows:
        groups.setdefault(_stratum(stratum), []).append((rng.random(), rid))
    chosen: list[int] = []
    for members in groups.values():
        members.sort()
        chosen.extend(rid for _, rid in members[: _take(share, len(members))])
    return sorted(chosen)


def sample_size(
    session: Session,
    share: float,
    *,
    stratify_by: str | None = None,
    review_ids: Sequence[int] | None = None,
) -> int:
    """How many recommendations ``draw_overlap_sample`` would draw, from counts alone
    (cheap enough to follow a spin box)."""
    _check_share(share)
    column = _stratum_column(stratify_by)
    if column is None:
        query = select(null(), func.count()).select_from(Recommendation)
    else:
        query = select(column, func.count()).select_from(Recommendation).group_by(column)
    if review_ids is not None:
        query = query.where(Recommendation.review_id.in_(_check_reviews(session, review_ids)))
    sizes: dict[str | None, int] = {}
    for stratum, count in session.execute(query):
        key = _stratum(stratum)
        sizes[key] = sizes.get(key, 0) + count
    return sum(_take(share, n) for n in sizes.values())


def _done_join() -> ColumnElement[bool]:
    return and_(
        CodingStatus.recommendation_id == Assignment.recommendation_id,
        CodingStatus.coder_id == Assignment.coder_id,
        CodingStatus.status == "done",
    )


def _shared() -> Select[int]:
    return (
        select(Assignment.recommendation_id)
        .group_by(Assignment.recommendation_id)
        .having(func.count() >= 2)
    )


def _done_by_two() -> Select[int]:
    # Done by two of the coders it is assigned to: a unit reliability can compare.
    return (
        select(Assignment.recommendation_id)
        .join(CodingStatus, _done_join())
        .group_by(Assignment.recommendation_id)
        .having(func.count() >= 2)
    )


def assignment_summary(session: Session) -> list[CoderAssignments]:
    """Every coder of the project, by name, with what they are assigned and have done."""

    def per_coder(query: Select[int, int]) -> dict[int, int]:
        return {coder: n for coder, n in session.execute(query.group_by(Assignment.coder_id))}

    count = select(Assignment.coder_id, func.count())
    assigned = per_coder(count)
    done = per_coder(count.join(CodingStatus, _done_join()))
    overlap = per_coder(count.where(Assignment.recommendation_id.in_(_shared())))
    overlap_done = per_coder(count.where(Assignment.recommendation_id.in_(_done_by_two())))
    return [
        CoderAssignments(
            coder_id=coder.id,
            name=coder.name,
            role=coder.role,
            assigned=assigned.get(coder.id, 0),
            done=done.get(coder.id, 0),
            overlap=overlap.get(coder.id, 0),
            overlap_done=overlap_done.get(coder.id, 0),
        )
        for coder in session.scalars(select(Coder).order_by(Coder.name))
    ]


def overlap_totals(session: Session) -> OverlapTotals:
    def size(query: Select[int]) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return OverlapTotals(units=size(_shared()), done_by_two=size(_done_by_two()))


def review_ranges(session: Session) -> list[ReviewRange]:
    """The reviews that have recommendations, with their first and last numbers."""
    rows = session.execute(
        select(
            Review.id,
            State.name,
            Review.cycle,
            Review.year,
            Review.report_symbol,
            func.count(Recommendation.id),
        )
        .join(State, Review.state_id == State.id)
        .join(Recommendation, Recommendation.review_id == Review.id)
        .group_by(Review.id, State.name, Review.cycle, Review.year, Review.report_symbol)
        .order_by(State.name, Review.cycle)
    ).all()
    result = []
    for review_id, state, cycle, year, symbol, count in rows:
        numbers = (
            select(Recommendation.number)
            .where(Recommendation.review_id == review_id, Recommendation.number.is_not(None))
            .limit(1)
        )
        first = session.scalar(numbers.order_by(Recommendation.sort_key, Recommendation.id))
        last = session.scalar(
            numbers.order_by(Recommendation.sort_key.desc(), Recommendation.id.desc())
        )
        when = f"{year}, cycle {cycle}" if year else f"cycle {cycle}"
        label = f"{state} {when}" + (f" ({symbol})" if symbol else "")
        result.append(ReviewRange(review_id, label, first or "", last or "", count))
    return result


# ---------------------------------------------------------------------------- helpers


def _take(share: float, size: int) -> int:
    if size == 0:
        return 0
    return min(size, max(1, round(share * size)))


def _check_share(share: float) -> None:
    if isinstance(share, bool) or not isinstance(share, int | float) or math.isnan(share):
        raise ValueError("The share of recommendations to sample must be a number.")
    if not 0 < share <= 1:
        raise ValueError(
            "The share of recommendations to sample must be more than 0 % and at most "
            f"100 %; {share * 100:g} % was asked for."
        )


def _stratum_column(stratify_by: str | None) -> ColumnElement[Any] | None:
    if stratify_by is None:
        return None
    if stratify_by not in STRATA:
        raise ValueError(
            f"A sample can be stratified by {' or '.join(STRATA)}, not by '{stratify_by}'."
        )
    return getattr(Recommendation, stratify_by)


def _stratum(value: str | None) -> str | None:
    # Published wording varies in case and spacing ("Supported", "supported "); those
    # are one response, not two groups.
    return " ".join(value.split()).casefold() if value else None


def _check_reviews(session: Session, review_ids: Sequence[int]) -> list[int]:
    wanted = _unique(review_ids)
    if not wanted:
        raise ValueError("Choose at least one review to draw the sample from.")
    known = set(session.scalars(select(Review.id).where(Review.id.in_(wanted))))
    if len(known) < len(wanted):
        raise ValueError("Some of the chosen reviews are not in this project.")
    return wanted


def _coder(session: Session, coder_id: int) -> Coder:
    coder = session.get(Coder, coder_id)
    if coder is None:
        raise ValueError("That coder is not in this project; add them first.")
    if coder.retired:
        raise ValueError(
            f"{coder.name} is retired from this project; restore them to give them work."
        )
    return coder


def _check_actor(session: Session, by_coder_id: int | None) -> None:
    if by_coder_id is not None and session.get(Coder, by_coder_id) is None:
        raise ValueError("The coder making this change is not in this project.")


def _count(session: Session, coder_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.coder_id == coder_id)
        )
        or 0
    )


def _count_existing(session: Session, ids: list[int]) -> int:
    return sum(
        session.scalar(
            select(func.count()).select_from(Recommendation).where(Recommendation.id.in_(chunk))
        )
        for chunk in in_chunks(ids)
    )


def _audit(
    session: Session,
    action: str,
    coder: Coder,
    count: int,
    by_coder_id: int | None,
    *,
    remaining: int,
    detail: dict[str, Any] | None = None,
) -> None:
    after = {
        "coder": coder.name,
        "coder_uuid": str(coder.uuid),
        "count": count,
        "assigned_now": remaining,
        **(detail or {}),
    }
    session.add(
        AuditEvent(
            action=action,
            entity="assignment",
            coder_id=by_coder_id,
            after=json.dumps(after, ensure_ascii=False),
        )
    )
    session.flush()


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
