"""focal_objective with lightgbm.dask.DaskLGBMClassifier (issue 4).

One LocalCluster (2 worker processes x 1 thread) for the module. Focal models are
compared only with native models trained on the same cluster, partitions and init
score: distributed LightGBM is not expected to equal single-machine LightGBM.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

lgb = pytest.importorskip("lightgbm")
pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from distributed import Client, LocalCluster  # noqa: E402
from lightgbm.dask import DaskLGBMClassifier  # noqa: E402

from boostfocal import initial_margin  # noqa: E402
from boostfocal.lightgbm import focal_objective, init_score, predict_proba  # noqa: E402

pytestmark = pytest.mark.slow  # starts a Dask cluster

KW = dict(n_estimators=15, num_leaves=7, learning_rate=0.3, min_child_samples=5, verbose=-1, deterministic=True,
          force_row_wise=True, tree_learner="data", random_state=0)


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
    w = rng.uniform(0.5, 2.0, 400)
    return X, y, w


def _fit(client, objective, X, y, w, init, **extra):
    chunks = 200  # two partitions, one per worker
    dX = da.from_array(X, chunks=(chunks, X.shape[1]))
    dy = da.from_array(y, chunks=chunks)
    dw = da.from_array(w, chunks=chunks)
    dinit = da.from_array(init, chunks=chunks)
    clf = DaskLGBMClassifier(client=client, objective=objective, **KW, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LightGBM's port / callable-objective notices
        clf.fit(dX, dy, sample_weight=dw, init_score=dinit)
    return clf, dX


def test_dask_gamma0_matches_native_same_cluster(client, data):
    X, y, w = data
    z0 = initial_margin(y, gamma=0.0, sample_weight=w)
    init = init_score(z0, len(y))
    native, dX = _fit(client, "binary", X, y, w, init)
    focal, _ = _fit(client, focal_objective(gamma=0.0), X, y, w, init, metric="None")
    raw_native = native.to_local().booster_.predict(X, raw_score=True)
    raw_focal = focal.to_local().booster_.predict(X, raw_score=True)
    assert np.max(np.abs(raw_native - raw_focal)) < 1e-6
    assert raw_native.std() > 0.1  # a model that learned something
    # Dask prediction works and the probability helper gives real probabilities
    raw_dask = focal.predict(dX, raw_score=True).compute()
    assert np.max(np.abs(raw_dask - raw_focal)) < 1e-12
    p = predict_proba(focal.booster_, X, initial_margin=z0)
    assert p.shape == (400,) and np.all((p > 0) & (p < 1))


def test_dask_gamma2_weighted_trains_and_differs(client, data):
    X, y, w = data
    z0 = initial_margin(y, gamma=2.0, sample_weight=w)
    init = init_score(z0, len(y))
    focal, _ = _fit(client, focal_objective(gamma=2.0), X, y, w, init, metric="None")
    unweighted, _ = _fit(client, focal_objective(gamma=2.0), X, y, np.ones_like(w), init, metric="None")
    raw = focal.to_local().booster_.predict(X, raw_score=True)
    raw_u = unweighted.to_local().booster_.predict(X, raw_score=True)
    assert np.all(np.isfinite(raw))
    assert np.max(np.abs(raw - raw_u)) > 1e-3  # the weights reached the objective on the workers
