"""The OHCHR matrix reader (annotator.importers.ohchr_matrix) on the real .docx files."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest

from annotator.importers import ohchr_matrix
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.states import match_state
from annotator.upr_calendar import session_year

DATA = Path(__file__).parent / "data"

REAL = {
    # file stem: (count, supported, noted, state, cycle, session, year, report, responses)
    "china_cycle3_2018": (346, 284, 62, "CHN", 3, 31, 2018, "A/HRC/40/6", "A/HRC/40/6/Add.1"),
    "slovenia_cycle2_2014": (163, 142, 21, "SVN", 2, 20, 2014, "A/HRC/28/15", "A/HRC/28/15/Add.1"),
    "slovenia_cycle3_2019": (215, 182, 33, "SVN", 3, 34, 2019, "A/HRC/43/15", "A/HRC/43/15/Add.1"),
}

# Where our CSV parse got the recommending states wrong (see test_agrees_with_csv).
CSV_STATE_FIXES = {
    ("slovenia_cycle2_2014", "115.72"): "the former Yugoslav Republic of Macedonia",
    (
        "slovenia_cycle2_2014",
        "115.8",
    ): "Senegal, Sierra Leone, Venezuela (Bolivarian Republic of),Peru, Uruguay",
    (
        "slovenia_cycle3_2019",
        "121.3",
    ): "United Kingdom of Great Britain and Northern Ireland",
    ("slovenia_cycle3_2019", "122.10"): "Philippines",
}

OLD_HEADER = [
    "Recommendation",
    "Position",
    "Full list of themes",
    "Assessment/comments on level of implementation",
]
CYCLE4_HEADER = [
    "Recommendation and recommending State",
    "Position of the State under review",
    "Human rights themes and groups of persons",
    "Relevant SDGs",
]


def norm(text: str) -> str:
    return " ".join(text.split())


def tag_values(record: RecommendationRecord, kind: str) -> list[str]:
    return [tag.value for tag in record.tags if tag.kind == kind]


@pytest.fixture(scope="module")
def batches() -> dict[str, ImportBatch]:
    return {stem: ohchr_matrix.read(DATA / f"{stem}_matrix.docx") for stem in REAL}


def csv_rows(stem: str) -> dict[str, dict[str, str]]:
    with (DATA / f"{stem}_matrix.csv").open(encoding="utf-8", newline="") as handle:
        return {row["number"]: row for row in csv.DictReader(handle)}


# --- the real files --------------------------------------------------------------------


@pytest.mark.parametrize("stem", REAL)
def test_counts_and_positions(batches: dict[str, ImportBatch], stem: str) -> None:
    count, supported, noted, *_ = REAL[stem]
    batch = batches[stem]
    assert batch.errors == []
    assert len(batch.recommendations) == count
    assert Counter(r.response for r in batch.recommendations) == {
        "Supported": supported,
        "Noted": noted,
    }
    assert batch.format == "ohchr-matrix" and batch.file == f"{stem}_matrix.docx"
    numbers = [r.number for r in batch.recommendations]
    assert len(set(numbers)) == len(numbers)
    assert all(isinstance(n, str) for n in numbers)


@pytest.mark.parametrize("stem", REAL)
def test_review_from_the_page_header(batches: dict[str, ImportBatch], stem: str) -> None:
    *_, state, cycle, session, year, report, responses = REAL[stem]
    assert batches[stem].reviews == [
        ReviewRecord(
            state_iso3=state,
            cycle=cycle,
            session=session,
            year=year,
            report_symbol=report,
            responses_symbol=responses,
        )
    ]


def test_every_china_recommendation_has_a_recommending_state(
    batches: dict[str, ImportBatch],
) -> None:
    batch = batches["china_cycle3_2018"]
    assert batch.warnings == []
    for record in batch.recommendations:
        assert record.recommending_iso3, record.number
        assert len(record.recommending_iso3) == len(record.recommending_names)
    joint = next(r for r in batch.recommendations if r.number == "28.4")
    assert joint.recommending_names == ["New Zealand", "Uruguay", "Mali"]
    assert joint.recommending_iso3 == ["NZL", "URY", "MLI"]


def test_numbers_that_a_numeric_read_would_merge(batches: dict[str, ImportBatch]) -> None:
    numbers = {r.number for r in batches["slovenia_cycle3_2019"].recommendations}
    assert {"122.1", "122.10", "122.100"} <= numbers


@pytest.mark.parametrize("stem", REAL)
def test_agrees_with_csv(batches: dict[str, ImportBatch], stem: str) -> None:
    """Numbers, texts, positions, sources and tags agree with our CSV parse, row by row.

    Two deliberate differences: (1) the CSV's recommending_states is wrong in four rows
    (it took the ILO convention numbers "(No. 29)" and "(No. 189)" for states, and it
    found no state in "(the former Yugoslav Republic of Macedonia)" nor in the comma list
    holding "Venezuela (Bolivarian Republic of),Peru"); (2) the CSV repeats an SDG that
    the cell lists twice (Slovenia 2019, 122.127 and 122.137), the reader keeps each tag
    once.
    """
    expected = csv_rows(stem)
    records = {r.number: r for r in batches[stem].recommendations}
    assert set(records) == set(expected)
    differing_states = 0
    for number, row in expected.items():
        record = records[number]
        assert norm(record.text) == norm(row["recommendation"]), number
        assert record.response == row["position"], number
        assert record.source_reference == row["source_of_position"], number
        assert tag_values(record, "matrix_theme") == [row["matrix_theme"]], number
        for kind, column in (("theme", "themes"), ("affected_persons", "affected_persons")):
            wanted = [norm(v) for v in row[column].split(" | ") if v.strip()]
            assert [norm(v) for v in tag_values(record, kind)] == wanted, (number, kind)
        sdgs = list(dict.fromkeys(norm(v) for v in row["sdgs"].split(" | ") if v.strip()))
        assert [norm(v) for v in tag_values(record, "sdg")] == sdgs, number
        wanted_states = row["recommending_states"]
        if (stem, number) in CSV_STATE_FIXES:
            differing_states += 1
            assert record.recommending_text != wanted_states
            wanted_states = CSV_STATE_FIXES[stem, number]
        assert record.recommending_text == wanted_states, number
        assert all(match_state(name) for name in record.recommending_names), number
    assert differing_states == sum(1 for s, _ in CSV_STATE_FIXES if s == stem)


def test_texts_are_verbatim(batches: dict[str, ImportBatch]) -> None:
    records = {r.number: r for r in batches["slovenia_cycle3_2019"].recommendations}
    assert records["121.3"].text == (
        "Ratify and implement the International Labour Organization’s 2014 Protocol to the "
        "Forced Labour Convention, 1930 (No. 29) (United Kingdom of Great Britain and "
        "Northern Ireland);"
    )
    assert records["121.3"].recommending_iso3 == ["GBR"]
    assert records["121.3"].row is not None


def test_coded_themes_and_sdgs_of_cycle_2_layout(batches: dict[str, ImportBatch]) -> None:
    record = next(r for r in batches["china_cycle3_2018"].recommendations if r.number == "28.212")
    assert tag_values(record, "theme") == [
        "A12 Acceptance of international norms",
        "A41 Constitutional and legislative framework",
        "E1 Economic, social & cultural rights - general measures of implementation",
    ]
    assert tag_values(record, "sdg") == ["S16 SDG 16 - peace, justice and strong institutions"]
    assert tag_values(record, "affected_persons") == ["general"]
    assert {t.source for t in record.tags} == {"ohchr-matrix"}


def test_given_review_overrides_and_is_completed(tmp_path: Path) -> None:
    given = ReviewRecord(state_iso3="CHN", cycle=3)
    batch = ohchr_matrix.read(DATA / "china_cycle3_2018_matrix.docx", review=given)
    assert batch.reviews == [ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6", "A/HRC/40/6/Add.1")]
    other = ReviewRecord(state_iso3="FRA", cycle=4, session=43)
    batch = ohchr_matrix.read(DATA / "china_cycle3_2018_matrix.docx", review=other)
    assert batch.reviews == [other]
    assert any("the review you named" in p.message for p in batch.warnings)


def test_progress_is_reported_and_can_cancel() -> None:
    seen: list[tuple[int, int]] = []
    ohchr_matrix.read(
        DATA / "slovenia_cycle2_2014_matrix.docx", progress=lambda d, t: seen.append((d, t))
    )
    assert seen and seen[-1][0] == seen[-1][1]

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        ohchr_matrix.read(DATA / "slovenia_cycle2_2014_matrix.docx", progress=cancel)


# --- crafted files ---------------------------------------------------------------------


def make_matrix(
    path: Path,
    header: list[str],
    rows: list[list[str] | str],
    *,
    title: list[str] = (),
    page_header: str | None = None,
) -> Path:
    """A matrix .docx: a str row is a "Theme:" row spanning the table."""
    document = docx.Document()
    for line in title:
        document.add_paragraph(line)
    if page_header is not None:
        document.sections[0].header.paragraphs[0].text = page_header
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for index, row in enumerate(rows, start=1):
        cells = table.rows[index].cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[-1])
            merged.text = row
            continue
        for cell, text in zip(cells, row, strict=False):
            cell.text = text
    document.save(str(path))
    return path


def rec_cell(number: str, text: str, source: str = "A/HRC/58/9/Add.1 - Para. 2") -> str:
    return f"{number} {text}\nSource of position: {source}"


CYCLE4_ROWS: list[list[str] | str] = [
    "Theme: Acceptance of international norms",
    [
        rec_cell("142.1", "Ratify the Optional Protocol to the ICESCR (Portugal) (Spain);"),
        "Supported",
        "- Acceptance of international norms\n- Economic, social & cultural rights\n"
        "Groups of Persons:\n- General",
        "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
    ],
    [
        rec_cell(
            "142.10",
            "Consider ratifying ILO Convention, 1930 (No. 29) (Iran (Islamic Republic of)); "
            "Ratify the Convention (Kingdom of Narnia);",
        ),
        "Noted",
        "- Prohibition of slavery, trafficking\nGroups of Persons:\n- Migrants\n- Women",
        "8 - DECENT WORK AND ECONOMIC GROWTH\n5 - GENDER EQUALITY",
    ],
    "Theme: Right to education",
    [
        rec_cell("142.2", "Ensure inclusive education (Malta, Mexico, Narnia);"),
        "Supported",
        "Right to education\nGroups of Persons:\n- Children",
        "- 4 - QUALITY EDUCATION",
    ],
]


def test_cycle_4_layout(tmp_path: Path) -> None:
    path = make_matrix(
        tmp_path / "matrix4.docx",
        CYCLE4_HEADER,
        CYCLE4_ROWS,
        title=["Thematic list of recommendations", "UPR of Slovenia (4th Cycle – 47th session)"],
    )
    batch = ohchr_matrix.read(path)
    assert batch.errors == []
    assert [r.number for r in batch.recommendations] == ["142.1", "142.10", "142.2"]
    first, second, third = batch.recommendations
    assert first.text == "Ratify the Optional Protocol to the ICESCR (Portugal) (Spain);"
    assert first.recommending_iso3 == ["PRT", "ESP"]
    assert first.response == "Supported" and second.response == "Noted"
    assert first.source_reference == "A/HRC/58/9/Add.1 - Para. 2"
    assert tag_values(first, "matrix_theme") == ["Acceptance of international norms"]
    assert tag_values(first, "theme") == [
        "Acceptance of international norms",
        "Economic, social & cultural rights",
    ]
    assert tag_values(first, "affected_persons") == ["General"]
    assert tag_values(first, "sdg") == ["16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"]
    assert tag_values(second, "sdg") == [
        "8 - DECENT WORK AND ECONOMIC GROWTH",
        "5 - GENDER EQUALITY",
    ]
    assert tag_values(second, "affected_persons") == ["Migrants", "Women"]
    # "(Kingdom of Narnia)" names no state: not a recommending state, but reported.
    assert second.recommending_names == ["Iran (Islamic Republic of)"]
    assert second.recommending_iso3 == ["IRN"]
    assert tag_values(third, "matrix_theme") == ["Right to education"]
    assert tag_values(third, "theme") == ["Right to education"]
    assert tag_values(third, "sdg") == ["4 - QUALITY EDUCATION"]
    # An unknown name in a list with known states is kept and reported.
    assert third.recommending_names == ["Malta", "Mexico", "Narnia"]
    assert third.recommending_iso3 == ["MLT", "MEX"]
    first_warning, second_warning = (str(w) for w in batch.warnings)
    assert first_warning.startswith(
        "matrix4.docx, table row 4, column 'Recommendation and recommending State': warning:"
    )
    assert "142.10: '(Kingdom of Narnia)' ends a clause but is not a known state" in first_warning
    assert "table row 6" in second_warning
    assert "142.2: 'Narnia' is not a known state; it was kept as written" in second_warning
    assert batch.reviews == [
        ReviewRecord("SVN", 4, 47, session_year(47), "A/HRC/58/9", "A/HRC/58/9/Add.1")
    ]


def test_cycle_derived_from_session(tmp_path: Path) -> None:
    path = make_matrix(
        tmp_path / "m.docx", OLD_HEADER, CYCLE4_ROWS[:2], page_header="UPR of France – UPR43"
    )
    [review] = ohchr_matrix.read(path).reviews
    assert (review.state_iso3, review.cycle, review.session) == ("FRA", 4, 43)


def test_bracketed_state_under_review_in_title(tmp_path: Path) -> None:
    path = make_matrix(
        tmp_path / "m.docx",
        OLD_HEADER,
        CYCLE4_ROWS[:2],
        page_header="UPR of Venezuela (Bolivarian Republic of) (3rd Cycle – 40th session)\tPage 1",
    )
    [review] = ohchr_matrix.read(path).reviews
    assert (review.state_iso3, review.cycle, review.session) == ("VEN", 3, 40)


def test_review_unknown_without_title(tmp_path: Path) -> None:
    path = make_matrix(tmp_path / "untitled.docx", CYCLE4_HEADER, CYCLE4_ROWS)
    with pytest.raises(SourceFileError, match=r"untitled\.docx does not say which review"):
        ohchr_matrix.read(path)
    with pytest.raises(SourceFileError, match="Name the review"):
        ohchr_matrix.read(path)
    review = ReviewRecord(state_iso3="SVN", cycle=4)
    batch = ohchr_matrix.read(path, review=review)
    assert batch.errors == []
    assert batch.reviews == [ReviewRecord("SVN", 4, None, None, "A/HRC/58/9", "A/HRC/58/9/Add.1")]


# --- problems --------------------------------------------------------------------------


def test_no_table(tmp_path: Path) -> None:
    path = tmp_path / "prose.docx"
    document = docx.Document()
    document.add_paragraph("28.1 Ratify the Convention (France);")
    document.save(str(path))
    with pytest.raises(SourceFileError, match=r"prose\.docx has no table of recommendations"):
        ohchr_matrix.read(path)


def test_wrong_header(tmp_path: Path) -> None:
    path = make_matrix(tmp_path / "other.docx", ["Name", "Age", "Town", "Notes"], [])
    with pytest.raises(SourceFileError) as raised:
        ohchr_matrix.read(path)
    message = str(raised.value)
    assert "other.docx" in message and "Found: Name | Age | Town | Notes" in message


def test_missing_number_duplicate_and_empty_text(tmp_path: Path) -> None:
    rows: list[list[str] | str] = [
        "Theme: A12 Acceptance of international norms",
        [rec_cell("28.1", "Ratify it (France);"), "Supported", "A12 Acceptance", ""],
        ["Ratify it without a number (Chile);", "Supported", "", ""],
        [rec_cell("28.1", "Again (Spain);"), "Noted", "", ""],
        [rec_cell("28.2", ""), "Noted", "", ""],
        [rec_cell("28.3", "Fine (Mali);"), "", "", ""],
    ]
    batch = ohchr_matrix.read(
        make_matrix(tmp_path / "bad.docx", OLD_HEADER, rows),
        review=ReviewRecord("CHN", 3),
    )
    errors = [str(p) for p in batch.errors]
    assert len(errors) == 3
    assert "bad.docx, table row 4, column 'Recommendation'" in errors[0]
    assert "does not start with a recommendation number" in errors[0]
    assert "Ratify it without a number" in errors[0]
    assert "table row 5" in errors[1] and "28.1 appears twice (first in table row 3)" in errors[1]
    assert "table row 6" in errors[2] and "28.2 has no text" in errors[2]
    assert [r.number for r in batch.recommendations] == ["28.1", "28.3"]
    [warning] = batch.warnings
    assert "table row 7, column 'Position'" in str(warning) and "no position" in str(warning)


def test_huge_cell(tmp_path: Path) -> None:
    rows: list[list[str] | str] = [
        [rec_cell("28.1", "Ratify " + "x" * 1_000_000 + " (France);"), "Supported", "", ""],
        [rec_cell("28.2", "Ratify it (Chile);"), "Supported", "", ""],
    ]
    batch = ohchr_matrix.read(
        make_matrix(tmp_path / "huge.docx", OLD_HEADER, rows), review=ReviewRecord("CHN", 3)
    )
    [error] = batch.errors
    assert "table row 2, column 'Recommendation'" in str(error)
    assert "1,000,0" in str(error)
    assert [r.number for r in batch.recommendations] == ["28.2"]


def test_renamed_pdf(tmp_path: Path) -> None:
    path = tmp_path / "matrix.docx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(SourceFileError, match=r"matrix\.docx is a PDF"):
        ohchr_matrix.read(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match=r"empty\.docx is empty"):
        ohchr_matrix.read(path)


def test_zip_of_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
    with pytest.raises(SourceFileError, match=r"junk\.docx"):
        ohchr_matrix.read(path)
    # A zip that claims to be a Word document but whose parts are garbage.
    path = tmp_path / "garbage.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<<<not xml")
        archive.writestr("word/document.xml", b"\x00\x01\x02 junk")
    with pytest.raises(SourceFileError, match=r"garbage\.docx is damaged"):
        ohchr_matrix.read(path)


def test_truncated_docx(tmp_path: Path) -> None:
    data = (DATA / "slovenia_cycle2_2014_matrix.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceFileError, match=r"cut\.docx"):
        ohchr_matrix.read(path)
