"""Contracts both library adapters keep, parametrised over XGBoost and LightGBM (issue 12).

Each library is described once in ``LIBRARIES`` (how to train natively and with the
focal objective, how to read raw margins); every test runs for both.
"""

from __future__ import annotations

import inspect
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from helpers import assert_float32_close

from boostfocal import FocalLoss

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
from sklearn.datasets import make_classification  # noqa: E402

import boostfocal.lightgbm as bl  # noqa: E402
import boostfocal.xgboost as bx  # noqa: E402


@dataclass(frozen=True)
class Library:
    name: str
    module: Any

    def call(self, obj: Any, y: np.ndarray, z: np.ndarray, w: np.ndarray | None = None) -> Any:
        """The sklearn-style call of an objective or metric (labels, scores, weights)."""
        if self.name == "xgboost":
            return obj(y, z, sample_weight=w)
        return obj(y, z, w)

    def native_and_focal(self, X: np.ndarray, y: np.ndarray, k: int, rounds: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw margins of the native model and of ``focal_objective(gamma=0)`` at default settings."""
        if self.name == "xgboost":
            d = xgb.DMatrix(X, label=y)
            params = {"max_depth": 3, "eta": 0.3, "nthread": 1, **({"num_class": k} if k > 2 else {})}
            params = bx.focal_params(params, y_true=d, gamma=0.0)
            native = xgb.train(params, d, rounds)
            focal = xgb.train(params, d, rounds, obj=bx.focal_objective(gamma=0.0))
            return native.predict(d, output_margin=True), focal.predict(d, output_margin=True)
        params = {"num_leaves": 7, "learning_rate": 0.3, "verbose": -1, "num_threads": 1, "deterministic": True}
        params["boost_from_average"] = False  # a callable objective boosts from 0: start the native one there too
        params.update({"objective": "multiclass", "num_class": k} if k > 2 else {"objective": "binary"})
        native = lgb.train(params, lgb.Dataset(X, y), rounds)
        focal = lgb.train({**params, "objective": bl.focal_objective(gamma=0.0)}, lgb.Dataset(X, y), rounds)
        return native.predict(X, raw_score=True), focal.predict(X, raw_score=True)

    def softmax_rule(self) -> str:
        return self.module.PROFILE.softmax_rule


LIBRARIES = [Library("xgboost", bx), Library("lightgbm", bl)]
LIB_IDS = [lib.name for lib in LIBRARIES]


def _scores(k: int, n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if k == 2:
        return rng.integers(0, 2, n).astype(float), rng.standard_normal(n) * 3
    return rng.integers(0, k, n).astype(float), rng.standard_normal((n, k)) * 3


# ---------------------------------------------------------------- native parity at any length
@pytest.mark.parametrize("k", [2, 4], ids=["binary", "softmax4"])
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_gamma_zero_equals_the_native_objective_after_300_rounds(lib, k):
    """Default settings (hess_floor='curvature'): cross-entropy curvature is never changed by the floor."""
    X, y = make_classification(
        n_samples=600, n_features=6, n_informative=5, n_redundant=0, n_classes=k, class_sep=3.0, random_state=0
    )
    native, focal = lib.native_and_focal(X, y, k, rounds=300)
    diff = float(np.max(np.abs(native - focal)))
    assert np.max(np.abs(native)) > 5.0  # a separable set: confidently fitted rows, where a floor would bite
    assert diff < 1e-4, f"{lib.name} (softmax rule {lib.softmax_rule()!r}): max |raw score difference| {diff}"


@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_absolute_floor_of_0_1_is_still_available(lib):
    """hess_floor=1e-6 is the 0.1 policy ``max(h, 1e-6 w)`` (it differs from the default only where it binds)."""
    y, z = _scores(2)
    z[:5] = 30.0  # confidently fitted rows: p (1 - p) ~ 1e-13 < 1e-6
    y[:5] = 1.0
    _, h_default = lib.call(lib.module.focal_objective(gamma=0.0), y, z)
    _, h_abs = lib.call(lib.module.focal_objective(gamma=0.0, hess_floor=1e-6), y, z)
    np.testing.assert_array_equal(h_abs, np.maximum(h_default, 1e-6))
    assert np.all(h_default[:5] < 1e-12)


# ---------------------------------------------------------------- one loss, two spellings
@pytest.mark.parametrize("k", [2, 3], ids=["binary", "softmax3"])
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_loss_argument_equals_gamma_alpha(lib, k):
    alpha = 0.25 if k == 2 else [0.5, 1.0, 2.0]
    y, z = _scores(k)
    w = np.random.default_rng(1).random(len(y)) + 0.5
    by_params = lib.call(lib.module.focal_objective(gamma=2.0, alpha=alpha), y, z, w)
    link = "sigmoid" if k == 2 else "softmax"
    by_loss = lib.call(lib.module.focal_objective(loss=FocalLoss(gamma=2.0, alpha=alpha, link=link)), y, z, w)
    for a, b in zip(by_params, by_loss, strict=True):
        np.testing.assert_array_equal(a, b)
    m1 = lib.call(lib.module.focal_metric(gamma=2.0, alpha=alpha), y, z, w)
    m2 = lib.call(lib.module.focal_metric(loss=FocalLoss(gamma=2.0, alpha=alpha, link=link)), y, z, w)
    assert m1 == m2


@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_metric_is_the_weighted_mean_loss_and_lower_is_better(lib):
    y, z = _scores(2)
    w = np.random.default_rng(2).random(len(y))
    loss = FocalLoss(gamma=2.0, alpha=0.25)
    out = lib.call(lib.module.focal_metric(loss=loss), y, z, w)
    value = out if lib.name == "xgboost" else out[1]
    assert value == pytest.approx(loss.mean(y, z, w), rel=1e-12)
    if lib.name == "lightgbm":
        assert out[2] is False  # is_higher_better
    better = lib.call(lib.module.focal_metric(loss=loss), y, np.where(y == 1, 5.0, -5.0), w)
    assert (better if lib.name == "xgboost" else better[1]) < value


# ---------------------------------------------------------------- objects
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_objective_and_metric_pickle_with_their_loss(lib):
    y, z = _scores(3)
    obj = lib.module.focal_objective(loss=FocalLoss(gamma=1.5, alpha=[1.0, 2.0, 3.0], link="softmax"), n_jobs=1)
    metric = lib.module.focal_metric(gamma=1.5, alpha=[1.0, 2.0, 3.0])
    g, h = lib.call(obj, y, z)  # fills the label cache, which is not pickled
    obj2 = pickle.loads(pickle.dumps(obj))
    assert obj2.loss == obj.loss and obj2.hess_floor == obj.hess_floor and obj2._cache == ()
    for a, b in zip(lib.call(obj2, y, z), (g, h), strict=True):
        np.testing.assert_array_equal(a, b)
    assert lib.call(pickle.loads(pickle.dumps(metric)), y, z) == lib.call(metric, y, z)
    assert "FocalLoss(gamma=1.5" in repr(obj)


@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_label_cache_follows_changed_labels_and_weights(lib):
    obj = lib.module.focal_objective(gamma=2.0, alpha=0.25)
    y, z = _scores(2)
    g1, _ = lib.call(obj, y, z)
    y2 = 1.0 - y
    g2, _ = lib.call(obj, y2, z)
    np.testing.assert_array_equal(g2, lib.call(lib.module.focal_objective(gamma=2.0, alpha=0.25), y2, z)[0])
    assert not np.array_equal(g1, g2)
    w = np.full(len(y), 2.0)
    g3, _ = lib.call(obj, y2, z, w)
    np.testing.assert_allclose(g3, 2.0 * g2, rtol=1e-15)
    bad = y2.copy()
    bad[0] = 2.0
    with pytest.raises(ValueError, match="only 0 and 1"):
        lib.call(obj, bad, z)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gamma": -1.0}, ValueError, "gamma must be a finite number >= 0"),
        ({"alpha": 1.5}, ValueError, r"alpha must be in \[0, 1\].*1\.5"),
        ({"alpha": -0.1}, ValueError, r"alpha must be in \[0, 1\]"),
        ({"hess_floor": "clip"}, ValueError, "hess_floor must be 'curvature' or a finite number >= 0, got 'clip'"),
        ({"hess_floor": -1e-6}, ValueError, "hess_floor must be a finite number >= 0"),
        ({"loss": 2.0}, TypeError, "loss must be a boostfocal.FocalLoss"),
        ({"loss": FocalLoss(gamma=1.0), "gamma": 3.0}, ValueError, "either loss or its parameters"),
    ],
)
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_bad_parameters_fail_at_construction(lib, kwargs, error, match):
    with pytest.raises(error, match=match):
        lib.module.focal_objective(**kwargs)


_LOSS_KEYWORDS = ["gamma", "alpha", "loss", "label_smoothing", "negative_shift", "poly_epsilon"]
_TAKING_THE_LOSS = [
    bl.focal_objective, bl.focal_metric, bl.embed_initial_margin, bl.finalize, bl.FocalObjective, bl.FocalMetric,
    bx.focal_objective, bx.focal_metric, bx.focal_params, bx.finalize, bx.FocalObjective, bx.FocalMetric,
]  # fmt: skip


@pytest.mark.parametrize("func", _TAKING_THE_LOSS, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_factory_spells_out_the_loss_keywords_and_refuses_others(func):
    params = inspect.signature(func).parameters
    names = list(params)
    start = names.index("gamma")
    assert names[start : start + len(_LOSS_KEYWORDS)] == _LOSS_KEYWORDS  # together, in this order
    for name in _LOSS_KEYWORDS:
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY and params[name].default is None, name
        assert params[name].annotation is not inspect.Parameter.empty, name
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    with pytest.raises(TypeError, match=r"got an unexpected keyword argument 'gama'"):
        func(gama=2.0)


@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_a_loss_with_a_fixed_link_refuses_other_margins(lib):
    y, z = _scores(3)
    obj = lib.module.focal_objective(loss=FocalLoss(gamma=2.0, link="sigmoid"))
    with pytest.raises(ValueError, match=r"margin must have shape \(n_samples,\) for binary focal loss"):
        lib.call(obj, y, z)


# ---------------------------------------------------------------- the focal family (issue 14): per-class gamma
@pytest.mark.parametrize("smoothing", [0.0, 0.2], ids=["hard", "smoothed"])
@pytest.mark.parametrize("k", [2, 3], ids=["binary", "softmax3"])
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_per_class_gamma_reaches_the_kernel_with_the_library_rule(lib, k, smoothing):
    gamma = [0.5, 3.0] if k == 2 else [0.5, 1.0, 4.0]
    alpha = [1.0, 4.0] if k == 2 else [2.0, 1.0, 0.5]
    y, z = _scores(k)
    w = np.random.default_rng(4).random(len(y)) + 0.5
    obj = lib.module.focal_objective(gamma=gamma, alpha=alpha, label_smoothing=smoothing)
    g, h = lib.call(obj, y, z, w)
    link = "sigmoid" if k == 2 else "softmax"
    loss = FocalLoss(gamma=gamma, alpha=alpha, link=link, label_smoothing=smoothing)
    metric = lib.call(lib.module.focal_metric(gamma=gamma, alpha=alpha, label_smoothing=smoothing), y, z, w)
    assert (metric if lib.name == "xgboost" else metric[1]) == pytest.approx(loss.mean(y, z, w), rel=1e-12)
    scale = lib.module.PROFILE.softmax_hess_scale(k) if k > 2 else 1.0
    g_ref, h_ref = loss.grad_hess(y, z, w, hess_floor="curvature", hess_scale=scale)
    assert_float32_close(g, g_ref)  # float32 arithmetic within 1e-5 of float64 (tests/helpers.py)
    assert_float32_close(h, h_ref)
    # and it differs from one shared gamma: the per-class values are used
    g_one, _ = lib.call(lib.module.focal_objective(gamma=gamma[0], alpha=alpha, label_smoothing=smoothing), y, z, w)
    assert not np.allclose(g, g_one)


def test_per_class_gamma_survives_the_lightgbm_model_record(tmp_path):
    X, y = make_classification(n_samples=300, n_features=5, n_classes=3, n_informative=4, n_redundant=0, random_state=2)
    loss = FocalLoss(gamma=[0.5, 1.0, 4.0], alpha=[2.0, 1.0, 0.5], link="softmax", label_smoothing=0.1)
    z0 = loss.initial_margin(y, num_class=3)
    params = {"objective": bl.focal_objective(loss=loss), "num_class": 3, "verbose": -1, "num_leaves": 7}
    booster = lgb.train(params, lgb.Dataset(X, y, init_score=bl.init_score(z0, len(y))), 10)
    embedded = bl.embed_initial_margin(booster, z0, loss=loss)
    path = tmp_path / "model.txt"
    embedded.save_model(str(path))
    record = bl.focal_metadata(path)
    assert FocalLoss.from_dict(record) == loss.with_link("softmax", 3)
    assert record["gamma"] == [0.5, 1.0, 4.0] and record["label_smoothing"] == 0.1


@pytest.mark.parametrize("estimator", ["xgboost", "lightgbm"])
def test_estimators_take_per_class_gamma_and_data_dependent_alpha(estimator, tmp_path):
    from boostfocal import FocalLGBMClassifier, FocalXGBClassifier, class_balanced_alpha

    X, y = make_classification(n_samples=400, weights=[0.85], random_state=3)
    labels = np.where(y == 1, "fraud", "ok")  # classes_ = ["fraud", "ok"]: the rare class first
    cls = FocalXGBClassifier if estimator == "xgboost" else FocalLGBMClassifier
    kw: dict[str, Any] = {"n_estimators": 8} | ({"verbose": -1} if estimator == "lightgbm" else {})
    clf = cls(
        gamma={"fraud": 1.0, "ok": 3.0}, alpha="effective_number", balance_beta=0.99, label_smoothing=0.1, **kw
    ).fit(X, labels)
    assert clf.loss_.label_smoothing == 0.1
    codes = (labels == "ok").astype(int)
    np.testing.assert_allclose(clf.alpha_, class_balanced_alpha(codes, beta=0.99), rtol=1e-12)
    assert clf.gamma_ == [1.0, 3.0] and clf.loss_.gamma == [1.0, 3.0]
    balanced = cls(alpha="balanced", **kw).fit(X, labels)
    n_k = np.bincount(codes)
    np.testing.assert_allclose(balanced.alpha_, len(codes) / (2 * n_k), rtol=1e-12)
    from sklearn.base import clone

    again = clone(clf)
    assert again.get_params()["alpha"] == "effective_number" and again.get_params()["balance_beta"] == 0.99
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 2) and np.all(np.isfinite(clf.predict_posterior(X)))
    if estimator == "xgboost":
        path = tmp_path / "m.json"
        clf.save_model(path)
        loaded = cls()
        loaded.load_model(path)
        assert loaded.loss_ == clf.loss_ and loaded.gamma_ == [1.0, 3.0]
        np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-6)


# ---------------------------------------------------------------- the negative shift (ASL) through every layer
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_negative_shift_reaches_the_kernel_the_metric_and_the_record(lib, tmp_path):
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=[1.0, 2.0], negative_shift=0.05)
    y, z = _scores(2)
    w = np.random.default_rng(4).random(len(y)) + 0.5
    kw = {"gamma": [4.0, 1.0], "alpha": [1.0, 2.0], "negative_shift": 0.05}
    g, h = lib.call(lib.module.focal_objective(**kw), y, z, w)
    g_ref, h_ref = loss.grad_hess(y, z, w, hess_floor="curvature")
    assert_float32_close(g, g_ref)
    assert_float32_close(h, h_ref)
    g_plain, _ = lib.call(lib.module.focal_objective(gamma=[4.0, 1.0], alpha=[1.0, 2.0]), y, z, w)
    assert not np.allclose(g, g_plain)
    metric = lib.call(lib.module.focal_metric(**kw), y, z, w)
    assert (metric if lib.name == "xgboost" else metric[1]) == pytest.approx(loss.mean(y, z, w), rel=1e-12)
    # a trained model records the shift and reads it back
    X, yy = make_classification(n_samples=400, weights=[0.9], random_state=5)
    z0 = loss.initial_margin(yy)
    if lib.name == "xgboost":
        d = xgb.DMatrix(X, label=yy)
        params = bx.focal_params({"max_depth": 3, "nthread": 1}, y_true=d, loss=loss)
        assert params["base_score"] == pytest.approx(1 / (1 + np.exp(-z0)), rel=1e-12)
        booster = xgb.train(params, d, 10, obj=bx.focal_objective(loss=loss))
        assert np.all(np.isfinite(booster.predict(d)))
    else:
        params = {"objective": bl.focal_objective(loss=loss), "verbose": -1, "num_leaves": 7, "num_threads": 1}
        booster = lgb.train(params, lgb.Dataset(X, yy, init_score=bl.init_score(z0, len(yy))), 10)
        embedded = bl.embed_initial_margin(booster, z0, loss=loss)
        path = tmp_path / "model.txt"
        embedded.save_model(str(path))
        record = bl.focal_metadata(path)
        assert record["negative_shift"] == 0.05 and FocalLoss.from_dict(record) == loss


@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_negative_shift_with_softmax_margins_is_refused_with_its_name(lib):
    obj = lib.module.focal_objective(gamma=2.0, negative_shift=0.05)
    y, z = _scores(3)
    with pytest.raises(ValueError, match="negative_shift is an option of the sigmoid link"):
        lib.call(obj, y, z)


@pytest.mark.parametrize("estimator", ["xgboost", "lightgbm"])
def test_estimators_take_the_negative_shift(estimator, tmp_path):
    from sklearn.base import clone

    from boostfocal import FocalLGBMClassifier, FocalXGBClassifier

    X, y = make_classification(n_samples=400, weights=[0.85], random_state=3)
    cls = FocalXGBClassifier if estimator == "xgboost" else FocalLGBMClassifier
    kw: dict[str, Any] = {"n_estimators": 8} | ({"verbose": -1} if estimator == "lightgbm" else {})
    clf = cls(gamma=[4.0, 1.0], negative_shift=0.05, **kw).fit(X, y)
    assert clf.loss_ == FocalLoss(gamma=[4.0, 1.0], negative_shift=0.05)
    assert clone(clf).get_params()["negative_shift"] == 0.05
    proba = clf.predict_proba(X)[:, 1]
    post = clf.predict_posterior(X)[:, 1]
    assert np.all(post[proba <= 0.05] == 0.0) and np.all(post[proba > 0.05] > 0.0)
    np.testing.assert_allclose(post, clf.loss_.posterior(proba), rtol=1e-12)
    pickled = pickle.loads(pickle.dumps(clf))
    assert pickled.loss_ == clf.loss_
    if estimator == "xgboost":
        path = tmp_path / "m.json"
        clf.save_model(path)
        loaded = cls()
        loaded.load_model(path)
        assert loaded.loss_ == clf.loss_
    X3, y3 = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=1)
    with pytest.raises(ValueError, match="negative_shift is a binary option .* 3 classes; got negative_shift=0.05"):
        cls(negative_shift=0.05, **kw).fit(X3, y3)
    with pytest.raises(ValueError, match=r"negative_shift must be in \[0, 1\), got 1.5"):
        cls(negative_shift=1.5, **kw).fit(X, y)


def test_lightgbm_rounds_reuse_the_validation_by_identity_before_any_o_n_comparison(monkeypatch):
    """LightGBM hands the same label / weight arrays every round: no O(n) comparison after the first."""
    X, y = make_classification(n_samples=200, random_state=0)
    w = np.random.default_rng(0).random(200) + 0.5
    dset = lgb.Dataset(X, y, weight=w, free_raw_data=False).construct()
    obj = bl.focal_objective(gamma=2.0, alpha=0.25)
    z = np.zeros(200)
    first = obj(z, dset)

    def no_comparison(*args, **kwargs):
        raise AssertionError("an O(n) comparison ran although the arrays are the ones already validated")

    monkeypatch.setattr(np, "array_equal", no_comparison)
    for a, b in zip(obj(z, dset), first, strict=True):
        np.testing.assert_array_equal(a, b)
    monkeypatch.undo()
    dset.set_label(1 - y)  # a new label array: compared and validated again, with the new labels used
    g_new, _ = obj(z, dset)
    np.testing.assert_array_equal(
        g_new, bl.focal_objective(gamma=2.0, alpha=0.25)(1 - y.astype(float), z, dset.get_weight())[0]
    )


# ---------------------------------------------------------------- the dtype the libraries consume (issue 13)
from contracts import LOSS_INSTANCES as _ALL_LOSSES  # noqa: E402
from contracts import K as _LABELS  # noqa: E402

_ADAPTER_LOSSES = [x for x in _ALL_LOSSES if x.link is not None]  # sigmoid, softmax and multilabel


@pytest.mark.parametrize("loss", _ADAPTER_LOSSES, ids=str)
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_objectives_write_float32_within_1e5_of_the_float64_result(lib, loss, backend):
    """Both libraries store float32 gradients: the objective returns float32 within 1e-5 of float64.

    Every loss configuration, both backends, float32 and float64 margins (XGBoost hands float32,
    LightGBM float64), margins up to +-1e4: finite, positive hessians, and within
    ``max(1e-5 |ref|, 1e-7)`` of the float64 core function (the numba backend computes in
    float32; the numpy backend computes in float64 and rounds once, which is then exact).
    """
    rng = np.random.default_rng(8)
    softmax = loss.link.name == "softmax"
    k = _LABELS if loss.is_multilabel else (loss.num_class or 2)
    n = 3000
    y = rng.integers(0, k, n) if softmax else rng.integers(0, 2, (n, k) if loss.is_multilabel else n)
    z = rng.standard_normal((n, k) if softmax or loss.is_multilabel else n) * 6
    z.flat[:18] = [-1e4, -745, -100, -37, 0, 37, 100, 745, 1e4] * 2
    if (softmax or loss.is_multilabel) and lib.name == "lightgbm":
        z = np.asfortranarray(z)
    w = rng.random(n) + 0.1
    obj = lib.module.focal_objective(loss=loss)
    scale = lib.module.PROFILE.softmax_hess_scale(k) if softmax else 1.0
    for zz in (z.astype(np.float32), z):
        g, h = lib.call(obj, y.astype(float), zz, w)
        g_ref, h_ref = loss.grad_hess(y, zz, w, hess_floor="curvature", hess_scale=scale)
        assert g.dtype == h.dtype == np.float32 and g.flags.f_contiguous == g_ref.flags.f_contiguous
        assert_float32_close(g, g_ref)
        assert_float32_close(h, h_ref)
        assert np.all(np.isfinite(g)) and np.all(h > 0)
        if backend == "numpy":  # float64 arithmetic, rounded once on store
            np.testing.assert_array_equal(g, g_ref.astype(np.float32))
            np.testing.assert_array_equal(h, h_ref.astype(np.float32))


class _Float64Objective:
    """The float64 path: the core function's float64 gradients, handed to the library to round."""

    def __init__(self, loss: FocalLoss, scale: float) -> None:
        self.loss, self.scale = loss, scale

    def __call__(self, z: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        y, w = data.get_label(), data.get_weight()
        w = None if w is None or len(w) == 0 else w
        return self.loss.grad_hess(y, z, w, hess_floor="curvature", hess_scale=self.scale)

    def __deepcopy__(self, memo: dict) -> _Float64Objective:  # lgb.train deep-copies its params
        return self


@pytest.mark.parametrize(
    "loss",
    [FocalLoss(gamma=2.0, alpha=0.25), FocalLoss(gamma=[4.0, 1.0], label_smoothing=0.1), FocalLoss(gamma=7.5)],
    ids=str,
)
@pytest.mark.parametrize("lib", LIBRARIES, ids=LIB_IDS)
def test_float32_objective_grows_the_trees_of_the_float64_path(lib, loss, backend):
    """Training with the float32 objective and with float64 gradients gives the same model (within float32)."""
    X, y = make_classification(n_samples=2000, n_features=8, weights=[0.9], flip_y=0.05, random_state=5)
    w = np.random.default_rng(5).random(len(y)).astype(np.float32) + 0.5
    z0 = loss.initial_margin(y, w)
    models = []
    for obj in (lib.module.focal_objective(loss=loss), _Float64Objective(loss, 1.0)):
        if lib.name == "xgboost":
            d = xgb.DMatrix(X, label=y, weight=w, base_margin=np.full(len(y), z0))
            booster = xgb.train({"max_depth": 4, "eta": 0.3, "nthread": 1}, d, 15, obj=obj)
            models.append(booster.predict(d, output_margin=True))
        else:
            ds = lgb.Dataset(X, y, weight=w, init_score=np.full(len(y), z0))
            params = {"objective": obj, "num_leaves": 15, "verbose": -1, "num_threads": 1, "deterministic": True}
            models.append(lgb.train(params, ds, 15).predict(X, raw_score=True))
    np.testing.assert_allclose(models[0], models[1], rtol=1e-4, atol=1e-4)
    assert np.ptp(models[0]) > 0.3  # the models learned something (trees, not a constant)
