"""Responses to recommendations: the state's own wording and the UN's normalised position.

The raw wording is always kept as published; ``position`` is derived from it and is
only ever 'supported', 'noted' or unknown (None): a coder verifies the rest.
"""

from __future__ import annotations

import re

SUPPORTED = "supported"
NOTED = "noted"

_SPACES = re.compile(r"\s+")

# Checked in order: the first pattern found in the normalised wording decides.
_RULES: tuple[tuple[str, str | None], ...] = (
    ("partially", None),
    ("partly", None),
    ("not accepted", NOTED),
    ("not supported", NOTED),
    ("does not accept", NOTED),
    ("does not support", NOTED),
    ("rejected", NOTED),
    ("noted", NOTED),
    ("accepted", SUPPORTED),
    ("supported", SUPPORTED),
    ("implemented", SUPPORTED),
    ("accepts", SUPPORTED),
    ("supports", SUPPORTED),
)


def clean_wording(raw: str | None) -> str | None:
    """The published wording with spacing tidied; None for blank."""
    if raw is None:
        return None
    text = _SPACES.sub(" ", str(raw)).strip()
    return text or None


def normalise_position(raw: str | None) -> str | None:
    """'supported' or 'noted' for wording that clearly says so, else None.

    Partial acceptance is left unknown on purpose: the UN splits or notes such
    recommendations case by case, so a coder decides.
    """
    text = clean_wording(raw)
    if text is None:
        return None
    lowered = text.casefold()
    for pattern, position in _RULES:
        if pattern in lowered:
            return position
    return None
