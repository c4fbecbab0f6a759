"""Response history: a report's preliminary positions, the addendum, a later update."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ResponseRecord,
    ReviewRecord,
    SourceDocument,
)
from annotator.services import response_history
from annotator.services.importing import ImportOptions, describe, run_import
from annotator.store.models import Recommendation, ResponseEntry, Review
from tests.roles import coordinator_id

REVIEW = ReviewRecord("SVN", 3, 34, None, "A/HRC/43/15")
TEXTS = {
    "121.1": "Ratify the Optional Protocol to the Convention on the Rights of the Child",
    "121.2": "Adopt a national action plan against racism",
    "121.3": "Recognise the German-speaking minority",
}


def report_batch(**changes) -> ImportBatch:
    preliminary = {"121.1": "enjoys the support of Slovenia", "121.2": "will be examined",
                   "121.3": "will be examined"}  # fmt: skip
    preliminary.update(changes)
    return ImportBatch(
        file="A_HRC_43_15.txt",
        format="wg-report",
        document=SourceDocument("report", "A/HRC/43/15", dt.date(2019, 12, 20)),
        recommendations=[
            RecommendationRecord(
                REVIEW, text, number, response=preliminary[number], source="wg-report", row=i
            )
            for i, (number, text) in enumerate(TEXTS.items(), start=10)
        ],
    )


def addendum_batch(extra: tuple[ResponseRecord, ...] = (), **totals) -> ImportBatch:
    return ImportBatch(
        file="A_HRC_43_15_Add1.txt",
        format="responses",
        document=SourceDocument("addendum", "A/HRC/43/15/Add.1", dt.date(2020, 2, 28)),
        responses=[
            ResponseRecord("121.2", "supported", row=4, page=2),
            ResponseRecord("121.3", "noted", "The minority is protected otherwise.", 7, 3),
            *extra,
        ],
        announced_totals=totals,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, tmp_path):
    """An empty project in a file and on the test PostgreSQL server."""
    from annotator.services.projects import init_project

    if request.param == "sqlite":
        made = init_project(tmp_path / "svn.upr")
    else:
        made = init_project(request.getfixturevalue("postgres").new_database())
    yield made
    made.close()


def current(project) -> dict[str, tuple]:
    with project.session() as session:
        rows = session.execute(
            select(Recommendation.number, Recommendation.response, Recommendation.position)
        ).all()
    return {n: (r, p) for n, r, p in rows}


def test_report_then_addendum_make_a_history(project):
    run_import(project, [report_batch()], ImportOptions(), commit=True)
    assert current(project)["121.2"] == ("will be examined", None)
    plan = run_import(
        project, [addendum_batch()], ImportOptions(review=ReviewRecord("SVN", 3)), commit=True
    )
    assert plan.errors == []
    assert current(project) == {
        "121.1": ("enjoys the support of Slovenia", "supported"),
        "121.2": ("supported", "supported"),
        "121.3": ("noted", "noted"),
    }
    with project.session() as session:
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "121.3"))
        items = response_history.history(session, rid)
        review = session.scalar(select(Review))
        assert (review.year, review.month, review.responses_symbol) == (
            2019, 11, "A/HRC/43/15/Add.1"
        )  # fmt: skip
    assert [(i.kind, i.symbol, i.wording, i.category, i.current) for i in items] == [
        ("report", "A/HRC/43/15", "will be examined", "other", False),
        ("addendum", "A/HRC/43/15/Add.1", "noted", "noted", True),
    ]
    assert items[1].explanation == "The minority is protected otherwise."
    assert items[1].place == "A_HRC_43_15_Add1.txt, page 3, line 7"
    # 121.1 was settled at the review: the addendum need not answer it
    assert plan.unanswered == []


def test_a_recommendation_the_addendum_leaves_open_is_named(project):
    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch()], options, commit=True)
    batch = addendum_batch()
    batch.responses = batch.responses[:1]  # 121.3 "will be examined", and never answered
    plan = run_import(project, [batch], options, commit=False)
    assert plan.unanswered == ["121.3"]
    assert any(
        'recommendation 121.3 ("Recognise the German-speaking minority") is left without a '
        "response" in str(p)
        for p in plan.warnings
    )


def test_the_same_documents_twice_change_nothing(project):
    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch(), addendum_batch()], options, commit=True)
    with project.session() as session:
        before = session.scalar(select(func.count()).select_from(ResponseEntry))
    again = run_import(project, [report_batch(), addendum_batch()], options, commit=True)
    assert not again.writes_anything
    with project.session() as session:
        assert session.scalar(select(func.count()).select_from(ResponseEntry)) == before == 5
    assert current(project)["121.3"] == ("noted", "noted")


def test_an_earlier_document_imported_later_never_becomes_current(project):
    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch()], options, commit=True)
    run_import(project, [addendum_batch()], options, commit=True)
    # the report read again with a corrected preliminary wording: kept in the history,
    # but the addendum's response stays current
    run_import(project, [report_batch(**{"121.3": "did not enjoy the support"})], options,
               commit=True)  # fmt: skip
    assert current(project)["121.3"] == ("noted", "noted")
    with project.session() as session:
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "121.3"))
        wordings = [i.wording for i in response_history.history(session, rid)]
    assert wordings == ["did not enjoy the support", "noted"]


def test_a_later_update_becomes_current_and_keeps_the_addendum(project):
    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch(), addendum_batch()], options, commit=True)
    update = ImportBatch(
        file="midterm.txt",
        format="responses",
        document=SourceDocument("update", "Mid-term report 2022", dt.date(2022, 6, 1)),
        responses=[ResponseRecord("121.3", "accepted and being implemented", row=2)],
    )
    run_import(project, [update], options, commit=True)
    assert current(project)["121.3"] == ("accepted and being implemented", "supported")
    with project.session() as session:
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "121.3"))
        kinds = [(i.kind, i.current) for i in response_history.history(session, rid)]
    assert kinds == [("report", False), ("addendum", False), ("update", True)]


def test_unknown_numbers_and_announced_totals_are_named(project):
    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch()], options, commit=True)
    batch = addendum_batch((ResponseRecord("121.99", "supported", row=12, page=4),),
                           supported=3, noted=1)  # fmt: skip
    plan = run_import(project, [batch], options, commit=False)
    messages = [str(p) for p in plan.warnings]
    assert any(
        "line 12" in m and "121.99 is listed on page 4" in m and "no recommendation" in m
        for m in messages
    ), messages
    assert any("announces 3 recommendations supported, but 2 were read" in m for m in messages)
    assert not any("announces 1 recommendations noted" in m for m in messages)
    assert any("121.99" in line for line in describe(plan))


def test_the_export_says_where_the_current_response_comes_from(project, tmp_path):
    import pandas as pd

    from annotator.services.exporting import ExportOptions, export

    options = ImportOptions(review=ReviewRecord("SVN", 3))
    run_import(project, [report_batch(), addendum_batch()], options, commit=True)
    out = tmp_path / "svn.xlsx"
    export(project, out, ExportOptions(reliability=False), by_coder_id=coordinator_id(project))
    frame = pd.read_excel(out, sheet_name="Recommendations", dtype={"Number": str})
    by_number = frame.set_index("Number")
    assert by_number.loc["121.1", "Response from"] == (
        "Working Group report (preliminary), A/HRC/43/15"
    )
    assert by_number.loc["121.3", "Response from"] == (
        "addendum (the state's views), A/HRC/43/15/Add.1"
    )
    assert by_number.loc["121.3", "Response as published"] == "noted"
    assert by_number.loc["121.3", "Year"] == 2019


def test_the_reports_own_symbol_and_session_fill_the_review(project):
    batch = report_batch()
    review = ReviewRecord("SVN", 3)
    batch.recommendations = [dataclasses.replace(r, review=review) for r in batch.recommendations]
    batch.document = SourceDocument("report", "A/HRC/43/15", dt.date(2019, 12, 20), session=34)
    run_import(project, [batch], ImportOptions(), commit=True)
    with project.session() as session:
        found = session.scalar(select(Review))
        assert (found.session, found.year, found.month, found.report_symbol) == (
            34,
            2019,
            11,
            "A/HRC/43/15",
        )


def test_a_matrix_read_again_after_the_migration_takes_over_its_old_responses(tmp_path):
    """A project from before the history: the migrated responses are matrix entries; the
    same matrix imported again ties them to its file instead of doubling them."""
    import shutil

    from annotator.services.importing import import_files
    from annotator.services.projects import init_project

    path = tmp_path / "p.upr"
    project = init_project(path)
    matrix = tmp_path / "matrix.docx"
    shutil.copyfile(Path(__file__).parent / "data" / "slovenia_cycle3_2019_matrix.docx", matrix)
    import_files(project, [matrix])
    with project.write() as session:  # as migration 0006 leaves an older project
        for entry in session.scalars(select(ResponseEntry)):
            entry.document_key = "matrix:before history"
            entry.file = None
    again = import_files(project, [matrix])
    assert not again.writes_anything
    with project.session() as session:
        keys = set(session.scalars(select(ResponseEntry.document_key)))
        count = session.scalar(select(func.count()).select_from(ResponseEntry))
        total = session.scalar(select(func.count()).select_from(Recommendation))
    project.close()
    assert keys == {"matrix:matrix.docx"}
    assert count == total == 215
