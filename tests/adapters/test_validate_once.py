"""The adapters validate at the door, once (issue 22): ``loss=`` or its parameters, the hessian policy."""

from __future__ import annotations

import numpy as np
import pytest

from boostfocal import FocalLoss
from boostfocal._policy import HessPolicy

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")

import boostfocal.lightgbm as bl  # noqa: E402
import boostfocal.xgboost as bx  # noqa: E402

LOSS = FocalLoss(gamma=1.0, link=None)
Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])


def _booster() -> lgb.Booster:
    X = np.arange(12.0).reshape(6, 2)
    params = {"objective": bl.focal_objective(), "verbose": -1, "min_data_in_leaf": 1, "num_threads": 1}
    return lgb.train(params, lgb.Dataset(X, Y, params={"feature_pre_filter": False}), 2)


FACTORIES = {
    "xgb.focal_objective": bx.focal_objective,
    "xgb.focal_metric": bx.focal_metric,
    "xgb.FocalObjective": bx.FocalObjective,
    "xgb.focal_params": lambda **kw: bx.focal_params({}, y_true=Y, **kw),
    "lgb.focal_objective": bl.focal_objective,
    "lgb.focal_metric": bl.focal_metric,
    "lgb.FocalMetric": bl.FocalMetric,
    "lgb.embed_initial_margin": lambda **kw: bl.embed_initial_margin(_booster(), 0.0, **kw),
}

# the default values too: giving one explicitly with a loss is the mistake, whatever the value
PARAMS = {"gamma": 2.0, "alpha": 0.25, "label_smoothing": 0.0, "negative_shift": 0.0}


@pytest.mark.parametrize("param", list(PARAMS), ids=list(PARAMS))
@pytest.mark.parametrize("factory", list(FACTORIES.values()), ids=list(FACTORIES))
def test_loss_with_any_loss_parameter_is_refused_naming_both(factory, param):
    with pytest.raises(ValueError, match=rf"either loss or .*loss=FocalLoss\(gamma=1.0.* and {param}="):
        factory(loss=LOSS, **{param: PARAMS[param]})


@pytest.mark.parametrize("module", [bx, bl], ids=["xgboost", "lightgbm"])
def test_loss_alone_or_parameters_alone_are_taken_as_given(module):
    assert module.focal_objective(loss=LOSS).loss is LOSS
    assert module.focal_metric(loss=LOSS).loss is LOSS
    assert module.focal_objective(gamma=2.0).loss == module.focal_objective().loss == FocalLoss(link=None)
    assert module.focal_objective(gamma=1.0).loss == LOSS
    smoothed = module.focal_metric(alpha=0.25, label_smoothing=0.1).loss
    assert smoothed == FocalLoss(alpha=0.25, label_smoothing=0.1, link=None)


@pytest.fixture
def parse_calls(monkeypatch):
    """Count the calls of ``HessPolicy.parse`` (the one validation of ``hess_floor``)."""
    calls: list[object] = []
    original = HessPolicy.parse.__func__

    def counting(cls, hess_floor, **kwargs):
        calls.append(hess_floor)
        return original(cls, hess_floor, **kwargs)

    monkeypatch.setattr(HessPolicy, "parse", classmethod(counting))
    return calls


def test_hess_floor_is_parsed_once_per_objective_not_per_round(parse_calls):
    X = np.random.default_rng(0).standard_normal((200, 3))
    y = (X[:, 0] > 0).astype(float)
    obj = bx.focal_objective(hess_floor=1e-4)
    xgb.train({"nthread": 1}, xgb.DMatrix(X, label=y), 5, obj=obj)
    booster = lgb.train({"objective": bl.focal_objective(), "verbose": -1, "num_threads": 1}, lgb.Dataset(X, y), 5)
    assert booster.num_trees() == 5
    assert parse_calls == [1e-4, "curvature"]


def test_a_parsed_policy_is_taken_as_it_is(parse_calls):
    policy = HessPolicy.parse(1e-3)
    assert bx.FocalObjective(hess_floor=policy).policy is policy
    assert bl.FocalObjective(hess_floor=policy).policy is policy
    assert parse_calls == [1e-3]  # the explicit call above only


@pytest.mark.parametrize("module", [bx, bl], ids=["xgboost", "lightgbm"])
def test_each_dataset_gets_the_library_softmax_rule_once(module):
    obj = module.focal_objective()
    y = np.array([0.0, 1.0, 2.0, 1.0])
    z = np.zeros((4, 3))
    (obj(y, z, sample_weight=None) if module is bx else obj(y, z, None))
    (entry,) = obj._cache
    expected = module.PROFILE.hess_policy(HessPolicy.parse("curvature"), "softmax", 3)
    assert entry.policy == expected
    assert entry.policy.scale == module.PROFILE.softmax_hess_scale(3)
    assert entry.policy.curvature == module.PROFILE.softmax_curvature


@pytest.mark.parametrize("module", [bx, bl], ids=["xgboost", "lightgbm"])
def test_objects_pickled_before_the_policy_value_still_load(module):
    """An objective / metric pickled by boostfocal 0.2 (hess_floor, _abs_floor, _curvature; XGBoost's __name__)."""
    y, z = Y, np.linspace(-2.0, 2.0, Y.shape[0])
    new = module.focal_objective(gamma=1.5, hess_floor=1e-4)
    old_state = {k: v for k, v in new.__dict__.items() if k != "policy"}
    old_state.update(hess_floor=1e-4, _abs_floor=1e-4, _curvature=False, _cache=())
    old = object.__new__(module.FocalObjective)
    old.__setstate__(old_state)
    assert old.policy == new.policy and old.hess_floor == 1e-4
    call = (lambda f: f(y, z, sample_weight=None)) if module is bx else (lambda f: f(y, z, None))
    for a, b in zip(call(old), call(new), strict=True):
        np.testing.assert_array_equal(a, b)
    metric = module.focal_metric(name="fl")
    state = {k: v for k, v in metric.__dict__.items() if k != "name"}
    if module is bx:
        state["__name__"] = "fl"
    else:
        state["name"] = "fl"
    loaded = object.__new__(module.FocalMetric)
    loaded.__setstate__(state)
    assert loaded.name == "fl" and call(loaded) == call(metric)
