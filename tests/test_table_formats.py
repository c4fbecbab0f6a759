"""The same table saved as xlsx, xls, ods and CSV reads to the same cells (issue 14).

Both table readers (the UPR Info reader and the generic reader) render cells through
``importers.tables.cell_text``; a date-only cell reads as ``2024-01-05`` whichever format
holds it, as a CSV saved from the sheet would hold it.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlrd

from annotator.importers import files, tables
from annotator.importers.tables import cell_text

DATA = Path(__file__).parent / "data"
XLS = DATA / "UPR_Info_database_export_sessions01-05.xls"

HEADER = ["Name", "Count", "Share", "Date", "When", "Done", "Note"]
ROWS = [
    ["Kenya", 31, 28.1, dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 5, 13, 30), True, ""],
    ["Chile", 4, 0.5, dt.datetime(2019, 12, 31), dt.datetime(2019, 12, 31, 8, 0), False, "x"],
]
EXPECTED = [
    HEADER,
    ["Kenya", "31", "28.1", "2024-01-05", "2024-01-05T13:30:00", "TRUE", ""],
    ["Chile", "4", "0.5", "2019-12-31", "2019-12-31T08:00:00", "FALSE", "x"],
]


def _write_all(tmp_path: Path) -> dict[str, Path]:
    paths = {fmt: tmp_path / f"table.{fmt}" for fmt in ("xlsx", "ods", "csv")}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([None if v == "" else v for v in row])
    book.save(paths["xlsx"])
    frame = pd.DataFrame([[None if v == "" else v for v in row] for row in ROWS], columns=HEADER)
    frame.to_excel(paths["ods"], engine="odf", index=False)
    with paths["csv"].open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(EXPECTED)  # what "Save as CSV" of the sheet holds
    return paths


def _generic_cells(path: Path) -> list[list[str]]:
    table = tables.load_table(path)
    rows = [[cell_text(c) for c in row] for row in table.value_rows()]
    width = len(HEADER)
    return [(row + [""] * width)[:width] for row in rows if any(row)]


def _uprinfo_cells(path: Path) -> list[list[str]]:
    table, header = tables.read_table(path, files.sniff(path), lambda r: "Name" in r)
    rows = [[str(v) for v in r] for r in table.cells.iloc[header:].values.tolist()]
    width = len(HEADER)
    return [(row + [""] * width)[:width] for row in rows]


def test_xlsx_ods_and_csv_read_to_the_same_cells(tmp_path):
    for fmt, path in _write_all(tmp_path).items():
        assert _generic_cells(path) == EXPECTED, fmt
        assert _uprinfo_cells(path) == EXPECTED, fmt


def test_an_xls_reads_like_the_same_cells_saved_as_xlsx(tmp_path):
    # No .xls writer is installed, so the real UPR Info .xls fixture is the source: its
    # first rows, typed as xlrd reads them (dates as datetimes), saved again as xlsx.
    book = xlrd.open_workbook(str(XLS), ignore_workbook_corruption=True, on_demand=True)
    sheet = book.sheet_by_index(0)
    copy = openpyxl.Workbook()
    out = copy.active
    for r in range(min(30, sheet.nrows)):
        row = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                row.append(None)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(bool(cell.value))
            else:
                row.append(cell.value)
        out.append(row)
    book.release_resources()
    xlsx = tmp_path / "copy.xlsx"
    copy.save(xlsx)

    def first_rows(path: Path) -> list[list[str]]:
        table, header = tables.read_table(path, files.sniff(path), lambda r: "SuR" in r)
        values = table.cells.iloc[header : header + 29].values.tolist()
        return [[str(v) for v in row] for row in values]

    from_xls, from_xlsx = first_rows(XLS), first_rows(xlsx)
    assert len(from_xls) > 5
    assert from_xls == [(row + [""] * 99)[: len(from_xls[0])] for row in from_xlsx]


# -- one reader, one way to fail ---------------------------------------------------------


def test_a_missing_sheet_is_named_as_missing_not_as_damage(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Recs"
    book.active.append(["Para", "Recommendation"])
    path = tmp_path / "recs.xlsx"
    book.save(path)
    with pytest.raises(files.SourceFileError) as refused:
        tables.load_table(path, "Other")
    assert str(refused.value) == "recs.xlsx has no sheet 'Other'; its sheets are: Recs."


def test_an_xls_reads_whole_as_it_reads_from_its_header(tmp_path):
    whole = tables.load_table(XLS)
    table, header = tables.read_table(XLS, files.sniff(XLS), lambda r: "SuR" in r)
    assert whole.spreadsheet and whole.sheet == table.sheet
    assert whole.cells.iloc[header:].values.tolist() == table.cells.iloc[header:].values.tolist()
    # Typed as the workbook holds them: a number stays a number for the readers that
    # refuse numbers stored as numbers.
    assert any(isinstance(v, float) for row in whole.value_rows() for v in row)


def test_detection_reads_the_first_rows_through_the_same_reader(tmp_path):
    paths = _write_all(tmp_path)
    for fmt in ("xlsx", "ods"):
        path = paths[fmt]
        rows = tables.head_rows(path, files.sniff(path), 2)
        assert rows == EXPECTED[:2], fmt


def test_a_matrix_csv_names_the_file_rows_past_a_blank_line(tmp_path):
    from annotator.importers import matrix_csv

    source = DATA / "china_cycle3_2018_matrix.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[1][header.index("number")] = ""
    path = tmp_path / "gap.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(rows[0])
        writer.writerow([])
        writer.writerow(rows[1])
        writer.writerow(rows[2] + ["one cell too many"])
    batch = matrix_csv.read(path)
    assert [str(p) for p in batch.errors] == [
        "gap.csv, row 4, column 'number': is empty",
        "gap.csv, row 5: holds more cells than the header has columns",
    ]
    assert len(batch.recommendations) == 1


def test_one_row_of_stray_separators_is_refused_before_it_becomes_a_huge_grid(tmp_path):
    path = tmp_path / "stray.csv"
    path.write_text("Para,Recommendation\n1.1,Ratify\n" + "," * 3_000_000 + "\n1.2,Abolish\n")
    with pytest.raises(files.SourceFileError) as refused:
        tables.load_table(path)
    assert str(refused.value).startswith(
        "stray.csv, row 3: holds 3,000,001 cells, far more than the other rows"
    )


def test_a_large_rectangular_csv_is_read_whole(tmp_path):
    path = tmp_path / "wide.csv"
    line = ",".join(["x"] * 50)
    path.write_text("\n".join([line] * 100_000) + "\n")
    table = tables.load_table(path)
    assert table.cells.shape == (100_000, 50)
