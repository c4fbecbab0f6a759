"""Sums over the pairs of values within each unit, chunked so memory stays flat."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from annotator.reliability.ratings import Ratings

# Above this many (unit, value, value) triples the coincidences are summed chunk by chunk,
# so memory stays flat however many units there are.
_PAIR_CHUNK = 1 << 20


def _pairs(
    r: Ratings, units: np.ndarray
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


def pair_sum(
    r: Ratings, unit_weight: np.ndarray, position: np.ndarray | None, size: int
) -> np.ndarray:
    """Σ_u w_u · n_u n_uᵀ: a size × size matrix, n_u being unit u's value counts."""
    ev = r.e_value if position is None else position[r.e_value]
    out = np.zeros(size * size)
    for unit, i, j, product in _pairs(r, unit_weight != 0):
        out += np.bincount(
            ev[i] * size + ev[j], weights=unit_weight[unit] * product, minlength=size * size
        )
    return out.reshape(size, size)


def unit_pair_sum(
    r: Ratings, units: np.ndarray, weights: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """For each unit, Σ_kl w_kl · n_uk n_ul: its weighted count of agreeing pairs."""
    ev = position[r.e_value]
    out = np.zeros(r.n_units)
    for unit, i, j, product in _pairs(r, units):
        out += np.bincount(unit, weights=weights[ev[i], ev[j]] * product, minlength=r.n_units)
    return out


def diagonal_sum(
    r: Ratings, unit_weight: np.ndarray, position: np.ndarray | None, size: int, power: int
) -> np.ndarray:
    """Σ_u w_u · n_uc^power for each value c: the cheap part of `pair_sum`."""
    ev = r.e_value if position is None else position[r.e_value]
    weight = unit_weight[r.e_unit] * r.e_count**power
    return np.bincount(ev, weights=weight, minlength=size)
