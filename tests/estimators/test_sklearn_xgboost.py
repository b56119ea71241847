"""FocalXGBClassifier (issue 5, XGBoost half)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost")
pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from boostfocal import initial_margin  # noqa: E402
from boostfocal.sklearn_xgboost import BOOSTER_ATTRIBUTE, FocalXGBClassifier  # noqa: E402


def _small(**kwargs) -> FocalXGBClassifier:
    return FocalXGBClassifier(**{"n_estimators": 5, "n_jobs": 1, **kwargs})


# Every check passes (scikit-learn 1.9.1, xgboost 3.2), also with the probability
# correction on (predict stays the argmax of predict_proba): no expected failures.
@parametrize_with_checks([_small(), _small(alpha=0.3, correct_proba=True)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _binary(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 1.0).astype(int)
    return X, y


def _multi(n=300, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.choice(k, size=n, p=np.arange(1, k + 1) / np.arange(1, k + 1).sum())
    X = rng.normal(size=(n, 4))
    X[:, 0] += y
    return X, y


# ---------------------------------------------------------------- parameters
def test_params_clone_and_no_leak_into_booster():
    clf = FocalXGBClassifier(gamma=3.0, alpha=0.4, hess_floor=1e-3, n_estimators=7, min_split_loss=0.5)
    params = clf.get_params()
    assert (params["gamma"], params["alpha"], params["hess_floor"], params["n_estimators"]) == (3.0, 0.4, 1e-3, 7)
    cloned = clone(clf)
    assert cloned.get_params() == params
    clf.set_params(gamma=1.0, alpha=None)
    assert (clf.gamma, clf.alpha) == (1.0, None)
    xgb_params = clf.get_xgb_params()
    assert "gamma" not in xgb_params and "alpha" not in xgb_params and "hess_floor" not in xgb_params
    X, y = _binary()
    clf.set_params(n_jobs=1).fit(X, y)
    config = json.loads(clf.get_booster().save_config())
    train_param = config["learner"]["gradient_booster"]["tree_train_param"]
    assert float(train_param["gamma"]) == 0.5  # XGBoost's min_split_loss came from min_split_loss, not focal gamma
    assert float(train_param["alpha"]) == 0.0  # reg_alpha untouched by focal alpha
    assert clf.get_params() == dict(params, gamma=1.0, alpha=None, n_jobs=1)  # fit changed no parameter


# ---------------------------------------------------------------- parity
@pytest.mark.parametrize("kind", ["binary", "multiclass3"])
def test_gamma0_matches_plain_xgbclassifier(kind):
    X, y = _binary() if kind == "binary" else _multi(k=3)
    w = np.random.default_rng(3).uniform(0.5, 2.0, size=y.shape[0])
    kw = dict(n_estimators=30, max_depth=3, learning_rate=0.3, n_jobs=1)
    plain = xgb.XGBClassifier(**kw).fit(X, y, sample_weight=w)
    focal = FocalXGBClassifier(gamma=0.0, alpha=None, **kw).fit(X, y, sample_weight=w)
    p_plain, p_focal = plain.predict_proba(X), focal.predict_proba(X)
    assert p_focal.shape == (X.shape[0], len(np.unique(y)))
    np.testing.assert_allclose(p_focal, p_plain, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(focal.predict(X), plain.predict(X))


def test_focal_differs_from_plain_and_uses_initial_margin():
    X, y = _binary()
    focal = FocalXGBClassifier(gamma=2.0, alpha=0.25, n_estimators=0, n_jobs=1).fit(X, y)
    z0 = initial_margin(y, gamma=2.0, alpha=0.25)
    assert focal.initial_margin_ == pytest.approx(z0)
    np.testing.assert_allclose(focal.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z0)), atol=1e-6)


# ---------------------------------------------------------------- labels
def test_string_labels_round_trip_and_column_order():
    X, y = _multi(k=3)
    names = np.array(["zebra", "apple", "mango"])  # sorted order differs from code order
    y_str = names[y]
    clf = _small(n_estimators=20).fit(X, y_str)
    assert clf.classes_.tolist() == ["apple", "mango", "zebra"]
    pred = clf.predict(X)
    assert set(pred) <= set(names) and pred.dtype == y_str.dtype
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    for j, label in enumerate(clf.classes_):
        rows = y_str == label
        assert proba[rows, j].mean() > proba[~rows, j].mean()  # column j is the probability of classes_[j]
    assert (pred == y_str).mean() > 0.6


def test_bool_and_pandas_series_labels():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    a = _small().fit(X, y.astype(bool))
    assert a.classes_.tolist() == [False, True] and a.predict(X).dtype == bool
    b = _small().fit(pd.DataFrame(X, columns=list("abcd")), pd.Series(np.where(y == 1, "yes", "no")))
    assert b.classes_.tolist() == ["no", "yes"]
    np.testing.assert_allclose(b.predict_proba(pd.DataFrame(X, columns=list("abcd"))), a.predict_proba(X), atol=1e-6)


def test_multiclass_alpha_dict_equals_sequence_in_classes_order():
    X, y = _multi(k=3)
    y_str = np.array(["c", "a", "b"])[y]
    seq = _small(gamma=2.0, alpha=[0.5, 1.0, 2.0]).fit(X, y_str)  # classes_ = a, b, c
    dct = _small(gamma=2.0, alpha={"c": 2.0, "a": 0.5, "b": 1.0}).fit(X, y_str)
    np.testing.assert_array_equal(dct.alpha_, [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(dct.predict_proba(X), seq.predict_proba(X))
    other = _small(gamma=2.0, alpha=[2.0, 1.0, 0.5]).fit(X, y_str)
    assert np.abs(other.predict_proba(X) - seq.predict_proba(X)).max() > 1e-3


# ---------------------------------------------------------------- early stopping / metrics
def test_early_stopping_on_validation_focal_loss_and_predict_uses_best_iteration():
    X, y = _binary(n=600, seed=4)
    y_str = np.where(y == 1, "pos", "neg")
    clf = FocalXGBClassifier(
        gamma=2.0, alpha=0.25, n_estimators=300, learning_rate=0.5, max_depth=6, early_stopping_rounds=10, n_jobs=1
    )
    clf.fit(X[:300], y_str[:300], eval_set=[(X[300:], y_str[300:])], verbose=False)
    assert list(clf.evals_result_["validation_0"]) == ["focal_loss"]  # no built-in logloss beside it
    valid = np.asarray(clf.evals_result_["validation_0"]["focal_loss"])
    assert len(valid) < 300
    assert clf.best_iteration == int(np.argmin(valid))
    assert clf.get_booster().num_boosted_rounds() > clf.best_iteration + 1
    best = clf.predict_proba(X[300:])
    full = clf.predict_proba(X[300:], iteration_range=(0, clf.get_booster().num_boosted_rounds()))
    at_best = clf.predict_proba(X[300:], iteration_range=(0, clf.best_iteration + 1))
    np.testing.assert_array_equal(best, at_best)
    assert np.abs(full - best).max() > 1e-6
    np.testing.assert_array_equal(clf.predict(X[300:]), clf.classes_[np.argmax(best, axis=1)])
    np.testing.assert_array_equal(clf.predict(X[300:], output_margin=False), clf.predict(X[300:]))


def test_builtin_metrics_can_be_added_and_focal_stays_last():
    X, y = _binary(n=400, seed=5)
    clf = _small(n_estimators=10, eval_metric=["aucpr", "auc"])
    clf.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
    assert list(clf.evals_result_["validation_0"]) == ["aucpr", "auc", "focal_loss"]
    assert clf.eval_metric == ["aucpr", "auc"]  # the parameter is not modified by fit
    aucpr = np.asarray(clf.evals_result_["validation_0"]["aucpr"])
    assert np.all((aucpr > 0) & (aucpr <= 1))


def test_grid_search_over_gamma_and_alpha():
    X, y = _binary(n=200, seed=6)
    search = GridSearchCV(
        _small(n_estimators=5),
        {"gamma": [0.0, 2.0], "alpha": [None, 0.25]},
        scoring="average_precision",
        cv=2,
        n_jobs=2,
    )
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all(np.isfinite(scores)) and np.all(scores > y.mean())
    assert search.best_estimator_.gamma_ == search.best_params_["gamma"]


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "y_kind", "exc", "match"),
    [
        ({"gamma": -1.0}, "binary", ValueError, "gamma must be"),
        ({"hess_floor": -1.0}, "binary", ValueError, "hess_floor"),
        ({"alpha": 1.5}, "binary", ValueError, r"alpha must be in \[0, 1\]"),
        ({"alpha": [0.2, 0.3, 0.5]}, "binary", ValueError, "one weight per class: length 2 expected"),
        ({"alpha": "inverse"}, "binary", ValueError, "alpha as a string must be one of"),
        ({"gamma": [1.0, 2.0, 3.0]}, "binary", ValueError, "gamma must have one value per class: length 2"),
        ({"balance_beta": 1.0}, "binary", ValueError, r"balance_beta must be in \[0, 1\), got 1.0"),
        ({"alpha": [1.0, 2.0]}, "multi", ValueError, "length 3 expected, got length 2"),
        ({"alpha": {0: 1.0, 1: 1.0}}, "multi", ValueError, r"missing labels \[2\]"),
        ({"alpha": {0: 1.0, 1: 1.0, 2: 1.0, 7: 1.0}}, "multi", ValueError, r"unknown labels \[7\]"),
        ({}, "single", ValueError, "1 class"),
        ({}, "nan", ValueError, "NaN"),
        ({}, "none", ValueError, "NaN or None"),
        ({"correct_proba": 1}, "binary", TypeError, "correct_proba must be True or False"),
        ({"objective": "binary:logitraw"}, "binary", ValueError, "objective is set by"),
        ({"base_score": 0.3}, "binary", ValueError, "base_score is set by"),
        ({"eval_metric": len}, "binary", TypeError, "built-in XGBoost metric names"),
    ],
    ids=[
        "gamma-neg", "floor-neg", "alpha-gt1", "alpha-seq-binary-len3", "alpha-bad-rule", "gamma-len", "beta-1",
        "alpha-len", "alpha-dict-missing",
        "alpha-dict-unknown", "single-class", "nan-label", "none-label", "correct-proba-int", "objective",
        "base-score", "callable-metric",
    ],
)  # fmt: skip
def test_bad_input_raises_before_training(kwargs, y_kind, exc, match):
    X, y = _multi(k=3) if y_kind == "multi" else _binary()
    if y_kind == "single":
        y = np.zeros_like(y)
    elif y_kind == "nan":
        y = y.astype(float)
        y[4] = np.nan
    elif y_kind == "none":
        y = np.where(y == 1, "a", "b").astype(object)
        y[4] = None
    clf = _small(**kwargs)
    with pytest.raises(exc, match=match):
        clf.fit(X, y, eval_set=[(X, y)])
    assert not clf.__sklearn_is_fitted__()


def test_unknown_eval_label_raises():
    X, y = _binary()
    with pytest.raises(ValueError, match="not seen in the training y"):
        _small().fit(X, y, eval_set=[(X, y + 1)])


# ---------------------------------------------------------------- data types
def test_pandas_categorical_and_feature_names():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    n = 300
    cat = pd.Categorical(rng.choice(["red", "green", "blue"], size=n))
    num = rng.normal(size=n)
    y = ((cat == "red") & (num > -0.5)) | (num > 1.5)
    df = pd.DataFrame({"colour": cat, "x": num})
    clf = _small(n_estimators=20, enable_categorical=True, tree_method="hist").fit(df, y)
    assert clf.feature_names_in_.tolist() == ["colour", "x"]
    assert clf.get_booster().feature_types[0] == "c"  # native categorical split support in use
    assert (clf.predict(df) == y).mean() > 0.8


def test_explicit_cpu_device():
    X, y = _multi(k=3)
    clf = _small(n_estimators=10, device="cpu").fit(X, y)
    config = json.loads(clf.get_booster().save_config())
    assert config["learner"]["generic_param"]["device"] == "cpu"
    np.testing.assert_array_equal(clf.predict_proba(X), _small(n_estimators=10).fit(X, y).predict_proba(X))


# ---------------------------------------------------------------- fitted facts and persistence
def test_fitted_attributes_repr_and_saved_model_metadata(tmp_path):
    X, y = _multi(k=3)
    y_str = np.array(["b", "a", "c"])[y]
    w = np.random.default_rng(8).uniform(0.5, 1.5, size=y.shape[0])
    clf = _small(gamma=1.5, alpha={"a": 1.0, "b": 2.0, "c": 0.5}, hess_floor=1e-4).fit(X, y_str, sample_weight=w)
    balance = np.array([w[y_str == c].sum() for c in ["a", "b", "c"]]) / w.sum()
    np.testing.assert_allclose(clf.class_balance_, balance)
    assert clf.gamma_ == 1.5 and clf.hess_floor_ == 1e-4
    np.testing.assert_array_equal(clf.alpha_, [1.0, 2.0, 0.5])
    codes = np.searchsorted(["a", "b", "c"], y_str)
    np.testing.assert_allclose(
        clf.initial_margin_, initial_margin(codes, gamma=1.5, alpha=[1.0, 2.0, 0.5], sample_weight=w, num_class=3)
    )
    text = repr(clf)
    assert "gamma_=1.5" in text and "alpha_=[1.0, 2.0, 0.5]" in text and "class_balance_=" in text
    assert "initial_margin_=" in text and "hess_floor_=0.0001" in text
    assert "fitted" not in repr(_small())

    path = tmp_path / "model.json"
    clf.save_model(path)
    raw = xgb.Booster(model_file=path)
    record = json.loads(raw.attr(BOOSTER_ATTRIBUTE))
    assert record["loss"] == "focal" and record["gamma"] == 1.5 and record["alpha"] == [1.0, 2.0, 0.5]
    assert record["classes"] == ["a", "b", "c"] and record["hess_floor"] == 1e-4
    np.testing.assert_allclose(record["initial_margin"], clf.initial_margin_)
    np.testing.assert_allclose(record["class_balance"], clf.class_balance_)
    assert json.loads(path.read_text())["learner"]["attributes"][BOOSTER_ATTRIBUTE] == raw.attr(BOOSTER_ATTRIBUTE)

    loaded = FocalXGBClassifier()
    loaded.load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.classes_.tolist() == ["a", "b", "c"] and loaded.gamma_ == 1.5
    clone(loaded)  # parameters stay valid after load_model


_CHILD = """
import sys, joblib, pickle
import numpy as np
with open(sys.argv[1], "rb") as fh:
    clf_pickle, X = pickle.load(fh)
clf_joblib = joblib.load(sys.argv[2])
np.save(sys.argv[3], clf_pickle.predict_proba(X))
np.save(sys.argv[4], clf_joblib.predict_proba(X))
print(type(clf_pickle).__module__, list(clf_joblib.predict(X[:3])), clf_joblib.gamma_)
"""


def test_pickle_and_joblib_in_fresh_process(tmp_path):
    joblib = pytest.importorskip("joblib")
    X, y = _multi(k=3)
    y_str = np.array(["x", "y", "z"])[y]
    clf = _small(gamma=2.0, alpha=[1.0, 2.0, 3.0], n_estimators=10).fit(X, y_str)
    (tmp_path / "m.pkl").write_bytes(pickle.dumps((clf, X)))
    joblib.dump(clf, tmp_path / "m.joblib")
    args = [str(tmp_path / name) for name in ("m.pkl", "m.joblib", "p1.npy", "p2.npy")]
    run = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(np.load(args[2]), expected)
    np.testing.assert_array_equal(np.load(args[3]), expected)
    assert run.stdout.split()[0] == "boostfocal.sklearn_xgboost"
    assert run.stdout.strip().endswith("2.0")
    assert str(list(clf.predict(X[:3]))) in run.stdout
