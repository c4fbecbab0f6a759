"""Every table the importers read, in one place: CSV, xlsx, ods and xls (calamine and
xlrd behind it; pandas' CSV parser for the large exports) read to one ``RawTable``, each
cell rendered by the one ``cell_text``.

Two ways in, one result: ``read_table`` finds a header row among the first rows (the
UPR Info and UHRI exports, which may have title rows above it), ``load_table`` gives a
whole sheet or CSV for a reader that finds its own header (the mapped table, a
responses table, the OHCHR matrix CSV); ``head_rows`` gives the first rows for
detection. The column helpers below serve the readers that match headers by name.

Dates: a date-only cell (a datetime at midnight, as calamine and xlrd give for a cell
formatted as a date) reads as ``2024-01-05``, the form Excel and LibreOffice show and a
CSV export of the same sheet holds; only a cell with a time of day keeps it
(``2024-01-05T13:30:00``).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import python_calamine
import xlrd
import xlrd.compdoc

from annotator.importers import files
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch
from annotator.limits import MAX_SHEET_CELLS

# Title rows above the header are few; a header further down means a different file.
HEADER_SCAN_ROWS = 30
HEADER_SCAN_CHARS = 10_000
WORKBOOK_KINDS = ("xlsx", "ods", "xls")

Cell = object  # str for CSV; str, float, int, bool, date/datetime for workbooks


def cell_text(value: Cell) -> str:
    """A cell as text: whole floats without ".0", empty for None/NaN, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@dataclass
class RawTable:
    """A sheet or a CSV file as read.

    ``cells``: the text of each cell (``cell_text``), integer columns, every line as
    wide as the widest; ``rows``: the 1-based row in the file of each line of
    ``cells``; ``sheet``: the sheet's name in a workbook, None for CSV; ``values``: a
    workbook's cells as it typed them (numbers, dates, booleans), None for CSV, where
    every cell is its text.
    """

    cells: pd.DataFrame
    rows: np.ndarray
    sheet: str | None = None
    values: pd.DataFrame | None = None

    @property
    def spreadsheet(self) -> bool:
        """Cells may be typed (numbers, dates) and columns have letters."""
        return self.values is not None

    def value_rows(self) -> list[list[Cell]]:
        """Each line as the list of its cells, typed as the workbook holds them."""
        frame = self.values if self.values is not None else self.cells
        return frame.to_numpy(dtype=object).tolist()


def _workbook_table(values: pd.DataFrame, rows: np.ndarray, sheet: str) -> RawTable:
    # Numbers come as floats (5.0 -> "5"), dates as datetimes; nothing is evaluated:
    # calamine gives a formula's cached value, or nothing when there is none.
    cells = values.map(cell_text) if not values.empty else values
    return RawTable(cells, rows, sheet, values)


# ---------------------------------------------------------------------------------------
# A table found by its header row (the UPR Info and UHRI exports)


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
    first: list[str] = []
    with _open_book(path, sniffed) as book:
        for number, name in enumerate(_ordered(book.names, preferred_sheet)):
            table = book.sheet(name)
            index = _find_header(table.cells, is_header)
            if index is not None:
                return table, index
            if number == 0:
                first = _first_filled_row(table.cells)
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


def _ordered(names: Sequence[str], preferred: str | None) -> list[str]:
    return sorted(names, key=lambda n: n != preferred)


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


# ---------------------------------------------------------------------------------------
# A whole sheet or CSV (the mapped table, a responses table, the OHCHR matrix CSV)


def load_table(path: Path, sheet: str | None = None, *, delimiter: str | None = None) -> RawTable:
    """A CSV or one workbook sheet (the first one with data by default), whole.

    ``delimiter`` fixes a CSV's separator (else it is told from the text). Raises
    SourceFileError for anything that is not a readable table.
    """
    sniffed = files.sniff(path)
    files.expect(sniffed, "text", *WORKBOOK_KINDS)
    if sniffed.kind == "text":
        if sheet:
            raise SourceFileError(f"{path.name} is a text (CSV) file: it has no sheet '{sheet}'.")
        records = _csv_rows(files.read_text(path), path.name, delimiter)
        _check_grid(records, path.name)
        cells = pd.DataFrame(records, dtype=object).fillna("") if records else pd.DataFrame()
        return RawTable(cells, np.arange(len(records)) + 1)
    with _open_book(path, sniffed) as book:
        if sheet is not None and sheet not in book.names:
            raise SourceFileError(
                f"{path.name} has no sheet '{sheet}'; its sheets are: {', '.join(book.names)}."
            )
        for name in [sheet] if sheet is not None else book.names:
            table = book.sheet(name)
            if any(str(v).strip() for v in table.cells.to_numpy().ravel()):
                return table
    where = f"sheet '{sheet}' of {path.name}" if sheet is not None else path.name
    raise SourceFileError(f"{where} holds no data.")


def _check_grid(records: list[list[str]], name: str) -> None:
    """Refuse a CSV whose one far wider row would make its grid huge: every line is
    padded to the widest, and a row of a million commas among short ones would turn a
    small file into a grid of billions of cells."""
    width = max((len(r) for r in records), default=0)
    grid = len(records) * width
    if grid > MAX_SHEET_CELLS and grid > 2 * sum(len(r) for r in records):
        widest = next(i for i, r in enumerate(records, start=1) if len(r) == width)
        raise SourceFileError(
            f"{name}, row {widest}: holds {width:,} cells, far more than the other rows; "
            f"read as a table it would be {len(records):,} rows by {width:,} columns "
            f"(the limit is {MAX_SHEET_CELLS:,} cells). Remove the stray separators, "
            "save, and import again."
        )


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order; [] for a CSV file."""
    sniffed = files.sniff(path)
    files.expect(sniffed, "text", *WORKBOOK_KINDS)
    if sniffed.kind == "text":
        return []
    with _open_book(path, sniffed) as book:
        return list(book.names)


def head_rows(path: Path, sniffed: files.SniffedFile, limit: int) -> list[list[str]]:
    """The first ``limit`` rows of a workbook's first sheet, each cell's text stripped
    (what detection looks at)."""
    with _open_book(path, sniffed) as book:
        if not book.names:
            return []
        table = book.sheet(book.names[0], limit)
    return [[str(v).strip() for v in row] for row in table.cells.to_numpy().tolist()]


def csv_head_rows(text: str, name: str, limit: int) -> list[list[str]]:
    """The first ``limit`` lines of a CSV text as rows, each cell stripped."""
    try:
        rows = list(csv.reader(io.StringIO("\n".join(text.split("\n")[:limit]))))
    except csv.Error as error:
        raise SourceFileError(f"{name} cannot be read as CSV: {error}.") from None
    return [[c.strip() for c in r] for r in rows]


def _csv_rows(text: str, name: str, delimiter: str | None) -> list[list[str]]:
    if not text.strip():
        raise SourceFileError(f"{name} holds no text.")
    delimiter = delimiter or _delimiter(text)
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


# ---------------------------------------------------------------------------------------
# Workbooks: xlsx and ods through calamine, xls through xlrd


class _Book(Protocol):
    names: list[str]

    def sheet(self, name: str, limit: int | None = None) -> RawTable: ...


def _protected(path: Path) -> SourceFileError:
    return SourceFileError(
        f"{path.name} is protected by a password. Open it in Excel, remove the "
        "password, save, and import it again."
    )


def _damaged(path: Path, error: object) -> SourceFileError:
    return SourceFileError(f"{path.name} is damaged or unreadable: {error}")


@contextmanager
def _open_book(path: Path, sniffed: files.SniffedFile) -> Iterator[_Book]:
    """The workbook at ``path``, closed afterwards. What its library raises while opening
    it or reading a sheet comes out as a SourceFileError naming the file; what the
    caller raises passes untouched."""
    book: _CalamineBook | _XlsBook = (
        _XlsBook(path) if sniffed.kind == "xls" else _CalamineBook(path)
    )
    try:
        yield book
    finally:
        book.close()


@contextmanager
def _calamine_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except SourceFileError:
        raise
    except python_calamine.PasswordError:
        raise _protected(path) from None
    except (
        python_calamine.CalamineError,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        KeyError,
    ) as error:
        raise _damaged(path, error) from None


@contextmanager
def _xls_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except SourceFileError:
        raise
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise _protected(path) from None
        raise _damaged(path, error) from None
    except (
        xlrd.compdoc.CompDocError,
        struct.error,
        ValueError,
        IndexError,
        KeyError,
        AssertionError,
    ) as error:
        raise SourceFileError(f"{path.name} is damaged or unreadable ({error}).") from None


class _CalamineBook:
    def __init__(self, path: Path) -> None:
        self.path = path
        with _calamine_errors(path):
            self.book = python_calamine.CalamineWorkbook.from_path(str(path))
            self.names = [str(name) for name in self.book.sheet_names]

    def sheet(self, name: str, limit: int | None = None) -> RawTable:
        # The empty area above and left of the data is kept, so positions are the
        # sheet's own rows and columns.
        with _calamine_errors(self.path):
            sheet = self.book.get_sheet_by_name(name)
            records = sheet.to_python(skip_empty_area=False, nrows=limit)
        values = pd.DataFrame(records, dtype=object) if records else pd.DataFrame()
        return _workbook_table(values, np.arange(len(records)) + 1, name)

    def close(self) -> None:
        self.book.close()


class _XlsBook:
    def __init__(self, path: Path) -> None:
        self.path = path
        with _xls_errors(path):
            # UPR Info's .xls files have a damaged directory that xlrd refuses otherwise.
            self.book = xlrd.open_workbook(
                str(path), ignore_workbook_corruption=True, on_demand=True, formatting_info=False
            )
            self.names = [str(name) for name in self.book.sheet_names()]

    def sheet(self, name: str, limit: int | None = None) -> RawTable:
        with _xls_errors(self.path):
            sheet = self.book.sheet_by_name(name)
            height = sheet.nrows if limit is None else min(limit, sheet.nrows)
            columns = {}
            for col in range(sheet.ncols):
                values = sheet.col_values(col, 0, height)
                types = sheet.col_types(col, 0, height)
                columns[col] = [self._value(v, t) for v, t in zip(values, types, strict=True)]
        frame = pd.DataFrame(columns, dtype=object) if columns else pd.DataFrame()
        return _workbook_table(frame, np.arange(height) + 1, name)

    def _value(self, value: object, ctype: int) -> Cell:
        if ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate_as_datetime(value, self.book.datemode)
            except (ValueError, TypeError, OverflowError, xlrd.xldate.XLDateError):
                return value
        if ctype == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        if ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return ""
        return value

    def close(self) -> None:
        self.book.release_resources()


# ---------------------------------------------------------------------------------------
# Columns: found by their header, cleaned, checked


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


@dataclass(frozen=True)
class NamedColumns:
    """A header-matched table's body: one cleaned text column per known name."""

    frame: pd.DataFrame  # every name of ``spellings``, "" where the file lacks it
    rows: np.ndarray  # the file's row number of each frame row
    labels: dict[str, str]  # our name -> the header as the file spells it
    sheet: str | None


def read_named_columns(
    path: Path,
    kinds: Sequence[str],
    spellings: dict[str, tuple[str, ...]],
    required: Sequence[str],
    header_matches: int,
    preferred_sheet: str | None = None,
) -> NamedColumns:
    """The filled rows of an export whose header row holds ``header_matches`` known names.

    The UPR Info and UHRI exports are read alike: find the header below any title rows,
    name what is missing, clean every known column and drop the rows left empty.
    """
    sniffed = files.sniff(path)
    files.expect(sniffed, *kinds)

    def is_header(cells: Sequence[str]) -> bool:
        return len(locate_columns(cells, spellings)) >= header_matches

    table, header_index = read_table(path, sniffed, is_header, preferred_sheet)
    header = [str(v) for v in table.cells.iloc[header_index].tolist()]
    error = missing_columns_error(path, header, spellings, required, table.sheet)
    if error is not None:
        raise error
    found = locate_columns(header, spellings)
    body = table.cells.iloc[header_index + 1 :]
    frame = pd.DataFrame(
        {name: clean_column(body.iloc[:, position]) for name, (position, _) in found.items()}
    ).reset_index(drop=True)
    for name in spellings:
        if name not in frame:
            frame[name] = ""
    filled = (frame != "").any(axis=1).to_numpy()
    return NamedColumns(
        frame=frame[filled].reset_index(drop=True),
        rows=table.rows[header_index + 1 :][filled],
        labels={name: label for name, (_, label) in found.items()},
        sheet=table.sheet,
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
