"""Memory of a focal fit as whole processes: the fixed part and the part that grows with rows.

Each figure is the peak resident memory (``VmHWM`` of ``/proc/self/status``, which a fresh process
starts anew at exec) of one fresh process that builds a float32 data set, fits 30 trees and exits.
Three objectives per library: the native one, a plain float32 numpy log-loss objective (the
reference any Python objective pays), and boostfocal's focal objective (gamma 2, the default
backend; both sizes are above the `auto` backend's numpy threshold, 65,536 margins, so numba
runs at both). Two sizes: the difference between them, divided by the rows added, is the memory a
row costs; the focal objective's bytes a row *above the numpy objective* is the figure the
structure issue asks about (goal: at most 8 bytes a row).

    python benchmarks/memory.py                 # 2,000,000 and 200,000 rows x 20, median of 3
    python benchmarks/memory.py --quick         # 500,000 and 100,000 rows, one process each

Writes ``benchmarks/results/memory.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

_CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    lib, kind, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, 20), dtype=np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.standard_normal(rows, dtype=np.float32) > 2.3).astype(np.float32)

    def numpy_f32(predt, labels):
        p = 1.0 / (1.0 + np.exp(-predt.astype(np.float32)))
        return (p - labels).astype(np.float32), (p * (1.0 - p)).astype(np.float32)

    if lib == "xgboost":
        import xgboost as xgb
        dtrain = xgb.DMatrix(X, label=y)
        params = {"max_depth": 6, "eta": 0.1, "nthread": 1, "tree_method": "hist"}
        if kind == "native":
            xgb.train({**params, "objective": "binary:logistic"}, dtrain, 30)
        elif kind == "numpy":
            xgb.train(params, dtrain, 30, obj=lambda predt, d: numpy_f32(predt, d.get_label()))
        else:
            from boostfocal.xgboost import focal_objective
            xgb.train(params, dtrain, 30, obj=focal_objective(gamma=2.0))
    else:
        import lightgbm as lgb
        params = {"num_leaves": 31, "learning_rate": 0.1, "num_threads": 1, "verbose": -1}
        dtrain = lgb.Dataset(X, label=y)
        if kind == "native":
            lgb.train({**params, "objective": "binary"}, dtrain, 30)
        elif kind == "numpy":
            lgb.train({**params, "objective": lambda preds, d: numpy_f32(preds, d.get_label())}, dtrain, 30)
        else:
            from boostfocal.lightgbm import focal_objective
            lgb.train({**params, "objective": focal_objective(gamma=2.0)}, dtrain, 30)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print(int(line.split()[1]) / 1024.0)
    """
)

KINDS = ("native", "numpy", "focal")
LIBS = ("xgboost", "lightgbm")


def peak_mib(lib: str, kind: str, rows: int) -> float:
    """Peak RSS (MiB) of one fresh process fitting ``lib`` with objective ``kind`` on ``rows`` rows."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, lib, kind, str(rows)], capture_output=True, text=True, check=True
    ).stdout
    return float(out.split()[-1])


def measure(sizes: tuple[int, int], repeats: int) -> dict[tuple[str, str, int], float]:
    """Median peak RSS per (library, objective, rows); the objectives interleaved within each repeat."""
    runs: dict[tuple[str, str, int], list[float]] = {}
    for _ in range(repeats):
        for rows in sizes:
            for lib in LIBS:
                for kind in KINDS:
                    runs.setdefault((lib, kind, rows), []).append(peak_mib(lib, kind, rows))
                    print(f"{lib} {kind} {rows}: {runs[(lib, kind, rows)][-1]:.0f} MiB", file=sys.stderr)
    return {key: statistics.median(values) for key, values in runs.items()}


def report(peaks: dict[tuple[str, str, int], float], sizes: tuple[int, int], repeats: int, seconds: float) -> str:
    """The markdown table: peaks, the focal objective above each reference, bytes a row."""
    small, large = sorted(sizes)
    added = large - small
    lines = [
        "# Memory of a focal fit (whole processes)",
        "",
        f"- command: `python benchmarks/memory.py{' --quick' if large < 2_000_000 else ''}` ({seconds:.0f} s); "
        f"median of {repeats} fresh process(es) per cell",
        f"- data: float32, 20 features, {small:,} and {large:,} rows, about 5 % positives; 30 trees, one thread",
        f"- versions: python {platform.python_version()}, " + ", ".join(_versions()),
        "",
        "| library | objective | peak RSS small (MiB) | peak RSS large (MiB) | bytes a row | "
        "focal above it: fixed (MiB) | focal above it: bytes a row |",
        "|---|---|---|---|---|---|---|",
    ]
    for lib in LIBS:
        for kind in KINDS:
            a, b = peaks[(lib, kind, small)], peaks[(lib, kind, large)]
            per_row = (b - a) * 2**20 / added
            fa, fb = peaks[(lib, "focal", small)], peaks[(lib, "focal", large)]
            above_row = ((fb - b) - (fa - a)) * 2**20 / added
            fixed = (fa - a) - above_row * small / 2**20
            cells = ["", ""] if kind == "focal" else [f"{fixed:.0f}", f"{above_row:.1f}"]
            lines.append(f"| {lib} | {kind} | {a:.0f} | {b:.0f} | {per_row:.1f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "'bytes a row' is (peak at the large size - peak at the small size) / rows added; 'focal above it' is the "
        "focal process minus the reference process, split into the part that does not grow with rows (fixed: "
        "importing boostfocal and numba, loading the kernels) and the part that does (bytes a row). The goal of "
        "the structure issue: at most 8 bytes a row above the float32 numpy objective, at most 60 MiB fixed.",
    ]
    return "\n".join(lines) + "\n"


def _versions() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("numpy", "xgboost", "lightgbm", "numba", "boostfocal"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500,000 and 100,000 rows, one process per cell")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "memory.md")
    args = parser.parse_args(argv)
    sizes, repeats = ((100_000, 500_000), 1) if args.quick else ((200_000, 2_000_000), 3)
    start = time.perf_counter()
    text = report(measure(sizes, repeats), sizes, repeats, time.perf_counter() - start)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
