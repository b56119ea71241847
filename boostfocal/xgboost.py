r"""Focal loss for XGBoost: objective, metric and starting parameters.

One objective object serves the three XGBoost entry points:

* ``xgb.train(params, dtrain, obj=focal_objective(...))`` and
  ``xgboost.dask.train(client, params, dtrain, obj=...)``: called as
  ``obj(predt, dtrain)``; labels and sample weights are read from the DMatrix;
* ``xgb.XGBClassifier(objective=focal_objective(...))`` (and
  ``xgboost.dask.DaskXGBClassifier``): XGBoost calls it as
  ``obj(y_true, y_pred, sample_weight=w)``, passing weights only to a callable
  with a parameter named ``sample_weight``, which this one has.

Binary focal loss is used when the margins are 1-D, softmax focal loss when they
have shape (n_samples, n_classes) (``num_class`` in the parameters). Both work on
raw margins, which is what XGBoost hands to a custom objective and to a custom
metric.

Hessian policy
--------------
The exact focal hessian is negative for badly misclassified samples when
``gamma > 0``. XGBoost's histogram code sums the per-row hessians of a node as
they are (a node's weight is 0 only when that sum is <= 0 or below
``min_child_weight``), so negative values would pull leaves the wrong way. The
default policy ``hess_floor="curvature"`` returns
``max(h, w a_t (1 - p_t)^gamma c_CE)``: the exact hessian, raised where needed
to the cross-entropy curvature ``c_CE = p (1 - p)`` weighted by the row's focal
weight. At ``gamma = 0`` that *is* the hessian, so the native model is
reproduced at any number of rounds; for easy rows the focal hessian is larger
and nothing changes. ``hess_floor=<number>`` gives the absolute floor
``max(h, hess_floor * w)`` of boostfocal 0.1 (1e-6 there).

For softmax the rule follows the installed XGBoost (:data:`PROFILE`): up to
3.2 the exact diagonal times :data:`SOFTMAX_HESS_FACTOR` = 2, as
``multi:softprob``'s ``max(2 p (1 - p) w, eps)``; after 3.2 (XGBoost PR #12537,
native hessian ``|p - y| w``) the exact diagonal with the floor
``w a_y q^gamma |p_k - [k = y]|``. Either way ``gamma = 0`` reproduces the
native multiclass model.

Starting margin and probabilities
---------------------------------
With a custom objective XGBoost never estimates an intercept, and with no
``objective`` in the parameters ``predict`` returns raw margins. :func:`focal_params`
returns parameters with ``objective="binary:logistic"`` or ``"multi:softprob"``
and ``base_score`` set from :func:`boostfocal.initial_margin`: boosting starts
from the focal-optimal constant margin, the custom objective still receives
margins, and ``predict`` returns probabilities ((n,) binary, (n, K) multiclass).

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xgboost as xgb
from numpy.typing import ArrayLike, NDArray

from ._adapter import FocalBase, ObjectiveMixin, resolve_loss
from ._link import expit
from ._loss import CURVATURE_FLOOR, DEFAULT_HESS_FLOOR, AlphaLike, FocalLoss, GammaLike, HessFloor
from ._profiles import xgboost_profile
from ._validation import check_num_class

__all__ = [
    "DEFAULT_HESS_FLOOR",
    "CURVATURE_FLOOR",
    "PROFILE",
    "SOFTMAX_HESS_FACTOR",
    "FocalObjective",
    "FocalMetric",
    "focal_objective",
    "focal_metric",
    "focal_params",
    "base_score_from_margin",
]

#: The conventions of the installed XGBoost (softmax hessian rule, record location).
PROFILE = xgboost_profile(xgb.__version__)

#: Factor applied to the exact diagonal of the softmax focal hessian: 2 up to XGBoost 3.2
#: (native ``multi:softprob`` hessian ``2 p (1 - p) w``), 1 after (``|p - y| w``, see :data:`PROFILE`).
SOFTMAX_HESS_FACTOR: float = PROFILE.softmax_hess_scale(2)

# Largest |initial margin| written into a binary ``base_score`` (a probability
# in float32): expit(+-30) is still strictly inside (0, 1).
_MAX_BINARY_BASE_MARGIN = 30.0


def base_score_from_margin(z0: float | NDArray[np.floating]) -> float | list[float]:
    r"""``base_score`` that makes XGBoost start from margin ``z0``.

    binary:logistic stores a probability and boosts from its logit, so a float
    margin becomes :math:`\sigma(z_0)` (``z0`` clipped to [-30, 30]); xgboost 3.x
    multi:softprob uses a per-class ``base_score`` as the starting margins, so an
    array becomes a list of floats.

    Parameters
    ----------
    z0 : float or ndarray of shape (n_classes,)
        The starting margin (:meth:`boostfocal.FocalLoss.initial_margin`).

    Returns
    -------
    float or list of float
    """
    if isinstance(z0, np.ndarray):
        return [float(v) for v in z0]
    zc = float(np.clip(z0, -_MAX_BINARY_BASE_MARGIN, _MAX_BINARY_BASE_MARGIN))
    return float(expit(zc))


def _is_dmatrix(obj: object) -> bool:
    return isinstance(obj, xgb.DMatrix)


def _weights_or_none(w: NDArray) -> NDArray | None:
    return None if w.size == 0 else w


class _FocalBase(FocalBase):
    """Shared hyperparameter handling and label validation, plus XGBoost's call conventions."""

    _profile = PROFILE
    _squeeze_label_column = True  # XGBClassifier may pass labels of shape (n, 1)

    def _margins(self, predt: ArrayLike) -> NDArray[np.floating]:
        z = np.asarray(predt)
        if z.dtype not in (np.float32, np.float64):
            z = z.astype(np.float64)
        return z

    def _split_call(
        self, first: Any, second: Any, sample_weight: ArrayLike | None
    ) -> tuple[NDArray, NDArray, NDArray | None]:
        """Return ``(margins, raw labels, raw weights or None)`` for either calling convention."""
        if _is_dmatrix(second):
            if sample_weight is not None:
                raise TypeError("sample_weight is read from the DMatrix; do not pass it with (predt, dtrain)")
            return self._margins(first), second.get_label(), _weights_or_none(second.get_weight())
        if _is_dmatrix(first):
            raise TypeError(
                "call as obj(predt, dtrain) (xgb.train) or obj(y_true, y_pred, sample_weight=...) "
                "(XGBClassifier); got a DMatrix as the first argument"
            )
        w = None if sample_weight is None else np.asarray(sample_weight)
        if w is not None and w.size == 0:
            w = None
        return self._margins(second), np.asarray(first), w


class FocalObjective(ObjectiveMixin, _FocalBase):
    r"""Focal-loss objective for XGBoost (binary and softmax), on raw margins.

    Create it with :func:`focal_objective`. Instances are picklable and hold no
    reference to any dataset beyond a cache of the last validated labels.

    Binary (1-D margins ``z``, labels ``y`` in {0, 1}), with ``p = expit(z)``,
    ``p_t = p`` if ``y = 1`` else ``1 - p`` and ``alpha_t = alpha`` if ``y = 1``
    else ``1 - alpha`` (1 when ``alpha`` is None):

    .. math::

        FL(z, y) = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    Softmax (margins of shape (n_samples, n_classes), labels in [0, K)):
    ``p_t = softmax(z)_y``, ``alpha_t = alpha[y]``. The objective returns the
    gradient and the diagonal of the hessian of ``w * FL`` with respect to the
    margins; for softmax the
    hessian follows XGBoost's native rule (:data:`PROFILE`; up to 3.2 the diagonal
    times :data:`SOFTMAX_HESS_FACTOR` = 2). ``hess_floor`` is the hessian policy
    (module notes).

    Call conventions
    ----------------
    ``obj(predt, dtrain)``
        xgb.train / xgboost.dask.train: ``predt`` of shape (n_samples,) or
        (n_samples, n_classes); labels and weights from ``dtrain``.
    ``obj(y_true, y_pred, sample_weight=None)``
        XGBClassifier / DaskXGBClassifier.

    Returns ``(grad, hess)``: float64 arrays of the shape of the margins.

    Labels and weights are validated on the first call for a dataset and again
    only when their content changes: each round costs an O(n) equality test
    against a cached copy (the last few datasets are kept; the cache is not
    pickled).
    """

    def __call__(
        self, first: Any, second: Any, *, sample_weight: ArrayLike | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self._grad_hess(*self._split_call(first, second, sample_weight))


class FocalMetric(_FocalBase):
    r"""Weighted mean focal loss on raw margins, for XGBoost's ``custom_metric`` / ``eval_metric``.

    .. math::

        \mathrm{metric} = \frac{\sum_i w_i\,FL(z_i, y_i)}{\sum_i w_i}

    (``alpha_t`` inside FL, as in :class:`FocalObjective`). Lower is better:
    XGBoost's sklearn API minimises callable metrics, and with xgb.train pass
    ``maximize=False`` (the default).

    It receives margins: XGBoost hands raw margins to a custom metric whenever
    the objective is a custom one (as with :func:`focal_objective`). Do not use
    it with a built-in objective, where the metric receives probabilities.

    Call conventions
    ----------------
    ``metric(predt, dmatrix) -> (name, value)``
        xgb.train ``custom_metric``.
    ``metric(y_true, y_score, sample_weight=None) -> value``
        XGBClassifier ``eval_metric`` (the name shown is :attr:`__name__`).
    """

    def __init__(
        self,
        *,
        gamma: GammaLike = 2.0,
        alpha: AlphaLike = None,
        loss: FocalLoss | None = None,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
        name: str = "focal_loss",
    ) -> None:
        super().__init__(
            gamma=gamma, alpha=alpha, loss=loss, label_smoothing=label_smoothing, negative_shift=negative_shift
        )
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        self.__name__ = name

    def __repr__(self) -> str:
        return f"FocalMetric(loss={self.loss!r}, name={self.__name__!r})"

    def __call__(self, first: Any, second: Any, *, sample_weight: ArrayLike | None = None) -> Any:
        value = self._mean_loss(*self._split_call(first, second, sample_weight))
        if _is_dmatrix(second):
            return self.__name__, value
        return value


def focal_objective(
    *,
    gamma: GammaLike = 2.0,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    hess_floor: HessFloor = CURVATURE_FLOOR,
    n_jobs: int | None = None,
) -> FocalObjective:
    r"""Focal-loss objective for ``xgb.train(obj=...)``, ``XGBClassifier(objective=...)`` and Dask.

    Parameters
    ----------
    gamma : float or sequence of float, default=2.0
        Focusing parameter, finite and >= 0; 0 gives (alpha-weighted) cross-entropy.
        A sequence gives one per class (binary ``[g_0, g_1]``, softmax one per
        class), indexed by the sample's true class.
    alpha : float, sequence of float or None, default=None
        Binary: weight of the positive class in [0, 1] (negatives get
        ``1 - alpha``) or the class weights ``[a_0, a_1]``. Softmax: one weight >= 0 per class (length ``num_class``,
        checked on the first call) or a single number scaling every class.
        None: no class weighting.
    label_smoothing : float in [0, 1), default=0.0
        Smoothed targets (see :class:`boostfocal.FocalLoss`); 0: hard labels.
    negative_shift : float in [0, 1), default=0.0
        Binary only: ASL's probability margin m, negatives scored at ``max(p - m, 0)``
        (see :class:`boostfocal.FocalLoss`); 0: no shift.
    loss : FocalLoss, optional
        The loss to train with, instead of ``gamma`` / ``alpha`` / ``label_smoothing`` /
        ``negative_shift`` (give one or the other). A loss with ``link=None`` serves binary and softmax boosters.
    hess_floor : "curvature" or float, default="curvature"
        The hessian policy (module notes): ``"curvature"`` returns
        ``max(h, w a_t (1 - p_t)^gamma c_CE)``; a number f >= 0 returns ``max(h, f w)``.
    n_jobs : int or None, default=None
        Threads of the numba backend (see :func:`boostfocal.set_backend`):
        None uses numba's setting (``NUMBA_NUM_THREADS``, all cores by
        default); a positive number caps it -- pass the booster's
        ``nthread`` / ``num_threads``; -1 means all, -2 all but one. The
        numpy backend ignores it.

    Returns
    -------
    FocalObjective
        Callable as ``obj(predt, dtrain)`` or ``obj(y_true, y_pred, sample_weight=None)``,
        returning ``(grad, hess)`` of shape (n_samples,) (binary) or
        (n_samples, n_classes) (softmax).

    Raises
    ------
    TypeError, ValueError
        For a bad ``gamma``, ``alpha`` or ``hess_floor`` (here), and on the
        first call for labels outside {0, 1} / [0, K), an ``alpha`` whose length
        is not the number of classes, or negative / non-finite weights.

    Notes
    -----
    .. math::

        \frac{\partial FL}{\partial u} = \alpha_t (1 - p_t)^\gamma (\gamma\,p_t \log p_t - (1 - p_t))

    with ``u`` the signed margin (see :mod:`boostfocal._core`). The softmax
    hessian diagonal is multiplied by :data:`SOFTMAX_HESS_FACTOR` (2).
    """
    return FocalObjective(
        gamma=gamma,
        alpha=alpha,
        loss=loss,
        label_smoothing=label_smoothing,
        negative_shift=negative_shift,
        hess_floor=hess_floor,
        n_jobs=n_jobs,
    )


def focal_metric(
    *,
    gamma: GammaLike = 2.0,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    name: str = "focal_loss",
) -> FocalMetric:
    r"""Weighted mean focal loss on margins, for ``custom_metric`` / ``eval_metric`` (minimised).

    Parameters
    ----------
    gamma, alpha, loss, label_smoothing, negative_shift
        As in :func:`focal_objective`; use the same values to monitor the
        training objective.
    name : str, default="focal_loss"
        Name under which XGBoost records the metric (``evals_result``).

    Returns
    -------
    FocalMetric
        ``metric(predt, dmatrix) -> (name, value)`` for xgb.train and
        ``metric(y_true, y_score, sample_weight=None) -> value`` for XGBClassifier.

    Notes
    -----
    .. math::

        \mathrm{metric} = \frac{\sum_i w_i\,FL(z_i, y_i)}{\sum_i w_i}
    """
    return FocalMetric(
        gamma=gamma, alpha=alpha, loss=loss, label_smoothing=label_smoothing, negative_shift=negative_shift, name=name
    )


def focal_params(
    params: Mapping[str, Any] | None = None,
    *,
    y_true: ArrayLike | xgb.DMatrix,
    gamma: GammaLike = 2.0,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    sample_weight: ArrayLike | None = None,
    num_class: int | None = None,
) -> dict[str, Any]:
    r"""Booster parameters that start from the focal-optimal margin and predict probabilities.

    Returns a copy of ``params`` with

    * ``objective="binary:logistic"`` (binary) or ``"multi:softprob"`` and
      ``num_class`` (softmax): ``Booster.predict`` then returns probabilities,
      (n,) or (n, K) with rows summing to 1, while a custom ``obj`` still
      receives raw margins;
    * ``base_score`` set so that the starting margin is
      :func:`boostfocal.initial_margin` of the training labels and weights:
      ``expit(z*)`` for binary (XGBoost stores a probability and boosts from its
      logit), the vector ``z*`` for softmax (xgboost 3.x uses a per-class
      ``base_score`` as the starting margins).

    A ``base_margin`` set on a DMatrix replaces ``base_score`` for that DMatrix
    (XGBoost's rule); do not set one if you want this starting margin.

    Parameters
    ----------
    params : mapping, optional
        Other booster parameters, copied. ``objective`` and ``base_score`` in it
        are overwritten.
    y_true : xgboost.DMatrix or array-like of shape (n_samples,)
        The training DMatrix (labels and weights are read from it) or the
        training labels.
    gamma, alpha, loss, label_smoothing, negative_shift
        As in :func:`focal_objective`; use the same values.
    sample_weight : array-like of shape (n_samples,), optional
        Training weights when ``y_true`` is an array (ignored -- an error -- with
        a DMatrix, whose weights are used).
    num_class : int, optional
        Number of classes K >= 2 for softmax; defaults to ``params["num_class"]``;
        None (and no ``num_class`` in params) means binary.

    Returns
    -------
    dict
        The parameters to pass to ``xgb.train`` / ``xgboost.dask.train``.

    Raises
    ------
    TypeError, ValueError
        For bad hyperparameters, labels, weights or ``num_class``.
    """
    focal = resolve_loss(loss, gamma, alpha, label_smoothing, negative_shift)
    out: dict[str, Any] = dict(params or {})
    if num_class is None and out.get("num_class") is not None:
        num_class = out["num_class"]
    if num_class is None and focal.num_class is not None:
        num_class = focal.num_class
    if num_class is not None:
        try:
            num_class = check_num_class(num_class)
        except ValueError:
            raise ValueError(f"num_class must be an integer >= 2 (or None for binary), got {num_class!r}") from None
    if isinstance(y_true, xgb.DMatrix):
        if sample_weight is not None:
            raise TypeError("sample_weight is read from the DMatrix; do not pass it with a DMatrix")
        y = y_true.get_label()
        sample_weight = _weights_or_none(y_true.get_weight())
    else:
        y = y_true
    if num_class is None:
        if focal.link is not None and focal.link.name == "softmax":
            raise ValueError("a softmax loss needs num_class (in params, as an argument or in the loss)")
        z0 = focal.initial_margin(y, sample_weight)
        out["objective"] = "binary:logistic"
        out.pop("num_class", None)
    else:
        if focal.link is not None and focal.link.name == "sigmoid":
            raise ValueError(f"a sigmoid (binary) loss cannot train num_class={num_class} classes")
        z0 = focal.with_link("softmax", num_class).initial_margin(y, sample_weight)
        out["objective"] = "multi:softprob"
        out["num_class"] = num_class
    out["base_score"] = base_score_from_margin(z0)
    return out
