"""The result type, and the ratings table every coefficient starts from."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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


@dataclass(frozen=True)
class Ratings:
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


def prepare(df: pd.DataFrame) -> Ratings:
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
    return Ratings(
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


def unit_counts(r: Ratings, mult: np.ndarray | None) -> np.ndarray:
    """How many times each unit counts: 1 normally, its draw count in a bootstrap."""
    return np.ones(r.n_units) if mult is None else mult


def pairable_units(r: Ratings, mult: np.ndarray) -> np.ndarray:
    return (r.m >= 2) & (mult > 0)


def undefined_coefficient(
    name: str,
    r: Ratings,
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


def no_pairs_reason(r: Ratings) -> str:
    if r.n_ratings == 0:
        return "There are no ratings."
    if r.n_coders < 2:
        return "Only one coder has rated; agreement needs at least two coders."
    return "No unit was rated by two or more coders, so there is nothing to compare."


def ordering(r: Ratings, categories: Sequence[Any] | None) -> tuple[list[Any], np.ndarray]:
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
