"""Coding in Excel: a sheet for one coder, and bringing what they entered back.

``write_coding_sheet`` writes the coder's recommendations (their assignment, or all of
them) with the source text in locked columns and a column per field to fill in:
drop-down lists for choice fields, one 0/1 column per theme. A hidden sheet records
the project, the coder, the codebook, the meaning of every column and the values the
sheet started with.

``import_coding_sheet`` checks every cell before it saves anything: an unknown code,
two values in a single-choice field, edited source text, a formula, a row from
another project... each problem is named by sheet, row and column, and one problem
means nothing is saved. A value changed both in the sheet and in the app since the
sheet was written is a problem too, so nothing a coder entered in the app is lost.
Values are saved through ``annotator.services.coding`` (audited, like any coding).
"""

from annotator.services.coding_sheet.layout import (
    CHUNK,
    FALSE_WORDS,
    FORMAT,
    FORMAT_VERSION,
    LOCKED_HEADERS,
    META_SHEET,
    SHEET,
    SHEET_STATUSES,
    STATUS_HEADER,
    STATUS_KEYS,
    TRUE_WORDS,
    CodingSheetImport,
    CodingSheetInfo,
    CodingSheetRefused,
    SheetProblem,
)
from annotator.services.coding_sheet.read import BLANK_ROWS_END, import_coding_sheet, values_in_for
from annotator.services.coding_sheet.write import write_coding_sheet

__all__ = [
    "BLANK_ROWS_END",
    "CHUNK",
    "FALSE_WORDS",
    "FORMAT",
    "FORMAT_VERSION",
    "LOCKED_HEADERS",
    "META_SHEET",
    "SHEET",
    "SHEET_STATUSES",
    "STATUS_HEADER",
    "STATUS_KEYS",
    "TRUE_WORDS",
    "CodingSheetImport",
    "CodingSheetInfo",
    "CodingSheetRefused",
    "SheetProblem",
    "import_coding_sheet",
    "values_in_for",
    "write_coding_sheet",
]
