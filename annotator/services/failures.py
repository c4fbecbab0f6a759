"""Telling a failure a person can cause from a bug, in plain words, for the front ends."""

from __future__ import annotations

import errno
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from annotator.store.errors import ProjectError, database_failure


def person_caused_failure(error: BaseException, where: str) -> ProjectError | None:
    """The project's own error for a database failure a person can cause (a lock, a
    read-only file, a full disk), else None: anything else is a bug."""
    if isinstance(error, DBAPIError):
        return database_failure(error, where)
    return None


def file_problem(error: OSError, target: Path | None = None, *, writing: bool = True) -> str:
    """One sentence for a file the app could not write (or read): the folder or file,
    the reason, what to do. ``target`` is the file the person asked for: the error's
    own file name may be a temporary one (.upr-tmp-…), which a person never chose, so
    it is never shown; nor is the errno."""
    path = target if target is not None else Path(error.filename or "the file")
    folder = path.parent
    code = error.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        if writing and target is not None and target.exists():
            return (
                f"{target} could not be replaced: it is read-only, or open in another "
                "program (such as Excel). Close it there, or choose another name."
            )
        if not writing:
            return f"You may not read {path}. Ask its owner, or copy it somewhere you can."
        return f"The folder {folder} is read-only. Choose another folder."
    if code == errno.ENOSPC:
        return f"The disk holding {folder} is full. Free some space, or choose another folder."
    if code == errno.ENOTDIR:
        return f"{_file_among(folder)} is a file, not a folder. Choose a folder."
    if code == errno.ENOENT:
        if not writing:
            return f"There is no file {path}. Check its name and folder."
        return f"The folder {folder} does not exist. Create it first, or choose another folder."
    if code == errno.ENAMETOOLONG:
        return f"The name {path.name} is too long for the disk. Choose a shorter name."
    if code == errno.EISDIR:
        return f"{path} is a folder. Give the name of a file."
    reason = (error.strerror or "the system refused").rstrip(".").lower()
    verb = "written" if writing else "read"
    return f"{path} could not be {verb} ({reason}). Choose another folder or file."


def _file_among(folder: Path) -> Path:
    """The first of ``folder`` and its parents that is a file (what stands in the way)."""
    for candidate in (*reversed(folder.parents), folder):
        if candidate.is_file():
            return candidate
    return folder


class FileFailure(ProjectError, ValueError):
    """A file was not written (or read); the message says where, why and what to do.

    A ValueError too: the front ends already show those to the person as they are."""
