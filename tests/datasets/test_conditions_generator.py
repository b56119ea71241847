"""benchmarks/_conditions_data.py: the data of every cell are what the cell asks for (issue 27).

Counts and flips are exact by construction and checked exactly; separation, the share of easy
negatives and the independence of the noise columns are statistical and checked within about
four standard errors of their sampling distribution.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen():
    name = "_conditions_data"
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _informative(drawn) -> np.ndarray:
    return drawn.X[[f"x{j}" for j in range(5)]].to_numpy()


@pytest.mark.parametrize("imbalance", [1, 10, 100, 1000], ids=lambda r: f"1:{r}")
def test_the_imbalance_asked_for_is_the_imbalance_of_the_data(gen, imbalance: int) -> None:
    drawn = gen.make_condition(gen.Condition(imbalance, 50, 2.0, seed=imbalance))
    assert int(drawn.y.sum()) == 50 and int((drawn.y == 0).sum()) == 50 * imbalance
    assert np.array_equal(drawn.y, drawn.y_train)  # no noise asked, none given
    assert drawn.X.shape == (50 * (imbalance + 1), 10)
    assert not drawn.X.isna().any().any() and np.isfinite(drawn.X.to_numpy()).all()


NOISE_CASES = {
    "both-5": ("both", 0.05),
    "both-20": ("both", 0.2),
    "pos-5": ("positives", 0.05),
    "pos-20": ("positives", 0.2),
}


@pytest.mark.parametrize("case", list(NOISE_CASES), ids=list(NOISE_CASES))
@pytest.mark.parametrize("imbalance", [1, 100], ids=["1:1", "1:100"])
def test_the_noise_rate_is_the_share_of_labels_flipped(gen, case: str, imbalance: int) -> None:
    kind, rate = NOISE_CASES[case]
    cond = gen.Condition(imbalance, 200, 2.0, noise=rate, noise_kind=kind, seed=7)
    drawn = gen.make_condition(cond)
    pos, neg = drawn.y == 1, drawn.y == 0
    flipped_pos = int((drawn.y_train[pos] == 0).sum())
    flipped_neg = int((drawn.y_train[neg] == 1).sum())
    assert flipped_pos == round(rate * 200) == cond.n_flipped  # the share of the positives flipped
    assert abs(flipped_pos / 200 - rate) <= 0.5 / 200
    if kind == "both":  # as many negatives flipped: the training labels keep the imbalance exactly
        assert flipped_neg == flipped_pos
        assert int(drawn.y_train.sum()) == int(drawn.y.sum())
    else:
        assert flipped_neg == 0 and int(drawn.y_train.sum()) == 200 - flipped_pos
    assert int(drawn.y.sum()) == 200 and int(neg.sum()) == 200 * imbalance  # the clean labels keep it too


def test_flipped_rows_are_a_random_choice(gen) -> None:
    """The flipped positives look like the other positives (no selection on the features)."""
    drawn = gen.make_condition(gen.Condition(1, 4000, 3.5, noise=0.2, noise_kind="positives", seed=3))
    proj = _informative(drawn) @ drawn.direction
    pos = drawn.y == 1
    flipped, kept = proj[pos & (drawn.y_train == 0)], proj[pos & (drawn.y_train == 1)]
    se = math.sqrt(1 / flipped.size + 1 / kept.size)
    assert abs(flipped.mean() - kept.mean()) < 4 * se


@pytest.mark.parametrize("separation", [0.0, 2.0, 3.5], ids=lambda s: f"delta={s}")
def test_the_separation_is_the_distance_of_the_class_means(gen, separation: float) -> None:
    """delta: the class means are delta within-class standard deviations apart (Mahalanobis, unit covariance)."""
    from scipy.stats import norm
    from sklearn.metrics import roc_auc_score

    n = 5000
    drawn = gen.make_condition(gen.Condition(1, n, separation, seed=11))
    Z = _informative(drawn)
    pos, neg = Z[drawn.y == 1], Z[drawn.y == 0]
    diff = pos.mean(axis=0) - neg.mean(axis=0)
    # along the true direction the mean difference is delta with standard error sqrt(2 / n)
    assert abs(float(diff @ drawn.direction) - separation) < 4 * math.sqrt(2 / n)
    # and nothing across it: the estimated distance ||diff|| is delta up to the noise of 5 coordinates
    assert abs(float(np.linalg.norm(diff)) - separation) < 4 * math.sqrt(2 / n) + math.sqrt(5 * 2 / n)
    for cls in (pos, neg):  # unit within-class covariance, so the distance is the Mahalanobis distance
        eig = np.linalg.eigvalsh(np.cov(cls, rowvar=False))
        assert np.all(np.abs(eig - 1.0) < 0.1)
    # the Bayes-optimal ranking (the projection) has the ROC AUC Phi(delta / sqrt 2) of two unit Gaussians
    auc = roc_auc_score(drawn.y, Z @ drawn.direction)
    assert abs(auc - norm.cdf(separation / math.sqrt(2))) < 0.015
    # the noise columns carry no signal
    noise = drawn.X[[f"z{j}" for j in range(5)]].to_numpy()
    gap = noise[drawn.y == 1].mean(axis=0) - noise[drawn.y == 0].mean(axis=0)
    assert np.all(np.abs(gap) < 4 * math.sqrt(2 / n))


def test_the_boundary_is_oblique(gen) -> None:
    """The rotation spreads the discriminant direction over the informative columns."""
    drawn = gen.make_condition(gen.Condition(1, 10, 2.0, seed=5))
    assert abs(float(np.linalg.norm(drawn.direction)) - 1.0) < 1e-12
    assert np.max(np.abs(drawn.direction)) < 0.99


@pytest.mark.parametrize("share", [0.0, 0.5, 0.9], ids=lambda s: f"easy={s}")
def test_the_share_of_easy_negatives(gen, share: float) -> None:
    """Easy negatives sit 6 sd beyond the hard ones: below -3 on the direction lie (almost) exactly they."""
    cond = gen.Condition(10, 400, 2.0, easy_share=share, seed=2)
    drawn = gen.make_condition(cond)
    proj = _informative(drawn) @ drawn.direction
    neg = drawn.y == 0
    n_neg = int(neg.sum())
    assert n_neg == 4000  # the easy negatives replace hard ones: the imbalance is unchanged
    measured = float(np.mean(proj[neg] < -3.0))
    # misclassified by the -3 cut: P(N(0,1) < -3) = P(N(-6,1) > -3) = 0.00135 of each group
    assert abs(measured - share) < 4 * math.sqrt(0.00135 / n_neg) + 0.00135
    assert int(drawn.easy.sum()) == round(share * 4000) and not np.any(drawn.easy & (drawn.y == 1))
    assert np.all(proj[drawn.y == 1] > -3.0)  # no positive among them


def test_same_seed_same_data_other_seed_other_data(gen) -> None:
    cond = gen.Condition(10, 30, 2.0, noise=0.2, noise_kind="both", easy_share=0.9, seed=4)
    a, b = gen.make_condition(cond), gen.make_condition(cond)
    assert a.X.equals(b.X) and np.array_equal(a.y_train, b.y_train)
    c = gen.make_condition(gen.Condition(10, 30, 2.0, noise=0.2, noise_kind="both", easy_share=0.9, seed=5))
    assert not a.X.equals(c.X)


BAD = {
    "imbalance": ({"imbalance": 0}, "imbalance must be an integer >= 1, got 0"),
    "n_pos": ({"n_pos": 1}, "n_pos must be an integer >= 2, got 1"),
    "separation": ({"separation": float("nan")}, "separation must be a finite number >= 0, got nan"),
    "easy": ({"easy_share": 1.0}, "easy_share must be in [0, 1), got 1.0"),
    "kind": ({"noise_kind": "labels"}, "noise_kind must be one of"),
    "noise": ({"noise": 0.6, "noise_kind": "both"}, "noise must be in [0, 0.5), got 0.6"),
    "disagree": ({"noise": 0.1}, "noise=0.1 and noise_kind='none' disagree"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_conditions_are_refused(gen, case: str) -> None:
    kwargs, message = BAD[case]
    base = {"imbalance": 10, "n_pos": 50, "separation": 2.0}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        gen.Condition(**{**base, **kwargs})
