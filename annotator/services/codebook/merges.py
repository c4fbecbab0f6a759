"""Merging one code into another, and undoing a merge.

Merging code A into code B moves every annotation and consensus value from A to B
(dropping an A row where the same coder, or the consensus, already has B), retires A,
and keeps the exact rows in the audit trail so that ``undo_merge`` can put them back.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Uuid, delete, func, insert, select, update
from sqlalchemy.orm import Session

from annotator import codebook as cbk
from annotator.services import permissions
from annotator.services.codebook.changes import (
    MERGE,
    UNDO_MERGE,
    _active,
    _audit,
    _check,
    _code,
    _code_row,
    _code_state,
    _dumps,
    _fail,
    _field,
    _new_version,
    _savepoint,
)
from annotator.services.codebook.store import active_codebook_row, write_rows
from annotator.services.codebook.usage import _count
from annotator.store import models

# Well under SQLite's limit on bound parameters per statement.
CHUNK = 500


@dataclass(frozen=True)
class MergeCounts:
    """How many annotations and consensus values a merge moves, and how many it drops.

    A row is dropped, not moved, where the same coder (or the consensus) already has the
    target code for that recommendation.
    """

    annotations_remapped: int
    annotations_removed: int
    consensus_remapped: int
    consensus_removed: int
    coders: int = 0
    recommendations: int = 0

    @property
    def annotations(self) -> int:
        return self.annotations_remapped + self.annotations_removed

    @property
    def consensus(self) -> int:
        return self.consensus_remapped + self.consensus_removed


@dataclass(frozen=True)
class MergeInfo:
    """A merge that can still be undone."""

    event_id: int
    at: datetime
    field_key: str
    source_key: str
    source_label: str
    target_key: str
    target_label: str
    counts: MergeCounts
    version: int


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row_json(row: Any) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row._mapping.items()}


def _row_values(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """A row saved by _row_json, with its values back in their Python types."""
    out: dict[str, Any] = {}
    for column in table.columns:
        value = data.get(column.name)
        if value is not None and isinstance(column.type, models.UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Uuid):
            value = uuid.UUID(value)
        out[column.name] = value
    return out


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _MergePlan:
    field: cbk.Field
    source: cbk.Code
    target: cbk.Code
    source_id: int
    target_id: int
    annotations: list[dict[str, Any]]  # every annotation with the source code, as JSON
    consensus: list[dict[str, Any]]
    annotations_removed: list[int]  # ids of those whose coder already has the target
    consensus_removed: list[int]

    def counts(self) -> MergeCounts:
        return MergeCounts(
            annotations_remapped=len(self.annotations) - len(self.annotations_removed),
            annotations_removed=len(self.annotations_removed),
            consensus_remapped=len(self.consensus) - len(self.consensus_removed),
            consensus_removed=len(self.consensus_removed),
            coders=len({a["coder_id"] for a in self.annotations}),
            recommendations=len(
                {a["recommendation_id"] for a in self.annotations}
                | {c["recommendation_id"] for c in self.consensus}
            ),
        )


def _plan_merge(
    session: Session,
    cb_row: models.Codebook,
    book: cbk.Codebook,
    field_key: str,
    source_key: str,
    target_key: str,
) -> _MergePlan:
    fld = _field(book, field_key)
    source = _code(fld, source_key)
    target = _code(fld, target_key)
    if fld.kind not in ("multi", "single", "ordinal"):
        raise _fail(f"Field '{field_key}' has no codes to merge.")
    if source_key == target_key:
        raise _fail(f"Code '{source_key}' cannot be merged into itself.")
    if target.retired:
        raise _fail(
            f"Code '{target_key}' is retired: restore it before merging code '{source_key}' "
            "into it."
        )
    source_id = _code_row(cb_row, field_key, source_key).id
    target_id = _code_row(cb_row, field_key, target_key).id
    ann = models.table_of(models.Annotation)
    annotations = [
        _row_json(r)
        for r in session.execute(select(ann).where(ann.c.code_id == source_id).order_by(ann.c.id))
    ]
    has_target = {
        tuple(r)
        for r in session.execute(
            select(ann.c.recommendation_id, ann.c.coder_id, ann.c.field_id).where(
                ann.c.code_id == target_id
            )
        )
    }
    cons = models.table_of(models.Consensus)
    consensus = [
        _row_json(r)
        for r in session.execute(
            select(cons).where(cons.c.code_id == source_id).order_by(cons.c.id)
        )
    ]
    cons_target = {
        tuple(r)
        for r in session.execute(
            select(cons.c.recommendation_id, cons.c.field_id).where(cons.c.code_id == target_id)
        )
    }
    return _MergePlan(
        field=fld,
        source=source,
        target=target,
        source_id=source_id,
        target_id=target_id,
        annotations=annotations,
        consensus=consensus,
        annotations_removed=[
            a["id"]
            for a in annotations
            if (a["recommendation_id"], a["coder_id"], a["field_id"]) in has_target
        ],
        consensus_removed=[
            c["id"] for c in consensus if (c["recommendation_id"], c["field_id"]) in cons_target
        ],
    )


def merge_preview(
    session: Session, field_key: str, source_key: str, target_key: str
) -> MergeCounts:
    """What merging would move and drop, without changing anything (for a confirmation)."""
    cb_row, book = _active(session)
    return _plan_merge(session, cb_row, book, field_key, source_key, target_key).counts()


def merge_codes(
    session: Session, field_key: str, source_key: str, target_key: str, *, coder_id: int | None
) -> MergeInfo:
    """Merge code ``source_key`` into ``target_key`` of the same field, and retire it.

    Every annotation and consensus value with the source code gets the target code; where
    the same coder (or the consensus) already has the target code for that
    recommendation, the source row is removed instead, so nothing is counted twice. The
    exact rows are kept in the audit trail: ``undo_merge(session, info.event_id)`` puts
    them back. Child codes of the source stay where they are.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        cb_row, before = _active(session)
        plan = _plan_merge(session, cb_row, before, field_key, source_key, target_key)
        edited = copy.deepcopy(before)
        _code(_field(edited, field_key), source_key).retired = True
        _check(before, edited, f"The merge of code '{source_key}'")

        removed = set(plan.annotations_removed)
        remapped = [a["id"] for a in plan.annotations if a["id"] not in removed]
        cons_removed = set(plan.consensus_removed)
        cons_remapped = [c["id"] for c in plan.consensus if c["id"] not in cons_removed]
        ann = models.table_of(models.Annotation)
        cons = models.table_of(models.Consensus)
        for ids in _chunks(plan.annotations_removed):
            session.execute(delete(ann).where(ann.c.id.in_(ids)))
        for ids in _chunks(remapped):
            session.execute(update(ann).where(ann.c.id.in_(ids)).values(code_id=plan.target_id))
        for ids in _chunks(plan.consensus_removed):
            session.execute(delete(cons).where(cons.c.id.in_(ids)))
        for ids in _chunks(cons_remapped):
            session.execute(update(cons).where(cons.c.id.in_(ids)).values(code_id=plan.target_id))

        write_rows(session, cb_row, edited)
        version = _new_version(session, cb_row)
        source_row = _code_row(cb_row, field_key, source_key)
        target_row = _code_row(cb_row, field_key, target_key)
        event_id = _audit(
            session,
            coder_id=coder_id,
            action=MERGE,
            entity="code",
            entity_uuid=source_row.uuid,
            before={
                "field": field_key,
                "source": _code_state(plan.field, plan.source),
                "target": _code_state(plan.field, plan.target),
                "annotations": plan.annotations,
                "consensus": plan.consensus,
            },
            after={
                "operation": "merge_codes",
                "codebook_version": version,
                "field": field_key,
                "source_key": source_key,
                "source_code_id": plan.source_id,
                "source_uuid": str(source_row.uuid),
                "target_key": target_key,
                "target_code_id": plan.target_id,
                "target_uuid": str(target_row.uuid),
                "source_label": plan.source.label,
                "target_label": plan.target.label,
                "counts": dataclasses.asdict(plan.counts()),
                "annotations_remapped": remapped,
                "annotations_removed": plan.annotations_removed,
                "consensus_remapped": cons_remapped,
                "consensus_removed": plan.consensus_removed,
            },
        )
        _row_events(
            session, coder_id, MERGE, "annotation", plan.annotations, removed, plan.target_id
        )
        _row_events(
            session, coder_id, MERGE, "consensus", plan.consensus, cons_removed, plan.target_id
        )
        return _merge_info(session, event_id)


def _row_events(
    session: Session,
    coder_id: int | None,
    action: str,
    entity: str,
    rows: list[dict[str, Any]],
    removed: set[int],
    new_code_id: int,
) -> None:
    """One audit event per annotation or consensus value, for each recommendation's history."""
    if not rows:
        return
    events = []
    for row in rows:
        after = None if row["id"] in removed else {**row, "code_id": new_code_id}
        events.append(
            {
                "coder_id": coder_id,
                "action": action,
                "entity": entity,
                "entity_uuid": uuid.UUID(row["uuid"]),
                "recommendation_id": row["recommendation_id"],
                "before": _dumps(row),
                "after": None if after is None else _dumps(after),
            }
        )
    session.execute(insert(models.AuditEvent), events)


def _undone_merges(session: Session) -> set[int]:
    undone: set[int] = set()
    for text in session.scalars(
        select(models.AuditEvent.after).where(
            models.AuditEvent.action == UNDO_MERGE, models.AuditEvent.entity == "code"
        )
    ):
        if text:
            undone.add(int(json.loads(text)["undoes"]))
    return undone


def _merge_event(session: Session, event_id: int) -> models.AuditEvent:
    event = session.get(models.AuditEvent, event_id)
    if event is None or event.action != MERGE or event.entity != "code":
        raise _fail("There is no such merge of codes to undo.")
    return event


def _merge_info(session: Session, event_id: int) -> MergeInfo:
    # Only the summary in ``after``: ``before`` holds every moved row and can be large.
    found = session.execute(
        select(models.AuditEvent.at, models.AuditEvent.after).where(
            models.AuditEvent.id == event_id,
            models.AuditEvent.action == MERGE,
            models.AuditEvent.entity == "code",
        )
    ).first()
    if found is None:
        raise _fail("There is no such merge of codes to undo.")
    at, text = found
    after = json.loads(text or "{}")
    return MergeInfo(
        event_id=event_id,
        at=at,
        field_key=after["field"],
        source_key=after["source_key"],
        source_label=after["source_label"],
        target_key=after["target_key"],
        target_label=after["target_label"],
        counts=MergeCounts(**after["counts"]),
        version=after["codebook_version"],
    )


def last_merge(session: Session) -> MergeInfo | None:
    """The latest merge in the active codebook that has not been undone, if any."""
    cb_row = active_codebook_row(session)
    if cb_row is None:
        return None
    code_ids = {c.id for f in cb_row.fields for c in f.codes}
    undone = _undone_merges(session)
    for event_id, text in session.execute(
        select(models.AuditEvent.id, models.AuditEvent.after)
        .where(models.AuditEvent.action == MERGE, models.AuditEvent.entity == "code")
        .order_by(models.AuditEvent.id.desc())
    ):
        if event_id in undone or not text:
            continue
        after = json.loads(text)
        if after.get("source_code_id") in code_ids and after.get("target_code_id") in code_ids:
            return _merge_info(session, event_id)
    return None


def undo_merge(session: Session, merge_event_id: int, *, coder_id: int | None) -> MergeInfo:
    """Put back exactly the annotations and consensus values a merge moved or removed.

    The source code is un-retired if it was in use before the merge. Refused, changing
    nothing, if the merge was already undone, if its codes are no longer in the active
    codebook, or if any of the rows it moved has been changed since.
    """
    permissions.require(session, coder_id, permissions.EDIT_CODEBOOK)
    with _savepoint(session):
        event = _merge_event(session, merge_event_id)
        if merge_event_id in _undone_merges(session):
            raise _fail("That merge has already been undone.")
        info = _merge_info(session, merge_event_id)
        before = json.loads(event.before or "{}")
        after = json.loads(event.after or "{}")
        cb_row, book = _active(session)
        fld = _field(book, info.field_key)
        source_id, target_id = after["source_code_id"], after["target_code_id"]
        code_ids = {c.id for f in cb_row.fields for c in f.codes}
        if source_id not in code_ids or target_id not in code_ids:
            raise _fail(
                f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be "
                "undone: one of the two codes is no longer in the codebook."
            )
        ann = models.table_of(models.Annotation)
        cons = models.table_of(models.Consensus)
        _check_unchanged(session, ann, after["annotations_remapped"], target_id, "annotation", info)
        _check_unchanged(
            session, cons, after["consensus_remapped"], target_id, "consensus value", info
        )
        by_id = {a["id"]: a for a in before["annotations"]}
        cons_by_id = {c["id"]: c for c in before["consensus"]}
        # Every row goes back to the source code: none may find its place taken since.
        _check_free(
            session,
            ann,
            [by_id[i] for i in after["annotations_removed"]],
            ("recommendation_id", "coder_id", "field_id", "code_id"),
            "annotation",
            info,
        )
        _check_free(
            session,
            ann,
            [by_id[i] for i in after["annotations_remapped"]],
            ("recommendation_id", "coder_id", "field_id", "code_id"),
            "annotation",
            info,
            reinserted=False,
        )
        for ids, reinserted in (
            (after["consensus_removed"], True),
            (after["consensus_remapped"], False),
        ):
            _check_free(
                session,
                cons,
                [cons_by_id[i] for i in ids],
                ("recommendation_id", "field_id", "code_id"),
                "consensus value",
                info,
                reinserted=reinserted,
            )

        for row_id in after["annotations_remapped"]:
            old = _row_values(ann, by_id[row_id])
            session.execute(
                update(ann)
                .where(ann.c.id == row_id)
                .values(code_id=old["code_id"], updated_at=old["updated_at"])
            )
        for row_id in after["consensus_remapped"]:
            old = _row_values(cons, cons_by_id[row_id])
            session.execute(update(cons).where(cons.c.id == row_id).values(code_id=old["code_id"]))
        _reinsert(session, ann, [by_id[i] for i in after["annotations_removed"]])
        _reinsert(session, cons, [cons_by_id[i] for i in after["consensus_removed"]])

        edited = copy.deepcopy(book)
        source = _code(_field(edited, info.field_key), info.source_key)
        source.retired = bool(before["source"]["retired"])
        write_rows(session, cb_row, edited)
        version = _new_version(session, cb_row)
        _audit(
            session,
            coder_id=coder_id,
            action=UNDO_MERGE,
            entity="code",
            entity_uuid=_code_row(cb_row, info.field_key, info.source_key).uuid,
            before={"field": fld.key, "source": _code_state(fld, _code(fld, info.source_key))},
            after={
                "operation": "undo_merge",
                "undoes": merge_event_id,
                "codebook_version": version,
            },
        )
        _undo_row_events(session, coder_id, "annotation", before["annotations"], after, target_id)
        _undo_row_events(session, coder_id, "consensus", before["consensus"], after, target_id)
        return info


def _check_unchanged(
    session: Session, table: Table, ids: list[int], target_id: int, noun: str, info: MergeInfo
) -> None:
    found = 0
    for chunk in _chunks(ids):
        found += (
            session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.id.in_(chunk), table.c.code_id == target_id)
            )
            or 0
        )
    if found != len(ids):
        changed = len(ids) - found
        raise _fail(
            f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be undone: "
            f"{_count(changed, noun)} it moved {'has' if changed == 1 else 'have'} been changed "
            "or removed since."
        )


def _check_free(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    unique: tuple[str, ...],
    noun: str,
    info: MergeInfo,
    *,
    reinserted: bool = True,
) -> None:
    """Refuse if the source code was entered again where one of ``rows`` goes back."""
    for row in rows:
        clash = session.scalar(
            select(func.count())
            .select_from(table)
            .where(*(table.c[col] == row[col] for col in unique))
        )
        taken = reinserted and session.scalar(
            select(func.count()).select_from(table).where(table.c.uuid == uuid.UUID(row["uuid"]))
        )
        if clash or taken:
            raise _fail(
                f"The merge of code '{info.source_key}' into '{info.target_key}' cannot be "
                f"undone: code '{info.source_key}' has been used again since, on "
                f"recommendations the merge changed. Remove those uses first."
            )


def _reinsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        values = _row_values(table, row)
        if session.scalar(select(func.count()).select_from(table).where(table.c.id == row["id"])):
            del values["id"]  # the old id went to a newer row; the uuid is the identity
        session.execute(insert(table).values(**values))


def _undo_row_events(
    session: Session,
    coder_id: int | None,
    entity: str,
    rows: list[dict[str, Any]],
    merge_after: dict[str, Any],
    target_id: int,
) -> None:
    if not rows:
        return
    key = "annotations_removed" if entity == "annotation" else "consensus_removed"
    removed = set(merge_after[key])
    session.execute(
        insert(models.AuditEvent),
        [
            {
                "coder_id": coder_id,
                "action": UNDO_MERGE,
                "entity": entity,
                "entity_uuid": uuid.UUID(row["uuid"]),
                "recommendation_id": row["recommendation_id"],
                "before": None if row["id"] in removed else _dumps({**row, "code_id": target_id}),
                "after": _dumps(row),
            }
            for row in rows
        ],
    )
