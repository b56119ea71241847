r"""Focal loss for LightGBM: objective, metric, starting margin and probabilities.

One objective object serves every LightGBM entry point:

* ``lgb.train({"objective": focal_objective(...), ...}, train_set)``: LightGBM calls it as
  ``obj(preds, dataset)``; labels and weights are read from the :class:`lightgbm.Dataset`;
* ``lgb.LGBMClassifier(objective=focal_objective(...))`` and ``lightgbm.dask.DaskLGBMClassifier``:
  LightGBM's ``_ObjectiveFunctionWrapper`` counts the parameters of the callable and passes the
  sample weights only to a callable with three (``(y_true, y_pred, weight)``). :class:`FocalObjective`
  has exactly three, so weights always arrive and are always used (a two-parameter callable
  would be trained unweighted without a word).

1-D margins: binary focal loss; (n_samples, n_classes): softmax (``num_class``).

Hessian policy
--------------
The exact focal hessian is negative for badly misclassified samples when ``gamma > 0``: ``hess_floor``
is the policy (:mod:`boostfocal._policy`); ``"curvature"`` reproduces the native model at ``gamma = 0``.
Softmax: the diagonal (and floor) times :func:`softmax_hess_factor` ``= K / (K - 1)``, the factor of
LightGBM's own ``multiclass`` objective (``K / (K - 1) * p (1 - p) * w``). No split below
``min_sum_hessian_in_leaf`` (default 1e-3): lower it (e.g. to 1e-6) if training stalls at gamma >= 2
(confident rows have little curvature).

Starting margin and probabilities
---------------------------------
A callable objective boosts from 0 and ``predict`` returns raw margins. The documented way:

1. ``z0 = boostfocal.initial_margin(y, gamma=..., alpha=..., sample_weight=w)``;
2. give every Dataset (training and validation) ``init_score=init_score(z0, n)``:
   training and the validation metric then start from ``z0``;
3. after training, ``booster = finalize(booster, gamma=..., initial_margin=z0)`` (or
   ``embed_initial_margin(booster, z0, gamma=...)``, the same) folds ``z0`` into the leaves of
   the first iteration's trees, records the focal settings in the model and declares the native
   objective of the link (``binary sigmoid:1``, ``multiclass num_class:K``, multi-label
   ``multiclassova num_class:K sigmoid:1``): plain ``Booster.predict`` now returns the focal
   probabilities, ``predict(raw_score=True)`` the margins including ``z0``; this survives
   ``save_model`` / ``Booster(model_file=...)``, ``model_to_string`` and pickling, and the file
   serves anywhere (plain LightGBM, ``boostfocal.to_onnx``, Treelite);
4. :func:`predict_proba` returns probabilities ((n,) binary, (n, K) softmax).

Multi-label
-----------
LightGBM has no multi-label mode, but a callable objective with ``num_class = K`` grows one tree per
label per round. LightGBM's label is one number per row, so :func:`multilabel_dataset` builds a Dataset
whose label is a placeholder (zeros) and keeps the (n, K) indicator ``Y`` beside it (attribute
:data:`MULTILABEL_ATTRIBUTE`); the objective and the metric read ``Y`` from there::

    loss = FocalLoss(gamma=[4.0, 1.0], alpha=0.5, link="multilabel")
    z0 = loss.initial_margin(Y)                                  # (K,), one per label
    train = multilabel_dataset(X, Y, init_score=init_score(z0, len(X)))
    valid = multilabel_dataset(Xv, Yv, init_score=init_score(z0, len(Xv)), reference=train)
    params = {"objective": focal_objective(loss=loss), "num_class": Y.shape[1], "metric": "None"}
    booster = lgb.train(params, train, 100, valid_sets=[valid], feval=focal_metric(loss=loss))
    booster = embed_initial_margin(booster, z0, loss=loss)       # (gamma= / alpha= spelling: multilabel=True)
    proba = predict_proba(booster, X)                            # (n, K), one sigmoid per label

An objective with a multi-label loss refuses a Dataset without ``Y`` (and a ``Y`` whose shape does not
match the scores) on its first call; an objective without a link trains multi-label when the Dataset
has ``Y``, softmax otherwise. K >= 2 (one label is a binary problem).

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._adapter import (
    FocalBase,
    MetricMixin,
    ObjectiveMixin,
    PreparedLabels,
    Reducer,
    check_margin_vector,
    fill_doc,
    init_score,
    takes_loss_params,
)
from ._lightgbm_model import embed_initial_margin, embedded_model_text, finalize, focal_metadata
from ._link import LINKS
from ._loss import CURVATURE_FLOOR, DEFAULT_HESS_FLOOR, HessFloor
from ._loss_params import LossParams, Unpack
from ._profiles import LIGHTGBM
from ._validation import check_multilabel_labels

__all__ = [
    "DEFAULT_HESS_FLOOR",
    "CURVATURE_FLOOR",
    "PROFILE",
    "FocalObjective",
    "FocalMetric",
    "focal_objective",
    "focal_metric",
    "softmax_hess_factor",
    "init_score",
    "embed_initial_margin",
    "embedded_model_text",
    "finalize",
    "focal_metadata",
    "predict_proba",
    "multilabel_dataset",
    "MULTILABEL_ATTRIBUTE",
]

#: Attribute of a :func:`multilabel_dataset` holding its (n_samples, K) label indicator.
MULTILABEL_ATTRIBUTE = "boostfocal_multilabel_y"

#: The conventions of LightGBM (softmax hessian factor, record location).
PROFILE = LIGHTGBM


def softmax_hess_factor(n_classes: int) -> float:
    r"""LightGBM's diagonal-hessian factor for softmax, ``K / (K - 1)``.

    LightGBM's native ``multiclass`` objective returns
    ``K / (K - 1) * p_k (1 - p_k) * w`` as the hessian diagonal;
    :class:`FocalObjective` multiplies the exact focal diagonal by the same factor.

    .. math::

        c_K = \frac{K}{K - 1}
    """
    return PROFILE.softmax_hess_scale(n_classes)


class _FocalBase(FocalBase):
    """LightGBM's call conventions on top of the shared loss, pickling and label cache."""

    _profile = PROFILE

    def _split_call(self, first: Any, second: Any, weight: Any) -> tuple[NDArray, NDArray, NDArray | None]:
        """Return ``(margins, raw labels, raw weights or None)`` for either calling convention."""
        if isinstance(second, lgb.Dataset):
            if weight is not None:
                raise TypeError("weights are read from the Dataset; do not pass weight with (preds, dataset)")
            multilabel = getattr(second, MULTILABEL_ATTRIBUTE, None)
            y_raw = second.get_label() if multilabel is None else multilabel
            return self._as_scores(first), np.asarray(y_raw), self._as_weights(second.get_weight())
        if isinstance(first, lgb.Dataset):
            raise TypeError(
                "call as f(preds, dataset) (lgb.train) or f(y_true, y_pred, weight) (LGBMClassifier); "
                "got a Dataset as the first argument"
            )
        return self._as_scores(second), np.asarray(first), self._as_weights(weight)

    def _prepared(self, y_raw: NDArray, w_raw: NDArray | None, z: NDArray) -> PreparedLabels:
        if self.loss.is_multilabel and y_raw.ndim == 1:
            raise ValueError(
                "a multi-label focal loss needs the (n_samples, n_labels) labels: build the Dataset with "
                "boostfocal.lightgbm.multilabel_dataset(X, Y), got a Dataset with a 1-D label only"
            )
        return super()._prepared(y_raw, w_raw, z)


@fill_doc()
class FocalObjective(ObjectiveMixin, _FocalBase):
    r"""Focal-loss objective for LightGBM (binary and softmax), on raw scores.

    Create it with :func:`focal_objective`. Picklable; holds no dataset beyond a
    small cache of validated labels (not pickled).

    %(focal_formula)s

    Returns the gradient and the hessian diagonal of ``w * FL``; for softmax the
    diagonal is multiplied by ``K / (K - 1)`` (:func:`softmax_hess_factor`,
    LightGBM's convention); then the hessian policy ``hess_floor`` applies (module notes).

    Call conventions
    ----------------
    ``obj(preds, dataset)``
        ``lgb.train`` (``params["objective"]``): labels and weights from the Dataset.
    ``obj(y_true, y_pred, weight)``
        ``LGBMClassifier(objective=...)`` / ``DaskLGBMClassifier``: exactly three
        parameters, so LightGBM's wrapper always passes the sample weights.

    Returns ``(grad, hess)``: float32 arrays (what LightGBM stores) with the shape of
    the scores ([n_samples] or [n_samples, n_classes]).

    %(label_cache)s
    """

    def __call__(
        self, y_true: Any, y_pred: Any, weight: Any = None
    ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self._grad_hess(*self._split_call(y_true, y_pred, weight))


@fill_doc()
class FocalMetric(MetricMixin, _FocalBase):
    r"""Weighted mean focal loss on raw scores, for ``feval`` and sklearn ``eval_metric``.

    %(metric_formula)s

    Returns ``(name, value, False)`` (lower is better) under both call
    conventions: ``metric(preds, dataset)`` (``lgb.train(feval=...)``) and
    ``metric(y_true, y_pred, weight)`` (``LGBMClassifier.fit(eval_metric=...)``;
    three parameters, so eval weights are passed).

    It expects raw scores, which is what LightGBM passes to custom metrics when
    the objective is callable; with a built-in objective LightGBM passes
    probabilities, so do not mix the two. Distributed: give a ``reducer`` (:mod:`boostfocal.collective`).
    """

    @staticmethod
    def _check_name(name: object) -> None:
        if not isinstance(name, str) or not name or any(c.isspace() for c in name):
            raise TypeError(f"name must be a non-empty string without spaces, got {name!r}")

    def __call__(self, y_true: Any, y_pred: Any, weight: Any = None) -> tuple[str, float, bool]:
        return self.name, self._mean_loss(*self._split_call(y_true, y_pred, weight)), False


@takes_loss_params
def focal_objective(
    *, hess_floor: HessFloor = CURVATURE_FLOOR, n_jobs: int | None = None, **loss_params: Unpack[LossParams]
) -> FocalObjective:
    r"""Focal-loss objective for ``lgb.train``, ``LGBMClassifier`` and ``DaskLGBMClassifier``.

    Parameters
    ----------
    %(loss_params)s
    %(hess_floor)s
        See the module notes on ``min_sum_hessian_in_leaf``.
    %(n_jobs)s

    Returns
    -------
    FocalObjective
        ``obj(preds, dataset)`` or ``obj(y_true, y_pred, weight)`` -> float32 ``(grad, hess)``
        of shape [n_samples] (binary) or [n_samples, n_classes] (softmax).

    Raises
    ------
    TypeError, ValueError
        For a bad ``gamma``, ``alpha`` or ``hess_floor``, or ``loss`` given with any
        of its parameters (here); on the first call, for labels outside {0, 1} /
        [0, K), an ``alpha`` whose length is not ``num_class``, or negative /
        non-finite weights.

    Notes
    -----
    %(gradient_formula)s

    At ``gamma = 0`` the gradient is ``w (p - y)`` and the hessian ``w p (1 - p)``
    (binary) or ``w K/(K-1) p_k (1 - p_k)`` (softmax): LightGBM's native
    ``binary`` and ``multiclass`` objectives.
    """
    return FocalObjective(hess_floor=hess_floor, n_jobs=n_jobs, **loss_params)


@takes_loss_params
def focal_metric(
    *, name: str = "focal_loss", reducer: Reducer | None = None, **loss_params: Unpack[LossParams]
) -> FocalMetric:
    r"""Weighted mean focal loss on raw scores, for ``feval`` / ``eval_metric`` (minimised).

    Parameters
    ----------
    %(loss_params)s
    name : str, default="focal_loss"
        Name under which LightGBM records the metric (no spaces).
    reducer : object with ``allreduce(values)``, optional
        Distributed: sums over the workers, so the value is the global weighted mean and every worker stops
        at the same round (:mod:`boostfocal.collective`). None: this process's rows only.

    Returns
    -------
    FocalMetric
        ``metric(preds, dataset)`` or ``metric(y_true, y_pred, weight)`` ->
        ``(name, value, False)``.

    %(metric_notes)s
    """
    return FocalMetric(name=name, reducer=reducer, **loss_params)


def multilabel_dataset(
    data: Any,
    label: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    init_score: ArrayLike | None = None,
    reference: lgb.Dataset | None = None,
    **kwargs: Any,
) -> lgb.Dataset:
    r"""A ``lightgbm.Dataset`` for multi-label focal loss: features, a placeholder label, and ``Y`` beside it.

    Parameters
    ----------
    data : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
        Features, as for ``lightgbm.Dataset``.
    label : array-like of shape (n_samples, n_labels)
        The 0/1 indicator ``Y`` (K >= 2 labels), validated here and kept as the
        attribute :data:`MULTILABEL_ATTRIBUTE` (float64) where
        :class:`FocalObjective` and :class:`FocalMetric` read it; LightGBM's own
        label is a placeholder of zeros.
    weight : array-like of shape (n_samples,), optional
        Row weights.
    init_score : array-like of shape (n_samples, n_labels), optional
        Starting margins (:func:`init_score` of the loss's ``initial_margin(Y)``).
    reference : lightgbm.Dataset, optional
        The training Dataset, for validation sets.
    **kwargs
        Other ``lightgbm.Dataset`` arguments (``feature_name``, ``categorical_feature``, ``params``, ...).

    Returns
    -------
    lightgbm.Dataset
        Train with ``num_class = n_labels`` and a focal objective.

    Raises
    ------
    ValueError
        For a label that is not a 2-D 0/1 indicator with at least 2 columns, or a
        row count different from ``data``'s.
    """
    y = check_multilabel_labels(label)
    if y.shape[1] < 2:
        raise ValueError(
            f"label has {y.shape[1]} column: a single label is a binary problem, use a plain lightgbm.Dataset"
        )
    n_rows = getattr(data, "shape", (None,))[0]
    if n_rows is not None and n_rows != y.shape[0]:
        raise ValueError(f"label has {y.shape[0]} rows but data has {n_rows}")
    for key in ("label", "y"):
        if key in kwargs:
            raise TypeError(f"multilabel_dataset sets LightGBM's label itself; do not pass {key!r}")
    ds = lgb.Dataset(
        data, label=np.zeros(y.shape[0]), weight=weight, init_score=init_score, reference=reference, **kwargs
    )
    setattr(ds, MULTILABEL_ATTRIBUTE, y.astype(np.float64))
    return ds


def predict_proba(
    booster: lgb.Booster,
    X: Any,
    *,
    initial_margin: float | ArrayLike | None = None,
    num_iteration: int | None = None,
    multilabel: bool | None = None,
    **predict_kwargs: Any,
) -> NDArray[np.float64]:
    r"""Probabilities from a booster trained with :class:`FocalObjective`.

    .. math::

        p = \sigma(z_0 + F(x)) \;\text{(binary)}, \qquad
        p_k = \mathrm{softmax}(z_0 + F(x))_k \;\text{(softmax)}

    Parameters
    ----------
    booster : lightgbm.Booster
        A booster from ``lgb.train`` with a focal objective, or one returned by
        :func:`embed_initial_margin` (then ``z_0`` is already inside its trees).
    X : array-like, DataFrame or sparse matrix
        Features, as for ``Booster.predict``.
    initial_margin : float or array-like of shape (n_classes,), optional
        The ``init_score`` margin the booster was trained from, for a booster
        without an embedded margin. Giving it for a booster that has one is an
        error (it would be counted twice).
    num_iteration : int, optional
        As ``Booster.predict`` (default: the best iteration if set, else all).
    multilabel : bool, optional
        True: one sigmoid per tree of an iteration (a multi-label booster), shape
        (n_samples, n_labels). None: read from the record of :func:`embed_initial_margin`
        (multi-label when it says ``link="multilabel"``), else False.
    **predict_kwargs
        Passed to ``Booster.predict`` (e.g. ``start_iteration``; ``raw_score``,
        ``pred_leaf`` and ``pred_contrib`` are not allowed).

    Returns
    -------
    ndarray of shape [n_samples] (binary: P(y = 1)), [n_samples, n_classes] (rows sum to 1)
    or [n_samples, n_labels] (multi-label: P(y_k = 1) per label)
    """
    if not isinstance(booster, lgb.Booster):
        raise TypeError(f"booster must be a lightgbm.Booster, got {type(booster).__name__}")
    for key in ("raw_score", "pred_leaf", "pred_contrib"):
        if key in predict_kwargs:
            raise TypeError(f"predict_proba does not accept {key!r}")
    if multilabel is not None and not isinstance(multilabel, (bool, np.bool_)):
        raise TypeError(f"multilabel must be None, True or False, got {multilabel!r}")
    meta = focal_metadata(booster) if (initial_margin is not None or multilabel is None) else None
    if multilabel is None:
        multilabel = meta is not None and meta.get("link") == "multilabel"
    if initial_margin is not None:
        if meta is not None and meta.get("initial_margin_embedded"):
            raise ValueError(
                "this booster already includes its initial margin (embed_initial_margin); "
                "do not pass initial_margin again"
            )
    raw = booster.predict(X, raw_score=True, num_iteration=num_iteration, **predict_kwargs)
    raw = np.asarray(raw, dtype=np.float64)
    k = booster.num_model_per_iteration()
    if initial_margin is not None:
        m = np.atleast_1d(np.asarray(check_margin_vector(initial_margin), dtype=np.float64))
        if m.shape[0] != k:
            raise ValueError(f"initial_margin has {m.shape[0]} values but the booster has {k} trees per iteration")
        raw = raw + (m[0] if k == 1 else m)
    if k == 1:
        return LINKS["sigmoid"].inverse(raw)
    return LINKS["multilabel" if multilabel else "softmax"].inverse(raw.reshape(raw.shape[0], k))
