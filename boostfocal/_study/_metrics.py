r"""Scores of one set of predictions: ranking metrics on the model's probabilities, probability
metrics (Brier score, log loss) on the posterior estimates.

Labels are codes ``0..K-1``; probabilities have shape (n, K). Binary metrics use column 1
(the positive class); multiclass ranking metrics are the macro one-vs-rest averages.

Multi-label (labels an (n, K) 0/1 indicator, probabilities (n, K) of each label's positive
value): every metric is the per-label binary metric averaged over the K labels with equal
weight (macro), each with the sample weights:

* average precision, ROC AUC, recall at precision: :math:`\frac{1}{K}\sum_l M(y_{\cdot l}, p_{\cdot l})`;
* Brier score: :math:`\frac{1}{K}\sum_l \frac{\sum_i w_i (p_{il} - y_{il})^2}{\sum_i w_i}`;
* log loss: :math:`-\frac{1}{K}\sum_l \frac{\sum_i w_i [y_{il} \log p_{il} + (1 - y_{il})
  \log(1 - p_{il})]}{\sum_i w_i}` (probabilities clipped to [1e-15, 1 - 1e-15]), on each
  label's posterior estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "METRICS",
    "HIGHER_IS_BETTER",
    "BOUNDS",
    "RANKING_METRICS",
    "score_all",
    "score_one",
    "recall_at_precision",
    "threshold_at_precision",
]

#: Every metric the study reports, the primary one first by default.
METRICS = ("average_precision", "roc_auc", "recall_at_precision", "brier", "log_loss")
#: Which way is better.
HIGHER_IS_BETTER = {
    "average_precision": True,
    "roc_auc": True,
    "recall_at_precision": True,
    "brier": False,
    "log_loss": False,
}
#: The range of each metric (score intervals are clipped to it; differences are not).
BOUNDS = {
    "average_precision": (0.0, 1.0),
    "roc_auc": (0.0, 1.0),
    "recall_at_precision": (0.0, 1.0),
    "brier": (0.0, 2.0),
    "log_loss": (0.0, float("inf")),
}
#: Metrics computed on the model's own probabilities (the ranking, unchanged by the correction);
#: the others use the posterior estimates.
RANKING_METRICS = ("average_precision", "roc_auc", "recall_at_precision")


def recall_at_precision(
    y_true: NDArray, score: NDArray, precision: float, sample_weight: NDArray | None = None
) -> float:
    """Largest recall among thresholds whose precision is >= ``precision`` (0 if none)."""
    from sklearn.metrics import precision_recall_curve

    prec, rec, _ = precision_recall_curve(y_true, score, sample_weight=sample_weight)
    ok = prec >= precision
    return float(rec[ok].max()) if np.any(ok) else 0.0


def threshold_at_precision(
    y_true: NDArray, score: NDArray, precision: float, sample_weight: NDArray | None = None
) -> dict[str, float] | None:
    """The lowest threshold ``t`` whose rule ``score >= t`` reaches ``precision`` (the largest recall
    doing so): ``{"threshold", "precision", "recall"}`` (what it gave), or None when no threshold does."""
    from sklearn.metrics import precision_recall_curve

    prec, rec, thresholds = precision_recall_curve(y_true, score, sample_weight=sample_weight)
    ok = np.flatnonzero(prec[:-1] >= precision)  # the last point (precision 1, recall 0) has no threshold
    if ok.size == 0:
        return None
    i = int(ok[np.argmax(rec[ok])])
    return {"threshold": float(thresholds[i]), "precision": float(prec[i]), "recall": float(rec[i])}


def _one_vs_rest(func: Callable[..., float], codes: NDArray[np.intp], proba: NDArray, w: NDArray | None) -> float:
    if codes.ndim == 2:  # multi-label: the macro average of the per-label binary metric
        return float(np.mean([func(codes[:, k] == 1, proba[:, k], sample_weight=w) for k in range(codes.shape[1])]))
    if proba.shape[1] == 2:
        return float(func(codes == 1, proba[:, 1], sample_weight=w))
    return float(np.mean([func(codes == k, proba[:, k], sample_weight=w) for k in range(proba.shape[1])]))


def score_one(
    name: str,
    codes: NDArray[np.intp],
    proba: NDArray,
    posterior: NDArray,
    *,
    precision: float,
    sample_weight: NDArray | None = None,
) -> float:
    """One metric; ``proba`` / ``posterior`` of shape (n, K), columns in class-code order (multi-label:
    ``codes`` the (n, K) indicator; see the module docstring)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    w = sample_weight
    if name == "average_precision":
        return _one_vs_rest(average_precision_score, codes, proba, w)
    if name == "roc_auc":
        return _one_vs_rest(roc_auc_score, codes, proba, w)
    if name == "recall_at_precision":

        def rap(y: NDArray, s: NDArray, sample_weight: NDArray | None = None) -> float:
            return recall_at_precision(y, s, precision, sample_weight)

        return _one_vs_rest(rap, codes, proba, w)
    if codes.ndim == 2:
        if name == "brier":
            return float(np.average(((posterior - codes) ** 2).mean(axis=1), weights=w))
        if name == "log_loss":
            p = np.clip(posterior, 1e-15, 1.0 - 1e-15)
            per_entry = -np.where(codes == 1, np.log(p), np.log1p(-p))
            return float(np.average(per_entry.mean(axis=1), weights=w))
        raise ValueError(f"metric must be one of {METRICS}, got {name!r}")
    onehot = np.zeros_like(posterior, dtype=np.float64)
    onehot[np.arange(codes.shape[0]), codes] = 1.0
    if name == "brier":
        # binary: the usual mean of (p - y)^2 of the positive class; multiclass: sum over the classes
        sq = (posterior[:, 1] - onehot[:, 1]) ** 2 if posterior.shape[1] == 2 else ((posterior - onehot) ** 2).sum(1)
        return float(np.average(sq, weights=w))
    if name == "log_loss":
        p_true = np.clip(posterior[np.arange(codes.shape[0]), codes], 1e-15, 1.0)
        return float(np.average(-np.log(p_true), weights=w))
    raise ValueError(f"metric must be one of {METRICS}, got {name!r}")


def score_all(
    codes: NDArray[np.intp],
    proba: NDArray,
    posterior: NDArray,
    *,
    precision: float,
    sample_weight: NDArray | None = None,
) -> dict[str, float]:
    """Every metric of :data:`METRICS`."""
    return {m: score_one(m, codes, proba, posterior, precision=precision, sample_weight=sample_weight) for m in METRICS}
