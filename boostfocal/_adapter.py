"""Framework-free part of the XGBoost and LightGBM adapters (numpy only).

Hyperparameter checks, pickling rules and the cached validation of labels and
weights are the same for both libraries; only the call conventions (DMatrix vs
Dataset) and the softmax hessian factor differ, and those stay in
:mod:`boostfocal.xgboost` and :mod:`boostfocal.lightgbm`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core
from ._core import DEFAULT_HESS_FLOOR, AlphaLike
from ._fast import check_n_jobs
from ._validation import (
    check_binary_alpha,
    check_binary_labels,
    check_gamma,
    check_hess_floor,
    check_sample_weight,
    check_softmax_alpha,
    check_softmax_labels,
)

# Validated label sets kept per objective / metric object (train + a few eval sets).
CACHE_SIZE = 4


class LabelCache:
    """Validated labels and weights of one dataset, keyed on their content.

    The raw arrays a library hands over every round (XGBoost: fresh copies;
    LightGBM: the same arrays) are compared with a private copy
    (``np.array_equal``: one pass, one temporary of n booleans); only when they
    differ are labels and weights validated again. This is safe whatever the
    caller does between rounds (``set_label``, another dataset) and skips the
    multi-pass validation on every round after the first.
    """

    __slots__ = ("y_raw", "w_raw", "key", "y", "w", "alpha")

    def __init__(
        self,
        y_raw: NDArray,
        w_raw: NDArray | None,
        key: object,
        y: NDArray,
        w: NDArray | None,
        alpha: float | NDArray[np.float64] | None,
    ) -> None:
        self.y_raw = y_raw
        self.w_raw = w_raw
        self.key = key
        self.y = y
        self.w = w
        self.alpha = alpha

    def matches(self, y_raw: NDArray, w_raw: NDArray | None, key: object) -> bool:
        if key != self.key or y_raw.shape != self.y_raw.shape:
            return False
        if (w_raw is None) != (self.w_raw is None):
            return False
        if not np.array_equal(y_raw, self.y_raw):
            return False
        return w_raw is None or np.array_equal(w_raw, self.w_raw)


class FocalBase:
    """Hyperparameters, pickling and cached label validation shared by the adapters.

    Subclasses set :attr:`_scores` (the word their library uses for the raw
    scores, in error messages) and :attr:`_squeeze_label_column` (accept
    labels of shape (n, 1)).
    """

    _scores = "margins"
    _squeeze_label_column = False

    def __init__(self, *, gamma: float, alpha: AlphaLike) -> None:
        self.gamma = check_gamma(gamma)
        self.alpha = check_softmax_alpha(alpha, None)  # type only; length checked once K is known
        # a few entries: a metric alternates between the train and eval sets every round
        self._cache: tuple[LabelCache, ...] = ()

    # the cache is derived data: never pickled (Dask workers, joblib)
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = ()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _mode_alpha(self, n_classes: int | None) -> float | NDArray[np.float64] | None:
        if n_classes is None:
            if isinstance(self.alpha, np.ndarray):
                raise ValueError(
                    f"alpha is a per-class sequence but the {self._scores} are 1-D (binary focal loss); "
                    f"use a float in [0, 1] or set num_class, got alpha={self.alpha.tolist()!r}"
                )
            return check_binary_alpha(self.alpha)
        return check_softmax_alpha(self.alpha, n_classes)

    def _labels_weights(
        self, y_raw: NDArray, w_raw: NDArray | None, z: NDArray
    ) -> tuple[NDArray, NDArray | None, float | NDArray[np.float64] | None]:
        """Validated labels, weights and alpha for the scores ``z`` (cached on content)."""
        n_classes = z.shape[1] if z.ndim == 2 else None
        key = (n_classes, z.shape[0])
        for cache in self._cache:
            if cache.matches(y_raw, w_raw, key):
                return cache.y, cache.w, cache.alpha
        if z.ndim not in (1, 2) or (z.ndim == 2 and z.shape[1] < 2):
            raise ValueError(
                f"{self._scores} must have shape (n_samples,) for binary or (n_samples, n_classes) for softmax, "
                f"got {z.shape}"
            )
        alpha = self._mode_alpha(n_classes)
        y_arr = np.asarray(y_raw)
        if self._squeeze_label_column and y_arr.ndim == 2 and y_arr.shape[1] == 1:
            y_arr = y_arr[:, 0]
        y = check_binary_labels(y_arr) if n_classes is None else check_softmax_labels(y_arr, n_classes)
        if y.shape[0] != z.shape[0]:
            raise ValueError(f"got {y.shape[0]} labels for {z.shape[0]} rows of {self._scores}")
        w = check_sample_weight(w_raw, y.shape[0])
        w_copy = None if w_raw is None else np.array(w_raw, copy=True)
        entry = LabelCache(np.array(y_raw, copy=True), w_copy, key, y, w, alpha)
        self._cache = (entry, *self._cache[: CACHE_SIZE - 1])  # one atomic assignment
        return y, w, alpha


class ObjectiveMixin:
    """The objective part the adapters share: ``hess_floor`` / ``n_jobs``, repr and the fused kernel call.

    Listed before the adapter's call-convention base; the adapter keeps its own
    ``__call__`` (its signature is what each library inspects) and provides
    :meth:`_softmax_hess_scale`, the library's softmax hessian factor.
    """

    gamma: float
    alpha: float | NDArray[np.float64] | None

    def __init__(
        self,
        *,
        gamma: float = 2.0,
        alpha: AlphaLike = None,
        hess_floor: float = DEFAULT_HESS_FLOOR,
        n_jobs: int | None = None,
    ) -> None:
        super().__init__(gamma=gamma, alpha=alpha)  # type: ignore[call-arg]  # FocalBase
        self.hess_floor = check_hess_floor(hess_floor)
        self.n_jobs = check_n_jobs(n_jobs)

    def __repr__(self) -> str:
        alpha = self.alpha.tolist() if isinstance(self.alpha, np.ndarray) else self.alpha
        jobs = "" if self.n_jobs is None else f", n_jobs={self.n_jobs!r}"
        return f"{type(self).__name__}(gamma={self.gamma!r}, alpha={alpha!r}, hess_floor={self.hess_floor!r}{jobs})"

    def _softmax_hess_scale(self, n_classes: int) -> float:  # pragma: no cover - provided by the adapters
        raise NotImplementedError

    def _grad_hess(
        self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """One fused kernel call: grad, then hess scaled by the softmax factor and clipped at ``hess_floor * w``."""
        y, w, alpha = self._labels_weights(y_raw, w_raw, z)  # type: ignore[attr-defined]  # FocalBase
        if z.ndim == 1:
            return _core._binary_grad_hess(y, z, self.gamma, alpha, w, hess_floor=self.hess_floor, n_threads=self.n_jobs)
        return _core._softmax_grad_hess(
            y, z, self.gamma, alpha, w,
            hess_scale=self._softmax_hess_scale(z.shape[1]), hess_floor=self.hess_floor, n_threads=self.n_jobs,
        )  # fmt: skip
