"""The export's columns: the recommendation's own, and each coded field's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator import analysis
from annotator.services.coding import FieldSpec, FieldValue
from annotator.services.exporting.options import LIST_SEPARATOR, POSITIONS
from annotator.vocabulary import STATUS_LABELS
from annotator.workbooks import (
    Column,
)


@dataclass
class FieldColumns:
    """How one codebook field becomes columns, and a value becomes their cells."""

    spec: FieldSpec
    columns: list[Column] = field(default_factory=list)
    flag_codes: tuple[int, ...] = ()
    ancestors: dict[int, tuple[int, ...]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)
    ordinal: dict[int, int | str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: FieldSpec) -> FieldColumns:
        made = cls(spec)
        made.labels = {c.stored_id: c.label for c in spec.codes}
        made.order = {c.stored_id: n for n, c in enumerate(spec.codes)}
        live = [c for c in spec.codes if not c.retired]
        if spec.kind == "multi":
            made.columns.append(Column(spec.label, 30, wrap=False))
            made.flag_codes = tuple(c.stored_id for c in spec.codes)
            parents = {c.stored_id: c.parent_id for c in spec.codes}
            for code in spec.codes:
                chain, seen = [], {code.stored_id}
                up = parents.get(code.stored_id)
                while up is not None and up not in seen:
                    chain.append(up)
                    seen.add(up)
                    up = parents.get(up)
                made.ancestors[code.stored_id] = tuple(chain)
            for code in spec.codes:
                header = f"{spec.label}: {code.label}"
                if code.retired:
                    header += " (retired)"
                made.columns.append(Column(header, 8, text=False, choices=(0, 1)))
        elif spec.kind == "single":
            made.columns.append(
                Column(spec.label, 20, choices=tuple(c.label for c in live) or None)
            )
        elif spec.kind == "ordinal":
            try:
                made.ordinal = {c.stored_id: int(c.key) for c in spec.codes}
                choices: tuple[str | int, ...] = tuple(int(c.key) for c in live)
            except ValueError:
                made.ordinal = {c.stored_id: c.label for c in spec.codes}
                choices = tuple(c.label for c in live)
            made.columns.append(Column(spec.label, 12, choices=choices or None))
        elif spec.kind == "boolean":
            made.columns.append(Column(spec.label, 10, choices=("yes", "no")))
        else:
            made.columns.append(Column(spec.label, 40, wrap=True))
        return made

    def cells(self, value: FieldValue | None, coded: bool) -> list[Any]:
        kind = self.spec.kind
        if kind == "multi":
            if value is None or not value.codes:
                if not coded and value is None:
                    return [None] * (1 + len(self.flag_codes))
                return ["", *([0] * len(self.flag_codes))]
            chosen = set(value.codes)
            for code in value.codes:
                chosen.update(self.ancestors.get(code, ()))
            joined = LIST_SEPARATOR.join(
                self.labels[c]
                for c in sorted(value.codes, key=lambda c: self.order.get(c, 1 << 30))
                if c in self.labels
            )
            return [joined, *[1 if c in chosen else 0 for c in self.flag_codes]]
        if value is None:
            return [None]
        if kind == "single":
            return [self.joined(value) or None]
        if kind == "ordinal":
            if len(value.codes) == 1:
                (code,) = value.codes
                return [self.ordinal.get(code)]
            return [self.joined(value) or None]
        if kind == "boolean":
            text = (value.text or "").strip().casefold()
            if not text:
                return [None]
            return ["yes" if text in ("true", "yes", "1") else "no"]
        return [value.text or None]

    def joined(self, value: FieldValue) -> str:
        return LIST_SEPARATOR.join(
            self.labels[c]
            for c in sorted(value.codes, key=lambda c: self.order.get(c, 1 << 30))
            if c in self.labels
        )


BASE_COLUMNS = (
    Column("ID", 8, text=False),
    Column("State under review", 18),
    Column("Cycle", 7, text=False),
    Column("Year", 7, text=False),
    Column("Report symbol", 15),
    Column("Number", 9),
    Column("Recommendation", 70, wrap=True),
    Column("Recommending states", 24),
    Column("Regional groups", 26),
    Column("Response as published", 24),
    Column(
        "Response",
        20,
        choices=tuple(analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES),
    ),
    Column("Position (UN)", 12, choices=tuple(POSITIONS.values())),
    # The document the current response comes from (the history is in the app).
    Column("Response from", 30),
)
STATUS_COLUMN = Column("Status", 12, choices=tuple(dict.fromkeys(STATUS_LABELS.values())))
# Whether the coder had theme suggestions on screen, and the codes accepted from them:
# reliability and bias checks can leave such work out.
SUGGESTION_COLUMNS = (
    Column("Suggestions shown", 11, choices=("Yes", "No")),
    Column("Suggestions accepted", 30),
)
CODER_BASE_COLUMNS = (
    Column("ID", 8, text=False),
    Column("State under review", 18),
    Column("Cycle", 7, text=False),
    Column("Year", 7, text=False),
    Column("Number", 9),
    BASE_COLUMNS[10],
    Column("Coder", 16),
    STATUS_COLUMN,
    *SUGGESTION_COLUMNS,
)
