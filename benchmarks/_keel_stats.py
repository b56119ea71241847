r"""Rank statistics across data sets for benchmarks/keel.py (Demšar, JMLR 7, 2006).

Two levels, as in the imbalanced-learning literature:

* **per data set**, a paired difference of two methods over the same repeated
  cross-validation folds, with the Nadeau--Bengio corrected resampled t interval
  (:func:`paired_interval`); a data set is a *win* when the whole interval lies
  above 0, a *loss* when it lies below, a *tie* when it holds 0 (:func:`win_tie_loss`);
* **across data sets**, the Wilcoxon signed-rank test on the per-set mean
  differences (:func:`wilcoxon_signed_rank`), and for all methods at once the
  Friedman test on their ranks with the Nemenyi critical difference
  (:func:`friedman`, :func:`critical_difference`, :func:`cd_groups`,
  :func:`cd_diagram`).

Scores are "higher is better" (average precision). numpy, scipy and (for the
diagram) matplotlib; no boostfocal import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Interval",
    "paired_interval",
    "win_tie_loss",
    "WilcoxonResult",
    "wilcoxon_signed_rank",
    "rank_rows",
    "FriedmanResult",
    "friedman",
    "friedman_from_ranks",
    "nemenyi_q",
    "critical_difference",
    "cd_groups",
    "cd_diagram",
]


# ---------------------------------------------------------------------------------------------
# one data set: the paired interval
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A mean paired difference with its confidence interval and the number of folds behind it."""

    mean: float
    low: float
    high: float
    n_folds: int

    @property
    def outcome(self) -> str:
        """``"win"`` (interval above 0), ``"loss"`` (below 0) or ``"tie"`` (holds 0)."""
        return "win" if self.low > 0.0 else "loss" if self.high < 0.0 else "tie"


def paired_interval(diffs: ArrayLike, *, test_train_ratio: float, confidence: float = 0.95) -> Interval:
    r"""Mean of per-fold paired differences with the Nadeau--Bengio corrected t interval.

    .. math::

        \bar d \pm t_{J-1,\,1-(1-c)/2}\,
        \sqrt{\left(\frac{1}{J} + \frac{n_{test}}{n_{train}}\right) s^2},
        \qquad s^2 = \frac{1}{J-1}\sum_j (d_j - \bar d)^2

    Parameters
    ----------
    diffs : array-like of shape (J,)
        ``score(A) - score(B)`` on each of the J outer folds (J >= 2), finite.
    test_train_ratio : float > 0
        ``n_test / n_train`` of one fold: ``1 / (k - 1)`` for k-fold cross-validation.
    confidence : float in (0, 1), default=0.95

    Returns
    -------
    Interval
        ``low == high == mean`` when every difference is the same.
    """
    from scipy.stats import t as student_t

    d = np.asarray(diffs, dtype=np.float64).ravel()
    if d.size < 2:
        raise ValueError(f"diffs must hold at least 2 fold differences, got {d.size}")
    if not np.all(np.isfinite(d)):
        raise ValueError(f"diffs must be finite, got {d.tolist()!r}")
    if not test_train_ratio > 0:
        raise ValueError(f"test_train_ratio must be > 0, got {test_train_ratio!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    j = d.size
    mean = float(d.mean())
    half = float(student_t.ppf(0.5 + confidence / 2.0, j - 1)) * math.sqrt(
        (1.0 / j + test_train_ratio) * float(d.var(ddof=1))
    )
    return Interval(mean, mean - half, mean + half, j)


def win_tie_loss(intervals: Sequence[Interval]) -> tuple[int, int, int]:
    """Counts of data sets whose paired interval lies above 0, holds 0, lies below 0."""
    outcomes = [iv.outcome for iv in intervals]
    return outcomes.count("win"), outcomes.count("tie"), outcomes.count("loss")


# ---------------------------------------------------------------------------------------------
# two methods across data sets: Wilcoxon signed-rank
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WilcoxonResult:
    """Wilcoxon signed-rank test of per-set mean differences (zero differences split, Demšar 2006)."""

    n: int  #: data sets
    r_plus: float  #: rank sum of the positive differences (plus half the zeros' ranks)
    r_minus: float  #: rank sum of the negative differences (plus half the zeros' ranks)
    p_value: float  #: two-sided
    median: float  #: median of the differences
    mean: float  #: mean of the differences

    @property
    def statistic(self) -> float:
        """``T = min(R+, R-)``."""
        return min(self.r_plus, self.r_minus)


def wilcoxon_signed_rank(diffs: ArrayLike) -> WilcoxonResult:
    r"""Wilcoxon signed-rank test on one difference per data set (``A - B``), two-sided.

    Ranks of :math:`|d_i|` (ties averaged); as Demšar (2006, sec. 3.1.3) recommends, the
    ranks of zero differences are split evenly between :math:`R^+` and :math:`R^-`
    (scipy's ``zero_method="zsplit"``). The p-value is scipy's (exact for small tie-free
    samples, else the normal approximation with tie correction). When every difference
    is 0 there is no evidence either way: ``p_value = 1``.

    Parameters
    ----------
    diffs : array-like of shape (N,)
        Finite, N >= 1.
    """
    from scipy.stats import rankdata, wilcoxon

    d = np.asarray(diffs, dtype=np.float64).ravel()
    if d.size < 1 or not np.all(np.isfinite(d)):
        raise ValueError(f"diffs must be >= 1 finite values, got {d.tolist()!r}")
    ranks = rankdata(np.abs(d))
    zeros = ranks[d == 0].sum()
    r_plus = float(ranks[d > 0].sum() + zeros / 2.0)
    r_minus = float(ranks[d < 0].sum() + zeros / 2.0)
    if np.all(d == 0):
        p = 1.0
    else:
        p = float(wilcoxon(d, zero_method="zsplit").pvalue)
    return WilcoxonResult(int(d.size), r_plus, r_minus, p, float(np.median(d)), float(d.mean()))


# ---------------------------------------------------------------------------------------------
# several methods across data sets: Friedman, Nemenyi, the critical-difference diagram
# ---------------------------------------------------------------------------------------------


def rank_rows(scores: ArrayLike, *, higher_is_better: bool = True) -> np.ndarray:
    """Rank the methods (columns) within each data set (row): 1 = best, ties share the average rank."""
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or not np.all(np.isfinite(s)):
        raise ValueError(f"scores must be a finite 2-D table (data sets x methods), got shape {s.shape}")
    return rankdata(-s if higher_is_better else s, axis=1)


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test over N data sets and k methods, with the Iman--Davenport F form."""

    n: int
    k: int
    average_ranks: tuple[float, ...]  #: in the order of the table's columns
    chi2: float  #: Friedman's chi-square (with the tie correction when the ranks have ties)
    p_chi2: float  #: chi-square with k - 1 degrees of freedom
    f: float  #: Iman--Davenport F = (N - 1) chi2 / (N (k - 1) - chi2)
    p_f: float  #: F with (k - 1, (k - 1)(N - 1)) degrees of freedom


def friedman_from_ranks(average_ranks: ArrayLike, n: int, *, tie_correction: float = 1.0) -> FriedmanResult:
    r"""Friedman statistics from the average ranks (Demšar 2006, eq. for :math:`\chi^2_F` and :math:`F_F`).

    .. math::

        \chi^2_F = \frac{12 N}{k (k + 1)} \left[\sum_j R_j^2 - \frac{k (k + 1)^2}{4}\right],
        \qquad F_F = \frac{(N - 1)\,\chi^2_F}{N (k - 1) - \chi^2_F}

    ``tie_correction`` divides :math:`\chi^2_F` (1 when no data set has tied ranks; see
    :func:`friedman`). When every method has the same rank on every set (:math:`\chi^2_F = 0`)
    the p-values are 1; when the ranks are the same on every set (:math:`F_F` infinite) they are 0.
    """
    from scipy.stats import chi2 as chi2_dist
    from scipy.stats import f as f_dist

    r = np.asarray(average_ranks, dtype=np.float64).ravel()
    k = r.size
    if k < 2 or n < 2:
        raise ValueError(f"need k >= 2 methods and n >= 2 data sets, got k={k}, n={n}")
    chi2 = 12.0 * n / (k * (k + 1)) * (float(np.sum(r**2)) - k * (k + 1) ** 2 / 4.0) / tie_correction
    chi2 = max(chi2, 0.0)
    denom = n * (k - 1) - chi2
    f = math.inf if denom <= 1e-12 else (n - 1) * chi2 / denom
    p_chi2 = float(chi2_dist.sf(chi2, k - 1))
    p_f = 0.0 if math.isinf(f) else float(f_dist.sf(f, k - 1, (k - 1) * (n - 1)))
    return FriedmanResult(n, k, tuple(float(v) for v in r), float(chi2), p_chi2, float(f), p_f)


def friedman(scores: ArrayLike, *, higher_is_better: bool = True) -> FriedmanResult:
    r"""Friedman test on a table of scores, one row per data set, one column per method.

    Ranks within each row (1 = best, ties averaged), then :func:`friedman_from_ranks`
    with the usual tie correction :math:`1 - \sum (t^3 - t) / (N k (k^2 - 1))` over the
    groups of t tied methods within a row (the same statistic as
    ``scipy.stats.friedmanchisquare``).
    """
    ranks = rank_rows(scores, higher_is_better=higher_is_better)
    n, k = ranks.shape
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts.astype(np.float64) ** 3 - counts))
    correction = 1.0 - ties / (n * k * (k * k - 1))
    if correction <= 0:  # every method tied on every set: nothing to test
        return friedman_from_ranks(ranks.mean(axis=0), n, tie_correction=1.0)
    return friedman_from_ranks(ranks.mean(axis=0), n, tie_correction=correction)


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    r"""Critical value :math:`q_\alpha` of the Nemenyi test: the studentized range quantile over :math:`\sqrt 2`.

    Demšar (2006, Table 5a) lists 1.960, 2.343, 2.569, 2.728, ... for k = 2, 3, 4, 5 at alpha 0.05.
    """
    from scipy.stats import studentized_range

    if k < 2:
        raise ValueError(f"k must be >= 2 methods, got {k}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(studentized_range.ppf(1.0 - alpha, k, np.inf)) / math.sqrt(2.0)


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    r"""Nemenyi critical difference of average ranks, :math:`q_\alpha \sqrt{k (k + 1) / (6 N)}`."""
    if n < 1:
        raise ValueError(f"n must be >= 1 data sets, got {n}")
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n))


def cd_groups(average_ranks: Mapping[str, float], cd: float) -> list[list[str]]:
    """Maximal groups of methods whose average ranks all lie within less than ``cd`` of each other.

    Methods are sorted by rank (best first); a group is a run of consecutive methods whose
    span of ranks is below ``cd`` (no pair in it differs significantly); groups contained
    in another group and single methods are left out. These are the bars of the diagram.
    """
    names = sorted(average_ranks, key=lambda m: (average_ranks[m], m))
    r = [average_ranks[m] for m in names]
    groups: list[list[str]] = []
    last_end = -1
    for i in range(len(names)):
        j = i
        while j + 1 < len(names) and r[j + 1] - r[i] < cd:
            j += 1
        if j > i and j > last_end:  # not inside the previous group
            groups.append(names[i : j + 1])
            last_end = j
    return groups


def cd_diagram(
    average_ranks: Mapping[str, float], cd: float, path: str | Path, *, title: str = "", alpha: float = 0.05
) -> Path:
    """Draw the critical-difference diagram (Demšar 2006, Fig. 1 style) to a PNG and return its path.

    The rank axis runs from 1 (best, left) to k; each method hangs from its average rank, the
    better half labelled on the left, the rest on the right; a thick bar joins each group of
    :func:`cd_groups`; the CD interval is drawn above the axis.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(average_ranks, key=lambda m: (average_ranks[m], m))
    k = len(names)
    if k < 2:
        raise ValueError(f"need at least 2 methods, got {names}")
    groups = cd_groups(average_ranks, cd)
    half = (k + 1) // 2
    height = 1.6 + 0.35 * max(half, k - half) + 0.25 * len(groups)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(-(max(half, k - half) + 1.5 + 0.4 * len(groups)) * 0.5, 1.6)
    ax.axis("off")
    ax.hlines(0, 1, k, color="black", lw=1.2)
    for tick in range(1, k + 1):
        ax.vlines(tick, 0, 0.12, color="black", lw=1.0)
        ax.text(tick, 0.2, str(tick), ha="center", va="bottom", fontsize=9)
    lo = 1.0
    ax.hlines(1.05, lo, min(lo + cd, k), color="tab:red", lw=1.5)
    for end in (lo, min(lo + cd, k)):
        ax.vlines(end, 0.95, 1.15, color="tab:red", lw=1.5)
    ax.text(lo + min(cd, k - 1) / 2, 1.2, f"CD = {cd:.2f} (Nemenyi, alpha = {alpha:g})", ha="center", fontsize=9)
    for i, name in enumerate(names):
        r = average_ranks[name]
        left = i < half
        row = i if left else k - 1 - i
        y = -0.5 * (row + 1) - 0.2 * len(groups)
        x_end = 0.6 if left else k + 0.4
        ax.plot([r, r, x_end], [0, y, y], color="black", lw=0.9)
        ax.text(
            x_end + (-0.05 if left else 0.05),
            y,
            f"{name} ({r:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    for g, group in enumerate(groups):
        y = -0.12 - 0.2 * g
        ax.hlines(y, average_ranks[group[0]] - 0.03, average_ranks[group[-1]] + 0.03, color="tab:blue", lw=3.5)
    if title:
        ax.set_title(title, fontsize=10)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out
