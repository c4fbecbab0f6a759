"""Any other table, read through a column mapping (csv, xlsx, ods)."""

from __future__ import annotations

import gzip
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from annotator.importers import generic_table
from annotator.importers.files import SourceFileError
from annotator.importers.generic_table import (
    FORMAT,
    TARGETS,
    guess_mapping,
    headers,
    layout_signature,
    parse_mapping,
    preview_rows,
    read,
    sheet_names,
)
from annotator.importers.records import ReviewRecord, SourceTagRecord

DATA = Path(__file__).parent / "data"
CHINA_2018 = ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6")


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "Recommendations") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_ods(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    """A minimal OpenDocument spreadsheet, written by hand (odfpy is not installed here).

    It holds what LibreOffice writes that matters to a reader: the mimetype entry first
    and uncompressed, a manifest, and typed cells in content.xml.
    """

    def cell(value: object) -> str:
        if isinstance(value, float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                f"<text:p>{value!r}</text:p></table:table-cell>"
            )
        if not value:
            return "<table:table-cell/>"
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


SIMPLE_CSV = """\
Para;Recommendation;Recommending State(s);Position;Cluster;Remarks
28.1;Ratify the International Covenant on Civil and Political Rights;France, Germany;Supported;Treaties;
28.10;Abolish the death penalty;"France; Atlantis";Noted;Death penalty;see 2013
28.2;  ;Chile;Noted;Treaties;
"""  # noqa: E501 -- a real-looking line

MAPPING = {
    "number": "Para",
    "text": "Recommendation",
    "recommending_state": "Recommending State(s)",
    "response": "Position",
}


# --- the mapping ----------------------------------------------------------------


def test_parse_mapping():
    text = "number=Para,text=Recommendation,recommending_state=State,response=Position"
    assert parse_mapping(text) == {
        "number": "Para",
        "text": "Recommendation",
        "recommending_state": "State",
        "response": "Position",
    }  # fmt: skip


def test_parse_mapping_column_names_with_spaces_commas_and_equals():
    mapping = parse_mapping(
        " Number = Para No. , text=Recommendation, full text,response=Position = final"
    )
    assert mapping == {
        "number": "Para No.",
        "text": "Recommendation, full text",
        "response": "Position = final",
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("number=Para,colour=Red", "'colour'"),
        ("text=Rec,recommending-state=State", "'recommending-state'"),
        ("number=Para,text=A,number=B", "'number' appears twice"),
        ("number", "not of the form target=column"),
        ("=Para", "not of the form target=column"),
        ("number=", "not of the form target=column"),
        ("number=Para,,text=A", "not of the form"),
        ("", "empty"),
    ],
)
def test_parse_mapping_errors(text, says):
    with pytest.raises(ValueError, match=says):
        parse_mapping(text)


def test_a_comma_not_followed_by_name_equals_belongs_to_the_column_name():
    assert parse_mapping("number=Para,Recommendation") == {"number": "Para,Recommendation"}


def test_unknown_target_message_lists_the_fields():
    with pytest.raises(ValueError) as caught:
        parse_mapping("text=A,state=B")
    assert all(target in str(caught.value) for target in TARGETS)


def test_guess_mapping_common_names():
    assert guess_mapping(
        ["No.", "Recommendation", "Recommending State(s)", "Position", "Comments", "Theme"]
    ) == {
        "number": "No.",
        "text": "Recommendation",
        "recommending_state": "Recommending State(s)",
        "response": "Position",
        "response_explanation": "Comments",
    }
    assert guess_mapping(["Paragraph", "Text", "Country", "Response", "Cycle", "Session"]) == {
        "number": "Paragraph",
        "text": "Text",
        "recommending_state": "Country",
        "response": "Response",
        "cycle": "Cycle",
        "session": "Session",
    }
    # The first matching column wins; a target is never guessed twice.
    assert guess_mapping(["State", "Country"]) == {"recommending_state": "State"}
    assert guess_mapping(["Foo", "Bar"]) == {}


def test_guess_mapping_on_real_headers(tmp_path):
    # UPR Info's export and our CSV of the OHCHR matrices.
    upr_info = headers(unpacked_uprinfo_sample(DATA, tmp_path, rows=5))
    assert guess_mapping(upr_info) == {
        "state_under_review": "To",
        "text": "Text",
        "recommending_state": "From",
        "response": "Response",
        "session": "Session",
    }
    matrix = headers(DATA / "china_cycle3_2018_matrix.csv")
    assert guess_mapping(matrix) == {
        "state_under_review": "state_under_review",
        "cycle": "cycle",
        "session": "session",
        "report_symbol": "wg_report",
        "number": "number",
        "text": "recommendation",
        "recommending_state": "recommending_states",
        "response": "position",
    }


def test_layout_signature():
    base = layout_signature(["Para", "Recommendation", "Recommending State(s)"])
    assert base == layout_signature(["  para ", "RECOMMENDATION", "recommending   state(s)"])
    assert base == layout_signature(["Para", "Recommendation", "Recommending State(s)", ""])
    assert base != layout_signature(["Para", "Recommendation", "State"])
    assert base != layout_signature(["Recommendation", "Para", "Recommending State(s)"])
    assert base != layout_signature(["Para", "Recommendation"])
    assert len(base) == 40 and int(base, 16) >= 0  # a sha1 in hex: stable across runs


def test_layout_signature_of_a_file(tmp_path):
    first = write_csv(tmp_path / "a.csv", "Para,Recommendation\n28.1,x\n")
    second = write_xlsx(tmp_path / "b.xlsx", [[" PARA", "recommendation "], ["28.2", "y"]])
    assert layout_signature(headers(first)) == layout_signature(headers(second))


# --- headers and preview ------------------------------------------------------------


def test_headers_and_preview(tmp_path):
    path = write_csv(tmp_path / "r.csv", SIMPLE_CSV)
    assert headers(path) == [
        "Para",
        "Recommendation",
        "Recommending State(s)",
        "Position",
        "Cluster",
        "Remarks",
    ]
    rows = preview_rows(path, n=2)
    assert len(rows) == 2
    assert rows[1][:2] == ["28.10", "Abolish the death penalty"]
    assert all(isinstance(c, str) for row in rows for c in row)


def test_headers_below_title_rows_and_blank_header_cells(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [[], [], ["Para", None, "Recommendation"], ["28.1", "x", "Do this"]],
    )
    assert headers(path) == ["Para", "Column 2", "Recommendation"]
    assert preview_rows(path) == [["28.1", "x", "Do this"]]
    batch = read(path, mapping={"number": "Para", "text": "Recommendation"}, review=CHINA_2018)
    assert batch.recommendations[0].row == 4
    assert batch.recommendations[0].tags == [SourceTagRecord(FORMAT, "Column 2", "x")]


# --- reading ---------------------------------------------------------------------------


def test_csv_with_mapping_and_review_option(tmp_path):
    path = write_csv(tmp_path / "r.csv", SIMPLE_CSV, encoding="cp1252")
    batch = read(path, mapping=MAPPING, review=CHINA_2018)
    assert batch.file == "r.csv" and batch.format == FORMAT
    recs = batch.recommendations
    assert [r.number for r in recs] == ["28.1", "28.10"]
    first, second = recs
    assert first.review == CHINA_2018
    assert first.recommending_text == "France, Germany"
    assert first.recommending_names == ["France", "Germany"]
    assert first.recommending_iso3 == ["FRA", "DEU"]
    assert first.response == "Supported"
    assert first.source == FORMAT and first.row == 2
    # Every unmapped column is kept as a tag where the cell is not empty.
    assert first.tags == [SourceTagRecord(FORMAT, "Cluster", "Treaties")]
    assert second.tags == [
        SourceTagRecord(FORMAT, "Cluster", "Death penalty"),
        SourceTagRecord(FORMAT, "Remarks", "see 2013"),
    ]
    # "France; Atlantis": a list split on ";", the unknown name kept and reported.
    assert second.recommending_names == ["France", "Atlantis"]
    assert second.recommending_iso3 == ["FRA"]
    warnings = [str(p) for p in batch.warnings]
    assert any(
        "row 3" in w and "'Atlantis'" in w and "Recommending State(s)" in w for w in warnings
    )
    assert any("row 4" in w and "no recommendation text" in w for w in warnings)
    assert batch.errors == []


def test_review_from_columns(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        "SuR,Session,Report,Para,Text\n"
        "China,31,A/HRC/40/6,28.1,Do this\n"
        "Slovenia,34,A/HRC/43/15,98.2,Do that\n"
        "China,31,A/HRC/40/6,28.2,Do more\n",
    )
    mapping = parse_mapping(
        "state_under_review=SuR,session=Session,report_symbol=Report,number=Para,text=Text"
    )
    batch = read(path, mapping=mapping)
    assert batch.errors == []
    assert batch.reviews == [
        ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6"),
        ReviewRecord("SVN", 3, 34, 2019, "A/HRC/43/15"),
    ]
    assert batch.recommendations[0].review is batch.recommendations[2].review


def test_review_columns_with_problems(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        "SuR,Cycle,Text\nChina,3,ok\nNarnia,3,a\nChina,seven,b\n,3,c\nChina,9,d\n",
    )
    batch = read(path, mapping={"state_under_review": "SuR", "cycle": "Cycle", "text": "Text"})
    assert [r.text for r in batch.recommendations] == ["ok"]
    errors = [str(e) for e in batch.errors]
    assert any("row 3" in e and "'Narnia'" in e for e in errors)
    assert any("row 4" in e and "'seven'" in e and "column 'Cycle'" in e for e in errors)
    assert any("row 5" in e and "which state was reviewed" in e for e in errors)
    assert any("row 6" in e and "9 is not a UPR cycle" in e for e in errors)


def test_a_given_review_overrides_the_columns_and_says_so_once(tmp_path):
    path = write_csv(tmp_path / "r.csv", "SuR,Cycle,Text\nChina,3,a\nSlovenia,3,b\nSlovenia,3,c\n")
    batch = read(
        path,
        mapping={"state_under_review": "SuR", "cycle": "Cycle", "text": "Text"},
        review=CHINA_2018,
    )
    assert {r.review for r in batch.recommendations} == {CHINA_2018}
    warnings = [str(w) for w in batch.warnings]
    assert len(warnings) == 1 and "'Slovenia'" in warnings[0]


def test_no_review_anywhere_is_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Para,Text\n28.1,x\n")
    with pytest.raises(SourceFileError, match="which review"):
        read(path, mapping={"number": "Para", "text": "Text"})
    with pytest.raises(SourceFileError, match="cycle"):
        read(path, mapping={"state_under_review": "Para", "text": "Text"})


def test_text_must_be_mapped(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Para,Text\n28.1,x\n")
    with pytest.raises(SourceFileError, match="text="):
        read(path, mapping={"number": "Para"}, review=CHINA_2018)


def test_missing_mapped_columns_are_named_with_the_columns_present(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Para,Recommendation,Position\n28.1,x,Noted\n")
    with pytest.raises(SourceFileError) as caught:
        read(path, mapping={"number": "No.", "text": "Recommendation", "response": "Status"},
             review=CHINA_2018)  # fmt: skip
    message = str(caught.value)
    assert "r.csv" in message
    assert "'No.' (for number)" in message and "'Status' (for response)" in message
    assert "'Para', 'Recommendation', 'Position'" in message


def test_mapped_column_names_match_case_blind(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Para,Recommendation  Text\n28.1,x\n")
    batch = read(path, mapping={"number": "para", "text": "recommendation text"}, review=CHINA_2018)
    assert [(r.number, r.text) for r in batch.recommendations] == [("28.1", "x")]


def test_a_duplicated_mapped_header_is_refused(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Org,Text,Org\nEU,x,AU\n")
    batch = read(path, mapping={"text": "Text"}, review=CHINA_2018)
    assert batch.recommendations[0].tags == [
        SourceTagRecord(FORMAT, "Org", "EU"),
        SourceTagRecord(FORMAT, "Org", "AU"),
    ]
    with pytest.raises(SourceFileError, match="appears 2 times"):
        read(path, mapping={"text": "Text", "recommending_state": "Org"}, review=CHINA_2018)


def test_xlsx_numbers_as_text_float_is_an_error(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            ["No.", "Recommendation", "Session"],
            ["28.10", "Keep me as 28.10", 31.0],
            [28.2, "A float number", 31],
            [5, "A whole number is fine", 31],
        ],
    )
    batch = read(path, mapping={"number": "No.", "text": "Recommendation"}, review=CHINA_2018)
    assert [r.number for r in batch.recommendations] == ["28.10", "5"]
    assert batch.recommendations[0].tags == [SourceTagRecord(FORMAT, "Session", "31")]
    [error] = batch.errors
    assert (error.row, error.column, error.sheet) == (3, "A (No.)", "Recommendations")
    assert "format the column as Text" in error.message


def test_xlsx_sheet_choice(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    data = book.create_sheet("Data")
    data.append(["Para", "Text"])
    data.append(["28.1", "x"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    assert sheet_names(path) == ["Notes", "Data"]
    # The first sheet is empty: the first one with data is read.
    assert headers(path) == ["Para", "Text"]
    batch = read(path, mapping={"text": "Text"}, review=CHINA_2018, sheet="Data")
    assert len(batch.recommendations) == 1
    with pytest.raises(SourceFileError, match=r"no sheet 'Other'.*Notes, Data"):
        headers(path, sheet="Other")
    with pytest.raises(SourceFileError, match="holds no data"):
        headers(path, sheet="Notes")


def test_ods(tmp_path):
    path = write_ods(
        tmp_path / "r.ods",
        [
            ["Paragraph", "Recommendation", "State", "Response", "Cluster"],
            ["28.10", "Ratify & implement", "Chile", "Supported", "Treaties"],
            [28.1, "A float number", "Peru", "Noted", ""],
            ["", "", "", "", ""],
            ["28.3", "Third", "Viet Nam", "Noted", ""],
        ],
        sheet="Recs",
    )
    assert sheet_names(path) == ["Recs"]
    assert headers(path)[:2] == ["Paragraph", "Recommendation"]
    mapping = guess_mapping(headers(path))
    batch = read(path, mapping=mapping, review=CHINA_2018)
    assert [(r.number, r.text, r.recommending_iso3) for r in batch.recommendations] == [
        ("28.10", "Ratify & implement", ["CHL"]),
        ("28.3", "Third", ["VNM"]),
    ]
    assert batch.recommendations[0].tags == [SourceTagRecord(FORMAT, "Cluster", "Treaties")]
    assert [(e.row, e.sheet) for e in batch.errors] == [(3, "Recs")]


def test_real_matrix_csv_through_guessed_mapping():
    path = DATA / "china_cycle3_2018_matrix.csv"
    batch = read(path, mapping=guess_mapping(headers(path)))
    assert batch.errors == [] and batch.warnings == []
    recs = batch.recommendations
    assert len(recs) == 346
    assert len({r.number for r in recs}) == 346
    assert Counter(r.response for r in recs) == {"Supported": 284, "Noted": 62}
    assert batch.reviews == [ReviewRecord("CHN", 3, 31, 2018, "A/HRC/40/6")]
    kinds = {t.kind for r in recs for t in r.tags}
    assert {"matrix_theme", "themes", "source_of_position"} <= kinds


def unpacked_uprinfo_sample(data: Path, folder: Path, rows: int | None = None) -> Path:
    """The UPR Info export (gzipped in tests/data), unpacked, optionally cut to ``rows``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = gzip.decompress((data / "uprinfo_export_sessions01-20.csv.gz").read_bytes())
    if rows is not None:
        text = b"\n".join(text.split(b"\n")[: rows + 1]) + b"\n"
    path = folder / "uprinfo.csv"
    path.write_bytes(text)
    return path


@pytest.mark.slow
def test_real_uprinfo_export_through_guessed_mapping(tmp_path):
    path = unpacked_uprinfo_sample(DATA, tmp_path)
    seen: list[tuple[int, int]] = []
    batch = read(path, mapping=guess_mapping(headers(path)), progress=lambda *a: seen.append(a))
    assert len(batch.recommendations) == 41_066
    assert batch.errors == []
    # UPR Info's nine "(Unknown)" recommending states are kept and reported.
    assert len(batch.warnings) == 9
    assert Counter(r.response for r in batch.recommendations) == {
        "Accepted": 30_472,
        "Noted": 10_594,
    }
    china = {r.review for r in batch.recommendations if r.review.state_iso3 == "CHN"}
    assert {(r.cycle, r.session, r.year) for r in china} == {(1, 4, 2009), (2, 17, 2013)}
    assert seen[-1] == (41_066, 41_066)


# --- hostile files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n \n", "no text"),
        ("renamed.xlsx", b"%PDF-1.4\n%...", "PDF"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x01" * 300, "damaged"),
        ("image.ods", bytes(range(256)) * 8, "damaged"),
    ],
)
def test_hostile_files(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    for call in (
        lambda: headers(path),
        lambda: read(path, mapping={"text": "Text"}, review=CHINA_2018),
    ):
        with pytest.raises(SourceFileError) as caught:
            call()
        assert name in str(caught.value) and says in str(caught.value)


def test_header_only_and_empty_sheet(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Para,Text\n")
    assert read(path, mapping={"text": "Text"}, review=CHINA_2018).recommendations == []
    assert preview_rows(path) == []


def test_absurdly_long_cell_is_an_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", "Text\n" + "x" * 25_000 + "\nshort\n")
    batch = read(path, mapping={"text": "Text"}, review=CHINA_2018)
    assert [r.text for r in batch.recommendations] == ["short"]
    assert batch.errors[0].row == 2 and "characters" in batch.errors[0].message


def test_delimiters_are_sniffed(tmp_path):
    for delimiter in (",", ";", "\t", "|"):
        text = delimiter.join(["Para", "Text", "State"]) + "\n"
        text += delimiter.join(["28.1", '"Do this, then that"', "Chile"]) + "\n"
        path = write_csv(tmp_path / "r.csv", text)
        assert headers(path) == ["Para", "Text", "State"], delimiter
        batch = read(path, mapping={"text": "Text", "number": "Para"}, review=CHINA_2018)
        assert batch.recommendations[0].text == "Do this, then that"


def test_cell_text():
    assert generic_table.cell_text(31.0) == "31"
    assert generic_table.cell_text(28.1) == "28.1"
    assert generic_table.cell_text(None) == ""
    assert generic_table.cell_text(True) == "TRUE"
    assert generic_table.column_letter(0) == "A"
    assert generic_table.column_letter(27) == "AB"
