"""Response breakdown: how many recommendations were accepted, noted, rejected, per review."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from annotator.analysis.categories import (
    ACCEPTED,
    CATEGORIES,
    CATEGORY_LABELS,
    CATEGORY_VERBS,
    NO_RESPONSE,
    NO_WORDING,
    NOTED,
    PARTIAL,
    POSITION_LABELS,
    RATE_BROAD,
    RATE_LABELS,
    RATE_STRICT,
    REJECTED,
    UN_VOCABULARY,
    category_counts,
    implementation_stage,
    response_category,
    with_categories,
)
from annotator.analysis.shares import percent, share_of


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int

    @property
    def value(self) -> float:
        return share_of(self.numerator, self.denominator)

    def __str__(self) -> str:
        return f"{self.label}: {self.numerator} / {self.denominator} = {percent(self.value)}"


def rejection_rates(counts: Mapping[str, int], total: int) -> tuple[Rate, Rate]:
    """Both definitions: rejected / all, and (rejected + noted) / all."""
    rejected = int(counts.get(REJECTED, 0))
    noted = int(counts.get(NOTED, 0))
    return (
        Rate(RATE_STRICT, RATE_LABELS[RATE_STRICT], rejected, total),
        Rate(RATE_BROAD, RATE_LABELS[RATE_BROAD], rejected + noted, total),
    )


@dataclass(frozen=True)
class ResponseBreakdown:
    """How a review's (or any selection's) recommendations were answered."""

    label: str
    total: int
    counts: dict[str, int]  # category -> recommendations, every category present
    categories: pd.DataFrame  # Response, Recommendations, Share (one row a category)
    wordings: pd.DataFrame  # the state's own wording as published: count and share
    positions: pd.DataFrame  # the UN's normalised position: count and share
    rates: tuple[Rate, Rate]
    state: str | None = None
    year: int | None = None
    cycle: int | None = None
    # Accepted recommendations whose wording says "already" or "being" implemented.
    stages: dict[str, int] = field(default_factory=dict)
    answered: int = 0  # recommendations with a published response
    # True when every published wording is the UN's Supported / Noted: such a source
    # cannot tell a rejection from a noted recommendation.
    positions_only: bool = False
    month: int | None = None

    def count(self, category: str) -> int:
        return self.counts.get(category, 0)

    def share(self, category: str) -> float:
        return share_of(self.count(category), self.total)

    def rate(self, key: str) -> Rate:
        return next(r for r in self.rates if r.key == key)

    @property
    def when(self) -> str:
        if self.year:
            return str(self.year)
        return f"cycle {self.cycle}" if self.cycle else self.label

    @property
    def basis(self) -> str:
        """What the figures rest on: "of 428 recommendations, 428 with a published response"."""
        return f"of {self.total} recommendations, {self.answered} with a published response"

    def sentence(self) -> str:
        """ "China accepted 290 of 428 recommendations, partially accepted 8, noted 32 and
        rejected 98." (categories with none are left out)."""
        who = self.state or self.label
        if not self.total:
            return f"{who}: no recommendations."
        first = f"{who} accepted {self.count(ACCEPTED)} of {self.total} recommendations"
        split = [
            f"{self.stages[stage]} {stage} implemented"
            for stage in ("already", "being")
            if self.stages.get(stage)
        ]
        if split:
            first += f" ({', '.join(split)})"
        rest = [
            f"{CATEGORY_VERBS[c]} {self.count(c)}"
            for c in (PARTIAL, NOTED, REJECTED, NO_RESPONSE)
            if self.count(c)
        ]
        if not rest:
            return first + "."
        if len(rest) == 1:
            return f"{first} and {rest[0]}."
        return f"{first}, {', '.join(rest[:-1])} and {rest[-1]}."


def response_breakdown(
    recommendations: pd.DataFrame,
    review_id: int | None = None,
    *,
    label: str | None = None,
) -> ResponseBreakdown:
    """Counts and shares by category, by published wording and by normalised position,
    with both rejection rates, for one review (or every recommendation given)."""
    frame = recommendations
    if review_id is not None:
        frame = frame[frame["review_id"] == review_id]
    total = len(frame)
    if "position" in frame.columns:
        positions = frame["position"].astype("object")
    else:
        positions = pd.Series([None] * total, index=frame.index, dtype="object")
    state = year = cycle = month = None
    if review_id is not None and total:
        first = frame.iloc[0]
        state = str(first["state"]) if "state" in frame.columns else None
        year = _int_or_none(first.get("year"))
        cycle = _int_or_none(first.get("cycle"))
        month = _int_or_none(first.get("month"))
        label = label or str(first.get("review", state))
    # Counted as the database counts them, in reading order of each group's first
    # recommendation, so the frame and the Summary's SQL share one way of building.
    pairs = pd.DataFrame({"response": frame["response"].astype("object"), "position": positions})
    sizes = pairs.groupby(["response", "position"], dropna=False, sort=False).size()
    groups = [
        (None if pd.isna(r) else r, None if pd.isna(p) else p, int(n))
        for (r, p), n in sizes.items()
    ]
    return counted_breakdown(
        groups,
        label or ("All recommendations" if review_id is None else f"review {review_id}"),
        state=state,
        year=year,
        cycle=cycle,
        month=month,
    )


def counted_breakdown(
    groups: Iterable[tuple[str | None, str | None, int]],
    label: str,
    *,
    state: str | None = None,
    year: int | None = None,
    cycle: int | None = None,
    month: int | None = None,
) -> ResponseBreakdown:
    """``response_breakdown`` from counts the database made: ``groups`` are (published
    wording, position, recommendations), in the reading order of each group's first
    recommendation, so that wordings with equal counts are listed as the frame lists
    them."""
    total = 0
    counts = dict.fromkeys(CATEGORIES, 0)
    wording_counts: dict[str, int] = {}
    position_counts = dict.fromkeys(POSITION_LABELS, 0)
    by_response: dict[str | None, int] = {}
    for response, position, n in groups:
        total += n
        counts[response_category(response)] += n
        wording = wording_label(response)
        wording_counts[wording] = wording_counts.get(wording, 0) + n
        if position in position_counts:
            position_counts[position] += n
        by_response[response] = by_response.get(response, 0) + n
    # The same sort as value_counts(sort=True) over the wordings in reading order.
    by_wording = pd.Series(
        list(wording_counts.values()), index=list(wording_counts), dtype="int64"
    ).sort_values(ascending=False)
    distinct = {w for w in by_response if w is not None and wording_label(w) != NO_WORDING}
    stages: dict[str, int] = {}
    for wording in distinct:
        stage = implementation_stage(wording)
        if stage:
            stages[stage] = stages.get(stage, 0) + by_response[wording]
    answered = sum(by_response[w] for w in distinct)
    return _breakdown(
        label,
        total,
        counts,
        by_wording,
        position_counts,
        distinct,
        stages,
        answered,
        state=state if total else None,
        year=year if total else None,
        cycle=cycle if total else None,
        month=month if total else None,
    )


def _breakdown(
    label: str,
    total: int,
    counts: dict[str, int],
    by_wording: pd.Series,
    position_counts: Mapping[str | None, int],
    distinct: set[Any],
    stages: dict[str, int],
    answered: int,
    **review: Any,
) -> ResponseBreakdown:
    """The breakdown's tables from its counts (``by_wording``: count by wording label,
    largest first)."""
    categories = pd.DataFrame(
        {
            "Response": [CATEGORY_LABELS.get(c, c) for c in counts],
            "Recommendations": list(counts.values()),
            "Share": [share_of(n, total) for n in counts.values()],
        },
        index=pd.Index(list(counts), name="category"),
    )
    wordings = pd.DataFrame(
        {
            "Response as published": by_wording.index.astype(str),
            "Recommendations": by_wording.to_numpy(dtype="int64"),
            "Share": [share_of(n, total) for n in by_wording.to_numpy()],
        }
    )
    positions = pd.DataFrame(
        {
            "Position (UN)": [POSITION_LABELS[k] for k in position_counts],
            "Recommendations": list(position_counts.values()),
            "Share": [share_of(n, total) for n in position_counts.values()],
        }
    )
    positions_only = bool(distinct) and all(
        " ".join(str(w).split()).casefold() in UN_VOCABULARY for w in distinct
    )
    return ResponseBreakdown(
        label=label,
        total=total,
        counts=counts,
        categories=categories,
        wordings=wordings,
        positions=positions,
        rates=rejection_rates(counts, total),
        stages=stages,
        answered=answered,
        positions_only=positions_only,
        **review,
    )


def breakdown_by_review(recommendations: pd.DataFrame) -> pd.DataFrame:
    """One row a review: counts per category, total, and both rejection rates."""
    frame = with_categories(recommendations)
    rows = []
    for review_id, part in frame.groupby("review_id", sort=False):
        counts = category_counts(part["category"])
        rows.append(_review_row(review_id, part["review"].iloc[0], counts, len(part)))
    return _review_table(rows)


def counted_breakdown_by_review(
    breakdowns: Iterable[tuple[int, ResponseBreakdown]],
) -> pd.DataFrame:
    """``breakdown_by_review`` from each review's (counted) breakdown, in review order."""
    return _review_table([_review_row(i, b.label, b.counts, b.total) for i, b in breakdowns])


def _review_row(review_id: Any, label: Any, counts: dict[str, int], total: int) -> dict[str, Any]:
    strict, broad = rejection_rates(counts, total)
    return {
        "review_id": review_id,
        "Review": label,
        **{CATEGORY_LABELS[c]: counts[c] for c in CATEGORIES},
        "Total": total,
        RATE_LABELS[RATE_STRICT]: strict.value,
        RATE_LABELS[RATE_BROAD]: broad.value,
    }


def _review_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [
        "review_id",
        "Review",
        *(CATEGORY_LABELS[c] for c in CATEGORIES),
        "Total",
        RATE_LABELS[RATE_STRICT],
        RATE_LABELS[RATE_BROAD],
    ]
    result = pd.DataFrame(rows, columns=columns)
    return result.sort_values("Review", kind="stable").reset_index(drop=True)


def wording_label(wording: object) -> str:
    if wording is None or (isinstance(wording, float) and math.isnan(wording)):
        return NO_WORDING
    text = " ".join(str(wording).split())
    return text or NO_WORDING


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return int(value)
