"""What is being served: a fitted focal model reduced to its booster, loss record, link and labels.

One :class:`Served` value answers every question the exporters ask (which library, which trees,
which loss and link, which class labels, what ``predict_proba`` returns), so nothing below asks
the model again. Each library is imported only when a model of it is given.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._adapter import fixed_link
from .._loss import FocalLoss
from .._profiles import RECORD_KEY, read_lightgbm_record

__all__ = ["Served", "served", "load_model_file"]

#: What a model without a loss record is told to do, by library.
_HOW_TO_RECORD = {
    lib: f"train it with boostfocal.{lib}.focal_objective and call boostfocal.{lib}.finalize(booster, loss=...)"
    for lib in ("xgboost", "lightgbm")
}


@dataclass(frozen=True)
class Served:
    """A focal model as the exporters see it (validated once, here)."""

    library: str  # "xgboost" or "lightgbm"
    booster: Any  # trimmed to the iterations the model's own predict uses
    record: dict[str, Any]
    loss: FocalLoss  # link and number of outputs fixed
    n_outputs: int  # scores per row: 1 (binary) or K
    feature_names: list[str]
    classes: np.ndarray | None  # the estimator's classes_ (None: a booster, labels are class indices)
    correct_proba: bool  # predict_proba returns the posterior (an estimator with correct_proba=True)

    @property
    def link(self) -> str:
        assert self.loss.link is not None
        return self.loss.link.name


def _library(model: Any) -> str:
    module = type(model).__module__.split(".")[0]
    if module == "boostfocal":
        module = {"FocalXGBClassifier": "xgboost", "FocalLGBMClassifier": "lightgbm"}.get(type(model).__name__, "")
    if module not in ("xgboost", "lightgbm"):
        raise TypeError(
            "model must be a fitted FocalXGBClassifier / FocalLGBMClassifier, an xgboost.Booster or a "
            f"lightgbm.Booster trained with a boostfocal objective, got {type(model).__name__}"
        )
    return module


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """A booster from a saved model file: LightGBM text (``tree`` first) or XGBoost JSON / UBJ."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.lstrip().startswith(b"tree"):
        import lightgbm as lgb

        try:
            return lgb.Booster(model_file=os.fspath(path))
        except lgb.basic.LightGBMError as exc:
            raise ValueError(f"{os.fspath(path)!r} is not a readable LightGBM model: {exc}") from None
    import xgboost as xgb

    try:
        return xgb.Booster(model_file=os.fspath(path))
    except xgb.core.XGBoostError:
        raise ValueError(
            f"{os.fspath(path)!r} is neither a LightGBM text model nor an XGBoost JSON / UBJ model"
        ) from None


def _loss(record: dict[str, Any], n_outputs: int) -> FocalLoss:
    try:
        loss = FocalLoss.from_dict(record)
    except ValueError as exc:
        if "format" in str(exc):
            raise ValueError(
                f"the model's loss record has format {record.get('format')!r}, written by a newer boostfocal: "
                "upgrade boostfocal to serve it"
            ) from None
        raise
    return fixed_link(loss, n_outputs, multilabel=record.get("link") == "multilabel")


def _xgboost(model: Any) -> tuple[Any, str | None, int, list[str]]:
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    best = getattr(model, "best_iteration", None) if hasattr(model, "get_booster") else None
    if best is not None:  # the estimator's predict stops at the best iteration
        booster = booster[: best + 1]
    config = json.loads(booster.save_config())["learner"]["learner_model_param"]
    n_outputs = max(int(config.get("num_class", "0")), int(config.get("num_target", "1")), 1)
    names = booster.feature_names or [f"f{i}" for i in range(booster.num_features())]
    return booster, booster.attr(RECORD_KEY), n_outputs, list(names)


def _lightgbm(model: Any) -> tuple[Any, str | None, int, list[str]]:
    import lightgbm as lgb

    booster = model.booster_ if hasattr(model, "booster_") else model
    best = booster.best_iteration  # Booster.predict's default: the best iteration when set
    text = booster.model_to_string(num_iteration=best if best and best > 0 else -1)
    record = read_lightgbm_record(text)
    return (
        lgb.Booster(model_str=text),
        None if record is None else json.dumps(record),
        (booster.num_model_per_iteration()),
        list(booster.feature_name()),
    )


def served(model: Any, loss: FocalLoss | None = None) -> Served:
    """The :class:`Served` view of a fitted focal model (estimator, booster or model file path).

    ``loss``: for a model trained with a native objective (no record), the focal loss that
    objective equals (log loss: ``FocalLoss(gamma=0)``; class-weighted log loss: ``alpha`` the
    class weights); refused for a model that carries a record.

    Raises
    ------
    TypeError
        For anything else.
    ValueError
        For a booster without a loss record (trained without a boostfocal objective) or with a
        record of a newer boostfocal.
    """
    if isinstance(model, (str, os.PathLike)):
        model = load_model_file(model)
    library = _library(model)
    if type(model).__module__.split(".")[0] == "boostfocal" and not hasattr(model, "loss_"):
        raise ValueError(f"this {type(model).__name__} is not fitted: call fit first")
    booster, text, n_outputs, names = (_xgboost if library == "xgboost" else _lightgbm)(model)
    if loss is not None:
        if not isinstance(loss, FocalLoss):
            raise TypeError(f"loss must be a boostfocal.FocalLoss, got {type(loss).__name__}")
        if text is not None:
            raise ValueError("loss= is for a model trained without a boostfocal objective; this one carries its record")
        text = json.dumps(loss.to_dict())
    if text is None:
        raise ValueError(
            f"this {library} model was trained without a boostfocal objective (it carries no focal-loss record), "
            f"so what it predicts is unknown: {_HOW_TO_RECORD[library]}"
        )
    record = dict(json.loads(text))
    classes = np.asarray(record["classes"]) if "classes" in record else None
    return Served(
        library=library,
        booster=booster,
        record=record,
        loss=_loss(record, n_outputs),
        n_outputs=n_outputs,
        feature_names=names,
        classes=classes,
        # an estimator's own setting (it may have changed since fit); a file's: the one recorded at fit
        correct_proba=bool(getattr(model, "correct_proba", record.get("correct_proba", False))),
    )
