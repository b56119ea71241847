"""FocalXGBClassifier and FocalLGBMClassifier with a multi-label indicator y (issue 15)."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
import lightgbm as lgb  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_multilabel_classification  # noqa: E402
from sklearn.metrics import accuracy_score, average_precision_score, make_scorer  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402

import boostfocal.lightgbm as bl  # noqa: E402
from boostfocal import FocalLGBMClassifier, FocalLoss, FocalXGBClassifier, class_balanced_alpha  # noqa: E402

K = 3
ESTIMATORS = ["xgboost", "lightgbm"]


def make(name: str, **kwargs: Any):
    if name == "xgboost":
        return FocalXGBClassifier(n_estimators=15, max_depth=3, n_jobs=1, **kwargs)
    return FocalLGBMClassifier(n_estimators=15, num_leaves=7, n_jobs=1, verbose=-1, **kwargs)


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(n_samples=300, n_features=6, n_classes=K, random_state=1)
    return X.astype(np.float64), Y


@pytest.mark.parametrize("frame", [False, True], ids=["numpy", "dataframe"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_multilabel_conventions(name, frame, data):
    X, Y = data
    y = pd.DataFrame(Y, columns=["a", "b", "c"]) if frame else Y
    clf = make(name, gamma=[3.0, 1.0], alpha=0.4).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), K) and np.all((proba > 0) & (proba < 1))
    pred = clf.predict(X)
    assert pred.shape == (len(X), K) and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert clf.score(X, y) == accuracy_score(Y, pred)  # subset accuracy, as ClassifierMixin
    assert clf.score(X, y) < np.mean(pred == Y)  # which is stricter than the per-label accuracy
    assert clf.loss_.is_multilabel and clf.loss_.num_class == K
    np.testing.assert_array_equal(clf.classes_, np.arange(K))
    np.testing.assert_allclose(clf.class_balance_, Y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(clf.initial_margin_, clf.loss_.initial_margin(Y), rtol=1e-12)
    assert "fitted with focal loss" in repr(clf)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_gamma_zero_equals_native_binary_models_label_by_label(name, data):
    """At gamma 0 the multi-label estimator is K independent native logistic models with the same settings."""
    X, Y = data
    clf = make(name, gamma=0.0).fit(X, Y)
    proba = clf.predict_proba(X)
    for k in range(K):
        if name == "xgboost":
            native = xgb.XGBClassifier(n_estimators=15, max_depth=3, n_jobs=1).fit(X, Y[:, k])
        else:
            native = lgb.LGBMClassifier(n_estimators=15, num_leaves=7, n_jobs=1, verbose=-1).fit(X, Y[:, k])
        diff = float(np.max(np.abs(native.predict_proba(X)[:, 1] - proba[:, k])))
        assert diff < 1e-5, f"{name} label {k}: max |probability difference| {diff}"


@pytest.mark.parametrize("name", ESTIMATORS)
def test_cross_val_score_with_a_macro_average_precision_scorer(name, data):
    X, Y = data
    scorer = make_scorer(average_precision_score, average="macro", response_method="predict_proba")
    scores = cross_val_score(make(name, gamma=2.0), X, Y, cv=3, scoring=scorer)
    assert scores.shape == (3,) and np.all((scores > 0.3) & (scores <= 1.0))
    named = cross_val_score(make(name, gamma=2.0), X, Y, cv=3, scoring="average_precision")
    np.testing.assert_allclose(named, scores, rtol=1e-12)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_early_stopping_on_the_validation_focal_loss(name, data):
    X, Y = data
    clf = make(name, gamma=[4.0, 1.0], alpha=0.4, early_stopping_rounds=3) if name == "xgboost" else None
    if name == "lightgbm":
        clf = make(name, gamma=[4.0, 1.0], alpha=0.4, early_stopping_round=3)
    clf.set_params(n_estimators=300, learning_rate=0.3)
    fit_kw = {"verbose": False} if name == "xgboost" else {}
    clf.fit(X[:200], Y[:200], eval_set=[(X[200:], Y[200:])], **fit_kw)
    history = clf.evals_result_["validation_0" if name == "xgboost" else "valid_0"]["focal_loss"]
    best = clf.best_iteration if name == "xgboost" else clf.best_iteration_ - 1
    assert 0 < best < 299 and len(history) < 300
    assert history[best] == pytest.approx(min(history), rel=1e-12)
    raw = clf.predict_proba(X[200:])
    margin = np.log(raw) - np.log1p(-raw)
    assert clf.loss_.mean(Y[200:], margin) == pytest.approx(min(history), rel=1e-4)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_correct_proba_maps_each_label_to_its_posterior(name, data):
    X, Y = data
    clf = make(name, gamma=[4.0, 1.0], alpha=[0.3, 0.5, 0.8]).fit(X, Y)
    focal = clf.predict_proba(X)
    post = clf.predict_posterior(X)
    for k in range(K):
        binary = FocalLoss(gamma=[4.0, 1.0], alpha=[0.7, 0.3] if k == 0 else ([0.5, 0.5] if k == 1 else None))
        if k == 2:
            binary = FocalLoss(gamma=[4.0, 1.0], alpha=clf.loss_.class_weights(K)[2].tolist())
        np.testing.assert_allclose(post[:, k], binary.posterior(focal[:, k]), rtol=1e-12)
    assert not np.allclose(post, focal)
    clf.set_params(correct_proba=True)
    np.testing.assert_array_equal(clf.predict_proba(X), post)
    np.testing.assert_array_equal(clf.predict(X), (post > 0.5).astype(int))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_per_label_class_weights_from_the_training_labels(name, data):
    X, Y = data
    w = np.random.default_rng(0).random(len(X)) + 0.5
    clf = make(name, alpha="effective_number", balance_beta=0.99).fit(X, Y, sample_weight=w)
    ref = np.array([class_balanced_alpha(Y[:, k], beta=0.99, sample_weight=w) for k in range(K)])
    np.testing.assert_allclose(clf.loss_.class_weights(K), ref, rtol=1e-12)
    balanced = make(name, alpha="balanced").fit(X, Y)
    n1 = Y.sum(axis=0)
    ref_b = np.column_stack([len(Y) / (2 * (len(Y) - n1)), len(Y) / (2 * n1)])
    np.testing.assert_allclose(balanced.loss_.class_weights(K), ref_b, rtol=1e-12)
    again = clone(clf)
    assert again.get_params()["alpha"] == "effective_number"


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pickling_and_the_record_in_the_saved_model(name, data, tmp_path):
    X, Y = data
    clf = make(name, gamma=[4.0, 1.0], alpha=[0.3, 0.5, 0.8], label_smoothing=0.1, negative_shift=0.05).fit(X, Y)
    assert clf.loss_.negative_shift == 0.05 and clf.loss_.label_smoothing == 0.1
    proba = clf.predict_proba(X)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    if name == "xgboost":
        path = tmp_path / "model.json"
        clf.save_model(path)
        loaded = FocalXGBClassifier()
        loaded.load_model(path)
        assert loaded.loss_ == clf.loss_
        np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-6)
        np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    else:
        path = tmp_path / "model.txt"
        clf.booster_.save_model(str(path))
        record = bl.focal_metadata(path)
        assert FocalLoss.from_dict(record) == clf.loss_ and record["classes"] == [0, 1, 2]
        np.testing.assert_allclose(bl.predict_proba(lgb.Booster(model_file=str(path)), X), proba, rtol=1e-12)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_bad_multilabel_targets_are_refused_before_training(name, data):
    X, Y = data
    constant = pd.DataFrame(Y, columns=["a", "b", "c"]).assign(b=1)
    with pytest.raises(ValueError, match=r"y column 1 \('b'\) has one value only \(1\)"):
        make(name).fit(X, constant)
    with pytest.raises(ValueError, match="y column 2 has one value only"):
        make(name).fit(X, np.column_stack([Y[:, :2], np.zeros(len(Y))]))
    with pytest.raises(ValueError, match="type_of_target 'multiclass-multioutput'"):
        make(name).fit(X, Y + Y[:, [0]])
    first_one = tuple(np.argwhere(Y == 1)[0])
    with pytest.raises(ValueError, match=rf"0 / 1 values, got 2 \(row {first_one[0]}, label {first_one[1]}\)"):
        make(name).fit(X, np.where(Y == 1, 2, Y))
    with pytest.raises(ValueError, match="NaN or None labels .*row 0, label 1"):
        make(name).fit(X, np.column_stack([Y[:, 0], np.r_[np.nan, Y[1:, 1]], Y[:, 2]]))
    with pytest.raises(ValueError, match=r"eval.set.* y has 2 labels .* training y has 3"):
        make(name).fit(X, Y, eval_set=[(X, Y[:, :2])])
    with pytest.raises(ValueError, match="length 2 expected, got length 3"):
        make(name, gamma=[1.0, 2.0, 3.0]).fit(X, Y)
    with pytest.raises(ValueError, match="one entry per label: 3 labels expected, got 2"):
        make(name, alpha=[0.2, 0.4]).fit(X, Y)


def test_lightgbm_refuses_class_weight_with_a_multilabel_y(data):
    X, Y = data
    with pytest.raises(ValueError, match="class_weight is for one label per row"):
        make("lightgbm", class_weight="balanced").fit(X, Y)
