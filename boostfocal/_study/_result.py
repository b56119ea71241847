"""The result of a study: :class:`CompareResult` (tables, ``results.json``, the report files) and
the recommendation card (``recommended.json``)."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._methods import METHODS
from ._metrics import HIGHER_IS_BETTER, threshold_at_precision
from ._plan import Plan
from ._report import write_report
from ._space import library_params
from ._stats import Interval

__all__ = ["CompareResult", "SCHEMA_VERSION", "best_settings", "recommend"]

#: Version of the ``results.json`` / ``recommended.json`` layout (see docs/guide/compare.md).
SCHEMA_VERSION = 1
_VERDICT_WORDS = {
    "better": "focal is better",
    "worse": "focal is worse",
    "no significant difference": "no significant difference",
}


def best_settings(trials: Any, metric: str) -> Any:
    """Per (method, library, settings): the mean inner-validation score over the folds that tried those
    settings (random search: every fold; TPE: mostly one), the median round count, the first
    configuration index and the number of folds; best first."""
    agg = trials.groupby(["method", "library", "params"], sort=False).agg(
        valid_score=("valid_score", "mean"),
        rounds=("best_iteration", "median"),
        config=("config", "first"),
        n_folds=("valid_score", "size"),
    )
    return agg.sort_values("valid_score", ascending=not HIGHER_IS_BETTER[metric], kind="stable")


def _baselines_sentence(method: str, library: str, baselines: dict[str, Interval] | None, metric: str) -> str:
    """For a recommended baseline: whether it differs significantly from the other baseline."""
    iv = None if baselines is None else baselines.get(library)
    if iv is None:
        return ""
    other = "log_loss" if method == "weighted_log_loss" else "weighted_log_loss"
    numbers = (
        f"weighted_log_loss minus log_loss in {metric} ({library}): {iv.mean:+.4f} "
        f"[{iv.ci_low:+.4f}, {iv.ci_high:+.4f}]"
    )
    if iv.contains(0.0):
        return f" The two baselines are not significantly different either ({numbers}): {other} would do as well."
    return f" The two baselines differ significantly ({numbers})."


def _threshold(plan: Plan, pooled: dict[tuple[str, str], dict[str, NDArray]] | None, run: tuple[str, str]) -> Any:
    """Binary: the posterior threshold reaching the study's precision on the method's pooled out-of-fold
    posterior estimates (first repeat: every row once), with the recall it gave; else None."""
    if pooled is None or plan.target.task != "binary" or run not in pooled:
        return None
    y, w = plan.target.codes == 1, plan.sample_weight
    found = threshold_at_precision(y, pooled[run]["posterior"][:, 1], plan.precision, w)
    base = {
        "target_precision": plan.precision,
        "scale": "posterior",
        "from": "pooled out-of-fold posterior estimates of this method (first repeat: every row once)",
    }
    return {**base, **(found or {"threshold": None, "note": "no threshold reached this precision"})}


def recommend(
    plan: Plan,
    trials: Any,
    verdict: str,
    comparison: Interval,
    *,
    baselines: dict[str, Interval] | None = None,
    pooled: dict[tuple[str, str], dict[str, NDArray]] | None = None,
) -> dict[str, Any]:
    """The configuration to use: from the focal methods if focal is better, else from the baselines;
    within them the (method, library, settings) with the best mean inner-validation score.

    ``baselines``: per library, the interval of weighted_log_loss minus log_loss over the outer folds
    (when both ran); a recommended baseline's card then says whether the other would do as well.
    ``pooled``: the out-of-fold predictions, for the posterior threshold at the study's precision
    (``threshold_at_precision``, binary only).
    """
    from .. import __version__

    family = "focal" if verdict == "better" else "baseline"
    ranked = best_settings(trials[trials["method"].map(lambda m: METHODS[m].family) == family], plan.metric)
    (method, library, settings), row = next(iter(ranked.iterrows()))
    config = int(row["config"])
    chosen = json.loads(settings)
    codes, K = plan.target.codes, plan.target.n_classes
    rounds = max(1, int(row["rounds"]))
    booster = library_params(
        library, chosen["booster"], n_estimators=rounds, n_jobs=plan.n_jobs, seed=plan.random_state
    )
    booster.pop("n_jobs")
    card = METHODS[method].recommendation(library, dict(chosen["loss"]), booster, plan.target, plan.sample_weight)
    counts = plan.target.class_counts()
    if plan.target.multilabel:
        minority = np.minimum(counts, codes.shape[0] - counts)
        imbalance = {
            "n_rows": int(codes.shape[0]),
            "positives": {str(c): int(n) for c, n in zip(plan.target.classes, counts, strict=True)},
            "positive_rate": {
                str(c): float(n / codes.shape[0]) for c, n in zip(plan.target.classes, counts, strict=True)
            },
            "imbalance_ratio": float(np.max((codes.shape[0] - minority) / minority)),
        }
    else:
        imbalance = {
            "n_rows": int(codes.shape[0]),
            "class_counts": {str(c): int(n) for c, n in zip(plan.target.classes, counts, strict=True)},
            "positive_rate": float(counts[1] / counts.sum()) if K == 2 else None,
            "imbalance_ratio": float(counts.max() / counts.min()),
        }
    return {
        "schema": SCHEMA_VERSION,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "boostfocal_version": __version__,
        "choice": family,
        "method": method,
        "library": library,
        "estimator": card.estimator,
        "estimator_params": card.estimator_params,
        "loss": card.loss,
        "config": config,
        "searcher": plan.searcher,
        "inner_validation_score": float(row["valid_score"]),
        "inner_validation_folds": int(row["n_folds"]),
        "metric": plan.metric,
        "task": plan.target.task,
        "imbalance": imbalance,
        "threshold_at_precision": _threshold(plan, pooled, (method, library)),
        "verdict": verdict,
        "focal_minus_best_baseline": comparison.to_dict(),
        "why": (
            f"focal minus best baseline in {plan.metric}: {comparison.mean:+.4f} "
            f"[{comparison.ci_low:+.4f}, {comparison.ci_high:+.4f}] ({plan.confidence:.0%} corrected resampled t, "
            f"{plan.cv} folds x {plan.repeats} repeats): {verdict}. "
            + (
                "Focal loss is recommended."
                if family == "focal"
                else "The baseline is recommended (focal loss did not show a significant gain)."
            )
            + (_baselines_sentence(method, library, baselines, plan.metric) if family == "baseline" else "")
            + f" Configuration chosen by its mean inner-validation {plan.metric}; rounds: the median "
            "early-stopped round count over the folds."
        ),
    }


@dataclass
class CompareResult:
    """What :func:`compare` found. See :func:`compare` for the attributes."""

    task: str
    n_rows: int
    n_features: int
    classes: list[Any]  # multi-label: the label names
    class_counts: list[int]  # multi-label: positive rows per label
    positive: Any
    metric: str
    plan: Plan = field(repr=False)
    fold_scores: Any = field(repr=False)
    trials: Any = field(repr=False)
    differences: Any = field(repr=False)
    summary: dict[tuple[str, str], dict[str, Interval]] = field(repr=False)
    comparison: Interval = field(repr=False)
    verdict_code: str = field(repr=False)
    recommended: dict[str, Any] = field(repr=False)
    pooled: dict[tuple[str, str], dict[str, NDArray]] = field(repr=False)
    n_train: float = field(repr=False)
    n_test: float = field(repr=False)
    seconds: float = field(repr=False)

    @property
    def verdict(self) -> str:
        """``"focal is better"``, ``"focal is worse"`` or ``"no significant difference"`` (from the interval)."""
        return _VERDICT_WORDS[self.verdict_code]

    @property
    def notes(self) -> list[str]:
        """What was changed in the data (categoricals, dropped columns, subsampling, ...)."""
        return list(self.plan.notes)

    @property
    def positive_rate(self) -> float | dict[str, float] | None:
        """Binary: the share of positive rows; multi-label: ``{label: share of its positive rows}``; else None."""
        if self.task == "multilabel":
            return {str(c): float(n / self.n_rows) for c, n in zip(self.classes, self.class_counts, strict=True)}
        return float(self.class_counts[1] / sum(self.class_counts)) if self.task == "binary" else None

    def table(self) -> Any:
        """One row per (method, library): the mean and interval of every metric over the outer folds,
        the mean fit seconds of one configuration, and how often each family's pick chose it."""
        import pandas as pd

        rows = []
        for (method, library), scores in self.summary.items():
            row: dict[str, Any] = {"method": method, "library": library, "family": METHODS[method].family}
            for m, iv in scores.items():
                row[m], row[f"{m}_low"], row[f"{m}_high"] = iv.mean, iv.ci_low, iv.ci_high
            t = self.trials[(self.trials["method"] == method) & (self.trials["library"] == library)]
            row["fit_seconds"] = float(t["fit_seconds"].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def method_params(self, method: str, library: str) -> dict[str, Any]:
        """The configuration of ``method`` with the best mean inner-validation score, and its search space."""
        t = self.trials[(self.trials["method"] == method) & (self.trials["library"] == library)]
        (_, _, settings), best = next(iter(best_settings(t, self.metric).iterrows()))
        chosen = json.loads(settings)
        space = METHODS[method].search_space(self.plan.space, self.task)
        return {
            "best_config": int(best["config"]),
            "loss": chosen["loss"],
            "booster": chosen["booster"],
            "inner_validation_score": float(best["valid_score"]),
            "search_space": space,
        }

    def to_dict(self) -> dict[str, Any]:
        """The content of ``results.json`` (schema in docs/guide/compare.md)."""
        methods = []
        for (method, library), scores in self.summary.items():
            t = self.trials[(self.trials["method"] == method) & (self.trials["library"] == library)]
            methods.append(
                {
                    "name": method,
                    "library": library,
                    "family": METHODS[method].family,
                    "params": self.method_params(method, library),
                    "scores": {m: iv.to_dict() for m, iv in scores.items()},
                    "fit_seconds": float(t["fit_seconds"].mean()),
                    "total_fit_seconds": float(t["fit_seconds"].sum()),
                }
            )
        p = self.plan
        d = self.differences
        return {
            "schema": SCHEMA_VERSION,
            "task": self.task,
            "n_rows": self.n_rows,
            "n_features": self.n_features,
            "classes": [str(c) for c in self.classes],
            "class_counts": self.class_counts,
            "positive_rate": self.positive_rate,
            "metric": self.metric,
            "precision_for_recall": p.precision,
            "settings": {
                "library": p.library,
                "cv": p.cv,
                "repeats": p.repeats,
                "budget": p.budget,
                "n_estimators": p.n_estimators,
                "early_stopping_rounds": p.patience,
                "random_state": p.random_state,
                "n_jobs": p.n_jobs,
                "quick": p.quick,
                "confidence": p.confidence,
                "searcher": p.searcher,
            },
            "notes": self.notes,
            "methods": methods,
            "comparison": {
                "focal_minus_best_baseline": self.comparison.to_dict(),
                "verdict": self.verdict_code,
                "interval": "Nadeau-Bengio corrected resampled t (variance factor 1/J + n_test/n_train)",
                "n_folds": int(d.shape[0]),
                "n_train": self.n_train,
                "n_test": self.n_test,
                "per_fold": [
                    {
                        "repeat": int(row.repeat) + 1,  # files number from 1, as the console
                        "fold": int(row.fold) + 1,
                        "focal": f"{row.focal_method} ({row.focal_library})",
                        "baseline": f"{row.baseline_method} ({row.baseline_library})",
                        "difference": float(row.difference),
                    }
                    for row in d.itertuples()
                ],
            },
            "seconds": self.seconds,
        }

    def preparation_record(self) -> dict[str, Any]:
        """The content of ``preparation.json``: the feature preparation, the target encoding and the
        weight column, which ``boostfocal fit`` / ``predict`` replay (see :meth:`fit_recommended`)."""
        prep = self.plan.preparation
        return {
            **prep.to_dict(),
            "encoding": self.plan.target.record(list(prep.target)),
            "drop_missing_target": self.plan.drop_missing_target,
        }

    def fit_recommended(self, X: Any, y: Any, *, sample_weight: Any = None) -> Any:
        """The recommended configuration trained on all rows of ``X``, ``y``: a fitted scikit-learn
        ``Pipeline`` (the study's preparation, then the estimator).

        ``X`` holds the study's feature columns (others are ignored; a missing one is a ``ValueError``
        naming it); ``y`` the labels, encoded as the study encoded its target (binary: the positive
        class is the second column of ``predict_proba``). ``predict_posterior(X)`` gives posterior
        estimates (focal probabilities mapped back; class weights undone), ``predict(X)`` the label of
        the largest one. The rounds are the study's (the median early-stopped round count).
        """
        from ._model import fit_pipeline  # scikit-learn's Pipeline: imported when used

        return fit_pipeline(
            self.recommended, self.plan.preparation, self.plan.target.record(list(self.plan.preparation.target)),
            X, y, sample_weight,
        )  # fmt: skip

    def save(self, path: str | Path, *, overwrite: bool = False) -> list[Path]:
        """Write ``report.html``, ``report.md``, ``results.json``, ``recommended.json``,
        ``preparation.json`` and ``fold_scores.csv`` into the folder ``path`` (created; an existing non-empty folder
        needs ``overwrite=True``). Returns the paths written."""
        return write_report(self, Path(path), overwrite=overwrite)
