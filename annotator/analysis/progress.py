"""Coding progress per coder and overall."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from annotator import vocabulary
from annotator.analysis.shares import share_of

STATUS_COLUMNS = {
    status: vocabulary.status_label(status).capitalize()
    for status in ("done", "in_progress", "flagged", "skipped")
}


def coder_row(name: str, to_code: int, counts: Mapping[str, int]) -> dict[str, object]:
    """One coder's line of the progress table from their count of each status (the
    dashboard counts in pandas, the export in SQL; both lay the line out here)."""
    row: dict[str, object] = {"Coder": name, "To code": to_code}
    started = done = 0
    for status, label in STATUS_COLUMNS.items():
        n = int(counts.get(status, 0))
        row[label] = n
        started += n
        done += n if status == "done" else 0
    row["Not started"] = max(to_code - started, 0)
    row["Share done"] = share_of(done, to_code)
    return row


def by_coder_frame(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["Coder", "To code", *STATUS_COLUMNS.values(), "Not started", "Share done"]
    )


@dataclass(frozen=True)
class CodingProgress:
    by_coder: pd.DataFrame  # one row a coder
    total: int  # recommendations in the selection
    done_by_any: int  # done by at least one coder
    done_by_two: int  # done by two coders or more (what reliability can compare)


def coding_progress(
    statuses: pd.DataFrame,
    total: int,
    *,
    coders: Sequence[str] = (),
    assignments: pd.DataFrame | None = None,
    ids: Iterable[int] | None = None,
) -> CodingProgress:
    """Per coder: how many recommendations they have to code (their assignment, or all
    of them when they have none), and how many of those are done, in progress, flagged,
    skipped or not started; overall: done by one coder or more, and by two or more.

    ``statuses``: ``id``, ``coder``, ``status``; ``assignments``: ``id``, ``coder``;
    ``ids`` limits everything to those recommendations (``total`` is their number).
    """
    if ids is not None:
        keep = set(ids)
        statuses = statuses[statuses["id"].isin(keep)]
        if assignments is not None:
            assignments = assignments[assignments["id"].isin(keep)]
    names = list(dict.fromkeys([*coders, *statuses["coder"].astype(str)]))
    assigned: dict[str, set[int]] = {}
    if assignments is not None:
        for coder, part in assignments.groupby("coder"):
            assigned[str(coder)] = set(part["id"])
            if str(coder) not in names:
                names.append(str(coder))
    rows = []
    for name in sorted(names, key=str.casefold):
        own = statuses[statuses["coder"] == name]
        scope = assigned.get(name)
        if scope is not None:
            own = own[own["id"].isin(scope)]
        to_code = len(scope) if scope is not None else total
        rows.append(coder_row(name, to_code, own["status"].value_counts()))
    by_coder = by_coder_frame(rows)
    done = statuses[statuses["status"] == "done"].groupby("id")["coder"].nunique()
    return CodingProgress(by_coder, total, int((done >= 1).sum()), int((done >= 2).sum()))
