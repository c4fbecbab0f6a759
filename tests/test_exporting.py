"""Exports written to real files and read back with openpyxl, pandas and csv."""

from __future__ import annotations

import csv
import itertools
import os
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from annotator import analysis
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.services.adjudication import decide
from annotator.services.bulk import write_batch
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import FieldValue, form_spec, save_value
from annotator.services.exporting import ExportCancelled, ExportOptions, export
from annotator.services.projects import init_project
from annotator.store.models import Recommendation
from annotator.workbooks import csv_safe
from tests import known_answers
from tests.cli_runner import run_annotator as annotator
from tests.project_helpers import codes_named
from tests.roles import coordinator_id, lead_of

HOSTILE = [
    '=HYPERLINK("http://x")',
    "@SUM(1)",
    "+1",
    "-2+3",
    "\t=1+2",
    "\rCR first",
    "=1+1",
]
BASE_HEADERS = [
    "ID",
    "State under review",
    "Cycle",
    "Year",
    "Report symbol",
    "Number",
    "Recommendation",
    "Recommending states",
    "Regional groups",
    "Response as published",
    "Response",
    "Position (UN)",
    "Response from",
]
TORTURE = "Themes: Torture and other CID treatment"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def known(request, tmp_path_factory):
    """The known-answers project in a file and on a PostgreSQL server: the same export."""
    if request.param == "sqlite":
        where = tmp_path_factory.mktemp("known") / "known.upr"
    else:
        where = request.getfixturevalue("postgres").new_database()
    built = known_answers.build(where)
    yield built
    built.project.close()


@pytest.fixture(scope="module")
def amina_xlsx(known, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "amina.xlsx"
    export(
        known.project, out, ExportOptions(source="coder:Amina"), by_coder_id=lead_of(known.project)
    )
    return out


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_workbook_sheets_header_panes_filter_and_validation(amina_xlsx):
    wb = openpyxl.load_workbook(amina_xlsx)
    assert wb.sheetnames == [
        "Recommendations",
        "Summary",
        "Reliability",
        "Codebook",
        "About",
        "Lists",
    ]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Recommendations"]
    header = [c.value for c in ws[1]]
    assert header[:13] == BASE_HEADERS
    assert header[13:16] == ["Status", "Suggestions shown", "Suggestions accepted"]
    assert header[16] == "Themes"
    assert TORTURE in header
    assert header[-6:] == [
        "Published response",
        "Position",
        "Assessment",
        "Action category",
        "Notes",
        "Evidence",
    ]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}739"
    assert ws.column_dimensions["G"].width == 70
    assert ws["G2"].alignment.wrap_text
    assert ws["A1"].font.bold
    validations = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    response = validations["K2:K739"]
    assert response.type == "list"
    lists = wb["Lists"]
    column = response.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    values = [c.value for c in lists[column]][1:]
    assert [v for v in values if v] == [analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES]
    flags = next(v for k, v in validations.items() if k.startswith("R2:R739 "))
    flag_column = flags.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    assert [c.value for c in lists[flag_column]][1:3] == [0, 1]
    position = next(
        v for v in ws.data_validations.dataValidation if "CA2:CA739" in str(v.sqref).split()
    )
    assert position.formula1.startswith("'Lists'!")


def test_every_recommendation_and_value_read_back(known, amina_xlsx):
    # Numbers are text ("150.10" is not "150.1"): pandas must be told not to guess.
    frame = pd.read_excel(amina_xlsx, sheet_name="Recommendations", dtype={"Number": str})
    assert len(frame) == 738
    with known.project.session() as session:
        rows = {
            rid: (number, text, response)
            for rid, number, text, response in session.execute(
                select(
                    Recommendation.id,
                    Recommendation.number,
                    Recommendation.text,
                    Recommendation.response,
                )
            )
        }
    for row in frame.itertuples(index=False):
        number, text, response = rows[row.ID]
        assert (str(row.Number), row.Recommendation, row[9]) == (number, text, response)
        assert row.Response == analysis.CATEGORY_LABELS[analysis.response_category(response)]
    by_id = frame.set_index("ID")
    # Themes as a ';'-joined column and as 0/1 columns, group codes rolled up.
    assert by_id[TORTURE].sum() == 20
    assert by_id["Themes: Civil and political rights"].sum() == 25
    assert by_id["Themes: Reprisals and intimidation for cooperation with the UN"].sum() == 5
    assert by_id.loc[known.torture[0], "Themes"] == "Torture and other CID treatment"
    # Done without a theme: 0 in every column; never coded: blank.
    done_plain = next(
        r
        for r in known.ids_2024[:100]
        if r not in set(known.torture) | set(known.reprisals) | set(known.womens_rights)
    )
    assert by_id.loc[done_plain, TORTURE] == 0
    assert by_id.loc[done_plain, "Status"] == "done"
    never = known.ids_2024[-1]
    assert pd.isna(by_id.loc[never, TORTURE]) and by_id.loc[never, "Status"] == "not started"
    assert by_id.loc[known.ids_2024[8], "Published response"] == "Rejected"
    assert by_id.loc[known.ids_2024[0], "Published response"] == "Accepted and already implemented"
    assert by_id.loc[known.ids_2024[0], "Recommending states"] == "Germany"
    assert by_id.loc[known.ids_2024[9], "Recommending states"] == "France; Germany"
    assert by_id.loc[known.ids_2024[9], "Regional groups"] == "Western European and others"
    assert by_id.loc[known.ids_2024[0], "Position (UN)"] == "Supported"


def test_summary_states_the_breakdown_with_native_charts(amina_xlsx):
    wb = openpyxl.load_workbook(amina_xlsx)
    ws = wb["Summary"]
    rows = _rows(ws)
    header = next(r for r in rows if r[0] == "Review" and r[1] == "Accepted")
    china = next(r for r in rows if r[0] == "China 2024 (cycle 4)" and isinstance(r[1], int))
    record = dict(zip(header, china, strict=False))
    assert record["Accepted"] == 290 and record["Partially accepted"] == 8
    assert record["Noted"] == 32 and record["Rejected"] == 98 and record["Total"] == 428
    assert record[analysis.RATE_LABELS[analysis.RATE_STRICT]] == pytest.approx(98 / 428)
    assert record[analysis.RATE_LABELS[analysis.RATE_BROAD]] == pytest.approx(130 / 428)
    lines = [r[0] for r in rows if r[0]]
    assert any("30.4 % rejected or noted in 2024 against 18.0 % in 2018" in str(x) for x in lines)
    torture = next(r for r in rows if r[0] == "Torture and other CID treatment")
    assert torture[1:7] == [0, 0, 8, 12, 0, 20]
    assert next(r for r in rows if r[0] == "Corrected")[1] == 2
    # Shares are numbers shown as percentages, not text.
    share_cell = next(c for c in ws["H"] if isinstance(c.value, float))
    assert share_cell.number_format == "0.0%"
    assert len(ws._charts) >= 4
    with zipfile.ZipFile(amina_xlsx) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 4


def test_one_review_summary_and_about_name_the_filter(known, tmp_path):
    out = tmp_path / "china.xlsx"
    result = export(
        known.project,
        out,
        ExportOptions(source="coder:Amina", review_ids=(known.china_2024,), reliability=False),
        by_coder_id=lead_of(known.project),
    )
    assert result.recommendations == 428
    wb = openpyxl.load_workbook(out)
    assert "Reliability" not in wb.sheetnames
    summary = _rows(wb["Summary"])
    assert summary[3][0] == "Responses: China 2024 (cycle 4)"
    lines = [r[0] for r in summary]
    assert (
        "China accepted 290 of 428 recommendations (150 already implemented, 140 being "
        "implemented), partially accepted 8, noted 32 and rejected 98."
    ) in lines
    assert (
        "These figures rest on the published responses: of 428 recommendations, 428 with a "
        "published response."
    ) in lines
    table = {r[0]: tuple(r[1:3]) for r in summary[5:14]}
    assert table["Rejected"] == (98, pytest.approx(98 / 428))
    assert table["Rejection rate: rejected / all recommendations"] == (
        98,
        pytest.approx(98 / 428),
    )
    assert table["Rejection rate: (rejected + noted) / all recommendations"] == (
        130,
        pytest.approx(130 / 428),
    )
    about = dict((r[0], r[1]) for r in _rows(wb["About"]) if r[0])
    assert about["Filters"] == "Reviews: China 2024 (cycle 4)"
    assert about["Codes from"] == "coder Amina"
    assert about["Recommendations"] == 428
    assert about["App"].startswith("UPR Coder ")
    assert about["Codebook"] == "UPR recommendations, version 1"
    codebook = pd.read_excel(out, sheet_name="Codebook")
    torture = codebook[codebook["Code"] == "torture"].iloc[0]
    assert torture["Group"] == "Civil and political rights"
    assert torture["Column in Recommendations"] == TORTURE
    assert "ill-treatment" in torture["Definition"]


def test_all_coders_long_sheet_and_reliability(known, tmp_path):
    out = tmp_path / "all.xlsx"
    result = export(
        known.project, out, ExportOptions(source="all-coders"), by_coder_id=lead_of(known.project)
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Recommendations", "Codes by coder", "Summary"]
    assert "Reliability" in wb.sheetnames
    coders = pd.read_excel(out, sheet_name="Codes by coder")
    assert list(coders.columns[:8]) == [
        "ID",
        "State under review",
        "Cycle",
        "Year",
        "Number",
        "Response",
        "Coder",
        "Status",
    ]
    # Amina: 100 done + themed or verified others; Ben: 42 with a status.
    amina = set(coders.loc[coders["Coder"] == "Amina", "ID"])
    ben = coders[coders["Coder"] == "Ben"]
    assert set(known.ids_2024[:100]) <= amina
    assert set(known.torture) <= amina
    assert len(ben) == 42 and set(ben["Status"]) == {"done", "flagged"}
    assert len(coders) == result.coder_rows
    assert ben.set_index("ID").loc[known.ids_2024[4], "Published response"] == "Noted"
    reliability = _rows(wb["Reliability"])
    assert reliability[0][0] == "Section" and reliability[1][0] == "overlap"
    # The Recommendations sheet of an all-coders export holds the recommendations only.
    assert [c.value for c in wb["Recommendations"][1]] == BASE_HEADERS
    lines = [r[0] for r in _rows(wb["Summary"])]
    assert (
        "China: 30.4 % not accepted (rejected or noted: 130 of 428) in 2024 against 18.0 % "
        "(54 of 300) in 2018: up 12.4 points."
    ) in lines
    # the coders' verified responses that differ from the published ones are listed
    start = lines.index("Verified and published responses disagree: 3 recommendations")
    listed = _rows(wb["Summary"])[start + 2 : start + 5]
    assert {r[1] for r in listed} <= {f"160.{n}" for n in range(1, 11)}
    assert all(r[6] in {"corrected", "coders disagree"} for r in listed)


def test_csv_is_utf8_with_bom_and_matches_the_sheet(known, tmp_path):
    out = tmp_path / "amina.csv"
    result = export(
        known.project,
        out,
        ExportOptions(format="csv", source="coder:Amina"),
        by_coder_id=lead_of(known.project),
    )
    assert result.recommendations == 738 and result.format == "csv"
    assert out.read_bytes()[:3] == b"\xef\xbb\xbf"
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns[:13]) == BASE_HEADERS
    assert len(frame) == 738 and frame[TORTURE].sum() == 20
    long = tmp_path / "all.csv"
    export(
        known.project,
        long,
        ExportOptions(format="csv", source="all-coders"),
        by_coder_id=lead_of(known.project),
    )
    rows = pd.read_csv(long, encoding="utf-8-sig")
    assert list(rows.columns[13:15]) == ["Coder", "Status"]
    assert set(rows["Coder"]) == {"Amina", "Ben"}


def _hostile_project(path: Path):
    project = init_project(path)
    review = ReviewRecord("CHL", 4, 46, 2024, "A/HRC/56/1")
    batch = ImportBatch()
    batch.recommendations = [
        RecommendationRecord(
            review=review,
            number=f"1.{n}",
            text=text,
            recommending_text="France",
            recommending_iso3=["FRA"],
            response=text if n % 2 else "Supported",
        )
        for n, text in enumerate(HOSTILE, start=1)
    ]
    with project.write() as session:
        write_batch(session, batch)
        spec = form_spec(session)
        notes = spec.field_by_key("notes").id
        coder = get_or_create_coder(session, "=Evil()").id
        boss = get_or_create_coder(session, "Ana", role="adjudicator").id
        ids = list(session.scalars(select(Recommendation.id).order_by(Recommendation.sort_key)))
        for rid, text in zip(ids, HOSTILE, strict=True):
            save_value(session, rid, coder, notes, FieldValue(text=text))
            decide(session, rid, notes, FieldValue(text=text), by_coder_id=boss, reason="ok")
        themes = codes_named(spec, [("themes", "torture")])
        for field_id, value in themes.items():
            decide(session, ids[0], field_id, value, by_coder_id=boss, reason="ok")
    return project


@pytest.mark.parametrize("source", ["consensus", "all-coders"])
def test_hostile_text_comes_back_as_the_same_text_never_a_formula(tmp_path, source):
    project = _hostile_project(tmp_path / "hostile.upr")
    out = tmp_path / "hostile.xlsx"
    try:
        export(project, out, ExportOptions(source=source), by_coder_id=lead_of(project))
    finally:
        project.close()
    wb = openpyxl.load_workbook(out)
    found: dict[str, int] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in [*HOSTILE, "=Evil()"]:
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    found[c.value] = found.get(c.value, 0) + 1
    assert set(found) >= set(HOSTILE)
    if source == "all-coders":
        assert "=Evil()" in found
    sheet = pd.read_excel(out, sheet_name="Recommendations", dtype=str)
    assert list(sheet["Recommendation"]) == HOSTILE
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    values = openpyxl.load_workbook(out, data_only=False)["Recommendations"]
    assert all(c.data_type != "f" for row in values.iter_rows() for c in row)


def test_hostile_text_in_csv_gets_a_leading_apostrophe(tmp_path):
    project = _hostile_project(tmp_path / "hostile.upr")
    out = tmp_path / "hostile.csv"
    try:
        export(
            project,
            out,
            ExportOptions(format="csv", source="consensus"),
            by_coder_id=lead_of(project),
        )
    finally:
        project.close()
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    texts = [r[6] for r in rows[1:]]
    assert texts == ["'" + t for t in HOSTILE]
    notes = rows[0].index("Notes")
    # (The consensus keeps a note trimmed, so compare what it holds.)
    kept = [t.strip() for t in HOSTILE]
    assert [r[notes] for r in rows[1:]] == [csv_safe(t) for t in kept]
    assert next(r[notes] for r in rows[1:]) == "'" + HOSTILE[0]


def test_bad_source_cancel_and_bad_place_leave_no_file(known, tmp_path):
    out = tmp_path / "x.xlsx"
    with pytest.raises(ValueError, match="no coder named 'Zoe'"):
        export(
            known.project,
            out,
            ExportOptions(source="coder:Zoe"),
            by_coder_id=lead_of(known.project),
        )
    with pytest.raises(ValueError, match="not a source"):
        export(
            known.project, out, ExportOptions(source="everyone"), by_coder_id=lead_of(known.project)
        )
    with pytest.raises(ValueError, match="does not exist"):
        export(known.project, tmp_path / "missing" / "x.xlsx", by_coder_id=lead_of(known.project))

    def stop(label: str, done: int, total: int) -> None:
        if done:
            raise ExportCancelled("stop")

    with pytest.raises(ExportCancelled):
        export(
            known.project,
            out,
            ExportOptions(source="all-coders"),
            progress=stop,
            by_coder_id=lead_of(known.project),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export", "stats", "import-codes"])
def test_my_subcommands_have_help_with_an_example(command):
    result = annotator(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout and "--db" in result.stdout


def test_cli_export_and_stats(known, tmp_path):
    db = str(known.path)
    out = tmp_path / "cli.xlsx"
    result = annotator("export", "--as", "Olga", "--db", db, "--source", "coder:Amina", str(out))
    assert result.returncode == 0, result.stderr
    assert "Exported 738 recommendations (coder Amina)" in result.stdout
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "Recommendations"
    stats = annotator("stats", "--as", "Olga", "--db", db, "--review", "China:4")
    assert stats.returncode == 0, stats.stderr
    assert "Rejection rate: rejected / all recommendations: 98 / 428 = 22.9 %" in stats.stdout
    assert "(rejected + noted) / all recommendations: 130 / 428 = 30.4 %" in stats.stdout
    blind = annotator("stats", "--as", "Amina", "--db", db, "--themes", "--source", "coder:Ben")
    assert blind.returncode == 1
    assert "Only an adjudicator or a coordinator can see other coders' codes" in blind.stderr
    own = annotator("stats", "--as", "Amina", "--db", db, "--themes")
    assert own.returncode == 0, own.stderr
    compared = annotator(
        "stats",
        "--as",
        "Olga",
        "--db",
        db,
        "--compare",
        "China:3",
        "China:4",
        "--check",
        "all",
        "rejected",
        "reprisals",
        "--source",
        "coder:Amina",
    )
    assert compared.returncode == 0, compared.stderr
    assert "30.4 % rejected or noted in 2024 against 18.0 % in 2018" in compared.stdout
    assert "True: none of the 5 recommendations" in compared.stdout
    bad = annotator(
        "export", "--as", "Olga", "--db", db, "--source", "coder:Zoe", str(tmp_path / "z.xlsx")
    )
    assert bad.returncode == 1 and "no coder named 'Zoe'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_sheet_cells_keep_their_types_and_drop_what_xml_cannot_hold(tmp_path):
    from annotator.workbooks import Book, Column

    out = tmp_path / "cells.xlsx"
    with Book(out) as wb:
        sheet = wb.sheet("Data", [Column("Text", wrap=True), Column("Number"), Column("Other")])
        rows = [
            ["bell\x07 and \ufffe end", 3, 2.5],
            ["  spaced  ", -1, True],
            ["a < b & c > d\r\nnext", None, ""],
            ["x" * 40_000, float("nan"), "=1+1"],
        ]
        for row in rows:
            sheet.append(list(row))
        sheet.close()
    ws = openpyxl.load_workbook(out)["Data"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got[0] == ["bell and  end", 3, 2.5]
    assert got[1] == ["  spaced  ", -1, True]
    assert got[2][0] == "a < b & c > d\r\nnext" and got[2][1:] == [None, None]
    assert len(got[3][0]) == 32_767 and got[3][0].endswith("[cut at 32,767 characters]")
    assert got[3][1] is None and got[3][2] == "=1+1"
    assert ws["C5"].data_type == "s" and ws["A2"].alignment.wrap_text
    assert ws.auto_filter.ref == "A1:C5" and ws.freeze_panes == "A2"


def test_a_text_of_only_characters_a_workbook_cannot_hold_is_an_empty_cell(tmp_path):
    """A vertical tab ("\x0b", pasted from Word) cleans to nothing; it used to raise
    IndexError and end the export."""
    from annotator.workbooks import Book, Column

    out = tmp_path / "empty.xlsx"
    with Book(out) as wb:
        sheet = wb.sheet("Data", [Column("Text", wrap=True), Column("Next")])
        sheet.append(["\x0b", "kept"])
        sheet.append(["\x0b\x07", 2])
        sheet.close()
    ws = openpyxl.load_workbook(out)["Data"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        [None, "kept"],
        [None, 2],
    ]


def test_texts_longer_than_a_cell_are_cut_marked_and_reported(tmp_path):
    from annotator.workbooks import CUT_MARK, MAX_CELL_CHARS

    project = _hostile_project(tmp_path / "long.upr")
    long_text = "A very long recommendation. " * 1_500  # 42,000 characters
    try:
        with project.write() as session:
            first, second = session.scalars(
                select(Recommendation).order_by(Recommendation.sort_key).limit(2)
            ).all()
            # Written past the importers' limits, as a project from before them may hold.
            first.text = long_text
            labels = [f"ID {first.id} (A/HRC/56/1 {first.number})"]
            untouched = second.text
        out = tmp_path / "long.xlsx"
        boss = coordinator_id(project)
        result = export(project, out, ExportOptions(reliability=False), by_coder_id=boss)
        csv_result = export(
            project, tmp_path / "long.csv", ExportOptions(format="csv"), by_coder_id=boss
        )
    finally:
        project.close()
    assert CUT_MARK == "… [cut at 32,767 characters]"
    assert result.cut_cells == 1 and list(result.cut_recommendations) == labels
    sentence = result.cut_sentence()
    assert sentence is not None and "1 cell held more than 32,767 characters" in sentence
    assert labels[0] in sentence and "The CSV export keeps the whole texts" in sentence
    ws = openpyxl.load_workbook(out)["Recommendations"]
    header = [c.value for c in ws[1]]
    column = header.index("Recommendation")
    cells = [row[column].value for row in ws.iter_rows(min_row=2, max_row=3)]
    assert len(cells[0]) == MAX_CELL_CHARS and cells[0].endswith(CUT_MARK)
    assert cells[0].startswith(long_text[: MAX_CELL_CHARS - len(CUT_MARK)])
    assert cells[1] == untouched
    assert csv_result.cut_cells == 0 and csv_result.cut_sentence() is None
    with (tmp_path / "long.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert long_text in [row[6] for row in csv.reader(handle)]


def test_the_summarys_progress_counted_by_sql_matches_the_frames(tmp_path):
    """The export's Summary counts coding progress with GROUP BY (its memory stays flat);
    the figures are those of analysis.coding_progress over the whole frames, with
    assignments, every status and a selection of reviews."""
    from annotator.services import analysis_data
    from annotator.services.exporting.progress import coding_progress
    from annotator.services.synthetic import SyntheticSpec, generate
    from annotator.store.models import Assignment, Coder, CodingStatus

    project = init_project(tmp_path / "progress.upr")
    generate(project, SyntheticSpec(recommendations=600, reviews=3, coders=3, coded_share=0.6))
    with project.write() as session:
        coders = session.scalars(select(Coder).order_by(Coder.name)).all()
        ids = session.scalars(select(Recommendation.id).order_by(Recommendation.id)).all()
        for rid in ids[::3]:  # the first coder has an assignment, partly coded
            session.add(Assignment(recommendation_id=rid, coder_id=coders[0].id))
        statuses = session.scalars(select(CodingStatus)).all()
        for n, status in enumerate(statuses):
            status.status = ("done", "in_progress", "flagged", "skipped", "done")[n % 5]
    boss = coordinator_id(project)
    with project.session() as session:
        reviews = sorted(session.scalars(select(Recommendation.review_id).distinct()))
        for chosen in (None, reviews[:1], reviews[1:]):
            frames = analysis_data.load(session, review_ids=chosen, by_coder_id=boss)
            expected = frames.progress()
            got = coding_progress(session, len(frames.recommendations), chosen)
            pd.testing.assert_frame_equal(got.by_coder, expected.by_coder)
            assert (got.done_by_any, got.done_by_two) == (
                expected.done_by_any,
                expected.done_by_two,
            )
            assert got.done_by_two > 0 and got.by_coder["Flagged"].sum() > 0
    project.close()


def test_the_workbook_prints_landscape_one_page_wide_headers_repeated(amina_xlsx):
    """Issue 15 item 9: every sheet landscape and one page wide, a table's header row on
    every printed page, and the Summary's charts never overlapping one another."""
    wb = openpyxl.load_workbook(amina_xlsx)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth in (1, None), ws.title  # 1 is the default
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    for title in ("Recommendations", "Codebook"):
        assert wb[title].print_title_rows == "$1:$1"
    charts = wb["Summary"]._charts
    spans = sorted((c.anchor._from.row, c.anchor.to.row) for c in charts)
    assert len(spans) >= 4
    for (_, bottom), (top, _) in itertools.pairwise(spans):
        assert bottom < top, spans


def _assert_plain(message: str) -> None:
    assert "Errno" not in message and ".upr-tmp" not in message, message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only folder (CI runs as root)")
def test_a_read_only_folder_is_named_in_plain_words(known, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ValueError) as refused:
            export(
                known.project,
                folder / "x.xlsx",
                ExportOptions(source="coder:Amina"),
                by_coder_id=lead_of(known.project),
            )
    finally:
        folder.chmod(0o700)
    assert str(refused.value) == f"The folder {folder} is read-only. Choose another folder."
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's /sys")
def test_a_folder_the_system_refuses_is_named_in_plain_words(known):
    """As root (the CI), chmod refuses nothing: /sys refuses new files to anyone."""
    target = Path("/sys/kernel/recommendations.xlsx")
    with pytest.raises(ValueError) as refused:
        export(
            known.project,
            target,
            ExportOptions(source="coder:Amina"),
            by_coder_id=lead_of(known.project),
        )
    assert str(refused.value) == "The folder /sys/kernel is read-only. Choose another folder."


def test_a_missing_folder_or_a_file_as_folder_in_plain_words(known, tmp_path):
    missing = tmp_path / "nowhere" / "x.xlsx"
    with pytest.raises(ValueError) as refused:
        export(known.project, missing, ExportOptions(source="coder:Amina"))
    _assert_plain(str(refused.value))
    assert f"the folder {missing.parent} does not exist. Create it first." in str(refused.value)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError) as refused:
        export(known.project, a_file / "x.xlsx", ExportOptions(source="coder:Amina"))
    _assert_plain(str(refused.value))
    assert f"{a_file} is a file, not a folder. Choose a folder." in str(refused.value)
    ran = annotator(
        "export", "--as", "Amina", "--db", known.project.location, str(a_file / "x.xlsx")
    )
    assert ran.returncode == 1 and f"{a_file} is a file, not a folder" in ran.stderr
    _assert_plain(ran.stderr)


def test_file_problem_words_every_common_failure(tmp_path):
    import errno

    from annotator.services.failures import file_problem

    target = tmp_path / "out.xlsx"
    temp = str(tmp_path / ".upr-tmp-123-abc.xlsx")
    for code, words in (
        (errno.EACCES, f"The folder {tmp_path} is read-only. Choose another folder."),
        (errno.ENOSPC, f"The disk holding {tmp_path} is full."),
        (errno.ENAMETOOLONG, "The name out.xlsx is too long for the disk."),
        (errno.ENOENT, f"The folder {tmp_path} does not exist."),
        (errno.EIO, f"{target} could not be written (input/output error)."),
    ):
        sentence = file_problem(OSError(code, os.strerror(code), temp), target)
        assert sentence.startswith(words), sentence
        _assert_plain(sentence)
    target.write_text("open in Excel")  # Windows: PermissionError on a file held open
    sentence = file_problem(PermissionError(errno.EACCES, "Permission denied", temp), target)
    assert "open in another program (such as Excel)" in sentence


def test_the_summary_prints_each_chart_from_the_top_of_a_page(amina_xlsx):
    """Issue 15 item 9: a page break before every chart but the first, none inside a
    chart, so that no chart is cut across two printed pages."""
    ws = openpyxl.load_workbook(amina_xlsx)["Summary"]
    breaks = sorted(b.id for b in ws.row_breaks.brk)  # the last row (from 1) of a page
    spans = sorted((c.anchor._from.row, c.anchor.to.row) for c in ws._charts)
    assert len(breaks) == len(spans) - 1 >= 3, (breaks, spans)
    for brk, (top, _bottom) in zip(breaks, spans[1:], strict=True):
        assert brk <= top and top - brk <= 3, (brk, top)  # the page starts at or just above it
    for brk in breaks:
        assert not any(top < brk <= bottom for top, bottom in spans), (brk, spans)
