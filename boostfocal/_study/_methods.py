"""The methods of the study and how one configuration of one method is fitted.

Baselines use each library's native objective (``binary:logistic`` / ``multi:softprob``,
LightGBM ``binary`` / ``multiclass``); focal methods use :class:`boostfocal.FocalXGBClassifier`
and :class:`boostfocal.FocalLGBMClassifier`. Every fit stops early on the method's own
loss on the inner validation split (log loss; the class-weighted log loss with the same
class weights; the focal loss with its alpha).

Multi-label targets (an (n, K) 0/1 indicator; every fit is one model of K outputs with one
early-stopped round count):

* log loss: XGBoost's native ``binary:logistic`` with the 2-D labels (its multi-output
  trees); LightGBM has no multi-label objective, so :class:`boostfocal.FocalLGBMClassifier`
  with ``gamma=0`` and no alpha, which is LightGBM's binary log loss label by label (tested
  against K native models in ``tests/test_multilabel_estimators.py``). Measured on 20,000 x
  20, K = 3: 1.96-2.06 s against 1.76-1.95 s for K native ``LGBMClassifier`` fits, the same
  mean AP (0.7802 / 0.7804); chosen because it stops all labels at one round count, as the
  focal fits and XGBoost's multi-output model do, so the methods differ in the loss only.
* class-weighted log loss: per-label positive weights ``w_l``; XGBoost's
  ``scale_pos_weight`` is one number for every label and sample weights cannot differ
  between the labels of a row, so both libraries use the focal estimator at ``gamma=0``
  with the (K, 2) alpha ``[[1, w_1], ..., [1, w_K]]``: the loss
  ``-(w_l y log p + (1 - y) log(1 - p))`` of every label, exactly the class-weighted log
  loss (tested against native per-label fits with sample weights ``w_l^y``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "METHODS",
    "DEFAULT_METHODS",
    "FAMILY",
    "LIBRARIES",
    "Fitted",
    "fit_method",
    "balanced_weights",
    "positive_weights",
    "uses_focal_estimator",
]

#: Every method, with its family ("baseline" or "focal") and a one-line description.
METHODS: dict[str, tuple[str, str]] = {
    "log_loss": ("baseline", "log loss (the library's native objective)"),
    "weighted_log_loss": ("baseline", "class-weighted log loss (native objective, class weights searched)"),
    "focal": ("focal", "focal loss (gamma and alpha searched)"),
    "focal_asymmetric": ("focal", "focal loss with one gamma per class"),
    "focal_effective_number": ("focal", "focal loss with effective-number class weights (Cui et al., 2019)"),
}
#: The methods run when ``methods=None``.
DEFAULT_METHODS = ("log_loss", "weighted_log_loss", "focal")
FAMILY = {name: family for name, (family, _) in METHODS.items()}
LIBRARIES = ("xgboost", "lightgbm")


def balanced_weights(codes: NDArray[np.intp], n_classes: int, sample_weight: NDArray | None) -> NDArray[np.float64]:
    """scikit-learn's "balanced" class weights ``n / (K n_k)`` from (weighted) counts."""
    counts = np.bincount(codes, weights=sample_weight, minlength=n_classes).astype(np.float64)
    return counts.sum() / (n_classes * counts)


def positive_weights(Y: NDArray[np.intp], sample_weight: NDArray | None) -> NDArray[np.float64]:
    """Multi-label "balanced" positive weights ``n_neg,l / n_pos,l`` per label (weighted counts): the
    binary rule ``[1, b_1 / b_0]`` of :func:`balanced_weights` applied to every label."""
    w = np.ones(Y.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    pos = w @ Y
    return (w.sum() - pos) / pos


def uses_focal_estimator(method: str, library: str, multilabel: bool) -> bool:
    """True when the fit uses FocalXGBClassifier / FocalLGBMClassifier (every focal method; multi-label
    weighted log loss; LightGBM multi-label log loss), whose ``predict_posterior`` gives the posterior."""
    if FAMILY[method] == "focal":
        return True
    return multilabel and (method == "weighted_log_loss" or library == "lightgbm")


@dataclass
class Fitted:
    """One fitted configuration: the model, what to call for probabilities, and the resolved loss."""

    model: Any
    method: str
    library: str
    n_classes: int
    class_weights: NDArray[np.float64] | None  # weighted log loss: the K class weights (multi-label: positive weights)
    best_iteration: int
    multilabel: bool = False

    def proba(self, X: Any) -> NDArray[np.float64]:
        """The model's probabilities, shape (n, K)."""
        return np.asarray(self.model.predict_proba(X), dtype=np.float64)

    def posterior(self, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        """Posterior estimates from ``proba`` (focal: ``predict_posterior``; class weights undone)."""
        if uses_focal_estimator(self.method, self.library, self.multilabel):
            return np.asarray(self.model.predict_posterior(X), dtype=np.float64)
        if self.class_weights is None:
            return proba
        from .._loss import FocalLoss

        # class-weighted log loss is focal loss at gamma = 0 with the class weights as alpha
        loss = FocalLoss(gamma=0.0, alpha=self.class_weights.tolist(), link="softmax", num_class=self.n_classes)
        return np.asarray(loss.posterior(proba), dtype=np.float64)


def _lightgbm_has_eval_x() -> bool:
    import inspect

    import lightgbm as lgb

    return "eval_X" in inspect.signature(lgb.LGBMClassifier.fit).parameters


def _best_iteration(model: Any, library: str, cap: int) -> int:
    best = getattr(model, "best_iteration" if library == "xgboost" else "best_iteration_", None)
    if best is None or best < 0:
        return cap
    return int(best) + (1 if library == "xgboost" else 0)  # XGBoost counts from 0, LightGBM from 1


def fit_method(
    method: str,
    library: str,
    loss_params: dict[str, Any],
    booster_kwargs: dict[str, Any],
    *,
    X_train: Any,
    y_train: NDArray[np.intp],
    w_train: NDArray[np.float64] | None,
    X_valid: Any,
    y_valid: NDArray[np.intp],
    w_valid: NDArray[np.float64] | None,
    n_classes: int,
    patience: int,
    multilabel: bool = False,
) -> Fitted:
    """Fit one configuration with early stopping on the method's own loss on ``(X_valid, y_valid)``
    (multi-label: ``y_train`` / ``y_valid`` the (n, K) indicators, ``n_classes`` = K; see the module docstring)."""
    kwargs = dict(booster_kwargs)
    family = FAMILY[method]
    class_weights = None
    w_tr, w_va = w_train, w_valid
    focal_estimator = uses_focal_estimator(method, library, multilabel)
    if multilabel and family == "baseline":
        if focal_estimator:  # log loss / class-weighted log loss as the focal estimator at gamma = 0
            kwargs["gamma"] = 0.0
        if method == "weighted_log_loss":
            t = float(loss_params["class_weight_exponent"])
            class_weights = positive_weights(y_train, w_train) ** t
            kwargs["alpha"] = np.column_stack([np.ones(n_classes), class_weights])
    elif method == "weighted_log_loss":
        t = float(loss_params["class_weight_exponent"])
        class_weights = balanced_weights(y_train, n_classes, w_train) ** t
        if n_classes == 2:
            class_weights = np.array([1.0, class_weights[1] / class_weights[0]])
            if library == "xgboost":
                kwargs["scale_pos_weight"] = float(class_weights[1])
            else:
                # LightGBM's starting score ignores scale_pos_weight (BinaryLogloss::BoostFromScore
                # uses sample weights only): with a large weight it starts at the unweighted base
                # rate, the first trees overshoot and early stopping ends the fit after 1-2 rounds
                # (measured: 60k rows, 0.2 % positives, w = 464: 1 round, AP 0.50 with
                # scale_pos_weight; 20 rounds, AP 0.80 with the same weights as sample weights)
                w_tr = class_weights[y_train] * (1.0 if w_train is None else w_train)
            # the validation log loss carries the same class weight
            w_va = class_weights[y_valid] * (1.0 if w_valid is None else w_valid)
        else:
            w_tr = class_weights[y_train] * (1.0 if w_train is None else w_train)
            w_va = class_weights[y_valid] * (1.0 if w_valid is None else w_valid)
    if family == "focal":
        kwargs.update({k: v for k, v in loss_params.items()})
    model: Any
    if library == "xgboost":
        if focal_estimator:
            from ..sklearn_xgboost import FocalXGBClassifier

            model = FocalXGBClassifier(early_stopping_rounds=patience, **kwargs)
        else:
            from xgboost import XGBClassifier

            # multi-label: binary:logistic with the (n, K) labels is XGBoost's native multi-output log loss
            objective = "binary:logistic" if n_classes == 2 or multilabel else "multi:softprob"
            metric = "logloss" if n_classes == 2 or multilabel else "mlogloss"
            model = XGBClassifier(objective=objective, eval_metric=metric, early_stopping_rounds=patience, **kwargs)
        model.fit(
            X_train,
            y_train,
            sample_weight=w_tr,
            eval_set=[(X_valid, y_valid)],
            sample_weight_eval_set=None if w_va is None else [w_va],
            verbose=False,
        )
    else:
        import lightgbm as lgb

        callbacks = [lgb.early_stopping(patience, first_metric_only=True, verbose=False)]
        if focal_estimator:
            from ..sklearn_lightgbm import FocalLGBMClassifier

            model = FocalLGBMClassifier(**kwargs)
        else:
            objective = "binary" if n_classes == 2 else "multiclass"
            model = lgb.LGBMClassifier(objective=objective, **kwargs)
        # LightGBM >= 4.7 names the validation data eval_X / eval_y (eval_set is deprecated there)
        if _lightgbm_has_eval_x():
            evals: dict[str, Any] = {"eval_X": (X_valid,), "eval_y": (y_valid,)}
        else:
            evals = {"eval_set": [(X_valid, y_valid)]}
        model.fit(
            X_train,
            y_train,
            sample_weight=w_tr,
            eval_sample_weight=None if w_va is None else [w_va],
            callbacks=callbacks,
            **evals,
        )
    best = _best_iteration(model, library, int(kwargs["n_estimators"]))
    return Fitted(model, method, library, n_classes, class_weights, best, multilabel)
