"""The five response categories, the two rejection rates, and how a wording or a code
is read into a category."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from annotator import responses

ACCEPTED = "accepted"
PARTIAL = "partially_accepted"
NOTED = "noted"
REJECTED = "rejected"
NO_RESPONSE = "no_response"
CATEGORIES: tuple[str, ...] = (ACCEPTED, PARTIAL, NOTED, REJECTED, NO_RESPONSE)
CATEGORY_LABELS: dict[str, str] = {
    ACCEPTED: "Accepted",
    PARTIAL: "Partially accepted",
    NOTED: "Noted",
    REJECTED: "Rejected",
    NO_RESPONSE: "No response / unclear",
}
# The verbs of the sentence a report writes ("accepted 290 of 428, ... rejected 98").
CATEGORY_VERBS: dict[str, str] = {
    ACCEPTED: "accepted",
    PARTIAL: "partially accepted",
    NOTED: "noted",
    REJECTED: "rejected",
    NO_RESPONSE: "gave no clear response to",
}
POSITION_LABELS: dict[str | None, str] = {
    "supported": "Supported",
    "noted": "Noted",
    None: "Not given",
}
NO_THEME = "(no theme coded)"
# The OHCHR matrix's vocabulary: the UN position only, no rejection.
UN_VOCABULARY = frozenset({"supported", "noted"})
NO_WORDING = "(no response published)"

RATE_STRICT = "rate_rejected"
RATE_BROAD = "rate_rejected_or_noted"
RATE_LABELS: dict[str, str] = {
    RATE_STRICT: "Rejection rate: rejected / all recommendations",
    RATE_BROAD: "Rejection rate: (rejected + noted) / all recommendations",
}
RATE_SHORT: dict[str, str] = {RATE_STRICT: "rejected", RATE_BROAD: "rejected or noted"}

# Codes of the built-in codebook's verified-response fields, read as categories: the
# state's categories (published_response) and the normalised position (position).
CODE_CATEGORIES: dict[str, str] = {
    "accepted_implemented": ACCEPTED,
    "accepted_being_implemented": ACCEPTED,
    "accepted": ACCEPTED,
    "supported": ACCEPTED,
    "partially_accepted": PARTIAL,
    "partially_supported": PARTIAL,
    "noted": NOTED,
    "rejected": REJECTED,
    "no_response": NO_RESPONSE,
    "no_clear_response": NO_RESPONSE,
}

# The state's categories (``annotator.responses``, the one table of wordings) as the
# analyses count them: accepted whatever the wording adds, and "other" wording as
# no clear response.
_FROM_STATE_CATEGORY: dict[str | None, str] = {
    responses.ACCEPTED: ACCEPTED,
    responses.ACCEPTED_IMPLEMENTED: ACCEPTED,
    responses.PARTIALLY_ACCEPTED: PARTIAL,
    responses.NOTED_CATEGORY: NOTED,
    responses.REJECTED: REJECTED,
    responses.OTHER: NO_RESPONSE,
    None: NO_RESPONSE,
}


def response_category(wording: str | None) -> str:
    """The category of a published wording ("accepted and already implemented" ->
    accepted); blank or unrecognised wording is "no_response"."""
    return _FROM_STATE_CATEGORY[responses.category(wording)]


def implementation_stage(wording: str | None) -> str | None:
    """ "already" or "being" (implemented) for an accepted wording that says so."""
    reading = responses.read_wording(wording)
    return reading.stage if reading else None


def code_category(code_key: str | None) -> str | None:
    """The category a verified-response code stands for (None for unknown codes)."""
    if code_key is None:
        return None
    return CODE_CATEGORIES.get(code_key)


def with_categories(recommendations: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``category`` column (derived from ``response`` when missing)."""
    if "category" in recommendations.columns:
        return recommendations
    frame = recommendations.copy()
    frame["category"] = [response_category(w) for w in frame["response"]]
    return frame


def category_counts(categories: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for category, count in pd.Series(list(categories), dtype="object").value_counts().items():
        counts[str(category)] = counts.get(str(category), 0) + int(count)
    return counts
