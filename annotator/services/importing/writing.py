"""Writing the planned changes: new and updated recommendations, their tags and responses."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from annotator.importers.records import ImportBatch, SourceDocument
from annotator.recnumbers import sort_key
from annotator.services import response_history
from annotator.services.bulk import write_batch
from annotator.services.importing.plan import Progress, RecommendationChange, ResponseChange
from annotator.store import fts
from annotator.store.models import Recommendation, SourceTag


def apply_recommendations(
    session: Session,
    batch: ImportBatch,
    changes: list[RecommendationChange],
    progress: Progress | None,
) -> None:
    document = response_history.document_of(batch)
    new = [c for c in changes if c.action == "new"]
    if new:
        if progress:
            progress("Adding recommendations", 0, len(new))
        written = write_batch(session, ImportBatch(recommendations=[c.record for c in new]))
        for change, rid in zip(new, written.recommendation_ids, strict=True):
            change.recommendation_id = rid
        response_history.record_new(
            session,
            document,
            batch.file,
            batch.format,
            [_entry(c) for c in new if c.recommendation_id is not None],
        )
        if progress:
            progress("Adding recommendations", len(new), len(new))
    # This document's responses to recommendations already in the project join their
    # history (the same document again changes nothing).
    response_history.record(
        session,
        document,
        batch.file,
        batch.format,
        [
            _entry(c)
            for c in changes
            if c.action in {"updated", "unchanged"} and c.recommendation_id is not None
        ],
    )
    touched = [c for c in changes if c.action == "updated"]
    linked = {c.recommendation_id: c for c in changes if c.action == "linked"}
    touched.extend(linked.values())  # one write per recommendation, with all rows' tags
    for done, change in enumerate(touched, start=1):
        _apply_change(session, change)
        if progress and done % 500 == 0:
            progress("Updating recommendations", done, len(touched))
    fts.index(
        session.connection(),
        [c.recommendation_id for c in touched if "text" in c.changes and c.recommendation_id],
    )
    session.flush()


def _entry(change: RecommendationChange) -> response_history.NewEntry:
    assert change.recommendation_id is not None
    record = change.record
    return response_history.NewEntry(
        change.recommendation_id, record.response, record.response_explanation, record.row
    )


def apply_responses(session: Session, responses: list[ResponseChange]) -> None:
    if not responses:
        return
    first = responses[0]
    response_history.record(
        session,
        first.document or SourceDocument(kind="addendum"),
        first.file,
        first.format,
        [
            response_history.NewEntry(
                r.recommendation_id,
                r.record.response,
                r.record.explanation,
                r.record.row,
                r.record.page,
            )
            for r in responses
        ],
    )


def _apply_change(session: Session, change: RecommendationChange) -> None:
    record = change.record
    rid = change.recommendation_id
    if change.action == "updated":
        values: dict = {}
        if "number" in change.changes:
            values.update(number=record.number, sort_key=sort_key(record.number))
        if "text" in change.changes:
            values["text"] = record.text
            values["recommending_text"] = record.recommending_text
        # The response is not written here: it joins the history, which decides
        # which response is current.
        if values:
            session.execute(update(Recommendation).where(Recommendation.id == rid).values(**values))
    # This source's tags are replaced as a whole; other sources' tags stay.
    session.execute(
        delete(SourceTag).where(
            SourceTag.recommendation_id == rid, SourceTag.source == record.source
        )
    )
    tags = (
        change.link_tags
        if change.link_tags is not None
        else {(t.source, t.kind, t.value) for t in record.tags}
    )
    session.add_all(
        SourceTag(recommendation_id=rid, source=source, kind=kind, value=value)
        for source, kind, value in sorted(tags)
    )
