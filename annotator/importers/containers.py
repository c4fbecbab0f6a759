"""One reader for untrusted zip containers (.docx, .xlsx, .ods) before any parser sees them.

The parsers behind the importers trust the files they are given: python-calamine
allocates the dense grid from A1 to the furthest cell (a 5 KB workbook with a cell at
XFD1048576 asks for 512 GB, and a Rust allocation failure aborts the whole process,
which no ``except`` can catch); it expands an OpenDocument sheet's repeated cells one
by one; python-docx and openpyxl unpack every part whole. So every container is first
streamed through here, part by part, with nothing kept but counters:

- the number of parts, and each part's unpacked size as declared *and* as actually
  decompressed (a forged header does not help: the stream is cut at the limit);
- every XML part is refused if it declares a DOCTYPE (entities: "billion laughs");
  real Office files never carry one;
- every worksheet's declared dimension and the extent of its filled cells (xlsx), and
  each table's extent with its repeated rows and columns counted out (ods), against
  ``MAX_SHEET_CELLS``.

Each refusal is a SourceFileError naming the file, the part and the limit hit. A file
that passes is remembered (by path, size and modification time) so the several readers
of one import check it once.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree

from annotator.importers.errors import SourceFileError
from annotator.limits import (
    MAX_CONTAINER_ENTRIES,
    MAX_DOCX_TAGS,
    MAX_ENTRY_BYTES,
    MAX_SHEET_CELLS,
    MAX_UNPACKED_BYTES,
)

CHUNK = 1 << 20
_MB = 1024 * 1024
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})$")
_XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
# A DOCTYPE can hide only after the XML declaration and comments; searching every
# chunk (with an overlap) for these in both 8- and 16-bit encodings finds it anywhere.
_DTD_MARKS = tuple(
    mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le")
)
_OVERLAP = 32

_checked: set[tuple[str, int, int, bool]] = set()
_Handlers = dict[tuple[str, str], Callable[[Any, Any], None]]


class ContainerRefused(SourceFileError):
    """A container that breaks one of the limits; the message says which."""


def check(path: Path, kind: str, *, sheets: bool = True) -> None:
    """Stream every part of ``path`` (a zip of ``kind`` docx/xlsx/ods) against the limits.

    ``sheets=False`` skips the sheet-extent limit, for a reader that reads only the
    columns it needs row by row (the coding sheet's openpyxl reader) and so does not
    pay for a far-away cell.

    Raises ContainerRefused (a SourceFileError) naming the limit that was hit, or
    SourceFileError when the archive itself is damaged.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, sheets)
    if key in _checked:
        return
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_declared(name, infos)
            total = 0
            tags = [0]
            for info in infos:
                if info.is_dir():
                    continue
                total = _stream_part(name, kind if sheets else "zip", archive, info, total, tags)
    except ContainerRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise SourceFileError(
            f"{name} is damaged: its parts cannot be unpacked ({error})."
        ) from None
    except (NotImplementedError, RuntimeError) as error:
        # An unknown compression method, or a part encrypted with a zip password.
        raise SourceFileError(f"{name} cannot be unpacked: {error}.") from None
    _checked.add(key)


def _check_declared(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_CONTAINER_ENTRIES:
        raise ContainerRefused(
            f"{name} holds {len(infos):,} parts; an Office file holds a few dozen, and "
            f"more than {MAX_CONTAINER_ENTRIES:,} are not read (limit: number of parts). "
            "It was not imported."
        )
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES:
            raise ContainerRefused(_too_big_part(name, info.filename, "says it unpacks to"))
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ContainerRefused(_too_big_total(name, "says it unpacks to"))


def _too_big_part(name: str, part: str, verb: str) -> str:
    return (
        f"{name}: its part '{part}' {verb} more than {MAX_ENTRY_BYTES // _MB} MB "
        f"(limit: {MAX_ENTRY_BYTES // _MB} MB for one part, unpacked). No UPR source is "
        "that large; the file is damaged or made to exhaust memory. It was not imported."
    )


def _too_big_total(name: str, verb: str) -> str:
    return (
        f"{name} {verb} more than {MAX_UNPACKED_BYTES // _MB} MB in all "
        f"(limit: {MAX_UNPACKED_BYTES // _MB} MB unpacked). No UPR source is that large; "
        "the file is damaged or made to exhaust memory. It was not imported."
    )


def _stream_part(
    name: str,
    kind: str,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    total: int,
    tags: list[int],
) -> int:
    """Stream one part; returns the unpacked total so far. ``tags`` counts the markup of
    a Word file's parts (python-docx holds them whole, about 150 bytes a tag)."""
    part = info.filename
    is_xml = part.lower().endswith((".xml", ".rels"))
    counts_tags = kind == "docx" and is_xml and part.startswith("word/")
    sheet: _SheetScan | None = None
    if kind == "xlsx" and _SHEET_PART.match(part):
        sheet = _XlsxSheetScan(name, part)
    elif kind == "ods" and part == "content.xml":
        sheet = _OdsScan(name)
    size = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            total += len(chunk)
            if size > MAX_ENTRY_BYTES:
                raise ContainerRefused(_too_big_part(name, part, "unpacks to"))
            if total > MAX_UNPACKED_BYTES:
                raise ContainerRefused(_too_big_total(name, "unpacks to"))
            if is_xml:
                window = tail + chunk
                if any(mark in window for mark in _DTD_MARKS):
                    raise ContainerRefused(
                        f"{name}: its part '{part}' declares XML entities (a DOCTYPE). "
                        "Office files never do, and such entities can expand to gigabytes; "
                        "the file was not read. Save it again from Word, Excel or "
                        "LibreOffice and import the new file."
                    )
                tail = window[-_OVERLAP:]
            if counts_tags:
                tags[0] += chunk.count(b"<")
                if tags[0] > MAX_DOCX_TAGS:
                    raise ContainerRefused(
                        f"{name}: its Word document holds more than {MAX_DOCX_TAGS:,} "
                        f"pieces of markup (limit: {MAX_DOCX_TAGS:,}, about 17 times the "
                        "largest UPR matrix); reading it would take too much memory. "
                        "Split it into smaller documents and import each."
                    )
            if sheet is not None:
                sheet.feed(chunk)
    if sheet is not None:
        sheet.close()
    return total


class _SheetScan:
    """A streaming pass over one sheet's XML that keeps only counters."""

    handlers: ClassVar[_Handlers] = {}

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=sorted({tag for _event, tag in self.handlers}),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed(data)
        except etree.XMLSyntaxError as error:
            raise SourceFileError(f"{self.name} is damaged: {error}") from None
        self._drain()

    def close(self) -> None:
        try:
            self.parser.close()
        except etree.XMLSyntaxError as error:
            raise SourceFileError(f"{self.name} is damaged: {error}") from None
        self._drain()

    def _drain(self) -> None:
        for event, element in self.parser.read_events():
            handler = self.handlers.get((event, element.tag))
            if handler is not None:
                handler(self, element)
            if event == "end" and element.tag in self.clear_on:
                # Nothing is kept: drop the element and everything before it.
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]

    clear_on: ClassVar[frozenset[str]] = frozenset()

    def refuse(self, where: str, rows: int, columns: int, what: str) -> None:
        raise ContainerRefused(
            f"{self.name}, {where}: {what} {rows:,} rows by {columns:,} columns "
            f"({rows * columns:,} cells; the limit is {MAX_SHEET_CELLS:,} cells from A1 to "
            "the last filled cell). Delete the rows and columns beyond the table (or the "
            "stray far-away cell), save, and import again."
        )


def _int(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SourceFileError(f"{name} is damaged: '{value[:20]}' is not a count.") from None
    if number < 1:
        raise SourceFileError(f"{name} is damaged: '{value[:20]}' is not a count.")
    return number


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _XlsxSheetScan(_SheetScan):
    """Declared dimension, and the furthest row and column holding a value, as calamine
    places cells (an ``r`` attribute, else one after the previous)."""

    def __init__(self, name: str, part: str) -> None:
        super().__init__(name)
        digits = re.findall(r"\d+", part.rsplit("/", 1)[-1])
        self.where = f"sheet {digits[0]}" if digits else f"part '{part}'"
        self.row = 0
        self.column = 0
        self.max_row = 0
        self.max_column = 0

    def _dimension(self, element: Any) -> None:
        ref = element.get("ref") or ""
        corner = ref.split(":")[-1]
        match = _CELL_REF.match(corner)
        if match:
            rows, columns = int(match.group(2)), _column_number(match.group(1))
            if rows * columns > MAX_SHEET_CELLS:
                self.refuse(self.where, rows, columns, f"it declares its size as {ref}, that is")

    def _row(self, element: Any) -> None:
        self.row = _int(element.get("r"), self.row + 1, self.name)
        self.column = 0

    def _cell(self, element: Any) -> None:
        ref = element.get("r")
        match = _CELL_REF.match(ref) if ref else None
        if match:
            self.column = _column_number(match.group(1))
            self.row = max(self.row, int(match.group(2)))
        else:
            self.column += 1
        if len(element):  # a value, an inline string or a formula; style-only is empty
            self.max_row = max(self.max_row, self.row)
            self.max_column = max(self.max_column, self.column)
            if self.max_row * self.max_column > MAX_SHEET_CELLS:
                self.refuse(self.where, self.max_row, self.max_column, "its filled cells reach")

    handlers: ClassVar[_Handlers] = {
        ("start", f"{_XLSX}dimension"): _dimension,
        ("start", f"{_XLSX}row"): _row,
        ("end", f"{_XLSX}c"): _cell,
    }
    clear_on: ClassVar[frozenset[str]] = frozenset({f"{_XLSX}row", f"{_XLSX}c"})


class _OdsScan(_SheetScan):
    """Each table's extent with repeated rows and cells counted out, as calamine expands
    them (trailing empty repeats, which LibreOffice always writes, cost nothing)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.table = ""
        self.row = 0
        self.row_repeat = 1
        self.column = 0
        self.row_reach = 0
        self.max_row = 0
        self.max_column = 0

    def _table(self, element: Any) -> None:
        self.table = element.get(f"{_TABLE}name") or "?"
        self.row = self.max_row = self.max_column = 0

    def _row_start(self, element: Any) -> None:
        self.row_repeat = _int(element.get(f"{_TABLE}number-rows-repeated"), 1, self.name)
        self.column = 0
        self.row_reach = 0

    def _cell(self, element: Any) -> None:
        repeat = _int(element.get(f"{_TABLE}number-columns-repeated"), 1, self.name)
        self.column += repeat
        if len(element) or element.get(f"{_OFFICE}value-type"):
            self.row_reach = self.column

    def _row_end(self, _element: Any) -> None:
        self.row += self.row_repeat
        if self.row_reach:
            self.max_row = self.row
            self.max_column = max(self.max_column, self.row_reach)
            if self.max_row * self.max_column > MAX_SHEET_CELLS:
                self.refuse(
                    f"sheet '{self.table[:60]}'",
                    self.max_row,
                    self.max_column,
                    "its filled cells, repeats counted out, reach",
                )

    handlers: ClassVar[_Handlers] = {
        ("start", f"{_TABLE}table"): _table,
        ("start", f"{_TABLE}table-row"): _row_start,
        ("end", f"{_TABLE}table-cell"): _cell,
        ("end", f"{_TABLE}covered-table-cell"): _cell,
        ("end", f"{_TABLE}table-row"): _row_end,
    }
    clear_on: ClassVar[frozenset[str]] = frozenset(
        {f"{_TABLE}table-row", f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}
    )


def open_docx(path: Path) -> Any:
    """A python-docx Document for a checked .docx; any parsing failure is SourceFileError."""
    check(path, "docx")
    import docx  # python-docx; imported here as only Word files need it

    try:
        document = docx.Document(str(path))
        # python-docx builds its objects lazily: a document part of the wrong kind fails
        # only when first used, so it is used here, where the failure has a name.
        _ = document.element.body, document.tables, document.paragraphs
        return document
    except Exception as error:
        # python-docx and lxml raise a dozen types for damaged parts (KeyError for a
        # missing relationship, XMLSyntaxError, PackageNotFoundError, ValueError ...).
        raise SourceFileError(
            f"{path.name} is damaged: Word's document inside it cannot be read "
            f"({type(error).__name__}: {str(error)[:200]}). Open it in Word or LibreOffice, "
            "save it again, and import the new file."
        ) from None
