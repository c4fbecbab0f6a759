"""OHCHR matrices in the CSV form of ``shared/data/upr/ohchr_matrices`` (one row a number).

The bundled sample (China, cycle 3, 2018) is shipped in this form. Columns:
state_under_review, cycle, session, wg_report, number, recommendation,
recommending_states, position, source_of_position, matrix_theme, themes,
affected_persons, sdgs, assessment.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from annotator import states
from annotator.importers.records import (
    ImportBatch,
    ImportProblem,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)
from annotator.upr_calendar import session_year

SOURCE = "ohchr-matrix"
REQUIRED = ("state_under_review", "cycle", "number", "recommendation", "position")
TAG_COLUMNS = {
    "matrix_theme": "matrix_theme",
    "themes": "theme",
    "affected_persons": "affected_persons",
    "sdgs": "sdg",
}
LIST_SEPARATOR = " | "


def read_matrix_csv(path: Path) -> ImportBatch:
    name = path.name
    batch = ImportBatch()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        batch.problems.append(ImportProblem(name, None, None, f"cannot be read as CSV: {error}"))
        return batch
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        batch.problems.append(
            ImportProblem(name, 1, None, f"missing column(s): {', '.join(missing)}")
        )
        return batch
    reviews: dict[tuple[str, ...], ReviewRecord] = {}
    for index, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        review = _review(row, name, index, batch, reviews)
        if review is None:
            continue
        number = row["number"].strip()
        text = row["recommendation"].strip()
        if not number or not text:
            column = "number" if not number else "recommendation"
            batch.problems.append(ImportProblem(name, index, column, "is empty"))
            continue
        iso3 = []
        for clause in row.get("recommending_states", "").split(LIST_SEPARATOR):
            for state_name in states.split_state_list(clause):
                state = states.match_state(state_name)
                if state is None:
                    batch.problems.append(
                        ImportProblem(
                            name, index, "recommending_states", f"unknown state '{state_name}'"
                        )
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
                recommending_iso3=iso3,
                response=row["position"].strip() or None,
                source_reference=source_reference,
                tags=tags,
            )
        )
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
        batch.problems.append(
            ImportProblem(
                name, index, "state_under_review", f"unknown state '{row['state_under_review']}'"
            )
        )
        return None
    try:
        cycle = int(row["cycle"])
        session = int(row["session"]) if row.get("session", "").strip() else None
    except ValueError:
        batch.problems.append(ImportProblem(name, index, "cycle", "is not a whole number"))
        return None
    if not 1 <= cycle <= 4:
        batch.problems.append(ImportProblem(name, index, "cycle", f"{cycle} is not a UPR cycle"))
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
