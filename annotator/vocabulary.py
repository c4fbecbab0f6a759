"""The app's words: coding statuses, field kinds and what a published response means.

Every label a coder or a report shows for a status or a kind of field comes from here,
so the coding screen, the export, the reliability report and the codebook editor say the
same thing. The response wording table is here too: a state's published **wording** is
read into a **category** (accepted, accepted-implemented, partially accepted, noted,
rejected, other) by one table, ``_TABLE``, and the UN's normalised **position**
(supported / noted / unknown) follows from the category alone (``POSITION_OF``), so that
no two parts of the app can read the same wording two ways ("Supported in part" is
partially accepted, and its position is left to a coder).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

# --------------------------------------------------------------------------- coding statuses

# A coder's status of one recommendation, in the order the app lists them.
STATUSES: tuple[str, ...] = ("not_started", "in_progress", "done", "flagged", "skipped")
# None is a recommendation the coder never opened.
STATUS_LABELS: dict[str | None, str] = {
    None: "not started",
    "not_started": "not started",
    "in_progress": "in progress",
    "done": "done",
    "flagged": "flagged",
    "skipped": "skipped",
}

# --------------------------------------------------------------------------- field kinds

FIELD_KINDS: tuple[str, ...] = ("multi", "single", "ordinal", "boolean", "text")
CHOICE_KINDS: tuple[str, ...] = ("multi", "single", "ordinal")  # kinds whose values are codes
KIND_LABELS: dict[str, str] = {
    "multi": "multi-choice",
    "single": "single choice",
    "ordinal": "ordinal scale",
    "boolean": "yes / no",
    "text": "free text",
}


def status_label(status: str | None) -> str:
    """How a status is shown ('in progress'); an unknown one is shown as it is."""
    return STATUS_LABELS.get(status, status or "")


def kind_label(kind: str) -> str:
    """How a kind of field is shown ('single choice'); an unknown one is shown as it is."""
    return KIND_LABELS.get(kind, kind)


# --------------------------------------------------------------------------- responses

# The UN's positions.
SUPPORTED = "supported"
NOTED = "noted"
POSITIONS: tuple[str, ...] = (SUPPORTED, NOTED)

# The state's categories, as the addenda write them.
ACCEPTED = "accepted"
ACCEPTED_IMPLEMENTED = "accepted-implemented"  # already implemented / being implemented
PARTIALLY_ACCEPTED = "partially accepted"
NOTED_CATEGORY = "noted"
REJECTED = "rejected"
OTHER = "other"  # wording given, but none of the above ("under consideration")
CATEGORIES: tuple[str, ...] = (
    ACCEPTED,
    ACCEPTED_IMPLEMENTED,
    PARTIALLY_ACCEPTED,
    NOTED_CATEGORY,
    REJECTED,
    OTHER,
)

# The UN position of each category. Partial acceptance is left unknown on purpose: the
# UN splits or notes such recommendations case by case, so a coder decides.
POSITION_OF: dict[str, str | None] = {
    ACCEPTED: SUPPORTED,
    ACCEPTED_IMPLEMENTED: SUPPORTED,
    PARTIALLY_ACCEPTED: None,
    NOTED_CATEGORY: NOTED,
    REJECTED: NOTED,
    OTHER: None,
}

Stage = Literal["already", "being"]

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Reading:
    """What one published wording means."""

    category: str  # one of CATEGORIES
    stage: Stage | None = None  # for accepted-implemented: already, or being implemented
    canonical: str | None = None  # the plain wording of the category ("accepted and ...")

    @property
    def position(self) -> str | None:
        """'supported', 'noted' or None (a coder decides), from the category."""
        return POSITION_OF[self.category]

    @property
    def accepted(self) -> bool:
        return self.category in (ACCEPTED, ACCEPTED_IMPLEMENTED)


_PARTIAL = Reading(PARTIALLY_ACCEPTED, canonical="partially accepted")
_REJECTED = Reading(REJECTED, canonical="rejected")
_NOTED = Reading(NOTED_CATEGORY, canonical="noted")
_ALREADY = Reading(ACCEPTED_IMPLEMENTED, "already", "accepted and already implemented")
_BEING = Reading(ACCEPTED_IMPLEMENTED, "being", "accepted and being implemented")
_IMPLEMENTED = Reading(
    ACCEPTED_IMPLEMENTED,
    None,
    "accepted and considered already implemented or in the process of implementation",
)
_ACCEPTED = Reading(ACCEPTED, canonical="accepted")
_OTHER = Reading(OTHER)

# THE table: checked in order against the tidied, casefolded wording; the first
# pattern found decides. The order is the point: "partially accepted" also says
# "accepted"; "rejected" and "not accepted" before the accepting words; the UN's own
# "Not supported" and the Working Group report's "did not enjoy the support of" are
# its "noted", before "supported"; "already implemented or in the process of
# implementation" (the UN's combined wording) before either half of it.
_TABLE: tuple[tuple[re.Pattern[str], Reading], ...] = tuple(
    (re.compile(pattern), reading)
    for pattern, reading in (
        (r"\b(?:partially|partly|in part|partial)\b", _PARTIAL),
        (r"\breject(?:s|ed|ing|ion)?\b", _REJECTED),
        (r"\bnot (?:be )?support(?:ed|s)?\b|\bnot enjoy\w* (?:the )?support\b", _NOTED),
        (r"\b(?:noted|notes|takes? note|taken note|taking note|took note)\b", _NOTED),
        (
            r"\b(?:not|cannot|unable to) (?:accept|support)\w*"
            r"|\b(?:does|do|can|could|will) not (?:accept|support)\w*",
            _REJECTED,
        ),
        (
            r"\balready implemented or (?:in the process of|being) implement\w*"
            r"|\bconsidered (?:as )?implemented\b",
            _IMPLEMENTED,
        ),
        (
            r"\b(?:already|have been|has been)(?: been)? "
            r"(?:implemented|fulfilled|realized|realised|achieved|in place)\b",
            _ALREADY,
        ),
        (
            r"\b(?:being implemented|implementing|will (?:be )?implement\w*|to be implemented"
            r"|under implementation|in the process of implement\w*)\b",
            _BEING,
        ),
        (r"\b(?:accept\w*|support\w*|agree\w*|enjoy\w* (?:the )?support)\b", _ACCEPTED),
        (r"\bimplemented\b", _IMPLEMENTED),
    )
)


def clean_wording(raw: str | None) -> str | None:
    """The published wording with spacing tidied; None for blank."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = _SPACES.sub(" ", str(raw)).strip()
    return text or None


def read_wording(raw: str | None) -> Reading | None:
    """Category and position of a published wording; None when nothing was published.

    Wording that is none of the known categories is ``other`` with no position.
    """
    text = clean_wording(raw)
    if text is None:
        return None
    lowered = text.casefold().replace("\u2019", "'")
    for pattern, reading in _TABLE:
        if pattern.search(lowered):
            return reading
    return _OTHER


def category(raw: str | None) -> str | None:
    """The state's category of a wording (None for no wording)."""
    reading = read_wording(raw)
    return reading.category if reading else None


def normalise_position(raw: str | None) -> str | None:
    """'supported' or 'noted' for wording that clearly says so, else None.

    Partial acceptance is left unknown on purpose: the UN splits or notes such
    recommendations case by case, so a coder decides.
    """
    reading = read_wording(raw)
    return reading.position if reading else None
