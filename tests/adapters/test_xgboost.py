"""XGBoost adapter: focal_objective, focal_metric, focal_params (issue 3)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from helpers import assert_float32_close

xgb = pytest.importorskip("xgboost")

from boostfocal import binary_focal_loss, initial_margin, softmax_focal_loss  # noqa: E402
from boostfocal.xgboost import (  # noqa: E402
    SOFTMAX_HESS_FACTOR,
    FocalObjective,
    focal_metric,
    focal_objective,
    focal_params,
)

BASE = {"max_depth": 3, "eta": 0.3, "nthread": 1, "tree_method": "hist", "seed": 0}


def _binary_data(n: int = 400, seed: int = 0, prevalence_shift: float = 1.2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > prevalence_shift).astype(np.float64)
    return X, y


def _multi_data(n: int = 400, k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.choice(k, size=n, p=np.linspace(1, 3, k) / np.linspace(1, 3, k).sum()).astype(np.float64)
    X = rng.normal(size=(n, 5))
    X[:, 0] += y
    X[:, 1] -= 0.5 * y
    return X, y


class _RecordingObjective(FocalObjective):
    """Records the margins of the first call (module level: picklable)."""

    first_margins = None

    def __call__(self, first, second, *, sample_weight=None):
        if self.first_margins is None:
            self.first_margins = np.array(first, copy=True)
        return super().__call__(first, second, sample_weight=sample_weight)


# ---------------------------------------------------------------- parity
def test_gamma0_binary_matches_native_logistic():
    X, y = _binary_data()
    d = xgb.DMatrix(X, label=y)
    params = focal_params(BASE, y_true=d, gamma=0.0)
    native = xgb.train(params, d, 50)
    focal = xgb.train(params, d, 50, obj=focal_objective(gamma=0.0))
    p_native, p_focal = native.predict(d), focal.predict(d)
    assert p_focal.shape == (X.shape[0],)
    assert np.all((p_focal > 0) & (p_focal < 1))  # probabilities, not margins
    np.testing.assert_allclose(p_focal, p_native, rtol=0, atol=1e-5)
    # the two models are not trivially constant
    assert p_native.std() > 0.1


def test_gamma0_multiclass_matches_native_softprob():
    X, y = _multi_data(k=4)
    d = xgb.DMatrix(X, label=y)
    params = focal_params(dict(BASE, num_class=4), y_true=d, gamma=0.0)
    native = xgb.train(params, d, 50)
    focal = xgb.train(params, d, 50, obj=focal_objective(gamma=0.0))
    p_native, p_focal = native.predict(d), focal.predict(d)
    assert p_focal.shape == (X.shape[0], 4)
    np.testing.assert_allclose(p_focal.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(p_focal, p_native, rtol=0, atol=1e-5)


def test_softmax_without_native_factor_does_not_match():
    """The factor 2 is what makes gamma=0 reproduce multi:softprob (it is not a no-op)."""
    assert SOFTMAX_HESS_FACTOR == 2.0
    X, y = _multi_data(k=3)
    d = xgb.DMatrix(X, label=y)
    params = focal_params(dict(BASE, num_class=3), y_true=d, gamma=0.0)
    native = xgb.train(params, d, 5)
    base_obj = focal_objective(gamma=0.0)

    def half(predt, dtrain):  # exact diagonal p(1-p), without XGBoost's factor
        g, h = base_obj(predt, dtrain)
        return g, h / SOFTMAX_HESS_FACTOR

    other = xgb.train(params, d, 5, obj=half)
    assert np.abs(other.predict(d) - native.predict(d)).max() > 1e-3


@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_focal_params_start_from_initial_margin_and_obj_sees_margins(num_class):
    X, y = _binary_data() if num_class is None else _multi_data(k=3)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=y.shape[0])
    d = xgb.DMatrix(X, label=y, weight=w)
    params = focal_params(dict(BASE, num_class=num_class) if num_class else BASE, y_true=d, gamma=2.0, alpha=None)
    expected = initial_margin(y, gamma=2.0, sample_weight=w, num_class=num_class)
    obj = _RecordingObjective(gamma=2.0)
    booster = xgb.train(params, d, 1, obj=obj)
    first = obj.first_margins
    expected_rows = np.broadcast_to(expected, first.shape)
    np.testing.assert_allclose(first, expected_rows, rtol=0, atol=1e-6)
    # zero trees: predict gives the starting probabilities
    empty = xgb.train(params, d, 0)
    prob0 = empty.predict(d)
    if num_class is None:
        np.testing.assert_allclose(prob0, 1 / (1 + np.exp(-expected)), atol=1e-6)
    else:
        e = np.exp(expected - expected.max())
        np.testing.assert_allclose(prob0, np.broadcast_to(e / e.sum(), prob0.shape), atol=1e-6)
    assert np.all(np.isfinite(booster.predict(d)))


def test_focal_params_accepts_arrays_and_leaves_input_untouched():
    _, y = _binary_data()
    params = dict(BASE, objective="reg:squarederror")
    out = focal_params(params, y_true=y, gamma=1.0, alpha=0.25)
    assert params["objective"] == "reg:squarederror" and "base_score" not in params
    z0 = initial_margin(y, gamma=1.0, alpha=0.25)
    assert out["objective"] == "binary:logistic"
    assert out["base_score"] == pytest.approx(1 / (1 + np.exp(-z0)))


# ---------------------------------------------------------------- training behaviour
@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_focal_train_loss_decreases_monotonically(num_class):
    if num_class is None:
        X, y = _binary_data(n=600, prevalence_shift=1.8)  # about 10 % positives
        params = focal_params(BASE, y_true=y, gamma=2.0, alpha=0.25)
        alpha = 0.25
    else:
        X, y = _multi_data(n=600, k=3)
        alpha = [0.5, 1.0, 2.0]
        params = focal_params(dict(BASE, num_class=3), y_true=y, gamma=2.0, alpha=alpha)
    d = xgb.DMatrix(X, label=y)
    result: dict = {}
    xgb.train(
        dict(params, eta=0.1),
        d,
        20,
        obj=focal_objective(gamma=2.0, alpha=alpha),
        custom_metric=focal_metric(gamma=2.0, alpha=alpha),
        evals=[(d, "train")],
        evals_result=result,
        verbose_eval=False,
    )
    losses = np.asarray(result["train"]["focal_loss"])
    assert losses.shape == (20,)
    assert np.all(np.diff(losses) < 0), losses


def test_metric_equals_core_weighted_mean():
    X, y = _binary_data(n=200)
    # DMatrix stores weights as float32: use float32-exact weights for a tight comparison
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=200).astype(np.float32).astype(np.float64)
    z = np.random.default_rng(3).normal(scale=3.0, size=200)
    d = xgb.DMatrix(X, label=y, weight=w)
    name, value = focal_metric(gamma=1.5, alpha=0.3)(z, d)
    expected = binary_focal_loss(y, z, gamma=1.5, alpha=0.3, sample_weight=w).sum() / w.sum()
    assert name == "focal_loss"
    assert value == pytest.approx(expected, rel=1e-12)
    # sklearn convention: value only
    assert focal_metric(gamma=1.5, alpha=0.3)(y, z, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    yk = np.array([0, 1, 2, 2.0])
    zk = np.random.default_rng(4).normal(size=(4, 3))
    dk = xgb.DMatrix(np.zeros((4, 1)), label=yk)
    _, vk = focal_metric(gamma=2.0, alpha=[1.0, 2.0, 0.5])(zk, dk)
    assert vk == pytest.approx(softmax_focal_loss(yk, zk, gamma=2.0, alpha=[1.0, 2.0, 0.5]).mean(), rel=1e-12)


def test_objective_matches_core_and_clips_hessian():
    rng = np.random.default_rng(6)
    y = (rng.random(300) < 0.3).astype(float)
    z = rng.normal(scale=6.0, size=300)  # many badly misclassified rows: negative exact hessian
    w = rng.uniform(0.5, 2.0, size=300).astype(np.float32).astype(np.float64)
    d = xgb.DMatrix(np.zeros((300, 1)), label=y, weight=w)
    from boostfocal import binary_focal_grad_hess, clip_hessian

    g, h = focal_objective(gamma=2.0, alpha=0.25, hess_floor=1e-3)(z, d)
    g_ref, h_ref = binary_focal_grad_hess(y, z, gamma=2.0, alpha=0.25, sample_weight=w)
    assert np.any(h_ref < 0)
    assert_float32_close(g, g_ref)
    assert_float32_close(h, clip_hessian(h_ref, 1e-3, sample_weight=w))
    assert np.all(h >= 1e-3 * w * (1 - 1e-7))


def test_extreme_settings_stay_finite():
    X, y = _binary_data(n=300)
    y_single = np.zeros_like(y)
    y_single[7] = 1.0  # a single positive
    for labels in (y, y_single):
        d = xgb.DMatrix(X, label=labels)
        params = focal_params(
            dict(BASE, eta=1.0, max_depth=6, reg_lambda=0.0, min_child_weight=0.0), y_true=d, gamma=5.0
        )
        booster = xgb.train(params, d, 30, obj=focal_objective(gamma=5.0))
        p = booster.predict(d)
        m = booster.predict(d, output_margin=True)
        assert np.all(np.isfinite(p)) and np.all(np.isfinite(m))
    # margins pushed to extremes through base_margin
    margin = np.where(np.arange(300) % 2 == 0, 1e4, -1e4).astype(np.float64)
    d = xgb.DMatrix(X, label=y, base_margin=margin)
    params = dict(BASE, eta=1.0, reg_lambda=0.0, min_child_weight=0.0, objective="binary:logistic")
    booster = xgb.train(params, d, 10, obj=focal_objective(gamma=5.0))
    d_pred = xgb.DMatrix(X, base_margin=margin)
    assert np.all(np.isfinite(booster.predict(d_pred, output_margin=True)))
    g, h = focal_objective(gamma=0.5)(
        np.concatenate([margin, -margin]), xgb.DMatrix(np.zeros((600, 1)), label=np.r_[y, y])
    )
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(h)) and np.all(h > 0)
    # softmax at eta=1, gamma=5
    Xk, yk = _multi_data(n=300, k=3)
    dk = xgb.DMatrix(Xk, label=yk)
    pk = focal_params(dict(BASE, num_class=3, eta=1.0, reg_lambda=0.0, min_child_weight=0.0), y_true=dk, gamma=5.0)
    bk = xgb.train(pk, dk, 30, obj=focal_objective(gamma=5.0))
    assert np.all(np.isfinite(bk.predict(dk, output_margin=True)))


@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_integer_weights_equal_repeated_rows(num_class):
    X, y = _binary_data(n=120) if num_class is None else _multi_data(n=120, k=3)
    w = np.random.default_rng(8).integers(1, 4, size=y.shape[0])
    extra = {"num_class": num_class} if num_class else {}
    d_w = xgb.DMatrix(X, label=y, weight=w.astype(float))
    d_rep = xgb.DMatrix(np.repeat(X, w, axis=0), label=np.repeat(y, w))
    p_w = focal_params(dict(BASE, **extra), y_true=d_w, gamma=2.0)
    p_rep = focal_params(dict(BASE, **extra), y_true=d_rep, gamma=2.0)
    assert p_w["base_score"] == pytest.approx(p_rep["base_score"], abs=1e-9)
    b_w = xgb.train(p_w, d_w, 20, obj=focal_objective(gamma=2.0))
    b_rep = xgb.train(p_rep, d_rep, 20, obj=focal_objective(gamma=2.0))
    d_test = xgb.DMatrix(X)
    np.testing.assert_allclose(b_w.predict(d_test), b_rep.predict(d_test), rtol=0, atol=1e-5)


def test_early_stopping_selects_argmin_of_validation_focal_loss():
    X, y = _binary_data(n=600, seed=3)
    dtr = xgb.DMatrix(X[:300], label=y[:300])
    dva = xgb.DMatrix(X[300:], label=y[300:])
    params = focal_params(dict(BASE, eta=0.5, max_depth=6), y_true=dtr, gamma=2.0, alpha=0.25)
    result: dict = {}
    booster = xgb.train(
        params,
        dtr,
        200,
        obj=focal_objective(gamma=2.0, alpha=0.25),
        custom_metric=focal_metric(gamma=2.0, alpha=0.25),
        evals=[(dtr, "train"), (dva, "valid")],
        early_stopping_rounds=10,
        evals_result=result,
        verbose_eval=False,
    )
    valid = np.asarray(result["valid"]["focal_loss"])
    assert len(valid) < 200  # it did stop early
    assert booster.best_iteration == int(np.argmin(valid))
    assert booster.best_score == pytest.approx(valid.min())


def test_xgbclassifier_uses_sample_weight_and_matches_native():
    X, y = _binary_data(n=300)
    w = np.random.default_rng(9).uniform(0.2, 3.0, size=300)
    z0 = float(initial_margin(y, gamma=0.0, sample_weight=w))
    kw = dict(n_estimators=30, max_depth=3, learning_rate=0.3, n_jobs=1, base_score=1 / (1 + np.exp(-z0)))
    native = xgb.XGBClassifier(**kw).fit(X, y, sample_weight=w)
    focal = xgb.XGBClassifier(objective=focal_objective(gamma=0.0), **kw).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(focal.predict_proba(X), native.predict_proba(X), rtol=0, atol=1e-5)
    unweighted = xgb.XGBClassifier(objective=focal_objective(gamma=0.0), **kw).fit(X, y)
    assert np.abs(unweighted.predict_proba(X) - focal.predict_proba(X)).max() > 1e-3


def test_xgbclassifier_early_stopping_on_focal_metric():
    X, y = _binary_data(n=600, seed=4)
    clf = xgb.XGBClassifier(
        objective=focal_objective(gamma=2.0),
        eval_metric=focal_metric(gamma=2.0),
        n_estimators=200,
        learning_rate=0.5,
        max_depth=6,
        early_stopping_rounds=10,
        n_jobs=1,
    )
    clf.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], verbose=False)
    valid = np.asarray(clf.evals_result_["validation_0"]["focal_loss"])
    assert len(valid) < 200
    assert clf.best_iteration == int(np.argmin(valid))


# ---------------------------------------------------------------- persistence
@pytest.mark.parametrize("num_class", [None, 3], ids=["binary", "softmax3"])
def test_save_load_json_identical(tmp_path, num_class):
    X, y = _binary_data() if num_class is None else _multi_data(k=3)
    extra = {"num_class": num_class} if num_class else {}
    d = xgb.DMatrix(X, label=y)
    params = focal_params(dict(BASE, **extra), y_true=d, gamma=2.0)
    booster = xgb.train(params, d, 10, obj=focal_objective(gamma=2.0))
    path = tmp_path / "model.json"
    booster.save_model(path)
    loaded = xgb.Booster(model_file=path)
    np.testing.assert_array_equal(loaded.predict(d), booster.predict(d))
    config = json.loads(loaded.save_config())
    assert config["learner"]["objective"]["name"] == params["objective"]


_CHILD = """
import pickle, sys
import numpy as np
clf, X = pickle.load(open(sys.argv[1], "rb"))
np.save(sys.argv[2], clf.predict_proba(X))
obj = clf.objective
print(type(obj).__module__, type(obj).__name__, obj.gamma)
"""


def test_pickled_xgbclassifier_in_fresh_process(tmp_path):
    X, y = _multi_data(n=200, k=3)
    clf = xgb.XGBClassifier(objective=focal_objective(gamma=2.0, alpha=[1.0, 2.0, 0.5]), n_estimators=10, n_jobs=1)
    clf.fit(X, y)
    assert len(clf.objective._cache) == 1  # the label cache was filled ...
    blob = pickle.dumps((clf, X))
    assert pickle.loads(blob)[0].objective._cache == ()  # ... but is not shipped
    model_path = tmp_path / "clf.pkl"
    model_path.write_bytes(blob)
    out = tmp_path / "proba.npy"
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(model_path), str(out)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["boostfocal.xgboost", "FocalObjective", "2.0"]
    np.testing.assert_array_equal(np.load(out), clf.predict_proba(X))


# ---------------------------------------------------------------- validation
def test_label_cache_revalidates_changed_labels():
    X, y = _binary_data(n=100)
    d = xgb.DMatrix(X, label=y)
    obj = focal_objective(gamma=2.0)
    z = np.zeros(100)
    g1, _ = obj(z, d)
    d.set_label(1.0 - y)
    g2, _ = obj(z, d)
    g_fresh, _ = focal_objective(gamma=2.0)(z, d)
    np.testing.assert_array_equal(g2, g_fresh)
    assert not np.array_equal(g1, g2)
    bad = y.copy()
    bad[3] = 2.0
    d.set_label(bad)
    with pytest.raises(ValueError, match="only 0 and 1"):
        obj(z, d)


def test_metric_alternating_datasets_uses_the_right_labels():
    X, y = _binary_data(n=100)
    d1 = xgb.DMatrix(X, label=y)
    d2 = xgb.DMatrix(X, label=1.0 - y)
    z = np.random.default_rng(1).normal(size=100)
    metric = focal_metric(gamma=2.0)
    first = [metric(z, d1)[1], metric(z, d2)[1]]
    again = [metric(z, d1)[1], metric(z, d2)[1]]
    assert first == again and first[0] != first[1]
    assert len(metric._cache) == 2  # both datasets cached, validated once each
    assert first[1] == pytest.approx(focal_metric(gamma=2.0)(z, d2)[1], rel=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"gamma": -1.0}, ValueError, "gamma"),
        ({"gamma": float("nan")}, ValueError, "gamma"),
        ({"gamma": "2"}, TypeError, "gamma"),
        ({"alpha": -0.5}, ValueError, "alpha"),
        ({"alpha": "0.25"}, TypeError, "alpha"),
        ({"hess_floor": -1e-6}, ValueError, "hess_floor"),
    ],
    ids=["gamma-neg", "gamma-nan", "gamma-str", "alpha-neg", "alpha-str", "floor-neg"],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        focal_objective(**kwargs)
    kwargs.pop("hess_floor", None)
    if kwargs:
        with pytest.raises(exc, match=match):
            focal_metric(**kwargs)


def _trees(booster) -> int:
    return booster.num_boosted_rounds()


def test_bad_labels_and_alpha_raise_before_any_tree():
    X, y = _binary_data(n=100)
    bad = y.copy()
    bad[0] = 2.0
    d_bad = xgb.DMatrix(X, label=bad)
    with pytest.raises(ValueError, match="only 0 and 1"):
        focal_params(BASE, y_true=d_bad, gamma=2.0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        xgb.train(dict(BASE, objective="binary:logistic"), d_bad, 5, obj=focal_objective(gamma=2.0))
    # binary with a per-class alpha, or alpha > 1
    d = xgb.DMatrix(X, label=y)
    with pytest.raises(ValueError, match="alpha"):
        xgb.train(dict(BASE, objective="binary:logistic"), d, 5, obj=focal_objective(alpha=[0.5, 0.5, 1.0]))
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        focal_params(BASE, y_true=y, gamma=2.0, alpha=3.0)
    # multiclass: labels outside [0, K), alpha of the wrong length
    Xk, yk = _multi_data(n=100, k=3)
    bad_k = yk.copy()
    bad_k[5] = 3.0
    params = dict(BASE, objective="multi:softprob", num_class=3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        xgb.train(params, xgb.DMatrix(Xk, label=bad_k), 5, obj=focal_objective())
    with pytest.raises(ValueError, match="length 3 expected, got length 2"):
        xgb.train(params, xgb.DMatrix(Xk, label=yk), 5, obj=focal_objective(alpha=[1.0, 2.0]))
    with pytest.raises(ValueError, match="length 3 expected, got length 2"):
        focal_params(params, y_true=yk, alpha=[1.0, 2.0])
    with pytest.raises(ValueError, match="num_class"):
        focal_params(BASE, y_true=yk, num_class=1)
    # negative or NaN weights (XGBoost's DMatrix rejects negative ones itself; the sklearn path does not)
    for bad_w in (np.r_[-1.0, np.ones(99)], np.r_[np.nan, np.ones(99)]):
        with pytest.raises(ValueError, match="sample_weight"):
            focal_objective()(y, np.zeros(100), sample_weight=bad_w)
    with pytest.raises(ValueError, match="y_true"):
        focal_objective()(np.r_[np.nan, y[1:]], np.zeros(100))


def test_bad_labels_raise_before_training_in_xgbclassifier():
    X, y = _binary_data(n=100)
    clf = xgb.XGBClassifier(objective=focal_objective(alpha=[1.0, 1.0, 1.0]), n_estimators=3, n_jobs=1)
    Xk, yk = _multi_data(n=100, k=4)
    with pytest.raises(ValueError, match="length 4 expected, got length 3"):
        clf.fit(Xk, yk)
