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
import json
import math
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annotator.limits import (
    MAX_CODER_TEXT,
    MAX_EVENT_JSON,
    MAX_RECOMMENDATION_TEXT,
    MAX_SOURCE_TEXT,
)
from annotator.store.errors import ProjectError
from annotator.store.migrations import head_revision, known_revisions
from annotator.store.models import CODER_ROLES, FIELD_KINDS, STATUSES
from annotator.store.project import SQLITE_HEADER, open_project

MARKER_KEY = "package_of"
FORMAT = "upr-coder-package"
FORMAT_VERSION = 1
CHOICE_KINDS = ("multi", "single", "ordinal")

# Limits far above any real package; they keep a crafted file from exhausting memory.
# Texts: derived from the limits every entry point applies (annotator.limits), with room
# for texts saved by versions of the app that had no limit, so that the merge accepts
# whatever the app itself could have written.
MAX_TEXT = 5 * max(MAX_RECOMMENDATION_TEXT, MAX_SOURCE_TEXT, MAX_CODER_TEXT)
MAX_DOCUMENT = 2_000_000  # a codebook's YAML: definitions and examples of every code
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
# SQLite's own statistics (ANALYZE) hold no code; a package may have them.
TOLERATED = frozenset({"sqlite_stat1", "sqlite_stat4"})
_READ_ONLY_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
    }
)
_COPY_CHUNK = 1024 * 1024


class PackageError(ProjectError):
    """A package could not be made or merged; the message says why and what to do."""


class PackageRefused(PackageError):
    """A package file was refused; nothing was merged."""


def refuse(path: Path, reason: str) -> PackageRefused:
    return PackageRefused(
        f"{path} was refused: {reason}. Nothing was merged; the project is unchanged."
    )


# ------------------------------------------------------------------------- what is read


@dataclass(frozen=True)
class Marker:
    """What ``project_info['package_of']`` says: whose package it is and what it was made of."""

    package_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    coder_name: str
    made_at: datetime
    made_by: str | None
    codebook_uuid: uuid.UUID
    codebook_version: int
    recommendations: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "package_uuid": str(self.package_uuid),
                "coder_uuid": str(self.coder_uuid),
                "coder_name": self.coder_name,
                "made_at": self.made_at.isoformat(),
                "made_by": self.made_by,
                "codebook_uuid": str(self.codebook_uuid),
                "codebook_version": self.codebook_version,
                "recommendations": self.recommendations,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str, path: Path) -> Marker:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("not a package marker")
            if data.get("format_version") != FORMAT_VERSION:
                raise refuse(
                    path,
                    f"it is a package of format {data.get('format_version')!r}, which this "
                    "version of UPR Coder does not read",
                )
            return cls(
                package_uuid=_uuid(data["package_uuid"]),
                coder_uuid=_uuid(data["coder_uuid"]),
                coder_name=_text(data["coder_name"]),
                made_at=_time(data["made_at"]),
                made_by=_optional_text(data.get("made_by")),
                codebook_uuid=_uuid(data["codebook_uuid"]),
                codebook_version=_int(data["codebook_version"]),
                recommendations=_int(data["recommendations"]),
            )
        except PackageRefused:
            raise
        except (ValueError, KeyError, TypeError):
            raise refuse(path, "its package marker is damaged") from None


@dataclass(frozen=True)
class FieldInfo:
    uuid: uuid.UUID
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class CodeInfo:
    uuid: uuid.UUID
    field_uuid: uuid.UUID
    key: str
    label: str


@dataclass(frozen=True)
class PackagedCodebook:
    uuid: uuid.UUID
    name: str
    version: int
    fields: dict[uuid.UUID, FieldInfo]
    codes: dict[uuid.UUID, CodeInfo]


@dataclass(frozen=True)
class CoderInfo:
    uuid: uuid.UUID
    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class AnnotationRecord:
    uuid: uuid.UUID
    recommendation_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    field_uuid: uuid.UUID
    code_uuid: uuid.UUID | None
    value: str | None
    codebook_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StatusRecord:
    recommendation_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    status: str
    flag_reason: str | None
    seconds_spent: float
    updated_at: datetime


@dataclass(frozen=True)
class EventValue:
    """A field value as an audit event describes it, by code identity."""

    codes: frozenset[uuid.UUID]
    text: str | None


@dataclass(frozen=True)
class EventRecord:
    """One change the coder made in the package ("annotate" or "status")."""

    uuid: uuid.UUID
    at: datetime
    coder_uuid: uuid.UUID
    action: str
    entity: str
    recommendation_uuid: uuid.UUID
    field_uuid: uuid.UUID | None  # annotate events only
    before: EventValue | tuple[str, str | None]  # a value, or (status, reason)
    after: EventValue | tuple[str, str | None]


@dataclass
class PackageContents:
    path: Path
    sha256: str
    size: int
    project_uuid: str
    info: dict[str, str]
    marker: Marker
    codebook: PackagedCodebook
    coders: dict[uuid.UUID, CoderInfo]
    recommendations: frozenset[uuid.UUID]
    annotations: list[AnnotationRecord]
    statuses: list[StatusRecord]
    events: list[EventRecord]

    @property
    def name(self) -> str:
        return self.path.name


# ----------------------------------------------------------------------- value checks


class _Bad(ValueError):
    """A value of the wrong type or form; turned into a refusal naming the package."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"text expected, found {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"a whole number expected, found {type(value).__name__}")
    return value


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(_text(value))
    except ValueError:
        raise _Bad(f"an identifier expected, found {value!r:.40}") from None


def _unique_uuids(rows: Iterable[tuple[Any, Any]], what: str, path: Path) -> dict[int, uuid.UUID]:
    """Each record's parsed uuid by its id; two records whose uuids are one and the same
    once parsed (``ABC…`` and ``abc…``, with or without dashes) refuse the package."""
    parsed: dict[int, uuid.UUID] = {}
    first: dict[uuid.UUID, tuple[int, str]] = {}
    for rid, raw in rows:
        key, value = _int(rid), _uuid(raw)
        if value in first:
            (one, one_text), (two, two_text) = sorted([first[value], (key, _text(raw))])
            raise refuse(
                path,
                f"two {what} (its records {one} and {two}) carry the same identity "
                f"{value}, written as {one_text!r:.40} and {two_text!r:.40}; it was altered "
                "after it was made, so ask the coder to make the package again",
            )
        first[value] = (key, _text(raw))
        parsed[key] = value
    return parsed


def _time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        raise _Bad(f"a time expected, found {value!r:.40}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite keeps no zone; the app stores UTC
    return moment.astimezone(UTC)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("a number of seconds expected")
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 <= seconds < 10**9:
        raise _Bad(f"an impossible time spent: {seconds!r}")
    return seconds


# ---------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Schema:
    """The shape of a project database, as SQLite reports it (not as text).

    SQLite names the indexes behind UNIQUE constraints itself (``sqlite_autoindex_T_N``),
    numbered in the order of the constraints, and a table rebuilt by a migration can list
    them in another order; so those are compared by what they index, not by name.
    """

    objects: frozenset[tuple[str, str, str]]  # (type, name, table), named objects only
    columns: dict[str, tuple[tuple[Any, ...], ...]]
    foreign_keys: dict[str, tuple[tuple[Any, ...], ...]]
    indexes: dict[str, tuple[tuple[Any, ...], ...]]
    virtual: dict[str, str]


AUTOINDEX = "sqlite_autoindex_"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _objects(connection: sqlite3.Connection) -> frozenset[tuple[str, str, str]]:
    return frozenset(
        (t, n, tb)
        for t, n, tb in connection.execute("SELECT type, name, tbl_name FROM sqlite_master")
        if n not in TOLERATED and not str(n).startswith(AUTOINDEX)
    )


def _read_schema(connection: sqlite3.Connection, only: Schema | None = None) -> Schema:
    """Read the schema; with ``only``, inspect just the tables that ``only`` has (the
    caller has made sure the names match, so no name chosen by the file reaches a PRAGMA
    except SQLite's own index names)."""
    rows = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    virtual = {
        n: " ".join(s.split())
        for t, n, s in rows
        if t == "table" and s and s.upper().startswith("CREATE VIRTUAL TABLE")
    }
    objects = _objects(connection)
    names = objects if only is None else only.objects
    tables = sorted(n for t, n, _ in names if t == "table" and n not in virtual)

    def index(name: str, unique: int, origin: str, partial: int) -> tuple[Any, ...]:
        described = tuple(connection.execute(f"PRAGMA index_xinfo({_quote(name)})").fetchall())
        shown = "(constraint)" if name.startswith(AUTOINDEX) else name
        return (shown, unique, origin, partial, described)

    return Schema(
        objects=objects,
        columns={
            t: tuple(connection.execute(f"PRAGMA table_xinfo({_quote(t)})").fetchall())
            for t in tables
        },
        foreign_keys={
            t: tuple(
                sorted(
                    row[1:] for row in connection.execute(f"PRAGMA foreign_key_list({_quote(t)})")
                )
            )
            for t in tables
        },
        indexes={
            t: tuple(
                sorted(
                    index(name, unique, origin, partial)
                    for _, name, unique, origin, partial in connection.execute(
                        f"PRAGMA index_list({_quote(t)})"
                    ).fetchall()
                )
            )
            for t in tables
        },
        virtual=virtual,
    )


_EXPECTED: dict[str, Schema] = {}


def expected_schema() -> Schema:
    """The schema of a freshly created, empty project of this version of the app."""
    head = head_revision()
    if head not in _EXPECTED:
        with tempfile.TemporaryDirectory(prefix="upr-schema-") as folder:
            fresh = Path(folder) / "empty.upr"
            open_project(fresh, create=True).close()
            with closing(_connect_read_only(fresh)) as connection:
                _EXPECTED[head] = _read_schema(connection)
    return _EXPECTED[head]


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    expected = expected_schema()
    try:
        rows = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as error:
        raise refuse(path, f"it is damaged ({error})") from None
    names = {name for _, name in rows}
    if not {"project_info", "alembic_version"} <= names:
        raise refuse(
            path, "it is a database, but not a UPR Coder package (it holds none of its records)"
        )
    for kind in ("trigger", "view"):
        found = sorted(str(name) for t, name in rows if t == kind)
        if found:
            raise refuse(
                path,
                f"it holds a {kind} ({', '.join(found)}), which could run code when it is "
                "read; a package made by UPR Coder never has one, so it was altered after "
                "it was made",
            )
    found = _objects(connection)
    extra = sorted(n for _, n, _ in found - expected.objects)
    if extra:
        raise refuse(
            path,
            f"it holds data that no package has ({', '.join(map(str, extra[:5]))}), so it "
            "was altered after it was made",
        )
    missing = sorted(n for _, n, _ in expected.objects - found)
    if missing:
        raise refuse(
            path,
            f"it is not a package of this version of UPR Coder (it lacks {', '.join(missing[:5])})",
        )
    actual = _read_schema(connection, only=expected)
    for what in ("columns", "foreign_keys", "indexes", "virtual"):
        mine, theirs = getattr(expected, what), getattr(actual, what)
        for name in sorted(mine):
            if mine[name] != theirs.get(name):
                raise refuse(
                    path,
                    f"the layout of its '{name}' data differs from the app's, so it was "
                    "altered after it was made",
                )


# --------------------------------------------------------------------------- opening


def _authorize(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ONLY_ACTIONS else sqlite3.SQLITE_DENY


def _connect_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    connection.isolation_level = None
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA query_only = ON")
    connection.execute("PRAGMA mmap_size = 0")
    connection.set_authorizer(_authorize)
    return connection


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
            while chunk := src.read(_COPY_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    return target, digest.hexdigest()


@contextmanager
def _private_copy(path: Path) -> Iterator[tuple[sqlite3.Connection, str, int]]:
    size = _check_file(path)
    with tempfile.TemporaryDirectory(prefix="upr-package-") as folder:
        copy, sha256 = _copy(path, Path(folder))
        try:
            connection = _connect_read_only(copy)
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
            _check_schema(connection, path)
            _check_integrity(connection, path)
            _check_revision(connection, path)
            counts = _check_sizes(connection, path)
            return _read(connection, path, sha256, size, counts)
        except _Bad as bad:
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


def _check_revision(connection: sqlite3.Connection, path: Path) -> None:
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    revision = rows[0][0] if len(rows) == 1 else None
    if revision == head_revision():
        return
    if revision in known_revisions():
        raise refuse(
            path,
            f"it was made by an older version of UPR Coder (format {revision}); ask the "
            "coder to open it once in the current version, which updates it, and send it "
            "again",
        )
    raise refuse(
        path,
        f"it was saved by a newer version of UPR Coder (format {revision!r:.20}); update "
        "UPR Coder to merge it",
    )


@dataclass(frozen=True)
class _Counts:
    recommendations: int
    coders: int
    annotations: int
    statuses: int
    events: int


def _count(connection: sqlite3.Connection, table: str) -> int:
    return connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]


def _check_sizes(connection: sqlite3.Connection, path: Path) -> _Counts:
    expected = expected_schema()
    for table, columns in expected.columns.items():
        if table.startswith("recommendation_fts"):
            continue  # the search index is neither read nor merged
        if _count(connection, table) > MAX_ROWS:
            raise refuse(path, f"it holds an absurd number of '{table}' records")
        names = [c[1] for c in columns]
        longest = connection.execute(
            "SELECT "
            + ", ".join(f"max(length({_quote(n)}))" for n in names)
            + f" FROM {_quote(table)}"
        ).fetchone()
        for name, length in zip(names, longest, strict=True):
            limit = LONG_COLUMNS.get((table, name), MAX_TEXT)
            if length is not None and length > limit:
                raise refuse(
                    path,
                    f"it holds a text of {length:,} characters ('{table}.{name}'); no value "
                    f"a coder enters is longer than {limit:,}",
                )
    counts = _Counts(
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


# --------------------------------------------------------------------------- reading


def _read(
    connection: sqlite3.Connection, path: Path, sha256: str, size: int, counts: _Counts
) -> PackageContents:
    info = {
        _text(key): _text(value)
        for key, value in connection.execute("SELECT key, value FROM project_info")
    }
    if "project_uuid" not in info:
        raise refuse(path, "it is not a UPR Coder package (it has no project identity)")
    if MARKER_KEY not in info:
        raise refuse(
            path,
            "it is a whole project, not a coder's package; make packages with "
            "'annotator package create' (File ▸ Coder packages) and merge those",
        )
    marker = Marker.from_json(info[MARKER_KEY], path)
    codebook, field_ids, code_ids = _read_codebook(connection, path)
    if (codebook.uuid, codebook.version) != (marker.codebook_uuid, marker.codebook_version):
        raise refuse(
            path,
            f"its codebook was changed after the package was made (version "
            f"{codebook.version}, made with version {marker.codebook_version}); codebook "
            "changes are made in the coordinator's project, not in a package",
        )
    coders: dict[int, CoderInfo] = {}
    rows = connection.execute("SELECT id, uuid, name, role, created_at FROM coder").fetchall()
    coder_uuids = _unique_uuids(((r[0], r[1]) for r in rows), "coders", path)
    for cid, _, name, role, created in rows:
        role = _text(role)
        if role not in CODER_ROLES:
            raise _Bad(f"unknown role {role!r:.20}")
        coders[_int(cid)] = CoderInfo(coder_uuids[_int(cid)], _text(name), role, _time(created))
    if marker.coder_uuid not in {c.uuid for c in coders.values()}:
        raise refuse(path, f"the coder it was made for ({marker.coder_name}) is not in it")
    recommendations = _unique_uuids(
        connection.execute("SELECT id, uuid FROM recommendation"), "recommendations", path
    )
    for table, what in (("annotation", "codes or notes"), ("audit_event", "change records")):
        _unique_uuids(connection.execute(f"SELECT id, uuid FROM {table}"), what, path)
    annotations = _read_annotations(connection, field_ids, code_ids, coders, recommendations)
    statuses = [
        StatusRecord(
            recommendation_uuid=recommendations[_int(rid)],
            coder_uuid=coders[_int(cid)].uuid,
            status=_status(status),
            flag_reason=_optional_text(reason),
            seconds_spent=_seconds(seconds),
            updated_at=_time(updated),
        )
        for rid, cid, status, reason, seconds, updated in connection.execute(
            "SELECT recommendation_id, coder_id, status, flag_reason, seconds_spent, updated_at "
            "FROM coding_status"
        )
    ]
    events = _read_events(connection, codebook, field_ids, coders, recommendations)
    return PackageContents(
        path=path,
        sha256=sha256,
        size=size,
        project_uuid=info["project_uuid"],
        info=info,
        marker=marker,
        codebook=codebook,
        coders={c.uuid: c for c in coders.values()},
        recommendations=frozenset(recommendations.values()),
        annotations=annotations,
        statuses=statuses,
        events=events,
    )


def _status(value: Any) -> str:
    status = _text(value)
    if status not in STATUSES:
        raise _Bad(f"unknown status {status!r:.20}")
    return status


def _read_codebook(
    connection: sqlite3.Connection, path: Path
) -> tuple[PackagedCodebook, dict[int, FieldInfo], dict[int, CodeInfo]]:
    books = connection.execute(
        "SELECT id, uuid, name, version FROM codebook WHERE active = 1"
    ).fetchall()
    if len(books) != 1:
        raise refuse(path, "it does not hold exactly one codebook in use")
    book_id, book_uuid, name, version = books[0]
    fields: dict[int, FieldInfo] = {}
    rows = connection.execute(
        "SELECT id, uuid, key, label, kind FROM codebook_field WHERE codebook_id = ?", (book_id,)
    ).fetchall()
    field_uuids = _unique_uuids(((r[0], r[1]) for r in rows), "codebook fields", path)
    for fid, _, key, label, kind in rows:
        kind = _text(kind)
        if kind not in FIELD_KINDS:
            raise _Bad(f"unknown kind of field {kind!r:.20}")
        fields[_int(fid)] = FieldInfo(field_uuids[_int(fid)], _text(key), _text(label), kind)
    codes: dict[int, CodeInfo] = {}
    rows = connection.execute("SELECT id, uuid, field_id, key, label FROM code").fetchall()
    code_uuids = _unique_uuids(((r[0], r[1]) for r in rows), "codes of the codebook", path)
    for cid, _, field_id, key, label in rows:
        if _int(field_id) in fields:
            codes[_int(cid)] = CodeInfo(
                code_uuids[_int(cid)], fields[field_id].uuid, _text(key), _text(label)
            )
    book = PackagedCodebook(
        uuid=_uuid(book_uuid),
        name=_text(name),
        version=_int(version),
        fields={f.uuid: f for f in fields.values()},
        codes={c.uuid: c for c in codes.values()},
    )
    return book, fields, codes


def _read_annotations(
    connection: sqlite3.Connection,
    fields: dict[int, FieldInfo],
    codes: dict[int, CodeInfo],
    coders: dict[int, CoderInfo],
    recs: dict[int, uuid.UUID],
) -> list[AnnotationRecord]:
    out: list[AnnotationRecord] = []
    texts: set[tuple[int, int, int]] = set()
    for (
        auuid,
        rid,
        cid,
        fid,
        code_id,
        value,
        version,
        created,
        updated,
    ) in connection.execute(
        "SELECT uuid, recommendation_id, coder_id, field_id, code_id, value, codebook_version, "
        "created_at, updated_at FROM annotation"
    ):
        fld = fields.get(_int(fid))
        if fld is None:
            raise _Bad("an annotation of a field outside the package's codebook")
        if fld.kind in CHOICE_KINDS:
            code = codes.get(code_id) if code_id is not None else None
            if code is None or code.field_uuid != fld.uuid:
                raise _Bad(f"an annotation of field '{fld.key}' without one of its codes")
            code_uuid: uuid.UUID | None = code.uuid
            value = None
        else:
            if code_id is not None:
                raise _Bad(f"an annotation of field '{fld.key}' with a code")
            key = (_int(rid), _int(cid), fid)
            if key in texts:
                raise _Bad(f"two values of field '{fld.key}' for one recommendation")
            texts.add(key)
            code_uuid = None
            value = _optional_text(value)
        out.append(
            AnnotationRecord(
                uuid=_uuid(auuid),
                recommendation_uuid=recs[_int(rid)],
                coder_uuid=coders[_int(cid)].uuid,
                field_uuid=fld.uuid,
                code_uuid=code_uuid,
                value=value,
                codebook_version=_int(version),
                created_at=_time(created),
                updated_at=_time(updated),
            )
        )
    return out


def _event_value(
    data: Any, field_info: FieldInfo, codes_by_key: dict[tuple[uuid.UUID, str], uuid.UUID]
) -> EventValue:
    if not isinstance(data, dict):
        raise _Bad("a change record that is not readable")
    keys = data.get("codes") or []
    if not isinstance(keys, list):
        raise _Bad("a change record that is not readable")
    found = set()
    for key in keys:
        code = codes_by_key.get((field_info.uuid, _text(key)))
        if code is None:
            raise _Bad(f"a change naming code {key!r:.40}, which its codebook does not have")
        found.add(code)
    return EventValue(frozenset(found), _optional_text(data.get("text")))


def _status_value(data: Any) -> tuple[str, str | None]:
    if not isinstance(data, dict):
        raise _Bad("a change record that is not readable")
    return _status(data.get("status")), _optional_text(data.get("reason"))


def _read_events(
    connection: sqlite3.Connection,
    codebook: PackagedCodebook,
    fields: dict[int, FieldInfo],
    coders: dict[int, CoderInfo],
    recs: dict[int, uuid.UUID],
) -> list[EventRecord]:
    """The coders' own changes of annotations and statuses, oldest first.

    Deletions leave no annotation behind, so these changes are how a deletion made in
    the package travels (see docs/packages.md).
    """
    codes_by_key = {(c.field_uuid, c.key): c.uuid for c in codebook.codes.values()}
    out: list[EventRecord] = []
    for euuid, at, cid, action, entity, rid, before, after in connection.execute(
        "SELECT uuid, at, coder_id, action, entity, recommendation_id, before, after "
        "FROM audit_event WHERE action IN ('annotate', 'status') ORDER BY at, id"
    ):
        coder = coders.get(cid) if isinstance(cid, int) else None
        rec = recs.get(rid) if isinstance(rid, int) else None
        if coder is None or rec is None:
            continue  # not about a coder's work on a packaged recommendation
        try:
            old, new = json.loads(_text(before)), json.loads(_text(after))
        except json.JSONDecodeError:
            raise _Bad("a change record that is not readable") from None
        if action == "annotate":
            if not isinstance(new, dict):
                raise _Bad("a change record that is not readable")
            fid = new.get("field_id")
            fld = fields.get(fid) if isinstance(fid, int) and not isinstance(fid, bool) else None
            if fld is None or entity != "annotation":
                raise _Bad("a change of a field outside the package's codebook")
            record = EventRecord(
                uuid=_uuid(euuid),
                at=_time(at),
                coder_uuid=coder.uuid,
                action=action,
                entity=_text(entity),
                recommendation_uuid=rec,
                field_uuid=fld.uuid,
                before=_event_value(old, fld, codes_by_key),
                after=_event_value(new, fld, codes_by_key),
            )
        else:
            if entity != "coding_status":
                raise _Bad("a change of status that is not readable")
            record = EventRecord(
                uuid=_uuid(euuid),
                at=_time(at),
                coder_uuid=coder.uuid,
                action=action,
                entity=_text(entity),
                recommendation_uuid=rec,
                field_uuid=None,
                before=_status_value(old),
                after=_status_value(new),
            )
        out.append(record)
    return out
