"""Cycle comparison: one state's responses in two reviews."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from annotator.analysis.breakdown import ResponseBreakdown, response_breakdown
from annotator.analysis.categories import (
    CATEGORIES,
    CATEGORY_LABELS,
    RATE_BROAD,
    RATE_LABELS,
    RATE_SHORT,
    with_categories,
)
from annotator.analysis.shares import percent


@dataclass(frozen=True)
class CycleComparison:
    earlier: ResponseBreakdown
    later: ResponseBreakdown
    table: pd.DataFrame  # one row a category and a rate: both counts, shares, the change

    def change(self, key: str) -> float:
        """The change in a category's share or a rate, in percentage points."""
        return float(self.table.loc[key, "Change (points)"])

    @property
    def note(self) -> str | None:
        """Why a rejection rate cannot be compared, when the earlier source had only the
        UN's Supported / Noted."""
        older = self.earlier
        if not older.positions_only or self.later.positions_only:
            return None
        return (
            f"The {older.when} responses come from a source that gives only Supported or "
            f'Noted: there, a "rejected" cannot be told apart from "noted", so only '
            "the share not accepted (rejected or noted) compares."
        )

    def not_accepted_sentence(self) -> str:
        """ "30.4 % not accepted (rejected or noted) in 2024 against 18.0 % in 2018: up 12.4
        points", with the note when the older review's source had only Supported/Noted."""
        now, then = self.later.rate(RATE_BROAD), self.earlier.rate(RATE_BROAD)
        text = (
            f"{percent(now.value)} not accepted (rejected or noted: {now.numerator} of "
            f"{now.denominator}) in {self.later.when} against {percent(then.value)} "
            f"({then.numerator} of {then.denominator}) in {self.earlier.when}: "
            f"{_movement(now.value, then.value)}."
        )
        return f"{text} {self.note}" if self.note else text

    def sentence(self, rate: str = RATE_BROAD) -> str:
        """ "30.4 % rejected or noted in 2024 against 18.0 % in 2018 (up 12.4 points)"."""
        now, then = self.later.rate(rate), self.earlier.rate(rate)
        movement = _movement(now.value, then.value)
        return (
            f"{percent(now.value)} {RATE_SHORT[rate]} in {self.later.when} against "
            f"{percent(then.value)} in {self.earlier.when} ({movement}; "
            f"{RATE_LABELS[rate].split(': ', 1)[1]})"
        )


def _when_key(b: ResponseBreakdown) -> tuple[int, int, int]:
    return (b.cycle or 0, b.year or 0, b.month or 0)


def _movement(now: float, then: float) -> str:
    points = (now - then) * 100
    if math.isnan(points):
        return "no change can be measured"
    if abs(points) < 0.05:
        return "unchanged"
    return f"{'up' if points > 0 else 'down'} {abs(points):.1f} points"


def compare_reviews(
    recommendations: pd.DataFrame,
    first_review_id: int,
    second_review_id: int,
    *,
    same_state: bool = True,
) -> CycleComparison:
    """Two reviews side by side, the earlier first (by cycle, then date)."""
    frame = with_categories(recommendations)
    return compare_breakdowns(
        response_breakdown(frame, first_review_id),
        response_breakdown(frame, second_review_id),
        (first_review_id, second_review_id),
        same_state=same_state,
    )


def compare_breakdowns(
    one: ResponseBreakdown,
    two: ResponseBreakdown,
    review_ids: tuple[int, int],
    *,
    same_state: bool = True,
) -> CycleComparison:
    """Two reviews' breakdowns side by side, the earlier first (by cycle, then date)."""
    for review_id, breakdown in zip(review_ids, (one, two), strict=True):
        if not breakdown.total:
            raise ValueError(f"The review to compare ({review_id}) has no recommendations.")
    if same_state and one.state != two.state:
        raise ValueError(
            f"A cycle comparison compares two reviews of the same state; these are of "
            f"{one.state} and {two.state}."
        )
    # By cycle, then date: a review whose year is unknown is still in its cycle.
    earlier, later = sorted((one, two), key=_when_key)
    if earlier is later:
        earlier, later = one, two
    rows = []
    for category in CATEGORIES:
        rows.append(
            (
                category,
                CATEGORY_LABELS[category],
                earlier.count(category),
                earlier.share(category),
                later.count(category),
                later.share(category),
            )
        )
    for then, now in zip(earlier.rates, later.rates, strict=True):
        rows.append((then.key, then.label, then.numerator, then.value, now.numerator, now.value))
    rows.append(("total", "All recommendations", earlier.total, 1.0, later.total, 1.0))
    table = pd.DataFrame(
        rows,
        columns=[
            "key",
            "Measure",
            f"{earlier.when}: recommendations",
            f"{earlier.when}: share",
            f"{later.when}: recommendations",
            f"{later.when}: share",
        ],
    ).set_index("key")
    table["Change (points)"] = (table.iloc[:, 4] - table.iloc[:, 2]) * 100
    return CycleComparison(earlier, later, table)
