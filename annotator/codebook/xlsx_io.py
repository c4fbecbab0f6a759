"""Codebooks as Excel workbooks (sheets Codes, Fields, Codebook)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.codebook.dict_form import _canonical_shortcut, _newer_format_problem
from annotator.codebook.model import (
    CODE_ATTRIBUTES,
    FORMAT_VERSION,
    Code,
    Codebook,
    CodebookError,
    Field,
)
from annotator.codebook.shortcuts import _type_name
from annotator.codebook.validate import _Ctx, _run_checks, _Where
from annotator.codebook.yaml_io import _raise_if_invalid, _write_atomically
from annotator.vocabulary import FIELD_KINDS
from annotator.workbooks import Book, Rows

SHEET_CODES = "Codes"
SHEET_FIELDS = "Fields"
SHEET_CODEBOOK = "Codebook"
_SHEETS = (SHEET_CODES, SHEET_FIELDS, SHEET_CODEBOOK)
CODES_COLUMNS = ("field", *CODE_ATTRIBUTES)
FIELDS_COLUMNS = ("field", "label", "kind", "description", "required")
CODEBOOK_COLUMNS = ("property", "value")
_CODEBOOK_PROPERTIES = ("format_version", "name", "version", "description")

_WIDTHS = {
    "field": 16,
    "key": 26,
    "label": 36,
    "definition": 60,
    "include": 40,
    "exclude": 40,
    "example": 40,
    "parent": 22,
    "shortcut": 10,
    "colour": 10,
    "retired": 9,
    "keywords": 36,
    "kind": 10,
    "description": 60,
    "required": 10,
    "property": 16,
    "value": 60,
}
_WRAPPED = frozenset({"definition", "include", "exclude", "example", "description", "value"})
_YES = frozenset({"yes", "y", "true", "x", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})

# OOXML escapes characters that XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_);
# annotator.workbooks writes them so, and openpyxl reads them as they stand.
_XL_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xl_unescape(text: str) -> str:
    return _XL_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _write_sheet(
    book: Book, title: str, columns: tuple[str, ...], rows: list[list[str | int | None]]
) -> Rows:
    """One sheet: a bold header, frozen; long texts wrapped; every text a text cell."""
    sheet = book.rows(title, [(j, _WIDTHS.get(name, 16)) for j, name in enumerate(columns, 1)])
    for j, name in enumerate(columns, start=1):
        sheet.write(1, j, name, bold=True)
    for i, values in enumerate(rows, start=2):
        for j, (name, value) in enumerate(zip(columns, values, strict=True), start=1):
            sheet.write(i, j, value, wrap=name in _WRAPPED, top=True)
    sheet.ws.freeze_panes(1, 0)
    return sheet


def save_xlsx(cb: Codebook, path: str | Path) -> None:
    """Write a codebook as an Excel workbook (sheets Codes, Fields, Codebook).

    Refuses (CodebookError) an invalid codebook. No cell is written as a formula.
    """
    _raise_if_invalid(cb)
    _write_atomically(Path(path), lambda tmp: _write_book(cb, tmp))


def _write_book(cb: Codebook, path: Path) -> None:
    code_rows: list[list[str | int | None]] = []
    for fld in cb.fields:
        for code in fld.codes:
            code_rows.append(
                [
                    fld.key,
                    code.key,
                    code.label,
                    code.definition or None,
                    code.include or None,
                    code.exclude or None,
                    code.example or None,
                    code.parent,
                    code.shortcut,
                    code.colour,
                    "yes" if code.retired else None,
                    "; ".join(code.keywords) or None,
                ]
            )
    field_rows: list[list[str | int | None]] = [
        [fld.key, fld.label, fld.kind, fld.description or None, "yes" if fld.required else None]
        for fld in cb.fields
    ]
    book_rows: list[list[str | int | None]] = [
        ["format_version", FORMAT_VERSION],
        ["name", cb.name],
        ["version", cb.version],
        ["description", cb.description or None],
    ]
    with Book(path) as book:
        _write_sheet(book, SHEET_CODES, CODES_COLUMNS, code_rows)
        fields = _write_sheet(book, SHEET_FIELDS, FIELDS_COLUMNS, field_rows)
        fields.ws.data_validation(1, 2, 999, 2, {"validate": "list", "source": list(FIELD_KINDS)})
        _write_sheet(book, SHEET_CODEBOOK, CODEBOOK_COLUMNS, book_rows)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_sheet(
    wb: Any, sheet: str, columns: tuple[str, ...], ctx: _Ctx
) -> list[tuple[int, dict[str, Any]]] | None:
    """(row number, {column: value}) for the non-blank rows; None if the sheet is unusable."""
    from openpyxl.utils import get_column_letter

    if sheet not in wb.sheetnames:
        ctx.add(
            _Where(sheet=sheet),
            f"the sheet is missing (a codebook workbook has sheets {', '.join(_SHEETS)}; "
            f"found {', '.join(wb.sheetnames) or 'none'})",
        )
        return None
    rows = wb[sheet].iter_rows(values_only=True)
    header = next(rows, None)
    expected = f"(expected columns: {', '.join(columns)})"
    if header is None or all(_blank(v) for v in header):
        ctx.add(_Where(line=1, sheet=sheet), f"the header row is empty {expected}")
        return None
    index: dict[str, int] = {}
    usable = True
    for j, value in enumerate(header):
        if _blank(value):
            continue
        name = str(value).strip().lower()
        letter = get_column_letter(j + 1)
        if name not in columns:
            ctx.add(
                _Where(line=1, sheet=sheet, column=letter),
                f"unknown column {str(value).strip()!r} {expected}",
            )
            usable = False
        elif name in index:
            ctx.add(
                _Where(line=1, sheet=sheet, column=letter),
                f"column '{name}' appears twice in the header",
            )
            usable = False
        else:
            index[name] = j
    for name in columns:
        if name not in index:
            ctx.add(
                _Where(line=1, sheet=sheet, column=name),
                f"the header has no column '{name}' {expected}",
            )
            usable = False
    if not usable:
        return None
    out: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        values = {name: (row[j] if j < len(row) else None) for name, j in index.items()}
        if all(_blank(v) for v in values.values()):
            continue
        out.append((number, values))
    return out


def _cell_text(
    value: Any, what: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...] | None
) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _xl_unescape(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    ctx.add(
        where,
        f"{what} must be text, not {_type_name(value)} ({value!r}); format the cell as text",
        once,
    )
    return ""


def _cell_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    return None


def _cell_yes(value: Any, what: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if value is not None else ""
    if text in _YES:
        return True
    if text not in _NO:
        ctx.add(where, f"{what} must be 'yes' or empty, not {value!r}", once)
    return False


def load_xlsx(path: str | Path) -> Codebook:
    """Load a codebook from an Excel workbook written by save_xlsx (or edited by hand).

    Raises CodebookError naming the file, sheet, row and column of every problem.
    """
    import openpyxl

    path = Path(path)
    origin = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if size == 0:
        raise CodebookError(f"{origin}: the file is empty (expected an Excel .xlsx workbook)")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
        raise CodebookError(
            f"{origin}: not an Excel .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None
    try:
        return _load_workbook(wb, origin)
    except CodebookError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise CodebookError(
            f"{origin}: the workbook could not be read ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        wb.close()


def _load_workbook(wb: Any, origin: str) -> Codebook:
    ctx = _Ctx(origin)
    book_rows = _read_sheet(wb, SHEET_CODEBOOK, CODEBOOK_COLUMNS, ctx)
    field_rows = _read_sheet(wb, SHEET_FIELDS, FIELDS_COLUMNS, ctx)
    code_rows = _read_sheet(wb, SHEET_CODES, CODES_COLUMNS, ctx)
    if book_rows is None or field_rows is None or code_rows is None:
        ctx.raise_if_any()
    assert book_rows is not None and field_rows is not None and code_rows is not None

    cb = Codebook(name="")
    props: dict[str, Any] = {}
    for number, values in book_rows:
        name = str(values["property"]).strip().lower() if values["property"] is not None else ""
        where = _Where(line=number, sheet=SHEET_CODEBOOK, column="property")
        if name not in _CODEBOOK_PROPERTIES:
            ctx.add(
                where,
                f"unknown property {values['property']!r} "
                f"(expected: {', '.join(_CODEBOOK_PROPERTIES)})",
            )
        elif name in props:
            ctx.add(where, f"property '{name}' appears twice")
        else:
            props[name] = values["value"]
            ctx.cb_where[name] = _Where(line=number, sheet=SHEET_CODEBOOK, column="value")
    ctx.cb_where[None] = _Where(sheet=SHEET_CODEBOOK)
    for name in ("format_version", "name"):
        if name not in props:
            ctx.add(_Where(sheet=SHEET_CODEBOOK), f"there is no row for '{name}'", ("cb", name))
    if "format_version" in props:
        fmt = _cell_int(props["format_version"])
        if fmt is None or fmt < 1:
            ctx.add(
                ctx.w_cb("format_version"),
                f"format_version must be a whole number of 1 or more, not "
                f"{props['format_version']!r}",
                ("cb", "format_version"),
            )
        elif fmt > FORMAT_VERSION:
            raise CodebookError([_newer_format_problem(ctx, ctx.w_cb("format_version"), fmt)])
    cb.name = _cell_text(props.get("name"), "the name", ctx.w_cb("name"), ctx, ("cb", "name"))
    cb.description = _cell_text(
        props.get("description"),
        "the description",
        ctx.w_cb("description"),
        ctx,
        ("cb", "description"),
    )
    if props.get("version") is not None:
        version = _cell_int(props["version"])
        if version is None or version < 1:
            ctx.add(
                ctx.w_cb("version"),
                f"the codebook version must be a whole number of 1 or more, not "
                f"{props['version']!r}",
                ("cb", "version"),
            )
        else:
            cb.version = version

    field_index: dict[str, int] = {}
    for number, values in field_rows:
        fi = len(cb.fields)
        places: dict[str | None, _Where] = {
            None: _Where(line=number, sheet=SHEET_FIELDS),
            "key": _Where(line=number, sheet=SHEET_FIELDS, column="field"),
        }
        for attr in ("label", "kind", "description", "required"):
            places[attr] = _Where(line=number, sheet=SHEET_FIELDS, column=attr)
        ctx.field_where.append(places)
        ctx.code_where.append([])
        once: tuple[Any, ...] = ("field", fi)
        fld = Field(
            key=_cell_text(values["field"], "the field key", places["key"], ctx, (*once, "key")),
            label=_cell_text(values["label"], "the label", places["label"], ctx, (*once, "label")),
            kind=_cell_text(values["kind"], "the kind", places["kind"], ctx, (*once, "kind")),
            description=_cell_text(
                values["description"],
                "the description",
                places["description"],
                ctx,
                (*once, "description"),
            ),
            required=_cell_yes(
                values["required"], "'required'", places["required"], ctx, (*once, "required")
            ),
        )
        fld.key = fld.key.strip()
        fld.kind = fld.kind.strip().lower()
        cb.fields.append(fld)
        field_index.setdefault(fld.key, fi)

    for number, values in code_rows:
        where_field = _Where(line=number, sheet=SHEET_CODES, column="field")
        fkey = _cell_text(values["field"], "the field key", where_field, ctx, None).strip()
        if not fkey.strip():
            ctx.add(where_field, "the code has no field (name the field this code belongs to)")
            continue
        if fkey not in field_index:
            ctx.add(
                where_field,
                f"field '{fkey}' is not listed in sheet '{SHEET_FIELDS}'",
            )
            continue
        fi = field_index[fkey]
        fld = cb.fields[fi]
        ci = len(fld.codes)
        places = {None: _Where(line=number, sheet=SHEET_CODES)}
        for attr in CODES_COLUMNS[1:]:
            places[attr] = _Where(line=number, sheet=SHEET_CODES, column=attr)
        ctx.code_where[fi].append(places)
        once = ("code", fi, ci)
        text = {
            attr: _cell_text(values[attr], f"the {attr}", places[attr], ctx, (*once, attr))
            for attr in (
                "key",
                "label",
                "definition",
                "include",
                "exclude",
                "example",
                "parent",
                "shortcut",
                "colour",
                "keywords",
            )
        }
        shortcut = _canonical_shortcut(text["shortcut"].strip() or None)
        fld.codes.append(
            Code(
                key=text["key"].strip(),
                label=text["label"],
                definition=text["definition"],
                include=text["include"],
                exclude=text["exclude"],
                example=text["example"],
                parent=text["parent"].strip() or None,
                shortcut=shortcut,
                colour=text["colour"].strip() or None,
                retired=_cell_yes(
                    values["retired"], "'retired'", places["retired"], ctx, (*once, "retired")
                ),
                keywords=[w.strip() for w in text["keywords"].split(";") if w.strip()],
            )
        )

    _run_checks(cb, ctx)
    ctx.raise_if_any()
    return cb
