r"""Multi-label speed: what the multi-label focal objective costs (issue 15).

Run from the repository root::

    python benchmarks/multilabel_speed.py            # 200k x 5 labels (about 2 minutes on 2 cores)
    python benchmarks/multilabel_speed.py --smoke    # tiny, for the test suite (numbers meaningless)

Prints a markdown table and writes it to ``benchmarks/results/multilabel_speed.md`` (or
``--out DIR``).

What is measured
----------------
1. Kernel: one objective call on an (n, K) indicator (labels validated and cached on the
   first call, as in training): ``boostfocal.xgboost.focal_objective`` with a multi-label
   loss (every label sharing ``alpha``: one binary kernel call on the flattened arrays;
   per-label ``alpha``: one call per label), against the binary objective on the same
   n K elements as one 1-D array, and a plain numpy log-loss objective on (n, K). Median of
   ``--repeats`` calls after a warm-up, candidates interleaved; numpy and numba backends.
2. Training: XGBoost ``binary:logistic`` on the (n, K) label, native objective against the
   focal objective (ASL: ``gamma=[4, 1]``, ``negative_shift=0.05``), same rounds; LightGBM:
   K native ``binary`` models (one per label) against one multi-label focal booster with
   ``num_class = K`` (``boostfocal.lightgbm.multilabel_dataset``).

All boostfocal use goes through the public API.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import boostfocal
import boostfocal.lightgbm as bl
import boostfocal.xgboost as bx
from boostfocal import FocalLoss

RESULTS = Path(__file__).resolve().parent / "results"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def numpy_logloss(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest honest custom objective: elementwise log loss, float64."""
    p = 1.0 / (1.0 + np.exp(-z))
    return p - y, p * (1.0 - p)


def time_calls(candidates: dict[str, object], repeats: int) -> dict[str, float]:
    """Median seconds per call of each candidate (a zero-argument callable), interleaved after a warm-up."""
    for fn in candidates.values():
        fn()  # warm-up: label validation, numba compilation
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def kernel_rows(n: int, k: int, repeats: int) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(0)
    Y = (rng.random((n, k)) < 0.1).astype(np.float64)
    Z = rng.standard_normal((n, k)).astype(np.float32)
    shared = bx.focal_objective(loss=FocalLoss(gamma=[4.0, 1.0], alpha=0.3, link="multilabel", negative_shift=0.05))
    plain = bx.focal_objective(loss=FocalLoss(gamma=2.0, alpha=0.3, link="multilabel"))
    per_label = bx.focal_objective(
        loss=FocalLoss(gamma=2.0, alpha=np.linspace(0.2, 0.8, k).tolist(), link="multilabel")
    )
    flat = bx.focal_objective(loss=FocalLoss(gamma=2.0, alpha=0.3))
    y_flat, z_flat = Y.ravel(), Z.ravel()
    rows = []
    for backend in ["numpy"] + (["numba"] if importlib.util.find_spec("numba") is not None else []):
        with boostfocal.use_backend(backend):
            t = time_calls(
                {
                    "numpy log loss (n, K)": lambda: numpy_logloss(Y, Z.astype(np.float64)),
                    "binary focal, n K rows 1-D": lambda: flat(y_flat, z_flat),
                    "multi-label focal, shared alpha": lambda: plain(Y, Z),
                    "multi-label focal, per-label alpha": lambda: per_label(Y, Z),
                    "multi-label ASL (gamma [4, 1], m 0.05)": lambda: shared(Y, Z),
                },
                repeats,
            )
        rows += [(backend, name, seconds) for name, seconds in t.items()]
        _log(f"kernel {backend} done")
    return rows


def training_rows(n: int, k: int, rounds: int, threads: int) -> list[tuple[str, str, float]]:
    import lightgbm as lgb
    import xgboost as xgb

    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, 20))
    Y = (X[:, :k] + rng.standard_normal((n, k)) > 1.5).astype(np.float64)
    asl = FocalLoss(gamma=[4.0, 1.0], link="multilabel", negative_shift=0.05)
    rows = []
    d = xgb.DMatrix(X, label=Y, nthread=threads)
    params = {"max_depth": 6, "tree_method": "hist", "nthread": threads}
    for name, obj, p in [
        ("native binary:logistic on (n, K)", None, bx.focal_params(params, y_true=d, gamma=0.0)),
        ("boostfocal ASL", bx.focal_objective(loss=asl, n_jobs=threads), bx.focal_params(params, y_true=d, loss=asl)),
    ]:
        start = time.perf_counter()
        xgb.train(p, d, rounds, obj=obj)
        rows.append(("XGBoost", name, time.perf_counter() - start))
    _log("training XGBoost done")
    lgb_params = {"num_leaves": 63, "verbose": -1, "num_threads": threads}
    start = time.perf_counter()
    for j in range(k):
        lgb.train({**lgb_params, "objective": "binary"}, lgb.Dataset(X, Y[:, j]), rounds)
    rows.append(("LightGBM", f"native binary, {k} models", time.perf_counter() - start))
    z0 = asl.initial_margin(Y)
    start = time.perf_counter()
    train = bl.multilabel_dataset(X, Y, init_score=bl.init_score(z0, n))
    objective = bl.focal_objective(loss=asl, n_jobs=threads)
    lgb.train({**lgb_params, "objective": objective, "num_class": k}, train, rounds)
    rows.append(("LightGBM", "boostfocal ASL, one booster", time.perf_counter() - start))
    _log("training LightGBM done")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (for the test suite)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n, k, rounds = (2_000, 3, 3) if args.smoke else (200_000, 5, 50)
    repeats = 1 if args.smoke else args.repeats
    kernel = kernel_rows(n, k, repeats)
    train = training_rows(n // 2, k, rounds, args.threads)
    base = {backend: s for backend, name, s in kernel if name.startswith("binary focal")}
    lines = [
        "# Multi-label speed",
        "",
        f"{n:,} rows x {k} labels (10 % positives), float32 margins; {repeats} interleaved repeats (median); "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "## Kernel: one objective call",
        "",
        "| backend | objective | ms per call | vs binary on the same n K elements |",
        "|---|---|---|---|",
    ]
    lines += [f"| {b} | {name} | {1e3 * s:.1f} | {s / base[b]:.2f}x |" for b, name, s in kernel]
    lines += [
        "",
        f"## Training: {n // 2:,} x 20, {k} labels, {rounds} rounds, {args.threads} threads",
        "",
        "| library | model | seconds |",
        "|---|---|---|",
    ]
    lines += [f"| {lib} | {name} | {s:.2f} |" for lib, name, s in train]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "multilabel_speed.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
