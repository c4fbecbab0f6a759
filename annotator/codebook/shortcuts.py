"""Keyboard shortcuts of codes, in one canonical spelling."""

from __future__ import annotations

import datetime
import re
from typing import Any

MODIFIERS = {
    "ctrl": "Ctrl",
    "control": "Ctrl",
    "alt": "Alt",
    "option": "Alt",
    "shift": "Shift",
    "meta": "Meta",
}
MODIFIER_ORDER = ("Ctrl", "Alt", "Shift", "Meta")
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
        canonical = MODIFIERS.get(modifier.lower())
        if canonical is None:
            raise ValueError(f"'{modifier}' is not a modifier (use Ctrl, Alt, Shift or Meta)")
        if canonical in seen:
            raise ValueError(f"'{text}' names the modifier {canonical} twice")
        seen.add(canonical)
    if key.lower() in MODIFIERS:
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
    return "+".join([m for m in MODIFIER_ORDER if m in seen] + [canonical_key])


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
