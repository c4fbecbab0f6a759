"""Backup copies of a project file, taken with SQLite's online backup API.

A plain file copy of a database in WAL mode can miss committed pages that still sit
in the -wal file; the backup API copies a consistent snapshot.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_KEEP = 5


def backup_folder(path: Path) -> Path:
    return path.parent / f"{path.stem}.backups"


def list_backups(path: Path) -> list[Path]:
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem}-*{path.suffix or '.upr'}"))


def make_backup(path: Path, label: str, *, keep: int = DEFAULT_KEEP) -> Path:
    """Copy ``path`` into ``<stem>.backups/``, named by UTC time and label; keep the newest few."""
    folder = backup_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}-{label}{path.suffix or '.upr'}"
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    for old in list_backups(path)[:-keep]:
        old.unlink(missing_ok=True)
    return target
