"""The codebook: fields and codes, their YAML and xlsx forms, and validation.

Pure Python (no Qt, no database). A codebook has fields of a kind (``multi``, ``single``,
``ordinal``, ``boolean``, ``text``); choice fields have codes. Codebooks are shared as YAML
(``load_yaml`` / ``dump_yaml``) and as an Excel workbook (``load_xlsx`` / ``save_xlsx``);
every loader checks everything, collects all problems and raises one ``CodebookError``
whose problems name the file and the YAML line or the sheet, row and column.

Loading never runs anything from the file: YAML is read with ``yaml.SafeLoader`` and xlsx
with openpyxl in read-only, values-only mode. Saving writes every text as a text cell, so
that no cell can be read as a formula.

File format notes: ``docs/codebook-format.md``.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FIELD_KINDS",
    "FORMAT_VERSION",
    "Code",
    "Codebook",
    "CodebookError",
    "Field",
    "Problem",
    "builtin_codebook",
    "dump_yaml",
    "from_dict",
    "load_xlsx",
    "load_yaml",
    "normalise_shortcut",
    "save_xlsx",
    "save_yaml",
    "to_dict",
    "validate",
]

FIELD_KINDS = ("multi", "single", "ordinal", "boolean", "text")
CHOICE_KINDS = ("multi", "single", "ordinal")
FORMAT_VERSION = 1  # version of the YAML/xlsx file format itself

BUILTIN_FILE = "upr-recommendations.yaml"


# --------------------------------------------------------------------------- the model


@dataclass
class Code:
    key: str  # stable identifier, [a-z0-9_.-]+ (ordinal codes are "1".."5")
    label: str
    definition: str = ""
    include: str = ""  # when to apply
    exclude: str = ""  # when not to apply
    example: str = ""
    parent: str | None = None  # key of a parent code in the same (multi) field
    shortcut: str | None = None  # "a", "7", "Alt+3"; canonical form via normalise_shortcut
    colour: str | None = None  # "#rrggbb"
    retired: bool = False  # retire, never delete, a code that annotations use
    keywords: list[str] = field(default_factory=list)  # words that suggest the code


@dataclass
class Field:
    key: str
    label: str
    kind: str  # one of FIELD_KINDS
    description: str = ""
    required: bool = False
    # ordered; boolean and text fields have none; ordinal codes are in scale order
    codes: list[Code] = field(default_factory=list)

    def code(self, key: str) -> Code:
        """The code with this key; KeyError if the field has none."""
        for code in self.codes:
            if code.key == key:
                return code
        raise KeyError(f"field '{self.key}' has no code '{key}'")


@dataclass
class Codebook:
    name: str
    version: int = 1  # bumped by the app on every saved change
    description: str = ""
    fields: list[Field] = dataclasses.field(default_factory=list)

    def field(self, key: str) -> Field:
        """The field with this key; KeyError if the codebook has none."""
        for fld in self.fields:
            if fld.key == key:
                return fld
        raise KeyError(f"codebook '{self.name}' has no field '{key}'")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a codebook; ``message`` is a full sentence naming the place."""

    message: str
    line: int | None = None  # YAML line (1-based) or xlsx row
    sheet: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        return self.message


class CodebookError(ValueError):
    """A codebook could not be read or is not valid; ``str()`` lists every problem."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,))


# --------------------------------------------------------------------------- shortcuts

_MODIFIERS = {
    "ctrl": "Ctrl",
    "control": "Ctrl",
    "alt": "Alt",
    "option": "Alt",
    "shift": "Shift",
    "meta": "Meta",
}
_MODIFIER_ORDER = ("Ctrl", "Alt", "Shift", "Meta")
_PUNCTUATION_KEYS = frozenset("`-=[]\\;',./")
_FUNCTION_KEY = re.compile(r"[fF]([1-9]|1[0-9]|2[0-4])")


def normalise_shortcut(text: str) -> str:
    """The canonical form of a keyboard shortcut.

    A shortcut is one key, optionally after modifiers joined with ``+``. Keys are a single
    letter (always lower case), digit or punctuation key, or F1-F24. Modifiers are Ctrl,
    Alt, Shift and Meta (``control`` and ``option`` are accepted as aliases), written
    capitalised and in that order. ``"alt+3"`` gives ``"Alt+3"``, ``" A "`` gives ``"a"``,
    ``"shift + ctrl + X"`` gives ``"Ctrl+Shift+x"``. Raises ValueError on anything else.
    """
    if not isinstance(text, str):
        raise ValueError(f"a shortcut must be text, not {_type_name(text)}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("the shortcut is empty")
    parts = [part.strip() for part in stripped.split("+")]
    if any(not part for part in parts):
        raise ValueError(
            f"'{text}' has an empty part; write a shortcut like 'a', '7', 'Alt+3' or 'Ctrl+Shift+x'"
        )
    *modifiers, key = parts
    seen: set[str] = set()
    for modifier in modifiers:
        canonical = _MODIFIERS.get(modifier.lower())
        if canonical is None:
            raise ValueError(f"'{modifier}' is not a modifier (use Ctrl, Alt, Shift or Meta)")
        if canonical in seen:
            raise ValueError(f"'{text}' names the modifier {canonical} twice")
        seen.add(canonical)
    if key.lower() in _MODIFIERS:
        raise ValueError(f"'{text}' has modifiers but no key")
    if len(key) == 1 and key.isascii() and key.isalnum():
        canonical_key = key.lower()
    elif len(key) == 1 and key in _PUNCTUATION_KEYS:
        canonical_key = key
    elif _FUNCTION_KEY.fullmatch(key):
        canonical_key = "F" + key[1:]
    else:
        raise ValueError(
            f"'{key}' is not a key: use a single letter, digit or punctuation key, or F1-F24"
        )
    return "+".join([m for m in _MODIFIER_ORDER if m in seen] + [canonical_key])


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


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date | datetime.datetime):
        return "a date"
    return f"a {type(value).__name__}"


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


# --------------------------------------------------------------------------- dict form

_CB_KEYS = ("format_version", "name", "version", "description", "fields")
_CB_REQUIRED = ("format_version", "name", "fields")
_FIELD_KEYS = ("key", "label", "kind", "description", "required", "codes")
_FIELD_REQUIRED = ("key", "label", "kind")
_CODE_KEYS = (
    "key",
    "label",
    "definition",
    "include",
    "exclude",
    "example",
    "parent",
    "shortcut",
    "colour",
    "retired",
    "keywords",
)
_CODE_REQUIRED = ("key", "label")


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
    out: dict[str, Any] = {"key": code.key, "label": code.label}
    for attr in ("definition", "include", "exclude", "example"):
        if getattr(code, attr):
            out[attr] = getattr(code, attr)
    for attr in ("parent", "shortcut", "colour"):
        if getattr(code, attr) is not None:
            out[attr] = getattr(code, attr)
    if code.retired:
        out["retired"] = True
    if code.keywords:
        out["keywords"] = list(code.keywords)
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


# --------------------------------------------------------------------------- YAML


class _LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the lines of its keys (and keys given twice)."""

    line: int
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int, int]]


class _LineList(list):  # type: ignore[type-arg]
    """A sequence that remembers the lines of its items."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """yaml.SafeLoader whose mappings and sequences record their source lines."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    data = _LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is not a single value",
                key_node.start_mark,
            ) from None
        value = loader.construct_object(value_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicate_keys.append((key, line, data.key_lines[key]))
        else:
            data.key_lines[key] = line
        data[key] = value
    return data


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    data = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    return data


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _looks_like_path(source: str) -> bool:
    if "\n" in source or "\r" in source or not source.strip():
        return False
    if Path(source).suffix.lower() in (".yaml", ".yml"):
        return True
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False


def load_yaml(source: str | Path) -> Codebook:
    """Load a codebook from a YAML file (a Path, or a str naming a .yaml/.yml or existing file)
    or from YAML text. Raises CodebookError with line numbers listing every problem."""
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        origin: str | None = path.name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CodebookError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise CodebookError(
                [
                    Problem(
                        f"{origin}, line {line}: the file is not UTF-8 text (byte "
                        f"0x{raw[exc.start]:02x}); save it as UTF-8",
                        line,
                    )
                ]
            ) from None
    elif isinstance(source, str):
        origin, text = None, source
    else:
        raise CodebookError(f"expected YAML text or a file path, not {_type_name(source)}")
    return _load_yaml_text(text.removeprefix("\ufeff"), origin)


def _syntax_problem(origin: str | None, mark: Any, text: str) -> Problem:
    """A YAML syntax error, at yaml's own line and column."""
    parts = [origin] if origin else []
    line = None
    if mark is not None:
        line = mark.line + 1
        parts += [f"line {line}", f"column {mark.column + 1}"]
    return Problem((", ".join(parts) + ": " if parts else "") + text, line)


def _load_yaml_text(text: str, origin: str | None) -> Codebook:
    ctx = _Ctx(origin)
    if not text.strip():
        ctx.add(_NOWHERE, "the codebook is empty (expected format_version, name and fields)")
        ctx.raise_if_any()
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise CodebookError([_syntax_problem(origin, mark, f"not valid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        what = (
            f"the character U+{exc.character:04X} is not allowed in YAML"
            if isinstance(exc.character, int)
            else f"not valid YAML: {exc.reason}"
        )
        raise CodebookError([Problem(ctx.prefix(_Where(line=line)) + what, line)]) from None
    except yaml.YAMLError as exc:
        raise CodebookError(ctx.prefix(_NOWHERE) + f"not valid YAML: {exc}") from None
    except RecursionError:
        raise CodebookError(ctx.prefix(_NOWHERE) + "the YAML is nested too deeply") from None
    if data is None:
        ctx.add(_NOWHERE, "the codebook is empty (expected format_version, name and fields)")
        ctx.raise_if_any()
    cb = _parse_tree(data, ctx)
    _run_checks(cb, ctx)
    ctx.raise_if_any()
    return cb


class _FlowList(list):  # type: ignore[type-arg]
    """A list dumped on one line: [a, b, c]."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # indent list items under their key
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        # literal block for multi-line text (the emitter falls back to quotes if it must)
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def dump_yaml(cb: Codebook) -> str:
    """The YAML text of a codebook (load_yaml of it gives an equal codebook)."""
    data = to_dict(cb)
    for fld in data["fields"]:
        for code in fld.get("codes", ()):
            if "keywords" in code:
                code["keywords"] = _FlowList(code["keywords"])
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _raise_if_invalid(cb: Codebook) -> None:
    problems = validate(cb)
    if problems:
        raise CodebookError(problems)


def save_yaml(cb: Codebook, path: str | Path) -> None:
    """Write a codebook as a UTF-8 YAML file; refuses (CodebookError) an invalid codebook."""
    _raise_if_invalid(cb)
    text = dump_yaml(cb)
    _write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


# --------------------------------------------------------------------------- xlsx

SHEET_CODES = "Codes"
SHEET_FIELDS = "Fields"
SHEET_CODEBOOK = "Codebook"
_SHEETS = (SHEET_CODES, SHEET_FIELDS, SHEET_CODEBOOK)
CODES_COLUMNS = (
    "field",
    "key",
    "label",
    "definition",
    "include",
    "exclude",
    "example",
    "parent",
    "shortcut",
    "colour",
    "retired",
    "keywords",
)
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

# OOXML escapes characters that XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_).
# openpyxl neither writes nor reads these escapes; a carriage return would otherwise be lost.
_XL_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_XL_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xl_escape(text: str) -> str:
    return _XL_NEEDS_ESCAPE.sub("_x005F_", text).replace("\r", "_x000D_")


def _xl_unescape(text: str) -> str:
    return _XL_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _put(ws: Any, row: int, col: int, value: str | int | None) -> Any:
    """Write one cell; text is always a text cell, never a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = _xl_escape(value)
        cell.data_type = "s"  # "=...", "+...", "-...", "@..." stay text
    else:
        cell.value = value
    return cell


def _write_sheet(ws: Any, columns: tuple[str, ...], rows: list[list[str | int | None]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, name in enumerate(columns, start=1):
        _put(ws, 1, j, name).font = bold
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(name, 16)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for i, values in enumerate(rows, start=2):
        for j, (name, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = _put(ws, i, j, value)
            cell.alignment = wrap if name in _WRAPPED else top
    ws.freeze_panes = "A2"


def save_xlsx(cb: Codebook, path: str | Path) -> None:
    """Write a codebook as an Excel workbook (sheets Codes, Fields, Codebook).

    Refuses (CodebookError) an invalid codebook. No cell is written as a formula.
    """
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    _raise_if_invalid(cb)
    wb = openpyxl.Workbook()
    codes_ws = wb.active
    codes_ws.title = SHEET_CODES
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
    _write_sheet(codes_ws, CODES_COLUMNS, code_rows)

    fields_ws = wb.create_sheet(SHEET_FIELDS)
    field_rows: list[list[str | int | None]] = [
        [fld.key, fld.label, fld.kind, fld.description or None, "yes" if fld.required else None]
        for fld in cb.fields
    ]
    _write_sheet(fields_ws, FIELDS_COLUMNS, field_rows)
    kinds = DataValidation(type="list", formula1='"' + ",".join(FIELD_KINDS) + '"')
    kinds.add("C2:C1000")
    fields_ws.add_data_validation(kinds)

    book_ws = wb.create_sheet(SHEET_CODEBOOK)
    book_rows: list[list[str | int | None]] = [
        ["format_version", FORMAT_VERSION],
        ["name", cb.name],
        ["version", cb.version],
        ["description", cb.description or None],
    ]
    _write_sheet(book_ws, CODEBOOK_COLUMNS, book_rows)
    _write_atomically(Path(path), lambda tmp: wb.save(tmp))


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
        once = ("field", fi)
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


# --------------------------------------------------------------------------- built-in


def builtin_codebook() -> Codebook:
    """The built-in "UPR recommendations" codebook (a fresh copy on every call)."""
    from annotator.paths import resource_path

    return load_yaml(resource_path("codebooks", BUILTIN_FILE))
