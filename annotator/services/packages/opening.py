"""Reading a coder's package without trusting it.

A package comes back from a volunteer's laptop, by e-mail or on a memory stick, so it is
treated as hostile until every check has passed:

- it is copied (with its ``-wal`` file, if one lies next to it) into a private temporary
  folder and read there, so SQLite never creates side files next to the coder's file and
  the file cannot change between the checks and the reading; its SHA-256 is taken from
  the very bytes that are read;
- the copy is opened read-only (``mode=ro``) with ``trusted_schema`` off, ``query_only``
  on and an authorizer that allows nothing but reading;
- before any record is read, its schema is compared with that of a freshly created empty
  project: a trigger, a view, or any table, column or index that the app does not make is
  refused, so nothing stored in the file can run while it is read (triggers and views are
  the only stored code SQLite runs on a plain read, and expression or partial indexes,
  which ``integrity_check`` evaluates, are refused before it runs);
- ``PRAGMA integrity_check`` must answer "ok" and ``PRAGMA foreign_key_check`` nothing;
- the schema revision must be the app's own, the sizes plausible (no text over 100,000
  characters, no more annotations than recommendations x codes x coders, ...), and every
  value read has the type it should have (SQLite stores whatever it is given).

Only then are the records a merge needs read into plain objects; the copy is deleted.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.limits import (
    MAX_CODER_TEXT,
    MAX_EVENT_JSON,
    MAX_RECOMMENDATION_TEXT,
    MAX_SOURCE_TEXT,
)
from annotator.services.packages.contents import (
    CHOICE_KINDS,
    PackageContents,
    PackageCounts,
)
from annotator.services.packages.errors import PackageRefused, refuse
from annotator.services.packages.reading import read_records
from annotator.services.packages.schema import (
    check_schema,
    connect_read_only,
    package_schema,
    quote_name,
)
from annotator.services.packages.value_checks import BadValue
from annotator.store.project import SQLITE_HEADER

MAX_DOCUMENT = 2_000_000  # a codebook's YAML: definitions and examples of every code

# Limits far above any real package; they keep a crafted file from exhausting memory.
# Texts: derived from the limits every entry point applies (annotator.limits), with room
# for texts saved by versions of the app that had no limit, so that the merge accepts
# whatever the app itself could have written.
MAX_TEXT = 5 * max(MAX_RECOMMENDATION_TEXT, MAX_SOURCE_TEXT, MAX_CODER_TEXT)
MAX_BYTES = 4 * 1024**3
MAX_CODERS = 100
MAX_FIELDS = 1_000
MAX_CODES = 100_000
MAX_INFO = 100
MAX_ROWS = 5_000_000
EVENTS_PER_VALUE = 100  # saves per field value: a coder changing their mind, many times
LONG_COLUMNS = {
    ("codebook_revision", "document"): MAX_DOCUMENT,
    # A value before and after as JSON, every non-ASCII character escaped.
    ("audit_event", "before"): MAX_EVENT_JSON,
    ("audit_event", "after"): MAX_EVENT_JSON,
}
COPY_CHUNK = 1024 * 1024


def _check_file(path: Path) -> int:
    try:
        if path.is_dir():
            raise refuse(path, "it is a folder, not a package file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise PackageRefused(f"There is no package at {path}.") from None
    if size == 0:
        raise refuse(path, "it is empty")
    if size > MAX_BYTES:
        raise refuse(path, f"it is far larger ({size / 1024**3:.1f} GB) than any package")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise refuse(path, "it is not a UPR Coder package (not a database file at all)")
    return size


def _has_content(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:  # a name too long to exist (beside a 255-byte package name)
        return False


def _copy(path: Path, folder: Path) -> tuple[Path, str]:
    """Copy the package (and a -wal file beside it) into ``folder``; their SHA-256."""
    target = folder / "package.upr"
    digest = hashlib.sha256()
    for source, copy in (
        (path, target),
        (path.with_name(path.name + "-wal"), target.with_name(target.name + "-wal")),
    ):
        if source is not path and not _has_content(source):
            continue  # no uncheckpointed work beside the file
        with source.open("rb") as src, copy.open("wb") as dst:
            while chunk := src.read(COPY_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    return target, digest.hexdigest()


@contextmanager
def _private_copy(path: Path) -> Iterator[tuple[sqlite3.Connection, str, int]]:
    size = _check_file(path)
    with tempfile.TemporaryDirectory(prefix="upr-package-") as folder:
        copy, sha256 = _copy(path, Path(folder))
        try:
            connection = connect_read_only(copy)
        except sqlite3.Error as error:
            raise refuse(path, f"it could not be opened ({error})") from None
        try:
            yield connection, sha256, size
        finally:
            connection.close()


def file_sha256(path: Path) -> str:
    """The SHA-256 a merge records for this package file."""
    with tempfile.TemporaryDirectory(prefix="upr-package-") as folder:
        return _copy(path, Path(folder))[1]


def read_package(path: Path) -> PackageContents:
    """Check the package at ``path`` and read what a merge needs; refuse it otherwise."""
    path = Path(path)
    with _private_copy(path) as (connection, sha256, size):
        try:
            check_schema(connection, path)
            _check_integrity(connection, path)
            counts = _check_sizes(connection, path)
            return read_records(connection, path, sha256, size, counts)
        except BadValue as bad:
            raise refuse(path, f"it is damaged or was altered ({bad})") from None
        except sqlite3.DatabaseError as error:
            raise refuse(path, f"it is damaged ({error})") from None


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
    if result != ["ok"]:
        raise refuse(path, f"it is damaged (the integrity check found: {result[0]})")
    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise refuse(path, f"it is damaged ({len(broken)} broken links between its records)")


def _count(connection: sqlite3.Connection, table: str) -> int:
    return connection.execute(f"SELECT count(*) FROM {quote_name(table)}").fetchone()[0]


def _check_sizes(connection: sqlite3.Connection, path: Path) -> PackageCounts:
    expected = package_schema(connection)
    for table, columns in expected.columns.items():
        if table.startswith("recommendation_fts"):
            continue  # the search index is neither read nor merged
        if _count(connection, table) > MAX_ROWS:
            raise refuse(path, f"it holds an absurd number of '{table}' records")
        names = [c[1] for c in columns]
        longest = connection.execute(
            "SELECT "
            + ", ".join(f"max(length({quote_name(n)}))" for n in names)
            + f" FROM {quote_name(table)}"
        ).fetchone()
        for name, length in zip(names, longest, strict=True):
            limit = LONG_COLUMNS.get((table, name), MAX_TEXT)
            if length is not None and length > limit:
                raise refuse(
                    path,
                    f"it holds a text of {length:,} characters ('{table}.{name}'); no value "
                    f"a coder enters is longer than {limit:,}",
                )
    counts = PackageCounts(
        recommendations=_count(connection, "recommendation"),
        coders=_count(connection, "coder"),
        annotations=_count(connection, "annotation"),
        statuses=_count(connection, "coding_status"),
        events=_count(connection, "audit_event"),
    )
    fields = _count(connection, "codebook_field")
    codes = _count(connection, "code")
    if counts.coders > MAX_CODERS or fields > MAX_FIELDS or codes > MAX_CODES:
        raise refuse(path, "it holds an absurd number of coders, fields or codes")
    if _count(connection, "project_info") > MAX_INFO:
        raise refuse(path, "it holds an absurd number of project facts")
    # Each coder can hold at most one annotation per code of a choice field and one per
    # other field, for each recommendation.
    slots = sum(
        (codes_in if kind in CHOICE_KINDS else 1)
        for kind, codes_in in connection.execute(
            "SELECT f.kind, (SELECT count(*) FROM code c WHERE c.field_id = f.id) "
            "FROM codebook_field f"
        )
    )
    most = counts.recommendations * max(slots, 1) * counts.coders
    if counts.annotations > most:
        raise refuse(
            path,
            f"it holds {counts.annotations:,} annotations, more than its "
            f"{counts.recommendations:,} recommendations, codes and coders allow",
        )
    if counts.statuses > counts.recommendations * counts.coders:
        raise refuse(path, "it holds more statuses than its recommendations and coders allow")
    if counts.events > EVENTS_PER_VALUE * most + 10_000:
        raise refuse(path, f"it holds an absurd number of changes ({counts.events:,})")
    return counts
