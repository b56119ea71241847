"""The posterior map outside boostfocal: the numpy reference and the ONNX nodes equal focal_to_posterior."""

from __future__ import annotations

import numpy as np
import pytest
from contracts import LOSS_INSTANCES

from boostfocal import FocalLoss, serving_reference
from boostfocal.serving import posterior_map

K = 4


def concrete(loss: FocalLoss) -> FocalLoss:
    if loss.link.name == "sigmoid" or loss.num_class is not None:
        return loss
    return loss.with_link(loss.link.name, K)


def focal_probabilities(loss: FocalLoss) -> tuple[np.ndarray, np.ndarray]:
    """Margins over the whole range (extremes included) and their focal probabilities."""
    rng = np.random.default_rng(0)
    z = np.concatenate([np.linspace(-12, 12, 61), [-800.0, -40.0, -1e-9, 0.0, 40.0, 800.0]])
    if loss.link.name != "sigmoid":
        z = np.column_stack([rng.permutation(z) for _ in range(K)])
    return z, loss.proba(z)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=repr)
def test_reference_equals_focal_to_posterior(loss):
    loss = concrete(loss)
    _, p = focal_probabilities(loss)
    expected = loss.posterior(p)
    got = serving_reference.posterior(p, posterior_map(loss))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=repr)
def test_onnx_posterior_nodes_equal_focal_to_posterior(loss):
    """The ONNX nodes of the map on margins (what to_onnx appends after the trees), extremes included."""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    from boostfocal._serving._graph import GraphBuilder, link_nodes, posterior_nodes

    loss = concrete(loss)
    z, p = focal_probabilities(loss)
    k = 1 if loss.link.name == "sigmoid" else K
    g = GraphBuilder()
    prob, q = link_nodes(g, "z", loss.link.name, k)
    g.op("Identity", posterior_nodes(g, prob, q, posterior_map(loss), k), output="eta")
    graph = helper.make_graph(
        g.nodes,
        "t",
        [helper.make_tensor_value_info("z", TensorProto.DOUBLE, [None, k])],
        [helper.make_tensor_value_info("eta", TensorProto.DOUBLE, [None, k])],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    eta = session.run(None, {"z": z.reshape(len(z), k)})[0].reshape(p.shape)
    assert np.all(np.isfinite(eta))
    np.testing.assert_allclose(eta, loss.posterior(p), rtol=0, atol=1e-9)


def test_posterior_map_refuses_undefined_and_unfixed_losses():
    with pytest.raises(ValueError, match="not defined.*alpha"):
        posterior_map(FocalLoss(gamma=2.0, alpha=[0.0, 1.0]))
    with pytest.raises(ValueError, match="num_class"):
        posterior_map(FocalLoss(gamma=2.0, link="softmax"))
    with pytest.raises(ValueError, match="format"):
        serving_reference.posterior(np.array([0.5]), {**posterior_map(FocalLoss()), "format": 2})
