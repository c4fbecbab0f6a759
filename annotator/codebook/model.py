"""The codebook model: a codebook's fields and their codes, and the code tree."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from annotator.vocabulary import CHOICE_KINDS

FORMAT_VERSION = 1  # version of the YAML/xlsx file format itself


# Ids of the project's rows: set on a codebook read from a project, None in a file or a
# new code. They are not part of what a code says, so comparing codebooks ignores them.
_STORED = {"stored": True}


def _stored_id() -> Any:
    return field(default=None, compare=False, repr=False, metadata=_STORED)


def _required_id(thing: object, key: str, value: int | None) -> int:
    if value is None:
        raise ValueError(f"{type(thing).__name__} '{key}' is not one read from a project.")
    return value


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
    id: int | None = _stored_id()
    parent_id: int | None = _stored_id()  # the parent's id, when read from a project

    @property
    def stored_id(self) -> int:
        """The id of a code read from a project (where services need it, always set)."""
        return _required_id(self, self.key, self.id)


# What a code says, in file order: the YAML keys, the xlsx columns (after "field"), the
# stored columns and the audit trail's record of a code all follow this one list.
CODE_ATTRIBUTES: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Code) if not f.metadata.get("stored")
)


@dataclass
class Field:
    key: str
    label: str
    kind: str  # one of FIELD_KINDS
    description: str = ""
    required: bool = False
    # ordered; boolean and text fields have none; ordinal codes are in scale order
    codes: list[Code] = field(default_factory=list)
    id: int | None = _stored_id()

    @property
    def stored_id(self) -> int:
        """The id of a field read from a project (where services need it, always set)."""
        return _required_id(self, self.key, self.id)

    @property
    def is_choice(self) -> bool:
        """Whether a value of this field is a choice of codes."""
        return self.kind in CHOICE_KINDS

    def code(self, key: str) -> Code:
        """The code with this key; KeyError if the field has none."""
        for code in self.codes:
            if code.key == key:
                return code
        raise KeyError(f"field '{self.key}' has no code '{key}'")

    # The code tree. Parents are code keys; a code whose parent is missing (or itself)
    # counts as top-level, so that a tree that validation would refuse can still be walked.

    def _parent_in_tree(self, code: Code, keys: set[str]) -> str | None:
        return code.parent if code.parent in keys and code.parent != code.key else None

    def children(self, parent: str | None = None) -> list[Code]:
        """The codes directly under ``parent`` (the top-level codes for None), in order."""
        keys = {c.key for c in self.codes}
        return [c for c in self.codes if self._parent_in_tree(c, keys) == parent]

    def siblings(self, key: str) -> list[Code]:
        """The codes that share this code's parent (itself included), in order."""
        return [c for c in self.codes if c.parent == self.code(key).parent]

    def descendants(self, key: str) -> list[Code]:
        """Every code below ``key`` (children, their children, ...), each once, depth first."""
        out: list[Code] = []
        seen = {key}
        todo = [key]
        while todo:
            parent = todo.pop()
            for code in self.codes:
                if code.parent == parent and code.key not in seen:
                    seen.add(code.key)
                    out.append(code)
                    todo.append(code.key)
        return out

    def ancestors(self, key: str) -> list[Code]:
        """The code's parent, its parent's parent, ... up to a top-level code.

        A cycle of parents is followed once round (the code itself is never included).
        """
        keys = {c.key for c in self.codes}
        out: list[Code] = []
        seen = {key}
        parent = self._parent_in_tree(self.code(key), keys)
        while parent is not None and parent not in seen:
            seen.add(parent)
            code = self.code(parent)
            out.append(code)
            parent = self._parent_in_tree(code, keys)
        return out

    def depth(self, key: str) -> int:
        """0 for a top-level code, 1 for its children, ...; a cycle counts once round."""
        return len(self.ancestors(key))

    def preorder(self) -> list[Code]:
        """The codes with every code's children right after it, siblings in their order.

        Codes caught in a cycle of parents, which no top-level code reaches, come last.
        """
        keys = {c.key for c in self.codes}
        under: dict[str | None, list[Code]] = {}
        for code in self.codes:
            under.setdefault(self._parent_in_tree(code, keys), []).append(code)
        out: list[Code] = []
        seen: set[int] = set()
        todo = list(reversed(under.get(None, [])))
        while todo:
            code = todo.pop()
            if id(code) in seen:
                continue
            seen.add(id(code))
            out.append(code)
            todo.extend(reversed(under.get(code.key, [])))
        out.extend(c for c in self.codes if id(c) not in seen)
        return out


# What a field says besides its codes (the YAML keys, xlsx columns and stored columns).
FIELD_ATTRIBUTES: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Field) if f.name != "codes" and not f.metadata.get("stored")
)


@dataclass
class Codebook:
    name: str
    version: int = 1  # bumped by the app on every saved change
    description: str = ""
    fields: list[Field] = dataclasses.field(default_factory=list)
    id: int | None = _stored_id()

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
