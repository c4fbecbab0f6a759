"""Adjudication: where coders disagree, and the consensus value someone decides.

The consensus of a field for a recommendation is a set of ``Consensus`` rows: one per
code for choice fields, one with the value for yes / no and free-text fields, and one
with neither when the decision is "no code" (so a decided empty value is told apart
from "not decided yet"). Every decision replaces the earlier one whole and records an
audit event holding both, rows and uuids included, so that any decision can be undone
exactly and nothing an adjudicator decided is lost.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from annotator.services import permissions
from annotator.services.coding import (
    EMPTY,
    FieldSpec,
    FieldValue,
    FormSpec,
    RecommendationDetail,
    check_text_length,
    form_spec,
    recommendation_detail,
)
from annotator.services.reliability_report import (
    DEFAULT_KINDS,
    CoderRef,
    coder_values,
    resolve_coders,
    resolve_field,
    shared_units,
)
from annotator.store.ids import new_uuid
from annotator.store.models import (
    AuditEvent,
    Coder,
    Consensus,
    Recommendation,
    Review,
    State,
)
from annotator.store.project import Project

DECIDERS = permissions.DECIDERS
DECISION_ACTIONS = ("decide", "accept_agreement")
UNDO_ACTION = "undo_decision"
CHUNK = 500

T = TypeVar("T")


# ------------------------------------------------------------------------ what is read


@dataclass(frozen=True)
class CoderValue:
    coder_id: int
    coder: str
    value: FieldValue


@dataclass(frozen=True)
class Disagreement:
    """One recommendation and field on which the coders compared gave different values."""

    recommendation_id: int
    number: str
    review: str
    text: str
    field_id: int
    field_key: str
    field_label: str
    kind: str
    values: tuple[CoderValue, ...]  # by coder name
    differing: frozenset[int]  # code ids some of the coders chose and others did not
    consensus: FieldValue | None  # None: not decided yet

    @property
    def decided(self) -> bool:
        return self.consensus is not None

    def value_of(self, coder: str) -> FieldValue:
        return next(v.value for v in self.values if v.coder == coder)


@dataclass(frozen=True)
class Agreement:
    """A recommendation and field on which every coder compared gave the same value."""

    recommendation_id: int
    field_id: int
    field_key: str
    value: FieldValue
    coders: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    audit_event_id: int
    recommendation_id: int
    field_id: int
    before: FieldValue | None  # None: there was no consensus
    after: FieldValue


# -------------------------------------------------------------------------- comparing


def comparable(spec: FieldSpec, value: FieldValue) -> FieldValue:
    """The value reduced to what a decision is about, so equal meanings compare equal
    (an unticked box and no box at all; a note with trailing spaces and without)."""
    if spec.is_choice:
        return FieldValue(value.codes)
    if spec.kind == "boolean":
        ticked = (value.text or "").strip().casefold() in ("true", "yes", "1")
        return FieldValue(text="true" if ticked else None)
    text = (value.text or "").strip()
    return FieldValue(text=text or None)


def _fields(spec: FormSpec, field_key: str | None) -> list[FieldSpec]:
    if field_key is not None:
        return [resolve_field(spec, field_key)]
    return [f for f in spec.fields if f.kind in DEFAULT_KINDS]


def _compared(
    session: Session, spec: FieldSpec, chosen: list[CoderRef] | None
) -> dict[int, dict[int, FieldValue]]:
    ids = None if chosen is None else [c.id for c in chosen]
    return {
        rid: {cid: comparable(spec, v) for cid, v in by_coder.items()}
        for rid, by_coder in shared_units(coder_values(session, spec, ids)).items()
    }


def _consensus_of_field(session: Session, field_id: int) -> dict[int, FieldValue]:
    found: dict[int, list[tuple[int | None, str | None]]] = {}
    for rid, code_id, value in session.execute(
        select(Consensus.recommendation_id, Consensus.code_id, Consensus.value).where(
            Consensus.field_id == field_id
        )
    ):
        found.setdefault(rid, []).append((code_id, value))
    return {rid: _value_from_rows(rows) for rid, rows in found.items()}


def _value_from_rows(rows: Iterable[tuple[int | None, str | None]]) -> FieldValue:
    codes = frozenset(code for code, _ in rows if code is not None)
    texts = [value for code, value in rows if code is None and value is not None]
    return FieldValue(codes, texts[0] if texts else None)


def _recommendations(session: Session, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """id -> (reading order, number, review, text), read in chunks."""
    found: dict[int, tuple[Any, ...]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        for rid, sort_key, number, text, state, cycle, review_id in session.execute(
            select(
                Recommendation.id,
                Recommendation.sort_key,
                Recommendation.number,
                Recommendation.text,
                State.name,
                Review.cycle,
                Review.id,
            )
            .join(Review, Recommendation.review_id == Review.id)
            .join(State, Review.state_id == State.id)
            .where(Recommendation.id.in_(chunk))
        ):
            order = (state, cycle, review_id, sort_key)
            found[rid] = (order, number or "", f"{state}, cycle {cycle}", text)
    return found


def disagreements(
    session: Session,
    field_key: str | None = None,
    code_key: str | None = None,
    coders: Iterable[str] | None = None,
    *,
    include_decided: bool = False,
    by_coder_id: int | None = None,
) -> list[Disagreement]:
    """Where the coders (all of them, or the named ones) gave different values.

    Without ``field_key`` every coded field but free text is looked at; ``code_key``
    keeps the disagreements about that code. Decided ones are left out unless
    ``include_decided``. In codebook order of fields, then in reading order.
    ``by_coder_id`` is who asks: an adjudicator or a coordinator (coders work blind).
    """
    permissions.require(session, by_coder_id, permissions.SEE_OTHERS)
    spec = form_spec(session)
    chosen = resolve_coders(session, coders)
    fields = _fields(spec, field_key)
    if code_key is not None:
        fields = [f for f in fields if any(c.key == code_key for c in f.codes)]
        if not fields:
            where = f"field '{field_key}'" if field_key else "codebook"
            raise ValueError(f"The {where} has no code '{code_key}'.")
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    found: list[tuple[FieldSpec, int, dict[int, FieldValue], FieldValue | None]] = []
    for fspec in fields:
        decided = _consensus_of_field(session, fspec.id)
        wanted = next((c.id for c in fspec.codes if c.key == code_key), None)
        for rid, by_coder in _compared(session, fspec, chosen).items():
            distinct = set(by_coder.values())
            if len(distinct) < 2:
                continue
            if rid in decided and not include_decided:
                continue
            if wanted is not None and wanted not in _differing(by_coder):
                continue
            found.append((fspec, rid, by_coder, decided.get(rid)))
    recs = _recommendations(session, [rid for _, rid, _, _ in found])
    position = {f.id: n for n, f in enumerate(spec.fields)}
    found.sort(key=lambda item: (position[item[0].id], recs[item[1]][0], item[1]))
    return [
        Disagreement(
            recommendation_id=rid,
            number=recs[rid][1],
            review=recs[rid][2],
            text=recs[rid][3],
            field_id=fspec.id,
            field_key=fspec.key,
            field_label=fspec.label,
            kind=fspec.kind,
            values=tuple(
                sorted(
                    (CoderValue(cid, names[cid], v) for cid, v in by_coder.items()),
                    key=lambda cv: cv.coder.casefold(),
                )
            ),
            differing=_differing(by_coder),
            consensus=consensus,
        )
        for fspec, rid, by_coder, consensus in found
    ]


def _differing(by_coder: dict[int, FieldValue]) -> frozenset[int]:
    sets = [v.codes for v in by_coder.values()]
    return frozenset().union(*sets) - frozenset.intersection(*sets)


def agreements(
    session: Session,
    field_key: str | None = None,
    coders: Iterable[str] | None = None,
    *,
    by_coder_id: int | None = None,
) -> list[Agreement]:
    """Where every coder compared gave the same value and nothing is decided yet."""
    permissions.require(session, by_coder_id, permissions.SEE_OTHERS)
    spec = form_spec(session)
    chosen = resolve_coders(session, coders)
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    found: list[Agreement] = []
    for fspec in _fields(spec, field_key):
        decided = _consensus_of_field(session, fspec.id)
        for rid, by_coder in sorted(_compared(session, fspec, chosen).items()):
            distinct = set(by_coder.values())
            if len(distinct) != 1 or rid in decided:
                continue
            found.append(
                Agreement(
                    recommendation_id=rid,
                    field_id=fspec.id,
                    field_key=fspec.key,
                    value=distinct.pop(),
                    coders=tuple(sorted((names[c] for c in by_coder), key=str.casefold)),
                )
            )
    return found


def consensus_values(session: Session, recommendation_id: int) -> dict[int, FieldValue]:
    """Field id -> the decided value, for the fields decided on this recommendation."""
    found: dict[int, list[tuple[int | None, str | None]]] = {}
    for field_id, code_id, value in session.execute(
        select(Consensus.field_id, Consensus.code_id, Consensus.value).where(
            Consensus.recommendation_id == recommendation_id
        )
    ):
        found.setdefault(field_id, []).append((code_id, value))
    return {fid: _value_from_rows(rows) for fid, rows in found.items()}


def coders_who_coded(session: Session, *, by_coder_id: int | None = None) -> list[str]:
    """Names of the coders who rated a recommendation that another coder rated too (the
    ones worth offering as a pair to compare)."""
    permissions.require(session, by_coder_id, permissions.SEE_OTHERS)
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    seen: set[int] = set()
    for fspec in _fields(form_spec(session), None):
        for by_coder in shared_units(coder_values(session, fspec)).values():
            seen.update(by_coder)
    return sorted((names[c] for c in seen), key=str.casefold)


# --------------------------------------------------------------------------- deciding


def check_decider(session: Session, coder_id: int) -> Coder:
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
    return _value_from_rows((r["code_id"], r["value"]) for r in snapshot["rows"])


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
        spec.id,
        _new_rows(recommendation_id, spec.id, value, by_coder_id, reason, now),
    )
    after = _snapshot(session, spec, recommendation_id)
    event_id = _audit(session, action, recommendation_id, by_coder_id, now, before, after)
    return Decision(event_id, recommendation_id, spec.id, _value_of_snapshot(before), value)


def accept_agreements(
    session: Session,
    field_key: str | None = None,
    *,
    by_coder_id: int,
    coders: Iterable[str] | None = None,
) -> int:
    """Make the shared value the consensus wherever every coder agrees and nothing is
    decided yet; returns how many recommendation-and-field values that decided."""
    check_decider(session, by_coder_id)
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
    if event is None or event.entity != "consensus" or event.action not in DECISION_ACTIONS:
        raise ValueError("That is not a decision that can be undone.")
    before, after = json.loads(event.before), json.loads(event.after)
    rid = event.recommendation_id
    history = _events(session, rid)
    for later in history:
        if later.action == UNDO_ACTION and json.loads(later.after).get("undoes") == event.id:
            raise ValueError("That decision has already been undone.")
    spec = _field_spec(session, before["field_id"])
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
    _replace(session, rid, spec.id, restored)
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
    undone = {json.loads(e.after).get("undoes") for e in history if e.action == UNDO_ACTION}
    for event in history:
        if event.action not in DECISION_ACTIONS or event.id in undone:
            continue
        after = json.loads(event.after)
        if after.get("field_id") == field_id and _row_uuids(after) == _row_uuids(current):
            return event.id
    return None


# ----------------------------------------------------------------- for the dialog


class AdjudicationService:
    """One adjudicator's work on one project; every write its own committed transaction."""

    def __init__(self, project: Project, coder_id: int) -> None:
        self.project = project
        self.coder_id = coder_id

    def _write(self, work: Callable[[Session], T]) -> T:
        return self.project.write_retrying(
            work,
            busy="Another program kept the project busy, so the decision is not saved yet. "
            "Try again in a moment.",
        )

    def me(self) -> CoderRef:
        with self.project.session() as session:
            coder = session.get(Coder, self.coder_id)
            if coder is None:
                raise ValueError("You are not one of this project's coders.")
            return CoderRef(coder.id, coder.name, coder.role)

    def may_decide(self) -> bool:
        try:
            return self.me().role in DECIDERS
        except ValueError:
            return False

    def form(self) -> FormSpec:
        with self.project.session() as session:
            return form_spec(session)

    def coders_who_coded(self) -> list[str]:
        with self.project.session() as session:
            return coders_who_coded(session, by_coder_id=self.coder_id)

    def disagreements(
        self,
        field_key: str | None = None,
        code_key: str | None = None,
        coders: Sequence[str] | None = None,
        *,
        include_decided: bool = False,
    ) -> list[Disagreement]:
        with self.project.session() as session:
            return disagreements(
                session,
                field_key,
                code_key,
                coders,
                include_decided=include_decided,
                by_coder_id=self.coder_id,
            )

    def agreements(
        self, field_key: str | None = None, coders: Sequence[str] | None = None
    ) -> list[Agreement]:
        with self.project.session() as session:
            return agreements(session, field_key, coders, by_coder_id=self.coder_id)

    def detail(self, recommendation_id: int) -> RecommendationDetail:
        with self.project.session() as session:
            return recommendation_detail(session, recommendation_id)

    def last_decision(self, recommendation_id: int, field_id: int) -> int | None:
        with self.project.session() as session:
            return last_decision(session, recommendation_id, field_id)

    def decide(
        self, recommendation_id: int, field_id: int, value: FieldValue, reason: str
    ) -> Decision:
        return self._write(
            lambda s: decide(
                s, recommendation_id, field_id, value, by_coder_id=self.coder_id, reason=reason
            )
        )

    def undo(self, audit_event_id: int) -> FieldValue | None:
        return self._write(lambda s: undo_decision(s, audit_event_id, self.coder_id))

    def accept_agreements(
        self, field_key: str | None = None, coders: Sequence[str] | None = None
    ) -> int:
        return self._write(
            lambda s: accept_agreements(s, field_key, by_coder_id=self.coder_id, coders=coders)
        )


__all__ = [
    "EMPTY",
    "AdjudicationService",
    "Agreement",
    "CoderValue",
    "Decision",
    "Disagreement",
    "accept_agreements",
    "agreements",
    "check_decider",
    "coders_who_coded",
    "consensus_values",
    "decide",
    "disagreements",
    "last_decision",
    "undo_decision",
]
