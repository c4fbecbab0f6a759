"""Recommendation paragraph numbers ("28.1", "150.10") as text, and their reading order."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def sort_key(number: str | None) -> str:
    """A string that sorts the way people read numbers: 150.2 before 150.10.

    Each run of digits is zero-padded to 8 places; the rest is case-folded. Stored in
    the database so that ordering happens in SQL, on an index.
    """
    if not number:
        return ""
    parts = _DIGITS.split(number.strip())
    return "".join(p.zfill(8) if p.isdigit() else p.lower() for p in parts)
