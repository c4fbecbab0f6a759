"""Moving a whole project between a SQLite file and a PostgreSQL server (either way).

Every table of the model is copied as it is, ids and uuids included, parents before
children, in one transaction on the target; the copy is then proved by comparing each
table's row count and a checksum of its contents on both sides. The target must be a
new, empty database (or a file that does not exist yet): a copy never merges.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text

from annotator.services import permissions
from annotator.services.coders import coder_named
from annotator.store import fts
from annotator.store.engine import make_engine, sqlite_path, to_url
from annotator.store.errors import ProjectError
from annotator.store.migrations import known_revisions, upgrade
from annotator.store.models import Base
from annotator.store.project import open_project, read_server_revision
from annotator.store.safe_write import check_target, written_whole

CHUNK = 5_000
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    tables: tuple[TableCheck, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _normal(value: object) -> str:
    # One spelling per value on both engines: SQLite hands back naive datetimes and
    # strings where PostgreSQL hands back aware datetimes, UUIDs and booleans.
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(round(value, 9))
    return str(value)


def table_checks(connection: Connection) -> tuple[TableCheck, ...]:
    """Row count and a content checksum of every table of the model."""
    checks = []
    for table in Base.metadata.sorted_tables:
        digest = hashlib.sha256()
        order = list(table.primary_key.columns) or list(table.columns)
        rows = 0
        result = connection.execution_options(stream_results=True).execute(
            select(*_typed_columns(table)).order_by(*order)
        )
        for row in result:
            digest.update("\x1f".join(_normal(v) for v in row).encode())
            digest.update(b"\x1e")
            rows += 1
        checks.append(TableCheck(table.name, rows, digest.hexdigest()))
    return tuple(checks)


def _typed_columns(table: Table) -> list[Column[Any]]:
    return [table.c[c.name] for c in table.columns]


def _assert_empty(connection: Connection, where: str) -> None:
    for table in Base.metadata.sorted_tables:
        if connection.execute(select(func.count()).select_from(table)).scalar():
            raise ProjectError(
                f"{where} already holds a project (its {table.name.replace('_', ' ')} "
                "records are not empty); a copy goes only into a new, empty database. "
                "If it is an earlier copy you no longer need, empty it first (drop the "
                "database and create it again, e.g. with dropdb and createdb) and copy "
                "again; or copy into a new database."
            )


def copy_project(
    source: str | Path,
    target: str | Path,
    progress: Progress | None = None,
    *,
    by_coder: str | None,
) -> CopyReport:
    """Copy the project at ``source`` into the new database ``target`` and verify it.

    The copy is checked before it is committed, so a target is left either as it was
    (empty) or holding the whole, verified copy; a file target is written under a
    temporary name and renamed, so a stopped copy leaves no file behind.
    ``by_coder`` names who copies: a coordinator of the source project."""
    source_url, target_url = to_url(source), to_url(target)
    if source_url == target_url:
        raise ProjectError("The source and the target of a copy are the same database.")
    project = open_project(source)  # refuses what is not a project; migrates an older file
    try:
        with project.session() as session:
            acting = coder_named(session, by_coder).id if by_coder else None
            permissions.require(session, acting, permissions.COPY_PROJECT)
    finally:
        project.close()
    target_path = sqlite_path(target_url)
    if target_path is None:
        # Read first, write after: a database holding someone else's tables (or a newer
        # project) is refused before the schema is created in it.
        _tables, revision = read_server_revision(target_url)
        if revision is not None and revision not in known_revisions():
            raise ProjectError(
                f"{target} holds a project of a newer version of UPR Coder; a copy goes "
                "only into a new, empty database."
            )
        copied = _copy_into(source_url, target_url, str(target), progress)
        return CopyReport(str(source), str(target), copied)
    out = check_target(target_path, protect=[sqlite_path(source_url)])
    if out.exists():
        raise ProjectError(
            f"{out} already exists; a copy goes only into a new file. Choose another "
            "name, or remove that file first if it is not needed."
        )
    with written_whole(out, database=True) as partial:
        copied = _copy_into(source_url, to_url(partial), str(target), progress)
        engine = make_engine(to_url(partial))
        try:
            with engine.connect() as connection:  # fold the log in: one file to move
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
    return CopyReport(str(source), str(target), copied)


def _copy_into(
    source_url: str, target_url: str, shown: str, progress: Progress | None
) -> tuple[TableCheck, ...]:
    upgrade(target_url)  # the schema at the app's revision, nothing in it yet
    source_engine, target_engine = make_engine(source_url), make_engine(target_url)
    try:
        with source_engine.connect() as reading, target_engine.connect() as writing:
            _assert_empty(writing, shown)
            writing.rollback()  # end the checking transaction; the copy is one of its own
            with writing.begin():
                for table in Base.metadata.sorted_tables:
                    _copy_table(reading, writing, table, progress)
                if writing.dialect.name == "postgresql":
                    _reset_sequences(writing)
                fts.index_all(writing)
                expected = table_checks(reading)
                copied = table_checks(writing)
                if expected != copied:
                    wrong = [a.table for a, b in zip(expected, copied, strict=True) if a != b]
                    # Raised inside the transaction: nothing of the copy is kept.
                    raise ProjectError(
                        "The copy does not match its source in: " + ", ".join(wrong) + "; "
                        f"nothing was copied into {shown}. Try again."
                    )
    finally:
        source_engine.dispose()
        target_engine.dispose()
    return copied


def _copy_table(
    reading: Connection, writing: Connection, table: Table, progress: Progress | None
) -> None:
    total = reading.execute(select(func.count()).select_from(table)).scalar() or 0
    if not total:
        return
    columns = [c.name for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    result = reading.execution_options(stream_results=True).execute(
        select(*_typed_columns(table)).order_by(*order)
    )
    batches: Iterator[Sequence[Any]]
    if table.name == "code":  # a code may sit under a parent with a larger id
        batches = iter([_parents_first(result.mappings().all())])
    else:
        batches = iter(lambda: result.fetchmany(CHUNK), [])
    done = 0
    for batch in batches:
        writing.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
        done += len(batch)
        if progress is not None:
            progress(f"Copying {table.name.replace('_', ' ')}", done, total)


def _parents_first(codes: Sequence[Any]) -> list[tuple]:
    placed: set[int] = set()
    ordered: list[tuple] = []
    waiting = list(codes)
    while waiting:
        ready = [c for c in waiting if c["parent_id"] is None or c["parent_id"] in placed]
        if not ready:  # a cycle cannot be stored; keep the rest in id order and let keys say
            ready = waiting
        for code in ready:
            placed.add(code["id"])
            ordered.append(tuple(code.values()))
        waiting = [c for c in waiting if c["id"] not in placed]
    return ordered


def _reset_sequences(writing: Connection) -> None:
    # Rows came with their ids; the sequences must continue after the largest.
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "
                f"COALESCE((SELECT MAX({key[0].name}) FROM {table.name}), 0) + 1, false)"
            )
        )
