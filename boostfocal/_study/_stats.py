r"""Statistics of the study: intervals over repeated cross-validation and the verdict.

The outer folds of repeated k-fold cross-validation share most of their
training rows, so their scores are positively correlated and the naive
standard error :math:`s / \sqrt{J}` is too small (Dietterich, 1998).
Nadeau and Bengio (2003, "Inference for the generalization error", Machine
Learning 52) correct the variance of the mean of :math:`J` fold values
:math:`d_j` (scores, or paired differences of two methods on the same folds)
by the ratio of test to training size:

.. math::

    \hat\sigma^2_{corr} = \left(\frac{1}{J} + \frac{n_{test}}{n_{train}}\right) s^2,
    \qquad s^2 = \frac{1}{J - 1} \sum_j (d_j - \bar d)^2,

and the interval is :math:`\bar d \pm t_{J-1,\,1-(1-c)/2}\,\hat\sigma_{corr}`
(Student t with :math:`J - 1` degrees of freedom). Bouckaert and Frank (2004)
found this corrected resampled t-test the best calibrated of the common
choices for repeated cross-validation; it is what :func:`corrected_t_interval`
computes. numpy and scipy only.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Interval", "corrected_t_interval", "verdict_from_interval", "VERDICTS"]

#: The three verdicts, in the words of ``results.json``.
VERDICTS = ("better", "worse", "no significant difference")


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval: ``mean``, ``ci_low``, ``ci_high`` (all finite)."""

    mean: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high}

    def contains(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


def corrected_t_interval(values: ArrayLike, *, n_train: float, n_test: float, confidence: float = 0.95) -> Interval:
    r"""Mean of fold values with the Nadeau--Bengio corrected resampled t interval.

    .. math::

        \bar d \pm t_{J-1,\,1-(1-c)/2}
        \sqrt{\left(\frac{1}{J} + \frac{n_{test}}{n_{train}}\right) s^2}

    Parameters
    ----------
    values : array-like of shape (J,)
        One finite value per outer fold (J = folds x repeats >= 2): scores of
        one method, or paired differences of two methods on the same folds.
    n_train, n_test : float > 0
        Training and test rows of one outer fold (their mean over folds).
    confidence : float in (0, 1), default=0.95

    Returns
    -------
    Interval
        ``ci_low == ci_high == mean`` when every value is the same.

    Raises
    ------
    ValueError
        Fewer than two values, a non-finite value, or sizes / confidence out of range.
    """
    from scipy.stats import t as student_t

    d = np.asarray(values, dtype=np.float64).ravel()
    if d.shape[0] < 2:
        raise ValueError(f"values must hold at least 2 fold values, got {d.shape[0]}")
    if not np.all(np.isfinite(d)):
        raise ValueError(f"values must be finite, got {d.tolist()!r}")
    for name, size in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(size, bool) or not isinstance(size, numbers.Real) or not size > 0:
            raise ValueError(f"{name} must be a number > 0, got {size!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    j = d.shape[0]
    mean = float(d.mean())
    s2 = float(d.var(ddof=1))
    half = float(student_t.ppf(0.5 + confidence / 2.0, j - 1)) * math.sqrt((1.0 / j + n_test / n_train) * s2)
    return Interval(mean, mean - half, mean + half)


def verdict_from_interval(interval: Interval, *, higher_is_better: bool = True) -> str:
    """``"better"`` when the whole interval of (focal minus baseline) lies on the good side of 0,
    ``"worse"`` when it lies on the bad side, ``"no significant difference"`` when it holds 0.

    The point estimate plays no part.
    """
    low, high = (interval.ci_low, interval.ci_high) if higher_is_better else (-interval.ci_high, -interval.ci_low)
    if low > 0.0:
        return "better"
    if high < 0.0:
        return "worse"
    return "no significant difference"
