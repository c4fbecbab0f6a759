"""Validation of a codebook: every problem, each naming its field, code and place."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from annotator.codebook.model import (
    Code,
    Codebook,
    CodebookError,
    Field,
    Problem,
)
from annotator.codebook.shortcuts import _type_name, normalise_shortcut
from annotator.vocabulary import CHOICE_KINDS, FIELD_KINDS

# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class _Where:
    line: int | None = None
    sheet: str | None = None
    column: str | None = None


_NOWHERE = _Where()


class _Ctx:
    """Collects problems and knows where each part of the codebook came from."""

    def __init__(self, origin: str | None = None) -> None:
        self.origin = origin
        self.problems: list[Problem] = []
        self._reported: set[tuple[Any, ...]] = set()
        self.cb_where: dict[str | None, _Where] = {}
        self.field_where: list[dict[str | None, _Where]] = []
        self.code_where: list[list[dict[str | None, _Where]]] = []
        self.checked: Codebook | None = None  # the codebook being checked

    # where things are
    def w_cb(self, attr: str | None = None) -> _Where:
        return self.cb_where.get(attr) or self.cb_where.get(None) or _NOWHERE

    def w_field(self, fi: int, attr: str | None = None) -> _Where:
        if fi >= len(self.field_where):
            return _NOWHERE
        places = self.field_where[fi]
        return places.get(attr) or places.get(None) or _NOWHERE

    def w_code(self, fi: int, ci: int, attr: str | None = None) -> _Where:
        if fi >= len(self.code_where) or ci >= len(self.code_where[fi]):
            return _NOWHERE
        places = self.code_where[fi][ci]
        return places.get(attr) or places.get(None) or _NOWHERE

    # reporting
    def prefix(self, where: _Where) -> str:
        parts = [self.origin] if self.origin else []
        if where.sheet:
            parts.append(f"sheet '{where.sheet}'")
        if where.line is not None:
            parts.append(f"{'row' if where.sheet else 'line'} {where.line}")
        if where.column:
            parts.append(f"column '{where.column}'")
        return ", ".join(parts) + ": " if parts else ""

    @staticmethod
    def ref(where: _Where) -> str:
        """'line 12' or 'row 12': another place, for 'first at ...' tails ('' if unknown)."""
        if where.line is None:
            return ""
        return f"{'row' if where.sheet else 'line'} {where.line}"

    def add(self, where: _Where, text: str, once: tuple[Any, ...] | None = None) -> None:
        if once is not None:
            if once in self._reported:
                return
            self._reported.add(once)
        self.problems.append(
            Problem(self.prefix(where) + text, where.line, where.sheet, where.column)
        )

    def reported(self, once: tuple[Any, ...]) -> bool:
        return once in self._reported

    def raise_if_any(self) -> None:
        if self.problems:
            raise CodebookError(self.sorted_problems())

    def sorted_problems(self) -> list[Problem]:
        """Problems in file order: by sheet (Codes, Fields, Codebook), then line or row."""
        order = {name: i for i, name in enumerate(("Codes", "Fields", "Codebook"))}
        return sorted(self.problems, key=lambda p: (order.get(p.sheet or "", -1), p.line or 0))


# --------------------------------------------------------------------------- validation

_KEY = re.compile(r"[a-z0-9_.-]+")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
# control characters (but tab, LF, CR), surrogates and non-characters cannot be saved
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_KEY_RULE = "may only contain lower-case letters, digits, '_', '.' and '-'"


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool | int | float | datetime.date):
        return " (put it in quotes)"
    return ""


def _field_name(fld: Any, fi: int) -> str:
    key = getattr(fld, "key", None)
    if isinstance(key, str) and key:
        return f"field '{key}'"
    return f"field number {fi + 1}"


def _code_name(fld: Any, fi: int, code: Any, ci: int) -> str:
    key = getattr(code, "key", None)
    name = f"code '{key}'" if isinstance(key, str) and key else f"code number {ci + 1}"
    return f"{name} in {_field_name(fld, fi)}"


def _check_text(
    value: Any, what: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...], *, required: bool
) -> None:
    if ctx.reported(once):
        return
    if not isinstance(value, str):
        ctx.add(where, f"{what} must be text, not {_type_name(value)}{_quote_hint(value)}", once)
    elif required and not value.strip():
        ctx.add(where, f"{what} is empty", once)
    elif (bad := _BAD_CHAR.search(value)) is not None:
        ctx.add(
            where,
            f"{what} contains the control character U+{ord(bad.group()):04X}, "
            "which cannot be saved",
            once,
        )


def _check_bool(value: Any, what: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...]) -> None:
    if not isinstance(value, bool):
        ctx.add(where, f"{what} must be true or false, not {_type_name(value)}", once)


def _check_key(value: Any, what: str, where: _Where, ctx: _Ctx, once: tuple[Any, ...]) -> bool:
    """True if value is a valid key (reports the problem otherwise)."""
    if ctx.reported(once):
        return False
    if not isinstance(value, str):
        ctx.add(where, f"{what} must be text, not {_type_name(value)}", once)
        return False
    if not value:
        ctx.add(where, f"{what} is empty", once)
        return False
    if not _KEY.fullmatch(value):
        ctx.add(where, f"{what} '{value}' is not valid: a key {_KEY_RULE}", once)
        return False
    return True


def _check(cb: Any, ctx: _Ctx) -> None:
    """Check a built codebook; problems go to ctx (which knows where things came from)."""
    if not isinstance(cb, Codebook):
        ctx.add(_NOWHERE, f"expected a Codebook, not {_type_name(cb)}")
        return
    _check_text(cb.name, "the codebook name", ctx.w_cb("name"), ctx, ("cb", "name"), required=True)
    if not ctx.reported(("cb", "version")) and (
        not isinstance(cb.version, int) or isinstance(cb.version, bool) or cb.version < 1
    ):
        ctx.add(
            ctx.w_cb("version"),
            f"the codebook version must be a whole number of 1 or more, not {cb.version!r}",
            ("cb", "version"),
        )
    _check_text(
        cb.description,
        "the codebook description",
        ctx.w_cb("description"),
        ctx,
        ("cb", "description"),
        required=False,
    )
    if not isinstance(cb.fields, list):
        ctx.add(ctx.w_cb("fields"), "the codebook's fields must be a list", ("cb", "fields"))
        return

    field_seen: dict[str, int] = {}
    # normalised shortcut -> (field index, code index) of its first use
    shortcuts: dict[str, tuple[int, int]] = {}
    for fi, fld in enumerate(cb.fields):
        if not isinstance(fld, Field):
            ctx.add(ctx.w_field(fi), f"field number {fi + 1} is {_type_name(fld)}, not a Field")
            continue
        _check_field(fld, fi, ctx, field_seen, shortcuts)


def _check_field(
    fld: Field,
    fi: int,
    ctx: _Ctx,
    field_seen: dict[str, int],
    shortcuts: dict[str, tuple[int, int]],
) -> None:
    fname = _field_name(fld, fi)
    once = ("field", fi)
    if _check_key(fld.key, f"the key of {fname}", ctx.w_field(fi, "key"), ctx, (*once, "key")):
        if fld.key in field_seen:
            first = ctx.ref(ctx.w_field(field_seen[fld.key], "key"))
            ctx.add(
                ctx.w_field(fi, "key"),
                f"field '{fld.key}' appears twice" + (f" (first at {first})" if first else ""),
                (*once, "key"),
            )
        else:
            field_seen[fld.key] = fi
    _check_text(
        fld.label,
        f"the label of {fname}",
        ctx.w_field(fi, "label"),
        ctx,
        (*once, "label"),
        required=True,
    )
    _check_text(
        fld.description,
        f"the description of {fname}",
        ctx.w_field(fi, "description"),
        ctx,
        (*once, "description"),
        required=False,
    )
    if not ctx.reported((*once, "required")):
        _check_bool(
            fld.required,
            f"'required' of {fname}",
            ctx.w_field(fi, "required"),
            ctx,
            (*once, "required"),
        )
    kind_ok = isinstance(fld.kind, str) and fld.kind in FIELD_KINDS
    if not kind_ok and not ctx.reported((*once, "kind")):
        ctx.add(
            ctx.w_field(fi, "kind"),
            f"{fname} has unknown kind {fld.kind!r} (expected one of {', '.join(FIELD_KINDS)})",
            (*once, "kind"),
        )
    if not isinstance(fld.codes, list):
        ctx.add(ctx.w_field(fi, "codes"), f"the codes of {fname} must be a list", (*once, "codes"))
        return
    if kind_ok and fld.kind not in CHOICE_KINDS and fld.codes:
        first_code = ctx.w_code(fi, 0)
        ctx.add(
            first_code if first_code.line is not None else ctx.w_field(fi, "codes"),
            f"{fname} is a {fld.kind} field, which cannot have codes "
            f"(found {len(fld.codes)}); only multi, single and ordinal fields have codes",
            (*once, "codes"),
        )
    if kind_ok and fld.kind in CHOICE_KINDS and not fld.codes:
        ctx.add(
            ctx.w_field(fi, "codes"),
            f"{fname} is a {fld.kind} field but has no codes",
            (*once, "codes"),
        )

    codes_seen: dict[str, int] = {}
    for ci, code in enumerate(fld.codes):
        if not isinstance(code, Code):
            ctx.add(
                ctx.w_code(fi, ci),
                f"code number {ci + 1} in {fname} is {_type_name(code)}, not a Code",
            )
            continue
        _check_code(fld, fi, code, ci, ctx, codes_seen, shortcuts)

    if kind_ok and fld.kind == "multi":
        _check_parents(fld, fi, ctx, codes_seen)
    if kind_ok and fld.kind == "ordinal":
        _check_ordinal(fld, fi, ctx)


def _check_code(
    fld: Field,
    fi: int,
    code: Code,
    ci: int,
    ctx: _Ctx,
    codes_seen: dict[str, int],
    shortcuts: dict[str, tuple[int, int]],
) -> None:
    cname = _code_name(fld, fi, code, ci)
    fkey = fld.key if isinstance(fld.key, str) else "?"
    once = ("code", fi, ci)

    def w(attr: str | None = None) -> _Where:
        return ctx.w_code(fi, ci, attr)

    if _check_key(code.key, f"the key of {cname}", w("key"), ctx, (*once, "key")):
        if code.key in codes_seen:
            first = ctx.ref(ctx.w_code(fi, codes_seen[code.key], "key"))
            ctx.add(
                w("key"),
                f"code '{code.key}' appears twice in field '{fkey}'"
                + (f" (first at {first})" if first else ""),
                (*once, "key"),
            )
        else:
            codes_seen[code.key] = ci
    _check_text(
        code.label, f"the label of {cname}", w("label"), ctx, (*once, "label"), required=True
    )
    for attr in ("definition", "include", "exclude", "example"):
        _check_text(
            getattr(code, attr),
            f"the {attr} of {cname}",
            w(attr),
            ctx,
            (*once, attr),
            required=False,
        )
    if not ctx.reported((*once, "retired")):
        _check_bool(code.retired, f"'retired' of {cname}", w("retired"), ctx, (*once, "retired"))

    if code.parent is not None and not ctx.reported((*once, "parent")):
        if not isinstance(code.parent, str):
            ctx.add(
                w("parent"),
                f"the parent of {cname} must be a code key, not {_type_name(code.parent)}",
                (*once, "parent"),
            )
        elif fld.kind != "multi" and fld.kind in FIELD_KINDS:
            ctx.add(
                w("parent"),
                f"{cname} has parent '{code.parent}', but only codes of multi fields can have "
                f"a parent ('{fkey}' is a {fld.kind} field)",
                (*once, "parent"),
            )

    if code.shortcut is not None and not ctx.reported((*once, "shortcut")):
        try:
            shortcut = normalise_shortcut(code.shortcut)
        except ValueError as exc:
            ctx.add(
                w("shortcut"),
                f"the shortcut {code.shortcut!r} of {cname} is not valid: {exc}",
                (*once, "shortcut"),
            )
        else:
            if shortcut in shortcuts:
                ofi, oci = shortcuts[shortcut]
                other = ctx.ref(ctx.w_code(ofi, oci, "shortcut"))
                ctx.add(
                    w("shortcut"),
                    f"shortcut '{shortcut}' of {cname} clashes with code "
                    f"'{_cb_code_key(ctx, ofi, oci)}' in field '{_cb_field_key(ctx, ofi)}'"
                    + (f" ({other})" if other else ""),
                    (*once, "shortcut"),
                )
            else:
                shortcuts[shortcut] = (fi, ci)

    if (
        code.colour is not None
        and not ctx.reported((*once, "colour"))
        and (not isinstance(code.colour, str) or not _COLOUR.fullmatch(code.colour))
    ):
        ctx.add(
            w("colour"),
            f"the colour {code.colour!r} of {cname} is not of the form '#rrggbb' "
            "(for example '#1f77b4')",
            (*once, "colour"),
        )

    if not ctx.reported((*once, "keywords")):
        if not isinstance(code.keywords, list):
            ctx.add(
                w("keywords"),
                f"the keywords of {cname} must be a list of words, not {_type_name(code.keywords)}",
                (*once, "keywords"),
            )
        else:
            for word in code.keywords:
                _check_keyword(word, cname, w("keywords"), ctx)


def _check_keyword(word: Any, cname: str, where: _Where, ctx: _Ctx) -> None:
    if not isinstance(word, str):
        ctx.add(where, f"keyword {word!r} of {cname} must be text, not {_type_name(word)}")
    elif not word.strip():
        ctx.add(where, f"{cname} has an empty keyword")
    elif ";" in word or "\n" in word or "\r" in word:
        ctx.add(where, f"keyword {word!r} of {cname} may not contain ';' or a line break")
    elif word != word.strip():
        ctx.add(where, f"keyword {word!r} of {cname} has spaces at its start or end")
    elif (bad := _BAD_CHAR.search(word)) is not None:
        ctx.add(
            where,
            f"keyword {word!r} of {cname} contains the control character "
            f"U+{ord(bad.group()):04X}, which cannot be saved",
        )


def _cb_field_key(ctx: _Ctx, fi: int) -> str:
    return str(ctx.checked.fields[fi].key) if ctx.checked is not None else "?"


def _cb_code_key(ctx: _Ctx, fi: int, ci: int) -> str:
    return str(ctx.checked.fields[fi].codes[ci].key) if ctx.checked is not None else "?"


def _check_parents(fld: Field, fi: int, ctx: _Ctx, codes_seen: dict[str, int]) -> None:
    fkey = fld.key
    parent_of: dict[str, str] = {}
    for ci, code in enumerate(fld.codes):
        if not isinstance(code, Code) or not isinstance(code.parent, str):
            continue
        once = ("code", fi, ci, "parent")
        if ctx.reported(once) or not isinstance(code.key, str):
            continue
        if code.parent == code.key:
            ctx.add(
                ctx.w_code(fi, ci, "parent"),
                f"code '{code.key}' in field '{fkey}' is its own parent",
                once,
            )
        elif code.parent not in codes_seen:
            ctx.add(
                ctx.w_code(fi, ci, "parent"),
                f"parent '{code.parent}' of code '{code.key}' in field '{fkey}' is not a code "
                f"of field '{fkey}'",
                once,
            )
        elif codes_seen.get(code.key) == ci:
            parent_of[code.key] = code.parent
    # cycles of two or more codes: follow parents, remembering the path
    done: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parent_of.get(node)
        if node is not None and node in on_path:
            cycle = path[path.index(node) :]
            first_ci = codes_seen[cycle[0]]
            chain = " -> ".join(f"'{k}'" for k in [*cycle, cycle[0]])
            ctx.add(
                ctx.w_code(fi, first_ci, "parent"),
                f"the parents of codes {chain} in field '{fkey}' form a cycle",
                ("code", fi, first_ci, "parent"),
            )
        done.update(path)


def _check_ordinal(fld: Field, fi: int, ctx: _Ctx) -> None:
    expected: int | None = None
    for ci, code in enumerate(fld.codes):
        if not isinstance(code, Code) or not isinstance(code.key, str):
            return
        once = ("code", fi, ci, "key")
        if ctx.reported(once):
            return
        if not _INTEGER.fullmatch(code.key):
            ctx.add(
                ctx.w_code(fi, ci, "key"),
                f"code '{code.key}' in ordinal field '{fld.key}' must be keyed by a whole "
                "number: ordinal codes are '1', '2', '3', ... in scale order",
                once,
            )
            return
        value = int(code.key)
        if expected is not None and value != expected:
            ctx.add(
                ctx.w_code(fi, ci, "key"),
                f"code '{code.key}' in ordinal field '{fld.key}' should be '{expected}': "
                "ordinal codes must be consecutive whole numbers in scale order",
                once,
            )
            return
        expected = value + 1


def _run_checks(cb: Any, ctx: _Ctx) -> None:
    ctx.checked = cb if isinstance(cb, Codebook) else None
    _check(cb, ctx)


def validate(cb: Codebook) -> list[Problem]:
    """Every problem of a codebook (an empty list if it is valid).

    The problems carry no source lines; their messages name the field and the code.
    """
    ctx = _Ctx()
    _run_checks(cb, ctx)
    return ctx.problems
