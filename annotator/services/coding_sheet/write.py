"""Writing a coder's coding sheet: their recommendations, locked, beside the columns
they fill in, with what each row started with in a hidden sheet."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services import assignments, permissions
from annotator.services.coding import (
    EMPTY,
    FormSpec,
    form_spec,
)
from annotator.services.coding_sheet.layout import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    LOCKED_HEADERS,
    META_SHEET,
    SHEET,
    CodingSheetInfo,
    _cell_values,
    _choices,
    _Col,
    _columns,
    _value_json,
)
from annotator.services.sources import Source, coder_source, statuses_in, values_in
from annotator.store.models import (
    Coder,
    Recommendation,
    RecommendationState,
    Review,
    State,
)
from annotator.store.project import Project
from annotator.store.safe_write import check_target, scratch_folder, written_whole
from annotator.workbooks import Book, Column

# --------------------------------------------------------------------------- writing


def write_coding_sheet(
    project: Project,
    coder_name: str,
    out: Path,
    *,
    review_ids: Sequence[int] | None = None,
    by_coder_id: int | None = None,
) -> CodingSheetInfo:
    """A sheet for ``coder_name``: their assigned recommendations (all of them when they
    have no assignment), with what they have coded so far. ``by_coder_id`` is who
    writes it: the coder themselves, or a coordinator."""
    out = check_target(out, protect=[project.path])
    with project.session() as session:
        source = coder_source(session, coder_name)
        coder = session.get(Coder, source.coder_id)
        assert coder is not None
        permissions.require_self_or(session, by_coder_id, coder.id, permissions.MAKE_PACKAGES)
        spec = form_spec(session)
        ids = _ordered_ids(session, assignments.assigned_ids(session, coder.id), review_ids)
        columns = _columns(spec)
        with written_whole(out) as partial, Book(partial, scratch_dir=scratch_folder()) as book:
            written = _write_rows(book, session, spec, source, coder, columns, ids, project)
    return CodingSheetInfo(out, coder.name, written)


def _write_rows(
    book: Book,
    session: Session,
    spec: FormSpec,
    source: Source,
    coder: Coder,
    columns: list[_Col],
    ids: list[int],
    project: Project,
) -> int:
    """The sheet's rows, with what each row started with in the hidden sheet beside it."""
    lists = book.lists("Lists")
    sheet_columns = [
        Column(LOCKED_HEADERS[0], 12),
        Column(LOCKED_HEADERS[1], 18),
        Column(LOCKED_HEADERS[2], 9),
        Column(LOCKED_HEADERS[3], 70, wrap=True),
        Column(LOCKED_HEADERS[4], 22),
        Column(LOCKED_HEADERS[5], 20),
        *(
            Column(
                c.header,
                8 if c.kind == "flag" else 40 if c.kind == "text" else 18,
                text=c.kind != "flag",
                wrap=c.kind == "text",
                choices=_choices(spec, c),
                locked=False,
            )
            for c in columns
        ),
    ]
    sheet = book.sheet(SHEET, sheet_columns, lists, freeze="E2", protect=True)
    meta = book.rows(META_SHEET)
    meta.ws.very_hidden()
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "project": project.info("project_uuid"),
        "coder": str(coder.uuid),
        "coder_name": coder.name,
        "codebook": spec.codebook_name,
        "codebook_version": spec.version,
        "columns": [[c.kind, c.field_key, c.code_key, c.header] for c in columns],
    }
    meta.put(["sheet", json.dumps(header, ensure_ascii=False)])
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = _source_rows(session, chunk)
        values = values_in(session, source, chunk).get
        statuses = statuses_in(session, chunk, coder.id)
        for rid in chunk:
            uid, review, number, text, recommending, response = rows[rid]
            mine = (values(rid) or {}).get(coder.id, {})
            status = statuses.get((rid, coder.id))
            sheet.append(
                [
                    uid,
                    review,
                    number,
                    text,
                    recommending,
                    response,
                    *_cell_values(spec, columns, mine, status),
                ]
            )
            # What the row started with: the import changes only what the coder changed.
            baseline = {f.key: _value_json(f, mine.get(f.stored_id, EMPTY)) for f in spec.fields}
            meta.put([uid, json.dumps({"status": status, "values": baseline})])
            written += 1
    sheet.close()
    lists.write()
    return written


def _ordered_ids(
    session: Session, assigned: set[int] | None, review_ids: Sequence[int] | None
) -> list[int]:
    query = select(Recommendation.id).order_by(
        Recommendation.review_id, Recommendation.sort_key, Recommendation.id
    )
    if review_ids is not None:
        query = query.where(Recommendation.review_id.in_(list(review_ids)))
    ids = list(session.connection().execute(query).scalars())
    return ids if assigned is None else [i for i in ids if i in assigned]


def _source_rows(session: Session, chunk: list[int]) -> dict[int, tuple]:
    names: dict[int, list[str]] = {}
    for rid, name in session.execute(
        select(RecommendationState.recommendation_id, State.name)
        .join(State, State.id == RecommendationState.state_id)
        .where(RecommendationState.recommendation_id.in_(chunk))
        .order_by(RecommendationState.recommendation_id, RecommendationState.ordinal)
    ):
        names.setdefault(rid, []).append(name)
    rows = {}
    for rid, uid, number, text, response, state, cycle, year in session.execute(
        select(
            Recommendation.id,
            Recommendation.uuid,
            Recommendation.number,
            Recommendation.text,
            Recommendation.response,
            State.name,
            Review.cycle,
            Review.year,
        )
        .join(Review, Review.id == Recommendation.review_id)
        .join(State, State.id == Review.state_id)
        .where(Recommendation.id.in_(chunk))
    ):
        review = f"{state} {year} (cycle {cycle})" if year else f"{state}, cycle {cycle}"
        rows[rid] = (
            str(uid),
            review,
            number or "",
            text,
            "; ".join(names.get(rid, ())),
            response,
        )
    return rows
