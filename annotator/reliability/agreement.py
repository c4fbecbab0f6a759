"""Percent agreement."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from annotator.reliability.ratings import (
    Coefficient,
    Ratings,
    no_pairs_reason,
    pairable_units,
    prepare,
    undefined_coefficient,
    unit_counts,
)


def percent_agreement(
    df: pd.DataFrame, method: Literal["pairwise", "unanimous"] = "pairwise"
) -> Coefficient:
    """Share of agreement, without any correction for chance.

    ``method="pairwise"``: for each unit rated by two or more coders, the share of its
    coder pairs that gave the same value; then the mean over those units, each unit
    weighing the same whatever its number of coders (Fleiss's and Gwet's p_a). Units
    rated once are left out.

    ``method="unanimous"``: the share of units rated by two or more coders on which all
    of their coders gave the same value.

    Set values (frozensets) agree only when they are equal. One category used by
    everyone gives 1.0; no unit rated twice gives NaN.
    """
    return percent_agreement_of_ratings(prepare(df), None, method=method)


def percent_agreement_of_ratings(
    r: Ratings, mult: np.ndarray | None, method: str = "pairwise"
) -> Coefficient:
    if method not in ("pairwise", "unanimous"):
        raise ValueError(f"method must be 'pairwise' or 'unanimous', not {method!r}")
    name = f"Percent agreement ({method})"
    mult = unit_counts(r, mult)
    pairable = pairable_units(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return undefined_coefficient(name, r, no_pairs_reason(r))
    weight = np.where(pairable, mult, 0.0)
    if method == "pairwise":
        m = np.where(pairable, r.m, 2.0)
        agreeing = np.bincount(r.e_unit, weights=r.e_count * (r.e_count - 1), minlength=r.n_units)
        same = agreeing / (m * (m - 1))
        value = float((weight * same).sum() / weight.sum())
        what = "mean over units rated ≥2 times of the share of coder pairs that agree"
    else:
        distinct = np.bincount(r.e_unit, minlength=r.n_units)
        value = float((weight * (distinct == 1)).sum() / weight.sum())
        what = "share of units rated ≥2 times on which all coders agree"
    return Coefficient(
        name=name,
        value=value,
        n_units=r.n_units,
        n_pairable=n_pairable,
        n_coders=r.n_coders,
        details={"method": method, "definition": what},
    )
