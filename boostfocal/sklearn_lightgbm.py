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
  ``clf.booster_.save_model(path)`` writes a self-contained model file.

Name clash: LightGBM's own ``alpha`` (Huber / quantile parameter) is irrelevant
for classification and never reaches LightGBM here; ``gamma`` and ``alpha`` are
the focal-loss parameters.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._core import DEFAULT_HESS_FLOOR, initial_margin
from ._validation import check_binary_alpha, check_gamma, check_hess_floor, check_sample_weight, check_softmax_alpha
from .lightgbm import FocalMetric, FocalObjective, _softmax_rows, embed_initial_margin, init_score, softmax_hess_factor

__all__ = ["FocalLGBMClassifier", "probability_metric"]

_FOCAL_PARAMS = ("gamma", "alpha", "hess_floor")

# metric names the estimator computes itself, on probabilities
_NAMED_METRICS = ("average_precision", "auc", "logloss", "error")


def _missing_mask(y: NDArray) -> NDArray[np.bool_]:
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype == object:
        return np.asarray([v is None or (isinstance(v, float) and v != v) for v in y.tolist()], dtype=bool)
    return np.zeros(y.shape, dtype=bool)


def _to_builtin(value: Any) -> Any:
    """JSON-friendly version of labels / numbers / arrays."""
    if isinstance(value, np.ndarray):
        return [_to_builtin(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_to_builtin(v) for v in value]
    return value


def _proba_from_raw(raw: NDArray) -> NDArray[np.float64]:
    """(n, 2) or (n, K) probabilities from raw scores of shape (n,) or (n, K)."""
    z = np.asarray(raw, dtype=np.float64)
    if z.ndim == 1:
        p = np.exp(-np.logaddexp(0.0, -z))  # expit, overflow-free
        q = np.exp(-np.logaddexp(0.0, z))  # 1 - p without cancellation
        return np.column_stack([q, p])
    return _softmax_rows(z)


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
        proba = _proba_from_raw(y_pred)
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


def probability_metric(func: Callable[..., Any]) -> _ProbabilityMetric:
    """Wrap ``func(y_true, proba[, weight[, group]])`` -> ``(name, value, is_higher_better)`` for ``eval_metric``.

    FocalLGBMClassifier wraps callables itself; this is for ``lgb.LGBMClassifier`` /
    ``lgb.train`` users of :func:`boostfocal.lightgbm.focal_objective` whose eval
    sets carry the ``init_score``.
    """
    return _ProbabilityMetric(func)


class FocalLGBMClassifier(LGBMClassifier):
    r"""LightGBM classifier trained with focal loss (binary or softmax).

    .. math::

        FL = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    (Lin et al., 2017), on raw scores; multiclass uses LightGBM's own hessian
    factor ``K / (K - 1)`` (see :mod:`boostfocal.lightgbm`), so ``gamma=0``,
    ``alpha=None`` reproduces ``LGBMClassifier``'s binary / multiclass model.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, finite and >= 0.
    alpha : float, sequence, dict or None, default=None
        Class weighting. Binary: weight of the positive class ``classes_[1]``
        in [0, 1] (the negative class gets ``1 - alpha``). Multiclass: one
        weight >= 0 per class, a sequence in ``classes_`` order or a dict
        ``{label: weight}`` covering every class, or one number for all
        classes. None: no class weighting.
    hess_floor : float, default=DEFAULT_HESS_FLOOR (1e-6)
        Lower bound of the hessian per unit of sample weight.
    **kwargs
        Any ``lightgbm.LGBMClassifier`` parameter (``n_estimators``,
        ``learning_rate``, ``num_leaves``, ``class_weight``,
        ``early_stopping_round``, ...). ``objective`` and ``metric`` are set by
        the estimator and must be left alone.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in fit, sorted; ``predict_proba`` columns follow it.
    n_classes_ : int
    gamma_, alpha_, hess_floor_
        The focal settings used (``alpha_`` per class in ``classes_`` order for
        multiclass).
    initial_margin_ : float or ndarray of shape (n_classes,)
        Starting margin (:func:`boostfocal.initial_margin`), included in the booster.
    class_balance_ : ndarray of shape (n_classes,)
        Share of the (sample- and class-weighted) training data in each class.
    best_iteration_ : int
        With early stopping, the round with the lowest validation focal loss.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLGBMClassifier(gamma=2.0, alpha=0.25, n_estimators=20, verbose=-1).fit(X, y)
    >>> clf.predict_proba(X).shape
    (300, 2)
    """

    def __init__(
        self,
        *,
        gamma: float = 2.0,
        alpha: float | Sequence[float] | Mapping[Any, float] | None = None,
        hess_floor: float = DEFAULT_HESS_FLOOR,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.gamma = gamma
        self.alpha = alpha
        self.hess_floor = hess_floor

    # ------------------------------------------------------------ parameters
    def _process_params(self, stage: str) -> dict[str, Any]:
        fit_objective = self.__dict__.get("_fit_objective")
        if stage == "fit" and fit_objective is not None:
            self._objective = fit_objective
        params = super()._process_params(stage)
        for name in _FOCAL_PARAMS:
            params.pop(name, None)  # never passed to LightGBM (its own ``alpha`` is a different thing)
        if stage == "fit":
            params["metric"] = "None"  # built-in metrics would be computed on raw scores
            params["first_metric_only"] = True  # the focal loss is first: it drives early_stopping_round
            # LightGBM 4.7 aborts ("Check failed: num_features() > 0") when a callable objective meets a
            # Dataset whose features were all pre-filtered (tiny data, min_child_samples); keeping them
            # changes no split (they cannot be split anyway) and avoids the crash.
            params.setdefault("feature_pre_filter", False)
        return params

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags

    # ------------------------------------------------------------ fit helpers
    def _resolve_alpha(self, classes: np.ndarray) -> float | NDArray[np.float64] | None:
        alpha = self.alpha
        n_classes = classes.shape[0]
        if n_classes == 2:
            if isinstance(alpha, Mapping) or (alpha is not None and not isinstance(alpha, numbers.Real)):
                raise TypeError(
                    "alpha must be None or a number in [0, 1] (weight of the positive class "
                    f"{classes[1]!r}) for a binary problem, got {alpha!r}"
                )
            return check_binary_alpha(alpha)
        if isinstance(alpha, Mapping):
            known = set(classes.tolist())
            unknown = [k for k in alpha if k not in known]
            missing = [c for c in classes.tolist() if c not in alpha]
            if unknown or missing:
                raise ValueError(
                    f"alpha as a dict must give one weight per class {classes.tolist()!r}; "
                    f"unknown labels {unknown!r}, missing labels {missing!r}"
                )
            alpha = [alpha[c] for c in classes.tolist()]
        return check_softmax_alpha(alpha, n_classes)

    @staticmethod
    def _encode(y: Any, classes: np.ndarray | None, name: str) -> tuple[np.ndarray, np.ndarray]:
        y_arr = column_or_1d(y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y), warn=True)
        missing = _missing_mask(y_arr)
        if np.any(missing):
            first = int(np.flatnonzero(missing)[0])
            raise ValueError(f"{name} contains NaN or None labels (first at position {first})")
        if classes is None:
            check_classification_targets(y_arr)
            classes, codes = np.unique(y_arr, return_inverse=True)
            return classes, codes.astype(np.intp)
        codes = np.clip(np.searchsorted(classes, y_arr), 0, classes.shape[0] - 1)
        unknown = classes[codes] != y_arr
        if np.any(unknown):
            raise ValueError(
                f"{name} contains labels not seen in the training y: {y_arr[np.flatnonzero(unknown)[0]]!r} "
                f"(training classes: {classes.tolist()!r})"
            )
        return classes, codes.astype(np.intp)

    def _class_weight_factor(self, classes: np.ndarray, codes: np.ndarray) -> NDArray[np.float64] | None:
        cw = self.class_weight
        if cw is None:
            return None
        from sklearn.utils.class_weight import compute_sample_weight

        if isinstance(cw, Mapping):
            cw = {int(np.flatnonzero(classes == k)[0]): v for k, v in cw.items() if np.any(classes == k)}
        return np.asarray(compute_sample_weight(cw, codes), dtype=np.float64)

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

    # ------------------------------------------------------------ fit
    def fit(  # type: ignore[override]
        self,
        X: Any,
        y: Any,
        sample_weight: ArrayLike | None = None,
        *,
        eval_set: Sequence[tuple[Any, Any]] | None = None,
        eval_X: Any = None,
        eval_y: Any = None,
        eval_sample_weight: Sequence[ArrayLike | None] | None = None,
        eval_metric: Any = None,
        **fit_params: Any,
    ) -> FocalLGBMClassifier:
        r"""Fit with focal loss from the focal-optimal starting margin.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Anything ``LGBMClassifier.fit`` accepts (pandas categorical columns too).
        y : array-like of shape (n_samples,)
            Class labels of any sortable type (at least two classes, no NaN).
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights >= 0; they also weight the starting margin.
        eval_set : list of (X, y), optional
            Validation sets (labels in the training classes). Same as
            ``eval_X`` / ``eval_y`` (tuples), LightGBM 4.7's preferred form.
        eval_X, eval_y : tuple, optional
            Validation features and labels (LightGBM >= 4.7 names).
        eval_sample_weight : list, optional
            Weights of the validation sets.
        eval_metric : str, callable or list, optional
            Extra metrics after the focal loss (which is always computed first
            and drives early stopping): names among ``"average_precision"``,
            ``"auc"``, ``"logloss"``, ``"error"``, or callables
            ``f(y_true, proba[, weight])`` -> ``(name, value, is_higher_better)``
            receiving probabilities (binary: P(classes_[1])).
        **fit_params
            Other ``LGBMClassifier.fit`` arguments (``callbacks``,
            ``categorical_feature``, ``feature_name``, ``eval_names``, ...).
            ``init_score`` and ``eval_init_score`` are set by the estimator.

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        gamma = check_gamma(self.gamma)
        hess_floor = check_hess_floor(self.hess_floor)
        if self.objective is not None:
            raise ValueError(
                f"objective is set by {type(self).__name__} (focal loss); leave it at None, got {self.objective!r}"
            )
        user_metric = self._other_params.get("metric", None)
        if user_metric not in (None, "None", "none", "", [], "na", "null", "custom"):
            raise ValueError(
                f"{type(self).__name__} computes no built-in LightGBM metric (they would see raw scores); "
                f"pass metrics as eval_metric instead, got metric={user_metric!r}"
            )
        if fit_params.get("init_model") is not None:
            raise ValueError(
                "init_model (continued training) is not supported by FocalLGBMClassifier: its booster already "
                "holds a starting margin, which would be added twice"
            )
        boosting = self._other_params.get("boosting", self.boosting_type)
        if boosting in ("rf", "random_forest"):
            raise ValueError("boosting_type='rf' averages its trees, so the starting margin cannot be embedded")
        reserved = ("init_score", "eval_init_score", "eval_class_weight")
        for key in reserved[:2]:
            if fit_params.get(key) is not None:
                raise ValueError(f"{key} is set by {type(self).__name__} (from its initial margin); do not pass it")
        if fit_params.get("eval_class_weight") is not None:
            raise ValueError("eval_class_weight is not supported by FocalLGBMClassifier; pass eval_sample_weight")
        fit_params = {k: v for k, v in fit_params.items() if k not in reserved}

        classes, codes = self._encode(y, None, "y")
        n_classes = classes.shape[0]
        if n_classes < 2:
            raise ValueError(f"y contains 1 class ({classes.tolist()!r}); a classifier needs at least 2 classes")
        alpha = self._resolve_alpha(classes)
        n = codes.shape[0]
        w = check_sample_weight(sample_weight, n)
        cw = self._class_weight_factor(classes, codes)
        if cw is not None:
            w = cw if w is None else w * cw
        num_class = None if n_classes == 2 else n_classes
        class_weight = np.bincount(codes, weights=w, minlength=n_classes).astype(np.float64)
        total = class_weight.sum()
        if not total > 0:
            raise ValueError("sample_weight: all weights are zero, nothing to fit")
        z0 = initial_margin(codes, gamma=gamma, alpha=alpha, sample_weight=w, num_class=num_class)

        # eval sets: either form, labels encoded with the training classes, each from z0
        if eval_set is not None and (eval_X is not None or eval_y is not None):
            raise ValueError("Specify either 'eval_set' or 'eval_X' and 'eval_y', but not both.")
        if eval_set is not None:
            pairs = [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
        elif eval_X is not None or eval_y is not None:
            if eval_X is None or eval_y is None:
                raise ValueError("You must specify eval_X and eval_y, not just one of them.")
            xs = eval_X if isinstance(eval_X, tuple) else (eval_X,)
            ys = eval_y if isinstance(eval_y, tuple) else (eval_y,)
            if len(xs) != len(ys):
                raise ValueError(f"eval_X and eval_y must have the same length, got {len(xs)} and {len(ys)}")
            pairs = list(zip(xs, ys))
        else:
            pairs = []
        ev_X = tuple(Xv for Xv, _ in pairs)
        ev_y = tuple(self._encode(yv, classes, f"eval set {i} y")[1] for i, (_, yv) in enumerate(pairs))
        ev_init = [init_score(z0, len(yv)) for yv in ev_y]

        objective = FocalObjective(gamma=gamma, alpha=alpha, hess_floor=hess_floor)
        metrics = self._eval_metrics(FocalMetric(gamma=gamma, alpha=alpha), eval_metric)
        saved_cw = self.class_weight
        self._fit_objective = objective
        try:
            self.class_weight = None  # already folded into w
            self._class_weight = None
            super().fit(
                X,
                codes,
                sample_weight=w,
                init_score=init_score(z0, n),
                eval_X=ev_X if pairs else None,
                eval_y=ev_y if pairs else None,
                eval_sample_weight=eval_sample_weight,
                eval_init_score=ev_init if pairs else None,
                eval_metric=metrics,
                **fit_params,
            )
        finally:
            self.class_weight = saved_cw
            self._class_weight = None
            self.__dict__.pop("_fit_objective", None)

        self._classes = classes
        self._n_classes = n_classes
        self.gamma_ = gamma
        self.alpha_ = alpha
        self.hess_floor_ = hess_floor
        self.initial_margin_ = z0
        self.class_balance_ = class_weight / total
        best = self._Booster.best_iteration
        self._Booster = embed_initial_margin(
            self._Booster,
            z0,
            gamma=gamma,
            alpha=alpha,
            hess_floor=hess_floor,
            extra={
                "classes": _to_builtin(classes),
                "class_balance": _to_builtin(self.class_balance_),
                "softmax_hess_factor": softmax_hess_factor(n_classes) if n_classes > 2 else None,
                "estimator": type(self).__name__,
            },
        )
        self._Booster.best_iteration = best
        return self

    # ------------------------------------------------------------ predict
    def predict_proba(  # type: ignore[override]
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

        The starting margin is inside the booster; ``raw_score=True`` returns the
        full margins ((n,) binary, (n, K) multiclass), ``pred_leaf`` /
        ``pred_contrib`` behave as in LightGBM.
        """
        result = super(LGBMClassifier, self).predict(
            X,
            raw_score=True if not (pred_leaf or pred_contrib) else raw_score,
            start_iteration=start_iteration,
            num_iteration=num_iteration,
            pred_leaf=pred_leaf,
            pred_contrib=pred_contrib,
            validate_features=validate_features,
            **kwargs,
        )
        if raw_score or pred_leaf or pred_contrib:
            return result
        return _proba_from_raw(result)

    def predict(  # type: ignore[override]
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
        """Predicted labels from ``classes_`` (``raw_score`` / ``pred_leaf`` / ``pred_contrib`` as in LightGBM)."""
        result = self.predict_proba(
            X,
            raw_score=raw_score,
            start_iteration=start_iteration,
            num_iteration=num_iteration,
            pred_leaf=pred_leaf,
            pred_contrib=pred_contrib,
            validate_features=validate_features,
            **kwargs,
        )
        if raw_score or pred_leaf or pred_contrib:
            return result
        return self.classes_[np.argmax(result, axis=1)]

    # ------------------------------------------------------------ repr
    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        if "gamma_" not in self.__dict__:
            return text
        balance = dict(zip(_to_builtin(self.classes_), np.round(self.class_balance_, 6).tolist()))
        return (
            f"{text} fitted with focal loss: gamma_={self.gamma_!r}, alpha_={_to_builtin(self.alpha_)!r}, "
            f"hess_floor_={self.hess_floor_!r}, initial_margin_={np.round(self.initial_margin_, 6).tolist()!r}, "
            f"class_balance_={balance!r}"
        )
