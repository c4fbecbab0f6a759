"""Responses by recommending state and by regional group."""

from __future__ import annotations

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
    groups = plain.assign(
        regional_group=plain["regional_group"].fillna("(no regional group)")
    ).drop_duplicates(["id", "regional_group"])
    joined = plain_columns(groups.merge(frame, on="id", how="inner"), "category")
    if joined.empty:
        return pd.DataFrame(columns=["Recommendations"])
    result = _answers(joined, "regional_group")
    result.index.name = "Regional group"
    return result.sort_index()
