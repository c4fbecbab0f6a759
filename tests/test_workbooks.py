"""The one workbook writer (annotator/workbooks.py), read back with openpyxl."""

from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest

from annotator.workbooks import (
    CUT_MARK,
    MAX_CELL_CHARS,
    SCRATCH_PREFIX,
    Book,
    Column,
    _TextSheet,
    csv_safe,
)

HOSTILE = ['=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2+3", "\t=1+2", "\rCR first", "=1+1"]


def _written(tmp_path, rows, columns=None, **sheet):
    out = tmp_path / "book.xlsx"
    with Book(out) as book:
        lists = book.lists()
        made = book.sheet("Data", columns or [Column("A"), Column("B")], lists, **sheet)
        for row in rows:
            made.append(row)
        made.close()
        lists.write()
    return out, made


def test_formula_like_text_is_read_back_as_text(tmp_path):
    out, _ = _written(tmp_path, [[text, None] for text in HOSTILE])
    ws = openpyxl.load_workbook(out)["Data"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" for c in cells)
    assert [csv_safe(t)[0] for t in HOSTILE] == ["'"] * len(HOSTILE)


def test_text_that_cleans_to_nothing_is_an_empty_cell(tmp_path):
    out, _ = _written(tmp_path, [["\x0b", "\x0b\x0c kept"], ["\ufffe", 1]])
    ws = openpyxl.load_workbook(out)["Data"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        [None, " kept"],
        [None, 1],
    ]


def test_text_that_looks_like_xml_or_an_escape_stays_text(tmp_path):
    out, _ = _written(tmp_path, [["<r><t>x</t></r>", "a\r\nb"]])
    ws = openpyxl.load_workbook(out)["Data"]
    assert ws["A2"].value == "<r><t>x</t></r>" and ws["B2"].value == "a\r\nb"


def test_a_long_text_is_cut_marked_and_counted(tmp_path):
    out, made = _written(tmp_path, [["x" * 40_000, "short"], ["y" * MAX_CELL_CHARS, None]])
    ws = openpyxl.load_workbook(out)["Data"]
    assert len(ws["A2"].value) == MAX_CELL_CHARS and ws["A2"].value.endswith(CUT_MARK)
    assert ws["A3"].value == "y" * MAX_CELL_CHARS
    assert made.cut_cells == 1


def test_lists_protection_frozen_header_and_widths_survive(tmp_path):
    columns = [
        Column("ID", 8, text=False),
        Column("Text", 70, wrap=True),
        Column("Flag", 8, choices=(0, 1), locked=False),
        Column("Other flag", 8, choices=(0, 1), locked=False),
        Column("Response", 20, choices=("Accepted", "Noted, with comma"), locked=False),
        Column("Share", 10, number_format="0.0%"),
    ]
    rows = [[1, "one", 1, None, "Accepted", 0.5], [2, "two", None, 0, None, 0.25]]
    out, _ = _written(tmp_path, rows, columns, freeze="C2", protect=True)
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]
    assert wb["Lists"].sheet_state == "hidden"
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == "A1:F3"
    assert ws.column_dimensions["B"].width == 70 and ws["B2"].alignment.wrap_text
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDE4EE"
    assert ws.protection.sheet
    assert ws["B2"].protection.locked and ws["A1"].protection.locked
    assert not ws["C3"].protection.locked and not ws["E3"].protection.locked
    assert ws["F2"].number_format == "0.0%"
    validations = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert set(validations) == {"C2:C3 D2:D3", "E2:E3"}
    flags = validations["C2:C3 D2:D3"]
    assert flags.type == "list" and flags.formula1 == "'Lists'!$A$2:$A$3"
    assert validations["E2:E3"].formula1 == "'Lists'!$B$2:$B$3"
    lists = [[c.value for c in row] for row in wb["Lists"].iter_rows()]
    assert lists == [["Flag", "Response"], [0, "Accepted"], [1, "Noted, with comma"]]


def test_rows_go_in_order_and_a_failed_book_leaves_nothing(tmp_path):
    out = tmp_path / "failed.xlsx"
    with pytest.raises(RuntimeError), Book(out, scratch_dir=tmp_path) as book:
        rows = book.rows("Summary", [(1, 30)])
        rows.put(["first", 1.5, float("nan")], bold=True)
        rows.write(3, 2, 0.5, number_format="0%")
        with pytest.raises(ValueError, match="in order"):
            rows.write(2, 1, "back up")
        raise RuntimeError("stopped")
    assert not out.exists()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(SCRATCH_PREFIX)]


def test_a_free_sheet_keeps_its_looks(tmp_path):
    out = tmp_path / "free.xlsx"
    with Book(out, scratch_dir=tmp_path) as book:
        rows = book.rows("Summary", [(1, 46)])
        rows.put(["Title"], bold=True)
        rows.gap()
        rows.put(["Share", 3, 0.25, "=not a formula"], number_format="0.0%", number_from=2)
    ws = openpyxl.load_workbook(out)["Summary"]
    assert ws["A1"].font.b and ws["A2"].value is None
    assert ws["C3"].number_format == "0.0%" and ws["B3"].number_format == "General"
    assert ws["D3"].value == "=not a formula" and ws["D3"].data_type == "s"
    assert ws.column_dimensions["A"].width == 46
    assert not [n for n in os.listdir(tmp_path) if n.startswith(SCRATCH_PREFIX)]


def test_text_holding_excels_own_escapes_is_escaped_for_excel(tmp_path):
    """Excel reads _xHHHH_ as a character: a literal one is written with its "_"
    escaped (both of two that share an underscore), as Excel itself writes them."""
    out, _ = _written(tmp_path, [["_x0041_x0042_", "plain_x"]])
    ws = openpyxl.load_workbook(out)["Data"]
    assert ws["A2"].value == "_x005F_x0041_x005F_x0042_" and ws["B2"].value == "plain_x"


def _sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_rows_written_the_fast_way_are_the_xml_xlsxwriter_writes(tmp_path, monkeypatch):
    # Every kind of cell the fast way takes, and rows it leaves to XlsxWriter (a bool, a
    # text to clean, a long text) in between, so both ways meet in one sheet.
    rows = [
        [" lead", "trail ", "a\nb", "a\rb", "&<>\"'", "_x0041_x0042_", "<r>rich</r>", 0, 1.5],
        [None, "", 1 / 3, -2.25, 1e300, float("nan"), "plain", None, 10**12],
        [True, "x", 1, 2, 3, 4, 5, 6, 7],
        ["\x0bclean me", "y", None, None, None, None, None, None, 0],
        ["z" * (MAX_CELL_CHARS // 2 + 1), "after", 1, None, None, None, None, None, None],
        [None] * 9,
        ["last", "row", 0, 0, 0, 0, 0, 0, 0],
    ]
    columns = [Column("A", wrap=True), Column("B"), *[Column(str(n), text=False) for n in range(7)]]
    fast, _ = _written(tmp_path, rows, columns)
    fast_xml = _sheet_xml(fast)
    monkeypatch.setattr(_TextSheet, "fast_row", lambda *args: False)
    (tmp_path / "slow").mkdir()
    slow, _ = _written(tmp_path / "slow", rows, columns)
    assert fast_xml == _sheet_xml(slow)
    ws = openpyxl.load_workbook(fast)["Data"]
    assert ws.cell(row=2, column=1).value == " lead"
    assert ws.cell(row=2, column=4).value == "a\rb"
    assert ws.cell(row=3, column=9).value == 10**12
    assert ws.cell(row=8, column=1).value == "last"
