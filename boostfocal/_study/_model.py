"""From a study's recommendation to a fitted, saved and served model.

* :class:`PreparationStep`: the study's :class:`._features.Preparation` as a scikit-learn
  transformer; :class:`StudyPipeline`: a scikit-learn ``Pipeline`` (that step, then the
  estimator) that encodes the target as the study did, applies the class weights of a
  class-weighted baseline, and gives posterior estimates (:meth:`StudyPipeline.predict_posterior`);
  :func:`fit_pipeline` trains one from a recommendation card on all rows.
* The model folder is data, not code: the native model file (XGBoost JSON, LightGBM text),
  JSON records, nothing pickled. :func:`save_native` writes the model file;
  :func:`native_probabilities` reads it back with the library alone (margins, the link, then the
  posterior rule of :func:`posterior_rule`), which is what ``boostfocal predict`` runs.
* :func:`export_onnx`: the ONNX file (:func:`boostfocal.to_onnx`) when the ``onnx`` extra is installed
  (inert otherwise).
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin  # the compare extra; imported with the study's models
from sklearn.pipeline import Pipeline

from ._data import encode_target
from ._features import Preparation, learn_preparation

__all__ = [
    "PreparationStep",
    "StudyPipeline",
    "fit_pipeline",
    "posterior_rule",
    "posterior_from_proba",
    "save_native",
    "native_probabilities",
    "export_onnx",
    "native_loss",
    "onnx_ready",
    "MODEL_FILES",
]

#: The native model file of each library.
MODEL_FILES = {"xgboost": "model.json", "lightgbm": "model.txt"}


class PreparationStep(TransformerMixin, BaseEstimator):
    """The study's preparation as a transformer.

    Parameters
    ----------
    preparation : dict or None
        A preparation record (``preparation.json``'s ``"features"`` part,
        :meth:`._features.Preparation.to_dict`): ``fit`` keeps it, so that the pipeline
        prepares new rows exactly as the study did. None: ``fit`` learns one from ``X``.
    """

    def __init__(self, preparation: dict[str, Any] | None = None) -> None:
        self.preparation = preparation

    def fit(self, X: Any, y: Any = None) -> PreparationStep:
        """Keep the given preparation, or learn one from ``X``."""
        if self.preparation is not None:
            self.preparation_ = Preparation.from_dict(self.preparation)
        else:
            self.preparation_, _ = learn_preparation(X)
        return self

    def transform(self, X: Any) -> Any:
        """The model's input frame; unseen category levels become missing (a ``UserWarning`` counts them)."""
        frame, notes = self.preparation_.apply(X)
        for note in notes:
            warnings.warn(note, UserWarning, stacklevel=2)
        return frame


def posterior_rule(card: dict[str, Any]) -> dict[str, Any]:
    """How the model's probabilities become posterior estimates: ``{"kind": "focal", "loss": record}``
    (focal loss: :meth:`boostfocal.FocalLoss.posterior`), ``{"kind": "class_weights", "weights": w}``
    (class-weighted log loss: the weights undone, focal loss at gamma 0 with alpha ``w``) or
    ``{"kind": "identity"}`` (log loss, and models whose own output is the posterior)."""
    loss = card["loss"]
    if loss.get("loss") == "focal":
        return {"kind": "focal", "loss": loss}
    if "class_weights" in loss:
        return {"kind": "class_weights", "weights": list(loss["class_weights"])}
    if "positive_weights" in loss or card["estimator_params"].get("gamma") == 0.0:
        # multi-label baselines trained by the focal estimator at gamma 0: its record says the rest
        return {"kind": "focal_estimator"}
    return {"kind": "identity"}


def posterior_from_proba(proba: NDArray[np.float64], rule: dict[str, Any], task: str) -> NDArray[np.float64]:
    r"""Posterior estimates from probabilities ``proba`` ((n, K); multi-label one column per label).

    Focal loss: binary :math:`\eta(p_1)` of :func:`boostfocal.focal_to_posterior` in the second
    column and :math:`1 - \eta` in the first; softmax and multi-label the loss's own map.
    Class weights ``w``: :math:`\eta_c \propto p_c / w_c` (focal loss at gamma 0 with alpha ``w``).
    """
    from .. import FocalLoss

    p = np.asarray(proba, dtype=np.float64)
    if rule["kind"] == "focal":
        loss = FocalLoss.from_dict(rule["loss"])
        if task == "binary":
            eta = np.asarray(loss.posterior(p[:, 1]), dtype=np.float64)
            return np.column_stack([1.0 - eta, eta])
        return np.asarray(loss.posterior(p), dtype=np.float64)
    if rule["kind"] == "class_weights":
        w = rule["weights"]
        loss = FocalLoss(gamma=0.0, alpha=list(w), link="softmax", num_class=len(w))
        return np.asarray(loss.posterior(p), dtype=np.float64)
    return p


def _estimator(card: dict[str, Any]) -> Any:
    name, params = card["estimator"], dict(card["estimator_params"])
    if card["library"] == "xgboost":
        params.setdefault("enable_categorical", True)
    if name == "XGBClassifier":
        from xgboost import XGBClassifier

        return XGBClassifier(**params)
    if name == "LGBMClassifier":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(**params)
    import boostfocal

    return getattr(boostfocal, name)(**params)


class StudyPipeline(Pipeline):
    """A scikit-learn ``Pipeline`` (:class:`PreparationStep`, then the estimator) that trains on
    the study's class codes.

    Parameters
    ----------
    steps : list of (name, estimator)
        As for ``Pipeline``.
    target : dict or None
        The study's target encoding (``preparation.json``'s ``"target"``): ``fit`` encodes ``y``
        with it (binary: the positive class is code 1), ``predict`` returns its labels. None: the
        labels are used as they are.
    class_weights : list of float or None
        Per-class weights multiplied into the sample weights (class-weighted log loss where the
        library has no class-weight parameter).
    posterior : dict or None
        The posterior rule (:func:`posterior_rule`). None: the probabilities.
    memory, verbose
        As for ``Pipeline``.
    """

    def __init__(
        self,
        steps: list[tuple[str, Any]],
        *,
        target: dict[str, Any] | None = None,
        class_weights: list[float] | None = None,
        posterior: dict[str, Any] | None = None,
        memory: Any = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(steps, memory=memory, verbose=verbose)
        self.target = target
        self.class_weights = class_weights
        self.posterior = posterior

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None, **params: Any) -> StudyPipeline:
        """Fit on ``X`` (the raw table) and ``y`` (the study's labels); ``sample_weight`` optional."""
        codes = y if self.target is None else encode_target(y, self.target).codes
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if self.class_weights is not None:
            cw = np.asarray(self.class_weights, dtype=np.float64)[codes]
            w = cw if w is None else w * cw
        if w is not None:
            params[f"{self.steps[-1][0]}__sample_weight"] = w
        super().fit(X, codes, **params)
        return self

    @property
    def classes_(self) -> Any:
        """The study's labels in code order (binary: the positive class last); multi-label: the label names."""
        return np.asarray(self.target["classes"], dtype=object) if self.target else self.steps[-1][1].classes_

    def predict_posterior(self, X: Any) -> NDArray[np.float64]:
        """Posterior estimates, shape (n, K): the probabilities through the study's posterior rule."""
        model = self.steps[-1][1]
        rule = self.posterior or {"kind": "identity"}
        if rule["kind"] == "focal_estimator" or (rule["kind"] == "focal" and hasattr(model, "predict_posterior")):
            return np.asarray(model.predict_posterior(self[:-1].transform(X)), dtype=np.float64)
        task = self.target["task"] if self.target else "binary"
        return posterior_from_proba(np.asarray(self.predict_proba(X)), rule, task)

    def predict(self, X: Any, **params: Any) -> Any:
        """Labels: the largest posterior estimate (multi-label: the indicator of posteriors >= 0.5)."""
        post = self.predict_posterior(X)
        if self.target and self.target["task"] == "multilabel":
            return (post >= 0.5).astype(np.intp)
        return self.classes_[np.argmax(post, axis=1)]


def fit_pipeline(
    card: dict[str, Any], preparation: Preparation, target: dict[str, Any], X: Any, y: Any, sample_weight: Any = None
) -> StudyPipeline:
    """The recommendation ``card`` (``recommended.json``) trained on all rows of ``X``, ``y``."""
    loss = card["loss"]
    by_class = (
        list(loss["class_weights"])
        if loss.get("loss") == "class-weighted log loss"
        and "class_weights" in loss
        and "scale_pos_weight" not in card["estimator_params"]
        else None
    )
    rule = posterior_rule(card)
    pipe = StudyPipeline(
        [("prepare", PreparationStep(preparation.to_dict())), ("model", _estimator(card))],
        target=target,
        class_weights=by_class,
        posterior=rule,
    )
    pipe.fit(X, y, sample_weight=sample_weight)
    if rule["kind"] == "focal_estimator":  # its fitted loss, so that the model file alone suffices
        pipe.posterior = {"kind": "focal", "loss": pipe.steps[-1][1].loss_.to_dict()}
    return pipe


# ---------------------------------------------------------------- the native model file
def save_native(pipe: StudyPipeline, library: str, path: Path) -> Path:
    """Write the fitted model's native file (XGBoost JSON, LightGBM text) at ``path``."""
    model = pipe.steps[-1][1]
    if library == "xgboost":
        model.get_booster().save_model(str(path))
    else:
        model.booster_.save_model(str(path))
    return path


def native_probabilities(library: str, path: Path, frame: Any, task: str, n_classes: int) -> NDArray[np.float64]:
    r"""The model's probabilities, shape (n, K), from its native file and the prepared ``frame``:
    the library's raw margins (starting margin included), then the link: :math:`\sigma(z)`
    (binary: columns ``1 - p, p``; multi-label: per label) or :math:`\mathrm{softmax}(z)`."""
    from .. import FocalLoss

    if library == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster(model_file=str(path))
        z = np.asarray(booster.predict(xgb.DMatrix(frame, enable_categorical=True), output_margin=True), np.float64)
    else:
        import lightgbm as lgb

        z = np.asarray(lgb.Booster(model_file=str(path)).predict(frame, raw_score=True), dtype=np.float64)
    if task == "binary":
        p = np.asarray(FocalLoss(gamma=0.0, link="sigmoid").proba(z.reshape(-1)), dtype=np.float64)
        return np.column_stack([1.0 - p, p])
    link = "multilabel" if task == "multilabel" else "softmax"
    return np.asarray(FocalLoss(gamma=0.0, link=link, num_class=n_classes).proba(z), dtype=np.float64)


def onnx_ready() -> bool:
    """Whether :func:`export_onnx` writes a file: the ``onnx`` extra (onnx, onnxmltools, onnxruntime) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxmltools", "onnxruntime"))


def native_loss(card: dict[str, Any], task: str) -> Any:
    """The focal loss a baseline's native objective equals, for a model that carries no record
    (None for a focal model: its record says): log loss is focal loss at gamma 0, and the
    class-weighted baseline adds its class weights as ``alpha`` (the posterior map then undoes them)."""
    rule = posterior_rule(card)
    if rule["kind"] in ("focal", "focal_estimator") or task == "multilabel":
        return None
    from .. import FocalLoss

    alpha = rule["weights"] if rule["kind"] == "class_weights" else None
    return FocalLoss(gamma=0.0, alpha=alpha, link="sigmoid" if task == "binary" else "softmax")


def export_onnx(model: Any, posterior: bool, path: Path, loss: Any = None) -> Path | None:
    """The ONNX file of ``model`` at ``path`` (:func:`boostfocal.to_onnx`; ``loss``: what a baseline's
    native objective equals, :func:`native_loss`) when :func:`onnx_ready`; None (nothing written)
    otherwise. The ONNX file holds the model; the preparation stays ``preparation.json``
    (``boostfocal predict`` applies it)."""
    if not onnx_ready():
        return None
    from ..serving import to_onnx

    to_onnx(model, posterior=posterior, path=str(path), loss=loss)
    return path
