"""What a coding sheet is: its sheets and columns, the format it declares, and what
its import reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from annotator.services.coding import (
    EMPTY,
    FieldSpec,
    FieldValue,
    FormSpec,
)
from annotator.vocabulary import STATUS_LABELS

SHEET = "Coding"
META_SHEET = "About this sheet"
FORMAT = "upr-coder-coding-sheet"
FORMAT_VERSION = 1
CHUNK = 500
LOCKED_HEADERS = (
    "Recommendation ID",
    "Review",
    "Number",
    "Recommendation",
    "Recommending states",
    "Response as published",
)
STATUS_HEADER = "Status"
# A coder can set these from the sheet; a flag needs a reason, which the app asks for.
SHEET_STATUSES = ("in progress", "done", "skipped")
STATUS_KEYS = {label: key for key, label in STATUS_LABELS.items() if key}
TRUE_WORDS = ("yes", "true", "1")
FALSE_WORDS = ("no", "false", "0")


class CodingSheetRefused(Exception):
    """The sheet has problems; nothing was saved."""

    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class SheetProblem:
    file: str
    sheet: str | None
    row: int | None
    column: int | None
    header: str | None
    message: str

    def __str__(self) -> str:
        place = [self.file]
        if self.sheet:
            place.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column is not None:
            letter = get_column_letter(self.column)
            place.append(f"column {letter}" + (f" ({self.header})" if self.header else ""))
        return f"{', '.join(place)}: {self.message}"


@dataclass(frozen=True)
class CodingSheetInfo:
    path: Path
    coder: str
    recommendations: int


@dataclass
class CodingSheetImport:
    coder: str
    recommendations: int  # rows read
    changed_values: int = 0
    changed_statuses: int = 0
    changed_recommendations: set[int] = field(default_factory=set)


# ------------------------------------------------------------------------- the columns


@dataclass(frozen=True)
class _Col:
    """One editable column: which field (and code, for a theme's 0/1 column) it holds."""

    kind: str  # "status", "flag", "single", "ordinal", "boolean", "text"
    field_key: str | None = None
    code_key: str | None = None
    header: str = ""


def _columns(spec: FormSpec) -> list[_Col]:
    columns = [_Col("status", header=STATUS_HEADER)]
    for f in spec.fields:
        if f.kind == "multi":
            for code in f.codes:
                if not code.retired:
                    columns.append(_Col("flag", f.key, code.key, f"{f.label}: {code.label}"))
        else:
            columns.append(_Col(f.kind, f.key, None, f.label))
    return columns


def _choices(spec: FormSpec, col: _Col) -> tuple[str | int, ...] | None:
    if col.kind == "status":
        return SHEET_STATUSES
    if col.kind == "flag":
        return (0, 1)
    if col.kind == "boolean":
        return ("yes", "no")
    if col.kind in ("single", "ordinal"):
        live = [c for c in spec.field_by_key(col.field_key or "").codes if not c.retired]
        return tuple(c.label for c in live) or None
    return None


def _value_json(f: FieldSpec, value: FieldValue) -> Any:
    keys = {c.id: c.key for c in f.codes}
    if f.kind in ("multi", "single", "ordinal"):
        return sorted(keys[c] for c in value.codes if c in keys)
    return value.text


def _cell_values(
    spec: FormSpec, columns: list[_Col], values: dict[int, FieldValue], status: str | None
) -> list[Any]:
    by_key = {f.key: f for f in spec.fields}
    cells: list[Any] = []
    for col in columns:
        if col.kind == "status":
            cells.append(STATUS_LABELS.get(status, status) if status else None)
            continue
        f = by_key[col.field_key or ""]
        value = values.get(f.stored_id, EMPTY)
        labels = {c.id: c for c in f.codes}
        if col.kind == "flag":
            code = next(c for c in f.codes if c.key == col.code_key)
            coded = f.id in values or status == "done"
            cells.append((1 if code.id in value.codes else 0) if coded else None)
        elif col.kind in ("single", "ordinal"):
            chosen = [labels[c].label for c in sorted(value.codes) if c in labels]
            cells.append("; ".join(chosen) or None)
        elif col.kind == "boolean":
            text = (value.text or "").strip().casefold()
            cells.append(None if not text else "yes" if text in TRUE_WORDS else "no")
        else:
            cells.append(value.text or None)
    return cells
