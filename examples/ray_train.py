"""Focal loss on Ray Train: XGBoost and LightGBM on 2 workers, early stopping on a validation set.

    python examples/ray_train.py          # starts a local Ray with 2 CPUs

1. ``boostfocal.ray.prepare`` makes one pass over the training Dataset (class weights and
   starting margin from all rows) on the driver;
2. ``XGBoostTrainer`` / ``LightGBMTrainer`` run ``boostfocal.ray.xgboost_train_loop`` /
   ``lightgbm_train_loop`` on every worker: focal objective, the focal metric as the global
   weighted mean over all workers' validation rows (reported every round, every worker stops
   at the same round), the model with its record as the final checkpoint;
3. ``load_xgboost`` gives a ``FocalXGBClassifier``; ``load_lightgbm`` a booster for
   ``boostfocal.lightgbm.predict_proba``.
"""

from __future__ import annotations

import tempfile
from typing import Any

import numpy as np
import pandas as pd
import ray
import ray.train
from ray.train.lightgbm import LightGBMTrainer
from ray.train.xgboost import XGBoostTrainer

import boostfocal.ray as focal_ray
from boostfocal.lightgbm import predict_proba


def make_frames(n_rows: int = 4000, n_features: int = 8, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Imbalanced binary data with sample weights: train / valid / test frames (columns f0.., y, w)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_rows, n_features=n_features, n_informative=4, weights=[0.9], flip_y=0.02, random_state=seed
    )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(n_features)])
    frame["y"] = y
    frame["w"] = np.random.default_rng(seed).uniform(0.5, 2.0, n_rows)
    a, b = int(0.6 * n_rows), int(0.8 * n_rows)
    return {"train": frame.iloc[:a], "valid": frame.iloc[a:b], "test": frame.iloc[b:]}


def fit(
    library: str,
    frames: dict[str, pd.DataFrame],
    *,
    num_workers: int = 2,
    num_boost_round: int = 200,
    train_loop: Any = None,
    storage_path: str | None = None,
    config: dict[str, Any] | None = None,
    datasets: dict[str, Any] | None = None,
) -> tuple[focal_ray.FocalSetup, Any, Any]:
    """Train ``library`` ("xgboost" / "lightgbm") on Ray: ``(setup, result, model)``.

    ``train_loop`` / ``config``: a training function of your own (it may call the library's
    loop, see the tests) and its ``train_loop_config``; ``datasets``: Ray Datasets to use.
    """
    if datasets is None:
        datasets = {"train": ray.data.from_pandas(frames["train"]), "valid": ray.data.from_pandas(frames["valid"])}
    if config is None:
        setup = focal_ray.prepare(datasets["train"], label="y", weight="w", gamma=2.0, alpha="balanced")
        params: dict[str, Any] = {"num_leaves": 15, "learning_rate": 0.1, "min_sum_hessian_in_leaf": 1e-6}
        if library == "xgboost":
            params = {"tree_method": "hist", "max_depth": 4, "eta": 0.1, "subsample": 0.8}
        config = {
            "focal": setup,  # the global statistics: every worker gets the same
            "params": dict(params, seed=0),
            "num_boost_round": num_boost_round,
            "early_stopping_rounds": 20,  # on the "valid" dataset's global focal metric
        }
    setup = config["focal"]
    trainer_cls, loop = (
        (XGBoostTrainer, focal_ray.xgboost_train_loop)
        if library == "xgboost"
        else (LightGBMTrainer, focal_ray.lightgbm_train_loop)
    )
    trainer = trainer_cls(
        train_loop or loop,
        train_loop_config=config,
        datasets=datasets,
        scaling_config=ray.train.ScalingConfig(num_workers=num_workers, resources_per_worker={"CPU": 1}),
        run_config=ray.train.RunConfig(storage_path=storage_path or tempfile.mkdtemp(prefix="boostfocal-ray-")),
    )
    result = trainer.fit()
    if library == "xgboost":
        return setup, result, focal_ray.load_xgboost(result.checkpoint)  # a FocalXGBClassifier
    return setup, result, focal_ray.load_lightgbm(result.checkpoint)  # a lightgbm.Booster, margin inside


def main() -> None:
    from sklearn.metrics import average_precision_score

    ray.init(num_cpus=2, include_dashboard=False)
    try:
        frames = make_frames()
        X_test, y_test = frames["test"].filter(like="f").to_numpy(), frames["test"]["y"].to_numpy()
        _, result, clf = fit("xgboost", frames)
        p_xgb = clf.predict_proba(X_test)[:, 1]
        print(
            f"xgboost:  best round {result.metrics['best_iteration']}, AP {average_precision_score(y_test, p_xgb):.3f}"
        )
        setup, result, booster = fit("lightgbm", frames)
        p_lgb = predict_proba(booster, X_test)
        posterior = setup.loss.posterior(p_lgb)  # calibrated P(y = 1)
        print(
            f"lightgbm: best round {result.metrics['best_iteration']}, AP {average_precision_score(y_test, p_lgb):.3f}"
        )
        print(f"          mean posterior {posterior.mean():.3f} vs positive rate {y_test.mean():.3f}")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
