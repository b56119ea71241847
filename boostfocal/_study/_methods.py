"""The methods of the study and how one configuration of one method is fitted.

Baselines use each library's native objective (``binary:logistic`` / ``multi:softprob``,
LightGBM ``binary`` / ``multiclass``); focal methods use :class:`boostfocal.FocalXGBClassifier`
and :class:`boostfocal.FocalLGBMClassifier`. Every fit stops early on the method's own
loss on the inner validation split (log loss; the class-weighted log loss with the same
class weights; the focal loss with its alpha).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["METHODS", "DEFAULT_METHODS", "FAMILY", "LIBRARIES", "Fitted", "fit_method", "balanced_weights"]

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


@dataclass
class Fitted:
    """One fitted configuration: the model, what to call for probabilities, and the resolved loss."""

    model: Any
    method: str
    library: str
    n_classes: int
    class_weights: NDArray[np.float64] | None  # weighted log loss: the K class weights used
    best_iteration: int

    def proba(self, X: Any) -> NDArray[np.float64]:
        """The model's probabilities, shape (n, K)."""
        return np.asarray(self.model.predict_proba(X), dtype=np.float64)

    def posterior(self, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        """Posterior estimates from ``proba`` (focal: ``predict_posterior``; class weights undone)."""
        if FAMILY[self.method] == "focal":
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
) -> Fitted:
    """Fit one configuration with early stopping on the method's own loss on ``(X_valid, y_valid)``."""
    kwargs = dict(booster_kwargs)
    family = FAMILY[method]
    class_weights = None
    w_tr, w_va = w_train, w_valid
    if method == "weighted_log_loss":
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
        if family == "focal":
            from ..sklearn_xgboost import FocalXGBClassifier

            model = FocalXGBClassifier(early_stopping_rounds=patience, **kwargs)
        else:
            from xgboost import XGBClassifier

            objective = "binary:logistic" if n_classes == 2 else "multi:softprob"
            metric = "logloss" if n_classes == 2 else "mlogloss"
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
        if family == "focal":
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
    return Fitted(model, method, library, n_classes, class_weights, best)
