"""Reading any table as a frame of strings, found by its header row: CSV, xlsx, ods and
xls (calamine, xlrd and pandas behind it), each cell rendered by ``cells.cell_text``.

Shared by the UPR Info and UHRI readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine
import xlrd
import xlrd.compdoc

from annotator.importers import files
from annotator.importers.cells import Cell, cell_text
from annotator.importers.files import SourceFileError
from annotator.importers.records import (
    ImportBatch,
)

# Title rows above the header are few; a header further down means a different file.
HEADER_SCAN_ROWS = 30
HEADER_SCAN_CHARS = 10_000


@dataclass
class RawTable:
    """A sheet or CSV as strings: ``cells`` has integer columns, ``rows`` file row numbers."""

    cells: pd.DataFrame
    rows: np.ndarray  # 1-based row number in the file of each line of ``cells``
    sheet: str | None = None


def read_table(
    path: Path,
    sniffed: files.SniffedFile,
    is_header: Callable[[Sequence[str]], bool],
    preferred_sheet: str | None = None,
) -> tuple[RawTable, int]:
    """The table in ``path`` and the index (in ``cells``) of its header row.

    ``is_header`` recognises the header row among the first rows, so title rows above it
    do not matter; in a workbook the first sheet that has such a row is used
    (``preferred_sheet`` first).
    """
    if sniffed.kind == "text":
        return _csv_table(path, is_header), 0
    sheets = _workbook_sheets(path, sniffed, preferred_sheet)
    for table in sheets:
        index = _find_header(table.cells, is_header)
        if index is not None:
            return table, index
    first = _first_filled_row(sheets[0].cells) if sheets else []
    raise _no_header(path, first)


def _no_header(path: Path, first: Sequence[str]) -> SourceFileError:
    shown = ", ".join(str(v) for v in first[:15]) or "nothing"
    return SourceFileError(
        f"{path.name}: no header row was found in the first {HEADER_SCAN_ROWS} rows; "
        f"the first filled row holds: {shown}."
    )


def _find_header(cells: pd.DataFrame, is_header: Callable[[Sequence[str]], bool]) -> int | None:
    for index in range(min(HEADER_SCAN_ROWS, len(cells))):
        if is_header([str(v) for v in cells.iloc[index].tolist()]):
            return index
    return None


def _first_filled_row(cells: pd.DataFrame) -> list[str]:
    for index in range(min(HEADER_SCAN_ROWS, len(cells))):
        values = [str(v).strip() for v in cells.iloc[index].tolist() if str(v).strip()]
        if values:
            return values
    return []


def csv_text(path: Path) -> str:
    """The text of a UPR Info CSV (UTF-8, Mac Roman or Windows-1252), line endings \n."""
    return files.read_text(path)


def _csv_table(path: Path, is_header: Callable[[Sequence[str]], bool]) -> RawTable:
    text = csv_text(path)
    if not text.strip():
        raise SourceFileError(f"{path.name} holds no text.")
    # Title lines above the header may have fewer fields than the table, and pandas
    # sizes its columns on the first line: the reading starts at the header line.
    # Each line is read on its own, cut short: a header is short, and a huge cell in a
    # data line must not trip the csv module's field size limit.
    head = text.split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]
    records = [next(csv.reader([line[:HEADER_SCAN_CHARS]]), []) for line in head]
    skip = next((i for i, record in enumerate(records) if is_header(record)), None)
    if skip is None:
        raise _no_header(path, next((r for r in records if any(c.strip() for c in r)), []))
    body = text.split("\n", skip)[-1] if skip else text
    try:
        cells = pd.read_csv(
            io.StringIO(body),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise SourceFileError(f"{path.name} cannot be read as CSV: {error}") from None
    # Title lines hold no quoted line breaks, so each counts as one row of the file.
    return RawTable(cells.fillna(""), np.arange(len(cells)) + skip + 1)


def _workbook_sheets(
    path: Path, sniffed: files.SniffedFile, preferred: str | None
) -> list[RawTable]:
    if sniffed.kind == "xls":
        return _xls_sheets(path, preferred)
    try:
        with pd.ExcelFile(path, engine="calamine") as book:
            tables = [
                _raw_excel(pd.read_excel(book, sheet_name=name, header=None, dtype=object), name)
                for name in _ordered(book.sheet_names, preferred)
            ]
    except python_calamine.PasswordError:
        raise SourceFileError(
            f"{path.name} is protected by a password. Open it in Excel, remove the "
            "password, save, and import it again."
        ) from None
    except (python_calamine.CalamineError, zipfile.BadZipFile, ValueError, KeyError) as error:
        raise SourceFileError(f"{path.name} is damaged or unreadable: {error}") from None
    return tables


def _ordered(names: Sequence[object], preferred: str | None) -> list[object]:
    return sorted(names, key=lambda n: str(n) != preferred)


def _raw_excel(raw: pd.DataFrame, sheet: object) -> RawTable:
    # Numbers come as floats (5.0 -> "5"), dates as datetimes; nothing is evaluated:
    # calamine gives a formula's cached value, or nothing when there is none.
    cells = raw.map(cell_text) if not raw.empty else raw
    return RawTable(cells, np.asarray(raw.index, dtype=int) + 1, str(sheet))


def _xls_sheets(path: Path, preferred: str | None) -> list[RawTable]:
    try:
        # UPR Info's .xls files have a damaged directory that xlrd refuses otherwise.
        book = xlrd.open_workbook(
            str(path), ignore_workbook_corruption=True, on_demand=True, formatting_info=False
        )
        try:
            names = _ordered(book.sheet_names(), preferred)
            tables = [_xls_sheet(book, str(name)) for name in names]
        finally:
            book.release_resources()
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise SourceFileError(
                f"{path.name} is protected by a password. Open it in Excel, remove the "
                "password, save, and import it again."
            ) from None
        raise SourceFileError(f"{path.name} is damaged or unreadable: {error}") from None
    except (
        xlrd.compdoc.CompDocError,
        struct.error,
        ValueError,
        IndexError,
        KeyError,
        AssertionError,
    ) as error:
        raise SourceFileError(f"{path.name} is damaged or unreadable ({error}).") from None
    return tables


def _xls_sheet(book: xlrd.book.Book, name: str) -> RawTable:
    sheet = book.sheet_by_name(name)
    columns = {}
    for col in range(sheet.ncols):
        values = sheet.col_values(col)
        types = sheet.col_types(col)
        columns[col] = [_xls_cell(v, t, book.datemode) for v, t in zip(values, types, strict=True)]
    cells = pd.DataFrame(columns, dtype=object) if columns else pd.DataFrame()
    return RawTable(cells, np.arange(sheet.nrows) + 1, name)


def _xls_cell(value: object, ctype: int, datemode: int) -> str:
    if ctype == xlrd.XL_CELL_NUMBER:
        return cell_text(value)
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate_as_datetime(value, datemode))
        except (ValueError, TypeError, OverflowError, xlrd.xldate.XLDateError):
            return cell_text(value)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return str(value)


def locate_columns(
    header: Sequence[str], spellings: dict[str, tuple[str, ...]]
) -> dict[str, tuple[int, str]]:
    """Our column name -> (position, header as the file spells it); first match wins."""
    found: dict[str, tuple[int, str]] = {}
    for position, cell in enumerate(header):
        label = str(cell).strip()
        key = label.casefold()
        for name, options in spellings.items():
            if name not in found and key in (o.casefold() for o in options):
                found[name] = (position, label)
    return found


def missing_columns_error(
    path: Path,
    header: Sequence[str],
    spellings: dict[str, tuple[str, ...]],
    required: Sequence[str],
    sheet: str | None,
) -> SourceFileError | None:
    """A SourceFileError naming the columns found and the ones expected, if any is missing."""
    found = locate_columns(header, spellings)
    missing = [name for name in required if name not in found]
    if not missing:
        return None
    place = f"{path.name}" + (f", sheet '{sheet}'" if sheet else "")
    shown = ", ".join(str(c).strip() for c in header if str(c).strip()) or "nothing"
    wanted = ", ".join(" / ".join(spellings[name]) for name in missing)
    expected = ", ".join(" / ".join(spellings[name]) for name in required)
    return SourceFileError(
        f"{place}: missing column(s) {wanted}. The header row holds: {shown}; "
        f"expected at least: {expected}."
    )


def clean_column(values: pd.Series) -> pd.Series:
    """Strip and HTML-unescape (``&#40;Unknown&#41;``) a column of strings."""
    values = values.astype(str).str.strip()
    escaped = values.str.contains("&", regex=False)
    if escaped.any():
        values = values.copy()
        values[escaped] = values[escaped].map(html.unescape).str.strip()
    return values


def report_long_cells(
    batch: ImportBatch,
    frame: pd.DataFrame,
    rows: np.ndarray,
    labels: dict[str, str],
    sheet: str | None,
) -> np.ndarray:
    """Report absurdly long cells (errors) and return a mask of the rows holding one."""
    bad = np.zeros(len(frame), dtype=bool)
    for name, label in labels.items():
        lengths = frame[name].str.len().to_numpy()
        for position in np.flatnonzero(lengths > files.MAX_CELL_CHARS):
            message = files.check_cell(frame[name].iat[position])
            batch.problem(int(rows[position]), label, message or "is too long", sheet=sheet)
            bad[position] = True
    return bad


# ---------------------------------------------------------------------------------------
# Reading any table as rows of typed cells (the generic table and responses readers)

WORKBOOK_KINDS = ("xlsx", "ods", "xls")


@dataclass(frozen=True)
class TypedTable:
    """The cells of one sheet or CSV; ``rows[0]`` is row 1 of the file."""

    rows: list[list[Cell]]
    sheet: str | None  # the sheet's name in a workbook, None for CSV
    spreadsheet: bool  # cells may be typed (numbers, dates) and columns have letters


def load_table(path: Path, sheet: str | None = None) -> TypedTable:
    """The rows of a CSV or of one workbook sheet (the first one with data by default).

    Raises SourceFileError for anything that is not a readable table.
    """
    sniffed = files.sniff(path)
    files.expect(sniffed, "text", *WORKBOOK_KINDS)
    if sniffed.kind == "text":
        if sheet:
            raise SourceFileError(f"{path.name} is a text (CSV) file: it has no sheet '{sheet}'.")
        return TypedTable(_csv_rows(files.read_text(path), path.name), None, False)
    return _workbook_sheet(path, sheet)


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order; [] for a CSV file."""
    sniffed = files.sniff(path)
    files.expect(sniffed, "text", *WORKBOOK_KINDS)
    if sniffed.kind == "text":
        return []
    with _open_workbook(path) as book:
        return [str(name) for name in book.sheet_names]


def column_letter(index: int) -> str:
    """Spreadsheet column letters for a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def ambiguous_number(value: Cell) -> str | None:
    """Why a typed spreadsheet cell cannot be a recommendation number, or None if text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int | float):
        return (
            f"the cell holds the number {cell_text(value)} rather than text, and 28.1 and "
            "28.10 cannot be told apart once stored as numbers; format the column as Text, "
            "type the numbers again and save"
        )
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return (
            f"the spreadsheet turned the number into a date ({cell_text(value)}); "
            "format the column as Text, type the numbers again and save"
        )
    return None


def _csv_rows(text: str, name: str) -> list[list[Cell]]:
    if not text.strip():
        raise SourceFileError(f"{name} holds no text.")
    delimiter = _delimiter(text)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise SourceFileError(f"{name} cannot be read as CSV: {error}.") from None


def _delimiter(text: str) -> str:
    candidates = ",;\t|"
    sample = text[:65536]
    first_line = sample.split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=candidates).delimiter
    except csv.Error:
        sniffed = ""
    # The sniffer guesses from character frequencies and can pick a delimiter that the
    # header does not even hold; the header line settles it then.
    if sniffed and sniffed in first_line:
        return sniffed
    counts = {c: first_line.count(c) for c in candidates}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


class _open_workbook:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.book: python_calamine.CalamineWorkbook | None = None

    def __enter__(self) -> python_calamine.CalamineWorkbook:
        try:
            self.book = python_calamine.CalamineWorkbook.from_path(str(self.path))
        except python_calamine.PasswordError:
            raise SourceFileError(
                f"{self.path.name} is protected by a password; remove the password and save "
                "it again."
            ) from None
        except (python_calamine.CalamineError, OSError, ValueError) as error:
            raise SourceFileError(
                f"{self.path.name} is damaged or not a spreadsheet that can be read: {error}"
            ) from None
        return self.book

    def __exit__(self, *exc: object) -> None:
        if self.book is not None:
            self.book.close()


def _workbook_sheet(path: Path, sheet: str | None) -> TypedTable:
    with _open_workbook(path) as book:
        names = [str(name) for name in book.sheet_names]
        if sheet is not None and sheet not in names:
            raise SourceFileError(
                f"{path.name} has no sheet '{sheet}'; its sheets are: {', '.join(names)}."
            )
        wanted = [sheet] if sheet is not None else names
        for name in wanted:
            try:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except (python_calamine.CalamineError, ValueError) as error:
                raise SourceFileError(
                    f"{path.name}, sheet '{name}', cannot be read: {error}"
                ) from None
            if any(cell_text(c).strip() for row in rows for c in row):
                return TypedTable([list(r) for r in rows], name, True)
    where = f"sheet '{sheet}' of {path.name}" if sheet is not None else path.name
    raise SourceFileError(f"{where} holds no data.")
