"""The plain-data form of a codebook (what its YAML holds), read with every problem named."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from typing import Any

from annotator.codebook.model import (
    CODE_ATTRIBUTES,
    FIELD_ATTRIBUTES,
    FORMAT_VERSION,
    Code,
    Codebook,
    CodebookError,
    Field,
    Problem,
)
from annotator.codebook.shortcuts import _type_name, normalise_shortcut
from annotator.codebook.validate import _Ctx, _quote_hint, _run_checks, _Where

_CB_KEYS = ("format_version", "name", "version", "description", "fields")
_CB_REQUIRED = ("format_version", "name", "fields")
_FIELD_KEYS = (*FIELD_ATTRIBUTES, "codes")
_FIELD_REQUIRED = ("key", "label", "kind")
_CODE_KEYS = CODE_ATTRIBUTES
_CODE_REQUIRED = ("key", "label")
_CODE_DEFAULTS = {
    f.name: f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
    for f in dataclasses.fields(Code)
    if f.name not in _CODE_REQUIRED
}


def to_dict(cb: Codebook) -> dict[str, Any]:
    """The plain-data form of a codebook, as the YAML file holds it.

    Empty optional values are left out so that files stay readable.
    """
    out: dict[str, Any] = {"format_version": FORMAT_VERSION, "name": cb.name}
    out["version"] = cb.version
    if cb.description:
        out["description"] = cb.description
    out["fields"] = [_field_to_dict(fld) for fld in cb.fields]
    return out


def _field_to_dict(fld: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"key": fld.key, "label": fld.label, "kind": fld.kind}
    if fld.description:
        out["description"] = fld.description
    if fld.required:
        out["required"] = True
    if fld.codes:
        out["codes"] = [_code_to_dict(code) for code in fld.codes]
    return out


def _code_to_dict(code: Code) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in _CODE_KEYS:
        value = getattr(code, attr)
        if attr in _CODE_REQUIRED:
            out[attr] = value
        # left out: None, and an empty text, list or False where that is the default
        elif value is not None and (value or _CODE_DEFAULTS[attr] is None):
            out[attr] = list(value) if isinstance(value, list) else value
    return out


def from_dict(d: dict[str, Any]) -> Codebook:
    """Build a codebook from its plain-data form; raises CodebookError listing all problems."""
    ctx = _Ctx()
    cb = _parse_tree(d, ctx)
    _run_checks(cb, ctx)
    ctx.raise_if_any()
    return cb


def _line_of(value: Any) -> int | None:
    return getattr(value, "line", None)


def _check_mapping_keys(
    data: dict[Any, Any],
    known: tuple[str, ...],
    required: tuple[str, ...],
    owner: str,
    where: Callable[[str | None], _Where],
    ctx: _Ctx,
    once: tuple[Any, ...],
) -> None:
    for key, line, first in getattr(data, "duplicate_keys", ()):
        ctx.add(
            _Where(line=line),
            f"{owner} gives '{key}' twice (first at line {first})",
            (*once, key) if isinstance(key, str) else None,
        )
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            ctx.add(
                where(key if isinstance(key, str) else None), f"{owner}: unknown key {key!r}{hint}"
            )
    for key in required:
        if key not in data:
            ctx.add(where(None), f"{owner} has no '{key}'", (*once, key))


def _take_text(
    data: dict[str, Any],
    attr: str,
    owner: str,
    where: _Where,
    ctx: _Ctx,
    once: tuple[Any, ...],
    *,
    allow_number: bool = False,
) -> str:
    value = data.get(attr)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if allow_number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    ctx.add(
        where,
        f"'{attr}' of {owner} must be text, not {_type_name(value)}{_quote_hint(value)}",
        (*once, attr),
    )
    return ""


def _take_optional_key(
    data: dict[str, Any], attr: str, owner: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...]
) -> str | None:
    value = data.get(attr)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    ctx.add(where, f"'{attr}' of {owner} must be text, not {_type_name(value)}", (*once, attr))
    return None


def _take_bool(
    data: dict[str, Any], attr: str, owner: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...]
) -> bool:
    value = data.get(attr)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    ctx.add(where, f"'{attr}' of {owner} must be true or false, not {value!r}", (*once, attr))
    return False


def _canonical_shortcut(shortcut: str | None) -> str | None:
    """The canonical form of a shortcut read from a file; a bad one is kept for the checks."""
    if shortcut is None:
        return None
    try:
        return normalise_shortcut(shortcut)
    except ValueError:
        return shortcut  # reported by the checks, with the reason


def _parse_tree(data: Any, ctx: _Ctx) -> Codebook:
    """Codebook from loaded YAML / plain data; structural problems go to ctx."""
    if not isinstance(data, dict):
        ctx.add(
            _Where(line=_line_of(data) or (1 if ctx.origin else None)),
            "a codebook must be a mapping with format_version, name, version, description and "
            f"fields, not {_type_name(data)}",
        )
        raise CodebookError(ctx.problems)
    ctx.cb_where[None] = _Where(line=_line_of(data))
    for key, line in getattr(data, "key_lines", {}).items():
        if isinstance(key, str):
            ctx.cb_where[key] = _Where(line=line)

    fmt = data.get("format_version")
    if "format_version" in data:
        if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
            ctx.add(
                ctx.w_cb("format_version"),
                f"format_version must be a whole number of 1 or more, not {fmt!r}",
                ("cb", "format_version"),
            )
        elif fmt > FORMAT_VERSION:
            raise CodebookError([_newer_format_problem(ctx, ctx.w_cb("format_version"), fmt)])

    _check_mapping_keys(data, _CB_KEYS, _CB_REQUIRED, "the codebook", ctx.w_cb, ctx, ("cb",))
    owner = "the codebook"
    cb = Codebook(
        name=_take_text(data, "name", owner, ctx.w_cb("name"), ctx, ("cb",)),
        description=_take_text(data, "description", owner, ctx.w_cb("description"), ctx, ("cb",)),
    )
    version = data.get("version", 1)
    if isinstance(version, int) and not isinstance(version, bool) and version >= 1:
        cb.version = version
    else:
        ctx.add(
            ctx.w_cb("version"),
            f"the codebook version must be a whole number of 1 or more, not {version!r}",
            ("cb", "version"),
        )

    fields = data.get("fields")
    if fields is None:
        return cb
    if not isinstance(fields, list):
        ctx.add(
            ctx.w_cb("fields"),
            f"'fields' must be a list of fields, not {_type_name(fields)}",
            ("cb", "fields"),
        )
        return cb
    item_lines = getattr(fields, "item_lines", [])
    for number, item in enumerate(fields, start=1):
        if not isinstance(item, dict):
            line = item_lines[number - 1] if number <= len(item_lines) else None
            ctx.add(
                _Where(line=line),
                f"field number {number} must be a mapping with key, label, kind, ..., "
                f"not {_type_name(item)}",
            )
            continue
        cb.fields.append(_parse_field(item, len(cb.fields), number, ctx))
    return cb


def _newer_format_problem(ctx: _Ctx, where: _Where, fmt: Any) -> Problem:
    text = (
        f"this codebook was made by a newer UPR Coder: its file format version is {fmt}, and "
        f"this UPR Coder reads format version {FORMAT_VERSION} and older. Update UPR Coder "
        "to open it"
    )
    return Problem(ctx.prefix(where) + text, where.line, where.sheet, where.column)


def _places(data: Any) -> dict[str | None, _Where]:
    places: dict[str | None, _Where] = {None: _Where(line=_line_of(data))}
    for key, line in getattr(data, "key_lines", {}).items():
        if isinstance(key, str):
            places[key] = _Where(line=line)
    return places


def _parse_field(data: dict[str, Any], fi: int, number: int, ctx: _Ctx) -> Field:
    places = _places(data)
    ctx.field_where.append(places)
    ctx.code_where.append([])

    def where(attr: str | None) -> _Where:
        return ctx.w_field(fi, attr)

    once = ("field", fi)
    raw_key = data.get("key")
    owner = (
        f"field '{raw_key}'" if isinstance(raw_key, str) and raw_key else f"field number {number}"
    )
    _check_mapping_keys(data, _FIELD_KEYS, _FIELD_REQUIRED, owner, where, ctx, once)
    fld = Field(
        key=_take_text(data, "key", owner, where("key"), ctx, once),
        label=_take_text(data, "label", owner, where("label"), ctx, once),
        kind=_take_text(data, "kind", owner, where("kind"), ctx, once),
        description=_take_text(data, "description", owner, where("description"), ctx, once),
        required=_take_bool(data, "required", owner, where("required"), ctx, once),
    )
    codes = data.get("codes")
    if codes is None:
        return fld
    if not isinstance(codes, list):
        ctx.add(
            where("codes"),
            f"'codes' of {owner} must be a list of codes, not {_type_name(codes)}",
            (*once, "codes"),
        )
        return fld
    item_lines = getattr(codes, "item_lines", [])
    for cnumber, item in enumerate(codes, start=1):
        if not isinstance(item, dict):
            line = item_lines[cnumber - 1] if cnumber <= len(item_lines) else None
            ctx.add(
                _Where(line=line),
                f"code number {cnumber} in {owner} must be a mapping with key, label, ..., "
                f"not {_type_name(item)}",
            )
            continue
        ci = len(fld.codes)
        ctx.code_where[fi].append(_places(item))
        fld.codes.append(_parse_code(item, fi, ci, cnumber, fld, ctx))
    return fld


def _parse_code(data: dict[str, Any], fi: int, ci: int, number: int, fld: Field, ctx: _Ctx) -> Code:
    def where(attr: str | None) -> _Where:
        return ctx.w_code(fi, ci, attr)

    once = ("code", fi, ci)
    fname = f"field '{fld.key}'" if fld.key else f"field number {fi + 1}"
    raw_key = data.get("key")
    owner = (
        f"code '{raw_key}' in {fname}"
        if isinstance(raw_key, str | int) and not isinstance(raw_key, bool) and raw_key != ""
        else f"code number {number} in {fname}"
    )
    _check_mapping_keys(data, _CODE_KEYS, _CODE_REQUIRED, owner, where, ctx, once)
    code = Code(
        key=_take_text(data, "key", owner, where("key"), ctx, once, allow_number=True),
        label=_take_text(data, "label", owner, where("label"), ctx, once),
    )
    for attr in ("definition", "include", "exclude", "example"):
        setattr(code, attr, _take_text(data, attr, owner, where(attr), ctx, once))
    code.parent = _take_optional_key(data, "parent", owner, where("parent"), ctx, once)
    code.shortcut = _take_optional_key(data, "shortcut", owner, where("shortcut"), ctx, once)
    code.colour = _take_optional_key(data, "colour", owner, where("colour"), ctx, once)
    code.shortcut = _canonical_shortcut(code.shortcut)
    code.retired = _take_bool(data, "retired", owner, where("retired"), ctx, once)
    keywords = data.get("keywords")
    if keywords is None:
        code.keywords = []
    elif isinstance(keywords, list):
        code.keywords = list(keywords)
    else:
        ctx.add(
            where("keywords"),
            f"'keywords' of {owner} must be a list of words, not {_type_name(keywords)}",
            (*once, "keywords"),
        )
    return code
