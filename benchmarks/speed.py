r"""Speed benchmark: what focal loss costs compared with the built-in logistic objective.

Run from the repository root::

    python benchmarks/speed.py            # full run (~10-15 minutes on 2 cores)
    python benchmarks/speed.py --quick    # smaller data, one repeat, under 2 minutes
    python benchmarks/speed.py --smoke    # tiny, for the test suite (numbers meaningless)

It prints progress and writes ``speed.md`` (tables) and ``speed.png`` (bar chart of
the ratios) to ``benchmarks/results/`` or to ``--out DIR``.

What is measured
----------------
1. Kernel: one objective call ``obj(y_true, margin)`` (labels validated and cached
   on the first call, as in training) on 1,000,000 binary rows (float32 and float64
   margins, gamma 2 and 1.5) and on 200,000 x 10 softmax rows, against a plain numpy
   log-loss / softmax cross-entropy objective written the obvious way. Each row:
   median of ``--repeats`` calls after a warm-up, candidates interleaved A B C A B C.
   boostfocal runs with its numpy backend and with its numba backend.
2. Training (issue 13: the objective measured where it runs): XGBoost (hist, depth 6)
   and LightGBM (63 leaves), native objective vs numpy custom objectives in float32
   and float64 vs ``boostfocal`` focal (gamma 2, alpha 0.25; with the booster's
   thread count and with ``n_jobs=1``; gamma 0, which grows the same trees as log
   loss), binary 300k x 30 and 1M x 50 (1% positives, 60 rounds) and multiclass
   (K = 10, 200k x 30, 30 rounds), interleaved, median of 3. Each custom objective is
   wrapped by a timer inside the fits: milliseconds per call, and whole-fit ratios.
   imbalance-xgboost's focal objective as a peer for XGBoost binary when installed.
3. Memory: tracemalloc peak of one objective call (numpy backend and numba
   backend) in units of one float64 n-array, and the peak RSS of the run.
4. Start-up: first objective call in a fresh process with an empty numba cache
   (cold, includes JIT compilation) and with the cache filled (warm).

All boostfocal use goes through its public API (``boostfocal.use_backend``,
``boostfocal.xgboost.focal_objective``, ``boostfocal.lightgbm.focal_objective``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import boostfocal
import boostfocal.lightgbm as bf_lgb
import boostfocal.xgboost as bf_xgb

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


# ----------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Config:
    name: str
    kernel_rows: int
    softmax_rows: int
    kernel_repeats: int
    train_binary: tuple[tuple[int, int, int], ...]  # (rows, features, rounds) per training size
    train_multi: tuple[tuple[int, int, int], ...]
    train_repeats: int
    n_classes: int = 10


CONFIGS = {
    "full": Config("full", 1_000_000, 200_000, 11, ((300_000, 30, 60), (1_000_000, 50, 60)), ((200_000, 30, 30),), 3),
    "quick": Config("quick", 1_000_000, 200_000, 7, ((300_000, 30, 60),), ((100_000, 30, 20),), 3),
    "smoke": Config("smoke", 5_000, 2_000, 3, ((2_000, 5, 3),), ((1_000, 5, 2),), 1, n_classes=3),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _expit(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(z)


# ----------------------------------------------------------------------------- reference objectives
def numpy_logloss(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plain custom objective: ``p = expit(z); g = p - y; h = p (1 - p)`` (dtype of z)."""
    p = _expit(z)
    return p - y, p * (1.0 - p)


def numpy_logloss_f32(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The log loss in float32 whatever the margin dtype (LightGBM hands float64 margins)."""
    z32 = z.astype(np.float32, copy=False)
    p = _expit(z32)
    return p - y.astype(np.float32, copy=False), p * np.float32(1.0) * (np.float32(1.0) - p)


def numpy_softmax_ce_f32(y: np.ndarray, z: np.ndarray, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax cross-entropy in float32 (the layout of ``z`` kept: LightGBM's (n, K) is F-ordered)."""
    z32 = z.astype(np.float32, copy=False)
    p = z32 - z32.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    g = p.copy(order="K")
    g[np.arange(z.shape[0]), y] -= np.float32(1.0)
    h = p * (np.float32(1.0) - p)
    if factor != 1.0:
        h *= np.float32(factor)
    return g, h


def numpy_logloss_f64(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Same, computed in float64 whatever the margin dtype (as boostfocal does)."""
    p = _expit(z.astype(np.float64, copy=False))
    return p - y, p * (1.0 - p)


def numpy_softmax_ce(y: np.ndarray, z: np.ndarray, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax cross-entropy: max-shifted softmax, ``p - onehot``, ``factor * p (1 - p)``."""
    p = z - z.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    g = p.copy()
    g[np.arange(z.shape[0]), y] -= 1.0
    h = p * (1.0 - p)
    if factor != 1.0:
        h *= factor
    return g, h


class DMatrixObjective:
    """``obj(predt, dtrain)`` around an ``f(y, z)`` objective, labels read from the DMatrix each round."""

    def __init__(self, func, *, softmax: bool = False, factor: float = 1.0) -> None:
        self.func, self.softmax, self.factor = func, softmax, factor

    def __call__(self, predt, dtrain):
        y = dtrain.get_label()
        if self.softmax:
            return self.func(y.astype(np.intp), predt, self.factor)
        return self.func(y, predt)


class DatasetObjective:
    """The same for LightGBM: ``obj(preds, dataset)``."""

    def __init__(self, func, *, softmax: bool = False, factor: float = 1.0) -> None:
        self.func, self.softmax, self.factor = func, softmax, factor

    def __call__(self, preds, dataset):
        y = dataset.get_label()
        if self.softmax:
            return self.func(y.astype(np.intp), preds, self.factor)
        return self.func(y, preds)


# ----------------------------------------------------------------------------- timing helpers
def interleaved(candidates: dict[str, callable], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Time each candidate ``repeats`` times, interleaved A B C A B C, after ``warmup`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for r in range(warmup + repeats):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(dt)
    return times


def med_ms(ts: list[float]) -> float:
    return 1e3 * statistics.median(ts)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        if self.notes:
            out += [""] + [f"{n}" for n in self.notes]
        return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- 1. kernels
def kernel_tables(cfg: Config, backends: list[str], ratios: dict[str, float]) -> list[Table]:
    rng = np.random.default_rng(0)
    n = cfg.kernel_rows
    binary = Table(
        f"Kernel: binary, {n:,} rows, one objective call (median of {cfg.kernel_repeats}, ms)",
        ["margin dtype", "objective", "ms / call", "ratio vs numpy log loss"],
    )
    y = (rng.random(n) < 0.01).astype(np.float32)
    for dtype in (np.float32, np.float64):
        z = (rng.standard_normal(n) * 2.0 - 3.0).astype(dtype)
        cands = {
            "numpy log loss (expit; float32 math for float32)": lambda z=z: numpy_logloss(y, z),
            "numpy log loss, float64 math": lambda z=z: numpy_logloss_f64(y, z),
        }
        for backend in backends:
            for gamma in (2.0, 1.5):
                obj = bf_xgb.focal_objective(gamma=gamma)

                def run(obj=obj, backend=backend, z=z):
                    with boostfocal.use_backend(backend):
                        return obj(y, z)

                cands[f"boostfocal focal gamma={gamma:g}, {backend}"] = run
        log(f"kernel binary {np.dtype(dtype).name}: {len(cands)} candidates x {cfg.kernel_repeats}")
        times = interleaved(cands, cfg.kernel_repeats, warmup=2)
        base = med_ms(times["numpy log loss (expit; float32 math for float32)"])
        base64 = med_ms(times["numpy log loss, float64 math"])
        for name, ts in times.items():
            ratio = med_ms(ts) / base
            binary.rows.append([np.dtype(dtype).name, name, f"{med_ms(ts):.1f}", f"{ratio:.2f}"])
            if name.startswith("boostfocal"):
                ratios[f"kernel binary {np.dtype(dtype).name} {name[len('boostfocal focal ') :]}"] = ratio
                if dtype == np.float32:
                    binary.rows[-1][-1] += f" ({med_ms(ts) / base64:.2f} vs float64 math)"
                    ratios[f"kernel binary float32 {name[len('boostfocal focal ') :]} vs float64-math log loss"] = (
                        med_ms(ts) / base64
                    )
    binary.notes.append(
        "The objective call includes the per-round O(n) label-cache check (a fresh label array each call, as "
        "XGBoost hands over). For float32 margins the plain numpy log loss computes in float32. boostfocal's "
        "objectives write float32 (what both libraries store): the numba backend computes in float32 (within "
        "1e-5 of float64, proven in tests/test_fast.py), the numpy backend in float64 rounded once. Second "
        "ratio: against the same log loss computed in float64."
    )

    m, k = cfg.softmax_rows, cfg.n_classes
    soft = Table(
        f"Kernel: softmax, K = {k}, {m:,} rows, one objective call (median of {cfg.kernel_repeats}, ms)",
        ["margin dtype", "objective", "ms / call", "ratio vs numpy softmax CE"],
    )
    ys = rng.integers(0, k, m)
    yf = ys.astype(np.float64)
    ref_name = "numpy softmax cross-entropy, float32 math"
    # XGBoost hands C-ordered float32 scores, LightGBM Fortran-ordered float64 ones
    for layout, dtype, module in (("C", np.float32, bf_xgb), ("F", np.float64, bf_lgb), ("C", np.float64, bf_xgb)):
        zs = np.asarray((rng.standard_normal((m, k)) * 2.0).astype(dtype), order=layout)
        cands = {
            ref_name: lambda zs=zs: numpy_softmax_ce_f32(ys, zs),
            "numpy softmax cross-entropy, float64 math": lambda zs=zs: numpy_softmax_ce(ys, zs.astype(np.float64)),
        }
        for backend in backends:
            obj = module.focal_objective(gamma=2.0)

            def run(obj=obj, backend=backend, zs=zs, lgb=module is bf_lgb):
                with boostfocal.use_backend(backend):
                    return obj(yf, zs, None) if lgb else obj(yf, zs)

            cands[f"boostfocal focal gamma=2, {backend}"] = run
        tag = f"{np.dtype(dtype).name} {layout}"
        log(f"kernel softmax {tag}: {len(cands)} candidates x {cfg.kernel_repeats}")
        times = interleaved(cands, cfg.kernel_repeats, warmup=2)
        base = med_ms(times[ref_name])
        for name, ts in times.items():
            ratio = med_ms(ts) / base
            soft.rows.append([f"{tag} ({module.__name__.split('.')[-1]})", name, f"{med_ms(ts):.1f}", f"{ratio:.2f}"])
            if name.startswith("boostfocal"):
                ratios[f"kernel softmax {tag} {name.split(', ')[-1]}"] = ratio
    soft.notes.append(
        "Reference: the float32 numpy cross-entropy (max-shifted softmax, p - onehot, p (1 - p)) in the layout "
        "of the scores; float64 margins are cast to float32 first, as a float32 objective would. boostfocal "
        "keeps float64 margins' differences exact (hi + lo split) before its float32 arithmetic."
    )
    return [binary, soft]


# ----------------------------------------------------------------------------- 3. memory
def memory_table(cfg: Config, backends: list[str]) -> Table:
    rng = np.random.default_rng(1)
    n = cfg.kernel_rows
    table = Table(
        f"Memory: tracemalloc peak of one objective call, binary {n:,} rows / softmax {cfg.softmax_rows:,} x "
        f"{cfg.n_classes}",
        ["case", "backend", "peak (MiB)", "in n-sized float64 arrays", "outputs alone"],
    )
    y = (rng.random(n) < 0.01).astype(np.float32)
    z = rng.standard_normal(n).astype(np.float32)
    w = rng.random(n).astype(np.float32) + 0.5
    m, k = cfg.softmax_rows, cfg.n_classes
    ys = rng.integers(0, k, m)
    zs = rng.standard_normal((m, k)).astype(np.float32)
    cases = [
        ("binary float32, weights", lambda obj: obj(y, z, sample_weight=w), n * 8),
        ("softmax float32", lambda obj: obj(ys, zs), m * k * 8),
    ]
    for case, call, unit in cases:
        for backend in backends:
            with boostfocal.use_backend(backend):
                obj = bf_xgb.focal_objective(gamma=2.0)
                call(obj)  # validation + label cache + compilation outside the measurement
                tracemalloc.start()
                out = call(obj)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                outputs = (out[0].nbytes + out[1].nbytes) / unit
                del out
            table.rows.append([case, backend, f"{peak / 2**20:.1f}", f"{peak / unit:.2f}", f"{outputs:.2f}"])
            MEMORY[f"{case}, {backend}"] = peak / unit
    table.notes.append(
        "Goal: at most the two outputs plus one n-sized float64 buffer (3.00 when the outputs were float64; "
        "the objectives now write float32, the dtype both libraries store, so the outputs alone are 1.00)."
    )
    return table


# ----------------------------------------------------------------------------- 4. start-up
_START_SCRIPT = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import xgboost, lightgbm
    t1 = time.perf_counter()
    import boostfocal.xgboost as bx
    import boostfocal.lightgbm
    t2 = time.perf_counter()
    rng = np.random.default_rng(0)
    z = rng.standard_normal(1000).astype(np.float32)
    y = (rng.random(1000) < 0.1).astype(np.float32)
    bx.focal_objective(gamma=2.0)(y, z)
    t3 = time.perf_counter()
    zs = rng.standard_normal((1000, 3)).astype(np.float32)
    bx.focal_objective(gamma=2.0)(rng.integers(0, 3, 1000), zs)
    t4 = time.perf_counter()
    import boostfocal
    print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, boostfocal.get_backend())
    """
)


_FIT_SCRIPT = textwrap.dedent(
    """
    import sys, time
    lib, task, kind = sys.argv[1:4]
    t0 = time.perf_counter()
    import numpy as np
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 10)).astype(np.float32)
    y = np.argmax(X[:, :4], axis=1) if task == "multiclass" else (X[:, 0] + rng.standard_normal(2000) > 1).astype(int)
    if lib == "XGBoost":
        from xgboost import XGBClassifier as Plain
        from boostfocal.sklearn_xgboost import FocalXGBClassifier as Focal
        kw = {}
    else:
        from lightgbm import LGBMClassifier as Plain
        from boostfocal.sklearn_lightgbm import FocalLGBMClassifier as Focal
        kw = {"verbose": -1}
    model = (lambda: Plain(n_estimators=10, n_jobs=1, **kw)) if kind == "plain" else (
        lambda: Focal(n_estimators=10, n_jobs=1, gamma=2.0, **kw))
    t1 = time.perf_counter()
    model().fit(X, y)
    t2 = time.perf_counter()
    model().fit(X, y)
    t3 = time.perf_counter()
    try:  # VmHWM: this image's own peak (Linux's ru_maxrss keeps the parent's peak across fork and exec)
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        peak = int(hwm.split()[1]) / 1024
    except OSError:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(t1 - t0, t2 - t1, t3 - t2, peak)
    """
)


def _fit_process(lib: str, task: str, kind: str, env: dict[str, str]) -> list[float]:
    """``[import s, first fit s, second fit s, peak RSS MiB]`` of one fresh process fitting a small classifier."""
    cmd = [sys.executable, "-c", _FIT_SCRIPT, lib, task, kind]
    return [float(v) for v in subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.split()]


def first_fit_table(repeats: int, libs: tuple[str, ...] = ("XGBoost", "LightGBM")) -> Table:
    """Cold start and fixed memory of whole processes fitting a small classifier (2000 x 10, 10 trees)."""
    table = Table(
        f"Start-up and fixed memory: fresh process fitting a small classifier (2,000 x 10, 10 trees; median of "
        f"{repeats})",
        ["library", "task", "objective", "numba cache", "import (s)", "first fit (s)", "warm fit (s)"]
        + ["first - warm (s)", "peak RSS (MiB)", "RSS - plain (MiB)"],
    )
    base = {k: v for k, v in os.environ.items() if k != "BOOSTFOCAL_BACKEND"}
    for lib in libs:
        for task in ("binary", "multiclass"):
            plain = [_fit_process(lib, task, "plain", base) for _ in range(repeats)]
            runs: dict[tuple[str, str], list[list[float]]] = {("plain", "n/a"): plain}
            for backend in ("auto", "numba"):
                for _ in range(repeats):
                    with tempfile.TemporaryDirectory() as cache:
                        env = dict(base, NUMBA_CACHE_DIR=cache, BOOSTFOCAL_BACKEND=backend)
                        log(f"first fit: {lib} {task} {backend}")
                        for label in ("cold", "warm"):
                            runs.setdefault((f"focal ({backend} backend)", label), []).append(
                                _fit_process(lib, task, "focal", env)
                            )
            plain_rss = statistics.median(r[3] for r in plain)
            for (objective, label), rs in runs.items():
                imp, first, warm, rss = (statistics.median(r[i] for r in rs) for i in range(4))
                extra = statistics.median(r[1] - r[2] for r in rs)
                table.rows.append(
                    [lib, task, objective, label, f"{imp:.2f}", f"{first:.2f}", f"{warm:.3f}", f"{extra:.2f}"]
                    + [f"{rss:.0f}", f"{rss - plain_rss:.0f}"]
                )
                if objective != "plain":
                    FIRST_FIT[f"{lib} {task} {objective} {label}"] = (extra, rss - plain_rss)
    table.notes.append(
        "Each row is a fresh process: import, one fit (the first: it imports numba and loads or compiles the "
        "kernels it needs), then a second, warm fit; 'first - warm' is what the first fit adds. 'cold': an "
        "empty NUMBA_CACHE_DIR; 'warm': the next process on the same cache. 'RSS - plain' is the peak resident "
        "memory above the same process fitting the plain XGBClassifier / LGBMClassifier (importing boostfocal's "
        "adapters and loading its kernels). The 'auto' backend runs calls below AUTO_MIN_MARGINS (65536) margins "
        "on numpy without importing numba (these fits have 2,000 or 8,000); 'numba' forces the numba kernels."
    )
    return table


LIBS = ("XGBoost", "LightGBM")

#: Objective ms per call inside fits, focal / float32 numpy reference, per library, task and variant.
OBJECTIVE_PER_CALL: dict[str, float] = {}
#: Start-up seconds: "cold" and "warm" first binary call.
STARTUP: dict[str, float] = {}
#: Peak of one objective call in n-sized float64 arrays, per case and backend.
MEMORY: dict[str, float] = {}
#: First small fit in a fresh process: (seconds it adds to a warm fit, peak RSS above the plain fit in MiB).
FIRST_FIT: dict[str, tuple[float, float]] = {}


def goals_table(ratios: dict[str, float]) -> Table:
    """The goals of the speed issue, each with the measured value and whether it is met."""
    table = Table("Goals", ["goal", "measured", "met"])

    def row(goal: str, values: list[float], limit: float, fmt: str = "{:.2f}") -> None:
        if not values:
            return
        worst = max(values)
        table.rows.append([goal, " / ".join(fmt.format(v) for v in values), "yes" if worst <= limit else "no"])

    for dtype in ("float32", "float64"):
        keys = [k for k in ratios if k.startswith(f"kernel binary {dtype}") and k.endswith("numba")]
        row(f"binary kernel {dtype} (numba, gamma 2 / 1.5) <= 1.0 x numpy log loss", [ratios[k] for k in keys], 1.0)
    keys = [k for k in ratios if k.startswith("kernel binary float32") and k.endswith("numba vs float64-math log loss")]
    row(
        "binary kernel float32 (numba, gamma 2 / 1.5) <= 1.0 x numpy log loss computed in float64",
        [ratios[k] for k in keys],
        1.0,
    )
    keys = [k for k in ratios if k.startswith("kernel softmax") and k.endswith("numba")]
    names = ", ".join(k.split(" ")[2] + " " + k.split(" ")[3] for k in keys)
    row(f"softmax kernel (numba; {names}) <= 1.0 x float32 numpy softmax CE", [ratios[k] for k in keys], 1.0)
    for ref, limit in (("native", 1.15), ("numpy custom", 1.05)):
        keys = [k for k in ratios if k.startswith("train") and k.endswith(f"gamma=2 vs {ref}")]
        names = ", ".join(k[len("train ") : k.index(" gamma=")] for k in keys)
        row(f"training, gamma 2, vs {ref} <= {limit} ({names})", [ratios[k] for k in keys], limit, "{:.3f}")
    for key, value in OBJECTIVE_PER_CALL.items():
        row(f"in-training objective ms / call, {key}, <= 1.05 x float32 numpy objective", [value], 1.05)
    row("memory of one call <= 2 outputs + 1 n-buffer (3.00)", list(MEMORY.values()), 3.0)
    if STARTUP:
        row("cold: import both adapters + first binary call < 3 s", [STARTUP["cold"]], 3.0)
        row("warm: import both adapters + first binary call < 1.0 s", [STARTUP["warm"]], 1.0)
        row("warm: boostfocal's share (the above minus importing xgboost + lightgbm) < 1.0 s", [STARTUP["share"]], 1.0)
    for key, (extra, _) in FIRST_FIT.items():
        if key.endswith("cold"):
            row(f"first fit with an empty numba cache adds <= 1 s to a warm fit: {key[: -len(' cold')]}", [extra], 1.0)
    for key, (_, rss) in FIRST_FIT.items():
        if key.endswith("warm") and key.startswith("XGBoost binary"):
            row(f"fixed memory (peak RSS above a plain XGBClassifier fit) <= 60 MiB: {key}", [rss], 60.0, "{:.0f}")
    table.notes.append(
        "Training ratios compare whole fits (tree building included) and move by several per cent from run "
        "to run on a shared machine; the objective's own extra time is measured inside the callbacks."
    )
    return table


def startup_table() -> Table:
    table = Table(
        "Start-up: fresh process, import both adapters and make the first objective call (s)",
        [
            "numba cache",
            "import numpy, xgboost, lightgbm",
            "import boostfocal.xgboost, .lightgbm",
            "first binary call",
            "total",
            "boostfocal's share",
            "first softmax call",
            "backend",
        ],
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, BOOSTFOCAL_BACKEND="numba")  # 1000-row calls: auto is numpy
        for label in ("cold (empty NUMBA_CACHE_DIR)", "warm (cache filled)", "warm, second run"):
            log(f"start-up: {label}")
            res = subprocess.run(
                [sys.executable, "-c", _START_SCRIPT], env=env, capture_output=True, text=True, check=True
            )
            libs, ours, first, soft, backend = res.stdout.split()
            total, share = float(libs) + float(ours) + float(first), float(ours) + float(first)
            table.rows.append(
                [label, *(f"{float(v):.2f}" for v in (libs, ours, first)), f"{total:.2f}", f"{share:.2f}"]
                + [f"{float(soft):.2f}", backend]
            )
            key = "cold" if label.startswith("cold") else "warm"
            if key not in STARTUP:
                STARTUP[key] = total
                if key == "warm":
                    STARTUP["share"] = share
    table.notes.append(
        "Goal (issue 13): importing both adapters plus one objective call under 1.0 s with a warm numba cache, "
        "under 3 s cold. 'boostfocal's share' leaves out the import of xgboost and lightgbm themselves "
        "(a program that trains imports them anyway); the first call imports numba and loads (cold: compiles) "
        "the kernel. Each signature compiles on first use. Run with BOOSTFOCAL_BACKEND=numba: these 1000-row "
        "calls run on numpy under 'auto' (below AUTO_MIN_MARGINS), which imports nothing more."
    )
    return table


# ----------------------------------------------------------------------------- 2. training
def make_data(rows: int, features: int, n_classes: int | None, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features)).astype(np.float32)
    coef = rng.standard_normal((features, n_classes or 1)) / np.sqrt(features)
    score = x @ coef + 0.5 * rng.standard_normal((rows, n_classes or 1))
    if n_classes is None:
        thresh = np.quantile(score[:, 0], 0.99)  # 1% positives
        return x, (score[:, 0] > thresh).astype(np.float32)
    return x, np.argmax(score, axis=1).astype(np.float32)


class Timed:
    """Wrap an objective and add up the seconds spent inside it."""

    def __init__(self, obj) -> None:
        self.obj, self.seconds, self.calls = obj, 0.0, 0

    def __deepcopy__(self, memo):  # lgb.train deep-copies its params: keep counting here
        return self

    def reset(self) -> None:
        """Forget the calls so far (after an untimed warm-up fit)."""
        self.seconds, self.calls = 0.0, 0

    def __call__(self, a, b):
        t0 = time.perf_counter()
        out = self.obj(a, b)
        self.seconds += time.perf_counter() - t0
        self.calls += 1
        return out


def training_tables(cfg: Config, threads: int, ratios: dict[str, float]) -> list[Table]:
    """Whole fits and the objective's cost per call inside them (issue 13), every size of the config."""
    tables = []
    for task, sizes in (("binary", cfg.train_binary), ("multiclass", cfg.train_multi)):
        for size in sizes:
            tables.append(_training_table(cfg, task, size, threads, ratios, tag=len(sizes) > 1))
    return tables


def _training_table(cfg: Config, task: str, size: tuple[int, int, int], threads: int, ratios, tag: bool) -> Table:
    import lightgbm as lgb
    import xgboost as xgb

    rows, feats, rounds = size
    k = None if task == "binary" else cfg.n_classes
    log(f"training data {task}: {rows:,} x {feats}")
    x, y = make_data(rows, feats, k, seed=2)
    table = Table(
        f"Training: {task}, {rows:,} x {feats}"
        + ("" if k is None else f", K = {k}")
        + f", {rounds} rounds, {threads} threads (median of {cfg.train_repeats}, interleaved)",
        ["library", "objective", "s / fit", "objective ms / call", "vs native", "vs numpy float32 custom"],
    )
    size_tag = f" {rows // 1000}k" if tag else ""
    focal_kw: dict = {"gamma": 2.0, "alpha": 0.25} if k is None else {"gamma": 2.0}
    # ---- XGBoost
    dtrain = xgb.DMatrix(x, label=y, nthread=threads)
    base = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads, "max_bin": 256}
    if k is None:
        native_p = {**base, "objective": "binary:logistic", "base_score": 0.5}
        custom_p = {**base, "base_score": 0.5, "disable_default_eval_metric": 1}
        refs = {
            "numpy log loss float32 custom": DMatrixObjective(numpy_logloss_f32),
            "numpy log loss float64 custom": DMatrixObjective(numpy_logloss_f64),
        }
    else:
        native_p = {**base, "objective": "multi:softprob", "num_class": k}
        custom_p = {**base, "num_class": k, "disable_default_eval_metric": 1}
        refs = {"numpy softmax CE float32 custom": DMatrixObjective(numpy_softmax_ce_f32, softmax=True, factor=2.0)}
    objs = dict(refs)
    objs["boostfocal focal gamma=2"] = bf_xgb.focal_objective(**focal_kw, n_jobs=threads)
    if threads > 1:
        objs["boostfocal focal gamma=2, n_jobs=1"] = bf_xgb.focal_objective(**focal_kw, n_jobs=1)
    if k is None:  # gamma = 0 grows the same trees as log loss: the pure cost of the objective
        objs["boostfocal focal gamma=0"] = bf_xgb.focal_objective(gamma=0.0, n_jobs=threads)
        try:
            from imxgboost.focal_loss import Focal_Binary_Loss

            objs["imbalance-xgboost focal gamma=2"] = Focal_Binary_Loss(gamma_indct=2.0).focal_binary_object
        except ImportError:
            table.notes.append("imbalance-xgboost is not installed: its peer row is missing.")
    timers = {name: Timed(o) for name, o in objs.items()}
    cands = {"native": lambda p=native_p, d=dtrain, r=rounds: xgb.train(p, d, r)}
    for name, t in timers.items():
        cands[name] = lambda t=t, p=custom_p, d=dtrain, r=rounds: xgb.train(p, d, r, obj=t)
    log(f"XGBoost {task}: {len(cands)} objectives x {cfg.train_repeats}, interleaved")
    xgb.train(native_p, dtrain, 1)  # untimed: builds the histogram index of the DMatrix
    for t in timers.values():  # untimed: compiles (or loads) each objective's kernel for these dtypes
        xgb.train(custom_p, dtrain, 1, obj=t)
        t.reset()
    times = interleaved(cands, cfg.train_repeats, warmup=0)
    _fill(table, "XGBoost", times, timers, ratios, task + size_tag)
    del dtrain, cands  # the candidates hold the DMatrix too
    # ---- LightGBM
    lbase = {"num_leaves": 63, "learning_rate": 0.1, "num_threads": threads, "max_bin": 255, "verbosity": -1}
    dset = lgb.Dataset(x, label=y, params={"max_bin": 255, "verbosity": -1}, free_raw_data=False)
    dset.construct()
    if k is None:
        native_l = {**lbase, "objective": "binary", "boost_from_average": False}
        custom_l = dict(lbase)
        refs_l = {
            "numpy log loss float32 custom": DatasetObjective(numpy_logloss_f32),
            "numpy log loss float64 custom": DatasetObjective(numpy_logloss_f64),
        }
    else:
        native_l = {**lbase, "objective": "multiclass", "num_class": k, "boost_from_average": False}
        custom_l = {**lbase, "num_class": k}
        refs_l = {
            "numpy softmax CE float32 custom": DatasetObjective(
                numpy_softmax_ce_f32, softmax=True, factor=k / (k - 1.0)
            )
        }
    objs_l = dict(refs_l)
    objs_l["boostfocal focal gamma=2"] = bf_lgb.focal_objective(**focal_kw, n_jobs=threads)
    if threads > 1:
        objs_l["boostfocal focal gamma=2, n_jobs=1"] = bf_lgb.focal_objective(**focal_kw, n_jobs=1)
    if k is None:
        objs_l["boostfocal focal gamma=0"] = bf_lgb.focal_objective(gamma=0.0, n_jobs=threads)
    timers = {name: Timed(o) for name, o in objs_l.items()}
    cands = {"native": lambda p=native_l, d=dset, r=rounds: lgb.train(p, d, r)}
    for name, t in timers.items():
        cands[name] = lambda t=t, p=custom_l, d=dset, r=rounds: lgb.train({**p, "objective": t}, d, r)
    log(f"LightGBM {task}: {len(cands)} objectives x {cfg.train_repeats}, interleaved")
    lgb.train(native_l, dset, 1)  # untimed warm-up
    for t in timers.values():  # untimed: compiles (or loads) each objective's kernel for these dtypes
        lgb.train({**custom_l, "objective": t}, dset, 1)
        t.reset()
    times = interleaved(cands, cfg.train_repeats, warmup=0)
    _fill(table, "LightGBM", times, timers, ratios, task + size_tag)
    table.notes.append(
        "Same data, parameters and number of rounds in one run, candidates interleaved, after one untimed "
        "1-round fit per objective (so that no kernel compilation or cache load is timed). 'objective ms / call' "
        "is the time inside the Python objective per boosting round (label handling included), measured "
        "inside the fits, where the booster's OpenMP threads may still spin. Focal loss at gamma = 2 grows "
        "different trees than log loss, so part of a whole-fit difference can come from the trees; at "
        "gamma = 0 (binary) it grows the same trees, so that row measures the objective alone. XGBoost "
        "hands float32 margins, LightGBM float64; boostfocal (numba backend) computes in float32 and writes "
        "float32, the dtype both libraries store."
    )
    return table


def _fill(table, lib, times, timers, ratios, task) -> None:
    native = statistics.median(times["native"])
    custom_name = next(n for n in times if n.startswith("numpy") and "float32" in n)
    custom = statistics.median(times[custom_name])
    ms_per_call = {name: 1e3 * t.seconds / max(t.calls, 1) for name, t in timers.items()}
    for name, ts in times.items():
        med = statistics.median(ts)
        obj_ms = "" if name == "native" else f"{ms_per_call[name]:.2f}"
        table.rows.append([lib, name, f"{med:.2f}", obj_ms, f"{med / native:.3f}", f"{med / custom:.3f}"])
        if name.startswith("boostfocal"):
            label = name[len("boostfocal focal ") :]
            ratios[f"train {lib} {task} {label} vs native"] = med / native
            ratios[f"train {lib} {task} {label} vs numpy custom"] = med / custom
            # the objective's own cost per call, against the float32 numpy objective in the same fits
            OBJECTIVE_PER_CALL[f"{lib} {task} {label}"] = ms_per_call[name] / ms_per_call[custom_name]


# ----------------------------------------------------------------------------- report
#: Issue 13 asks the results file to record the approaches tried and what each gave (measured in earlier
#: runs of this benchmark on the same 2-core machine; the tables above measure the current code).
_APPROACH_ROWS = [
    (
        "baseline: float64 arithmetic and float64 outputs",
        "1.15-6.6x (XGBoost binary about 1.7x, LightGBM multiclass 6.6x)",
    ),
    (
        "float32 outputs (float64 arithmetic rounded once; LightGBM's conversion copy gone)",
        "little: the same range; memory of one call halved",
    ),
    ("O(1) identity check of LightGBM's label arrays before any O(n) comparison", "little (LightGBM binary 2.3x)"),
    (
        "`n_jobs=1` (one kernel thread: no competition with the boosters' spinning OpenMP threads)",
        "mixed: 1.5x XGBoost binary, worse for LightGBM; the single-threaded float64 kernel itself "
        "was 1.8x slower than float32 numpy",
    ),
    (
        "float32 arithmetic for float32 outputs (16-lane SIMD, degree-7 polynomials, `q^2` at gamma 2, "
        "no `q^gamma` at gamma 0)",
        "binary 0.7-1.0x; the kernel 4-5x faster per thread",
    ),
    (
        "softmax on (K, chunk) scratch, classes as the outer loop, int32 labels, column views for Fortran order",
        "softmax 0.3x (XGBoost) / 0.9-1.0x (LightGBM), from 1.15x / 6.6x",
    ),
    ("one compiled function per kernel variant", "cold first binary call 1.2 s instead of 4.9 s"),
    (
        "at least 256k margins per thread (was 32k)",
        "300k rows run on one thread, which inside fits was as fast or faster",
    ),
    (
        "softmax: at least 2M margins per thread",
        "LightGBM multiclass 200k x 10 on one thread: 0.88 / 0.93x against 0.95 / 1.09x on two (two full runs)",
    ),
]
#: Cold start / fixed memory (issue 22): compile time of one kernel alone in a fresh process with an empty
#: NUMBA_CACHE_DIR (numba's first compile includes about 0.3 s of its own set-up), 2 shared cores.
_COLD_ROWS = [
    (
        "float32 kernels only (the numba float64 kernels went: the adapters only ever asked for float32)",
        "fewer variants to compile and keep; the numpy reference computes float64 outputs",
    ),
    (
        "`2^k` by `.view()` bit casts instead of llvmlite intrinsics",
        "same per-call speed (binary 1M: 3.0-3.2 ms against 3.7 ms, same run); every function also runs as "
        "plain Python, bit for bit (tests/kernels)",
    ),
    (
        "softmax: layout and `power` compile-time constants, the chunk loop in the block (one numba inlining "
        "level less)",
        "softmax kernel compile 3.5 s -> 2.5 s; per call as before",
    ),
    ("no numba-level inlining at all (LLVM inlines at link time)", "no gain: 3.65 s against 3.55 s"),
    ("softmax passes compiled as separate (cached) functions", "worse: 4.9-5.4 s"),
    (
        "NUMBA_OPT=0 (to see LLVM's share)",
        "3.1 s against 3.55 s: the cost is numba's own typing, IR inlining (deep copies) and lowering",
    ),
    (
        "`auto` backend runs calls below 65,536 margins on numpy (AUTO_MIN_MARGINS)",
        "a small fit never imports numba: its first fit adds about 0.01 s and 1 MiB (see the table above); "
        "larger fits still pay numba's import (about 0.3 s warm) and, cold, the compile",
    ),
    (
        "where the fixed memory goes (issue 22, session 23; one process, cached kernels, after numpy + xgboost)",
        "import numba +51 MiB (0.2 s); boostfocal's kernel module +6.5 MiB; loading the first cached kernel "
        "+42 MiB (0.16 s): numba's `Cache.load_overload` calls `target_context.refresh()` (numba/core/caching.py), "
        "which imports and installs every implementation registry, whatever the kernel uses",
    ),
    (
        "not done: `exp` / `log1p` / `log` polynomials through one Horner helper (a loop over a tuple of "
        "float32 coefficients)",
        "the same bits and per-call speed, but the softmax kernel's cold compile 2.6 -> 2.9 s (three interleaved "
        "pairs of fresh processes); the three written-out polynomials stay",
    ),
    (
        "not done: ahead-of-time compilation",
        "would remove the compile and most of numba's memory, but `numba.pycc` is deprecated and it needs a "
        "build step; numba's own fixed memory (import about 52 MiB, typing / target context about 50 MiB) "
        "cannot be lowered while numba loads the kernels",
    ),
]

APPROACHES = "\n".join(
    [
        "## Approaches tried for the in-training cost (issue 13)",
        "",
        "| approach | what it gave (objective ms / call inside fits vs the float32 numpy objective) |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in _APPROACH_ROWS),
        "",
        "Not tried: numba's own threading layers (workqueue / OpenMP sharing the boosters' pool), detecting "
        "the booster's parallel region, ahead-of-time compilation for the cold start.",
        "",
        "## Approaches tried for the cold start and the fixed memory (issue 22)",
        "",
        "| approach | what it gave |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in _COLD_ROWS),
    ]
)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("boostfocal", "numpy", "scipy", "xgboost", "lightgbm", "numba", "imbalance-xgboost"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bar_chart(ratios: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(ratios)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.5))
    vals = [ratios[n] for n in names]
    ax.barh(range(len(names)), vals, color=["tab:green" if v <= 1.05 else "tab:orange" for v in vals])
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", lw=0.8)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color="tab:green", label="<= 1.05 x the reference"),
            Patch(color="tab:orange", label="> 1.05 x the reference"),
        ],
        loc="lower right",
        fontsize=8,
    )
    ax.set_xlabel("time ratio (lower is better; 1 = reference)")
    ax.set_title("boostfocal focal objective: cost relative to the reference")
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller training data, one repeat (< 2 min)")
    mode.add_argument("--smoke", action="store_true", help="tiny data, for the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder (default benchmarks/results)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="booster threads")
    parser.add_argument("--skip-training", action="store_true", help="kernel, memory and start-up only")
    args = parser.parse_args(argv)
    cfg = CONFIGS["smoke" if args.smoke else "quick" if args.quick else "full"]
    t_start = time.perf_counter()

    try:
        import numba

        backends = ["numpy", "numba"]
    except ImportError:
        backends = ["numpy"]
    ratios: dict[str, float] = {}
    log(f"mode {cfg.name}; backends {backends}; booster threads {args.threads}")
    tables = kernel_tables(cfg, backends, ratios)
    tables.append(memory_table(cfg, backends))
    tables.append(startup_table())
    tables.append(first_fit_table(3 if cfg.name == "full" else 1, ("XGBoost",) if cfg.name == "smoke" else LIBS))
    if not args.skip_training:
        tables += training_tables(cfg, args.threads, ratios)

    v = versions()
    numba_threads = "n/a"
    if "numba" in backends:
        import numba

        numba_threads = str(numba.get_num_threads())
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    env_lines = [
        f"- command: `python benchmarks/speed.py{'' if cfg.name == 'full' else ' --' + cfg.name}`"
        f" (mode {cfg.name}, {time.perf_counter() - t_start:.0f} s)",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average at start/end: {_load()}",
        f"- threads: boosters {args.threads}, numba {numba_threads} "
        f"(NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'unset')}), "
        f"BOOSTFOCAL_BACKEND={os.environ.get('BOOSTFOCAL_BACKEND', 'unset')} (default backend: "
        f"{boostfocal.get_backend()})",
        "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- peak RSS of the benchmark process: {peak_rss:.0f} MiB",
    ]
    md = ["# boostfocal speed benchmark", "", *env_lines, ""]
    md += [goals_table(ratios).markdown().replace("### Goals", "## Goals"), ""]
    md += ["## Key ratios (boostfocal focal / reference)", "", "| measurement | ratio |", "|---|---|"]
    md += [f"| {name} | {val:.3f} |" for name, val in ratios.items()]
    md += [""] + [t.markdown() for t in tables]
    md += ["", APPROACHES]
    text = "\n".join(md)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.md").write_text(text)
    bar_chart(ratios, args.out / "speed.png")
    print(text)
    log(f"wrote {args.out / 'speed.md'} and {args.out / 'speed.png'}")
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    raise SystemExit(main())
