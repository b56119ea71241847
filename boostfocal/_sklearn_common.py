r"""Logic shared by :class:`~boostfocal.FocalXGBClassifier` and :class:`~boostfocal.FocalLGBMClassifier`.

numpy and scikit-learn only: this module imports neither xgboost nor lightgbm,
so each estimator module still needs just its own library. It holds what the
two estimators do the same way:

* label encoding (ints, strings, bools, pandas Series; NaN / None rejected);
* ``alpha`` resolution (binary number, per-class sequence or ``{label: weight}``
  dict in ``classes_`` order);
* the fit set-up: validated ``gamma`` / ``hess_floor`` / ``correct_proba``,
  sample weights (times ``class_weight`` where the library has one), class
  balance and the focal-optimal starting margin :func:`boostfocal.initial_margin`;
* the fitted attributes, the repr suffix and the focal record saved in the native model;
* the probability correction (``correct_proba`` / ``predict_posterior``), which
  maps focal probabilities to posterior estimates with
  :func:`boostfocal.focal_to_posterior`;
* multi-label fits: a 2-D 0/1 indicator ``y`` (``type_of_target`` ``"multilabel-indicator"``)
  trains the multi-label focal loss (one sigmoid per label, :class:`boostfocal.FocalLoss`
  with ``link="multilabel"``), with scikit-learn's multi-label conventions.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._adapter import fixed_link, posterior_columns_loss
from ._class_params import alpha_by_rule, fitted_alpha, label_totals, per_class
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor
from ._policy import HessPolicy
from ._profiles import LibraryProfile, make_record
from ._validation import check_sample_weight, check_unit_interval

__all__ = [
    "FOCAL_PARAMS",
    "FocalClassifierMixin",
    "FocalFitSetup",
    "encode_indicator",
    "encode_labels",
    "is_indicator",
    "prepare_fit",
    "resolve_alpha",
]

#: Constructor parameters of the estimators that must never reach the native
#: library (XGBoost reads ``gamma`` as min_split_loss and ``alpha`` as reg_alpha;
#: LightGBM's ``alpha`` is its Huber / quantile parameter).
FOCAL_PARAMS = (
    "gamma",
    "alpha",
    "balance_beta",
    "label_smoothing",
    "negative_shift",
    "poly_epsilon",
    "hess_floor",
    "correct_proba",
)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN (float or numpy) is the only value unequal to itself
    except (TypeError, ValueError):
        return True  # pandas.NA: its comparisons are ambiguous


def missing_label_mask(y: NDArray) -> NDArray[np.bool_]:
    """True where a label is NaN, None, NaT or ``pandas.NA``."""
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind in "mM":
        return np.isnat(y)
    if y.dtype == object:
        return np.fromiter((_is_missing(v) for v in y.tolist()), dtype=bool, count=y.shape[0])
    return np.zeros(y.shape, dtype=bool)


def to_builtin(value: Any) -> Any:
    """JSON-friendly version of labels / numbers / arrays."""
    if isinstance(value, np.ndarray):
        return [to_builtin(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_builtin(v) for v in value]
    return value


def encode_labels(y: Any, classes: np.ndarray | None, name: str) -> tuple[np.ndarray, NDArray[np.intp]]:
    """Return ``(classes, codes)``: sorted labels and each sample's index into them.

    With ``classes=None`` the classes are those of ``y`` (training labels);
    otherwise every label of ``y`` must be one of ``classes`` (eval sets).
    """
    y_arr = column_or_1d(y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y), warn=True)
    missing = missing_label_mask(y_arr)
    if np.any(missing):
        raise ValueError(f"{name} contains NaN or None labels (first at position {int(np.flatnonzero(missing)[0])})")
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


def _as_array(y: Any) -> np.ndarray:
    return np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)


def is_indicator(y: Any) -> bool:
    """True for a 2-D ``y`` with more than one column: a multi-label indicator (see :func:`encode_indicator`)."""
    if y is None:
        return False
    shape = getattr(y, "shape", None)
    if shape is None:
        shape = np.asarray(y).shape  # through __array__ (lists, array-likes), never __array_function__
    return len(shape) == 2 and shape[1] > 1


def encode_indicator(y: Any, n_labels: int | None, name: str) -> NDArray[np.intp]:
    """A multi-label indicator (n_samples, K) as 0/1 integers; K checked against ``n_labels`` when given.

    Raises
    ------
    ValueError
        For missing values, a target that is not a 0/1 indicator
        (``type_of_target`` other than ``"multilabel-indicator"``) or the wrong number of columns.
    """
    arr = _as_array(y)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D multi-label indicator of shape (n_samples, n_labels), got {arr.shape}")
    missing = missing_label_mask(arr.ravel())
    if np.any(missing):
        i, k = divmod(int(np.flatnonzero(missing)[0]), arr.shape[1])
        raise ValueError(f"{name} contains NaN or None labels (first at row {i}, label {k})")
    if n_labels is not None and arr.shape[1] != n_labels:
        raise ValueError(f"{name} has {arr.shape[1]} labels (columns) but the training y has {n_labels}")
    kind = type_of_target(arr)
    if kind != "multilabel-indicator":
        raise ValueError(
            f"{name} of shape {arr.shape} must be a multi-label indicator of 0 / 1 values "
            f"(type_of_target 'multilabel-indicator'), got type_of_target {kind!r}"
        )
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        i, k = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must be a multi-label indicator of 0 / 1 values, got {arr[i, k].item()!r} (row {i}, label {k})"
        )
    return arr.astype(np.intp)


def resolve_alpha(
    alpha: Any,
    classes: np.ndarray,
    codes: NDArray[np.intp] | None = None,
    sample_weight: NDArray[np.float64] | None = None,
    *,
    beta: float = 0.999,
) -> Any:
    """The focal ``alpha`` for these classes: the rules computed, a dict in ``classes`` order (validated by the loss).

    ``"balanced"``: ``n / (K n_k)`` (scikit-learn's rule); ``"effective_number"``:
    :func:`boostfocal.class_balanced_alpha` with ``beta``; both from the (weighted) class
    counts of the training labels ``codes`` (:func:`boostfocal._class_params.alpha_by_rule`).
    """

    def totals() -> NDArray[np.float64]:
        if codes is None:
            raise ValueError(f"alpha={alpha!r} is resolved from the training labels at fit")
        return label_totals(codes, classes.shape[0], sample_weight)

    return alpha_by_rule(per_class(alpha, classes.tolist(), "alpha"), totals, beta)


def objective_threads(n_jobs: Any) -> int | None:
    """Kernel threads for the focal objective from the estimator's ``n_jobs``.

    A non-zero integer (negative: joblib style) caps the numba kernel's threads like
    the booster's; None or 0 (the libraries' "default") leave numba's own setting.
    """
    if n_jobs is None or isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        return None
    return int(n_jobs)


def check_balance_beta(value: object) -> float:
    """``balance_beta`` (the effective-number beta): a finite number in [0, 1)."""
    return check_unit_interval(value, "balance_beta")


def check_correct_proba(value: object) -> bool:
    """``correct_proba`` must be a bool (numpy bools too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"correct_proba must be True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def _class_weight_factor(class_weight: Any, classes: np.ndarray, codes: NDArray[np.intp]) -> NDArray[np.float64] | None:
    """Per-sample factor for a scikit-learn style ``class_weight`` (dict by label, or "balanced")."""
    if class_weight is None:
        return None
    from sklearn.utils.class_weight import compute_sample_weight

    if isinstance(class_weight, Mapping):
        class_weight = {
            int(np.flatnonzero(classes == k)[0]): v for k, v in class_weight.items() if np.any(classes == k)
        }
    return np.asarray(compute_sample_weight(class_weight, codes), dtype=np.float64)


@dataclass(frozen=True)
class FocalFitSetup:
    """Everything an estimator's fit needs before it hands over to the library (validated once, here)."""

    loss: FocalLoss  # the concrete loss: sigmoid for 2 classes, softmax with num_class, or multi-label
    alpha: float | NDArray[np.float64] | None
    policy: HessPolicy
    correct_proba: bool
    classes: np.ndarray  # multi-label: the label indices 0..K-1
    codes: NDArray[np.intp]  # multi-label: the (n, K) 0/1 indicator
    sample_weight: NDArray[np.float64] | None  # times the class_weight factor, if any
    class_balance: NDArray[np.float64]  # multi-label: each label's (weighted) share of positives
    initial_margin: float | NDArray[np.float64]

    @property
    def multilabel(self) -> bool:
        """True for a multi-label fit (a 2-D indicator ``y``)."""
        return self.loss.is_multilabel

    @property
    def gamma(self) -> float | list[float]:
        return self.loss.gamma

    @property
    def hess_floor(self) -> HessFloor:
        """The public spelling of the hessian policy (``hess_floor_``)."""
        return self.policy.spelling

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])

    @property
    def num_class(self) -> int | None:
        """None for binary (one margin per sample), the number of classes (softmax) or labels (multi-label)."""
        return None if self.n_classes == 2 and not self.multilabel else self.n_classes


@dataclass(frozen=True)
class _Common:
    """The estimator settings every fit validates the same way."""

    policy: HessPolicy
    correct_proba: bool
    beta: float
    sample_weight: NDArray[np.float64] | None


def _check_common(estimator: Any, n_samples: int, sample_weight: ArrayLike | None) -> _Common:
    """Validate ``hess_floor`` (once, into a policy), ``correct_proba``, ``balance_beta`` and the weights."""
    policy = HessPolicy.parse(estimator.hess_floor, allow_none=False)
    correct = check_correct_proba(estimator.correct_proba)
    beta = check_balance_beta(estimator.balance_beta)
    return _Common(policy, correct, beta, check_sample_weight(sample_weight, n_samples))


def _check_total(weights: NDArray[np.float64]) -> float:
    total = float(weights.sum())
    if not total > 0:
        raise ValueError("sample_weight: all weights are zero, nothing to fit")
    return total


def prepare_fit(estimator: Any, y: Any, sample_weight: ArrayLike | None, *, class_weight: Any = None) -> FocalFitSetup:
    """Validate the focal parameters and labels of ``estimator`` and compute the starting margin.

    Raises before any training: ``y`` None, NaN / None labels, a single class,
    ``gamma`` < 0, a bad ``alpha`` (type, range, length, dict keys), a negative
    ``hess_floor``, a non-bool ``correct_proba``, bad or all-zero weights, or a
    class whose total weight (times alpha) is zero (the starting margin would be
    infinite, and the posterior of such a class could not be recovered).
    """
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y is None")
    if is_indicator(y):
        if class_weight is not None:
            raise ValueError(
                f"class_weight is for one label per row; a multi-label y weighs its labels with alpha "
                f"(per-label weights, 'balanced' or 'effective_number'), got class_weight={class_weight!r}"
            )
        return _prepare_multilabel_fit(estimator, y, sample_weight)
    classes, codes = encode_labels(y, None, "y")
    n_classes = classes.shape[0]
    if n_classes < 2:
        raise ValueError(f"y contains 1 class ({classes.tolist()!r}); a classifier needs at least 2 classes")
    common = _check_common(estimator, codes.shape[0], sample_weight)
    w = common.sample_weight
    cw = _class_weight_factor(class_weight, classes, codes)
    if cw is not None:
        w = cw if w is None else w * cw
    by_class = np.bincount(codes, weights=w, minlength=n_classes).astype(np.float64)
    total = _check_total(by_class)
    alpha = resolve_alpha(estimator.alpha, classes, codes, w, beta=common.beta)
    m = estimator.negative_shift
    if n_classes > 2 and isinstance(m, numbers.Real) and not isinstance(m, bool) and m != 0.0:
        raise ValueError(
            f"negative_shift is a binary option (the negative class of a sigmoid), but y has {n_classes} "
            f"classes; got negative_shift={m!r}"
        )
    loss = FocalLoss(
        gamma=per_class(estimator.gamma, classes.tolist(), "gamma"),
        alpha=alpha,
        link="sigmoid" if n_classes == 2 else "softmax",
        num_class=None if n_classes == 2 else n_classes,
        label_smoothing=estimator.label_smoothing,
        negative_shift=m,
        poly_epsilon=estimator.poly_epsilon,
    )
    z0 = loss.initial_margin(codes, w)
    alpha_ = fitted_alpha(alpha)
    return FocalFitSetup(loss, alpha_, common.policy, common.correct_proba, classes, codes, w, by_class / total, z0)


def _label_name(y: Any, k: int) -> str:
    columns = getattr(y, "columns", None)
    return f"{k} ({columns[k]!r})" if columns is not None else str(k)


def _multilabel_alpha(alpha: Any, Y: NDArray[np.intp], w: NDArray[np.float64] | None, beta: float) -> Any:
    """The multi-label ``alpha``: ``"balanced"`` / ``"effective_number"`` per label as (K, 2) rows, else as given."""
    return alpha_by_rule(alpha, lambda: np.array([label_totals(Y[:, k], 2, w) for k in range(Y.shape[1])]), beta)


def _prepare_multilabel_fit(estimator: Any, y: Any, sample_weight: ArrayLike | None) -> FocalFitSetup:
    """:func:`prepare_fit` for a multi-label indicator ``y`` (n_samples, K)."""
    Y = encode_indicator(y, None, "y")
    n, k = Y.shape
    for j in range(k):
        values = np.unique(Y[:, j])
        if values.shape[0] < 2:
            raise ValueError(
                f"y column {_label_name(y, j)} has one value only ({int(values[0])}): every label of a multi-label "
                "y needs positive and negative rows (a constant label cannot be learned)"
            )
    common = _check_common(estimator, n, sample_weight)
    w = common.sample_weight
    w_arr = np.ones(n) if w is None else w
    total = _check_total(w_arr)
    loss = FocalLoss(
        gamma=estimator.gamma,
        alpha=_multilabel_alpha(estimator.alpha, Y, w, common.beta),
        link="multilabel",
        num_class=k,
        label_smoothing=estimator.label_smoothing,
        negative_shift=estimator.negative_shift,
        poly_epsilon=estimator.poly_epsilon,
    )
    z0 = loss.initial_margin(Y, w)
    balance = (w_arr @ Y) / total
    alpha_ = fitted_alpha(loss.alpha)
    return FocalFitSetup(loss, alpha_, common.policy, common.correct_proba, np.arange(k), Y, w, balance, z0)


class FocalClassifierMixin:
    """Shared behaviour of the focal estimators; listed first among the bases.

    Its ``__init__`` takes the focal parameters and hands ``**kwargs`` to the
    library's classifier (the next base). Subclasses provide ``_focal_proba(X, **kwargs)`` (the booster's focal
    probabilities, shape (n_samples, n_classes)) and ``_profile`` (the library's
    conventions: softmax hessian factor, for the record). The mixin defines no
    ``get_params`` (XGBoost's ``get_params`` skips bases without one).
    """

    _profile: LibraryProfile
    # the focal parameters (XGBoost's own ``gamma`` / ``alpha`` are ``min_split_loss`` / ``reg_alpha`` there)
    gamma: Any
    alpha: Any

    def __init__(
        self,
        *,
        gamma: float | Sequence[float] | Mapping[Any, float] = 2.0,
        alpha: float | str | Sequence[float] | Mapping[Any, float] | None = None,
        balance_beta: float = 0.999,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
        poly_epsilon: float = 0.0,
        hess_floor: HessFloor = CURVATURE_FLOOR,
        correct_proba: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # the library's classifier
        self.gamma = gamma
        self.alpha = alpha
        self.balance_beta = balance_beta
        self.label_smoothing = label_smoothing
        self.negative_shift = negative_shift
        self.poly_epsilon = poly_epsilon
        self.hess_floor = hess_floor
        self.correct_proba = correct_proba

    def _focal_proba(self, X: Any, **kwargs: Any) -> NDArray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = cast(Any, super()).__sklearn_tags__()  # the library classifier's
        tags.classifier_tags.multi_label = True  # a 2-D indicator y trains the multi-label focal loss
        return tags

    def _more_tags(self) -> dict[str, bool]:  # scikit-learn < 1.6
        more = getattr(super(), "_more_tags", None)
        tags = dict(more()) if more is not None else {}
        tags["multilabel"] = True
        return tags

    # ------------------------------------------------------------ fitted facts
    @property
    def _fitted_classes(self) -> np.ndarray:
        """``classes_`` of the library classifier (the next base)."""
        return np.asarray(cast(Any, self).classes_)

    def _set_focal_attributes(self, setup: FocalFitSetup) -> None:
        self.loss_ = setup.loss
        self.gamma_ = setup.gamma
        self.alpha_ = setup.alpha
        self.hess_floor_ = setup.hess_floor
        self.initial_margin_ = setup.initial_margin
        self.class_balance_ = setup.class_balance
        self._proba_loss = posterior_columns_loss(setup.loss, setup.n_classes)

    def _restore_focal_attributes(self, record: Mapping[str, Any]) -> None:
        """Fitted attributes (and gamma / alpha / correct_proba) from a saved record: the loss built once."""
        loss = FocalLoss.from_dict(record)
        n_classes = len(record["classes"])
        self.loss_ = fixed_link(loss, 1 if n_classes == 2 and not loss.is_multilabel else n_classes)
        self.gamma_ = self.gamma = self.loss_.gamma
        self.alpha_ = fitted_alpha(record["alpha"])
        self.hess_floor_ = record["hess_floor"]
        margin = record["initial_margin"]
        self.initial_margin_ = np.asarray(margin, dtype=np.float64) if isinstance(margin, list) else margin
        self.class_balance_ = np.asarray(record["class_balance"], dtype=np.float64)
        self._proba_loss = posterior_columns_loss(self.loss_, n_classes)
        if "correct_proba" in record:
            self.correct_proba = bool(record["correct_proba"])

    def _focal_record(self) -> dict[str, Any]:
        """JSON-serialisable focal settings stored with the native model."""
        n_classes = len(self._fitted_classes)
        return make_record(
            self.loss_,
            hess_floor=self.hess_floor_,
            initial_margin=to_builtin(self.initial_margin_),
            class_balance=to_builtin(self.class_balance_),
            classes=to_builtin(self._fitted_classes),
            softmax_hess_factor=self._profile.softmax_hess_scale(n_classes)
            if n_classes > 2 and not self.loss_.is_multilabel
            else None,
            correct_proba=bool(self.correct_proba),
            estimator=type(self).__name__,
        )

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = cast(Any, super()).__repr__(N_CHAR_MAX)  # the estimator's BaseEstimator.__repr__
        if "gamma_" not in self.__dict__:
            return text
        balance = dict(zip(to_builtin(self._fitted_classes), np.round(self.class_balance_, 6).tolist(), strict=True))
        return (
            f"{text} fitted with focal loss: gamma_={self.gamma_!r}, alpha_={to_builtin(self.alpha_)!r}, "
            f"hess_floor_={self.hess_floor_!r}, initial_margin_={np.round(self.initial_margin_, 6).tolist()!r}, "
            f"class_balance_={balance!r}"
        )

    # ------------------------------------------------------------ probability correction
    def _posterior_from_focal(self, proba: NDArray) -> NDArray:
        """Posterior estimates from focal probabilities (n_samples, n_classes), rows summing to 1.

        Exactly the input at ``gamma_ = 0`` with equal class weights; otherwise
        float64 from the fitted loss's posterior map (:func:`boostfocal.focal_to_posterior`).
        """
        check_is_fitted(self, "loss_")
        if "_proba_loss" not in self.__dict__:  # an estimator pickled before boostfocal 0.3
            self._proba_loss = posterior_columns_loss(self.loss_, np.shape(proba)[1])
        loss = self._proba_loss
        if loss is None:
            return proba
        p = np.asarray(proba, dtype=np.float64)
        if loss.negative_shift and not loss.is_multilabel:  # binary only: the sigmoid form of the shifted loss
            eta = loss.posterior(p[:, 1])
            return np.column_stack([1.0 - eta, eta])
        return loss.posterior(p)

    def _maybe_corrected(self, proba: NDArray) -> NDArray:
        return self._posterior_from_focal(proba) if self.correct_proba else proba

    def _labels_from_proba(self, proba: NDArray) -> NDArray:
        """``predict``'s labels: ``classes_`` of the argmax, or (multi-label) the (n, K) indicator ``proba > 0.5``."""
        if self.loss_.is_multilabel:
            return (np.asarray(proba) > 0.5).astype(np.intp)
        return self._fitted_classes[np.argmax(proba, axis=1)]

    def predict_posterior(self, X: Any, **kwargs: Any) -> NDArray:
        r"""Posterior class probabilities, whatever ``correct_proba`` says.

        The booster's focal probabilities are pulled towards the middle (that
        is how focal loss down-weights easy examples) and, with ``alpha``,
        shifted towards the up-weighted class. This maps them through
        :func:`boostfocal.focal_to_posterior` with the fitted ``gamma_`` and
        ``alpha_``, which undoes both: use it for calibrated probabilities
        (Brier score, log loss, thresholds read as probabilities).
        ``correct_proba=True`` makes ``predict_proba`` return the same, and
        ``predict`` (always the argmax of ``predict_proba``) then gives the
        Bayes decision of the corrected posterior: the same labels for binary
        problems without ``alpha`` (the map is increasing and fixes 0.5), but
        without ``alpha``'s shift of the decision threshold otherwise.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        **kwargs
            ``predict_proba``'s options (e.g. XGBoost's ``iteration_range``,
            LightGBM's ``num_iteration``).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in ``classes_`` order, rows summing to 1, always finite;
            float64, except at ``gamma_ = 0`` with equal class weights where
            the map is the identity and the focal probabilities are returned
            unchanged.

        Notes
        -----
        A class with ``alpha`` 0 (binary ``alpha`` 0 or 1) makes the posterior
        unrecoverable; such settings are rejected at fit already (the starting
        margin would be infinite).
        """
        return self._posterior_from_focal(self._focal_proba(X, **kwargs))
