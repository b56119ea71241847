"""Correctness of the numpy core: derivatives proven, identities, extremes, bad input."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax

import boostfocal as bf

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
MARGINS = np.linspace(-30.0, 30.0, 241)


def fd4(f, x, step):
    """4th-order central finite difference of an elementwise function."""
    return (-f(x + 2 * step) + 8 * f(x + step) - 8 * f(x - step) + f(x - 2 * step)) / (12 * step)


def assert_close_fd(analytic, numeric):
    """1e-6 relative agreement, 1e-12 absolute for values near zero."""
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-12)


# --------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
@pytest.mark.parametrize("alpha", [None, 0.25], ids=["alpha=None", "alpha=0.25"])
@pytest.mark.parametrize("label", [0, 1], ids=["y=0", "y=1"])
def test_binary_derivatives_match_finite_differences(gamma, alpha, label):
    y = np.full(MARGINS.shape, label)
    grad, hess = bf.binary_focal_grad_hess(y, MARGINS, gamma=gamma, alpha=alpha)
    grad_fd = fd4(lambda z: bf.binary_focal_loss(y, z, gamma=gamma, alpha=alpha), MARGINS, 1e-3)
    hess_fd = fd4(lambda z: bf.binary_focal_grad_hess(y, z, gamma=gamma, alpha=alpha)[0], MARGINS, 1e-3)
    assert_close_fd(grad, grad_fd)
    assert_close_fd(hess, hess_fd)


def _softmax_loss_mp(z_row, label, gamma, alpha_t):
    """The definition -alpha_y (1 - p_y)^gamma log p_y evaluated in 50-digit arithmetic."""
    denom = mpmath.fsum(mpmath.exp(v) for v in z_row)
    p_t = mpmath.exp(z_row[label]) / denom
    return -alpha_t * (1 - p_t) ** gamma * mpmath.log(p_t)


@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
@pytest.mark.parametrize(
    "alpha", [None, 0.7, (0.1, 0.2, 0.3, 0.4)], ids=["alpha=None", "alpha=scalar", "alpha=per-class"]
)
def test_softmax_derivatives_match_finite_differences_one_logit_at_a_time(gamma, alpha):
    """4th-order central differences of the loss definition, one logit at a time.

    A float64 difference quotient cannot resolve a gradient of 1e-8 beside a loss
    of 30 (rounding alone is 30 * eps / step), so the differences are taken in
    50-digit arithmetic on an independent implementation of the definition.
    """
    rng = np.random.default_rng(1)
    n, k = 60, 4
    z = rng.uniform(-30, 30, size=(n, k)) * rng.uniform(0, 1, size=(n, 1))  # mixes easy and hard rows
    y = rng.integers(0, k, size=n)
    grad, hess = bf.softmax_focal_grad_hess(y, z, gamma=gamma, alpha=alpha)
    alpha_t = np.ones(n) if alpha is None else np.broadcast_to(np.asarray(alpha, dtype=float), (k,))[y]
    step = mpmath.mpf("1e-8")
    grad_fd = np.empty((n, k))
    hess_fd = np.empty((n, k))
    with mpmath.workdps(50):
        for i in range(n):
            row = [mpmath.mpf(float(v)) for v in z[i]]
            for col in range(k):  # shifting all logits leaves softmax unchanged: move one at a time

                def f(delta, i=i, col=col, row=row):
                    shifted = list(row)
                    shifted[col] += delta
                    return _softmax_loss_mp(shifted, y[i], mpmath.mpf(gamma), mpmath.mpf(float(alpha_t[i])))

                f2p, f1p, f0, f1m, f2m = (f(c * step) for c in (2, 1, 0, -1, -2))
                grad_fd[i, col] = float((-f2p + 8 * f1p - 8 * f1m + f2m) / (12 * step))
                hess_fd[i, col] = float((-f2p + 16 * f1p - 30 * f0 + 16 * f1m - f2m) / (12 * step**2))
    assert_close_fd(grad, grad_fd)
    assert_close_fd(hess, hess_fd)


@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
def test_softmax_hessian_matches_float64_differences_of_the_gradient(gamma):
    rng = np.random.default_rng(14)
    n, k = 300, 5
    z = rng.normal(scale=6, size=(n, k))
    y = rng.integers(0, k, size=n)
    _, hess = bf.softmax_focal_grad_hess(y, z, gamma=gamma, alpha=[1.0, 0.5, 2.0, 0.1, 1.0])
    for col in range(k):

        def grad_col(values, col=col):
            zz = z.copy()
            zz[:, col] = values
            return bf.softmax_focal_grad_hess(y, zz, gamma=gamma, alpha=[1.0, 0.5, 2.0, 0.1, 1.0])[0][:, col]

        np.testing.assert_allclose(hess[:, col], fd4(grad_col, z[:, col], 1e-3), rtol=1e-6, atol=1e-11)


# --------------------------------------------------------------------------
# Closed-form identities
# --------------------------------------------------------------------------
def test_gamma_zero_is_log_loss_binary():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=8, size=2000)
    y = rng.integers(0, 2, size=2000)
    p = expit(z)
    grad, hess = bf.binary_focal_grad_hess(y, z, gamma=0.0)
    np.testing.assert_allclose(grad, p - y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hess, p * (1 - p), rtol=0, atol=1e-12)
    log_loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))  # softplus(-s z)
    np.testing.assert_allclose(bf.binary_focal_loss(y, z, gamma=0.0), log_loss, rtol=1e-12)


def test_gamma_zero_is_cross_entropy_softmax():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=5, size=(1000, 5))
    y = rng.integers(0, 5, size=1000)
    p = softmax(z, axis=1)
    onehot = np.eye(5)[y]
    grad, hess = bf.softmax_focal_grad_hess(y, z, gamma=0.0)
    np.testing.assert_allclose(grad, p - onehot, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hess, p * (1 - p), rtol=0, atol=1e-12)
    ce = -log_softmax(z, axis=1)[np.arange(1000), y]
    np.testing.assert_allclose(bf.softmax_focal_loss(y, z, gamma=0.0), ce, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("gamma", [0.3, 1.0, 2.0, 4.5], ids=lambda g: f"gamma={g}")
@pytest.mark.parametrize("alpha", [None, 0.25], ids=["alpha=None", "alpha=0.25"])
def test_focal_over_cross_entropy_is_modulating_factor(gamma, alpha):
    rng = np.random.default_rng(4)
    z = rng.normal(scale=4, size=500)
    y = rng.integers(0, 2, size=500)
    p = expit(z)
    p_t = np.where(y == 1, p, 1 - p)
    a_t = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    ratio = bf.binary_focal_loss(y, z, gamma=gamma, alpha=alpha) / bf.binary_focal_loss(y, z, gamma=0.0)
    np.testing.assert_allclose(ratio, a_t * (1 - p_t) ** gamma, rtol=1e-10)

    zk = rng.normal(scale=3, size=(500, 3))
    yk = rng.integers(0, 3, size=500)
    p_tk = softmax(zk, axis=1)[np.arange(500), yk]
    alpha_k = None if alpha is None else np.array([alpha, 0.5, 1 - alpha])
    a_tk = 1.0 if alpha_k is None else alpha_k[yk]
    ratio_k = bf.softmax_focal_loss(yk, zk, gamma=gamma, alpha=alpha_k) / bf.softmax_focal_loss(yk, zk, gamma=0.0)
    np.testing.assert_allclose(ratio_k, a_tk * (1 - p_tk) ** gamma, rtol=1e-10)


@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
def test_binary_equals_two_class_softmax(gamma):
    rng = np.random.default_rng(5)
    z = rng.normal(scale=6, size=400)
    y = rng.integers(0, 2, size=400)
    z2 = np.column_stack([-z / 2, z / 2])
    np.testing.assert_allclose(
        bf.binary_focal_loss(y, z, gamma=gamma), bf.softmax_focal_loss(y, z2, gamma=gamma), rtol=1e-12, atol=1e-300
    )
    grad, _ = bf.binary_focal_grad_hess(y, z, gamma=gamma)
    grad2, _ = bf.softmax_focal_grad_hess(y, z2, gamma=gamma)
    # chain rule: d/dz of f(-z/2, z/2) = (g_1 - g_0) / 2
    np.testing.assert_allclose(grad, (grad2[:, 1] - grad2[:, 0]) / 2, rtol=1e-10, atol=1e-15)


def test_sample_weight_multiplies_loss_grad_hess():
    rng = np.random.default_rng(6)
    z = rng.normal(scale=3, size=300)
    y = rng.integers(0, 2, size=300)
    w = rng.uniform(0, 5, size=300)
    base_g, base_h = bf.binary_focal_grad_hess(y, z, gamma=2.0, alpha=0.3)
    g, h = bf.binary_focal_grad_hess(y, z, gamma=2.0, alpha=0.3, sample_weight=w)
    np.testing.assert_allclose(g, w * base_g, rtol=1e-14)
    np.testing.assert_allclose(h, w * base_h, rtol=1e-14)
    np.testing.assert_allclose(
        bf.binary_focal_loss(y, z, gamma=2.0, alpha=0.3, sample_weight=w),
        w * bf.binary_focal_loss(y, z, gamma=2.0, alpha=0.3),
        rtol=1e-14,
    )
    zk = rng.normal(size=(300, 3))
    yk = rng.integers(0, 3, size=300)
    gk, hk = bf.softmax_focal_grad_hess(yk, zk, gamma=1.5, sample_weight=w)
    gk0, hk0 = bf.softmax_focal_grad_hess(yk, zk, gamma=1.5)
    np.testing.assert_allclose(gk, w[:, None] * gk0, rtol=1e-14)
    np.testing.assert_allclose(hk, w[:, None] * hk0, rtol=1e-14)


def test_binary_alpha_weights_positive_and_negative_classes():
    z = np.array([-1.0, 0.5, 2.0, -3.0])
    y = np.array([1, 1, 0, 0])
    plain = bf.binary_focal_loss(y, z, gamma=2.0)
    weighted = bf.binary_focal_loss(y, z, gamma=2.0, alpha=0.25)
    np.testing.assert_allclose(weighted, plain * np.array([0.25, 0.25, 0.75, 0.75]), rtol=1e-14)


def test_softmax_invariant_to_shifting_all_logits():
    rng = np.random.default_rng(7)
    z = rng.normal(scale=4, size=(200, 6))
    y = rng.integers(0, 6, size=200)
    shift = rng.normal(scale=50, size=(200, 1))
    for gamma in (0.0, 2.0):
        g1, h1 = bf.softmax_focal_grad_hess(y, z, gamma=gamma)
        g2, h2 = bf.softmax_focal_grad_hess(y, z + shift, gamma=gamma)
        np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(h1, h2, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(g1.sum(axis=1), 0.0, atol=1e-13)  # gradient is orthogonal to the shift


def test_softmax_scalar_alpha_scales_everything():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(100, 3))
    y = rng.integers(0, 3, size=100)
    g, h = bf.softmax_focal_grad_hess(y, z, gamma=2.0)
    g3, h3 = bf.softmax_focal_grad_hess(y, z, gamma=2.0, alpha=3.0)
    gv, hv = bf.softmax_focal_grad_hess(y, z, gamma=2.0, alpha=[3.0, 3.0, 3.0])
    np.testing.assert_allclose(g3, 3 * g, rtol=1e-14)
    np.testing.assert_allclose(h3, 3 * h, rtol=1e-14)
    np.testing.assert_array_equal(g3, gv)
    np.testing.assert_array_equal(h3, hv)


# --------------------------------------------------------------------------
# The exact hessian is negative where theory says, and only there
# --------------------------------------------------------------------------
def test_exact_hessian_negative_for_hard_positives_at_gamma_two():
    z = np.linspace(-20, 20, 40001)
    _, hess = bf.binary_focal_grad_hess(np.ones_like(z), z, gamma=2.0)
    negative = hess < 0
    assert negative.any(), "the exact hessian must not be hidden"
    crossing = z[np.flatnonzero(negative)[-1]]
    assert -2.80 < crossing < -2.78  # hessian changes sign at about -2.79
    assert np.all(hess[z < -2.8] < 0) or np.all(hess[(z < -2.8) & (z > -15)] < 0)
    assert np.all(hess[z > -2.78] > 0)
    _, hess0 = bf.binary_focal_grad_hess(np.ones_like(z), z, gamma=0.0)
    assert np.all(hess0 >= 0)


def test_clip_hessian_is_a_separate_explicit_step():
    hess = np.array([-0.5, -1e-9, 0.0, 1e-7, 0.3])
    before = hess.copy()
    clipped = bf.clip_hessian(hess)
    np.testing.assert_array_equal(hess, before)  # input untouched
    assert clipped is not hess
    np.testing.assert_array_equal(clipped, np.maximum(before, bf.DEFAULT_HESS_FLOOR))
    assert bf.DEFAULT_HESS_FLOOR == 1e-6
    np.testing.assert_array_equal(bf.clip_hessian(hess, floor=0.1), [0.1, 0.1, 0.1, 0.1, 0.3])
    w = np.array([0.0, 2.0, 1.0, 1.0, 10.0])
    np.testing.assert_array_equal(bf.clip_hessian(hess, floor=0.1, sample_weight=w), [0.0, 0.2, 0.1, 0.1, 1.0])
    hess2d = np.array([[-1.0, 0.5], [0.2, -0.2]])
    np.testing.assert_array_equal(
        bf.clip_hessian(hess2d, floor=0.01, sample_weight=[1.0, 3.0]), [[0.01, 0.5], [0.2, 0.03]]
    )


@pytest.mark.parametrize("floor", [-1.0, np.nan, np.inf], ids=["negative", "nan", "inf"])
def test_clip_hessian_rejects_bad_floor(floor):
    with pytest.raises(ValueError, match="floor"):
        bf.clip_hessian(np.ones(3), floor=floor)


# --------------------------------------------------------------------------
# Extremes: every value finite (hypothesis drives the ranges)
# --------------------------------------------------------------------------
finite_margins = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
gammas = st.one_of(st.floats(min_value=0.0, max_value=1.0, exclude_min=True), st.floats(min_value=0.0, max_value=10.0))


@settings(max_examples=150, deadline=None)
@given(
    margins=st.lists(finite_margins, min_size=1, max_size=20),
    labels=st.lists(st.integers(0, 1), min_size=20, max_size=20),
    gamma=gammas,
    alpha=st.one_of(st.none(), st.floats(0.0, 1.0)),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_binary_outputs_finite_everywhere(margins, labels, gamma, alpha, dtype):
    z = np.asarray(margins, dtype=dtype)
    y = np.asarray(labels[: z.size])
    loss = bf.binary_focal_loss(y, z, gamma=gamma, alpha=alpha)
    grad, hess = bf.binary_focal_grad_hess(y, z, gamma=gamma, alpha=alpha)
    for arr in (loss, grad, hess):
        assert arr.dtype == np.float64
        assert np.all(np.isfinite(arr))
    assert np.all(loss >= 0)
    # |dFL/dz| = a q^g (q - g p_t log p_t) <= 1 + g max_p(-p log p) = 1 + g / e  (alpha_t <= 1)
    assert np.all(np.abs(grad) <= 1.0 + gamma / np.e + 1e-12)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(finite_margins, min_size=3, max_size=3), min_size=1, max_size=10),
    labels=st.lists(st.integers(0, 2), min_size=10, max_size=10),
    gamma=gammas,
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_softmax_outputs_finite_everywhere(rows, labels, gamma, dtype):
    z = np.asarray(rows, dtype=dtype)
    y = np.asarray(labels[: z.shape[0]])
    loss = bf.softmax_focal_loss(y, z, gamma=gamma, alpha=[0.2, 1.0, 3.0])
    grad, hess = bf.softmax_focal_grad_hess(y, z, gamma=gamma, alpha=[0.2, 1.0, 3.0])
    for arr in (loss, grad, hess):
        assert np.all(np.isfinite(arr))
    assert np.all(loss >= 0)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-9 * max(1.0, np.abs(grad).max()))


def test_extreme_margins_have_the_right_limits():
    z = np.array([-1e4, -100.0, 100.0, 1e4])
    y = np.ones(4)
    for gamma in (0.0, 0.3, 2.0):
        loss = bf.binary_focal_loss(y, z, gamma=gamma)
        grad, hess = bf.binary_focal_grad_hess(y, z, gamma=gamma)
        np.testing.assert_allclose(loss[:2], [1e4, 100.0], rtol=1e-12)  # -log p_t -> -z, (1 - p_t)^g -> 1
        assert loss[3] == 0.0 and 0.0 <= loss[2] < 1e-40
        np.testing.assert_allclose(grad[:2], [-1.0, -1.0], rtol=1e-12)
        assert np.all(np.abs(grad[2:]) < 1e-40)
        assert np.all(np.abs(hess) < 1e-40)


def test_inputs_are_not_modified_and_float32_is_accepted():
    rng = np.random.default_rng(9)
    z32 = rng.normal(size=50).astype(np.float32)
    y = rng.integers(0, 2, size=50).astype(np.float32)
    w = rng.uniform(size=50)
    copies = (z32.copy(), y.copy(), w.copy())
    g32, h32 = bf.binary_focal_grad_hess(y, z32, gamma=2.0, sample_weight=w)
    g64, h64 = bf.binary_focal_grad_hess(y, z32.astype(np.float64), gamma=2.0, sample_weight=w)
    for arr, copy in zip((z32, y, w), copies, strict=True):
        np.testing.assert_array_equal(arr, copy)
    assert g32.dtype == h32.dtype == np.float64
    np.testing.assert_array_equal(g32, g64)
    np.testing.assert_array_equal(h32, h64)
    zk = rng.normal(size=(50, 3))
    zk_copy = zk.copy()
    bf.softmax_focal_grad_hess(rng.integers(0, 3, 50), zk)
    np.testing.assert_array_equal(zk, zk_copy)


def test_labels_as_bool_and_float_are_accepted():
    z = np.array([0.3, -1.2, 2.0])
    ref = bf.binary_focal_loss(np.array([1, 0, 1]), z)
    np.testing.assert_array_equal(bf.binary_focal_loss(np.array([True, False, True]), z), ref)
    np.testing.assert_array_equal(bf.binary_focal_loss([1.0, 0.0, 1.0], z), ref)
    zk = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0]])
    np.testing.assert_array_equal(
        bf.softmax_focal_loss(np.array([2.0, 0.0]), zk), bf.softmax_focal_loss(np.array([2, 0]), zk)
    )


# --------------------------------------------------------------------------
# initial_margin
# --------------------------------------------------------------------------
def _mean_binary_loss(z, y, gamma, alpha, w):
    return np.average(bf.binary_focal_loss(y, np.full(y.shape, z), gamma=gamma, alpha=alpha), weights=w)


@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
@pytest.mark.parametrize("alpha", [None, 0.25, 0.9], ids=["alpha=None", "alpha=0.25", "alpha=0.9"])
@pytest.mark.parametrize("rate", [0.01, 0.3, 0.8], ids=["1%", "30%", "80%"])
def test_binary_initial_margin_minimises_mean_loss(gamma, alpha, rate):
    rng = np.random.default_rng(10)
    n = 1000
    y = (rng.uniform(size=n) < rate).astype(int)
    y[:2] = [0, 1]
    w = rng.uniform(0.5, 2.0, size=n)
    z0 = bf.initial_margin(y, gamma=gamma, alpha=alpha, sample_weight=w)
    assert isinstance(z0, float)
    grad, _ = bf.binary_focal_grad_hess(y, np.full(n, z0), gamma=gamma, alpha=alpha, sample_weight=w)
    assert abs(grad.sum() / w.sum()) < 1e-8
    ref = minimize_scalar(
        _mean_binary_loss, bounds=(-20, 20), method="bounded", args=(y, gamma, alpha, w), options={"xatol": 1e-10}
    )
    assert _mean_binary_loss(z0, y, gamma, alpha, w) <= ref.fun + 1e-12
    assert abs(z0 - ref.x) < 1e-4


def test_binary_initial_margin_is_log_odds_at_gamma_zero():
    rng = np.random.default_rng(11)
    y = (rng.uniform(size=500) < 0.07).astype(int)
    w = rng.uniform(0.1, 3, size=500)
    expected = np.log(w[y == 1].sum() / w[y == 0].sum())
    assert bf.initial_margin(y, gamma=0.0, sample_weight=w) == pytest.approx(expected, abs=1e-12)
    # alpha = 0.25 rescales the class weights
    expected_alpha = np.log(0.25 * w[y == 1].sum() / (0.75 * w[y == 0].sum()))
    assert bf.initial_margin(y, gamma=0.0, alpha=0.25, sample_weight=w) == pytest.approx(expected_alpha, abs=1e-12)


@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
@pytest.mark.parametrize("alpha", [None, (0.5, 1.0, 2.0, 0.1)], ids=["alpha=None", "alpha=per-class"])
def test_softmax_initial_margin_has_zero_mean_gradient(gamma, alpha):
    rng = np.random.default_rng(12)
    y = rng.choice(4, size=2000, p=[0.6, 0.25, 0.1, 0.05])
    w = rng.uniform(0.5, 2.0, size=2000)
    z0 = bf.initial_margin(y, gamma=gamma, alpha=alpha, sample_weight=w, num_class=4)
    assert z0.shape == (4,)
    grad, _ = bf.softmax_focal_grad_hess(y, np.tile(z0, (2000, 1)), gamma=gamma, alpha=alpha, sample_weight=w)
    np.testing.assert_allclose(grad.sum(axis=0) / w.sum(), 0.0, atol=1e-8)


def test_softmax_initial_margin_is_log_prior_at_gamma_zero():
    y = np.array([0] * 10 + [1] * 30 + [2] * 60)
    z0 = bf.initial_margin(y, gamma=0.0, num_class=3)
    log_prior = np.log([0.1, 0.3, 0.6])
    np.testing.assert_allclose(z0, log_prior - log_prior.mean(), atol=1e-10)


def test_softmax_initial_margin_two_classes_matches_binary():
    rng = np.random.default_rng(13)
    y = (rng.uniform(size=400) < 0.2).astype(int)
    for gamma in (0.0, 2.0):
        zk = bf.initial_margin(y, gamma=gamma, num_class=2)
        zb = bf.initial_margin(y, gamma=gamma)
        assert zk[1] - zk[0] == pytest.approx(zb, abs=1e-8)


def test_initial_margin_rejects_a_class_without_weight():
    with pytest.raises(ValueError, match="infinite"):
        bf.initial_margin(np.ones(10))
    with pytest.raises(ValueError, match="infinite"):
        bf.initial_margin(np.array([0, 1, 1]), alpha=0.0)
    with pytest.raises(ValueError, match="class 2"):
        bf.initial_margin(np.array([0, 1, 1]), num_class=3)
    with pytest.raises(ValueError, match="num_class"):
        bf.initial_margin(np.array([0, 1, 1]), num_class=1)


# --------------------------------------------------------------------------
# Bad input: clear errors naming the parameter and the value
# --------------------------------------------------------------------------
BINARY_FUNCS = [bf.binary_focal_loss, bf.binary_focal_grad_hess]
SOFTMAX_FUNCS = [bf.softmax_focal_loss, bf.softmax_focal_grad_hess]


@pytest.mark.parametrize("func", BINARY_FUNCS + SOFTMAX_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "gamma,exc,pattern",
    [
        (-1.0, ValueError, r"gamma must be .*>= 0, got -1\.0"),
        (np.nan, ValueError, "gamma"),
        (np.inf, ValueError, "gamma"),
        ("2", TypeError, "gamma"),
        (True, TypeError, "gamma"),
    ],
    ids=["negative", "nan", "inf", "string", "bool"],
)
def test_bad_gamma(func, gamma, exc, pattern):
    y, z = (np.array([0, 1]), np.zeros(2)) if func in BINARY_FUNCS else (np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(exc, match=pattern):
        func(y, z, gamma=gamma)


@pytest.mark.parametrize("func", BINARY_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"alpha": 1.5}, r"alpha must be in \[0, 1\].*1\.5"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": np.nan}, "alpha"),
        ({"y_true": [0, 2]}, r"y_true must contain only 0 and 1.*2"),
        ({"y_true": [0, np.nan]}, "y_true"),
        ({"y_true": [0, np.inf]}, "y_true"),
        ({"margin": [0.0, np.nan]}, "margin must be finite"),
        ({"margin": [0.0, -np.inf]}, "margin must be finite"),
        ({"margin": [0.0, 1.0, 2.0]}, "margin has 3 rows"),
        ({"margin": [[0.0], [1.0]]}, r"margin must have shape \(n_samples,\)"),
        ({"sample_weight": [1.0, -2.0]}, r"sample_weight must be finite and >= 0.*-2\.0"),
        ({"sample_weight": [1.0, np.nan]}, "sample_weight"),
        ({"sample_weight": [1.0, np.inf]}, "sample_weight"),
        ({"sample_weight": [1.0]}, r"sample_weight must have shape \(2,\)"),
        ({"y_true": [], "margin": []}, "empty"),
        ({"y_true": ["a", "b"]}, "y_true must be numeric"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_bad_binary_input(func, kwargs, pattern):
    args = {"y_true": [0, 1], "margin": [0.0, 1.0]} | kwargs
    y, z = args.pop("y_true"), args.pop("margin")
    with pytest.raises((ValueError, TypeError), match=pattern):
        func(y, z, **args)


@pytest.mark.parametrize("func", SOFTMAX_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"alpha": [1.0, 2.0]}, "length 3 expected, got length 2"),
        ({"alpha": [1.0, -2.0, 1.0]}, "alpha must hold finite weights >= 0"),
        ({"alpha": -1.0}, "alpha must be a finite number >= 0"),
        ({"alpha": "balanced"}, "alpha must be None, a number or a sequence"),
        ({"y_true": [0, 3]}, r"labels in \[0, 3\).*3"),
        ({"y_true": [0, -1]}, r"labels in \[0, 3\)"),
        ({"y_true": [0, 1.5]}, "integer class labels.*1.5"),
        ({"y_true": [0, np.nan]}, "integer class labels"),
        ({"margin": [[0.0, 1.0, np.nan], [0.0, 0.0, 0.0]]}, "margin must be finite"),
        ({"margin": [0.0, 1.0]}, r"shape \(n_samples, n_classes\)"),
        ({"margin": [[0.0], [1.0]]}, "at least 2 columns"),
        ({"margin": np.zeros((3, 3))}, "margin has 3 rows"),
        ({"sample_weight": [1.0, -1.0]}, "sample_weight"),
        ({"y_true": [], "margin": np.zeros((0, 3))}, "empty"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_bad_softmax_input(func, kwargs, pattern):
    args = {"y_true": [0, 2], "margin": np.zeros((2, 3))} | kwargs
    y, z = args.pop("y_true"), args.pop("margin")
    with pytest.raises((ValueError, TypeError), match=pattern):
        func(y, z, **args)


def test_initial_margin_validates_inputs():
    with pytest.raises(ValueError, match="gamma"):
        bf.initial_margin([0, 1], gamma=-2.0)
    with pytest.raises(ValueError, match="y_true"):
        bf.initial_margin([0, 1, 5])
    with pytest.raises(ValueError, match="alpha"):
        bf.initial_margin([0, 1, 2], alpha=[1.0, 1.0], num_class=3)
    with pytest.raises(ValueError, match="sample_weight"):
        bf.initial_margin([0, 1], sample_weight=[1.0, -1.0])


def test_initial_margin_zero_class_weight_message_names_the_class_and_value():
    with pytest.raises(ValueError, match=r"class 1 has total weight 0\.0: the minimising margin is infinite"):
        bf.initial_margin([0, 1, 2], gamma=2.0, alpha=[1.0, 0.0, 1.0], num_class=3)
