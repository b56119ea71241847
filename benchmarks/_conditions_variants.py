r"""The variants of focal loss at scale, for ``benchmarks/conditions.py --extra`` / ``--variants``.

* **KEEL** (no refit): the 50-set results of ``benchmarks/keel.py`` (``keel_sets.csv``), each variant
  (``focal_asymmetric``, ``focal_effective_number``) against each baseline: win / tie / loss by
  the per-set corrected interval, the Wilcoxon signed-rank test of the per-set mean differences
  (:mod:`_keel_stats`) and the BH-adjusted p-values over the rows of the table.
* **the four large sets** (``--variants``): ``boostfocal.compare`` with the protocol of
  ``benchmarks/quality.py`` (3 folds x 2 repeats, budget 4, seed 0, 500 rounds, patience 30) and
  the methods log loss, class-weighted log loss, focal, ``focal_asymmetric``,
  ``focal_effective_number`` and ``focal_poly``; per set and library the paired difference of
  each focal method and the best baseline (picked per fold on the inner validation split).
* **the fraud notebook's asymmetric [4, 1]** (``--variants``): the same gamma pair (no alpha)
  as a fixed method registered beside the others (``FixedAsymmetric``, one class as the study's
  registry asks), against log loss and class-weighted log loss under 5 folds x 2 repeats,
  budget 4 (booster draws only, the same for every method), XGBoost.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from boostfocal._study._methods import FocalAsymmetric

__all__ = [
    "keel_variant_lines",
    "FixedAsymmetric",
    "registered",
    "run_large",
    "run_fraud_asymmetric",
    "variant_lines",
    "LARGE_METHODS",
]

LARGE_METHODS = (
    "log_loss",
    "weighted_log_loss",
    "focal",
    "focal_asymmetric",
    "focal_effective_number",
    "focal_poly",
)
LARGE_SETS = ("fraud", "telco", "lending_club", "hpc")
LARGE_PROTOCOL = {"cv": 3, "repeats": 2, "budget": 4, "random_state": 0}
FRAUD_PROTOCOL = {"cv": 5, "repeats": 2, "budget": 4, "random_state": 0}


def _module(name: str) -> Any:
    """A module of benchmarks/ by path, through the loader of :mod:`_conditions_report` (``_sibling``).

    ``benchmarks/conditions.py`` loads the report module before this one, under its own name.
    """
    report = sys.modules.get("_conditions_report")
    if report is None:
        raise ImportError("_conditions_variants is loaded by benchmarks/conditions.py, after _conditions_report")
    return report._sibling(name)


def keel_variant_lines(sets_csv: Path) -> list[str]:
    """Every focal method of the KEEL run against each baseline, per library (from ``keel_sets.csv``)."""
    stats = _module("_keel_stats")
    report = _module("_conditions_report")
    sets = pd.read_csv(sets_csv)
    rows = []
    for library in ("xgboost", "lightgbm"):
        s = sets[sets["library"] == library]
        for focal in ("focal", "focal_asymmetric", "focal_effective_number"):
            for base in ("log_loss", "weighted_log_loss"):
                pre = f"{focal}-{base}"
                if f"{pre}_mean" not in s:
                    continue
                out = s[f"{pre}_outcome"].tolist()
                w = stats.wilcoxon_signed_rank(np.round(s[f"{pre}_mean"].to_numpy(), 12))
                rows.append((library, focal, base, out.count("win"), out.count("tie"), out.count("loss"), w))
    adjusted = report.adjust([r[-1].p_value for r in rows], "bh")
    lines = [
        "### KEEL, 50 sets (from `keel_sets.csv`, budget 4, 5 x 2 folds; no refit)",
        "",
        "| library | focal method | against | win / tie / loss | median difference | Wilcoxon p | BH-adjusted p |",
        "|---|---|---|---|---|---|---|",
    ]
    for (library, focal, base, w_, t_, l_, w), p_bh in zip(rows, adjusted, strict=True):
        lines.append(
            f"| {library} | {focal} | {base} | {w_} / {t_} / {l_} | {w.median:+.4f} | {w.p_value:.3f} | {p_bh:.3f} |"
        )
    return [*lines, ""]


class FixedAsymmetric(FocalAsymmetric):
    """Asymmetric focal loss with the fraud notebook's fixed gamma pair ``[4, 1]`` and no alpha."""

    name = "focal_asymmetric_4_1"
    description = "asymmetric focal loss, gamma [4, 1] (negatives, positives), no alpha: fixed"

    def draw(self, rng: Any, first: bool, space: Any, n_classes: int) -> dict[str, Any]:
        return {"gamma": [4.0, 1.0], "alpha": None}

    def suggest(self, trial: Any, space: Any, n_classes: int) -> dict[str, Any]:
        return {"gamma": [4.0, 1.0], "alpha": None}

    def centre(self, space: Any, n_classes: int) -> dict[str, Any]:
        return {}

    def search_space(self, space: Any, task: str) -> dict[str, Any]:
        return {"gamma": [4.0, 1.0], "alpha": None}


@contextlib.contextmanager
def registered(method: Any) -> Iterator[None]:
    """``method`` in the study's registry for the duration (one entry, as a new method is added)."""
    from boostfocal._study._methods import METHODS

    METHODS[method.name] = method
    try:
        yield
    finally:
        del METHODS[method.name]


def _differences(result: Any, dataset: str, library: str) -> pd.DataFrame:
    """Per outer fold: each focal method minus the baseline with the better inner-validation score."""
    fs = result.fold_scores
    wide_valid = fs.pivot_table(index=["repeat", "fold"], columns="method", values="valid_score")
    wide_ap = fs.pivot_table(index=["repeat", "fold"], columns="method", values="average_precision")
    bases = [m for m in ("log_loss", "weighted_log_loss") if m in wide_ap]
    best = wide_valid[bases].idxmax(axis=1)
    base_ap = np.array([wide_ap.loc[i, b] for i, b in best.items()])
    rows = []
    for m in (c for c in wide_ap.columns if c not in bases):
        for (r, k), d in zip(wide_ap.index, wide_ap[m].to_numpy() - base_ap, strict=True):
            rows.append({"dataset": dataset, "library": library, "method": m, "repeat": r, "fold": k, "difference": d})
    out = pd.DataFrame(rows)
    out["n_train"], out["n_test"], out["seconds"] = result.n_train, result.n_test, result.seconds
    return out


def run_large(out_csv: Path, log: Any) -> None:
    """The variants on the four large sets (resumable per data set and library)."""
    import boostfocal

    keel = _module("keel")
    done = pd.read_csv(out_csv) if out_csv.exists() else pd.DataFrame(columns=["dataset", "library"])
    for name in LARGE_SETS:
        for library in ("xgboost", "lightgbm"):
            if ((done["dataset"] == name) & (done["library"] == library)).any():
                continue
            X, y = keel.load_dataset(name)
            t0 = time.perf_counter()
            res = boostfocal.compare(
                X, y, library=library, methods=list(LARGE_METHODS), progress=False, **LARGE_PROTOCOL
            )
            diffs = _differences(res, name, library)
            diffs.to_csv(out_csv, mode="a", header=not out_csv.exists(), index=False)
            log(f"variants {name} {library}: {time.perf_counter() - t0:.0f} s")


def run_fraud_asymmetric(out_csv: Path, log: Any) -> None:
    """The notebook's asymmetric [4, 1] against the baselines under repeated CV (XGBoost)."""
    import boostfocal
    from boostfocal import datasets

    if out_csv.exists():
        return
    X, y = datasets.load_credit_card_fraud()
    method = FixedAsymmetric()
    t0 = time.perf_counter()
    with registered(method):
        res = boostfocal.compare(
            X,
            y,
            library="xgboost",
            methods=["log_loss", "weighted_log_loss", method.name],
            progress=False,
            **FRAUD_PROTOCOL,
        )
    _differences(res, "fraud", "xgboost").to_csv(out_csv, index=False)
    log(f"fraud [4, 1]: {time.perf_counter() - t0:.0f} s")


def variant_lines(csv: Path, title: str) -> list[str]:
    """A table of per-(set, library, method) mean differences with the corrected interval."""
    stats = _module("_keel_stats")
    if not csv.exists():
        command = "python benchmarks/conditions.py --variants"
        return [
            f"### {title}",
            "",
            f"**Not run** (`{csv.name}` absent): `{command}` computes it (about 65 min on 2 free cores, extrapolated "
            "from the study times of `quality.md`: 8.4 min for 72 XGBoost fits on fraud).",
            "",
        ]
    df = pd.read_csv(csv)
    lines = [
        f"### {title}",
        "",
        "| data set | library | focal method | minus best baseline, AP [95 % CI] | outcome | folds |",
        "|---|---|---|---|---|---|",
    ]
    for (name, library, method), g in df.groupby(["dataset", "library", "method"], sort=False):
        ratio = float(g["n_test"].iloc[0]) / float(g["n_train"].iloc[0])
        iv = stats.paired_interval(g["difference"].to_numpy(), test_train_ratio=ratio)
        lines.append(
            f"| {name} | {library} | {method} | {iv.mean:+.4f} [{iv.low:+.4f}, {iv.high:+.4f}] | {iv.outcome} | "
            f"{len(g)} |"
        )
    return [*lines, ""]
