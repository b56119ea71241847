"""Contracts every FocalLoss configuration keeps, under both backends (in the manner of sklearn's test_loss.py).

A new loss variant inherits every test here by being listed in ``LOSS_INSTANCES``.
"""

from __future__ import annotations

import pickle

import mpmath
import numpy as np
import pytest

import boostfocal
from boostfocal import FocalLoss

mpmath.mp.dps = 50

from contracts import LOSS_INSTANCES, K  # noqa: E402  (the contract list: a new variant is one entry there)

IDS = [repr(loss).removeprefix("FocalLoss(").removesuffix(")") for loss in LOSS_INSTANCES]
#: Without label smoothing, shift and one label per row: the identities that hold for one hard label and the plain
#: focal weight.
HARD = [
    loss
    for loss in LOSS_INSTANCES
    if loss.label_smoothing == 0.0
    and loss.negative_shift == 0.0
    and loss.poly_epsilon == 0.0
    and not loss.is_multilabel
]
HARD_IDS = [i for loss, i in zip(LOSS_INSTANCES, IDS, strict=True) if loss in HARD]
SHIFTED = [loss for loss in LOSS_INSTANCES if loss.negative_shift > 0.0]
SHIFTED_IDS = [i for loss, i in zip(LOSS_INSTANCES, IDS, strict=True) if loss.negative_shift > 0.0]


# ``backend`` (numpy, and numba when installed) comes from conftest.py.


def gamma_of(loss: FocalLoss, y):
    """gamma_t = gamma[y] (per-class gamma), vectorised over labels."""
    g = loss.gamma
    return np.asarray(g)[y] if isinstance(g, list) else g


def is_softmax(loss: FocalLoss) -> bool:
    return loss.link is not None and loss.link.name == "softmax"


def is_2d(loss: FocalLoss) -> bool:
    """Margins of shape (n, K): softmax and multi-label."""
    return is_softmax(loss) or loss.is_multilabel


def sample(loss: FocalLoss, n: int = 40, scale: float = 3.0, seed: int = 0):
    """Labels and margins; with a negative shift m, margins kept >= 0.05 away from the kink at logit(m)."""
    rng = np.random.default_rng(seed)
    if loss.is_multilabel:
        return rng.integers(0, 2, (n, K)), rng.standard_normal((n, K)) * scale
    if is_softmax(loss):
        return rng.integers(0, K, n), rng.standard_normal((n, K)) * scale
    z = rng.standard_normal(n) * scale
    m = loss.negative_shift
    if m:
        kink = np.log(m / (1 - m))
        near = np.abs(z - kink) < 0.05
        z[near] = kink + np.where(z[near] >= kink, 0.1, -0.1)
    return rng.integers(0, 2, n), z


def fd(f, z: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """4th-order central difference of f, one margin column at a time (shifting every logit leaves softmax unchanged).

    ``f`` maps margins to per-row values of the shape of ``z`` (or (n,) for a 1-D ``z``).
    """
    if z.ndim == 1:
        return (-f(z + 2 * h) + 8 * f(z + h) - 8 * f(z - h) + f(z - 2 * h)) / (12 * h)
    out = np.empty_like(z)
    for k in range(z.shape[1]):
        e = np.zeros_like(z)
        e[:, k] = h
        out[:, k] = (-f(z + 2 * e)[:, k] + 8 * f(z + e)[:, k] - 8 * f(z - e)[:, k] + f(z - 2 * e)[:, k]) / (12 * h)
    return out


def mp_loss(loss: FocalLoss, y: int, z) -> mpmath.mpf:
    """Slow, obviously right oracle in 50 digits: sum_k t_k a_k (1 - p_k)^gamma_k (-log p_k).

    Binary: p_1 = p, p_0 = 1 - p, t = (1 - e/2, e/2) for y = 1, reversed for y = 0; softmax:
    t_k = (1 - e) [k = y] + e / K. At e = 0 this is -a_y (1 - p_y)^gamma_y log p_y. With a negative
    shift m the class-0 term is -a_0 p_m^g_0 log(1 - p_m), p_m = max(p - m, 0) (0^0 = 1). Poly-1 adds
    epsilon (1 - p_k)^(gamma_k + 1) inside every class term.
    Multi-label: the sum over labels of the binary oracle with each label's [a_0, a_1].
    """
    if loss.is_multilabel:
        cw = loss.class_weights(K)
        labels = [FocalLoss(gamma=loss.gamma, alpha=None if cw is None else cw[k].tolist(),
                            label_smoothing=loss.label_smoothing, negative_shift=loss.negative_shift,
                            poly_epsilon=loss.poly_epsilon)
                  for k in range(K)]  # fmt: skip
        return mpmath.fsum(mp_loss(labels[k], int(y[k]), z[k]) for k in range(K))
    e = mpmath.mpf(loss.label_smoothing)
    n_cls = K if is_softmax(loss) else 2
    cw = loss.class_weights(K if is_softmax(loss) else None)
    if is_softmax(loss):
        zs = [mpmath.mpf(float(v)) for v in z]
        total = mpmath.fsum(mpmath.exp(v) for v in zs)
        probs = [mpmath.exp(v) / total for v in zs]
    else:
        p = 1 / (1 + mpmath.exp(-mpmath.mpf(float(z))))
        probs = [1 - p, p]
    m = mpmath.mpf(loss.negative_shift)
    out = mpmath.mpf(0)
    for k in range(n_cls):
        t_k = (1 - e) * (1 if k == y else 0) + e / n_cls
        if t_k == 0:
            continue
        a = mpmath.mpf(1) if cw is None else mpmath.mpf(float(cw[k]))
        g = mpmath.mpf(float(gamma_of(loss, k)))
        if m and k == 0:
            p_m = max(probs[1] - m, mpmath.mpf(0))
            out += -t_k * a * (p_m**g if p_m > 0 else mpmath.mpf(g == 0)) * mpmath.log(1 - p_m)
            continue
        eps = mpmath.mpf(loss.poly_epsilon)
        out += t_k * a * ((1 - probs[k]) ** g * -mpmath.log(probs[k]) + eps * (1 - probs[k]) ** (g + 1))
    return out


# ---------------------------------------------------------------- values and derivatives
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_loss_matches_the_mpmath_oracle(loss):
    y, z = sample(loss, n=12, scale=6.0)
    got = loss.loss(y, z)
    ref = np.array(
        [float(mp_loss(loss, yi if loss.is_multilabel else int(yi), zi)) for yi, zi in zip(y, z, strict=True)]
    )
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_gradient_is_the_derivative_of_the_loss(loss, backend):
    y, z = sample(loss)
    grad, _ = loss.grad_hess(y, z)
    if is_2d(loss):  # d(row loss) / dz_ik, one column at a time
        num = fd(lambda m: np.repeat(loss.loss(y, m)[:, None], K, axis=1), z)
    else:
        num = fd(lambda m: loss.loss(y, m), z)
    np.testing.assert_allclose(grad, num, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_hessian_is_the_derivative_of_the_gradient(loss, backend):
    y, z = sample(loss)
    _, hess = loss.grad_hess(y, z)  # exact (hess_floor=None)
    num = fd(lambda m: loss.grad_hess(y, m)[0], z)
    np.testing.assert_allclose(hess, num, rtol=1e-6, atol=1e-8)
    if loss.is_multilabel:  # the labels do not interact: the gradient of label k moves with z_ik only
        shifted = z.copy()
        shifted[:, 0] += 1e-2
        g0, g1 = loss.grad_hess(y, z)[0], loss.grad_hess(y, shifted)[0]
        np.testing.assert_array_equal(g0[:, 1:], g1[:, 1:])
        assert not np.array_equal(g0[:, 0], g1[:, 0])


@pytest.mark.parametrize("loss", HARD, ids=HARD_IDS)
def test_ratio_to_cross_entropy_is_the_modulating_factor(loss):
    """FL / CE = (1 - p_t)^gamma, with the same class weights."""
    y, z = sample(loss, scale=2.0)
    ce = FocalLoss(gamma=0.0, alpha=loss.alpha, link=loss.link.name, num_class=loss.num_class)
    p = loss.proba(z)
    p_t = p[np.arange(len(y)), y] if is_softmax(loss) else np.where(y == 1, p, 1 - p)
    np.testing.assert_allclose(loss.loss(y, z) / ce.loss(y, z), (1 - p_t) ** gamma_of(loss, y), rtol=1e-12)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_gamma_zero_gives_weighted_residual_and_ce_curvature(loss):
    """At gamma = 0: g = sum_k t_k a_k (p - onehot_k), h = sum_k t_k a_k p (1 - p); unweighted: p - t, p (1 - p)."""
    e = loss.label_smoothing
    ce = FocalLoss(gamma=0.0, alpha=loss.alpha, link=loss.link.name, num_class=loss.num_class, label_smoothing=e)
    y, z = sample(loss)
    grad, hess = ce.grad_hess(y, z)
    p = ce.proba(z)
    if loss.is_multilabel:  # elementwise binary: a_1 t (p - 1) + a_0 (1 - t) p with each label's weights
        cw_ml = ce.class_weights(K)
        a0, a1 = (1.0, 1.0) if cw_ml is None else (cw_ml[:, 0], cw_ml[:, 1])
        t1 = (1 - e) * y + e / 2
        np.testing.assert_allclose(grad, a1 * t1 * (p - 1) + a0 * (1 - t1) * p, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(hess, (a1 * t1 + a0 * (1 - t1)) * p * (1 - p), rtol=1e-10, atol=1e-15)
        if cw_ml is None:
            np.testing.assert_allclose(grad, p - t1, rtol=1e-10, atol=1e-14)
        return
    n_cls = K if is_softmax(loss) else 2
    cw = ce.class_weights(K if is_softmax(loss) else None)
    a = np.ones(n_cls) if cw is None else cw
    t = (1 - e) * np.eye(n_cls)[y] + e / n_cls  # (n, classes) smoothed targets
    if is_softmax(loss):
        ta = t * a  # t_k a_k
        ref_g = ta.sum(axis=1, keepdims=True) * p - ta
        ref_h = ta.sum(axis=1, keepdims=True) * p * (1 - p)
    else:  # classes (0, 1): L_1 gives a_1 t_1 (p - 1), L_0 gives a_0 t_0 p
        ref_g = a[1] * t[:, 1] * (p - 1) + a[0] * t[:, 0] * p
        ref_h = (a[1] * t[:, 1] + a[0] * t[:, 0]) * p * (1 - p)
    np.testing.assert_allclose(grad, ref_g, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(hess, ref_h, rtol=1e-10, atol=1e-15)
    if cw is None:  # the textbook form: residual against the smoothed target
        target = t if is_softmax(loss) else t[:, 1]
        np.testing.assert_allclose(grad, p - target, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- extremes and dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_finite_at_extreme_margins(loss, dtype, backend):
    edges = np.array([-1e4, -745.0, -100.0, -37.0, 0.0, 37.0, 100.0, 745.0, 1e4])
    if is_2d(loss):
        z = np.stack([np.roll(np.resize(edges, K), i) for i in range(len(edges))]).astype(dtype)
        z = np.concatenate([z, z]) if loss.is_multilabel else z
        y = np.arange(len(edges)) % K
        if loss.is_multilabel:  # every margin with both labels
            y = np.concatenate([np.zeros(z.shape, int)[: len(edges)], np.ones(z.shape, int)[: len(edges)]])
    else:
        z = np.concatenate([edges, edges]).astype(dtype)
        y = np.repeat([0, 1], len(edges))
    for value in (loss.loss(y, z), *loss.grad_hess(y, z), *loss.grad_hess(y, z, hess_floor="curvature")):
        assert np.all(np.isfinite(value))
    _, h = loss.grad_hess(y, z, hess_floor="curvature")
    assert np.all(h > 0)


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_float32_margins_give_the_float64_results(loss, backend):
    y, z = sample(loss)
    z32 = z.astype(np.float32)
    for a, b in zip(loss.grad_hess(y, z32), loss.grad_hess(y, z32.astype(np.float64)), strict=True):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loss.loss(y, z32), loss.loss(y, z32.astype(np.float64)))


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_inputs_are_never_written(loss):
    y, z = sample(loss)
    z0, y0 = z.copy(), y.copy()
    loss.grad_hess(y, z, hess_floor="curvature")
    loss.loss(y, z)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(y, y0)


# ---------------------------------------------------------------- weights
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_integer_weights_equal_repeated_rows(loss, backend):
    y, z = sample(loss, n=30)
    w = np.random.default_rng(3).integers(0, 4, len(y)).astype(float)
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    assert loss.mean(y, z, w) == pytest.approx(loss.mean(y[rep], z[rep]), rel=1e-12)
    for policy in (None, "curvature", 1e-3):
        g_w, h_w = loss.grad_hess(y, z, w, hess_floor=policy)
        g_r, h_r = loss.grad_hess(y[rep], z[rep], hess_floor=policy)
        sum_g = np.zeros_like(g_w)
        sum_h = np.zeros_like(h_w)
        np.add.at(sum_g, rep, g_r)
        np.add.at(sum_h, rep, h_r)
        np.testing.assert_allclose(g_w, sum_g, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(h_w[w > 0], sum_h[w > 0], rtol=1e-12, atol=1e-15)
        assert np.all(h_w[w == 0] == 0)  # a row of weight 0 has no curvature, whatever the floor


# ---------------------------------------------------------------- hessian policy
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_curvature_floor_keeps_cross_entropy_and_raises_only_where_needed(loss, backend):
    y, z = sample(loss, n=400, scale=6.0)
    _, exact = loss.grad_hess(y, z)
    _, floored = loss.grad_hess(y, z, hess_floor="curvature")
    assert np.all(floored >= exact) and np.all(floored > 0)
    if loss.gamma == 0.0 and loss.poly_epsilon == 0.0:
        np.testing.assert_array_equal(floored, exact)  # cross-entropy curvature untouched, to the bit
    else:
        assert np.any(exact < 0)  # the sample reaches the region where the exact hessian is negative
        easy = exact > floored * 0.999
        # the floor leaves most entries alone (fewer with smoothing: every class keeps an e / K target)
        assert np.mean(easy) > (0.3 if loss.label_smoothing == 0.0 else 0.2)


# ---------------------------------------------------------------- starting margin and posterior
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_mean_gradient_is_zero_at_the_initial_margin(loss):
    y, _ = sample(loss, n=200)
    w = np.random.default_rng(5).random(len(y)) + 0.1
    z0 = loss.initial_margin(y, w)
    z = np.tile(z0, (len(y), 1)) if is_2d(loss) else np.full(len(y), z0)
    grad, _ = loss.grad_hess(y, z, w)
    assert np.all(np.abs(grad.sum(axis=0)) <= 1e-9 * w.sum())


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_posterior_inverts_the_focal_minimiser(loss):
    """The focal-optimal probability for posterior eta maps back to eta."""
    rng = np.random.default_rng(11)
    for _ in range(5):
        if loss.is_multilabel:  # every label sees the posterior e: rows all-ones and all-zeros weighted e, 1 - e
            e = rng.uniform(0.02, 0.98)
            eta = np.full(K, e)
            z0 = loss.initial_margin(np.array([np.ones(K), np.zeros(K)]), np.array([e, 1 - e]))
            back = loss.posterior(loss.proba(z0[None, :]))[0]
        elif is_softmax(loss):
            eta = rng.dirichlet(np.ones(K))
            z0 = loss.initial_margin(np.arange(K), eta)
            back = loss.posterior(loss.proba(z0[None, :]))[0]
        else:
            e = rng.uniform(0.02, 0.98)
            eta = np.array(e)
            z0 = loss.initial_margin(np.array([1, 0]), np.array([e, 1 - e]))
            back = loss.posterior(loss.proba(np.array([z0])))[0]
            if e <= kink_posterior(loss):  # g_0 = 0 with a shift: the minimiser sits at the kink p = m
                assert loss.proba(np.array([z0]))[0] == pytest.approx(loss.negative_shift, rel=1e-12)
                assert back == 0.0  # p <= m maps to 0 (documented)
                continue
        np.testing.assert_allclose(back, eta, rtol=1e-8, atol=1e-10)


def kink_posterior(loss: FocalLoss) -> float:
    """Posteriors up to a_0 / (a_0 + a_1 |phi_1'(m)|) have their minimiser at the kink p = m when g_0 = 0 (else -1)."""
    m = loss.negative_shift
    if is_softmax(loss) or not m or gamma_of(loss, 0) != 0.0:
        return -1.0
    g1 = gamma_of(loss, 1)
    cw = loss.class_weights()
    a0, a1 = (1.0, 1.0) if cw is None else (float(cw[0]), float(cw[1]))
    dphi1 = (1 - m) ** g1 * (1 / m + g1 * -np.log(m) / (1 - m))  # |d/dp (1 - p)^g1 (-log p)| at p = m
    return a0 / (a0 + a1 * dphi1)


# ---------------------------------------------------------------- the object itself
@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_record_pickle_equality_and_immutability(loss):
    again = FocalLoss.from_dict(loss.to_dict())
    assert again == loss and hash(again) == hash(loss)
    assert pickle.loads(pickle.dumps(loss)) == loss
    import json

    assert FocalLoss.from_dict(json.loads(json.dumps(loss.to_dict()))) == loss
    with pytest.raises(AttributeError, match="immutable"):
        loss.gamma = 1.0  # type: ignore[misc]
    other = FocalLoss(
        gamma=(np.asarray(loss.gamma) + 1.0).tolist(),
        alpha=loss.alpha,
        link=loss.link.name,
        num_class=loss.num_class,
        label_smoothing=loss.label_smoothing,
    )
    assert other != loss


@pytest.mark.parametrize("loss", LOSS_INSTANCES, ids=IDS)
def test_wrappers_and_the_loss_agree_to_the_bit(loss):
    y, z = sample(loss)
    if loss.is_multilabel:
        kw = {
            "gamma": loss.gamma,
            "alpha": loss.alpha,
            "label_smoothing": loss.label_smoothing,
            "negative_shift": loss.negative_shift,
            "poly_epsilon": loss.poly_epsilon,
        }
        pairs = [
            (boostfocal.multilabel_focal_loss(y, z, **kw), loss.loss(y, z)),
            *zip(boostfocal.multilabel_focal_grad_hess(y, z, **kw), loss.grad_hess(y, z), strict=True),
        ]
    elif is_softmax(loss):
        kw = {
            "gamma": loss.gamma,
            "alpha": loss.alpha,
            "label_smoothing": loss.label_smoothing,
            "poly_epsilon": loss.poly_epsilon,
        }
        pairs = [
            (boostfocal.softmax_focal_loss(y, z, **kw), loss.loss(y, z)),
            *zip(boostfocal.softmax_focal_grad_hess(y, z, **kw), loss.grad_hess(y, z), strict=True),
        ]
    else:
        kw = {
            "gamma": loss.gamma,
            "alpha": loss.alpha,
            "label_smoothing": loss.label_smoothing,
            "negative_shift": loss.negative_shift,
            "poly_epsilon": loss.poly_epsilon,
        }
        pairs = [
            (boostfocal.binary_focal_loss(y, z, **kw), loss.loss(y, z)),
            *zip(boostfocal.binary_focal_grad_hess(y, z, **kw), loss.grad_hess(y, z), strict=True),
        ]
    for a, b in pairs:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gamma": -1.0}, ValueError, r"gamma must be a finite number >= 0, got -1.0"),
        ({"alpha": 1.5}, ValueError, r"alpha must be in \[0, 1\].*1\.5"),
        ({"alpha": 1.5, "link": None}, ValueError, r"alpha must be in \[0, 1\].*1\.5"),
        ({"alpha": [1.0, -1.0], "link": "softmax"}, ValueError, "alpha must hold finite weights >= 0"),
        ({"alpha": [1.0, 2.0], "link": "softmax", "num_class": 3}, ValueError, "one weight per class"),
        ({"link": "probit"}, ValueError, r"link must be one of \['multilabel', 'sigmoid', 'softmax'\], got 'probit'"),
        ({"link": "softmax", "num_class": 1}, ValueError, "num_class must be None .* integer >= 2, got 1"),
        ({"link": "sigmoid", "num_class": 3}, ValueError, "num_class must be None or 2 for the sigmoid link"),
        ({"label_smoothing": 1.0}, ValueError, r"label_smoothing must be in \[0, 1\), got 1.0"),
        ({"label_smoothing": -0.1}, ValueError, r"label_smoothing must be in \[0, 1\)"),
        ({"label_smoothing": "0.1"}, TypeError, "label_smoothing must be a number"),
        ({"gamma": [1.0, float("nan")]}, ValueError, "gamma must hold finite values >= 0"),
        ({"gamma": "2"}, TypeError, "gamma must be a real number >= 0 or a sequence"),
        ({"negative_shift": 1.0}, ValueError, r"negative_shift must be in \[0, 1\), got 1.0"),
        ({"negative_shift": -0.05}, ValueError, r"negative_shift must be in \[0, 1\), got -0.05"),
        ({"negative_shift": float("nan")}, ValueError, r"negative_shift must be in \[0, 1\), got nan"),
        ({"negative_shift": "0.05"}, TypeError, "negative_shift must be a number in"),
        ({"negative_shift": True}, TypeError, "negative_shift must be a number in"),
        (
            {"negative_shift": 0.05, "link": "softmax", "num_class": 3},
            ValueError,
            "negative_shift is an option of the sigmoid link .* got negative_shift=0.05 with link='softmax'",
        ),
    ],
)
def test_bad_parameters_are_refused_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        FocalLoss(**kwargs)


def test_bad_hessian_policy_is_refused_before_any_work():
    loss = FocalLoss(gamma=2.0)
    with pytest.raises(ValueError, match="hess_floor must be 'curvature' or a finite number >= 0, got 'clip'"):
        loss.grad_hess([0, 1], [0.0, 1.0], hess_floor="clip")
    with pytest.raises(ValueError, match="hess_floor must be a finite number >= 0, got -1"):
        loss.grad_hess([0, 1], [0.0, 1.0], hess_floor=-1)


# ---------------------------------------------------------------- class-balanced weights (Cui et al., 2019)
def test_class_balanced_alpha_limits_and_normalisation():
    y = np.r_[np.zeros(900), np.ones(100)].astype(int)
    assert boostfocal.class_balanced_alpha(y, beta=0.0).tolist() == [1.0, 1.0]
    a = boostfocal.class_balanced_alpha(y, beta=0.999)
    n = np.array([900, 100])
    ref = (1 - 0.999) / (1 - 0.999**n)
    np.testing.assert_allclose(a, 2 * ref / ref.sum(), rtol=1e-12)
    near_one = boostfocal.class_balanced_alpha(y, beta=1 - 1e-12)
    np.testing.assert_allclose(near_one, 2 * (1 / n) / (1 / n).sum(), rtol=1e-6)  # inverse frequency
    yk = np.repeat([0, 1, 2], [50, 30, 20])
    w = np.where(yk == 2, 2.0, 1.0)
    ak = boostfocal.class_balanced_alpha(yk, beta=0.9, num_class=3, sample_weight=w)
    nk = np.array([50.0, 30.0, 40.0])  # weight sums
    refk = (1 - 0.9) / (1 - 0.9**nk)
    np.testing.assert_allclose(ak, 3 * refk / refk.sum(), rtol=1e-12)
    assert ak.sum() == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"beta": 1.0}, r"beta must be a number in \[0, 1\), got 1.0"),
        ({"beta": -0.1}, r"beta must be a number in \[0, 1\)"),
        ({"num_class": 3}, "class 2 has no sample"),
    ],
)
def test_class_balanced_alpha_refuses_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        boostfocal.class_balanced_alpha(np.array([0, 1, 1, 0]), **kwargs)


def test_per_class_gamma_with_equal_values_is_the_scalar_loss_to_the_bit():
    y, z = sample(FocalLoss())
    a, b = FocalLoss(gamma=[2.0, 2.0], alpha=0.25), FocalLoss(gamma=2.0, alpha=0.25)
    assert a == b
    for u, v in zip(a.grad_hess(y, z), b.grad_hess(y, z), strict=True):
        np.testing.assert_array_equal(u, v)


def test_binary_per_class_gamma_equals_two_class_softmax():
    """Binary with [g_0, g_1], [a_0, a_1] equals the 2-class softmax on margins (-z/2, z/2)."""
    y, z = sample(FocalLoss(), n=60)
    binary = FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0])
    soft = FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0], link="softmax")
    zz = np.column_stack([-z / 2, z / 2])
    np.testing.assert_allclose(binary.loss(y, z), soft.loss(y, zz), rtol=1e-12)
    g_soft, _ = soft.grad_hess(y, zz)
    np.testing.assert_allclose(binary.grad_hess(y, z)[0], (g_soft[:, 1] - g_soft[:, 0]) / 2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(binary.posterior(binary.proba(z)), soft.posterior(soft.proba(zz))[:, 1], rtol=1e-10)


BINARY = [loss for loss in LOSS_INSTANCES if not is_2d(loss)]
BINARY_IDS = [i for loss, i in zip(LOSS_INSTANCES, IDS, strict=True) if not is_2d(loss)]


@pytest.mark.parametrize("loss", BINARY, ids=BINARY_IDS)
def test_initial_margin_and_posterior_agree_with_a_brute_force_minimiser(loss):
    """Independent of the stationarity algebra: minimise eta L(1, z) + (1 - eta) L(0, z) on a fine grid."""
    grid = np.linspace(-12.0, 12.0, 240_001)  # step 1e-4
    l1 = loss.loss(np.ones(grid.size, dtype=int), grid)
    l0 = loss.loss(np.zeros(grid.size, dtype=int), grid)
    for eta in (0.05, 0.3, 0.5, 0.8, 0.97):
        z_star = grid[np.argmin(eta * l1 + (1 - eta) * l0)]
        z0 = loss.initial_margin(np.array([1, 0]), np.array([eta, 1 - eta]))
        assert abs(z0 - z_star) < 2e-4
        back = loss.posterior(loss.proba(np.array([z_star])))[0]
        if eta <= kink_posterior(loss):  # the minimiser is the kink p = m, mapped to 0
            assert abs(loss.proba(np.array([z_star]))[0] - loss.negative_shift) < 1e-4
            assert back == 0.0
            continue
        assert abs(back - eta) < 1e-3


# ---------------------------------------------------------------- the negative shift (ASL's probability margin)
@pytest.mark.parametrize("loss", SHIFTED, ids=SHIFTED_IDS)
def test_shifted_negatives_below_the_margin_cost_nothing(loss, backend):
    """y = 0 rows with p <= m: zero loss, gradient and exact hessian (without smoothing); continuous at the kink."""
    m = loss.negative_shift
    kink = np.log(m / (1 - m))
    z = np.array([-1e4, -50.0, kink - 3.0, kink - 1e-9, np.nextafter(kink, -np.inf)])
    if loss.is_multilabel:  # every label of every row a negative below the margin
        z = np.tile(z[:, None], (1, K))
    y = np.zeros(z.shape, dtype=int)
    values = (loss.loss(y, z), *loss.grad_hess(y, z))
    if loss.label_smoothing == 0.0:
        for v in values:
            np.testing.assert_array_equal(v, 0.0)
    _, floored = loss.grad_hess(y, z, hess_floor="curvature")
    assert np.all(floored > 0)  # the absolute part of the policy keeps Newton steps defined
    # continuity of the class-0 term across the kink
    eps = 1e-7
    alpha = loss.alpha
    if loss.is_multilabel:  # label 0's [a_0, a_1]
        cw = loss.class_weights(K)
        alpha = None if cw is None else cw[0].tolist()
    left, right = FocalLoss(gamma=loss.gamma, alpha=alpha, negative_shift=m).loss([0, 0], [kink - eps, kink + eps])
    assert left == 0.0 and 0.0 <= right < 1e-6


def test_shift_leaves_positives_alone_and_matches_the_plain_loss_on_them():
    y, z = sample(FocalLoss(), n=200)
    plain, shifted = (
        FocalLoss(gamma=[4.0, 1.0], alpha=[1.0, 3.0]),
        FocalLoss(gamma=[4.0, 1.0], alpha=[1.0, 3.0], negative_shift=0.1),
    )
    pos = y == 1
    np.testing.assert_allclose(shifted.loss(y, z)[pos], plain.loss(y, z)[pos], rtol=1e-15)
    for a, b in zip(shifted.grad_hess(y, z), plain.grad_hess(y, z), strict=True):
        np.testing.assert_allclose(a[pos], b[pos], rtol=1e-15)
    assert np.all(shifted.loss(y, z)[~pos] < plain.loss(y, z)[~pos])  # p_m < p: every negative costs less


def test_shift_on_2d_margins_is_refused_when_the_link_is_left_open():
    loss = FocalLoss(gamma=2.0, negative_shift=0.05, link=None)
    with pytest.raises(ValueError, match="negative_shift is an option of the sigmoid link, but the margins"):
        loss.grad_hess(np.array([0, 1, 2]), np.zeros((3, 3)))


def test_shift_without_a_finite_starting_margin_says_so():
    """g_1 = 0: L_0 is bounded by the shift, so enough positives push the minimiser to +inf."""
    loss = FocalLoss(gamma=[4.0, 0.0], negative_shift=0.05)
    y = np.r_[np.zeros(1), np.ones(99)].astype(int)
    with pytest.raises(ValueError, match="no finite minimiser .*negative_shift=0.05"):
        loss.initial_margin(y)
    assert np.isfinite(loss.initial_margin(np.r_[np.zeros(90), np.ones(10)].astype(int)))


@pytest.mark.parametrize(
    "loss", [x for x in BINARY if x.negative_shift or x.label_smoothing or x.poly_epsilon], ids=str
)
def test_focal_to_posterior_takes_every_binary_option(loss):
    p = np.linspace(0.0, 1.0, 101)
    options = {"label_smoothing": loss.label_smoothing, "negative_shift": loss.negative_shift}
    got = boostfocal.focal_to_posterior(
        p, gamma=loss.gamma, alpha=loss.alpha, poly_epsilon=loss.poly_epsilon, **options
    )
    np.testing.assert_array_equal(got, loss.posterior(p))
    assert np.all(np.diff(got) >= 0) and np.all((got >= 0) & (got <= 1))


SOFTMAX3 = [
    FocalLoss(gamma=2.0, link="softmax", num_class=3),
    FocalLoss(gamma=[0.5, 2.0, 4.0], alpha=[2.0, 1.0, 0.5], link="softmax", num_class=3),
    FocalLoss(gamma=[0.5, 2.0, 4.0], alpha=[2.0, 1.0, 0.5], link="softmax", num_class=3, label_smoothing=0.2),
]


@pytest.mark.parametrize("loss", SOFTMAX3, ids=str)
def test_softmax_starting_margin_and_posterior_agree_with_a_numerical_minimiser(loss):
    """Independent of the stationarity algebra: minimise sum_k eta_k L(z, k) with scipy (loss values only)."""
    from scipy.optimize import minimize

    labels = np.arange(3)
    for eta in ([0.6, 0.3, 0.1], [0.05, 0.15, 0.8], [1 / 3, 1 / 3, 1 / 3]):
        eta = np.asarray(eta)

        def expected(v, eta=eta):
            z = np.tile(np.r_[v, 0.0], (3, 1))  # z_3 = 0 fixes the free shift of softmax
            return float(np.dot(eta, loss.loss(labels, z)))

        res = minimize(expected, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
        z_star = np.r_[res.x, 0.0]
        z0 = loss.initial_margin(labels, eta)
        np.testing.assert_allclose(z0 - z0[2], z_star, atol=1e-5)
        back = loss.posterior(loss.proba(z_star[None, :]))[0]
        np.testing.assert_allclose(back, eta, atol=1e-5)


# ---------------------------------------------------------------- Poly-1 focal loss
POLY = [loss for loss in LOSS_INSTANCES if loss.poly_epsilon]


@pytest.mark.parametrize("loss", POLY, ids=str)
def test_poly1_adds_epsilon_times_the_next_power_of_one_minus_p_t(loss):
    """Poly-1 = focal + a_t epsilon (1 - p_t)^(gamma + 1), row by row, for hard labels (Leng et al., 2022)."""
    plain = FocalLoss.from_dict({**loss.to_dict(), "poly_epsilon": 0.0, "label_smoothing": 0.0})
    poly = FocalLoss.from_dict({**loss.to_dict(), "label_smoothing": 0.0})
    y, z = sample(poly, n=200, scale=4.0)
    p = poly.proba(z)
    if poly.is_multilabel:
        p_t = np.where(y == 1, p, 1 - p)
        a_t = poly.class_weights(K)[np.arange(K)[None, :], y]
        ref = (a_t * poly.poly_epsilon * (1 - p_t) ** (np.asarray(poly.gamma)[y] + 1)).sum(axis=1)
    else:
        p_t = p[np.arange(len(y)), y] if is_softmax(poly) else np.where(y == 1, p, 1 - p)
        cw = poly.class_weights(K if is_softmax(poly) else None)
        a_t = 1.0 if cw is None else cw[y]
        ref = a_t * poly.poly_epsilon * (1 - p_t) ** (gamma_of(poly, y) + 1)
    np.testing.assert_allclose(poly.loss(y, z) - plain.loss(y, z), ref, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("epsilon", [-1.0, -0.5, 1.0, 10.0])
def test_poly1_loss_decreases_and_is_convex_in_p_t_for_epsilon_at_least_minus_one(gamma, epsilon):
    """The proof in check_poly_epsilon, checked in 50 digits on a grid of p_t (mpmath derivatives)."""
    phi = lambda p: (1 - p) ** gamma * -mpmath.log(p) + epsilon * (1 - p) ** (gamma + 1)  # noqa: E731
    for p in np.linspace(0.01, 0.99, 25):
        assert mpmath.diff(phi, p) < 0
        assert mpmath.diff(phi, p, 2) > 0


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_poly1_below_minus_one_is_refused_because_the_loss_rises_towards_p_t_one(gamma):
    epsilon = -1.5
    phi = lambda p: (1 - p) ** gamma * -mpmath.log(p) + epsilon * (1 - p) ** (gamma + 1)  # noqa: E731
    assert mpmath.diff(phi, mpmath.mpf("0.999")) > 0  # the loss increases as p_t -> 1: not a classification loss
    with pytest.raises(ValueError, match=r"poly_epsilon must be a finite number >= -1.*-1\.5"):
        FocalLoss(gamma=gamma, poly_epsilon=epsilon)
    with pytest.raises(TypeError, match="poly_epsilon must be a real number"):
        FocalLoss(gamma=gamma, poly_epsilon="1")
    with pytest.raises(ValueError, match="poly_epsilon and negative_shift cannot be combined"):
        FocalLoss(gamma=gamma, poly_epsilon=1.0, negative_shift=0.1)


def test_poly1_records_say_format_2_and_plain_records_stay_format_1():
    assert FocalLoss(gamma=2.0).to_dict()["format"] == 1 and "poly_epsilon" not in FocalLoss(gamma=2.0).to_dict()
    record = FocalLoss(gamma=2.0, poly_epsilon=1.0, link="softmax", num_class=3).to_dict()
    assert record["format"] == 2 and record["poly_epsilon"] == 1.0
    assert FocalLoss.from_dict(record) == FocalLoss(gamma=2.0, poly_epsilon=1.0, link="softmax", num_class=3)
    assert FocalLoss(gamma=2.0, poly_epsilon=0.0) == FocalLoss(gamma=2.0)  # epsilon 0 is plain focal loss
