"""Who is compared and what they chose: each coder's values on the recommendations
two coders or more coded, as ratings for the statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services import permissions
from annotator.services.coding import EMPTY, FieldSpec, FieldValue, form_spec
from annotator.services.rating_scope import (
    DONE_MEANS_EMPTY,
    CoderRef,
    ordinal_scale,
    resolve_coders,
    resolve_field,
)
from annotator.store.models import Annotation, Coder, CodingStatus

if TYPE_CHECKING:
    pass


ProgressFn = Callable[[str, int, int], None]

CHUNK = 500


class ReportCancelled(Exception):
    """The person asked to stop; nothing was written, so there is nothing to undo."""


# ---------------------------------------------------------------------- who and what


def coder_values(
    session: Session, spec: FieldSpec, coder_ids: Sequence[int] | None = None
) -> dict[int, dict[int, FieldValue]]:
    """Recommendation id -> coder id -> that coder's value of the field.

    A coder counts as having rated a recommendation when they entered something for
    the field, or (for multi-choice and yes/no fields) marked it done: then their
    value is the empty one. Units only one coder rated are kept; callers filter.
    """
    query = select(
        Annotation.recommendation_id, Annotation.coder_id, Annotation.code_id, Annotation.value
    ).where(Annotation.field_id == spec.id)
    if coder_ids is not None:
        query = query.where(Annotation.coder_id.in_(list(coder_ids)))
    codes: dict[tuple[int, int], set[int]] = {}
    texts: dict[tuple[int, int], str] = {}
    for rid, cid, code_id, value in session.execute(query):
        if code_id is not None:
            codes.setdefault((rid, cid), set()).add(code_id)
        elif value is not None:
            texts[(rid, cid)] = value
    result: dict[int, dict[int, FieldValue]] = {}
    for rid, cid in set(codes) | set(texts):
        result.setdefault(rid, {})[cid] = FieldValue(
            frozenset(codes.get((rid, cid), ())), texts.get((rid, cid))
        )
    if spec.kind in DONE_MEANS_EMPTY:
        done = select(CodingStatus.recommendation_id, CodingStatus.coder_id).where(
            CodingStatus.status == "done"
        )
        if coder_ids is not None:
            done = done.where(CodingStatus.coder_id.in_(list(coder_ids)))
        for rid, cid in session.execute(done):
            result.setdefault(rid, {}).setdefault(cid, EMPTY)
    return result


def shared_units(values: dict[int, dict[int, FieldValue]]) -> dict[int, dict[int, FieldValue]]:
    """Only the recommendations that two or more coders rated: the ones to compare."""
    return {rid: by_coder for rid, by_coder in values.items() if len(by_coder) >= 2}


def rating_of(
    spec: FieldSpec, value: FieldValue, keys: dict[int, str], scale: dict[int, int]
) -> Any:
    """The value as ``annotator.reliability`` takes it, or None when it cannot be one
    (a single-choice field with two codes ticked, left over from a merge)."""
    if spec.kind == "multi":
        return frozenset(keys[c] for c in value.codes if c in keys)
    if spec.kind in ("single", "ordinal"):
        if len(value.codes) != 1:
            return None
        (code,) = value.codes
        if code not in keys:
            return None
        return scale[code] if spec.kind == "ordinal" else keys[code]
    if spec.kind == "boolean":
        return (value.text or "").strip().casefold() in ("true", "yes", "1")
    return value.text or ""


def ratings(
    session: Session,
    field_key: str,
    coders: Iterable[str] | None = None,
    *,
    by_coder_id: int | None = None,
) -> pd.DataFrame:
    """One row per rating: ``unit`` (recommendation id), ``coder`` (name), ``value``.

    Multi-choice values are frozensets of code keys (a coder who marked the
    recommendation done with none of the field's codes rated it with the empty set);
    single choice gives the code key, ordinal its integer key, yes / no a bool and free
    text the text. Only recommendations that two or more of the coders rated are kept.
    ``attrs["unusable"]`` counts ratings left out because they cannot be one value.
    ``by_coder_id`` is who asks: every coder's values are for adjudicators and
    coordinators only.
    """
    permissions.require(session, by_coder_id, permissions.SEE_OTHERS)
    spec = resolve_field(form_spec(session), field_key)
    chosen = resolve_coders(session, coders)
    return _frame(session, spec, chosen)


def _frame(session: Session, spec: FieldSpec, chosen: list[CoderRef] | None) -> pd.DataFrame:
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    ids = None if chosen is None else [c.id for c in chosen]
    keys = {c.stored_id: c.key for c in spec.codes}
    scale = ordinal_scale(spec) if spec.kind == "ordinal" else {}
    rows: list[tuple[int, str, Any]] = []
    unusable = 0
    for rid, by_coder in shared_units(coder_values(session, spec, ids)).items():
        usable = []
        for cid, value in by_coder.items():
            rating = rating_of(spec, value, keys, scale)
            if rating is None:
                unusable += 1
            else:
                usable.append((rid, names[cid], rating))
        if len(usable) >= 2:
            rows.extend(usable)
    frame = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    frame = frame.astype({"unit": "int64", "coder": "object", "value": "object"})
    frame = frame.sort_values(["unit", "coder"], kind="stable").reset_index(drop=True)
    frame.attrs["unusable"] = unusable
    return frame
