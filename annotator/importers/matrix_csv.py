"""OHCHR matrices in the CSV form of ``shared/data/upr/ohchr_matrices`` (one row a number).

Columns:
state_under_review, cycle, session, wg_report, number, recommendation,
recommending_states, position, source_of_position, matrix_theme, themes,
affected_persons, sdgs, assessment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator import states
from annotator.importers.files import SourceFileError
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)
from annotator.importers.tables import load_table
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
    table = load_table(path, delimiter=",")
    lines = table.cells.to_numpy().tolist()
    header = [str(c) for c in lines[0]] if lines else []
    while header and not header[-1]:
        header.pop()
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise SourceFileError(
            f"{name} is not an OHCHR matrix CSV: it lacks the column(s) {', '.join(missing)}"
        )
    # A column named twice is read from its first place.
    places = {column: header.index(column) for column in header}
    # (row in the file, its cells by column, whether it holds cells past the header's)
    records = [
        (
            int(number),
            {column: str(cells[i]) for column, i in places.items()},
            any(str(c).strip() for c in cells[len(header) :]),
        )
        for number, cells in zip(table.rows[1:], lines[1:], strict=True)
        if any(str(c).strip() for c in cells)  # a blank line says nothing
    ]
    reviews: dict[tuple[str, ...], ReviewRecord] = {}
    given_review = review
    for index, row, too_wide in records:
        if too_wide:
            batch.problem(index, None, "holds more cells than the header has columns")
            continue
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
            progress(index, len(records))
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
