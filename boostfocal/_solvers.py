r"""Solvers beside the kernels: the focal-optimal constant margin and the posterior map.

Both rest on :math:`\phi(p) = -(1 - p)^\gamma \log p`, the focal loss of the true class
as a function of its probability, strictly decreasing and convex on (0, 1] for every
:math:`\gamma \ge 0` (see :mod:`boostfocal.calibration` for the derivations):

* the starting margin minimises the weighted mean loss over a constant margin
  (binary: a bracketed bisection of the mean gradient; softmax: the Lagrange condition
  :math:`W_c \phi'(\pi_c) = \mu` solved by nested bisection);
* the posterior map reads the class posterior back from the focal-optimal probability
  (Charoenphakdee et al., CVPR 2021).

No validation here: the loss objects (:mod:`boostfocal._loss`) hand finished values down.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._kernels import (
    FloatArray,
    Gamma,
    _pair,
    grad_hess_from_u,
    loss_from_u,
    shifted_negative_grad_hess,
    shifted_negative_loss,
)
from ._link import expit, log_expit

__all__ = [
    "binary_initial_margin",
    "binary_posterior",
    "log_abs_phi_prime",
    "softmax_initial_margin",
    "softmax_posterior",
]


# --------------------------------------------------------------------------
# phi(p) = -(1 - p)^gamma log p, the focal loss of the true class as a function of its probability
# --------------------------------------------------------------------------
def log_abs_phi_prime(x: FloatArray, y: FloatArray, gamma: Gamma, poly_epsilon: float = 0.0) -> FloatArray:
    r"""``log|phi'(x)|`` for ``x`` in [0, 1], given ``y = 1 - x`` computed by the caller without cancellation.

    .. math::

        -\phi'(x) = (1 - x)^\gamma \left(\frac{1}{x} + \gamma\,r + \epsilon(\gamma + 1)\right), \qquad
        r = \frac{-\log x}{1 - x}

    (``epsilon``: ``poly_epsilon``, the Poly-1 term :math:`\epsilon (1 - x)^{\gamma + 1}` of the loss;
    for ``epsilon >= -1`` the bracket is > 0 on [0, 1), 0 at x = 1 only when ``epsilon = -1``).

    (``r -> 1`` as ``x -> 1``). +inf at x = 0 and -inf at x = 1 when gamma > 0 (0 when gamma = 0).
    ``gamma`` is a float or an array broadcasting against ``x`` (per class). Used by the
    starting margin (softmax) and by the posterior correction.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # r = -log(x) / y; near x = 1 use -log1p(-y) / y (limit 1 at y = 0)
        small_y = y < 0.5
        safe_y = np.where(y > 0.0, y, 1.0)
        r = np.where(small_y, -np.log1p(-np.where(small_y, y, 0.0)) / safe_y, -np.log(x) / safe_y)
        r = np.where(y > 0.0, r, 1.0)
        if isinstance(gamma, np.ndarray):
            positive = gamma > 0.0
            inner = 1.0 / x + np.where(positive, gamma * r, 0.0)
            if poly_epsilon:
                inner = np.maximum(inner + poly_epsilon * (gamma + 1.0), 0.0)
            log_mod = np.where(positive, gamma * np.log(y), 0.0)  # 0 * log(0) = 0 where gamma = 0
            return np.asarray(log_mod + np.log(inner), dtype=np.float64)
        inner = 1.0 / x + gamma * r if gamma > 0.0 else 1.0 / x  # 1/x = inf at x = 0 -> log = inf
        if poly_epsilon:  # + eps (gamma + 1), >= 0 for eps >= -1 (rounding aside)
            inner = np.maximum(inner + poly_epsilon * (gamma + 1.0), 0.0)
        log_inner = np.log(inner)
        # gamma * log(y), with 0 * log(0) = 0 when gamma = 0 (xlogy)
        log_mod = gamma * np.log(y) if gamma > 0.0 else np.zeros_like(y)
    return np.asarray(log_mod + log_inner, dtype=np.float64)


def _unpack(options: Mapping[str, float]) -> tuple[float, float, float]:
    """``(label_smoothing, negative_shift, poly_epsilon)`` of a loss's options."""
    return options["label_smoothing"], options["negative_shift"], options["poly_epsilon"]


# --------------------------------------------------------------------------
# Optimal constant margin
# --------------------------------------------------------------------------
def _invert_phi_prime(target: FloatArray, gamma: Gamma, eps: float) -> FloatArray:
    """Solve ``phi'(expit(t)) = target`` (target < 0) for the logit t by bisection.

    ``phi'`` increases from -inf (p -> 0) to 0 (p -> 1) because focal loss is
    convex in p, so the solution is unique; compared in log space,
    ``phi'(p) < target`` is ``log|phi'(p)| > log(-target)``.
    """
    log_target = np.log(-target)
    lo = np.full(target.shape, -60.0)
    hi = np.full(target.shape, 60.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.all((mid == lo) | (mid == hi)):  # converged to adjacent floats: further steps change nothing
            break
        too_low = log_abs_phi_prime(expit(mid), expit(-mid), gamma, eps) > log_target
        lo = np.where(too_low, mid, lo)
        hi = np.where(too_low, hi, mid)
    return 0.5 * (lo + hi)


def _class_terms(z: FloatArray, gamma: Gamma, m: float, eps: float) -> tuple[FloatArray, FloatArray]:
    """``dL_1/dz`` and ``dL_0/dz`` (unweighted) at the margins ``z``; ``L_0`` shifted when ``m > 0``."""
    g0, g1 = _pair(gamma)
    d1 = grad_hess_from_u(z, g1, poly_epsilon=eps)[0]
    d0 = shifted_negative_grad_hess(z, g0, m)[0] if m else -grad_hess_from_u(-z, g0, poly_epsilon=eps)[0]
    return d1, d0


def _binary_mean_grad(z: float, class_weights: tuple[float, float], gamma: Gamma, m: float, eps: float) -> float:
    w0, w1 = class_weights
    d1, d0 = _class_terms(np.array([z]), gamma, m, eps)
    return float(w1 * d1[0] + w0 * d0[0])


def _binary_mean_loss(z: float, class_weights: tuple[float, float], gamma: Gamma, m: float, eps: float) -> float:
    w0, w1 = class_weights
    g0, g1 = _pair(gamma)
    zz = np.array([z])
    l0 = shifted_negative_loss(zz, g0, m) if m else loss_from_u(-zz, g0, eps)
    return float(w1 * loss_from_u(zz, g1, eps)[0] + w0 * l0[0])


def binary_initial_margin(
    totals: FloatArray,
    gamma: Gamma,
    class_weights: FloatArray | None,
    options: Mapping[str, float],
) -> float:
    r"""The constant margin minimising the weighted mean binary loss.

    ``totals = [n_0, n_1]``: the sample-weight sums of the classes. With smoothed targets
    each class's loss term receives :math:`s_1 = n_1 (1 - e/2) + n_0 e/2` (and ``s_0``
    likewise); times the class weights ``a_c`` these are the weights ``W_c`` of
    :math:`\arg\min_z W_1 FL(z, 1) + W_0 FL(z, 0)`.

    Raises
    ------
    ValueError
        If a class has zero total weight (the minimiser is then infinite), or the mean
        loss has no finite minimiser (:func:`_binary_minimiser`).
    """
    label_smoothing, negative_shift, poly_epsilon = _unpack(options)
    n0, n1 = float(totals[0]), float(totals[1])
    e = label_smoothing  # smoothed targets: the weight each class's loss term receives
    s1, s0 = n1 * (1.0 - e / 2) + n0 * e / 2, n0 * (1.0 - e / 2) + n1 * e / 2
    w1 = s1 * (1.0 if class_weights is None else float(class_weights[1]))
    w0 = s0 * (1.0 if class_weights is None else float(class_weights[0]))
    if w1 <= 0 or w0 <= 0:
        raise ValueError(
            "initial_margin needs both classes with positive total weight (sample_weight x alpha_t), "
            f"got weight {w0!r} for class 0 and {w1!r} for class 1: the minimising margin is infinite"
        )
    total = w0 + w1  # the minimiser depends on the class weights only through their ratio
    return _binary_minimiser((w0 / total, w1 / total), gamma, negative_shift, poly_epsilon)


def _binary_minimiser(class_weights: tuple[float, float], gamma: Gamma, negative_shift: float, eps: float) -> float:
    """Global minimiser of ``w1 FL(z, 1) + w0 FL(z, 0)`` over the constant z.

    ``w0, w1 > 0``; ``gamma``: a float or the pair ``[g0, g1]``; ``negative_shift``: the
    class-0 loss is the shifted one (its derivative may jump at ``p = m``; the bisection
    then converges to the kink when the minimum sits there).

    Raises
    ------
    ValueError
        If the mean loss keeps decreasing up to z = 40 (with a shift the class-0 loss is
        bounded, so enough class-1 weight at ``g_1 = 0`` has no finite minimiser).
    """
    m = negative_shift
    grid = np.linspace(-40.0, 40.0, 4001)
    d1, d0 = _class_terms(grid, gamma, m, eps)
    w0, w1 = class_weights
    total = w1 * d1 + w0 * d0
    roots = []
    for i in np.flatnonzero((total[:-1] < 0) & (total[1:] >= 0)):
        lo, hi = grid[i], grid[i + 1]
        for _ in range(200):  # bisection to machine precision
            mid = 0.5 * (lo + hi)
            if _binary_mean_grad(mid, class_weights, gamma, m, eps) < 0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 4 * np.finfo(float).eps * max(1.0, abs(mid)):
                break
        roots.append(0.5 * (lo + hi))
    if not roots:
        raise ValueError(
            f"initial_margin: the mean loss has no finite minimiser (it still decreases at margin 40) for "
            f"class weights {class_weights!r}, gamma={gamma!r}, negative_shift={m!r}; with a shift the class-0 "
            "loss is bounded: use a smaller negative_shift, gamma[1] > 0, or give the starting margin yourself"
        )
    losses = [_binary_mean_loss(r, class_weights, gamma, m, eps) for r in roots]
    return float(roots[int(np.argmin(losses))])


def softmax_initial_margin(
    totals: FloatArray,
    gamma: Gamma,
    class_weights: FloatArray | None,
    options: Mapping[str, float],
) -> FloatArray:
    r"""The constant margin vector minimising the weighted mean softmax loss (mean 0).

    ``totals``: the sample-weight sum of each class. Smoothed targets
    ``t_k = (1 - e) [k = y] + e / K`` give class k's term ``(1 - e) n_k + e n / K``; times
    the class weights these are the ``W_c`` of :func:`_softmax_minimiser`.

    Raises
    ------
    ValueError
        If a class has zero total weight: the minimising margin is then infinite.
    """
    label_smoothing, negative_shift, poly_epsilon = _unpack(options)
    assert not negative_shift, "negative_shift is a sigmoid-link option"
    k = totals.shape[0]
    class_weight = totals
    if label_smoothing:  # t_k = (1 - e) [k = y] + e / K: class k's term gets (1 - e) W_k + e W / K
        class_weight = (1.0 - label_smoothing) * class_weight + label_smoothing * class_weight.sum() / k
    if class_weights is not None:
        class_weight = class_weight * class_weights
    if np.any(class_weight <= 0):
        c = int(np.flatnonzero(class_weight <= 0)[0])
        raise ValueError(
            f"initial_margin needs every class with positive total weight (sample_weight x alpha), "
            f"class {c} has total weight {float(class_weight[c])!r}: the minimising margin is infinite"
        )
    return _softmax_minimiser(class_weight / class_weight.sum(), gamma, poly_epsilon)


def _softmax_minimiser(class_weights: FloatArray, gamma: Gamma, eps: float) -> FloatArray:
    r"""Minimise ``sum_c W_c phi(pi_c)`` over the simplex; return ``log pi`` (mean-centred).

    Stationarity: ``W_c phi'(pi_c) = mu`` for all c, with mu < 0 chosen so that
    ``sum_c pi_c(mu) = 1`` (sum decreasing in -mu, found by bisection on log(-mu)).
    """
    log_lo, log_hi = -60.0, 60.0  # bracket of log(-mu)
    for _ in range(200):
        log_mid = 0.5 * (log_lo + log_hi)
        if log_mid in (log_lo, log_hi):  # converged: further steps change nothing
            break
        logit = _invert_phi_prime(-np.exp(log_mid) / class_weights, gamma, eps)
        total = np.sum(expit(logit))
        if total > 1.0:  # probabilities too large: mu must be more negative
            log_lo = log_mid
        else:
            log_hi = log_mid
    logit = _invert_phi_prime(-np.exp(0.5 * (log_lo + log_hi)) / class_weights, gamma, eps)
    log_pi = log_expit(logit)
    log_pi -= np.log(np.sum(np.exp(log_pi)))  # renormalise the last rounding away
    return np.asarray(log_pi - log_pi.mean(), dtype=np.float64)


def binary_posterior(
    prob: FloatArray,
    gamma: Gamma,
    class_weights: FloatArray | None,
    options: Mapping[str, float],
) -> FloatArray:
    r"""Posterior of class 1 from the focal probability ``prob`` (n,) of class 1 (validated, float64).

    .. math::

        \eta = \frac{a_0\,|\phi_0'(1 - p)|}{a_0\,|\phi_0'(1 - p)| + a_1\,|\phi_1'(p)|}

    ``class_weights = [a_0, a_1]`` (both > 0) or None; ``gamma`` a float or ``[g_0, g_1]``.
    ``negative_shift = m``: the class-0 loss is :math:`\psi(p) = -p_m^{g_0}\log(1 - p_m)`,
    ``p_m = max(p - m, 0)``, so its term is :math:`|\phi_0'|` at ``1 - p_m``; ``p <= m`` maps
    to 0 (the expected loss is convex in p, so its minimiser is unique wherever ``p > m``;
    with ``g_0 = 0`` every posterior up to ``a_0 / (a_0 + a_1|\phi_1'(m)|)`` has its
    minimiser at the kink ``p = m`` itself, which is mapped to 0 too). With label smoothing ``e``
    the formula gives the smoothed target ``(1 - e) eta + e / 2``: un-smoothed and clipped to [0, 1].
    """
    label_smoothing, negative_shift, poly_epsilon = _unpack(options)
    eta = _binary_eta(prob, gamma, class_weights, negative_shift, poly_epsilon)
    e = label_smoothing
    return np.clip((eta - e / 2) / (1.0 - e), 0.0, 1.0) if e else eta


def _binary_eta(
    prob: FloatArray, gamma: Gamma, class_weights: FloatArray | None, negative_shift: float, eps: float
) -> FloatArray:
    a0, a1 = (1.0, 1.0) if class_weights is None else (float(class_weights[0]), float(class_weights[1]))
    q = 1.0 - prob
    g0, g1 = _pair(gamma)
    m = negative_shift
    if g0 == 0.0 and g1 == 0.0 and a0 == a1 and not m and not eps:
        return prob.copy()  # identity
    if m:
        # the class-0 term at p_m = max(p - m, 0): |phi_0'| at 1 - p_m = q + m (no cancellation)
        r = np.maximum(prob - m, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            log_l0 = np.where(r > 0.0, log_abs_phi_prime(q + m, r, g0), -np.inf)
    else:
        with np.errstate(invalid="ignore"):
            log_l0 = log_abs_phi_prime(q, prob, g0, eps)
    # log(L0') - log(-L1') = log a0 + log|phi_0'(q)| - log a1 - log|phi_1'(p)|
    with np.errstate(invalid="ignore"):
        d = (np.log(a0) + log_l0) - (np.log(a1) + log_abs_phi_prime(prob, q, g1, eps))
    return expit(d)


def softmax_posterior(
    prob: FloatArray,
    gamma: Gamma,
    class_weights: FloatArray | None,
    options: Mapping[str, float],
) -> FloatArray:
    r"""Posterior rows from focal probability rows ``prob`` (n, K) (validated, float64).

    .. math::

        \eta_c = \frac{1 / (a_c\,|\phi_c'(p_c)|)}{\sum_k 1 / (a_k\,|\phi_k'(p_k)|)}

    ``class_weights``: K weights > 0 or None; ``gamma`` a float or one per class.
    A class with ``p_c = 1`` (gamma > 0) takes all the mass. With label smoothing ``e`` the
    formula gives the smoothed target ``(1 - e) eta + e / K``: un-smoothed, clipped, renormalised.
    """
    label_smoothing, negative_shift, poly_epsilon = _unpack(options)
    assert not negative_shift, "negative_shift is a sigmoid-link option"
    eta = _softmax_eta(prob, gamma, class_weights, poly_epsilon)
    e = label_smoothing
    if not e:
        return eta
    out = np.clip((eta - e / eta.shape[1]) / (1.0 - e), 0.0, 1.0)
    return out / out.sum(axis=1, keepdims=True)


def _softmax_eta(prob: FloatArray, gamma: Gamma, class_weights: FloatArray | None, eps: float) -> FloatArray:
    weights = np.ones(prob.shape[1]) if class_weights is None else class_weights
    if not isinstance(gamma, np.ndarray) and gamma == 0.0 and np.all(weights == weights[0]) and not eps:
        return prob / prob.sum(axis=1, keepdims=True)
    g_cols: Gamma = gamma[None, :] if isinstance(gamma, np.ndarray) else gamma
    # log eta_c = -log a_c - log|phi_c'(p_c)| + const  (log-sum-exp normalisation)
    log_w = -np.log(weights)[None, :] - log_abs_phi_prime(prob, 1.0 - prob, g_cols, eps)
    top = log_w.max(axis=1, keepdims=True)
    inf_rows = np.isposinf(top[:, 0])
    with np.errstate(invalid="ignore", under="ignore"):
        e = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    if np.any(inf_rows):  # a class with p_c = 1 (gamma > 0): all the mass goes there
        e[inf_rows] = np.isposinf(log_w[inf_rows]).astype(np.float64)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
