"""Theme × response: the cross-tabulation and the recommendations in one of its cells."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from annotator.analysis.categories import (
    CATEGORIES,
    CATEGORY_LABELS,
    NO_THEME,
    NOTED,
    RATE_BROAD,
    RATE_LABELS,
    RATE_STRICT,
    REJECTED,
    with_categories,
)
from annotator.analysis.shares import percent, plain_columns


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

    def shares_with_counts(self) -> pd.DataFrame:
        """Row shares as people read them, each with the count it rests on:
        "83.3 % (25 of 30)", and the row's recommendations beside them."""
        shown = pd.DataFrame(index=self.counts.index)
        for label in self.shares.columns:
            shown[label] = [
                f"{percent(share)} ({int(n)} of {int(whole)})"
                for share, n, whole in zip(
                    self.shares[label], self.counts[label], self.counts["Total"], strict=True
                )
            ]
        shown["Recommendations"] = self.counts["Total"].astype("int64")
        return shown

    def not_accepted_counts(self) -> pd.Series:
        """Per theme, the recommendations rejected or noted: the count behind the broad
        rejection rate."""
        counts = self.counts
        return (counts[CATEGORY_LABELS[REJECTED]] + counts[CATEGORY_LABELS[NOTED]]).astype("int64")

    def ids(self, theme: str, category: str | None = None) -> list[int]:
        """The recommendations behind a cell (category key or label; None: the row)."""
        rows = self.members[self.members["theme"] == theme]
        if category is not None and category != "Total":
            key = category_key(category)
            rows = rows[rows["category"] == key]
        return sorted(int(i) for i in rows["id"].unique())


def category_key(category: str) -> str:
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
    coded = plain_columns(themes, column)[wanted]
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
    return reading_order(rows)


def reading_order(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("review", "sort_key", "id") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
