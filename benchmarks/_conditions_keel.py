r"""The KEEL part of ``benchmarks/conditions.py``: do the per-set differences follow the sets' properties?

Input: the 50-set results of ``benchmarks/keel.py`` (``results/keel_sets.csv``: per set and
library, focal minus log loss and focal minus class-weighted log loss, mean test AP over the
outer folds, with the Nadeau--Bengio corrected 95 % interval). Nothing is refitted.

Per set, four properties (:func:`set_properties`):

* ``log10 IR``: negatives per positive; ``log10 rows``; ``log10 dim``: feature columns after one-hot
  encoding of the categorical ones;
* ``N3+`` (the class-overlap measure): the share of the positives whose nearest neighbour among all
  other rows (Euclidean, every column scaled to unit variance) is a negative: the N3 measure of
  Ho and Basu (2002) / Lorena et al. (2019), the leave-one-out error of 1-NN, restricted to the
  minority class (over all rows it would be about the majority class at IR 40). 0: the positives
  sit among positives; 1: each one's nearest neighbour is a negative.

The model (:func:`meta_regression`): a random-effects meta-regression, the per-set difference
:math:`d_i = x_i^\top \beta + u_i + e_i` with :math:`e_i \sim N(0, v_i)` the set's own sampling
variance (its standard error from the corrected interval, :math:`v_i = (\text{half width} /
t_{J-1})^2`, the standard error floored at 0.01 (:data:`SE_FLOOR`): 9 to 12 of the 50 sets have a
standard error of 0 because both methods reach AP 1, or tie, on every fold, and inverse-variance
weights would let those sets alone decide the fit) and
:math:`u_i \sim N(0, \tau^2)` the heterogeneity left, :math:`\tau^2` by the method of moments
(DerSimonian--Laird for meta-regression). The weights are :math:`1 / (v_i + \tau^2)`: a set's
standard error weighs it. Power: the smallest slope each coefficient would detect with 80 %
power at the two-sided 5 % level, :math:`(z_{0.975} + z_{0.8})\,\mathrm{SE}(\hat\beta_j)`.
A sensitivity column refits with equal weights (every set the same variance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["set_properties", "n3_positive", "meta_regression", "MetaRegression", "keel_lines", "COVARIATES"]

COVARIATES = ("log10 IR", "log10 rows", "log10 dim", "N3+")
#: Floor of a set's standard error (AP units): below 0.01 it is an artefact of ties at the ceiling
#: (both methods at AP 1 on every fold give a standard error of 0), not precision.
SE_FLOOR = 0.01


def n3_positive(X: pd.DataFrame, y: NDArray) -> float:
    """Share of the positives (``y == 1``) whose nearest other row is a negative (scaled columns, one-hot)."""
    from sklearn.neighbors import NearestNeighbors

    Z = pd.get_dummies(X, dtype=np.float64).to_numpy(dtype=np.float64)
    sd = Z.std(axis=0)
    Z = (Z[:, sd > 0] - Z[:, sd > 0].mean(axis=0)) / sd[sd > 0]
    y = np.asarray(y)
    pos = np.flatnonzero(y == 1)
    nn = NearestNeighbors(n_neighbors=2).fit(Z)
    _, idx = nn.kneighbors(Z[pos])
    # the first neighbour is the row itself, unless a duplicate sits at distance 0: take the first other row
    other = np.where(idx[:, 0] == pos, idx[:, 1], idx[:, 0])
    return float(np.mean(y[other] == 0))


def set_properties(names: Sequence[str]) -> pd.DataFrame:
    """One row per KEEL set: rows, positives, imbalance, one-hot dimension, N3+ (loads each set)."""
    from boostfocal import datasets

    rows = []
    for name in names:
        X, y = datasets.load_keel(name)
        y = np.asarray(y)
        n_pos = int(y.sum())
        rows.append(
            {
                "dataset": name,
                "rows": len(y),
                "pos": n_pos,
                "IR": (len(y) - n_pos) / n_pos,
                "dim": pd.get_dummies(X).shape[1],
                "N3+": n3_positive(X, y),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class MetaRegression:
    names: tuple[str, ...]  #: intercept first
    beta: NDArray[np.float64]
    se: NDArray[np.float64]
    p: NDArray[np.float64]
    tau2: float
    q_residual: float
    k: int

    @property
    def detectable(self) -> NDArray[np.float64]:
        """The slope each coefficient detects with 80 % power (two-sided 5 %)."""
        from scipy.stats import norm

        return (norm.ppf(0.975) + norm.ppf(0.8)) * self.se


def meta_regression(d: NDArray, v: NDArray, X: NDArray, names: Sequence[str]) -> MetaRegression:
    r"""Random-effects meta-regression of ``d`` on ``X`` (an intercept is added) with sampling variances ``v``.

    .. math::

        Q_E = d^\top P d,\quad P = W - W X (X^\top W X)^{-1} X^\top W,\quad W = \mathrm{diag}(1/v),\quad
        \hat\tau^2 = \max\!\left(0, \frac{Q_E - (k - p)}{\operatorname{tr} P}\right),

    then weighted least squares with :math:`W^* = \mathrm{diag}(1 / (v + \hat\tau^2))`,
    :math:`\hat\beta = (X^\top W^* X)^{-1} X^\top W^* d`, :math:`\mathrm{Cov}(\hat\beta) =
    (X^\top W^* X)^{-1}`, two-sided z tests.
    """
    from scipy.stats import norm

    d, v = np.asarray(d, dtype=np.float64), np.asarray(v, dtype=np.float64)
    if np.any(v <= 0) or v.shape != d.shape:
        raise ValueError(f"v must hold one positive variance per difference, got shape {v.shape}, min {v.min()}")
    A = np.column_stack([np.ones(d.size), np.asarray(X, dtype=np.float64)])
    k, p = A.shape
    w = 1.0 / v
    M = np.linalg.inv(A.T @ (A * w[:, None]))
    resid = d - A @ (M @ (A.T @ (w * d)))  # the fixed-effects (tau^2 = 0) fit
    q = float(np.sum(w * resid**2))  # Q_E = d' P d
    trace_p = float(w.sum() - np.trace(M @ (A.T @ (A * (w**2)[:, None]))))
    tau2 = max(0.0, (q - (k - p)) / trace_p)
    ws = 1.0 / (v + tau2)
    cov = np.linalg.inv(A.T @ (A * ws[:, None]))
    beta = cov @ (A.T @ (ws * d))
    se = np.sqrt(np.diag(cov))
    pval = 2.0 * norm.sf(np.abs(beta / se))
    return MetaRegression(("intercept", *names), beta, se, pval, tau2, q, k)


def _n_folds(label: str) -> int:
    folds, repeats = label.split(" ")[0].split("x")
    return int(folds) * int(repeats)


def keel_lines(sets_csv: Path, props: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """The Markdown section and the coefficient table of the regressions (library x baseline)."""
    from scipy.stats import t as student

    sets = pd.read_csv(sets_csv).merge(props, on="dataset")
    X = np.column_stack([np.log10(sets["IR"]), np.log10(sets["rows"]), np.log10(sets["dim"]), sets["N3+"]])
    lines = [
        "## KEEL: do the per-set differences follow the sets' properties?",
        "",
        "Random-effects meta-regression of each set's mean AP difference (focal minus a baseline, from "
        "`keel_sets.csv`, the 50-set run of `benchmarks/keel.py`, budget 4) on log10 imbalance ratio, log10 rows, "
        "log10 one-hot dimension and **N3+** (the overlap measure: the share of positives whose nearest neighbour, "
        "columns scaled, is a negative; N3 of Ho & Basu restricted to the minority class), each set weighted by "
        f"1 / (its squared standard error, floored at {SE_FLOOR}, + tau^2); `benchmarks/_conditions_keel.py`. "
        "'detectable': the slope found with 80 % power (two-sided 5 %). Each baseline on its own: `keel_folds.csv` "
        "has no inner-validation scores, so the per-fold best baseline of the grid cannot be rebuilt there. "
        "Range over the 50 sets: "
        + ", ".join(
            f"{c} {lo:.2f} to {hi:.2f}" for c, lo, hi in zip(COVARIATES, X.min(axis=0), X.max(axis=0), strict=True)
        )
        + ".",
        "",
        "| library | focal minus | term | slope [95 % CI] | p | detectable (80 %) | equal weights: slope (p) |",
        "|---|---|---|---|---|---|---|",
    ]
    coef_rows = []
    for library in ("xgboost", "lightgbm"):
        s = sets[sets["library"] == library]
        Xl = X[(sets["library"] == library).to_numpy()]
        for base in ("log_loss", "weighted_log_loss"):
            pre = f"focal-{base}"
            J = s["folds"].map(_n_folds).to_numpy()
            se = (s[f"{pre}_high"] - s[f"{pre}_mean"]).to_numpy() / student.ppf(0.975, J - 1)
            d = s[f"{pre}_mean"].to_numpy()
            fit = meta_regression(d, np.maximum(se, SE_FLOOR) ** 2, Xl, COVARIATES)
            flat = meta_regression(d, np.full(d.size, float(np.mean(np.maximum(se, SE_FLOOR) ** 2))), Xl, COVARIATES)
            for j, term in enumerate(fit.names):
                b, e = fit.beta[j], fit.se[j]
                lines.append(
                    f"| {library} | {base} | {term} | {b:+.4f} [{b - 1.96 * e:+.4f}, {b + 1.96 * e:+.4f}] | "
                    f"{fit.p[j]:.3f} | {fit.detectable[j]:.4f} | {flat.beta[j]:+.4f} ({flat.p[j]:.3f}) |"
                )
                coef_rows.append(
                    {"library": library, "baseline": base, "term": term, "beta": b, "se": e, "p": fit.p[j]}
                )
            floored = int((se < SE_FLOOR).sum())
            lines.append(
                f"| {library} | {base} | tau^2, Q_E, sets (SE floored) | {fit.tau2:.2e}, {fit.q_residual:.1f}, "
                f"{fit.k} ({floored}) | | | |"
            )
    return [*lines, ""], pd.DataFrame(coef_rows)


def keel_property_lines(props: pd.DataFrame) -> list[str]:
    """The per-set properties, collapsed."""
    lines = ["<details><summary>the 50 sets' properties</summary>", "", "| set | rows | pos | IR | dim | N3+ |"]
    lines.append("|---|---|---|---|---|---|")
    for _, r in props.iterrows():
        lines.append(f"| {r['dataset']} | {r['rows']:,} | {r['pos']} | {r['IR']:.1f} | {r['dim']} | {r['N3+']:.3f} |")
    return [*lines, "", "</details>", ""]
