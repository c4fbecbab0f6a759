"""Linking sources of one review in either order: a matrix after UPR Info numbers them."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from sqlalchemy import func, select

from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.services.importing import (
    ImportOptions,
    import_files,
    normalise_text,
    run_import,
)
from annotator.store.models import Recommendation, Review, State

DATA = Path(__file__).parent / "data"


def _uprinfo_rows(tmp_path: Path, state: str, session: str) -> Path:
    with gzip.open(DATA / "uprinfo_export_sessions01-20.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    wanted = [r for r in body if r[0] == state and r[header.index("Session")] == session]
    out = io.StringIO()
    csv.writer(out).writerows([header, *wanted])
    path = tmp_path / f"uprinfo_{state}_{session}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_matrix_after_uprinfo_numbers_every_recommendation(empty_project, tmp_path):
    """Slovenia 2014 (session 20): UPR Info rows first, then OHCHR's matrix."""
    first = import_files(
        empty_project, [_uprinfo_rows(tmp_path, "Slovenia", "20")], ImportOptions("uprinfo")
    )
    assert first.count("new") > 150
    plan = import_files(empty_project, [DATA / "slovenia_cycle2_2014_matrix.docx"])
    assert plan.count("ambiguous") == 0
    assert plan.count("updated") + plan.count("new") == 163
    assert plan.count("updated") >= 160  # numbered, not added again
    with empty_project.session() as session:
        numbered = session.scalar(
            select(func.count())
            .select_from(Recommendation)
            .join(Review)
            .join(State)
            .where(State.iso3 == "SVN", Recommendation.number.is_not(None))
        )
        symbol = session.scalar(select(Review.report_symbol).join(State).where(State.iso3 == "SVN"))
    assert numbered == 163
    assert symbol == "A/HRC/28/15"


REVIEW = ReviewRecord("CHN", 2, 17, 2013)


def test_near_identical_recommendations_are_numbered_in_turn(empty_project):
    text = "Continue its efforts to combat poverty, in particular in rural areas"
    uprinfo = ImportBatch(
        file="uprinfo.csv",
        format="uprinfo",
        recommendations=[
            RecommendationRecord(REVIEW, text + ".", recommending_iso3=["PAK"], source="uprinfo"),
            RecommendationRecord(REVIEW, text + ".", recommending_iso3=["CUB"], source="uprinfo"),
            RecommendationRecord(
                REVIEW,
                "Ratify the \u201cOptional Protocol\u201d \u2013 to the Convention [CAT].",
                recommending_iso3=["DNK"],
                source="uprinfo",
            ),
        ],
    )
    run_import(empty_project, [uprinfo], commit=True)
    matrix = ImportBatch(
        file="matrix.docx",
        format="ohchr-matrix",
        recommendations=[
            # the matrix does not say who made these: both UPR Info rows fit either
            RecommendationRecord(REVIEW, text + ";", "186.1", source="ohchr-matrix"),
            RecommendationRecord(REVIEW, text + ";", "186.2", source="ohchr-matrix"),
            RecommendationRecord(
                REVIEW,
                'Ratify the "Optional Protocol" - to the Convention (CAT) (Denmark);',
                "186.3",
                source="ohchr-matrix",
            ),
        ],
    )
    plan = run_import(empty_project, [matrix], commit=True)
    assert [c.action for c in plan.recommendations] == ["updated"] * 3
    with empty_project.session() as session:
        rows = session.execute(select(Recommendation.number)).scalars().all()
    assert sorted(rows) == ["186.1", "186.2", "186.3"]


def test_text_normalisation():
    assert normalise_text("Ratify \u2018it\u2019 \u2014 now [soon] (France, Germany);") == (
        "ratify 'it' - now (soon)"
    )
    assert normalise_text("Ratify the convention ( CAT )") == "ratify the convention (cat)"
    # a bracket that names no state is the recommendation's own
    assert normalise_text("Ratify the Convention (CAT).") == "ratify the convention (cat)"
