"""Responses by recommending state and by regional group."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from annotator.analysis.categories import (
    ACCEPTED,
    CATEGORIES,
    CATEGORY_LABELS,
    NOTED,
    RATE_BROAD,
    RATE_LABELS,
    RATE_STRICT,
    REJECTED,
    with_categories,
)
from annotator.analysis.shares import plain_columns

# Where the recommending state's regional group is not known.
NO_GROUP = "(no regional group)"


def _answers(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return _answer_table(pd.crosstab(frame[key], frame["category"]))


def _answer_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts by category (one column a category) with the total, shares and rates."""
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
    joined = plain_columns(recommending, "state", "regional_group").merge(
        frame, on="id", how="inner"
    )
    joined = plain_columns(joined, "category")
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
    plain = plain_columns(recommending, "state", "regional_group")
    groups = plain.assign(regional_group=plain["regional_group"].fillna(NO_GROUP)).drop_duplicates(
        ["id", "regional_group"]
    )
    joined = plain_columns(groups.merge(frame, on="id", how="inner"), "category")
    if joined.empty:
        return pd.DataFrame(columns=["Recommendations"])
    result = _answers(joined, "regional_group")
    result.index.name = "Regional group"
    return result.sort_index()


def regional_group_table(counts: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """``by_regional_group`` from counts the database made: regional group -> category
    -> recommendations (each counted once for a group however many of its states
    made it)."""
    if not counts:
        return pd.DataFrame(columns=["Recommendations"])
    groups = sorted(counts)
    table = pd.DataFrame(
        [[counts[g].get(c, 0) for c in CATEGORIES] for g in groups],
        index=pd.Index(groups, name="regional_group"),
        columns=list(CATEGORIES),
        dtype="int64",
    )
    result = _answer_table(table)
    result.index.name = "Regional group"
    return result.sort_index()
