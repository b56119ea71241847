"""The opt-in ``focal_poly`` method (Poly-1 focal loss): searched, fitted and recommended like any method."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from boostfocal import compare  # noqa: E402
from boostfocal._study._methods import DEFAULT_METHODS, METHODS  # noqa: E402


def test_focal_poly_is_registered_and_opt_in():
    assert "focal_poly" in METHODS and "focal_poly" not in DEFAULT_METHODS


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_focal_poly_searches_epsilon_and_its_models_carry_it(library):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 5))
    y = (X[:, 0] + 0.7 * rng.normal(size=600) > 1.3).astype(int)
    result = compare(
        X, y, methods=["log_loss", "focal", "focal_poly"], library=library, cv=2, repeats=1, budget=3,
        n_estimators=15, progress=False,
    )  # fmt: skip
    assert list(result.table()["method"]) == ["log_loss", "focal", "focal_poly"]
    trials = result.trials[result.trials.method == "focal_poly"]
    epsilons = [json.loads(p)["loss"]["poly_epsilon"] for p in trials.params]
    assert 1.0 in epsilons and all(-1.0 <= e <= 4.0 for e in epsilons) and len(set(epsilons)) > 1
