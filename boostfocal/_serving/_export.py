"""The ONNX graph of a served model: trees -> margins -> link -> (posterior) -> outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._graph import GraphBuilder, label_nodes, link_nodes, posterior_nodes
from ._source import Served
from ._trees import tree_attributes

__all__ = ["build_model"]

_OPSETS = (("", 18), ("ai.onnx.ml", 3))


def _tree_node(g: GraphBuilder, source: Served) -> str:
    """The trees' margins, float64 (n, K)."""
    from onnx import TensorProto, numpy_helper

    attrs = tree_attributes(source)
    x = "input"
    if source.library == "lightgbm":  # float64 thresholds and leaves: LightGBM's own comparisons
        attrs["nodes_values_as_tensor"] = numpy_helper.from_array(np.asarray(attrs.pop("nodes_values"), np.float64))
        weights = np.asarray(attrs.pop("target_weights"), np.float64)
        attrs["target_weights_as_tensor"] = numpy_helper.from_array(weights)
    else:  # XGBoost rounds features to float32 before comparing
        x = g.op("Cast", x, to=TensorProto.FLOAT)
    z = g.op("TreeEnsembleRegressor", x, domain="ai.onnx.ml", **attrs)
    return g.op("Cast", z, to=TensorProto.DOUBLE)


def _meaning(source: Served, posterior: bool) -> tuple[str, str]:
    kind = "posterior estimates (predict_posterior)" if posterior or source.correct_proba else (
        "focal probabilities (predict_proba; not a posterior)"
    )  # fmt: skip
    if source.link == "multilabel":
        return f"{kind}, one per label, shape (n, K)", "predict: the indicator probabilities > 0.5, int64 (n, K)"
    if source.classes is None:
        shape = "(n,): P(y = 1)" if source.link == "sigmoid" else "(n, K)"
        labels = "p > 0.5, int64 (n,)" if source.link == "sigmoid" else "argmax class index, int64 (n,)"
        return f"{kind}, {shape}", f"predict: {labels}"
    columns = [str(c) for c in source.classes]
    return f"{kind}, shape (n, {len(columns)}), columns {columns}", "predict: classes_ of the argmax, shape (n,)"


def build_model(source: Served, spec: dict[str, Any] | None, posterior: bool) -> tuple[Any, str, str]:
    """``(onnx.ModelProto, what "probabilities" is, what "label" is)`` of a served model."""
    from onnx import TensorProto, checker, helper

    g = GraphBuilder()
    k = source.n_outputs
    p, q = link_nodes(g, _tree_node(g, source), source.link, k)
    proba = p
    if spec is not None:
        proba = posterior_nodes(g, p, q, spec, k)
    two_columns = source.link == "sigmoid" and source.classes is not None
    if two_columns:  # an estimator's binary predict_proba: [1 - p, p]
        first = q if spec is None else g.sub(g.const(1.0), proba)
        proba = g.op("Concat", first, proba, axis=1)
    elif source.link == "sigmoid":  # a binary booster: (n,)
        proba = g.op("Reshape", proba, g.const([-1], np.int64))
    # predict's labels: from predict_proba (the posterior only when predict_proba returns it)
    decided = proba
    if spec is not None and posterior and not source.correct_proba:
        decided = p if source.link != "sigmoid" else (
            g.op("Concat", q, p, axis=1) if two_columns else g.op("Reshape", p, g.const([-1], np.int64))
        )  # fmt: skip
    label = label_nodes(g, decided, source.link, source.classes, two_columns)
    g.op("Identity", proba, output="probabilities")
    g.op("Identity", label, output="label")
    n_features = len(source.feature_names)
    width = None if source.link == "sigmoid" and not two_columns else (2 if two_columns else k)
    label_type = _label_type(source)
    graph = helper.make_graph(
        g.nodes,
        "boostfocal",
        [helper.make_tensor_value_info("input", TensorProto.DOUBLE, [None, n_features])],
        [
            helper.make_tensor_value_info("label", label_type, [None, k] if source.link == "multilabel" else [None]),
            helper.make_tensor_value_info(
                "probabilities", TensorProto.DOUBLE, [None] if width is None else [None, width]
            ),
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in _OPSETS])
    model.producer_name = "boostfocal"
    checker.check_model(model)
    returns, labels = _meaning(source, posterior)
    return model, returns, labels


def _label_type(source: Served) -> int:
    from onnx import TensorProto

    if source.classes is None or source.link == "multilabel":
        return TensorProto.INT64
    kind = source.classes.dtype.kind
    return {"i": TensorProto.INT64, "u": TensorProto.INT64, "f": TensorProto.DOUBLE, "b": TensorProto.BOOL}.get(
        kind, TensorProto.STRING
    )
