"""focal_objective on Dask: xgboost.dask.train and DaskXGBClassifier (issue 3).

One LocalCluster (2 workers x 1 thread) for the module. Dask models are compared
only with native Dask models trained on the same cluster and partitions:
distributed XGBoost builds different histogram cuts from single-machine XGBoost.
"""

from __future__ import annotations

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost")
pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from distributed import Client, LocalCluster
from xgboost import dask as dxgb

from boostfocal import initial_margin
from boostfocal.xgboost import focal_objective, focal_params

pytestmark = pytest.mark.slow  # starts a Dask cluster (about 8 s)

PARAMS = {"max_depth": 3, "eta": 0.3, "tree_method": "hist", "seed": 0}


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + rng.normal(size=400) > 1.0).astype(np.float64)
    return X, y


def _dask(X, y):
    return da.from_array(X, chunks=(200, X.shape[1])), da.from_array(y, chunks=200)


def test_dask_train_gamma0_matches_native_same_cluster(client, data):
    X, y = data
    dX, dy = _dask(X, y)
    dtrain = dxgb.DaskDMatrix(client, dX, dy)
    params = focal_params(PARAMS, y_true=y, gamma=0.0)
    native = dxgb.train(client, params, dtrain, num_boost_round=20)
    focal = dxgb.train(client, params, dtrain, num_boost_round=20, obj=focal_objective(gamma=0.0))
    p_native = dxgb.predict(client, native, dX).compute()
    p_focal = dxgb.predict(client, focal, dX).compute()
    assert p_focal.shape == (400,) and np.all((p_focal > 0) & (p_focal < 1))
    np.testing.assert_allclose(p_focal, p_native, rtol=0, atol=1e-5)
    assert p_native.std() > 0.05
    # gamma = 2 trains, predicts finite probabilities and differs from cross-entropy
    focal2 = dxgb.train(
        client, focal_params(PARAMS, y_true=y, gamma=2.0), dtrain, num_boost_round=20, obj=focal_objective(gamma=2.0)
    )
    p2 = dxgb.predict(client, focal2, dX).compute()
    assert np.all(np.isfinite(p2)) and np.abs(p2 - p_focal).max() > 1e-3


def test_dask_classifier_gamma0_matches_native_same_cluster(client, data):
    X, y = data
    dX, dy = _dask(X, y)
    base_score = float(1 / (1 + np.exp(-initial_margin(y, gamma=0.0))))
    kw = dict(n_estimators=20, max_depth=3, learning_rate=0.3, tree_method="hist", base_score=base_score)
    native = dxgb.DaskXGBClassifier(**kw)
    native.client = client
    native.fit(dX, dy)
    focal = dxgb.DaskXGBClassifier(objective=focal_objective(gamma=0.0), **kw)
    focal.client = client
    focal.fit(dX, dy)
    p_native = native.predict_proba(dX).compute()
    p_focal = focal.predict_proba(dX).compute()
    assert p_focal.shape == (400, 2)
    np.testing.assert_allclose(p_focal, p_native, rtol=0, atol=1e-5)
    labels = focal.predict(dX).compute()
    assert set(np.unique(labels)) <= {0, 1}


def test_dask_train_multiclass_gamma0_matches_native_same_cluster(client):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4))
    y = rng.choice(3, size=400, p=[0.2, 0.3, 0.5]).astype(np.float64)
    X[:, 0] += y
    dX, dy = _dask(X, y)
    dtrain = dxgb.DaskDMatrix(client, dX, dy)
    params = focal_params(dict(PARAMS, num_class=3), y_true=y, gamma=0.0)  # per-class base_score
    native = dxgb.predict(client, dxgb.train(client, params, dtrain, num_boost_round=20), dX).compute()
    focal_booster = dxgb.train(client, params, dtrain, num_boost_round=20, obj=focal_objective(gamma=0.0))
    focal = dxgb.predict(client, focal_booster, dX).compute()
    assert focal.shape == (400, 3)
    np.testing.assert_allclose(focal.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(focal, native, rtol=0, atol=1e-5)


def test_dask_train_multilabel_gamma0_matches_native_same_cluster(client):
    """A 2-D Dask label trains the multi-label focal loss (issue 15); gamma 0 is native binary:logistic on it."""
    from boostfocal import FocalLoss

    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 4))
    Y = (X[:, :3] + rng.normal(size=(400, 3)) > 0.5).astype(np.float64)
    dX, dY = da.from_array(X, chunks=(200, 4)), da.from_array(Y, chunks=(200, 3))
    dtrain = dxgb.DaskDMatrix(client, dX, dY)
    params = focal_params(PARAMS, y_true=Y, gamma=0.0)  # one starting probability per label
    native = dxgb.predict(client, dxgb.train(client, params, dtrain, num_boost_round=20), dX).compute()
    focal_booster = dxgb.train(client, params, dtrain, num_boost_round=20, obj=focal_objective(gamma=0.0))
    focal = dxgb.predict(client, focal_booster, dX).compute()
    assert focal.shape == (400, 3) and native.std() > 0.05
    np.testing.assert_allclose(focal, native, rtol=0, atol=1e-5)
    asl = FocalLoss(gamma=[4.0, 1.0], link="multilabel", negative_shift=0.05)
    booster = dxgb.train(
        client, focal_params(PARAMS, y_true=Y, loss=asl), dtrain, num_boost_round=20, obj=focal_objective(loss=asl)
    )
    p_asl = dxgb.predict(client, booster, dX).compute()
    assert np.all(np.isfinite(p_asl)) and np.abs(p_asl - focal).max() > 1e-3


def test_dask_focal_metric_is_the_global_weighted_mean(client):
    """Issue 26: on unequal, unequally weighted shards the reported metric is the single-machine one.

    XGBoost averages a custom metric over workers without weights; the focal metric sums
    through XGBoost's collective instead, so every worker reports the weighted mean of all rows.
    """
    from boostfocal import FocalLoss
    from boostfocal.xgboost import focal_metric

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(np.float64)
    w = np.where(np.arange(400) < 100, 5.0, 0.2)  # the first chunk weighs 25 times more per row
    dX, dy, dw = (da.from_array(a, chunks=(100, 4) if a.ndim == 2 else 100) for a in (X, y, w))
    dX, dy, dw = (a.rechunk({0: (100, 300)}) for a in (dX, dy, dw))
    dtrain = dxgb.DaskDMatrix(client, dX, dy, weight=dw)
    loss = FocalLoss(gamma=2.0)
    output = dxgb.train(
        client, focal_params(PARAMS, y_true=y, sample_weight=w, loss=loss), dtrain, num_boost_round=5,
        obj=focal_objective(loss=loss), custom_metric=focal_metric(loss=loss), evals=[(dtrain, "train")],
    )  # fmt: skip
    reported = output["history"]["train"]["focal_loss"][-1]
    margin = dxgb.predict(client, output["booster"], dX, output_margin=True).compute()
    single = loss.mean(y, margin, w)
    assert reported == pytest.approx(single, rel=1e-6)
    # the unweighted mean of the shards' means, as XGBoost alone would report (either layout), is far off
    per_row = loss.loss(y, margin, w)
    shard_means = [per_row[s].sum() / w[s].sum() for s in (slice(0, 100), slice(100, 400))]
    assert abs(np.mean(shard_means) - single) > 1e-3 and abs(single / 2 - single) > 1e-3
