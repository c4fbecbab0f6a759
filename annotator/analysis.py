"""The figures a report quotes: response breakdowns, cycle comparisons, cross-tabulations.

Pure pandas over plain DataFrames (``annotator.services.analysis_data`` builds them from
a project; tests and notebooks can build them by hand), so nothing here knows of the
database or of Qt. The frames:

``recommendations``
    one row a recommendation: ``id``, ``review_id``, ``review`` (a label such as
    "China 2018 (cycle 3)"), ``state`` (under review), ``cycle``, ``year``, ``number``,
    ``response`` (the state's wording as published, or None); optionally ``text``,
    ``position`` (the UN's normalised supported / noted) and ``category`` (see below;
    derived from ``response`` when absent).
``recommending``
    one row a recommending state of a recommendation: ``id``, ``state``,
    ``regional_group`` (joint recommendations have several rows).
``themes``
    one row a theme coded on a recommendation: ``id``, ``key``, ``theme`` (its label),
    ``group`` (the label of its parent code, or its own for a top-level code);
    optionally ``order`` (the codebook's order).

Responses are read into five categories (``CATEGORIES``): accepted (whatever the
wording adds: "already implemented", "being implemented"), partially accepted, noted,
rejected, and no response / unclear. Reports define the rejection rate in two ways and
both are given, labelled: rejected / all recommendations, and (rejected + noted) / all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from annotator import responses, vocabulary

ACCEPTED = "accepted"
PARTIAL = "partially_accepted"
NOTED = "noted"
REJECTED = "rejected"
NO_RESPONSE = "no_response"
CATEGORIES: tuple[str, ...] = (ACCEPTED, PARTIAL, NOTED, REJECTED, NO_RESPONSE)
CATEGORY_LABELS: dict[str, str] = {
    ACCEPTED: "Accepted",
    PARTIAL: "Partially accepted",
    NOTED: "Noted",
    REJECTED: "Rejected",
    NO_RESPONSE: "No response / unclear",
}
# The verbs of the sentence a report writes ("accepted 290 of 428, ... rejected 98").
CATEGORY_VERBS: dict[str, str] = {
    ACCEPTED: "accepted",
    PARTIAL: "partially accepted",
    NOTED: "noted",
    REJECTED: "rejected",
    NO_RESPONSE: "gave no clear response to",
}
POSITION_LABELS: dict[str | None, str] = {
    "supported": "Supported",
    "noted": "Noted",
    None: "Not given",
}
NO_THEME = "(no theme coded)"
# The OHCHR matrix's vocabulary: the UN position only, no rejection.
UN_VOCABULARY = frozenset({"supported", "noted"})
NO_WORDING = "(no response published)"

RATE_STRICT = "rate_rejected"
RATE_BROAD = "rate_rejected_or_noted"
RATE_LABELS: dict[str, str] = {
    RATE_STRICT: "Rejection rate: rejected / all recommendations",
    RATE_BROAD: "Rejection rate: (rejected + noted) / all recommendations",
}
RATE_SHORT: dict[str, str] = {RATE_STRICT: "rejected", RATE_BROAD: "rejected or noted"}

# Codes of the built-in codebook's verified-response fields, read as categories: the
# state's categories (published_response) and the normalised position (position).
CODE_CATEGORIES: dict[str, str] = {
    "accepted_implemented": ACCEPTED,
    "accepted_being_implemented": ACCEPTED,
    "accepted": ACCEPTED,
    "supported": ACCEPTED,
    "partially_accepted": PARTIAL,
    "partially_supported": PARTIAL,
    "noted": NOTED,
    "rejected": REJECTED,
    "no_response": NO_RESPONSE,
    "no_clear_response": NO_RESPONSE,
}

# The state's categories (``annotator.responses``, the one table of wordings) as the
# analyses count them: accepted whatever the wording adds, and "other" wording as
# no clear response.
_FROM_STATE_CATEGORY: dict[str | None, str] = {
    responses.ACCEPTED: ACCEPTED,
    responses.ACCEPTED_IMPLEMENTED: ACCEPTED,
    responses.PARTIALLY_ACCEPTED: PARTIAL,
    responses.NOTED_CATEGORY: NOTED,
    responses.REJECTED: REJECTED,
    responses.OTHER: NO_RESPONSE,
    None: NO_RESPONSE,
}


def response_category(wording: str | None) -> str:
    """The category of a published wording ("accepted and already implemented" ->
    accepted); blank or unrecognised wording is "no_response"."""
    return _FROM_STATE_CATEGORY[responses.category(wording)]


def implementation_stage(wording: str | None) -> str | None:
    """ "already" or "being" (implemented) for an accepted wording that says so."""
    reading = responses.read_wording(wording)
    return reading.stage if reading else None


def code_category(code_key: str | None) -> str | None:
    """The category a verified-response code stands for (None for unknown codes)."""
    if code_key is None:
        return None
    return CODE_CATEGORIES.get(code_key)


def percent(share: float | None, digits: int = 1) -> str:
    """A share as people write it: 0.229 -> "22.9 %"; no share (nothing to divide) -> "–"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{share * 100:.{digits}f} %"


def _share(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def _plain(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Categorical columns as plain objects: grouping them would bring every unused
    category along, and they refuse values they do not know."""
    changes = {c: "object" for c in columns if c in frame.columns}
    return frame.astype(changes) if changes else frame


def with_categories(recommendations: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``category`` column (derived from ``response`` when missing)."""
    if "category" in recommendations.columns:
        return recommendations
    frame = recommendations.copy()
    frame["category"] = [response_category(w) for w in frame["response"]]
    return frame


def _category_counts(categories: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for category, count in pd.Series(list(categories), dtype="object").value_counts().items():
        counts[str(category)] = counts.get(str(category), 0) + int(count)
    return counts


# ------------------------------------------------------------------- response breakdown


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int

    @property
    def value(self) -> float:
        return _share(self.numerator, self.denominator)

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
        return _share(self.count(category), self.total)

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
    frame = with_categories(recommendations)
    if review_id is not None:
        frame = frame[frame["review_id"] == review_id]
    total = len(frame)
    counts = _category_counts(frame["category"])
    categories = pd.DataFrame(
        {
            "Response": [CATEGORY_LABELS.get(c, c) for c in counts],
            "Recommendations": list(counts.values()),
            "Share": [_share(n, total) for n in counts.values()],
        },
        index=pd.Index(list(counts), name="category"),
    )
    wording = frame["response"].astype("object").map(_wording_label)
    by_wording = wording.value_counts(sort=True)
    wordings = pd.DataFrame(
        {
            "Response as published": by_wording.index.astype(str),
            "Recommendations": by_wording.to_numpy(dtype="int64"),
            "Share": [_share(n, total) for n in by_wording.to_numpy()],
        }
    )
    if "position" in frame.columns:
        positions_raw = frame["position"].astype("object")
    else:
        positions_raw = pd.Series([None] * total, dtype="object")
    position_counts = {
        key: int((positions_raw == key).sum()) if key else int(positions_raw.isna().sum())
        for key in POSITION_LABELS
    }
    positions = pd.DataFrame(
        {
            "Position (UN)": [POSITION_LABELS[k] for k in position_counts],
            "Recommendations": list(position_counts.values()),
            "Share": [_share(n, total) for n in position_counts.values()],
        }
    )
    state = year = cycle = month = None
    if review_id is not None and total:
        first = frame.iloc[0]
        state = str(first["state"]) if "state" in frame.columns else None
        year = _int_or_none(first.get("year"))
        cycle = _int_or_none(first.get("cycle"))
        month = _int_or_none(first.get("month"))
        label = label or str(first.get("review", state))
    published = frame["response"].astype("object")
    distinct = {w for w in pd.unique(published) if _wording_label(w) != NO_WORDING}
    stage_of = {w: implementation_stage(w) for w in distinct}
    stage_counts = published.map(stage_of).value_counts()
    stages = {str(k): int(v) for k, v in stage_counts.items() if k}
    answered = int(published.map(lambda w: w in distinct).sum()) if distinct else 0
    positions_only = bool(distinct) and all(
        " ".join(str(w).split()).casefold() in UN_VOCABULARY for w in distinct
    )
    return ResponseBreakdown(
        label=label or ("All recommendations" if review_id is None else f"review {review_id}"),
        total=total,
        counts=counts,
        categories=categories,
        wordings=wordings,
        positions=positions,
        rates=rejection_rates(counts, total),
        state=state,
        year=year,
        cycle=cycle,
        stages=stages,
        answered=answered,
        positions_only=positions_only,
        month=month,
    )


def breakdown_by_review(recommendations: pd.DataFrame) -> pd.DataFrame:
    """One row a review: counts per category, total, and both rejection rates."""
    frame = with_categories(recommendations)
    rows = []
    for review_id, part in frame.groupby("review_id", sort=False):
        counts = _category_counts(part["category"])
        total = len(part)
        strict, broad = rejection_rates(counts, total)
        rows.append(
            {
                "review_id": review_id,
                "Review": part["review"].iloc[0],
                **{CATEGORY_LABELS[c]: counts[c] for c in CATEGORIES},
                "Total": total,
                RATE_LABELS[RATE_STRICT]: strict.value,
                RATE_LABELS[RATE_BROAD]: broad.value,
            }
        )
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


def _wording_label(wording: object) -> str:
    if wording is None or (isinstance(wording, float) and math.isnan(wording)):
        return NO_WORDING
    text = " ".join(str(wording).split())
    return text or NO_WORDING


def _int_or_none(value: object) -> int | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return int(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------- cycle comparison


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
    one = response_breakdown(frame, first_review_id)
    two = response_breakdown(frame, second_review_id)
    for review_id, breakdown in ((first_review_id, one), (second_review_id, two)):
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


# ------------------------------------------------------------------- theme x response


@dataclass(frozen=True)
class CrossTab:
    """Themes down, categories across: counts and row shares, and who is in each cell."""

    counts: pd.DataFrame  # index: theme; columns: category labels, then "Total"
    shares: pd.DataFrame  # index: theme; columns: category labels (row shares)
    rejection: pd.DataFrame  # index: theme; both rejection rates
    members: pd.DataFrame  # id, theme, category: one row a recommendation in a cell
    total: int = 0  # recommendations of the selection
    coded: int = 0  # of them, coded for at least one theme

    @property
    def basis(self) -> str:
        """What the table rests on: "of 428 recommendations, 6 coded for themes"."""
        return f"of {self.total} recommendations, {self.coded} coded for themes"

    def ids(self, theme: str, category: str | None = None) -> list[int]:
        """The recommendations behind a cell (category key or label; None: the row)."""
        rows = self.members[self.members["theme"] == theme]
        if category is not None and category != "Total":
            key = _category_key(category)
            rows = rows[rows["category"] == key]
        return sorted(int(i) for i in rows["id"].unique())


def _category_key(category: str) -> str:
    if category in CATEGORIES:
        return category
    for key, label in CATEGORY_LABELS.items():
        if label.casefold() == category.casefold():
            return key
    raise ValueError(
        f"'{category}' is not a response; the responses are: " + ", ".join(CATEGORY_LABELS.values())
    )


def theme_crosstab(
    recommendations: pd.DataFrame,
    themes: pd.DataFrame,
    *,
    level: Literal["theme", "group"] = "theme",
    include_uncoded: bool = True,
) -> CrossTab:
    """Theme x response. A recommendation with several themes counts once under each of
    them (so the rows add up to more than the recommendations); at the group level it
    counts once per group whatever the number of its themes there."""
    frame = with_categories(recommendations)[["id", "category"]]
    total = len(frame)
    coded_ids = int(frame["id"].isin(set(themes["id"])).sum()) if len(themes) else 0
    column = "theme" if level == "theme" else "group"
    wanted = ["id", column, *(["order"] if "order" in themes.columns else [])]
    coded = _plain(themes, column)[wanted]
    coded = coded.rename(columns={column: "theme"})
    coded = coded[coded["id"].isin(frame["id"])]
    members = coded.merge(frame, on="id", how="inner").drop_duplicates(["id", "theme"])
    # Plain objects: categorical columns would bring every unused theme and category along.
    members = members.astype({"theme": "object", "category": "object"})
    if include_uncoded:
        missing = frame[~frame["id"].isin(coded["id"])]
        if len(missing):
            extra = missing.assign(theme=NO_THEME)
            if "order" in members.columns:
                extra = extra.assign(order=math.inf)
            members = (
                extra.reset_index(drop=True)
                if members.empty
                else pd.concat([members, extra], ignore_index=True)
            )
    labels = [CATEGORY_LABELS[c] for c in CATEGORIES]
    if members.empty:
        empty = pd.DataFrame(columns=[*labels, "Total"], dtype="int64")
        empty.index.name = "Theme"
        return CrossTab(
            empty,
            pd.DataFrame(columns=labels, dtype="float64"),
            pd.DataFrame(columns=list(RATE_LABELS.values()), dtype="float64"),
            pd.DataFrame(columns=["id", "theme", "category"]),
            total,
            coded_ids,
        )
    counts = pd.crosstab(members["theme"], members["category"])
    counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
    counts.columns = labels
    counts["Total"] = counts.sum(axis=1)
    if "order" in members.columns:
        order = members.groupby("theme")["order"].min()
        counts = counts.loc[order.sort_values(kind="stable").index]
    else:
        counts = counts.sort_values("Total", ascending=False, kind="stable")
        if NO_THEME in counts.index:
            counts = pd.concat([counts.drop(index=NO_THEME), counts.loc[[NO_THEME]]])
    counts.index.name = "Theme"
    shares = counts[labels].div(counts["Total"].where(counts["Total"] > 0), axis=0)
    rejection = pd.DataFrame(
        {
            RATE_LABELS[RATE_STRICT]: counts[CATEGORY_LABELS[REJECTED]] / counts["Total"],
            RATE_LABELS[RATE_BROAD]: (
                counts[CATEGORY_LABELS[REJECTED]] + counts[CATEGORY_LABELS[NOTED]]
            )
            / counts["Total"],
        }
    )
    return CrossTab(
        counts.astype("int64"),
        shares,
        rejection,
        members[["id", "theme", "category"]].reset_index(drop=True),
        total,
        coded_ids,
    )


def recommendations_in_cell(
    recommendations: pd.DataFrame, crosstab: CrossTab, theme: str, category: str | None = None
) -> pd.DataFrame:
    """The recommendations behind one cell of a cross-tabulation, in reading order."""
    ids = crosstab.ids(theme, category)
    frame = with_categories(recommendations)
    rows = frame[frame["id"].isin(ids)]
    return _reading_order(rows)


def _reading_order(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("review", "sort_key", "id") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ statement checker


@dataclass(frozen=True)
class StatementCheck:
    claim: str
    holds: bool
    in_theme: int  # recommendations concerning the theme
    counter_examples: pd.DataFrame
    verdict: str
    basis: str = ""  # what it rests on: "of 428 recommendations, 55 coded for themes"


def _find_theme(themes: pd.DataFrame, theme: str) -> tuple[str, pd.Series]:
    """(its label, a mask of the rows of ``themes`` it covers): by key, label or group."""
    themes = _plain(themes, "key", "theme", "group")
    wanted = theme.strip().casefold()
    for column in ("key", "theme"):
        if column in themes.columns:
            mask = themes[column].astype(str).str.casefold() == wanted
            if mask.any():
                return str(themes.loc[mask, "theme"].iloc[0]), mask
    if "group" in themes.columns:
        mask = themes["group"].astype(str).str.casefold() == wanted
        if mask.any():
            return str(themes.loc[mask, "group"].iloc[0]), mask
    raise ValueError(f"No recommendation is coded with a theme called '{theme}'.")


def check_statement(
    recommendations: pd.DataFrame,
    themes: pd.DataFrame,
    theme: str,
    category: str = ACCEPTED,
    *,
    quantifier: Literal["none", "all"] = "none",
    known_themes: Sequence[str] = (),
) -> StatementCheck:
    """Check "no accepted recommendation concerns torture" (``quantifier="none"``) or
    "every recommendation on reprisals was rejected" (``"all"``) and list the
    recommendations that contradict it. ``theme`` is a code key, label or group label;
    a theme of the codebook that nobody coded (named in ``known_themes``) concerns none.
    """
    key = _category_key(category)
    frame = with_categories(recommendations)
    try:
        label, mask = _find_theme(themes, theme)
        ids = set(themes.loc[mask, "id"])
    except ValueError:
        if theme.strip().casefold() not in {t.casefold() for t in known_themes}:
            raise
        label, ids = theme.strip(), set()
    in_theme = frame[frame["id"].isin(ids)]
    word = CATEGORY_VERBS[key] if key != NO_RESPONSE else "left without a clear response"
    if quantifier == "none":
        claim = f"No {CATEGORY_LABELS[key].lower()} recommendation concerns {label}."
        counter = in_theme[in_theme["category"] == key]
    elif quantifier == "all":
        claim = f"Every recommendation on {label} was {word}."
        counter = in_theme[in_theme["category"] != key]
    else:
        raise ValueError("A statement says 'none' or 'all'.")
    counter = _reading_order(counter)
    holds = counter.empty and (quantifier == "none" or len(in_theme) > 0)
    n = len(in_theme)
    coded = int(frame["id"].isin(set(themes["id"])).sum()) if len(themes) else 0
    basis = f"of {len(frame)} recommendations, {coded} coded for themes"
    if quantifier == "all" and n == 0:
        verdict = f"Cannot be said: no recommendation concerns {label}."
    elif holds:
        verdict = f"True: none of the {n} recommendations on {label} contradicts it."
    else:
        verdict = (
            f"False: {len(counter)} of the {n} recommendations on {label} "
            f"contradict{'s' if len(counter) == 1 else ''} it."
        )
    verdict = f"{verdict} It rests on the coded recommendations: {basis}."
    return StatementCheck(claim, holds, n, counter, verdict, basis)


# -------------------------------------------------- by recommending state, by group


def _answers(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    counts = pd.crosstab(frame[key], frame["category"])
    counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
    counts.columns = [CATEGORY_LABELS[c] for c in CATEGORIES]
    total = counts.sum(axis=1)
    result = counts.copy()
    result.insert(0, "Recommendations", total)
    result["Share accepted"] = counts[CATEGORY_LABELS[ACCEPTED]] / total
    result[RATE_LABELS[RATE_STRICT]] = counts[CATEGORY_LABELS[REJECTED]] / total
    result[RATE_LABELS[RATE_BROAD]] = (
        counts[CATEGORY_LABELS[REJECTED]] + counts[CATEGORY_LABELS[NOTED]]
    ) / total
    return result


def by_recommending_state(
    recommendations: pd.DataFrame, recommending: pd.DataFrame
) -> pd.DataFrame:
    """One row a recommending state: how many recommendations it made (a joint one counts
    for each of its states) and how they were answered."""
    frame = with_categories(recommendations)[["id", "category"]]
    joined = _plain(recommending, "state", "regional_group").merge(frame, on="id", how="inner")
    joined = _plain(joined, "category")
    if joined.empty:
        return pd.DataFrame(columns=["Regional group", "Recommendations"])
    result = _answers(joined, "state")
    groups = joined.drop_duplicates("state").set_index("state")["regional_group"]
    result.insert(0, "Regional group", groups.reindex(result.index).fillna(""))
    result.index.name = "Recommending state"
    return result.sort_values(
        ["Recommendations", "Regional group"], ascending=[False, True], kind="stable"
    )


def by_regional_group(recommendations: pd.DataFrame, recommending: pd.DataFrame) -> pd.DataFrame:
    """One row a UN regional group of the recommending states; a recommendation made
    jointly by two states of one group counts once for it."""
    frame = with_categories(recommendations)[["id", "category"]]
    plain = _plain(recommending, "state", "regional_group")
    groups = plain.assign(
        regional_group=plain["regional_group"].fillna("(no regional group)")
    ).drop_duplicates(["id", "regional_group"])
    joined = _plain(groups.merge(frame, on="id", how="inner"), "category")
    if joined.empty:
        return pd.DataFrame(columns=["Recommendations"])
    result = _answers(joined, "regional_group")
    result.index.name = "Regional group"
    return result.sort_index()


# ----------------------------------------------------------------- response verification

CONFIRMED = "confirmed"
CORRECTED = "corrected"
DISAGREEMENT = "coders disagree"
UNVERIFIABLE = "unverifiable"
NOT_VERIFIED = "not verified yet"
OUTCOMES = (CONFIRMED, CORRECTED, DISAGREEMENT, UNVERIFIABLE, NOT_VERIFIED)


@dataclass(frozen=True)
class ResponseVerification:
    counts: dict[str, int]  # outcome -> recommendations
    review: pd.DataFrame  # the ones to look at again: corrected, or coders disagree
    outcomes: pd.DataFrame = field(repr=False)  # id, outcome for every recommendation


def verify_responses(
    recommendations: pd.DataFrame, verified: pd.DataFrame, *, listing: bool = True
) -> ResponseVerification:
    """Compare coders' verified responses with the published ones.

    ``verified`` has one row per coder's verified response: ``id``, ``coder`` and
    ``value`` (a code key of the verified-response field; see ``CODE_CATEGORIES``).
    Compared by category, so "accepted and being implemented" confirms "accepted".
    A recommendation is *confirmed* when its coders agree with the published response,
    *corrected* when they agree on another one, *coders disagree* when they differ,
    *unverifiable* when they agree that no clear response can be established, and
    *not verified yet* when no coder has given one. ``listing=False`` gives the counts
    only (a summary of a large project need not list half of it).
    """
    frame = with_categories(recommendations)
    codes = {v: code_category(str(v)) or str(v) for v in pd.unique(verified["value"])}
    values = pd.DataFrame(
        {
            "id": verified["id"].to_numpy(),
            "coder": verified["coder"].astype("object").to_numpy(),
            "verified": verified["value"].astype("object").map(codes).to_numpy(),
        }
    )
    values = values[values["id"].isin(frame["id"])]
    grouped = values.groupby("id")["verified"]
    distinct = grouped.nunique()
    first = grouped.first()
    ids = frame["id"].to_numpy()
    published = frame["category"].astype("object").to_numpy()
    n = distinct.reindex(ids).to_numpy()
    said = first.reindex(ids).to_numpy()
    outcome_of = np.select(
        [
            pd.isna(n),
            n > 1,
            said == NO_RESPONSE,
            said == published,
        ],
        [NOT_VERIFIED, DISAGREEMENT, UNVERIFIABLE, CONFIRMED],
        default=CORRECTED,
    )
    outcomes = list(zip(ids.tolist(), outcome_of.tolist(), strict=True))
    flagged = frame[np.isin(outcome_of, (CORRECTED, DISAGREEMENT))]
    listed: list[dict[str, object]] = []
    if listing and not flagged.empty:
        mine = values[values["id"].isin(flagged["id"])].sort_values(["id", "coder"])
        by_id: dict[int, list[tuple[str, str]]] = {}
        for rid, coder, value in zip(mine["id"], mine["coder"], mine["verified"], strict=True):
            by_id.setdefault(int(rid), []).append((str(coder), str(value)))
        outcome_by_id = dict(outcomes)
        for row in flagged.itertuples(index=False):
            said_here = by_id.get(int(row.id), [])
            kinds = {v for _, v in said_here}
            only = next(iter(kinds)) if len(kinds) == 1 else None
            listed.append(
                {
                    "id": int(row.id),
                    "Review": getattr(row, "review", ""),
                    "Number": getattr(row, "number", ""),
                    "Published response": _wording_label(row.response),
                    "Published category": CATEGORY_LABELS.get(row.category, row.category),
                    "Verified": (CATEGORY_LABELS.get(only, only) if only else "(coders disagree)"),
                    "Coders": "; ".join(
                        f"{coder}: {CATEGORY_LABELS.get(v, v)}" for coder, v in said_here
                    ),
                    "Outcome": outcome_by_id[int(row.id)],
                }
            )
    counts = dict.fromkeys(OUTCOMES, 0)
    for _, outcome in outcomes:
        counts[outcome] += 1
    columns = [
        "id",
        "Review",
        "Number",
        "Published response",
        "Published category",
        "Verified",
        "Coders",
        "Outcome",
    ]
    return ResponseVerification(
        counts,
        pd.DataFrame(listed, columns=columns),
        pd.DataFrame(outcomes, columns=["id", "outcome"]),
    )


# ---------------------------------------------------------------------- coding progress

STATUS_COLUMNS = {
    status: vocabulary.status_label(status).capitalize()
    for status in ("done", "in_progress", "flagged", "skipped")
}


@dataclass(frozen=True)
class CodingProgress:
    by_coder: pd.DataFrame  # one row a coder
    total: int  # recommendations in the selection
    done_by_any: int  # done by at least one coder
    done_by_two: int  # done by two coders or more (what reliability can compare)

    @property
    def share_done(self) -> float:
        return _share(self.done_by_any, self.total)


def coding_progress(
    statuses: pd.DataFrame,
    total: int,
    *,
    coders: Sequence[str] = (),
    assignments: pd.DataFrame | None = None,
    ids: Iterable[int] | None = None,
) -> CodingProgress:
    """Per coder: how many recommendations they have to code (their assignment, or all
    of them when they have none), and how many of those are done, in progress, flagged,
    skipped or not started; overall: done by one coder or more, and by two or more.

    ``statuses``: ``id``, ``coder``, ``status``; ``assignments``: ``id``, ``coder``;
    ``ids`` limits everything to those recommendations (``total`` is their number).
    """
    if ids is not None:
        keep = set(ids)
        statuses = statuses[statuses["id"].isin(keep)]
        if assignments is not None:
            assignments = assignments[assignments["id"].isin(keep)]
    names = list(dict.fromkeys([*coders, *statuses["coder"].astype(str)]))
    assigned: dict[str, set[int]] = {}
    if assignments is not None:
        for coder, part in assignments.groupby("coder"):
            assigned[str(coder)] = set(part["id"])
            if str(coder) not in names:
                names.append(str(coder))
    rows = []
    for name in sorted(names, key=str.casefold):
        own = statuses[statuses["coder"] == name]
        scope = assigned.get(name)
        if scope is not None:
            own = own[own["id"].isin(scope)]
        to_code = len(scope) if scope is not None else total
        counts = own["status"].value_counts()
        row: dict[str, object] = {"Coder": name, "To code": to_code}
        started = 0
        for status, label in STATUS_COLUMNS.items():
            n = int(counts.get(status, 0))
            row[label] = n
            started += n
        row["Not started"] = max(to_code - started, 0)
        row["Share done"] = _share(int(row["Done"]), to_code)  # type: ignore[arg-type]
        rows.append(row)
    by_coder = pd.DataFrame(
        rows,
        columns=["Coder", "To code", *STATUS_COLUMNS.values(), "Not started", "Share done"],
    )
    done = statuses[statuses["status"] == "done"].groupby("id")["coder"].nunique()
    return CodingProgress(by_coder, total, int((done >= 1).sum()), int((done >= 2).sum()))


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as people read it: shares and rates as percentages, blanks for none."""
    # Categorical columns (review, response: stored once each) refuse a blank they do
    # not hold; as people read them they are plain text.
    shown = frame.astype(
        {c: "object" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    )
    for column in shown.columns:
        name = str(column)
        if "share" in name.casefold() or name.startswith("Rejection rate"):
            shown[column] = [percent(v) for v in shown[column]]
        elif "(points)" in name:
            shown[column] = [f"{v:+.1f}" if v == v else "–" for v in shown[column]]
    return shown.fillna("")
