"""Multi-label focal loss in XGBoost and LightGBM (issue 15): native parity, the raw APIs, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_float32_close

from boostfocal import FocalLoss

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
from sklearn.datasets import make_multilabel_classification  # noqa: E402

import boostfocal.lightgbm as bl  # noqa: E402
import boostfocal.xgboost as bx  # noqa: E402

K = 4


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(n_samples=400, n_features=8, n_classes=K, random_state=0)
    return X.astype(np.float64), Y


# ---------------------------------------------------------------- XGBoost
@pytest.mark.parametrize("strategy", ["one_output_per_tree", "multi_output_tree"])
def test_xgboost_gamma_zero_equals_native_binary_logistic_on_the_same_labels(data, strategy):
    X, Y = data
    d = xgb.DMatrix(X, label=Y)
    params = bx.focal_params(
        {"max_depth": 3, "tree_method": "hist", "multi_strategy": strategy, "nthread": 1}, y_true=d, gamma=0.0
    )
    assert params["objective"] == "binary:logistic" and len(params["base_score"]) == K
    native = xgb.train(params, d, 50)
    focal = xgb.train(params, d, 50, obj=bx.focal_objective(gamma=0.0))
    m_native, m_focal = native.predict(d, output_margin=True), focal.predict(d, output_margin=True)
    assert m_focal.shape == (len(X), K) and np.max(np.abs(m_native)) > 3.0
    assert float(np.max(np.abs(m_native - m_focal))) < 1e-5
    # the starting margins are each label's log-odds at gamma 0
    start = xgb.train(params, d, 0).predict(d, output_margin=True)[0]
    np.testing.assert_allclose(start, np.log(Y.mean(axis=0) / (1 - Y.mean(axis=0))), atol=1e-6)
    proba = focal.predict(d)
    assert proba.shape == (len(X), K) and np.all((proba > 0) & (proba < 1))


def test_xgboost_focal_objective_trains_and_uses_its_options(data):
    X, Y = data
    w = (np.random.default_rng(0).random(len(X)) + 0.5).astype(np.float32).astype(np.float64)  # as the DMatrix stores
    d = xgb.DMatrix(X, label=Y, weight=w)
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=[0.3, 0.5, 0.7, 0.9], link="multilabel", label_smoothing=0.1)
    params = bx.focal_params({"max_depth": 3, "nthread": 1}, y_true=d, loss=loss)
    np.testing.assert_allclose(
        params["base_score"], 1 / (1 + np.exp(-loss.initial_margin(Y, w))), rtol=1e-12
    )  # one starting probability per label
    obj = bx.focal_objective(loss=loss)
    history: dict = {}
    booster = xgb.train(
        params, d, 5, obj=obj, evals=[(d, "train")], custom_metric=bx.focal_metric(loss=loss), evals_result=history
    )
    margins = booster.predict(d, output_margin=True)
    g, h = obj(margins, d)
    g_ref, h_ref = loss.grad_hess(Y, margins, w, hess_floor="curvature")
    assert_float32_close(g, g_ref)  # XGBoost's dtype, within 1e-5 of the float64 result
    assert_float32_close(h, h_ref)
    name, value = bx.focal_metric(loss=loss)(margins, d)
    assert value == pytest.approx(loss.mean(Y, margins, w), rel=1e-12)
    assert name == "focal_loss" and history["train"]["focal_loss"][-1] == pytest.approx(value, rel=1e-5)


def test_xgbclassifier_with_the_focal_objective_fits_an_indicator(data):
    X, Y = data
    obj = bx.focal_objective(gamma=2.0, alpha=0.25)
    clf = xgb.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1, objective=obj).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), K) and np.all((proba > 0) & (proba < 1))
    assert obj._cache[0].loss.is_multilabel  # the objective saw (n, K) labels and chose the multi-label loss


@pytest.mark.parametrize(
    ("labels", "kwargs", "match"),
    [
        ("2d", {"params": {"num_class": K}}, "num_class is for softmax"),
        ("2d", {"loss": FocalLoss(link="softmax")}, r"multi-label\) but the loss has link 'softmax'"),
        ("1d", {"loss": FocalLoss(link="multilabel")}, r"shape \(n_samples, n_labels\), got shape \(400,\)"),
        ("bad", {}, r"only 0 and 1 for multi-label focal loss, got 2.0 \(row 0, label 0\)"),
    ],
    ids=["num-class", "softmax-loss", "1d-label", "label-2"],
)
def test_xgboost_focal_params_refuse_mismatched_labels(data, labels, kwargs, match):
    X, Y = data
    y = {"2d": Y, "1d": Y[:, 0], "bad": np.where(np.arange(Y.size).reshape(Y.shape) == 0, 2, Y)}[labels]
    params = kwargs.pop("params", None)
    with pytest.raises(ValueError, match=match):
        bx.focal_params(params, y_true=xgb.DMatrix(X, label=y), **kwargs)


def test_xgboost_objective_refuses_labels_of_the_wrong_kind(data):
    X, Y = data
    z = np.zeros((len(X), K))
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_labels\)"):
        bx.focal_objective(loss=FocalLoss(link="multilabel"))(z, xgb.DMatrix(X, label=Y[:, 0]))
    with pytest.raises(ValueError, match="y_true has 3 labels .* 4 columns"):
        bx.focal_objective(loss=FocalLoss(link="multilabel"))(z, xgb.DMatrix(X, label=Y[:, :3]))
    with pytest.raises(ValueError, match="2-D .*multi-label.* labels but 1-D margins"):
        bx.focal_objective()(np.zeros(len(X)), xgb.DMatrix(X, label=Y))


# ---------------------------------------------------------------- LightGBM
LGB_PARAMS = {"num_leaves": 7, "learning_rate": 0.3, "verbose": -1, "num_threads": 1, "deterministic": True}


def test_lightgbm_gamma_zero_equals_native_binary_models_label_by_label(data, tmp_path):
    X, Y = data
    loss = FocalLoss(gamma=0.0, link="multilabel")
    z0 = loss.initial_margin(Y)
    train = bl.multilabel_dataset(X, Y, init_score=bl.init_score(z0, len(X)))
    booster = lgb.train({**LGB_PARAMS, "objective": bl.focal_objective(loss=loss), "num_class": K}, train, 30)
    embedded = bl.embed_initial_margin(booster, z0, loss=loss)
    path = tmp_path / "model.txt"
    embedded.save_model(str(path))
    proba = bl.predict_proba(lgb.Booster(model_file=str(path)), X)  # the record says multi-label
    assert proba.shape == (len(X), K)
    np.testing.assert_allclose(bl.predict_proba(booster, X, initial_margin=z0, multilabel=True), proba, atol=1e-12)
    for k in range(K):
        native = lgb.train({**LGB_PARAMS, "objective": "binary"}, lgb.Dataset(X, Y[:, k]), 30)
        diff = float(np.max(np.abs(native.predict(X) - proba[:, k])))
        assert diff < 1e-6, f"label {k}: max |probability difference| {diff}"
    assert bl.focal_metadata(path)["link"] == "multilabel"


def test_lightgbm_gamma_alpha_spelling_records_a_multilabel_booster_when_told(data):
    X, Y = data
    kw = {"gamma": [4.0, 1.0], "alpha": 0.3, "negative_shift": 0.05}
    z0 = FocalLoss(link="multilabel", **kw).initial_margin(Y)
    train = bl.multilabel_dataset(X, Y, init_score=bl.init_score(z0, len(X)))
    booster = lgb.train({**LGB_PARAMS, "objective": bl.focal_objective(**kw), "num_class": K}, train, 5)
    embedded = bl.embed_initial_margin(booster, z0, multilabel=True, **kw)
    record = bl.focal_metadata(embedded)
    assert FocalLoss.from_dict(record) == FocalLoss(link="multilabel", num_class=K, **kw)
    proba = bl.predict_proba(embedded, X)
    raw = booster.predict(X, raw_score=True) + z0
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-raw)), rtol=1e-12)
    with pytest.raises(ValueError, match="multilabel=True needs a loss with link 'multilabel' or no link"):
        bl.embed_initial_margin(booster, z0, loss=FocalLoss(link="softmax"), multilabel=True)
    with pytest.raises(ValueError, match="multilabel=False contradicts"):
        bl.embed_initial_margin(booster, z0, loss=FocalLoss(link="multilabel"), multilabel=False)


def test_lightgbm_metric_and_early_stopping_read_the_validation_labels(data):
    X, Y = data
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=0.4, link="multilabel")
    z0 = loss.initial_margin(Y[:300])
    train = bl.multilabel_dataset(X[:300], Y[:300], init_score=bl.init_score(z0, 300))
    valid = bl.multilabel_dataset(X[300:], Y[300:], init_score=bl.init_score(z0, 100), reference=train)
    record: dict = {}
    booster = lgb.train(
        {**LGB_PARAMS, "objective": bl.focal_objective(loss=loss), "num_class": K, "metric": "None"},
        train,
        200,
        valid_sets=[valid],
        feval=bl.focal_metric(loss=loss),
        callbacks=[lgb.early_stopping(5, verbose=False), lgb.record_evaluation(record)],
    )
    assert 0 < booster.best_iteration < 200
    raw = booster.predict(X[300:], raw_score=True, num_iteration=booster.best_iteration) + z0
    assert record["valid_0"]["focal_loss"][booster.best_iteration - 1] == pytest.approx(
        loss.mean(Y[300:], raw), rel=1e-6
    )


def test_lightgbm_objective_refuses_a_missing_or_mismatched_label_matrix(data):
    X, Y = data
    loss = FocalLoss(link="multilabel")
    params = {**LGB_PARAMS, "objective": bl.focal_objective(loss=loss), "num_class": K}
    with pytest.raises(ValueError, match=r"build the Dataset with boostfocal.lightgbm.multilabel_dataset"):
        lgb.train(params, lgb.Dataset(X, Y[:, 0]), 2)
    with pytest.raises(ValueError, match="y_true has 3 labels .* 4 columns"):
        lgb.train(params, bl.multilabel_dataset(X, Y[:, :3]), 2)
    with pytest.raises(ValueError, match=r"only 0 and 1 for multi-label focal loss, got 3"):
        bl.multilabel_dataset(X, np.where(Y == 1, 3, 0))
    with pytest.raises(ValueError, match="label has 399 rows but data has 400"):
        bl.multilabel_dataset(X, Y[:-1])
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_labels\)"):
        bl.multilabel_dataset(X, Y[:, 0])


def test_both_objectives_give_the_loss_gradient_for_an_indicator_with_every_binary_option():
    rng = np.random.default_rng(5)
    Y, z, w = rng.integers(0, 2, (200, K)), rng.standard_normal((200, K)) * 3, rng.random(200) + 0.5
    loss = FocalLoss(
        gamma=[4.0, 1.0], alpha=[[1.0, 4.0], [1.0, 1.0], [0.5, 2.0], [2.0, 1.0]], link="multilabel", negative_shift=0.05
    )
    ref = loss.grad_hess(Y, z, w, hess_floor="curvature")
    assert np.any(ref[0] == 0.0)  # negatives below the margin: no gradient
    spelled = {"gamma": [4.0, 1.0], "alpha": 0.25, "negative_shift": 0.05, "label_smoothing": 0.1}
    ref_spelled = FocalLoss(link="multilabel", **spelled).grad_hess(Y, z, w, hess_floor="curvature")
    for module in (bx, bl):
        call = (lambda o: o(Y, z, sample_weight=w)) if module is bx else (lambda o: o(Y, z, w))
        for a, b in zip(call(module.focal_objective(loss=loss)), ref, strict=True):
            assert_float32_close(a, b)
        for a, b in zip(call(module.focal_objective(**spelled)), ref_spelled, strict=True):  # no link: from the labels
            assert_float32_close(a, b)
