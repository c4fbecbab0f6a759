"""UPR Info database exports (.xls, .xlsx, .csv): one row per recommending state.

UPR Info splits a joint recommendation into one row per recommending state and drops
the paragraph number, so rows of the same review (state under review and session) with
the same text and the same response are folded back into one joint recommendation.

Two header sets exist: UPR Info's original (``SuR, Rgrp, Org, Recommendation, RS, Rgrp,
Org, Response, Action, Issue, Session``: the first ``Rgrp``/``Org`` pair belongs to the
state under review, the second to the recommending state) and the one of our CSV copy
(``To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org, Response, Action, Issue,
Session``). The header row is found by its content, below any title rows. Organisation
and regional-group columns are not kept.

The whole export (41,066 rows) is read with pandas column operations; Python loops only
build the records themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from annotator import states
from annotator.importers.records import (
    ImportBatch,
    RecommendationRecord,
    ReviewRecord,
    SourceTagRecord,
)
from annotator.importers.tables import (
    read_named_columns,
    report_long_cells,
)
from annotator.upr_calendar import cycle_of_session, session_year

FORMAT = "uprinfo"
SHEET_NAME = "UPR Info database export"
PROGRESS_EVERY = 500
VOLUNTARY_PLEDGE = "voluntary pledge"
# Three sessions a year: a session number above this is a typo, not a session.
MAX_SESSION = 500

# Our name for each column -> the header spellings met (compared casefolded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sur": ("SuR", "To"),
    "text": ("Recommendation", "Text"),
    "rs": ("RS", "From"),
    "response": ("Response",),
    "action": ("Action",),
    "issue": ("Issue",),
    "session": ("Session",),
}
REQUIRED = ("sur", "text", "rs", "response", "session")
# A row holding this many known headers is the header row.
HEADER_MIN_MATCHES = 3

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# The UPR Info reader


def read(
    path: Path,
    *,
    review: ReviewRecord | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Read a UPR Info export; ``review`` (if given) replaces the file's reviews."""
    batch = ImportBatch(file=path.name, format=FORMAT)
    table = read_named_columns(
        path, ("text", "xls", "xlsx", "ods"), COLUMNS, REQUIRED, HEADER_MIN_MATCHES, SHEET_NAME
    )
    _read_rows(batch, table.frame, table.rows, table.labels, table.sheet, review, progress)
    return batch


def _read_rows(
    batch: ImportBatch,
    frame: pd.DataFrame,
    rows: np.ndarray,
    labels: dict[str, str],
    sheet: str | None,
    review: ReviewRecord | None,
    progress: Progress | None,
) -> None:
    total = len(frame)
    if progress is not None:
        progress(0, total)
    usable = ~report_long_cells(batch, frame, rows, labels, sheet)

    pledges = (frame["response"].str.casefold() == VOLUNTARY_PLEDGE).to_numpy()
    if pledges.any():
        batch.problem(
            None,
            labels["response"],
            f"{int(pledges.sum()):,} voluntary pledges skipped (they are the state's own "
            "commitments, not recommendations)",
            severity="warning",
            sheet=sheet,
        )
    usable &= ~pledges

    sessions = _sessions(batch, frame, rows, labels, sheet, usable)
    usable &= sessions > 0
    for name in ("text", "sur"):
        empty = usable & (frame[name] == "").to_numpy()
        for position in np.flatnonzero(empty):
            batch.problem(int(rows[position]), labels[name], "is empty", sheet=sheet)
        usable &= ~empty

    sur_iso3 = _match_sur(batch, frame, rows, sessions, labels, sheet, usable)
    usable &= sur_iso3 != ""
    rs_iso3 = _match_recommending(batch, frame, rows, labels, sheet, usable)

    keep = np.flatnonzero(usable)
    data = frame.iloc[keep].assign(
        iso3=sur_iso3[keep],
        session_no=sessions[keep],
        rs_iso3=rs_iso3[keep],
        file_row=rows[keep],
        # UPR Info often leaves a trailing space, and line breaks vary between exports.
        norm=frame["text"].iloc[keep].str.replace(r"\s+", " ", regex=True).str.strip(),
    )
    if review is not None and data[["iso3", "session_no"]].drop_duplicates().shape[0] > 1:
        batch.problem(
            None,
            None,
            "the file holds recommendations of several reviews, but a single review was "
            "named for it; import it without naming a review",
            sheet=sheet,
        )
    _warn_split_responses(batch, data, labels, sheet)
    _build_records(batch, data, review, progress, total)


def _sessions(
    batch: ImportBatch,
    frame: pd.DataFrame,
    rows: np.ndarray,
    labels: dict[str, str],
    sheet: str | None,
    usable: np.ndarray,
) -> np.ndarray:
    """Session numbers (0 where unreadable, with an error for each such row)."""
    numbers = pd.to_numeric(frame["session"], errors="coerce").to_numpy(dtype=float)
    good = np.isfinite(numbers) & (numbers >= 1) & (numbers <= MAX_SESSION)
    good &= np.mod(np.nan_to_num(numbers), 1) == 0
    for position in np.flatnonzero(usable & ~good):
        value = frame["session"].iat[position]
        message = "is empty" if not value else f"'{value}' is not a UPR Working Group session"
        batch.problem(int(rows[position]), labels["session"], message, sheet=sheet)
    return np.where(good, np.nan_to_num(numbers), 0).astype(int)


def _match_sur(
    batch: ImportBatch,
    frame: pd.DataFrame,
    rows: np.ndarray,
    sessions: np.ndarray,
    labels: dict[str, str],
    sheet: str | None,
    usable: np.ndarray,
) -> np.ndarray:
    """ISO3 of each state under review ("" if unknown: one error per unknown review)."""
    codes = _iso3_of(frame["sur"])
    unknown = usable & (codes == "")
    if unknown.any():
        # One error per review that cannot be made, naming its first row and row count.
        bad = pd.DataFrame({"name": frame["sur"].to_numpy()[unknown], "session": sessions[unknown]})
        bad["row"] = rows[unknown]
        for (name, session), group in bad.groupby(["name", "session"], sort=False):
            count = len(group)
            others = f"{count - 1:,} more row" + ("s" if count > 2 else "")
            more = f" (and {others} of that review)" if count > 1 else ""
            batch.problem(
                int(group["row"].iloc[0]),
                labels["sur"],
                f"unknown state under review '{name}' in session {session}{more}",
                sheet=sheet,
            )
    return codes


def _match_recommending(
    batch: ImportBatch,
    frame: pd.DataFrame,
    rows: np.ndarray,
    labels: dict[str, str],
    sheet: str | None,
    usable: np.ndarray,
) -> np.ndarray:
    codes = _iso3_of(frame["rs"])
    for position in np.flatnonzero(usable & (codes == "")):
        value = frame["rs"].iat[position]
        message = (
            "no recommending state is given"
            if not value
            else f"unknown recommending state '{value}': the recommendation is kept without it"
        )
        batch.problem(int(rows[position]), labels["rs"], message, severity="warning", sheet=sheet)
    return codes


def _iso3_of(names: pd.Series) -> np.ndarray:
    lookup = {}
    for name in names.unique():
        state = states.match_state(name) if name else None
        lookup[name] = state.iso3 if state is not None else ""
    return names.map(lookup).to_numpy(dtype=object)


def _warn_split_responses(
    batch: ImportBatch, data: pd.DataFrame, labels: dict[str, str], sheet: str | None
) -> None:
    """The same text for the same review with different responses stays separate."""
    keys = ["iso3", "session_no", "norm"]
    counts = data.groupby(keys, sort=False)["response"].transform("nunique")
    split = data[counts.to_numpy() > 1]
    for _, group in split.groupby(keys, sort=False):
        listed = ", ".join(
            f"row {row} ({response or 'no response'})"
            for row, response in zip(group["file_row"], group["response"], strict=True)
        )
        batch.problem(
            int(group["file_row"].iloc[0]),
            labels["response"],
            f"the same recommendation text has different responses ({listed}): kept as "
            "separate recommendations, one per response",
            severity="warning",
            sheet=sheet,
        )


def _build_records(
    batch: ImportBatch,
    data: pd.DataFrame,
    review: ReviewRecord | None,
    progress: Progress | None,
    total: int,
) -> None:
    keys = ["iso3", "session_no", "norm", "response"]
    group_ids = data.groupby(keys, sort=False).ngroup().to_numpy()
    sizes = np.bincount(group_ids) if len(group_ids) else np.array([], dtype=int)
    joint_rows = int(sizes[sizes > 1].sum())
    joint_groups = int((sizes > 1).sum())
    batch.joint_merged = joint_rows
    batch.notes.append(
        f"{joint_rows:,} rows were joint recommendations: merged into {joint_groups:,} "
        f"({len(data):,} rows read as {len(sizes):,} recommendations)"
    )
    # Rows of one recommendation become adjacent; a stable sort keeps the file's order.
    order = np.argsort(group_ids, kind="stable")
    starts = np.flatnonzero(np.diff(group_ids[order], prepend=-1) != 0)
    ends = np.append(starts[1:], len(order)) if len(order) else starts
    columns = {
        name: data[name].to_numpy(dtype=object)[order]
        for name in ("iso3", "text", "rs", "rs_iso3", "response", "action", "issue")
    }
    sessions = data["session_no"].to_numpy()[order]
    file_rows = data["file_row"].to_numpy()[order]
    reviews: dict[tuple[str, int], ReviewRecord] = {}
    tags = _TagCache()
    for count, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(int(start), total)
        key = (columns["iso3"][start], int(sessions[start]))
        if key not in reviews:
            reviews[key] = review or _review(*key)
        batch.recommendations.append(
            _record(reviews[key], columns, int(start), int(end), int(file_rows[start]), tags)
        )
    if progress is not None:
        progress(total, total)


class _TagCache:
    """The tags of a cell value, made once per distinct value (tags are immutable)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], list[SourceTagRecord]] = {}

    def __call__(self, kind: str, value: str) -> list[SourceTagRecord]:
        key = (kind, value)
        if key not in self._made:
            # No UPR Info issue name contains a comma; the action is a single value.
            parts = value.split(",") if kind == "issue" else [value]
            self._made[key] = [
                SourceTagRecord(FORMAT, kind, part.strip())
                for part in dict.fromkeys(parts)
                if part.strip()
            ]
        return self._made[key]


def _review(iso3: str, session: int) -> ReviewRecord:
    return ReviewRecord(
        state_iso3=iso3,
        cycle=cycle_of_session(session),
        session=session,
        year=session_year(session),
    )


def _record(
    review: ReviewRecord,
    columns: dict[str, np.ndarray],
    start: int,
    end: int,
    row: int,
    tag_lists: Callable[[str, str], list[SourceTagRecord]],
) -> RecommendationRecord:
    span = range(start, end)
    names = list(dict.fromkeys(n for n in (columns["rs"][i] for i in span) if n))
    iso3 = list(dict.fromkeys(c for c in (columns["rs_iso3"][i] for i in span) if c))
    # Rows folded together may disagree on the action category: each value is kept.
    tags = [
        tag
        for value in dict.fromkeys(columns["action"][i] for i in span)
        for tag in tag_lists("action", value)
    ]
    issue_tags = [tag for i in span for tag in tag_lists("issue", columns["issue"][i])]
    tags.extend(dict.fromkeys(issue_tags))
    # Also a tag: linked onto another source's recommendation, the record's own response
    # is not written, and UPR Info's wording would otherwise be lost.
    if columns["response"][start]:
        tags.extend(tag_lists("response", columns["response"][start]))
    return RecommendationRecord(
        review=review,
        text=columns["text"][start],
        recommending_text=", ".join(names),
        recommending_names=names,
        recommending_iso3=iso3,
        response=columns["response"][start] or None,
        tags=tags,
        source=FORMAT,
        row=row,
    )
