"""LightGBM adapter: focal_objective / focal_metric with lgb.train and LGBMClassifier (issue 4)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from helpers import assert_float32_close

lgb = pytest.importorskip("lightgbm")

from boostfocal import binary_focal_loss, initial_margin, softmax_focal_grad_hess, softmax_focal_loss  # noqa: E402
from boostfocal.lightgbm import (  # noqa: E402
    FocalMetric,
    FocalObjective,
    embed_initial_margin,
    focal_metadata,
    focal_metric,
    focal_objective,
    init_score,
    predict_proba,
    softmax_hess_factor,
)

# deterministic, single-threaded, no built-in metric
BASE = {
    "verbose": -1,
    "num_leaves": 7,
    "learning_rate": 0.3,
    "min_data_in_leaf": 5,
    "metric": "None",
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
}


def _binary_data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.7 * X[:, 1] + 0.6 * rng.normal(size=n) > 0.9).astype(int)
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def _multi_data(n: int = 400, k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 2] + 0.4 * rng.normal(size=n), np.linspace(-1, 1, k - 1))
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def _raw(booster, X):
    return booster.predict(X, raw_score=True)


# ---------------------------------------------------------------- parity, gamma = 0
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lgb_train_binary_gamma0_matches_native(weighted):
    X, y, w = _binary_data()
    w = w if weighted else None
    z0 = initial_margin(y, gamma=0.0, sample_weight=w)
    native = lgb.train(
        {**BASE, "objective": "binary"}, lgb.Dataset(X, y, weight=w, init_score=init_score(z0, len(y))), 25
    )
    focal = lgb.train(
        {**BASE, "objective": focal_objective(gamma=0.0)},
        lgb.Dataset(X, y, weight=w, init_score=init_score(z0, len(y))),
        25,
    )
    assert np.max(np.abs(_raw(native, X) - _raw(focal, X))) < 1e-6
    # same starting point: native boost-from-average would start from the weighted log-odds too
    assert abs(z0 - np.log(np.average(y, weights=w) / (1 - np.average(y, weights=w)))) < 1e-9


def test_lgb_train_weights_change_the_model():
    X, y, w = _binary_data()
    z0 = initial_margin(y, gamma=0.0)
    fits = [
        lgb.train(
            {**BASE, "objective": focal_objective(gamma=0.0)},
            lgb.Dataset(X, y, weight=ww, init_score=init_score(z0, len(y))),
            15,
        )
        for ww in (None, w)
    ]
    assert np.max(np.abs(_raw(fits[0], X) - _raw(fits[1], X))) > 1e-2


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lgb_train_multiclass_gamma0_matches_native(weighted):
    k = 4
    X, y, w = _multi_data(k=k)
    w = w if weighted else None
    z0 = initial_margin(y, gamma=0.0, sample_weight=w, num_class=k)
    params = {**BASE, "num_class": k}
    native = lgb.train(
        {**params, "objective": "multiclass"}, lgb.Dataset(X, y, weight=w, init_score=init_score(z0, len(y))), 20
    )
    focal = lgb.train(
        {**params, "objective": focal_objective(gamma=0.0)},
        lgb.Dataset(X, y, weight=w, init_score=init_score(z0, len(y))),
        20,
    )
    assert _raw(focal, X).shape == (len(y), k)
    assert np.max(np.abs(_raw(native, X) - _raw(focal, X))) < 1e-6


def test_multiclass_hessian_uses_lightgbm_factor():
    k = 3
    X, y, _ = _multi_data(n=50, k=k)
    z = np.random.default_rng(3).normal(size=(50, k))
    grad, hess = focal_objective(gamma=2.0, hess_floor=0.0)(y, z, None)
    g_ref, h_ref = softmax_focal_grad_hess(y, z, gamma=2.0)
    assert_float32_close(grad, g_ref)  # LightGBM's dtype
    expected = np.maximum(h_ref * softmax_hess_factor(k), 0.0)
    assert_float32_close(hess, expected)
    assert softmax_hess_factor(k) == pytest.approx(1.5)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lgbmclassifier_sample_weight_matches_native(weighted):
    X, y, w = _binary_data()
    w = w if weighted else None
    z0 = init_score(initial_margin(y, gamma=0.0, sample_weight=w), len(y))
    kw = dict(
        n_estimators=20,
        num_leaves=7,
        learning_rate=0.3,
        min_child_samples=5,
        n_jobs=1,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )
    native = lgb.LGBMClassifier(objective="binary", **kw).fit(X, y, sample_weight=w, init_score=z0)
    focal = lgb.LGBMClassifier(objective=focal_objective(gamma=0.0), metric="None", **kw).fit(
        X, y, sample_weight=w, init_score=z0
    )
    diff = np.max(np.abs(native.booster_.predict(X, raw_score=True) - focal.booster_.predict(X, raw_score=True)))
    assert diff < 1e-6
    if weighted:  # and the weights really reached the objective
        unweighted = lgb.LGBMClassifier(objective=focal_objective(gamma=0.0), metric="None", **kw).fit(
            X, y, init_score=z0
        )
        gap = np.max(np.abs(unweighted.booster_.predict(X, raw_score=True) - focal.booster_.predict(X, raw_score=True)))
        assert gap > 1e-2


def test_objective_and_metric_have_three_parameters():
    # LightGBM's sklearn wrappers pass weights only to callables with >= 3 parameters
    from inspect import signature

    assert len(signature(focal_objective()).parameters) == 3
    assert len(signature(focal_metric()).parameters) == 3


def test_sklearn_eval_metric_receives_eval_weights():
    X, y, w = _binary_data()
    Xv, yv, wv = _binary_data(n=200, seed=5)
    metric = focal_metric(gamma=2.0, alpha=0.3)
    clf = lgb.LGBMClassifier(
        objective=focal_objective(gamma=2.0, alpha=0.3), metric="None", n_estimators=5, verbose=-1, n_jobs=1
    )
    clf.fit(X, y, eval_X=(Xv,), eval_y=(yv,), eval_sample_weight=[wv], eval_metric=metric)
    recorded = clf.evals_result_["valid_0"]["focal_loss"][-1]
    z = clf.booster_.predict(Xv, raw_score=True)
    expected = np.sum(binary_focal_loss(yv, z, gamma=2.0, alpha=0.3, sample_weight=wv)) / wv.sum()
    unweighted = np.mean(binary_focal_loss(yv, z, gamma=2.0, alpha=0.3))
    assert recorded == pytest.approx(expected, rel=1e-7)  # LightGBM stores weights as float32
    assert abs(recorded - unweighted) > 1e-6


def test_lgb_train_feval_multiclass_matches_core():
    k = 3
    X, y, w = _multi_data(k=k)
    ds = lgb.Dataset(X, y, weight=w)
    result: dict = {}
    booster = lgb.train(
        {**BASE, "objective": focal_objective(gamma=1.0), "num_class": k},
        ds,
        4,
        valid_sets=[ds],
        valid_names=["train"],
        feval=focal_metric(gamma=1.0),
        callbacks=[lgb.record_evaluation(result)],
    )
    z = _raw(booster, X)
    expected = np.sum(softmax_focal_loss(y, z, gamma=1.0, sample_weight=w)) / w.sum()
    assert result["train"]["focal_loss"][-1] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- gamma = 2 training
@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_focal_training_loss_decreases(num_class):
    if num_class is None:
        X, y, w = _binary_data()
        params = {**BASE, "learning_rate": 0.1}
    else:
        X, y, w = _multi_data(k=num_class)
        params = {**BASE, "learning_rate": 0.1, "num_class": num_class}
    z0 = initial_margin(y, gamma=2.0, alpha=None, num_class=num_class)
    ds = lgb.Dataset(X, y, init_score=init_score(z0, len(y)))
    result: dict = {}
    lgb.train(
        {**params, "objective": focal_objective(gamma=2.0)},
        ds,
        20,
        valid_sets=[ds],
        valid_names=["train"],
        feval=focal_metric(gamma=2.0),
        callbacks=[lgb.record_evaluation(result)],
    )
    losses = np.array(result["train"]["focal_loss"])
    assert losses.shape == (20,)
    assert np.all(np.diff(losses) < 0), losses
    assert losses[-1] < 0.7 * losses[0]


def test_extreme_settings_stay_finite():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 3))
    y = np.zeros(200, dtype=int)
    y[17] = 1  # a single positive
    for start in (-60.0, 60.0):  # extreme starting margins
        ds = lgb.Dataset(X, y, init_score=np.full(200, start))
        booster = lgb.train(
            {**BASE, "objective": focal_objective(gamma=5.0, alpha=0.9), "learning_rate": 1.0, "min_data_in_leaf": 1},
            ds,
            30,
        )
        proba = predict_proba(booster, X, initial_margin=start)
        assert np.all(np.isfinite(_raw(booster, X)))
        assert np.all((proba >= 0) & (proba <= 1))
    for z in (np.array([-1e4, 1e4, -100.0, 100.0]), np.array([-1e4, 1e4, -100.0, 100.0], dtype=np.float32)):
        grad, hess = focal_objective(gamma=5.0)(np.array([1, 0, 1, 0]), z, np.ones(4))
        assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess)) and np.all(hess >= 1e-16)  # curvature policy
        _, hess_abs = focal_objective(gamma=5.0, hess_floor=1e-6)(np.array([1, 0, 1, 0]), z, np.ones(4))
        assert np.all(hess_abs >= 1e-6)  # the absolute floor, when asked for
        name, value, higher = focal_metric(gamma=5.0)(np.array([1, 0, 1, 0]), z, None)
        assert np.isfinite(value) and higher is False
    zk = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    grad, hess = focal_objective(gamma=0.5)(np.array([1, 0]), zk, None)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    assert np.all(np.isfinite(predict_proba(booster, X * 1e6, initial_margin=60.0)))


def test_hessian_floor_scales_with_weight_and_does_not_touch_inputs():
    y = np.array([1, 1, 0])
    z = np.array([-6.0, -6.0, 6.0])  # badly wrong: exact hessian negative at gamma = 2
    w = np.array([1.0, 4.0, 0.0])
    z_copy, w_copy = z.copy(), w.copy()
    _, hess = focal_objective(gamma=2.0, hess_floor=1e-3)(y, z, w)
    assert hess[0] == pytest.approx(1e-3) and hess[1] == pytest.approx(4e-3) and hess[2] == 0.0
    assert np.array_equal(z, z_copy) and np.array_equal(w, w_copy)


# ---------------------------------------------------------------- early stopping
def test_early_stopping_picks_argmin_of_validation_focal_loss():
    X, y, _ = _binary_data(n=300, seed=2)
    Xv, yv, _ = _binary_data(n=300, seed=3)
    z0 = initial_margin(y, gamma=2.0, alpha=0.25)
    train = lgb.Dataset(X, y, init_score=init_score(z0, len(y)))
    valid = lgb.Dataset(Xv, yv, init_score=init_score(z0, len(yv)), reference=train)
    result: dict = {}
    booster = lgb.train(
        {
            **BASE,
            "objective": focal_objective(gamma=2.0, alpha=0.25),
            "learning_rate": 0.5,
            "num_leaves": 31,
            "min_data_in_leaf": 2,
        },
        train,
        300,
        valid_sets=[valid],
        valid_names=["valid"],
        feval=focal_metric(gamma=2.0, alpha=0.25),
        callbacks=[lgb.early_stopping(10, verbose=False), lgb.record_evaluation(result)],
    )
    losses = np.array(result["valid"]["focal_loss"])
    assert len(losses) < 300  # it did stop early
    assert booster.best_iteration == int(np.argmin(losses)) + 1
    # the recorded loss is the focal loss of the model's predictions, init score included
    z_best = _raw(booster, Xv) + z0
    assert losses.min() == pytest.approx(np.mean(binary_focal_loss(yv, z_best, gamma=2.0, alpha=0.25)), rel=1e-6)


# ---------------------------------------------------------------- probabilities, embed, save / load
@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_embed_save_load_and_probabilities(tmp_path, num_class):
    if num_class is None:
        X, y, w = _binary_data()
        params = {**BASE}
    else:
        X, y, w = _multi_data(k=num_class)
        params = {**BASE, "num_class": num_class}
    z0 = initial_margin(y, gamma=2.0, sample_weight=w, num_class=num_class)
    booster = lgb.train(
        {**params, "objective": focal_objective(gamma=2.0)},
        lgb.Dataset(X, y, weight=w, init_score=init_score(z0, len(y))),
        10,
    )
    p_ext = predict_proba(booster, X, initial_margin=z0)
    embedded = embed_initial_margin(booster, z0, gamma=2.0, extra={"note": "test"})
    assert np.max(np.abs(_raw(embedded, X) - (_raw(booster, X) + z0))) < 1e-12
    p = predict_proba(embedded, X)
    assert np.max(np.abs(p - p_ext)) < 1e-12
    if num_class is None:
        assert p.shape == (len(y),)
        assert np.allclose(p, 1.0 / (1.0 + np.exp(-(_raw(booster, X) + z0))), rtol=1e-12)
    else:
        assert p.shape == (len(y), num_class)
        assert np.allclose(p.sum(axis=1), 1.0, atol=1e-12)
    path = tmp_path / "model.txt"
    embedded.save_model(str(path))
    loaded = lgb.Booster(model_file=str(path))
    assert np.array_equal(_raw(loaded, X), _raw(embedded, X))
    assert np.array_equal(predict_proba(loaded, X), p)
    meta = focal_metadata(loaded)
    assert meta == focal_metadata(path) == focal_metadata(embedded)
    assert meta["gamma"] == 2.0 and meta["loss"] == "focal" and meta["note"] == "test"
    assert np.allclose(meta["initial_margin"], z0, rtol=0, atol=0)
    # a second save keeps the record; pickling too
    path2 = tmp_path / "model2.txt"
    loaded.save_model(str(path2))
    assert focal_metadata(str(path2)) == meta
    assert focal_metadata(pickle.loads(pickle.dumps(embedded))) == meta
    # the margin cannot be counted twice
    with pytest.raises(ValueError, match="already"):
        predict_proba(loaded, X, initial_margin=z0)
    with pytest.raises(ValueError, match="already"):
        embed_initial_margin(loaded, z0, gamma=2.0)
    assert focal_metadata(booster) is None


def test_save_load_unembedded_booster_same_raw(tmp_path):
    X, y, _ = _binary_data()
    booster = lgb.train({**BASE, "objective": focal_objective(gamma=2.0)}, lgb.Dataset(X, y), 8)
    path = tmp_path / "plain.txt"
    booster.save_model(path)
    loaded = lgb.Booster(model_file=path)
    assert np.array_equal(_raw(loaded, X), _raw(booster, X))
    assert np.array_equal(predict_proba(loaded, X, initial_margin=0.3), predict_proba(booster, X, initial_margin=0.3))


def test_objects_pickle_round_trip():
    obj = focal_objective(gamma=1.5, alpha=[0.2, 0.3, 0.5], hess_floor=1e-4)
    y = np.array([0, 1, 2, 1])
    z = np.random.default_rng(0).normal(size=(4, 3))
    obj(y, z, None)  # fills the cache
    clone = pickle.loads(pickle.dumps(obj))
    assert isinstance(clone, FocalObjective) and clone._cache == ()
    for a, b in zip(obj(y, z, None), clone(y, z, None), strict=True):
        assert np.array_equal(a, b)
    met = pickle.loads(pickle.dumps(focal_metric(gamma=1.5, name="fl")))
    assert isinstance(met, FocalMetric) and met(y, z, None)[0] == "fl"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"gamma": -1.0}, ValueError, "gamma"),
        ({"gamma": "2"}, TypeError, "gamma"),
        ({"alpha": -0.5}, ValueError, "alpha"),
        ({"alpha": "x"}, TypeError, "alpha"),
        ({"hess_floor": -1e-3}, ValueError, "hess_floor"),
    ],
    ids=["gamma-negative", "gamma-str", "alpha-range", "alpha-str", "floor-negative"],
)
def test_bad_hyperparameters_fail_at_construction(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        focal_objective(**kwargs)


def _count_calls_train(params, ds):
    booster = lgb.train(params, ds, 5)
    return booster.num_trees()


def test_bad_labels_and_alpha_fail_before_any_tree():
    X, y, _ = _binary_data(n=100)
    y_bad = y.copy()
    y_bad[3] = 2
    with pytest.raises(ValueError, match="y_true must contain only 0 and 1"):
        _count_calls_train({**BASE, "objective": focal_objective()}, lgb.Dataset(X, y_bad))
    Xk, yk, _ = _multi_data(n=100, k=4)
    with pytest.raises(ValueError, match="alpha must have one weight per class"):
        _count_calls_train(
            {**BASE, "objective": focal_objective(alpha=[0.5, 0.5, 1.0]), "num_class": 4}, lgb.Dataset(Xk, yk)
        )
    with pytest.raises(ValueError, match="alpha has 3 per-class values but the predictions are 1-D"):
        _count_calls_train({**BASE, "objective": focal_objective(alpha=[0.5, 0.5, 1.0])}, lgb.Dataset(X, y))
    with pytest.raises(ValueError, match="alpha must have one weight per class"):
        lgb.LGBMClassifier(objective=focal_objective(alpha=[1.0, 2.0]), verbose=-1, n_estimators=2).fit(Xk, yk)
    with pytest.raises(TypeError, match="weights are read from the Dataset"):
        focal_objective()(np.zeros(100), lgb.Dataset(X, y).construct(), np.ones(100))
    with pytest.raises(ValueError, match="margin"):
        init_score(np.array([[0.0, 1.0]]), 3)
    with pytest.raises(ValueError, match="n_samples"):
        init_score(0.1, 0)


# ---------------------------------------------------------------- the traps we document
def test_documented_lgbmclassifier_traps_still_hold():
    """LightGBM 4.7 with a callable objective: raw scores from predict_proba, binary_logloss on raw scores.

    The README tells users about these; if LightGBM fixes them, this test says so.
    """
    X, y, _ = _binary_data()
    Xv, yv, _ = _binary_data(seed=9)
    kw = dict(objective=focal_objective(gamma=2.0), n_estimators=30, verbose=-1, n_jobs=1)
    clf = lgb.LGBMClassifier(**kw)
    clf.fit(X, y, eval_X=(Xv,), eval_y=(yv,), callbacks=[lgb.early_stopping(3, verbose=False)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = clf.predict_proba(Xv)
    assert out.shape == (len(yv),)  # raw scores, not (n, 2) probabilities
    assert np.array_equal(out, clf.booster_.predict(Xv, raw_score=True))
    spurious = np.array(clf.evals_result_["valid_0"]["binary_logloss"])  # log loss of raw scores
    assert clf.best_iteration_ == int(np.argmin(spurious)) + 1  # and it drove early stopping
    z1 = clf.booster_.predict(Xv, raw_score=True, num_iteration=1)
    p1 = 1.0 / (1.0 + np.exp(-z1))
    true_logloss = -np.mean(yv * np.log(p1) + (1 - yv) * np.log1p(-p1))
    assert abs(spurious[0] - true_logloss) > 0.1  # not the log loss of the model's probabilities
    fixed = lgb.LGBMClassifier(**kw, metric="None")
    fixed.fit(
        X,
        y,
        eval_X=(Xv,),
        eval_y=(yv,),
        eval_metric=focal_metric(gamma=2.0),
        callbacks=[lgb.early_stopping(3, verbose=False)],
    )
    focal_curve = np.array(fixed.evals_result_["valid_0"]["focal_loss"])
    assert list(fixed.evals_result_["valid_0"]) == ["focal_loss"]
    assert fixed.best_iteration_ == int(np.argmin(focal_curve)) + 1
    assert fixed.best_iteration_ > clf.best_iteration_  # the spurious metric stopped too early
    p = predict_proba(fixed.booster_, Xv, initial_margin=0.0)
    assert p.shape == (len(yv),) and np.all((p > 0) & (p < 1))


def test_scalar_alpha_range_checked_at_construction():
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\].*1\.5"):
        focal_objective(alpha=1.5)  # a scalar alpha is the weight of class 1; per-class weights are a sequence
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\].*1\.5"):
        focal_metric(alpha=1.5)


@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_embed_initial_margin_linear_trees(tmp_path, num_class):
    # linear trees predict leaf_const + coeff . x: the margin must shift leaf_const too
    if num_class is None:
        X, y, _ = _binary_data()
        params = {**BASE}
    else:
        X, y, _ = _multi_data(k=num_class)
        params = {**BASE, "num_class": num_class}
    z0 = initial_margin(y, gamma=2.0, num_class=num_class)
    booster = lgb.train(
        {**params, "objective": focal_objective(gamma=2.0), "linear_tree": True},
        lgb.Dataset(X, y, init_score=init_score(z0, len(y))),
        6,
    )
    embedded = embed_initial_margin(booster, z0, gamma=2.0)
    X_nan = X.copy()
    X_nan[::7, 0] = np.nan  # rows that fall back to leaf_value
    for data in (X, X_nan):
        assert np.max(np.abs(_raw(embedded, data) - (_raw(booster, data) + z0))) < 1e-12
    path = tmp_path / "linear.txt"
    embedded.save_model(path)
    assert np.array_equal(_raw(lgb.Booster(model_file=path), X), _raw(embedded, X))


def test_probability_metric_wrapper_for_lgbmclassifier():
    from sklearn.metrics import average_precision_score

    from boostfocal.sklearn_lightgbm import probability_metric

    X, y, _ = _binary_data()
    Xv, yv, _ = _binary_data(seed=4)
    z0 = initial_margin(y, gamma=2.0)

    def ap(y_true, proba):
        return "ap", average_precision_score(y_true, proba), True

    clf = lgb.LGBMClassifier(objective=focal_objective(gamma=2.0), metric="None", n_estimators=5, verbose=-1, n_jobs=1)
    clf.fit(
        X,
        y,
        init_score=init_score(z0, len(y)),
        eval_X=(Xv,),
        eval_y=(yv,),
        eval_init_score=[init_score(z0, len(yv))],
        eval_metric=probability_metric(ap),
    )
    p = predict_proba(clf.booster_, Xv, initial_margin=z0)
    assert clf.evals_result_["valid_0"]["ap"][-1] == pytest.approx(average_precision_score(yv, p), rel=1e-12)
