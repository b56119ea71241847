"""boostfocal.ray on a local Ray cluster (issue 26): the global pass, and 2-worker fits of both trainers.

One Ray instance (2 CPUs) for the module. Each trainer is fitted once (starting Ray Train workers
costs most of the time), with one worker function running every scenario on the same workers:
the public training loop (early stopping, the reported global metric, the checkpoint), then
gamma = 0 against the native objective, multiclass and multi-label. Each worker writes what it
saw (its stopping round, its metric, margins on a test set) to a file the test reads.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray.train")
xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")

import ray
import ray.train
from sklearn.metrics import average_precision_score, log_loss

import boostfocal.ray as focal_ray
from boostfocal import FocalLoss, FocalXGBClassifier
from boostfocal.lightgbm import focal_metadata, predict_proba
from boostfocal.xgboost import FocalMetric, FocalObjective, focal_params

pytestmark = pytest.mark.slow  # starts a Ray cluster and two Ray Train worker groups

FEATURES = [f"f{i}" for i in range(6)]
LABELS = ["l0", "l1", "l2"]
LOOP_KEYS = ("focal", "params", "num_boost_round", "early_stopping_rounds", "report_every", "train", "valid")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ray_train.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("boostfocal_ray_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    # the worker functions below (and the example's) travel by value: workers cannot import test modules
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    example = _load_example()
    ray.cloudpickle.register_pickle_by_value(example)
    yield example
    ray.shutdown()


def _frame(n: int, seed: int) -> pd.DataFrame:
    """Binary ``y`` (about 15 % positive), 3-class ``y3``, 3 labels ``l0..l2`` and weights ``w`` spanning 0.1..5."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["y"] = (X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=n) > 1.6).astype(np.int64)
    frame["y3"] = np.digitize(X[:, 2] + 0.5 * rng.normal(size=n), [-0.3, 0.9])
    for j, name in enumerate(LABELS):
        frame[name] = (X[:, j] + rng.normal(size=n) > 0.8).astype(np.int64)
    frame["w"] = np.exp(rng.uniform(np.log(0.1), np.log(5.0), n))
    return frame


@pytest.fixture(scope="module")
def frames():
    return {"train": _frame(1600, 0), "valid": _frame(600, 1), "test": _frame(2000, 2)}


@pytest.fixture(scope="module")
def datasets(cluster, frames):
    # blocks of unequal size: the shards differ in rows and weight
    train, valid = frames["train"], frames["valid"]
    return {
        "train": ray.data.from_pandas([train.iloc[:1100], train.iloc[1100:]]),
        "valid": ray.data.from_pandas([valid.iloc[:450], valid.iloc[450:]]),
    }


# ---------------------------------------------------------------------------------------------- the global pass
def _single_machine(frame, label, **focal):
    X, w = frame[FEATURES].to_numpy(), frame["w"].to_numpy()
    y = frame[label].to_numpy()
    return FocalXGBClassifier(n_estimators=1, **focal).fit(X, y, sample_weight=w)


@pytest.mark.parametrize(
    ("label", "focal"),
    [
        ("y", {"gamma": 2.0, "alpha": "balanced"}),
        ("y3", {"gamma": [1.0, 2.0, 3.0], "alpha": "effective_number", "balance_beta": 0.99}),
        (LABELS, {"gamma": [4.0, 1.0], "alpha": "balanced", "negative_shift": 0.05}),
    ],
    ids=["binary-balanced", "softmax-effective-number", "multilabel-balanced-asl"],
)
def test_global_pass_equals_single_machine_fit(datasets, frames, label, focal):
    setup = focal_ray.prepare(datasets["train"], label=label, weight="w", features=FEATURES, **focal)
    clf = _single_machine(frames["train"], label, **focal)
    np.testing.assert_allclose(setup.alpha, clf.alpha_, rtol=1e-12)
    np.testing.assert_allclose(setup.initial_margin, clf.initial_margin_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(setup.class_balance, clf.class_balance_, rtol=1e-12)
    assert setup.loss.link.name == clf.loss_.link.name and setup.loss.num_class == clf.loss_.num_class
    assert setup.loss.gamma == clf.loss_.gamma and setup.loss.options == clf.loss_.options
    values = frames["train"][label].to_numpy()
    counts = values.sum(axis=0) if values.ndim == 2 else np.bincount(values)
    assert np.all(setup.totals.counts[..., -1] == counts if values.ndim == 2 else setup.totals.counts == counts)
    if isinstance(label, str):
        assert setup.classes == sorted(frames["train"][label].unique().tolist())
    if label == "y":  # the XGBoost parameters of all rows are focal_params of all rows
        w = frames["train"]["w"].to_numpy()
        expected = focal_params(
            {"max_depth": 3}, y_true=frames["train"]["y"].to_numpy(), sample_weight=w, loss=clf.loss_
        )
        got = setup.xgboost_params({"max_depth": 3})
        assert got["objective"] == expected["objective"]
        assert got["base_score"] == pytest.approx(expected["base_score"], rel=1e-12)
        rec = setup.record("lightgbm")
        assert FocalLoss.from_dict(rec) == setup.loss and rec["classes"] == [0, 1]


def test_shard_without_a_class_is_fine_but_a_class_absent_everywhere_is_named(cluster, frames):
    train = frames["train"]
    no_class_2 = train[train["y3"] != 2]
    ds = ray.data.from_pandas([no_class_2, train[train["y3"] == 2]])  # the first block has no class 2
    setup = focal_ray.prepare(ds, label="y3", weight="w", features=FEATURES, alpha="balanced")
    clf = _single_machine(train.loc[no_class_2.index.append(train.index[train["y3"] == 2])], "y3", alpha="balanced")
    np.testing.assert_allclose(setup.alpha, clf.alpha_, rtol=1e-12)
    with pytest.raises(ValueError, match=r"class 3 has no rows"):
        focal_ray.prepare(ds, label="y3", weight="w", features=FEATURES, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"outside the declared classes \[0, 1\]: \[2\]"):
        focal_ray.prepare(ds, label="y3", features=FEATURES, classes=[0, 1])
    only_negatives = ray.data.from_pandas(no_class_2.assign(l1=0))
    with pytest.raises(ValueError, match=r"label column 'l1' has no positive rows"):
        focal_ray.prepare(only_negatives, label=LABELS, features=FEATURES)
    with pytest.raises(ValueError, match=r"weight column 'f0' must hold finite values >= 0"):
        focal_ray.class_totals(ds, label="y", weight="f0")
    with pytest.raises(TypeError, match=r"needs the whole ray.data.Dataset.*DataIterator"):
        focal_ray.prepare(ds.iterator(), label="y")
    with pytest.raises(TypeError, match=r"FocalSetup of the global pass"):
        focal_ray.train_xgboost({"gamma": 2.0}, {}, train)
    for trainer in (focal_ray.train_xgboost, focal_ray.train_lightgbm):  # options checked before a shard is read
        with pytest.raises(TypeError, match=rf"{trainer.__name__}\(\) got an unexpected keyword argument 'num_rounds'"):
            trainer(setup, {}, train, num_rounds=5)
        with pytest.raises(ValueError, match=r"num_boost_round must be a positive integer, got 0"):
            trainer(setup, {}, train, num_boost_round=0)
        with pytest.raises(ValueError, match=r"report_every must be a positive integer, got True"):
            trainer(setup, {}, train, report_every=True)
        with pytest.raises(ValueError, match=r"early_stopping_rounds needs a validation shard"):
            trainer(setup, {}, train, early_stopping_rounds=3)


# ---------------------------------------------------------------------------------------------- XGBoost on 2 workers
def _dump(config, facts):
    rank = ray.train.get_context().get_world_rank()
    Path(config["out"], f"rank{rank}.pkl").write_bytes(pickle.dumps(facts))


def _xgboost_worker(config):
    loop = {k: config[k] for k in LOOP_KEYS if k in config}
    facts = {}
    try:  # the starting margin of one shard is refused on a worker
        focal_params(y_true=np.array([0.0, 1.0]), gamma=2.0)
        facts["refusal"] = ""
    except RuntimeError as exc:
        facts["refusal"] = str(exc)
    booster = focal_ray.xgboost_train_loop(loop)  # the public loop: early stopping, reports, checkpoint
    test = xgb.DMatrix(config["X_test"])
    facts.update(
        best=booster.best_iteration,
        rounds=booster.num_boosted_rounds(),
        best_score=float(booster.best_score),
        margin=booster.predict(test, output_margin=True, iteration_range=(0, booster.best_iteration + 1)),
    )
    train = ray.train.get_dataset_shard("train").materialize().to_pandas()
    valid = ray.train.get_dataset_shard("valid").materialize().to_pandas()
    setup0, params = config["setup0"], {"tree_method": "hist", "max_depth": 3, "eta": 0.3, "seed": 0}
    focal0 = focal_ray.train_xgboost(setup0, params, train, num_boost_round=20, report=False)
    X, y, w = setup0.arrays(train)
    native = xgb.train(setup0.xgboost_params(params), xgb.DMatrix(X, label=y, weight=w), 20)
    facts["gamma0"] = [b.predict(test, output_margin=True) for b in (focal0, native)]
    for name in ("softmax", "multilabel"):
        b = focal_ray.train_xgboost(config[name], params, train, valid, num_boost_round=8, report=False)
        facts[name] = b.predict(test)
        if ray.train.get_context().get_world_rank() == 0:
            b.save_model(str(Path(config["out"], f"{name}.json")))
    _dump(config, facts)


def _fit_spread(setup, frames, library, seeds=range(5)):
    """Held-out AP and log loss of single-machine focal fits (full train / valid) over seeds."""
    X, y, w = setup.arrays(frames["train"])
    Xv, yv, wv = setup.arrays(frames["valid"])
    Xt, yt = frames["test"][FEATURES].to_numpy(), frames["test"]["y"].to_numpy()
    scores = []
    for seed in seeds:
        if library == "xgboost":
            params = setup.xgboost_params(dict(XGB_PARAMS, seed=seed))
            booster = xgb.train(
                params, xgb.DMatrix(X, label=y, weight=w), 300, evals=[(xgb.DMatrix(Xv, label=yv, weight=wv), "v")],
                obj=FocalObjective(loss=setup.loss), custom_metric=FocalMetric(loss=setup.loss),
                early_stopping_rounds=10, verbose_eval=False,
            )  # fmt: skip
            p = booster.predict(xgb.DMatrix(Xt), iteration_range=(0, booster.best_iteration + 1))
        else:
            from boostfocal.lightgbm import FocalMetric as LMetric
            from boostfocal.lightgbm import FocalObjective as LObjective

            params = dict(LGB_PARAMS, seed=seed, objective=LObjective(loss=setup.loss), metric="None", verbose=-1)
            train = lgb.Dataset(X, y, weight=w, init_score=setup.init_score(len(y)))
            valid = lgb.Dataset(Xv, yv, weight=wv, init_score=setup.init_score(len(yv)), reference=train)
            booster = lgb.train(params, train, 300, valid_sets=[valid], feval=LMetric(loss=setup.loss),
                                callbacks=[lgb.early_stopping(10, verbose=False)])  # fmt: skip
            p = predict_proba(booster, Xt, initial_margin=setup.initial_margin)
        scores.append((average_precision_score(yt, p), log_loss(yt, p)))
    return np.array(scores)


XGB_PARAMS = {"tree_method": "hist", "max_depth": 3, "eta": 0.3, "subsample": 0.7, "colsample_bynode": 0.8}
LGB_PARAMS = {"num_leaves": 7, "learning_rate": 0.3, "bagging_fraction": 0.7, "bagging_freq": 1,
              "feature_fraction_bynode": 0.8, "min_sum_hessian_in_leaf": 1e-6}  # fmt: skip


def _trainer_config(datasets, frames, tmp_path, params):
    prep = dict(weight="w", features=FEATURES)
    return {
        "focal": focal_ray.prepare(datasets["train"], label="y", gamma=2.0, **prep),
        "params": dict(params, seed=7),
        "num_boost_round": 300,
        "early_stopping_rounds": 10,
        "report_every": 5,  # each report synchronises the workers through Ray Train's controller (slow)
        "setup0": focal_ray.prepare(datasets["train"], label="y", gamma=0.0, **prep),
        "softmax": focal_ray.prepare(datasets["train"], label="y3", gamma=2.0, alpha="balanced", **prep),
        "multilabel": focal_ray.prepare(datasets["train"], label=LABELS, gamma=[4.0, 1.0], alpha=0.5, **prep),
        "X_test": frames["test"][FEATURES].to_numpy(),
        "out": str(tmp_path),
    }


def _check_same_round_and_global_metric(facts, setup, frames, margin_valid, name):
    """Both workers stopped at the same round with the same metric: the single-machine metric of all valid rows."""
    assert facts[0]["best"] == facts[1]["best"] and facts[0]["rounds"] == facts[1]["rounds"], name
    assert facts[0]["rounds"] < 300  # early stopping did stop
    assert facts[0]["best_score"] == facts[1]["best_score"]
    _, yv, wv = setup.arrays(frames["valid"])
    single = setup.loss.mean(yv, margin_valid, wv)  # the weighted mean over all validation rows
    assert facts[0]["best_score"] == pytest.approx(single, rel=1e-5), name  # float32 margins on the workers


def _check_within_spread(p, setup, frames, library):
    spread = _fit_spread(setup, frames, library)
    yt = frames["test"]["y"].to_numpy()
    ap, ll = average_precision_score(yt, p), log_loss(yt, p)
    lo, hi = spread.min(axis=0), spread.max(axis=0)
    width = np.maximum(hi - lo, 1e-3)
    assert lo[0] - width[0] <= ap <= hi[0] + width[0], (ap, spread[:, 0])
    assert lo[1] - width[1] <= ll <= hi[1] + width[1], (ll, spread[:, 1])


def test_xgboost_trainer_two_workers(cluster, datasets, frames, tmp_path):
    config = _trainer_config(datasets, frames, tmp_path, XGB_PARAMS)
    setup = config["focal"]
    _, result, clf = cluster.fit("xgboost", frames, train_loop=_xgboost_worker, storage_path=str(tmp_path / "runs"),
                                 config=config, datasets=datasets)  # fmt: skip
    facts = [pickle.loads(Path(tmp_path, f"rank{r}.pkl").read_bytes()) for r in (0, 1)]
    assert (
        "worker 0 of a distributed XGBoost job" in facts[0]["refusal"]
        and "boostfocal.ray.prepare" in facts[0]["refusal"]
    )
    # the checkpoint: a FocalXGBClassifier with the setup's loss and margin, predicting what the worker predicted
    assert clf.loss_ == setup.loss and clf.initial_margin_ == pytest.approx(setup.initial_margin, rel=1e-12)
    assert clf.best_iteration == facts[0]["best"]
    Xt = frames["test"][FEATURES].to_numpy()
    np.testing.assert_allclose(clf.predict(Xt, output_margin=True), facts[0]["margin"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(facts[0]["margin"], facts[1]["margin"], rtol=0, atol=1e-6)  # one model
    assert result.metrics["best_score"] == facts[0]["best_score"]
    margin_valid = clf.predict(frames["valid"][FEATURES].to_numpy(), output_margin=True)
    _check_same_round_and_global_metric(facts, setup, frames, margin_valid, "xgboost")
    _check_within_spread(clf.predict_proba(Xt)[:, 1], setup, frames, "xgboost")
    # gamma = 0: the focal objective is the native one on 2 workers
    focal0, native = facts[0]["gamma0"]
    assert native.std() > 0.3
    np.testing.assert_allclose(focal0, native, rtol=0, atol=1e-4)
    # multiclass and multi-label trained on 2 workers; their saved models load into the estimator
    for name, shape in (("softmax", (2000, 3)), ("multilabel", (2000, 3))):
        loaded = FocalXGBClassifier()
        loaded.load_model(str(tmp_path / f"{name}.json"))
        assert loaded.loss_ == config[name].loss and facts[0][name].shape == shape
        np.testing.assert_allclose(loaded.predict_proba(Xt), facts[0][name], rtol=0, atol=1e-6)
        assert np.all(np.isfinite(loaded.predict_posterior(Xt)))


# ---------------------------------------------------------------------------------------------- LightGBM on 2 workers
def _lightgbm_worker(config):
    loop = {k: config[k] for k in LOOP_KEYS if k in config}
    booster = focal_ray.lightgbm_train_loop(loop)
    Xt = config["X_test"]
    facts = {
        "best": booster.best_iteration,
        "rounds": booster.current_iteration(),
        "best_score": booster.best_score["valid"]["focal_loss"],
        "margin": booster.predict(Xt, raw_score=True),
    }
    train = ray.train.get_dataset_shard("train").materialize().to_pandas()
    valid = ray.train.get_dataset_shard("valid").materialize().to_pandas()
    setup0 = config["setup0"]
    params = {"num_leaves": 7, "learning_rate": 0.3, "min_data_in_bin": 1, "deterministic": True,
              "force_row_wise": True, "seed": 0}  # fmt: skip
    focal0 = focal_ray.train_lightgbm(setup0, params, train, num_boost_round=10, report=False)
    X, y, w = setup0.arrays(train)
    native_params = dict(params, objective="binary", pre_partition=True, verbose=-1)
    native_params.update(focal_ray.lightgbm_network_params())  # a second lgb.train on this worker: new ports
    native = lgb.train(native_params, lgb.Dataset(X, y, weight=w, init_score=setup0.init_score(len(y))), 10)
    native.free_network()
    facts["gamma0"] = [focal0.predict(Xt, raw_score=True), native.predict(Xt, raw_score=True) + setup0.initial_margin]
    for name in ("softmax", "multilabel"):
        b = focal_ray.train_lightgbm(config[name], {"num_leaves": 7}, train, valid, num_boost_round=8, report=False)
        facts[name] = predict_proba(b, Xt)
        facts[name + "_record"] = focal_metadata(b)
    _dump(config, facts)


def test_lightgbm_trainer_two_workers(cluster, datasets, frames, tmp_path):
    config = _trainer_config(datasets, frames, tmp_path, LGB_PARAMS)
    setup = config["focal"]
    _, result, booster = cluster.fit("lightgbm", frames, train_loop=_lightgbm_worker,
                                     storage_path=str(tmp_path / "runs"), config=config, datasets=datasets)  # fmt: skip
    facts = [pickle.loads(Path(tmp_path, f"rank{r}.pkl").read_bytes()) for r in (0, 1)]
    Xt = frames["test"][FEATURES].to_numpy()
    record = focal_metadata(booster)
    assert FocalLoss.from_dict(record) == setup.loss and record["initial_margin_embedded"]
    np.testing.assert_allclose(booster.predict(Xt, raw_score=True), facts[0]["margin"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(facts[0]["margin"], facts[1]["margin"], rtol=0, atol=1e-9)
    assert result.metrics["best_score"] == facts[0]["best_score"]
    margin_valid = booster.predict(frames["valid"][FEATURES].to_numpy(), raw_score=True)
    _check_same_round_and_global_metric(facts, setup, frames, margin_valid, "lightgbm")
    _check_within_spread(predict_proba(booster, Xt), setup, frames, "lightgbm")
    focal0, native = facts[0]["gamma0"]
    assert native.std() > 0.3
    np.testing.assert_allclose(focal0, native, rtol=0, atol=1e-4)
    for name in ("softmax", "multilabel"):
        p = facts[0][name]
        assert p.shape == (2000, 3) and np.all(np.isfinite(p))
        assert FocalLoss.from_dict(facts[0][name + "_record"]) == config[name].loss
    np.testing.assert_allclose(facts[0]["softmax"].sum(axis=1), 1.0, atol=1e-12)
    assert json.dumps(record)  # JSON all the way
