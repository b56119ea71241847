"""XGBoost model files that say what they are: :func:`finalize` (re-exported by :mod:`boostfocal.xgboost`).

A booster of ``xgb.train(obj=focal_objective(...))`` without ``focal_params`` is written as
``reg:squarederror`` (identity link, margins); :func:`finalize` declares the link's native
objective with the same starting margin and records the loss.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xgboost as xgb
from numpy.typing import ArrayLike, NDArray

from ._adapter import check_margin_vector, check_record_or_loss, fixed_link, takes_loss_params
from ._link import expit
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor
from ._loss_params import LossParams, Unpack, resolve_loss
from ._policy import HessPolicy
from ._profiles import FOCAL_PROBABILITY, NATIVE_OUTPUT_KEY, RECORD_KEY, make_record

__all__ = ["finalize", "MAX_BINARY_BASE_MARGIN"]

# binary:logistic stores its starting point as a probability (float32 in the model): margins are
# clipped to +-30, where expit is still strictly inside (0, 1).
MAX_BINARY_BASE_MARGIN = 30.0


def _base_margins(learner: Mapping[str, Any], k: int) -> NDArray[np.float64]:
    """The margins a ``reg:squarederror`` booster starts from (its ``base_score``, identity link), one per output."""
    values = np.asarray(json.loads(learner["learner_model_param"]["base_score"]), dtype=np.float64).ravel()
    return np.broadcast_to(values, (k,)).copy() if values.shape[0] in (1, k) else values


def _shift_first_trees(booster_model: dict[str, Any], margin: NDArray[np.float64]) -> bool:
    """Add ``margin[k]`` to every leaf of output k's first tree (in place); False for vector-leaf trees."""
    trees, tree_info = booster_model["trees"], booster_model["tree_info"]
    if any(int(t["tree_param"].get("size_leaf_vector", "1")) > 1 for t in trees):
        return False
    for k, value in enumerate(margin):
        tree = trees[tree_info.index(k)]
        for i, left in enumerate(tree["left_children"]):
            if left == -1:  # a leaf: its value is split_conditions[i] (base_weights: before the learning rate)
                tree["split_conditions"][i] = float(np.float32(np.float64(tree["split_conditions"][i]) + value))
    return True


def _declared(model: dict[str, Any], link: str, k: int, margin: NDArray[np.float64]) -> None:
    """Set the native objective of ``link``, starting from ``margin`` (in place).

    The margin goes into the leaves of the first trees and ``base_score`` says margin 0 (0.5 for
    ``binary:logistic``): a float32 probability would move the margin by about 2e-7. Vector-leaf trees
    (``multi_strategy="multi_output_tree"``) get it through ``base_score``.
    """
    learner = model["learner"]
    shifted = _shift_first_trees(learner["gradient_booster"]["model"], margin)
    start = np.zeros(k) if shifted else margin
    if link == "softmax":
        learner["objective"] = {"name": "multi:softprob", "softmax_multiclass_param": {"num_class": str(k)}}
        base = start  # multi:softprob: base_score holds the starting margins
    else:
        learner["objective"] = {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}
        base = expit(np.clip(start, -MAX_BINARY_BASE_MARGIN, MAX_BINARY_BASE_MARGIN))
    learner["learner_model_param"]["base_score"] = "[" + ",".join(f"{v:.9E}" for v in base) + "]"


@takes_loss_params
def finalize(
    booster: xgb.Booster,
    *,
    initial_margin: float | ArrayLike | None = None,
    hess_floor: HessFloor = CURVATURE_FLOOR,
    **loss_params: Unpack[LossParams],
) -> xgb.Booster:
    r"""The one call after ``xgb.train(obj=focal_objective(...))``: a booster whose file says what it is.

    A booster trained without :func:`focal_params` says ``reg:squarederror`` and predicts margins
    :math:`z`; the returned one declares ``binary:logistic`` (one output, or one per label:
    multi-label) or ``multi:softprob`` (``num_class`` outputs) with the same starting margin and
    carries the loss record (booster attribute ``"boostfocal"``): plain XGBoost's ``predict``
    returns the focal probability :math:`\sigma(z)` or :math:`\mathrm{softmax}(z)` (never a
    posterior), ``predict(output_margin=True)`` the margins. A booster that already declares its
    objective (:func:`focal_params`) only gains the record.

    Parameters
    ----------
    booster : xgboost.Booster
        Trained with :func:`focal_objective`.
    %(loss_params)s
        The loss it was trained with (a booster with a record needs none).
    initial_margin : float or array-like of shape (n_outputs,), optional
        The ``base_margin`` its training DMatrix had (which replaced ``base_score``); None: the
        booster's own ``base_score``. Refused when the objective is already declared.
    %(hess_floor)s
        Recorded.

    Returns
    -------
    xgboost.Booster
        A new booster; ``booster`` is not modified.

    Raises
    ------
    ValueError
        If the booster has no record and no loss is given, has a record and a loss is given, or
        declares another objective than the link's.
    """
    if not isinstance(booster, xgb.Booster):
        raise TypeError(f"booster must be an xgboost.Booster, got {type(booster).__name__}")
    record = booster.attr(RECORD_KEY)
    check_record_or_loss(
        record is not None, loss_params, trained_without="focal_params / the estimator", held="the loss"
    )
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    n_class = int(learner["learner_model_param"].get("num_class", "0"))
    n_target = int(learner["learner_model_param"].get("num_target", "1"))
    k = max(n_class, n_target, 1)
    focal = FocalLoss.from_dict(json.loads(record)) if record is not None else resolve_loss(**loss_params)
    focal = fixed_link(focal, k, multilabel=n_target > 1)
    assert focal.link is not None
    name = learner["objective"]["name"]
    native = "multi:softprob" if focal.link.name == "softmax" else "binary:logistic"
    if name in ("reg:squarederror", "multi:softmax"):  # what xgb.train(obj=...) writes: identity link
        margin = _base_margins(learner, k) if initial_margin is None else check_margin_vector(initial_margin)
        margin = np.broadcast_to(np.asarray(margin, dtype=np.float64), (k,)).copy()
        _declared(model, focal.link.name, k, margin)
    elif name != native:
        raise ValueError(f"the booster declares objective {name!r}, not {native!r} of its focal loss's link")
    elif initial_margin is not None:
        raise ValueError(
            f"the booster already declares {name!r} and starts from its base_score: give no initial_margin"
        )
    else:
        margin = None
    if record is None:
        policy = HessPolicy.parse(hess_floor, allow_none=False)
        facts: dict[str, Any] = {"hess_floor": policy.spelling}
        if margin is not None:
            facts["initial_margin"] = float(margin[0]) if k == 1 else margin.tolist()
        info = make_record(focal, **facts)
    else:
        info = json.loads(record)
    info[NATIVE_OUTPUT_KEY] = FOCAL_PROBABILITY
    learner.setdefault("attributes", {})[RECORD_KEY] = json.dumps(info)
    return xgb.Booster(model_file=bytearray(json.dumps(model).encode()))
