"""Which reader a file needs, told from its content, and one entry point to all readers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.importers import containers, documents, intake
from annotator.importers.files import SourceFileError, expect, read_text, sniff
from annotator.importers.records import ImportBatch, ReviewRecord

FORMATS: dict[str, str] = {
    "ohchr-matrix": "OHCHR matrix: thematic list of recommendations (.docx)",
    "uprinfo": "UPR Info database export (.xls, .xlsx, .csv)",
    "uhri": "Universal Human Rights Index export (.xlsx)",
    "wg-report": "Working Group report: its list of recommendations (PDF, .docx, .txt)",
    "responses": "The state's responses: its addendum (PDF, .docx, .txt) or a table",
    "table": "Any other table, with a column mapping (.csv, .xlsx, .ods)",
    "matrix-csv": "OHCHR matrix as a CSV, one row a recommendation",
}
# Formats that can also be pasted as text.
TEXT_FORMATS = {"wg-report", "responses"}

_NUMBERED = re.compile(r"^\s*\d{1,3}\.\d{1,3}\.?\s+\S", re.MULTILINE)
_NUMBER_CELL = re.compile(r"^\s*\d{1,3}\.\d{1,3}\.?\s*$")


def detect_format(path: Path) -> str:
    """The format of ``path``; SourceFileError when it cannot be told (choose one then)."""
    sniffed = sniff(path)
    expect(sniffed, "pdf", "docx", "xlsx", "ods", "xls", "text")
    if sniffed.kind == "pdf":
        return _un_document_format(documents.pdf_first_page(path)) or "wg-report"
    if sniffed.kind == "xls":
        return "uprinfo"
    if sniffed.kind == "docx":
        return _docx_format(path)
    if sniffed.kind in {"xlsx", "ods"}:
        # Imported here: the command line loads this module, and pandas only when a
        # table is read.
        from annotator.importers import tables

        return _rows_format(tables.head_rows(path, sniffed, 10), path)
    return _text_format(path)


class MappingNeeded(SourceFileError):
    """A table of no known layout read without a column mapping: each front end says how
    to give one (the command line's --map, the import dialog's column choice)."""


def _undetermined(path: Path) -> SourceFileError:
    return SourceFileError(
        f"{path.name}: its format could not be recognised; choose the format "
        "(on the command line, --format)."
    )


def _docx_format(path: Path) -> str:
    document = containers.open_docx(path)
    try:
        return _docx_layout(document, path)
    except SourceFileError:
        raise
    except Exception as error:  # python-docx fails lazily on damaged tables and cells
        raise SourceFileError(
            f"{path.name} is damaged: its tables cannot be read ({type(error).__name__})."
        ) from None


def _docx_layout(document: Any, path: Path) -> str:
    for table in document.tables:
        if not table.rows:
            continue
        header = " ".join(c.text for c in table.rows[0].cells).casefold()
        if "recommendation" in header and "position" in header:
            return "ohchr-matrix"
        if len(table.columns) in (2, 3) and any(
            _NUMBER_CELL.match(row.cells[0].text) for row in table.rows[:5]
        ):
            return "responses"
    found = _un_document_format([p.text for p in document.paragraphs[:80]])
    if found is not None:
        return found
    text = "\n".join(p.text for p in document.paragraphs)
    return _prose_format(text, path)


def _prose_format(text: str, path: Path) -> str:
    numbered = _NUMBERED.findall(text)
    if len(numbered) >= 2 and "(" in text:
        return "wg-report"
    lowered = text.casefold()
    if re.search(r"\d+\.\d+", text) and any(
        word in lowered for word in ("accept", "noted", "reject", "support")
    ):
        return "responses"
    raise _undetermined(path)


def _rows_format(rows: list[list[str]], path: Path) -> str:
    for row in rows:
        cells = {c.casefold() for c in row if c}
        if {"reccomending body", "upr position"} & cells or "upr reccomending states" in cells:
            return "uhri"
        if {"sur", "rs", "recommendation"} <= cells or {"to", "from", "text", "issue"} <= cells:
            return "uprinfo"
        if {"state_under_review", "number", "recommendation"} <= cells:
            return "matrix-csv"
    filled = [[c for c in row if c] for row in rows if any(row)]
    if (
        filled
        and all(len(r) <= 3 for r in filled)
        and sum(bool(_NUMBER_CELL.match(r[0])) for r in filled) >= max(1, len(filled) - 1)
    ):
        return "responses"
    return "table"


def _un_document_format(first_page: list[str]) -> str | None:
    """The format a UN document's masthead says: "responses" for a state's addendum,
    "wg-report" for a Working Group report, None if it is neither."""
    head = documents.masthead(first_page)
    if head.title is None and head.symbol is None:
        return None
    if head.addendum:
        return "responses"
    return "wg-report" if head.title else None


def _text_format(path: Path) -> str:
    text = read_text(path)
    found = _un_document_format(text.split("\n", 80)[:80])
    if found is not None:
        return found
    first = text.split("\n", 1)[0]
    if path.suffix.lower() in {".csv", ".tsv"} or first.count(",") >= 2 or "\t" in first:
        from annotator.importers import tables

        return _rows_format(tables.csv_head_rows(text, path.name, 10), path)
    return _prose_format(text, path)


def _reader(fmt: str) -> Callable[..., ImportBatch]:
    # Each reader is imported when its format is read: most imports need one of them.
    if fmt == "ohchr-matrix":
        from annotator.importers import ohchr_matrix

        return ohchr_matrix.read
    if fmt == "uprinfo":
        from annotator.importers import uprinfo

        return uprinfo.read
    if fmt == "uhri":
        from annotator.importers import uhri

        return uhri.read
    if fmt == "wg-report":
        from annotator.importers import wg_report

        return wg_report.read
    if fmt == "responses":
        from annotator.importers import responses

        return responses.read
    if fmt == "table":
        from annotator.importers import generic_table

        return generic_table.read
    if fmt == "matrix-csv":
        from annotator.importers import matrix_csv

        return matrix_csv.read
    raise SourceFileError(
        f"'{fmt}' is not a format UPR Coder reads; choose one of {', '.join(FORMATS)}."
    )


def read(
    fmt: str,
    path: Path,
    *,
    review: ReviewRecord | None = None,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Read ``path`` as ``fmt``."""
    reader = _reader(fmt)
    options: dict[str, Any] = {"review": review, "progress": progress}
    if fmt == "table":
        if not mapping:
            raise MappingNeeded(
                f"{path.name} is a table of no known layout: say which column holds the "
                "recommendation text (and the number, the state, the response, if it has them)."
            )
        options.update(mapping=mapping, sheet=sheet)
    return intake.check(reader(path, **options), path)


def read_pasted(
    fmt: str, text: str, *, review: ReviewRecord | None = None, name: str = "pasted text"
) -> ImportBatch:
    """Text pasted into the app, as a Working Group report's list or the responses."""
    if fmt == "wg-report":
        from annotator.importers import wg_report

        return wg_report.read_text_input(text, review=review, name=name)
    if fmt == "responses":
        from annotator.importers import responses

        return responses.read_text_input(text, name=name)
    raise SourceFileError(f"Only {' and '.join(sorted(TEXT_FORMATS))} can be pasted as text.")
