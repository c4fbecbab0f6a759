"""OHCHR Universal Human Rights Index (UHRI) exports (.xlsx): one row per recommendation.

The export has 16 columns, spelled as UHRI spells them (typos included): ``Text,
Countries Concerned, Reccomending Body, Document Symbol, Themes, Affected Persons, Sdgs,
Document Publication Date, UPR Reccomending States, UPR Position, Type, OHCHR Annotation
Id, UPR Session, Regions Concerned, Recommending Regions, Date of publication on UHRI``.
Cells hold values prefixed with ``- ``, several of them on separate lines
(``- Slovenia\\n- Croatia``); dates are Excel serials (43466) or real dates. The
paragraph number starts the text (``28.1 Ratify ...`` or ``28.1. Ratify ...``).

A UHRI search mixes bodies: only UPR rows are read, the others (treaty bodies, special
procedures) are counted in one note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from annotator import states
from annotator.importers import files
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)
from annotator.importers.tables import (
    read_named_columns,
)
from annotator.upr_calendar import cycle_of_session, session_year

FORMAT = "uhri"
PROGRESS_EVERY = 200

# Our name for each column -> UHRI's spelling first, then corrected spellings in case
# OHCHR ever fixes its typos.
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("Text",),
    "countries": ("Countries Concerned",),
    "body": ("Reccomending Body", "Recommending Body"),
    "symbol": ("Document Symbol",),
    "themes": ("Themes",),
    "affected_persons": ("Affected Persons",),
    "sdgs": ("Sdgs", "SDGs"),
    "published": ("Document Publication Date",),
    "recommending": ("UPR Reccomending States", "UPR Recommending States"),
    "position": ("UPR Position",),
    "type": ("Type",),
    "annotation_id": ("OHCHR Annotation Id",),
    "session": ("UPR Session",),
    "regions": ("Regions Concerned",),
    "recommending_regions": ("Recommending Regions",),
    "uhri_date": ("Date of publication on UHRI",),
}
REQUIRED = (
    "text",
    "countries",
    "body",
    "symbol",
    "recommending",
    "position",
    "session",
)
HEADER_MIN_MATCHES = 4
TAG_COLUMNS = {
    "themes": "theme",
    "affected_persons": "affected_persons",
    "sdgs": "sdg",
    "annotation_id": "uhri_annotation_id",
}
UPR_BODIES = {"upr", "universal periodic review"}

# "28.1 Ratify", "28.1. Ratify", "28.10 Ratify": the number is kept as text.
NUMBER_RE = re.compile(r"^\s*(\d+(?:\.\d+)+)\.?\s*(?=\S)")
# "40", "40th", "40th session", "Session 40": nothing else is read as a session.
SESSION_RE = re.compile(r"^(?:session\s*)?(\d{1,3})(?:st|nd|rd|th)?(?:\s*session)?$", re.IGNORECASE)
BULLET_RE = re.compile(r"^\s*-\s*")
# Excel's day 0 (its serials count the phantom 29 February 1900).
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials of 1990-01-01 .. 2100-01-01: a plausible UHRI document date.
SERIAL_RANGE = (32874, 73051)

Progress = Callable[[int, int], None]


def values_of(cell: str) -> list[str]:
    """The values of a UHRI cell: one a line, each without its leading ``- ``."""
    values = (BULLET_RE.sub("", line).strip() for line in cell.splitlines())
    return list(dict.fromkeys(v for v in values if v))


def split_number(text: str) -> tuple[str | None, str]:
    """(paragraph number or None, the text without it)."""
    match = NUMBER_RE.match(text)
    if match is None:
        return None, text.strip()
    return match.group(1), text[match.end() :].strip()


def parse_session(cell: str) -> int | None:
    values = values_of(cell)
    if len(values) != 1:
        return None
    match = SESSION_RE.match(values[0])
    if match is None:
        return None
    session = int(match.group(1))
    return session if session >= 1 else None


def parse_date(cell: str) -> dt.date | None:
    """An Excel serial ("43466"), an ISO date ("2019-01-01") or datetime; None otherwise."""
    text = cell.strip()
    if not text:
        return None
    try:
        serial = float(text)
    except ValueError:
        pass
    else:
        if SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return None
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Read the UPR rows of a UHRI export; ``review`` (if given) replaces the rows' review."""
    batch = ImportBatch(file=path.name, format=FORMAT)
    table = read_named_columns(path, ("xlsx", "ods"), COLUMNS, REQUIRED, HEADER_MIN_MATCHES)
    reader = _Reader(batch, table.labels, table.sheet, review)
    reader.read(table.frame.to_dict("records"), [int(r) for r in table.rows], progress)
    return batch


class _Reader:
    """Turns UHRI rows into records; one instance per file."""

    def __init__(
        self,
        batch: ImportBatch,
        labels: dict[str, str],
        sheet: str | None,
        review: ReviewRecord | None,
    ) -> None:
        self.batch = batch
        self.labels = labels
        self.sheet = sheet
        self.review = review
        self.reviews: dict[tuple[str, int, str | None], ReviewRecord] = {}
        self.seen: dict[tuple[ReviewRecord, str], int] = {}  # (review, number) -> row

    def problem(self, row: int, column: str, message: str, *, warning: bool = False) -> None:
        self.batch.problem(
            row,
            self.labels.get(column, COLUMNS[column][0]),
            message,
            severity="warning" if warning else "error",
            sheet=self.sheet,
        )

    def read(
        self, records: list[dict[str, str]], rows: list[int], progress: Progress | None
    ) -> None:
        total = len(records)
        skipped: Counter[str] = Counter()
        for count, (cells, row) in enumerate(zip(records, rows, strict=True)):
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count, total)
            if not _is_upr(cells):
                skipped[", ".join(values_of(cells["body"])) or "no body given"] += 1
                continue
            record = self._record(cells, row)
            if record is not None:
                self.batch.recommendations.append(record)
        if progress is not None:
            progress(total, total)
        if skipped:
            bodies = ", ".join(f"{body} {n:,}" for body, n in skipped.most_common())
            count = skipped.total()
            what = "row from another body" if count == 1 else "rows from other bodies"
            self.batch.notes.append(
                f"{count:,} {what} than the UPR (treaty bodies, special procedures) "
                f"skipped: {bodies}"
            )

    def _record(self, cells: dict[str, str], row: int) -> RecommendationRecord | None:
        too_long = [name for name in self.labels if files.check_cell(cells[name])]
        for name in too_long:
            self.problem(row, name, files.check_cell(cells[name]) or "is too long")
        if too_long:
            return None
        number, text = split_number(cells["text"])
        if not text:
            self.problem(row, "text", "is empty")
            return None
        review = self._review(cells, row)
        if review is None:
            return None
        if number is None:
            self.problem(
                row,
                "text",
                "does not start with a paragraph number (such as 28.1): kept without one",
                warning=True,
            )
        else:
            self._check_duplicate(review, number, row)
        names = values_of(cells["recommending"])
        iso3 = self._recommending_iso3(names, row)
        position = values_of(cells["position"])
        return RecommendationRecord(
            review=review,
            text=text,
            number=number,
            recommending_text=", ".join(names),
            recommending_names=names,
            recommending_iso3=iso3,
            response=", ".join(position) or None,
            source_reference=self._reference(cells, row, review, number),
            tags=[
                SourceTagRecord(FORMAT, kind, value)
                for column, kind in TAG_COLUMNS.items()
                for value in values_of(cells[column])
            ],
            source=FORMAT,
            row=row,
        )

    def _review(self, cells: dict[str, str], row: int) -> ReviewRecord | None:
        countries = values_of(cells["countries"])
        session = parse_session(cells["session"])
        if session is None:
            value = cells["session"]
            message = "is empty" if not value else f"'{value}' is not a UPR session number"
            self.problem(row, "session", message)
        if len(countries) != 1:
            message = (
                "is empty"
                if not countries
                else f"names {len(countries)} states ({', '.join(countries)}); a UPR "
                "recommendation concerns one state under review"
            )
            self.problem(row, "countries", message)
            return None
        state = states.match_state(countries[0])
        if state is None:
            self.problem(row, "countries", f"unknown state under review '{countries[0]}'")
            return None
        if session is None:
            return None
        symbols = values_of(cells["symbol"])
        symbol = symbols[0] if len(symbols) == 1 else None
        if len(symbols) > 1:
            self.problem(row, "symbol", f"holds {len(symbols)} symbols; none is kept", warning=True)
        if self.review is not None:
            return self.review
        key = (state.iso3, session, symbol)
        if key not in self.reviews:
            self.reviews[key] = ReviewRecord(
                state_iso3=state.iso3,
                cycle=cycle_of_session(session),
                session=session,
                year=session_year(session),
                report_symbol=symbol,
            )
        return self.reviews[key]

    def _check_duplicate(self, review: ReviewRecord, number: str, row: int) -> None:
        first = self.seen.setdefault((review, number), row)
        if first != row:
            self.problem(
                row,
                "text",
                f"paragraph {number} of this review already appeared in row {first}",
                warning=True,
            )

    def _recommending_iso3(self, names: list[str], row: int) -> list[str]:
        iso3: list[str] = []
        for name in names:
            state = states.match_state(name)
            if state is None:
                self.problem(
                    row,
                    "recommending",
                    f"unknown recommending state '{name}': the recommendation is kept without it",
                    warning=True,
                )
            elif state.iso3 not in iso3:
                iso3.append(state.iso3)
        return iso3

    def _reference(
        self, cells: dict[str, str], row: int, review: ReviewRecord, number: str | None
    ) -> str | None:
        """Where the recommendation is published: "A/HRC/40/6 - Para. 28.1 (2019-01-03)"."""
        parts = []
        if review.report_symbol:
            parts.append(review.report_symbol)
        if number:
            parts.append(f"Para. {number}")
        reference = " - ".join(parts)
        if cells["published"]:
            published = parse_date(cells["published"])
            if published is None:
                self.problem(
                    row,
                    "published",
                    f"'{cells['published']}' is not a date",
                    warning=True,
                )
            elif reference:
                reference += f" (published {published.isoformat()})"
        return reference or None


def _is_upr(cells: dict[str, str]) -> bool:
    bodies = {v.casefold() for v in values_of(cells["body"])}
    if bodies:
        return bool(bodies & UPR_BODIES)
    # No body given: UHRI's annotation type says "UPR ..." on UPR rows.
    return any("upr" in v.casefold().split() for v in values_of(cells["type"]))
