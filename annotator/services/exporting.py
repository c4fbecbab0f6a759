"""Exports: the coded recommendations as a workbook (or CSV) to filter and pivot at once.

The workbook (docs/exporting.md describes every sheet):

* **Recommendations**: one row a recommendation, with its review, number, text,
  recommending states and their regional groups, the published response (the state's
  wording, its category and the UN position) and the coded fields as columns; a
  multi-choice field both as one ``;``-joined column and as one 0/1 column per code;
* **Codes by coder** (when every coder is exported): one row a recommendation and coder;
* **Summary**: responses by category, by review, as worded, by theme and by regional
  group, with native Excel charts; **Reliability** (when two coders or more coded the
  same recommendations); **Codebook**; **About** (project, time, versions, filters).

Rows stream from the database in chunks into XlsxWriter's constant-memory sheets, so
memory stays flat as the project grows; no text is ever written as a formula (see
``annotator.workbooks``). The file appears whole or not at all: it is
written next to the target and moved into place at the end.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from annotator import __version__, analysis
from annotator.services import analysis_data, permissions, reliability_report, response_history
from annotator.services.coding import FieldSpec, FieldValue, FormSpec, form_spec
from annotator.services.sources import (
    CONSENSUS_KEY,
    Source,
    coder_names,
    parse_source,
    statuses_in,
    values_in,
)
from annotator.store.models import (
    Annotation,
    Recommendation,
    RecommendationState,
    Review,
    State,
)
from annotator.store.project import Project
from annotator.store.safe_write import check_target, scratch_folder, written_whole
from annotator.vocabulary import STATUS_LABELS
from annotator.workbooks import (
    CUT_MARK,
    MAX_CELL_CHARS,
    Book,
    Column,
    ListsSheet,
    Sheet,
    column_letter,
    csv_safe,
)

ProgressFn = Callable[[str, int, int], None]
FORMATS = ("xlsx", "csv")
CHUNK = 500
CUT_LISTED = 20  # recommendations named in the report's sentence on cut texts
LIST_SEPARATOR = "; "
PERCENT = "0.0%"
POSITIONS = {"supported": "Supported", "noted": "Noted"}
SHEET_RECOMMENDATIONS = "Recommendations"
SHEET_CODERS = "Codes by coder"
SHEET_SUMMARY = "Summary"
MAX_LISTED = 1000  # disagreements listed on the Summary sheet
SHEET_RELIABILITY = "Reliability"
SHEET_CODEBOOK = "Codebook"
SHEET_ABOUT = "About"
SHEET_LISTS = "Lists"
# Charts of many bars say nothing; past this many reviews the tables speak alone.
MAX_CHART_REVIEWS = 30
# Above this many recommendations coded by two coders, the Reliability sheet points to
# 'annotator irr' instead of measuring (see _Job._reliability).
RELIABILITY_LIMIT = 5_000


class ExportCancelled(Exception):
    """The person asked to stop; no file was left behind."""


@dataclass(frozen=True)
class ExportOptions:
    format: str = "xlsx"
    source: str = "consensus"  # consensus, coder:NAME or all-coders
    review_ids: tuple[int, ...] | None = None  # None: every review
    reliability: bool = True  # the Reliability sheet, when coders overlap


@dataclass
class ExportResult:
    path: Path
    format: str
    source: str
    recommendations: int
    coder_rows: int
    sheets: tuple[str, ...]
    seconds: float
    filters: tuple[str, ...] = ()
    # Cells whose text was longer than a spreadsheet cell holds, so it was cut (and
    # marked); and the recommendations they belong to (their ids and numbers).
    cut_cells: int = 0
    cut_recommendations: tuple[str, ...] = ()

    def cut_sentence(self) -> str | None:
        """What the report says about texts cut to fit a cell, or None."""
        if not self.cut_cells:
            return None
        shown = ", ".join(self.cut_recommendations[:CUT_LISTED])
        more = len(self.cut_recommendations) - CUT_LISTED
        return (
            f"{self.cut_cells} cell{'s' if self.cut_cells != 1 else ''} held more than "
            f"{MAX_CELL_CHARS:,} characters, the most a spreadsheet cell holds, and "
            f"{'were' if self.cut_cells != 1 else 'was'} cut (marked '{CUT_MARK.strip()}'); "
            f"recommendations: {shown}{f' and {more} more' if more > 0 else ''}. "
            "The CSV export keeps the whole texts."
        )


# ------------------------------------------------------------------------ the columns


@dataclass
class FieldColumns:
    """How one codebook field becomes columns, and a value becomes their cells."""

    spec: FieldSpec
    columns: list[Column] = field(default_factory=list)
    flag_codes: tuple[int, ...] = ()
    ancestors: dict[int, tuple[int, ...]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)
    ordinal: dict[int, int | str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: FieldSpec) -> FieldColumns:
        made = cls(spec)
        made.labels = {c.id: c.label for c in spec.codes}
        made.order = {c.id: n for n, c in enumerate(spec.codes)}
        live = [c for c in spec.codes if not c.retired]
        if spec.kind == "multi":
            made.columns.append(Column(spec.label, 30, wrap=False))
            made.flag_codes = tuple(c.id for c in spec.codes)
            parents = {c.id: c.parent_id for c in spec.codes}
            for code in spec.codes:
                chain, seen = [], {code.id}
                up = parents.get(code.id)
                while up is not None and up not in seen:
                    chain.append(up)
                    seen.add(up)
                    up = parents.get(up)
                made.ancestors[code.id] = tuple(chain)
            for code in spec.codes:
                header = f"{spec.label}: {code.label}"
                if code.retired:
                    header += " (retired)"
                made.columns.append(Column(header, 8, text=False, choices=(0, 1)))
        elif spec.kind == "single":
            made.columns.append(
                Column(spec.label, 20, choices=tuple(c.label for c in live) or None)
            )
        elif spec.kind == "ordinal":
            try:
                made.ordinal = {c.id: int(c.key) for c in spec.codes}
                choices: tuple[str | int, ...] = tuple(int(c.key) for c in live)
            except ValueError:
                made.ordinal = {c.id: c.label for c in spec.codes}
                choices = tuple(c.label for c in live)
            made.columns.append(Column(spec.label, 12, choices=choices or None))
        elif spec.kind == "boolean":
            made.columns.append(Column(spec.label, 10, choices=("yes", "no")))
        else:
            made.columns.append(Column(spec.label, 40, wrap=True))
        return made

    def cells(self, value: FieldValue | None, coded: bool) -> list[Any]:
        kind = self.spec.kind
        if kind == "multi":
            if value is None or not value.codes:
                if not coded and value is None:
                    return [None] * (1 + len(self.flag_codes))
                return ["", *([0] * len(self.flag_codes))]
            chosen = set(value.codes)
            for code in value.codes:
                chosen.update(self.ancestors.get(code, ()))
            joined = LIST_SEPARATOR.join(
                self.labels[c]
                for c in sorted(value.codes, key=lambda c: self.order.get(c, 1 << 30))
                if c in self.labels
            )
            return [joined, *[1 if c in chosen else 0 for c in self.flag_codes]]
        if value is None:
            return [None]
        if kind == "single":
            return [self._joined(value) or None]
        if kind == "ordinal":
            if len(value.codes) == 1:
                (code,) = value.codes
                return [self.ordinal.get(code)]
            return [self._joined(value) or None]
        if kind == "boolean":
            text = (value.text or "").strip().casefold()
            if not text:
                return [None]
            return ["yes" if text in ("true", "yes", "1") else "no"]
        return [value.text or None]

    def _joined(self, value: FieldValue) -> str:
        return LIST_SEPARATOR.join(
            self.labels[c]
            for c in sorted(value.codes, key=lambda c: self.order.get(c, 1 << 30))
            if c in self.labels
        )


BASE_COLUMNS = (
    Column("ID", 8, text=False),
    Column("State under review", 18),
    Column("Cycle", 7, text=False),
    Column("Year", 7, text=False),
    Column("Report symbol", 15),
    Column("Number", 9),
    Column("Recommendation", 70, wrap=True),
    Column("Recommending states", 24),
    Column("Regional groups", 26),
    Column("Response as published", 24),
    Column(
        "Response",
        20,
        choices=tuple(analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES),
    ),
    Column("Position (UN)", 12, choices=tuple(POSITIONS.values())),
    # The document the current response comes from (the history is in the app).
    Column("Response from", 30),
)
STATUS_COLUMN = Column("Status", 12, choices=tuple(dict.fromkeys(STATUS_LABELS.values())))
CODER_BASE_COLUMNS = (
    Column("ID", 8, text=False),
    Column("State under review", 18),
    Column("Cycle", 7, text=False),
    Column("Year", 7, text=False),
    Column("Number", 9),
    BASE_COLUMNS[10],
    Column("Coder", 16),
    STATUS_COLUMN,
)


@dataclass(frozen=True)
class _Base:
    """What the first columns say about one recommendation, read once per chunk."""

    id: int
    state: str
    cycle: int
    year: int | None
    symbol: str | None
    number: str
    text: str
    recommending: str
    groups: str
    response: str | None
    category: str
    position: str | None
    response_from: str | None = None

    def cells(self) -> list[Any]:
        return [
            self.id,
            self.state,
            self.cycle,
            self.year,
            self.symbol,
            self.number,
            self.text,
            self.recommending,
            self.groups,
            self.response,
            self.category,
            self.position,
            self.response_from,
        ]


class _Reader:
    """Streams a project's recommendations, in reading order, a chunk at a time."""

    def __init__(self, session: Session, review_ids: Sequence[int] | None) -> None:
        self.session = session
        query = select(Recommendation.id).order_by(
            Recommendation.review_id, Recommendation.sort_key, Recommendation.id
        )
        if review_ids is not None:
            query = query.where(Recommendation.review_id.in_(list(review_ids)))
        self.ids: list[int] = list(session.connection().execute(query).scalars())
        self.reviews = {
            rid: (name, cycle, year, symbol)
            for rid, name, cycle, year, symbol in session.execute(
                select(Review.id, State.name, Review.cycle, Review.year, Review.report_symbol).join(
                    State, State.id == Review.state_id
                )
            )
        }
        self._categories: dict[str | None, str] = {}

    def chunks(self) -> Iterator[list[_Base]]:
        for start in range(0, len(self.ids), CHUNK):
            chunk = self.ids[start : start + CHUNK]
            rows = {
                rid: rest
                for rid, *rest in self.session.execute(
                    select(
                        Recommendation.id,
                        Recommendation.review_id,
                        Recommendation.number,
                        Recommendation.text,
                        Recommendation.response,
                        Recommendation.position,
                    ).where(Recommendation.id.in_(chunk))
                )
            }
            names: dict[int, list[str]] = {}
            groups: dict[int, list[str]] = {}
            for rid, name, group in self.session.execute(
                select(RecommendationState.recommendation_id, State.name, State.regional_group)
                .join(State, State.id == RecommendationState.state_id)
                .where(RecommendationState.recommendation_id.in_(chunk))
                .order_by(RecommendationState.recommendation_id, RecommendationState.ordinal)
            ):
                names.setdefault(rid, []).append(name)
                if group:
                    own = groups.setdefault(rid, [])
                    if group not in own:
                        own.append(group)
            sources = response_history.current_sources(self.session, chunk)
            result = []
            for rid in chunk:
                review_id, number, text, response, position = rows[rid]
                came = sources.get(rid)
                state, cycle, year, symbol = self.reviews[review_id]
                category = self._categories.get(response)
                if category is None:
                    category = analysis.CATEGORY_LABELS[analysis.response_category(response)]
                    self._categories[response] = category
                result.append(
                    _Base(
                        rid,
                        state,
                        cycle,
                        year,
                        symbol,
                        number or "",
                        text,
                        LIST_SEPARATOR.join(names.get(rid, ())),
                        LIST_SEPARATOR.join(groups.get(rid, ())),
                        response,
                        category,
                        POSITIONS.get(position or ""),
                        response_history.source_label(*came) if came and response else None,
                    )
                )
            yield result


# --------------------------------------------------------------------------- export


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
    started = time.perf_counter()
    with written_whole(out) as partial, project.session() as session:
        source = parse_source(session, options.source)
        permissions.check_source(session, source, by_coder_id)
        if options.review_ids is not None:
            known = set(session.scalars(select(Review.id)))
            missing = set(options.review_ids) - known
            if missing:
                raise ValueError("Some of the chosen reviews are not in this project.")
        job = _Job(project, session, source, options, progress)
        job.by_coder_id = by_coder_id
        write = job.write_csv if options.format == "csv" else job.write_xlsx
        result = write(partial)
    result.path = out
    result.seconds = time.perf_counter() - started
    return result


class _Job:
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
        self.reader = _Reader(session, options.review_ids)
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
        extra = [STATUS_COLUMN] if self.source.kind == "coder" else []
        if self.source.kind == "all-coders":
            return list(BASE_COLUMNS)
        return [*BASE_COLUMNS, *extra, *self.field_columns()]

    def _coded_cells(
        self, values: dict[int, FieldValue], status: str | None, consensus: bool
    ) -> list[Any]:
        done = status == "done"
        cells: list[Any] = []
        for fc in self.fields:
            value = values.get(fc.spec.id)
            coded = value is not None or (done and not consensus)
            cells.extend(fc.cells(value, coded))
        return cells

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
            statuses_of: dict[int, dict[int, str]] = {}
            for (rid, coder), status in statuses.items():
                statuses_of.setdefault(rid, {})[coder] = status
            for base in chunk:
                row = base.cells()
                coder_rows: list[list[Any]] = []
                by_coder = values.get(base.id, {})
                if kind == "consensus":
                    row.extend(self._coded_cells(by_coder.get(CONSENSUS_KEY, {}), None, True))
                elif kind == "coder":
                    status = statuses.get((base.id, self.source.coder_id or 0))
                    row.append(STATUS_LABELS.get(status, status))
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
                                *self._coded_cells(by_coder.get(coder, {}), status, False),
                            ]
                        )
                yield row, coder_rows
            done += len(chunk)
            self.progress("Writing recommendations…", done, total)

    # -- csv ---------------------------------------------------------------------------
    def write_csv(self, path: Path) -> ExportResult:
        long = self.source.kind == "all-coders"
        if long:
            columns = [*BASE_COLUMNS, Column("Coder"), STATUS_COLUMN, *self.field_columns()]
        else:
            columns = self.recommendation_columns()
        written = coder_rows = 0
        # UTF-8 with a byte-order mark: Excel reads the file as UTF-8 only when it has one.
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_safe(c.header) for c in columns])
            for row, by_coder in self.rows():
                written += 1
                if long:
                    base = row[: len(BASE_COLUMNS)]
                    for coder_row in by_coder:
                        # Coder, status and codes follow the recommendation's own columns.
                        writer.writerow([_csv(v) for v in (*base, *coder_row[6:])])
                        coder_rows += 1
                else:
                    writer.writerow([_csv(v) for v in row])
        return ExportResult(
            path, "csv", self.source.label, written, coder_rows, (), 0.0, self.filters
        )

    # -- xlsx --------------------------------------------------------------------------
    def write_xlsx(self, path: Path) -> ExportResult:
        # A stopped or failed export leaves no scratch file behind (the Book drops them).
        with Book(path, scratch_dir=scratch_folder()) as workbook:
            return self._write_xlsx(workbook, path)

    def _write_xlsx(self, workbook: Book, path: Path) -> ExportResult:
        lists = ListsSheet(workbook, SHEET_LISTS)
        recommendations = Sheet(
            workbook, SHEET_RECOMMENDATIONS, self.recommendation_columns(), lists, freeze="B2"
        )
        coders: Sheet | None = None
        if self.source.kind == "all-coders":
            coders = Sheet(
                workbook,
                SHEET_CODERS,
                [*CODER_BASE_COLUMNS, *self.field_columns()],
                lists,
                freeze="B2",
            )
        written = coder_rows = 0
        cut: list[str] = []
        for row, by_coder in self.rows():
            before = recommendations.cut_cells + (coders.cut_cells if coders else 0)
            recommendations.append(row)
            written += 1
            if coders is not None:
                for coder_row in by_coder:
                    coders.append(coder_row)
                    coder_rows += 1
            if recommendations.cut_cells + (coders.cut_cells if coders else 0) > before:
                cut.append(f"ID {row[0]} ({row[4] or ''} {row[5]})".replace("( ", "("))
        recommendations.close()
        if coders is not None:
            coders.close()
        sheets = [SHEET_RECOMMENDATIONS, *([SHEET_CODERS] if coders else [])]
        self.progress("Summarising…", written, max(written, 1))
        _Summary(
            workbook, self.session, self.source, self.options.review_ids, self.by_coder_id
        ).write()
        sheets.append(SHEET_SUMMARY)
        measure = self.options.reliability and permissions.sees_others(
            self.session, self.by_coder_id
        )
        shared = _shared_count(self.session) if measure else 0
        if shared:
            self.progress("Measuring reliability…", written, max(written, 1))
            self._reliability(workbook, shared)
            sheets.append(SHEET_RELIABILITY)
        self._codebook(workbook)
        self._about(workbook, written, coder_rows)
        lists.write()
        sheets += [SHEET_CODEBOOK, SHEET_ABOUT]
        self.progress("Saving the workbook…", written, max(written, 1))
        workbook.close()
        return ExportResult(
            path,
            "xlsx",
            self.source.label,
            written,
            coder_rows,
            tuple(sheets),
            0.0,
            self.filters,
            cut_cells=recommendations.cut_cells + (coders.cut_cells if coders else 0),
            cut_recommendations=tuple(cut),
        )

    def _reliability(self, workbook: Book, shared: int) -> None:
        if shared > RELIABILITY_LIMIT:
            # The multi-choice statistics hold every pair of ratings in memory (about
            # 1 GB for 10,000 recommendations): an export must not need that.
            sheet = Sheet(workbook, SHEET_RELIABILITY, [Column("Reliability", 110, wrap=True)])
            sheet.append(
                [
                    f"{shared:,} recommendations are coded by two coders or more: too many "
                    "to measure inside an export. Run 'annotator irr --format xlsx' for the "
                    "reliability report, or export a selection of reviews."
                ]
            )
            sheet.close()
            return
        name = self.project.display_name
        rep = reliability_report.report(
            self.session, project_name=name, by_coder_id=self.by_coder_id
        )
        columns = [
            Column(h.capitalize(), 14 if h not in ("reading", "field label") else 40)
            for h in reliability_report.ROW_COLUMNS
        ]
        columns[-1] = Column("Reading", 60, wrap=True)
        numbers = {"value", "ci low", "ci high", "recommendations compared", "prevalence"}
        columns = [
            Column(
                c.header,
                c.width,
                text=h not in numbers,
                wrap=c.wrap,
                number_format=PERCENT if h == "prevalence" else None,
            )
            for c, h in zip(columns, reliability_report.ROW_COLUMNS, strict=True)
        ]
        sheet = Sheet(workbook, SHEET_RELIABILITY, columns)
        for record in reliability_report.report_rows(rep):
            sheet.append([record.get(h) for h in reliability_report.ROW_COLUMNS])
        sheet.close()

    def _codebook(self, workbook: Book) -> None:
        columns = [
            Column("Field", 16),
            Column("Field label", 20),
            Column("Kind", 12),
            Column("Code", 22),
            Column("Code label", 30),
            Column("Group", 24),
            Column("Definition", 50, wrap=True),
            Column("Include", 40, wrap=True),
            Column("Exclude", 40, wrap=True),
            Column("Example", 40, wrap=True),
            Column("Retired", 8),
            Column("Column in Recommendations", 34),
        ]
        sheet = Sheet(workbook, SHEET_CODEBOOK, columns)
        kinds = reliability_report.KIND_LABELS
        for fc in self.fields:
            f = fc.spec
            sheet.append(
                [
                    f.key,
                    f.label,
                    kinds.get(f.kind, f.kind),
                    None,
                    None,
                    None,
                    f.description,
                    *([None] * 4),
                    fc.columns[0].header,
                ]
            )
            by_id = {c.id: c for c in f.codes}
            for n, code in enumerate(f.codes):
                parent = by_id.get(code.parent_id) if code.parent_id else None
                column = fc.columns[n + 1].header if f.kind == "multi" else fc.columns[0].header
                sheet.append(
                    [
                        f.key,
                        f.label,
                        kinds.get(f.kind, f.kind),
                        code.key,
                        code.label,
                        parent.label if parent else None,
                        code.definition or None,
                        code.include or None,
                        code.exclude or None,
                        code.example or None,
                        "yes" if code.retired else None,
                        column,
                    ]
                )
        sheet.close()

    def _about(self, workbook: Book, written: int, coder_rows: int) -> None:
        sheet = Sheet(
            workbook, SHEET_ABOUT, [Column("", 30), Column("", 90, wrap=True)], freeze=None
        )
        sheet.autofilter = False
        coders = ", ".join(sorted(self.names.values(), key=str.casefold)) or "none"
        rows: list[tuple[str, Any]] = [
            ("Project", self.project.display_name),
            ("Project id", self.project.info("project_uuid") or ""),
            ("Exported at (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
            ("App", f"UPR Coder {__version__}"),
            ("Codebook", f"{self.spec.codebook_name}, version {self.spec.version}"),
            ("Codes from", self.source.label),
            ("Filters", "; ".join(self.filters) or "none: every recommendation"),
            ("Recommendations", written),
            ("Coders in the project", coders),
        ]
        if self.source.kind == "all-coders":
            rows.append((f"Rows in '{SHEET_CODERS}'", coder_rows))
        rows += [
            (
                "Multi-choice fields",
                f"One column lists the codes, separated by '{LIST_SEPARATOR.strip()}'; then one "
                "0/1 column per code (a group code is 1 when any of its codes is). Blank: "
                "not coded yet.",
            ),
            (
                "Responses",
                "'Response as published' is the state's own wording; 'Response' its "
                "category; 'Position (UN)' the normalised supported / noted.",
            ),
            (
                "Formulas",
                "None: every piece of text is stored as text, including text that starts "
                "with =, +, -, @, a tab or a carriage return.",
            ),
        ]
        for key, value in rows:
            sheet.append([key, value])
        sheet.close()


def _csv(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        # The only character a CSV reader chokes on; Excel's length limit is not CSV's.
        return csv_safe(value.replace("\x00", ""))
    return value


def _shared_count(session: Session) -> int:
    """How many recommendations two coders or more coded (what reliability compares)."""
    shared = (
        select(Annotation.recommendation_id)
        .group_by(Annotation.recommendation_id)
        .having(func.count(distinct(Annotation.coder_id)) >= 2)
    )
    return session.scalar(select(func.count()).select_from(shared.subquery())) or 0


# --------------------------------------------------------------------------- summary


class _Summary:
    """The Summary sheet: the tables a report quotes, each with its chart beside it."""

    def __init__(
        self,
        workbook: Book,
        session: Session,
        source: Source,
        review_ids: Sequence[int] | None,
        by_coder_id: int | None,
    ) -> None:
        self.book = workbook
        self.sheet = workbook.rows(SHEET_SUMMARY, [(1, 46), *((i, 13) for i in range(2, 18))])
        self.data = analysis_data.load(
            session,
            source=source,
            review_ids=review_ids,
            include_text=False,
            by_coder_id=by_coder_id,
        )
        self.source = source

    def put(
        self,
        values: Sequence[Any],
        *,
        bold: bool = False,
        percent_from: int | None = None,
        italic: bool = False,
    ) -> int:
        return self.sheet.put(
            [_plain(v) for v in values],
            bold=bold,
            italic=italic,
            number_format=PERCENT if percent_from is not None else None,
            number_from=percent_from,
        )

    @property
    def row(self) -> int:
        return self.sheet.row

    def gap(self) -> None:
        self.sheet.gap()

    def chart(
        self,
        kind: str,
        title: str,
        top: int,
        columns: range,
        count: int,
        anchor: str,
        size: tuple[float, float],
        *,
        stacked: bool = False,
    ) -> Any:
        """A native bar chart of the table whose header is row ``top``: one series per
        column (counted from 1) in ``columns``, ``count`` rows of categories in column A."""
        options: dict[str, str] = {"type": kind}
        if stacked:
            options["subtype"] = "percent_stacked"
        chart = self.book.workbook.add_chart(options)
        for column in columns:
            chart.add_series(
                {
                    "name": [SHEET_SUMMARY, top - 1, column - 1],
                    "categories": [SHEET_SUMMARY, top, 0, top + count - 1, 0],
                    "values": [SHEET_SUMMARY, top, column - 1, top + count - 1, column - 1],
                    **({"overlap": 100} if stacked else {}),
                }
            )
        chart.set_title({"name": title})
        # openpyxl's sizes were in centimetres; XlsxWriter's are pixels (96 an inch).
        chart.set_size({"width": round(size[0] * 37.8), "height": round(size[1] * 37.8)})
        self.sheet.chart(anchor, chart)
        return chart

    def write(self) -> None:
        data = self.data
        recs = data.recommendations
        self.put(["Summary"], bold=True)
        self.put(
            [
                "Responses are read into five categories from the state's own wording; "
                "the rejection rate is given both ways reports define it."
            ],
            italic=True,
        )
        self.gap()
        reviews = recs["review_id"].nunique()
        only = int(recs["review_id"].iloc[0]) if reviews == 1 else None
        breakdown = analysis.response_breakdown(recs, only)
        self._responses(breakdown, "Responses" if only else "Responses (all reviews)")
        if reviews > 1:
            self._by_review(recs)
            self._comparisons(recs)
        self._wordings(recs)
        self._positions(breakdown)
        self._themes()
        self._groups()
        self._verification()
        self._progress()

    def _responses(self, b: analysis.ResponseBreakdown, title: str) -> None:
        self.put([title if b.state is None else f"{title}: {b.label}"], bold=True)
        top = self.put(["Response", "Recommendations", "Share"], bold=True)
        for _, row in b.categories.iterrows():
            self.put([row["Response"], row["Recommendations"], row["Share"]], percent_from=2)
        self.put(["All recommendations", b.total, 1.0 if b.total else None], percent_from=2)
        for rate in b.rates:
            self.put([rate.label, rate.numerator, rate.value], percent_from=2)
        if b.state is not None:
            self.put([b.sentence()], italic=True)
        self.put([f"These figures rest on the published responses: {b.basis}."], italic=True)
        chart = self.chart(
            "column",
            "Responses",
            top,
            range(2, 3),
            len(analysis.CATEGORIES),
            f"F{top - 1}",
            (16, 7.5),
        )
        chart.set_y_axis({"name": "Recommendations"})
        chart.set_legend({"none": True})
        self.gap()
        # The chart is taller than the table: keep the next table clear of it.
        for _ in range(max(0, 16 - (self.row - top))):
            self.gap()

    def _by_review(self, recs) -> None:
        table = analysis.breakdown_by_review(recs)
        self.put(["Responses by review"], bold=True)
        headers = [c for c in table.columns if c != "review_id"]
        top = self.put(headers, bold=True)
        rate_from = headers.index(analysis.RATE_LABELS[analysis.RATE_STRICT])
        for _, row in table.iterrows():
            self.put([row[h] for h in headers], percent_from=rate_from)
        if len(table) <= MAX_CHART_REVIEWS:
            self.chart(
                "bar",
                "Responses by review",
                top,
                range(2, 2 + len(analysis.CATEGORIES)),
                len(table),
                f"L{top - 1}",
                (18, max(7.5, 1.0 * len(table) + 4)),
                stacked=True,
            )
        self.gap()

    def _comparisons(self, recs) -> None:
        reviews = self.data.reviews
        reviews = reviews[reviews["review_id"].isin(recs["review_id"].unique())]
        lines = []
        for state, part in reviews.groupby("state", sort=True):
            if len(part) < 2:
                continue
            # By cycle, then date: a review without a year is still in its cycle.
            ordered = part.sort_values(["cycle", "year", "month"], na_position="first")
            first, last = ordered.iloc[-2], ordered.iloc[-1]
            comparison = analysis.compare_reviews(
                recs, int(first["review_id"]), int(last["review_id"])
            )
            lines.append(f"{state}: {comparison.not_accepted_sentence()}")
            lines.append(f"{state}: {comparison.sentence()}")
            lines.append(f"{state}: {comparison.sentence(analysis.RATE_STRICT)}")
        if not lines:
            return
        self.put(["Cycle to cycle (the two latest reviews of each state)"], bold=True)
        for line in lines:
            self.put([line])
        self.gap()

    def _wordings(self, recs) -> None:
        self.put(["Responses as published (the state's own wording)"], bold=True)
        self.put(["Review", "Response as published", "Recommendations", "Share"], bold=True)
        for review_id, part in recs.groupby("review_id", sort=False, observed=True):
            b = analysis.response_breakdown(part, int(review_id))
            for _, row in b.wordings.iterrows():
                self.put(
                    [b.label, row["Response as published"], row["Recommendations"], row["Share"]],
                    percent_from=3,
                )
        self.gap()

    def _positions(self, b: analysis.ResponseBreakdown) -> None:
        self.put(["Normalised position (UN: supported / noted)"], bold=True)
        self.put(["Position (UN)", "Recommendations", "Share"], bold=True)
        for _, row in b.positions.iterrows():
            self.put(list(row), percent_from=2)
        self.gap()

    def _themes(self) -> None:
        data = self.data
        self.put([f"Themes × response (themes as coded by {self._source_words()})"], bold=True)
        if data.themes.empty:
            self.put(["No themes are coded yet."], italic=True)
            self.gap()
            return
        tab = analysis.theme_crosstab(data.recommendations, data.themes)
        labels = [analysis.CATEGORY_LABELS[c] for c in analysis.CATEGORIES]
        headers = [
            "Theme",
            *labels,
            "Total",
            *(f"Share {label.lower()}" for label in labels),
            *analysis.RATE_LABELS.values(),
        ]
        top = self.put(headers, bold=True)
        for theme, counts in tab.counts.iterrows():
            shares = tab.shares.loc[theme]
            rates = tab.rejection.loc[theme]
            self.put(
                [theme, *counts.tolist(), *shares.tolist(), *rates.tolist()],
                percent_from=len(labels) + 2,
            )
        themed = [t for t in tab.counts.index if t != analysis.NO_THEME]
        if themed:
            chart = self.chart(
                "bar",
                "Rejection rate by theme: (rejected + noted) / all",
                top,
                range(len(headers), len(headers) + 1),
                len(themed),
                f"{column_letter(len(headers) + 2)}{top}",
                (18, max(7.5, 0.55 * len(themed) + 3)),
            )
            chart.set_legend({"none": True})
            # In a bar chart XlsxWriter's x axis is the values' (horizontal) one.
            chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
            chart.set_y_axis({"reverse": True})  # the table's order, top down
        self.gap()
        # Keep the next table clear of a tall chart.
        for _ in range(max(0, 10 - len(tab.counts))):
            self.gap()

    def _source_words(self) -> str:
        if self.source.kind == "all-coders":
            return "any coder: a theme counts when at least one coder coded it"
        return self.source.label

    def _groups(self) -> None:
        data = self.data
        table = analysis.by_regional_group(data.recommendations, data.recommending)
        self.put(["Regional group of the recommending states × response"], bold=True)
        if table.empty:
            self.put(["No recommending states are known."], italic=True)
            self.gap()
            return
        headers = ["Regional group", *table.columns]
        top = self.put(headers, bold=True)
        share_from = headers.index("Share accepted")
        for group, row in table.iterrows():
            self.put([group, *row.tolist()], percent_from=share_from)
        self.chart(
            "bar",
            "Responses by regional group of the recommending states",
            top,
            range(3, 3 + len(analysis.CATEGORIES)),
            len(table),
            f"{column_letter(len(headers) + 2)}{top}",
            (18, 7.5),
            stacked=True,
        )
        self.gap()
        for _ in range(max(0, 15 - len(table))):
            self.gap()

    def _verification(self) -> None:
        data = self.data
        if data.verified is None or data.verified.empty:
            return
        v = analysis.verify_responses(data.recommendations, data.verified)
        self.put(["Verification of the published responses by the coders"], bold=True)
        self.put(["Outcome", "Recommendations"], bold=True)
        for outcome, count in v.counts.items():
            self.put([outcome.capitalize(), count])
        self.gap()
        if v.review.empty:
            return
        # Where the coders' verified response differs from the published one, or the
        # coders differ: each is listed so that someone looks at it again.
        shown = v.review.drop(columns=["id"])
        self.put(
            [f"Verified and published responses disagree: {len(shown)} recommendations"],
            bold=True,
        )
        self.put(list(shown.columns), bold=True)
        for row in shown.head(MAX_LISTED).itertuples(index=False):
            self.put(list(row))
        if len(shown) > MAX_LISTED:
            self.put([f"… and {len(shown) - MAX_LISTED} more (annotator stats --verify)"])
        self.gap()

    def _progress(self) -> None:
        p = self.data.progress()
        self.put(["Coding progress"], bold=True)
        if p.by_coder.empty:
            self.put(["Nobody has coded yet."], italic=True)
            return
        headers = list(p.by_coder.columns)
        self.put(headers, bold=True)
        for _, row in p.by_coder.iterrows():
            self.put(row.tolist(), percent_from=len(headers) - 1)
        self.put(["Done by at least one coder", p.done_by_any])
        self.put(["Done by two coders or more", p.done_by_two])


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, NaN as a blank."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


@dataclass(frozen=True)
class ExportChoices:
    """What the export dialog offers, read from the project."""

    coders: tuple[str, ...]  # coders who have coded or marked anything
    reviews: tuple[tuple[int, str], ...]
    has_consensus: bool
    coder_name: str | None  # the coder at the keyboard
    sees_others: bool = True  # False for a coder: they export their own codes only

    def default_source(self) -> str:
        if not self.sees_others:
            return f"coder:{self.coder_name}"
        if self.has_consensus or not self.coders:
            return "consensus"
        if self.coder_name in self.coders:
            return f"coder:{self.coder_name}"
        return "all-coders"


def export_choices(project: Project, coder_id: int | None = None) -> ExportChoices:
    from annotator.services.sources import coders_with_codes
    from annotator.store.models import Coder, Consensus

    with project.session() as session:
        reviews = analysis_data.reviews_frame(session)
        has_consensus = bool(session.scalar(select(func.count()).select_from(Consensus)))
        me = session.get(Coder, coder_id) if coder_id is not None else None
        return ExportChoices(
            coders=tuple(name for _, name in coders_with_codes(session)),
            reviews=tuple(
                (int(r), str(label))
                for r, label in zip(reviews["review_id"], reviews["review"], strict=True)
            ),
            has_consensus=has_consensus,
            coder_name=me.name if me is not None else None,
            sees_others=permissions.sees_others(session, coder_id),
        )
