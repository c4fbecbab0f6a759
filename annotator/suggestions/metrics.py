"""The figures the suggester is judged by (tests/benchmarks/bench_suggestions.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    micro_f1: float
    macro_f1: float
    recall_at_5: float


def evaluate(truth: np.ndarray, chosen: np.ndarray, scores: np.ndarray, k: int = 5) -> Scores:
    """Micro- and macro-F1 of 0/1 ``chosen`` against 0/1 ``truth`` (rows x codes), and the
    mean share of each row's true codes among its ``k`` best ``scores``. Macro-F1
    averages over the codes that occur in the truth or the predictions (as
    scikit-learn does with ``zero_division=0`` over the codes a test set uses)."""
    truth = truth.astype(bool)
    chosen = chosen.astype(bool)
    tp = (truth & chosen).sum(axis=0).astype(float)
    fp = (~truth & chosen).sum(axis=0).astype(float)
    fn = (truth & ~chosen).sum(axis=0).astype(float)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1.0)
    denominators = 2 * tp + fp + fn
    per_code = np.divide(2 * tp, denominators, out=np.zeros_like(tp), where=denominators > 0)
    macro = float(per_code.mean()) if len(per_code) else 0.0
    recall = recall_at(truth, scores, k)
    return Scores(float(micro), macro, recall)


def recall_at(truth: np.ndarray, scores: np.ndarray, k: int = 5) -> float:
    """Mean over rows with a true code of the share of them among the ``k`` best scores."""
    truth = truth.astype(bool)
    counted = truth.sum(axis=1) > 0
    if not counted.any():
        return 0.0
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(truth, best, axis=1).sum(axis=1)
    return float((hits[counted] / truth.sum(axis=1)[counted]).mean())
