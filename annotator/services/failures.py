"""Telling a database failure a person can cause from a bug, for the front ends."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from annotator.store.errors import ProjectError, database_failure


def person_caused_failure(error: BaseException, where: str) -> ProjectError | None:
    """The project's own error for a database failure a person can cause (a lock, a
    read-only file, a full disk), else None: anything else is a bug."""
    if isinstance(error, DBAPIError):
        return database_failure(error, where)
    return None
