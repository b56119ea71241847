"""The trees as one ONNX ``TreeEnsembleRegressor`` returning raw margins (n_samples, n_outputs).

The trees go through ``onnxmltools``; its classifier heads are not used, because each is wrong for
some focal model: it gives a LightGBM ``multiclassova`` model a softmax instead of one sigmoid per
label, turns an XGBoost multi-output ``binary:logistic`` model into a two-class one, and refuses
XGBoost models with named features. Here every tree's leaves go to the output its library assigns
(LightGBM: tree ``i`` to ``i % K``; XGBoost: its ``tree_info``), with no post-transform; the link and
the posterior map follow as separate nodes (:mod:`boostfocal._serving._graph`).

Precision. LightGBM compares float64 features with float64 thresholds: its thresholds are kept as
float64 tensors (``nodes_values_as_tensor``) and the input is float64, so no split moves. XGBoost
rounds features to float32 first: the float64 input is cast to float32 before its float32
thresholds, as XGBoost does.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._source import Served

__all__ = ["tree_attributes"]


class _Refused(ValueError):
    """A model this module refuses itself (its message is already one line)."""


_NODE_KEYS = (
    "nodes_treeids",
    "nodes_nodeids",
    "nodes_featureids",
    "nodes_modes",
    "nodes_values",
    "nodes_truenodeids",
    "nodes_falsenodeids",
    "nodes_missing_value_tracks_true",
)


def _regressor(attrs: dict[str, Any], leaf_output: list[int], n_outputs: int, base: list[float]) -> dict[str, Any]:
    """``TreeEnsembleRegressor`` attributes from a classifier's or regressor's node and leaf lists."""
    prefix = "class" if "class_treeids" in attrs else "target"
    out: dict[str, Any] = {key: list(attrs[key]) for key in _NODE_KEYS}
    out["target_treeids"] = list(attrs[f"{prefix}_treeids"])
    out["target_nodeids"] = list(attrs[f"{prefix}_nodeids"])
    out["target_ids"] = [leaf_output[t] for t in out["target_treeids"]]
    out["target_weights"] = [float(v) for v in attrs[f"{prefix}_weights"]]
    out["n_targets"] = n_outputs
    out["post_transform"] = "NONE"
    out["aggregate_function"] = "SUM"
    if any(base):
        out["base_values"] = [float(v) for v in base]
    return out


def _lightgbm(source: Served) -> dict[str, Any]:
    # onnxmltools' own LightGBM tree parsing (its converter's steps), without its classifier head
    from onnxmltools.convert.common.tree_ensemble import get_default_tree_classifier_attribute_pairs
    from onnxmltools.convert.lightgbm.operator_converters import LightGbm

    dumped, info = LightGbm.dump_booster_model(source.booster, num_iteration=-1)
    LightGbm.modify_tree_for_rule_in_set(dumped, use_float=True, info=info)
    attrs = get_default_tree_classifier_attribute_pairs()
    trees = dumped["tree_info"]
    for i, tree in enumerate(trees):
        LightGbm._parse_tree_structure(i, i % source.n_outputs, 1.0, tree["tree_structure"], attrs)
    leaf_output = [i % source.n_outputs for i in range(len(trees))]
    return _regressor(attrs, leaf_output, source.n_outputs, [0.0] * source.n_outputs)


def _xgboost_base_margins(model: dict[str, Any], n_outputs: int) -> list[float]:
    learner = model["learner"]
    values = np.asarray(json.loads(learner["learner_model_param"]["base_score"]), dtype=np.float64).ravel()
    values = np.broadcast_to(values, (n_outputs,)) if values.shape[0] == 1 else values
    if learner["objective"]["name"] == "binary:logistic":  # base_score is a probability there
        with np.errstate(divide="ignore"):
            values = np.log(values) - np.log1p(-values)
    return [float(v) for v in values]


def _xgboost(source: Served) -> dict[str, Any]:
    import onnxmltools
    from onnx import helper
    from onnxmltools.convert.common.data_types import FloatTensorType

    booster = source.booster.copy()
    model = json.loads(booster.save_raw("json"))
    if any(
        int(t["tree_param"].get("size_leaf_vector", "1")) > 1
        for t in model["learner"]["gradient_booster"]["model"]["trees"]
    ):
        raise _Refused("onnxmltools cannot convert vector-leaf trees (multi_strategy='multi_output_tree')")
    booster.feature_names = [f"f{i}" for i in range(booster.num_features())]  # onnxmltools reads 'f%d' only
    n_features = booster.num_features()
    onx = onnxmltools.convert_xgboost(booster, initial_types=[("input", FloatTensorType([None, n_features]))])
    nodes = [n for n in onx.graph.node if n.op_type.startswith("TreeEnsemble")]
    if len(nodes) != 1:
        raise _Refused(f"onnxmltools returned {len(nodes)} tree-ensemble nodes, expected one")
    attrs = {a.name: helper.get_attribute_value(a) for a in nodes[0].attribute}
    tree_info = model["learner"]["gradient_booster"]["model"]["tree_info"]
    attrs = {k: [v.decode() for v in value] if k == "nodes_modes" else value for k, value in attrs.items()}
    return _regressor(attrs, list(tree_info), source.n_outputs, _xgboost_base_margins(model, source.n_outputs))


def tree_attributes(source: Served) -> dict[str, Any]:
    """``TreeEnsembleRegressor`` attributes of the served trees: raw margins, no post-transform.

    Raises
    ------
    ValueError
        With the converter's reason, in one line, for a model it cannot convert.
    """
    try:
        return _lightgbm(source) if source.library == "lightgbm" else _xgboost(source)
    except _Refused:
        raise
    except Exception as exc:  # the converter's own reason, one line
        reason = " ".join(str(exc).split())[:300]
        raise ValueError(
            f"onnxmltools cannot convert this {source.library} model: {type(exc).__name__}: {reason}"
        ) from None
