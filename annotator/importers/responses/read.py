"""The entry points: a file of any shape, or pasted text, to a batch of responses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.importers import addendum, documents, files
from annotator.importers.files import SourceFileError
from annotator.importers.records import (
    ImportBatch,
    ReviewRecord,
    SourceDocument,
)
from annotator.importers.responses.collect import FORMAT, Collector, Place, category_of
from annotator.importers.responses.prose import read_prose, text_blocks
from annotator.importers.responses.tabular import (
    docx_has_responses_table,
    read_docx,
    read_table_rows,
)
from annotator.importers.tables import (
    WORKBOOK_KINDS,
    load_table,
)

TABLE_SUFFIXES = (".csv", ".tsv")


# ---------------------------------------------------------------------------
# Entry points


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """The responses in ``path`` (.csv/.xlsx/.ods table, .docx table or text, .txt).

    ``review`` is accepted for the common reader signature; responses carry only
    numbers, and the import attaches them to the review the user chose.
    """
    sniffed = files.sniff(path)
    files.expect(sniffed, "pdf", "text", "docx", *WORKBOOK_KINDS)
    batch = ImportBatch(file=path.name, format=FORMAT)
    collector = Collector(batch)
    if sniffed.kind == "pdf":
        return _read_addendum(documents.read_document(path), batch)
    if sniffed.kind == "docx":
        if not docx_has_responses_table(path):
            document = documents.read_document(path)
            if addendum.looks_like_addendum(document):
                return _read_addendum(document, batch)
        read_docx(path, collector, progress)
    elif sniffed.kind == "text" and path.suffix.lower() not in TABLE_SUFFIXES:
        text = files.read_text(path)
        if not text.strip():
            raise SourceFileError(f"{path.name} holds no text.")
        document = documents.from_text(text, path.name)
        if addendum.looks_like_addendum(document):
            return _read_addendum(document, batch)
        read_prose(text_blocks(text), collector, progress)
    else:
        table = load_table(path)
        rows = [
            (Place(int(number), "row", table.sheet), cells)
            for number, cells in zip(table.rows, table.value_rows(), strict=True)
        ]
        read_table_rows(rows, collector, table.spreadsheet, progress)
    return _finish(collector)


def read_text_input(
    text: str,
    *,
    name: str = "pasted text",
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """The responses in text pasted into the app; problems name ``name`` and the line."""
    if not text or not text.strip():
        raise SourceFileError(f"The {name} is empty.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    document = documents.from_text(text, name)
    if addendum.looks_like_addendum(document):
        return _read_addendum(document, ImportBatch(file=name, format=FORMAT))
    collector = Collector(ImportBatch(file=name, format=FORMAT))
    read_prose(text_blocks(text), collector, progress)
    return _finish(collector)


def _read_addendum(document: documents.DocumentText, batch: ImportBatch) -> ImportBatch:
    """A whole addendum as published (PDF, Word or its text): see :mod:`addendum`."""
    head = documents.masthead(document.first_page)
    batch.document = SourceDocument(
        kind="addendum",
        symbol=head.symbol,
        date=head.date,
        title=head.title,
        state_name=head.state_name,
        council_session=head.session,
    )
    addendum.read(document, batch)
    if not batch.responses and not batch.errors:
        raise SourceFileError(
            f"{batch.file}: no responses found. An addendum lists the recommendations "
            'under each category ("The Government accepts the following recommendations '
            '122.1, 122.12, ...") or answers them one by one ("5., 6. Slovenia accepts '
            'these recommendations.").'
        )
    addendum.compare_totals(
        batch, {r.response: category_of(r.response) or "" for r in batch.responses}
    )
    if batch.responses:
        batch.notes.append(
            f"{len(batch.responses)} responses read from {document.pages} page(s)"
            + (
                f"; {document.removed} line(s) of headers and footers left out"
                if document.removed
                else ""
            )
        )
    return batch


def _finish(collector: Collector) -> ImportBatch:
    batch = collector.batch
    batch.responses = collector.records()
    if not batch.responses and not batch.errors:
        raise SourceFileError(
            f"{batch.file}: no responses found. Give a table of number, response (and "
            "explanation), or text that lists the numbers under each category, such as "
            "'The following recommendations are noted: 28.9–28.11'."
        )
    if batch.responses:
        counts = batch.responses_by_category()
        summary = ", ".join(f"{n} {category}" for category, n in counts.most_common())
        batch.notes.append(f"{len(batch.responses)} responses: {summary}.")
    return batch
