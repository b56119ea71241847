r"""The synthetic conditions of ``benchmarks/conditions.py``: one generator, every knob exact and seeded.

Our own generator rather than scikit-learn's ``make_classification``: the study needs the class
counts, the share of easy negatives and the label noise to be exactly what a cell asks for, and
the class separation to be one number with a known meaning that a test can measure back.
``make_classification`` puts each class on hypercube vertices (its ``class_sep`` has no closed-form
link to the overlap) and flips labels at random with ``flip_y``, which changes the imbalance.

A cell (:class:`Condition`) is drawn as follows, with ``n_neg = imbalance * n_pos``:

* **features**: 5 informative columns ``x0..x4`` and 5 pure-noise columns ``z0..z4`` (standard
  normal, independent of the label). In a latent space the classes are unit-variance Gaussians,
  positives :math:`N(\delta e_1, I_5)`, hard negatives :math:`N(0, I_5)`; the latent points are
  turned by one random rotation ``Q`` (seeded), so the boundary is oblique to every axis (a tree
  cannot cut it with one split). The **separation** :math:`\delta` is the distance between the
  class means in units of the within-class standard deviation (the Mahalanobis distance); the
  Bayes-optimal ROC AUC of positives against hard negatives is :math:`\Phi(\delta / \sqrt 2)`:
  0.86 at :math:`\delta = 1.5`, 0.98 at :math:`\delta = 3`.
* **a flood of easy negatives**: a share ``easy_share`` of the negatives is drawn from
  :math:`N(-6 e_1, I_5)` instead (:data:`EASY_SHIFT`): 6 standard deviations on the far side of the
  hard negatives, trivially easy for any model; the imbalance stays the one asked for (the easy
  negatives replace hard ones, they are not added on top).
* **label noise** in the training labels only (``y_train``; the clean ``y`` is what the test folds
  are scored on). ``noise_kind="both"``: ``m = round(noise * n_pos)`` positives are flipped to 0
  and ``m`` negatives (drawn uniformly among all negatives, easy ones included) to 1, so the
  training labels keep the cell's imbalance exactly: ``noise`` is the share of the positives
  flipped and ``noise * n_pos / n_neg`` = ``noise / imbalance`` the share of the negatives.
  (Flipping the same *share* of each class would not keep it: 20 % of the negatives at 1:100
  flipped would make the training labels about 1:4.) ``noise_kind="positives"`` (class-conditional:
  missed positives, as in fraud that was never caught): ``m`` positives flipped to 0 and no
  negative; the clean labels have the cell's imbalance, the training labels
  ``(n_neg + m) / (n_pos - m)``.

Rows are shuffled; everything comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["Condition", "Drawn", "make_condition", "EASY_SHIFT", "N_INFORMATIVE", "N_NOISE", "NOISE_KINDS"]

#: Latent mean of the easy negatives along the discriminant direction (standard deviations).
EASY_SHIFT = -6.0
N_INFORMATIVE = 5
N_NOISE = 5
NOISE_KINDS = ("none", "both", "positives")


@dataclass(frozen=True)
class Condition:
    """One cell of the grid (see the module docstring)."""

    imbalance: int  #: negatives per positive in the clean labels (1, 10, 100, 1000)
    n_pos: int  #: positives in the clean labels
    separation: float  #: delta, the distance of the class means in within-class standard deviations
    easy_share: float = 0.0  #: share of the negatives that are trivially easy
    noise: float = 0.0  #: share of the positives whose training label is flipped
    noise_kind: str = "none"  #: "none", "both" (as many negatives flipped) or "positives" (class-conditional)
    seed: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.imbalance, int) and self.imbalance >= 1):
            raise ValueError(f"imbalance must be an integer >= 1, got {self.imbalance!r}")
        if not (isinstance(self.n_pos, int) and self.n_pos >= 2):
            raise ValueError(f"n_pos must be an integer >= 2, got {self.n_pos!r}")
        if not (np.isfinite(self.separation) and self.separation >= 0):
            raise ValueError(f"separation must be a finite number >= 0, got {self.separation!r}")
        if not 0.0 <= self.easy_share < 1.0:
            raise ValueError(f"easy_share must be in [0, 1), got {self.easy_share!r}")
        if self.noise_kind not in NOISE_KINDS:
            raise ValueError(f"noise_kind must be one of {NOISE_KINDS}, got {self.noise_kind!r}")
        if not 0.0 <= self.noise < 0.5:
            raise ValueError(f"noise must be in [0, 0.5), got {self.noise!r}")
        if (self.noise > 0) != (self.noise_kind != "none"):
            raise ValueError(f"noise={self.noise!r} and noise_kind={self.noise_kind!r} disagree (0 goes with 'none')")

    @property
    def n_neg(self) -> int:
        return self.imbalance * self.n_pos

    @property
    def n_rows(self) -> int:
        return self.n_neg + self.n_pos

    @property
    def n_flipped(self) -> int:
        """Positives whose training label is flipped (and, for ``"both"``, as many negatives)."""
        return round(self.noise * self.n_pos)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Drawn:
    """A drawn cell: features, clean labels, training labels and what the test needs to check it."""

    X: pd.DataFrame
    y: NDArray[np.intp]  #: clean labels (the test folds are scored on these)
    y_train: NDArray[np.intp]  #: training labels (noisy when the cell has noise)
    easy: NDArray[np.bool_]  #: the rows drawn as easy negatives
    direction: NDArray[np.float64]  #: the unit discriminant direction in the informative columns


def _rotation(rng: np.random.Generator, d: int) -> NDArray[np.float64]:
    """A uniformly random orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def make_condition(cond: Condition) -> Drawn:
    """Draw one cell (see the module docstring); the same ``cond`` always gives the same data."""
    rng = np.random.default_rng(cond.seed)
    n_easy = round(cond.easy_share * cond.n_neg)
    latent = rng.standard_normal((cond.n_rows, N_INFORMATIVE))
    y = np.zeros(cond.n_rows, dtype=np.intp)
    y[: cond.n_pos] = 1
    easy = np.zeros(cond.n_rows, dtype=bool)
    easy[cond.n_pos : cond.n_pos + n_easy] = True
    latent[y == 1, 0] += cond.separation  # positives at delta e1, hard negatives at 0
    latent[easy, 0] += EASY_SHIFT
    q = _rotation(rng, N_INFORMATIVE)
    informative = latent @ q.T  # each row turned by Q: the direction e1 becomes Q e1
    noise_cols = rng.standard_normal((cond.n_rows, N_NOISE))
    y_train = y.copy()
    m = cond.n_flipped
    if m:
        y_train[rng.choice(cond.n_pos, size=m, replace=False)] = 0
        if cond.noise_kind == "both":
            y_train[cond.n_pos + rng.choice(cond.n_neg, size=m, replace=False)] = 1
    order = rng.permutation(cond.n_rows)
    columns = [f"x{j}" for j in range(N_INFORMATIVE)] + [f"z{j}" for j in range(N_NOISE)]
    X = pd.DataFrame(np.hstack([informative, noise_cols])[order], columns=columns)
    return Drawn(X, y[order], y_train[order], easy[order], q[:, 0].copy())
