"""One cell as the text a person sees, the same for xlsx, xls, ods and CSV.

Every table reader under importers renders cells through ``cell_text``, so a table saved
in any of these formats reads to the same strings. Dates: a date-only cell (a datetime at
midnight, as calamine and xlrd give for a cell formatted as a date) reads as
``2024-01-05``, the form Excel and LibreOffice show and a CSV export of the same sheet
holds; only a cell with a time of day keeps it (``2024-01-05T13:30:00``).
"""

from __future__ import annotations

import datetime as dt
import math

Cell = object  # str for CSV; str, float, int, bool, date/datetime for workbooks


def cell_text(value: Cell) -> str:
    """A cell as text: whole floats without ".0", empty for None/NaN, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
