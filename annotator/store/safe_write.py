"""One rule for every file the app writes: exports, coding sheets, reliability reports,
packages, backups and copies of a project.

A file is never written over the open project, its ``-wal``/``-shm`` files or its
backups folder, nor over any other project file unless the user asked for that very
file (``package create --overwrite`` onto an old package) and it is not the open
project. It is written under a temporary name in the target folder and renamed when
complete, so a failure or a kill never leaves a half-written file under the real name.
Temporary names start with ``TEMP_PREFIX`` and carry the writer's process id: what a
killed writer left behind is removed the next time a project is opened or a file is
written in that folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from annotator.store.errors import ProjectError

TEMP_PREFIX = ".upr-tmp-"
# A stray temporary file this old is stale even if its process id was reused since.
STALE_SECONDS = 24 * 3600
MAX_NAME_BYTES = 255
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
SQLITE_HEADER = b"SQLite format 3\x00"
BACKUPS_SUFFIX = ".backups"


class OutputRefused(ProjectError, ValueError):
    """A file was not written where asked; the message names it and says what to do.

    A ValueError too: the callers of the writers already show those to the user."""


def side_files(path: Path) -> list[Path]:
    """The files SQLite keeps beside a database."""
    return [path.with_name(path.name + suffix) for suffix in SIDE_SUFFIXES]


def is_project_file(path: Path) -> bool:
    """Whether ``path`` is a UPR Coder project (or package), read without changing it."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return False
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return False
    try:
        names = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlite3.Error:
        # A database whose header is ours but whose schema cannot be read: treat it as
        # precious rather than as scrap to write over.
        return True
    finally:
        connection.close()
    return {"alembic_version", "project_info"} <= names


def _same(one: Path, other: Path) -> bool:
    """The same file: by name once links are followed, or (hard links) by inode."""
    if one.resolve() == other.resolve():
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _refuse(out: Path, why: str, what_to_do: str) -> OutputRefused:
    return OutputRefused(f"{out} was not written: {why}. {what_to_do}")


def _belongs_to_project(out: Path) -> str | None:
    """Why ``out`` is part of some project (a side file or a backups folder), or None."""
    for suffix in SIDE_SUFFIXES:
        if out.name.endswith(suffix):
            base = out.with_name(out.name[: -len(suffix)])
            if is_project_file(base):
                return f"it is a working file of the project {base}"
    for folder in (out.parent, *out.parent.parents):
        if folder.name.endswith(BACKUPS_SUFFIX):
            stem = folder.name[: -len(BACKUPS_SUFFIX)]
            if any(is_project_file(p) for p in folder.parent.glob(f"{stem}.*")):
                return f"it is inside the backups folder {folder} of a project"
    return None


def check_target(
    out: str | Path,
    *,
    protect: Iterable[Path | None] = (),
    replace_project: bool = False,
) -> Path:
    """``out`` if a file may be written there, else OutputRefused saying why and what to do.

    ``protect``: the open project(s); never written over, nor their side files or
    backups. ``replace_project``: the user asked for this very file to be replaced even
    if it is a project file (an old package); never one in ``protect``.
    """
    out = Path(out).expanduser()
    name_bytes = len(os.fsencode(out.name))
    if name_bytes > MAX_NAME_BYTES:
        raise _refuse(
            out,
            f"its name is {name_bytes} bytes long and a file name can have at most "
            f"{MAX_NAME_BYTES}",
            "Choose a shorter name.",
        )
    if out.is_dir():
        raise _refuse(out, "it is a folder", "Give the name of the file to write.")
    if not out.parent.is_dir():
        in_the_way = next((p for p in (*reversed(out.parents),) if p.is_file()), None)
        if in_the_way is not None:
            raise _refuse(out, f"{in_the_way} is a file, not a folder", "Choose a folder.")
        raise _refuse(out, f"the folder {out.parent} does not exist", "Create it first.")
    for project in protect:
        if project is None:
            continue
        project = Path(project)
        if any(_same(out, p) for p in (project, *side_files(project))):
            raise _refuse(
                out,
                f"it is the open project {project} (writing there would replace it)",
                "Choose another file name.",
            )
        backups = project.parent / f"{project.stem}{BACKUPS_SUFFIX}"
        if out.resolve().is_relative_to(backups.resolve()):
            raise _refuse(
                out,
                f"it is inside the project's backups folder {backups}",
                "Choose a file outside that folder.",
            )
    belongs = _belongs_to_project(out)
    if belongs:
        raise _refuse(out, belongs, "Choose another file name.")
    if is_project_file(out) and not replace_project:
        raise _refuse(
            out,
            "it is a UPR Coder project and would be replaced",
            "Choose another file name (the project was not changed).",
        )
    return out


def temporary_path(out: Path) -> Path:
    """A new temporary name in ``out``'s folder: short, whatever the length of ``out``'s name."""
    suffix = out.suffix if len(out.suffix) <= 16 else ""
    return out.parent / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{suffix}"


def _remove(path: Path) -> None:
    # A name too long to exist (a side file of a 255-byte name) is not there either.
    with suppress(FileNotFoundError, IsADirectoryError, OSError):
        path.unlink()


def remove_database_files(path: Path) -> None:
    for leftover in (path, *side_files(path)):
        _remove(leftover)


@contextmanager
def written_whole(out: Path, *, database: bool = False) -> Iterator[Path]:
    """A temporary path to write ``out`` to; renamed onto ``out`` when the block ends
    without error, removed (with any SQLite side files) when it fails or is stopped.

    ``database``: ``out`` is a SQLite file, so an old log beside it is removed before
    the new file takes its name. The caller checks ``out`` first (``check_target``)."""
    sweep_folder(out.parent)
    partial = temporary_path(out)
    try:
        yield partial
        if database:
            for side in side_files(out):
                # A replaced database's old log must not be applied to the new file.
                _remove(side)
        os.replace(partial, out)
    except BaseException:
        remove_database_files(partial)
        raise
    finally:
        for side in side_files(partial):
            _remove(side)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_on_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: leave its files alone
    return True


def _alive_on_windows(pid: int) -> bool:
    # os.kill on Windows terminates the process whatever the signal: ask the kernel.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _owner(name: str) -> int | None:
    rest = name[len(TEMP_PREFIX) :] if name.startswith(TEMP_PREFIX) else None
    if rest is None:
        return None
    pid, _, _ = rest.partition("-")
    return int(pid) if pid.isdigit() else None


def sweep_folder(folder: Path) -> list[Path]:
    """Remove the temporary files (and a workbook's scratch folders) that writers which
    are no longer running left in ``folder``; returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        pid = _owner(entry.name)
        if pid is None:
            continue
        try:
            stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            is_folder = entry.is_dir(follow_symlinks=False)
            if not is_folder and not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        if stale or not _alive(pid):
            # A killed export leaves its workbook's scratch folder (annotator.workbooks),
            # which at 200,000 recommendations holds over a gigabyte.
            with suppress(OSError):
                if is_folder:
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def scratch_folder() -> Path:
    """Where big scratch files (an export's rows) go; swept like any target folder."""
    return Path(tempfile.gettempdir())


def scratch_file(suffix: str) -> tuple[int, str]:
    """A new scratch file (descriptor, path) named so a later sweep recognises it."""
    return tempfile.mkstemp(
        suffix=suffix, prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=scratch_folder()
    )


def sweep_at_start(project_path: Path | None) -> None:
    """What killed writers left: in the scratch folder, beside the project and in its
    backups folder."""
    sweep_folder(scratch_folder())
    if project_path is not None:
        sweep_folder(project_path.parent)
        sweep_folder(project_path.parent / f"{project_path.stem}{BACKUPS_SUFFIX}")
