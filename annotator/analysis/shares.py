"""Shares and percentages as people read them."""

from __future__ import annotations

import math

import pandas as pd


def percent(share: float | None, digits: int = 1) -> str:
    """A share as people write it: 0.229 -> "22.9 %"; no share (nothing to divide) -> "–"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{share * 100:.{digits}f} %"


def share_of(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def plain_columns(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Categorical columns as plain objects: grouping them would bring every unused
    category along, and they refuse values they do not know."""
    changes = {c: "object" for c in columns if c in frame.columns}
    return frame.astype(changes) if changes else frame


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as people read it: shares and rates as percentages, blanks for none."""
    # Categorical columns (review, response: stored once each) refuse a blank they do
    # not hold; as people read them they are plain text.
    shown = frame.astype(
        {c: "object" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    )
    for column in shown.columns:
        name = str(column)
        if "share" in name.casefold() or name.startswith("Rejection rate"):
            shown[column] = [percent(v) for v in shown[column]]
        elif "(points)" in name:
            shown[column] = [f"{v:+.1f}" if v == v else "–" for v in shown[column]]
    return shown.fillna("")
