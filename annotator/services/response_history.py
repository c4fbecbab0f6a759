"""Each recommendation's responses as a history, one entry a document; the latest is current.

A Working Group report gives preliminary positions, the state's addendum completes or
changes them, a later update (a mid-term report) may change them again; the OHCHR
matrix, UPR Info and other tables restate them. Every one is kept as an entry
(``ResponseEntry``); none erases another. The current response is the entry of the
highest-ranking document (``RANK``: the state's own later documents over its earlier
ones, and over the secondary sources that restate them), the latest by date within a
rank; it is cached on the recommendation (``response``, ``response_explanation``,
``position``), which the queue, the analyses and the export read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from annotator.importers.records import ImportBatch, SourceDocument
from annotator.responses import clean_wording, read_wording
from annotator.services.bulk import db_value, insert_rows
from annotator.store.ids import uuid_hex_batch
from annotator.store.models import Recommendation, ResponseEntry, table_of, utcnow
from annotator.store.queries import in_chunks

# Which document's response is current when several gave one: preliminary positions
# in the report < a secondary source's restatement (UPR Info < a table < the OHCHR
# matrix) < the state's addendum < a later update.
RANK = {"report": 0, "database": 1, "table": 2, "matrix": 3, "addendum": 4, "update": 5}
KIND_LABELS = {
    "report": "Working Group report (preliminary)",
    "addendum": "addendum (the state's views)",
    "update": "later update",
    "matrix": "OHCHR matrix",
    "database": "database",
    "table": "table",
}
# The document kind of each format, when the reader does not say.
KIND_OF_FORMAT = {
    "wg-report": "report",
    "responses": "addendum",
    "ohchr-matrix": "matrix",
    "matrix-csv": "matrix",
    "uprinfo": "database",
    "uhri": "database",
    "table": "table",
}
LEGACY_KEY = "%s:before history"  # responses kept by migration 0006


def document_of(batch: ImportBatch) -> SourceDocument:
    """The document a batch was read from: what the reader says, else its format's kind."""
    if batch.document is not None:
        return batch.document
    return SourceDocument(kind=KIND_OF_FORMAT.get(batch.format, "table"))  # type: ignore[arg-type]


def document_key(document: SourceDocument, file: str) -> str:
    """What identifies a document across imports: its symbol, else its kind and file name."""
    return document.symbol or f"{document.kind}:{file}"


@dataclass(frozen=True)
class NewEntry:
    recommendation_id: int
    wording: str | None
    explanation: str | None = None
    line: int | None = None
    page: int | None = None


@dataclass(frozen=True)
class HistoryItem:
    """One entry of a recommendation's response history, as people read it."""

    kind: str
    symbol: str | None
    date: dt.date | None
    wording: str | None
    category: str | None
    position: str | None
    explanation: str | None
    file: str | None
    line: int | None
    page: int | None
    imported_at: dt.datetime
    current: bool

    @property
    def document(self) -> str:
        label = KIND_LABELS.get(self.kind, self.kind)
        parts = [p for p in (self.symbol, self.date.isoformat() if self.date else None) if p]
        return f"{label}, {', '.join(parts)}" if parts else label

    @property
    def place(self) -> str:
        parts = [self.file or ""]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(p for p in parts if p)


def existing_wordings(
    session: Session, recommendation_ids: Iterable[int], kind: str, key: str
) -> dict[int, str | None]:
    """This document's wording for each recommendation it already gave a response."""
    ids = list(recommendation_ids)
    found: dict[int, str | None] = {}
    for chunk in in_chunks(ids):
        found.update(
            session.execute(
                select(ResponseEntry.recommendation_id, ResponseEntry.wording).where(
                    ResponseEntry.recommendation_id.in_(chunk),
                    ResponseEntry.document_kind == kind,
                    ResponseEntry.document_key == key,
                )
            ).all()
        )
    return found


# What makes an entry differ from what its document says now (where it was read, line
# and page, may move when a document is re-extracted without anything changing).
COMPARED = (
    "document_symbol",
    "document_date",
    "wording",
    "category",
    "position",
    "explanation",
    "file",
    "source_format",
)


def record(
    session: Session,
    document: SourceDocument,
    file: str,
    source_format: str,
    entries: Sequence[NewEntry],
) -> int:
    """Add (or, for the same document read again, update) one entry per recommendation,
    then make each recommendation's latest response its current one. Returns how many
    entries were added or changed; the same document twice changes nothing.

    Read and compared as plain rows: a second import of 40,000 recommendations compares
    40,000 entries and should not build an object for each."""
    entries = [e for e in entries if clean_wording(e.wording) is not None]
    if not entries:
        return 0
    key = document_key(document, file)
    legacy_key = LEGACY_KEY % document.kind
    ids = [e.recommendation_id for e in entries]
    table = table_of(ResponseEntry)
    have: dict[int, tuple] = {}  # this document's entry: (id, *COMPARED)
    legacy: dict[int, tuple] = {}  # an entry kept by migration 0006, of this kind
    for chunk in in_chunks(ids):
        for row in session.execute(
            select(
                table.c.recommendation_id,
                table.c.document_key,
                table.c.id,
                *(table.c[name] for name in COMPARED),
            ).where(
                table.c.recommendation_id.in_(chunk),
                table.c.document_kind == document.kind,
                table.c.document_key.in_((key, legacy_key)),
            )
        ):
            rid, found_key, *rest = row
            (have if found_key == key else legacy)[rid] = tuple(rest)
    readings: dict[str, object] = {}
    fresh: list[NewEntry] = []
    changed: list[int] = []
    now = utcnow()
    for new in entries:
        wording = clean_wording(new.wording)
        assert wording is not None
        if wording not in readings:
            readings[wording] = read_wording(wording)
        reading = readings[wording]
        values = {
            "document_symbol": document.symbol,
            "document_date": document.date,
            "wording": wording,
            "category": reading.category if reading else None,  # type: ignore[attr-defined]
            "position": reading.position if reading else None,  # type: ignore[attr-defined]
            "explanation": new.explanation,
            "file": file or None,
            "source_format": source_format or None,
        }
        wanted = tuple(values[name] for name in COMPARED)
        rid = new.recommendation_id
        found = have.get(rid)
        if found is None and rid in legacy:
            # Kept from before the history: this document takes it over, and it is a
            # change only when the document now says something else.
            old = legacy.pop(rid)
            have[rid] = old
            session.execute(
                update(ResponseEntry)
                .where(ResponseEntry.id == old[0])
                .values(document_key=key, line=new.line, page=new.page, **values)
            )
            if old[1 + COMPARED.index("wording")] != wording:
                changed.append(rid)
            continue
        if found is None:
            fresh.append(new)
            have[rid] = (None, *wanted)
            changed.append(rid)
        elif tuple(found[1:]) != wanted:
            session.execute(
                update(ResponseEntry)
                .where(ResponseEntry.id == found[0])
                .values(line=new.line, page=new.page, imported_at=now, **values)
            )
            changed.append(rid)
    record_new(session, document, file, source_format, fresh)
    refresh_current(session, changed)
    return len(changed)


def record_new(
    session: Session,
    document: SourceDocument,
    file: str,
    source_format: str,
    entries: Sequence[NewEntry],
) -> int:
    """The first entry of recommendations just added (their cached response is this one),
    written in bulk: an import of 40,000 new recommendations should not build 40,000
    objects."""
    rows = []
    key = document_key(document, file)
    for new in entries:
        wording = clean_wording(new.wording)
        if wording is None:
            continue
        reading = read_wording(wording)
        rows.append(
            (
                new.recommendation_id,
                document.kind,
                key,
                document.symbol,
                document.date,
                wording,
                reading.category if reading else None,
                reading.position if reading else None,
                new.explanation,
                file or None,
                new.line,
                new.page,
                source_format or None,
            )
        )
    if not rows:
        return 0
    connection = session.connection()
    table = table_of(ResponseEntry)
    now = db_value(connection, table, "imported_at", utcnow())
    uuids = uuid_hex_batch(len(rows))
    day = table.c.document_date.type._cached_bind_processor(connection.dialect)
    ready = [
        (uid, *row[:4], day(row[4]) if day and row[4] else row[4], *row[5:], now)
        for uid, row in zip(uuids, rows, strict=True)
    ]
    return insert_rows(
        connection,
        table,
        (
            "uuid",
            "recommendation_id",
            "document_kind",
            "document_key",
            "document_symbol",
            "document_date",
            "wording",
            "category",
            "position",
            "explanation",
            "file",
            "line",
            "page",
            "source_format",
            "imported_at",
        ),
        ready,
    )


def _order(entry: ResponseEntry) -> tuple:
    return (
        RANK.get(entry.document_kind, 0),
        entry.document_date or dt.date.min,
        entry.imported_at,
        entry.id,
    )


def refresh_current(session: Session, recommendation_ids: Iterable[int]) -> None:
    """Cache each recommendation's current (latest) response on it."""
    ids = sorted(set(recommendation_ids))
    for chunk in in_chunks(ids):
        best: dict[int, ResponseEntry] = {}
        for entry in session.scalars(
            select(ResponseEntry).where(ResponseEntry.recommendation_id.in_(chunk))
        ):
            held = best.get(entry.recommendation_id)
            if held is None or _order(entry) > _order(held):
                best[entry.recommendation_id] = entry
        for rid, entry in best.items():
            session.execute(
                update(Recommendation)
                .where(Recommendation.id == rid)
                .values(
                    response=entry.wording,
                    response_explanation=entry.explanation,
                    position=entry.position,
                )
            )


def history(session: Session, recommendation_id: int) -> list[HistoryItem]:
    """A recommendation's responses, oldest first; the last is current."""
    entries = sorted(
        session.scalars(
            select(ResponseEntry).where(ResponseEntry.recommendation_id == recommendation_id)
        ),
        key=_order,
    )
    return [
        HistoryItem(
            kind=e.document_kind,
            symbol=e.document_symbol,
            date=e.document_date,
            wording=e.wording,
            category=e.category,
            position=e.position,
            explanation=e.explanation,
            file=e.file,
            line=e.line,
            page=e.page,
            imported_at=e.imported_at,
            current=i == len(entries) - 1,
        )
        for i, e in enumerate(entries)
    ]


def current_sources(
    session: Session, recommendation_ids: Iterable[int]
) -> dict[int, tuple[str, str | None]]:
    """Where each recommendation's current response came from: (document kind, symbol)."""
    ids = list(recommendation_ids)
    best: dict[int, ResponseEntry] = {}
    for chunk in in_chunks(ids):
        for entry in session.scalars(
            select(ResponseEntry).where(ResponseEntry.recommendation_id.in_(chunk))
        ):
            held = best.get(entry.recommendation_id)
            if held is None or _order(entry) > _order(held):
                best[entry.recommendation_id] = entry
    return {rid: (e.document_kind, e.document_symbol) for rid, e in best.items()}


def source_label(kind: str, symbol: str | None) -> str:
    """ "addendum (the state's views), A/HRC/43/15/Add.1" """
    label = KIND_LABELS.get(kind, kind)
    return f"{label}, {symbol}" if symbol else label
