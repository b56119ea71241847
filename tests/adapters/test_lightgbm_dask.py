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

from distributed import Client, LocalCluster
from lightgbm.dask import DaskLGBMClassifier

from boostfocal import initial_margin
from boostfocal.lightgbm import focal_objective, init_score, predict_proba

pytestmark = pytest.mark.slow  # starts a Dask cluster

KW = dict(
    n_estimators=15,
    num_leaves=7,
    learning_rate=0.3,
    min_child_samples=5,
    verbose=-1,
    deterministic=True,
    force_row_wise=True,
    tree_learner="data",
    random_state=0,
    min_data_in_bin=1,
)


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def data():
    # Each worker gets one half (see _persist), but which worker gets which LightGBM rank
    # varies from fit to fit, and each rank builds the bins of its share of the features
    # from its own rows. The two halves hold the same rows and every distinct value gets
    # its own bin (min_data_in_bin=1, 200 values < max_bin), so the bins -- hence the
    # models -- do not depend on the rank order.
    rng = np.random.default_rng(0)
    half = rng.normal(size=(200, 4))
    y_half = (half[:, 0] + rng.normal(size=200) > 1.0).astype(np.float64)
    w_half = rng.uniform(0.5, 2.0, 200)
    X, y, w = np.vstack([half, half]), np.concatenate([y_half, y_half]), np.concatenate([w_half, w_half])
    return X, y, w


def _persist(client, X, y, w, init):
    # Dask may place the chunks of X, y, w and init of one partition on different
    # workers, or both partitions on one worker (then LightGBM trains on one machine).
    # Here partition i -- all four of its chunks -- is scattered to worker i.
    workers = sorted(client.scheduler_info()["workers"])
    halves = [slice(0, 200), slice(200, 400)]
    arrays, futures = [], []  # the futures must outlive the arrays built on them
    for a in (X, y, w, init):
        parts = []
        for rows, worker in zip(halves, workers, strict=True):
            chunk = np.ascontiguousarray(a[rows])
            fut = client.scatter(chunk, workers=[worker], broadcast=False, hash=False)
            futures.append(fut)
            parts.append(da.from_delayed(fut, shape=chunk.shape, dtype=chunk.dtype))
        arrays.append(da.concatenate(parts))
    return (*arrays, futures)


def _fit(client, objective, parts, **extra):
    dX, dy, dw, dinit, _futures = parts
    clf = DaskLGBMClassifier(client=client, objective=objective, **KW, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LightGBM's port / callable-objective notices
        clf.fit(dX, dy, sample_weight=dw, init_score=dinit)
    return clf


def test_dask_gamma0_matches_native_same_cluster(client, data):
    X, y, w = data
    z0 = initial_margin(y, gamma=0.0, sample_weight=w)
    init = init_score(z0, len(y))
    parts = _persist(client, X, y, w, init)
    dX = parts[0]
    # Distributed LightGBM is not always reproducible from identical persisted inputs:
    # on this 2-worker cluster about 1 fit in 5 grows a different first tree (other bin
    # thresholds), for the native "binary" objective and for a callable one alike
    # (measured with lightgbm 4.7). So fit each up to three times, alternating, and
    # require that some focal fit equals some native fit to 1e-6; a wrong gradient or
    # hessian matches none of them.
    focal_raw, native_raw, gaps = [], [], []
    for _ in range(3):
        focal = _fit(client, focal_objective(gamma=0.0), parts, metric="None")
        focal_raw.append(focal.to_local().booster_.predict(X, raw_score=True))
        native_raw.append(_fit(client, "binary", parts).to_local().booster_.predict(X, raw_score=True))
        gaps = [float(np.max(np.abs(f - n))) for f in focal_raw for n in native_raw]
        if min(gaps) < 1e-6:
            break
    assert min(gaps) < 1e-6, gaps
    raw_focal = focal_raw[-1]
    assert native_raw[-1].std() > 0.1  # a model that learned something
    # Dask prediction works and the probability helper gives real probabilities
    raw_dask = focal.predict(dX, raw_score=True).compute()
    assert np.max(np.abs(raw_dask - raw_focal)) < 1e-12
    p = predict_proba(focal.booster_, X, initial_margin=z0)
    assert p.shape == (400,) and np.all((p > 0) & (p < 1))


def test_dask_gamma2_weighted_trains_and_differs(client, data):
    X, y, w = data
    z0 = initial_margin(y, gamma=2.0, sample_weight=w)
    init = init_score(z0, len(y))
    focal = _fit(client, focal_objective(gamma=2.0), _persist(client, X, y, w, init), metric="None")
    unweighted = _fit(client, focal_objective(gamma=2.0), _persist(client, X, y, np.ones_like(w), init), metric="None")
    raw = focal.to_local().booster_.predict(X, raw_score=True)
    raw_u = unweighted.to_local().booster_.predict(X, raw_score=True)
    assert np.all(np.isfinite(raw))
    assert np.max(np.abs(raw - raw_u)) > 1e-3  # the weights reached the objective on the workers


def test_dask_focal_metric_with_reducer_is_the_global_mean(client, data):
    """Issue 26: LightGBM reduces no Python metric; with a dask_reducer every worker reports the global mean."""
    from boostfocal import FocalLoss
    from boostfocal.collective import dask_reducer
    from boostfocal.lightgbm import focal_metric

    X, y, _ = data
    w = np.concatenate([np.full(200, 4.0), np.where(y[200:] == 1, 3.0, 0.05)])  # the halves weigh differently
    loss = FocalLoss(gamma=2.0)
    z0 = initial_margin(y, gamma=2.0, sample_weight=w)
    parts = _persist(client, X, y, w, init_score(z0, len(y)))
    dX, dy, dw, dinit, _futures = parts
    metric = focal_metric(loss=loss, reducer=dask_reducer(client))
    clf = DaskLGBMClassifier(client=client, objective=focal_objective(loss=loss), **dict(KW, n_estimators=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf.fit(dX, dy, sample_weight=dw, init_score=dinit, eval_set=[(dX, dy)], eval_sample_weight=[dw],
                eval_init_score=[dinit], eval_metric=metric)  # fmt: skip
    reported = clf.evals_result_["valid_0"]["focal_loss"][-1]
    margin = clf.booster_.predict(X, raw_score=True) + z0
    single = loss.mean(y, margin, w)
    assert reported == pytest.approx(single, rel=1e-6)
    halves = [loss.loss(y[s], margin[s], w[s]).sum() / w[s].sum() for s in (slice(0, 200), slice(200, 400))]
    assert min(abs(h - single) for h in halves) > 1e-3  # one worker's own mean would be far off
