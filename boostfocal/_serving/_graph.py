r"""ONNX nodes after the trees: the link, the posterior map and the labels, in float64.

The posterior map is :mod:`boostfocal._solvers`' closed form, node for node:

.. math::

    \log|\phi'(x)| = \gamma \log y + \log\left(\frac{1}{x} + \gamma r + \epsilon(\gamma + 1)\right),
    \qquad r = \frac{-\log x}{y}, \quad y = 1 - x

(``r`` as ``-log1p(-y) / y`` for ``y < 0.5``; ONNX has no ``Log1p``, so Goldberg's exact form
``log1p(u) = log(w) u / (w - 1)``, ``w = 1 + u``, stands in). Binary and multi-label:
:math:`\eta = \sigma(\log a_0 + \log|\phi_0'(1 - p)| - \log a_1 - \log|\phi_1'(p)|)` (the negative
shift takes the class-0 term at ``p - m``, and ``p <= m`` maps to 0); softmax:
:math:`\eta = \mathrm{softmax}(-\log a_c - \log|\phi_c'(p_c)|)`; label smoothing un-smooths and
clips. ``1 - p`` is never formed by subtraction: it is :math:`\sigma(-z)` (sigmoid links) or the sum
of the other classes' probabilities (softmax), so tiny tails keep their digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["GraphBuilder", "link_nodes", "posterior_nodes", "label_nodes"]


class GraphBuilder:
    """Nodes and constants of one ONNX graph, with fresh names."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, value: Any, dtype: Any = np.float64) -> str:
        from onnx import numpy_helper

        name = self._name("c")
        array = np.asarray(value, dtype=dtype) if dtype is not object else np.asarray(value, dtype=object)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, *inputs: str, output: str | None = None, domain: str = "", **attrs: Any) -> str:
        from onnx import helper

        out = output or self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], domain=domain or None, **attrs))
        return out

    # float64 arithmetic helpers
    def add(self, a: str, b: str) -> str:
        return self.op("Add", a, b)

    def sub(self, a: str, b: str) -> str:
        return self.op("Sub", a, b)

    def mul(self, a: str, b: str) -> str:
        return self.op("Mul", a, b)

    def div(self, a: str, b: str) -> str:
        return self.op("Div", a, b)

    def where(self, cond: str, a: str, b: str) -> str:
        return self.op("Where", cond, a, b)

    def sigmoid(self, z: str) -> str:
        """``1 / (1 + exp(-z))``: accurate in float64 for every z (ONNX Runtime's own Sigmoid flushes tails)."""
        return self.div(self.const(1.0), self.add(self.const(1.0), self.op("Exp", self.op("Neg", z))))

    def log1p(self, u: str) -> str:
        """``log(1 + u)`` for ``u > -1`` to a few ulps: ``log(w) u / (w - 1)``, ``w = 1 + u`` (u where w == 1)."""
        w = self.add(self.const(1.0), u)
        wm1 = self.sub(w, self.const(1.0))
        is_one = self.op("Equal", wm1, self.const(0.0))
        safe = self.where(is_one, self.const(1.0), wm1)
        return self.where(is_one, u, self.div(self.mul(self.op("Log", w), u), safe))


def _gamma_term(g: GraphBuilder, gamma: NDArray[np.float64], values: str) -> str | None:
    """``gamma * values`` where gamma > 0, else 0 (so that 0 * inf stays 0); None when every gamma is 0."""
    if not np.any(gamma > 0):
        return None
    product = g.mul(g.const(gamma), values)
    if np.all(gamma > 0):
        return product
    return g.where(g.const(gamma > 0, np.bool_), product, g.const(0.0))


def log_abs_phi_prime(g: GraphBuilder, x: str, y: str, gamma: NDArray[np.float64], eps: float) -> str:
    """Nodes of ``log|phi'(x)|`` given ``y = 1 - x`` (as :func:`boostfocal._solvers.log_abs_phi_prime`)."""
    zero, one = g.const(0.0), g.const(1.0)
    small_y = g.op("Less", y, g.const(0.5))
    y_pos = g.op("Greater", y, zero)
    safe_y = g.where(y_pos, y, one)
    series = g.op("Neg", g.log1p(g.op("Neg", g.where(small_y, y, zero))))
    r = g.div(g.where(small_y, series, g.op("Neg", g.op("Log", x))), safe_y)
    r = g.where(y_pos, r, one)
    inner = g.div(one, x)
    term = _gamma_term(g, gamma, r)
    if term is not None:
        inner = g.add(inner, term)
    if eps:
        inner = g.op("Max", g.add(inner, g.const(eps * (gamma + 1.0))), zero)
    log_inner = g.op("Log", inner)
    log_mod = _gamma_term(g, gamma, g.op("Log", y))
    return log_inner if log_mod is None else g.add(log_mod, log_inner)


def link_nodes(g: GraphBuilder, z: str, link: str, n_outputs: int) -> tuple[str, str]:
    """``(p, q)``: the probabilities and ``1 - p`` of the margins ``z`` (n, K), float64, no cancellation."""
    if link == "softmax":
        p = g.op("Softmax", z, axis=1)
        others = np.ones((n_outputs, n_outputs)) - np.eye(n_outputs)  # q_c = sum of the other classes
        return p, g.op("MatMul", p, g.const(others))
    return g.sigmoid(z), g.sigmoid(g.op("Neg", z))


def _binary_eta(g: GraphBuilder, p: str, q: str, spec: dict[str, Any]) -> str:
    cw = np.asarray(spec["class_weights"], dtype=np.float64)
    a0, a1 = (cw[:, 0], cw[:, 1]) if cw.ndim == 2 else (cw[0], cw[1])  # multi-label: one pair per label
    g0, g1 = np.asarray(spec["gamma"][0], dtype=np.float64), np.asarray(spec["gamma"][1], dtype=np.float64)
    eps, m = spec["poly_epsilon"], spec["negative_shift"]
    if m:
        r = g.op("Max", g.sub(p, g.const(m)), g.const(0.0))
        shifted = log_abs_phi_prime(g, g.add(q, g.const(m)), r, g0, 0.0)
        log_l0 = g.where(g.op("Greater", r, g.const(0.0)), shifted, g.const(-np.inf))
    else:
        log_l0 = log_abs_phi_prime(g, q, p, g0, eps)
    log_l1 = log_abs_phi_prime(g, p, q, g1, eps)
    d = g.sub(g.add(g.const(np.log(a0)), log_l0), g.add(g.const(np.log(a1)), log_l1))
    eta = g.sigmoid(d)
    e = spec["label_smoothing"]
    if e:
        eta = g.op("Clip", g.div(g.sub(eta, g.const(e / 2)), g.const(1.0 - e)), g.const(0.0), g.const(1.0))
    return eta


def _softmax_eta(g: GraphBuilder, p: str, q: str, spec: dict[str, Any], k: int) -> str:
    gamma = np.broadcast_to(np.asarray(spec["gamma"], dtype=np.float64), (k,)).copy()
    log_w = g.sub(
        g.const(-np.log(np.asarray(spec["class_weights"], dtype=np.float64))),
        log_abs_phi_prime(g, p, q, gamma, spec["poly_epsilon"]),
    )
    # a class with p_c = 1 has log_w = +inf and takes all the mass (as the numpy map); finite for Softmax
    eta = g.op("Softmax", g.op("Clip", log_w, g.const(-1e300), g.const(1e300)), axis=1)
    e = spec["label_smoothing"]
    if e:
        eta = g.op("Clip", g.div(g.sub(eta, g.const(e / k)), g.const(1.0 - e)), g.const(0.0), g.const(1.0))
        eta = g.div(eta, g.op("ReduceSum", eta, g.const([1], np.int64), keepdims=1))
    return eta


def posterior_nodes(g: GraphBuilder, p: str, q: str, spec: dict[str, Any], k: int) -> str:
    """Nodes of the posterior map of ``spec`` (:func:`boostfocal.serving.posterior_map`) on (p, q)."""
    if spec["link"] == "softmax":
        return _softmax_eta(g, p, q, spec, k)
    return _binary_eta(g, p, q, spec)


def label_nodes(g: GraphBuilder, proba: str, link: str, classes: np.ndarray | None, two_columns: bool) -> str:
    """``predict``'s labels: ``classes[argmax]``, or ``proba > 0.5`` (multi-label, 1-D binary)."""
    if link == "multilabel" or (link == "sigmoid" and not two_columns):
        return g.op("Cast", g.op("Greater", proba, g.const(0.5)), to=7)  # int64
    index = g.op("ArgMax", proba, axis=1, keepdims=0)
    if classes is None:
        return index
    kind = classes.dtype.kind
    if kind in "iu":
        values = g.const(classes, np.int64)
    elif kind in "fb":
        values = g.const(classes, np.float64 if kind == "f" else np.bool_)
    else:
        values = g.const(np.array([str(c) for c in classes], dtype=object), object)
    return g.op("Gather", values, index, axis=0)
