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
``gamma > 0``, and XGBoost's histogram code sums the per-row hessians of a node
as they are, so negative values would pull leaves the wrong way: ``hess_floor``
is the policy (:mod:`boostfocal._policy`); the default ``"curvature"`` raises the
exact hessian to the focal-weighted cross-entropy curvature, which *is* the
hessian at ``gamma = 0``, so the native model is reproduced at any number of rounds.

For softmax the rule follows the installed XGBoost (:data:`PROFILE`): up to
3.2 the exact diagonal times :data:`SOFTMAX_HESS_FACTOR` (2 there), as
``multi:softprob``'s ``max(2 p (1 - p) w, eps)``; from 3.3 (XGBoost PR #12537,
native hessian ``|p - y| w``) the exact diagonal (:data:`SOFTMAX_HESS_FACTOR` = 1)
with the floor ``w a_y q^gamma |p_k - [k = y]|``. Either way ``gamma = 0``
reproduces the native multiclass model.

Starting margin and probabilities
---------------------------------
With a custom objective XGBoost never estimates an intercept, and with no
``objective`` in the parameters ``predict`` returns raw margins. :func:`focal_params`
returns parameters with ``objective="binary:logistic"`` or ``"multi:softprob"``
and ``base_score`` set from :func:`boostfocal.initial_margin`: boosting starts
from the focal-optimal constant margin, the custom objective still receives
margins, and ``predict`` returns probabilities ((n,) binary, (n, K) multiclass).

After ``xgb.train(params, dtrain, obj=focal_objective(...))`` *without* :func:`focal_params`
the model file says ``reg:squarederror`` and ``predict`` returns margins: :func:`finalize` (one
call) declares ``binary:logistic`` / ``multi:softprob`` with the same starting margin and records
the loss, so plain XGBoost, ``boostfocal.to_onnx`` and Treelite return the focal probability.

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xgboost as xgb
from numpy.typing import ArrayLike, NDArray

from ._adapter import (
    FocalBase,
    MetricMixin,
    ObjectiveMixin,
    Reducer,
    fill_doc,
    fixed_link,
    takes_loss_params,
)
from ._link import expit
from ._loss import CURVATURE_FLOOR, DEFAULT_HESS_FLOOR, FocalLoss, HessFloor
from ._loss_params import LossParams, Unpack, resolve_loss
from ._profiles import xgboost_profile
from ._validation import check_num_class
from ._xgboost_model import MAX_BINARY_BASE_MARGIN, finalize

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
    "finalize",
]

#: The conventions of the installed XGBoost (softmax hessian rule, record location).
PROFILE = xgboost_profile(xgb.__version__)

#: Factor applied to the exact diagonal of the softmax focal hessian: 2 up to XGBoost 3.2
#: (native ``multi:softprob`` hessian ``2 p (1 - p) w``), 1 from 3.3 (``|p - y| w``, see :data:`PROFILE`).
SOFTMAX_HESS_FACTOR: float = PROFILE.softmax_hess_scale(2)


def base_score_from_margin(z0: float | NDArray[np.floating], *, multilabel: bool = False) -> float | list[float]:
    r"""``base_score`` that makes XGBoost start from margin ``z0``.

    binary:logistic stores a probability and boosts from its logit, so a float
    margin becomes :math:`\sigma(z_0)` (``z0`` clipped to [-30, 30]); xgboost 3.x
    multi:softprob uses a per-class ``base_score`` as the starting margins, so an
    array becomes a list of floats. Multi-label (binary:logistic with one output per
    label): one probability per label, :math:`\sigma(z_{0k})`.

    Parameters
    ----------
    z0 : float or ndarray of shape (n_classes,) or (n_labels,)
        The starting margin (:meth:`boostfocal.FocalLoss.initial_margin`).
    multilabel : bool, default=False
        True: ``z0`` holds one binary margin per label.

    Returns
    -------
    float or list of float
    """
    if multilabel:
        clipped = np.clip(np.asarray(z0, dtype=np.float64), -MAX_BINARY_BASE_MARGIN, MAX_BINARY_BASE_MARGIN)
        return [float(v) for v in expit(np.atleast_1d(clipped))]
    if isinstance(z0, np.ndarray):
        return [float(v) for v in z0]
    zc = float(np.clip(z0, -MAX_BINARY_BASE_MARGIN, MAX_BINARY_BASE_MARGIN))
    return float(expit(zc))


class _Collective:
    """XGBoost's collective as a reducer: elementwise sums over the workers of the running job."""

    def allreduce(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(xgb.collective.allreduce(np.asarray(values, dtype=np.float64), xgb.collective.Op.SUM))


_COLLECTIVE = _Collective()


def _dmatrix_labels(dtrain: xgb.DMatrix) -> tuple[NDArray, NDArray | None]:
    """``(labels, weights or None)`` of a DMatrix."""
    return dtrain.get_label(), FocalBase._as_weights(dtrain.get_weight())


class _FocalBase(FocalBase):
    """XGBoost's call conventions on top of the shared loss, pickling and label cache."""

    _profile = PROFILE
    _squeeze_label_column = True  # XGBClassifier may pass labels of shape (n, 1)

    def _split_call(
        self, first: Any, second: Any, sample_weight: ArrayLike | None
    ) -> tuple[NDArray, NDArray, NDArray | None]:
        """Return ``(margins, raw labels, raw weights or None)`` for either calling convention."""
        if isinstance(second, xgb.DMatrix):
            if sample_weight is not None:
                raise TypeError("sample_weight is read from the DMatrix; do not pass it with (predt, dtrain)")
            return (self._as_scores(first), *_dmatrix_labels(second))
        if isinstance(first, xgb.DMatrix):
            raise TypeError(
                "call as obj(predt, dtrain) (xgb.train) or obj(y_true, y_pred, sample_weight=...) "
                "(XGBClassifier); got a DMatrix as the first argument"
            )
        return self._as_scores(second), np.asarray(first), self._as_weights(sample_weight)


@fill_doc()
class FocalObjective(ObjectiveMixin, _FocalBase):
    r"""Focal-loss objective for XGBoost (binary and softmax), on raw margins.

    Create it with :func:`focal_objective`. Instances are picklable and hold no
    reference to any dataset beyond a cache of the last validated labels.

    %(focal_formula)s

    The objective returns the gradient and the diagonal of the hessian of ``w * FL``
    with respect to the margins; for softmax the hessian follows XGBoost's native
    rule (:data:`PROFILE`; up to 3.2 the diagonal times :data:`SOFTMAX_HESS_FACTOR`
    = 2). ``hess_floor`` is the hessian policy (module notes).

    Call conventions
    ----------------
    ``obj(predt, dtrain)``
        xgb.train / xgboost.dask.train: ``predt`` of shape (n_samples,) or
        (n_samples, n_classes); labels and weights from ``dtrain``.
    ``obj(y_true, y_pred, sample_weight=None)``
        XGBClassifier / DaskXGBClassifier.

    Returns ``(grad, hess)``: float32 arrays (what XGBoost stores) of the shape of the margins.

    %(label_cache)s
    """

    def __call__(
        self, first: Any, second: Any, *, sample_weight: ArrayLike | None = None
    ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self._grad_hess(*self._split_call(first, second, sample_weight))


@fill_doc()
class FocalMetric(MetricMixin, _FocalBase):
    r"""Weighted mean focal loss on raw margins, for XGBoost's ``custom_metric`` / ``eval_metric``.

    %(metric_formula)s

    (``alpha_t`` inside FL, as in :class:`FocalObjective`). Lower is better:
    XGBoost's sklearn API minimises callable metrics, and with xgb.train pass
    ``maximize=False`` (the default).

    It receives margins: XGBoost hands raw margins to a custom metric whenever
    the objective is a custom one (as with :func:`focal_objective`). Do not use
    it with a built-in objective, where the metric receives probabilities.

    Distributed (``xgboost.dask``, Ray Train, any job with XGBoost's collective up): the
    value is the global weighted mean over every worker's rows, the two sums added up
    through ``xgboost.collective.allreduce``, so it equals the single-machine metric on the
    same rows (XGBoost's own average of a custom metric over workers is unweighted; it then
    averages equal values). A ``reducer`` (:mod:`boostfocal.collective`) replaces that.

    Call conventions
    ----------------
    ``metric(predt, dmatrix) -> (name, value)``
        xgb.train ``custom_metric``.
    ``metric(y_true, y_score, sample_weight=None) -> value``
        XGBClassifier ``eval_metric`` (the name shown is :attr:`__name__`).
    """

    @property
    def __name__(self) -> str:  # what XGBoost's sklearn API shows
        return self.name

    def _reducer(self) -> Reducer | None:
        if self.reducer is None and xgb.collective.is_distributed():
            return _COLLECTIVE
        return self.reducer

    def __call__(self, first: Any, second: Any, *, sample_weight: ArrayLike | None = None) -> Any:
        value = self._mean_loss(*self._split_call(first, second, sample_weight))
        if isinstance(second, xgb.DMatrix):
            return self.__name__, value
        return value


@takes_loss_params
def focal_objective(
    *, hess_floor: HessFloor = CURVATURE_FLOOR, n_jobs: int | None = None, **loss_params: Unpack[LossParams]
) -> FocalObjective:
    r"""Focal-loss objective for ``xgb.train(obj=...)``, ``XGBClassifier(objective=...)`` and Dask.

    Parameters
    ----------
    %(loss_params)s
    %(hess_floor)s
    %(n_jobs)s

    Returns
    -------
    FocalObjective
        Callable as ``obj(predt, dtrain)`` or ``obj(y_true, y_pred, sample_weight=None)``,
        returning float32 ``(grad, hess)`` of shape (n_samples,) (binary) or
        (n_samples, n_classes) (softmax).

    Raises
    ------
    TypeError, ValueError
        For a bad ``gamma``, ``alpha`` or ``hess_floor``, or ``loss`` given with any
        of its parameters (here), and on the first call for labels outside {0, 1} /
        [0, K), an ``alpha`` whose length is not the number of classes, or negative /
        non-finite weights.

    Notes
    -----
    %(gradient_formula)s

    The softmax hessian diagonal is multiplied by :data:`SOFTMAX_HESS_FACTOR` (2 up
    to XGBoost 3.2, 1 from 3.3).
    """
    return FocalObjective(hess_floor=hess_floor, n_jobs=n_jobs, **loss_params)


@takes_loss_params
def focal_metric(
    *, name: str = "focal_loss", reducer: Reducer | None = None, **loss_params: Unpack[LossParams]
) -> FocalMetric:
    r"""Weighted mean focal loss on margins, for ``custom_metric`` / ``eval_metric`` (minimised).

    Parameters
    ----------
    %(loss_params)s
    name : str, default="focal_loss"
        Name under which XGBoost records the metric (``evals_result``).
    reducer : object with ``allreduce(values)``, optional
        Sums over the workers (:mod:`boostfocal.collective`). None: XGBoost's collective
        inside a distributed job (the global weighted mean), the local mean otherwise.

    Returns
    -------
    FocalMetric
        ``metric(predt, dmatrix) -> (name, value)`` for xgb.train and
        ``metric(y_true, y_score, sample_weight=None) -> value`` for XGBClassifier.

    %(metric_notes)s
    """
    return FocalMetric(name=name, reducer=reducer, **loss_params)


def _multilabel_params(
    out: dict[str, Any], focal: FocalLoss, y: ArrayLike, sample_weight: ArrayLike | None, num_class: int | None
) -> dict[str, Any]:
    """``focal_params`` for an (n, K) label: ``binary:logistic`` with one starting probability per label."""
    y_arr = np.asarray(y)
    if y_arr.ndim != 2:
        raise ValueError(
            f"a multi-label loss needs labels of shape (n_samples, n_labels), got shape {y_arr.shape}; "
            "give the DMatrix a 2-D label"
        )
    if focal.link is not None and not focal.is_multilabel:
        raise ValueError(
            f"the labels have shape {y_arr.shape} (multi-label) but the loss has link {focal.link.name!r}; "
            "use link='multilabel' or no link"
        )
    if num_class is not None or out.get("num_class") is not None:
        raise ValueError(
            f"num_class is for softmax; the labels have shape {y_arr.shape} (multi-label, one sigmoid per label): "
            "leave num_class out"
        )
    z0 = np.asarray(fixed_link(focal, y_arr.shape[1], multilabel=True).initial_margin(y_arr, sample_weight))
    out["objective"] = "binary:logistic"
    out.pop("num_class", None)
    out["base_score"] = base_score_from_margin(z0.astype(np.float64), multilabel=True)
    return out


def _num_class(num_class: object, params: Mapping[str, Any], focal: FocalLoss) -> int | None:
    """``num_class`` from the argument, else the parameters, else the loss; None: binary."""
    for value in (num_class, params.get("num_class"), focal.num_class):
        if value is not None:
            try:
                return check_num_class(value)
            except ValueError:
                raise ValueError(f"num_class must be an integer >= 2 (or None for binary), got {value!r}") from None
    return None


@takes_loss_params
def focal_params(
    params: Mapping[str, Any] | None = None,
    *,
    y_true: ArrayLike | xgb.DMatrix,
    sample_weight: ArrayLike | None = None,
    num_class: int | None = None,
    **loss_params: Unpack[LossParams],
) -> dict[str, Any]:
    r"""Booster parameters that start from the focal-optimal margin and predict probabilities.

    Returns a copy of ``params`` with ``objective="binary:logistic"`` (binary) or
    ``"multi:softprob"`` and ``num_class`` (softmax), so that ``Booster.predict`` returns
    probabilities ((n,) or (n, K)) while a custom ``obj`` still receives raw margins, and
    ``base_score`` set so that the starting margin is :func:`boostfocal.initial_margin` of
    the training labels and weights: ``expit(z*)`` for binary (XGBoost stores a probability
    and boosts from its logit), the vector ``z*`` for softmax (per-class ``base_score``).
    Multi-label (an (n_samples, K) label or a loss with ``link="multilabel"``):
    ``binary:logistic`` with one starting probability ``expit(z*_k)`` per label (either
    ``multi_strategy``), and ``predict`` returns (n, K) probabilities. A ``base_margin``
    set on a DMatrix replaces ``base_score`` for that DMatrix (XGBoost's rule).

    Parameters
    ----------
    params : mapping, optional
        Other booster parameters, copied. ``objective`` and ``base_score`` in it
        are overwritten.
    y_true : xgboost.DMatrix or array-like of shape (n_samples,) or (n_samples, n_labels)
        The training DMatrix (labels and weights are read from it) or the
        training labels (an (n, K) 0/1 indicator for multi-label).
    %(loss_params)s
        Use the objective's values.
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
    RuntimeError
        Inside a distributed XGBoost job (a Dask or Ray worker with XGBoost's collective up):
        the starting margin of one shard's labels is not the model's. Compute it from all rows
        (on the client with the full labels, or :func:`boostfocal.ray.prepare` over a Ray Dataset).
    """
    if xgb.collective.is_distributed():
        raise RuntimeError(
            f"focal_params was called on worker {xgb.collective.get_rank()} of a distributed XGBoost job "
            f"({xgb.collective.get_world_size()} workers): the starting margin of this worker's shard is not "
            "the starting margin of all rows; compute the parameters once from all rows (on the client, or "
            "boostfocal.ray.prepare(dataset, ...).xgboost_params(...) for a Ray Dataset) and pass them in"
        )
    focal = resolve_loss(**loss_params)
    out: dict[str, Any] = dict(params or {})
    k = _num_class(num_class, out, focal)
    y: ArrayLike
    if isinstance(y_true, xgb.DMatrix):
        if sample_weight is not None:
            raise TypeError("sample_weight is read from the DMatrix; do not pass it with a DMatrix")
        y, sample_weight = _dmatrix_labels(y_true)
    else:
        y = y_true
    if focal.is_multilabel or np.ndim(y) == 2:
        return _multilabel_params(out, focal, y, sample_weight, k)
    if k is None and focal.link is not None and focal.link.name == "softmax":
        raise ValueError("a softmax loss needs num_class (in params, as an argument or in the loss)")
    if k is not None and focal.link is not None and focal.link.name == "sigmoid":
        raise ValueError(f"a sigmoid (binary) loss cannot train num_class={k} classes")
    z0 = fixed_link(focal, 1 if k is None else k).initial_margin(y, sample_weight)
    out["objective"] = "binary:logistic" if k is None else "multi:softprob"
    out.pop("num_class", None)
    if k is not None:
        out["num_class"] = k
    out["base_score"] = base_score_from_margin(z0)
    return out
