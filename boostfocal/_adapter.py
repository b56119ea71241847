"""Framework-free part of the XGBoost and LightGBM adapters (numpy only).

The adapters hold a :class:`boostfocal.FocalLoss`; this module gives them the
pickling rules, the cached validation of labels and weights and the fused
kernel call. What differs between the libraries (call conventions aside) is in
their :class:`~boostfocal._profiles.LibraryProfile`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._fast import check_n_jobs
from ._loss import CURVATURE_FLOOR, AlphaLike, FocalLoss, GammaLike, HessFloor
from ._policy import Curvature, HessPolicy
from ._profiles import LibraryProfile
from ._validation import check_hess_policy, check_sample_weight

# Validated label sets kept per objective / metric object (train + a few eval sets).
CACHE_SIZE = 4


def resolve_loss(
    loss: FocalLoss | None,
    gamma: GammaLike,
    alpha: AlphaLike,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
) -> FocalLoss:
    """The adapter's loss: ``loss`` itself, or ``FocalLoss(gamma, alpha, label_smoothing, negative_shift, link=None)``.

    ``link=None``: one objective serves binary (1-D margins) and softmax boosters.
    """
    if loss is None:
        return FocalLoss(
            gamma=gamma, alpha=alpha, link=None, label_smoothing=label_smoothing, negative_shift=negative_shift
        )
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a boostfocal.FocalLoss, got {loss!r} of type {type(loss).__name__}")
    if (
        not (isinstance(gamma, float) and gamma == 2.0)
        or alpha is not None
        or label_smoothing != 0.0
        or negative_shift != 0.0
    ):
        raise TypeError(f"give either loss or gamma / alpha, not both (got loss={loss!r}, gamma={gamma!r})")
    return loss


class LabelCache:
    """Validated labels and weights of one dataset, keyed on their content.

    The raw arrays a library hands over every round (XGBoost: fresh copies;
    LightGBM: the same arrays) are first checked for identity with the arrays
    of the validated call (LightGBM's every round after the first: O(1)), then
    compared with a private copy (``np.array_equal``: one pass, one temporary of
    n booleans); only when they differ are labels and weights validated again.
    This is safe whatever the caller does between rounds through the library's
    API (``set_label`` installs a new array, another dataset has other arrays)
    and skips the multi-pass validation on every round after the first. An
    array changed in place, behind the library's back, is not noticed on the
    identity path.
    """

    __slots__ = ("y_src", "w_src", "y_raw", "w_raw", "key", "loss", "y", "w", "cw")

    def __init__(
        self,
        y_src: object,
        w_src: object,
        y_raw: NDArray,
        w_raw: NDArray | None,
        key: object,
        loss: FocalLoss,
        y: NDArray,
        w: NDArray | None,
        cw: NDArray[np.float64] | None,
    ) -> None:
        self.y_src = y_src  # the caller's own arrays, for the identity check
        self.w_src = w_src
        self.y_raw = y_raw
        self.w_raw = w_raw
        self.key = key
        self.loss = loss
        self.y = y
        self.w = w
        self.cw = cw

    def matches(self, y_raw: NDArray, w_raw: NDArray | None, key: object) -> bool:
        if key != self.key or y_raw.shape != self.y_raw.shape:
            return False
        if y_raw is self.y_src and w_raw is self.w_src:  # the same arrays as last time: O(1)
            return True
        if (w_raw is None) != (self.w_raw is None):
            return False
        if not np.array_equal(y_raw, self.y_raw):
            return False
        return w_raw is None or (self.w_raw is not None and np.array_equal(w_raw, self.w_raw))


Prepared = tuple[FocalLoss, NDArray, "NDArray[np.float64] | None", "NDArray[np.float64] | None"]


class FocalBase:
    """The loss, pickling and cached label validation shared by the adapters' objectives and metrics.

    Subclasses set :attr:`_profile` (their library's conventions) and
    :attr:`_squeeze_label_column` (accept labels of shape (n, 1)).
    """

    _profile: LibraryProfile
    _squeeze_label_column = False

    def __init__(
        self,
        *,
        gamma: GammaLike = 2.0,
        alpha: AlphaLike = None,
        loss: FocalLoss | None = None,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
    ) -> None:
        self.loss = resolve_loss(loss, gamma, alpha, label_smoothing, negative_shift)
        # a few entries: a metric alternates between the train and eval sets every round
        self._cache: tuple[LabelCache, ...] = ()

    @property
    def gamma(self) -> float | list[float]:
        """The loss's focusing parameter (a float, or one per class)."""
        return self.loss.gamma

    @property
    def alpha(self) -> float | NDArray[np.float64] | None:
        """The loss's ``alpha``: a float, a per-class array or None."""
        a = self.loss.alpha
        return np.asarray(a, dtype=np.float64) if isinstance(a, list) else a

    # the cache is derived data: never pickled (Dask workers, joblib)
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = ()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _prepared(self, y_raw: NDArray, w_raw: NDArray | None, z: NDArray) -> Prepared:
        """``(concrete loss, labels, weights, class weights)`` for the scores ``z`` (cached on content)."""
        key = (z.ndim, z.shape[1] if z.ndim == 2 else None, z.shape[0])
        for cache in self._cache:
            if cache.matches(y_raw, w_raw, key):
                return cache.loss, cache.y, cache.w, cache.cw
        y_arr = np.asarray(y_raw)
        if self._squeeze_label_column and y_arr.ndim == 2 and y_arr.shape[1] == 1 and z.ndim == 1:
            y_arr = y_arr[:, 0]
        loss = self.loss.for_margin(z, self._profile.scores, label_ndim=y_arr.ndim)
        n_classes = loss.num_class
        cw = loss.class_weights(n_classes)
        y = loss.check_labels(y_arr, n_classes)
        if y.shape[0] != z.shape[0]:
            raise ValueError(f"got {y.shape[0]} labels for {z.shape[0]} rows of {self._profile.scores}")
        w = check_sample_weight(w_raw, y.shape[0])
        w_copy = None if w_raw is None else np.array(w_raw, copy=True)
        entry = LabelCache(y_raw, w_raw, np.array(y_raw, copy=True), w_copy, key, loss, y, w, cw)
        self._cache = (entry, *self._cache[: CACHE_SIZE - 1])  # one atomic assignment
        return loss, y, w, cw

    def _mean_loss(self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None) -> float:
        """Weighted mean focal loss (the metrics' value)."""
        loss, y, w, cw = self._prepared(y_raw, w_raw, z)
        return loss.mean_prepared(y, z, w, cw)


class ObjectiveMixin(FocalBase):
    """The objective part the adapters share: ``hess_floor`` / ``n_jobs``, repr and the fused kernel call.

    The adapter keeps its own ``__call__`` (its signature is what each library
    inspects).
    """

    def __init__(
        self,
        *,
        gamma: GammaLike = 2.0,
        alpha: AlphaLike = None,
        loss: FocalLoss | None = None,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
        hess_floor: HessFloor = CURVATURE_FLOOR,
        n_jobs: int | None = None,
    ) -> None:
        super().__init__(
            gamma=gamma, alpha=alpha, loss=loss, label_smoothing=label_smoothing, negative_shift=negative_shift
        )
        self._abs_floor, self._curvature = check_hess_policy(hess_floor)
        self.hess_floor = hess_floor if isinstance(hess_floor, str) else self._abs_floor
        self.n_jobs = check_n_jobs(n_jobs)
        self._out_dtype = np.dtype(self._profile.gradient_dtype).type  # once, not every round

    def __repr__(self) -> str:
        jobs = "" if self.n_jobs is None else f", n_jobs={self.n_jobs!r}"
        return f"{type(self).__name__}(loss={self.loss!r}, hess_floor={self.hess_floor!r}{jobs})"

    def _grad_hess(
        self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None
    ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """One fused kernel call: grad, then hess scaled by the library's rule and floored (the hessian policy).

        Written in the library's gradient dtype (float32 for both), without the library's
        conversion copy: the numba backend computes in float32 (within ``max(1e-5 |g|, 1e-7)``
        of the float64 result; ``tests/test_fast.py``), the numpy backend in float64 rounded once.
        """
        loss, y, w, cw = self._prepared(y_raw, w_raw, z)
        assert loss.link is not None
        scale, curvature = self._profile.hessian_rule(loss.link.name, loss.num_class)
        kind: Curvature = "none"
        if self._curvature:
            kind = "abs_residual" if curvature == "abs_residual" else "cross_entropy"
        policy = HessPolicy(curvature=kind, floor=self._abs_floor, scale=scale)
        return loss.grad_hess_prepared(y, z, w, cw, policy=policy, n_jobs=self.n_jobs, out_dtype=self._out_dtype)
