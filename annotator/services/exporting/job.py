"""One export: what it reads and the rows it makes, for the CSV file or the workbook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.services import analysis_data, permissions
from annotator.services.coding import FieldValue, FormSpec, form_spec
from annotator.services.exporting.columns import (
    BASE_COLUMNS,
    STATUS_COLUMN,
    SUGGESTION_COLUMNS,
    FieldColumns,
)
from annotator.services.exporting.csv import write_csv
from annotator.services.exporting.options import (
    FORMATS,
    ExportOptions,
    ExportResult,
    ProgressFn,
)
from annotator.services.exporting.reader import Reader
from annotator.services.exporting.workbook import write_xlsx
from annotator.services.failures import FileFailure, file_problem
from annotator.services.sources import (
    CONSENSUS_KEY,
    Source,
    SuggestionMarks,
    coder_names,
    parse_source,
    statuses_in,
    suggestion_marks,
    values_in,
)
from annotator.store.models import (
    Review,
)
from annotator.store.project import Project
from annotator.store.safe_write import check_target, written_whole
from annotator.vocabulary import STATUS_LABELS
from annotator.workbooks import (
    Column,
)


def export(
    project: Project,
    out: Path,
    options: ExportOptions | None = None,
    progress: ProgressFn | None = None,
    *,
    by_coder_id: int | None = None,
) -> ExportResult:
    """Write the export to ``out`` (replaced whole at the end, never half-written).

    ``by_coder_id`` is who exports: a coder exports their own codes only; the consensus,
    another coder's codes and every coder's are for adjudicators and coordinators."""
    options = options or ExportOptions()
    if options.format not in FORMATS:
        raise ValueError(f"'{options.format}' is not an export format; choose xlsx or csv.")
    out = check_target(out, protect=[project.path])
    try:
        return _export(project, out, options, progress, by_coder_id)
    except OSError as error:
        # Never the errno nor the temporary name: the folder, the reason, what to do.
        raise FileFailure(file_problem(error, out)) from error


def _export(
    project: Project,
    out: Path,
    options: ExportOptions,
    progress: ProgressFn | None,
    by_coder_id: int | None,
) -> ExportResult:
    started = time.perf_counter()
    with written_whole(out) as partial, project.session() as session:
        source = parse_source(session, options.source)
        permissions.check_source(session, source, by_coder_id)
        if options.review_ids is not None:
            known = set(session.scalars(select(Review.id)))
            missing = set(options.review_ids) - known
            if missing:
                raise ValueError("Some of the chosen reviews are not in this project.")
        job = Job(project, session, source, options, progress)
        job.by_coder_id = by_coder_id
        write = write_csv if options.format == "csv" else write_xlsx
        result = write(job, partial)
    result.path = out
    result.seconds = time.perf_counter() - started
    return result


class Job:
    def __init__(
        self,
        project: Project,
        session: Session,
        source: Source,
        options: ExportOptions,
        progress: ProgressFn | None,
    ) -> None:
        self.project = project
        self.session = session
        self.by_coder_id: int | None = None
        self.source = source
        self.options = options
        self._progress = progress
        self.spec: FormSpec = form_spec(session)
        self.fields = [FieldColumns.of(f) for f in self.spec.fields]
        self.reader = Reader(session, options.review_ids)
        self.names = coder_names(session)
        self.filters = self._filters()

    def progress(self, label: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(label, done, total)

    def _filters(self) -> tuple[str, ...]:
        if self.options.review_ids is None:
            return ()
        labels = [
            analysis_data.review_label(name, cycle, year)
            for rid, (name, cycle, year, _symbol) in sorted(self.reader.reviews.items())
            if rid in set(self.options.review_ids)
        ]
        return (f"Reviews: {', '.join(labels)}",)

    # -- rows ------------------------------------------------------------------------
    def field_columns(self) -> list[Column]:
        return [c for f in self.fields for c in f.columns]

    def recommendation_columns(self) -> list[Column]:
        extra = [STATUS_COLUMN, *SUGGESTION_COLUMNS] if self.source.kind == "coder" else []
        if self.source.kind == "all-coders":
            return list(BASE_COLUMNS)
        return [*BASE_COLUMNS, *extra, *self.field_columns()]

    def _coded_cells(
        self, values: dict[int, FieldValue], status: str | None, consensus: bool
    ) -> list[Any]:
        done = status == "done"
        cells: list[Any] = []
        for fc in self.fields:
            value = values.get(fc.spec.stored_id)
            coded = value is not None or (done and not consensus)
            cells.extend(fc.cells(value, coded))
        return cells

    def _suggestion_cells(self, marks: SuggestionMarks, key: tuple[int, int]) -> list[Any]:
        shown = "Yes" if key in marks.shown else "No"
        accepted = marks.accepted.get(key)
        if not accepted:  # most rows: nothing accepted, no labels to look for
            return [shown, None]
        labels = [fc.joined(FieldValue(accepted)) for fc in self.fields if fc.labels]
        return [shown, "; ".join(x for x in labels if x) or None]

    def rows(self) -> Iterator[tuple[list[Any], list[list[Any]]]]:
        """(the recommendation's row, its coders' rows) in reading order."""
        kind = self.source.kind
        total = len(self.reader.ids)
        done = 0
        self.progress("Writing recommendations…", 0, total)
        for chunk in self.reader.chunks():
            ids = [b.id for b in chunk]
            values = values_in(self.session, self.source, ids)
            statuses = (
                statuses_in(self.session, ids, self.source.coder_id)
                if kind in ("coder", "all-coders")
                else {}
            )
            marks = (
                suggestion_marks(self.session, ids, self.source.coder_id)
                if kind in ("coder", "all-coders")
                else SuggestionMarks(frozenset(), {})
            )
            statuses_of: dict[int, dict[int, str]] = {}
            for (rid, coder), marked in statuses.items():
                statuses_of.setdefault(rid, {})[coder] = marked
            for base in chunk:
                row = base.cells()
                coder_rows: list[list[Any]] = []
                by_coder = values.get(base.id, {})
                if kind == "consensus":
                    row.extend(self._coded_cells(by_coder.get(CONSENSUS_KEY, {}), None, True))
                elif kind == "coder":
                    status = statuses.get((base.id, self.source.coder_id or 0))
                    row.append(STATUS_LABELS.get(status, status))
                    row.extend(self._suggestion_cells(marks, (base.id, self.source.coder_id or 0)))
                    row.extend(
                        self._coded_cells(
                            by_coder.get(self.source.coder_id or 0, {}), status, False
                        )
                    )
                else:
                    own = statuses_of.get(base.id, {})
                    coders = set(by_coder) | set(own)
                    for coder in sorted(coders, key=lambda c: self.names.get(c, "").casefold()):
                        status = own.get(coder)
                        coder_rows.append(
                            [
                                base.id,
                                base.state,
                                base.cycle,
                                base.year,
                                base.number,
                                base.category,
                                self.names.get(coder, ""),
                                STATUS_LABELS.get(status, status),
                                *self._suggestion_cells(marks, (base.id, coder)),
                                *self._coded_cells(by_coder.get(coder, {}), status, False),
                            ]
                        )
                yield row, coder_rows
            done += len(chunk)
            self.progress("Writing recommendations…", done, total)
