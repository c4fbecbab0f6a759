"""The export as one CSV file (every text whole; formula-like text made harmless)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.services.exporting.columns import BASE_COLUMNS, CODER_BASE_COLUMNS
from annotator.services.exporting.options import (
    ExportResult,
)
from annotator.workbooks import (
    csv_safe,
)

if TYPE_CHECKING:
    from annotator.services.exporting.job import Job


def write_csv(job: Job, path: Path) -> ExportResult:
    long = job.source.kind == "all-coders"
    if long:
        # The coder's columns from "Coder" on follow the recommendation's own columns.
        coder_columns = list(CODER_BASE_COLUMNS[6:])
        columns = [*BASE_COLUMNS, *coder_columns, *job.field_columns()]
    else:
        columns = job.recommendation_columns()
    written = coder_rows = 0
    # UTF-8 with a byte-order mark: Excel reads the file as UTF-8 only when it has one.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_safe(c.header) for c in columns])
        for row, by_coder in job.rows():
            written += 1
            if long:
                base = row[: len(BASE_COLUMNS)]
                for coder_row in by_coder:
                    # Coder, status and codes follow the recommendation's own columns.
                    writer.writerow([_csv(v) for v in (*base, *coder_row[6:])])
                    coder_rows += 1
            else:
                writer.writerow([_csv(v) for v in row])
    return ExportResult(path, "csv", job.source.label, written, coder_rows, (), 0.0, job.filters)


def _csv(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        # The only character a CSV reader chokes on; Excel's length limit is not CSV's.
        return csv_safe(value.replace("\x00", ""))
    return value
