"""The UHRI reader on workbooks laid out as UHRI's "Export to Excel" (no real export is
stored here): the real China 2018 recommendations of tests/data put into UHRI's 16
columns, treaty-body and special-procedure rows mixed in, and hostile variants."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from annotator import states
from annotator.importers import files, uhri
from annotator.importers.files import SourceFileError
from annotator.importers.records import ReviewRecord

DATA = Path(__file__).parent / "data"
CHINA_CSV = DATA / "china_cycle3_2018_matrix.csv"

# UHRI's own spelling, typos included.
HEADER = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
]
PUBLISHED_SERIAL = 43489  # 2019-01-24 as an Excel serial


def bullets(values: list[str]) -> str:
    return "\n".join(f"- {v}" for v in values)


def annotation_id(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def split(cell: str) -> list[str]:
    """A ` | `-separated cell of the matrix CSV as a list."""
    return [v for v in cell.split(" | ") if v]


def uhri_row(**cells: object) -> list[object]:
    return [cells.get(name) for name in HEADER]


def china_rows() -> tuple[pd.DataFrame, list[list[object]]]:
    """The China 2018 recommendations (real texts) as UHRI rows."""
    frame = pd.read_csv(CHINA_CSV, dtype=str, keep_default_na=False)
    rows = []
    for index, rec in enumerate(frame.itertuples()):
        names = [
            name
            for clause in rec.recommending_states.split(" | ")
            for name in states.split_state_list(clause)
        ]
        rows.append(
            uhri_row(
                Text=f"{rec.number} {rec.recommendation}",
                **{
                    "Countries Concerned": "- China",
                    "Reccomending Body": "- UPR",
                    "Document Symbol": rec.wg_report,
                    "Themes": bullets(split(rec.themes)),
                    "Affected Persons": bullets(split(rec.affected_persons)),
                    "Sdgs": bullets(split(rec.sdgs)),
                    # Dates come as Excel serials or as real dates.
                    "Document Publication Date": (
                        PUBLISHED_SERIAL if index % 2 else dt.datetime(2019, 1, 24)
                    ),
                    "UPR Reccomending States": bullets(names),
                    "UPR Position": f"- {rec.position}",
                    "Type": "- Recommendation",
                    "OHCHR Annotation Id": annotation_id(rec.number),
                    "UPR Session": int(rec.session),
                    "Regions Concerned": "- Asia-Pacific",
                    "Date of publication on UHRI": 45000.4996282407,
                },
            )
        )
    return frame, rows


OTHER_BODIES = [
    uhri_row(
        Text="Rural women 49. The Committee notes with concern the situation of rural women.",
        **{
            "Countries Concerned": "- Iraq",
            "Reccomending Body": "- CEDAW",
            "Document Symbol": "CEDAW/C/IRQ/CO/7",
            "Themes": "- Discrimination against women",
            "Type": "- Concerns/Observations",
            "Document Publication Date": 43700,
        },
    ),
    uhri_row(
        Text="50. The Committee recommends that the State party ratify the Optional Protocol.",
        **{
            "Countries Concerned": "- Iraq",
            "Reccomending Body": "- CEDAW",
            "Document Symbol": "CEDAW/C/IRQ/CO/7",
            "Type": "- Recommendations",
        },
    ),
    uhri_row(
        Text="88. The Special Rapporteur recommends that the Government end incommunicado "
        "detention.",
        **{
            "Countries Concerned": "- China",
            "Reccomending Body": "- SR on torture\n- Special Procedures",
            "Document Symbol": "A/HRC/4/33/Add.2",
            "Type": "- Recommendations",
        },
    ),
]


def write_book(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Export"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def china(tmp_path_factory):
    frame, rows = china_rows()
    # Other bodies' rows are mixed in between the UPR rows, as a UHRI search returns them.
    mixed = rows[:100] + OTHER_BODIES + rows[100:]
    path = write_book(tmp_path_factory.mktemp("uhri") / "uhri_china.xlsx", mixed)
    return frame, uhri.read(path)


def test_china_2018_as_uhri_export(china):
    frame, batch = china
    assert batch.errors == []
    assert len(batch.recommendations) == len(frame) == 346
    assert [r.number for r in batch.recommendations] == frame["number"].tolist()
    assert {"28.1", "28.10"} <= {r.number for r in batch.recommendations}
    assert [r.text for r in batch.recommendations] == [t.strip() for t in frame["recommendation"]]
    assert Counter(r.response for r in batch.recommendations) == {"Supported": 284, "Noted": 62}
    assert all(r.source == "uhri" for r in batch.recommendations)


def test_china_review(china):
    _, batch = china
    (review,) = batch.reviews
    assert review == ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6")
    first = batch.recommendations[0]
    assert first.source_reference == f"A/HRC/40/6 - Para. {first.number} (published 2019-01-24)"
    assert all("2019-01-24" in r.source_reference for r in batch.recommendations)


def test_rows_of_other_bodies_are_skipped_with_one_note(china):
    _, batch = china
    (note,) = [n for n in batch.notes if "skipped" in n]
    assert note.startswith("3 rows from other bodies than the UPR")
    assert "CEDAW 2" in note and "SR on torture" in note
    assert all(r.review.state_iso3 == "CHN" for r in batch.recommendations)
    assert [r.row for r in batch.recommendations][99:101] == [101, 105]


def test_recommending_states_and_tags(china):
    frame, batch = china
    for rec, record in zip(frame.itertuples(), batch.recommendations, strict=True):
        names = [
            n
            for clause in rec.recommending_states.split(" | ")
            for n in states.split_state_list(clause)
        ]
        assert record.recommending_names == list(dict.fromkeys(names))
        matched = [states.match_state(n) for n in record.recommending_names]
        assert record.recommending_iso3 == list(dict.fromkeys(s.iso3 for s in matched if s))
        tags = Counter((t.kind, t.value) for t in record.tags)
        expected = Counter(
            [("theme", v) for v in rec.themes.split(" | ") if v]
            + [("affected_persons", v) for v in rec.affected_persons.split(" | ") if v]
            + [("sdg", v) for v in rec.sdgs.split(" | ") if v]
            + [("uhri_annotation_id", annotation_id(rec.number))]
        )
        assert tags == expected
    joint = [r for r in batch.recommendations if len(r.recommending_iso3) > 1]
    assert joint, "the China matrix has joint recommendations"
    unknown = {
        n
        for r in batch.recommendations
        for n in r.recommending_names
        if states.match_state(n) is None
    }
    warned = [p for p in batch.warnings if p.column == "UPR Reccomending States"]
    assert {p.message.split("'")[1] for p in warned} == unknown


# ---------------------------------------------------------------------------------------
# Crafted rows

SLOVENIA = {
    "Countries Concerned": "- Slovenia",
    "Reccomending Body": "- UPR",
    "Document Symbol": "A/HRC/43/15",
    "UPR Session": "- 34",
    "Type": "- Recommendation",
    "Document Publication Date": 43817,  # 2019-12-18
}


def slovenia(text: str, **cells: object) -> list[object]:
    return uhri_row(Text=text, **{**SLOVENIA, **cells})


def test_crafted_upr_rows(tmp_path):
    rows = [
        slovenia(
            "121.1 Ratify the International Convention for the Protection of All Persons "
            "from Enforced Disappearance (France) (Lithuania);",
            **{
                "UPR Reccomending States": "- France\n- Lithuania",
                "UPR Position": "- Supported",
                "Themes": "- Acceptance of international norms\n- Enforced disappearances",
                "Affected Persons": "- Disappeared persons",
                "Sdgs": "- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
                "OHCHR Annotation Id": "0f5b4a8e-1c1e-4a59-9d8c-6d1f1c0b2a11",
            },
        ),
        slovenia(
            "121.10. Consider ratifying the Optional Protocol (Atlantis);",
            **{"UPR Reccomending States": "- Atlantis", "UPR Position": "- Noted"},
        ),
        slovenia(
            "Strengthen the Ombudsman (Portugal);",
            **{"UPR Reccomending States": "- Portugal", "UPR Position": "- Supported"},
        ),
        OTHER_BODIES[0],
    ]
    batch = uhri.read(write_book(tmp_path / "slovenia.xlsx", rows))
    assert batch.errors == []
    first, second, third = batch.recommendations
    assert (first.number, second.number, third.number) == ("121.1", "121.10", None)
    assert first.text.startswith("Ratify the International Convention")
    assert second.text.startswith("Consider ratifying")
    assert first.recommending_names == ["France", "Lithuania"]
    assert first.recommending_iso3 == ["FRA", "LTU"]
    assert first.recommending_text == "France, Lithuania"
    assert (second.recommending_names, second.recommending_iso3) == (["Atlantis"], [])
    assert [(r.response, r.row) for r in batch.recommendations] == [
        ("Supported", 2),
        ("Noted", 3),
        ("Supported", 4),
    ]
    assert [(t.kind, t.value) for t in first.tags] == [
        ("theme", "Acceptance of international norms"),
        ("theme", "Enforced disappearances"),
        ("affected_persons", "Disappeared persons"),
        ("sdg", "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"),
        ("uhri_annotation_id", "0f5b4a8e-1c1e-4a59-9d8c-6d1f1c0b2a11"),
    ]
    assert first.review == ReviewRecord("SVN", 3, 34, 2019, "A/HRC/43/15")
    assert first.source_reference == "A/HRC/43/15 - Para. 121.1 (published 2019-12-18)"
    warnings = sorted((p.row, p.column) for p in batch.warnings)
    assert warnings == [(3, "UPR Reccomending States"), (4, "Text")]
    assert "Atlantis" in batch.warnings[0].message or "Atlantis" in batch.warnings[1].message
    assert any("paragraph number" in p.message for p in batch.warnings)
    assert any(n.startswith("1 row from another body") and "CEDAW 1" in n for n in batch.notes)


def test_session_not_a_number(tmp_path):
    rows = [
        slovenia("121.1 Ratify the Convention (France);", **{"UPR Session": "- thirty-four"}),
        slovenia("121.2 Ratify the Protocol (Spain);"),
    ]
    batch = uhri.read(write_book(tmp_path / "session.xlsx", rows))
    (error,) = batch.errors
    assert (error.row, error.column, error.sheet) == (2, "UPR Session", "Export")
    assert "thirty-four" in error.message
    assert "session.xlsx" in str(error)
    assert [r.number for r in batch.recommendations] == ["121.2"]


def test_session_spellings(tmp_path):
    rows = [
        slovenia(f"121.{i} Ratify (Spain);", **{"UPR Session": value})
        for i, value in enumerate([34, "34", "- 34", "34th session", "Session 34"], start=1)
    ]
    batch = uhri.read(write_book(tmp_path / "sessions.xlsx", rows))
    assert batch.errors == []
    assert {r.review.session for r in batch.recommendations} == {34}


def test_several_or_unknown_countries_concerned(tmp_path):
    rows = [
        slovenia("121.1 Ratify (Spain);", **{"Countries Concerned": "- Slovenia\n- Croatia"}),
        slovenia("121.2 Ratify (Spain);", **{"Countries Concerned": "- Atlantis"}),
        slovenia("121.3 Ratify (Spain);", **{"Countries Concerned": None}),
    ]
    batch = uhri.read(write_book(tmp_path / "countries.xlsx", rows))
    assert [(p.row, p.column) for p in batch.errors] == [
        (2, "Countries Concerned"),
        (3, "Countries Concerned"),
        (4, "Countries Concerned"),
    ]
    assert "Slovenia, Croatia" in batch.errors[0].message
    assert "Atlantis" in batch.errors[1].message
    assert batch.recommendations == []


def test_missing_column_is_named(tmp_path):
    header = [h for h in HEADER if h != "UPR Session"]
    path = write_book(tmp_path / "missing.xlsx", [["121.1 Ratify (Spain);"]], header)
    with pytest.raises(SourceFileError) as error:
        uhri.read(path)
    message = str(error.value)
    assert "missing.xlsx" in message and "UPR Session" in message.split("The header")[0]


def test_header_below_title_rows(tmp_path):
    path = tmp_path / "titled.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Universal Human Rights Index - export"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(slovenia("121.1 Ratify (Spain);", **{"UPR Position": "- Supported"}))
    book.save(path)
    batch = uhri.read(path)
    assert [(r.number, r.row) for r in batch.recommendations] == [("121.1", 4)]


def test_a_given_review_replaces_the_files(tmp_path):
    named = ReviewRecord("SVN", 3, 34, 2019, "A/HRC/43/15", "A/HRC/43/15/Add.1")
    path = write_book(tmp_path / "r.xlsx", [slovenia("121.1 Ratify (Spain);")])
    assert uhri.read(path, review=named).recommendations[0].review == named


def test_a_million_character_text(tmp_path):
    rows = [slovenia("121.1 " + "x" * 1_000_000), slovenia("121.2 Ratify (Spain);")]
    batch = uhri.read(write_book(tmp_path / "huge.xlsx", rows))
    (error,) = batch.errors
    assert (error.row, error.column) == (2, "Text")
    assert [r.number for r in batch.recommendations] == ["121.2"]


def test_unreadable_date_is_a_warning(tmp_path):
    rows = [slovenia("121.1 Ratify (Spain);", **{"Document Publication Date": "soon"})]
    batch = uhri.read(write_book(tmp_path / "date.xlsx", rows))
    assert batch.errors == []
    (warning,) = batch.warnings
    assert (warning.row, warning.column) == (2, "Document Publication Date")
    assert batch.recommendations[0].source_reference == "A/HRC/43/15 - Para. 121.1"


def test_parse_helpers():
    assert uhri.split_number("28.1 Ratify") == ("28.1", "Ratify")
    assert uhri.split_number("28.1. Ratify") == ("28.1", "Ratify")
    assert uhri.split_number("28.10 Ratify") == ("28.10", "Ratify")
    assert uhri.split_number("Ratify 28.1") == (None, "Ratify 28.1")
    assert uhri.parse_date("43466") == dt.date(2019, 1, 1)
    assert uhri.parse_date("2019-01-01 00:00:00") == dt.date(2019, 1, 1)
    assert uhri.parse_date("12") is None
    assert uhri.values_of("- Slovenia\n- Croatia\n\n- Slovenia") == ["Slovenia", "Croatia"]
    assert uhri.values_of("- 16 - PEACE") == ["16 - PEACE"]


def test_formula_text_is_not_evaluated(tmp_path):
    path = write_book(tmp_path / "formula.xlsx", [slovenia("=1+1"), slovenia("=2+2")])
    book = openpyxl.load_workbook(path)
    book.active["A3"].data_type = "s"
    book.save(path)
    batch = uhri.read(path)
    assert [(p.row, p.column) for p in batch.errors] == [(2, "Text")]
    assert [r.text for r in batch.recommendations] == ["=2+2"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n", "PDF"),
        (b"Text,Countries Concerned\n", "not an Excel workbook"),
        (files.OLE2_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le"), "password"),
    ],
)
def test_files_that_are_not_uhri_workbooks(tmp_path, content, match):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=match):
        uhri.read(path)


def test_damaged_xlsx(tmp_path):
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(SourceFileError, match="damaged"):
        uhri.read(path)
