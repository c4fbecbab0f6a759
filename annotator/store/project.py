"""Opening a project: recognise the file, back it up, migrate it, hand out sessions."""

from __future__ import annotations

import re
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from annotator import __version__
from annotator.store import server_security
from annotator.store.backups import DEFAULT_KEEP, make_backup
from annotator.store.engine import (
    BUSY_TIMEOUT_MS,
    make_engine,
    sqlite_path,
    to_url,
    without_password,
)
from annotator.store.errors import (
    NewerProjectError,
    NotAProjectError,
    PasswordNeeded,
    ProjectBusy,
    ProjectError,
    ProjectLocked,
    ProjectReadOnly,
    ServerRefused,
    database_failure,
    disk_error,
    read_only_message,
)
from annotator.store.migrations import head_revision, known_revisions, upgrade
from annotator.store.models import ProjectInfo
from annotator.store.safe_write import sweep_at_start

SQLITE_HEADER = b"SQLite format 3\x00"
# How often a write that found the project locked is tried again before giving up; each
# try already waits up to the engine's busy timeout.
WRITE_ATTEMPTS = 3
T = TypeVar("T")
# What every UPR Coder project has had since its first format: a database that lacks any
# of these is someone else's, however its tables are named, and is never written to.
CORE_COLUMNS = {
    "alembic_version": {"version_num"},
    "project_info": {"key", "value"},
    "coder": {"id", "uuid", "name", "role"},
    "codebook": {"id", "uuid", "name", "version"},
    "recommendation": {"id", "uuid", "text"},
    "annotation": {"id", "uuid", "recommendation_id", "coder_id", "field_id"},
    "audit_event": {"id", "uuid", "action"},
}


@dataclass
class Project:
    """An open project: where it lives and how to talk to it."""

    url: str
    engine: Engine
    read_only: bool = False  # found at open: the file or its folder cannot be written

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def display_name(self) -> str:
        return self.location

    @property
    def location(self) -> str:
        """Where the project is, as it can be opened again: the file's path, or the
        server's URL without its password (never a masked one, which cannot be opened)."""
        path = self.path
        if path is not None:
            return str(path)
        return without_password(self.url)

    def session(self) -> Session:
        """A session for reading (and for writes that may wait on BEGIN DEFERRED)."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self, *, busy_timeout_ms: int | None = None) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error.

        A read-only project raises ProjectReadOnly before anything is tried.
        ``busy_timeout_ms`` waits that long (instead of the engine's busy timeout) for
        another program's write lock, or on a server for any lock (``lock_timeout``):
        the window asks for a short wait, so a save never freezes it, and keeps the
        change pending instead.
        """
        if self.read_only:
            raise ProjectReadOnly(read_only_message(self.display_name))
        with self.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            raw = connection.connection.dbapi_connection if busy_timeout_ms and sqlite else None
            if raw is not None:
                # Straight on the driver's connection: through SQLAlchemy it would begin
                # the transaction (and wait the full timeout) before the pragma applied.
                raw.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms or 0)}")
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            try:
                with Session(bind=connection, expire_on_commit=False) as session:
                    try:
                        if busy_timeout_ms and connection.dialect.name == "postgresql":
                            # A server's row and table locks wait forever by default:
                            # this transaction gives up after the wait asked for (SET
                            # LOCAL ends with it), and the caller keeps the change.
                            session.execute(
                                text(f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}")
                            )
                        yield session
                        session.commit()
                    except DBAPIError as error:
                        # The front ends never see SQLAlchemy: what a person can cause
                        # (a lock, a read-only file, a full disk, the server's rules)
                        # becomes the project's own error; anything else is a bug.
                        session.rollback()
                        failure = server_refusal(
                            error, self.engine.url.username
                        ) or database_failure(error, self.display_name)
                        if failure is None:
                            raise
                        raise failure from error
                    except BaseException:
                        session.rollback()
                        raise
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def write_retrying(
        self,
        work: Callable[[Session], T],
        *,
        busy: str,
        busy_timeout_ms: int | None = None,
        attempts: int = WRITE_ATTEMPTS,
    ) -> T:
        """``work`` in one write transaction, tried again while another program holds the
        lock past the busy timeout; then ProjectBusy with the message ``busy``.

        A read-only project or a full disk raise ProjectReadOnly or DiskFull (nothing
        was written; the caller keeps the change)."""
        last: ProjectLocked | None = None
        for attempt in range(attempts):
            try:
                with self.write(busy_timeout_ms=busy_timeout_ms) as session:
                    return work(session)
            except ProjectLocked as error:
                last = error
                time.sleep(0.05 * (attempt + 1))
        raise ProjectBusy(busy) from last

    def info(self, key: str) -> str | None:
        with self.session() as session:
            row = session.get(ProjectInfo, key)
            return row.value if row else None

    def close(self) -> None:
        self.engine.dispose()


# What a team server's refusal was about, in the words a person uses (table -> words).
_REFUSED_WHAT = {
    "code": ("the codebook", "coordinator"),
    "codebook": ("the codebook", "coordinator"),
    "codebook_field": ("the codebook", "coordinator"),
    "codebook_revision": ("the codebook", "coordinator"),
    "assignment": ("assignments", "coordinator"),
    "coder": ("the coders", "coordinator"),
    "server_login": ("the logins", "owner of the database"),
    "consensus": ("final values (adjudication)", "adjudicator or coordinator"),
    "merge_log": ("merges", "coordinator"),
    "annotation": ("another coder's codes", "coordinator"),
    "coding_status": ("another coder's statuses", "coordinator"),
    "audit_event": ("the audit trail", "coordinator"),
    "recommendation": ("the recommendations", "coordinator"),
    "recommendation_state": ("the recommendations", "coordinator"),
    "review": ("the reviews", "coordinator"),
    "source_tag": ("the recommendations", "coordinator"),
    "state": ("the states", "coordinator"),
    "project_info": ("the project's details", "coordinator"),
}
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's code for both grants and row policies


def server_refusal(error: DBAPIError, login: str | None) -> ServerRefused | None:
    """A readable ServerRefused for a team server's refusal, else None."""
    if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        return None
    # "permission denied for table code", "... row-level security policy for table "x"",
    # "permission denied for sequence recommendation_id_seq"
    found = re.search(r'for (?:table|sequence) "?(\w+?)(?:_id_seq)?"?(?:\s|$)', str(error.orig))
    table = found.group(1) if found else ""
    what, needs = _REFUSED_WHAT.get(table, ("this", "coordinator"))
    if "row-level security" in str(error.orig) and table == "audit_event":
        # A coder's session adds audit events freely, but only about their own work.
        what = "another coder's work"
    who = f"the login {login}" if login else "this login"
    return ServerRefused(
        f"The team server refused this change: {who} may not change {what}; "
        f"that needs a{'n' if needs[0] in 'aeiou' else ''} {needs}. Nothing was changed."
    )


def writable(path: Path) -> tuple[bool, bool]:
    """(can the file be written, can its folder be): a project needs both, as SQLite
    makes its -wal and -shm files beside it. Tried, not judged from permission bits,
    which say nothing of read-only disks, immutable files or network shares."""
    try:
        with path.open("r+b"):
            file_ok = True
    except OSError:
        file_ok = False
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            folder_ok = True
    except OSError:
        folder_ok = False
    return file_ok, folder_ok


def read_revision(path: Path, *, immutable: bool = False) -> str | None:
    """The schema revision of a project file, read without changing the file.

    ``immutable`` reads a file whose folder cannot be written (no -shm can be made).
    Raises NotAProjectError for anything that is not a UPR Coder project.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ProjectError(f"There is no project at {path}.") from None
    if path.is_dir():
        raise NotAProjectError(f"{path} is a folder, not a UPR Coder project file.")
    if size == 0:
        raise NotAProjectError(f"{path} is empty: it is not a UPR Coder project.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAProjectError(
            f"{path} is not a UPR Coder project (it is not a database file at all)."
        )
    try:
        flags = "mode=ro" + ("&immutable=1" if immutable else "")
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
    except sqlite3.Error as error:
        raise NotAProjectError(f"{path} could not be opened: {error}.") from None
    try:
        columns = {
            table: {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
            for table in CORE_COLUMNS
        }
        rows = []
        if columns["alembic_version"]:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        if "disk i/o" in str(error).lower():
            raise disk_error(str(path)) from None
        raise NotAProjectError(f"{path} is damaged or not a database ({error}).") from None
    finally:
        connection.close()
    missing = foreign_schema(columns, rows)
    if missing:
        raise NotAProjectError(
            f"{path} is a database, but not a UPR Coder project ({missing}); it was not changed."
        )
    return rows[0][0]


def foreign_schema(columns: dict[str, set[str]], revisions: Sequence[Any]) -> str | None:
    """What makes a database someone else's (``columns``: the columns found for each
    table of ``CORE_COLUMNS``; ``revisions``: the rows of its alembic_version), or None."""
    for table, needed in CORE_COLUMNS.items():
        if not columns.get(table):
            return f"it has no {table.replace('_', ' ')} records"
        if not needed <= columns[table]:
            return f"its {table.replace('_', ' ')} records are not of UPR Coder's kind"
    if len(revisions) != 1 or not revisions[0][0]:
        return "it has no single format revision"
    return None


def open_project(
    target: str | Path, *, create: bool = False, backup_keep: int = DEFAULT_KEEP
) -> Project:
    """Open (or with ``create`` make) a project, migrating an older file after a backup.

    A file from a newer version of the app, or one that is not a project, is refused
    and left exactly as it was.
    """
    url = to_url(target)
    path = sqlite_path(url)
    read_only = immutable = False
    if path is not None:
        sweep_at_start(path)
    if path is not None and path.exists() and not path.is_dir():
        file_ok, folder_ok = writable(path)
        read_only, immutable = not (file_ok and folder_ok), not folder_ok
    if read_only:
        assert path is not None
        _check_read_only(path, immutable=immutable)
    elif path is not None:
        _prepare_file(path, create=create, backup_keep=backup_keep)
    else:
        _prepare_server(url, create=create)
    engine = make_engine(url, read_only=read_only, immutable=immutable)
    project = Project(url=url, engine=engine, read_only=read_only)
    if not read_only and project.info("project_uuid") is None:
        _stamp_new_project(project)
    return project


def _check_read_only(path: Path, *, immutable: bool) -> None:
    """A read-only project opens for reading, if it needs no migration."""
    revision = read_revision(path, immutable=immutable)
    _check_known(revision, str(path))
    if revision != head_revision():
        raise ProjectReadOnly(
            f"{path} was saved by an older version of UPR Coder and must be updated "
            "before it can be opened, but it is read-only (the file or its folder is "
            "write-protected). Copy it to a folder you can write to and open the copy."
        )


def _prepare_file(path: Path, *, create: bool, backup_keep: int) -> None:
    if not path.exists():
        if not create:
            raise ProjectError(f"There is no project at {path}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        upgrade(to_url(path))
        return
    revision = read_revision(path)
    _check_known(revision, str(path))
    if revision != head_revision():
        make_backup(path, f"before-{head_revision()}", keep=backup_keep)
        upgrade(to_url(path))


def _prepare_server(url: str, *, create: bool) -> None:
    tables, revision = read_server_revision(url)
    if not tables and not create:
        raise ProjectError("That database is empty; create a project in it with 'annotator init'.")
    _check_known(revision, "That database")
    if revision != head_revision():
        try:
            upgrade(url)
            _secure_again(url)
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            raise ProjectError(
                "The project on the server is in an older format than this version of UPR "
                "Coder uses, and your login may not update it. Ask the owner of the database "
                "to open it once with this version (then run 'annotator db secure')."
            ) from None


# libpq's words when it has no password to send, and the server's when it refuses one.
_NO_PASSWORD = ("no password supplied", "password is required")
_BAD_PASSWORD = ("password authentication failed",)


def _raise_password_needed(url: str, error: DBAPIError) -> None:
    said = str(error.orig).lower()
    refused = any(words in said for words in _BAD_PASSWORD)
    if not refused and not any(words in said for words in _NO_PASSWORD):
        return
    login = make_url(url).username or "your login"
    where = without_password(url)
    if refused:
        message = f"The server refused the password of {login} for {where}."
    else:
        message = (
            f"The server wants a password for {login} ({where}). Put it in the PostgreSQL "
            "password file (~/.pgpass) or in PGPASSWORD; the app asks for it."
        )
    raise PasswordNeeded(message, url, refused=refused) from None


def _secure_again(url: str) -> None:
    """After an update of a secured team server, guard the tables it added the same way
    (until then they are closed to every coder's login, which would stop their work)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if server_security.is_secured(connection):
                server_security.secure(connection)
    finally:
        engine.dispose()


def read_server_revision(url: str) -> tuple[set[str], str | None]:
    """The tables of a server database and its project revision, read without writing;
    NotAProjectError if it holds tables that are not a UPR Coder project's."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            tables = set(inspector.get_table_names())
            columns = {
                table: {c["name"] for c in inspector.get_columns(table)}
                for table in CORE_COLUMNS
                if table in tables
            }
            revisions: Sequence[Any] = []
            if "alembic_version" in tables:
                revisions = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).fetchall()
    except (OperationalError, DBAPIError) as error:
        _raise_password_needed(url, error)
        if getattr(error.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            login = make_url(url).username or "this login"
            raise ProjectError(
                f"The login {login} has no access to this project on the server. Ask your "
                f'coordinator to run: annotator db grant --login {login} --coder "YOUR NAME".'
            ) from None
        raise ProjectError(f"Could not reach the database server: {error.orig}") from None
    finally:
        engine.dispose()
    if not tables:
        return tables, None
    missing = foreign_schema(columns, revisions)
    if missing:
        raise NotAProjectError(
            f"That database holds other data, not a UPR Coder project ({missing}); "
            "it was not changed."
        )
    return tables, revisions[0][0]


def _check_known(revision: str | None, where: str) -> None:
    if revision is not None and revision not in known_revisions():
        raise NewerProjectError(
            f"{where} was saved by a newer version of UPR Coder (format {revision}); "
            f"this is version {__version__}. Update UPR Coder to open it. "
            "The project was not changed."
        )


def _stamp_new_project(project: Project) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with project.write() as session:
        if session.get(ProjectInfo, "project_uuid") is not None:
            return
        for key, value in (
            ("project_uuid", str(uuid.uuid4())),
            ("created_at", now),
            ("created_with", __version__),
        ):
            session.add(ProjectInfo(key=key, value=value))
