"""The export's Summary sheet: the tables a report quotes, each with its chart beside it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.services import analysis_data, permissions
from annotator.services.coding import form_spec
from annotator.services.exporting import summary_counts
from annotator.services.exporting.options import (
    MAX_CHART_REVIEWS,
    MAX_LISTED,
    PERCENT,
    SHEET_SUMMARY,
)
from annotator.services.exporting.progress import coding_progress
from annotator.services.exporting.themes import theme_crosstab
from annotator.services.sources import (
    Source,
)
from annotator.workbooks import (
    Book,
    column_letter,
)


class Summary:
    """The Summary sheet: the tables a report quotes, each with its chart beside it."""

    def __init__(
        self,
        workbook: Book,
        session: Session,
        source: Source,
        review_ids: Sequence[int] | None,
        by_coder_id: int | None,
    ) -> None:
        self.book = workbook
        self.sheet = workbook.rows(SHEET_SUMMARY, [(1, 46), *((i, 13) for i in range(2, 18))])
        # Who asks decides whose verified responses count: a coder works blind.
        permissions.check_source(session, source, by_coder_id)
        self.own_only = None if permissions.sees_others(session, by_coder_id) else by_coder_id
        self.reviews = analysis_data.reviews_frame(session)
        self.groups = summary_counts.response_groups(session, review_ids)
        self.total = sum(g.recommendations for g in self.groups)
        self.session = session
        self.review_ids = review_ids
        self.source = source
        # The first row (counted from 0) no chart covers yet: charts beside different
        # tables are stacked down the sheet by their own heights, so none overlaps.
        self._chart_free_row = 0

    def put(
        self,
        values: Sequence[Any],
        *,
        bold: bool = False,
        percent_from: int | None = None,
        italic: bool = False,
    ) -> int:
        return self.sheet.put(
            [_plain(v) for v in values],
            bold=bold,
            italic=italic,
            number_format=PERCENT if percent_from is not None else None,
            number_from=percent_from,
        )

    def base(self, words: str) -> None:
        """The line under a table that says what its percentages are of (issue 15 item 6)."""
        self.put([words], italic=True)

    @property
    def row(self) -> int:
        return self.sheet.row

    def gap(self) -> None:
        self.sheet.gap()

    def chart(
        self,
        kind: str,
        title: str,
        top: int,
        columns: range,
        count: int,
        anchor: str,
        size: tuple[float, float],
        *,
        stacked: bool = False,
    ) -> Any:
        """A native bar chart of the table whose header is row ``top``: one series per
        column (counted from 1) in ``columns``, ``count`` rows of categories in column A."""
        options: dict[str, str] = {"type": kind}
        if stacked:
            options["subtype"] = "percent_stacked"
        chart = self.book.workbook.add_chart(options)
        for column in columns:
            chart.add_series(
                {
                    "name": [SHEET_SUMMARY, top - 1, column - 1],
                    "categories": [SHEET_SUMMARY, top, 0, top + count - 1, 0],
                    "values": [SHEET_SUMMARY, top, column - 1, top + count - 1, column - 1],
                    **({"overlap": 100} if stacked else {}),
                }
            )
        chart.set_title({"name": title})
        # openpyxl's sizes were in centimetres; XlsxWriter's are pixels (96 an inch).
        height = round(size[1] * 37.8)
        chart.set_size({"width": round(size[0] * 37.8), "height": height})
        letters = anchor.rstrip("0123456789")
        row = max(int(anchor[len(letters) :]) - 1, self._chart_free_row)
        # On paper each chart starts a page, with its table's title if that fits
        # below the chart before it; the sheet's first chart is on the first page.
        if self._chart_free_row:
            self.sheet.page_break(max(min(row, top - 2), self._chart_free_row))
        self._chart_free_row = row + math.ceil(height / ROW_PIXELS) + 1
        self.sheet.chart(f"{letters}{row + 1}", chart)
        return chart

    def breakdown(self, review_id: int | None = None) -> analysis.ResponseBreakdown:
        """A review's breakdown (or the selection's), from the database's counts."""
        groups = [
            (g.response, g.position, g.recommendations)
            for g in self.groups
            if review_id is None or g.review_id == review_id
        ]
        if review_id is None:
            return analysis.counted_breakdown(groups, "All recommendations")
        review = self.reviews[self.reviews["review_id"] == review_id].iloc[0]
        return analysis.counted_breakdown(
            groups,
            str(review["review"]),
            state=str(review["state"]),
            year=_whole(review["year"]),
            cycle=_whole(review["cycle"]),
            month=_whole(review["month"]),
        )

    def write(self) -> None:
        self.put(["Summary"], bold=True)
        self.put(
            [
                "Responses are read into five categories from the state's own wording; "
                "the rejection rate is given both ways reports define it."
            ],
            italic=True,
        )
        self.gap()
        reviews = list(dict.fromkeys(g.review_id for g in self.groups))
        only = reviews[0] if len(reviews) == 1 else None
        breakdown = self.breakdown(only)
        self._responses(breakdown, "Responses" if only else "Responses (all reviews)")
        by_review = {r: self.breakdown(r) for r in reviews}
        if len(reviews) > 1:
            self._by_review(by_review)
            self._comparisons(by_review)
        self._wordings(by_review)
        self._positions(breakdown)
        self._themes()
        self._groups()
        self._verification()
        self._progress()

    def _responses(self, b: analysis.ResponseBreakdown, title: str) -> None:
        self.put([title if b.state is None else f"{title}: {b.label}"], bold=True)
        top = self.put(["Response", "Recommendations", "Share"], bold=True)
        for _, row in b.categories.iterrows():
            self.put([row["Response"], row["Recommendations"], row["Share"]], percent_from=2)
        self.put(["All recommendations", b.total, 1.0 if b.total else None], percent_from=2)
        for rate in b.rates:
            self.put([rate.label, rate.numerator, rate.value], percent_from=2)
        if b.state is not None:
            self.put([b.sentence()], italic=True)
        self.put([f"These figures rest on the published responses: {b.basis}."], italic=True)
        chart = self.chart(
            "column",
            "Responses",
            top,
            range(2, 3),
            len(analysis.CATEGORIES),
            f"F{top - 1}",
            (16, 7.5),
        )
        chart.set_y_axis({"name": "Recommendations"})
        chart.set_legend({"none": True})
        self.gap()
        # The chart is taller than the table: keep the next table clear of it.
        for _ in range(max(0, 16 - (self.row - top))):
            self.gap()

    def _by_review(self, by_review: dict[int, analysis.ResponseBreakdown]) -> None:
        table = analysis.counted_breakdown_by_review(by_review.items())
        self.put(["Responses by review"], bold=True)
        headers = [c for c in table.columns if c != "review_id"]
        top = self.put(headers, bold=True)
        rate_from = headers.index(analysis.RATE_LABELS[analysis.RATE_STRICT])
        for _, row in table.iterrows():
            self.put([row[h] for h in headers], percent_from=rate_from)
        self.base(
            "Each rate is of the review's own recommendations (its Total); "
            "the counts are beside it."
        )
        if len(table) <= MAX_CHART_REVIEWS:
            self.chart(
                "bar",
                "Responses by review",
                top,
                range(2, 2 + len(analysis.CATEGORIES)),
                len(table),
                f"L{top - 1}",
                (18, max(7.5, 1.0 * len(table) + 4)),
                stacked=True,
            )
        self.gap()

    def _comparisons(self, by_review: dict[int, analysis.ResponseBreakdown]) -> None:
        reviews = self.reviews[self.reviews["review_id"].isin(list(by_review))]
        lines = []
        for state, part in reviews.groupby("state", sort=True):
            if len(part) < 2:
                continue
            # By cycle, then date: a review without a year is still in its cycle.
            ordered = part.sort_values(["cycle", "year", "month"], na_position="first")
            first, last = int(ordered.iloc[-2]["review_id"]), int(ordered.iloc[-1]["review_id"])
            comparison = analysis.compare_breakdowns(
                by_review[first], by_review[last], (first, last)
            )
            lines.append(f"{state}: {comparison.not_accepted_sentence()}")
            lines.append(f"{state}: {comparison.sentence()}")
            lines.append(f"{state}: {comparison.sentence(analysis.RATE_STRICT)}")
        if not lines:
            return
        self.put(["Cycle to cycle (the two latest reviews of each state)"], bold=True)
        for line in lines:
            self.put([line])
        self.gap()

    def _wordings(self, by_review: dict[int, analysis.ResponseBreakdown]) -> None:
        self.put(["Responses as published (the state's own wording)"], bold=True)
        self.put(["Review", "Response as published", "Recommendations", "Share"], bold=True)
        for b in by_review.values():
            for _, row in b.wordings.iterrows():
                self.put(
                    [b.label, row["Response as published"], row["Recommendations"], row["Share"]],
                    percent_from=3,
                )
        self.base("Each share is of its review's recommendations; the count is beside it.")
        self.gap()

    def _positions(self, b: analysis.ResponseBreakdown) -> None:
        self.put(["Normalised position (UN: supported / noted)"], bold=True)
        self.put(["Position (UN)", "Recommendations", "Share"], bold=True)
        for _, row in b.positions.iterrows():
            self.put(list(row), percent_from=2)
        self.base(f"Shares are of all {b.total} recommendations; the count is beside each.")
        self.gap()

    def _themes(self) -> None:
        self.put([f"Themes × response (themes as coded by {self._source_words()})"], bold=True)
        field = analysis_data.theme_field(form_spec(self.session))
        tab = (
            theme_crosstab(self.session, field, self.source, self.review_ids)
            if field is not None
            else None
        )
        if tab is None:
            self.put(["No themes are coded yet."], italic=True)
            self.gap()
            return
        labels = [analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES]
        headers = [
            "Theme",
            *labels,
            "Total",
            *(f"Share {label.lower()}" for label in labels),
            *analysis.RATE_LABELS.values(),
        ]
        top = self.put(headers, bold=True)
        for theme, counts in tab.counts.iterrows():
            shares = tab.shares.loc[theme]
            rates = tab.rejection.loc[theme]
            self.put(
                [theme, *counts.tolist(), *shares.tolist(), *rates.tolist()],
                percent_from=len(labels) + 2,
            )
        self.base(
            "Each share and rate is of the theme's own recommendations (its Total); "
            "the counts are in the columns before them."
        )
        themed = [t for t in tab.counts.index if t != analysis.NO_THEME]
        if themed:
            chart = self.chart(
                "bar",
                "Rejection rate by theme: (rejected + noted) / all",
                top,
                range(len(headers), len(headers) + 1),
                len(themed),
                f"{column_letter(len(headers) + 2)}{top}",
                (18, max(7.5, 0.55 * len(themed) + 3)),
            )
            chart.set_legend({"none": True})
            # In a bar chart XlsxWriter's x axis is the values' (horizontal) one.
            chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
            chart.set_y_axis({"reverse": True})  # the table's order, top down
        self.gap()
        # Keep the next table clear of a tall chart.
        for _ in range(max(0, 10 - len(tab.counts))):
            self.gap()

    def _source_words(self) -> str:
        if self.source.kind == "all-coders":
            return "any coder: a theme counts when at least one coder coded it"
        return self.source.label

    def _groups(self) -> None:
        table = analysis.regional_group_table(
            summary_counts.regional_groups(self.session, self.review_ids)
        )
        self.put(["Regional group of the recommending states × response"], bold=True)
        if table.empty:
            self.put(["No recommending states are known."], italic=True)
            self.gap()
            return
        headers = ["Regional group", *table.columns]
        top = self.put(headers, bold=True)
        share_from = headers.index("Share accepted")
        for group, row in table.iterrows():
            self.put([group, *row.tolist()], percent_from=share_from)
        self.base(
            "Each share and rate is of the recommendations made by the group's states "
            "(its Recommendations); the counts are in the columns before them."
        )
        self.chart(
            "bar",
            "Responses by regional group of the recommending states",
            top,
            range(3, 3 + len(analysis.CATEGORIES)),
            len(table),
            f"{column_letter(len(headers) + 2)}{top}",
            (18, 7.5),
            stacked=True,
        )
        self.gap()
        for _ in range(max(0, 15 - len(table))):
            self.gap()

    def _verification(self) -> None:
        spec = next(
            (f for f in form_spec(self.session).fields if f.key == analysis_data.VERIFIED_FIELD),
            None,
        )
        if spec is None:
            return
        v = summary_counts.verification(self.session, spec, self.review_ids, self.own_only)
        if v is None:
            return
        self.put(["Verification of the published responses by the coders"], bold=True)
        self.put(["Outcome", "Recommendations"], bold=True)
        for outcome, count in v.counts.items():
            self.put([outcome.capitalize(), count])
        self.gap()
        if not v.flagged:
            return
        # Where the coders' verified response differs from the published one, or the
        # coders differ: each is listed so that someone looks at it again. Only the
        # ones shown are read in full (a large project may flag half its
        # recommendations; listing them all would hold them all).
        labels = dict(zip(self.reviews["review_id"], self.reviews["review"], strict=True))
        shown = summary_counts.listed(self.session, spec, v.first, labels, self.own_only)
        self.put(
            [f"Verified and published responses disagree: {v.flagged} recommendations"],
            bold=True,
        )
        self.put(list(shown.columns), bold=True)
        for row in shown.itertuples(index=False):
            self.put(list(row))
        if v.flagged > MAX_LISTED:
            self.put([f"… and {v.flagged - MAX_LISTED} more (annotator stats --verify)"])
        self.gap()

    def _progress(self) -> None:
        p = coding_progress(self.session, self.total, self.review_ids)
        self.put(["Coding progress"], bold=True)
        if p.by_coder.empty:
            self.put(["Nobody has coded yet."], italic=True)
            return
        headers = list(p.by_coder.columns)
        self.put(headers, bold=True)
        for _, row in p.by_coder.iterrows():
            self.put(row.tolist(), percent_from=len(headers) - 1)
        self.base("Each coder's share done is of the recommendations they have to code (To code).")
        self.put(["Done by at least one coder", p.done_by_any])
        self.put(["Done by two coders or more", p.done_by_two])


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, NaN as a blank."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _whole(value: Any) -> int | None:
    """A review's year, cycle or month as a number (None when not known)."""
    return None if value is None or pd.isna(value) else int(value)


# The height of a sheet's row in pixels (Excel's default, 15 points), to place charts.
ROW_PIXELS = 20
