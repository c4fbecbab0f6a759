"""What the coding window is set to: sizes, waits, status words and the role rules of
its menu actions."""

from __future__ import annotations

from annotator.paths import PROJECT_SUFFIX
from annotator.services import permissions
from annotator.vocabulary import STATUS_LABELS

FILE_FILTER = f"UPR Coder projects (*{PROJECT_SUFFIX});;All files (*)"
ROW_HEIGHT_PADDING = 8
COLUMN_WIDTHS = {"number": 64, "review": 96, "recommending": 150, "response": 86, "status": 84}
RETRY_MS = 1_000  # the writer thread tries a pending change again this often
# A save not confirmed within this long shows "Not saved yet" (the issue: within 200 ms).
SAVE_PATIENCE_MS = 120
# How long a filter change or a refresh waits for the writer before reading the list.
SETTLE_SECONDS = 0.2
# How long one save from the window waits for another program's write lock.
GUI_BUSY_TIMEOUT_MS = 250
# How long closing waits for changes still pending before it asks the coder.
CLOSE_WAIT_SECONDS = 1.0
STATUS_WORDS = STATUS_LABELS  # the one table of status words (annotator.vocabulary)
SEES_OTHERS = permissions.DECIDERS
# Menu actions a role may lack, and the rule that decides (the services apply the same).
ROLE_ACTIONS = {
    "edit_codebook": permissions.EDIT_CODEBOOK,
    "assign": permissions.ASSIGN_WORK,
    "create_packages": permissions.MAKE_PACKAGES,
    "merge_packages": permissions.MERGE,
    "others": permissions.SEE_OTHERS,
    "disagreements": permissions.SEE_OTHERS,
    "reliability": permissions.MEASURE,
}
