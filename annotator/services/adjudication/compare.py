"""Where coders disagree and where they agree, field by field, and the consensus held so far."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services import permissions
from annotator.services.coding import FieldSpec, FieldValue, FormSpec, form_spec
from annotator.services.recommendations import recommendation_rows
from annotator.services.reliability_report import (
    DEFAULT_KINDS,
    CoderRef,
    coder_values,
    resolve_coders,
    resolve_field,
    shared_units,
)
from annotator.store.models import Coder, Consensus

DECIDERS = permissions.DECIDERS
DECISION_ACTIONS = ("decide", "accept_agreement")
UNDO_ACTION = "undo_decision"


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
    return {rid: value_from_rows(rows) for rid, rows in found.items()}


def value_from_rows(rows: Iterable[tuple[int | None, str | None]]) -> FieldValue:
    codes = frozenset(code for code, _ in rows if code is not None)
    texts = [value for code, value in rows if code is None and value is not None]
    return FieldValue(codes, texts[0] if texts else None)


def _recommendations(session: Session, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """id -> (reading order, number, review, text)."""
    return {
        rid: (row.reading_order, row.number or "", row.review, row.text)
        for rid, row in recommendation_rows(session, ids).items()
    }


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
        decided = _consensus_of_field(session, fspec.stored_id)
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
            field_id=fspec.stored_id,
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
        decided = _consensus_of_field(session, fspec.stored_id)
        for rid, by_coder in sorted(_compared(session, fspec, chosen).items()):
            distinct = set(by_coder.values())
            if len(distinct) != 1 or rid in decided:
                continue
            found.append(
                Agreement(
                    recommendation_id=rid,
                    field_id=fspec.stored_id,
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
    return {fid: value_from_rows(rows) for fid, rows in found.items()}


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
