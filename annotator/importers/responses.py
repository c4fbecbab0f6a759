"""A state's responses to its recommendations (the addendum), matched later by number.

Two shapes are read:

* a table of (number, response[, explanation]) rows in .csv, .xlsx/.ods or a Word table;
  the first row is a header when its first cell is not a number; the response is kept
  as the state wrote it;
* text (a .txt file, pasted text, or the paragraphs of a Word file without a responses
  table) that lists numbers under a category, as addenda do::

      The following recommendations are accepted and already implemented: 28.1, 28.3–28.7
      China accepts the following recommendations and is implementing them: 28.2, 28.8
      Partially accepted: 28.12
      28.12 – China accepts the part on ... but ...

  The category may stand before the colon, after it ("28.2, 28.8: noted"), or alone on
  the line(s) above the numbers. It becomes one of ``CATEGORIES`` when it clearly is one
  (the sentence as the state wrote it goes into the explanation); wording that is none
  of them is kept as written, with a warning. A paragraph that starts with one number
  ("28.12 – China accepts ...") explains that number.

A number given two different responses, a malformed list or range, a table row without
a number or a response are errors (the import is refused); prose that mentions numbers
without listing them under a category is reported as a warning, never silently dropped.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml.etree import LxmlError

from annotator.importers import addendum, containers, documents, files
from annotator.importers.files import SourceFileError
from annotator.importers.numbers import parse_number, parse_number_list
from annotator.importers.records import (
    ImportBatch,
    ResponseRecord,
    ReviewRecord,
    Severity,
    SourceDocument,
)
from annotator.importers.tables import (
    WORKBOOK_KINDS,
    Cell,
    ambiguous_number,
    cell_text,
    column_letter,
    load_table,
)
from annotator.responses import OTHER, read_wording

FORMAT = "responses"

ACCEPTED_IMPLEMENTED = "accepted and already implemented"
ACCEPTED_IMPLEMENTING = "accepted and being implemented"
ACCEPTED = "accepted"
PARTIALLY_ACCEPTED = "partially accepted"
NOTED = "noted"
REJECTED = "rejected"
CATEGORIES = (
    ACCEPTED_IMPLEMENTED,
    ACCEPTED_IMPLEMENTING,
    ACCEPTED,
    PARTIALLY_ACCEPTED,
    NOTED,
    REJECTED,
)
PROGRESS_EVERY = 200
TABLE_SUFFIXES = (".csv", ".tsv")
ROLES = ("number", "response", "explanation")
MAX_HEADING_WORDS = 40

# ---------------------------------------------------------------------------
# Categories


def category_of(phrase: str) -> str | None:
    """The canonical category a state's wording clearly is, or None.

    Read from the one table of wordings (``annotator.responses``), so that the
    importer, the UN position and the analyses never read a wording two ways.
    """
    reading = read_wording(phrase)
    if reading is None or reading.category == OTHER:
        return None
    return reading.canonical


# ---------------------------------------------------------------------------
# Collecting responses, whatever the shape


@dataclass(frozen=True)
class _Place:
    row: int
    unit: str = "row"
    sheet: str | None = None

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}', " if self.sheet else ""
        return f"{where}{self.unit} {self.row}"


@dataclass
class _Given:
    response: str
    explanation: str | None
    place: _Place


@dataclass
class _Collector:
    """The responses given so far, by number, with the place each came from."""

    batch: ImportBatch
    given: dict[str, _Given] = field(default_factory=dict)

    def problem(
        self,
        place: _Place,
        message: str,
        *,
        column: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.batch.problem(
            place.row, column, message, severity=severity, sheet=place.sheet, unit=place.unit
        )

    def give(
        self,
        number: str,
        response: str,
        explanation: str | None,
        place: _Place,
        column: str | None = None,
    ) -> None:
        old = self.given.get(number)
        if old is None:
            self.given[number] = _Given(response, explanation, place)
        elif old.response.casefold() == response.casefold():
            self.problem(
                place,
                f"{number} is listed again as '{response}' (first at {old.place}); "
                "it is counted once",
                column=column,
                severity="warning",
            )
        else:
            self.problem(
                place,
                f"{number} is given two different responses: '{old.response}' at "
                f"{old.place} and '{response}' at {place}",
                column=column,
            )

    def records(self) -> list[ResponseRecord]:
        return [
            ResponseRecord(number, g.response, g.explanation, g.place.row)
            for number, g in self.given.items()
        ]


# ---------------------------------------------------------------------------
# Entry points


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """The responses in ``path`` (.csv/.xlsx/.ods table, .docx table or text, .txt).

    ``review`` is accepted for the common reader signature; responses carry only
    numbers, and the import attaches them to the review the user chose.
    """
    sniffed = files.sniff(path)
    files.expect(sniffed, "pdf", "text", "docx", *WORKBOOK_KINDS)
    batch = ImportBatch(file=path.name, format=FORMAT)
    collector = _Collector(batch)
    if sniffed.kind == "pdf":
        return _read_addendum(documents.read_document(path), batch)
    if sniffed.kind == "docx":
        if not _docx_has_responses_table(path):
            document = documents.read_document(path)
            if addendum.looks_like_addendum(document):
                return _read_addendum(document, batch)
        _read_docx(path, collector, progress)
    elif sniffed.kind == "text" and path.suffix.lower() not in TABLE_SUFFIXES:
        text = files.read_text(path)
        if not text.strip():
            raise SourceFileError(f"{path.name} holds no text.")
        document = documents.from_text(text, path.name)
        if addendum.looks_like_addendum(document):
            return _read_addendum(document, batch)
        _read_prose(_text_blocks(text), collector, progress)
    else:
        table = load_table(path)
        rows = [
            (_Place(int(number), "row", table.sheet), cells)
            for number, cells in zip(table.rows, table.value_rows(), strict=True)
        ]
        _read_table(rows, collector, table.spreadsheet, progress)
    return _finish(collector)


def read_text_input(
    text: str,
    *,
    name: str = "pasted text",
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """The responses in text pasted into the app; problems name ``name`` and the line."""
    if not text or not text.strip():
        raise SourceFileError(f"The {name} is empty.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    document = documents.from_text(text, name)
    if addendum.looks_like_addendum(document):
        return _read_addendum(document, ImportBatch(file=name, format=FORMAT))
    collector = _Collector(ImportBatch(file=name, format=FORMAT))
    _read_prose(_text_blocks(text), collector, progress)
    return _finish(collector)


def _read_addendum(document: documents.DocumentText, batch: ImportBatch) -> ImportBatch:
    """A whole addendum as published (PDF, Word or its text): see :mod:`addendum`."""
    head = documents.masthead(document.first_page)
    batch.document = SourceDocument(
        kind="addendum",
        symbol=head.symbol,
        date=head.date,
        title=head.title,
        state_name=head.state_name,
        council_session=head.session,
    )
    addendum.read(document, batch)
    if not batch.responses and not batch.errors:
        raise SourceFileError(
            f"{batch.file}: no responses found. An addendum lists the recommendations "
            'under each category ("The Government accepts the following recommendations '
            '122.1, 122.12, ...") or answers them one by one ("5., 6. Slovenia accepts '
            'these recommendations.").'
        )
    addendum.compare_totals(
        batch, {r.response: category_of(r.response) or "" for r in batch.responses}
    )
    if batch.responses:
        batch.notes.append(
            f"{len(batch.responses)} responses read from {document.pages} page(s)"
            + (
                f"; {document.removed} line(s) of headers and footers left out"
                if document.removed
                else ""
            )
        )
    return batch


def _docx_has_responses_table(path: Path) -> bool:
    try:
        document = containers.open_docx(path)
    except files.SourceFileError:  # reported by _read_docx with its reason
        return True
    return any(
        any(_starts_with_number(row) for row in _docx_rows(table)) for table in document.tables
    )


def _finish(collector: _Collector) -> ImportBatch:
    batch = collector.batch
    batch.responses = collector.records()
    if not batch.responses and not batch.errors:
        raise SourceFileError(
            f"{batch.file}: no responses found. Give a table of number, response (and "
            "explanation), or text that lists the numbers under each category, such as "
            "'The following recommendations are noted: 28.9–28.11'."
        )
    if batch.responses:
        counts = batch.responses_by_category()
        summary = ", ".join(f"{n} {category}" for category, n in counts.most_common())
        batch.notes.append(f"{len(batch.responses)} responses: {summary}.")
    return batch


def _report(progress: Callable[[int, int], None] | None, done: int, total: int) -> None:
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        progress(done, total)


# ---------------------------------------------------------------------------
# Tables


def _read_table(
    rows: list[tuple[_Place, list[Cell]]],
    collector: _Collector,
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
        _report(progress, done, len(filled))
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
    place: _Place, cells: list[Cell], collector: _Collector, label: Callable[[int], str]
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
    text: str, place: _Place, collector: _Collector, column: str
) -> list[str] | None:
    single = parse_number(text)
    if single is not None:
        return [single]
    try:
        numbers = parse_number_list(text) if _listish(text) else []
    except ValueError as error:
        collector.problem(
            place, f"cannot be read as recommendation numbers: {error}", column=column
        )
        return None
    if not numbers:
        collector.problem(
            place, f"'{_short(text)}' is not a recommendation number (such as 28.1)", column=column
        )
        return None
    return numbers


# ---------------------------------------------------------------------------
# Word files


def _read_docx(
    path: Path, collector: _Collector, progress: Callable[[int, int], None] | None
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
        rows: list[tuple[_Place, list[Cell]]] = []
        for k, table in enumerate(responses_tables, start=1):
            unit = "table row" if len(responses_tables) == 1 else f"table {k}, row"
            rows += [(_Place(i + 1, unit), list(cells)) for i, cells in enumerate(table)]
        _read_table(rows, collector, spreadsheet=False, progress=progress)
        return
    blocks = [
        (_Place(i + 1, "paragraph"), line)
        for i, text in enumerate(paragraphs)
        # A soft line break (Shift+Enter) inside a paragraph separates lines as well.
        for line in text.split("\n")
    ]
    if not any(text.strip() for _, text in blocks):
        raise SourceFileError(f"{path.name} holds no text and no responses table.")
    _read_prose(blocks, collector, progress)


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


# ---------------------------------------------------------------------------
# Text that lists numbers under categories

_NUMBER_IN_TEXT = re.compile(r"(?<![0-9.])[1-9][0-9]{0,3}\.[1-9][0-9]{0,3}(?![0-9])")
_ENUMERATION = re.compile(
    r"^(?:\(?[0-9]{1,3}[.)]|\(?[a-z][.)]|\(?[ivxlc]{1,6}[.)]|[•·▪‣◦*]|[-–—])\s+",
    re.IGNORECASE,
)
_LIST_WORDS = re.compile(
    r"\b(?:and|to|through|thru|as well as|paragraphs?|paras?|recommendations?|nos?|numbers?)\b",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(
    r"^(?:(?:recommendations?|paragraph|para\.?|no\.)\s*)?"
    r"(?P<number>[1-9][0-9]{0,3}\.[1-9][0-9]{0,3})\.?"
    r"\s*(?:[:–—\-‐‑‒−)]\s*|\s+)"
    r"(?P<rest>[^\W\d_\s].*|[\"“‘'(].*)$",
    re.IGNORECASE,
)
_LIST_CONTINUES = re.compile(r"(?:and|to|through|thru|&)\s*[0-9]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])")
_RANGE_AT_END = re.compile(r"(?:[-–—‐‑‒−]|\bto|\bthrough)\s*$", re.IGNORECASE)


def _text_blocks(text: str) -> list[tuple[_Place, str]]:
    """Lines with their numbers; a line that ends inside a range ("28.3–") is joined to
    the next one, as happens when text copied from a PDF is wrapped."""
    lines = text.split("\n")
    blocks: list[tuple[_Place, str]] = []
    i = 0
    while i < len(lines):
        place, line = _Place(i + 1, "line"), lines[i]
        while (
            _RANGE_AT_END.search(line)
            and i + 1 < len(lines)
            and lines[i + 1].lstrip()[:1].isdigit()
        ):
            i += 1
            line = line.rstrip() + " " + lines[i].strip()
        blocks.append((place, line))
        i += 1
    return blocks


def _listish(text: str) -> bool:
    """Whether ``text`` is made of numbers, dashes, separators and list words only."""
    rest = _LIST_WORDS.sub(" ", text)
    return bool(re.search(r"[0-9]", rest)) and not re.search(r"[^\W\d_]", rest)


def _last_sentence(text: str) -> str:
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return _ENUMERATION.sub("", sentences[-1]).strip() if sentences else ""


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text, maxsplit=1)[0].strip()


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class _Category:
    response: str
    sentence: str


@dataclass
class _Explanation:
    number: str
    text: str
    place: _Place


@dataclass
class _Prose:
    """Reads blocks (lines or paragraphs) one by one, remembering the current category."""

    collector: _Collector
    current: _Category | None = None
    unfinished: str | None = None  # the previous prose block, when it stopped mid-sentence
    explanations: list[_Explanation] = field(default_factory=list)
    explaining: _Explanation | None = None  # an explanation that stopped mid-sentence

    def problem(self, place: _Place, text: str, message: str, severity: Severity = "error") -> None:
        self.collector.problem(place, f'"{_short(text)}": {message}', severity=severity)

    def feed(self, place: _Place, raw: str) -> None:
        text = " ".join(raw.split())
        if not text:
            self.unfinished = self.explaining = None
            return
        body = _ENUMERATION.sub("", text).strip() or text
        stops = bool(re.search(r"[.:;!?]$", body))
        explanation = self._explanation(place, body)
        if explanation is not None:
            self.unfinished = None
            self.explaining = None if stops else explanation
            return
        if self._colon(place, body) or self._list(place, body):
            self.unfinished = self.explaining = None
            return
        if self.explaining is not None:
            # A wrapped line that goes on with the explanation above it.
            self.explaining.text += " " + body
            self.explaining = None if stops else self.explaining
            return
        self._prose(place, body)
        # Only prose goes on in the next block (a category sentence wrapped over two
        # lines); lists and categories are complete in themselves.
        self.unfinished = None if stops else body

    # -- the forms a block can take, tried in this order --

    def _explanation(self, place: _Place, body: str) -> _Explanation | None:
        match = _EXPLANATION.match(body)
        if not match or _listish(body):
            return None
        number, rest = match.group("number"), match.group("rest").strip()
        if _LIST_CONTINUES.match(rest):
            return None  # "28.1 and 28.2: noted" lists numbers, it explains none
        # "28.13 – China accepts ..." is explained by what follows the number;
        # "Recommendation 28.27 is rejected because ..." reads well only whole.
        explanation = _Explanation(number, body if match.start("number") else rest, place)
        self.explanations.append(explanation)
        return explanation

    def _colon(self, place: _Place, body: str) -> bool:
        if ":" not in body:
            return False
        head, tail = (part.strip() for part in body.rsplit(":", 1))
        if not tail:
            category = self._category(head)
            if category is None:
                return False
            self.current = category
            return True
        if _listish(head) and not _listish(tail):
            return self._numbers_then_category(place, body, head, tail)
        listed = _first_sentence(tail)
        if not _NUMBER_IN_TEXT.search(listed):
            return False
        category = self._category(head)
        if not _listish(listed):
            if category is None:
                return False  # prose with a colon that mentions numbers; warned later
            self._list_error(place, body, listed)
            return True
        numbers = self._parse(place, body, listed)
        if numbers is None:
            return True
        if category is None:
            sentence = _last_sentence(head)
            category = _Category(sentence, sentence)
            self.problem(
                place,
                body,
                f"'{_short(sentence)}' is none of the known categories "
                f"({', '.join(CATEGORIES)}); it is kept as written",
                "warning",
            )
        self.current = category
        self._give(numbers, category, place)
        return True

    def _numbers_then_category(self, place: _Place, body: str, head: str, tail: str) -> bool:
        numbers = self._parse(place, body, head)
        if numbers is None:
            return True
        response = category_of(tail)
        sentence = _first_sentence(tail).rstrip(".")
        if response is None:
            self.problem(
                place,
                body,
                f"'{_short(sentence)}' is none of the known categories "
                f"({', '.join(CATEGORIES)}); it is kept as written",
                "warning",
            )
        self._give(numbers, _Category(response or sentence, sentence), place)
        return True

    def _list(self, place: _Place, body: str) -> bool:
        if not _listish(body) or ":" in body:
            return False
        numbers = self._parse(place, body, body)
        if numbers is None:
            return True
        if self.current is None:
            self.problem(
                place,
                body,
                "lists numbers, but no category (accepted, noted, ...) comes before them",
            )
            return True
        self._give(numbers, self.current, place)
        return True

    def _prose(self, place: _Place, body: str) -> None:
        # A one-sentence paragraph ("The following recommendations are noted.") names
        # the category of the numbers below it; a longer paragraph is an introduction
        # or an explanation, and its wording must not decide anything.
        if len(_SENTENCE_END.split(body)) == 1 and len(body.split()) <= MAX_HEADING_WORDS:
            category = self._category(body.rstrip(":"))
            if category is not None:
                self.current = category
        mentioned = _NUMBER_IN_TEXT.findall(body)
        if mentioned:
            self.problem(
                place,
                body,
                f"mentions {', '.join(dict.fromkeys(mentioned))} but not as a list under a "
                "category or as an explanation starting with the number; it was not read",
                "warning",
            )

    # -- helpers --

    def _category(self, head: str) -> _Category | None:
        if self.unfinished is not None:
            # The sentence began on the previous line (text wrapped mid-sentence).
            head = self.unfinished + " " + head
        sentence = _last_sentence(head)
        response = category_of(sentence)
        return _Category(response, sentence) if response is not None else None

    def _parse(self, place: _Place, body: str, listed: str) -> list[str] | None:
        try:
            numbers = parse_number_list(listed)
        except ValueError as error:
            self.problem(place, body, f"cannot be read as a list of numbers: {error}")
            return None
        return numbers

    def _list_error(self, place: _Place, body: str, listed: str) -> None:
        try:
            parse_number_list(listed)
        except ValueError as error:
            self.problem(place, body, f"cannot be read as a list of numbers: {error}")
            return
        self.problem(place, body, "cannot be read as a list of numbers")

    def _give(self, numbers: list[str], category: _Category, place: _Place) -> None:
        # "Rejected: 28.19" says no more than the category; a sentence such as "China
        # accepts the following recommendations and is implementing them" is kept.
        sentence = category.sentence.strip(" .:")
        redundant = sentence.casefold() in ("", category.response.casefold())
        explanation = None if redundant else sentence
        for number in numbers:
            self.collector.give(number, category.response, explanation, place)

    def finish(self) -> None:
        """Attach each explanation to its number, once every list has been read."""
        for item in self.explanations:
            given = self.collector.given.get(item.number)
            if given is not None:
                parts = [given.explanation, item.text]
                given.explanation = "\n\n".join(p for p in parts if p)
                continue
            response = category_of(item.text)
            if response is None:
                self.problem(
                    item.place,
                    item.text,
                    f"explains {item.number}, but no list gives {item.number} a response; "
                    "the explanation was not read",
                    "warning",
                )
                continue
            # "28.1: noted" states the response; only longer wording explains it.
            plain = item.text.strip(" .").casefold() == response
            self.collector.give(item.number, response, None if plain else item.text, item.place)


def _read_prose(
    blocks: list[tuple[_Place, str]],
    collector: _Collector,
    progress: Callable[[int, int], None] | None,
) -> None:
    prose = _Prose(collector)
    for done, (place, text) in enumerate(blocks, start=1):
        _report(progress, done, len(blocks))
        too_long = files.check_cell(text)
        if too_long:
            collector.problem(place, too_long)
            continue
        prose.feed(place, text)
    prose.finish()
