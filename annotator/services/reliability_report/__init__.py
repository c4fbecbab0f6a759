"""Inter-coder reliability of a project: the ratings, the figures, their reading.

``ratings`` turns what coders entered into the long table ``annotator.reliability``
works on; ``report`` runs the statistics per field (and per code, and per pair of
coders) and says in plain words what each figure means; the writers turn a report
into text, CSV, JSON or a workbook. No Qt here: scripts, the command line and the
GUI (off its thread) all call the same functions.
"""

from annotator.services.rating_scope import DEFAULT_KINDS, CoderRef, resolve_coders, resolve_field
from annotator.services.reliability_report.measures import (
    BANDS,
    DEFAULT_MEASURES,
    FEW_UNITS,
    MEASURE_KEYS,
    MEASURES,
    SYMBOLS,
    TWO_CODER_MEASURES,
    Measure,
    interpret,
    parse_measures,
    reading,
)
from annotator.services.reliability_report.output import (
    FORMATS,
    ROW_COLUMNS,
    report_dict,
    report_rows,
    to_csv,
    to_json,
    to_table,
    write_report,
    write_xlsx,
)
from annotator.services.reliability_report.ratings import (
    CHUNK,
    ProgressFn,
    ReportCancelled,
    coder_values,
    rating_of,
    ratings,
    shared_units,
)
from annotator.services.reliability_report.report import (
    CodeFigure,
    FieldReport,
    Figure,
    Pairwise,
    Report,
    report,
)
from annotator.vocabulary import KIND_LABELS

# The report's names, and what the adjudication services and the report dialog import
# from here (the coders and fields compared, the kinds' labels).
__all__ = [
    "BANDS",
    "CHUNK",
    "DEFAULT_KINDS",
    "DEFAULT_MEASURES",
    "FEW_UNITS",
    "FORMATS",
    "KIND_LABELS",
    "MEASURES",
    "MEASURE_KEYS",
    "ROW_COLUMNS",
    "SYMBOLS",
    "TWO_CODER_MEASURES",
    "CodeFigure",
    "CoderRef",
    "FieldReport",
    "Figure",
    "Measure",
    "Pairwise",
    "ProgressFn",
    "Report",
    "ReportCancelled",
    "coder_values",
    "interpret",
    "parse_measures",
    "rating_of",
    "ratings",
    "reading",
    "report",
    "report_dict",
    "report_rows",
    "resolve_coders",
    "resolve_field",
    "shared_units",
    "to_csv",
    "to_json",
    "to_table",
    "write_report",
    "write_xlsx",
]
