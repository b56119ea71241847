"""Running a study: every method's search in every outer fold, the fold scores, the paired
differences, and their summary as a :class:`._result.CompareResult` (the protocol is in
:func:`boostfocal.compare`)."""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._data import iter_splits
from ._journal import Journal
from ._methods import METHODS, FitData, Fitted, centre_trial, fit_method, suggest
from ._metrics import BOUNDS, HIGHER_IS_BETTER, METRICS, RANKING_METRICS, score_all, score_one
from ._plan import Plan
from ._progress import progress_bar
from ._result import CompareResult, recommend
from ._space import library_params
from ._stats import Interval, corrected_t_interval, verdict_from_interval

__all__ = ["run_study"]


#: ``extra_scores(test_labels, proba, posterior) -> {column: value}``: more fold-score columns.
ExtraScores = Callable[[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]], dict[str, float]]


def _oriented(score: float, metric: str) -> float:
    return score if HIGHER_IS_BETTER[metric] else -score


class _Search:
    """The configurations of one method in one outer fold: the seeded random draws shared by every
    fold (``searcher="random"``), or an Optuna TPE study of its own (``searcher="tpe"``), started
    from the same first configuration and told each inner-validation score."""

    def __init__(self, plan: Plan, method: str, library: str, repeat: int, fold: int) -> None:
        self.plan, self.method = plan, method
        self.study: Any = None
        self.trial: Any = None
        if plan.searcher == "tpe":
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            key = [plan.random_state, 4, zlib.crc32(method.encode()), zlib.crc32(library.encode()), repeat, fold]
            seed = int(np.random.SeedSequence(key).generate_state(1)[0])
            startup = max(1, min(10, plan.budget // 2))  # random draws before TPE models the scores
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
            self.study = optuna.create_study(direction="maximize", sampler=sampler)
            self.study.enqueue_trial(centre_trial(method, plan.space, plan.target.loss_classes))

    def ask(self, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.study is None:
            return dict(self.plan.boosters[i]), dict(self.plan.loss_params[self.method][i])
        self.trial = self.study.ask()
        return suggest(self.trial, self.method, self.plan.space, self.plan.target.loss_classes)

    def tell(self, value: float) -> None:
        """``value``: the inner-validation score, oriented so that higher is better."""
        if self.study is not None:
            self.study.tell(self.trial, value)


@dataclass
class _Records:
    """What the outer folds leave: the rows of the result's tables and the pooled predictions."""

    plan: Plan
    after_fit: Callable[[int], bool] | None = None  # told the fits done after each; True stops the study
    test_codes: NDArray[np.intp] | None = None  # the labels the outer test folds are scored on (None: the plan's)
    extra_scores: ExtraScores | None = None  # more columns of the fold scores, from the test labels and predictions
    done: int = 0
    folds: list[dict[str, Any]] = field(default_factory=list)
    trials: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    train_sizes: list[int] = field(default_factory=list)
    test_sizes: list[int] = field(default_factory=list)
    pooled: dict[tuple[str, str], dict[str, NDArray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, K = self.plan.target.codes.shape[0], self.plan.target.n_classes
        self.pooled = {run: {"proba": np.zeros((n, K)), "posterior": np.zeros((n, K))} for run in self.plan.runs}

    def mark(self) -> tuple[int, int, int]:
        return len(self.folds), len(self.trials), len(self.diffs)

    def since(self, mark: tuple[int, int, int], r: int, k: int, te: NDArray[np.intp]) -> dict[str, Any]:
        """What outer fold ``(r, k)`` added since ``mark``, as JSON (the work file's line)."""
        pooled = {}
        if r == 0:
            pooled = {
                f"{m}|{lib}": {key: a[te].tolist() for key, a in self.pooled[(m, lib)].items()}
                for m, lib in self.plan.runs
            }
        return {
            "repeat": r,
            "fold": k,
            "folds": self.folds[mark[0] :],
            "trials": self.trials[mark[1] :],
            "diffs": self.diffs[mark[2] :],
            "sizes": [self.train_sizes[-1], self.test_sizes[-1]],
            "pooled": pooled,
        }

    def restore(self, kept: dict[str, Any], te: NDArray[np.intp]) -> None:
        """Replay a fold kept in the work file (see :meth:`since`)."""
        self.folds += kept["folds"]
        self.trials += kept["trials"]
        self.diffs += kept["diffs"]
        self.train_sizes.append(kept["sizes"][0])
        self.test_sizes.append(kept["sizes"][1])
        for key, arrays in kept["pooled"].items():
            method, library = key.split("|")
            for name, values in arrays.items():
                self.pooled[(method, library)][name][te] = np.asarray(values, dtype=np.float64)
        self.done += len(kept["trials"])


def _search(
    plan: Plan, method: str, library: str, r: int, k: int, data: FitData, records: _Records, bar: Any
) -> tuple[float, int, Fitted, float, str]:
    """Every configuration of ``method`` in outer fold ``(r, k)``; the best by inner-validation score:
    ``(score, config, fitted, fit seconds, params)``."""
    best: tuple[float, int, Fitted, float, str] | None = None
    search = _Search(plan, method, library, r, k)
    for i in range(plan.budget):
        booster, loss_params = search.ask(i)
        params = json.dumps({"booster": booster, "loss": loss_params}, sort_keys=True)
        kwargs = library_params(
            library, booster, n_estimators=plan.n_estimators, n_jobs=plan.n_jobs, seed=plan.random_state
        )
        t0 = time.perf_counter()
        fitted = fit_method(
            method,
            library,
            loss_params,
            kwargs,
            X_train=data.X_train,
            y_train=data.y_train,
            w_train=data.w_train,
            X_valid=data.X_valid,
            y_valid=data.y_valid,
            w_valid=data.w_valid,
            n_classes=data.n_classes,
            patience=data.patience,
            multilabel=data.multilabel,
        )
        seconds = time.perf_counter() - t0
        proba = fitted.proba(data.X_valid)
        post = proba if plan.metric in RANKING_METRICS else fitted.posterior(data.X_valid, proba)
        score = score_one(plan.metric, data.y_valid, proba, post, precision=plan.precision, sample_weight=data.w_valid)
        records.trials.append(
            {
                "method": method,
                "library": library,
                "repeat": r,
                "fold": k,
                "config": i,
                "valid_score": score,
                "best_iteration": fitted.best_iteration,
                "fit_seconds": seconds,
                "params": params,
            }
        )
        search.tell(_oriented(score, plan.metric))
        if best is None or _oriented(score, plan.metric) > _oriented(best[0], plan.metric):
            best = (score, i, fitted, seconds, params)
        bar.update(1)
        records.done += 1
        if records.after_fit is not None and records.after_fit(records.done):
            raise KeyboardInterrupt  # here, between two fits, not inside a library's callback
    assert best is not None  # budget >= 1
    return best


def _outer_fold(plan: Plan, r: int, k: int, rows: tuple[NDArray[np.intp], ...], records: _Records, bar: Any) -> None:
    """Every method of outer fold ``(r, k)``: its best configuration scored on the test fold, and the
    paired difference of the best focal and the best baseline, both picked on the inner validation."""
    tr, te, itr, iva = rows
    codes, w_all = plan.target.codes, plan.sample_weight
    records.train_sizes.append(tr.shape[0])
    records.test_sizes.append(te.shape[0])
    X_te = plan.X.iloc[te]
    y_te = (codes if records.test_codes is None else records.test_codes)[te]
    w_te = None if w_all is None else w_all[te]
    data = FitData(
        plan.X.iloc[itr],
        codes[itr],
        None if w_all is None else w_all[itr],
        plan.X.iloc[iva],
        codes[iva],
        None if w_all is None else w_all[iva],
        plan.target.n_classes,
        plan.patience,
        plan.target.multilabel,
    )
    chosen: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}
    for method, library in plan.runs:
        bar.set_postfix_str(f"repeat {r + 1} fold {k + 1} {library} {method}", refresh=False)
        score_va, i_best, fitted, seconds, params = _search(plan, method, library, r, k, data, records, bar)
        proba = fitted.proba(X_te)
        post = fitted.posterior(X_te, proba)
        scores = score_all(y_te, proba, post, precision=plan.precision, sample_weight=w_te)
        bad = [m for m, v in scores.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(
                f"{method} ({library}) scored {bad} as NaN on outer fold {k + 1} of repeat {r + 1}: "
                "a class has zero total sample weight there"
            )
        if records.extra_scores is not None:
            scores = {**scores, **records.extra_scores(y_te, proba, post)}
        if r == 0:
            records.pooled[(method, library)]["proba"][te] = proba
            records.pooled[(method, library)]["posterior"][te] = post
        records.folds.append(
            {
                "method": method,
                "library": library,
                "family": METHODS[method].family,
                "repeat": r,
                "fold": k,
                "config": i_best,
                "valid_score": score_va,
                **scores,
                "best_iteration": fitted.best_iteration,
                "fit_seconds": seconds,
                "params": params,
            }
        )
        chosen[(method, library)] = (score_va, scores)
        del fitted
    row: dict[str, Any] = {"repeat": r, "fold": k}
    for fam in ("focal", "baseline"):
        cands = [run for run in plan.runs if METHODS[run[0]].family == fam]
        pick = max(cands, key=lambda run: _oriented(chosen[run][0], plan.metric))
        row[f"{fam}_method"], row[f"{fam}_library"] = pick
        row[f"{fam}_score"] = chosen[pick][1][plan.metric]
    row["difference"] = row["focal_score"] - row["baseline_score"]
    records.diffs.append(row)


def run_study(
    plan: Plan,
    *,
    after_fit: Callable[[int], bool] | None = None,
    test_codes: NDArray[np.intp] | None = None,
    extra_scores: ExtraScores | None = None,
    journal: Journal | None = None,
) -> CompareResult:
    """Run a validated :class:`._plan.Plan` and summarise it.

    ``after_fit``: called after every fit with the number of fits done (of ``plan.n_fits``); True
    raises ``KeyboardInterrupt`` there (the command line turns Ctrl-C into this, so that the
    interruption never lands inside a booster's callback, and prints its time estimate from it).
    ``journal``: the work file (:mod:`._journal`): folds it holds are replayed, not fitted, and every
    fold fitted here is kept in it as it ends.

    ``test_codes`` (class codes, one per row of the plan, binary or multiclass): the labels the outer
    test folds are scored on, when they differ from the labels that train, stop early and choose the
    configurations (a label-noise study trains on noisy labels and scores on clean ones:
    ``benchmarks/conditions.py``); the folds stay stratified on the plan's labels. None: the plan's.
    ``extra_scores(test_labels, proba, posterior)``: more columns of ``fold_scores`` per method and
    outer fold (for example a calibration error of the raw probabilities).
    """
    if test_codes is not None:
        test_codes = np.asarray(test_codes)
        codes, K = plan.target.codes, plan.target.n_classes
        if plan.target.multilabel or test_codes.shape != codes.shape:
            raise ValueError(f"test_codes must have the shape of the class codes {codes.shape}, got {test_codes.shape}")
        if not np.issubdtype(test_codes.dtype, np.integer) or test_codes.min() < 0 or test_codes.max() >= K:
            raise ValueError(f"test_codes must be integer class codes in [0, {K - 1}], got {test_codes.dtype} values")
    records = _Records(plan, after_fit, test_codes, extra_scores)
    bar = progress_bar(plan.n_fits, enabled=plan.progress)
    t_start = time.perf_counter()
    try:
        for r, k, tr, te, itr, iva in iter_splits(plan.target, plan.cv, plan.repeats, plan.random_state):
            # one fold's rows (one copy of X) and its models go before the next fold's are sliced: at most one
            # fold copy of X is alive (measured with tracemalloc, 100k x 30 float32: peak 3.1 -> 2.1 x X)
            kept = None if journal is None else journal.finished(r, k)
            if kept is not None:
                records.restore(kept, te)
                bar.update(len(kept["trials"]))
                continue
            mark = records.mark()
            _outer_fold(plan, r, k, (tr, te, itr, iva), records, bar)
            if journal is not None:
                journal.record(records.since(mark, r, k, te))
    finally:
        bar.close()
    return _summarise(records, time.perf_counter() - t_start)


def _summarise(records: _Records, elapsed: float) -> CompareResult:
    import pandas as pd

    plan = records.plan
    folds, trials, diffs = (pd.DataFrame(rows) for rows in (records.folds, records.trials, records.diffs))
    n_train, n_test = float(np.mean(records.train_sizes)), float(np.mean(records.test_sizes))
    summary: dict[tuple[str, str], dict[str, Interval]] = {}
    for run in plan.runs:
        sub = folds[(folds["method"] == run[0]) & (folds["library"] == run[1])]
        summary[run] = {}
        for m in METRICS:
            iv = corrected_t_interval(sub[m].to_numpy(), n_train=n_train, n_test=n_test, confidence=plan.confidence)
            low, high = BOUNDS[m]  # a score's interval stays inside the metric's range
            summary[run][m] = Interval(iv.mean, max(iv.ci_low, low), min(iv.ci_high, high))
    comparison = corrected_t_interval(
        diffs["difference"].to_numpy(), n_train=n_train, n_test=n_test, confidence=plan.confidence
    )
    verdict = verdict_from_interval(comparison, higher_is_better=HIGHER_IS_BETTER[plan.metric])
    baselines = {}  # per library: weighted_log_loss minus log_loss, paired by outer fold
    for library in {lib for _, lib in plan.runs}:
        pair = [
            folds[(folds["method"] == m) & (folds["library"] == library)] for m in ("weighted_log_loss", "log_loss")
        ]
        if all(len(p) for p in pair):
            d = pair[0][plan.metric].to_numpy() - pair[1][plan.metric].to_numpy()  # both in fold order
            baselines[library] = corrected_t_interval(d, n_train=n_train, n_test=n_test, confidence=plan.confidence)
    return CompareResult(
        task=plan.target.task,
        n_rows=int(plan.target.codes.shape[0]),
        n_features=int(plan.X.shape[1]),
        classes=list(plan.target.classes),
        class_counts=plan.target.class_counts().tolist(),
        positive=plan.target.positive,
        metric=plan.metric,
        plan=plan,
        fold_scores=folds,
        trials=trials,
        differences=diffs,
        summary=summary,
        comparison=comparison,
        verdict_code=verdict,
        recommended=recommend(plan, trials, verdict, comparison, baselines=baselines, pooled=records.pooled),
        pooled=records.pooled,
        n_train=n_train,
        n_test=n_test,
        seconds=elapsed,
    )
