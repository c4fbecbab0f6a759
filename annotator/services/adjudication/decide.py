"""Deciding a consensus value, accepting agreements, and undoing a decision exactly."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from annotator.services import permissions
from annotator.services.adjudication.compare import (
    DECISION_ACTIONS,
    UNDO_ACTION,
    Decision,
    agreements,
    comparable,
    value_from_rows,
)
from annotator.services.coding import FieldSpec, FieldValue, check_text_length, form_spec
from annotator.store.ids import new_uuid
from annotator.store.models import AuditEvent, Coder, Consensus, Recommendation


def check_decider(session: Session, coder_id: int | None) -> Coder:
    """The coder, if they may decide consensus values; ``NotPermitted`` naming the role."""
    return permissions.require(session, coder_id, permissions.DECIDE)


def _field_spec(session: Session, field_id: int) -> FieldSpec:
    spec = next((f for f in form_spec(session).fields if f.id == field_id), None)
    if spec is None:
        raise ValueError("That field is not in the project's codebook.")
    return spec


def _check_value(spec: FieldSpec, value: FieldValue) -> FieldValue:
    if spec.is_choice:
        if value.text:
            raise ValueError(f"{spec.label} takes codes, not text.")
        unknown = value.codes - {c.id for c in spec.codes}
        if unknown:
            raise ValueError(f"Some of the chosen codes are not codes of {spec.label}.")
        if spec.kind != "multi" and len(value.codes) > 1:
            raise ValueError(f"{spec.label} takes one code; {len(value.codes)} were chosen.")
        return FieldValue(value.codes)
    if value.codes:
        takes = "yes or no" if spec.kind == "boolean" else "text"
        raise ValueError(f"{spec.label} takes {takes}, not codes.")
    return comparable(spec, value)


def _snapshot(session: Session, spec: FieldSpec, recommendation_id: int) -> dict[str, Any]:
    rows = session.scalars(
        select(Consensus)
        .where(Consensus.recommendation_id == recommendation_id, Consensus.field_id == spec.id)
        .order_by(Consensus.id)
    ).all()
    keys = {c.id: c.key for c in spec.codes}
    first = rows[0] if rows else None
    decider = session.get(Coder, first.decided_by_id) if first else None
    return {
        "field_id": spec.id,
        "field": spec.key,
        "decided": bool(rows),
        "codes": sorted(keys.get(r.code_id, str(r.code_id)) for r in rows if r.code_id),
        "text": next((r.value for r in rows if r.code_id is None and r.value is not None), None),
        "decided_by_id": first.decided_by_id if first else None,
        "decided_by": decider.name if decider else None,
        "reason": first.reason if first else None,
        "decided_at": first.decided_at.isoformat() if first else None,
        "rows": [{"uuid": str(r.uuid), "code_id": r.code_id, "value": r.value} for r in rows],
    }


def _value_of_snapshot(snapshot: dict[str, Any]) -> FieldValue | None:
    if not snapshot["decided"]:
        return None
    return value_from_rows((r["code_id"], r["value"]) for r in snapshot["rows"])


def _rows_for(value: FieldValue) -> list[tuple[int | None, str | None]]:
    rows: list[tuple[int | None, str | None]] = [(code, None) for code in sorted(value.codes)]
    if value.text is not None:
        rows.append((None, value.text))
    return rows or [(None, None)]  # a decided empty value still needs its row


def _replace(
    session: Session,
    recommendation_id: int,
    field_id: int,
    rows: Sequence[dict[str, Any]],
) -> None:
    session.execute(
        delete(Consensus).where(
            Consensus.recommendation_id == recommendation_id, Consensus.field_id == field_id
        )
    )
    if rows:
        session.execute(insert(Consensus), [dict(r) for r in rows])


def _new_rows(
    recommendation_id: int,
    field_id: int,
    value: FieldValue,
    by_coder_id: int,
    reason: str,
    now: datetime,
) -> list[dict[str, Any]]:
    return [
        {
            "uuid": new_uuid(),
            "recommendation_id": recommendation_id,
            "field_id": field_id,
            "code_id": code,
            "value": text,
            "decided_by_id": by_coder_id,
            "reason": reason,
            "decided_at": now,
        }
        for code, text in _rows_for(value)
    ]


def _audit(
    session: Session,
    action: str,
    recommendation_id: int,
    by_coder_id: int,
    now: datetime,
    before: dict[str, Any],
    after: dict[str, Any],
) -> int:
    event = AuditEvent(
        at=now,
        coder_id=by_coder_id,
        action=action,
        entity="consensus",
        recommendation_id=recommendation_id,
        before=json.dumps(before, ensure_ascii=False),
        after=json.dumps(after, ensure_ascii=False),
    )
    session.add(event)
    session.flush()
    return event.id


def decide(
    session: Session,
    recommendation_id: int,
    field_id: int,
    value: FieldValue,
    *,
    by_coder_id: int,
    reason: str,
) -> Decision:
    """Make ``value`` the consensus of the field for the recommendation, replacing any
    earlier decision (which the audit event keeps, for ``undo_decision``)."""
    check_decider(session, by_coder_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("Give a reason for the decision, so that others can follow it later.")
    check_text_length("The reason for a decision", reason)
    check_text_length("The decided text", value.text)
    if session.get(Recommendation, recommendation_id) is None:
        raise ValueError("That recommendation is not in this project.")
    spec = _field_spec(session, field_id)
    value = _check_value(spec, value)
    return _decide(session, spec, recommendation_id, value, by_coder_id, reason, "decide")


def _decide(
    session: Session,
    spec: FieldSpec,
    recommendation_id: int,
    value: FieldValue,
    by_coder_id: int,
    reason: str,
    action: str,
) -> Decision:
    now = datetime.now(UTC)
    before = _snapshot(session, spec, recommendation_id)
    _replace(
        session,
        recommendation_id,
        spec.stored_id,
        _new_rows(recommendation_id, spec.stored_id, value, by_coder_id, reason, now),
    )
    after = _snapshot(session, spec, recommendation_id)
    event_id = _audit(session, action, recommendation_id, by_coder_id, now, before, after)
    return Decision(event_id, recommendation_id, spec.stored_id, _value_of_snapshot(before), value)


def accept_agreements(
    session: Session,
    field_key: str | None = None,
    *,
    by_coder_id: int | None,
    coders: Iterable[str] | None = None,
) -> int:
    """Make the shared value the consensus wherever every coder agrees and nothing is
    decided yet; returns how many recommendation-and-field values that decided."""
    by_coder_id = check_decider(session, by_coder_id).id
    found = agreements(session, field_key, coders, by_coder_id=by_coder_id)
    specs = {f.id: f for f in form_spec(session).fields}
    for agreement in found:
        reason = f"All coders agreed ({', '.join(agreement.coders)})."
        _decide(
            session,
            specs[agreement.field_id],
            agreement.recommendation_id,
            agreement.value,
            by_coder_id,
            reason,
            "accept_agreement",
        )
    return len(found)


def _events(session: Session, recommendation_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity == "consensus",
                AuditEvent.recommendation_id == recommendation_id,
            )
            .order_by(AuditEvent.id.desc())
        )
    )


def _row_uuids(snapshot: dict[str, Any]) -> set[str]:
    return {r["uuid"] for r in snapshot["rows"]}


def undo_decision(session: Session, audit_event_id: int, by_coder_id: int) -> FieldValue | None:
    """Put back the consensus that the decision replaced (None: there was none).

    Refused when the decision is already undone, or when a later decision replaced it
    (undo that one first): undoing must never throw away a newer decision unseen.
    """
    check_decider(session, by_coder_id)
    event = session.get(AuditEvent, audit_event_id)
    if (
        event is None
        or event.entity != "consensus"
        or event.action not in DECISION_ACTIONS
        or event.recommendation_id is None
        or event.before is None
        or event.after is None
    ):
        raise ValueError("That is not a decision that can be undone.")
    try:
        before, after = json.loads(event.before), json.loads(event.after)
        field_id = before["field_id"]
    except (ValueError, TypeError, KeyError):
        # An event altered by hand or cut short: refused like any other non-decision.
        raise ValueError("That is not a decision that can be undone.") from None
    rid = event.recommendation_id
    history = _events(session, rid)
    for later in history:
        if (
            later.action == UNDO_ACTION
            and json.loads(later.after or "{}").get("undoes") == event.id
        ):
            raise ValueError("That decision has already been undone.")
    spec = _field_spec(session, field_id)
    current = _snapshot(session, spec, rid)
    if _row_uuids(current) != _row_uuids(after):
        raise ValueError(
            f"{spec.label} was decided again after this decision; undo the later decision first."
        )
    now = datetime.now(UTC)
    restored = [
        {
            "uuid": uuid.UUID(r["uuid"]),
            "recommendation_id": rid,
            "field_id": spec.id,
            "code_id": r["code_id"],
            "value": r["value"],
            "decided_by_id": before["decided_by_id"],
            "reason": before["reason"] or "",
            "decided_at": datetime.fromisoformat(before["decided_at"]),
        }
        for r in before["rows"]
    ]
    _replace(session, rid, spec.stored_id, restored)
    put_back = _snapshot(session, spec, rid)
    _audit(session, UNDO_ACTION, rid, by_coder_id, now, current, {**put_back, "undoes": event.id})
    return _value_of_snapshot(put_back)


def last_decision(session: Session, recommendation_id: int, field_id: int) -> int | None:
    """The audit event of the decision now in force for this field, if any (what the
    "Undo decision" button undoes)."""
    spec = _field_spec(session, field_id)
    current = _snapshot(session, spec, recommendation_id)
    if not current["decided"]:
        return None
    history = _events(session, recommendation_id)
    undone = {json.loads(e.after or "{}").get("undoes") for e in history if e.action == UNDO_ACTION}
    for event in history:
        if event.action not in DECISION_ACTIONS or event.id in undone:
            continue
        after = json.loads(event.after or "{}")
        if after.get("field_id") == field_id and _row_uuids(after) == _row_uuids(current):
            return event.id
    return None
