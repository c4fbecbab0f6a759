"""Every size limit the app applies to what comes in, in one place.

Importers, the coding form, coding sheets and the package merge all check against
these same numbers, so the merge accepts exactly what the app itself could have
written and nothing a reader accepted is refused later.
"""

from __future__ import annotations

# --- Texts --------------------------------------------------------------------------
# The longest real recommendation is a few thousand characters.
MAX_RECOMMENDATION_TEXT = 20_000
# A state's explanation of its response, the recommending states as printed, tags.
MAX_SOURCE_TEXT = 20_000
# Anything a coder types: a note or other text field, a flag reason, a consensus reason.
MAX_CODER_TEXT = 20_000
MAX_CODER_NAME = 120
# A recommendation number ("28.145", "A.12.3 bis") as its column holds it.
MAX_NUMBER = 20

# An audit event holds a value before and after as JSON; json.dumps escapes every
# non-ASCII character, an astral one (an emoji) as 12 characters for one.
MAX_EVENT_JSON = 12 * MAX_CODER_TEXT * 2 + 10_000

# --- Files --------------------------------------------------------------------------
# No UPR source comes near this (the whole UPR Info export is 11 MB as CSV).
MAX_FILE_BYTES = 100 * 1024 * 1024

# --- Containers (.docx, .xlsx, .ods are zip files) ----------------------------------
# Real files: the China 2018 matrix unpacks to 2 MB in 25 parts; the whole UPR Info
# export as .xlsx to about 60 MB. The bounds keep the peak memory of any refused or
# accepted file under 500 MB on a laptop.
MAX_CONTAINER_ENTRIES = 5_000
MAX_ENTRY_BYTES = 80 * 1024 * 1024  # one part, unpacked
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all parts together, unpacked
# A sheet is read as a dense grid (first to last used row, first to last used column):
# 4 million cells is 100 times the UPR Info export and about 130 MB in the reader.
MAX_SHEET_CELLS = 4_000_000
# python-docx holds a Word document's whole XML tree: about 150 bytes per tag. The China
# 2018 matrix has 86,000 tags; 1.5 million keep a whole import (detection, then the
# reader) under 400 MB.
MAX_DOCX_TAGS = 1_500_000
