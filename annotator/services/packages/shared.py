"""What making and merging packages both use: progress, cancelling, the merge's audit identity."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

ProgressFn = Callable[[str, int, int], None]

MERGE_ACTION = "merge"
# Fixed, so that the audit events a merge writes get the same identity whichever order
# packages are merged in (and so that a repeated conflict is recorded once).
MERGE_NAMESPACE = uuid.UUID("5b1f4a3e-7c0e-4d5e-9a61-2f7f0c8b9d14")


class MergeCancelled(Exception):
    """The coordinator stopped a merge or a package creation; nothing was written."""


def no_progress(_label: str, _done: int, _total: int) -> None:
    return None


def counted(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def json_object(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
