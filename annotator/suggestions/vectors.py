"""Text to TF-IDF vectors in plain numpy: a fixed vocabulary of words and word pairs.

Sparse rows are kept as CSR arrays (``indptr``, ``indices``, ``data``) so that no
scipy is needed at run time (see docs/suggestions.md for why).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Words (two letters or more, lower case) and adjacent word pairs."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass
class Rows:
    """A batch of sparse rows (CSR): row i is ``indices/data[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: np.ndarray) -> Rows:
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        pick = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        pick = pick.astype(np.int64) if len(pick) else np.zeros(0, np.int64)
        return Rows(indptr, self.indices[pick], self.data[pick])

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """This batch times a dense (vocabulary x codes) matrix."""
        out = np.zeros((len(self), weights.shape[1]), dtype=np.float32)
        filled = np.diff(self.indptr) > 0
        if filled.any():
            contrib = weights[self.indices].astype(np.float32) * self.data[:, None]
            out[filled] = np.add.reduceat(contrib, self.indptr[:-1][filled], axis=0)
        return out

    def tdot(self, dense: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Transpose of this batch times ``dense`` (rows x codes), only the vocabulary
        entries the batch uses: (their indices, their rows of the product)."""
        used, inverse = np.unique(self.indices, return_inverse=True)
        contrib = dense[self.row_ids()] * self.data[:, None]
        order = np.argsort(inverse, kind="stable")
        inv_sorted = inverse[order]
        starts = np.flatnonzero(np.r_[True, inv_sorted[1:] != inv_sorted[:-1]])
        sums = np.add.reduceat(contrib[order], starts, axis=0) if len(order) else contrib
        return used, sums


@dataclass
class Vocabulary:
    """The terms kept and their inverse document frequencies (smoothed, as scikit-learn's)."""

    terms: list[str]
    idf: np.ndarray

    def __post_init__(self) -> None:
        self._index = {t: i for i, t in enumerate(self.terms)}

    @classmethod
    def fit(cls, texts: Sequence[str], max_terms: int = 40000, min_df: int = 2) -> Vocabulary:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(terms(text)))
        kept = [t for t, n in df.items() if n >= min_df]
        kept.sort(key=lambda t: (-df[t], t))
        kept = sorted(kept[:max_terms])
        n = len(texts)
        idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float32)
        return cls(kept, idf)

    def transform(self, texts: Iterable[str]) -> Rows:
        """Sublinear TF-IDF rows, each scaled to unit length."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        index = self._index
        for text in texts:
            counts = Counter(index[t] for t in terms(text) if t in index)
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (1.0 + np.log(tf)) * self.idf[cols]
            norm = float(np.sqrt((weights * weights).sum()))
            if norm > 0:
                weights = weights / norm
            indices.extend(cols.tolist())
            data.extend(weights.tolist())
            indptr.append(len(indices))
        return Rows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(data, dtype=np.float32),
        )
