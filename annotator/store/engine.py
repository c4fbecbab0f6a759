"""Engines for SQLite files and PostgreSQL URLs, with the pragmas every connection needs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

# Long enough for another app instance to finish a commit, short enough that a
# coder is told about a stuck lock while they still remember what they typed.
BUSY_TIMEOUT_MS = 10_000


def to_url(target: str | Path) -> str:
    """A database URL for a path or a URL (anything with ``://`` is taken as a URL)."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


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


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """An engine whose connections all carry the project's pragmas.

    ``foreign_keys=False`` exists for one caller: the migration runner, because a
    table rebuild with foreign keys on cascades deletes into child tables.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling defers BEGIN and cannot run DDL in a
        # transaction; turning it off and emitting BEGIN ourselves (below) gives real
        # transactions, which migrations and all-or-nothing imports depend on.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit the screen reported as saved survives a power cut too.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA trusted_schema = OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # Writers ask for IMMEDIATE so they queue on the busy timeout at BEGIN instead
        # of failing later when a read transaction tries to become a write one.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
