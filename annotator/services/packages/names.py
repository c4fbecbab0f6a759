"""File names for coders' packages: one per coder, never the same for two coders.

A name is made of the project's name and the coder's, keeping letters, digits, spaces,
dots and dashes. Two coders whose names clean to the same file name, or to names that
differ only in letter case (one file on Windows and macOS), such as "Ben" and "Ben.",
get a number after the later one, in the order the coders are given (the project's
order of coders keeps it the same from one time to the next).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from annotator.store.safe_write import MAX_NAME_BYTES

SUFFIX = ".upr"
# Room left in a file name for " (12)" and the ending.
_SPARE_BYTES = 16


def safe_name(text: str, fallback: str = "coder") -> str:
    """A piece of a file name from ``text``: letters, digits, spaces, dots and dashes."""
    cleaned = re.sub(r"[^\w .-]+", "_", text, flags=re.UNICODE).strip(" .")
    return cleaned or fallback


def _fit(name: str, limit: int) -> str:
    while len(os.fsencode(name)) > limit:
        name = name[:-1]
    return name.rstrip(" .")


def package_file_names(project_stem: str, coders: Sequence[str]) -> dict[str, str]:
    """The file name of each coder's package (``coders`` in the project's order)."""
    stem = safe_name(project_stem, "project")
    names: dict[str, str] = {}
    taken: set[str] = set()
    for coder in coders:
        base = _fit(f"{stem} - {safe_name(coder)}", MAX_NAME_BYTES - _SPARE_BYTES)
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base} ({number})"
        taken.add(name.casefold())
        names[coder] = name + SUFFIX
    return names
