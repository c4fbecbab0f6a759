"""Any number of coders: Fleiss' kappa, Gwet's AC1 and AC2."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from annotator.reliability.pairs import diagonal_sum, unit_pair_sum
from annotator.reliability.ratings import (
    GWET_WEIGHTS,
    Coefficient,
    Ratings,
    no_pairs_reason,
    ordering,
    pairable_units,
    prepare,
    undefined_coefficient,
    unit_counts,
)

_GWET_VARIANT = (
    "Gwet (2014) generalisation for missing ratings: observed agreement averaged over "
    "the units rated by two or more coders, each unit with its own number of raters; "
    "category shares averaged over all units with at least one rating"
)


def fleiss_kappa(df: pd.DataFrame) -> Coefficient:
    """Fleiss' kappa (1971) for any number of coders, with missing ratings.

    With complete data this is Fleiss' kappa exactly (statsmodels' ``fleiss_kappa``).
    With missing ratings it is Gwet's generalisation (Handbook of Inter-Rater
    Reliability, 4th ed. 2014, ch. 2; irrCAC's ``CAC.fleiss``):

    - observed agreement p_a: for each unit rated by r_i ≥ 2 coders, the share of its
      r_i(r_i − 1) ordered coder pairs that agree; averaged over those units;
    - chance agreement p_e = Σ_k π_k², with π_k the mean over all units with at least
      one rating of the share of that unit's ratings in category k (units rated once
      inform the category shares, though they give no pair);
    - kappa = (p_a − p_e) / (1 − p_e).

    Undefined (NaN) when no unit was rated twice or when p_e = 1 (one category only).
    """
    return gwet_family(prepare(df), None, chance="fleiss")


def gwet_ac1(df: pd.DataFrame, categories: Sequence[Any] | None = None) -> Coefficient:
    """Gwet's AC1 (2008) for any number of coders, with missing ratings.

    Observed agreement as in `fleiss_kappa`; chance agreement
    p_e = Σ_k π_k(1 − π_k) / (q − 1), q being the number of categories: the given
    ``categories`` (which may include categories nobody used, and change p_e), else a
    pandas Categorical's declared categories, else the distinct values used. Matches
    irrCAC's ``CAC.gwet``. Undefined (NaN) with fewer than two categories or when no
    unit was rated twice. With one category used by all coders but q ≥ 2 declared, AC1
    is 1 (chance agreement is then 0).
    """
    return gwet_family(prepare(df), None, chance="gwet", weights="identity", categories=categories)


def gwet_ac2(
    df: pd.DataFrame,
    weights: str | np.ndarray = "quadratic",
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    """Gwet's AC2: AC1 with agreement weights, for ordinal and interval fields.

    ``weights`` is one of `GWET_WEIGHTS` (Gwet 2014, ch. 3; irrCAC's ``Weights``) or a
    q × q matrix of agreement weights (1 on the diagonal) in the order of the
    categories. The named weights use the category values when all categories are
    numbers, else their positions 1..q in the order: ``categories`` as given, a pandas
    Categorical's declared order, or the sorted values. Gwet's "ordinal" weights are
    his rank-based ones, not Krippendorff's ordinal metric.

    Observed agreement p_a = mean over units rated ≥ 2 times of
    Σ_k r_ik (r*_ik − 1) / (r_i(r_i − 1)), with r*_ik = Σ_l w_kl r_il; chance agreement
    p_e = (Σ_kl w_kl / (q(q − 1))) · Σ_k π_k(1 − π_k). Undefined as for `gwet_ac1`.
    """
    return gwet_family(prepare(df), None, chance="gwet", weights=weights, categories=categories)


def _gwet_weight_matrix(kind: str | np.ndarray, ordered: list[Any]) -> np.ndarray:
    q = len(ordered)
    if not isinstance(kind, str):
        matrix = np.asarray(kind, dtype=np.float64)
        if matrix.shape != (q, q):
            raise ValueError(f"the weights matrix must be {q} × {q}, one row per category")
        return matrix
    if kind == "identity":
        return np.eye(q)
    numeric = all(
        isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in ordered
    )
    x = np.array(ordered, dtype=np.float64) if numeric else np.arange(1.0, q + 1)
    lo, hi = x.min(), x.max()
    diff = x[:, None] - x[None, :]
    total = x[:, None] + x[None, :]
    if kind == "linear":
        return 1 - np.abs(diff) / (hi - lo)
    if kind == "quadratic":
        return 1 - (diff / (hi - lo)) ** 2
    if kind == "radical":
        return 1 - np.sqrt(np.abs(diff)) / np.sqrt(hi - lo)
    if kind == "ratio":
        if (x == 0).any() or (total == 0).any():
            raise ValueError("ratio weights need categories with no 0 and no two summing to 0")
        return 1 - (diff / total) ** 2 / ((hi - lo) / (hi + lo)) ** 2
    if kind == "ordinal":
        k = np.arange(q)
        steps = np.abs(k[:, None] - k[None, :]) + 1.0
        raw = steps * (steps - 1) / 2
    elif kind == "circular":
        raw = np.sin(np.pi * diff / (hi - lo + 1)) ** 2
    else:  # bipolar
        off = ~np.eye(q, dtype=bool)
        raw = np.zeros((q, q))
        raw[off] = diff[off] ** 2 / ((total - 2 * lo) * (2 * hi - total))[off]
    return 1 - raw / raw.max()


def gwet_family(
    r: Ratings,
    mult: np.ndarray | None,
    chance: Literal["fleiss", "gwet"],
    weights: str | np.ndarray = "identity",
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    if isinstance(weights, str) and weights not in GWET_WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(GWET_WEIGHTS)} or a matrix")
    if chance == "fleiss":
        name = "Fleiss' kappa"
    elif isinstance(weights, str) and weights == "identity":
        name = "Gwet's AC1"
    else:
        label = weights if isinstance(weights, str) else "custom"
        name = f"Gwet's AC2 ({label} weights)"
    mult = unit_counts(r, mult)
    unweighted = chance == "fleiss" or (isinstance(weights, str) and weights == "identity")
    if unweighted and categories is None and r.declared is None:
        # Order does not matter without weights, and set values have none to sort by.
        ordered, position = list(r.values), np.arange(len(r.values))
    elif chance == "fleiss":
        ordered, position = list(r.values), np.arange(len(r.values))
    elif r.values or categories is not None:
        ordered, position = ordering(r, categories)
    else:
        ordered, position = [], np.empty(0, np.int64)
    q = len(ordered)
    details: dict[str, Any] = {"variant": _GWET_VARIANT, "categories": ordered}
    pairable = pairable_units(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return undefined_coefficient(name, r, no_pairs_reason(r), 0, details)
    if chance == "gwet" and q < 2:
        return undefined_coefficient(
            name,
            r,
            "Only one category exists, so Gwet's chance agreement (which divides by "
            "the number of categories − 1) is undefined; pass categories=[...] if more "
            "were possible.",
            n_pairable,
            details,
        )
    w = np.eye(q) if chance == "fleiss" else _gwet_weight_matrix(weights, ordered)
    # Each unit's agreement is worked out on its own from whole-number pair counts, so
    # a unit on which all agree scores exactly 1 and perfect agreement gives p_a = 1.
    if unweighted:
        agreeing = np.bincount(r.e_unit, weights=r.e_count**2, minlength=r.n_units)
    else:
        agreeing = unit_pair_sum(r, pairable, w, position)
    m_safe = np.where(pairable, r.m, 2.0)
    per_unit = np.where(pairable, (agreeing - r.m) / (m_safe * (m_safe - 1)), 0.0)
    p_a = float((mult * per_unit).sum() / mult[pairable].sum())
    rated = mult > 0
    share = np.where(rated, mult / np.where(r.m > 0, r.m, 1.0), 0.0)
    pi = diagonal_sum(r, share, position, q, power=1) / mult[rated].sum()
    if chance == "fleiss":
        p_e = float(pi @ w @ pi)
    else:
        p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    details.update(p_a=p_a, p_e=p_e, category_shares=dict(zip(ordered, pi.tolist(), strict=True)))
    # Tested on the shares, not on p_e == 1, which rounding can miss by an ulp.
    if (chance == "fleiss" and (pi > 0).sum() <= 1) or p_e >= 1:
        return undefined_coefficient(
            name,
            r,
            "Chance agreement is 1: every rating is in the same category, so agreement "
            "cannot be told apart from chance.",
            n_pairable,
            details,
        )
    return Coefficient(
        name=name,
        value=(p_a - p_e) / (1 - p_e),
        n_units=r.n_units,
        n_pairable=n_pairable,
        n_coders=r.n_coders,
        details=details,
    )
