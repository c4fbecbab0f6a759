"""Checks every batch passes after its reader, the same for every format.

Readers differ in how they find recommendations, but what may enter a project does
not: the text limits of ``annotator.limits``, one recommendation per number in a
review, and a named error for every byte of a UTF-8 file that is not UTF-8. Doing it
here, once, means a new reader (or one that forgot) cannot let a 5,000,000-character
text or two rows numbered 12.3 through.
"""

from __future__ import annotations

from pathlib import Path

from annotator import limits
from annotator.importers import files
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord

# Where a reader's row numbers count something other than rows.
_UNITS = {"ohchr-matrix": "table row", "wg-report": "paragraph"}
# How many bad places of one file are listed one by one.
_LISTED = 20


def check(batch: ImportBatch, path: Path) -> ImportBatch:
    """Add to ``batch`` the problems every import must refuse; returns the batch."""
    decoding = files.cached_decoding(path)
    unit = _UNITS.get(batch.format, "row")
    if decoding is not None:
        unit = "line" if batch.format == "wg-report" else unit
        _encoding(batch, decoding)
    flagged_rows = {p.row for p in batch.errors if p.row is not None}
    for record in batch.recommendations:
        if record.row in flagged_rows:
            continue  # the reader already refused this row; one message is enough
        for message in _too_long(record):
            batch.problem(record.row, None, message, unit=unit)
    _duplicates(batch, flagged_rows, unit)
    return batch


def _encoding(batch: ImportBatch, decoding: files.DecodedText) -> None:
    if decoding.guessed:
        batch.notes.append(
            f"The file is not UTF-8; its encoding was guessed as {decoding.encoding}. "
            "If letters look wrong in the preview, save it as UTF-8 and import again."
        )
    for bad in decoding.bad[:_LISTED]:
        batch.problem(bad.line, None, bad.message(), unit="line")
    if len(decoding.bad) > _LISTED:
        batch.problem(
            None,
            None,
            f"{len(decoding.bad) - _LISTED:,} more places are not UTF-8 text "
            f"({len(decoding.bad):,} in all)",
        )


def _too_long(record: RecommendationRecord) -> list[str]:
    checks = [
        ("the recommendation's text", record.text, limits.MAX_RECOMMENDATION_TEXT),
        ("the recommending states", record.recommending_text, limits.MAX_SOURCE_TEXT),
        ("the explanation of the response", record.response_explanation, limits.MAX_SOURCE_TEXT),
        ("the response", record.response, limits.MAX_SOURCE_TEXT),
        ("the recommendation number", record.number, limits.MAX_NUMBER),
    ]
    checks += [
        (f"the {tag.kind} '{tag.value[:30]}…'", tag.value, limits.MAX_SOURCE_TEXT)
        for tag in record.tags
    ]
    return [
        f"{what} holds {len(value):,} characters; at most {limit:,} are imported. "
        "Shorten it in the file and import again"
        for what, value, limit in checks
        if value is not None and len(value) > limit
    ]


def _duplicates(batch: ImportBatch, flagged_rows: set[int], unit: str) -> None:
    """Report the second of two records with one number, and leave it out of the batch:
    the import is refused anyway, and the preview must not count (or try to write) one
    recommendation twice."""
    first: dict[tuple[ReviewRecord, str], RecommendationRecord] = {}
    kept = []
    for record in batch.recommendations:
        if not record.number:
            kept.append(record)
            continue
        key = (record.review, record.number)
        earlier = first.setdefault(key, record)
        if earlier is record:
            kept.append(record)
            continue
        if record.row in flagged_rows:
            continue
        where = f"{unit} {earlier.row}" if earlier.row is not None else "earlier"
        batch.problem(
            record.row,
            None,
            f"recommendation {record.number} appears twice (also at {where}); a review "
            "numbers each recommendation once. Remove or renumber one of the two and "
            "import again",
            unit=unit,
        )
    batch.recommendations = kept
