"""The responses reader: a state's addendum as a table (csv, xlsx, docx) or as text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import openpyxl
import pytest

from annotator.importers import responses
from annotator.importers.files import SourceFileError
from annotator.importers.responses import (
    ACCEPTED,
    ACCEPTED_IMPLEMENTED,
    ACCEPTED_IMPLEMENTING,
    NOTED,
    PARTIALLY_ACCEPTED,
    REJECTED,
    category_of,
    read,
    read_text_input,
)

# Laid out like China's addendum of 2024 (A/HRC/55/6/Add.1): the categories phrased
# in sentences, numbers listed and ranged after a colon, explanations by number.
CHINA_2024 = """\
Responses of the People's Republic of China to the recommendations received

1. China has carefully studied the recommendations it received during its fourth review. \
Its positions are set out below.
2. The following recommendations are accepted and already implemented: 28.1, 28.3–28.7 and 28.9.
3. China accepts the following recommendations and is implementing them: 28.2, 28.8, \
28.10 - 28.12.
4. The following recommendations are partially accepted: 28.13; 28.14.
5. The following recommendations are noted: 28.15 to 28.20.
6. The following recommendations are rejected: 28.21–28.25
28.13 – China accepts the part of the recommendation on poverty reduction but not the part \
on the judiciary.
28.21: China firmly opposes interference in its internal affairs.
"""

CHINA_EXPECTED = {
    **dict.fromkeys(["28.1", "28.3", "28.4", "28.5", "28.6", "28.7", "28.9"], ACCEPTED_IMPLEMENTED),
    **dict.fromkeys(["28.2", "28.8", "28.10", "28.11", "28.12"], ACCEPTED_IMPLEMENTING),
    **dict.fromkeys(["28.13", "28.14"], PARTIALLY_ACCEPTED),
    **dict.fromkeys([f"28.{n}" for n in range(15, 21)], NOTED),
    **dict.fromkeys([f"28.{n}" for n in range(21, 26)], REJECTED),
}


def by_number(batch):
    return {r.number: r for r in batch.responses}


def messages(batch, severity="error"):
    return [str(p) for p in batch.problems if p.severity == severity]


def check_china(batch):
    assert batch.errors == []
    assert batch.recommendations == []
    found = by_number(batch)
    assert {n: r.response for n, r in found.items()} == CHINA_EXPECTED
    assert len(found) == 25
    assert "28.10" in found and "28.1" in found  # never merged as floats
    # The state's own sentence goes into the explanation, the canonical words into response.
    assert found["28.2"].explanation == (
        "China accepts the following recommendations and is implementing them"
    )
    assert "poverty reduction but not the part on the judiciary" in found["28.13"].explanation
    assert "firmly opposes interference" in found["28.21"].explanation
    assert "poverty" not in (found["28.14"].explanation or "")
    assert batch.responses_by_category()[NOTED] == 6


# --- text ---------------------------------------------------------------------


def test_china_style_text_file(tmp_path):
    path = tmp_path / "addendum.txt"
    path.write_text(CHINA_2024, encoding="utf-8")
    batch = read(path)
    check_china(batch)
    assert batch.file == "addendum.txt"
    assert batch.format == responses.FORMAT
    # Each response remembers the line that listed it.
    assert by_number(batch)["28.15"].row == 7
    assert by_number(batch)["28.11"].row == 5


def test_china_style_pasted_text():
    batch = read_text_input(CHINA_2024.replace("\n", "\r\n"))
    check_china(batch)
    assert batch.file == "pasted text"


def test_china_style_docx_paragraphs_with_a_layout_table(tmp_path):
    document = docx.Document()
    # UN documents open with a layout table (organ, symbol); it is not a responses table.
    header = document.add_table(rows=1, cols=2)
    header.rows[0].cells[0].text = "United Nations"
    header.rows[0].cells[1].text = "A/HRC/55/6/Add.1"
    for line in CHINA_2024.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "addendum.docx"
    document.save(path)
    check_china(read(path))


def test_text_wrapped_as_copied_from_a_pdf():
    text = (
        "The following recommendations enjoy the support of China and have\n"
        "already been implemented: 28.1, 28.3–\n"
        "28.5,\n"
        "28.9\n"
        "China takes note of the following recommendations:\n"
        "28.6 and 28.7\n"
        "28.7 – China notes this recommendation, which concerns matters that are\n"
        "within its sovereignty.\n"
    )
    batch = read_text_input(text)
    assert batch.errors == []
    found = by_number(batch)
    assert {n: r.response for n, r in found.items()} == {
        "28.1": ACCEPTED_IMPLEMENTED,
        "28.3": ACCEPTED_IMPLEMENTED,
        "28.4": ACCEPTED_IMPLEMENTED,
        "28.5": ACCEPTED_IMPLEMENTED,
        "28.9": ACCEPTED_IMPLEMENTED,
        "28.6": NOTED,
        "28.7": NOTED,
    }
    assert found["28.1"].explanation.startswith("The following recommendations enjoy the support")
    assert found["28.7"].explanation.endswith("matters that are within its sovereignty.")


def test_numbers_before_the_category_and_per_number_lines():
    batch = read_text_input(
        "28.2, 28.8: accepted\n"
        "28.4–28.6: noted\n"
        "28.9: rejected\n"
        "Recommendation 28.10 is partially accepted because it goes beyond the law.\n"
    )
    assert batch.errors == []
    assert {n: r.response for n, r in by_number(batch).items()} == {
        "28.2": ACCEPTED,
        "28.8": ACCEPTED,
        "28.4": NOTED,
        "28.5": NOTED,
        "28.6": NOTED,
        "28.9": REJECTED,
        "28.10": PARTIALLY_ACCEPTED,
    }
    assert by_number(batch)["28.9"].explanation is None
    assert "goes beyond the law" in by_number(batch)["28.10"].explanation


def test_heading_then_numbers():
    batch = read_text_input("Recommendations noted\n150.1–150.3\nPartially accepted\n150.4\n")
    assert {n: r.response for n, r in by_number(batch).items()} == {
        "150.1": NOTED,
        "150.2": NOTED,
        "150.3": NOTED,
        "150.4": PARTIALLY_ACCEPTED,
    }


@pytest.mark.parametrize(
    ("phrase", "category"),
    [
        ("The following recommendations are accepted and already implemented",
         ACCEPTED_IMPLEMENTED),
        ("The following recommendations enjoy the support of X and have already been "
         "implemented", ACCEPTED_IMPLEMENTED),
        ("China accepts the following recommendations and is implementing them",
         ACCEPTED_IMPLEMENTING),
        ("Accepted", ACCEPTED),
        ("Supported", ACCEPTED),
        ("Partially accepted", PARTIALLY_ACCEPTED),
        ("accepted in part", PARTIALLY_ACCEPTED),
        ("The following recommendations are noted", NOTED),
        ("China takes note of the following recommendations", NOTED),
        ("do not enjoy the support of China and are noted", NOTED),
        ("Rejected", REJECTED),
        ("China does not accept the following recommendations", REJECTED),
        ("The following recommendations", None),
        ("Under consideration", None),
    ],
)  # fmt: skip
def test_category_of(phrase, category):
    assert category_of(phrase) == category


def test_unknown_category_is_kept_as_written_with_a_warning():
    batch = read_text_input("Under further consideration: 28.1, 28.2")
    assert batch.errors == []
    assert {r.response for r in batch.responses} == {"Under further consideration"}
    assert any("none of the known categories" in m for m in messages(batch, "warning"))


def test_the_same_number_with_two_responses_names_both_places():
    batch = read_text_input(
        "The following recommendations are accepted: 28.1, 28.2\n"
        "\n"
        "The following recommendations are noted: 28.2–28.4\n"
    )
    errors = messages(batch)
    assert len(errors) == 1
    assert "28.2" in errors[0]
    assert "line 1" in errors[0] and "line 3" in errors[0]
    assert "'accepted'" in errors[0] and "'noted'" in errors[0]


def test_the_same_number_twice_with_the_same_response_is_a_warning():
    batch = read_text_input("Noted: 28.1, 28.2\nNoted: 28.2")
    assert batch.errors == []
    assert len(batch.responses) == 2
    assert any("28.2 is listed again" in m for m in messages(batch, "warning"))


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("The following recommendations are noted: 28.9–29.2", "28.9–29.2"),
        ("The following recommendations are noted: 28.7–28.3", "28.7–28.3"),
        ("The following recommendations are noted: 28.1, 28,2", "28"),
        ("The following recommendations are noted: 28.1, as explained below", "as"),
    ],
)
def test_malformed_lists_are_errors_naming_the_line(line, named):
    batch = read_text_input("Accepted: 27.1\n\n" + line + "\n")
    errors = messages(batch)
    assert len(errors) == 1, errors
    assert "line 3" in errors[0]
    assert named in errors[0]


def test_a_malformed_bare_list_under_a_category_is_an_error():
    batch = read_text_input("Noted:\n28.1, 28.5–28.2\n")
    assert any("line 2" in m and "28.5–28.2" in m for m in messages(batch))


def test_numbers_without_any_category_are_an_error():
    batch = read_text_input("28.1, 28.2\nAccepted: 28.3")
    assert any("line 1" in m and "no category" in m for m in messages(batch))


def test_prose_that_mentions_numbers_is_reported_not_dropped():
    batch = read_text_input("Accepted: 28.1\nChina notes that 28.30 and 28.31 were withdrawn.")
    assert [r.number for r in batch.responses] == ["28.1"]
    assert any("28.30, 28.31" in m for m in messages(batch, "warning"))


# --- tables -------------------------------------------------------------------


def test_csv_in_cp1252_with_header(tmp_path):
    path = tmp_path / "responses.csv"
    text = (
        "Recommendation;Position;Explanation\r\n"
        "28.1;Accepted;\r\n"
        "28.10;Noted;Le gouvernement n’accepte pas – déjà examiné\r\n"
        "28.11–28.13;Supported;\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    batch = read(path)
    assert batch.errors == []
    found = by_number(batch)
    assert {n: r.response for n, r in found.items()} == {
        "28.1": "Accepted",
        "28.10": "Noted",
        "28.11": "Supported",
        "28.12": "Supported",
        "28.13": "Supported",
    }
    assert found["28.10"].explanation == "Le gouvernement n’accepte pas – déjà examiné"
    assert found["28.1"].explanation is None
    assert found["28.10"].row == 3


def test_csv_without_header_two_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("150.1,Supported\n150.2,Noted\n", encoding="utf-8")
    batch = read(path)
    assert [(r.number, r.response, r.row) for r in batch.responses] == [
        ("150.1", "Supported", 1),
        ("150.2", "Noted", 2),
    ]


def test_table_rows_without_number_or_response(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "No.,Response\n28.1,Accepted\n,Noted\n28.3,\nabc,Noted\n28.1,Noted\n", encoding="utf-8"
    )
    batch = read(path)
    errors = messages(batch)
    assert any("row 3" in m and "no recommendation number" in m for m in errors)
    assert any("row 4" in m and "no response for 28.3" in m for m in errors)
    assert any("row 5" in m and "'abc'" in m for m in errors)
    assert any("row 6" in m and "two different responses" in m and "row 2" in m for m in errors)
    assert all("column" in m for m in errors)


def test_xlsx_numbers_as_text_and_one_float(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["Para", "Response", "Explanation"])
    sheet.append(["28.1", "Accepted", None])
    sheet.append(["28.10", "Noted", "Not now"])
    sheet.append([28.2, "Accepted", None])  # typed as a number: 28.2 or 28.20?
    sheet.append([dt.datetime(2024, 1, 28), "Noted", None])  # "28.1" turned into a date
    path = tmp_path / "responses.xlsx"
    book.save(path)
    batch = read(path)
    found = by_number(batch)
    assert {n: r.response for n, r in found.items()} == {"28.1": "Accepted", "28.10": "Noted"}
    assert found["28.10"].explanation == "Not now"
    errors = batch.errors
    assert [(e.row, e.sheet) for e in errors] == [(4, "Responses"), (5, "Responses")]
    assert errors[0].column == "A (Para)"
    assert "format the column as Text" in errors[0].message
    assert "28.10" in errors[0].message
    assert "date" in errors[1].message


def test_docx_table(tmp_path):
    document = docx.Document()
    document.add_paragraph("Responses to recommendations")
    table = document.add_table(rows=0, cols=3)
    for cells in [
        ("Recommendation", "Position", "Comment"),
        ("28.1", "Accepted and already implemented", ""),
        ("28.10", "Noted", "China has its own path."),
        ("28.11 – 28.12", "Rejected", ""),
    ]:
        row = table.add_row()
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    path = tmp_path / "responses.docx"
    document.save(path)
    batch = read(path)
    assert batch.errors == []
    found = by_number(batch)
    assert {n: r.response for n, r in found.items()} == {
        "28.1": "Accepted and already implemented",
        "28.10": "Noted",
        "28.11": "Rejected",
        "28.12": "Rejected",
    }
    assert found["28.10"].explanation == "China has its own path."
    assert found["28.10"].row == 3


def test_docx_table_problem_names_the_table_row(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for cells in [("28.1", "Accepted"), ("28.2", "")]:
        row = table.add_row()
        row.cells[0].text, row.cells[1].text = cells
    path = tmp_path / "r.docx"
    document.save(path)
    assert [str(e) for e in read(path).errors] == [
        "r.docx, table row 2, column 'response': gives no response for 28.2"
    ]


# --- hostile and empty files ----------------------------------------------------


def test_one_column_table_is_refused(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("Number\n28.1\n28.2\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="only one column"):
        read(path)


def test_one_column_docx_table_is_refused(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=1)
    table.rows[0].cells[0].text = "28.1"
    table.rows[1].cells[0].text = "28.2"
    path = tmp_path / "one.docx"
    document.save(path)
    with pytest.raises(SourceFileError, match="only one column"):
        read(path)


@pytest.mark.parametrize("name", ["empty.txt", "empty.csv", "empty.xlsx", "empty.docx"])
def test_empty_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match="empty"):
        read(path)


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b"   \n\n  \t\n")
    with pytest.raises(SourceFileError, match="no text"):
        read(path)


def test_empty_pasted_text():
    with pytest.raises(SourceFileError, match="empty"):
        read_text_input("  \n ")


def test_text_without_any_response(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear colleagues,\nthank you for your letter.\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="no responses found"):
        read(path)


def test_empty_docx(tmp_path):
    path = tmp_path / "empty.docx"
    docx.Document().save(path)
    with pytest.raises(SourceFileError, match="no text"):
        read(path)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("renamed.docx", b"%PDF-1.7\n1 0 obj\n", "PDF"),
        ("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 50, "damaged"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceFileError) as caught:
        read(path)
    assert name in str(caught.value)
    assert says in str(caught.value)


def test_an_absurdly_long_line_is_an_error():
    batch = read_text_input("Accepted: 28.1\n" + "x" * 30_000)
    assert any("line 2" in m and "characters" in m for m in messages(batch))


def test_progress_is_reported_and_cancel_propagates(tmp_path):
    lines = [f"Noted: 28.{n}" for n in range(1, 601)]
    seen: list[tuple[int, int]] = []
    batch = read_text_input("\n".join(lines), progress=lambda *args: seen.append(args))
    assert len(batch.responses) == 600
    assert seen[-1] == (600, 600) and len(seen) >= 3

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    path = tmp_path / "r.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(Cancelled):
        read(path, progress=cancel)


def test_a_float_read_never_reaches_the_records(tmp_path):
    # The same workbook as a user would make it by typing numbers into a General column.
    book = openpyxl.Workbook()
    for number in (28.1, 28.2, 28.3):
        book.active.append([number, "Accepted"])
    path = tmp_path / "floats.xlsx"
    book.save(path)
    batch = read(path)
    assert batch.responses == []
    assert [e.row for e in batch.errors] == [1, 2, 3]


def test_data_files_untouched(tmp_path):
    # Reading never writes next to the source.
    path = tmp_path / "r.csv"
    path.write_text("28.1,Accepted\n", encoding="utf-8")
    read(path)
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["r.csv"]
