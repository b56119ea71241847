"""Multi-label focal loss (issue 15): one sigmoid per label, the binary loss of each element, summed per row.

The loss contracts (mpmath oracle, finite differences, extremes, weights, starting margin, posterior,
records) run for the multi-label instances of ``tests/loss/test_loss_contracts.py``; here: equality with the
binary loss column by column, K = 1, layouts, bad input, and both libraries end to end.
"""

from __future__ import annotations

import numpy as np
import pytest

import boostfocal
from boostfocal import FocalLoss

K = 3

CONFIGS = [
    {"gamma": 0.0},
    {"gamma": 2.0, "alpha": 0.25},
    {"gamma": [4.0, 1.0], "alpha": [0.2, 0.5, 0.9]},
    {"gamma": [0.5, 3.0], "alpha": [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0]], "label_smoothing": 0.2},
    {"gamma": 2.0, "alpha": 0.75, "label_smoothing": 0.1},
    {"gamma": [4.0, 1.0], "alpha": [0.2, 0.5, 0.9], "negative_shift": 0.05},  # ASL (Ridnik et al., 2021)
    {"gamma": [2.0, 0.5], "alpha": [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0]], "negative_shift": 0.2, "label_smoothing": 0.1},
]
CONFIG_IDS = ["ce", "focal-alpha", "asym-per-label", "pairs-smoothed", "shared-smoothed", "asl", "asl-pairs-smoothed"]


def _data(n: int = 60, k: int = K, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, (n, k)), rng.standard_normal((n, k)) * 4, rng.random(n) + 0.5


def _binary_of_label(loss: FocalLoss, j: int) -> FocalLoss:
    """The binary loss of label j, built independently of FocalLoss.label_loss."""
    cw = loss.class_weights(K)
    return FocalLoss(
        gamma=loss.gamma,
        alpha=None if cw is None else cw[j].tolist(),
        label_smoothing=loss.label_smoothing,
        negative_shift=loss.negative_shift,
    )


# ---------------------------------------------------------------- the loss: binary, element by element
@pytest.mark.parametrize("policy", [None, "curvature", 1e-3], ids=["exact", "curvature", "abs"])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_every_column_is_the_binary_loss_to_the_bit(config, policy, backend):
    loss = FocalLoss(link="multilabel", **config)
    y, z, w = _data()
    g, h = loss.grad_hess(y, z, w, hess_floor=policy)
    row = loss.loss(y, z, w)
    total = np.zeros(len(y))
    for j in range(K):
        binary = _binary_of_label(loss, j)
        gj, hj = binary.grad_hess(y[:, j], z[:, j], w, hess_floor=policy)
        np.testing.assert_array_equal(g[:, j], gj)
        np.testing.assert_array_equal(h[:, j], hj)
        total += binary.loss(y[:, j], z[:, j], w)
    np.testing.assert_allclose(row, total, rtol=1e-14)  # the row's loss is the sum over its labels
    assert loss.mean(y, z, w) == pytest.approx(float(np.sum(total) / w.sum()), rel=1e-13)


ONE_LABEL = [
    ({"gamma": 2.0, "alpha": 0.25}, 0.25),
    ({"gamma": [4.0, 1.0], "alpha": [0.2]}, 0.2),
    ({"gamma": [0.5, 3.0], "alpha": [[1.0, 4.0]], "label_smoothing": 0.2}, [1.0, 4.0]),
    ({"gamma": [4.0, 1.0], "alpha": [0.3], "negative_shift": 0.05}, 0.3),
    ({"gamma": [4.0, 1.0], "negative_shift": 0.2, "label_smoothing": 0.1}, None),
]


@pytest.mark.parametrize(
    ("config", "binary_alpha"), ONE_LABEL, ids=["scalar", "per-label", "pair-smoothed", "asl", "shift-smoothed"]
)
def test_one_label_equals_the_binary_loss_to_the_bit(config, binary_alpha, backend):
    one = FocalLoss(link="multilabel", **config)
    binary = FocalLoss(**{**config, "alpha": binary_alpha})
    y, z, w = _data(k=1)
    np.testing.assert_array_equal(one.loss(y, z, w), binary.loss(y[:, 0], z[:, 0], w))
    pairs = zip(
        one.grad_hess(y, z, w, hess_floor="curvature"),
        binary.grad_hess(y[:, 0], z[:, 0], w, hess_floor="curvature"),
        strict=True,
    )
    for a, b in pairs:
        np.testing.assert_array_equal(a[:, 0], b)
    assert one.initial_margin(y, w)[0] == binary.initial_margin(y[:, 0], w)


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_fortran_ordered_margins_give_the_same_values_in_their_layout(config, backend):
    loss = FocalLoss(link="multilabel", **config)
    y, z, w = _data()
    zf = np.asfortranarray(z)
    gc, hc = loss.grad_hess(y, z, w, hess_floor="curvature")
    gf, hf = loss.grad_hess(y, zf, w, hess_floor="curvature")
    np.testing.assert_array_equal(gc, gf)
    np.testing.assert_array_equal(hc, hf)
    assert gf.flags.f_contiguous and gc.flags.c_contiguous  # LightGBM hands (and reads back) Fortran order
    np.testing.assert_array_equal(loss.loss(y, zf, w), loss.loss(y, z, w))


def test_a_loss_without_link_is_multilabel_for_two_dimensional_labels():
    y, z, w = _data()
    free = FocalLoss(gamma=[4.0, 1.0], alpha=0.25, link=None)
    fixed = FocalLoss(gamma=[4.0, 1.0], alpha=0.25, link="multilabel")
    np.testing.assert_array_equal(free.loss(y, z, w), fixed.loss(y, z, w))
    assert free.for_margin(z, label_ndim=2) == fixed.for_margin(z)
    # the same margins with 1-D labels are softmax
    assert FocalLoss(gamma=2.0, link=None).for_margin(z, label_ndim=1).link.name == "softmax"


def test_starting_margin_is_each_labels_binary_starting_margin():
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=[0.2, 0.5, 0.9], link="multilabel", label_smoothing=0.1)
    y, _, w = _data(n=300)
    z0 = loss.initial_margin(y, w)
    assert z0.shape == (K,)
    for j in range(K):
        assert z0[j] == _binary_of_label(loss, j).initial_margin(y[:, j], w)
    kw = {"gamma": [4.0, 1.0], "alpha": [0.2, 0.5, 0.9], "label_smoothing": 0.1}
    np.testing.assert_array_equal(boostfocal.initial_margin(y, sample_weight=w, **kw), z0)  # a 2-D y_true


def test_posterior_is_each_labels_binary_posterior():
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=[0.2, 0.5, 0.9], link="multilabel")
    _, z, _ = _data()
    p = loss.proba(z)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)), rtol=1e-15)
    post = loss.posterior(p)
    for j in range(K):
        np.testing.assert_array_equal(post[:, j], _binary_of_label(loss, j).posterior(p[:, j]))
    assert not np.allclose(post, p)


def test_focal_to_posterior_maps_each_label_with_multilabel_true():
    loss = FocalLoss(gamma=[4.0, 1.0], alpha=[0.2, 0.5, 0.9], link="multilabel", negative_shift=0.05)
    _, z, _ = _data()
    p = loss.proba(z)
    p[0] = 0.0  # a row with no label predicted at all: fine for labels, not for softmax rows
    kw = {"gamma": [4.0, 1.0], "alpha": [0.2, 0.5, 0.9], "negative_shift": 0.05}
    post = boostfocal.focal_to_posterior(p, multilabel=True, **kw)
    np.testing.assert_array_equal(post, loss.posterior(p))
    assert np.all(post[0] == 0.0)
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_labels\) with multilabel=True"):
        boostfocal.focal_to_posterior(p[:, 0], multilabel=True, **kw)
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        boostfocal.focal_to_posterior(p + 1.0, multilabel=True, **kw)
    with pytest.raises(TypeError, match="multilabel must be True or False"):
        boostfocal.focal_to_posterior(p, multilabel="yes", **kw)


def test_record_keeps_per_label_weights():
    loss = FocalLoss(gamma=[0.5, 3.0], alpha=[[1.0, 4.0], [1.0, 1.0], [0.5, 2.0]], link="multilabel", num_class=3)
    record = loss.to_dict()
    assert record["link"] == "multilabel" and record["class_weights"] == [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0]]
    assert FocalLoss.from_dict(record) == loss
    shared = FocalLoss(alpha=0.3, link="multilabel")
    assert shared.alpha == 0.3 and FocalLoss.from_dict(shared.to_dict()) == shared
    assert FocalLoss(alpha=[0.3, 0.6, 0.9], link="multilabel").alpha == [0.3, 0.6, 0.9]


# ---------------------------------------------------------------- bad input, before any work
@pytest.mark.parametrize(
    ("y", "z", "error", "match"),
    [
        (np.array([[0, 2], [1, 0]]), np.zeros((2, 2)), ValueError, r"only 0 and 1 .* got 2 \(row 0, label 1\)"),
        (np.array([[0, np.nan], [1, 0]]), np.zeros((2, 2)), ValueError, "only 0 and 1"),
        (np.array([[0, 1, 0], [1, 0, 0]]), np.zeros((2, 2)), ValueError, "y_true has 3 labels .* 2 columns"),
        (np.array([[0, 1], [1, 0], [1, 1]]), np.zeros((2, 2)), ValueError, "margin has 2 rows but y_true has 3"),
        (np.array([0, 1]), np.zeros((2, 2)), ValueError, r"shape \(n_samples, n_labels\)"),
        (np.array([[0, 1], [1, 0]]), np.zeros(2), ValueError, r"shape \(n_samples, n_labels\) for multi-label"),
        (np.array([["a", "b"], ["c", "d"]]), np.zeros((2, 2)), TypeError, "y_true must be numeric"),
    ],
    ids=["label-2", "label-nan", "columns", "rows", "1d-labels", "1d-margins", "strings"],
)
def test_bad_labels_and_shapes_are_refused(y, z, error, match):
    loss = FocalLoss(link="multilabel")
    with pytest.raises(error, match=match):
        loss.grad_hess(y, z)
    with pytest.raises(error, match=match):
        boostfocal.multilabel_focal_loss(y, z)


def test_two_dimensional_labels_with_one_dimensional_margins_are_refused_without_link():
    with pytest.raises(ValueError, match="2-D .*multi-label.* labels but 1-D margins"):
        FocalLoss(link=None).loss(np.array([[0, 1], [1, 0]]), np.zeros(2))
    with pytest.raises(ValueError, match="y_true must be one-dimensional"):
        FocalLoss(link="sigmoid").loss(np.array([[0, 1], [1, 0]]), np.zeros(2))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 1.5}, ValueError, r"alpha must be in \[0, 1\] for multi-label focal loss, got 1.5"),
        ({"alpha": [0.5, 1.5]}, ValueError, r"per-label positive weights must hold values in \[0, 1\]"),
        ({"alpha": [[1.0, 2.0, 3.0]]}, ValueError, r"shape \(n_labels, 2\).* got shape \(1, 3\)"),
        ({"alpha": [[1.0, -2.0]]}, ValueError, "alpha must hold finite weights >= 0"),
        ({"alpha": [0.5, 0.5], "num_class": 3}, ValueError, "one entry per label: 3 labels expected, got 2"),
        ({"alpha": "0.5"}, TypeError, "alpha must be None, a number"),
        ({"gamma": [1.0, 2.0, 3.0]}, ValueError, "length 2 expected, got length 3"),
        ({"gamma": -1.0}, ValueError, "gamma must be a finite number >= 0, got -1.0"),
        ({"num_class": 0}, ValueError, "number of labels, an integer >= 1, for multi-label focal loss, got 0"),
        ({"label_smoothing": 1.0}, ValueError, r"label_smoothing must be in \[0, 1\)"),
    ],
    ids=[
        "alpha-range",
        "per-label-range",
        "pairs-shape",
        "pairs-negative",
        "length",
        "string",
        "gamma-triple",
        "gamma-negative",
        "num-class",
        "smoothing",
    ],  # fmt: skip
)
def test_bad_parameters_are_refused_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        FocalLoss(link="multilabel", **kwargs)


def test_per_label_alpha_of_the_wrong_length_is_refused_on_the_first_call():
    loss = FocalLoss(alpha=[0.2, 0.5], link="multilabel")
    y, z, _ = _data()
    with pytest.raises(ValueError, match="one entry per label: 3 labels expected, got 2"):
        loss.grad_hess(y, z)
