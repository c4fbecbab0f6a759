"""Errors a person can read: each names the file and says what to do."""


class ProjectError(Exception):
    """A project could not be opened or changed; the message is for the user."""


class NotAProjectError(ProjectError):
    pass


class NewerProjectError(ProjectError):
    pass


class MigrationError(ProjectError):
    pass


class PasswordNeeded(ProjectError):
    """The server wants a password the URL, PGPASSWORD and ~/.pgpass did not give (or it
    refused the one given); the app asks for it, the command line says where to put it."""

    def __init__(self, message: str, url: str, *, refused: bool) -> None:
        super().__init__(message)
        self.url = url
        self.refused = refused


class ServerRefused(ProjectError):
    """The team server's own rules (its logins' roles) refused a read or a change."""


class ProjectBusy(Exception):
    """Another program held the project's write lock for too long; nothing was written."""


class ProjectLocked(ProjectError):
    """Another program held the write lock past the busy timeout; nothing was written
    (``Project.write_retrying`` tries again, then raises ProjectBusy)."""


class ProjectReadOnly(ProjectError):
    """The project file (or its folder) cannot be written: nothing can be saved."""


class DiskFull(ProjectError):
    """The disk holding the project is full; the change was not saved."""


def read_only_message(where: str) -> str:
    return (
        f"This project is read-only: {where} cannot be changed (the file or its folder "
        "is write-protected, or on a read-only disk). Nothing was saved. Copy the project "
        "to a folder you can write to and open the copy, or ask whoever set it up."
    )


def disk_full_message(where: str) -> str:
    return (
        f"The disk holding {where} is full: the change was not saved. Free some space "
        "(empty the bin, move large files) and try again."
    )


def busy_message(where: str) -> str:
    return (
        f"{where} is in use: another program is saving to it and held it for too long. "
        "Nothing was written. Wait a moment (or close the other program) and try again."
    )


def database_failure(error: BaseException, where: str) -> ProjectError | None:
    """The user-facing error for a database failure a person can cause, else None.

    SQLite reports these as OperationalError with a fixed wording ("database is
    locked", "attempt to write a readonly database", "database or disk is full").
    """
    text = str(getattr(error, "orig", None) or error).lower()
    # PostgreSQL's lock_not_available: a lock_timeout (or NOWAIT) ran out on a lock.
    server_lock = getattr(getattr(error, "orig", None), "sqlstate", None) == "55P03"
    if server_lock or "locked" in text or "busy" in text:
        return ProjectLocked(busy_message(where))
    if "readonly" in text or "read-only" in text:
        return ProjectReadOnly(read_only_message(where))
    if "disk is full" in text or "disk full" in text or "no space" in text:
        return DiskFull(disk_full_message(where))
    if "disk i/o error" in text:
        return disk_error(where)
    return None


def disk_error(where: str) -> ProjectError:
    """SQLite's "disk I/O error": a full disk (when it is) or a disk that went away."""
    import shutil
    from pathlib import Path

    folder = Path(where).parent
    try:
        full = shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        full = False
    if full:
        return DiskFull(disk_full_message(where))
    return ProjectError(
        f"{where} could not be read or written (a disk error). Check that the disk "
        "or network folder is still there, and try again."
    )


def file_failure(error: OSError) -> str | None:
    """A plain sentence for an OSError a person can cause (naming the file), else None."""
    import errno

    name = error.filename or "the file"
    messages = {
        errno.ENOSPC: f"The disk is full: {name} could not be written. Free some space "
        "and try again; nothing else was changed.",
        errno.EROFS: f"{name} is on a read-only disk; choose another place.",
        errno.EACCES: f"You may not write {name} (permission denied); choose another "
        "place, or ask the owner of the folder.",
        errno.EPERM: f"{name} may not be changed (it is write-protected); choose another place.",
        errno.ENAMETOOLONG: f"The name {name} is too long for the disk (at most 255 "
        "bytes for one name); choose a shorter name.",
        errno.ENOENT: f"There is no such file or folder: {name}.",
        errno.EISDIR: f"{name} is a folder; give a file name.",
    }
    return messages.get(error.errno or -1)
