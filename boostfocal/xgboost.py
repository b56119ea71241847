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

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xgboost as xgb
from numpy.typing import ArrayLike, NDArray

from ._adapter import FocalBase, MetricMixin, ObjectiveMixin, check_margin_vector, fill_doc, fixed_link, resolve_loss
from ._link import expit
from ._loss import CURVATURE_FLOOR, DEFAULT_HESS_FLOOR, AlphaLike, FocalLoss, GammaLike, HessFloor
from ._policy import HessPolicy
from ._profiles import FOCAL_PROBABILITY, NATIVE_OUTPUT_KEY, RECORD_KEY, make_record, xgboost_profile
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
    "finalize",
]

#: The conventions of the installed XGBoost (softmax hessian rule, record location).
PROFILE = xgboost_profile(xgb.__version__)

#: Factor applied to the exact diagonal of the softmax focal hessian: 2 up to XGBoost 3.2
#: (native ``multi:softprob`` hessian ``2 p (1 - p) w``), 1 from 3.3 (``|p - y| w``, see :data:`PROFILE`).
SOFTMAX_HESS_FACTOR: float = PROFILE.softmax_hess_scale(2)

# Largest |initial margin| written into a binary ``base_score`` (a probability
# in float32): expit(+-30) is still strictly inside (0, 1).
_MAX_BINARY_BASE_MARGIN = 30.0


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
        clipped = np.clip(np.asarray(z0, dtype=np.float64), -_MAX_BINARY_BASE_MARGIN, _MAX_BINARY_BASE_MARGIN)
        return [float(v) for v in expit(np.atleast_1d(clipped))]
    if isinstance(z0, np.ndarray):
        return [float(v) for v in z0]
    zc = float(np.clip(z0, -_MAX_BINARY_BASE_MARGIN, _MAX_BINARY_BASE_MARGIN))
    return float(expit(zc))


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

    def __call__(self, first: Any, second: Any, *, sample_weight: ArrayLike | None = None) -> Any:
        value = self._mean_loss(*self._split_call(first, second, sample_weight))
        if isinstance(second, xgb.DMatrix):
            return self.__name__, value
        return value


@fill_doc()
def focal_objective(
    *,
    gamma: GammaLike | None = None,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float | None = None,
    negative_shift: float | None = None,
    poly_epsilon: float | None = None,
    hess_floor: HessFloor = CURVATURE_FLOOR,
    n_jobs: int | None = None,
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
    return FocalObjective(
        gamma=gamma,
        alpha=alpha,
        loss=loss,
        label_smoothing=label_smoothing,
        negative_shift=negative_shift,
        poly_epsilon=poly_epsilon,
        hess_floor=hess_floor,
        n_jobs=n_jobs,
    )


@fill_doc()
def focal_metric(
    *,
    gamma: GammaLike | None = None,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float | None = None,
    negative_shift: float | None = None,
    poly_epsilon: float | None = None,
    name: str = "focal_loss",
) -> FocalMetric:
    r"""Weighted mean focal loss on margins, for ``custom_metric`` / ``eval_metric`` (minimised).

    Parameters
    ----------
    %(loss_params)s
    name : str, default="focal_loss"
        Name under which XGBoost records the metric (``evals_result``).

    Returns
    -------
    FocalMetric
        ``metric(predt, dmatrix) -> (name, value)`` for xgb.train and
        ``metric(y_true, y_score, sample_weight=None) -> value`` for XGBClassifier.

    Notes
    -----
    Use the training objective's loss parameters to monitor it.

    %(metric_formula)s
    """
    return FocalMetric(
        gamma=gamma,
        alpha=alpha,
        loss=loss,
        label_smoothing=label_smoothing,
        negative_shift=negative_shift,
        poly_epsilon=poly_epsilon,
        name=name,
    )


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


@fill_doc()
def focal_params(
    params: Mapping[str, Any] | None = None,
    *,
    y_true: ArrayLike | xgb.DMatrix,
    gamma: GammaLike | None = None,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float | None = None,
    negative_shift: float | None = None,
    poly_epsilon: float | None = None,
    sample_weight: ArrayLike | None = None,
    num_class: int | None = None,
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
    """
    focal = resolve_loss(
        loss,
        gamma=gamma,
        alpha=alpha,
        label_smoothing=label_smoothing,
        negative_shift=negative_shift,
        poly_epsilon=poly_epsilon,
    )
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


def _base_margins(learner: Mapping[str, Any], k: int) -> NDArray[np.float64]:
    """The margins a ``reg:squarederror`` booster starts from (its ``base_score``, identity link), one per output."""
    values = np.asarray(json.loads(learner["learner_model_param"]["base_score"]), dtype=np.float64).ravel()
    return np.broadcast_to(values, (k,)).copy() if values.shape[0] in (1, k) else values


def _shift_first_trees(booster_model: dict[str, Any], margin: NDArray[np.float64]) -> bool:
    """Add ``margin[k]`` to every leaf of output k's first tree (in place); False for vector-leaf trees."""
    trees, tree_info = booster_model["trees"], booster_model["tree_info"]
    if any(int(t["tree_param"].get("size_leaf_vector", "1")) > 1 for t in trees):
        return False
    for k, value in enumerate(margin):
        tree = trees[tree_info.index(k)]
        for i, left in enumerate(tree["left_children"]):
            if left == -1:  # a leaf: its value is split_conditions[i] (base_weights: before the learning rate)
                tree["split_conditions"][i] = float(np.float32(np.float64(tree["split_conditions"][i]) + value))
    return True


def _declared(model: dict[str, Any], link: str, k: int, margin: NDArray[np.float64]) -> None:
    """Set the native objective of ``link``, starting from ``margin`` (in place).

    The margin goes into the leaves of the first trees and ``base_score`` says margin 0 (0.5 for
    ``binary:logistic``): a float32 probability would move the margin by about 2e-7. Vector-leaf trees
    (``multi_strategy="multi_output_tree"``) get it through ``base_score``.
    """
    learner = model["learner"]
    shifted = _shift_first_trees(learner["gradient_booster"]["model"], margin)
    start = np.zeros(k) if shifted else margin
    if link == "softmax":
        learner["objective"] = {"name": "multi:softprob", "softmax_multiclass_param": {"num_class": str(k)}}
        base = start  # multi:softprob: base_score holds the starting margins
    else:
        learner["objective"] = {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}
        base = expit(np.clip(start, -_MAX_BINARY_BASE_MARGIN, _MAX_BINARY_BASE_MARGIN))
    learner["learner_model_param"]["base_score"] = "[" + ",".join(f"{v:.9E}" for v in base) + "]"


@fill_doc()
def finalize(
    booster: xgb.Booster,
    *,
    gamma: GammaLike | None = None,
    alpha: AlphaLike = None,
    loss: FocalLoss | None = None,
    label_smoothing: float | None = None,
    negative_shift: float | None = None,
    poly_epsilon: float | None = None,
    initial_margin: float | ArrayLike | None = None,
    hess_floor: HessFloor = CURVATURE_FLOOR,
) -> xgb.Booster:
    r"""The one call after ``xgb.train(obj=focal_objective(...))``: a booster whose file says what it is.

    A booster trained without :func:`focal_params` says ``reg:squarederror`` and predicts margins
    :math:`z`; the returned one declares ``binary:logistic`` (one output, or one per label:
    multi-label) or ``multi:softprob`` (``num_class`` outputs) with the same starting margin and
    carries the loss record (booster attribute ``"boostfocal"``): plain XGBoost's ``predict``
    returns the focal probability :math:`\sigma(z)` or :math:`\mathrm{softmax}(z)` (never a
    posterior), ``predict(output_margin=True)`` the margins. A booster that already declares its
    objective (:func:`focal_params`) only gains the record.

    Parameters
    ----------
    booster : xgboost.Booster
        Trained with :func:`focal_objective`.
    %(loss_params)s
        The loss it was trained with (a booster with a record needs none).
    initial_margin : float or array-like of shape (n_outputs,), optional
        The ``base_margin`` its training DMatrix had (which replaced ``base_score``); None: the
        booster's own ``base_score``. Refused when the objective is already declared.
    %(hess_floor)s
        Recorded.

    Returns
    -------
    xgboost.Booster
        A new booster; ``booster`` is not modified.

    Raises
    ------
    ValueError
        If the booster has no record and no loss is given, has a record and a loss is given, or
        declares another objective than the link's.
    """
    if not isinstance(booster, xgb.Booster):
        raise TypeError(f"booster must be an xgboost.Booster, got {type(booster).__name__}")
    params: dict[str, Any] = dict(
        gamma=gamma, alpha=alpha, label_smoothing=label_smoothing, negative_shift=negative_shift,
        poly_epsilon=poly_epsilon,
    )  # fmt: skip
    record = booster.attr(RECORD_KEY)
    no_loss = loss is None and all(value is None for value in params.values())
    if record is None and no_loss:
        raise ValueError(
            "this booster has no boostfocal record (trained without focal_params / the estimator): pass the loss "
            "it was trained with, finalize(booster, loss=FocalLoss(...)) or gamma=/alpha="
        )
    if record is not None and not no_loss:
        raise ValueError("this booster already holds a boostfocal record: finalize(booster) takes no loss")
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    n_class = int(learner["learner_model_param"].get("num_class", "0"))
    n_target = int(learner["learner_model_param"].get("num_target", "1"))
    k = max(n_class, n_target, 1)
    focal = FocalLoss.from_dict(json.loads(record)) if record is not None else resolve_loss(loss, **params)
    focal = fixed_link(focal, k, multilabel=n_target > 1)
    assert focal.link is not None
    name = learner["objective"]["name"]
    native = "multi:softprob" if focal.link.name == "softmax" else "binary:logistic"
    if name in ("reg:squarederror", "multi:softmax"):  # what xgb.train(obj=...) writes: identity link
        margin = _base_margins(learner, k) if initial_margin is None else check_margin_vector(initial_margin)
        margin = np.broadcast_to(np.asarray(margin, dtype=np.float64), (k,)).copy()
        _declared(model, focal.link.name, k, margin)
    elif name != native:
        raise ValueError(f"the booster declares objective {name!r}, not {native!r} of its focal loss's link")
    elif initial_margin is not None:
        raise ValueError(
            f"the booster already declares {name!r} and starts from its base_score: give no initial_margin"
        )
    else:
        margin = None
    if record is None:
        policy = HessPolicy.parse(hess_floor, allow_none=False)
        facts: dict[str, Any] = {"hess_floor": policy.spelling}
        if margin is not None:
            facts["initial_margin"] = float(margin[0]) if k == 1 else margin.tolist()
        info = make_record(focal, **facts)
    else:
        info = json.loads(record)
    info[NATIVE_OUTPUT_KEY] = FOCAL_PROBABILITY
    learner.setdefault("attributes", {})[RECORD_KEY] = json.dumps(info)
    return xgb.Booster(model_file=bytearray(json.dumps(model).encode()))
