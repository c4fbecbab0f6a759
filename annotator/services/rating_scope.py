"""What a reliability figure covers: which fields and coders were asked for, and how a
field's values are read (the report and the sample plan both start here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services.coding import FieldSpec, FormSpec
from annotator.store.models import Coder

# Kinds whose value a coder gives by marking the recommendation done without ticking
# anything: no theme ticked is the answer "none of these themes", an unticked box "no".
# For the others, nothing entered is a missing rating, not a rating of "nothing".
DONE_MEANS_EMPTY = ("multi", "boolean")
# Free text is only compared when asked for by name: two notes never match word for word.
DEFAULT_KINDS = ("multi", "single", "ordinal", "boolean")


@dataclass(frozen=True)
class CoderRef:
    id: int
    name: str
    role: str


def resolve_field(spec: FormSpec, key: str) -> FieldSpec:
    """The codebook field with this key, or a ValueError that lists the keys there are."""
    wanted = key.strip()
    for candidate in spec.fields:
        if candidate.key == wanted:
            return candidate
    for candidate in spec.fields:
        if candidate.key.casefold() == wanted.casefold():
            return candidate
    known = ", ".join(f.key for f in spec.fields) or "none"
    raise ValueError(f"The codebook has no field '{wanted}'. Its fields are: {known}.")


def resolve_coders(session: Session, names: Iterable[str] | None) -> list[CoderRef] | None:
    """The named coders (None for "every coder"), or a ValueError naming the unknown one."""
    if names is None:
        return None
    everyone = [CoderRef(c.id, c.name, c.role) for c in session.scalars(select(Coder))]
    by_name = {c.name: c for c in everyone}
    by_folded = {c.name.casefold(): c for c in everyone}
    chosen: list[CoderRef] = []
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        found = by_name.get(name) or by_folded.get(name.casefold())
        if found is None:
            known = ", ".join(sorted(by_name)) or "none yet"
            raise ValueError(
                f"There is no coder named '{name}' in this project. Its coders: {known}."
            )
        if found not in chosen:
            chosen.append(found)
    if not chosen:
        raise ValueError("Name at least one coder.")
    return chosen


def ordinal_scale(spec: FieldSpec) -> dict[int, int]:
    """Code id -> number on the scale: the integer key when every key is one, else the
    code's place in the codebook (1, 2, 3...), which is the order coders see."""
    try:
        return {c.stored_id: int(c.key) for c in spec.codes}
    except ValueError:
        return {c.stored_id: n for n, c in enumerate(spec.codes, start=1)}
