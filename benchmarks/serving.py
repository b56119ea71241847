r"""Serving speed: ONNX Runtime on an exported focal model against the library's native predict (issue 23).

Run from the repository root::

    python benchmarks/serving.py            # 100,000 rows (about a minute on 2 cores)
    python benchmarks/serving.py --smoke    # tiny, for the test suite (numbers meaningless)

Prints a markdown table and writes it to ``benchmarks/results/serving.md`` (or ``--out DIR``).

What is measured: for each library (binary, 20 features, 200 rounds of depth-6 / 63-leaf trees,
trained on 20,000 rows with ``gamma=2``), the time to return the probabilities of ``--rows`` rows:
the estimator's ``predict_proba``, the native booster's ``predict`` on the saved file (the focal
probability, the link declared in the file), and ONNX Runtime on ``boostfocal.to_onnx`` (the focal
probability; and with ``posterior=True``). Median of ``--repeats`` runs after a warm-up; every
candidate on the same float64 input, with ``--threads`` threads. No target: the table reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _median_seconds(func, repeats: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _rows(args: argparse.Namespace) -> list[tuple[str, str, float, float]]:
    import lightgbm as lgb
    import onnxruntime as ort
    import xgboost as xgb
    from sklearn.datasets import make_classification

    from boostfocal import FocalLGBMClassifier, FocalXGBClassifier, to_onnx

    n_train = 2000 if args.smoke else 20_000
    X, y = make_classification(n_train + args.rows, 20, n_informative=10, weights=[0.95], random_state=0)
    X_train, y_train, X_test = X[:n_train], y[:n_train], np.ascontiguousarray(X[n_train:])
    rounds = 10 if args.smoke else 200
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for name, clf in (
            ("XGBoost", FocalXGBClassifier(n_estimators=rounds, max_depth=6, n_jobs=args.threads)),
            ("LightGBM", FocalLGBMClassifier(n_estimators=rounds, num_leaves=63, n_jobs=args.threads, verbose=-1)),
        ):
            clf.fit(X_train, y_train)
            path = os.path.join(folder, "model")
            if name == "XGBoost":
                clf.save_model(path + ".json")
                booster = xgb.Booster(model_file=path + ".json")
                booster.set_param({"nthread": args.threads})
                native = lambda b=booster: b.inplace_predict(X_test)  # noqa: E731
            else:
                clf.booster_.save_model(path + ".txt")
                booster = lgb.Booster(model_file=path + ".txt")
                native = lambda b=booster: b.predict(X_test, num_threads=args.threads)  # noqa: E731
            reference = clf.predict_proba(X_test)[:, 1]
            candidates = [
                ("estimator predict_proba", lambda c=clf: c.predict_proba(X_test)),
                ("native predict", native),
            ]
            for posterior in (False, True):
                session = ort.InferenceSession(
                    to_onnx(clf, posterior=posterior).SerializeToString(), options, providers=["CPUExecutionProvider"]
                )
                label = "ONNX Runtime" + (" (posterior)" if posterior else "")
                candidates.append((label, lambda s=session: s.run(["probabilities"], {"input": X_test})))
            got = candidates[2][1]()[0][:, 1]
            diff = float(np.max(np.abs(got - reference)))
            for label, func in candidates:
                seconds = _median_seconds(func, args.repeats)
                out.append((name, label, seconds, diff if label == "ONNX Runtime" else float("nan")))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.repeats = 1000, 1
    rows = _rows(args)
    lines = [
        f"# Serving speed: {args.rows:,} rows, binary, 20 features, {args.threads} threads",
        "",
        "| library | route | seconds | rows / s | max abs diff vs predict_proba |",
        "|---|---|---:|---:|---:|",
    ]
    for library, route, seconds, diff in rows:
        shown = "" if np.isnan(diff) else f"{diff:.1e}"
        lines.append(f"| {library} | {route} | {seconds:.4f} | {args.rows / seconds:,.0f} | {shown} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "serving.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
