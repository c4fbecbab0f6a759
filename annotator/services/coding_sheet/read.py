"""Reading a coding sheet back: every problem named by sheet, row and column, and only
what the coder changed saved."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from zipfile import BadZipFile, is_zipfile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.importers import containers
from annotator.importers.files import SourceFileError
from annotator.limits import MAX_CODER_TEXT
from annotator.services import permissions
from annotator.services.coding import (
    EMPTY,
    CodeSpec,
    FieldSpec,
    FieldValue,
    FormSpec,
    form_spec,
    load_status,
    save_status,
    save_value,
    value_problem,
)
from annotator.services.coding_sheet.layout import (
    CHUNK,
    FALSE_WORDS,
    FORMAT,
    FORMAT_VERSION,
    LOCKED_HEADERS,
    META_SHEET,
    SHEET,
    SHEET_STATUSES,
    STATUS_KEYS,
    TRUE_WORDS,
    CodingSheetImport,
    CodingSheetRefused,
    SheetProblem,
    _Col,
)
from annotator.services.completeness import (
    ALLOW_INCOMPLETE_DONE,
    IncompleteDone,
    missing_required,
)
from annotator.services.sources import Source, statuses_in, values_in
from annotator.store.models import (
    Coder,
    ProjectInfo,
    Recommendation,
)
from annotator.store.project import Project

# ---------------------------------------------------------------------------- reading


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[SheetProblem] = []

    def add(
        self,
        message: str,
        *,
        sheet: str | None = SHEET,
        row: int | None = None,
        column: int | None = None,
        header: str | None = None,
    ) -> None:
        self.items.append(SheetProblem(self.file, sheet, row, column, header, message))

    def refuse(self) -> None:
        if self.items:
            raise CodingSheetRefused(self.items)


def import_coding_sheet(
    project: Project, path: Path, *, dry_run: bool = False, by_coder_id: int | None = None
) -> CodingSheetImport:
    """Save what a coding sheet holds as its coder's codes: all of it, or (if any cell is
    wrong) none of it, with every problem in ``CodingSheetRefused.problems``.

    ``by_coder_id`` is who brings the sheet in: its own coder, or a coordinator (a coder
    cannot record codes under another coder's name)."""
    path = Path(path)
    problems = _Problems(path.name)
    try:
        # Zip bombs and XML entities are refused before openpyxl unpacks anything; a
        # far-away cell is harmless here, as only the sheet's own columns are read.
        if is_zipfile(path):  # anything else openpyxl refuses by itself, below
            containers.check(path, "xlsx", sheets=False)
    except FileNotFoundError:
        raise ValueError(f"There is no file {path}.") from None
    except SourceFileError as error:
        raise ValueError(str(error)) from None
    try:
        # Formulas are read as formulas (not their cached results) so they can be refused.
        workbook = load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError:
        raise ValueError(f"There is no file {path}.") from None
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValueError(f"{path} is not a coding sheet written by UPR Coder ({error}).") from None
    try:
        return _import(project, workbook, problems, dry_run, by_coder_id)
    finally:
        workbook.close()


def _import(
    project: Project,
    workbook: Any,  # openpyxl's, read-only
    problems: _Problems,
    dry_run: bool,
    by_coder_id: int | None,
) -> CodingSheetImport:
    if SHEET not in workbook.sheetnames or META_SHEET not in workbook.sheetnames:
        problems.add(
            f"this is not a coding sheet written by UPR Coder (it needs the sheets "
            f"'{SHEET}' and '{META_SHEET}')",
            sheet=None,
        )
        problems.refuse()
    meta_rows = [tuple(c.value for c in row) for row in workbook[META_SHEET].iter_rows(max_col=2)]
    header, columns = _read_header(meta_rows, problems)
    baselines = _read_baselines(meta_rows, problems)
    problems.refuse()
    with project.session() as session:
        if header["project"] != project.info("project_uuid"):
            problems.add(
                "the sheet was written from another project; import it into that one",
                sheet=None,
            )
            problems.refuse()
        coder = session.scalars(select(Coder).where(Coder.uuid == header["coder"])).first()
        if coder is None:
            problems.add(f"the coder {header['coder_name']} is not in this project", sheet=None)
            problems.refuse()
        assert coder is not None  # refuse() raised otherwise
        if coder.name != header["coder_name"]:
            problems.add(
                f"the sheet was written for {header['coder_name']}, but the coder identity "
                f"hidden in it is {coder.name}'s: it was altered, or the coder was renamed "
                f"since. Write a new sheet for {coder.name} and copy the codes into it",
                sheet=META_SHEET,
                row=1,
            )
            problems.refuse()
        permissions.require_self_or(session, by_coder_id, coder.id, permissions.MERGE)
        spec = form_spec(session)
        plan = _read_rows(session, workbook[SHEET], spec, columns, baselines, coder.id, problems)
        # The coding session's own rule for what a value may be, before anything is saved.
        for values, _status in plan.values():
            for field_id, value in values.items():
                problem = value_problem(spec, field_id, value)
                if problem is not None:
                    problems.add(problem)
        problems.refuse()
    result = CodingSheetImport(coder.name, len(plan))
    if dry_run:
        for rid, (values, status) in plan.items():
            result.changed_values += len(values)
            result.changed_statuses += status is not None
            if values or status:
                result.changed_recommendations.add(rid)
        return result
    with project.write() as session:
        for rid, (values, status) in plan.items():
            for field_id, value in values.items():
                before = save_value(session, rid, coder.id, field_id, value)
                if before != value:
                    result.changed_values += 1
                    result.changed_recommendations.add(rid)
            if status is not None and load_status(session, rid, coder.id).status != status:
                save_status(session, rid, coder.id, status)
                result.changed_statuses += 1
                result.changed_recommendations.add(rid)
    return result


_HEADER_TEXTS = ("project", "coder", "coder_name")


def _read_header(meta_rows: list[tuple], problems: _Problems) -> tuple[dict[str, Any], list[_Col]]:
    """The sheet's hidden description, checked item by item (it may have been edited)."""

    def damaged(what: str) -> tuple[dict[str, Any], list[_Col]]:
        problems.add(f"the sheet's description is damaged ({what})", sheet=META_SHEET, row=1)
        return {}, []

    try:
        header = json.loads(meta_rows[0][1])
    except (IndexError, TypeError, ValueError):
        return damaged("it is missing or not readable")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return damaged("it is not a UPR Coder coding sheet's")
    version = header.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        return damaged("its version is not a number")
    if version > FORMAT_VERSION:
        problems.add(
            "the sheet was written by a newer version of UPR Coder; update the app",
            sheet=META_SHEET,
        )
        return {}, []
    for key in _HEADER_TEXTS:
        if not isinstance(header.get(key), str):
            return damaged(f"its {key.replace('_', ' ')} is missing")
    try:
        header["coder"] = uuid.UUID(header["coder"])
    except ValueError:
        return damaged("its coder identity is not readable")
    raw_columns = header.get("columns")
    columns: list[_Col] = []
    if not isinstance(raw_columns, list):
        return damaged("its list of columns is missing")
    for item in raw_columns:
        if (
            not isinstance(item, list)
            or len(item) != 4
            or not all(v is None or isinstance(v, str) for v in item)
            or item[0] not in _COLUMN_KINDS
            or not isinstance(item[3], str)
        ):
            return damaged("its list of columns is not readable")
        columns.append(_Col(*item))
    return header, columns


_COLUMN_KINDS = ("status", "flag", "single", "ordinal", "boolean", "text")


def _read_baselines(meta_rows: list[tuple], problems: _Problems) -> dict[str, dict[str, Any]]:
    """What each row held when the sheet was written, by recommendation ID."""
    baselines: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(meta_rows[1:], start=2):
        if all(v is None for v in row):
            continue
        try:
            data = json.loads(row[1])
        except (IndexError, TypeError, ValueError):
            data = None
        values = data.get("values") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or not (data.get("status") is None or isinstance(data.get("status"), str))
            or not isinstance(values, dict)
            or not all(_baseline_value(v) for v in values.values())
        ):
            problems.add(
                "the sheet's hidden record of this recommendation is damaged; write a new sheet",
                sheet=META_SHEET,
                row=number,
            )
            continue
        baselines[str(row[0])] = data
    return baselines


def _baseline_value(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# A coding sheet's rows are contiguous; this many blank rows in a row end it (a stray
# cell a million rows down must not cost a million rows of reading).
BLANK_ROWS_END = 10_000


def _read_rows(
    session: Session,
    ws: Any,
    spec: FormSpec,
    columns: list[_Col],
    baselines: dict[str, dict[str, Any]],
    coder_id: int,
    problems: _Problems,
) -> dict[int, tuple[dict[int, FieldValue], str | None]]:
    expected = [*LOCKED_HEADERS, *(c.header for c in columns)]
    # Only the sheet's own columns: openpyxl pads every row to the sheet's declared
    # width otherwise, and one far-away cell made that 16,384 cells a row. Nor the
    # declared height: rows end where the file's rows end.
    ws.reset_dimensions()
    rows = ws.iter_rows(max_col=len(expected))
    first = next(rows, None)
    found = [c.value for c in first] if first is not None else []
    for index, wanted in enumerate(expected, start=1):
        got = found[index - 1] if index - 1 < len(found) else None
        if got != wanted:
            problems.add(
                f"the header should be '{wanted}', not '{got or ''}': columns must not be "
                "renamed, moved or deleted",
                row=1,
                column=index,
                header=wanted,
            )
    if problems.items:
        return {}
    fields = {f.key: f for f in spec.fields}
    for col in columns:
        if col.field_key is not None and col.field_key not in fields:
            problems.add(f"the codebook has no field '{col.field_key}' any more", row=1)
        elif col.kind == "flag" and not any(
            c.key == col.code_key for c in fields[col.field_key or ""].codes
        ):
            problems.add(f"the codebook has no code '{col.code_key}' any more", row=1)
    if problems.items:
        return {}
    entries: list[tuple[int, list[Any]]] = []
    blank_run = 0
    for number, row in enumerate(rows, start=2):
        if blank_run > BLANK_ROWS_END:
            break  # the coding area ended long ago: whatever is further down is not read
        values = [c.value for c in row]
        for index, c in enumerate(row, start=1):
            if getattr(c, "data_type", None) == "f":
                header = expected[index - 1] if index - 1 < len(expected) else None
                problems.add(
                    "a formula; type the value itself",
                    row=number,
                    column=index,
                    header=header,
                )
        if any(v not in (None, "") for v in values):
            values += [None] * (len(expected) - len(values))
            entries.append((number, values))
            blank_run = 0
        else:
            blank_run += 1
    uids: dict[str, int] = {}
    for number, values in entries:
        uid = str(values[0] or "").strip()
        if uid in uids:
            problems.add(
                f"the same recommendation as row {uids[uid]}",
                row=number,
                column=1,
                header=LOCKED_HEADERS[0],
            )
        uids[uid] = number
    known: dict[str, tuple[int, str, str]] = {}
    parsed: list[uuid.UUID] = []
    for u in (u for u in uids if u):
        try:
            parsed.append(uuid.UUID(u))
        except ValueError:
            continue
    for start in range(0, len(parsed), CHUNK):
        for rid, stored_uid, text, number_text in session.execute(
            select(
                Recommendation.id,
                Recommendation.uuid,
                Recommendation.text,
                Recommendation.number,
            ).where(Recommendation.uuid.in_(parsed[start : start + CHUNK]))
        ):
            known[str(stored_uid)] = (rid, text, number_text or "")
    ids = [known[u][0] for u in uids if u in known]
    current = values_in_for(session, coder_id, ids)
    statuses = statuses_in(session, ids, coder_id)
    allow_incomplete = getattr(session.get(ProjectInfo, ALLOW_INCOMPLETE_DONE), "value", "") == "1"
    plan: dict[int, tuple[dict[int, FieldValue], str | None]] = {}
    for number, values in entries:
        uid = str(values[0] or "").strip()
        if uid not in known:
            problems.add(
                "no recommendation of this project has this ID (was it edited?)",
                row=number,
                column=1,
                header=LOCKED_HEADERS[0],
            )
            continue
        rid, text, number_text = known[uid]
        if _normal(values[3]) != _normal(text):
            problems.add(
                "the recommendation's text was edited; the source text must stay as it is",
                row=number,
                column=4,
                header=LOCKED_HEADERS[3],
            )
        if str(values[2] or "") != number_text:
            problems.add(
                f"the number was edited (it is {number_text})",
                row=number,
                column=3,
                header=LOCKED_HEADERS[2],
            )
        baseline = baselines.get(uid, {"status": None, "values": {}})
        plan[rid] = changes, status = _row_plan(
            spec,
            fields,
            columns,
            values[len(LOCKED_HEADERS) :],
            baseline,
            current.get(rid, {}),
            statuses.get((rid, coder_id)),
            number,
            problems,
        )
        missing = missing_required(spec, {**current.get(rid, {}), **changes})
        if status == "done" and missing and not allow_incomplete:
            problems.add(str(IncompleteDone(missing)), row=number)
    return plan


def values_in_for(
    session: Session, coder_id: int, ids: list[int]
) -> dict[int, dict[int, FieldValue]]:
    found = values_in(session, Source("coder", coder_id), ids)
    return {rid: by_coder.get(coder_id, {}) for rid, by_coder in found.items()}


def _normal(text: Any) -> str:
    # Excel stores line breaks as \n whatever it was given; compare what a reader sees.
    return " ".join(str(text or "").replace("\r\n", "\n").split())


def _row_plan(
    spec: FormSpec,
    fields: dict[str, FieldSpec],
    columns: list[_Col],
    cells: list[Any],
    baseline: dict[str, Any],
    current: dict[int, FieldValue],
    status_now: str | None,
    row: int,
    problems: _Problems,
) -> tuple[dict[int, FieldValue], str | None]:
    first_column = len(LOCKED_HEADERS) + 1
    flags: dict[str, set[str]] = {}
    seen_multi: dict[str, set[str]] = {}
    given: dict[str, FieldValue] = {}
    status: str | None = None
    for offset, (col, raw) in enumerate(zip(columns, cells, strict=False)):
        where: dict[str, Any] = {
            "row": row,
            "column": first_column + offset,
            "header": col.header,
        }
        value = raw.strip() if isinstance(raw, str) else raw
        if col.kind == "status":
            if value in (None, ""):
                continue
            key = STATUS_KEYS.get(str(value).strip().casefold())
            if key is None:
                problems.add(
                    f"'{value}' is not a status; write {', '.join(SHEET_STATUSES)}", **where
                )
            elif key == "flagged" and status_now != "flagged":
                problems.add("flag a recommendation in the app, where you can say why", **where)
            elif key != status_now:
                status = key
            continue
        f = fields[col.field_key or ""]
        if col.kind == "flag":
            seen_multi.setdefault(f.key, set()).add(col.code_key or "")
            chosen = _flag(value)
            if chosen is None:
                problems.add(f"write 1 (this code applies) or 0, not '{raw}'", **where)
            elif chosen:
                flags.setdefault(f.key, set()).add(col.code_key or "")
            continue
        parsed = _parse(f, value, problems, where)
        if parsed is not None:
            given[f.key] = parsed
    changes: dict[int, FieldValue] = {}
    base_values = baseline.get("values", {})
    for f in spec.fields:
        if f.kind == "multi":
            if f.key not in seen_multi:
                continue
            keys = {c.key: c.stored_id for c in f.codes}
            shown = seen_multi[f.key]
            # Codes the sheet has no column for (retired ones) stay as they are.
            hidden = {c for c in current.get(f.stored_id, EMPTY).codes if _key(f, c) not in shown}
            new = FieldValue(frozenset({keys[k] for k in flags.get(f.key, ())} | hidden))
        elif f.key in given:
            new = given[f.key]
        else:
            continue
        old = _from_json(f, base_values.get(f.key))
        now = current.get(f.stored_id, EMPTY)
        if _same(f, new, old):
            continue  # the coder did not touch it in the sheet
        if not _same(f, now, old) and not _same(f, now, new):
            problems.add(
                f"{f.label} was changed in the app after this sheet was written; "
                "change it in one place only",
                row=row,
            )
            continue
        if not _same(f, new, now):
            changes[f.stored_id] = new
    return changes, status


def _key(f: FieldSpec, code_id: int) -> str | None:
    return next((c.key for c in f.codes if c.id == code_id), None)


def _same(f: FieldSpec, one: FieldValue, other: FieldValue) -> bool:
    if f.kind in ("multi", "single", "ordinal"):
        return one.codes == other.codes
    return (one.text or None) == (other.text or None)


def _from_json(f: FieldSpec, value: Any) -> FieldValue:
    if f.kind in ("multi", "single", "ordinal"):
        keys = {c.key: c.stored_id for c in f.codes}
        return FieldValue(frozenset(keys[k] for k in (value or ()) if k in keys))
    return FieldValue(text=value or None)


def _code_named(f: FieldSpec, text: str) -> CodeSpec | None:
    wanted = " ".join(text.split()).casefold()
    return next((c for c in f.codes if wanted in (c.label.casefold(), c.key.casefold())), None)


def _flag(value: Any) -> bool | None:
    if value in (None, "", 0, 0.0, "0"):
        return False
    if value in (1, 1.0, "1"):
        return True
    return None


def _parse(
    f: FieldSpec, value: Any, problems: _Problems, where: dict[str, Any]
) -> FieldValue | None:
    if value in (None, ""):
        return EMPTY
    if f.kind in ("single", "ordinal"):
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        whole = _code_named(f, text)
        parts = [text] if whole is not None else [p.strip() for p in text.split(";") if p.strip()]
        found = []
        for part in parts:
            code = _code_named(f, part)
            if code is None:
                live = ", ".join(c.label for c in f.codes if not c.retired)
                problems.add(f"'{part}' is not a code of {f.label}; its codes: {live}", **where)
                return None
            found.append(code.stored_id)
        if len(set(found)) > 1:
            problems.add(f"{f.label} takes one code, and '{text}' gives {len(set(found))}", **where)
            return None
        return FieldValue(frozenset(found))
    if f.kind == "boolean":
        word = str(value).strip().casefold()
        if word in TRUE_WORDS:
            return FieldValue(text="true")
        if word in FALSE_WORDS:
            return EMPTY  # the app stores an unticked box as no value
        problems.add(f"write yes or no, not '{value}'", **where)
        return None
    text = str(value)
    if len(text) > MAX_CODER_TEXT:
        problems.add(
            f"holds {len(text):,} characters; {f.label} takes at most {MAX_CODER_TEXT:,}",
            **where,
        )
        return None
    return FieldValue(text=text)
