"""A state's responses to its recommendations (the addendum), matched later by number.

Two shapes are read:

* a table of (number, response[, explanation]) rows in .csv, .xlsx/.ods or a Word table;
  the first row is a header when its first cell is not a number; the response is kept
  as the state wrote it;
* text (a .txt file, pasted text, or the paragraphs of a Word file without a responses
  table) that lists numbers under a category, as addenda do::

      The following recommendations are accepted and already implemented: 28.1, 28.3–28.7
      China accepts the following recommendations and is implementing them: 28.2, 28.8
      Partially accepted: 28.12
      28.12 – China accepts the part on ... but ...

  The category may stand before the colon, after it ("28.2, 28.8: noted"), or alone on
  the line(s) above the numbers. It becomes one of ``CATEGORIES`` when it clearly is one
  (the sentence as the state wrote it goes into the explanation); wording that is none
  of them is kept as written, with a warning. A paragraph that starts with one number
  ("28.12 – China accepts ...") explains that number.

A number given two different responses, a malformed list or range, a table row without
a number or a response are errors (the import is refused); prose that mentions numbers
without listing them under a category is reported as a warning, never silently dropped.
"""

from annotator.importers.responses.collect import (
    ACCEPTED,
    ACCEPTED_IMPLEMENTED,
    ACCEPTED_IMPLEMENTING,
    CATEGORIES,
    FORMAT,
    NOTED,
    PARTIALLY_ACCEPTED,
    REJECTED,
    category_of,
)
from annotator.importers.responses.read import read, read_text_input

__all__ = [
    "ACCEPTED",
    "ACCEPTED_IMPLEMENTED",
    "ACCEPTED_IMPLEMENTING",
    "CATEGORIES",
    "FORMAT",
    "NOTED",
    "PARTIALLY_ACCEPTED",
    "REJECTED",
    "category_of",
    "read",
    "read_text_input",
]
