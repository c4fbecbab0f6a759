"""Text similarity between recommendations: a small TF-IDF cosine on numpy.

Hand-written rather than scikit-learn's because scikit-learn is only a test extra, and
this needs no download and no model file: a review has a few hundred recommendations,
so the whole matrix is small and fitting it takes milliseconds. Words are lower-cased,
stop words and very short tokens dropped, and word pairs (bigrams) added so that
"death penalty" weighs more than "death" and "penalty" apart.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

# Words every recommendation uses ("ensure", "continue"): they would make unrelated
# recommendations look alike.
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "with",
        "all",
        "any",
        "other",
        "such",
        "which",
        "who",
        "also",
        "more",
        "further",
        "continue",
        "continued",
        "ensure",
        "take",
        "measures",
        "steps",
        "necessary",
        "efforts",
        "effort",
        "its",
        "including",
        "include",
        "consider",
        "state",
        "country",
        "national",
        "government",
    ]
)
_WORD = re.compile(r"[a-z][a-z'-]+")


def tokens(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.casefold()) if len(w) > 2 and w not in STOP]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class TfIdf:
    """Unit-length TF-IDF vectors of a fixed set of texts, and of new texts on that vocabulary."""

    def __init__(self, texts: Sequence[str]) -> None:
        counted = [Counter(tokens(t)) for t in texts]
        df: Counter[str] = Counter()
        for c in counted:
            df.update(c.keys())
        self.vocabulary = {term: i for i, term in enumerate(sorted(df))}
        n = max(len(texts), 1)
        self.idf = np.array(
            [np.log((1 + n) / (1 + df[t])) + 1 for t in sorted(df)], dtype=np.float32
        )
        self.matrix = self._vectors(counted)

    def _vectors(self, counted: Sequence[Counter[str]]) -> np.ndarray:
        out = np.zeros((len(counted), len(self.vocabulary)), dtype=np.float32)
        for row, c in enumerate(counted):
            for term, k in c.items():
                col = self.vocabulary.get(term)
                if col is not None:
                    out[row, col] = 1 + np.log(k)  # sublinear: a repeated word counts less
        out *= self.idf
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors([Counter(tokens(t)) for t in texts])


def cosine(queries: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Similarity from 0 (no word shared) to 1 (same words), queries x candidates."""
    return np.clip(queries @ matrix.T, 0.0, 1.0)
