"""Inter-coder reliability statistics over a long table of ratings.

The input is a pandas DataFrame in long form, one row a rating, with the columns
``unit`` (what was coded: a recommendation), ``coder`` and ``value``. A missing rating
is an absent row; a row whose ``value`` is null (None, NaN, NA) counts as absent too. For
a multi-choice field a ``value`` is a frozenset of codes (a set or a list is turned into
a frozenset); an empty frozenset is a real answer ("no code applies"), not a missing one.
A coder may rate a unit at most once: a second rating of the same unit by the same coder
is an error (ValueError naming the unit and coder), never silently merged.

Every coefficient comes back as a `Coefficient`. Its ``value`` is NaN where the
coefficient is undefined (no pairs to compare, no variation, a single category), and
``reason`` then says why in plain English; the functions do not raise on degenerate
data. They raise ValueError only for a wrong request: missing columns, an unknown
option, values outside the given ``categories``, more than two coders for a two-coder
coefficient, non-numeric values at the interval or ratio level.

Counts in every result:

- ``n_units``: units with at least one rating;
- ``n_pairable``: units that enter the comparison (rated by two or more coders; for the
  two-coder coefficients, rated by both coders);
- ``n_coders``: coders with at least one rating.

The module is pure numpy and pandas (no database, no Qt) so that scripts, notebooks,
the command line and the GUI's worker threads can all use it. The reasoning behind
each variant is written up in ``docs/reliability.md``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import numbers
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "GWET_WEIGHTS",
    "Coefficient",
    "bootstrap_ci",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "interpret_alpha",
    "krippendorff_alpha",
    "pairwise_matrix",
    "per_code_alpha",
    "percent_agreement",
    "scott_pi",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
SetDistance = Literal["masi", "jaccard"]
CohenWeights = Literal["linear", "quadratic"]

#: The weight schemes of Gwet (2014), as irrCAC names them, accepted by `gwet_ac2`.
GWET_WEIGHTS = (
    "identity",
    "linear",
    "quadratic",
    "ordinal",
    "radical",
    "ratio",
    "circular",
    "bipolar",
)

# Above this many (unit, value, value) triples the coincidences are summed chunk by chunk,
# so memory stays flat however many units there are.
_PAIR_CHUNK = 1 << 20


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient.

    ``value`` is NaN where the coefficient is undefined, and ``reason`` then says why.
    ``ci`` is filled by `bootstrap_ci`. ``details`` holds the ingredients (observed and
    chance agreement, the variant computed, the categories in the order used).
    """

    name: str
    value: float
    n_units: int
    n_pairable: int
    n_coders: int
    reason: str | None = None
    ci: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)


# --------------------------------------------------------------------------------------
# Preparing the ratings
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ratings:
    """The ratings as integer codes, and the sparse unit × value count table.

    Units, coders and values are coded 0..n-1. The count table lists, for every unit,
    each distinct value given to it and by how many coders, sorted by unit: it is what
    every coefficient here is a sum over, and it never holds the zero cells.
    """

    unit: np.ndarray  # per rating, unit code
    coder: np.ndarray  # per rating, coder code
    value: np.ndarray  # per rating, value code
    coders: list[Hashable]  # coder code -> label
    values: list[Any]  # value code -> value as given
    declared: list[Any] | None  # categories declared by a pandas Categorical dtype
    value_dtype: Any  # to rebuild resampled tables with the same dtype
    n_units: int
    m: np.ndarray  # per unit, number of ratings
    e_unit: np.ndarray  # count table: unit code
    e_value: np.ndarray  # count table: value code
    e_count: np.ndarray  # count table: number of coders (float)

    @property
    def n_coders(self) -> int:
        return len(self.coders)

    @property
    def n_ratings(self) -> int:
        return len(self.unit)


def _as_frozenset(value: Any) -> Any:
    if isinstance(value, set | list | tuple):
        return frozenset(value)
    return value


def _factorize(series: pd.Series, sort: bool) -> tuple[np.ndarray, Any]:
    try:
        codes, uniques = pd.factorize(series, sort=sort)
    except TypeError:
        if not sort:
            raise
        # Labels of mixed types cannot be sorted; first-seen order is as good.
        codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64, copy=False), uniques


def _distinct_counts(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys in 0..size-1, sorted, with how often each occurs."""
    if size <= 8 * len(key) + 4096:
        # Counting into a dense array is several times faster than sorting, and when
        # the key space is this small its memory is of the order of the input's.
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(key, return_counts=True)


def _prepare(df: pd.DataFrame) -> _Ratings:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in ("unit", "coder", "value") if c not in df.columns]
    if missing:
        raise ValueError(
            "the ratings table needs the columns unit, coder and value; "
            f"missing: {', '.join(missing)}"
        )
    value = df["value"]
    declared = None
    if isinstance(value.dtype, pd.CategoricalDtype):
        declared = list(value.dtype.categories)
    keep = value.notna().to_numpy()
    if not keep.all():
        df = df.loc[keep]
        value = df["value"]
    for column in ("unit", "coder"):
        blank = df[column].isna().to_numpy()
        if blank.any():
            raise ValueError(
                f"the {column} column is empty in {int(blank.sum())} row(s), the first "
                f"at index {df.index[np.argmax(blank)]!r}; every rating needs a {column}"
            )
    unit_codes, unit_labels = _factorize(df["unit"], sort=False)
    coder_codes, coder_labels = _factorize(df["coder"], sort=True)
    if value.dtype == object:
        try:
            value_codes, value_labels = _factorize(value, sort=False)
        except TypeError:
            # Multi-choice values handed over as sets or lists: unhashable, so freeze them.
            value = value.map(_as_frozenset)
            value_codes, value_labels = _factorize(value, sort=False)
    else:
        value_codes, value_labels = _factorize(value, sort=False)
    # Units stay a pandas Index (there may be millions); coders and values are few.
    coder_labels, value_labels = list(coder_labels), list(value_labels)
    n_units, n_coders, n_values = len(unit_labels), len(coder_labels), len(value_labels)

    rated, times = _distinct_counts(unit_codes * n_coders + coder_codes, n_units * n_coders)
    if len(rated) < len(unit_codes):
        key = int(rated[np.argmax(times)])
        raise ValueError(
            f"coder {coder_labels[key % n_coders]!r} rated unit "
            f"{unit_labels[key // n_coders]!r} more than once "
            f"({len(unit_codes) - len(rated)} duplicate rating(s) in all); "
            "keep one rating per unit and coder"
        )
    width = max(n_values, 1)
    keys, counts = _distinct_counts(unit_codes * width + value_codes, n_units * width)
    return _Ratings(
        unit=unit_codes,
        coder=coder_codes,
        value=value_codes,
        coders=coder_labels,
        values=value_labels,
        declared=declared,
        value_dtype=value.dtype,
        n_units=n_units,
        m=np.bincount(unit_codes, minlength=n_units).astype(np.float64),
        e_unit=keys // max(n_values, 1),
        e_value=keys % max(n_values, 1),
        e_count=counts.astype(np.float64),
    )


def _mult(r: _Ratings, mult: np.ndarray | None) -> np.ndarray:
    """How many times each unit counts: 1 normally, its draw count in a bootstrap."""
    return np.ones(r.n_units) if mult is None else mult


def _pairable(r: _Ratings, mult: np.ndarray) -> np.ndarray:
    return (r.m >= 2) & (mult > 0)


def _undefined(
    name: str,
    r: _Ratings,
    reason: str,
    n_pairable: int = 0,
    details: dict[str, Any] | None = None,
) -> Coefficient:
    return Coefficient(
        name=name,
        value=math.nan,
        n_units=r.n_units,
        n_pairable=n_pairable,
        n_coders=r.n_coders,
        reason=reason,
        details=details or {},
    )


def _no_pairs_reason(r: _Ratings) -> str:
    if r.n_ratings == 0:
        return "There are no ratings."
    if r.n_coders < 2:
        return "Only one coder has rated; agreement needs at least two coders."
    return "No unit was rated by two or more coders, so there is nothing to compare."


def _ordering(r: _Ratings, categories: Sequence[Any] | None) -> tuple[list[Any], np.ndarray]:
    """The categories in order, and each value code's position in that order.

    Given ``categories`` fix the order and may include categories nobody used; without
    them a pandas Categorical's declared categories are used, else the sorted values.
    """
    if categories is None and r.declared is not None:
        categories = r.declared
    if categories is None:
        try:
            ordered = sorted(r.values)
        except TypeError as exc:
            raise ValueError(
                "the values cannot be put in order (mixed types?); pass categories=[...] "
                "in the order to use"
            ) from exc
    else:
        ordered = list(categories)
        if len(set(ordered)) != len(ordered):
            raise ValueError("categories must not repeat a category")
    where = {v: i for i, v in enumerate(ordered)}
    unknown = [v for v in r.values if v not in where]
    if unknown:
        shown = ", ".join(repr(v) for v in unknown[:5])
        raise ValueError(f"value(s) not among the given categories: {shown}")
    return ordered, np.array([where[v] for v in r.values], dtype=np.int64)


# --------------------------------------------------------------------------------------
# Sums over units
# --------------------------------------------------------------------------------------


def _pairs(
    r: _Ratings, units: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Every ordered pair of count-table entries within each unit where ``units`` holds.

    Yields, chunk by chunk, (unit, entry i, entry j, n_ui · n_uj) arrays: at most
    coders² pairs per unit, built with np.repeat, so there is no Python loop over units
    and no units × categories × categories array; chunking between units keeps the
    pair arrays to about _PAIR_CHUNK elements however many units there are.
    """
    entries = np.flatnonzero(units[r.e_unit])
    if len(entries) == 0:
        return
    eu = r.e_unit[entries]
    first = np.flatnonzero(np.r_[True, eu[1:] != eu[:-1]])
    length = np.diff(np.r_[first, len(eu)])
    cumulative = np.cumsum(length * length)
    cuts = np.searchsorted(
        cumulative, np.arange(_PAIR_CHUNK, cumulative[-1], _PAIR_CHUNK), side="right"
    )
    bounds = np.unique(np.r_[0, cuts, len(first)])
    for lo, hi in itertools.pairwise(bounds):
        start = first[lo]
        u_first, u_len = first[lo:hi] - start, length[lo:hi]
        per_entry = np.repeat(u_len, u_len)
        i = np.repeat(np.arange(u_len.sum()), per_entry)
        offset = np.arange(len(i)) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
        j = np.repeat(np.repeat(u_first, u_len), per_entry) + offset
        i, j = entries[i + start], entries[j + start]
        yield r.e_unit[i], i, j, r.e_count[i] * r.e_count[j]


def _pair_sum(
    r: _Ratings, unit_weight: np.ndarray, position: np.ndarray | None, size: int
) -> np.ndarray:
    """Σ_u w_u · n_u n_uᵀ: a size × size matrix, n_u being unit u's value counts."""
    ev = r.e_value if position is None else position[r.e_value]
    out = np.zeros(size * size)
    for unit, i, j, product in _pairs(r, unit_weight != 0):
        out += np.bincount(
            ev[i] * size + ev[j], weights=unit_weight[unit] * product, minlength=size * size
        )
    return out.reshape(size, size)


def _unit_pair_sum(
    r: _Ratings, units: np.ndarray, weights: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """For each unit, Σ_kl w_kl · n_uk n_ul: its weighted count of agreeing pairs."""
    ev = position[r.e_value]
    out = np.zeros(r.n_units)
    for unit, i, j, product in _pairs(r, units):
        out += np.bincount(unit, weights=weights[ev[i], ev[j]] * product, minlength=r.n_units)
    return out


def _diagonal_sum(
    r: _Ratings, unit_weight: np.ndarray, position: np.ndarray | None, size: int, power: int
) -> np.ndarray:
    """Σ_u w_u · n_uc^power for each value c: the cheap part of `_pair_sum`."""
    ev = r.e_value if position is None else position[r.e_value]
    weight = unit_weight[r.e_unit] * r.e_count**power
    return np.bincount(ev, weights=weight, minlength=size)


# --------------------------------------------------------------------------------------
# Percent agreement
# --------------------------------------------------------------------------------------


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
    return _percent_agreement(_prepare(df), None, method=method)


def _percent_agreement(
    r: _Ratings, mult: np.ndarray | None, method: str = "pairwise"
) -> Coefficient:
    if method not in ("pairwise", "unanimous"):
        raise ValueError(f"method must be 'pairwise' or 'unanimous', not {method!r}")
    name = f"Percent agreement ({method})"
    mult = _mult(r, mult)
    pairable = _pairable(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return _undefined(name, r, _no_pairs_reason(r))
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


# --------------------------------------------------------------------------------------
# Two coders: Cohen's kappa and Scott's pi
# --------------------------------------------------------------------------------------


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
    return _cohen_kappa(_prepare(df), None, weights=weights, categories=categories)


def scott_pi(df: pd.DataFrame) -> Coefficient:
    """Scott's pi (1955) for exactly two coders.

    Only the units rated by both coders count. Unlike Cohen's kappa, chance agreement
    comes from the two coders' pooled distribution of values. Fleiss' kappa
    (`fleiss_kappa`) is its generalisation to any number of coders; on complete
    two-coder data the two are equal. Undefined cases as for `cohen_kappa`.
    """
    return _scott_pi(_prepare(df), None)


def _check_two_coders(r: _Ratings, name: str) -> None:
    if r.n_coders > 2:
        raise ValueError(
            f"{name} compares exactly two coders, and these ratings come from "
            f"{r.n_coders}; use fleiss_kappa or krippendorff_alpha for all of them "
            "at once, or pairwise_matrix for each pair"
        )


def _two_coder_table(
    r: _Ratings, mult: np.ndarray, position: np.ndarray, size: int
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
    r: _Ratings,
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
        return _undefined(
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


def _cohen_kappa(
    r: _Ratings,
    mult: np.ndarray | None,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    name = "Cohen's kappa" if weights is None else f"Cohen's weighted kappa ({weights})"
    _check_two_coders(r, "Cohen's kappa")
    ordered, position = _ordering(r, categories) if r.values else ([], np.empty(0, np.int64))
    if r.n_coders < 2:
        return _undefined(name, r, _no_pairs_reason(r))
    mult = _mult(r, mult)
    size = len(ordered)
    table, n_both = _two_coder_table(r, mult, position, size)
    details: dict[str, Any] = {"coders": list(r.coders), "categories": ordered}
    if n_both == 0:
        return _undefined(name, r, "The two coders rated no unit in common.", 0, details)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    index = np.arange(size)
    gap = np.abs(index[:, None] - index[None, :]).astype(np.float64)
    disagreement = {None: (gap > 0).astype(np.float64), "linear": gap, "quadratic": gap**2}[weights]
    return _chance_corrected(name, r, table, expected, disagreement, n_both, details)


def _scott_pi(r: _Ratings, mult: np.ndarray | None) -> Coefficient:
    name = "Scott's pi"
    _check_two_coders(r, "Scott's pi")
    if r.n_coders < 2:
        return _undefined(name, r, _no_pairs_reason(r))
    mult = _mult(r, mult)
    size = len(r.values)
    table, n_both = _two_coder_table(r, mult, np.arange(size), size)
    details: dict[str, Any] = {"coders": list(r.coders)}
    if n_both == 0:
        return _undefined(name, r, "The two coders rated no unit in common.", 0, details)
    pooled = (table.sum(axis=1) + table.sum(axis=0)) / (2 * table.sum())
    expected = np.outer(pooled, pooled) * table.sum()
    disagreement = 1.0 - np.eye(size)
    return _chance_corrected(name, r, table, expected, disagreement, n_both, details)


# --------------------------------------------------------------------------------------
# Any number of coders: Fleiss' kappa, Gwet's AC1 and AC2
# --------------------------------------------------------------------------------------

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
    return _gwet_family(_prepare(df), None, chance="fleiss")


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
    return _gwet_family(
        _prepare(df), None, chance="gwet", weights="identity", categories=categories
    )


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
    return _gwet_family(_prepare(df), None, chance="gwet", weights=weights, categories=categories)


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


def _gwet_family(
    r: _Ratings,
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
    mult = _mult(r, mult)
    unweighted = chance == "fleiss" or (isinstance(weights, str) and weights == "identity")
    if unweighted and categories is None and r.declared is None:
        # Order does not matter without weights, and set values have none to sort by.
        ordered, position = list(r.values), np.arange(len(r.values))
    elif chance == "fleiss":
        ordered, position = list(r.values), np.arange(len(r.values))
    elif r.values or categories is not None:
        ordered, position = _ordering(r, categories)
    else:
        ordered, position = [], np.empty(0, np.int64)
    q = len(ordered)
    details: dict[str, Any] = {"variant": _GWET_VARIANT, "categories": ordered}
    pairable = _pairable(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return _undefined(name, r, _no_pairs_reason(r), 0, details)
    if chance == "gwet" and q < 2:
        return _undefined(
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
        agreeing = _unit_pair_sum(r, pairable, w, position)
    m_safe = np.where(pairable, r.m, 2.0)
    per_unit = np.where(pairable, (agreeing - r.m) / (m_safe * (m_safe - 1)), 0.0)
    p_a = float((mult * per_unit).sum() / mult[pairable].sum())
    rated = mult > 0
    share = np.where(rated, mult / np.where(r.m > 0, r.m, 1.0), 0.0)
    pi = _diagonal_sum(r, share, position, q, power=1) / mult[rated].sum()
    if chance == "fleiss":
        p_e = float(pi @ w @ pi)
    else:
        p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    details.update(p_a=p_a, p_e=p_e, category_shares=dict(zip(ordered, pi.tolist(), strict=True)))
    # Tested on the shares, not on p_e == 1, which rounding can miss by an ulp.
    if (chance == "fleiss" and (pi > 0).sum() <= 1) or p_e >= 1:
        return _undefined(
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


# --------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------


def krippendorff_alpha(
    df: pd.DataFrame,
    level: Level = "nominal",
    distance: SetDistance | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    """Krippendorff's alpha for any number of coders and missing ratings.

    α = 1 − D_o / D_e = 1 − (n − 1) Σ o_ck δ_ck / Σ n_c n_k δ_ck, where o is the
    coincidence matrix of the units rated by two or more coders (each unit's m_u
    ratings give m_u(m_u − 1) ordered pairs, each weighing 1/(m_u − 1)), n_c its
    marginals and n the number of pairable values (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability"). Units rated once are left out entirely.

    ``level`` picks δ: ``"nominal"`` (0 if equal, else 1), ``"ordinal"`` (from the
    marginal frequencies between the two ranks; order from ``categories``, else a
    pandas Categorical's declared order, else the sorted values), ``"interval"``
    ((c − k)², numbers only) or ``"ratio"`` (((c − k)/(c + k))², numbers only).

    ``distance="masi"`` or ``"jaccard"`` is for set-valued codes (frozensets):
    δ = 1 − |A∩B|/|A∪B| (Jaccard) or 1 − J·M (MASI, Passonneau 2006: M = 1 for equal
    sets, 2/3 when one contains the other, 1/3 when they only overlap, 0 when
    disjoint). Two empty sets are at distance 0 under both (nltk divides by zero
    there). The distances are computed once per pair of distinct sets that occur.

    Undefined (NaN) when no unit was rated twice, or when D_e = 0: every pairable
    value is the same, so there is no variation to measure agreement against.
    ``details`` holds ``n_pairable_values`` (n), ``observed_disagreement`` and
    ``expected_disagreement``.
    """
    return _krippendorff_alpha(
        _prepare(df), None, level=level, distance=distance, categories=categories
    )


def _set_distances(sets: list[Any], kind: str) -> np.ndarray:
    """Distances between the distinct sets that occur, from their membership matrix."""
    bad = [s for s in sets if not isinstance(s, frozenset)]
    if bad:
        raise ValueError(f"a {kind.upper()} distance needs set values (frozensets); got {bad[0]!r}")
    members = pd.Index([code for s in sets for code in s]).unique() if sets else pd.Index([])
    where = {code: i for i, code in enumerate(members)}
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    cols = np.array([where[code] for s in sets for code in s], dtype=np.int64)
    membership = np.zeros((len(sets), len(members)))
    membership[rows, cols] = 1.0
    inter = membership @ membership.T
    size = membership.sum(axis=1)
    union = size[:, None] + size[None, :] - inter
    # Two empty sets are the same answer, so their similarity is 1, not 0/0.
    jaccard = np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
    if kind == "jaccard":
        return 1.0 - jaccard
    equal = (inter == size[:, None]) & (inter == size[None, :])
    nested = inter == np.minimum(size[:, None], size[None, :])
    monotonicity = np.where(equal, 1.0, np.where(nested, 2 / 3, np.where(inter > 0, 1 / 3, 0.0)))
    return 1.0 - jaccard * monotonicity


def _krippendorff_alpha(
    r: _Ratings,
    mult: np.ndarray | None,
    level: str = "nominal",
    distance: str | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"level must be nominal, ordinal, interval or ratio, not {level!r}")
    if distance not in (None, "masi", "jaccard"):
        raise ValueError(f"distance must be None, 'masi' or 'jaccard', not {distance!r}")
    if distance is not None and level != "nominal":
        raise ValueError("give either a level or a set distance, not both")
    name = f"Krippendorff's alpha ({distance.upper() if distance else level})"
    if distance == "jaccard":
        name = "Krippendorff's alpha (Jaccard)"
    mult = _mult(r, mult)
    details: dict[str, Any] = {"level": level, "distance": distance}
    if level in ("interval", "ratio"):
        bad = [v for v in r.values if not isinstance(v, numbers.Real) or isinstance(v, bool)]
        if bad:
            raise ValueError(f"{level} alpha needs numbers; got {bad[0]!r}")
    if level == "ordinal" and r.values:
        ordered, position = _ordering(r, categories)
    else:
        ordered, position = list(r.values), np.arange(len(r.values))
    size = len(ordered)
    pairable = _pairable(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return _undefined(name, r, _no_pairs_reason(r), 0, details)
    m_safe = np.where(pairable, r.m, 2.0)
    unit_weight = np.where(pairable, mult / (m_safe - 1), 0.0)
    # Row sums of the coincidence matrix: the pairable values of each category.
    n_c = _diagonal_sum(r, unit_weight * (m_safe - 1), position, size, power=1)
    n = float(n_c.sum())
    if level == "nominal" and distance is None:
        # δ = [c ≠ k] needs only each unit's count of disagreeing pairs, m² − Σ_c n_uc²,
        # not the coincidence matrix; whole numbers, so full agreement gives exactly 0.
        squares = np.bincount(r.e_unit, weights=r.e_count**2, minlength=r.n_units)
        observed = float((unit_weight * (r.m * r.m - squares)).sum())
        expected = (n * n - float((n_c * n_c).sum())) / (n - 1)
    else:
        o = _pair_sum(r, unit_weight, position, size)
        o[np.diag_indices(size)] -= _diagonal_sum(r, unit_weight, position, size, power=1)
        if distance is not None:
            delta = _set_distances(list(r.values), distance)
        elif level == "ordinal":
            cumulative = np.cumsum(n_c)
            lo = np.minimum.outer(np.arange(size), np.arange(size))
            hi = np.maximum.outer(np.arange(size), np.arange(size))
            between = cumulative[hi] - cumulative[lo] + n_c[lo]
            delta = (between - (n_c[:, None] + n_c[None, :]) / 2) ** 2
        else:
            x = np.array(ordered, dtype=np.float64)
            diff = x[:, None] - x[None, :]
            if level == "interval":
                delta = diff**2
            else:
                total = x[:, None] + x[None, :]
                delta = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0) ** 2
        observed = float((o * delta).sum())
        expected = float((np.outer(n_c, n_c) * delta).sum()) / (n - 1)
    details.update(
        n_pairable_values=n,
        observed_disagreement=observed / n,
        expected_disagreement=expected / n,
    )
    if expected <= 0 or not math.isfinite(expected):
        return _undefined(
            name,
            r,
            "Every pairable rating has the same value, so there is no variation to "
            "measure agreement against (expected disagreement is 0).",
            n_pairable,
            details,
        )
    return Coefficient(
        name=name,
        value=1.0 - observed / expected,
        n_units=r.n_units,
        n_pairable=n_pairable,
        n_coders=r.n_coders,
        details=details,
    )


def per_code_alpha(df: pd.DataFrame, codes: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """One binary nominal alpha per code of a multi-choice field, least reliable first.

    Each rating (a frozenset of codes) is read, for each code, as "present" or
    "absent", and Krippendorff's nominal alpha is computed on those binary values over
    the same units as `krippendorff_alpha`. ``codes`` adds codes nobody used (their
    alpha is undefined).

    Returns a DataFrame with the columns ``code``, ``alpha`` (NaN where undefined),
    ``prevalence`` (share of all ratings that include the code), ``n_present``
    (number of ratings that include it), ``n_pairable`` (units rated ≥ 2 times),
    ``interpretation`` and ``reason``; sorted by alpha ascending, undefined codes last,
    ties in the order of ``codes`` and then of the other codes sorted.
    """
    r = _prepare(df)
    sets = r.values
    bad = [s for s in sets if not isinstance(s, frozenset)]
    if bad:
        raise ValueError(f"per-code alpha needs set values (frozensets); got {bad[0]!r}")
    # A frozenset iterates in hash order, which for strings changes from run to run;
    # a fixed order of codes keeps ties in the result in the same order every time.
    seen: list[Any] = list(pd.unique(pd.Series([c for s in sets for c in s], dtype=object)))
    with contextlib.suppress(TypeError):  # codes of mixed types keep first-seen order
        seen = sorted(seen)
    given = list(dict.fromkeys(codes)) if codes is not None else []
    listed = set(given)
    members = given + [c for c in seen if c not in listed]
    where = {code: i for i, code in enumerate(members)}
    k = len(members)
    set_size = np.array([len(s) for s in sets], dtype=np.int64)
    set_codes = np.array([where[c] for s in sets for c in s], dtype=np.int64)
    set_first = np.cumsum(set_size) - set_size

    # Expand the unit × set count table into unit × code counts a_uk, sparsely.
    size_e = set_size[r.e_value] if len(sets) else np.zeros(0, np.int64)
    rep = np.repeat(np.arange(len(r.e_unit)), size_e)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(size_e) - size_e, size_e)
    code = set_codes[set_first[r.e_value[rep]] + offset]
    key, inverse = np.unique(r.e_unit[rep] * max(k, 1) + code, return_inverse=True)
    a = np.bincount(inverse, weights=r.e_count[rep], minlength=len(key))
    a_unit, a_code = key // max(k, 1), key % max(k, 1)

    value_counts = np.bincount(r.value, minlength=len(sets)).astype(np.float64)
    n_present = np.bincount(set_codes, weights=np.repeat(value_counts, set_size), minlength=k)
    pairable = r.m >= 2
    n = float(r.m[pairable].sum())
    p = pairable[a_unit]
    m_u = r.m[a_unit[p]]
    n1 = np.bincount(a_code[p], weights=a[p], minlength=k)
    o01 = np.bincount(a_code[p], weights=a[p] * (m_u - a[p]) / (m_u - 1), minlength=k)
    n0 = n - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where((n1 > 0) & (n0 > 0), 1.0 - (n - 1) * o01 / (n1 * n0), np.nan)
    if not pairable.any():
        reasons = [_no_pairs_reason(r)] * k
    else:
        reasons = [
            None
            if not math.isnan(x)
            else (
                "No pairable rating includes this code."
                if n1[i] == 0
                else "Every pairable rating includes this code."
            )
            for i, x in enumerate(alpha)
        ]
    result = pd.DataFrame(
        {
            "code": list(members),
            "alpha": alpha,
            "prevalence": n_present / r.n_ratings if r.n_ratings else np.full(k, np.nan),
            "n_present": n_present.astype(np.int64),
            "n_pairable": int(pairable.sum()),
            "interpretation": [interpret_alpha(x) for x in alpha],
            "reason": reasons,
        }
    )
    return result.sort_values("alpha", na_position="last", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Bootstrap, pairwise matrix, interpretation
# --------------------------------------------------------------------------------------

_INTERNAL: dict[Callable[..., Coefficient], Callable[..., Coefficient]] = {
    percent_agreement: _percent_agreement,
    cohen_kappa: _cohen_kappa,
    scott_pi: _scott_pi,
    fleiss_kappa: lambda r, mult: _gwet_family(r, mult, chance="fleiss"),
    gwet_ac1: lambda r, mult, categories=None: _gwet_family(
        r, mult, chance="gwet", weights="identity", categories=categories
    ),
    gwet_ac2: lambda r, mult, weights="quadratic", categories=None: _gwet_family(
        r, mult, chance="gwet", weights=weights, categories=categories
    ),
    krippendorff_alpha: _krippendorff_alpha,
}


def _resampled_table(r: _Ratings, drawn: np.ndarray) -> pd.DataFrame:
    """The ratings of the drawn units, a unit drawn twice becoming two units."""
    order = np.argsort(r.unit, kind="stable")
    counts = r.m.astype(np.int64)
    starts = np.cumsum(counts) - counts
    lengths = counts[drawn]
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = order[np.repeat(starts[drawn], lengths) + offset]
    values = np.empty(len(r.values), dtype=object)
    values[:] = r.values
    value = pd.Series(values[r.value[rows]])
    if isinstance(r.value_dtype, pd.CategoricalDtype):
        value = value.astype(r.value_dtype)
    coders = np.empty(len(r.coders), dtype=object)
    coders[:] = r.coders
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(len(drawn)), lengths),
            "coder": coders[r.coder[rows]],
            "value": value,
        }
    )


def bootstrap_ci(
    df: pd.DataFrame,
    statistic: Callable[..., Coefficient],
    *,
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    **kwargs: Any,
) -> Coefficient:
    """The statistic with a percentile bootstrap interval in ``ci``.

    Each draw resamples the units with replacement (a numpy Generator seeded with
    ``seed``; a unit drawn twice counts as two units), keeping all of a unit's ratings
    together, and recomputes the statistic; ``ci`` holds the (1 − level)/2 and
    (1 + level)/2 quantiles of the defined draws. Units, not single ratings, are
    resampled because they are the independent observations; this is the approach of
    Krippendorff & Hayes for alpha's sampling distribution, though their KALPHA macro
    resamples pairable values instead, so its intervals differ slightly.

    The statistics of this module are recomputed from unit weights without rebuilding
    a table; any other callable taking (df, **kwargs) gets a resampled DataFrame, with
    the same draws. ``details`` records the draws, the level and how many draws were
    undefined. A point estimate that is undefined comes back with ``ci=None``.

    ``level`` is the confidence level, so alpha's own ``level`` cannot go through
    ``**kwargs``: pass ``functools.partial(krippendorff_alpha, level="ordinal")``.
    """
    if not isinstance(draws, numbers.Integral) or draws < 1:
        raise ValueError("draws must be a positive whole number")
    if not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(
            "level is the confidence level, between 0 and 1 (e.g. 0.95); to bootstrap "
            "an ordinal alpha pass functools.partial(krippendorff_alpha, level='ordinal')"
        )
    r = _prepare(df)
    if isinstance(statistic, functools.partial) and statistic.func in _INTERNAL:
        # A partial of one of ours still gets the fast path, with its arguments.
        kwargs = {**statistic.keywords, **kwargs}
        if statistic.args:
            raise ValueError("give the statistic's options by keyword in functools.partial")
        statistic = statistic.func
    internal = _INTERNAL.get(statistic)
    point = internal(r, None, **kwargs) if internal else statistic(df, **kwargs)
    if not point.defined:
        return point
    rng = np.random.default_rng(seed)
    estimates = np.empty(draws)
    for b in range(draws):
        drawn = rng.integers(0, r.n_units, size=r.n_units)
        if internal:
            mult = np.bincount(drawn, minlength=r.n_units).astype(np.float64)
            estimates[b] = internal(r, mult, **kwargs).value
        else:
            estimates[b] = statistic(_resampled_table(r, drawn), **kwargs).value
    defined = estimates[np.isfinite(estimates)]
    details = {
        **point.details,
        "ci_method": "percentile bootstrap, units resampled with replacement",
        "ci_level": level,
        "draws": draws,
        "undefined_draws": int(draws - len(defined)),
        "seed": seed,
    }
    if len(defined) == 0:
        return dataclasses.replace(point, ci=None, details=details)
    tail = (1 - level) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return dataclasses.replace(point, ci=(float(low), float(high)), details=details)


def pairwise_matrix(
    df: pd.DataFrame,
    statistic: Callable[..., Coefficient] = cohen_kappa,
    **kwargs: Any,
) -> pd.DataFrame:
    """A coder × coder table of the statistic computed on each pair of coders.

    Each cell uses only the two coders' ratings (so, for kappa, the units both rated).
    The table is symmetric; the diagonal is NaN (a coder is not compared with
    themselves), and so is a pair that shares no unit.
    """
    coders = _prepare(df).coders  # validates the table once, not once per pair
    df = df.loc[df["value"].notna()]
    index = pd.Index(coders, name="coder")
    table = pd.DataFrame(np.nan, index=index, columns=index.rename("other coder"))
    by_coder = {c: part for c, part in df.groupby("coder", sort=False)}
    for i, a in enumerate(coders):
        for b in coders[i + 1 :]:
            pair = pd.concat([by_coder[a], by_coder[b]], ignore_index=True)
            value = statistic(pair, **kwargs).value
            table.iloc[i, coders.index(b)] = value
            table.iloc[coders.index(b), i] = value
    return table


def interpret_alpha(value: float | Coefficient) -> str:
    """A plain-language reading of alpha with Krippendorff's (2004) thresholds.

    α ≥ .800: reliable; .667 ≤ α < .800: good enough for tentative conclusions only;
    α < .667: unreliable. NaN: undefined.
    """
    if isinstance(value, Coefficient):
        value = value.value
    if value is None or math.isnan(value):
        return "undefined: there is nothing to measure agreement on"
    if value >= 0.800:
        return f"reliable (α = {value:.3f} ≥ .800)"
    if value >= 0.667:
        return f"tentative conclusions only (.667 ≤ α = {value:.3f} < .800)"
    return f"unreliable (α = {value:.3f} < .667): do not draw conclusions from these codes"
