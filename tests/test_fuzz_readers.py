"""Fuzzing the readers of untrusted files: whatever the bytes, the outcome is a batch
(a valid import, perhaps with problems) or a SourceFileError, never anything else
(and never an abort, which would end this test run)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import docx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.importers import detect
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, ReviewRecord

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
MAPPING = {"number": "Para", "text": "Recommendation"}


def _docx_bytes() -> bytes:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(
        table.rows[0].cells, ("Recommendation", "Position", "Theme"), strict=True
    ):
        cell.text = text
    for cell, text in zip(
        table.rows[1].cells, ("28.1 Ratify the Convention (France)", "Supported", "A1"), strict=True
    ):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Para", "Recommendation"])
    book.active.append(["1.1", "Ratify the Convention"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


DOCX = _docx_bytes()
XLSX = _xlsx_bytes()


def outcome(data: bytes, suffix: str, fmt: str | None = None) -> ImportBatch | SourceFileError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            chosen = fmt or detect.detect_format(path)
            return detect.read(
                chosen,
                path,
                review=ReviewRecord("FRA", 3),
                mapping=MAPPING if chosen == "table" else None,
            )
        except SourceFileError as error:
            return error


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    changed = bytearray(data)
    for position, value in edits:
        changed[position % len(changed)] = value
    return bytes(changed[:cut] if cut else changed)


DOCX_FORMATS = st.sampled_from([None, "ohchr-matrix", "wg-report", "responses"])
edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)
cuts = st.none() | st.integers(1, 40_000)


def _replace_part(data: bytes, part: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == part else source.read(info))
    return buffer.getvalue()


@FUZZ
@given(edits=edits, cut=cuts, fmt=DOCX_FORMATS)
def test_damaged_docx_bytes(edits, cut, fmt):
    result = outcome(_mutate(DOCX, edits, cut), ".docx", fmt)
    assert isinstance(result, ImportBatch | SourceFileError)


@FUZZ
@given(edits=edits, cut=cuts, fmt=st.sampled_from([None, "uprinfo", "uhri", "table"]))
def test_damaged_xlsx_bytes(edits, cut, fmt):
    result = outcome(_mutate(XLSX, edits, cut), ".xlsx", fmt)
    assert isinstance(result, ImportBatch | SourceFileError)


cell_refs = st.tuples(
    st.sampled_from(["A", "B", "Z", "AA", "ZZ", "XFD", "XFE", ""]), st.integers(0, 2_000_000)
)


@FUZZ
@given(
    cells=st.lists(st.tuples(cell_refs, st.text(max_size=30)), min_size=1, max_size=12),
    dimension=st.none() | cell_refs,
    fmt=st.sampled_from([None, "uprinfo", "table"]),
)
def test_sheets_with_any_cell_positions(cells, dimension, fmt):
    """Far-away, out-of-range and missing cell references, and any declared size."""
    from xml.sax.saxutils import escape

    rows = "".join(
        f'<row><c r="{col}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c></row>'
        for (col, row), text in cells
    )
    declared = f'<dimension ref="A1:{dimension[0]}{dimension[1]}"/>' if dimension else ""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{rows}</sheetData></worksheet>"
    )
    data = _replace_part(XLSX, "xl/worksheets/sheet1.xml", sheet.encode())
    result = outcome(data, ".xlsx", fmt)
    assert isinstance(result, ImportBatch | SourceFileError)


@FUZZ
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400),
    fmt=DOCX_FORMATS,
)
def test_any_docx_document_part(text, fmt):
    document = f'<?xml version="1.0"?><w:document xmlns:w="w">{text}</w:document>'
    data = _replace_part(DOCX, "word/document.xml", document.encode())
    result = outcome(data, ".docx", fmt)
    assert isinstance(result, ImportBatch | SourceFileError)


@FUZZ
@given(
    data=st.binary(max_size=600)
    | st.text(alphabet=',;\t"\n\r ab1.2é’\x92', max_size=600).map(
        lambda t: b"Para,Recommendation\n" + t.encode("utf-8", "surrogatepass")
    ),
    fmt=st.sampled_from([None, "table", "matrix-csv", "uprinfo", "responses"]),
)
def test_any_csv_bytes(data, fmt):
    result = outcome(data or b"x", ".csv", fmt)
    assert isinstance(result, ImportBatch | SourceFileError)
