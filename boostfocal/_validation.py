"""Input validation shared by the core and the adapters.

Every check raises ``ValueError`` / ``TypeError`` with a message that names the
parameter, the allowed range and the value received. Checks run once at the
boundary (public function, constructor, first objective call), never inside the
numerical kernels.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "check_gamma",
    "check_class_gamma",
    "check_binary_alpha",
    "check_softmax_alpha",
    "check_hess_floor",
    "check_num_class",
    "check_label_smoothing",
    "check_negative_shift",
    "check_binary_labels",
    "check_softmax_labels",
    "check_multilabel_labels",
    "check_multilabel_alpha",
    "check_num_labels",
    "check_sample_weight",
]


def _is_real_scalar(value: object) -> TypeGuard[numbers.Real]:
    """A real number that is not a bool (numpy scalars included)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _numbers(value: object, name: str, expected: str) -> NDArray[np.float64]:
    """``value`` as a new float64 array when it is a sequence or array of numbers.

    A string, a dict or a non-sequence is a TypeError saying ``{name} must be {expected}``.
    """
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be {expected}, got {value!r} of type {type(value).__name__}")
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers, got {value!r}") from exc


def check_nonnegative(value: object, name: str) -> float:
    """Return ``value`` as a float after checking it is a finite real >= 0 (errors name ``name``)."""
    if not _is_real_scalar(value):
        raise TypeError(f"{name} must be a real number >= 0, got {value!r} of type {type(value).__name__}")
    f = float(value)
    if not np.isfinite(f) or f < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return f


def check_gamma(gamma: object) -> float:
    """Return ``gamma`` as a float after checking it is a finite real >= 0."""
    return check_nonnegative(gamma, "gamma")


def _check_per_class(arr: NDArray, raw: object, name: str, noun: str, n_classes: int | None) -> NDArray:
    """``arr`` (the 1-D ``raw`` sequence): one finite ``noun`` >= 0 per class, ``n_classes`` of them when known."""
    if n_classes is not None and arr.shape[0] != n_classes:
        raise ValueError(
            f"{name} must have one {noun} per class: length {n_classes} expected, got length {arr.shape[0]} ({raw!r})"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite {noun}s >= 0, got {raw!r}")
    return arr


def check_class_gamma(gamma: object, n_classes: int | None) -> float | NDArray[np.float64]:
    """``gamma`` as a float, or as a per-class float64 vector (each finite and >= 0).

    A sequence whose entries are all equal collapses to that float (the same loss, the
    same bits). ``n_classes`` None: the length is checked later, once it is known.
    """
    if _is_real_scalar(gamma):
        return check_gamma(gamma)
    arr = _numbers(gamma, "gamma", "a real number >= 0 or a sequence of per-class values")
    if arr.ndim != 1 or arr.shape[0] < 2:
        raise ValueError(f"gamma as a sequence must be one-dimensional with one value per class, got {gamma!r}")
    _check_per_class(arr, gamma, "gamma", "value", n_classes)
    if np.all(arr == arr[0]):
        return float(arr[0])
    return arr


def check_hess_floor(hess_floor: object, name: str = "hess_floor") -> float:
    """Return the hessian floor as a float after checking it is finite and >= 0."""
    return check_nonnegative(hess_floor, name)


def check_unit_interval(value: object, name: str) -> float:
    """A finite number in [0, 1) for the option ``name`` (message names it and the value)."""
    if not _is_real_scalar(value):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r} of type {type(value).__name__}")
    x = float(value)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return x


def check_label_smoothing(value: object) -> float:
    """``label_smoothing``: a finite number in [0, 1)."""
    return check_unit_interval(value, "label_smoothing")


def check_negative_shift(value: object) -> float:
    """``negative_shift``: a finite number in [0, 1) (ASL's probability margin m)."""
    return check_unit_interval(value, "negative_shift")


def check_num_class(num_class: object) -> int | None:
    """``num_class``: None or an integer >= 2 (not a bool)."""
    if num_class is None:
        return None
    if isinstance(num_class, bool) or not isinstance(num_class, (int, np.integer)) or num_class < 2:
        raise ValueError(f"num_class must be None (binary) or an integer >= 2, got {num_class!r}")
    return int(num_class)


def check_num_labels(num_class: object) -> int | None:
    """``num_class`` of a multi-label loss (the number of labels K): None or an integer >= 1 (not a bool)."""
    if num_class is None:
        return None
    if isinstance(num_class, bool) or not isinstance(num_class, (int, np.integer)) or num_class < 1:
        raise ValueError(
            f"num_class must be None or the number of labels, an integer >= 1, for multi-label focal loss, "
            f"got {num_class!r}"
        )
    return int(num_class)


def check_multilabel_alpha(alpha: object, n_labels: int | None) -> NDArray[np.float64] | None:
    """Multi-label ``alpha`` as class weights: None, ``[1 - a, a]`` (shape (2,)) or ``[[a_0, a_1], ...]`` (K, 2).

    A number in [0, 1] is every label's positive weight (negatives ``1 - alpha``); a
    length-K sequence holds per-label positive weights in [0, 1]; a (K, 2) array holds
    ``[negative, positive]`` weights (>= 0) per label. ``n_labels`` None: the number of
    labels is checked later, once it is known.
    """
    if alpha is None:
        return None
    if _is_real_scalar(alpha):
        a = float(alpha)
        if not np.isfinite(a) or not 0.0 <= a <= 1.0:
            raise ValueError(f"alpha must be in [0, 1] for multi-label focal loss, got {alpha!r}")
        return np.array([1.0 - a, a])
    arr = _numbers(
        alpha,
        "alpha",
        "None, a number in [0, 1], a sequence of per-label positive weights or a (n_labels, 2) array of "
        "[negative, positive] weights for multi-label focal loss",
    )
    if arr.ndim == 1:
        if not np.all(np.isfinite(arr)) or np.any(arr < 0.0) or np.any(arr > 1.0):
            raise ValueError(f"alpha as per-label positive weights must hold values in [0, 1], got {alpha!r}")
        arr = np.column_stack([1.0 - arr, arr])
    elif arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            "alpha must be one-dimensional (one positive weight per label) or of shape (n_labels, 2) "
            f"([negative, positive] per label) for multi-label focal loss, got shape {arr.shape}"
        )
    elif not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
        raise ValueError(f"alpha must hold finite weights >= 0, got {alpha!r}")
    if arr.shape[0] < 1:
        raise ValueError(f"alpha must hold at least one label's weights, got {alpha!r}")
    if n_labels is not None and arr.shape[0] != n_labels:
        raise ValueError(
            f"alpha must have one entry per label: {n_labels} labels expected, got {arr.shape[0]} ({alpha!r})"
        )
    return arr


def check_binary_alpha(alpha: object) -> float | None:
    """Return ``alpha`` (weight of the positive class) as a float in [0, 1] or None."""
    if alpha is None:
        return None
    if not _is_real_scalar(alpha):
        raise TypeError(
            f"alpha must be None or a real number in [0, 1] for binary focal loss, got {alpha!r} "
            f"of type {type(alpha).__name__}"
        )
    a = float(alpha)
    if not np.isfinite(a) or not 0.0 <= a <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] for binary focal loss, got {alpha!r}")
    return a


def check_softmax_alpha(alpha: object, n_classes: int | None) -> float | NDArray[np.float64] | None:
    """Return softmax ``alpha``: None, a float >= 0, or a float64 array of length ``n_classes``.

    When ``n_classes`` is None the length of a sequence is not checked (the number
    of classes is not known yet); callers check it again once it is.
    """
    if alpha is None:
        return None
    if _is_real_scalar(alpha):
        a = float(alpha)
        if not np.isfinite(a) or a < 0:
            raise ValueError(f"alpha must be a finite number >= 0 for softmax focal loss, got {alpha!r}")
        return a
    arr = _numbers(alpha, "alpha", "None, a number or a sequence of per-class weights for softmax focal loss")
    if arr.ndim != 1:
        raise ValueError(f"alpha must be one-dimensional (one weight per class), got shape {arr.shape}")
    return _check_per_class(arr, alpha, "alpha", "weight", n_classes)


def _as_float_array(values: ArrayLike, name: str) -> NDArray:
    arr = np.asarray(values)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got an array of dtype {arr.dtype}")
    return arr


def _label_vector(y_true: ArrayLike, what: str) -> NDArray:
    """``y_true`` as a non-empty one-dimensional real array (``what`` completes the shape message)."""
    y = _as_float_array(y_true, "y_true")
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional{what}, got shape {y.shape}")
    if y.shape[0] == 0:
        raise ValueError("y_true is empty: at least one sample is required")
    return y


def check_binary_labels(y_true: ArrayLike) -> NDArray[np.bool_]:
    """Return binary labels as a boolean array (True = positive class).

    Accepts bool, integer or float arrays whose values are exactly 0 or 1.
    """
    y = _label_vector(y_true, "")
    if y.dtype == np.bool_:
        return y
    bad = (y != 0) & (y != 1)  # NaN compares unequal, so it is caught here too
    if np.any(bad):
        value = y[np.flatnonzero(bad)[0]]
        raise ValueError(f"y_true must contain only 0 and 1 for binary focal loss, got {value!r}")
    return y == 1


def check_softmax_labels(y_true: ArrayLike, n_classes: int) -> NDArray[np.intp]:
    """Return softmax labels as an integer index array with values in [0, n_classes)."""
    y = _label_vector(y_true, " integer labels")
    if y.dtype == np.bool_:
        y = y.astype(np.intp)
    if np.issubdtype(y.dtype, np.floating):
        bad = ~np.isfinite(y) | (y != np.round(y))
        if np.any(bad):
            raise ValueError(f"y_true must hold integer class labels, got {y[np.flatnonzero(bad)[0]]!r}")
    out = y.astype(np.intp, copy=False)
    bad = (y < 0) | (y >= n_classes)
    if np.any(bad):
        raise ValueError(
            f"y_true must hold class labels in [0, {n_classes}) for {n_classes} classes, "
            f"got {y[np.flatnonzero(bad)[0]]!r}"
        )
    return out


def check_multilabel_labels(y_true: ArrayLike, n_labels: int | None = None) -> NDArray[np.bool_]:
    """Return a multi-label indicator (n_samples, K) as a boolean array; values must be exactly 0 or 1."""
    y = _as_float_array(y_true, "y_true")
    if y.ndim != 2:
        raise ValueError(
            f"y_true must have shape (n_samples, n_labels) (a 0/1 indicator) for multi-label focal loss, "
            f"got shape {y.shape}"
        )
    if y.shape[0] == 0:
        raise ValueError("y_true is empty: at least one sample is required")
    if n_labels is not None and y.shape[1] != n_labels:
        raise ValueError(f"y_true has {y.shape[1]} labels (columns) but the margins have {n_labels} columns")
    if y.dtype == np.bool_:
        return y
    bad = (y != 0) & (y != 1)  # NaN compares unequal, so it is caught here too
    if np.any(bad):
        i, k = np.argwhere(bad)[0]
        raise ValueError(
            f"y_true must contain only 0 and 1 for multi-label focal loss, got {y[i, k].item()!r} (row {i}, label {k})"
        )
    return y == 1


def check_sample_weight(sample_weight: ArrayLike | None, n_samples: int) -> NDArray[np.float64] | None:
    """Return sample weights as float64 (n_samples,) or None; finite and >= 0."""
    if sample_weight is None:
        return None
    w = _as_float_array(sample_weight, "sample_weight")
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},) to match y_true, got {w.shape}")
    w = w.astype(np.float64, copy=False)
    bad = ~np.isfinite(w) | (w < 0)
    if np.any(bad):
        raise ValueError(f"sample_weight must be finite and >= 0, got {w[np.flatnonzero(bad)[0]]!r}")
    return w


def check_probabilities(p: ArrayLike) -> NDArray[np.float64]:
    """Probabilities as a fresh float64 array: (n,) or (n, K >= 2), finite, in [0, 1], no all-zero row."""
    arr = np.asarray(p)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"p must be an array of real probabilities, got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"p must have shape (n_samples,) (binary: probability of class 1) or "
            f"(n_samples, n_classes) (softmax), got shape {arr.shape}"
        )
    if arr.ndim == 2 and arr.shape[1] < 2:
        raise ValueError(f"p of shape (n_samples, n_classes) needs n_classes >= 2, got shape {arr.shape}")
    out = np.array(arr, dtype=np.float64, copy=True)  # never write into (or alias) the caller's array
    if out.size and not np.all(np.isfinite(out)):
        raise ValueError("p must be finite (no NaN or inf)")
    if out.size and (out.min() < 0.0 or out.max() > 1.0):
        raise ValueError(f"p must lie in [0, 1], got values in [{out.min()!r}, {out.max()!r}]")
    if out.ndim == 2 and out.size and np.any(out.sum(axis=1) <= 0.0):
        raise ValueError("each row of p (n_samples, n_classes) needs a positive entry, got a row of zeros")
    return out
