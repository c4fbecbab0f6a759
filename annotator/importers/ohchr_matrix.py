"""OHCHR "thematic list of recommendations" (the UPR matrix) as a Word .docx.

One 4-column Word table, one row per recommendation number, grouped under rows that
span the table (``Theme: A12 Acceptance of international norms``). Three layouts:

* cycle 2 and China 2018: ``Recommendation | Position | Full list of themes |
  Assessment/comments on level of implementation``; themes carry UHRI codes
  (``D25 Prohibition of torture ...``), SDGs come as ``S16 SDG 16 - ...`` theme lines,
  then ``Affected persons:`` and ``- group`` lines;
* cycle 3: the same headers, themes as ``- theme`` lines, then ``SDGs:`` and
  ``Affected persons:`` sections;
* cycle 4: ``Recommendation and recommending State | Position of the State under review |
  Human rights themes and groups of persons | Relevant SDGs``, a ``Groups of Persons:``
  section in column 3 and SDGs (``16 - PEACE, JUSTICE AND STRONG INSTITUTIONS``) in
  column 4.

Each recommendation cell starts with its number (``28.212``) and ends with a line
``Source of position: A/HRC/40/6/Add.1 - Para. 2``. The state under review, cycle and
session are in the page header (``UPR of China (3rd Cycle – 31st session)``), in title
paragraphs, or in the document title (``UPR20_ Slovenia_ThematicListRecommendations_E``).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.table import Table

from annotator import states
from annotator.importers import brackets, containers
from annotator.importers.files import SourceFileError, check_cell, expect, sniff
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    Severity,
    SourceTagRecord,
)
from annotator.upr_calendar import cycle_of_session, session_year

FORMAT = "ohchr-matrix"
PROGRESS_EVERY = 100

# Column headers, compared lower-cased with whitespace collapsed, by how they begin.
_OLD_HEADERS = ("recommendation", "position", "full list of themes", "assessment")
_CYCLE4_HEADERS = (
    "recommendation and recommending state",
    "position of the state under review",
    "human rights themes",
    "relevant sdg",
)

_NUMBER = re.compile(r"\s*(\d{1,4}(?:\.\d{1,4})+)\.?(?=\s|$)")
_SOURCE_LINE = re.compile(r"\s*\bSource of position\s*:?\s*([^\n]*?)\s*$", re.IGNORECASE)
_SYMBOL = re.compile(r"A/HRC/\d+/\d+(?:/Add\.\s?\d+)?", re.IGNORECASE)
_ADDENDUM = re.compile(r"/Add\.\s?\d+$", re.IGNORECASE)
_THEME_PREFIX = re.compile(r"^\s*Theme\s*:\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-–•▪·]\s*")
# A UHRI-coded SDG line of the cycle-2 layout: "S16 SDG 16 - peace, justice and ...".
_CODED_SDG = re.compile(r"^S\d+\s+SDG\b")
_SECTION = re.compile(
    r"^\s*(affected persons|groups? of persons|sdgs?|relevant sdgs?|themes?)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_SECTION_KINDS = {
    "affected persons": "affected_persons",
    "group of persons": "affected_persons",
    "groups of persons": "affected_persons",
    "sdg": "sdg",
    "sdgs": "sdg",
    "relevant sdg": "sdg",
    "relevant sdgs": "sdg",
    "theme": "theme",
    "themes": "theme",
}

# Title parts: "UPR of China (3rd Cycle – 31st session)", "UPR20_ Slovenia_...".
_TITLE_STATE = re.compile(r"\b(?:UPR|Universal Periodic Review)\s+of\s+(?:the\s+)?(.+)", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_CYCLE_PATTERNS = (
    re.compile(r"\b([1-9])\s*(?:st|nd|rd|th)\s+cycle\b", re.I),
    re.compile(r"\bcycle\s+([1-9])\b", re.I),
    re.compile(r"\b(first|second|third|fourth|fifth)\s+cycle\b", re.I),
)
_SESSION_PATTERNS = (
    re.compile(r"\b(\d{1,2})\s*(?:st|nd|rd|th)\s+session\b", re.I),
    re.compile(r"\bsession\s+(\d{1,2})\b", re.I),
    re.compile(r"\bUPR\s*[-_]?\s*(\d{1,2})(?!\d)", re.I),
)
_MAX_NAME_WORDS = 8


@dataclass(frozen=True)
class _Layout:
    name: str
    headers: tuple[str, ...]  # as found in the file, for messages
    sdg_column: bool  # column 4 holds SDGs (cycle 4) rather than an assessment


@dataclass
class _TitleFacts:
    state: states.StateInfo | None = None
    cycle: int | None = None
    session: int | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class _Row:
    table: int
    index: int  # 1-based row in its table (the header is row 1)
    cells: list[str]


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Read an OHCHR matrix .docx into recommendations with positions and theme tags."""
    document = _open(path)
    batch = ImportBatch(file=path.name, format=FORMAT)
    tables = list(document.tables)
    if not tables:
        raise SourceFileError(f"{path.name} has no table of recommendations.")
    layout, rows = _layout_and_rows(path.name, tables, batch)
    batch.notes.append(f"layout: {layout.name} ({' | '.join(layout.headers)})")
    records = _records(rows, layout, batch, len(tables) > 1, progress)
    batch.recommendations = records
    the_review = _review(path.name, document, records, review, batch)
    for record in records:
        record.review = the_review
    return batch


def _open(path: Path) -> DocxDocument:
    expect(sniff(path), "docx")
    return containers.open_docx(path)  # every python-docx failure as SourceFileError


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _table_rows(table: Table) -> Iterator[list[tuple[object, str]]]:
    """Each row as (cell element, text) per grid column.

    python-docx repeats a horizontally merged cell once per grid column (the same
    element), and gives a vertically merged cell again in every row it covers. The
    elements themselves are kept (not their id()), so that they stay alive and compare
    by identity.
    """
    for row in table.rows:
        yield [(cell._tc, cell.text) for cell in row.cells]


def _match_layout(headers: list[str]) -> str | None:
    found = tuple(_norm(h) for h in headers)
    if len(found) < 4:
        return None
    if all(f.startswith(h) for f, h in zip(found, _CYCLE4_HEADERS, strict=False)):
        return "cycle 4"
    if all(f.startswith(h) for f, h in zip(found, _OLD_HEADERS, strict=False)):
        return "cycles 2-3"
    return None


def _layout_and_rows(
    name: str, tables: list[Table], batch: ImportBatch
) -> tuple[_Layout, list[_Row]]:
    """The layout from the first recognised header, and the rows of every table after it.

    Word splits a long table when a page break is forced; a table of as many columns
    without a header that follows a recognised one is read as its continuation.
    """
    layout: _Layout | None = None
    rows: list[_Row] = []
    first_headers: list[str] | None = None
    for number, table in enumerate(tables, start=1):
        table_rows = list(_table_rows(table))
        if not table_rows:
            continue
        headers = [text.strip() for text in _unique(table_rows[0])]
        if first_headers is None:
            first_headers = headers
        kind = _match_layout(headers)
        if kind is not None and layout is None:
            layout = _Layout(kind, tuple(headers), sdg_column=kind == "cycle 4")
        if layout is None:
            continue
        if kind is None and len(table_rows[0]) != len(layout.headers):
            batch.problem(
                None,
                None,
                f"a table of {len(table_rows[0])} columns after the matrix is not part of "
                "it; it was skipped",
                severity="warning",
                sheet=f"table {number}",
            )
            continue
        start = 1 if kind is not None else 0
        rows.extend(_rows(number, table_rows, start))
    if layout is None:
        shown = " | ".join(first_headers or []) or "(empty)"
        raise SourceFileError(
            f"{name}: the table's header is not an OHCHR matrix header. Found: {shown}. "
            "Expected 'Recommendation | Position | Full list of themes | Assessment/comments "
            "on level of implementation' or 'Recommendation and recommending State | Position "
            "of the State under review | Human rights themes and groups of persons | "
            "Relevant SDGs'."
        )
    return layout, rows


def _unique(cells: list[tuple[object, str]]) -> list[str]:
    """The texts of the distinct cells of a row (a merged cell once)."""
    texts: list[str] = []
    for i, (element, text) in enumerate(cells):
        if not any(element is other for other, _ in cells[:i]):
            texts.append(text)
    return texts


def _rows(number: int, table_rows: list[list[tuple[object, str]]], start: int) -> Iterator[_Row]:
    """Rows spanning the whole table become one cell; vertical repeats become blanks."""
    previous: list[tuple[object, str]] = []
    for index, cells in enumerate(table_rows):
        if index >= start:
            if len(cells) > 1 and all(element is cells[0][0] for element, _ in cells):
                texts = [cells[0][1]]
            else:
                texts = [
                    "" if i < len(previous) and element is previous[i][0] else text
                    for i, (element, text) in enumerate(cells)
                ]
            yield _Row(number, index + 1, texts)
        previous = cells


def _records(
    rows: list[_Row],
    layout: _Layout,
    batch: ImportBatch,
    several_tables: bool,
    progress: Callable[[int, int], None] | None,
) -> list[RecommendationRecord]:
    records: list[RecommendationRecord] = []
    first_row: dict[str, int] = {}
    cluster: str | None = None
    placeholder = ReviewRecord(state_iso3="", cycle=0)  # replaced once the review is known
    header_key = [_norm(h) for h in layout.headers]
    assessments = 0
    for done, row in enumerate(rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        sheet = f"table {row.table}" if several_tables else None
        if len(row.cells) == 1:
            too_long = check_cell(row.cells[0])
            if too_long:
                batch.problem(
                    row.index, None, f"the theme row {too_long}", sheet=sheet, unit="table row"
                )
                continue
            cluster = _THEME_PREFIX.sub("", row.cells[0]).strip() or cluster
            continue
        if not any(c.strip() for c in row.cells) or [_norm(c) for c in row.cells] == header_key:
            continue  # empty rows, and the header repeated on a new page
        record = _record(row, layout, batch, sheet, placeholder, cluster)
        if record is None:
            continue
        if layout.sdg_column is False and len(row.cells) > 3 and row.cells[3].strip():
            assessments += 1
        number = record.number or ""
        if number in first_row:
            batch.problem(
                row.index,
                layout.headers[0],
                f"recommendation {number} appears twice (first in table row {first_row[number]})",
                sheet=sheet,
                unit="table row",
            )
            continue
        first_row[number] = row.index
        records.append(record)
    if progress is not None:
        progress(len(rows), len(rows))
    if assessments:
        batch.notes.append(
            f"{assessments} row(s) have text in '{layout.headers[3]}'; it was not imported"
        )
    return records


def _record(
    row: _Row,
    layout: _Layout,
    batch: ImportBatch,
    sheet: str | None,
    placeholder: ReviewRecord,
    cluster: str | None,
) -> RecommendationRecord | None:
    def problem(column: int, message: str, severity: Severity = "error") -> None:
        batch.problem(
            row.index,
            layout.headers[column],
            message,
            severity=severity,
            sheet=sheet,
            unit="table row",
        )

    cells = row.cells + [""] * (4 - len(row.cells))
    for column, text in enumerate(cells[:4]):
        too_long = check_cell(text)
        if too_long:
            problem(column, f"the cell {too_long}")
            return None
    match = _NUMBER.match(cells[0])
    if match is None:
        start = " ".join(cells[0].split())[:60]
        problem(0, f"does not start with a recommendation number (such as 28.212): '{start}'")
        return None
    number = match.group(1)
    body = cells[0][match.end() :]
    source = _SOURCE_LINE.search(body)
    source_reference = None
    if source is not None:
        source_reference = source.group(1).strip() or None
        body = body[: source.start()]
    text = body.strip()
    if not text:
        problem(0, f"recommendation {number} has no text")
        return None
    position = cells[1].strip() or None
    if position is None:
        problem(1, f"recommendation {number} has no position", "warning")
    found = brackets.recommending_states(text)
    for message in found.warnings:
        problem(0, f"recommendation {number}: {message}", "warning")
    tags = [SourceTagRecord(FORMAT, "matrix_theme", cluster)] if cluster else []
    tags += _tags(cells[2], "theme")
    if layout.sdg_column:
        tags += _tags(cells[3], "sdg")
    return RecommendationRecord(
        review=placeholder,
        text=text,
        number=number,
        recommending_text=found.text,
        recommending_names=found.names,
        recommending_iso3=found.iso3,
        response=position,
        source_reference=source_reference,
        tags=_dedupe(tags),
        source=FORMAT,
        row=row.index,
    )


def _tags(cell: str, default_kind: str) -> list[SourceTagRecord]:
    """Theme, SDG and affected-persons lines of a cell, by the section they stand in."""
    kind = default_kind
    tags: list[SourceTagRecord] = []
    for line in cell.splitlines():
        section = _SECTION.match(line)
        if section is not None:
            kind = _SECTION_KINDS[_norm(section.group(1))]
            line = section.group(2)
        value = _BULLET.sub("", line).strip()
        if not value:
            continue
        value_kind = "sdg" if kind == "theme" and _CODED_SDG.match(value) else kind
        tags.append(SourceTagRecord(FORMAT, value_kind, value))
    return tags


def _dedupe(tags: list[SourceTagRecord]) -> list[SourceTagRecord]:
    return list(dict.fromkeys(tags))


# --- which review -------------------------------------------------------------------


def _title_texts(document: DocxDocument) -> Iterator[str]:
    """Where OHCHR writes the title: the page headers, body paragraphs, the core title."""
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            if part.is_linked_to_previous:
                continue
            for paragraph in part.paragraphs:
                yield paragraph.text
    for paragraph in document.paragraphs[:50]:
        yield paragraph.text
    properties = document.core_properties
    yield properties.title or ""
    yield properties.subject or ""


def _state_in(text: str) -> states.StateInfo | None:
    """The state named after "UPR of", trying the longest run of words first."""
    match = _TITLE_STATE.search(text)
    if match is None:
        return None
    words = match.group(1).split("\t")[0].split()[:_MAX_NAME_WORDS]
    for size in range(len(words), 0, -1):
        state = states.match_state(" ".join(words[:size]).rstrip(",;:–-"))
        if state is not None:
            return state
    return None


def _underscored_state(text: str) -> states.StateInfo | None:
    """The state in a file-like title "UPR20_ Slovenia_ThematicListRecommendations_E"."""
    if "_" not in text:
        return None
    for piece in text.split("_"):
        if piece.strip() and not piece.strip().isdigit():
            state = states.match_state(piece)
            if state is not None:
                return state
    return None


def _first_int(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match is not None:
            value = match.group(1).lower()
            return _ORDINALS.get(value) or int(value)
    return None


def _title_facts(document: DocxDocument) -> _TitleFacts:
    facts = _TitleFacts()
    for text in _title_texts(document):
        text = text.strip()
        if not text:
            continue
        facts.texts.append(text)
        facts.state = facts.state or _state_in(text) or _underscored_state(text)
        facts.cycle = facts.cycle or _first_int(_CYCLE_PATTERNS, text)
        facts.session = facts.session or _first_int(_SESSION_PATTERNS, text)
    return facts


def _symbols(records: list[RecommendationRecord]) -> tuple[str | None, str | None]:
    """(report, responses addendum) from the "Source of position" references."""
    found: Counter[str] = Counter()
    for record in records:
        for symbol in _SYMBOL.findall(record.source_reference or ""):
            found[re.sub(r"\s", "", symbol)] += 1
    addenda = [s for s, _ in found.most_common() if _ADDENDUM.search(s)]
    reports = Counter(_ADDENDUM.sub("", s) for s in found.elements())
    report = reports.most_common(1)[0][0] if reports else None
    return report, addenda[0] if addenda else None


def _review(
    name: str,
    document: DocxDocument,
    records: list[RecommendationRecord],
    given: ReviewRecord | None,
    batch: ImportBatch,
) -> ReviewRecord:
    facts = _title_facts(document)
    report, responses = _symbols(records)
    cycle = facts.cycle
    if facts.session is not None:
        by_session = cycle_of_session(facts.session)
        if cycle is None:
            cycle = by_session
        elif cycle != by_session:
            batch.problem(
                None,
                None,
                f"the title says cycle {cycle} but session {facts.session} belongs to cycle "
                f"{by_session}; cycle {cycle} was used",
                severity="warning",
            )
    if given is not None:
        return _given_review(given, facts.state, cycle, facts.session, report, responses, batch)
    if facts.state is None or cycle is None:
        missing = " and ".join(
            part
            for part, value in (("state under review", facts.state), ("cycle", cycle))
            if value is None
        )
        shown = "; ".join(facts.texts[:3]) or "no title at all"
        raise SourceFileError(
            f"{name} does not say which review it is (its {missing} could not be found in "
            f"its title: {shown}). Name the review (state under review and cycle) when "
            "importing it."
        )
    return ReviewRecord(
        state_iso3=facts.state.iso3,
        cycle=cycle,
        session=facts.session,
        year=session_year(facts.session) if facts.session else None,
        report_symbol=report,
        responses_symbol=responses,
    )


def _given_review(
    given: ReviewRecord,
    state: states.StateInfo | None,
    cycle: int | None,
    session: int | None,
    report: str | None,
    responses: str | None,
    batch: ImportBatch,
) -> ReviewRecord:
    """The review the user named; blanks in it are filled from the document."""
    if (state is not None and state.iso3 != given.state_iso3) or (
        cycle is not None and cycle != given.cycle
    ):
        said = f"{state.name if state else '?'} cycle {cycle if cycle else '?'}"
        batch.problem(
            None,
            None,
            f"the document's title says {said}; the review you named "
            f"({given.state_iso3} cycle {given.cycle}) was used",
            severity="warning",
        )
        return given
    session = given.session if given.session is not None else session
    return dataclasses.replace(
        given,
        session=session,
        year=given.year or (session_year(session) if session else None),
        report_symbol=given.report_symbol or report,
        responses_symbol=given.responses_symbol or responses,
    )
