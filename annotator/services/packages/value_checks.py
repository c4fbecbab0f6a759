"""Checks of each value read from a package (SQLite stores whatever it is given)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.services.packages.errors import refuse


class BadValue(ValueError):
    """A value of the wrong type or form; turned into a refusal naming the package."""


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise BadValue(f"text expected, found {type(value).__name__}")
    return value


def as_optional_text(value: Any) -> str | None:
    return None if value is None else as_text(value)


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"a whole number expected, found {type(value).__name__}")
    return value


def as_flag(value: Any) -> bool:
    # SQLite keeps a Boolean as 0 or 1; anything else was put there by hand.
    if isinstance(value, bool) or value not in (0, 1):
        raise BadValue(f"0 or 1 expected, found {value!r:.20}")
    return bool(value)


def as_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(as_text(value))
    except ValueError:
        raise BadValue(f"an identifier expected, found {value!r:.40}") from None


def unique_uuids(rows: Iterable[tuple[Any, Any]], what: str, path: Path) -> dict[int, uuid.UUID]:
    """Each record's parsed uuid by its id; two records whose uuids are one and the same
    once parsed (``ABC…`` and ``abc…``, with or without dashes) refuse the package."""
    parsed: dict[int, uuid.UUID] = {}
    first: dict[uuid.UUID, tuple[int, str]] = {}
    for rid, raw in rows:
        key, value = as_int(rid), as_uuid(raw)
        if value in first:
            (one, one_text), (two, two_text) = sorted([first[value], (key, as_text(raw))])
            raise refuse(
                path,
                f"two {what} (its records {one} and {two}) carry the same identity "
                f"{value}, written as {one_text!r:.40} and {two_text!r:.40}; it was altered "
                "after it was made, so ask the coder to make the package again",
            )
        first[value] = (key, as_text(raw))
        parsed[key] = value
    return parsed


def as_time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(as_text(value))
    except ValueError:
        raise BadValue(f"a time expected, found {value!r:.40}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite keeps no zone; the app stores UTC
    return moment.astimezone(UTC)


def as_seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("a number of seconds expected")
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 <= seconds < 10**9:
        raise BadValue(f"an impossible time spent: {seconds!r}")
    return seconds
