"""The methods of the study: one class each, in one registry (:data:`METHODS`).

A method is a :class:`Method`: its family ("baseline" or "focal"), its own loss parameters
(:meth:`~Method.draw` for the seeded random search, :meth:`~Method.suggest` and
:meth:`~Method.centre` for Optuna TPE, :meth:`~Method.search_space` for the report), how one
configuration is fitted (:meth:`~Method.fit`), its probabilities and posterior estimates
(:meth:`~Method.probabilities`, :meth:`~Method.posterior`) and what the recommendation
card says to train (:meth:`~Method.recommendation`). Nothing else in the study asks which
method it runs: a new method is one subclass (usually of :class:`Focal`, overriding the
parameter draws) and one entry in :data:`METHODS` (opt-in unless also in
:data:`DEFAULT_METHODS`). For example, Poly-1 focal loss (``focal_poly``, opt-in):
``class FocalPoly(Focal)`` with ``name = "focal_poly"``, a ``description``, and ``draw`` /
``suggest`` / ``centre`` / ``search_space`` that add ``poly_epsilon`` to what
``super()`` returns; then ``FocalPoly()`` in the tuple that builds :data:`METHODS`.
:meth:`Focal.fit` passes every loss parameter to the focal estimator and
:meth:`Focal.recommendation` every one but gamma / alpha / balance_beta to
:class:`boostfocal.FocalLoss`; ``tests/compare/test_compare_structure.py`` runs its contract
over every registered method and shows a toy method going through ``compare``.

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
  against K native models in ``tests/estimators``). Measured on 20,000 x 20, K = 3:
  1.96-2.06 s against 1.76-1.95 s for K native ``LGBMClassifier`` fits, the same mean AP
  (0.7802 / 0.7804); chosen because it stops all labels at one round count, as the focal
  fits and XGBoost's multi-output model do, so the methods differ in the loss only.
* class-weighted log loss: per-label positive weights ``w_l``; XGBoost's
  ``scale_pos_weight`` is one number for every label and sample weights cannot differ
  between the labels of a row, so both libraries use the focal estimator at ``gamma=0``
  with the (K, 2) alpha ``[[1, w_1], ..., [1, w_K]]``: the loss
  ``-(w_l y log p + (1 - y) log(1 - p))`` of every label, exactly the class-weighted log
  loss (tested against native per-label fits with sample weights ``w_l^y``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ._data import Target
from ._space import (
    BOOSTER_CENTRE,
    FocalSpace,
    alpha_choices,
    draw_alpha,
    draw_gamma,
    loss_stream,
    suggest_alpha,
    suggest_booster,
    suggest_gamma,
)

__all__ = [
    "Method",
    "LogLoss",
    "WeightedLogLoss",
    "Focal",
    "FocalAsymmetric",
    "FocalEffectiveNumber",
    "METHODS",
    "DEFAULT_METHODS",
    "LIBRARIES",
    "FitData",
    "Fitted",
    "fit_method",
    "loss_configs",
    "suggest",
    "centre_trial",
    "balanced_weights",
    "positive_weights",
]

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


@dataclass(frozen=True)
class FitData:
    """The rows of one fit: the inner training part and the inner validation split (early stopping)."""

    X_train: Any
    y_train: NDArray[np.intp]  # class codes, or the (n, K) indicator (multi-label)
    w_train: NDArray[np.float64] | None
    X_valid: Any
    y_valid: NDArray[np.intp]
    w_valid: NDArray[np.float64] | None
    n_classes: int  # classes, or labels (multi-label)
    patience: int
    multilabel: bool = False


@dataclass
class Fitted:
    """One fitted configuration: the model, the method that made it, and the resolved class weights."""

    model: Any
    method: str
    library: str
    n_classes: int
    class_weights: NDArray[np.float64] | None  # weighted log loss: the K class weights (multi-label: positive weights)
    best_iteration: int
    multilabel: bool = False

    def proba(self, X: Any) -> NDArray[np.float64]:
        """The model's probabilities, shape (n, K)."""
        return METHODS[self.method].probabilities(self, X)

    def posterior(self, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        """Posterior estimates (focal: ``predict_posterior``; class weights undone)."""
        return METHODS[self.method].posterior(self, X, proba)


@dataclass(frozen=True)
class Recommendation:
    """What the card says to train: the estimator's class name, its parameters and the loss record."""

    estimator: str
    estimator_params: dict[str, Any]
    loss: dict[str, Any]


# ---------------------------------------------------------------- fitting, shared by the methods
def _lightgbm_has_eval_x() -> bool:
    import lightgbm as lgb

    return "eval_X" in inspect.signature(lgb.LGBMClassifier.fit).parameters


def _best_iteration(model: Any, library: str, cap: int) -> int:
    best = getattr(model, "best_iteration" if library == "xgboost" else "best_iteration_", None)
    if best is None or best < 0:
        return cap
    return int(best) + (1 if library == "xgboost" else 0)  # XGBoost counts from 0, LightGBM from 1


def _focal_model(library: str, kwargs: dict[str, Any], patience: int) -> Any:
    if library == "xgboost":
        from ..sklearn_xgboost import FocalXGBClassifier

        return FocalXGBClassifier(early_stopping_rounds=patience, **kwargs)
    from ..sklearn_lightgbm import FocalLGBMClassifier

    return FocalLGBMClassifier(**kwargs)


def _native_model(library: str, data: FitData, kwargs: dict[str, Any]) -> Any:
    two = data.n_classes == 2 or data.multilabel
    if library == "xgboost":
        from xgboost import XGBClassifier

        # multi-label: binary:logistic with the (n, K) labels is XGBoost's native multi-output log loss
        objective, metric = ("binary:logistic", "logloss") if two else ("multi:softprob", "mlogloss")
        return XGBClassifier(objective=objective, eval_metric=metric, early_stopping_rounds=data.patience, **kwargs)
    import lightgbm as lgb

    return lgb.LGBMClassifier(objective="binary" if data.n_classes == 2 else "multiclass", **kwargs)


def _fit(model: Any, library: str, data: FitData, w_train: NDArray | None, w_valid: NDArray | None) -> int:
    """Fit ``model`` with early stopping on ``data``'s validation split; returns the rounds kept."""
    if library == "xgboost":
        model.fit(
            data.X_train,
            data.y_train,
            sample_weight=w_train,
            eval_set=[(data.X_valid, data.y_valid)],
            sample_weight_eval_set=None if w_valid is None else [w_valid],
            verbose=False,
        )
    else:
        import lightgbm as lgb

        callbacks = [lgb.early_stopping(data.patience, first_metric_only=True, verbose=False)]
        # LightGBM >= 4.7 names the validation data eval_X / eval_y (eval_set is deprecated there)
        if _lightgbm_has_eval_x():
            evals: dict[str, Any] = {"eval_X": (data.X_valid,), "eval_y": (data.y_valid,)}
        else:
            evals = {"eval_set": [(data.X_valid, data.y_valid)]}
        model.fit(
            data.X_train,
            data.y_train,
            sample_weight=w_train,
            eval_sample_weight=None if w_valid is None else [w_valid],
            callbacks=callbacks,
            **evals,
        )
    return _best_iteration(model, library, int(model.get_params()["n_estimators"]))  # the cap: no early stop


def _estimator_names(library: str) -> tuple[str, str]:
    """``(focal estimator, native estimator)`` class names of ``library``."""
    if library == "xgboost":
        return "FocalXGBClassifier", "XGBClassifier"
    return "FocalLGBMClassifier", "LGBMClassifier"


# ---------------------------------------------------------------- the protocol
class Method:
    """One method of the study (see the module docstring). Subclasses set the class attributes and
    override what differs; the defaults are those of a method without loss parameters whose model's
    probabilities are its posterior estimates."""

    name: ClassVar[str]
    family: ClassVar[str]  # "baseline" or "focal"
    description: ClassVar[str]

    # -- search space
    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        """One configuration of the loss parameters (``first``: the fixed first configuration)."""
        return {}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        """The loss parameters from an Optuna trial (the same ranges as :meth:`draw`)."""
        return {}

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        """The Optuna parameters of the first configuration (so that both searchers start alike)."""
        return {}

    def search_space(self, space: FocalSpace, task: str) -> dict[str, Any]:
        """The loss parameters searched, for ``results.json``."""
        return {}

    # -- fit, probabilities, posterior
    def fit(self, library: str, params: dict[str, Any], booster: dict[str, Any], data: FitData) -> Fitted:
        """Fit one configuration with early stopping on the method's own loss on the validation split."""
        raise NotImplementedError

    def probabilities(self, fitted: Fitted, X: Any) -> NDArray[np.float64]:
        """The model's own probabilities, shape (n, K): what the ranking metrics score."""
        return np.asarray(fitted.model.predict_proba(X), dtype=np.float64)

    def posterior(self, fitted: Fitted, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        """Posterior estimates from ``proba`` (Brier score, log loss): here the probabilities themselves."""
        return proba

    # -- the recommendation card
    def recommendation(
        self, library: str, params: dict[str, Any], booster: dict[str, Any], target: Target, w: NDArray | None
    ) -> Recommendation:
        """The estimator, its parameters and the loss record to train this configuration on all rows."""
        raise NotImplementedError


class LogLoss(Method):
    """Log loss: the library's native objective (multi-label: see the module docstring)."""

    name = "log_loss"
    family = "baseline"
    description = "log loss (the library's native objective)"

    def fit(self, library: str, params: dict[str, Any], booster: dict[str, Any], data: FitData) -> Fitted:
        if self._uses_focal_estimator(library, data.multilabel):
            model = _focal_model(library, {**booster, "gamma": 0.0}, data.patience)
        else:
            model = _native_model(library, data, dict(booster))
        best = _fit(model, library, data, data.w_train, data.w_valid)
        return Fitted(model, self.name, library, data.n_classes, None, best, data.multilabel)

    def posterior(self, fitted: Fitted, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        if self._uses_focal_estimator(fitted.library, fitted.multilabel):
            return np.asarray(fitted.model.predict_posterior(X), dtype=np.float64)
        return proba

    @staticmethod
    def _uses_focal_estimator(library: str, multilabel: bool) -> bool:
        return multilabel and library == "lightgbm"  # LightGBM has no multi-label objective

    def recommendation(
        self, library: str, params: dict[str, Any], booster: dict[str, Any], target: Target, w: NDArray | None
    ) -> Recommendation:
        focal_name, native_name = _estimator_names(library)
        if not target.multilabel:
            return Recommendation(native_name, dict(booster), {"loss": "log loss"})
        if library == "xgboost":  # with the (n, K) labels: multi-output
            how = "XGBClassifier(objective='binary:logistic') fitted on the (n, K) indicator"
            return Recommendation(
                native_name, {**booster, "objective": "binary:logistic"}, {"loss": "log loss", "how": how}
            )
        how = "FocalLGBMClassifier(gamma=0): LightGBM's binary log loss per label in one model"
        return Recommendation(focal_name, {**booster, "gamma": 0.0}, {"loss": "log loss", "how": how})


class WeightedLogLoss(Method):
    """Class-weighted log loss: class weights ``b_k^t`` with ``b_k = n / (K n_k)`` (scikit-learn's
    "balanced") and ``t`` uniform in [0, 1] (``t = 1``, "balanced", in a quarter of the draws and in
    the first); binary, the positive weight ``(n_neg / n_pos)^t``, log-uniform in [1, n_neg / n_pos]
    (XGBoost ``scale_pos_weight``, LightGBM sample weights). Multi-label: per-label positive weights
    (see the module docstring)."""

    name = "weighted_log_loss"
    family = "baseline"
    description = "class-weighted log loss (native objective, class weights searched)"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        t = 1.0 if first or rng.uniform() < 0.25 else round(float(rng.uniform()), 4)
        return {"class_weight_exponent": t}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {"class_weight_exponent": trial.suggest_float("class_weight_exponent", 0.0, 1.0)}

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {"class_weight_exponent": 1.0}

    def search_space(self, space: FocalSpace, task: str) -> dict[str, Any]:
        if task == "multilabel":
            return {"positive_weight": "per label (n_neg / n_pos) ** t, t in [0, 1] (one t for every label)"}
        return {"class_weight": "balanced ** t, t in [0, 1] (binary: scale_pos_weight in [1, n_neg / n_pos])"}

    @staticmethod
    def class_weights(codes: NDArray[np.intp], n_classes: int, w: NDArray | None, t: float, multilabel: bool) -> Any:
        """Multi-label: the K positive weights; binary: ``[1, w_1 / w_0]``; multiclass: the K class weights."""
        if multilabel:
            return positive_weights(codes, w) ** t
        cw = balanced_weights(codes, n_classes, w) ** t
        return np.array([1.0, cw[1] / cw[0]]) if n_classes == 2 else cw

    def fit(self, library: str, params: dict[str, Any], booster: dict[str, Any], data: FitData) -> Fitted:
        t = float(params["class_weight_exponent"])
        cw = self.class_weights(data.y_train, data.n_classes, data.w_train, t, data.multilabel)
        w_tr, w_va = data.w_train, data.w_valid
        if data.multilabel:  # the focal estimator at gamma = 0 with alpha [[1, w_l], ...]
            alpha = np.column_stack([np.ones(data.n_classes), cw])
            model = _focal_model(library, {**booster, "gamma": 0.0, "alpha": alpha}, data.patience)
        else:
            kwargs = dict(booster)
            if data.n_classes == 2 and library == "xgboost":
                kwargs["scale_pos_weight"] = float(cw[1])
            else:
                # LightGBM's starting score ignores scale_pos_weight (BinaryLogloss::BoostFromScore
                # uses sample weights only): with a large weight it starts at the unweighted base
                # rate, the first trees overshoot and early stopping ends the fit after 1-2 rounds
                # (measured: 60k rows, 0.2 % positives, w = 464: 1 round, AP 0.50 with
                # scale_pos_weight; 20 rounds, AP 0.80 with the same weights as sample weights)
                w_tr = cw[data.y_train] * (1.0 if data.w_train is None else data.w_train)
            # the validation log loss carries the same class weight
            w_va = cw[data.y_valid] * (1.0 if data.w_valid is None else data.w_valid)
            model = _native_model(library, data, kwargs)
        best = _fit(model, library, data, w_tr, w_va)
        return Fitted(model, self.name, library, data.n_classes, cw, best, data.multilabel)

    def posterior(self, fitted: Fitted, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        if fitted.multilabel:
            return np.asarray(fitted.model.predict_posterior(X), dtype=np.float64)
        from .. import FocalLoss

        if fitted.class_weights is None:
            return proba
        # class-weighted log loss is focal loss at gamma = 0 with the class weights as alpha
        loss = FocalLoss(gamma=0.0, alpha=fitted.class_weights.tolist(), link="softmax", num_class=fitted.n_classes)
        return np.asarray(loss.posterior(proba), dtype=np.float64)

    def recommendation(
        self, library: str, params: dict[str, Any], booster: dict[str, Any], target: Target, w: NDArray | None
    ) -> Recommendation:
        focal_name, native_name = _estimator_names(library)
        K, t = target.n_classes, float(params["class_weight_exponent"])
        cw = self.class_weights(target.codes, K, w, t, target.multilabel)
        if target.multilabel:
            alpha_rows = np.column_stack([np.ones(K), cw]).tolist()
            loss = {
                "loss": "class-weighted log loss",
                "positive_weights": dict(zip(target.classes, cw.tolist(), strict=True)),
                **params,
                "how": f"{focal_name}(gamma=0, alpha=[[1, w_l] per label]): "
                "per label -(w_l y log p + (1 - y) log(1 - p))",
            }
            return Recommendation(focal_name, {**booster, "gamma": 0.0, "alpha": alpha_rows}, loss)
        estimator_params = dict(booster)
        loss = {"loss": "class-weighted log loss", "class_weights": cw.tolist(), **params}
        if library == "xgboost" and K == 2:
            estimator_params["scale_pos_weight"] = float(cw[1])
            loss["how"] = "scale_pos_weight = class_weights[1]"
        else:
            loss["how"] = "fit(X, y, sample_weight=class_weights[y] * sample_weight)"
        return Recommendation(native_name, estimator_params, loss)


class Focal(Method):
    """Focal loss: ``gamma`` log-uniform in the gamma range (first: 2), ``alpha`` one of the alpha
    choices (None, a number uniform in a range (binary only), ``"balanced"``; first: the first
    choice). Subclasses change the draws; fitting, posterior and record stay."""

    name = "focal"
    family = "focal"
    description = "focal loss (gamma and alpha searched)"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {"gamma": draw_gamma(space, rng, first), "alpha": draw_alpha(space, rng, first, n_classes)}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {"gamma": suggest_gamma(trial, "gamma", space), "alpha": suggest_alpha(trial, space, n_classes)}

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        first = self.draw(loss_stream(0, self.name), True, space, n_classes)  # the first draws nothing
        flat: dict[str, Any] = {"gamma": first["gamma"]} if isinstance(space.gamma, tuple) else {}
        flat["alpha_choice"] = 0
        if isinstance(alpha_choices(space, n_classes)[0], tuple):
            flat["alpha_value"] = first["alpha"]
        return flat

    def search_space(self, space: FocalSpace, task: str) -> dict[str, Any]:
        return space.describe()

    def fit(self, library: str, params: dict[str, Any], booster: dict[str, Any], data: FitData) -> Fitted:
        model = _focal_model(library, {**booster, **params}, data.patience)
        best = _fit(model, library, data, data.w_train, data.w_valid)
        return Fitted(model, self.name, library, data.n_classes, None, best, data.multilabel)

    def posterior(self, fitted: Fitted, X: Any, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(fitted.model.predict_posterior(X), dtype=np.float64)

    def recommendation(
        self, library: str, params: dict[str, Any], booster: dict[str, Any], target: Target, w: NDArray | None
    ) -> Recommendation:
        from .. import FocalLoss

        K = target.n_classes
        beta = float(params.get("balance_beta", 0.999))
        alpha = _resolved_alpha(params.get("alpha"), target.codes, K, w, beta)
        link = "multilabel" if target.multilabel else "sigmoid" if K == 2 else "softmax"
        num_class = K if target.multilabel or K > 2 else None
        extra = {k: v for k, v in params.items() if k not in ("gamma", "alpha", "balance_beta")}
        loss = FocalLoss(gamma=params["gamma"], alpha=alpha, link=link, num_class=num_class, **extra).to_dict()
        return Recommendation(_estimator_names(library)[0], {**booster, **params}, loss)


class FocalAsymmetric(Focal):
    """Focal loss with one ``gamma`` per class, each log-uniform in the gamma range (binary first:
    ``[2, 1]``, more focusing on the negatives); ``alpha`` as for :class:`Focal`."""

    name = "focal_asymmetric"
    description = "focal loss with one gamma per class"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        if first and n_classes == 2 and isinstance(space.gamma, tuple):
            gammas = [draw_gamma(space, rng, True, 2.0), draw_gamma(space, rng, True, 1.0)]
        else:
            gammas = [draw_gamma(space, rng, first) for _ in range(n_classes)]
        return {"gamma": gammas, "alpha": draw_alpha(space, rng, first, n_classes)}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        gammas = [suggest_gamma(trial, f"gamma_{k}", space) for k in range(n_classes)]
        return {"gamma": gammas, "alpha": suggest_alpha(trial, space, n_classes)}

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        flat = super().centre(space, n_classes)
        gammas = flat.pop("gamma", None)
        if gammas is not None:
            flat.update({f"gamma_{k}": g for k, g in enumerate(gammas)})
        return flat


class FocalEffectiveNumber(Focal):
    """Focal loss with effective-number class weights (Cui et al., 2019): ``gamma`` as for
    :class:`Focal`, ``alpha="effective_number"`` with ``balance_beta = 1 - 10^-u``, u uniform in
    [1, 4] (0.9 to 0.9999; first: 0.999)."""

    name = "focal_effective_number"
    description = "focal loss with effective-number class weights (Cui et al., 2019)"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        beta = 0.999 if first else round(1.0 - 10.0 ** -float(rng.uniform(1.0, 4.0)), 6)
        return {"gamma": draw_gamma(space, rng, first), "alpha": "effective_number", "balance_beta": beta}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        u = trial.suggest_float("beta_exponent", 1.0, 4.0)
        return {
            "gamma": suggest_gamma(trial, "gamma", space),
            "alpha": "effective_number",
            "balance_beta": 1.0 - 10.0**-u,
        }

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        flat = {"gamma": draw_gamma(space, loss_stream(0, self.name), True)} if isinstance(space.gamma, tuple) else {}
        return {**flat, "beta_exponent": 3.0}  # beta = 0.999

    def search_space(self, space: FocalSpace, task: str) -> dict[str, Any]:
        return {"gamma": space.describe()["gamma"], "alpha": "effective_number", "balance_beta": [0.9, 0.9999]}


class FocalPoly(Focal):
    """Poly-1 focal loss (Leng et al., ICLR 2022): :class:`Focal`'s gamma and alpha plus
    ``poly_epsilon`` uniform in [-1, 4] (first: 1.0, the paper's default). Opt-in."""

    name = "focal_poly"
    description = "Poly-1 focal loss (focal loss + epsilon (1 - p_t)^(gamma + 1))"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        epsilon = 1.0 if first else round(float(rng.uniform(-1.0, 4.0)), 4)
        return {**super().draw(rng, first, space, n_classes), "poly_epsilon": epsilon}

    def suggest(self, trial: Any, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        epsilon = trial.suggest_float("poly_epsilon", -1.0, 4.0)
        return {**super().suggest(trial, space, n_classes), "poly_epsilon": epsilon}

    def centre(self, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {**super().centre(space, n_classes), "poly_epsilon": 1.0}

    def search_space(self, space: FocalSpace, task: str) -> dict[str, Any]:
        return {**super().search_space(space, task), "poly_epsilon": [-1.0, 4.0]}


def _resolved_alpha(alpha: Any, codes: NDArray[np.intp], K: int, w: NDArray | None, beta: float) -> Any:
    """A rule (``"balanced"``, ``"effective_number"``) as the class weights it gives on all rows."""
    from .. import class_balanced_alpha

    if codes.ndim == 2 and isinstance(alpha, str):  # multi-label: the rule applied to every label, (K, 2) rows
        rows = []
        for label in codes.T:
            if alpha == "balanced":
                rows.append(balanced_weights(label, 2, w))
            else:
                rows.append(np.asarray(class_balanced_alpha(label, beta=beta, sample_weight=w)))
        return np.array(rows).tolist()
    if alpha == "balanced":
        return balanced_weights(codes, K, w).tolist()
    if alpha == "effective_number":
        return np.asarray(class_balanced_alpha(codes, beta=beta, num_class=K, sample_weight=w)).tolist()
    return alpha


# ---------------------------------------------------------------- the registry
#: Every method by name, in report order.
METHODS: dict[str, Method] = {
    m.name: m for m in (LogLoss(), WeightedLogLoss(), Focal(), FocalAsymmetric(), FocalEffectiveNumber(), FocalPoly())
}
#: The methods run when ``methods=None`` (the others are opt-in).
DEFAULT_METHODS = ("log_loss", "weighted_log_loss", "focal")


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
    """Fit one configuration of the method named ``method`` (see :meth:`Method.fit`)."""
    data = FitData(X_train, y_train, w_train, X_valid, y_valid, w_valid, n_classes, patience, multilabel)
    return METHODS[method].fit(library, loss_params, booster_kwargs, data)


def loss_configs(method: str, budget: int, seed: int, n_classes: int, space: FocalSpace) -> list[dict[str, Any]]:
    """``budget`` settings of ``method``'s loss parameters (its own seeded stream, independent of the
    booster draws; the first the fixed first configuration)."""
    rng = loss_stream(seed, method)
    return [METHODS[method].draw(rng, i == 0, space, n_classes) for i in range(budget)]


def suggest(trial: Any, method: str, space: FocalSpace, n_classes: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(booster, loss_params)`` from an Optuna trial: the same ranges as the random search."""
    booster = suggest_booster(trial)
    return booster, METHODS[method].suggest(trial, space, n_classes)


def centre_trial(method: str, space: FocalSpace, n_classes: int) -> dict[str, Any]:
    """Optuna parameters of the first configuration (the random search's first, enqueued so that
    both searchers start from the same settings)."""
    return {**BOOSTER_CENTRE, **METHODS[method].centre(space, n_classes)}
