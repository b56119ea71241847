"""``_run.run_study(plan, test_codes=..., extra_scores=...)``: scoring the outer test folds on other labels.

A label-noise study (``benchmarks/conditions.py``) trains, stops early and chooses configurations
on noisy labels and scores the test folds on clean ones. The hook must change the test labels
only: the fits and the choices stay those of the plain run, and every test row is scored once per
repeat against the label given for it.
"""

from __future__ import annotations

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "scipy", "xgboost"):
    pytest.importorskip(_mod)

from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score

from boostfocal._study._options import StudyOptions
from boostfocal._study._plan import plan_study
from boostfocal._study._run import run_study

OPTIONS = StudyOptions(
    cv=2, repeats=2, budget=1, n_estimators=5, early_stopping_rounds=2, progress=False, methods=["log_loss", "focal"]
)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y = make_classification(n_samples=240, weights=[0.8], random_state=0)
    other = y.copy()
    rng = np.random.default_rng(0)
    other[rng.choice(np.flatnonzero(y == 1), size=12, replace=False)] = 0  # different test labels
    return X, y, other


def test_test_codes_change_the_test_labels_only(data) -> None:
    X, y, other = data
    plain = run_study(plan_study(X, y, OPTIONS))
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def extra(codes: np.ndarray, proba: np.ndarray, posterior: np.ndarray) -> dict[str, float]:
        seen.append((codes.copy(), proba[:, 1].copy()))
        return {"n_test_positives": float(codes.sum()), "mean_posterior": float(posterior[:, 1].mean())}

    hooked = run_study(plan_study(X, y, OPTIONS), test_codes=other, extra_scores=extra)
    a, b = plain.fold_scores, hooked.fold_scores
    # the same fits and choices: the inner-validation scores, configurations and rounds are unchanged
    for col in ("method", "repeat", "fold", "config", "valid_score", "best_iteration"):
        assert a[col].tolist() == b[col].tolist()
    assert not np.allclose(a["average_precision"], b["average_precision"])
    # every fold's AP is the AP of the labels the hook passed, and those are the given test labels:
    # per repeat every row is tested once, so the positives seen add up to the given labels' count
    assert len(seen) == len(b)
    for (codes, score), ap in zip(seen, b["average_precision"], strict=True):
        assert ap == pytest.approx(average_precision_score(codes, score), abs=1e-12)
    n_methods = b["method"].nunique()
    per_repeat = b.groupby(["repeat", "method"])["n_test_positives"].sum()
    assert per_repeat.eq(other.sum()).all() and other.sum() != y.sum()
    assert len(per_repeat) == 2 * n_methods and (b["mean_posterior"] > 0).all()


@pytest.mark.parametrize(
    ("codes", "match"),
    [
        (np.zeros(10, dtype=np.intp), r"test_codes must have the shape of the class codes \(240,\), got \(10,\)"),
        (np.full(240, 2), r"test_codes must be integer class codes in \[0, 1\]"),
        (np.full(240, 0.5), r"test_codes must be integer class codes in \[0, 1\], got float64"),
    ],
    ids=["shape", "out-of-range", "float"],
)
def test_bad_test_codes_are_refused_before_training(data, codes: np.ndarray, match: str) -> None:
    X, y, _ = data
    fits = []
    with pytest.raises(ValueError, match=match):
        run_study(plan_study(X, y, OPTIONS), test_codes=codes, after_fit=lambda n: bool(fits.append(n)))
    assert fits == []
