r"""The worker side of :mod:`boostfocal.ray`: training functions for Ray Train's XGBoost and LightGBM trainers.

Each worker reads its shards, trains with the focal objective from the global starting margin
of the :class:`~boostfocal.ray.FocalSetup`, evaluates the focal metric as the global weighted
mean over every worker's validation rows (XGBoost: its own collective; LightGBM: a
:func:`boostfocal.collective.ray_train_reducer`), reports it every round through Ray's report
callback, and reports the model with its record as the last checkpoint (rank 0 writes it).
xgboost and lightgbm are imported by the function that uses them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import ray.train

from ._docs import Unpack, spelled
from ._ray_setup import FocalSetup

if TYPE_CHECKING:  # pragma: no cover
    import lightgbm as lgb
    import xgboost as xgb

    from .sklearn_xgboost import FocalXGBClassifier

#: The file each library's model is saved under in the final checkpoint.
RAY_CHECKPOINT_FILES = {"xgboost": "model.ubj", "lightgbm": "model.txt"}

#: The name of the validation set in the reports (``"valid-focal_loss"``) and of the metric.
VALID_NAME = "valid"
METRIC_NAME = "focal_loss"


def _frame(shard: Any) -> Any:
    """A shard as a pandas DataFrame (a Ray ``DataIterator`` is materialised; a DataFrame passes)."""
    if hasattr(shard, "materialize"):
        return shard.materialize().to_pandas()
    if hasattr(shard, "to_numpy") and hasattr(shard, "columns"):
        return shard
    raise TypeError(f"a shard must be a Ray DataIterator (ray.train.get_dataset_shard) or a DataFrame, got {shard!r}")


def _check_setup(setup: object) -> FocalSetup:
    if not isinstance(setup, FocalSetup):
        raise TypeError(
            "the training function needs the FocalSetup of the global pass: build it on the driver with "
            f"boostfocal.ray.prepare(dataset, ...) and pass it in train_loop_config['focal'], got {setup!r}"
        )
    return setup


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class TrainOptions(TypedDict, total=False):
    """The keyword options of :func:`train_xgboost` and :func:`train_lightgbm` (defaults: :data:`TRAIN_DEFAULTS`)."""

    num_boost_round: int
    early_stopping_rounds: int | None
    report: bool
    report_every: int
    callbacks: Sequence[Any]


#: The defaults of :class:`TrainOptions`.
TRAIN_DEFAULTS: TrainOptions = {
    "num_boost_round": 100,
    "early_stopping_rounds": None,
    "report": True,
    "report_every": 1,
    "callbacks": (),
}


@dataclass(frozen=True)
class _Run:
    """The checked options of one training call (``patience``: early stopping, ``every``: report period)."""

    rounds: int
    patience: int | None
    report: bool
    every: int
    callbacks: tuple[Any, ...]


def _check_run(valid: Any, options: Mapping[str, Any]) -> _Run:
    """The values of the trainers' options checked before any shard is read (their names: ``spelled``)."""
    given = {**TRAIN_DEFAULTS, **options}
    rounds = _positive("num_boost_round", given["num_boost_round"])
    patience = given["early_stopping_rounds"]
    if patience is not None:
        patience = _positive("early_stopping_rounds (or None)", patience)
        if valid is None:
            raise ValueError("early_stopping_rounds needs a validation shard (valid=...)")
    every = _positive("report_every", given["report_every"])
    return _Run(rounds, patience, bool(given["report"]), every, tuple(given["callbacks"]))


def _xgboost_report_callback(every: int) -> Any:
    """Ray's XGBoost report callback, reporting every ``every`` rounds (metrics only)."""
    from ray.train.xgboost import RayTrainReportCallback

    class EveryRounds(RayTrainReportCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            if (epoch + 1) % every == 0:
                super().after_iteration(model, epoch, evals_log)
            return False

    return EveryRounds(checkpoint_at_end=False)


def _lightgbm_report_callback(every: int) -> Any:
    """Ray's LightGBM report callback, reporting every ``every`` rounds (metrics only)."""
    from ray.train.lightgbm import RayTrainReportCallback

    class EveryRounds(RayTrainReportCallback):
        def __call__(self, env: Any) -> None:
            if (env.iteration + 1) % every == 0:
                super().__call__(env)

    return EveryRounds(checkpoint_at_end=False)


def _report_model(save: Any, library: str, *, best_iteration: int, rounds: int, best_score: float | None) -> None:
    """The final report of every worker (the metrics); rank 0 attaches the saved model as the checkpoint."""
    metrics = {"best_iteration": best_iteration, "rounds": rounds, "best_score": best_score}
    if ray.train.get_context().get_world_rank() != 0:
        ray.train.report(metrics)
        return
    with tempfile.TemporaryDirectory() as folder:
        save(os.path.join(folder, RAY_CHECKPOINT_FILES[library]))
        ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))


@spelled(TrainOptions, TRAIN_DEFAULTS)
def train_xgboost(
    setup: FocalSetup, params: Mapping[str, Any] | None, train: Any, valid: Any = None, **options: Unpack[TrainOptions]
) -> xgb.Booster:
    r"""Train on this worker's shards, inside an ``XGBoostTrainer`` training function (XGBoost's collective up).

    Parameters
    ----------
    setup : FocalSetup
        From :func:`boostfocal.ray.prepare` on the driver.
    params : mapping
        Booster parameters (``objective``, ``base_score`` and ``num_class`` are the setup's).
    train, valid : DataIterator or pandas.DataFrame
        This worker's training and (optional) validation shards
        (``ray.train.get_dataset_shard(name)``).
    **options
        Keyword only, the following (another name is a ``TypeError``).
    num_boost_round : int, default=100
    early_stopping_rounds : int, optional
        Stop when the validation focal metric (the global weighted mean
        ``sum_r sum_i w_i FL_i / sum_r sum_i w_i`` over the workers ``r``) has not improved for
        this many rounds; every worker sees the same value, so all stop at the same round.
    report : bool, default=True
        Report ``valid-focal_loss`` every round (Ray's ``RayTrainReportCallback``) and, at the end,
        the model with the setup's record as the checkpoint (``model.ubj``; :func:`load_xgboost`).
    report_every : int, default=1
        Report the metric every this many rounds (each ``ray.train.report`` synchronises the
        workers through Ray Train's controller: about a second per report on a busy 2-core machine).
    callbacks : sequence
        More XGBoost callbacks.

    Returns
    -------
    xgboost.Booster
        With the record in its ``"boostfocal"`` attribute and ``best_iteration`` when stopped early.
    """
    import xgboost as xgb

    from .sklearn_xgboost import BOOSTER_ATTRIBUTE
    from .xgboost import FocalMetric, FocalObjective

    setup = _check_setup(setup)
    run = _check_run(valid, options)
    X, y, w = setup.arrays(_frame(train))
    dtrain = xgb.DMatrix(X, label=y, weight=w)
    evals, hooks = [], list(run.callbacks)
    if valid is not None:
        Xv, yv, wv = setup.arrays(_frame(valid))
        evals.append((xgb.DMatrix(Xv, label=yv, weight=wv), VALID_NAME))
        if run.report:
            hooks.insert(0, _xgboost_report_callback(run.every))  # first: it reports the last round too
    if run.patience is not None:
        hooks.append(xgb.callback.EarlyStopping(rounds=run.patience, metric_name=METRIC_NAME, data_name=VALID_NAME))
    booster = xgb.train(
        setup.xgboost_params(params),
        dtrain,
        run.rounds,
        evals=evals,
        obj=FocalObjective(loss=setup.loss, hess_floor=setup.hess_floor),
        custom_metric=FocalMetric(loss=setup.loss, name=METRIC_NAME),
        callbacks=hooks,
        verbose_eval=False,
    )
    booster.set_attr(**{BOOSTER_ATTRIBUTE: json.dumps(setup.record("xgboost"))})
    if run.report:
        stopped = run.patience is not None
        _report_model(
            booster.save_model,
            "xgboost",
            best_iteration=int(booster.best_iteration) if stopped else booster.num_boosted_rounds() - 1,
            rounds=booster.num_boosted_rounds(),
            best_score=float(booster.best_score) if stopped else None,
        )
    return booster


def _network_params(ray_params: Mapping[str, Any], reducer: Any) -> dict[str, Any]:
    """LightGBM's network on fresh ports, so that a worker can call ``lgb.train`` more than once.

    Ray Train gives every worker one port (``get_network_params``), which a finished
    ``lgb.train`` leaves unusable; each worker here takes a free port and the workers swap
    them through the reducer (each adds its port at its rank: a sum is an all-gather).
    """
    import socket

    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    hosts = [address.rsplit(":", 1)[0] for address in str(ray_params["machines"]).split(",")]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("", 0))
        port = probe.getsockname()[1]
    mine = np.zeros(world)
    mine[rank] = port
    ports = [int(p) for p in reducer.allreduce(mine)]
    machines = ",".join(f"{host}:{p}" for host, p in zip(hosts, ports, strict=True))
    return {"machines": machines, "local_listen_port": port, "num_machines": world}


def lightgbm_network_params() -> dict[str, Any]:
    """LightGBM network parameters on fresh ports, for an ``lgb.train`` of your own inside a ``LightGBMTrainer``.

    Call it on every worker (it synchronises them). Ray Train's ``get_network_params()`` ports
    serve one ``lgb.train`` per worker; these serve one more. :func:`train_lightgbm` does this itself.
    """
    from ray.train.lightgbm import get_network_params

    from .collective import ray_train_reducer

    return {"tree_learner": "data", **_network_params(get_network_params(), ray_train_reducer())}


def _lightgbm_dataset(setup: FocalSetup, frame: Any, reference: Any = None) -> lgb.Dataset:
    import lightgbm as lgb

    from .lightgbm import multilabel_dataset

    X, y, w = setup.arrays(frame)
    init = setup.init_score(X.shape[0])
    if setup.multilabel:
        return multilabel_dataset(X, y, weight=w, init_score=init, reference=reference, free_raw_data=False)
    return lgb.Dataset(X, label=y, weight=w, init_score=init, reference=reference, free_raw_data=False)


@spelled(TrainOptions, TRAIN_DEFAULTS)
def train_lightgbm(
    setup: FocalSetup, params: Mapping[str, Any] | None, train: Any, valid: Any = None, **options: Unpack[TrainOptions]
) -> lgb.Booster:
    r"""Train on this worker's shards, inside a ``LightGBMTrainer`` training function.

    Parameters and reports as :func:`train_xgboost`. The network parameters come from
    ``ray.train.lightgbm.get_network_params()`` (``tree_learner="data"``, ``pre_partition=True``
    unless given), on fresh ports for every call; every Dataset starts from the global margin
    (``init_score``); the focal metric
    sums over the workers through a :func:`boostfocal.collective.ray_train_reducer` (LightGBM
    itself reduces no Python metric). The returned booster has the margin folded into its
    first trees and the record inside (:func:`boostfocal.lightgbm.embed_initial_margin`); the
    checkpoint holds it as ``model.txt`` (saved up to the best iteration).
    """
    import lightgbm as lgb
    from ray.train.lightgbm import get_network_params

    from .collective import ray_train_reducer
    from .lightgbm import FocalMetric, FocalObjective, embed_initial_margin

    setup = _check_setup(setup)
    run = _check_run(valid, options)
    dtrain = _lightgbm_dataset(setup, _frame(train))
    world = ray.train.get_context().get_world_size()
    booster_params = {"tree_learner": "data", "pre_partition": True, "verbose": -1, **dict(params or {})}
    reducer = ray_train_reducer() if world > 1 else None
    if reducer is not None:
        booster_params.update(_network_params(get_network_params(), reducer))
    booster_params.update(objective=FocalObjective(loss=setup.loss, hess_floor=setup.hess_floor), metric="None")
    if setup.num_class is not None:
        booster_params["num_class"] = setup.num_class
    valid_sets, hooks, feval = [], list(run.callbacks), None
    if valid is not None:
        valid_sets.append(_lightgbm_dataset(setup, _frame(valid), reference=dtrain))
        feval = FocalMetric(loss=setup.loss, name=METRIC_NAME, reducer=reducer)
        if run.report:
            hooks.append(_lightgbm_report_callback(run.every))
    if run.patience is not None:
        hooks.append(lgb.early_stopping(run.patience, first_metric_only=True, verbose=False))
    booster = lgb.train(
        booster_params,
        dtrain,
        run.rounds,
        valid_sets=valid_sets,
        valid_names=[VALID_NAME] * len(valid_sets),
        feval=feval,
        callbacks=hooks,
    )
    if world > 1:
        booster.free_network()
    extra = {"classes": setup.record("lightgbm")["classes"], "class_balance": setup.class_balance.tolist()}
    embedded = embed_initial_margin(
        booster, setup.initial_margin, loss=setup.loss, hess_floor=setup.hess_floor, extra=extra
    )
    embedded.best_score = booster.best_score  # the (global) validation metric at the best round
    if run.report:
        best = booster.best_iteration if booster.best_iteration > 0 else booster.current_iteration()
        _report_model(
            embedded.save_model,
            "lightgbm",
            best_iteration=int(best),
            rounds=booster.current_iteration(),
            best_score=booster.best_score.get(VALID_NAME, {}).get(METRIC_NAME),
        )
    return embedded


def _loop_arguments(config: Mapping[str, Any]) -> tuple[FocalSetup, dict[str, Any], Any, Any]:
    if not isinstance(config, Mapping) or "focal" not in config:
        raise KeyError(
            "train_loop_config needs 'focal': the FocalSetup of boostfocal.ray.prepare(dataset, ...) built on the "
            f"driver (a worker sees one shard only), got {config!r}"
        )
    known = {"focal", "params", "num_boost_round", "early_stopping_rounds", "report_every", "train", "valid"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise KeyError(f"unknown train_loop_config keys {unknown}; known: {sorted(known)}")
    train = ray.train.get_dataset_shard(config.get("train", "train"))
    valid_name = config.get("valid", "valid")
    valid = None if valid_name is None else ray.train.get_dataset_shard(valid_name)
    kwargs = {k: config[k] for k in ("num_boost_round", "early_stopping_rounds", "report_every") if k in config}
    return config["focal"], kwargs, train, valid


def xgboost_train_loop(config: Mapping[str, Any]) -> xgb.Booster:
    """``train_loop_per_worker`` for ``XGBoostTrainer``: :func:`train_xgboost` on the worker's shards.

    ``train_loop_config``: ``{"focal": FocalSetup, "params": {...}, "num_boost_round": int,
    "early_stopping_rounds": int or None, "report_every": int, "train": "train", "valid": "valid"
    (None: no validation)}``
    -- the dataset names as given to the trainer's ``datasets``. Returns this worker's booster.
    """
    setup, kwargs, train, valid = _loop_arguments(config)
    return train_xgboost(setup, config.get("params"), train, valid, **kwargs)


def lightgbm_train_loop(config: Mapping[str, Any]) -> lgb.Booster:
    """``train_loop_per_worker`` for ``LightGBMTrainer``: :func:`train_lightgbm` (config as for XGBoost)."""
    setup, kwargs, train, valid = _loop_arguments(config)
    return train_lightgbm(setup, config.get("params"), train, valid, **kwargs)


def load_xgboost(checkpoint: ray.train.Checkpoint) -> FocalXGBClassifier:
    """The ``FocalXGBClassifier`` of a checkpoint reported by :func:`train_xgboost` (classes and fitted attributes).

    ``predict_proba`` / ``predict_posterior`` / ``predict`` then work as after a single-machine
    fit (up to ``best_iteration`` when stopped early); multi-label labels are the label columns in order.
    """
    from .sklearn_xgboost import FocalXGBClassifier

    clf = FocalXGBClassifier()
    with checkpoint.as_directory() as folder:
        clf.load_model(os.path.join(folder, RAY_CHECKPOINT_FILES["xgboost"]))
    if "loss_" not in clf.__dict__:
        raise ValueError("the checkpoint's model holds no boostfocal record: was it reported by train_xgboost?")
    return clf


def load_lightgbm(checkpoint: ray.train.Checkpoint) -> lgb.Booster:
    """The LightGBM booster of a checkpoint reported by :func:`train_lightgbm` (margin inside, record attached).

    Probabilities: :func:`boostfocal.lightgbm.predict_proba`; posteriors:
    ``FocalLoss.from_dict(boostfocal.lightgbm.focal_metadata(booster)).posterior(p)``.
    """
    import lightgbm as lgb

    from .lightgbm import focal_metadata

    with checkpoint.as_directory() as folder:
        booster = lgb.Booster(model_file=os.path.join(folder, RAY_CHECKPOINT_FILES["lightgbm"]))
    if focal_metadata(booster) is None:
        raise ValueError("the checkpoint's model holds no boostfocal record: was it reported by train_lightgbm?")
    return booster
