"""Importing recommendations and responses: read, preview, then write all or nothing.

Files are read first (``read_files``; readers never touch the database). Then
``run_import`` takes them one by one inside a single write transaction: each file is
compared with the project as the earlier files left it, and written. At the end the
transaction is committed, or rolled back for a preview (``annotator import --dry-run``,
the GUI's preview page), for an error anywhere, or for a cancel. So the preview is
exactly what the import would do, also when one import brings several files for the
same review, and a failed or cancelled import leaves the project as it was.

What happens to each incoming recommendation:
- new: its review has no recommendation with that number (or, for sources without
  numbers, nothing with that text) -> added;
- unchanged: the same number (or text) with the same text, response and source tags;
- updated: same number, but the text, response or this source's tags differ -> the
  text and tags are updated, annotations are never touched (and the report says what
  changed);
- linked: a source without numbers (UPR Info) matched a recommendation another source
  brought, by text restricted to the same recommending state -> its tags are attached;
- ambiguous / unmatched: reported, not added (adding them would duplicate
  recommendations already in the project under another wording).

Modules, in the order of an import: ``run`` (``import_files``, ``read_files``,
``run_import``), ``reviews`` (the review a file is imported under), ``matching``
(recommendations), ``responses``, ``writing``, ``plan`` (what an import will do) and
``report`` (the summary and the preview's lines).
"""

from annotator.services.importing.matching import AMBIGUITY_MARGIN, LINK_THRESHOLD, normalise_text
from annotator.services.importing.plan import (
    ImportCancelled,
    ImportOptions,
    ImportPlan,
    ImportRefused,
    Progress,
    RecommendationChange,
    ResponseChange,
)
from annotator.services.importing.report import describe, summary
from annotator.services.importing.reviews import (
    apply_review_metadata,
    find_review_by_symbol,
    parse_review,
    resolve_review,
    review_from_symbol,
)
from annotator.services.importing.run import import_files, read_files, run_import

__all__ = [
    "AMBIGUITY_MARGIN",
    "LINK_THRESHOLD",
    "ImportCancelled",
    "ImportOptions",
    "ImportPlan",
    "ImportRefused",
    "Progress",
    "RecommendationChange",
    "ResponseChange",
    "apply_review_metadata",
    "describe",
    "find_review_by_symbol",
    "import_files",
    "normalise_text",
    "parse_review",
    "read_files",
    "resolve_review",
    "review_from_symbol",
    "run_import",
    "summary",
]
