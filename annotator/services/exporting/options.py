"""What an export is asked for and what it tells back: its options, its result, the
choices the export dialog offers, the sheet names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from annotator.services import analysis_data, permissions
from annotator.store.project import Project
from annotator.workbooks import (
    CUT_MARK,
    MAX_CELL_CHARS,
)

ProgressFn = Callable[[str, int, int], None]
FORMATS = ("xlsx", "csv")
CHUNK = 500
CUT_LISTED = 20  # recommendations named in the report's sentence on cut texts
LIST_SEPARATOR = "; "
PERCENT = "0.0%"
POSITIONS = {"supported": "Supported", "noted": "Noted"}
SHEET_RECOMMENDATIONS = "Recommendations"
SHEET_CODERS = "Codes by coder"
SHEET_SUMMARY = "Summary"
MAX_LISTED = 1000  # disagreements listed on the Summary sheet
SHEET_RELIABILITY = "Reliability"
SHEET_CODEBOOK = "Codebook"
SHEET_ABOUT = "About"
SHEET_LISTS = "Lists"
# Charts of many bars say nothing; past this many reviews the tables speak alone.
MAX_CHART_REVIEWS = 30
# Above this many recommendations coded by two coders, the Reliability sheet points to
# 'annotator irr' instead of measuring (see Job._reliability).
RELIABILITY_LIMIT = 5_000


class ExportCancelled(Exception):
    """The person asked to stop; no file was left behind."""


@dataclass(frozen=True)
class ExportOptions:
    format: str = "xlsx"
    source: str = "consensus"  # consensus, coder:NAME or all-coders
    review_ids: tuple[int, ...] | None = None  # None: every review
    reliability: bool = True  # the Reliability sheet, when coders overlap


@dataclass
class ExportResult:
    path: Path
    format: str
    source: str
    recommendations: int
    coder_rows: int
    sheets: tuple[str, ...]
    seconds: float
    filters: tuple[str, ...] = ()
    # Cells whose text was longer than a spreadsheet cell holds, so it was cut (and
    # marked); and the recommendations they belong to (their ids and numbers).
    cut_cells: int = 0
    cut_recommendations: tuple[str, ...] = ()

    def cut_sentence(self) -> str | None:
        """What the report says about texts cut to fit a cell, or None."""
        if not self.cut_cells:
            return None
        shown = ", ".join(self.cut_recommendations[:CUT_LISTED])
        more = len(self.cut_recommendations) - CUT_LISTED
        return (
            f"{self.cut_cells} cell{'s' if self.cut_cells != 1 else ''} held more than "
            f"{MAX_CELL_CHARS:,} characters, the most a spreadsheet cell holds, and "
            f"{'were' if self.cut_cells != 1 else 'was'} cut (marked '{CUT_MARK.strip()}'); "
            f"recommendations: {shown}{f' and {more} more' if more > 0 else ''}. "
            "The CSV export keeps the whole texts."
        )


@dataclass(frozen=True)
class ExportChoices:
    """What the export dialog offers, read from the project."""

    coders: tuple[str, ...]  # coders who have coded or marked anything
    reviews: tuple[tuple[int, str], ...]
    has_consensus: bool
    coder_name: str | None  # the coder at the keyboard
    sees_others: bool = True  # False for a coder: they export their own codes only

    def default_source(self) -> str:
        if not self.sees_others:
            return f"coder:{self.coder_name}"
        if self.has_consensus or not self.coders:
            return "consensus"
        if self.coder_name in self.coders:
            return f"coder:{self.coder_name}"
        return "all-coders"


def export_choices(project: Project, coder_id: int | None = None) -> ExportChoices:
    from annotator.services.sources import coders_with_codes
    from annotator.store.models import Coder, Consensus

    with project.session() as session:
        reviews = analysis_data.reviews_frame(session)
        has_consensus = bool(session.scalar(select(func.count()).select_from(Consensus)))
        me = session.get(Coder, coder_id) if coder_id is not None else None
        return ExportChoices(
            coders=tuple(name for _, name in coders_with_codes(session)),
            reviews=tuple(
                (int(r), str(label))
                for r, label in zip(reviews["review_id"], reviews["review"], strict=True)
            ),
            has_consensus=has_consensus,
            coder_name=me.name if me is not None else None,
            sees_others=permissions.sees_others(session, coder_id),
        )
