"""Every workbook the app writes (export, coding sheet, reliability report, codebook), and
the one guard that keeps a text from ever running as a formula.

Workbooks are written by XlsxWriter in its constant-memory mode: each row goes to disk
as soon as the next one starts, so memory stays flat whatever the number of rows. That
mode has one rule, which the classes here keep: the rows of a sheet are written in
order, top to bottom (sheets may be written side by side). Its strings are inline
strings, so a sheet file holds its own text.

The formula guard: every ``str`` goes in through ``write_string`` (and the workbook is
opened with ``strings_to_formulas`` off), so ``=HYPERLINK(...)``, ``@SUM(1)``, ``+1``,
``-2+3`` and text starting with a tab or a carriage return are shown as typed, never
calculated. CSV has no cell types, so such text gets a leading apostrophe there
(``csv_safe``), the convention spreadsheets follow.

Qt-free and store-free (the codebook, in the domain layer, writes through it too):
the caller chooses the path, and makes the file appear whole (it writes a temporary
name and renames it).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_PREFIX = "'"
# Excel's limit on the characters of one cell; longer text would make it refuse the file.
MAX_CELL_CHARS = 32_767
HEADER_FILL = "FFDDE4EE"
# What ends a text cut to fit one cell, so a reader of the workbook sees it is not whole.
CUT_MARK = f"… [cut at {MAX_CELL_CHARS:,} characters]"
# Where the scratch files of the rows go, named so a sweep of leftovers recognises them.
SCRATCH_PREFIX = ".upr-tmp-"

# What XML 1.0 cannot hold: control characters other than tab, line feed and carriage
# return, the two non-characters and lone surrogates (Excel refuses a file with them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Excel's own escape for a character (_xHHHH_): a text that holds one literally gets
# its "_" escaped, so Excel shows it as typed. A lookahead, so that in "_x0041_x0042_"
# both are escaped (XlsxWriter's own pattern misses the second).
_LOOKS_ESCAPED = re.compile("_(?=x[0-9a-fA-F]{4}_)")
_PIXELS_PER_CHARACTER = 7  # Calibri 11's digit, XlsxWriter's unit for column widths
_INFINITE = (math.inf, -math.inf)
# Text this long could pass Excel's limit in UTF-16 units; such text takes the slow way.
_SHORT_TEXT = MAX_CELL_CHARS // 2


def clean_text(value: str) -> str:
    """Text an xlsx file can hold: characters XML forbids dropped, cut (and marked as
    cut) at the length Excel accepts."""
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - len(CUT_MARK)] + CUT_MARK
    return value


def csv_safe(value: Any) -> Any:
    """A CSV value no spreadsheet will run: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_PREFIX + value
    return value


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """The letter of a column counted from 1 (1 is A)."""
    return str(xl_col_to_name(index - 1))


class _TextSheet(Worksheet):
    """XlsxWriter's sheet, with two of its text escapes made safe for any text.

    A carriage return is written as the XML character reference ``&#13;`` (XlsxWriter
    writes ``_x000D_``, which Excel reads but openpyxl, pandas and our own readers show
    as those seven characters). And this app never writes rich text, so a text that
    merely looks like rich-text XML (``<r>…</r>``) is escaped like any other rather than
    spliced into the file as XML."""

    @staticmethod
    def _escape_control_characters(data: Any) -> Any:
        # ``clean_text`` has dropped every control character XML cannot hold.
        if data.__class__ is str and "_x" in data:
            return _LOOKS_ESCAPED.sub("_x005F_", data)
        return data

    def _escape_data(self, data: Any) -> Any:
        escaped = super()._escape_data(data)
        if escaped.__class__ is str and "\r" in escaped:
            return escaped.replace("\r", "&#13;")
        return escaped

    def _xml_rich_inline_string(self, string: str, attributes: Any = None) -> None:
        preserve = string[:1].isspace() or string[-1:].isspace()
        self._xml_inline_string(string, preserve, attributes or [])

    def fast_row(
        self,
        row: int,
        values: Sequence[Any],
        looks: Sequence[Format | None],
        styles: list[str | None],
        letters: Sequence[str],
    ) -> bool:
        """Write a row of short text and finite numbers straight to the sheet's file,
        the very XML XlsxWriter would write cell by cell (its per-cell calls are most of
        an export's time). False, with nothing written, for any other row."""
        if row < self.previous_row or row in self.row_info or len(values) > len(looks):
            return False
        tails: list[tuple[int, str]] = []
        for index, value in enumerate(values):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                if len(value) > _SHORT_TEXT or _NOT_XML.search(value):
                    return False
                text = self._escape_control_characters(value)
                if text.startswith("<r>") and text.endswith("</r>"):
                    preserve: Any = text[:1].isspace() or text[-1:].isspace()
                else:
                    preserve = _preserve_whitespace(text)
                space = ' xml:space="preserve"' if preserve else ""
                tails.append(
                    (index, f' t="inlineStr"><is><t{space}>{self._escape_data(text)}</t></is></c>')
                )
            elif kind is int or kind is float:
                if kind is float and (value != value or value in _INFINITE):
                    continue
                tails.append((index, f"><v>{value:.16G}</v></c>"))
            elif value is not None:
                return False
        # The row before, if XlsxWriter still holds it (a header), goes first.
        if row > self.previous_row:
            self._write_single_row(row)
        if not tails:
            return True
        self._check_dimensions(row, tails[0][0])
        self._check_dimensions(row, tails[-1][0])
        number = row + 1
        cells = []
        for index, tail in tails:
            style = styles[index]
            if style is None:
                # Known at the column's first cell, as XlsxWriter numbers formats then.
                style = styles[index] = self._style(index, looks[index])
            cells.append(f'<c r="{letters[index]}{number}"{style}{tail}')
        self._write_row(row, None)
        self.fh.write("".join(cells))
        self._xml_end_tag("row")
        return True

    def _style(self, col: int, look: Format | None) -> str:
        if look is None and col in self.col_info:
            look = self.col_info[col].column_format
        return f' s="{look._get_xf_index()}"' if look is not None else ""


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    text: bool = True  # a hint for readers: False means numbers or blanks only
    wrap: bool = False
    choices: tuple[str | int, ...] | None = None  # a drop-down list of allowed values
    number_format: str | None = None
    locked: bool = True  # for protected sheets: False lets a coder type in it


class Book:
    """One workbook being written to ``path``; ``close`` writes the file, ``abandon``
    drops everything (a stopped export leaves no scratch file behind).

    Used as a context manager it closes on success and abandons on any error."""

    def __init__(self, path: str | Path, *, scratch_dir: str | Path | None = None) -> None:
        # Every sheet's rows go to a file in one folder of our own, removed at the end.
        # Named as the store's scratch files are (prefix, then the writer's process id).
        self._scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=scratch_dir)
        self.path = Path(path)
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": self._scratch,
            },
        )
        self._formats: dict[tuple[Any, ...], Format] = {}
        self._closed = False

    def __enter__(self) -> Book:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()

    def add_sheet(self, title: str) -> Worksheet:
        ws = self.workbook.add_worksheet(title, worksheet_class=_TextSheet)
        # Printed, a sheet is as wide as its columns: landscape and one page wide (as
        # many pages down as it needs), so a table never splits into strips of columns.
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        return ws

    def format(
        self,
        *,
        bold: bool = False,
        italic: bool = False,
        wrap: bool = False,
        number_format: str | None = None,
        locked: bool = True,
        fill: str | None = None,
        top: bool = False,
    ) -> Format | None:
        """One shared format for each combination (None: the default look); ``wrap``
        and ``top`` align to the top of the cell."""
        key = (bold, italic, wrap, number_format, locked, fill, top)
        if key == (False, False, False, None, True, None, False):
            return None
        if key not in self._formats:
            made = self.workbook.add_format()
            if bold:
                made.set_bold()
            if italic:
                made.set_italic()
            if wrap:
                made.set_text_wrap()
            if wrap or top:
                made.set_align("top")
            if number_format:
                made.set_num_format(number_format)
            if not locked:
                made.set_locked(False)
            if fill:
                made.set_pattern(1)
                made.set_bg_color("#" + fill[-6:])
            self._formats[key] = made
        return self._formats[key]

    def sheet(
        self,
        title: str,
        columns: Sequence[Column],
        lists: ListsSheet | None = None,
        *,
        freeze: str | None = "A2",
        autofilter: bool = True,
        protect: bool = False,
    ) -> Sheet:
        return Sheet(self, title, columns, lists, freeze, autofilter, protect)

    def rows(self, title: str, widths: Sequence[tuple[int, float]] = ()) -> Rows:
        """A free sheet written row by row (a summary, an About sheet); ``widths``:
        (column counted from 1, width)."""
        rows = Rows(self, self.add_sheet(title))
        for index, width in widths:
            rows.width(index, width)
        return rows

    def lists(self, title: str = "Lists") -> ListsSheet:
        return ListsSheet(self, title)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.workbook.close()
        except FileCreateError as error:
            # XlsxWriter wraps the OSError; the callers turn an OSError into plain words.
            cause = error.args[0] if error.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def abandon(self) -> None:
        if self._closed:
            return
        self._closed = True
        for ws in self.workbook.worksheets():
            handle = getattr(ws, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _pixels(width: float) -> int:
    # In pixels, so that the width stored is the one asked (XlsxWriter would add
    # Excel's padding of 5 pixels to a width in characters).
    return round(width * _PIXELS_PER_CHARACTER)


class Rows:
    """A sheet written row by row, each cell with its own look."""

    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book = book
        self.ws = ws
        self.row = 0  # rows written so far (the last one's number, counted from 1)
        self.breaks: list[int] = []

    def width(self, index: int, width: float) -> None:
        self.ws.set_column_pixels(index - 1, index - 1, _pixels(width))

    def put(
        self,
        values: Sequence[Any],
        *,
        bold: bool = False,
        italic: bool = False,
        wrap: bool = False,
        number_format: str | None = None,
        number_from: int | None = None,
    ) -> int:
        """The next row; ``number_format`` for the numbers from column ``number_from``
        (counted from 0) on. Returns the row's number (counted from 1)."""
        self.row += 1
        for index, value in enumerate(values):
            numbers = number_format if number_from is None or index >= number_from else None
            self.write(
                self.row,
                index + 1,
                value,
                bold=bold,
                italic=italic,
                wrap=wrap,
                number_format=numbers,
            )
        return self.row

    def gap(self) -> None:
        self.row += 1

    def write(
        self,
        row: int,
        column: int,
        value: Any,
        *,
        bold: bool = False,
        italic: bool = False,
        wrap: bool = False,
        number_format: str | None = None,
        top: bool = False,
    ) -> None:
        """One cell (row and column counted from 1); rows only ever go down."""
        if row < self.row:
            raise ValueError(f"row {row} comes after row {self.row}: rows are written in order")
        self.row = row
        numbers = None if isinstance(value, str) else number_format
        look = self.book.format(bold=bold, italic=italic, wrap=wrap, number_format=numbers, top=top)
        _write(self.ws, row - 1, column - 1, value, look)

    def chart(self, anchor: str, chart: Any) -> None:
        self.ws.insert_chart(anchor, chart)

    def page_break(self, row: int) -> None:
        """A printed page starts at ``row`` (counted from 0), so that a chart placed there
        starts on a page of its own instead of being cut by wherever a page happens to end."""
        # XlsxWriter's break after row n (counted from 1) is the one before row n (from 0).
        if row > 0 and row not in self.breaks and len(self.breaks) < 1023:  # Excel's limit
            self.breaks.append(row)
            self.ws.set_h_pagebreaks(sorted(self.breaks))


def _write(ws: Worksheet, row: int, column: int, value: Any, look: Format | None) -> bool:
    """One cell, zero-based; text always a string cell. True if the text was cut."""
    if value is None or value == "":
        return False
    kind = value.__class__
    if kind is str:
        text = clean_text(value)
        if text:  # only characters a workbook cannot hold ("\x0b"): an empty cell
            ws.write_string(row, column, text, look)
        return len(value) > MAX_CELL_CHARS
    if kind is bool:
        ws.write_boolean(row, column, value, look)
    elif kind is int or kind is float:
        if kind is float and (value != value or value in _INFINITE):
            return False  # NaN: nothing to show (a share of nothing)
        ws.write_number(row, column, value, look)
    elif hasattr(value, "item"):  # a number of numpy's
        return _write(ws, row, column, value.item(), look)
    elif isinstance(value, int | float):
        return _write(ws, row, column, (float if isinstance(value, float) else int)(value), look)
    else:  # anything else (a date) as its text
        return _write(ws, row, column, str(value), look)
    return False


class Sheet:
    """A table: its header frozen and filtered, widths set, long text wrapped,
    drop-down lists on the columns that have choices, and (``protect``) every column
    locked but those a coder types in."""

    def __init__(
        self,
        book: Book,
        title: str,
        columns: Sequence[Column],
        lists: ListsSheet | None = None,
        freeze: str | None = "A2",
        autofilter: bool = True,
        protect: bool = False,
    ) -> None:
        self.book = book
        self.title = title
        self.columns = list(columns)
        self.lists = lists
        self.autofilter = autofilter
        self.protect = protect
        self.rows = 0
        # How many cells had text longer than a cell holds (written cut, with CUT_MARK).
        self.cut_cells = 0
        self.ws = book.add_sheet(title)
        self._looks = [
            book.format(
                wrap=c.wrap,
                number_format=c.number_format,
                locked=c.locked or not protect,
            )
            for c in self.columns
        ]
        # For the fast way of writing rows: each column's style attribute once known.
        self._styles: list[str | None] = [None] * len(self.columns)
        self._letters = [column_letter(i + 1) for i in range(len(self.columns))]
        # Blank cells a coder types in are written with their (unlocked) look.
        self._blank = [
            (index, look)
            for index, (c, look) in enumerate(zip(self.columns, self._looks, strict=True))
            if protect and not c.locked
        ]
        for index, column in enumerate(self.columns):
            self.ws.set_column_pixels(index, index, _pixels(column.width))
        if freeze:
            self.ws.freeze_panes(freeze)
        if self.columns:
            self.header([c.header for c in self.columns])
            self.ws.repeat_rows(0)  # the header on every printed page

    def header(self, values: Sequence[str]) -> None:
        look = self.book.format(bold=True, wrap=True, fill=HEADER_FILL)
        for index, value in enumerate(values):
            text = clean_text(value)
            if text:
                self.ws.write_string(self.rows, index, text, look)
        self.rows += 1

    def append(self, values: Sequence[Any]) -> None:
        row = self.rows
        self.rows += 1
        ws = self.ws
        looks = self._looks
        if (
            not self._blank
            and isinstance(ws, _TextSheet)
            and ws.fast_row(row, values, looks, self._styles, self._letters)
        ):
            return
        for index, value in enumerate(values):
            # The common case first: a text that fits and needs no cleaning.
            if (
                value.__class__ is str
                and value
                and len(value) <= MAX_CELL_CHARS
                and not _NOT_XML.search(value)
            ):
                ws.write_string(row, index, value, looks[index])
                continue
            if _write(ws, row, index, value, looks[index]):
                self.cut_cells += 1
        for index, look in self._blank:
            value = values[index] if index < len(values) else None
            if value is None or (isinstance(value, str) and not clean_text(value)):
                ws.write_blank(row, index, None, look)

    def blank(self) -> None:
        self.rows += 1

    def close(self) -> None:
        """Filter and drop-downs, once the number of rows is known."""
        last = max(self.rows, 2)
        if self.autofilter and self.columns:
            self.ws.autofilter(0, 0, last - 1, len(self.columns) - 1)
        # One validation per list, over all the columns that offer it (sixty 0/1 columns
        # share one), as Excel itself stores them.
        by_list: dict[tuple[str | int, ...], list[int]] = {}
        headers: dict[tuple[str | int, ...], str] = {}
        for index, column in enumerate(self.columns):
            if column.choices and self.lists is not None:
                by_list.setdefault(column.choices, []).append(index)
                headers.setdefault(column.choices, column.header)
        for choices, indexes in by_list.items():
            assert self.lists is not None
            ranges = " ".join(
                f"{column_letter(i + 1)}2:{column_letter(i + 1)}{last}" for i in indexes
            )
            options = self.lists.validation(headers[choices], choices)
            options["multi_range"] = ranges
            self.ws.data_validation(1, indexes[0], last - 1, indexes[0], options)
        if self.protect:
            self.ws.protect("", {"format_columns": True, "autofilter": True, "sort": True})


class ListsSheet:
    """A hidden sheet holding the drop-down lists (a list typed into a validation is
    limited to 255 characters and cannot hold commas). Written last, when every list
    is known (``write``)."""

    def __init__(self, book: Book, title: str = "Lists") -> None:
        self.book = book
        self.title = title
        self.lists: list[tuple[str, tuple[str | int, ...]]] = []
        self._index: dict[tuple[str | int, ...], int] = {}

    def validation(self, header: str, choices: tuple[str | int, ...]) -> dict[str, Any]:
        if choices not in self._index:
            self._index[choices] = len(self.lists)
            self.lists.append((header, choices))
        letter = column_letter(self._index[choices] + 1)
        return {
            "validate": "list",
            "source": f"={quote_sheet(self.title)}!${letter}$2:${letter}${len(choices) + 1}",
            "ignore_blank": True,
            "show_error": True,
            "error_title": "Not one of the choices",
            "error_message": "Choose one of the values the drop-down list offers.",
        }

    def write(self) -> None:
        ws = self.book.add_sheet(self.title)
        ws.hide()
        for index, (header, _) in enumerate(self.lists):
            _write(ws, 0, index, header, None)
        height = max((len(c) for _, c in self.lists), default=0)
        for row in range(height):
            for index, (_, choices) in enumerate(self.lists):
                if row < len(choices):
                    _write(ws, row + 1, index, choices[row], None)


@contextmanager
def book(path: str | Path, *, scratch_dir: str | Path | None = None) -> Iterator[Book]:
    """A workbook written to ``path`` when the block ends, dropped if it fails."""
    made = Book(path, scratch_dir=scratch_dir)
    with made:
        yield made
