"""Done means complete, in a merge too: a recommendation the package marks done with
required fields still empty arrives "in progress", and the merge report names it.

The merge goes on (the coder's codes are not lost); only the status is held back, as the
window would have refused it. A project that allows incomplete work done keeps it done."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services.coding import form_spec
from annotator.services.completeness import allows_incomplete_done_in
from annotator.services.packages.plan import PackagePlan
from annotator.services.packages.shared import MERGE_NAMESPACE
from annotator.services.recommendations import recommendation_rows
from annotator.store.models import Annotation, AuditEvent, Coder, CodingStatus
from annotator.store.queries import in_chunks


def hold_back_incomplete_done(
    session: Session,
    package_sha256: str,
    plan: PackagePlan,
    coder: Coder,
    rids: Iterable[int],
    now: datetime,
) -> None:
    """After the values and statuses are merged: each of ``rids`` this coder now has done
    with a required field empty goes back to in progress, with an audit event."""
    if allows_incomplete_done_in(session):
        return
    required = {
        f.stored_id: f.label
        for f in form_spec(session).fields
        if f.required and f.kind != "boolean"
    }
    if not required:
        return
    done: dict[int, CodingStatus] = {}
    filled: dict[int, set[int]] = {}
    for chunk in in_chunks(sorted(set(rids))):
        for row in session.scalars(
            select(CodingStatus).where(
                CodingStatus.coder_id == coder.id,
                CodingStatus.status == "done",
                CodingStatus.recommendation_id.in_(chunk),
            )
        ):
            done[row.recommendation_id] = row
        for rid, field_id, code_id, value in session.execute(
            select(
                Annotation.recommendation_id,
                Annotation.field_id,
                Annotation.code_id,
                Annotation.value,
            ).where(
                Annotation.coder_id == coder.id,
                Annotation.recommendation_id.in_(chunk),
                Annotation.field_id.in_(required),
            )
        ):
            if code_id is not None or value:
                filled.setdefault(rid, set()).add(field_id)
    missing = {
        rid: [label for fid, label in required.items() if fid not in filled.get(rid, set())]
        for rid in done
    }
    missing = {rid: labels for rid, labels in missing.items() if labels}
    if not missing:
        return
    places = recommendation_rows(session, set(missing), with_text=False)
    for rid in sorted(missing, key=lambda rid: places[rid].reading_order):
        status = done[rid]
        status.status, status.flag_reason, status.updated_at = "in_progress", None, now
        session.add(
            AuditEvent(
                uuid=uuid.uuid5(MERGE_NAMESPACE, f"incomplete|{package_sha256}|{coder.uuid}|{rid}"),
                at=now,
                coder_id=coder.id,
                action="status",
                entity="coding_status",
                recommendation_id=rid,
                before=json.dumps({"status": "done", "reason": None}),
                after=json.dumps(
                    {"status": "in_progress", "reason": None, "why": "required fields empty"}
                ),
            )
        )
        plan.incomplete_done.append(f"{places[rid].place} ({', '.join(missing[rid])})")
    session.flush()
