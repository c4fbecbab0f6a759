"""Response verification: the coders' reading of each response against the published one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from annotator.analysis.breakdown import wording_label
from annotator.analysis.categories import (
    CATEGORY_LABELS,
    NO_RESPONSE,
    code_category,
    with_categories,
)

CONFIRMED = "confirmed"
CORRECTED = "corrected"
DISAGREEMENT = "coders disagree"
UNVERIFIABLE = "unverifiable"
NOT_VERIFIED = "not verified yet"
OUTCOMES = (CONFIRMED, CORRECTED, DISAGREEMENT, UNVERIFIABLE, NOT_VERIFIED)


@dataclass(frozen=True)
class ResponseVerification:
    counts: dict[str, int]  # outcome -> recommendations
    review: pd.DataFrame  # the ones to look at again: corrected, or coders disagree
    outcomes: pd.DataFrame = field(repr=False)  # id, outcome for every recommendation


def verification_outcome(published: str, verified: int, said: str | None) -> str:
    """One recommendation's outcome: ``published`` its published category, ``verified``
    how many different categories its coders gave (0: none verified it), ``said`` the
    category when they gave one."""
    if not verified:
        return NOT_VERIFIED
    if verified > 1:
        return DISAGREEMENT
    if said == NO_RESPONSE:
        return UNVERIFIABLE
    return CONFIRMED if said == published else CORRECTED


def verify_responses(
    recommendations: pd.DataFrame, verified: pd.DataFrame, *, listing: bool = True
) -> ResponseVerification:
    """Compare coders' verified responses with the published ones.

    ``verified`` has one row per coder's verified response: ``id``, ``coder`` and
    ``value`` (a code key of the verified-response field; see ``CODE_CATEGORIES``).
    Compared by category, so "accepted and being implemented" confirms "accepted".
    A recommendation is *confirmed* when its coders agree with the published response,
    *corrected* when they agree on another one, *coders disagree* when they differ,
    *unverifiable* when they agree that no clear response can be established, and
    *not verified yet* when no coder has given one. ``listing=False`` gives the counts
    only (a summary of a large project need not list half of it).
    """
    frame = with_categories(recommendations)
    codes = {v: code_category(str(v)) or str(v) for v in pd.unique(verified["value"])}
    values = pd.DataFrame(
        {
            "id": verified["id"].to_numpy(),
            "coder": verified["coder"].astype("object").to_numpy(),
            "verified": verified["value"].astype("object").map(codes).to_numpy(),
        }
    )
    values = values[values["id"].isin(frame["id"])]
    grouped = values.groupby("id")["verified"]
    distinct = grouped.nunique()
    first = grouped.first()
    ids = frame["id"].to_numpy()
    published = frame["category"].astype("object").to_numpy()
    n = distinct.reindex(ids).to_numpy()
    said = first.reindex(ids).to_numpy()
    outcome_of = np.select(
        [
            pd.isna(n),
            n > 1,
            said == NO_RESPONSE,
            said == published,
        ],
        [NOT_VERIFIED, DISAGREEMENT, UNVERIFIABLE, CONFIRMED],
        default=CORRECTED,
    )
    outcomes = list(zip(ids.tolist(), outcome_of.tolist(), strict=True))
    flagged = frame[np.isin(outcome_of, (CORRECTED, DISAGREEMENT))]
    listed: list[dict[str, object]] = []
    if listing and not flagged.empty:
        mine = values[values["id"].isin(flagged["id"])].sort_values(["id", "coder"])
        by_id: dict[int, list[tuple[str, str]]] = {}
        for rid, coder, value in zip(mine["id"], mine["coder"], mine["verified"], strict=True):
            by_id.setdefault(int(rid), []).append((str(coder), str(value)))
        outcome_by_id = dict(outcomes)
        for row in flagged.itertuples(index=False):
            said_here = by_id.get(int(row.id), [])
            kinds = {v for _, v in said_here}
            only = next(iter(kinds)) if len(kinds) == 1 else None
            listed.append(
                {
                    "id": int(row.id),
                    "Review": getattr(row, "review", ""),
                    "Number": getattr(row, "number", ""),
                    "Published response": wording_label(row.response),
                    "Published category": CATEGORY_LABELS.get(row.category, row.category),
                    "Verified": (CATEGORY_LABELS.get(only, only) if only else "(coders disagree)"),
                    "Coders": "; ".join(
                        f"{coder}: {CATEGORY_LABELS.get(v, v)}" for coder, v in said_here
                    ),
                    "Outcome": outcome_by_id[int(row.id)],
                }
            )
    counts = dict.fromkeys(OUTCOMES, 0)
    for _, outcome in outcomes:
        counts[outcome] += 1
    columns = [
        "id",
        "Review",
        "Number",
        "Published response",
        "Published category",
        "Verified",
        "Coders",
        "Outcome",
    ]
    return ResponseVerification(
        counts,
        pd.DataFrame(listed, columns=columns),
        pd.DataFrame(outcomes, columns=["id", "outcome"]),
    )
