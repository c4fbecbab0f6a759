"""Bootstrap confidence intervals for any coefficient of the package."""

from __future__ import annotations

import dataclasses
import functools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from annotator.reliability.agreement import percent_agreement, percent_agreement_of_ratings
from annotator.reliability.alpha import krippendorff_alpha, krippendorff_alpha_of_ratings
from annotator.reliability.many_coders import fleiss_kappa, gwet_ac1, gwet_ac2, gwet_family
from annotator.reliability.ratings import Coefficient, Ratings, prepare
from annotator.reliability.two_coders import (
    cohen_kappa,
    cohen_kappa_of_ratings,
    scott_pi,
    scott_pi_of_ratings,
)

_INTERNAL: dict[Callable[..., Coefficient], Callable[..., Coefficient]] = {
    percent_agreement: percent_agreement_of_ratings,
    cohen_kappa: cohen_kappa_of_ratings,
    scott_pi: scott_pi_of_ratings,
    fleiss_kappa: lambda r, mult: gwet_family(r, mult, chance="fleiss"),
    gwet_ac1: lambda r, mult, categories=None: gwet_family(
        r, mult, chance="gwet", weights="identity", categories=categories
    ),
    gwet_ac2: lambda r, mult, weights="quadratic", categories=None: gwet_family(
        r, mult, chance="gwet", weights=weights, categories=categories
    ),
    krippendorff_alpha: krippendorff_alpha_of_ratings,
}


def _resampled_table(r: Ratings, drawn: np.ndarray) -> pd.DataFrame:
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
    r = prepare(df)
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
