"""Merging a coder's values, field by field: the later edit wins, the earlier one is kept in the
audit trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from annotator.services.packages.codebook_map import FieldMap, MappedCodebook
from annotator.services.packages.contents import AnnotationRecord, PackageContents
from annotator.services.packages.plan import PackagePlan, ValueChange
from annotator.services.packages.shared import (
    MERGE_ACTION,
    MERGE_NAMESPACE,
    json_object,
)
from annotator.store.ids import new_uuid
from annotator.store.models import Annotation, AuditEvent, Coder, table_of
from annotator.store.queries import in_chunks

SHOWN_TEXT = 120


@dataclass(frozen=True)
class _Row:
    """An annotation as the project will hold it: ids of the project, uuid of the record."""

    id: int | None
    uuid: uuid.UUID
    code_id: int | None
    value: str | None
    codebook_version: int
    created_at: datetime
    updated_at: datetime
    accepted_suggestion: bool = False


def _master_change_times(
    session: Session, coder: Coder, rec_ids: Sequence[int]
) -> dict[tuple[int, int], datetime]:
    """When the project last changed each of the coder's values, from its audit trail.

    A deleted value leaves no annotation, only the audit event of its deletion, so row
    times alone would let an old package bring a deleted value back. Merge events are not
    counted: a merge copies the package's own change events, with their times.
    """
    out: dict[tuple[int, int], datetime] = {}

    def note(rid: int, fid: Any, at: datetime) -> None:
        known = isinstance(fid, int) and not isinstance(fid, bool)
        if known and ((rid, fid) not in out or out[(rid, fid)] < at):
            out[(rid, fid)] = at

    for chunk in in_chunks(list(rec_ids)):
        for at, rid, before, after in session.execute(
            select(
                AuditEvent.at, AuditEvent.recommendation_id, AuditEvent.before, AuditEvent.after
            ).where(
                AuditEvent.action == "annotate",
                AuditEvent.coder_id == coder.id,
                AuditEvent.recommendation_id.in_(chunk),
            )
        ):
            data = json_object(after) or json_object(before)
            if rid is not None:  # always, as selected; the column may be empty elsewhere
                note(rid, data.get("field_id"), at)
        # Merging or un-merging codes in the codebook editor moves annotations too.
        for at, rid, before, after in session.execute(
            select(
                AuditEvent.at, AuditEvent.recommendation_id, AuditEvent.before, AuditEvent.after
            ).where(
                AuditEvent.action.in_(("code_merge", "code_merge_undo")),
                AuditEvent.entity == "annotation",
                AuditEvent.recommendation_id.in_(chunk),
            )
        ):
            data = json_object(before) or json_object(after)
            if data.get("coder_id") == coder.id and rid is not None:
                note(rid, data.get("field_id"), at)
    return out


def merge_values(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    book: MappedCodebook,
    now: datetime,
    by_coder_id: int | None,
) -> None:
    marker = package.marker
    made_at = marker.made_at
    theirs: dict[tuple[uuid.UUID, uuid.UUID], list[AnnotationRecord]] = {}
    for a in package.annotations:
        if a.coder_uuid == marker.coder_uuid and a.recommendation_uuid in recs:
            theirs.setdefault((a.recommendation_uuid, a.field_uuid), []).append(a)
    their_times: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    for a in package.annotations:
        key = (a.recommendation_uuid, a.field_uuid)
        if key in theirs:
            their_times[key] = max(their_times.get(key, a.updated_at), a.updated_at)
    for e in package.events:
        if e.action != "annotate" or e.coder_uuid != marker.coder_uuid:
            continue
        if e.recommendation_uuid not in recs or e.field_uuid is None:
            continue
        key = (e.recommendation_uuid, e.field_uuid)
        their_times[key] = max(their_times.get(key, e.at), e.at)

    rec_ids = sorted(recs.values())
    mine: dict[tuple[int, int], list[_Row]] = {}
    for chunk in in_chunks(rec_ids):
        for row in session.execute(
            select(
                Annotation.id,
                Annotation.uuid,
                Annotation.recommendation_id,
                Annotation.field_id,
                Annotation.code_id,
                Annotation.value,
                Annotation.codebook_version,
                Annotation.created_at,
                Annotation.updated_at,
                Annotation.accepted_suggestion,
            ).where(Annotation.coder_id == coder.id, Annotation.recommendation_id.in_(chunk))
        ):
            mine.setdefault((row.recommendation_id, row.field_id), []).append(
                _Row(
                    row.id,
                    row.uuid,
                    row.code_id,
                    row.value,
                    row.codebook_version,
                    row.created_at,
                    row.updated_at,
                    bool(row.accepted_suggestion),
                )
            )
    my_times = _master_change_times(session, coder, rec_ids)

    deletes: list[int] = []
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for key in sorted(their_times, key=lambda k: (recs[k[0]], str(k[1]))):
        rec_uuid, field_uuid = key
        fmap = book.fields.get(field_uuid)
        if fmap is None:
            continue
        rid = recs[rec_uuid]
        t_pkg = their_times[key]
        incoming = [
            _Row(
                None,
                a.uuid,
                book.codes[a.code_uuid].id if a.code_uuid is not None else None,
                a.value,
                a.codebook_version,
                a.created_at,
                a.updated_at,
                a.accepted_suggestion,
            )
            for a in theirs.get(key, [])
        ]
        present = mine.get((rid, fmap.id), [])
        t_mine = max(
            [r.updated_at for r in present]
            + ([my_times[(rid, fmap.id)]] if (rid, fmap.id) in my_times else []),
            default=None,
        )
        new_value = _value(incoming)
        old_value = _value(present)
        if new_value == old_value:
            plan.unchanged += 1
            continue
        conflict = t_pkg > made_at and t_mine is not None and t_mine > made_at
        wins = t_mine is None or t_pkg > t_mine
        kind = "added" if _empty(old_value) else "removed" if _empty(new_value) else "changed"
        before_json = _value_json(fmap, old_value, book)
        after_json = _value_json(fmap, new_value, book)
        common = {
            "coder": coder.name,
            "coder_uuid": str(coder.uuid),
            "package": package.name,
            "package_sha256": package.sha256,
            "conflict": conflict,
        }
        if wins:
            setattr(plan, kind, getattr(plan, kind) + 1)
            plan.conflicts += conflict
            for code_id in new_value[0]:
                code = book.code_by_id[code_id][1]
                if code.retired:
                    label = f"{fmap.label}: {code.label}"
                    plan.retired[label] = plan.retired.get(label, 0) + 1
            _replace(present, incoming, deletes, updates, inserts, rid, coder.id, fmap.id)
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"value|{package.sha256}|{coder.uuid}|{rec_uuid}|{field_uuid}",
                    ),
                    "before": json.dumps(before_json, ensure_ascii=False),
                    "after": json.dumps(
                        {**after_json, **common, "outcome": "package"}, ensure_ascii=False
                    ),
                    "recommendation_id": rid,
                    "entity": "annotation",
                    "fresh_on_clash": True,
                }
            )
        elif conflict:
            plan.conflicts += 1
            plan.conflicts_kept_project += 1
            # The package's value loses, but is kept in the audit trail, once.
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"kept|{coder.uuid}|{rec_uuid}|{field_uuid}|"
                        f"{t_pkg.isoformat()}|{t_mine.isoformat() if t_mine else ''}",
                    ),
                    "before": json.dumps(before_json, ensure_ascii=False),
                    "after": json.dumps(
                        {
                            **before_json,
                            **common,
                            "outcome": "project",
                            "package_value": after_json,
                        },
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "annotation",
                    "fresh_on_clash": False,
                }
            )
        else:
            continue
        plan.changes.append(
            ValueChange(
                coder=coder.name,
                recommendation_id=rid,
                recommendation="",
                field=fmap.label,
                before=_shown(old_value, book),
                after=_shown(new_value, book),
                kind=kind,
                winner="package" if wins else "project",
                conflict=conflict,
            )
        )

    for chunk in in_chunks(deletes):
        session.execute(delete(Annotation).where(Annotation.id.in_(chunk)))
    if updates:
        table = table_of(Annotation)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                value=bindparam("new_value"),
                codebook_version=bindparam("new_version"),
                created_at=bindparam("new_created"),
                updated_at=bindparam("new_updated"),
                accepted_suggestion=bindparam("new_accepted"),
            ),
            updates,
        )
    if inserts:
        taken: set[uuid.UUID] = set()
        for chunk in in_chunks([i["uuid"] for i in inserts]):
            taken.update(session.scalars(select(Annotation.uuid).where(Annotation.uuid.in_(chunk))))
        for new in inserts:
            if new["uuid"] in taken:
                # The identity is in use by another record of the project (a crafted or
                # re-used uuid): never overwrite that one; derive a stable new identity.
                new["uuid"] = uuid.uuid5(
                    MERGE_NAMESPACE,
                    f"annotation|{new['uuid']}|{new['recommendation_id']}|{new['field_id']}|"
                    f"{new['code_id']}|{coder.uuid}",
                )
        session.execute(insert(Annotation), inserts)
    write_events(session, events, now, by_coder_id)


def _value(rows: Sequence[_Row]) -> tuple[frozenset[int], str | None]:
    codes = frozenset(r.code_id for r in rows if r.code_id is not None)
    texts = [r.value for r in rows if r.code_id is None and r.value is not None]
    return codes, (texts[0] if texts else None)


def _empty(value: tuple[frozenset[int], str | None]) -> bool:
    return not value[0] and not value[1]


def _value_json(
    fmap: FieldMap, value: tuple[frozenset[int], str | None], book: MappedCodebook
) -> dict[str, Any]:
    keys = sorted(book.code_by_id[c][1].key for c in value[0])
    return {"field_id": fmap.id, "codes": keys, "text": value[1]}


def _shown(value: tuple[frozenset[int], str | None], book: MappedCodebook) -> str:
    if value[0]:
        return ", ".join(sorted(book.code_by_id[c][1].label for c in value[0]))
    if value[1]:
        text = " ".join(value[1].split())
        return f'"{text[:SHOWN_TEXT]}…"' if len(text) > SHOWN_TEXT else f'"{text}"'
    return "(nothing)"


def _replace(
    present: Sequence[_Row],
    incoming: Sequence[_Row],
    deletes: list[int],
    updates: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    rid: int,
    coder_id: int,
    field_id: int,
) -> None:
    """Make the project's rows of one value those of the package: the same record (uuid
    and code) is updated in place, others are removed or added."""
    by_uuid = {r.uuid: r for r in present}
    kept: set[int] = set()
    for row in incoming:
        old = by_uuid.get(row.uuid)
        if old is not None and old.code_id == row.code_id:
            assert old.id is not None
            kept.add(old.id)
            if (
                old.value,
                old.codebook_version,
                old.created_at,
                old.updated_at,
                old.accepted_suggestion,
            ) != (
                row.value,
                row.codebook_version,
                row.created_at,
                row.updated_at,
                row.accepted_suggestion,
            ):
                updates.append(
                    {
                        "row_id": old.id,
                        "new_value": row.value,
                        "new_version": row.codebook_version,
                        "new_created": row.created_at,
                        "new_updated": row.updated_at,
                        "new_accepted": row.accepted_suggestion,
                    }
                )
            continue
        inserts.append(
            {
                "uuid": row.uuid,
                "recommendation_id": rid,
                "coder_id": coder_id,
                "field_id": field_id,
                "code_id": row.code_id,
                "value": row.value,
                "codebook_version": row.codebook_version,
                "created_at": row.created_at,
                "updated_at": row.updated_at,
                "accepted_suggestion": row.accepted_suggestion,
            }
        )
    deletes.extend(r.id for r in present if r.id is not None and r.id not in kept)


def write_events(
    session: Session, events: list[dict[str, Any]], now: datetime, by_coder_id: int | None
) -> None:
    if not events:
        return
    taken: set[uuid.UUID] = set()
    for chunk in in_chunks([e["uuid"] for e in events]):
        taken.update(session.scalars(select(AuditEvent.uuid).where(AuditEvent.uuid.in_(chunk))))
    rows = []
    for event in events:
        fresh = event.pop("fresh_on_clash")
        if event["uuid"] in taken:
            if not fresh:
                continue  # this loss is already on record
            event["uuid"] = new_uuid()
        rows.append({**event, "at": now, "coder_id": by_coder_id, "action": MERGE_ACTION})
    if rows:
        session.execute(insert(AuditEvent), rows)
