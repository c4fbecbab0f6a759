"""Merging a coder's statuses and copying their audit events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from annotator.services.packages.codebook_map import FieldMap, MappedCodebook
from annotator.services.packages.contents import EventValue, PackageContents
from annotator.services.packages.plan import PackagePlan
from annotator.services.packages.shared import MERGE_NAMESPACE
from annotator.services.packages.values import write_events
from annotator.store.models import AuditEvent, Coder, CodingStatus, table_of
from annotator.store.queries import in_chunks


def merge_statuses(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    now: datetime,
    by_coder_id: int | None,
) -> None:
    marker = package.marker
    theirs = {
        recs[s.recommendation_uuid]: s
        for s in package.statuses
        if s.coder_uuid == marker.coder_uuid and s.recommendation_uuid in recs
    }
    if not theirs:
        return
    mine: dict[int, Any] = {}
    for chunk in in_chunks(sorted(theirs)):
        for row in session.execute(
            select(
                CodingStatus.recommendation_id,
                CodingStatus.status,
                CodingStatus.flag_reason,
                CodingStatus.seconds_spent,
                CodingStatus.updated_at,
                CodingStatus.suggestions_shown,
            ).where(CodingStatus.coder_id == coder.id, CodingStatus.recommendation_id.in_(chunk))
        ):
            mine[row.recommendation_id] = row
    # When each side last changed the status: the time spent is added without an audit
    # event but moves ``updated_at``, so merely reading a recommendation again must not
    # count as a later edit of its status.
    their_times: dict[int, datetime] = {}
    for event in package.events:
        if event.action == "status" and event.coder_uuid == marker.coder_uuid:
            rid = recs.get(event.recommendation_uuid)
            if rid is not None:
                their_times[rid] = max(their_times.get(rid, event.at), event.at)
    my_times: dict[int, datetime] = {}
    for chunk in in_chunks(sorted(theirs)):
        for rid, at in session.execute(
            select(AuditEvent.recommendation_id, func.max(AuditEvent.at))
            .where(
                AuditEvent.action == "status",
                AuditEvent.coder_id == coder.id,
                AuditEvent.recommendation_id.in_(chunk),
            )
            .group_by(AuditEvent.recommendation_id)
        ):
            if rid is not None:  # always: selected by recommendation
                my_times[rid] = at
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    common = {
        "coder": coder.name,
        "coder_uuid": str(coder.uuid),
        "package": package.name,
        "package_sha256": package.sha256,
    }
    for rid in sorted(theirs):
        new = theirs[rid]
        old = mine.get(rid)
        if old is None:
            plan.statuses_added += 1
            inserts.append(
                {
                    "recommendation_id": rid,
                    "coder_id": coder.id,
                    "status": new.status,
                    "flag_reason": new.flag_reason,
                    "seconds_spent": new.seconds_spent,
                    "updated_at": new.updated_at,
                    "suggestions_shown": new.suggestions_shown,
                }
            )
            continue
        # Time spent only grows; the larger figure loses no time recorded on either side.
        seconds = max(old.seconds_spent, new.seconds_spent)
        # Suggestions seen on either side were seen: reliability without suggestions must
        # leave the recommendation out whichever status wins.
        shown = bool(old.suggestions_shown or new.suggestions_shown)
        same = (old.status, old.flag_reason) == (new.status, new.flag_reason)
        t_new = their_times.get(rid, new.updated_at)
        t_old = my_times.get(rid, old.updated_at)
        conflict = not same and t_new > marker.made_at and t_old > marker.made_at
        before = {"status": old.status, "reason": old.flag_reason}
        after = {"status": new.status, "reason": new.flag_reason}
        if not same and t_new > t_old:
            plan.statuses_changed += 1
            plan.status_conflicts += conflict
            updates.append(
                {
                    "rid": rid,
                    "new_status": new.status,
                    "new_reason": new.flag_reason,
                    "new_seconds": seconds,
                    "new_updated": new.updated_at,
                    "new_shown": shown,
                }
            )
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE, f"status|{package.sha256}|{coder.uuid}|{rid}"
                    ),
                    "before": json.dumps(before, ensure_ascii=False),
                    "after": json.dumps(
                        {**after, **common, "conflict": conflict, "outcome": "package"},
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "coding_status",
                    "fresh_on_clash": True,
                }
            )
            continue
        if conflict:
            plan.status_conflicts += 1
            events.append(
                {
                    "uuid": uuid.uuid5(
                        MERGE_NAMESPACE,
                        f"kept-status|{coder.uuid}|{new.recommendation_uuid}|"
                        f"{t_new.isoformat()}|{t_old.isoformat()}",
                    ),
                    "before": json.dumps(before, ensure_ascii=False),
                    "after": json.dumps(
                        {
                            **before,
                            **common,
                            "conflict": True,
                            "outcome": "project",
                            "package_value": after,
                        },
                        ensure_ascii=False,
                    ),
                    "recommendation_id": rid,
                    "entity": "coding_status",
                    "fresh_on_clash": False,
                }
            )
        if seconds != old.seconds_spent or shown != old.suggestions_shown:
            plan.time_updated += seconds != old.seconds_spent
            updates.append(
                {
                    "rid": rid,
                    "new_status": old.status,
                    "new_reason": old.flag_reason,
                    "new_seconds": seconds,
                    "new_updated": old.updated_at,  # explicit: no automatic "now"
                    "new_shown": shown,
                }
            )
    if inserts:
        session.execute(insert(CodingStatus), inserts)
    if updates:
        table = table_of(CodingStatus)
        session.execute(
            update(table)
            .where(table.c.recommendation_id == bindparam("rid"), table.c.coder_id == coder.id)
            .values(
                status=bindparam("new_status"),
                flag_reason=bindparam("new_reason"),
                seconds_spent=bindparam("new_seconds"),
                updated_at=bindparam("new_updated"),
                suggestions_shown=bindparam("new_shown"),
            ),
            updates,
        )
    write_events(session, events, now, by_coder_id)


def copy_events(
    session: Session,
    package: PackageContents,
    plan: PackagePlan,
    coder: Coder,
    recs: dict[uuid.UUID, int],
    book: MappedCodebook,
) -> None:
    """Bring the coder's own change history into the project's audit trail.

    Besides keeping the record of what the coder did offline, it keeps the times of
    their deletions, which a later package of the same coder is compared with.
    """
    theirs = package.codebook.codes
    wanted = [
        e
        for e in package.events
        if e.coder_uuid == package.marker.coder_uuid and e.recommendation_uuid in recs
    ]
    if not wanted:
        return
    taken: set[uuid.UUID] = set()
    for chunk in in_chunks([e.uuid for e in wanted]):
        taken.update(session.scalars(select(AuditEvent.uuid).where(AuditEvent.uuid.in_(chunk))))

    def keys(codes: frozenset[uuid.UUID]) -> list[str]:
        # A code the project deleted since keeps the key the package knew it by.
        return sorted(book.codes[c].key if c in book.codes else theirs[c].key for c in codes)

    def shown(value: EventValue | tuple[str, str | None], fmap: FieldMap | None) -> str:
        if isinstance(value, EventValue):
            assert fmap is not None
            data = {"field_id": fmap.id, "codes": keys(value.codes), "text": value.text}
        else:
            data = {"status": value[0], "reason": value[1]}
        return json.dumps(data, ensure_ascii=False)

    rows = []
    for event in wanted:
        if event.uuid in taken:
            continue
        fmap = book.fields.get(event.field_uuid) if event.field_uuid else None
        if event.action == "annotate" and fmap is None:
            continue
        before, after = shown(event.before, fmap), shown(event.after, fmap)
        rows.append(
            {
                "uuid": event.uuid,
                "at": event.at,
                "coder_id": coder.id,
                "action": event.action,
                "entity": event.entity,
                "recommendation_id": recs[event.recommendation_uuid],
                "before": before,
                "after": after,
            }
        )
    if rows:
        session.execute(insert(AuditEvent), rows)
    plan.events_copied = len(rows)
