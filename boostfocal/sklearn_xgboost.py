r"""``FocalXGBClassifier``: an ``xgboost.XGBClassifier`` trained with focal loss.

The estimator is an ordinary ``XGBClassifier`` (every XGBoost parameter keeps
working) whose fit

* encodes the labels (ints, strings, bools, pandas Series) and decides binary or
  multiclass from them;
* boosts with :func:`boostfocal.xgboost.focal_objective` from the starting margin
  :func:`boostfocal.initial_margin` of the training labels and weights;
* evaluates the focal loss on the eval sets (``eval_metric``: built-in XGBoost
  metric names may be added), so early stopping keeps the round with the lowest
  validation focal loss, and ``predict`` / ``predict_proba`` use it;
* records what it was trained with as fitted attributes (``gamma_``, ``alpha_``,
  ``hess_floor_``, ``initial_margin_``, ``class_balance_``) shown in its repr,
  and in the booster attribute ``"boostfocal"`` (JSON) saved with the native
  model.

Name clash: XGBoost's own ``gamma`` (minimum split loss) and ``alpha`` (L1
regularisation) are reachable here as ``min_split_loss`` and ``reg_alpha``;
``gamma`` and ``alpha`` are the focal-loss parameters.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d
from xgboost import XGBClassifier

from ._core import DEFAULT_HESS_FLOOR, initial_margin
from ._validation import (
    check_binary_alpha,
    check_gamma,
    check_hess_floor,
    check_sample_weight,
    check_softmax_alpha,
)
from .xgboost import FocalMetric, FocalObjective, _base_score_from_margin

__all__ = ["FocalXGBClassifier", "BOOSTER_ATTRIBUTE"]

#: Name of the booster attribute (JSON string) holding the focal-loss settings.
BOOSTER_ATTRIBUTE = "boostfocal"

# Parameters of this class that must never reach the native booster: XGBoost
# would read ``gamma`` as min_split_loss and ``alpha`` as reg_alpha.
_FOCAL_PARAMS = ("gamma", "alpha", "hess_floor")


def _missing_mask(y: NDArray) -> NDArray[np.bool_]:
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype == object:
        return np.asarray((y != y) | np.equal(y, None), dtype=bool)  # NaN != NaN; None
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


class FocalXGBClassifier(XGBClassifier):
    r"""XGBoost classifier trained with focal loss (binary or softmax).

    .. math::

        FL = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    (Lin et al., 2017), on raw margins, with XGBoost's own softmax hessian
    convention for multiclass (see :mod:`boostfocal.xgboost`).

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, finite and >= 0. ``gamma=0`` with ``alpha=None`` is
        XGBoost's logistic / softmax model. (XGBoost's own ``gamma``, the
        minimum split loss, is ``min_split_loss``.)
    alpha : float, sequence, dict or None, default=None
        Class weighting. Binary: the weight of the positive class
        ``classes_[1]`` in [0, 1] (the negative class gets ``1 - alpha``).
        Multiclass: one weight >= 0 per class, as a sequence in ``classes_``
        order or a dict ``{label: weight}`` covering every class, or one
        number for all classes. None: no class weighting. (XGBoost's own
        ``alpha``, the L1 penalty, is ``reg_alpha``.)
    hess_floor : float, default=DEFAULT_HESS_FLOOR (1e-6)
        Lower bound of the hessian per unit of sample weight.
    **kwargs
        Any ``xgboost.XGBClassifier`` parameter (``n_estimators``,
        ``learning_rate``, ``max_depth``, ``early_stopping_rounds``,
        ``enable_categorical``, ``device``, ...). ``objective`` and
        ``base_score`` are set by the estimator and must be left alone;
        ``eval_metric`` may hold built-in XGBoost metric names, evaluated
        before the focal loss (which stays last and drives early stopping).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, sorted; ``predict_proba`` columns follow it.
    n_classes_ : int
    gamma_ : float
        The focusing parameter used.
    alpha_ : float, ndarray of shape (n_classes,) or None
        The class weighting used (multiclass: per class, ``classes_`` order).
    hess_floor_ : float
    initial_margin_ : float or ndarray of shape (n_classes,)
        Starting margin of the boosting (:func:`boostfocal.initial_margin`).
    class_balance_ : ndarray of shape (n_classes,)
        Share of the (sample-weighted) training data in each class.
    best_iteration : int
        With early stopping, the round with the lowest validation focal loss.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalXGBClassifier(gamma=2.0, alpha=0.25, n_estimators=20).fit(X, y)
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
    def get_xgb_params(self) -> dict[str, Any]:
        params = super().get_xgb_params()
        for name in _FOCAL_PARAMS:
            params.pop(name, None)
        return params

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False  # labels are encoded to one column
        return tags

    def _more_tags(self) -> dict[str, bool]:
        tags = super()._more_tags()
        tags["multilabel"] = False
        return tags

    @property
    def classes_(self) -> np.ndarray:  # type: ignore[override]
        classes = self.__dict__.get("_focal_classes")
        if classes is None:
            return np.arange(self.n_classes_)  # during XGBClassifier.fit / after load_model
        return classes

    # ------------------------------------------------------------ fit
    def _resolve_alpha(self, classes: np.ndarray) -> float | NDArray[np.float64] | None:
        alpha = self.alpha
        n_classes = classes.shape[0]
        if n_classes == 2:
            if isinstance(alpha, Mapping) or (
                alpha is not None and not isinstance(alpha, numbers.Real)
            ):
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

    def _encode(self, y: ArrayLike, classes: np.ndarray | None, name: str) -> tuple[np.ndarray, np.ndarray]:
        y_arr = column_or_1d(np.asarray(y) if not hasattr(y, "to_numpy") else y.to_numpy(), warn=True)
        missing = _missing_mask(y_arr)
        if np.any(missing):
            raise ValueError(f"{name} contains NaN or None labels (first at position {int(np.flatnonzero(missing)[0])})")
        if classes is None:
            check_classification_targets(y_arr)
            classes, codes = np.unique(y_arr, return_inverse=True)
            return classes, codes
        codes = np.searchsorted(classes, y_arr)
        codes = np.clip(codes, 0, classes.shape[0] - 1)
        unknown = classes[codes] != y_arr
        if np.any(unknown):
            raise ValueError(
                f"{name} contains labels not seen in the training y: {y_arr[np.flatnonzero(unknown)[0]]!r} "
                f"(training classes: {classes.tolist()!r})"
            )
        return classes, codes

    def _eval_metric_for_fit(self, metric: FocalMetric) -> Any:
        user = self.eval_metric
        if user is None:
            # the callable alone: XGBoost 3.2 would send a list holding only a
            # callable to the native learner as a metric name
            return metric
        if isinstance(user, str):
            return [user, metric]
        if callable(user) or not isinstance(user, Sequence) or any(not isinstance(m, str) for m in user):
            raise TypeError(
                "eval_metric for FocalXGBClassifier must be None or built-in XGBoost metric names "
                "(e.g. 'aucpr', 'auc', 'logloss'): the focal loss is evaluated by the estimator's own "
                f"callable metric and XGBoost accepts only one callable, got {user!r}"
            )
        return [*user, metric]

    def fit(  # type: ignore[override]
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = None,
        eval_set: Sequence[tuple[ArrayLike, ArrayLike]] | None = None,
        **fit_params: Any,
    ) -> FocalXGBClassifier:
        r"""Fit the booster with focal loss from the focal-optimal starting margin.

        Parameters
        ----------
        X : array-like, DataFrame or any input XGBoost accepts, shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any sortable type (at least two classes, no NaN).
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights >= 0; they also weight the starting margin.
        eval_set : list of (X, y), optional
            Validation sets, labels in the training classes; the focal loss
            is recorded for each (``evals_result_``) and the last one drives
            ``early_stopping_rounds``.
        **fit_params
            Other ``XGBClassifier.fit`` arguments (``verbose``,
            ``sample_weight_eval_set``, ``base_margin``, ``xgb_model``, ...).

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        gamma = check_gamma(self.gamma)
        hess_floor = check_hess_floor(self.hess_floor)
        for forbidden in ("objective", "base_score"):
            value = getattr(self, forbidden)
            default = "binary:logistic" if forbidden == "objective" else None
            if not (value is None or value == default or isinstance(value, FocalObjective)):
                raise ValueError(
                    f"{forbidden} is set by {type(self).__name__} (focal loss from its initial margin); "
                    f"leave it at its default, got {forbidden}={value!r}"
                )
        classes, codes = self._encode(y, None, "y")
        n_classes = classes.shape[0]
        if n_classes < 2:
            raise ValueError(
                f"y contains 1 class ({classes.tolist()!r}); a classifier needs at least 2 classes"
            )
        alpha = self._resolve_alpha(classes)
        n = codes.shape[0]
        w = check_sample_weight(sample_weight, n)
        num_class = None if n_classes == 2 else n_classes
        class_weight = np.bincount(codes, weights=w, minlength=n_classes).astype(np.float64)
        total = class_weight.sum()
        if not total > 0:
            raise ValueError("sample_weight: all weights are zero, nothing to fit")
        z0 = initial_margin(codes, gamma=gamma, alpha=alpha, sample_weight=w, num_class=num_class)

        encoded_eval = None
        if eval_set is not None:
            encoded_eval = [(Xv, self._encode(yv, classes, f"eval_set[{i}] y")[1]) for i, (Xv, yv) in enumerate(eval_set)]

        objective = FocalObjective(gamma=gamma, alpha=alpha, hess_floor=hess_floor)
        metric = FocalMetric(gamma=gamma, alpha=alpha)
        saved = {name: getattr(self, name) for name in ("objective", "base_score", "eval_metric")}
        self.__dict__.pop("_focal_classes", None)
        try:
            self.objective = objective
            self.base_score = _base_score_from_margin(z0)
            self.eval_metric = self._eval_metric_for_fit(metric)
            super().fit(X, codes, sample_weight=w, eval_set=encoded_eval, **fit_params)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

        self._focal_classes = classes
        self.gamma_ = gamma
        self.alpha_ = alpha
        self.hess_floor_ = hess_floor
        self.initial_margin_ = z0
        self.class_balance_ = class_weight / total
        self.get_booster().set_attr(**{BOOSTER_ATTRIBUTE: json.dumps(self._focal_record())})
        return self

    def _focal_record(self) -> dict[str, Any]:
        return {
            "loss": "focal",
            "gamma": self.gamma_,
            "alpha": _to_builtin(self.alpha_),
            "hess_floor": self.hess_floor_,
            "initial_margin": _to_builtin(self.initial_margin_),
            "class_balance": _to_builtin(self.class_balance_),
            "classes": _to_builtin(self.classes_),
            "softmax_hess_factor": 2.0 if self.n_classes_ > 2 else None,
        }

    # ------------------------------------------------------------ predict
    def predict(self, X: ArrayLike, **kwargs: Any) -> np.ndarray:  # type: ignore[override]
        """Predict class labels (from ``classes_``); ``output_margin=True`` returns margins."""
        if kwargs.get("output_margin"):
            return super().predict(X, **kwargs)
        proba = self.predict_proba(X, **kwargs)
        return self.classes_[np.argmax(proba, axis=1)]

    # ------------------------------------------------------------ persistence
    def load_model(self, fname: Any) -> None:
        """Load a native model; restore the focal-loss fitted attributes saved with it."""
        super().load_model(fname)
        record = self.get_booster().attr(BOOSTER_ATTRIBUTE)
        self.__dict__.pop("_focal_classes", None)
        if record is None:
            return
        info = json.loads(record)
        self._focal_classes = np.asarray(info["classes"])
        self.gamma_ = info["gamma"]
        self.gamma = info["gamma"]
        alpha = info["alpha"]
        self.alpha_ = np.asarray(alpha, dtype=np.float64) if isinstance(alpha, list) else alpha
        self.hess_floor_ = info["hess_floor"]
        margin = info["initial_margin"]
        self.initial_margin_ = np.asarray(margin, dtype=np.float64) if isinstance(margin, list) else margin
        self.class_balance_ = np.asarray(info["class_balance"], dtype=np.float64)
        # XGBoost's load_model sets objective / base_score from the native model;
        # put back the estimator's defaults so that get_params / clone stay valid.
        self.objective = "binary:logistic"
        self.base_score = None

    # ------------------------------------------------------------ repr
    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        if "gamma_" not in self.__dict__:
            return text
        alpha = _to_builtin(self.alpha_)
        margin = _to_builtin(self.initial_margin_)
        balance = dict(zip(_to_builtin(self.classes_), np.round(self.class_balance_, 6).tolist()))
        return (
            f"{text} fitted with focal loss: gamma_={self.gamma_!r}, alpha_={alpha!r}, "
            f"hess_floor_={self.hess_floor_!r}, initial_margin_={np.round(margin, 6).tolist()!r}, "
            f"class_balance_={balance!r}"
        )
