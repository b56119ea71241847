r"""``FocalLGBMClassifier``: a ``lightgbm.LGBMClassifier`` trained with focal loss.

The estimator is an ordinary ``LGBMClassifier`` (every LightGBM parameter keeps
working) whose fit

* encodes the labels (ints, strings, bools, pandas Series) and decides binary or
  multiclass from them;
* boosts with :func:`boostfocal.lightgbm.focal_objective` from the starting
  margin :func:`boostfocal.initial_margin` of the training labels and weights
  (given to LightGBM as ``init_score`` of the training and eval sets);
* computes no built-in LightGBM metric (``metric="None"``: LightGBM's
  ``binary_logloss`` would be computed on raw scores) and evaluates the focal
  loss on the eval sets first, so early stopping (``early_stopping_round`` or
  ``lgb.early_stopping(n, first_metric_only=True)``) keeps the round with the
  lowest validation focal loss, which ``predict`` / ``predict_proba`` use;
* folds the starting margin into the booster and records what it was trained
  with, both as fitted attributes (``gamma_``, ``alpha_``, ``hess_floor_``,
  ``initial_margin_``, ``class_balance_``) shown in its repr, and inside the
  native model (see :func:`boostfocal.lightgbm.focal_metadata`), so
  ``clf.booster_.save_model(path)`` writes a self-contained model file
  (``boostfocal.lightgbm.focal_metadata(path)`` reads the settings back,
  ``boostfocal.lightgbm.predict_proba(lightgbm.Booster(model_file=path), X)``
  predicts).

Focal probabilities are under-confident by design. ``predict_posterior(X)``
maps them to posterior estimates (:func:`boostfocal.focal_to_posterior`), and
``correct_proba=True`` makes ``predict_proba`` (and so ``predict``) return
those instead.

Name clash: LightGBM's own ``alpha`` (Huber / quantile parameter) is irrelevant
for classification and never reaches LightGBM here; ``gamma`` and ``alpha`` are
the focal-loss parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from numpy.typing import ArrayLike, NDArray

from ._adapter import fill_doc, fitted_doc, focal_params_doc
from ._link import LINKS, link_for_margin
from ._sklearn_common import (
    FOCAL_PARAMS,
    FocalClassifierMixin,
    FocalFitSetup,
    encode_indicator,
    encode_labels,
    objective_threads,
    prepare_fit,
)
from .lightgbm import PROFILE, FocalMetric, FocalObjective, embedded_model_text
from .lightgbm import init_score as margins

__all__ = ["FocalLGBMClassifier", "probability_metric"]

# metric names the estimator computes itself, on probabilities
_NAMED_METRICS = ("average_precision", "auc", "logloss", "error")


def _proba_from_raw(raw: NDArray, multilabel: bool = False) -> NDArray[np.float64]:
    """(n, 2) or (n, K) probabilities from raw scores of shape (n,) or (n, K); multi-label: one sigmoid per column."""
    z = np.asarray(raw, dtype=np.float64)
    if multilabel:
        return LINKS["multilabel"].inverse(z)
    if link_for_margin(z, "raw scores").name == "sigmoid":
        sigmoid = LINKS["sigmoid"]
        return np.column_stack([sigmoid.inverse(-z), sigmoid.inverse(z)])  # 1 - p without cancellation
    return LINKS["softmax"].inverse(z)


class _ProbabilityMetric:
    """Wrap a metric on probabilities as a LightGBM ``(y_true, y_pred, weight)`` callable.

    LightGBM hands custom metrics the raw scores (initial margin included, since
    the estimator gives every eval set its ``init_score``); this converts them to
    probabilities (binary: P(classes_[1]), shape (n,); multiclass: (n, K)) before
    calling the user's function, as ``LGBMClassifier`` does with built-in
    objectives.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.n_args = len(inspect.signature(func).parameters)
        if self.n_args not in (2, 3, 4):
            raise TypeError(
                f"eval_metric callables must take (y_true, y_pred), (y_true, y_pred, weight) or "
                f"(y_true, y_pred, weight, group), got {func!r} with {self.n_args} parameters"
            )

    def __call__(self, y_true: Any, y_pred: Any, weight: Any = None) -> Any:
        proba = _proba_from_raw(y_pred, multilabel=np.ndim(y_true) == 2)
        if proba.shape[1] == 2 and np.asarray(y_pred).ndim == 1:
            proba = proba[:, 1]
        if self.n_args == 2:
            return self.func(y_true, proba)
        if self.n_args == 3:
            return self.func(y_true, proba, weight)
        return self.func(y_true, proba, weight, None)


class _NamedMetric:
    """A few standard metrics on probabilities (scikit-learn), for ``eval_metric`` names."""

    def __init__(self, name: str) -> None:
        if name not in _NAMED_METRICS:
            raise ValueError(
                f"eval_metric names accepted by FocalLGBMClassifier are {list(_NAMED_METRICS)!r} (computed on "
                f"probabilities) or callables; LightGBM's built-in metrics would see raw scores, got {name!r}"
            )
        self.name = name

    def __call__(self, y_true: Any, y_pred: Any, weight: Any = None) -> tuple[str, float, bool]:
        from sklearn import metrics

        if np.ndim(y_true) == 2:  # multi-label: macro averages over the labels
            p_ml = _proba_from_raw(y_pred, multilabel=True)
            if self.name == "auc":
                return "auc", float(metrics.roc_auc_score(y_true, p_ml, sample_weight=weight, average="macro")), True
            if self.name == "average_precision":
                value = metrics.average_precision_score(y_true, p_ml, sample_weight=weight, average="macro")
                return "average_precision", float(value), True
            raise ValueError(f"eval_metric {self.name!r} is not defined for a multi-label y; use 'average_precision'")
        proba = _proba_from_raw(y_pred)
        y = np.asarray(y_true).astype(np.intp)
        k = proba.shape[1]
        if self.name == "logloss":
            return "logloss", float(metrics.log_loss(y, proba, sample_weight=weight, labels=np.arange(k))), False
        if self.name == "error":
            return "error", float(np.average(np.argmax(proba, axis=1) != y, weights=weight)), False
        if k != 2:
            raise ValueError(f"eval_metric {self.name!r} is for binary problems; this one has {k} classes")
        if self.name == "auc":
            return "auc", float(metrics.roc_auc_score(y, proba[:, 1], sample_weight=weight)), True
        return "average_precision", float(metrics.average_precision_score(y, proba[:, 1], sample_weight=weight)), True


class _IndicatorLabels:
    """A LightGBM ``(y_true, y_pred, weight)`` callable of a multi-label fit: the placeholder label names the set.

    LightGBM keeps one number per row as its label; a multi-label fit gives the
    training set the placeholder label 0 and eval set i the label i + 1, and this
    wrapper hands ``func`` that set's (n, K) indicator instead.
    """

    def __init__(self, func: Callable[..., Any], label_sets: Sequence[NDArray[np.intp]]) -> None:
        self.func = func
        self.label_sets = tuple(label_sets)

    def __call__(self, y_true: Any, y_pred: Any, weight: Any = None) -> Any:
        ids = np.asarray(y_true)
        i = int(ids[0]) if ids.size else -1
        if not 0 <= i < len(self.label_sets) or np.any(ids != i) or self.label_sets[i].shape[0] != ids.shape[0]:
            raise ValueError(
                "multi-label fit: the Dataset's label is not one of the placeholders FocalLGBMClassifier set "
                f"(0 for training, i + 1 for eval set i), got values {np.unique(ids)[:5].tolist()!r}"
            )
        return self.func(self.label_sets[i], y_pred, weight)


def probability_metric(func: Callable[..., Any]) -> _ProbabilityMetric:
    """Wrap ``func(y_true, proba[, weight[, group]])`` -> ``(name, value, is_higher_better)`` for ``eval_metric``.

    FocalLGBMClassifier wraps callables itself; this is for ``lgb.LGBMClassifier`` /
    ``lgb.train`` users of :func:`boostfocal.lightgbm.focal_objective` whose eval
    sets carry the ``init_score``.
    """
    return _ProbabilityMetric(func)


@fill_doc(
    focal_params=focal_params_doc(
        model="LightGBM's binary / multiclass model",
        proba_note="\n        ``class_weight``, like ``sample_weight``, is not undone: it defines the\n"
        "        population whose posterior is estimated.",
    ),
    fitted=fitted_doc(
        name="FocalLGBMClassifier",
        kwargs=", verbose=-1",
        margin_note=", included in the booster",
        weights="sample- and class-weighted",
        best_iteration="best_iteration_",
    ),
)
class FocalLGBMClassifier(FocalClassifierMixin, LGBMClassifier):
    r"""LightGBM classifier trained with focal loss (binary or softmax).

    .. math::

        FL = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    (Lin et al., 2017), on raw scores; multiclass uses LightGBM's own hessian
    factor ``K / (K - 1)`` (see :mod:`boostfocal.lightgbm`), so ``gamma=0``,
    ``alpha=None`` reproduces ``LGBMClassifier``'s binary / multiclass model.

    Parameters
    ----------
    %(focal_params)s
    **kwargs
        Any ``lightgbm.LGBMClassifier`` parameter (``n_estimators``,
        ``learning_rate``, ``num_leaves``, ``class_weight``,
        ``early_stopping_round``, ...). ``objective`` and ``metric`` are set by
        the estimator and must be left alone.

    %(fitted)s
    """

    # LightGBM's softmax hessian uses the diagonal factor K / (K - 1) (see boostfocal.lightgbm)
    _profile = PROFILE

    # ------------------------------------------------------------ parameters
    def _process_params(self, stage: str) -> dict[str, Any]:
        """LightGBM's booster parameters without the focal ones, plus those of the focal fit.

        The one private LightGBM hook of this estimator (``LGBMModel._process_params`` turns
        ``get_params()`` into booster parameters, at fit and at predict; LightGBM has no public
        way to keep a subclass's own constructor parameters out of them). The focal parameters
        are not LightGBM's (its ``alpha`` is the Huber parameter) and never reach it; during
        fit the booster computes no built-in metric (it would see raw scores), the focal loss
        drives early stopping and a multi-label fit grows one tree per label; at predict the
        model is a custom objective's (``objective="None"``, LightGBM's rule for callables,
        whatever ``objective`` says once the fit has restored the user's value). The
        objective and ``class_weight`` go through the public ``set_params``
        (``tests/estimators/test_lightgbm_public_api.py`` fails when LightGBM changes either).
        """
        params = super()._process_params(stage)
        for name in FOCAL_PARAMS:
            params.pop(name, None)
        if stage == "predict":
            params["objective"] = "None"  # a custom objective's model: raw scores (LightGBM's own rule for callables)
        elif "_fit_booster_params" in self.__dict__:
            params.update(self._fit_booster_params)
            # LightGBM 4.7 aborts ("Check failed: num_features() > 0") when a callable objective meets a
            # Dataset whose features were all pre-filtered (tiny data, min_child_samples); keeping them
            # changes no split (they cannot be split anyway) and avoids the crash.
            params.setdefault("feature_pre_filter", False)
        return params

    @property
    def classes_(self) -> np.ndarray:
        """The labels seen in fit, sorted (multi-label: the label indices 0..K-1)."""
        classes = self.__dict__.get("_focal_classes")
        return super().classes_ if classes is None else classes

    @property
    def n_classes_(self) -> int:
        """The number of classes (multi-label: of labels)."""
        return len(self.classes_)

    @contextmanager
    def _fit_settings(self, objective: Callable[..., Any], booster_params: dict[str, Any]) -> Iterator[None]:
        """The focal objective and no ``class_weight`` (already in the weights) for one fit, then the user's."""
        saved = {"objective": self.objective, "class_weight": self.class_weight}
        self.set_params(objective=objective, class_weight=None)
        self._fit_booster_params = {"metric": "None", "first_metric_only": True, **booster_params}
        try:
            yield
        finally:
            self.set_params(**saved)
            del self._fit_booster_params

    # ------------------------------------------------------------ fit helpers
    def _eval_metrics(self, metric: FocalMetric, user: Any) -> list[Any]:
        if user is None:
            return [metric]
        items = list(user) if isinstance(user, (list, tuple)) else [user]
        out: list[Any] = [metric]
        for item in items:
            if isinstance(item, str):
                out.append(_NamedMetric(item))
            elif callable(item):
                out.append(item if isinstance(item, (_ProbabilityMetric, _NamedMetric)) else _ProbabilityMetric(item))
            else:
                raise TypeError(f"eval_metric entries must be metric names or callables, got {item!r}")
        return out

    def _check_lightgbm_params(self, fit_arguments: Mapping[str, Any]) -> None:
        """Reject the LightGBM settings that would bypass or break the focal set-up."""
        name = type(self).__name__
        if self.objective is not None:
            raise ValueError(f"objective is set by {name} (focal loss); leave it at None, got {self.objective!r}")
        params = self.get_params()
        user_metric = params.get("metric", None)
        if user_metric not in (None, "None", "none", "", [], "na", "null", "custom"):
            raise ValueError(
                f"{name} computes no built-in LightGBM metric (they would see raw scores); "
                f"pass metrics as eval_metric instead, got metric={user_metric!r}"
            )
        if fit_arguments.get("init_model") is not None:
            raise ValueError(
                f"init_model (continued training) is not supported by {name}: its booster already "
                "holds a starting margin, which would be added twice"
            )
        boosting = params.get("boosting", self.boosting_type)
        if boosting in ("rf", "random_forest"):
            raise ValueError("boosting_type='rf' averages its trees, so the starting margin cannot be embedded")
        for key in ("init_score", "eval_init_score"):
            if fit_arguments.get(key) is not None:
                raise ValueError(f"{key} is set by {name} (from its initial margin); do not pass it")
        if fit_arguments.get("eval_class_weight") is not None:
            raise ValueError(f"eval_class_weight is not supported by {name}; pass eval_sample_weight")

    @staticmethod
    def _eval_pairs(eval_set: Any, eval_X: Any, eval_y: Any) -> list[tuple[Any, Any]]:
        """Validation (X, y) pairs from either ``eval_set`` or LightGBM 4.7's ``eval_X`` / ``eval_y``."""
        if eval_set is not None and (eval_X is not None or eval_y is not None):
            raise ValueError("Specify either 'eval_set' or 'eval_X' and 'eval_y', but not both.")
        if eval_set is not None:
            return [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
        if eval_X is None and eval_y is None:
            return []
        if eval_X is None or eval_y is None:
            raise ValueError("You must specify eval_X and eval_y, not just one of them.")
        xs = eval_X if isinstance(eval_X, tuple) else (eval_X,)
        ys = eval_y if isinstance(eval_y, tuple) else (eval_y,)
        if len(xs) != len(ys):
            raise ValueError(f"eval_X and eval_y must have the same length, got {len(xs)} and {len(ys)}")
        return list(zip(xs, ys, strict=True))

    # ------------------------------------------------------------ fit
    def fit(  # type: ignore[override]  # as LGBMClassifier.fit: LGBMModel.fit has group
        self,
        X: Any,
        y: Any,
        sample_weight: ArrayLike | None = None,
        init_score: Any = None,
        eval_set: Any = None,
        eval_names: list[str] | None = None,
        eval_sample_weight: Any = None,
        eval_class_weight: Any = None,
        eval_init_score: Any = None,
        eval_metric: Any = None,
        feature_name: Any = "auto",
        categorical_feature: Any = "auto",
        callbacks: list[Callable[..., Any]] | None = None,
        init_model: Any = None,
        *,
        eval_X: Any = None,
        eval_y: Any = None,
    ) -> FocalLGBMClassifier:
        r"""Fit with focal loss from the focal-optimal starting margin (``LGBMClassifier.fit``'s arguments).

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Anything ``LGBMClassifier.fit`` accepts (pandas categorical columns too).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any sortable type (at least two classes, no NaN), or
            a multi-label 0/1 indicator (every column with both values): then the
            multi-label focal loss, one sigmoid per label (``num_class = K`` trees
            per round).
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights >= 0; they also weight the starting margin.
        init_score, eval_init_score, eval_class_weight, init_model : None
            Set by the estimator (the starting margin), or not supported (pass
            ``eval_sample_weight``; continued training would add the margin twice).
        eval_set : list of (X, y), optional
            Validation sets (labels in the training classes). Same as
            ``eval_X`` / ``eval_y`` (tuples), LightGBM 4.7's preferred form.
        eval_names, feature_name, categorical_feature, callbacks
            As in ``LGBMClassifier.fit``.
        eval_sample_weight : list, optional
            Weights of the validation sets.
        eval_metric : str, callable or list, optional
            Extra metrics after the focal loss (which is always computed first
            and drives early stopping): names among ``"average_precision"``,
            ``"auc"``, ``"logloss"``, ``"error"``, or callables
            ``f(y_true, proba[, weight])`` -> ``(name, value, is_higher_better)``
            receiving probabilities (binary: P(classes_[1])).
        eval_X, eval_y : tuple, optional
            Validation features and labels (LightGBM >= 4.7 names).

        Returns
        -------
        self
        """
        setup = prepare_fit(self, y, sample_weight, class_weight=self.class_weight)
        fixed = {"init_score": init_score, "eval_init_score": eval_init_score, "eval_class_weight": eval_class_weight}
        self._check_lightgbm_params({**fixed, "init_model": init_model})
        pairs = self._eval_pairs(eval_set, eval_X, eval_y)
        objective, metrics, labels, booster_params = self._lightgbm_inputs(setup, pairs, eval_metric)
        z0 = setup.initial_margin
        self.__dict__.pop("_focal_classes", None)
        with self._fit_settings(objective, booster_params):
            super().fit(
                X,
                labels[0],
                sample_weight=setup.sample_weight,
                init_score=margins(z0, len(labels[0])),
                eval_names=eval_names,
                eval_X=tuple(Xv for Xv, _ in pairs) if pairs else None,
                eval_y=tuple(labels[1:]) if pairs else None,
                eval_sample_weight=None if eval_sample_weight is None else list(eval_sample_weight),
                eval_init_score=[margins(z0, len(yv)) for yv in labels[1:]] if pairs else None,
                eval_metric=metrics,
                feature_name=feature_name,
                categorical_feature=categorical_feature,
                callbacks=callbacks,
            )
        self._focal_classes = setup.classes
        self._set_focal_attributes(setup)
        self._embed_initial_margin(setup)
        return self

    def _lightgbm_inputs(
        self, setup: FocalFitSetup, pairs: list[tuple[Any, Any]], eval_metric: Any
    ) -> tuple[Callable[..., Any], list[Any], list[NDArray], dict[str, Any]]:
        """``(objective, metrics, labels of the training and eval sets, booster parameters)`` for LightGBM.

        Multi-label: LightGBM's label is a placeholder naming the set (0 training, i + 1 eval set i)
        and the indicators stay with the objective and metrics (:class:`_IndicatorLabels`).
        """
        objective: Callable[..., Any] = FocalObjective(
            loss=setup.loss, hess_floor=setup.policy, n_jobs=objective_threads(self.n_jobs)
        )
        metrics = self._eval_metrics(FocalMetric(loss=setup.loss), eval_metric)
        if not setup.multilabel:
            eval_codes = (encode_labels(yv, setup.classes, f"eval set {i} y")[1] for i, (_, yv) in enumerate(pairs))
            return objective, metrics, [setup.codes, *eval_codes], {}
        eval_sets = (encode_indicator(yv, setup.n_classes, f"eval set {i} y") for i, (_, yv) in enumerate(pairs))
        label_sets = (setup.codes, *eval_sets)
        placeholders = [np.full(len(ys), float(i)) for i, ys in enumerate(label_sets)]
        metrics = [_IndicatorLabels(m, label_sets) for m in metrics]
        return _IndicatorLabels(objective, label_sets), metrics, placeholders, {"num_class": setup.n_classes}

    def _embed_initial_margin(self, setup: FocalFitSetup) -> None:
        """Fold the starting margin into the fitted booster, in place, with the focal record."""
        record = self._focal_record()
        keys = ("classes", "class_balance", "softmax_hess_factor", "correct_proba", "estimator")
        extra = {k: record[k] for k in keys if not (k == "softmax_hess_factor" and setup.multilabel)}
        booster = self.booster_
        best = booster.best_iteration
        booster.model_from_string(embedded_model_text(booster, setup.initial_margin, setup.loss, setup.policy, extra))
        booster.best_iteration = best

    # ------------------------------------------------------------ predict
    def _focal_proba(self, X: Any, **kwargs: Any) -> NDArray[np.float64]:
        # the starting margin is inside the booster: raw scores are the full margins
        raw = np.asarray(super().predict_proba(X, raw_score=True, **kwargs))
        return _proba_from_raw(raw, multilabel=self.loss_.is_multilabel)

    def predict_proba(
        self,
        X: Any,
        raw_score: bool = False,
        start_iteration: int = 0,
        num_iteration: int | None = None,
        pred_leaf: bool = False,
        pred_contrib: bool = False,
        validate_features: bool = False,
        **kwargs: Any,
    ) -> Any:
        r"""Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        The booster's focal probabilities (with early stopping, up to
        ``best_iteration_``), or with ``correct_proba=True`` their posterior
        estimates (:meth:`predict_posterior`). The starting margin is inside the
        booster; ``raw_score=True`` returns the full margins ((n,) binary,
        (n, K) multiclass), ``pred_leaf`` / ``pred_contrib`` behave as in LightGBM.
        """
        options = dict(start_iteration=start_iteration, num_iteration=num_iteration,
                       validate_features=validate_features, **kwargs)  # fmt: skip
        if raw_score or pred_leaf or pred_contrib:
            return super().predict_proba(
                X, raw_score=raw_score, pred_leaf=pred_leaf, pred_contrib=pred_contrib, **options
            )
        return self._maybe_corrected(self._focal_proba(X, **options))

    def predict(self, X: Any, *args: Any, **kwargs: Any) -> Any:
        """Labels from ``classes_``: the argmax of :meth:`predict_proba`.

        Takes :meth:`predict_proba`'s arguments (LightGBM's ``predict``
        signature); ``raw_score``, ``pred_leaf`` and ``pred_contrib`` return
        LightGBM's arrays as they are.
        """
        options = inspect.signature(self.predict_proba).bind(X, *args, **kwargs).arguments
        result = self.predict_proba(X, *args, **kwargs)
        if options.get("raw_score") or options.get("pred_leaf") or options.get("pred_contrib"):
            return result
        return self._labels_from_proba(result)
