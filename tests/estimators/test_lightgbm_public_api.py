"""FocalLGBMClassifier on LightGBM's public API, with its one private hook pinned (issue 22).

The estimator hands LightGBM the focal objective and ``class_weight=None`` through the public
``set_params``, the labels, weights and starting margins through the public ``fit`` arguments,
reads raw scores through the public ``predict_proba(raw_score=True)`` and folds the margin into
``booster_`` with the public ``Booster.model_from_string``. One private hook is left:
``LGBMModel._process_params`` (LightGBM turns ``get_params()`` into booster parameters there,
and the focal parameters are not LightGBM's). These tests fail when LightGBM changes it.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

lgb = pytest.importorskip("lightgbm")
pytest.importorskip("sklearn")

from lightgbm.sklearn import LGBMModel  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

from boostfocal import FocalLGBMClassifier  # noqa: E402
from boostfocal.lightgbm import focal_metadata  # noqa: E402
from boostfocal.sklearn_lightgbm import FocalLGBMClassifier as _Estimator  # noqa: E402

FOCAL = {"gamma": [1.0, 3.0], "alpha": "balanced", "hess_floor": 1e-4, "label_smoothing": 0.05}


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=300, weights=[0.8], random_state=0)


def test_the_hook_is_lightgbm_s_params_step_at_fit_and_predict(data, monkeypatch):
    assert list(inspect.signature(LGBMModel._process_params).parameters) == ["self", "stage"]
    assert _Estimator._process_params is not LGBMModel._process_params  # overridden, in one place
    stages: list[str] = []
    original = LGBMModel._process_params

    def spy(self, stage):
        stages.append(stage)
        return original(self, stage)

    monkeypatch.setattr(LGBMModel, "_process_params", spy)
    X, y = data
    clf = FocalLGBMClassifier(n_estimators=3, verbose=-1, n_jobs=1).fit(X, y)
    assert "fit" in stages
    clf.predict_proba(X)
    assert stages[-1] == "predict"


def test_focal_parameters_never_reach_lightgbm(data):
    X, y = data
    clf = FocalLGBMClassifier(n_estimators=3, verbose=-1, n_jobs=1, **FOCAL).fit(X, y)
    for name in (*FOCAL, "balance_beta", "negative_shift", "correct_proba"):
        assert name not in clf.booster_.params, name
    assert clf.booster_.params["metric"] == ["None"]  # no built-in metric on raw scores
    assert clf.booster_.params["first_metric_only"] is True


def test_fit_leaves_the_parameters_and_public_attributes_as_they_were(data):
    X, y = data
    clf = FocalLGBMClassifier(n_estimators=3, verbose=-1, n_jobs=1, class_weight={0: 1.0, 1: 2.0}, **FOCAL)
    params = clf.get_params()
    public = {k for k in vars(clf) if not k.startswith("_")}
    clf.fit(X, y)
    assert clf.get_params() == params  # objective None, class_weight restored through set_params
    assert {k for k in vars(clf) if not k.startswith("_") and not k.endswith("_")} == public


def test_class_weight_is_applied_once_through_the_weights(data):
    X, y = data
    weighted = FocalLGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1, class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    explicit = FocalLGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1).fit(
        X, y, sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    np.testing.assert_array_equal(weighted.predict_proba(X), explicit.predict_proba(X))


def test_the_margin_is_folded_into_the_fitted_booster_in_place(data):
    X, y = data
    clf = FocalLGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1, early_stopping_round=2)
    clf.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])])
    record = focal_metadata(clf.booster_)
    assert record is not None and record["initial_margin"] == pytest.approx(clf.initial_margin_)
    assert clf.booster_.best_iteration == clf.best_iteration_  # kept through model_from_string
    raw = clf.booster_.predict(X, raw_score=True)
    np.testing.assert_allclose(1.0 / (1.0 + np.exp(-raw)), clf.predict_proba(X)[:, 1], rtol=1e-12)


def test_set_params_hands_lightgbm_the_focal_objective(data, monkeypatch):
    """LightGBM's public set_params(objective=callable) is what makes fit call the focal objective."""
    import boostfocal.lightgbm as bl

    calls = []
    original = bl.FocalObjective.__call__

    def spy(self, y_true, y_pred, weight=None):
        calls.append(np.shape(y_pred))
        return original(self, y_true, y_pred, weight)

    monkeypatch.setattr(bl.FocalObjective, "__call__", spy)
    X, y = data
    clf = FocalLGBMClassifier(n_estimators=4, verbose=-1, n_jobs=1).fit(X, y)
    assert calls == [(X.shape[0],)] * 4  # one call per round, on the training scores
    assert clf.get_params()["objective"] is None  # and the user's value is back
