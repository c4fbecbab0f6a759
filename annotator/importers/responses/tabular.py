"""Responses as a table: rows of (number, response[, explanation]) in a CSV, a
workbook or a Word table; a Word file without such a table is read as prose."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml.etree import LxmlError

from annotator.importers import containers, files
from annotator.importers.files import SourceFileError
from annotator.importers.numbers import parse_number, parse_number_list
from annotator.importers.responses.collect import (
    Collector,
    Place,
    listish,
    report_progress,
    short,
)
from annotator.importers.responses.prose import read_prose
from annotator.importers.tables import (
    Cell,
    ambiguous_number,
    cell_text,
    column_letter,
)

ROLES = ("number", "response", "explanation")


# ---------------------------------------------------------------------------
# Tables


def read_table_rows(
    rows: list[tuple[Place, list[Cell]]],
    collector: Collector,
    spreadsheet: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    filled = [(place, cells) for place, cells in rows if any(cell_text(c).strip() for c in cells)]
    if not filled:
        raise SourceFileError(f"{collector.batch.file} holds no data.")
    width = max(_last_filled(cells) + 1 for _, cells in filled)
    if width < 2:
        raise SourceFileError(
            f"{collector.batch.file}: the table has only one column; a responses table needs "
            "the recommendation number, the response and (optionally) an explanation."
        )
    header: list[str] = []
    first = filled[0][1][0] if filled[0][1] else ""
    if isinstance(first, str) and not re.search(r"[0-9]+\.[0-9]+", first):
        header = [" ".join(cell_text(c).split()) for c in filled[0][1]]
        filled = filled[1:]

    def label(index: int) -> str:
        name = header[index] if index < len(header) and header[index] else ""
        if spreadsheet:
            return f"{column_letter(index)} ({name})" if name else column_letter(index)
        return name or ROLES[index]

    warned_extra = False
    for done, (place, cells) in enumerate(filled, start=1):
        report_progress(progress, done, len(filled))
        _table_row(place, cells, collector, label)
        if not warned_extra and _last_filled(cells) >= len(ROLES):
            warned_extra = True
            collector.problem(
                place,
                "holds more than three columns; only the number, the response and the "
                "explanation (the first three) are read",
                severity="warning",
            )


def _last_filled(cells: list[Cell]) -> int:
    return max((i for i, c in enumerate(cells) if cell_text(c).strip()), default=-1)


def _table_row(
    place: Place, cells: list[Cell], collector: Collector, label: Callable[[int], str]
) -> None:
    cells = cells + [""] * (len(ROLES) - len(cells))
    raw_number = cells[0]
    if why := ambiguous_number(raw_number):
        collector.problem(place, why, column=label(0))
        return
    number_text = " ".join(cell_text(raw_number).split())
    response = " ".join(cell_text(cells[1]).split())
    explanation = cell_text(cells[2]).strip() or None
    if not number_text:
        collector.problem(place, "has no recommendation number", column=label(0))
        return
    numbers = _numbers_of_cell(number_text, place, collector, label(0))
    if numbers is None:
        return
    if not response:
        collector.problem(place, f"gives no response for {number_text}", column=label(1))
        return
    for index, value in ((1, response), (2, explanation or "")):
        if too_long := files.check_cell(value):
            collector.problem(place, too_long, column=label(index))
            return
    for number in numbers:
        collector.give(number, response, explanation, place, label(0))


def _numbers_of_cell(
    text: str, place: Place, collector: Collector, column: str
) -> list[str] | None:
    single = parse_number(text)
    if single is not None:
        return [single]
    try:
        numbers = parse_number_list(text) if listish(text) else []
    except ValueError as error:
        collector.problem(
            place, f"cannot be read as recommendation numbers: {error}", column=column
        )
        return None
    if not numbers:
        collector.problem(
            place, f"'{short(text)}' is not a recommendation number (such as 28.1)", column=column
        )
        return None
    return numbers


# ---------------------------------------------------------------------------
# Word files


def read_docx(
    path: Path, collector: Collector, progress: Callable[[int, int], None] | None
) -> None:
    try:
        document = containers.open_docx(path)
        tables = [_docx_rows(t) for t in document.tables]
        paragraphs = [p.text for p in document.paragraphs]
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        LxmlError,
    ) as error:
        raise SourceFileError(
            f"{path.name} is damaged or not a readable Word file: {error}"
        ) from None
    # A UN document often opens with a layout table (symbol, distribution); only tables
    # whose first column holds recommendation numbers are responses tables.
    responses_tables = [t for t in tables if any(_starts_with_number(r) for r in t)]
    if responses_tables:
        rows: list[tuple[Place, list[Cell]]] = []
        for k, table in enumerate(responses_tables, start=1):
            unit = "table row" if len(responses_tables) == 1 else f"table {k}, row"
            rows += [(Place(i + 1, unit), list(cells)) for i, cells in enumerate(table)]
        read_table_rows(rows, collector, spreadsheet=False, progress=progress)
        return
    blocks = [
        (Place(i + 1, "paragraph"), line)
        for i, text in enumerate(paragraphs)
        # A soft line break (Shift+Enter) inside a paragraph separates lines as well.
        for line in text.split("\n")
    ]
    if not any(text.strip() for _, text in blocks):
        raise SourceFileError(f"{path.name} holds no text and no responses table.")
    read_prose(blocks, collector, progress)


def _docx_rows(table: Table) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; read it once.
            if any(cell._tc is s for s in seen):
                continue
            seen.append(cell._tc)
            cells.append(cell.text)
        rows.append(cells)
    return rows


def _starts_with_number(cells: list[str]) -> bool:
    if not cells:
        return False
    first = " ".join(cells[0].split())
    if parse_number(first):
        return True
    try:
        return bool(first) and bool(parse_number_list(first))
    except ValueError:
        return False


def docx_has_responses_table(path: Path) -> bool:
    try:
        document = containers.open_docx(path)
    except files.SourceFileError:  # reported by read_docx with its reason
        return True
    return any(
        any(_starts_with_number(row) for row in _docx_rows(table)) for table in document.tables
    )
