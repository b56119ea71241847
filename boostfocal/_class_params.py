r"""The per-class focal settings of a classifier fit, without scikit-learn.

What the estimators (:mod:`boostfocal._sklearn_common`) and Ray's global pass (:mod:`boostfocal.ray`)
both resolve before a fit: a ``{label: value}`` dict in class order (:func:`per_class`), the
data-dependent class weightings (:data:`ALPHA_RULES`, :func:`alpha_by_rule`) and the fitted
``alpha_`` (:func:`fitted_alpha`). The rules' formulas are :func:`boostfocal._core.alpha_from_counts`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._core import alpha_from_counts

#: The data-dependent class weightings, resolved from the (weighted) class totals at fit.
ALPHA_RULES = ("balanced", "effective_number")


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
