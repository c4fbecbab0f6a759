"""The export as a workbook: its sheets of recommendations and coders' codes, then
the Summary, Reliability, Codebook and About sheets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from annotator import __version__
from annotator.services import permissions, reliability_report
from annotator.services.exporting.columns import CODER_BASE_COLUMNS
from annotator.services.exporting.options import (
    LIST_SEPARATOR,
    PERCENT,
    RELIABILITY_LIMIT,
    SHEET_ABOUT,
    SHEET_CODEBOOK,
    SHEET_CODERS,
    SHEET_LISTS,
    SHEET_RECOMMENDATIONS,
    SHEET_RELIABILITY,
    SHEET_SUMMARY,
    ExportResult,
)
from annotator.services.exporting.summary import Summary
from annotator.store.models import Annotation
from annotator.store.safe_write import scratch_folder
from annotator.workbooks import (
    Book,
    Column,
    ListsSheet,
    Sheet,
)

if TYPE_CHECKING:
    from annotator.services.exporting.job import Job


def write_xlsx(job: Job, path: Path) -> ExportResult:
    # A stopped or failed export leaves no scratch file behind (the Book drops them).
    with Book(path, scratch_dir=scratch_folder()) as workbook:
        return _write_xlsx(job, workbook, path)


def _write_xlsx(job: Job, workbook: Book, path: Path) -> ExportResult:
    lists = ListsSheet(workbook, SHEET_LISTS)
    recommendations = Sheet(
        workbook, SHEET_RECOMMENDATIONS, job.recommendation_columns(), lists, freeze="B2"
    )
    coders: Sheet | None = None
    if job.source.kind == "all-coders":
        coders = Sheet(
            workbook,
            SHEET_CODERS,
            [*CODER_BASE_COLUMNS, *job.field_columns()],
            lists,
            freeze="B2",
        )
    written = coder_rows = 0
    cut: list[str] = []
    for row, by_coder in job.rows():
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
    job.progress("Summarising…", written, max(written, 1))
    Summary(workbook, job.session, job.source, job.options.review_ids, job.by_coder_id).write()
    sheets.append(SHEET_SUMMARY)
    measure = job.options.reliability and permissions.sees_others(job.session, job.by_coder_id)
    shared = shared_count(job.session) if measure else 0
    if shared:
        job.progress("Measuring reliability…", written, max(written, 1))
        _reliability(job, workbook, shared)
        sheets.append(SHEET_RELIABILITY)
    _codebook(job, workbook)
    _about(job, workbook, written, coder_rows)
    lists.write()
    sheets += [SHEET_CODEBOOK, SHEET_ABOUT]
    job.progress("Saving the workbook…", written, max(written, 1))
    workbook.close()
    return ExportResult(
        path,
        "xlsx",
        job.source.label,
        written,
        coder_rows,
        tuple(sheets),
        0.0,
        job.filters,
        cut_cells=recommendations.cut_cells + (coders.cut_cells if coders else 0),
        cut_recommendations=tuple(cut),
    )


def _reliability(job: Job, workbook: Book, shared: int) -> None:
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
    name = job.project.display_name
    rep = reliability_report.report(job.session, project_name=name, by_coder_id=job.by_coder_id)
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


def _codebook(job: Job, workbook: Book) -> None:
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
    for fc in job.fields:
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


def _about(job: Job, workbook: Book, written: int, coder_rows: int) -> None:
    sheet = Sheet(workbook, SHEET_ABOUT, [Column("", 30), Column("", 90, wrap=True)], freeze=None)
    sheet.autofilter = False
    coders = ", ".join(sorted(job.names.values(), key=str.casefold)) or "none"
    rows: list[tuple[str, Any]] = [
        ("Project", job.project.display_name),
        ("Project id", job.project.info("project_uuid") or ""),
        ("Exported at (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("App", f"UPR Coder {__version__}"),
        ("Codebook", f"{job.spec.codebook_name}, version {job.spec.version}"),
        ("Codes from", job.source.label),
        ("Filters", "; ".join(job.filters) or "none: every recommendation"),
        ("Recommendations", written),
        ("Coders in the project", coders),
    ]
    if job.source.kind == "all-coders":
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


def shared_count(session: Session) -> int:
    """How many recommendations two coders or more coded (what reliability compares)."""
    shared = (
        select(Annotation.recommendation_id)
        .group_by(Annotation.recommendation_id)
        .having(func.count(distinct(Annotation.coder_id)) >= 2)
    )
    return session.scalar(select(func.count()).select_from(shared.subquery())) or 0
