"""Runs the Alembic migrations in ``db/`` on a project database."""

from __future__ import annotations

import threading

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from annotator.paths import migrations_dir
from annotator.store.engine import make_engine
from annotator.store.errors import MigrationError


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in script_directory().walk_revisions()}


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate in one transaction with foreign keys off, then prove no reference broke.

    Batch migrations rebuild SQLite tables (copy, drop, rename). With foreign keys on,
    dropping a parent table cascades and deletes child rows while reporting success;
    so the runner migrates with them off and runs ``PRAGMA foreign_key_check`` before
    committing, rolling everything back if a single reference dangles.
    """
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.connect() as connection, connection.begin():
            run_alembic(connection, "upgrade", revision)
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    tables = sorted({row[0] for row in broken})
                    raise MigrationError(
                        f"Updating the project's format would break {len(broken)} links "
                        f"between records (in {', '.join(tables)}); nothing was changed."
                    )
    finally:
        engine.dispose()


# Alembic keeps the running migration in module-level state (``alembic.context``): two
# threads migrating at once (two merges, each checking a package) would run each other's
# steps. One migration at a time per process.
_ALEMBIC = threading.RLock()


def run_alembic(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    with _ALEMBIC:
        getattr(command, action)(config, revision)
