"""Wall time of one focal XGBoost fit: Ray Train on 2 workers vs 1 worker vs xgboost.dask on 2 workers.

    python benchmarks/ray_speed.py --rows 1000000 --features 50 --rounds 50

Prints a table (seconds; no target). Each Ray fit includes starting the Ray Train workers and
reading the shards (what a user waits for); the global pass (``prepare``) is timed apart.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import pandas as pd


def _data(rows: int, features: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features)).astype(np.float32)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(features)])
    frame["y"] = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=rows) > 1.5).astype(np.int64)
    return frame


def _ray_fit(ds, setup, workers: int, rounds: int) -> float:
    import ray.train
    from ray.train.xgboost import XGBoostTrainer

    import boostfocal.ray as focal_ray

    config = {"focal": setup, "params": {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": 1},
              "num_boost_round": rounds, "valid": None}  # fmt: skip
    start = time.perf_counter()
    XGBoostTrainer(
        focal_ray.xgboost_train_loop,
        train_loop_config=config,
        datasets={"train": ds},
        scaling_config=ray.train.ScalingConfig(num_workers=workers, resources_per_worker={"CPU": 1}),
        run_config=ray.train.RunConfig(storage_path=tempfile.mkdtemp(prefix="bf-bench-")),
    ).fit()
    return time.perf_counter() - start


def _dask_fit(frame: pd.DataFrame, setup, rounds: int) -> float:
    import dask.array as da
    from distributed import Client, LocalCluster
    from xgboost import dask as dxgb

    from boostfocal.xgboost import focal_objective

    X, y = frame[setup.features].to_numpy(), frame["y"].to_numpy(dtype=np.float64)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        chunk = (len(y) + 1) // 2
        dX, dy = da.from_array(X, chunks=(chunk, X.shape[1])), da.from_array(y, chunks=chunk)
        dtrain = dxgb.DaskDMatrix(client, dX, dy)
        params = setup.xgboost_params({"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": 1})
        dxgb.train(client, params, dtrain, num_boost_round=rounds, obj=focal_objective(loss=setup.loss))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    import ray

    import boostfocal.ray as focal_ray

    frame = _data(args.rows, args.features)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        bounds = np.linspace(0, len(frame), 9).astype(int)
        ds = ray.data.from_pandas([frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
        start = time.perf_counter()
        setup = focal_ray.prepare(ds, label="y", gamma=2.0)
        rows = [("global pass (prepare)", time.perf_counter() - start)]
        rows.append(("Ray Train, 2 workers", _ray_fit(ds, setup, 2, args.rounds)))
        rows.append(("Ray Train, 1 worker", _ray_fit(ds, setup, 1, args.rounds)))
    finally:
        ray.shutdown()
    rows.append(("xgboost.dask, 2 workers", _dask_fit(frame, setup, args.rounds)))
    print(f"\nfocal XGBoost fit, {args.rows:,} rows x {args.features} features, {args.rounds} rounds, depth 6")
    print(f"{'':28s}{'wall s':>10s}")
    for name, seconds in rows:
        print(f"{name:28s}{seconds:10.1f}")


if __name__ == "__main__":
    main()
