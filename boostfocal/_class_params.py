r"""The per-class focal settings of a classifier fit, without scikit-learn.

What the estimators (:mod:`boostfocal._sklearn_common`) and Ray's global pass (:mod:`boostfocal.ray`)
both resolve before a fit: a ``{label: value}`` dict in class order (:func:`per_class`), the
data-dependent class weightings (:data:`ALPHA_RULES`, :func:`alpha_by_rule`) and the fitted
``alpha_`` (:func:`fitted_alpha`). The rules' formulas (:func:`alpha_from_counts`) and the class
totals they take (:func:`label_totals`) live here too, below the numerical core, which uses them
for :func:`boostfocal.class_balanced_alpha`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The data-dependent class weightings, resolved from the (weighted) class totals at fit.
ALPHA_RULES = ("balanced", "effective_number")


def label_totals(codes: NDArray[np.intp], n_classes: int, weights: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """:func:`class_counts` of labels already checked (the estimators' encoded labels): no second check.

    Raises
    ------
    ValueError
        Naming the first class with no sample (or zero total weight).
    """
    counts = np.bincount(codes, weights=weights, minlength=n_classes).astype(np.float64)
    empty = np.flatnonzero(counts <= 0)
    if empty.size:
        raise ValueError(
            f"class {int(empty[0])} has no sample (total weight {float(counts[empty[0]])!r}); "
            "class-balanced weights need every class present"
        )
    return counts


def alpha_from_counts(rule: str, counts: NDArray[np.float64], beta: float = 0.999) -> NDArray[np.float64]:
    r"""Class weights from per-class totals ``n_k`` (all > 0) by a named rule.

    .. math::

        \text{balanced: } \alpha_k = \frac{\sum_j n_j}{K\,n_k}, \qquad
        \text{effective\_number: } \alpha_k = K \frac{w_k}{\sum_j w_j},\;
        w_k = \frac{1 - \beta}{1 - \beta^{n_k}}

    ``"balanced"`` is scikit-learn's rule; ``"effective_number"`` is Cui et al. (CVPR 2019),
    :func:`class_balanced_alpha` (``beta`` in [0, 1), checked by the caller).
    """
    k = counts.shape[0]
    if rule == "balanced":
        return np.asarray(counts.sum() / (k * counts), dtype=np.float64)
    if rule != "effective_number":
        raise ValueError(f"rule must be 'balanced' or 'effective_number', got {rule!r}")
    b = float(beta)
    # (1 - b) / (1 - b^n), with 1 - b^n = -expm1(n log b): no cancellation for b near 1
    if b == 0.0:
        weights = np.ones(k)
    else:
        weights = (1.0 - b) / -np.expm1(counts * np.log(b))
    return np.asarray(k * weights / weights.sum(), dtype=np.float64)


def per_class(value: Any, classes: Sequence[Any], name: str) -> Any:
    """A ``{label: value}`` dict as a list in ``classes`` order (other values unchanged, validated by the loss)."""
    if not isinstance(value, Mapping):
        return value
    labels = list(classes)
    unknown = [k for k in value if k not in labels]
    missing = [c for c in labels if c not in value]
    if unknown or missing:
        raise ValueError(
            f"{name} as a dict must give one value per class {labels!r}; "
            f"unknown labels {unknown!r}, missing labels {missing!r}"
        )
    return [value[c] for c in labels]


def alpha_by_rule(alpha: Any, totals: Callable[[], NDArray[np.float64]], beta: float) -> Any:
    r"""``alpha`` with its rule applied to the class totals, or ``alpha`` as given when it names none.

    ``"balanced"``: :math:`\alpha_k = \sum_j n_j / (K n_k)` (scikit-learn's rule);
    ``"effective_number"``: :func:`boostfocal.class_balanced_alpha` with ``beta``. ``totals()``
    gives the (weighted) class totals ``n_k``, shape (K,), or for multi-label one
    ``[negative, positive]`` row per label, shape (K, 2): then each label's two weights.
    """
    if not isinstance(alpha, str):
        return alpha
    if alpha not in ALPHA_RULES:
        raise ValueError(f"alpha as a string must be one of {ALPHA_RULES}, got {alpha!r}")
    counts = totals()
    if counts.ndim == 2:
        return np.array([alpha_from_counts(alpha, row, beta) for row in counts])
    return alpha_from_counts(alpha, counts, beta)


def fitted_alpha(alpha: Any) -> float | NDArray[np.float64] | None:
    """``alpha_`` as the estimators store it: a validated alpha as None, a float or a float64 array."""
    if alpha is None:
        return None
    return float(alpha) if np.ndim(alpha) == 0 else np.asarray(alpha, dtype=np.float64)
