"""Backups: renamed into place when complete, rotated by the files' own times, the one
just made always kept, and a truncated file never counted as a backup."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from annotator.store.backups import backup_folder, is_complete_database, list_backups, make_backup
from annotator.store.project import open_project, read_revision
from annotator.store.safe_write import TEMP_PREFIX


def _project(tmp_path: Path) -> Path:
    path = tmp_path / "p.upr"
    open_project(path, create=True).close()
    return path


def _fake_backup(path: Path, name: str, mtime: float, *, truncated: bool = False) -> Path:
    """A backup file as an earlier run (or a killed one) left it."""
    folder = backup_folder(path)
    folder.mkdir(exist_ok=True)
    target = folder / name
    source = sqlite3.connect(path)
    destination = sqlite3.connect(target)
    source.backup(destination)
    destination.execute("PRAGMA journal_mode = DELETE")
    destination.close()
    source.close()
    if truncated:
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 2])
    os.utime(target, (mtime, mtime))
    return target


def test_a_backup_is_a_complete_single_file_and_nothing_else_is_left(tmp_path):
    path = _project(tmp_path)
    made = make_backup(path, "before-test")
    assert made.parent == backup_folder(path)
    assert is_complete_database(made)
    assert read_revision(made) == read_revision(path)
    assert sorted(p.name for p in backup_folder(path).iterdir()) == [made.name]


def test_a_truncated_file_named_like_a_backup_does_not_count(tmp_path):
    path = _project(tmp_path)
    now = time.time()
    half = _fake_backup(path, "p-20260101T000000000000Z-before-merge.upr", now, truncated=True)
    assert not is_complete_database(half)
    assert list_backups(path) == []
    kept = [
        _fake_backup(path, f"p-2025010{i}T000000000000Z-before-merge.upr", now - 100 + i)
        for i in range(1, 5)
    ]
    made = make_backup(path, "before-merge")
    # Five complete backups: four older ones and the new one; the half file is not one.
    assert list_backups(path) == [*kept, made]
    assert half.exists()  # not ours to delete: it is not counted, that is all


def test_rotation_follows_the_files_times_and_keeps_the_new_one_despite_clock_skew(tmp_path):
    path = _project(tmp_path)
    now = time.time()
    # Five backups a skewed clock stamped in the future (names and times both).
    future = [
        _fake_backup(path, f"p-2099010{i}T000000000000Z-before-merge.upr", now + 86_400 * i)
        for i in range(1, 6)
    ]
    made = make_backup(path, "before-merge")
    assert made.exists()
    kept = list_backups(path)
    assert len(kept) == 5 and kept[-1] == made
    assert kept[:-1] == future[1:]  # the oldest by time went, not the one just made
    assert not future[0].exists()


def test_rotation_by_time_not_by_name(tmp_path):
    path = _project(tmp_path)
    now = time.time()
    # Names that sort the other way round from their times.
    older = _fake_backup(path, "p-Z-before-merge.upr", now - 200)
    newer = _fake_backup(path, "p-A-before-merge.upr", now - 100)
    made = make_backup(path, "before-merge", keep=2)
    assert list_backups(path) == [newer, made]
    assert not older.exists()


def test_a_killed_backup_leaves_only_a_temporary_that_is_swept(tmp_path):
    path = _project(tmp_path)
    folder = backup_folder(path)
    folder.mkdir()
    # What a backup killed half-way leaves now: a temporary name of a process that is gone.
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    leftover = folder / f"{TEMP_PREFIX}{dead}-abcdef.upr"
    leftover.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert list_backups(path) == []
    open_project(path).close()
    assert not leftover.exists()
