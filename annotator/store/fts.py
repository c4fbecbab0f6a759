"""Full-text search over recommendation texts (SQLite FTS5).

The index is a separate FTS5 table whose rowid is the recommendation id. It is kept
in step here, by the write paths, and not by triggers: the project's connections run
with ``trusted_schema`` off (a file from outside must not run code through its
schema), and SQLite then refuses triggers that write to a virtual table.

Searches join back to ``recommendation``, so an entry left behind by a deleted
recommendation never shows; re-indexing an id first removes what it held, so a
reused id never inherits old words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, literal_column, text

from annotator.store.queries import in_chunks

FTS_TABLE = "recommendation_fts"

_WORD = re.compile(r"\w+", re.UNICODE)


def available(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def index(connection: Connection, ids: Sequence[int]) -> None:
    """(Re)index the texts of these recommendations as they are now."""
    if not available(connection):
        return
    for chunk in in_chunks(ids):
        connection.execute(
            text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": chunk},
        )
        connection.execute(
            text(
                f"INSERT INTO {FTS_TABLE}(rowid, text) "
                "SELECT id, text FROM recommendation WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": chunk},
        )


def index_all(connection: Connection) -> None:
    """Rebuild the whole index from the recommendations (after bulk loads or repairs)."""
    if not available(connection):
        return
    connection.execute(text(f"DELETE FROM {FTS_TABLE}"))
    connection.execute(
        text(f"INSERT INTO {FTS_TABLE}(rowid, text) SELECT id, text FROM recommendation")
    )


def match_expression(query: str) -> str | None:
    """A safe FTS5 query for what a person typed: every word must appear, the last as a prefix.

    Words are quoted, so FTS5 syntax in the input (AND, NEAR, column filters, quotes)
    is searched for as text instead of being interpreted.
    """
    words = _WORD.findall(query)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def matching(
    connection: Connection, id_column: Any, text_column: Any, query: str
) -> ColumnElement[Any] | None:
    """A WHERE clause keeping recommendations whose text has every word of ``query`` (the
    last as a prefix): FTS5 on SQLite, PostgreSQL's own full-text search on a server.
    None when the query has no words at all."""
    words = _WORD.findall(query)
    if not words:
        return None
    if available(connection):
        matching_ids = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q").bindparams(
            q=match_expression(query)
        )
        return id_column.in_(matching_ids)
    # 'simple': no stemming or stop words, like FTS5's default tokenizer. Words are
    # \w+ runs, so nothing typed can reach tsquery's own syntax.
    tsquery = " & ".join(words) + ":*"
    return func.to_tsvector(literal_column("'simple'"), text_column).op("@@")(
        func.to_tsquery(literal_column("'simple'"), tsquery)
    )
