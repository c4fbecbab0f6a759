"""Any other spreadsheet (.csv, .xlsx, .ods), read through a column mapping.

The user says which column holds what (``number=Para,text=Recommendation,...``); a
mapping dialog uses ``headers``/``preview_rows``/``guess_mapping`` and remembers the
choice per ``layout_signature``. Every column the mapping leaves out is kept, cell by
cell, as a source tag named after its header, so nothing in the file is lost.

The header is the first row that has any non-empty cell; the rows below it are data.
All cells are read as text. A recommendation number that a spreadsheet stored as a
number (28.1) is refused: 28.1 and 28.10 are the same float, so the file must hold
the numbers as text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator import states
from annotator.importers import files
from annotator.importers.files import SourceFileError
from annotator.importers.numbers import parse_number
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    Severity,
    SourceTagRecord,
)
from annotator.importers.tables import (
    Cell,
    RawTable,
    ambiguous_number,
    cell_text,
    column_letter,
    load_table,
)

# The mapping dialog lists a workbook's sheets through this module.
from annotator.importers.tables import sheet_names as sheet_names
from annotator.upr_calendar import CYCLE_FIRST_SESSION, cycle_of_session, session_year

FORMAT = "table"
TARGETS = (
    "number",
    "text",
    "recommending_state",
    "response",
    "response_explanation",
    "state_under_review",
    "cycle",
    "session",
    "report_symbol",
)
REVIEW_TARGETS = ("state_under_review", "cycle", "session", "report_symbol")
PROGRESS_EVERY = 500


# ---------------------------------------------------------------------------
# The mapping


def parse_mapping(text: str) -> dict[str, str]:
    """``"number=Para,text=Recommendation"`` as {"number": "Para", "text": "Recommendation"}.

    Rule: the text is split at a comma only where the comma is followed by a name made
    of letters, digits, ``_``, ``-`` or spaces and then ``=`` (``,text=``, ``, Text =``,
    and also a mistyped ``,recommending-state=`` so that the typo is reported instead of
    becoming part of a column name). So column names may hold spaces, commas and equals
    signs -- ``text=Recommendation, full text`` is one pair -- as long as no comma in a
    column name is followed by such a ``name=``, and a column name does not end with a
    comma (``Para,,text=...`` is read as an empty pair). Target names are read
    case-blind; column names keep their spelling (they are matched case-blind later).
    Raises ValueError for a malformed pair, an unknown or a repeated target.
    """
    if not text or not text.strip():
        raise ValueError("the column mapping is empty; write it as target=column,target=column")
    mapping: dict[str, str] = {}
    for pair in re.split(r",(?=[\w\- ]+=)", text):
        target, equals, column = pair.partition("=")
        target, column = target.strip().casefold(), column.strip()
        if not equals or not target or not column or column.endswith(","):
            raise ValueError(
                f"'{pair.strip()}' in the column mapping is not of the form target=column "
                "(for example number=Para)"
            )
        if target not in TARGETS:
            raise ValueError(
                f"'{target}' in the column mapping is not a field UPR Coder knows; "
                f"the fields are: {', '.join(TARGETS)}"
            )
        if target in mapping:
            raise ValueError(
                f"'{target}' appears twice in the column mapping "
                f"(as '{mapping[target]}' and as '{column}')"
            )
        mapping[target] = column
    return mapping


def _normalised(name: str) -> str:
    return " ".join(name.casefold().split())


def layout_signature(headers: list[str]) -> str:
    """A stable key for a header layout: the same names (case and spacing aside), in the
    same order, give the same key, so a chosen mapping can be offered again."""
    names = [_normalised(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    return hashlib.sha1("\x1f".join(names).encode("utf-8")).hexdigest()


def _alias_key(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", name.casefold()).split())


_ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "para", "paras", "paragraph", "para no", "paragraph no", "paragraph number", "no",
        "nr", "number", "num", "#", "rec no", "rec number", "recommendation no",
        "recommendation nr", "recommendation number",
    ),
    "text": (
        "recommendation", "recommendations", "text", "recommendation text", "full text",
        "rec text", "recommendation and recommending state",
    ),
    "recommending_state": (
        "state", "states", "recommending state", "recommending states",
        "recommending state s", "country", "countries", "recommending country",
        "recommending countries", "from", "rs",
    ),
    "response": (
        "position", "response", "responses", "status", "position of the state under review",
        "response of the state under review", "state response", "sur response",
    ),
    "response_explanation": (
        "explanation", "explanations", "comment", "comments", "justification",
        "response explanation", "explanation of response", "explanation of position",
    ),
    "state_under_review": (
        "state under review", "sur", "to", "country under review", "reviewed state",
        "under review",
    ),
    "cycle": ("cycle", "upr cycle", "review cycle"),
    "session": ("session", "wg session", "upr session", "working group session"),
    "report_symbol": (
        "report", "report symbol", "symbol", "document symbol", "document", "wg report",
        "working group report",
    ),
}  # fmt: skip
_ALIAS_TARGET = {alias: target for target, names in _ALIASES.items() for alias in names}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Targets suggested from common header names; each target and column used once."""
    guessed: dict[str, str] = {}
    for header in headers:
        target = _ALIAS_TARGET.get(_alias_key(header))
        if target and target not in guessed:
            guessed[target] = header
    return guessed


# ---------------------------------------------------------------------------
# Headers and a preview for the mapping dialog


def _header_index(rows: list[list[Cell]]) -> int:
    for index, row in enumerate(rows):
        if any(cell_text(c).strip() for c in row):
            return index
    return len(rows)


def _header_names(row: list[Cell]) -> list[str]:
    names = [" ".join(cell_text(c).split()) for c in row]
    while names and not names[-1]:
        names.pop()
    # An empty header cell between named ones still holds data; give it a name the
    # mapping dialog can show and the mapping can use.
    return [name or f"Column {i + 1}" for i, name in enumerate(names)]


def headers(path: Path, sheet: str | None = None) -> list[str]:
    """The header names (first non-empty row), spacing tidied; blanks as 'Column N'."""
    rows = load_table(path, sheet).value_rows()
    index = _header_index(rows)
    return _header_names(rows[index]) if index < len(rows) else []


def preview_rows(path: Path, n: int = 10, sheet: str | None = None) -> list[list[str]]:
    """The first ``n`` data rows below the header, as text, as wide as the header."""
    rows = load_table(path, sheet).value_rows()
    index = _header_index(rows)
    if index >= len(rows):
        return []
    width = len(_header_names(rows[index]))
    preview: list[list[str]] = []
    for row in rows[index + 1 :]:
        if len(preview) >= n:
            break
        texts = [cell_text(c).strip() for c in row]
        if not any(texts):
            continue
        preview.append((texts + [""] * width)[: max(width, len(texts))])
    return preview


# ---------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class _Columns:
    """Where each mapped target is, plus the names of all columns."""

    index: dict[str, int]
    names: list[str]
    label: Callable[[int], str]


def read(
    path: Path,
    *,
    mapping: dict[str, str],
    review: ReviewRecord | None = None,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """The recommendations of a table, each column placed where ``mapping`` says.

    The review of each row comes from the mapped state_under_review / cycle / session /
    report_symbol columns; a ``review`` given by the user overrides them (as for every
    reader), and rows whose columns say otherwise are reported as warnings.
    """
    _check_mapping(mapping, path.name)
    if review is None and "state_under_review" not in mapping:
        raise SourceFileError(
            f"{path.name}: say which review the recommendations belong to, or map the "
            "columns that say it (state_under_review and cycle or session)."
        )
    if review is None and "cycle" not in mapping and "session" not in mapping:
        raise SourceFileError(
            f"{path.name}: the mapping names the state under review but not the cycle; map "
            "a cycle or a session column, or say which review the file holds."
        )
    table = load_table(path, sheet)
    rows = table.value_rows()
    batch = ImportBatch(file=path.name, format=FORMAT)
    header_index = _header_index(rows)
    if header_index >= len(rows):
        raise SourceFileError(f"{path.name} holds no data.")
    columns = _resolve(table, rows, header_index, mapping, path.name)
    reviews = _Reviews(batch, review, table.sheet)
    data = rows[header_index + 1 :]
    total = len(data)
    for offset, cells in enumerate(data):
        if progress is not None and offset % PROGRESS_EVERY == 0:
            progress(offset, total)
        row_number = header_index + 2 + offset
        record = _record(batch, table, columns, cells, row_number, reviews)
        if record is not None:
            batch.recommendations.append(record)
    if progress is not None:
        progress(total, total)
    return batch


def _check_mapping(mapping: dict[str, str], name: str) -> None:
    unknown = [t for t in mapping if t not in TARGETS]
    if unknown:
        raise SourceFileError(
            f"{name}: the mapping names unknown field(s) {', '.join(unknown)}; "
            f"the fields are: {', '.join(TARGETS)}."
        )
    if not mapping.get("text", "").strip():
        raise SourceFileError(
            f"{name}: the mapping must say which column holds the recommendation text (text=...)."
        )


def _resolve(
    table: RawTable,
    rows: list[list[Cell]],
    header_index: int,
    mapping: dict[str, str],
    name: str,
) -> _Columns:
    names = _header_names(rows[header_index])
    width = max([len(names)] + [len(r) for r in rows[header_index + 1 :]])
    names += [f"Column {i + 1}" for i in range(len(names), width)]

    def label(i: int) -> str:
        return f"{column_letter(i)} ({names[i]})" if table.spreadsheet else names[i]

    index: dict[str, int] = {}
    missing: list[str] = []
    for target, column in mapping.items():
        found = [i for i, n in enumerate(names) if n == " ".join(column.split())]
        if not found:
            found = [i for i, n in enumerate(names) if _normalised(n) == _normalised(column)]
        if not found:
            missing.append(f"'{column}' (for {target})")
        elif len(found) > 1:
            raise SourceFileError(
                f"{name}: the column '{column}' (mapped to {target}) appears "
                f"{len(found)} times ({', '.join(label(i) for i in found)}); rename one of "
                "them or map another column."
            )
        else:
            index[target] = found[0]
    if missing:
        present = ", ".join(f"'{n}'" for n in names)
        raise SourceFileError(
            f"{name}: the mapped column(s) {', '.join(missing)} are not in the file; "
            f"its columns are: {present}."
        )
    return _Columns(index, names, label)


def _record(
    batch: ImportBatch,
    table: RawTable,
    columns: _Columns,
    cells: list[Cell],
    row: int,
    reviews: _Reviews,
) -> RecommendationRecord | None:
    def raw(target: str) -> Cell:
        i = columns.index.get(target)
        return cells[i] if i is not None and i < len(cells) else ""

    def text(target: str) -> str:
        return cell_text(raw(target)).strip()

    def problem(target: str, message: str, severity: Severity = "error") -> None:
        column = columns.label(columns.index[target]) if target in columns.index else target
        batch.problem(row, column, message, severity=severity, sheet=table.sheet)

    if not any(cell_text(c).strip() for c in cells):
        return None  # blank rows between blocks are common and say nothing
    body = text("text")
    if not body:
        problem("text", "has no recommendation text; the row is skipped", "warning")
        return None
    too_long = files.check_cell(body)
    if too_long:
        problem("text", too_long)
        return None
    review = reviews.of(lambda t: text(t) if t in columns.index else None, problem)
    if review is None:
        return None
    number = text("number") or None
    if number is not None and (why := _ambiguous(raw("number"))):
        problem("number", why)
        return None  # the import is refused anyway; a record numbered wrong is worse
    # A UPR number is tidied ("28.1." -> "28.1"); any other numbering is kept as written.
    number = (parse_number(number) or number) if number else None
    explanation = text("response_explanation") or None
    if explanation and (too_long := files.check_cell(explanation)):
        problem("response_explanation", too_long)
    recommending = text("recommending_state")
    names, iso3 = _states(recommending, lambda m: problem("recommending_state", m, "warning"))
    mapped = set(columns.index.values())
    tags = [
        SourceTagRecord(FORMAT, columns.names[i], cell_text(value).strip())
        for i, value in enumerate(cells)
        if i not in mapped and i < len(columns.names) and cell_text(value).strip()
    ]
    return RecommendationRecord(
        review=review,
        text=body,
        number=number,
        recommending_text=recommending,
        recommending_names=names,
        recommending_iso3=iso3,
        response=text("response") or None,
        response_explanation=explanation,
        tags=tags,
        source=FORMAT,
        row=row,
    )


def _ambiguous(value: Cell) -> str | None:
    # A whole float (5.0) is harmless, but 28.1 may have been 28.10 before the
    # spreadsheet stored it as a number, and a date was a number once.
    if (isinstance(value, float) and not value.is_integer()) or isinstance(
        value, dt.date | dt.time
    ):
        return ambiguous_number(value)
    return None


def _states(text: str, warn: Callable[[str], None]) -> tuple[list[str], list[str]]:
    names = states.split_state_list(text)
    iso3: list[str] = []
    for name in names:
        state = states.match_state(name)
        if state is None:
            warn(f"'{name}' is not a state UPR Coder knows; the recommendation is kept without it")
        elif state.iso3 not in iso3:
            iso3.append(state.iso3)
    return names, iso3


_WHOLE = re.compile(
    r"(?:cycle|session|no\.?)?\s*([0-9]{1,3})(?:st|nd|rd|th)?(?:\s*(?:cycle|session))?",
    re.IGNORECASE,
)


def _whole(text: str) -> int | None:
    match = _WHOLE.fullmatch(text.strip())
    return int(match.group(1)) if match else None


class _Reviews:
    """The review of each row, made once per distinct set of review cells."""

    def __init__(self, batch: ImportBatch, given: ReviewRecord | None, sheet: str | None):
        self.batch = batch
        self.given = given
        self.sheet = sheet
        self.cache: dict[tuple[str | None, ...], ReviewRecord | None] = {}
        self.reported: set[tuple[str, str]] = set()

    def of(
        self,
        value: Callable[[str], str | None],
        problem: Callable[..., None],
    ) -> ReviewRecord | None:
        cells = tuple(value(t) for t in REVIEW_TARGETS)
        if self.given is not None:
            self._compare(dict(zip(REVIEW_TARGETS, cells, strict=True)), problem)
            return self.given
        if cells not in self.cache:
            self.cache[cells] = self._make(dict(zip(REVIEW_TARGETS, cells, strict=True)), problem)
        elif self.cache[cells] is None:
            # Report every row of a broken review, not only the first one.
            self._make(dict(zip(REVIEW_TARGETS, cells, strict=True)), problem)
        return self.cache[cells]

    def _make(
        self, cells: dict[str, str | None], problem: Callable[..., None]
    ) -> ReviewRecord | None:
        state_name = cells["state_under_review"] or ""
        if not state_name:
            problem("state_under_review", "is empty: the row does not say which state was reviewed")
            return None
        state = states.match_state(state_name)
        if state is None:
            problem("state_under_review", f"'{state_name}' is not a state UPR Coder knows")
            return None
        ok_session, session = self._whole(cells, "session", problem)
        ok_cycle, cycle = self._whole(cells, "cycle", problem)
        if not (ok_session and ok_cycle):
            return None
        if cycle is None and session is None:
            problem("cycle", "is empty and no session is given: the review's cycle is unknown")
            return None
        if cycle is not None and cycle not in CYCLE_FIRST_SESSION:
            problem("cycle", f"{cycle} is not a UPR cycle (1 to {max(CYCLE_FIRST_SESSION)})")
            return None
        if session is not None and cycle is not None and cycle_of_session(session) != cycle:
            problem(
                "cycle",
                f"says cycle {cycle} but session {session} belongs to cycle "
                f"{cycle_of_session(session)}; cycle {cycle} is kept",
                "warning",
            )
        return ReviewRecord(
            state_iso3=state.iso3,
            cycle=cycle if cycle is not None else cycle_of_session(session or 1),
            session=session,
            year=session_year(session) if session else None,
            report_symbol=cells["report_symbol"] or None,
        )

    @staticmethod
    def _whole(
        cells: dict[str, str | None], target: str, problem: Callable[..., None]
    ) -> tuple[bool, int | None]:
        """(False, None) after reporting a cell that is not a whole number."""
        text = cells[target]
        if not text:
            return True, None
        number = _whole(text)
        if number is None or number < 1:
            problem(target, f"'{text}' is not a {target} number")
            return False, None
        return True, number

    def _compare(self, cells: dict[str, str | None], problem: Callable[..., None]) -> None:
        given = self.given
        assert given is not None
        state_name = cells["state_under_review"]
        if state_name:
            state = states.match_state(state_name)
            if state is None or state.iso3 != given.state_iso3:
                self._warn_once(
                    problem,
                    "state_under_review",
                    state_name,
                    f"says '{state_name}', but the review named for the import is of "
                    f"{given.state_iso3}; the named review is used",
                )
        cycle = _whole(cells["cycle"] or "")
        if cells["cycle"] and cycle != given.cycle:
            self._warn_once(
                problem,
                "cycle",
                cells["cycle"] or "",
                f"says '{cells['cycle']}', but the review named for the import is of cycle "
                f"{given.cycle}; the named review is used",
            )

    def _warn_once(
        self, problem: Callable[..., None], target: str, value: str, message: str
    ) -> None:
        # One warning per distinct value: a whole file of another review would otherwise
        # repeat the same sentence for every row.
        if (target, value) in self.reported:
            return
        self.reported.add((target, value))
        problem(target, message + " (reported once for all rows with this value)", "warning")
