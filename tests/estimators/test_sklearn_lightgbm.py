"""FocalLGBMClassifier: LGBMClassifier trained with focal loss (issue 5, LightGBM half)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

lgb = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from boostfocal import binary_focal_loss, initial_margin  # noqa: E402
from boostfocal.lightgbm import focal_metadata  # noqa: E402
from boostfocal.lightgbm import predict_proba as booster_predict_proba  # noqa: E402
from boostfocal.sklearn_lightgbm import FocalLGBMClassifier  # noqa: E402

KW = dict(
    n_estimators=20,
    num_leaves=7,
    learning_rate=0.3,
    min_child_samples=5,
    n_jobs=1,
    verbose=-1,
    deterministic=True,
    force_row_wise=True,
)


def _binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.7 * X[:, 1] + 0.6 * rng.normal(size=n) > 0.9).astype(int)
    return X, y


def _multi(n=400, k=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 2] + 0.4 * rng.normal(size=n), np.linspace(-1, 1, k - 1))
    return X, y


# ---------------------------------------------------------------- scikit-learn conformance
# Built with explicit LGBMClassifier parameters only: LightGBM stores **kwargs (e.g. verbose)
# as attributes, which check_no_attributes_set_in_init rejects for plain LGBMClassifier too.
# Every check passes (scikit-learn 1.9.1, LightGBM 4.7), also with the probability correction on
# (predict stays the argmax of predict_proba): no expected failures.
@parametrize_with_checks(
    [FocalLGBMClassifier(n_estimators=20, n_jobs=1), FocalLGBMClassifier(n_estimators=20, n_jobs=1, correct_proba=True)]
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_params_get_set_clone():
    clf = FocalLGBMClassifier(gamma=1.0, alpha=0.3, hess_floor=1e-4, num_leaves=9)
    params = clf.get_params()
    assert params["gamma"] == 1.0 and params["alpha"] == 0.3 and params["hess_floor"] == 1e-4
    assert params["num_leaves"] == 9 and "learning_rate" in params
    clf.set_params(gamma=3.0, alpha=[1.0, 2.0, 3.0])
    twin = clone(clf)
    assert twin.get_params()["gamma"] == 3.0 and twin.get_params()["alpha"] == [1.0, 2.0, 3.0]


# ---------------------------------------------------------------- parity with LGBMClassifier
@pytest.mark.parametrize("kind", ["binary", "multiclass3"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gamma0_matches_plain_lgbmclassifier(kind, weighted):
    X, y = _binary() if kind == "binary" else _multi()
    w = np.random.default_rng(4).uniform(0.2, 3.0, len(y)) if weighted else None
    focal = FocalLGBMClassifier(gamma=0.0, **KW).fit(X, y, sample_weight=w)
    plain = lgb.LGBMClassifier(**KW).fit(X, y, sample_weight=w)
    p_focal, p_plain = focal.predict_proba(X), plain.predict_proba(X)
    assert p_focal.shape == p_plain.shape == (len(y), len(np.unique(y)))
    assert np.max(np.abs(p_focal - p_plain)) < 1e-5
    assert np.array_equal(focal.predict(X), plain.predict(X))
    assert np.allclose(p_focal.sum(axis=1), 1.0, atol=1e-12)


def test_class_weight_balanced_matches_plain():
    X, y = _binary()
    focal = FocalLGBMClassifier(gamma=0.0, class_weight="balanced", **KW).fit(X, y)
    plain = lgb.LGBMClassifier(class_weight="balanced", **KW).fit(X, y)
    assert np.max(np.abs(focal.predict_proba(X) - plain.predict_proba(X))) < 1e-5
    assert focal.class_balance_ == pytest.approx([0.5, 0.5])
    assert focal.get_params()["class_weight"] == "balanced"


# ---------------------------------------------------------------- labels
@pytest.mark.parametrize(
    "mapping",
    [{0: "cat", 1: "dog"}, {0: False, 1: True}, {0: -3, 1: 7}],
    ids=["strings", "bools", "ints"],
)
def test_label_types_round_trip(mapping):
    X, y = _binary()
    labels = pd.Series([mapping[v] for v in y], name="target")
    clf = FocalLGBMClassifier(gamma=2.0, **KW).fit(X, labels)
    assert list(clf.classes_) == sorted(mapping.values())
    pred = clf.predict(X)
    assert set(pred.tolist()) <= set(mapping.values())
    assert np.mean(pred == labels.to_numpy()) > 0.85
    proba = clf.predict_proba(X)
    # column j is the probability of classes_[j]
    positive = clf.classes_[1] == mapping[1]
    col = 1 if positive else 0
    assert np.mean(proba[y == 1, col]) > np.mean(proba[y == 0, col]) + 0.3


def test_multiclass_alpha_dict_equals_sequence_in_classes_order():
    X, y = _multi()
    names = np.array(["c", "a", "b"])[y]  # classes_ = ['a', 'b', 'c']
    by_dict = FocalLGBMClassifier(alpha={"a": 0.5, "b": 1.0, "c": 2.0}, **KW).fit(X, names)
    by_seq = FocalLGBMClassifier(alpha=[0.5, 1.0, 2.0], **KW).fit(X, names)
    uniform = FocalLGBMClassifier(alpha=None, **KW).fit(X, names)
    assert list(by_dict.classes_) == ["a", "b", "c"]
    assert np.array_equal(by_dict.predict_proba(X), by_seq.predict_proba(X))
    assert np.array_equal(by_dict.alpha_, [0.5, 1.0, 2.0])
    assert np.max(np.abs(by_dict.predict_proba(X) - uniform.predict_proba(X))) > 1e-3


# ---------------------------------------------------------------- starting margin, metrics, early stopping
def test_initial_margin_is_used_and_included():
    X, y = _binary()
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    clf = FocalLGBMClassifier(gamma=2.0, alpha=0.25, **{**KW, "n_estimators": 1, "learning_rate": 1e-9}).fit(
        X, y, sample_weight=w
    )
    z0 = initial_margin(y, gamma=2.0, alpha=0.25, sample_weight=w)
    assert clf.initial_margin_ == pytest.approx(z0, abs=1e-12)
    # one almost-zero step: the prediction is the starting margin
    assert np.allclose(clf.predict_proba(X)[:, 1], 1.0 / (1.0 + np.exp(-z0)), atol=1e-6)


def test_early_stopping_uses_focal_loss_and_best_iteration():
    X, y = _binary(n=300, seed=2)
    Xv, yv = _binary(n=300, seed=3)
    clf = FocalLGBMClassifier(
        gamma=2.0,
        alpha=0.25,
        **{**KW, "n_estimators": 300, "num_leaves": 31, "min_child_samples": 2, "learning_rate": 0.5},
        early_stopping_round=10,
    )
    clf.fit(X, y, eval_set=[(Xv, yv)], eval_metric="average_precision")
    curves = clf.evals_result_["valid_0"]
    assert list(curves) == ["focal_loss", "average_precision"]  # no spurious binary_logloss
    focal = np.array(curves["focal_loss"])
    assert len(focal) < 300
    assert clf.best_iteration_ == int(np.argmin(focal)) + 1
    # the recorded value is the focal loss of the model's probabilities (margin included)
    z = clf.predict_proba(Xv, raw_score=True)
    assert focal.min() == pytest.approx(np.mean(binary_focal_loss(yv, z, gamma=2.0, alpha=0.25)), rel=1e-6)
    # predict uses best_iteration_, not the last round trained (len(focal) > best_iteration_)
    assert len(focal) > clf.best_iteration_
    assert np.array_equal(clf.predict_proba(Xv), clf.predict_proba(Xv, num_iteration=clf.best_iteration_))
    assert np.array_equal(clf.predict(Xv), clf.classes_[np.argmax(clf.predict_proba(Xv), axis=1)])
    # LightGBM's positional predict arguments: raw_score first
    assert np.array_equal(clf.predict(Xv, True), clf.predict_proba(Xv, raw_score=True))
    assert np.max(np.abs(clf.predict_proba(Xv, num_iteration=clf.best_iteration_ - 1) - clf.predict_proba(Xv))) > 1e-6
    # average precision is maximised: recorded higher-is-better, computed on probabilities
    from sklearn.metrics import average_precision_score

    assert curves["average_precision"][clf.best_iteration_ - 1] == pytest.approx(
        average_precision_score(yv, clf.predict_proba(Xv)[:, 1]), rel=1e-9
    )


def test_eval_x_eval_y_equals_eval_set_and_user_callable_gets_probabilities():
    X, y = _multi()
    Xv, yv = _multi(seed=8)
    seen = {}

    def brier(y_true, proba):
        seen["shape"] = proba.shape
        seen["rowsum"] = proba.sum(axis=1)
        onehot = np.eye(proba.shape[1])[y_true.astype(int)]
        return "brier", float(np.mean(np.sum((proba - onehot) ** 2, axis=1))), False

    a = FocalLGBMClassifier(**KW).fit(X, y, eval_set=[(Xv, yv)], eval_metric=brier)
    b = FocalLGBMClassifier(**KW).fit(X, y, eval_X=(Xv,), eval_y=(yv,), eval_metric=[brier])
    assert a.evals_result_ == b.evals_result_
    assert seen["shape"] == (len(yv), 3) and np.allclose(seen["rowsum"], 1.0)
    p = a.predict_proba(Xv)
    expected = np.mean(np.sum((p - np.eye(3)[yv]) ** 2, axis=1))
    assert a.evals_result_["valid_0"]["brier"][-1] == pytest.approx(expected, rel=1e-9)


def test_grid_search_over_gamma_alpha():
    X, y = _binary(n=300)
    grid = GridSearchCV(
        FocalLGBMClassifier(n_estimators=10, num_leaves=7, n_jobs=1, verbose=-1),
        {"gamma": [0.0, 2.0], "alpha": [None, 0.25]},
        scoring="average_precision",
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.all(np.isfinite(scores)) and np.all(scores > 0.5)
    assert grid.best_estimator_.gamma_ == grid.best_params_["gamma"]


# ---------------------------------------------------------------- pandas, categoricals
def test_pandas_categorical_and_feature_names(tmp_path):
    rng = np.random.default_rng(5)
    n = 400
    colour = pd.Categorical(rng.choice(["red", "green", "blue"], size=n))
    num = rng.normal(size=n)
    y = ((colour == "red") | (num > 1.2)).astype(int)
    X = pd.DataFrame({"colour": colour, "num": num})
    clf = FocalLGBMClassifier(gamma=2.0, **KW).fit(X, y)
    assert list(clf.feature_name_) == ["colour", "num"]
    assert list(clf.feature_names_in_) == ["colour", "num"]
    model = clf.booster_.dump_model()
    assert model["pandas_categorical"] == [["blue", "green", "red"]]
    assert sum(tree["num_cat"] for tree in model["tree_info"]) > 0  # categorical splits were used
    assert np.mean(clf.predict(X) == y) > 0.95
    path = tmp_path / "cat.txt"
    clf.booster_.save_model(path)
    loaded = lgb.Booster(model_file=path)
    raw = clf.predict_proba(X, raw_score=True)
    assert np.array_equal(loaded.predict(X, raw_score=True), raw)


# ---------------------------------------------------------------- persistence, repr, native metadata
def test_pickle_joblib_fresh_process_and_native_model(tmp_path):
    import joblib

    X, y = _multi()
    labels = np.array(["low", "mid", "high"])[y]
    clf = FocalLGBMClassifier(gamma=1.5, alpha={"low": 1.0, "mid": 2.0, "high": 0.5}, **KW).fit(X, labels)
    proba = clf.predict_proba(X)
    np.save(tmp_path / "X.npy", X)
    joblib.dump(clf, tmp_path / "clf.joblib")
    with open(tmp_path / "clf.pkl", "wb") as fh:
        pickle.dump(clf, fh)
    code = (
        "import sys, pickle, joblib, numpy as np\n"
        "d = sys.argv[1]\n"
        "X = np.load(d + '/X.npy')\n"
        "a = joblib.load(d + '/clf.joblib')\n"
        "b = pickle.load(open(d + '/clf.pkl', 'rb'))\n"
        "np.save(d + '/pa.npy', a.predict_proba(X)); np.save(d + '/pb.npy', b.predict_proba(X))\n"
        "np.save(d + '/labels.npy', a.predict(X).astype(str))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=120)
    assert np.array_equal(np.load(tmp_path / "pa.npy"), proba)
    assert np.array_equal(np.load(tmp_path / "pb.npy"), proba)
    assert np.array_equal(np.load(tmp_path / "labels.npy"), clf.predict(X).astype(str))

    text = repr(clf)
    for fragment in (
        "gamma_=1.5",
        "alpha_=[0.5, 1.0, 2.0]",
        "hess_floor_='curvature'",
        "initial_margin_=",
        "class_balance_=",
    ):
        assert fragment in text  # alpha_ in classes_ order: high, low, mid

    path = tmp_path / "model.txt"
    clf.booster_.save_model(path)
    meta = focal_metadata(lgb.Booster(model_file=path))
    assert meta["loss"] == "focal" and meta["gamma"] == 1.5
    assert meta["alpha"] == [0.5, 1.0, 2.0]
    assert meta["classes"] == ["high", "low", "mid"]
    assert meta["class_balance"] == pytest.approx(clf.class_balance_.tolist())
    assert meta["initial_margin"] == pytest.approx(np.asarray(clf.initial_margin_).tolist())
    assert meta["softmax_hess_factor"] == pytest.approx(1.5)
    loaded = lgb.Booster(model_file=path)
    # the model file alone (margin inside, focal objective) gives the same probabilities
    assert np.allclose(booster_predict_proba(loaded, X), proba, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("params", "y_kind", "exc", "match"),
    [
        ({"gamma": -1.0}, "binary", ValueError, "gamma"),
        ({"alpha": [0.2, 0.3]}, "multi", ValueError, "alpha must have one weight per class"),
        ({"alpha": [0.2, 0.3, 0.5]}, "binary", ValueError, "one weight per class: length 2 expected"),
        ({"gamma": {"a": 1.0}}, "binary", ValueError, "gamma as a dict must give one value per class"),
        ({"alpha": {"x": 1.0}}, "multi", ValueError, "alpha as a dict"),
        ({}, "single", ValueError, "1 class"),
        ({}, "nan", ValueError, "NaN"),
        ({"correct_proba": "yes"}, "binary", TypeError, "correct_proba must be True or False"),
        ({"objective": "binary"}, "binary", ValueError, "objective"),
        ({"metric": "binary_logloss"}, "binary", ValueError, "metric"),
        ({"boosting_type": "rf"}, "binary", ValueError, "rf"),
    ],
    ids=[
        "gamma-negative",
        "alpha-length",
        "alpha-seq-binary-len3",
        "gamma-dict-keys",
        "alpha-dict-keys",
        "single-class",
        "nan-labels",
        "correct-proba-str",
        "objective-set",
        "metric-set",
        "random-forest",
    ],
)
def test_bad_input_fails_at_fit(params, y_kind, exc, match):
    X, y = _multi() if y_kind == "multi" else _binary()
    if y_kind == "single":
        y = np.zeros_like(y)
    if y_kind == "nan":
        y = y.astype(float)
        y[5] = np.nan
    clf = FocalLGBMClassifier(**params, n_estimators=2, verbose=-1)
    with pytest.raises(exc, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "booster_") or getattr(clf, "_Booster", None) is None


def test_eval_labels_outside_training_classes_and_init_score_rejected():
    X, y = _binary()
    with pytest.raises(ValueError, match="not seen in the training y"):
        FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(X, y, eval_set=[(X, y + 5)])
    with pytest.raises(ValueError, match="init_score"):
        FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(X, y, init_score=np.zeros(len(y)))
    first = FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(X, y)
    with pytest.raises(ValueError, match="init_model"):
        FocalLGBMClassifier(n_estimators=2, verbose=-1).fit(X, y, init_model=first.booster_)
