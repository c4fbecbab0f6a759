"""Query helpers every service shares."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result

T = TypeVar("T")

# Ids per ``IN (...)``: one list of every id would pass SQLite's limit on bound
# parameters (999 in builds before 3.32) and PostgreSQL's 65,535 at a large project.
CHUNK = 500


def in_chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """The items in lists of at most ``size``, in order, for ``column.in_(chunk)``."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (a DML statement's result is a cursor's,
    which SQLAlchemy's types do not say)."""
    return cast(CursorResult[Any], result).rowcount
