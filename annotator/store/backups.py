"""Backup copies of a project file, taken with SQLite's online backup API.

A plain file copy of a database in WAL mode can miss committed pages that still sit
in the -wal file; the backup API copies a consistent snapshot. The copy is written
under a temporary name and renamed when complete, so a kill leaves no file that looks
like a backup. Only complete SQLite files count as backups, and the newest are the
newest by the files' own times (a clock set back or a copied folder does not make the
one just taken the "oldest").
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from annotator.store.safe_write import SQLITE_HEADER, TEMP_PREFIX, written_whole

DEFAULT_KEEP = 5


def backup_folder(path: Path) -> Path:
    return path.parent / f"{path.stem}.backups"


def is_complete_database(path: Path) -> bool:
    """Whether ``path`` is a whole SQLite file: its header is right and its length is
    the page count its header gives (a truncated copy is shorter)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False
    if len(header) < 100 or header[:16] != SQLITE_HEADER:
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    if page_size < 512 or size == 0 or size % page_size:
        return False
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96]:
        return True  # a header from before SQLite kept its size there: the length is all
    return size == pages * page_size


def list_backups(path: Path) -> list[Path]:
    """The project's backups, oldest first by modification time (complete files only)."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.glob(f"{path.stem}-*{path.suffix or '.upr'}")
        if not p.name.startswith(TEMP_PREFIX) and is_complete_database(p)
    ]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def make_backup(path: Path, label: str, *, keep: int = DEFAULT_KEEP) -> Path:
    """Copy ``path`` into ``<stem>.backups/``, named by UTC time and label; keep the newest
    ``keep`` (the one just made always among them)."""
    folder = backup_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}-{label}{path.suffix or '.upr'}"
    with written_whole(target, database=True) as partial:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(partial)
            try:
                source.backup(destination)
                # A backup is one file: no -wal beside it to lose on the way.
                destination.execute("PRAGMA journal_mode = DELETE")
            finally:
                destination.close()
        finally:
            source.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
    others = [p for p in list_backups(path) if p != target]
    # The one just made is the newest whatever the clocks say (a backup stamped in the
    # future by a skewed clock must not outrank it).
    newest = max((p.stat().st_mtime_ns for p in others), default=0)
    if target.stat().st_mtime_ns <= newest:
        os.utime(target, ns=(newest + 1_000, newest + 1_000))
    for old in others[: max(len(others) - (keep - 1), 0)]:
        old.unlink(missing_ok=True)
    return target
