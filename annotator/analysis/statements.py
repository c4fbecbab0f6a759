"""Statement checker: a claim about a theme's responses, checked against the coded data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from annotator.analysis.categories import (
    ACCEPTED,
    CATEGORY_LABELS,
    CATEGORY_VERBS,
    NO_RESPONSE,
    with_categories,
)
from annotator.analysis.shares import plain_columns
from annotator.analysis.themes import category_key, reading_order


@dataclass(frozen=True)
class StatementCheck:
    claim: str
    holds: bool
    in_theme: int  # recommendations concerning the theme
    counter_examples: pd.DataFrame
    verdict: str
    basis: str = ""  # what it rests on: "of 428 recommendations, 55 coded for themes"


def _find_theme(themes: pd.DataFrame, theme: str) -> tuple[str, pd.Series]:
    """(its label, a mask of the rows of ``themes`` it covers): by key, label or group."""
    themes = plain_columns(themes, "key", "theme", "group")
    wanted = theme.strip().casefold()
    for column in ("key", "theme"):
        if column in themes.columns:
            mask = themes[column].astype(str).str.casefold() == wanted
            if mask.any():
                return str(themes.loc[mask, "theme"].iloc[0]), mask
    if "group" in themes.columns:
        mask = themes["group"].astype(str).str.casefold() == wanted
        if mask.any():
            return str(themes.loc[mask, "group"].iloc[0]), mask
    raise ValueError(f"No recommendation is coded with a theme called '{theme}'.")


def check_statement(
    recommendations: pd.DataFrame,
    themes: pd.DataFrame,
    theme: str,
    category: str = ACCEPTED,
    *,
    quantifier: Literal["none", "all"] = "none",
    known_themes: Sequence[str] = (),
) -> StatementCheck:
    """Check "no accepted recommendation concerns torture" (``quantifier="none"``) or
    "every recommendation on reprisals was rejected" (``"all"``) and list the
    recommendations that contradict it. ``theme`` is a code key, label or group label;
    a theme of the codebook that nobody coded (named in ``known_themes``) concerns none.
    """
    key = category_key(category)
    frame = with_categories(recommendations)
    try:
        label, mask = _find_theme(themes, theme)
        ids = set(themes.loc[mask, "id"])
    except ValueError:
        if theme.strip().casefold() not in {t.casefold() for t in known_themes}:
            raise
        label, ids = theme.strip(), set()
    in_theme = frame[frame["id"].isin(ids)]
    word = CATEGORY_VERBS[key] if key != NO_RESPONSE else "left without a clear response"
    if quantifier == "none":
        claim = f"No {CATEGORY_LABELS[key].lower()} recommendation concerns {label}."
        counter = in_theme[in_theme["category"] == key]
    elif quantifier == "all":
        claim = f"Every recommendation on {label} was {word}."
        counter = in_theme[in_theme["category"] != key]
    else:
        raise ValueError("A statement says 'none' or 'all'.")
    counter = reading_order(counter)
    holds = counter.empty and (quantifier == "none" or len(in_theme) > 0)
    n = len(in_theme)
    coded = int(frame["id"].isin(set(themes["id"])).sum()) if len(themes) else 0
    basis = f"of {len(frame)} recommendations, {coded} coded for themes"
    if quantifier == "all" and n == 0:
        verdict = f"Cannot be said: no recommendation concerns {label}."
    elif holds:
        verdict = f"True: none of the {n} recommendations on {label} contradicts it."
    else:
        verdict = (
            f"False: {len(counter)} of the {n} recommendations on {label} "
            f"contradict{'s' if len(counter) == 1 else ''} it."
        )
    verdict = f"{verdict} It rests on the coded recommendations: {basis}."
    return StatementCheck(claim, holds, n, counter, verdict, basis)
