"""Alembic environment for UPR Coder projects.

The app runs migrations through ``annotator.store.migrations`` which hands in an open
connection (foreign keys off, one transaction); the ``alembic`` command line and
pytest-alembic work too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from annotator.store.engine import make_engine
from annotator.store.models import Base

config = context.config
target_metadata = Base.metadata

# FTS5 keeps its index in a virtual table and shadow tables that the models do not
# describe; autogenerate must not try to drop them.
FTS_PREFIX = "recommendation_fts"


def include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name and name.startswith(FTS_PREFIX))


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if isinstance(connection, Engine):  # pytest-alembic hands in an engine
    with connection.connect() as own_connection:
        run(own_connection)
elif connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("No database given: set sqlalchemy.url or pass a connection.")
    engine = make_engine(url, foreign_keys=False)
    with engine.connect() as own_connection:
        run(own_connection)
    engine.dispose()
