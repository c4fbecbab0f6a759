"""One-vs-rest linear SVM (squared hinge, L2) trained by dual coordinate descent.

The same problem scikit-learn's LinearSVC solves (liblinear's solver, with the bias as
a feature of value one), written in numpy so that the app ships no scipy or
scikit-learn: each step updates one recommendation's dual variables for every code at
once, so an epoch is one pass of small vector operations.
"""

from __future__ import annotations

import numpy as np

from annotator.suggestions.vectors import Rows


def train_svm(
    rows: Rows, labels: np.ndarray, size: int, *, c: float = 1.0, epochs: int = 6, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (size x codes) and biases for 0/1 ``labels`` (rows x codes)."""
    count, codes = labels.shape
    weights = np.zeros((size, codes), dtype=np.float64)
    bias = np.zeros(codes, dtype=np.float64)
    if count == 0:
        return weights.astype(np.float32), bias.astype(np.float32)
    alpha = np.zeros((count, codes), dtype=np.float64)
    signs = labels.astype(np.float64) * 2.0 - 1.0
    diagonal = 1.0 / (2.0 * c)
    data = rows.data.astype(np.float64)
    lengths = np.diff(rows.indptr)
    squares = np.zeros(count)
    filled = lengths > 0
    if filled.any():
        squares[filled] = np.add.reduceat(data * data, rows.indptr[:-1][filled])
    q = squares + 1.0 + diagonal
    indptr, indices = rows.indptr, rows.indices
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for i in rng.permutation(count):
            start, end = indptr[i], indptr[i + 1]
            cols, values = indices[start:end], data[start:end]
            sign, old = signs[i], alpha[i]
            gradient = sign * (values @ weights[cols] + bias) - 1.0 + old * diagonal
            new = np.maximum(old - gradient / q[i], 0.0)
            step = (new - old) * sign
            alpha[i] = new
            weights[cols] += np.outer(values, step)
            bias += step
    return weights.astype(np.float32), bias.astype(np.float32)
