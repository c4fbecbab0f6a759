"""Engines for SQLite files and PostgreSQL URLs, with the pragmas every connection needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from annotator.store.errors import ProjectError

# Long enough for another app instance to finish a commit, short enough that a
# coder is told about a stuck lock while they still remember what they typed.
BUSY_TIMEOUT_MS = 10_000


SUPPORTED = "a project file (.upr) or a PostgreSQL URL (postgresql+psycopg://user@host/db)"


def to_url(target: str | Path) -> str:
    """A database URL for a path or a URL (anything with ``://`` is taken as a URL).

    Only what a project can live in is accepted: a SQLite file and a PostgreSQL server
    (``postgresql://`` means the psycopg driver the app ships with). Anything else is a
    ProjectError naming what was given, before any driver is looked for.
    """
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise ProjectError(f"'{text}' is not a database address; give {SUPPORTED}.") from None
    shown = parsed.render_as_string(hide_password=True)
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or parsed.query:
            raise ProjectError(
                f"'{text}' is not a project file: a project must be saved in a file; "
                f"give {SUPPORTED}."
            )
        return text
    if backend == "postgresql":
        if driver in ("psycopg2", "psycopg") and "+" not in parsed.drivername:
            return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        if driver != "psycopg":
            raise ProjectError(
                f"'{shown}': UPR Coder talks to PostgreSQL through psycopg; write the "
                "address as postgresql+psycopg://user@host/db."
            )
        return text
    raise ProjectError(f"'{shown}' is a {backend} database; UPR Coder needs {SUPPORTED}.")


def without_password(url: str) -> str:
    """The URL with any password taken out (not masked): what may be shown, stored among
    recent projects and opened again, libpq then finding the password itself in
    PGPASSWORD or the PostgreSQL password file (~/.pgpass)."""
    parsed = make_url(url)
    if parsed.password is None:
        return url
    # URL.set() takes None as "leave as it is", so the URL is made again without it.
    bare = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


@dataclass(frozen=True)
class ServerAddress:
    """The parts of a database address a person recognises (no password)."""

    login: str | None
    host: str | None
    database: str | None


def server_address(url: str) -> ServerAddress:
    parsed = make_url(url)
    return ServerAddress(parsed.username, parsed.host, parsed.database)


def with_password(url: str, password: str) -> str:
    """The URL with this password in it (quoted as URLs need), for one connection."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(
    url: str, *, foreign_keys: bool = True, read_only: bool = False, immutable: bool = False
) -> Engine:
    """An engine whose connections all carry the project's pragmas.

    ``foreign_keys=False`` exists for one caller: the migration runner, because a
    table rebuild with foreign keys on cascades deletes into child tables.
    ``read_only`` opens a SQLite file that cannot be written (``immutable`` when not
    even its folder can be, where SQLite could not make the -shm file WAL reading needs).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    if read_only:
        path = Path(parsed.database or "")
        flags = "mode=ro" + ("&immutable=1" if immutable else "")
        engine = create_engine(
            f"sqlite:///{path.resolve().as_uri()}?{flags}&uri=true",
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        )
    else:
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and cannot run DDL in a
        # transaction; turning it off and emitting BEGIN ourselves (below) gives real
        # transactions, which migrations and all-or-nothing imports depend on.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit the screen reported as saved survives a power cut too.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA trusted_schema = OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers ask for IMMEDIATE so they queue on the busy timeout at BEGIN instead
        # of failing later when a read transaction tries to become a write one.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
