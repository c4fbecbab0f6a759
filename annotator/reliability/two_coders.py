"""Two coders: Cohen's kappa and Scott's pi."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from annotator.reliability.ratings import (
    Coefficient,
    Ratings,
    no_pairs_reason,
    ordering,
    prepare,
    undefined_coefficient,
    unit_counts,
)

CohenWeights = Literal["linear", "quadratic"]


def cohen_kappa(
    df: pd.DataFrame,
    weights: CohenWeights | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    """Cohen's kappa (1960) for exactly two coders, weighted kappa (1968) on request.

    Only the units rated by both coders count. Chance agreement comes from each coder's
    own distribution of values over those units.

    ``weights=None`` is the unweighted kappa; ``"linear"`` and ``"quadratic"`` weigh a
    disagreement by |i − j| or (i − j)², i and j being the positions of the two values
    in the ordered categories: ``categories`` in the order given (which may include
    categories nobody used), else a pandas Categorical's declared order, else the
    sorted values found anywhere in the table (also in units only one coder rated). As
    in scikit-learn's ``cohen_kappa_score``, positions are used, not the values
    themselves.

    More than two coders is a ValueError (use `fleiss_kappa`, `krippendorff_alpha` or
    `pairwise_matrix`). Fewer than two, no unit rated by both, or chance agreement of
    1 (both coders used one and the same category throughout) give NaN with a reason.
    """
    return cohen_kappa_of_ratings(prepare(df), None, weights=weights, categories=categories)


def scott_pi(df: pd.DataFrame) -> Coefficient:
    """Scott's pi (1955) for exactly two coders.

    Only the units rated by both coders count. Unlike Cohen's kappa, chance agreement
    comes from the two coders' pooled distribution of values. Fleiss' kappa
    (`fleiss_kappa`) is its generalisation to any number of coders; on complete
    two-coder data the two are equal. Undefined cases as for `cohen_kappa`.
    """
    return scott_pi_of_ratings(prepare(df), None)


def _check_two_coders(r: Ratings, name: str) -> None:
    if r.n_coders > 2:
        raise ValueError(
            f"{name} compares exactly two coders, and these ratings come from "
            f"{r.n_coders}; use fleiss_kappa or krippendorff_alpha for all of them "
            "at once, or pairwise_matrix for each pair"
        )


def _two_coder_table(
    r: Ratings, mult: np.ndarray, position: np.ndarray, size: int
) -> tuple[np.ndarray, int]:
    """The size × size table of (first coder's value, second coder's value) counts."""
    first = np.full(r.n_units, -1, dtype=np.int64)
    second = np.full(r.n_units, -1, dtype=np.int64)
    a = r.coder == 0
    first[r.unit[a]] = position[r.value[a]]
    second[r.unit[~a]] = position[r.value[~a]]
    both = (first >= 0) & (second >= 0) & (mult > 0)
    table = np.bincount(
        first[both] * size + second[both], weights=mult[both], minlength=size * size
    ).reshape(size, size)
    return table, int(both.sum())


def _chance_corrected(
    name: str,
    r: Ratings,
    observed: np.ndarray,
    expected: np.ndarray,
    disagreement: np.ndarray,
    n_pairable: int,
    details: dict[str, Any],
) -> Coefficient:
    """1 − weighted observed / weighted expected disagreement, with its undefined case."""
    total = observed.sum()
    scale = disagreement.max() if disagreement.size and disagreement.max() > 0 else 1.0
    d_o = float((disagreement * observed).sum() / total / scale)
    d_e = float((disagreement * expected).sum() / total / scale)
    details = {**details, "p_o": 1.0 - d_o, "p_e": 1.0 - d_e}
    if d_e <= 0:
        return undefined_coefficient(
            name,
            r,
            "Chance agreement is 1: the coders used a single category throughout, so "
            "agreement cannot be told apart from chance.",
            n_pairable,
            details,
        )
    return Coefficient(
        name=name,
        value=1.0 - d_o / d_e,
        n_units=r.n_units,
        n_pairable=n_pairable,
        n_coders=r.n_coders,
        details=details,
    )


def cohen_kappa_of_ratings(
    r: Ratings,
    mult: np.ndarray | None,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    name = "Cohen's kappa" if weights is None else f"Cohen's weighted kappa ({weights})"
    _check_two_coders(r, "Cohen's kappa")
    ordered, position = ordering(r, categories) if r.values else ([], np.empty(0, np.int64))
    if r.n_coders < 2:
        return undefined_coefficient(name, r, no_pairs_reason(r))
    mult = unit_counts(r, mult)
    size = len(ordered)
    table, n_both = _two_coder_table(r, mult, position, size)
    details: dict[str, Any] = {"coders": list(r.coders), "categories": ordered}
    if n_both == 0:
        return undefined_coefficient(name, r, "The two coders rated no unit in common.", 0, details)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    index = np.arange(size)
    gap = np.abs(index[:, None] - index[None, :]).astype(np.float64)
    disagreement = {None: (gap > 0).astype(np.float64), "linear": gap, "quadratic": gap**2}[weights]
    return _chance_corrected(name, r, table, expected, disagreement, n_both, details)


def scott_pi_of_ratings(r: Ratings, mult: np.ndarray | None) -> Coefficient:
    name = "Scott's pi"
    _check_two_coders(r, "Scott's pi")
    if r.n_coders < 2:
        return undefined_coefficient(name, r, no_pairs_reason(r))
    mult = unit_counts(r, mult)
    size = len(r.values)
    table, n_both = _two_coder_table(r, mult, np.arange(size), size)
    details: dict[str, Any] = {"coders": list(r.coders)}
    if n_both == 0:
        return undefined_coefficient(name, r, "The two coders rated no unit in common.", 0, details)
    pooled = (table.sum(axis=1) + table.sum(axis=0)) / (2 * table.sum())
    expected = np.outer(pooled, pooled) * table.sum()
    disagreement = 1.0 - np.eye(size)
    return _chance_corrected(name, r, table, expected, disagreement, n_both, details)
