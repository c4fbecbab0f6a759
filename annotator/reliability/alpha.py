"""Krippendorff's alpha, per code, and its plain-language reading."""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from annotator.reliability.pairs import diagonal_sum, pair_sum
from annotator.reliability.ratings import (
    Coefficient,
    Ratings,
    no_pairs_reason,
    ordering,
    pairable_units,
    prepare,
    undefined_coefficient,
    unit_counts,
)

Level = Literal["nominal", "ordinal", "interval", "ratio"]
SetDistance = Literal["masi", "jaccard"]


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
    return krippendorff_alpha_of_ratings(
        prepare(df), None, level=level, distance=distance, categories=categories
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


def krippendorff_alpha_of_ratings(
    r: Ratings,
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
    mult = unit_counts(r, mult)
    details: dict[str, Any] = {"level": level, "distance": distance}
    if level in ("interval", "ratio"):
        bad = [v for v in r.values if not isinstance(v, numbers.Real) or isinstance(v, bool)]
        if bad:
            raise ValueError(f"{level} alpha needs numbers; got {bad[0]!r}")
    if level == "ordinal" and r.values:
        ordered, position = ordering(r, categories)
    else:
        ordered, position = list(r.values), np.arange(len(r.values))
    size = len(ordered)
    pairable = pairable_units(r, mult)
    n_pairable = int(pairable.sum())
    if n_pairable == 0:
        return undefined_coefficient(name, r, no_pairs_reason(r), 0, details)
    m_safe = np.where(pairable, r.m, 2.0)
    unit_weight = np.where(pairable, mult / (m_safe - 1), 0.0)
    # Row sums of the coincidence matrix: the pairable values of each category.
    n_c = diagonal_sum(r, unit_weight * (m_safe - 1), position, size, power=1)
    n = float(n_c.sum())
    if level == "nominal" and distance is None:
        # δ = [c ≠ k] needs only each unit's count of disagreeing pairs, m² − Σ_c n_uc²,
        # not the coincidence matrix; whole numbers, so full agreement gives exactly 0.
        squares = np.bincount(r.e_unit, weights=r.e_count**2, minlength=r.n_units)
        observed = float((unit_weight * (r.m * r.m - squares)).sum())
        expected = (n * n - float((n_c * n_c).sum())) / (n - 1)
    else:
        o = pair_sum(r, unit_weight, position, size)
        o[np.diag_indices(size)] -= diagonal_sum(r, unit_weight, position, size, power=1)
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
        return undefined_coefficient(
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
    r = prepare(df)
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
    reasons: list[str | None]
    if not pairable.any():
        reasons = [no_pairs_reason(r)] * k
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


# Fewer compared recommendations than this and alpha is not read at all: on a handful
# of units one disagreement swings it across every threshold (two coders sharing one
# recommendation get 0.000 whatever they did). Ten is the least a reader of a
# reliability figure would accept; the report still calls figures on fewer than 30 rough.
MIN_UNITS_FOR_ALPHA = 10


def too_few_units(n_units: int) -> bool:
    """Whether alpha on ``n_units`` compared recommendations is too few to measure."""
    return n_units < MIN_UNITS_FOR_ALPHA


def too_few_reading(n_units: int) -> str:
    """What an alpha on too few recommendations reads, with the count, instead of a verdict."""
    noun = "recommendation" if n_units == 1 else "recommendations"
    return f"Too few to measure ({n_units} {noun}; alpha needs at least {MIN_UNITS_FOR_ALPHA})"


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
