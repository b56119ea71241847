r"""The study: focal loss against log loss and class-weighted log loss, tuned alike, on repeated CV.

See :func:`compare` for the protocol; :mod:`._space` for the search space, :mod:`._stats`
for the intervals and the verdict.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import numbers
import time
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._data import (
    Target,
    check_multilabel_splits,
    iter_splits,
    iterative_stratification,
    min_class_rows,
    prepare_features,
    prepare_target,
)
from ._methods import (
    DEFAULT_METHODS,
    FAMILY,
    LIBRARIES,
    METHODS,
    Fitted,
    balanced_weights,
    fit_method,
    positive_weights,
    uses_focal_estimator,
)
from ._metrics import BOUNDS, HIGHER_IS_BETTER, METRICS, RANKING_METRICS, score_all, score_one
from ._progress import progress_bar
from ._space import FocalSpace, booster_configs, centre_trial, library_params, loss_configs, suggest
from ._stats import Interval, corrected_t_interval, verdict_from_interval

__all__ = ["compare", "CompareResult", "Plan", "plan_study", "run_study", "SCHEMA_VERSION"]

#: Version of the ``results.json`` / ``recommended.json`` layout (see the README).
SCHEMA_VERSION = 1
#: Settings of ``quick=True`` (each applies only where the argument is left at None).
QUICK = {"cv": 3, "repeats": 1, "budget": 4, "n_estimators": 200, "early_stopping_rounds": 20}
DEFAULTS = {"cv": 5, "repeats": 2, "budget": 20, "n_estimators": 500, "early_stopping_rounds": 30}
_VERDICT_WORDS = {
    "better": "focal is better",
    "worse": "focal is worse",
    "no significant difference": "no significant difference",
}


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    if int(value) < low or (high is not None and int(value) > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {rng}, got {value!r}")
    return int(value)


@dataclass
class Plan:
    """Everything :func:`run_study` needs, validated (no training has happened yet)."""

    X: Any  # pandas DataFrame
    target: Target
    sample_weight: NDArray[np.float64] | None
    runs: list[tuple[str, str]]  # (method, library), in report order
    cv: int
    repeats: int
    budget: int
    n_estimators: int
    patience: int
    random_state: int
    n_jobs: int
    metric: str
    precision: float
    confidence: float
    focal_space: FocalSpace
    boosters: list[dict[str, float | int]]
    loss_params: dict[str, list[dict[str, Any]]]
    notes: list[str]
    progress: bool
    quick: bool
    library: str
    searcher: str = "random"

    @property
    def n_fits(self) -> int:
        return len(self.runs) * self.budget * self.cv * self.repeats


def _stratified_subsample(target: Target, n: int, seed: int) -> NDArray[np.intp]:
    codes = target.codes
    rng = np.random.default_rng([seed, 3])
    if target.multilabel:
        share = n / codes.shape[0]
        return np.flatnonzero(iterative_stratification(codes, [share, 1.0 - share], rng) == 0)
    keep = []
    for k in np.unique(codes):
        idx = np.flatnonzero(codes == k)
        keep.append(rng.choice(idx, size=max(1, round(idx.shape[0] * n / codes.shape[0])), replace=False))
    return np.sort(np.concatenate(keep))


def plan_study(
    X: Any,
    y: Any,
    *,
    library: str = "xgboost",
    cv: int | None = None,
    repeats: int | None = None,
    budget: int | None = None,
    random_state: int = 0,
    n_jobs: int = 1,
    metric: str = "average_precision",
    methods: Sequence[str] | None = None,
    quick: bool = False,
    progress: bool = True,
    sample_weight: Any = None,
    positive: Any = None,
    precision: float = 0.9,
    focal_gamma: Any = (0.25, 5.0),
    focal_alpha: Any = (None, (0.1, 0.9), "balanced"),
    n_estimators: int | None = None,
    early_stopping_rounds: int | None = None,
    max_rows: int | None = None,
    drop_missing_target: bool = False,
    confidence: float = 0.95,
    notes: Sequence[str] = (),
    target_name: str = "y",
    cli: bool = False,
    searcher: str = "random",
) -> Plan:
    """Validate every argument and the data (see :func:`compare`); trains nothing."""
    import importlib.util

    if not isinstance(quick, (bool, np.bool_)):
        raise TypeError(f"quick must be True or False, got {quick!r}")
    base = QUICK if quick else DEFAULTS
    cv = _check_int("cv", base["cv"] if cv is None else cv, 2, 100)
    repeats = _check_int("repeats", base["repeats"] if repeats is None else repeats, 1, 100)
    budget = _check_int("budget", base["budget"] if budget is None else budget, 1, 10_000)
    n_est = _check_int("n_estimators", base["n_estimators"] if n_estimators is None else n_estimators, 1)
    patience = base["early_stopping_rounds"] if early_stopping_rounds is None else early_stopping_rounds
    patience = _check_int("early_stopping_rounds", patience, 1)
    random_state = _check_int("random_state", random_state, 0, 2**32 - 1)
    n_jobs = _check_int("n_jobs", n_jobs, 1, 1024)
    if max_rows is not None:
        max_rows = _check_int("max_rows", max_rows, 10)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if isinstance(precision, bool) or not isinstance(precision, numbers.Real) or not 0.0 < precision < 1.0:
        raise ValueError(f"precision must be a number in (0, 1), got {precision!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence!r}")
    if library not in (*LIBRARIES, "both"):
        raise ValueError(f"library must be 'xgboost', 'lightgbm' or 'both', got {library!r}")
    libraries = list(LIBRARIES) if library == "both" else [library]
    for lib in libraries:
        if importlib.util.find_spec(lib) is None:
            raise ValueError(f"library={library!r} needs {lib}, which is not installed (pip install {lib})")
    if methods is None:
        method_list = list(DEFAULT_METHODS)
    else:
        if isinstance(methods, str) or not isinstance(methods, Sequence):
            raise TypeError(f"methods must be a sequence of method names, got {methods!r}")
        method_list = list(dict.fromkeys(methods))
        unknown = [m for m in method_list if m not in METHODS]
        if unknown:
            raise ValueError(f"unknown method(s) {unknown!r}; methods are {list(METHODS)}")
    families = {FAMILY[m] for m in method_list}
    if families != {"baseline", "focal"}:
        raise ValueError(
            f"methods must hold at least one baseline (log_loss, weighted_log_loss) and one focal method, "
            f"got {method_list!r}"
        )
    space = FocalSpace.checked(focal_gamma, focal_alpha)
    if searcher not in ("random", "tpe"):
        raise ValueError(f"searcher must be 'random' or 'tpe', got {searcher!r}")
    if searcher == "tpe" and importlib.util.find_spec("optuna") is None:
        raise ValueError("searcher='tpe' needs optuna, which is not installed (pip install optuna)")
    if not isinstance(drop_missing_target, (bool, np.bool_)):
        raise TypeError(f"drop_missing_target must be True or False, got {drop_missing_target!r}")

    frame, feature_notes = prepare_features(X)
    n_y = len(y) if hasattr(y, "__len__") else np.asarray(y).shape[0]
    if n_y != frame.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {frame.shape[0]} and {n_y}")
    target = prepare_target(y, positive=positive, drop_missing=drop_missing_target, name=target_name)
    warning = target.majority_warning()
    if warning and not cli:
        warnings.warn(warning.removeprefix("warning: "), UserWarning, stacklevel=3)
    all_notes = [*notes, *feature_notes, *target.notes]
    w = None
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape[0] != frame.shape[0]:
            raise ValueError(f"sample_weight must have one value per row ({frame.shape[0]}), got {w.shape[0]}")
        if not np.all(np.isfinite(w)):
            raise ValueError(f"sample_weight has {int((~np.isfinite(w)).sum())} missing or infinite value(s)")
        if np.any(w < 0):
            raise ValueError(f"sample_weight must be >= 0, got a minimum of {float(w.min())!r}")
    if target.keep is not None:
        frame = frame[target.keep]
        w = None if w is None else w[target.keep]
    if max_rows is not None and frame.shape[0] > max_rows:
        keep = _stratified_subsample(target, max_rows, random_state)
        option = "--max-rows" if cli else "max_rows"
        all_notes.append(f"{option}: stratified subsample of {keep.shape[0]:,} of {frame.shape[0]:,} rows")
        frame = frame.iloc[keep]
        target = target.subset(keep)
        w = None if w is None else w[keep]
    if hasattr(frame, "reset_index"):
        frame = frame.reset_index(drop=True)
    option = (lambda k: f"--cv {k}") if cli else (lambda k: f"cv={k}")
    need = min_class_rows(cv)
    if target.multilabel:
        Y = target.codes
        if w is not None:
            pos_w = w @ Y
            if np.any(pos_w <= 0) or np.any(w.sum() - pos_w <= 0):
                raise ValueError("sample_weight: every label needs a positive total weight of its 0 and of its 1 rows")
        positives = Y.sum(axis=0)
        minority = np.minimum(positives, Y.shape[0] - positives)
        j = int(minority.argmin())
        if minority[j] < need:
            workable = [k for k in range(2, cv) if min_class_rows(k) <= minority[j]]
            value = "positive" if positives[j] <= Y.shape[0] - positives[j] else "negative"
            hint = f"{option(workable[-1])} would work" if workable else "no number of folds works: add rows"
            raise ValueError(
                f"label {target.classes[j]!r} has {int(minority[j])} {value} row(s); {option(cv)} needs at least "
                f"{need} (one per test fold and two per training fold for the inner validation split); {hint}"
            )
        check_multilabel_splits(target, cv, repeats, random_state, option="--cv " if cli else "cv=")
    else:
        if w is not None:
            per_class = np.bincount(target.codes, weights=w, minlength=target.n_classes)
            if np.any(per_class <= 0):
                raise ValueError("sample_weight: every class needs a positive total weight")
        counts = np.bincount(target.codes, minlength=target.n_classes)
        rarest = int(counts.argmin())
        if counts[rarest] < need:
            workable = [k for k in range(2, cv) if min_class_rows(k) <= counts[rarest]]
            hint = (
                f"{option(workable[-1])} would work" if workable else "no number of folds works: add rows of that class"
            )
            raise ValueError(
                f"the rarest class {target.classes[rarest]!r} has {int(counts[rarest])} row(s); {option(cv)} needs at "
                f"least {need} (one per test fold and two per training fold for the inner validation split); {hint}"
            )
    runs = [(m, lib) for lib in libraries for m in method_list]
    boosters = booster_configs(budget, random_state)
    loss_params = {m: loss_configs(m, budget, random_state, target.loss_classes, space) for m in method_list}
    return Plan(
        frame,
        target,
        w,
        runs,
        cv,
        repeats,
        budget,
        n_est,
        patience,
        random_state,
        n_jobs,
        metric,
        float(precision),
        float(confidence),
        space,
        boosters,
        loss_params,
        all_notes,
        bool(progress),
        bool(quick),
        library,
        searcher,
    )


def _oriented(score: float, metric: str) -> float:
    return score if HIGHER_IS_BETTER[metric] else -score


def _valid_score(plan: Plan, fitted: Fitted, X: Any, y: NDArray[np.intp], w: NDArray | None) -> float:
    proba = fitted.proba(X)
    post = proba if plan.metric in RANKING_METRICS else fitted.posterior(X, proba)
    return score_one(plan.metric, y, proba, post, precision=plan.precision, sample_weight=w)


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
            self.study.enqueue_trial(centre_trial(method, plan.focal_space, plan.target.loss_classes))

    def ask(self, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.study is None:
            return dict(self.plan.boosters[i]), dict(self.plan.loss_params[self.method][i])
        self.trial = self.study.ask()
        return suggest(self.trial, self.method, self.plan.focal_space, self.plan.target.loss_classes)

    def tell(self, value: float) -> None:
        """``value``: the inner-validation score, oriented so that higher is better."""
        if self.study is not None:
            self.study.tell(self.trial, value)


def run_study(plan: Plan) -> CompareResult:
    """Run a validated :class:`Plan` and summarise it."""
    import pandas as pd

    codes = plan.target.codes
    n_rows = codes.shape[0]
    K = plan.target.n_classes
    w_all = plan.sample_weight
    fold_rows: list[dict[str, Any]] = []
    trial_rows: list[dict[str, Any]] = []
    diff_rows: list[dict[str, Any]] = []
    pooled: dict[tuple[str, str], dict[str, NDArray]] = {
        run: {"proba": np.zeros((n_rows, K)), "posterior": np.zeros((n_rows, K))} for run in plan.runs
    }
    train_sizes: list[int] = []
    test_sizes: list[int] = []
    bar = progress_bar(plan.n_fits, enabled=plan.progress)
    t_start = time.perf_counter()
    try:
        for r, k, tr, te, itr, iva in iter_splits(plan.target, plan.cv, plan.repeats, plan.random_state):
            train_sizes.append(tr.shape[0])
            test_sizes.append(te.shape[0])
            X_itr, X_iva, X_te = (plan.X.iloc[i] for i in (itr, iva, te))
            y_itr, y_iva, y_te = codes[itr], codes[iva], codes[te]
            w_itr, w_iva, w_te = (None if w_all is None else w_all[i] for i in (itr, iva, te))
            chosen: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}
            for method, library in plan.runs:
                best: tuple[float, int, Fitted, float, str] | None = None
                bar.set_postfix_str(f"repeat {r + 1} fold {k + 1} {library} {method}", refresh=False)
                search = _Search(plan, method, library, r, k)
                for i in range(plan.budget):
                    booster, loss_params = search.ask(i)
                    params = json.dumps({"booster": booster, "loss": loss_params}, sort_keys=True)
                    kwargs = library_params(
                        library,
                        booster,
                        n_estimators=plan.n_estimators,
                        n_jobs=plan.n_jobs,
                        seed=plan.random_state,
                    )
                    t0 = time.perf_counter()
                    fitted = fit_method(
                        method,
                        library,
                        loss_params,
                        kwargs,
                        X_train=X_itr,
                        y_train=y_itr,
                        w_train=w_itr,
                        X_valid=X_iva,
                        y_valid=y_iva,
                        w_valid=w_iva,
                        n_classes=K,
                        patience=plan.patience,
                        multilabel=plan.target.multilabel,
                    )
                    seconds = time.perf_counter() - t0
                    score = _valid_score(plan, fitted, X_iva, y_iva, w_iva)
                    trial_rows.append(
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
                assert best is not None
                score_va, i_best, fitted, seconds, params = best
                proba = fitted.proba(X_te)
                post = fitted.posterior(X_te, proba)
                scores = score_all(y_te, proba, post, precision=plan.precision, sample_weight=w_te)
                bad = [m for m, v in scores.items() if not math.isfinite(v)]
                if bad:
                    raise ValueError(
                        f"{method} ({library}) scored {bad} as NaN on outer fold {k} of repeat {r}: "
                        "a class has zero total sample weight there"
                    )
                if r == 0:
                    pooled[(method, library)]["proba"][te] = proba
                    pooled[(method, library)]["posterior"][te] = post
                fold_rows.append(
                    {
                        "method": method,
                        "library": library,
                        "family": FAMILY[method],
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
            # best focal / best baseline of this fold: chosen on the inner validation scores
            picks: dict[str, tuple[str, str]] = {}
            for fam in ("focal", "baseline"):
                cands = [run for run in plan.runs if FAMILY[run[0]] == fam]
                picks[fam] = max(cands, key=lambda run: _oriented(chosen[run][0], plan.metric))
            row: dict[str, Any] = {"repeat": r, "fold": k}
            for fam, run in picks.items():
                row[f"{fam}_method"], row[f"{fam}_library"] = run
                row[f"{fam}_score"] = chosen[run][1][plan.metric]
            row["difference"] = row["focal_score"] - row["baseline_score"]
            diff_rows.append(row)
            # the fold's rows (one copy of X) and its models go before the next fold's are sliced: at most
            # one fold copy of X is alive (measured with tracemalloc, 100k x 30 float32: peak 3.1 -> 2.1 x X)
            del X_itr, X_iva, X_te, fitted, best, search
    finally:
        bar.close()
    elapsed = time.perf_counter() - t_start
    return _summarise(
        plan,
        pd.DataFrame(fold_rows),
        pd.DataFrame(trial_rows),
        pd.DataFrame(diff_rows),
        pooled,
        float(np.mean(train_sizes)),
        float(np.mean(test_sizes)),
        elapsed,
    )


def _resolved_alpha(alpha: Any, codes: NDArray[np.intp], K: int, w: NDArray | None, beta: float) -> Any:
    if codes.ndim == 2 and isinstance(alpha, str):  # multi-label: the rule applied to every label, (K, 2) rows
        from .._core import class_balanced_alpha

        rows = []
        for label in codes.T:
            if alpha == "balanced":
                rows.append(balanced_weights(label, 2, w))
            else:
                rows.append(np.asarray(class_balanced_alpha(label, beta=beta, sample_weight=w)))
        return np.array(rows).tolist()
    if alpha == "balanced":
        return balanced_weights(codes, K, w).tolist()
    if alpha == "effective_number":
        from .._core import class_balanced_alpha

        return np.asarray(class_balanced_alpha(codes, beta=beta, num_class=K, sample_weight=w)).tolist()
    return alpha


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


def _recommend(plan: Plan, trials: Any, verdict: str, comparison: Interval) -> dict[str, Any]:
    """The configuration to use: from the focal methods if focal is better, else from the baselines;
    within them the (method, library, settings) with the best mean inner-validation score."""
    from .. import __version__
    from .._loss import FocalLoss

    family = "focal" if verdict == "better" else "baseline"
    ranked = best_settings(trials[trials["method"].map(FAMILY) == family], plan.metric)
    (method, library, settings), row = next(iter(ranked.iterrows()))
    config = int(row["config"])
    chosen = json.loads(settings)
    codes, K, w = plan.target.codes, plan.target.n_classes, plan.sample_weight
    multilabel = plan.target.multilabel
    rounds = max(1, int(row["rounds"]))
    booster = library_params(
        library, chosen["booster"], n_estimators=rounds, n_jobs=plan.n_jobs, seed=plan.random_state
    )
    booster.pop("n_jobs")
    params = dict(chosen["loss"])
    loss: dict[str, Any]
    focal_name = "FocalXGBClassifier" if library == "xgboost" else "FocalLGBMClassifier"
    if FAMILY[method] == "focal":
        estimator = focal_name
        alpha = _resolved_alpha(params.get("alpha"), codes, K, w, float(params.get("balance_beta", 0.999)))
        link = "multilabel" if multilabel else "sigmoid" if K == 2 else "softmax"
        num_class = K if multilabel or K > 2 else None
        loss = FocalLoss(gamma=params["gamma"], alpha=alpha, link=link, num_class=num_class).to_dict()
        estimator_params = {**booster, **params}
    elif multilabel:
        # module docstring of _methods: the focal estimator at gamma = 0 except XGBoost's native log loss
        estimator = focal_name if uses_focal_estimator(method, library, True) else "XGBClassifier"
        estimator_params = dict(booster)
        if method == "weighted_log_loss":
            pw = positive_weights(codes, w) ** float(params["class_weight_exponent"])
            alpha_rows = np.column_stack([np.ones(K), pw]).tolist()
            estimator_params.update({"gamma": 0.0, "alpha": alpha_rows})
            loss = {
                "loss": "class-weighted log loss",
                "positive_weights": dict(zip(plan.target.classes, pw.tolist(), strict=True)),
                **params,
                "how": f"{focal_name}(gamma=0, alpha=[[1, w_l] per label]): "
                "per label -(w_l y log p + (1 - y) log(1 - p))",
            }
        else:
            if estimator == "XGBClassifier":
                estimator_params["objective"] = "binary:logistic"  # with the (n, K) labels: multi-output
                how = "XGBClassifier(objective='binary:logistic') fitted on the (n, K) indicator"
            else:
                estimator_params["gamma"] = 0.0
                how = "FocalLGBMClassifier(gamma=0): LightGBM's binary log loss per label in one model"
            loss = {"loss": "log loss", "how": how}
    else:
        estimator = "XGBClassifier" if library == "xgboost" else "LGBMClassifier"
        estimator_params = dict(booster)
        if method == "weighted_log_loss":
            cw = balanced_weights(codes, K, w) ** float(params["class_weight_exponent"])
            if K == 2:
                cw = np.array([1.0, cw[1] / cw[0]])
                if library == "xgboost":
                    estimator_params["scale_pos_weight"] = float(cw[1])
            loss = {"loss": "class-weighted log loss", "class_weights": cw.tolist(), **params}
            if library == "lightgbm" or K > 2:
                loss["how"] = "fit(X, y, sample_weight=class_weights[y] * sample_weight)"
            else:
                loss["how"] = "scale_pos_weight = class_weights[1]"
        else:
            loss = {"loss": "log loss"}
    counts = plan.target.class_counts()
    if multilabel:
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
        "estimator": estimator,
        "estimator_params": estimator_params,
        "loss": loss,
        "config": config,
        "searcher": plan.searcher,
        "inner_validation_score": float(row["valid_score"]),
        "inner_validation_folds": int(row["n_folds"]),
        "metric": plan.metric,
        "task": plan.target.task,
        "imbalance": imbalance,
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
            + f" Configuration chosen by its mean inner-validation {plan.metric}; rounds: the median "
            "early-stopped round count over the folds."
        ),
    }


def _summarise(
    plan: Plan,
    folds: Any,
    trials: Any,
    diffs: Any,
    pooled: dict[tuple[str, str], dict[str, NDArray]],
    n_train: float,
    n_test: float,
    elapsed: float,
) -> CompareResult:
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
    recommended = _recommend(plan, trials, verdict, comparison)
    counts = plan.target.class_counts()
    return CompareResult(
        task=plan.target.task,
        n_rows=int(plan.target.codes.shape[0]),
        n_features=int(plan.X.shape[1]),
        classes=list(plan.target.classes),
        class_counts=counts.tolist(),
        positive=plan.target.positive,
        metric=plan.metric,
        plan=plan,
        fold_scores=folds,
        trials=trials,
        differences=diffs,
        summary=summary,
        comparison=comparison,
        verdict_code=verdict,
        recommended=recommended,
        pooled=pooled,
        n_train=n_train,
        n_test=n_test,
        seconds=elapsed,
    )


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
            row: dict[str, Any] = {"method": method, "library": library, "family": FAMILY[method]}
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
        space: dict[str, Any]
        if method == "log_loss":
            space = {}
        elif method == "weighted_log_loss" and self.task == "multilabel":
            space = {"positive_weight": "per label (n_neg / n_pos) ** t, t in [0, 1] (one t for every label)"}
        elif method == "weighted_log_loss":
            space = {"class_weight": "balanced ** t, t in [0, 1] (binary: scale_pos_weight in [1, n_neg / n_pos])"}
        else:
            space = self.plan.focal_space.describe()
            if method == "focal_effective_number":
                space = {"gamma": space["gamma"], "alpha": "effective_number", "balance_beta": [0.9, 0.9999]}
        return {
            "best_config": int(best["config"]),
            "loss": chosen["loss"],
            "booster": chosen["booster"],
            "inner_validation_score": float(best["valid_score"]),
            "search_space": space,
        }

    def to_dict(self) -> dict[str, Any]:
        """The content of ``results.json`` (schema in the README)."""
        methods = []
        for (method, library), scores in self.summary.items():
            t = self.trials[(self.trials["method"] == method) & (self.trials["library"] == library)]
            methods.append(
                {
                    "name": method,
                    "library": library,
                    "family": FAMILY[method],
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
                        "repeat": int(row.repeat),
                        "fold": int(row.fold),
                        "focal": f"{row.focal_method} ({row.focal_library})",
                        "baseline": f"{row.baseline_method} ({row.baseline_library})",
                        "difference": float(row.difference),
                    }
                    for row in d.itertuples()
                ],
            },
            "seconds": self.seconds,
        }

    def save(self, path: str | Path, *, overwrite: bool = False) -> list[Path]:
        """Write ``report.html``, ``report.md``, ``results.json``, ``recommended.json`` and
        ``fold_scores.csv`` into the folder ``path`` (created; an existing non-empty folder
        needs ``overwrite=True``). Returns the paths written."""
        from ._report import write_report

        return write_report(self, Path(path), overwrite=overwrite)


def compare(
    X: Any,
    y: Any,
    *,
    library: str = "xgboost",
    cv: int | None = None,
    repeats: int | None = None,
    budget: int | None = None,
    random_state: int = 0,
    n_jobs: int = 1,
    metric: str = "average_precision",
    methods: Sequence[str] | None = None,
    quick: bool = False,
    progress: bool = True,
    sample_weight: Any = None,
    positive: Any = None,
    precision: float = 0.9,
    focal_gamma: float | tuple[float, float] = (0.25, 5.0),
    focal_alpha: Sequence[Any] = (None, (0.1, 0.9), "balanced"),
    n_estimators: int | None = None,
    early_stopping_rounds: int | None = None,
    max_rows: int | None = None,
    drop_missing_target: bool = False,
    confidence: float = 0.95,
    searcher: str = "random",
) -> CompareResult:
    r"""Compare focal loss with log loss and class-weighted log loss on your data, honestly.

    Every method gets the same folds, the same number of configurations (``budget``) and the
    same booster settings: configuration ``i`` of every method uses booster draw ``i`` (learning
    rate, depth / leaves, minimum child weight, subsampling; common random numbers), plus its
    own loss parameters (none for log loss, the class weight, gamma and alpha for focal). The
    verdict comes from repeated stratified cross-validation (``cv`` folds x ``repeats``):

    1. in each outer training fold a stratified inner validation split (20 %) holds out rows
       for early stopping (on each method's own loss) and for choosing each method's
       configuration by ``metric``; the outer test fold informs no choice;
    2. the chosen model (the one fitted on the inner training part; no refit) scores the outer
       test fold: average precision (binary; multiclass the macro one-vs-rest AP), ROC AUC,
       recall at ``precision``, and Brier score and log loss of posterior estimates (focal
       probabilities through ``predict_posterior`` / :func:`boostfocal.focal_to_posterior`,
       class-weighted ones with the class weights undone);
    3. per fold, the best focal method and the best baseline are the ones with the better
       inner-validation score (across libraries when ``library="both"``), and their outer
       difference is one paired value; the mean of the J = cv x repeats values gets the
       Nadeau--Bengio corrected resampled t interval

       .. math::

           \bar d \pm t_{J-1}\,\sqrt{\left(\frac{1}{J} + \frac{n_{test}}{n_{train}}\right) s_d^2}

       which widens the naive interval for the overlap of the training sets; the verdict
       follows the interval (not the point estimate). Each method's mean gets the same
       interval.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Text columns become categorical, all-missing columns are dropped, date-times become
        seconds since 1970 (each said in ``notes``). Not modified.
    y : array-like of shape (n_samples,), or (n_samples, n_labels) for multi-label
        Class labels: binary or multiclass. A 2-D 0/1 (or bool) indicator with K >= 2
        columns (ndarray or DataFrame, whose column names are the label names) is a
        multi-label target (``task="multilabel"``): every label needs positive and negative
        rows, enough of each for ``cv``; the folds and inner splits come from label-wise
        iterative stratification (Sechidis et al., 2011); log loss is per-label binary log
        loss (XGBoost ``binary:logistic`` on the 2-D labels, LightGBM
        ``FocalLGBMClassifier(gamma=0)``), the class-weighted loss weighs each label's
        positives by ``(n_neg / n_pos)^t`` (the focal estimator at gamma 0 with alpha
        ``[[1, w_l], ...]``), focal methods fit the multi-label focal loss; every metric is
        the macro average over the labels of the per-label binary metric.
    library : {"xgboost", "lightgbm", "both"}, default="xgboost"
    cv, repeats, budget : int or None
        Outer folds (>= 2), repeats of the fold split (>= 1), configurations per method
        (>= 1). None: 5, 2, 20 (``quick``: 3, 1, 4).
    random_state : int, default=0
        Seeds the folds, the inner splits, the configuration draws and the boosters.
    n_jobs : int, default=1
        Threads of each booster (fits run one after another).
    metric : str, default="average_precision"
        The primary metric (configuration choice and verdict): ``"average_precision"``,
        ``"roc_auc"``, ``"recall_at_precision"``, ``"brier"`` or ``"log_loss"``.
    methods : sequence of str or None
        Among ``"log_loss"``, ``"weighted_log_loss"``, ``"focal"``, ``"focal_asymmetric"``,
        ``"focal_effective_number"``; at least one baseline and one focal method. None: the
        first three (each method costs ``budget x cv x repeats`` fits; the variants are opt-in).
    quick : bool, default=False
        A first look: cv 3, repeats 1, budget 4, at most 200 rounds, patience 20.
    progress : bool, default=True
        A progress bar with ETA on stderr (tqdm when installed).
    sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0, used in training, early stopping and every metric.
    positive : label, optional
        The class of interest: the problem becomes that class against the rest (1-D ``y`` only).
        None, for two classes: 1 for 0/1 labels, True for booleans (even when it is the
        majority), else the minority class; an exact tie takes the larger label in sorted
        order (scikit-learn's convention). A positive class in more than half of the rows
        gives a ``UserWarning`` (and a note): the metrics then measure the common class.
    precision : float in (0, 1), default=0.9
        The precision of the "recall at precision" metric.
    focal_gamma : float or (low, high), default=(0.25, 5.0)
        The gamma searched (log-uniform), or one fixed value (0 allowed).
    focal_alpha : sequence, default=(None, (0.1, 0.9), "balanced")
        The alpha choices: None, a number, a (low, high) range, "balanced", "effective_number".
    n_estimators, early_stopping_rounds : int or None
        Cap on the rounds and the early-stopping patience. None: 500 and 30 (quick: 200, 20).
    max_rows : int, optional
        Stratified subsample of that many rows first (said in ``notes``).
    drop_missing_target : bool, default=False
        Drop rows whose label is missing instead of refusing them.
    confidence : float, default=0.95
        Level of every interval.
    searcher : {"random", "tpe"}, default="random"
        ``"random"``: seeded random draws, the same ``budget`` configurations in every fold, and
        configuration ``i`` of every method with booster draw ``i`` (common random numbers).
        ``"tpe"``: Optuna's TPE sampler (needs ``optuna``), one seeded study per method and
        outer fold, started from the same first configuration; the booster draws are then
        no longer shared between methods.

    Returns
    -------
    CompareResult
        ``table()``: pandas DataFrame, one row per (method, library) with each metric's mean and
        interval (``<metric>``, ``<metric>_low``, ``<metric>_high``) and ``fit_seconds``.
        ``verdict``: "focal is better" / "focal is worse" / "no significant difference".
        ``comparison``: the :class:`Interval` of best focal minus best baseline (``mean``,
        ``ci_low``, ``ci_high``; in the metric's units, so negative is better for Brier / log loss).
        ``recommended``: dict, the chosen loss (``FocalLoss`` record or baseline), library,
        estimator and its parameters, imbalance, metric, verdict, date and why.
        ``fold_scores``: DataFrame with columns method, library, family, repeat, fold, config,
        valid_score, every metric, best_iteration, fit_seconds (one row per method and outer
        fold: paired across methods by (repeat, fold)). ``differences``: DataFrame per outer
        fold of the best focal / best baseline picks and their difference. ``trials``: every fit's
        inner-validation score. ``notes``: what was done to the data. ``to_dict()``: the
        ``results.json`` content; ``save(dir)``: the report files.

    Raises
    ------
    ValueError, TypeError
        Before any training, for any argument out of range or unusable data: one class, missing
        labels, a regression-like target, an unknown ``positive``, too few rows of a class for
        ``cv`` (the message says which ``cv`` would work), bad weights, ...

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=400, weights=[0.85], random_state=0)
    >>> result = compare(X, y, cv=2, repeats=1, budget=1, n_estimators=20, progress=False)
    >>> result.verdict in ("focal is better", "focal is worse", "no significant difference")
    True
    """
    plan = plan_study(
        X,
        y,
        library=library,
        cv=cv,
        repeats=repeats,
        budget=budget,
        random_state=random_state,
        n_jobs=n_jobs,
        metric=metric,
        methods=methods,
        quick=quick,
        progress=progress,
        sample_weight=sample_weight,
        positive=positive,
        precision=precision,
        focal_gamma=focal_gamma,
        focal_alpha=focal_alpha,
        n_estimators=n_estimators,
        early_stopping_rounds=early_stopping_rounds,
        max_rows=max_rows,
        drop_missing_target=drop_missing_target,
        confidence=confidence,
        searcher=searcher,
    )
    return run_study(plan)
