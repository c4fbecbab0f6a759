"""OHCHR matrices in the CSV form of ``shared/data/upr/ohchr_matrices`` (one row a number).

Columns:
state_under_review, cycle, session, wg_report, number, recommendation,
recommending_states, position, source_of_position, matrix_theme, themes,
affected_persons, sdgs, assessment.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from annotator import states
from annotator.importers.files import SourceFileError, read_text
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)
from annotator.upr_calendar import session_year

FORMAT = "matrix-csv"
# The same content as the .docx matrix, so its tags count as the same source.
SOURCE = "ohchr-matrix"
REQUIRED = ("state_under_review", "cycle", "number", "recommendation", "position")
TAG_COLUMNS = {
    "matrix_theme": "matrix_theme",
    "themes": "theme",
    "affected_persons": "affected_persons",
    "sdgs": "sdg",
}
LIST_SEPARATOR = " | "


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    name = path.name
    batch = ImportBatch(file=name, format=FORMAT)
    try:
        frame = pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SourceFileError(f"{name} cannot be read as CSV: {error}") from None
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise SourceFileError(
            f"{name} is not an OHCHR matrix CSV: it lacks the column(s) {', '.join(missing)}"
        )
    reviews: dict[tuple[str, ...], ReviewRecord] = {}
    given_review = review
    for index, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        review = given_review or _review(row, name, index, batch, reviews)
        if review is None:
            continue
        number = row["number"].strip()
        text = row["recommendation"].strip()
        if not number or not text:
            column = "number" if not number else "recommendation"
            batch.problem(index, column, "is empty")
            continue
        iso3, names = [], []
        for clause in row.get("recommending_states", "").split(LIST_SEPARATOR):
            for state_name in states.split_state_list(clause):
                names.append(state_name)
                state = states.match_state(state_name)
                if state is None:
                    batch.problem(
                        index,
                        "recommending_states",
                        f"unknown state '{state_name}'",
                        severity="warning",
                    )
                elif state.iso3 not in iso3:
                    iso3.append(state.iso3)
        source_reference = row.get("source_of_position", "").strip() or None
        tags = [
            SourceTagRecord(SOURCE, kind, value.strip())
            for column, kind in TAG_COLUMNS.items()
            for value in row.get(column, "").split(LIST_SEPARATOR)
            if value.strip()
        ]
        batch.recommendations.append(
            RecommendationRecord(
                review=review,
                number=number,
                text=text,
                recommending_text=row.get("recommending_states", "").strip(),
                recommending_names=names,
                recommending_iso3=iso3,
                response=row["position"].strip() or None,
                source_reference=source_reference,
                tags=tags,
                source=SOURCE,
                row=index,
            )
        )
        if progress and index % 200 == 0:
            progress(index, len(frame))
    return batch


def _review(
    row: dict[str, str],
    name: str,
    index: int,
    batch: ImportBatch,
    reviews: dict[tuple[str, ...], ReviewRecord],
) -> ReviewRecord | None:
    key = tuple(row.get(c, "") for c in ("state_under_review", "cycle", "session", "wg_report"))
    if key in reviews:
        return reviews[key]
    state = states.match_state(row["state_under_review"])
    if state is None:
        batch.problem(index, "state_under_review", f"unknown state '{row['state_under_review']}'")
        return None
    try:
        cycle = int(row["cycle"])
        session = int(row["session"]) if row.get("session", "").strip() else None
    except ValueError:
        batch.problem(index, "cycle", "is not a whole number")
        return None
    if not 1 <= cycle <= 4:
        batch.problem(index, "cycle", f"{cycle} is not a UPR cycle")
        return None
    reference = row.get("source_of_position", "")
    responses_symbol = reference.split(" - ")[0].strip() or None
    review = ReviewRecord(
        state_iso3=state.iso3,
        cycle=cycle,
        session=session,
        year=session_year(session) if session else None,
        report_symbol=row.get("wg_report", "").strip() or None,
        responses_symbol=responses_symbol,
    )
    reviews[key] = review
    return review
