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

from annotator.services.exporting.job import export
from annotator.services.exporting.options import (
    FORMATS,
    ExportCancelled,
    ExportChoices,
    ExportOptions,
    ExportResult,
    export_choices,
)

__all__ = [
    "FORMATS",
    "ExportCancelled",
    "ExportChoices",
    "ExportOptions",
    "ExportResult",
    "export",
    "export_choices",
]
