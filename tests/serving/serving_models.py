"""Fitted focal models shared by the serving tests (small: 400 rows, 15 rounds), each built once."""

from __future__ import annotations

import functools

import numpy as np
import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
pytest.importorskip("sklearn")

from sklearn.datasets import make_classification

from boostfocal import FocalLGBMClassifier, FocalLoss, FocalXGBClassifier

TASKS = ("binary", "softmax", "multilabel")
LOSSES = ("plain", "per_class", "shift")  # softmax has no negative shift: label smoothing stands in
LIBRARIES = ("xgboost", "lightgbm")
K = 4


@functools.cache
def data(task: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(400, 6, n_informative=4, n_classes=K, weights=[0.6, 0.2, 0.15, 0.05], random_state=3)
    if task == "binary":
        return X, (y == 3).astype(int)
    if task == "softmax":
        return X, y
    return X, np.column_stack([y == 0, y == 1, y >= 2]).astype(int)


def estimator_params(task: str, loss: str) -> dict:
    if loss == "plain":
        return {"gamma": 2.0}
    if loss == "per_class":
        return {
            "binary": {"gamma": [0.5, 3.0], "alpha": [1.0, 4.0]},
            "softmax": {"gamma": [0.5, 1.0, 2.0, 4.0], "alpha": [2.0, 1.0, 1.0, 0.5]},
            "multilabel": {"gamma": [0.5, 3.0], "alpha": [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0]]},
        }[task]
    if task == "softmax":
        return {"gamma": 2.0, "label_smoothing": 0.1}
    return {"gamma": [4.0, 1.0], "negative_shift": 0.05}


@functools.cache
def estimator(library: str, task: str, loss: str = "plain"):
    X, y = data(task)
    if library == "xgboost":
        return FocalXGBClassifier(n_estimators=15, max_depth=3, n_jobs=1, **estimator_params(task, loss)).fit(X, y)
    return FocalLGBMClassifier(n_estimators=15, num_leaves=8, n_jobs=1, verbose=-1, **estimator_params(task, loss)).fit(
        X, y
    )


def train_loss(task: str) -> FocalLoss:
    if task == "binary":
        return FocalLoss(gamma=2.0, alpha=0.25)
    if task == "softmax":
        return FocalLoss(gamma=2.0, link="softmax", num_class=K)
    return FocalLoss(gamma=[4.0, 1.0], alpha=0.75, link="multilabel", num_class=3)


@functools.cache
def trained(library: str, task: str):
    """``(raw booster, finalized booster, margin before finalize)`` of xgb.train / lgb.train with a focal objective."""
    X, y = data(task)
    loss = train_loss(task)
    if library == "xgboost":
        import xgboost as xgb

        import boostfocal.xgboost as bx

        params = {"max_depth": 3, "nthread": 1, **({"num_class": K} if task == "softmax" else {})}
        raw = xgb.train(params, xgb.DMatrix(X, y), 15, obj=bx.focal_objective(loss=loss))
        margin = raw.predict(xgb.DMatrix(X), output_margin=True)
        return raw, bx.finalize(raw, loss=loss), np.asarray(margin, dtype=np.float64)
    import lightgbm as lgb

    import boostfocal.lightgbm as bl

    z0 = loss.initial_margin(y)
    make = bl.multilabel_dataset if task == "multilabel" else lgb.Dataset
    train_set = make(X, y, init_score=bl.init_score(z0, len(X)))
    n_class = {"binary": {}, "softmax": {"num_class": K}, "multilabel": {"num_class": 3}}[task]
    params = {"objective": bl.focal_objective(loss=loss), "num_leaves": 8, "verbose": -1, "num_threads": 1, **n_class}
    raw = lgb.train(params, train_set, 15)
    margin = raw.predict(X, raw_score=True) + z0
    return raw, bl.finalize(raw, loss=loss, initial_margin=z0), np.asarray(margin, dtype=np.float64)


def focal_proba(library: str, task: str) -> np.ndarray:
    """What boostfocal says the trained booster's probabilities are (from its margins)."""
    return train_loss(task).proba(trained(library, task)[2])
