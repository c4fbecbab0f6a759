"""Which key does what on the coding form: one assignment, the same everywhere.

Codes keep the codebook's own shortcut. A code of a single-choice or ordinal field
without one gets a key assigned here, so that every field can be coded from the
keyboard: the field's codes take the first family of digit keys ("1".."0", "Alt+1",
"Ctrl+1", "Ctrl+Alt+1") whose keys are all free, else the first free key one by one.
Every field also gets a key that moves the focus to it (Alt and a letter of its label,
else an F-key). ``reserved`` is what the window already uses (its shortcuts and menu
mnemonics), in any spelling. ``HELD_BACK`` (Alt+1..Alt+5) is never assigned: those keys
accept theme suggestions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from string import ascii_lowercase

from annotator.codebook.model import Field
from annotator.codebook.shortcuts import MODIFIER_ORDER, MODIFIERS

_DIGITS = "1234567890"
FAMILIES = ("{}", "Alt+{}", "Ctrl+{}", "Ctrl+Alt+{}")
FOCUS_F_KEYS = tuple(f"F{n}" for n in (2, 3, 4, 6, 7, 8, 9, 11, 12))
# Kept for accepting theme suggestions (issue 16): nothing assigned here takes them. A
# codebook's own shortcut still may, as the coordinator chose it.
HELD_BACK = tuple(f"Alt+{d}" for d in "12345")


def key_id(text: str) -> str:
    """A key in one spelling for comparing: "ctrl+shift+F" == "Ctrl+Shift+f"."""
    text = text.strip()
    if text.endswith("++"):
        parts, key = text[:-2].split("+") if text[:-2] else [], "+"
    else:
        *parts, key = text.split("+")
    mods = {MODIFIERS.get(p.strip().lower(), p.strip()) for p in parts if p.strip()}
    return "+".join([m for m in MODIFIER_ORDER if m in mods] + [key.strip().lower()])


@dataclass(frozen=True)
class FormKeys:
    codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, code) -> key
    fields: dict[str, str] = field(default_factory=dict)  # field key -> focus key

    def code_key(self, field_key: str, code_key: str) -> str | None:
        return self.codes.get((field_key, code_key))

    def all_keys(self) -> list[str]:
        return [*self.codes.values(), *self.fields.values()]


def assign_keys(fields: Sequence[Field], reserved: Iterable[str] = ()) -> FormKeys:
    taken = {key_id(k) for k in (*reserved, *HELD_BACK) if k}
    codes: dict[tuple[str, str], str] = {}
    for fld in fields:
        for code in fld.codes:
            if code.shortcut and not code.retired:
                codes[(fld.key, code.key)] = code.shortcut
                taken.add(key_id(code.shortcut))
    for fld in fields:
        if fld.kind not in ("single", "ordinal"):
            continue
        active = [c for c in fld.codes if not c.retired]
        needed = [(i, c) for i, c in enumerate(active) if not c.shortcut]
        if not needed:
            continue
        chosen = _family_for(needed, taken)
        if chosen is None:
            pool = [f.format(d) for f in FAMILIES for d in _DIGITS] + list(ascii_lowercase)
            free = (k for k in pool if key_id(k) not in taken)
            chosen = {i: k for (i, _c), k in zip(needed, free, strict=False)}
        for i, code in needed:
            if i in chosen:
                codes[(fld.key, code.key)] = chosen[i]
                taken.add(key_id(chosen[i]))
    focus: dict[str, str] = {}
    for fld in fields:
        key = _focus_key(fld.label, taken)
        if key is not None:
            focus[fld.key] = key
            taken.add(key_id(key))
    return FormKeys(codes, focus)


def _family_for(needed: list, taken: set[str]) -> dict[int, str] | None:
    if needed[-1][0] >= len(_DIGITS):
        return None
    for family in FAMILIES:
        keys = {i: family.format(_DIGITS[i]) for i, _c in needed}
        if all(key_id(k) not in taken for k in keys.values()):
            return keys
    return None


def _focus_key(label: str, taken: set[str]) -> str | None:
    words = label.casefold().split()
    letters = [w[0] for w in words if w] + [ch for ch in label.casefold()]
    for letter in letters:
        if letter in ascii_lowercase and key_id(f"Alt+{letter}") not in taken:
            return f"Alt+{letter.upper()}"
    return next((k for k in FOCUS_F_KEYS if key_id(k) not in taken), None)


def with_assigned_keys(fields: Sequence[Field], reserved: Iterable[str] = ()) -> tuple[Field, ...]:
    """The fields as the form shows them: every code carrying the key it answers to.

    Copies, so the codebook itself (and what is saved or exported) keeps only the keys
    the coordinator chose; the assigned ones exist on screen and in the window's actions.
    """
    return apply_keys(fields, assign_keys(fields, reserved))


def apply_keys(fields: Sequence[Field], keys: FormKeys) -> tuple[Field, ...]:
    """Copies of ``fields`` whose codes carry the keys of ``keys``."""
    return tuple(
        dataclasses.replace(
            fld,
            codes=[
                dataclasses.replace(code, shortcut=keys.code_key(fld.key, code.key) or shortcut)
                for code in fld.codes
                for shortcut in [code.shortcut]
            ],
        )
        for fld in fields
    )
