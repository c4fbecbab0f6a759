"""A package's schema, read through a read-only connection and compared with that of a freshly
made empty project."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.services.packages.errors import refuse
from annotator.store.engine import to_url
from annotator.store.migrations import head_revision, known_revisions, upgrade
from annotator.store.project import open_project

# Older formats whose packages merge as they are, so a coder whose app is not yet updated
# can still send their work: 0009 lacks only 0010's suggestion flags, read as false (no
# suggestions existed in that version).
OLDER_MERGEABLE = frozenset({"0009"})

# SQLite's own statistics (ANALYZE) hold no code; a package may have them.
TOLERATED = frozenset({"sqlite_stat1", "sqlite_stat4"})
READ_ONLY_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
    }
)


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


def quote_name(name: str) -> str:
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
        described = tuple(connection.execute(f"PRAGMA index_xinfo({quote_name(name)})").fetchall())
        shown = "(constraint)" if name.startswith(AUTOINDEX) else name
        return (shown, unique, origin, partial, described)

    return Schema(
        objects=objects,
        columns={
            t: tuple(connection.execute(f"PRAGMA table_xinfo({quote_name(t)})").fetchall())
            for t in tables
        },
        foreign_keys={
            t: tuple(
                sorted(
                    row[1:]
                    for row in connection.execute(f"PRAGMA foreign_key_list({quote_name(t)})")
                )
            )
            for t in tables
        },
        indexes={
            t: tuple(
                sorted(
                    index(name, unique, origin, partial)
                    for _, name, unique, origin, partial in connection.execute(
                        f"PRAGMA index_list({quote_name(t)})"
                    ).fetchall()
                )
            )
            for t in tables
        },
        virtual=virtual,
    )


_EXPECTED: dict[str, Schema] = {}


def expected_schema(revision: str | None = None) -> Schema:
    """The schema of a freshly created, empty project of this version of the app, or of
    the version that wrote format ``revision`` (a new project is made by running every
    migration, so running them up to ``revision`` makes what that version made)."""
    wanted = revision or head_revision()
    if wanted not in _EXPECTED:
        with tempfile.TemporaryDirectory(prefix="upr-schema-") as folder:
            fresh = Path(folder) / "empty.upr"
            if wanted == head_revision():
                open_project(fresh, create=True).close()
            else:
                upgrade(to_url(fresh), wanted)
            with closing(connect_read_only(fresh)) as connection:
                _EXPECTED[wanted] = _read_schema(connection)
    return _EXPECTED[wanted]


def package_revision(connection: sqlite3.Connection) -> Any:
    """The package's format, as stored (None if there is not exactly one)."""
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def package_schema(connection: sqlite3.Connection) -> Schema:
    """The schema the package must have: the app's, or that of its older format if a
    package of that format merges."""
    revision = package_revision(connection)
    return expected_schema(revision if revision in OLDER_MERGEABLE else None)


def check_revision(connection: sqlite3.Connection, path: Path) -> None:
    """Checked before the layout: a package of an older format differs in layout too,
    and is told so, not that it was altered."""
    revision = package_revision(connection)
    if revision == head_revision() or revision in OLDER_MERGEABLE:
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


def check_schema(connection: sqlite3.Connection, path: Path) -> None:
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
    check_revision(connection, path)
    expected = package_schema(connection)
    objects = _objects(connection)
    extra = sorted(n for _, n, _ in objects - expected.objects)
    if extra:
        raise refuse(
            path,
            f"it holds data that no package has ({', '.join(map(str, extra[:5]))}), so it "
            "was altered after it was made",
        )
    missing = sorted(n for _, n, _ in expected.objects - objects)
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


def _authorize(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in READ_ONLY_ACTIONS else sqlite3.SQLITE_DENY


def connect_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    connection.isolation_level = None
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA query_only = ON")
    connection.execute("PRAGMA mmap_size = 0")
    connection.set_authorizer(_authorize)
    return connection
