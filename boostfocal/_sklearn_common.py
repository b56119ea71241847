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
* the fitted attributes, the repr suffix and the record of the focal settings
  saved in the native model;
* the probability correction (``correct_proba`` / ``predict_posterior``), which
  maps focal probabilities to posterior estimates with
  :func:`boostfocal.focal_to_posterior`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._core import class_balanced_alpha, class_counts
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor
from ._profiles import LibraryProfile, make_record
from ._validation import (
    check_binary_alpha,
    check_class_gamma,
    check_hess_policy,
    check_sample_weight,
    check_softmax_alpha,
)

__all__ = ["FOCAL_PARAMS", "FocalClassifierMixin", "FocalFitSetup", "encode_labels", "prepare_fit", "resolve_alpha"]

#: Constructor parameters of the estimators that must never reach the native
#: library (XGBoost reads ``gamma`` as min_split_loss and ``alpha`` as reg_alpha;
#: LightGBM's ``alpha`` is its Huber / quantile parameter).
FOCAL_PARAMS = (
    "gamma",
    "alpha",
    "balance_beta",
    "label_smoothing",
    "negative_shift",
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


def _per_class(value: Any, classes: np.ndarray, name: str) -> Any:
    """A ``{label: value}`` dict as a list in ``classes`` order (other values unchanged)."""
    if not isinstance(value, Mapping):
        return value
    known = set(classes.tolist())
    unknown = [k for k in value if k not in known]
    missing = [c for c in classes.tolist() if c not in value]
    if unknown or missing:
        raise ValueError(
            f"{name} as a dict must give one value per class {classes.tolist()!r}; "
            f"unknown labels {unknown!r}, missing labels {missing!r}"
        )
    return [value[c] for c in classes.tolist()]


def focal_params_doc(
    *, library: str, model: str, gamma_note: str = "", alpha_note: str = "", proba_note: str = ""
) -> str:
    """The numpydoc entries of the focal parameters, shared by both estimators (written once).

    ``library`` names the adapter module (``xgboost`` / ``lightgbm``), ``model`` the native
    model that ``gamma=0`` reproduces; the notes are appended to their entries.
    """
    return f"""gamma : float, sequence or dict, default=2.0
        Focusing parameter, finite and >= 0; or one per class, as a sequence in
        ``classes_`` order or a dict ``{{label: gamma}}`` (binary: asymmetric
        focusing). ``gamma=0`` with ``alpha=None`` is {model}.{gamma_note}
    alpha : float, str, sequence, dict or None, default=None
        Class weighting. Binary: the weight of the positive class ``classes_[1]``
        in [0, 1] (the negative class gets ``1 - alpha``), or ``[a_0, a_1]`` (a
        sequence or a dict). Multiclass: one weight >= 0 per class, as a sequence
        in ``classes_`` order or a dict ``{{label: weight}}`` covering every class,
        or one number for all classes. ``"balanced"``: ``n / (K n_k)`` from the
        training labels (scikit-learn's rule); ``"effective_number"``:
        :func:`boostfocal.class_balanced_alpha` with ``balance_beta`` (Cui et al.,
        2019); both use the sample-weighted class counts and are stored as the
        fitted vector ``alpha_``. None: no class weighting.{alpha_note}
    balance_beta : float in [0, 1), default=0.999
        The beta of ``alpha="effective_number"`` (0: all ones; towards 1: inverse
        class frequency); unused otherwise.
    label_smoothing : float in [0, 1), default=0.0
        Smoothed targets (binary ``t = y (1 - e) + e / 2``; multiclass
        ``t_k = (1 - e) [k = y] + e / K``), which softens focal loss under label
        noise; ``predict_posterior`` un-smooths. 0: hard labels.
    negative_shift : float in [0, 1), default=0.0
        Binary only: the probability margin m of the asymmetric loss (ASL, Ridnik
        et al., 2021). Negatives are scored at ``p_m = max(p - m, 0)``, so those
        already below ``p = m`` cost nothing; combine with ``gamma=[g_0, g_1]``
        (ASL: ``[4, 1]``, m = 0.05). ``predict_posterior`` maps ``p <= m`` to 0.
        A multiclass ``y`` with m > 0 is an error.
    hess_floor : "curvature" or float, default="curvature"
        The hessian policy of :func:`boostfocal.{library}.focal_objective`:
        ``"curvature"`` raises the exact hessian to the focal-weighted
        cross-entropy curvature (gamma = 0 is exactly {model}); a number
        f >= 0 is the absolute floor ``max(h, f w)``.
    correct_proba : bool, default=False
        True: ``predict_proba`` returns posterior estimates instead of the
        focal probabilities, and ``predict`` (always the argmax of
        ``predict_proba``) follows them. See :meth:`predict_posterior`.{proba_note}"""


#: Marker in the estimators' docstrings replaced by :func:`focal_params_doc`.
FOCAL_PARAMS_DOC_MARKER = "%(focal_params)s"

#: The data-dependent class weightings the estimators resolve at fit.
ALPHA_RULES = ("balanced", "effective_number")


def resolve_alpha(
    alpha: Any,
    classes: np.ndarray,
    codes: NDArray[np.intp] | None = None,
    sample_weight: NDArray[np.float64] | None = None,
    *,
    beta: float = 0.999,
) -> float | NDArray[np.float64] | None:
    """The validated focal ``alpha`` for these classes (a vector in ``classes`` order, a number or None).

    ``"balanced"``: ``n / (K n_k)`` (scikit-learn's rule); ``"effective_number"``:
    :func:`boostfocal.class_balanced_alpha` with ``beta``; both from the (weighted) class
    counts of the training labels ``codes``.
    """
    n_classes = classes.shape[0]
    if isinstance(alpha, str):
        if alpha not in ALPHA_RULES:
            raise ValueError(f"alpha as a string must be one of {ALPHA_RULES}, got {alpha!r}")
        if codes is None:
            raise ValueError(f"alpha={alpha!r} is resolved from the training labels at fit")
        if alpha == "effective_number":
            return class_balanced_alpha(codes, beta=beta, num_class=n_classes, sample_weight=sample_weight)
        counts = class_counts(codes, n_classes, sample_weight)
        return counts.sum() / (n_classes * counts)
    alpha = _per_class(alpha, classes, "alpha")
    if n_classes == 2 and (alpha is None or isinstance(alpha, numbers.Real)):
        return check_binary_alpha(alpha)  # the weight of the positive class classes_[1]
    return check_softmax_alpha(alpha, n_classes)


def resolve_gamma(gamma: Any, classes: np.ndarray) -> float | NDArray[np.float64]:
    """The validated focal ``gamma``: a number, or one value per class (sequence or dict, ``classes`` order)."""
    return check_class_gamma(_per_class(gamma, classes, "gamma"), classes.shape[0])


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
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"balance_beta must be a number in [0, 1), got {value!r} of type {type(value).__name__}")
    b = float(value)
    if not 0.0 <= b < 1.0:
        raise ValueError(f"balance_beta must be in [0, 1), got {value!r}")
    return b


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
    """Everything an estimator's fit needs before it hands over to the library."""

    loss: FocalLoss  # the concrete loss: sigmoid for 2 classes, softmax with num_class otherwise
    alpha: float | NDArray[np.float64] | None
    hess_floor: HessFloor
    correct_proba: bool
    classes: np.ndarray
    codes: NDArray[np.intp]
    sample_weight: NDArray[np.float64] | None  # times the class_weight factor, if any
    class_balance: NDArray[np.float64]
    initial_margin: float | NDArray[np.float64]

    @property
    def gamma(self) -> float | list[float]:
        return self.loss.gamma

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])

    @property
    def num_class(self) -> int | None:
        """None for binary (one margin per sample), the number of classes for softmax."""
        return None if self.n_classes == 2 else self.n_classes


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
    floor, _ = check_hess_policy(estimator.hess_floor)
    hess_floor: HessFloor = estimator.hess_floor if isinstance(estimator.hess_floor, str) else floor
    correct = check_correct_proba(estimator.correct_proba)
    classes, codes = encode_labels(y, None, "y")
    n_classes = classes.shape[0]
    if n_classes < 2:
        raise ValueError(f"y contains 1 class ({classes.tolist()!r}); a classifier needs at least 2 classes")
    gamma = resolve_gamma(estimator.gamma, classes)
    w = check_sample_weight(sample_weight, codes.shape[0])
    cw = _class_weight_factor(class_weight, classes, codes)
    if cw is not None:
        w = cw if w is None else w * cw
    per_class = np.bincount(codes, weights=w, minlength=n_classes).astype(np.float64)
    total = per_class.sum()
    if not total > 0:
        raise ValueError("sample_weight: all weights are zero, nothing to fit")
    beta = check_balance_beta(estimator.balance_beta)
    alpha = resolve_alpha(estimator.alpha, classes, codes, w, beta=beta)
    e = estimator.label_smoothing
    m = estimator.negative_shift
    if n_classes == 2:
        loss = FocalLoss(gamma=gamma, alpha=alpha, link="sigmoid", label_smoothing=e, negative_shift=m)
    else:
        if isinstance(m, numbers.Real) and not isinstance(m, bool) and m != 0.0:
            raise ValueError(
                f"negative_shift is a binary option (the negative class of a sigmoid), but y has {n_classes} "
                f"classes; got negative_shift={m!r}"
            )
        loss = FocalLoss(
            gamma=gamma, alpha=alpha, link="softmax", num_class=n_classes, label_smoothing=e, negative_shift=m
        )
    z0 = loss.initial_margin(codes, w)
    return FocalFitSetup(loss, alpha, hess_floor, correct, classes, codes, w, per_class / total, z0)


class FocalClassifierMixin:
    """Shared behaviour of the focal estimators; listed first among the bases.

    Its ``__init__`` takes the focal parameters and hands ``**kwargs`` to the
    library's classifier (the next base). Subclasses provide ``_focal_proba(X, **kwargs)`` (the booster's focal
    probabilities, shape (n_samples, n_classes)) and ``_profile`` (the library's
    conventions: softmax hessian factor, for the record). The mixin defines no
    ``get_params`` (XGBoost's ``get_params`` skips bases without one).
    """

    _profile: LibraryProfile

    def __init__(
        self,
        *,
        gamma: float | Sequence[float] | Mapping[Any, float] = 2.0,
        alpha: float | str | Sequence[float] | Mapping[Any, float] | None = None,
        balance_beta: float = 0.999,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
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
        self.hess_floor = hess_floor
        self.correct_proba = correct_proba

    def _focal_proba(self, X: Any, **kwargs: Any) -> NDArray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.classifier_tags.multi_label = False  # labels are encoded to one column
        return tags

    def _more_tags(self) -> dict[str, bool]:  # scikit-learn < 1.6
        more = getattr(super(), "_more_tags", None)
        tags = dict(more()) if more is not None else {}
        tags["multilabel"] = False
        return tags

    # ------------------------------------------------------------ fitted facts
    def _set_focal_attributes(self, setup: FocalFitSetup) -> None:
        self.loss_ = setup.loss
        self.gamma_ = setup.gamma
        self.alpha_ = setup.alpha
        self.hess_floor_ = setup.hess_floor
        self.initial_margin_ = setup.initial_margin
        self.class_balance_ = setup.class_balance

    def _restore_focal_attributes(self, record: Mapping[str, Any]) -> None:
        """Fitted attributes (and gamma / alpha / correct_proba) from a saved record."""
        loss = FocalLoss.from_dict(record)
        n_classes = len(record["classes"])
        if loss.link is None or (loss.link.name == "sigmoid") != (n_classes == 2):
            loss = loss.with_link("sigmoid") if n_classes == 2 else loss.with_link("softmax", n_classes)
        self.loss_ = loss
        self.gamma_ = self.gamma = record["gamma"]
        alpha = record["alpha"]
        self.alpha_ = np.asarray(alpha, dtype=np.float64) if isinstance(alpha, list) else alpha
        self.hess_floor_ = record["hess_floor"]
        margin = record["initial_margin"]
        self.initial_margin_ = np.asarray(margin, dtype=np.float64) if isinstance(margin, list) else margin
        self.class_balance_ = np.asarray(record["class_balance"], dtype=np.float64)
        if "correct_proba" in record:
            self.correct_proba = bool(record["correct_proba"])

    def _focal_record(self) -> dict[str, Any]:
        """JSON-serialisable focal settings stored with the native model."""
        n_classes = len(self.classes_)  # type: ignore[attr-defined]
        return make_record(
            self.loss_,
            hess_floor=self.hess_floor_,
            initial_margin=to_builtin(self.initial_margin_),
            class_balance=to_builtin(self.class_balance_),
            classes=to_builtin(self.classes_),  # type: ignore[attr-defined]
            softmax_hess_factor=self._profile.softmax_hess_scale(n_classes) if n_classes > 2 else None,
            correct_proba=bool(self.correct_proba),
            estimator=type(self).__name__,
        )

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)  # type: ignore[call-arg]  # the estimator's BaseEstimator.__repr__
        if "gamma_" not in self.__dict__:
            return text
        balance = dict(zip(to_builtin(self.classes_), np.round(self.class_balance_, 6).tolist(), strict=True))  # type: ignore[attr-defined]
        return (
            f"{text} fitted with focal loss: gamma_={self.gamma_!r}, alpha_={to_builtin(self.alpha_)!r}, "
            f"hess_floor_={self.hess_floor_!r}, initial_margin_={np.round(self.initial_margin_, 6).tolist()!r}, "
            f"class_balance_={balance!r}"
        )

    # ------------------------------------------------------------ probability correction
    def _posterior_from_focal(self, proba: NDArray) -> NDArray:
        """Posterior estimates from focal probabilities (n_samples, n_classes), rows summing to 1.

        Exactly the input at ``gamma_ = 0`` with equal class weights; otherwise
        float64 from :func:`boostfocal.focal_to_posterior` with the fitted
        ``gamma_`` and ``alpha_``.
        """
        check_is_fitted(self, "gamma_")
        if self.loss_.negative_shift:  # binary only: the sigmoid form of the shifted loss
            eta = self.loss_.posterior(np.asarray(proba[:, 1], dtype=np.float64))
            return np.column_stack([1.0 - eta, eta])
        weights = self.loss_.class_weights(proba.shape[1])
        if self.gamma_ == 0.0 and not self.loss_.label_smoothing and (weights is None or np.all(weights == weights[0])):
            return proba
        # the softmax form with the K class weights; at K = 2 it is the binary formula
        columns = FocalLoss(
            gamma=self.gamma_,
            alpha=None if weights is None else weights.tolist(),
            link="softmax",
            num_class=proba.shape[1],
            label_smoothing=self.loss_.label_smoothing,
        )
        return columns.posterior(np.asarray(proba, dtype=np.float64))

    def _maybe_corrected(self, proba: NDArray) -> NDArray:
        return self._posterior_from_focal(proba) if self.correct_proba else proba

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
