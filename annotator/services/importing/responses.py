"""Matching incoming responses to the recommendations they answer."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.importers.numbers import resolve_serial
from annotator.importers.records import ImportBatch, ImportProblem
from annotator.recnumbers import sort_key
from annotator.responses import read_wording
from annotator.services import response_history
from annotator.services.importing.plan import ImportOptions, ImportPlan, ResponseChange
from annotator.services.importing.reviews import response_review
from annotator.store.models import Recommendation, Review


def plan_responses(
    session: Session, plan: ImportPlan, batch: ImportBatch, options: ImportOptions
) -> list[ResponseChange]:
    review_id = response_review(session, plan, batch, options)
    if review_id is None:
        return []
    plan.response_review_id = review_id
    document = response_history.document_of(batch)
    if document.kind == "addendum" and document.symbol:
        review = session.get(Review, review_id)
        if review is not None and review.responses_symbol is None:
            review.responses_symbol = document.symbol
    rows = session.execute(
        select(
            Recommendation.number, Recommendation.id, Recommendation.text, Recommendation.response
        ).where(Recommendation.review_id == review_id, Recommendation.number.is_not(None))
    ).all()
    # Only numbered recommendations were selected.
    numbers = {number: rid for number, rid, _, _ in rows if number is not None}
    texts = {number: text for number, _, text, _ in rows if number is not None}
    # Settled before: a preliminary position the report gave ("enjoys the support of"),
    # which an addendum need not repeat; "will be examined" settles nothing.
    settled = {
        number
        for number, _, _, response in rows
        if (reading := read_wording(response)) is not None and reading.category != "other"
    }
    before = response_history.existing_wordings(
        session,
        numbers.values(),
        document.kind,
        response_history.document_key(document, batch.file),
    )
    answered = set()
    changes = []
    for record in batch.responses:
        rid = numbers.get(record.number)
        serial = None if rid is not None else resolve_serial(record.number, numbers)
        if serial is not None:  # "Rec. 18" in an addendum that counts 1, 2, 3 ...
            record = dataclasses.replace(record, number=serial)
            rid = numbers[serial]
        if rid is None:
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    record.row,
                    None,
                    f"recommendation {record.number} is listed{_on_page(record.page)}, but "
                    "the review has no recommendation with that number; its response was "
                    "not read",
                    "warning",
                    unit="line" if record.page is not None else "row",
                )
            )
            continue
        answered.add(record.number)
        changes.append(
            ResponseChange(record, rid, before.get(rid), document, batch.file, batch.format)
        )
    plan.unanswered = sorted(set(numbers) - answered - settled, key=sort_key)
    for number in plan.unanswered:
        text = texts[number]
        short = text if len(text) <= 60 else text[:59] + "…"
        plan.problems.append(
            ImportProblem(
                batch.file,
                None,
                None,
                f'recommendation {number} ("{short}") is left without a response in this document',
                "warning",
            )
        )
    return changes


def _on_page(page: int | None) -> str:
    return f" on page {page}" if page is not None else ""
