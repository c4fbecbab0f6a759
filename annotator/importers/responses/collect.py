"""What every shape of responses shares: the categories, the place a response came
from, and the collector that keeps one response per number."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.importers.records import (
    ImportBatch,
    ResponseRecord,
    Severity,
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
class Place:
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
    place: Place


@dataclass
class Collector:
    """The responses given so far, by number, with the place each came from."""

    batch: ImportBatch
    given: dict[str, _Given] = field(default_factory=dict)

    def problem(
        self,
        place: Place,
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
        place: Place,
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


def report_progress(progress: Callable[[int, int], None] | None, done: int, total: int) -> None:
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        progress(done, total)


_LIST_WORDS = re.compile(
    r"\b(?:and|to|through|thru|as well as|paragraphs?|paras?|recommendations?|nos?|numbers?)\b",
    re.IGNORECASE,
)


def listish(text: str) -> bool:
    """Whether ``text`` is made of numbers, dashes, separators and list words only."""
    rest = _LIST_WORDS.sub(" ", text)
    return bool(re.search(r"[0-9]", rest)) and not re.search(r"[^\W\d_]", rest)


def short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
