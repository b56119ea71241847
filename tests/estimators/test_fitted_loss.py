"""The estimators build their loss once, in ``fit`` or ``load_model`` (issue 22), and use it afterwards."""

from __future__ import annotations

import numpy as np
import pytest

import boostfocal._loss as loss_module
from boostfocal._policy import HessPolicy

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

from sklearn.datasets import make_classification  # noqa: E402

from boostfocal import FocalLGBMClassifier, FocalXGBClassifier  # noqa: E402

ESTIMATORS = {
    "xgboost": lambda **kw: FocalXGBClassifier(n_estimators=5, n_jobs=1, **kw),
    "lightgbm": lambda **kw: FocalLGBMClassifier(n_estimators=5, n_jobs=1, verbose=-1, **kw),
}


@pytest.fixture
def constructions(monkeypatch):
    """Count the FocalLoss objects built (each one validates its parameters)."""
    count = [0]
    original = loss_module.FocalLoss.__init__

    def counting(self, *args, **kwargs):
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(loss_module.FocalLoss, "__init__", counting)
    return count


@pytest.fixture
def parses(monkeypatch):
    calls: list[object] = []
    original = HessPolicy.parse.__func__

    def counting(cls, hess_floor, **kwargs):
        calls.append(hess_floor)
        return original(cls, hess_floor, **kwargs)

    monkeypatch.setattr(HessPolicy, "parse", classmethod(counting))
    return calls


@pytest.mark.parametrize("k", [2, 3], ids=["binary", "softmax3"])
@pytest.mark.parametrize("name", list(ESTIMATORS), ids=list(ESTIMATORS))
def test_corrected_probabilities_use_the_fitted_loss(name, k, constructions, parses):
    X, y = make_classification(n_samples=200, n_classes=k, n_informative=4, random_state=0)
    clf = ESTIMATORS[name](gamma=[1.0] * (k - 1) + [3.0], alpha=[1.0] * (k - 1) + [2.0], correct_proba=True)
    clf.fit(X, y)
    assert parses == ["curvature"]  # hess_floor: parsed once, in fit
    built = constructions[0]
    first = clf.predict_proba(X)
    for _ in range(3):
        np.testing.assert_array_equal(clf.predict_proba(X), first)
        clf.predict_posterior(X)
    assert constructions[0] == built  # no loss rebuilt from gamma_ / alpha_ at predict
    assert np.all(first != clf.set_params(correct_proba=False).predict_proba(X))  # the map is not the identity


def test_load_model_builds_the_loss_once_from_the_record(tmp_path, constructions):
    X, y = make_classification(n_samples=200, n_classes=3, n_informative=4, random_state=0)
    clf = ESTIMATORS["xgboost"](gamma=1.5, alpha=[1.0, 2.0, 0.5], correct_proba=True).fit(X, y)
    clf.save_model(tmp_path / "model.json")
    before = constructions[0]
    loaded = FocalXGBClassifier()
    loaded.load_model(tmp_path / "model.json")
    # the record's loss, and the posterior map of its class weights
    assert constructions[0] - before == 2
    assert loaded.loss_ == clf.loss_
    after_load = constructions[0]
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    assert constructions[0] == after_load
