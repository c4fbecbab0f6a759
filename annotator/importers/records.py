"""What every importer produces: neutral records of reviews, recommendations, responses.

Readers only read: they turn a file into an ``ImportBatch`` and never touch the
database. Everything a reader could not make sense of becomes an ``ImportProblem``
naming the file, sheet, row (or paragraph) and column.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ReviewRecord:
    state_iso3: str
    cycle: int
    session: int | None = None
    year: int | None = None
    report_symbol: str | None = None
    responses_symbol: str | None = None


# What kind of document a response was published in; a recommendation's responses
# form a history ordered by the document's date (the latest is current).
DocumentKind = Literal["report", "addendum", "update", "matrix", "database", "table"]


@dataclass(frozen=True)
class SourceDocument:
    """The document a batch was read from, as far as the document itself says.

    ``kind`` "report" is a Working Group report (its responses are the preliminary
    positions given at the review), "addendum" the state's views (A/HRC/NN/X/Add.1),
    "update" a later document such as a mid-term report; "matrix", "database" and
    "table" are secondary sources that restate responses.
    """

    kind: DocumentKind
    symbol: str | None = None  # "A/HRC/43/15/Add.1"
    date: dt.date | None = None  # the date printed on the document
    title: str | None = None
    session: int | None = None  # Working Group session the document says it belongs to
    state_name: str | None = None  # the state under review, as the document names it
    # The Human Rights Council session the masthead names ("Forty-third session"); the
    # Working Group session (``session``) is stated only in a report's introduction.
    council_session: int | None = None
    review_date: dt.date | None = None  # "The review of X was held ... on 12 November 2019"


@dataclass(frozen=True)
class SourceTagRecord:
    source: str  # the format that gave the tag: "ohchr-matrix", "uprinfo", "uhri", ...
    kind: str  # "theme", "affected_persons", "sdg", "matrix_theme", "issue", "action", ...
    value: str


@dataclass
class RecommendationRecord:
    review: ReviewRecord
    text: str
    number: str | None = None
    recommending_text: str = ""
    recommending_names: list[str] = field(default_factory=list)  # as the source spells them
    recommending_iso3: list[str] = field(default_factory=list)  # those that matched a state
    response: str | None = None
    response_explanation: str | None = None
    source_reference: str | None = None
    source_url: str | None = None
    tags: list[SourceTagRecord] = field(default_factory=list)
    source: str = ""
    row: int | None = None  # where the record starts in the file (row or paragraph)


@dataclass(frozen=True)
class ResponseRecord:
    """A state's response to one numbered recommendation (from its addendum)."""

    number: str
    response: str  # the state's wording as published ("accepts", "takes note of", ...)
    explanation: str | None = None
    row: int | None = None  # line in the extracted text where the number was read
    page: int | None = None  # page of the document, where it has pages


@dataclass(frozen=True)
class ImportProblem:
    """Something a source file got wrong, with the place it is in."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: Severity = "error"
    sheet: str | None = None
    unit: str = "row"  # what ``row`` counts: "row", "paragraph", "line", "table row"
    page: int | None = None  # the page of a document (PDF) the line is on

    def __str__(self) -> str:
        place = [self.file]
        if self.sheet:
            place.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            place.append(f"{self.unit} {self.row}")
        if self.page is not None:
            place.append(f"page {self.page}")
        if self.column:
            place.append(f"column '{self.column}'")
        prefix = "" if self.severity == "error" else "warning: "
        return f"{', '.join(place)}: {prefix}{self.message}"


@dataclass
class ImportBatch:
    """What one file holds, as read."""

    file: str = ""
    format: str = ""
    recommendations: list[RecommendationRecord] = field(default_factory=list)
    responses: list[ResponseRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    joint_merged: int = 0  # source rows folded into joint recommendations (UPR Info)
    document: SourceDocument | None = None  # what the file says it is, when it says
    # Totals the state announces ("124 are now supported and 33 noted"), by its wording.
    announced_totals: dict[str, int] = field(default_factory=dict)
    # Whether the reader already compared them with what it read (in the state's words);
    # otherwise the import compares them by the category table.
    totals_checked: bool = False
    notes: list[str] = field(default_factory=list)  # plain facts for the report
    # Read as a table of no known layout without a column mapping: nothing read yet.
    needs_mapping: bool = False

    @property
    def reviews(self) -> list[ReviewRecord]:
        return list(dict.fromkeys(r.review for r in self.recommendations))

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def responses_by_category(self) -> Counter[str]:
        counted: Counter[str] = Counter(r.response or "no response" for r in self.recommendations)
        counted.update(r.response for r in self.responses)
        return counted

    def problem(
        self,
        row: int | None,
        column: str | None,
        message: str,
        *,
        severity: Severity = "error",
        sheet: str | None = None,
        unit: str = "row",
        page: int | None = None,
    ) -> None:
        self.problems.append(
            ImportProblem(self.file, row, column, message, severity, sheet, unit, page)
        )
