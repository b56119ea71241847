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
  model: ``clf.save_model("model.json")`` writes it, and
  ``FocalXGBClassifier().load_model("model.json")`` restores classes and
  fitted attributes (``xgboost.Booster(model_file=...).attr("boostfocal")``
  reads it without boostfocal).

Focal probabilities are under-confident by design. ``predict_posterior(X)``
maps them to posterior estimates (:func:`boostfocal.focal_to_posterior`), and
``correct_proba=True`` makes ``predict_proba`` (and so ``predict``) return
those instead.

Name clash: XGBoost's own ``gamma`` (minimum split loss) and ``alpha`` (L1
regularisation) are reachable here as ``min_split_loss`` and ``reg_alpha``;
``gamma`` and ``alpha`` are the focal-loss parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from xgboost import XGBClassifier

from ._adapter import fill_doc, fitted_doc, focal_params_doc
from ._profiles import FOCAL_PROBABILITY, NATIVE_OUTPUT_KEY
from ._sklearn_common import (
    FOCAL_PARAMS,
    FocalClassifierMixin,
    encode_indicator,
    encode_labels,
    objective_threads,
    prepare_fit,
)
from .xgboost import PROFILE, FocalMetric, FocalObjective, base_score_from_margin

__all__ = ["FocalXGBClassifier", "BOOSTER_ATTRIBUTE"]

#: Name of the booster attribute (JSON string) holding the focal-loss settings.
BOOSTER_ATTRIBUTE = "boostfocal"


@fill_doc(
    focal_params=focal_params_doc(
        model="XGBoost's logistic / softmax model",
        gamma_note="\n        (XGBoost's own ``gamma``, the minimum split loss, is ``min_split_loss``.)",
        alpha_note="\n        (XGBoost's own ``alpha``, the L1 penalty, is ``reg_alpha``.)",
    ),
    fitted=fitted_doc(
        name="FocalXGBClassifier",
        kwargs="",
        margin_note="",
        weights="sample-weighted",
        best_iteration="best_iteration",
    ),
)
class FocalXGBClassifier(FocalClassifierMixin, XGBClassifier):
    r"""XGBoost classifier trained with focal loss (binary or softmax).

    .. math::

        FL = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    (Lin et al., 2017), on raw margins, with XGBoost's own softmax hessian
    convention for multiclass (see :mod:`boostfocal.xgboost`).

    Parameters
    ----------
    %(focal_params)s
    **kwargs
        Any ``xgboost.XGBClassifier`` parameter (``n_estimators``,
        ``learning_rate``, ``max_depth``, ``early_stopping_rounds``,
        ``enable_categorical``, ``device``, ...). ``objective`` and
        ``base_score`` are set by the estimator and must be left alone;
        ``eval_metric`` may hold built-in XGBoost metric names, evaluated
        before the focal loss (which stays last and drives early stopping).

    %(fitted)s
    """

    # XGBoost's conventions (softmax hessian rule of the installed version, see boostfocal.xgboost)
    _profile = PROFILE

    # ------------------------------------------------------------ parameters
    def get_xgb_params(self) -> dict[str, Any]:
        params = super().get_xgb_params()
        for name in FOCAL_PARAMS:
            params.pop(name, None)
        # the objective is the estimator's own (a callable during fit, which XGBoost leaves out): the default
        # "binary:logistic" must not reach a fitted booster through set_params (a multiclass one would break)
        params.pop("objective", None)
        # no built-in logloss / mlogloss beside the focal loss on the eval sets, unless asked
        # for by name in eval_metric (which replaces XGBoost's default metric anyway)
        params.setdefault("disable_default_eval_metric", True)
        return params

    @property
    def classes_(self) -> np.ndarray:
        classes = self.__dict__.get("_focal_classes")
        if classes is None:
            return np.arange(self.n_classes_)  # during XGBClassifier.fit / after load_model
        return classes

    # ------------------------------------------------------------ fit
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

    def fit(
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
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any sortable type (at least two classes, no NaN), or
            a multi-label 0/1 indicator (numpy or DataFrame; every column with
            both values): then the multi-label focal loss, one sigmoid per label.
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights >= 0; they also weight the starting margin.
        eval_set : list of (X, y), optional
            Validation sets, labels in the training classes (multi-label: indicators
            with the training columns); the focal loss
            is recorded for each (``evals_result_``) and the last one drives
            ``early_stopping_rounds``.
        **fit_params
            Other ``XGBClassifier.fit`` arguments (``verbose``,
            ``sample_weight_eval_set``, ``base_margin``, ``xgb_model``, ...).

        Returns
        -------
        self
        """
        setup = prepare_fit(self, y, sample_weight)
        for forbidden in ("objective", "base_score"):
            value = getattr(self, forbidden)
            default = "binary:logistic" if forbidden == "objective" else None
            if not (value is None or value == default or isinstance(value, FocalObjective)):
                raise ValueError(
                    f"{forbidden} is set by {type(self).__name__} (focal loss from its initial margin); "
                    f"leave it at its default, got {forbidden}={value!r}"
                )
        encoded_eval = None
        if eval_set is not None:
            encoded_eval = [
                (
                    Xv,
                    encode_indicator(yv, setup.n_classes, f"eval_set[{i}] y")
                    if setup.multilabel
                    else encode_labels(yv, setup.classes, f"eval_set[{i}] y")[1],
                )
                for i, (Xv, yv) in enumerate(eval_set)
            ]

        objective = FocalObjective(loss=setup.loss, hess_floor=setup.policy, n_jobs=objective_threads(self.n_jobs))
        metric = FocalMetric(loss=setup.loss)
        saved = {name: getattr(self, name) for name in ("objective", "base_score", "eval_metric")}
        self.__dict__.pop("_focal_classes", None)
        try:
            self.objective = objective
            self.base_score = base_score_from_margin(setup.initial_margin, multilabel=setup.multilabel)
            self.eval_metric = self._eval_metric_for_fit(metric)
            super().fit(X, setup.codes, sample_weight=setup.sample_weight, eval_set=encoded_eval, **fit_params)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

        self._focal_classes = setup.classes
        self._set_focal_attributes(setup)
        # the booster declares binary:logistic / multi:softprob: its native output is the focal probability
        record = {**self._focal_record(), NATIVE_OUTPUT_KEY: FOCAL_PROBABILITY}
        self.get_booster().set_attr(**{BOOSTER_ATTRIBUTE: json.dumps(record)})
        return self

    # ------------------------------------------------------------ predict
    def _focal_proba(self, X: Any, **kwargs: Any) -> NDArray:
        return super().predict_proba(X, **kwargs)

    def predict_proba(
        self,
        X: ArrayLike,
        validate_features: bool = True,
        base_margin: ArrayLike | None = None,
        iteration_range: tuple[int | np.integer, int | np.integer] | None = None,
    ) -> NDArray:
        r"""Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Multi-label: an (n_samples, n_labels) array of each label's probability
        (scikit-learn's multi-label estimators differ here: ``MultiOutputClassifier``
        returns a list of K (n_samples, 2) arrays; an array is what
        ``average_precision_score`` / ``roc_auc_score`` take, and column k of it is
        the second column of that list's k-th entry).

        The booster's focal probabilities (the starting margin included; with
        early stopping, up to ``best_iteration``), or with
        ``correct_proba=True`` their posterior estimates
        (:meth:`predict_posterior`). Arguments as in ``XGBClassifier.predict_proba``.
        """
        proba = self._focal_proba(
            X, validate_features=validate_features, base_margin=base_margin, iteration_range=iteration_range
        )
        return self._maybe_corrected(proba)

    def predict(self, X: ArrayLike, **kwargs: Any) -> np.ndarray:
        """Labels from ``classes_``: the argmax of :meth:`predict_proba` (``output_margin=True``: margins).

        Multi-label: the (n_samples, n_labels) 0/1 indicator ``predict_proba(X) > 0.5``.
        """
        if kwargs.get("output_margin"):
            return super().predict(X, **kwargs)
        kwargs.pop("output_margin", None)
        return self._labels_from_proba(self.predict_proba(X, **kwargs))

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
        self._restore_focal_attributes(info)
        # XGBoost's load_model sets objective / base_score from the native model;
        # put back the estimator's defaults so that get_params / clone stay valid.
        self.objective = "binary:logistic"
        self.base_score = None
