"""Streaming xlsx sheets that never hold a formula, and CSV cells that never run one.

openpyxl's write-only mode writes each row as it comes (memory stays flat whatever the
number of rows) and writes every ``str`` as an inline string cell, except a string
that starts with ``=``, which it would write as a formula. Such a string goes in as a
cell whose data type is forced to string, so every piece of text in a workbook is a
string cell: ``=HYPERLINK(...)``, ``@SUM(1)``, ``+1``, ``-2+3`` and text starting with a
tab or a carriage return are all shown exactly as typed and never calculated.

CSV has no cell types, so text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe (the convention spreadsheets follow).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from annotator.store.safe_write import scratch_file

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_PREFIX = "'"
# Excel's limit on the characters of one cell; longer text would make it refuse the file.
MAX_CELL_CHARS = 32_767
HEADER_FILL = "FFDDE4EE"


# What XML 1.0 cannot hold beyond openpyxl's list: the two non-characters and lone
# surrogates (a file with them is one Excel refuses to open).
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


# What ends a text cut to fit one cell, so a reader of the workbook sees it is not whole.
CUT_MARK = f"… [cut at {MAX_CELL_CHARS:,} characters]"


def clean_text(value: str) -> str:
    """Text an xlsx file can hold: characters XML forbids dropped, cut (and marked as
    cut) at the length Excel accepts."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
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


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    text: bool = True  # a hint for readers: False means numbers or blanks only
    wrap: bool = False
    choices: tuple[str | int, ...] | None = None  # a drop-down list of allowed values
    number_format: str | None = None
    locked: bool = True  # for protected sheets: False lets a coder type in it


@dataclass
class Sheet:
    """One write-only sheet: its header frozen and filtered, widths set, long text
    wrapped, drop-down lists on the columns that have choices."""

    workbook: Workbook
    title: str
    columns: Sequence[Column]
    lists: ListsSheet | None = None
    freeze: str | None = "A2"
    autofilter: bool = True
    protect: bool = False
    rows: int = 0
    _styled: dict[int, Any] = field(default_factory=dict)
    _letters: list[str] | None = None
    _styles: list[str] | None = None
    _keep_empty: list[bool] = field(default_factory=list)
    # How many cells had text longer than a cell holds (written cut, with CUT_MARK).
    cut_cells: int = 0

    def __post_init__(self) -> None:
        self.ws = _FastWorksheet(parent=self.workbook, title=self.title)
        self.workbook._add_sheet(self.ws)
        for index, column in enumerate(self.columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        if self.freeze:
            self.ws.freeze_panes = self.freeze
        for index, column in enumerate(self.columns):
            if column.wrap or column.number_format or (self.protect and not column.locked):
                template = WriteOnlyCell(self.ws)
                if column.wrap:
                    template.alignment = Alignment(wrap_text=True, vertical="top")
                if column.number_format:
                    template.number_format = column.number_format
                if self.protect and not column.locked:
                    template.protection = Protection(locked=False)
                self._styled[index] = template._style
        if self.columns:
            self.header([c.header for c in self.columns])

    def header(self, values: Sequence[str]) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.ws, clean_text(value))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        self.ws.append(cells)
        self.rows += 1

    def append(self, values: list[Any]) -> None:
        """One row, written straight out as sheet XML (see ``_FastWorksheet``)."""
        if self._letters is None:
            self._prepare()
        assert self._letters is not None and self._styles is not None
        self.rows += 1
        number = str(self.rows)
        parts = [f'<row r="{number}">']
        add = parts.append
        for index, value in enumerate(values):
            style = self._styles[index]
            if value is None or value == "":
                if style and self._keep_empty[index]:
                    add(f'<c r="{self._letters[index]}{number}"{style}/>')
                continue
            kind = value.__class__
            if kind is str:
                if len(value) > MAX_CELL_CHARS:
                    self.cut_cells += 1
                text = clean_text(value)
                if not text:  # only characters a workbook cannot hold ("\x0b"): empty
                    if style and self._keep_empty[index]:
                        add(f'<c r="{self._letters[index]}{number}"{style}/>')
                    continue
                space = _PRESERVE if text[0].isspace() or text[-1].isspace() else ""
                add(
                    f'<c r="{self._letters[index]}{number}"{style} t="inlineStr"><is>'
                    f"<t{space}>{text.translate(_ESCAPES)}</t></is></c>"
                )
            elif kind is int or kind is float:
                if kind is float and (value != value or value in _INFINITE):
                    continue
                add(f'<c r="{self._letters[index]}{number}"{style}><v>{value!r}</v></c>')
            elif kind is bool:
                add(f'<c r="{self._letters[index]}{number}"{style} t="b"><v>{int(value)}</v></c>')
            else:  # anything else (a date, a number type of numpy's) as its text or number
                plain = value.item() if hasattr(value, "item") else str(value)
                values[index] = plain
                self.rows -= 1
                return self.append(values)
        add("</row>")
        self.ws.stream.write("".join(parts))

    def _prepare(self) -> None:
        """Column letters and style ids, once: the header is written, the styles known."""
        self._letters = [get_column_letter(i) for i in range(1, len(self.columns) + 1)]
        ids = {
            index: self.workbook._cell_styles.add(style) for index, style in self._styled.items()
        }
        self._styles = [f' s="{ids[i]}"' if ids.get(i) else "" for i in range(len(self.columns))]
        self._keep_empty = [self.protect and not c.locked for c in self.columns]

    def blank(self) -> None:
        self.rows += 1

    def close(self) -> None:
        """Filter and drop-downs, once the number of rows is known."""
        last = max(self.rows, 2)
        if self.autofilter and self.columns:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{last}"
        # One validation per list, over all the columns that offer it (sixty 0/1 columns
        # share one), as Excel itself stores them.
        by_list: dict[tuple[str | int, ...], list[str]] = {}
        headers: dict[tuple[str | int, ...], str] = {}
        for index, column in enumerate(self.columns, start=1):
            if column.choices and self.lists is not None:
                letter = get_column_letter(index)
                by_list.setdefault(column.choices, []).append(f"{letter}2:{letter}{last}")
                headers.setdefault(column.choices, column.header)
        for choices, ranges in by_list.items():
            assert self.lists is not None
            validation = self.lists.validation(headers[choices], choices)
            validation.sqref = MultiCellRange(" ".join(ranges))
            self.ws.data_validations.append(validation)
        if self.protect:
            self.ws.protection.sheet = True
            self.ws.protection.formatColumns = False
            self.ws.protection.autoFilter = False
            self.ws.protection.sort = False


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_PRESERVE = ' xml:space="preserve"'
_INFINITE = (float("inf"), float("-inf"))


class _FastWorksheet(WriteOnlyWorksheet):
    """A write-only sheet whose data rows are written as XML text by ``Sheet.append``.

    openpyxl spends about 7 µs on each cell (a cell object, its checks, an lxml element);
    formatting the row as text costs a fraction of that. The header still goes through
    openpyxl, which also writes everything around the rows (columns, frozen panes,
    filter, drop-downs); the rows are spliced into its file when the sheet closes.
    Every string is written as an inline string: text, never a formula.
    """

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        # Named so that what a killed export leaves is swept at the next start.
        handle, self._rows_path = scratch_file(".xml")
        self.stream = os.fdopen(handle, "w", encoding="utf-8", buffering=1 << 20)

    def close(self) -> None:
        super().close()
        self.stream.close()
        try:
            _splice(self._writer.out, self._rows_path)
        finally:
            os.remove(self._rows_path)

    def discard(self) -> None:
        """Drop the rows written so far (an export that was stopped)."""
        if not self.stream.closed:
            self.stream.close()
        if os.path.exists(self._rows_path):
            os.remove(self._rows_path)


def _splice(sheet_path: str, rows_path: str) -> None:
    with open(sheet_path, encoding="utf-8") as handle:
        xml = handle.read()  # small: the header row and what surrounds the rows
    if "</sheetData>" in xml:
        head, tail = xml.split("</sheetData>", 1)
        tail = "</sheetData>" + tail
    else:
        head, tail = xml.split("<sheetData/>", 1)
        head, tail = head + "<sheetData>", "</sheetData>" + tail
    with open(sheet_path, "w", encoding="utf-8") as out:
        out.write(head)
        with open(rows_path, encoding="utf-8") as rows:
            shutil.copyfileobj(rows, out, 1 << 20)
        out.write(tail)


class ListsSheet:
    """A hidden sheet holding the drop-down lists (a list typed into a validation is
    limited to 255 characters and cannot hold commas)."""

    def __init__(self, workbook: Workbook, title: str = "Lists") -> None:
        self.workbook = workbook
        self.title = title
        self.lists: list[tuple[str, tuple[str | int, ...]]] = []
        self._index: dict[tuple[str | int, ...], int] = {}

    def validation(self, header: str, choices: tuple[str | int, ...]) -> DataValidation:
        if choices not in self._index:
            self._index[choices] = len(self.lists)
            self.lists.append((header, choices))
        letter = get_column_letter(self._index[choices] + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheet(self.title)}!${letter}$2:${letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not one of the choices",
            error="Choose one of the values the drop-down list offers.",
        )
        validation.showDropDown = False  # openpyxl's name inverts Excel's: False shows it
        return validation

    def write(self) -> None:
        ws = self.workbook.create_sheet(self.title)
        ws.sheet_state = "hidden"
        if not self.lists:
            return
        height = max(len(c) for _, c in self.lists)
        ws.append([_text_cell(ws, header) for header, _ in self.lists])
        for row in range(height):
            ws.append(
                [
                    _text_cell(ws, choices[row]) if row < len(choices) else None
                    for _, choices in self.lists
                ]
            )


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _text_cell(ws: Any, value: str | int) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, clean_text(value))
    cell.data_type = "s"
    return cell


def key_value_rows(sheet: Sheet, rows: Iterable[tuple[str, Any]]) -> None:
    for key, value in rows:
        sheet.append([key, value])


def cell(
    ws: Any,
    value: Any,
    *,
    bold: bool = False,
    number_format: str | None = None,
    wrap: bool = False,
    italic: bool = False,
) -> Any:
    """One styled cell for the small sheets (Summary, About); text always a string."""
    if isinstance(value, str):
        value = clean_text(value)
    elif value is not None and isinstance(value, float) and value != value:
        value = None  # NaN: nothing to show (a share of nothing)
    result = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        result.data_type = "s"
    if bold or italic:
        result.font = Font(bold=bold, italic=italic)
    if number_format and not isinstance(value, str):
        result.number_format = number_format
    if wrap:
        result.alignment = Alignment(wrap_text=True, vertical="top")
    return result
