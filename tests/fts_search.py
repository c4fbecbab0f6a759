"""Searching the full-text index directly, as the tests check it (the app searches
through ``fts.matching`` inside its queue queries)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from annotator.store import fts


def search_ids(connection: Connection, query: str) -> list[int]:
    """Ids of recommendations whose text has every word of ``query``, best match first."""
    expression = fts.match_expression(query)
    if expression is None or not fts.available(connection):
        return []
    return list(
        connection.execute(
            text(
                f"SELECT f.rowid FROM {fts.FTS_TABLE} f JOIN recommendation r ON r.id = f.rowid "
                f"WHERE {fts.FTS_TABLE} MATCH :q ORDER BY rank"
            ),
            {"q": expression},
        ).scalars()
    )
