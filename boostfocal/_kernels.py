r"""Focal-loss kernels on raw margins: no validation, float64 out, a handful of temporaries.

Everything here works on the signed margin ``u`` of the true class (see
:mod:`boostfocal._link`): ``p_t = expit(u)``, ``q = 1 - p_t = expit(-u)``,
``l = log p_t``, and the per-row class weight ``a = alpha_t`` (taken from the
class-weight vector by the row's label). For every link

.. math::

    FL = -a\,q^\gamma\,l, \qquad
    \frac{\partial FL}{\partial u} = a\,q^\gamma\,(\gamma\,p_t\,l - q), \qquad
    \frac{\partial^2 FL}{\partial u^2} = a\,q^\gamma\,p_t\,\bigl(q\,(1 + 2\gamma)
        + \gamma\,l\,(q - \gamma\,p_t)\bigr).

No term carries a negative power of ``q``, so nothing blows up for ``gamma < 1``
when ``p_t -> 1``; ``q^gamma`` is computed as ``exp(gamma * log q)`` with
``log q = log_expit(-u)`` (never ``1 - expit(u)``).

Hessian policy (the ``floor`` arguments)
----------------------------------------
The exact hessian of focal loss is negative for badly misclassified rows when
``gamma > 0``. The kernels return the exact value, optionally raised to

* the *curvature floor* ``w a q^gamma c_CE``: the cross-entropy curvature
  ``c_CE`` (binary ``p (1 - p)``; softmax entry k ``p_k (1 - p_k)``) weighted by
  the row's focal weight held constant. At ``gamma = 0`` it *is* the hessian, so
  cross-entropy curvature is never changed (native parity at any length); where
  the focal hessian is small or negative it gives the curvature of a focal-weighted
  log loss. For easy rows the focal hessian is about ``(1 + gamma)^2`` times
  larger and the floor does nothing. Where ``p (1 - p)`` underflows (margins
  beyond about +-37) the absolute floor ``1e-16 * w`` (XGBoost's native ``eps``)
  keeps the hessian positive.
* an absolute floor ``hess_floor * w`` (the 0.1 policy; 1e-6 by default then).

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ._link import SigmoidLink, SoftmaxLink
from ._policy import EXACT, HessPolicy

FloatArray = NDArray[np.float64]
#: A focusing parameter: one float, or one per class (``gamma_t = gamma[y]``) / per row inside the kernels.
Gamma = float | FloatArray


@dataclass(frozen=True)
class Terms:
    """Everything a kernel call takes besides the rows: one value, built by the loss, never checked here.

    ``gamma`` (a float, or one per class: ``gamma_t = gamma[y]``) and the loss options
    (0 is off) come from the loss; ``policy`` (the hessian policy), ``out_dtype`` (float32:
    what both libraries store) and ``n_threads`` (the numba backend's threads) from the
    caller of the gradient.
    """

    gamma: Gamma
    label_smoothing: float = 0.0
    negative_shift: float = 0.0
    poly_epsilon: float = 0.0
    policy: HessPolicy = EXACT
    out_dtype: type = np.float64
    n_threads: int | None = None


def _is_zero(gamma: Gamma) -> bool:
    """True for the scalar 0 (cross-entropy: the kernels take their exact shortcut)."""
    return not isinstance(gamma, np.ndarray) and gamma == 0.0


def row_gamma(labels: NDArray, gamma: Gamma) -> Gamma:
    """``gamma_t`` per row from a per-class vector (``gamma[y]``); a float stays a float."""
    if not isinstance(gamma, np.ndarray):
        return gamma
    if labels.dtype == np.bool_:
        return np.where(labels, gamma[1], gamma[0])
    return gamma[labels]


#: Rows per block of the numpy grad / hess kernels: the temporaries of one block
#: (a few float64 arrays of this length, times K for softmax) stay in the CPU
#: cache and one call allocates its two outputs plus O(block) scratch, whatever n.
_BLOCK_ROWS = 16384


# --------------------------------------------------------------------------
# Derivatives in the signed margin u
# --------------------------------------------------------------------------
def loss_from_u(u: FloatArray, gamma: Gamma, poly_epsilon: float = 0.0) -> FloatArray:
    """Unweighted focal loss ``-(1 - p_t)^gamma log p_t`` from the signed margin (``gamma``: float or per row).

    ``poly_epsilon`` adds the Poly-1 term ``epsilon q^(gamma + 1)`` (Leng et al., ICLR 2022).
    """
    log_pt = np.minimum(u, 0.0) - np.log1p(np.exp(-np.abs(u)))  # log expit(u)
    if poly_epsilon:
        log_q = log_pt - u
        return -np.exp(gamma * log_q) * log_pt + poly_epsilon * np.exp((gamma + 1.0) * log_q)  # + eps q^(g+1)
    if _is_zero(gamma):
        return -log_pt
    log_q = log_pt - u  # log expit(-u) = log expit(u) - u
    return -np.exp(gamma * log_q) * log_pt


def grad_hess_from_u(
    u: FloatArray,
    gamma: Gamma,
    grad: FloatArray | None = None,
    hess: FloatArray | None = None,
    poly_epsilon: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | None, FloatArray]:
    r"""Unweighted ``dFL/du``, ``d2FL/du2``, ``p_t``, ``q = 1 - p_t``, ``q^gamma`` (None at gamma 0), ``q^gamma p_t``.

    ``grad`` / ``hess``, when given, receive the derivatives (in place). The
    operations are those of the numba kernel, in the same order. The last value
    times ``q`` is the curvature floor of the true class. ``poly_epsilon`` adds the
    derivatives of the Poly-1 term :math:`P = \epsilon q^{\gamma + 1}` (``dq/du = -p_t q``):

    .. math::

        \frac{dP}{du} = -\epsilon(\gamma + 1)\,q^{\gamma + 1} p_t, \qquad
        \frac{d^2P}{du^2} = \epsilon(\gamma + 1)\,q^{\gamma + 1} p_t\,\bigl((\gamma + 1) p_t - q\bigr)
    """
    out = _focal_grad_hess_from_u(u, gamma, grad, hess)
    if poly_epsilon:
        g, h, p_t, q, mod, _ = out
        base = q * p_t if mod is None else mod * q * p_t  # q^(g+1) p_t
        base *= poly_epsilon * (gamma + 1.0)
        g -= base  # dP/du = -eps (g + 1) q^(g+1) p_t
        h += base * ((gamma + 1.0) * p_t - q)  # d2P/du2 = eps (g + 1) q^(g+1) p_t ((g + 1) p_t - q)
    return out


def _focal_grad_hess_from_u(
    u: FloatArray, gamma: Gamma, grad: FloatArray | None, hess: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | None, FloatArray]:
    """:func:`grad_hess_from_u` of plain focal loss."""
    n = u.shape
    grad = np.empty(n) if grad is None else grad
    hess = np.empty(n) if hess is None else hess
    e = np.abs(u)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|u|) in (0, 1]
    softplus = np.log1p(e)  # log(1 + exp(-|u|))
    inv = np.add(e, 1.0)
    np.divide(1.0, inv, out=inv)  # 1 / (1 + e)
    e *= inv  # e -> expit(-|u|)
    upos = u >= 0
    p_t = np.where(upos, inv, e)  # expit(u)
    np.copyto(e, inv, where=~upos)  # e -> q = expit(-u) = 1 - p_t without cancellation
    q = e
    if _is_zero(gamma):
        np.negative(q, out=grad)  # dCE/du = -(1 - p_t)
        np.multiply(p_t, q, out=hess)  # d2CE/du2 = p_t (1 - p_t)
        return grad, hess, p_t, q, None, p_t
    log_pt = np.minimum(u, 0.0)
    log_pt -= softplus  # log expit(u)
    log_q = np.maximum(u, 0.0, out=inv)
    np.negative(log_q, out=log_q)
    log_q -= softplus  # log expit(-u)
    log_q *= gamma
    mod = np.exp(log_q, out=log_q)  # q^g = exp(g log q)
    # dFL/du = q^g (g p_t l - q)
    np.multiply(gamma, p_t, out=grad)
    grad *= log_pt
    grad -= q
    grad *= mod
    # d2FL/du2 = q^g p_t (q (1 + 2g) + g l (q - g p_t))
    t = np.multiply(gamma, p_t, out=softplus)
    np.subtract(q, t, out=t)  # q - g p_t
    log_pt *= gamma
    t *= log_pt  # g l (q - g p_t)
    np.multiply(q, 1.0 + 2.0 * gamma, out=hess)
    hess += t
    mod_pt = np.multiply(mod, p_t)  # q^g p_t
    hess *= mod_pt
    return grad, hess, p_t, q, mod, mod_pt


# --------------------------------------------------------------------------
# The shifted negative term (ASL's probability margin), in the margin z
# --------------------------------------------------------------------------
def _sigmoid_pair(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(p, 1 - p) = (expit(z), expit(-z))``, both without cancellation."""
    e = np.exp(-np.abs(z))  # in (0, 1]
    inv = 1.0 / (1.0 + e)
    small = e * inv  # expit(-|z|)
    upos = z >= 0
    return np.where(upos, inv, small), np.where(upos, small, inv)


def _shifted_parts(
    z: FloatArray, gamma: float, m: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """``p, 1 - p, r = max(p - m, 0), 1 - r, R = -log(1 - r) / r`` (1 at r = 0) and ``r > 0``."""
    p, q = _sigmoid_pair(z)
    r = np.maximum(p - m, 0.0)
    one_minus_r = q + m  # 1 - r where r > 0, without cancellation
    active = r > 0.0
    safe_r = np.where(active, r, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # R = -log(1 - r) / r: log1p(-r) for small r, log(q + m) otherwise (both accurate there)
        big = -np.log(one_minus_r) / safe_r
        small = -np.log1p(-np.where(r < 0.5, r, 0.0)) / safe_r
    ratio = np.where(active, np.where(r < 0.5, small, big), 1.0)
    return p, q, r, one_minus_r, ratio, active


def shifted_negative_loss(z: FloatArray, gamma: float, m: float) -> FloatArray:
    r"""Unweighted shifted loss of class 0: :math:`L_0 = -p_m^{\gamma}\log(1 - p_m)`, ``p_m = max(sigmoid(z) - m, 0)``.

    Computed as ``r^(gamma + 1) R`` with ``r = p_m`` and ``R = -log(1 - r) / r``; 0 where ``p <= m``.
    """
    _, _, r, _, ratio, active = _shifted_parts(z, gamma, m)
    with np.errstate(divide="ignore"):
        log_r = np.log(np.where(active, r, 1.0))
    return np.where(active, np.exp((gamma + 1.0) * log_r) * ratio, 0.0)


def shifted_negative_grad_hess(z: FloatArray, gamma: float, m: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""``dL_0/dz``, ``d2L_0/dz2`` and the curvature floor ``p_m^gamma p (1 - p)`` of the shifted class-0 loss.

    With ``r = p_m = p - m > 0``, ``R = -log(1 - r) / r`` and ``s = p (1 - p) = dp/dz``:

    .. math::

        \frac{dL_0}{dr} = r^\gamma\Bigl(\gamma R + \frac{1}{1 - r}\Bigr), \qquad
        \frac{d^2L_0}{dr^2} = \gamma\,r^{\gamma - 1}\Bigl((\gamma - 1) R + \frac{2}{1 - r}\Bigr)
            + \frac{r^\gamma}{(1 - r)^2}

        \frac{dL_0}{dz} = \frac{dL_0}{dr}\,s, \qquad
        \frac{d^2L_0}{dz^2} = \frac{d^2L_0}{dr^2}\,s^2 + \frac{dL_0}{dr}\,s\,(1 - 2p)

    All three are 0 where ``p <= m``. ``r^(gamma - 1) s^2`` is formed in log space, so no
    intermediate overflows (float spacing keeps ``r >= ~m 2^-53``, which bounds it). The
    loss is continuous at the kink ``p = m``; its derivative jumps there when ``gamma = 0``
    (from 0 to ``s``), and for
    ``0 < gamma < 1`` the second derivative is unbounded as ``p -> m+``. At ``m = 0``
    these are the plain class-0 focal derivatives (the kernels use those then).
    """
    p, q, r, one_minus_r, ratio, active = _shifted_parts(z, gamma, m)
    s = p * q
    with np.errstate(divide="ignore"):
        log_r = np.log(np.where(active, r, 1.0))
        log_s = np.log(np.where(active, s, 1.0))
    r_g = np.where(active, np.exp(gamma * log_r), 0.0)  # r^gamma (1 at gamma = 0 where r > 0)
    s_over = np.where(active, s / one_minus_r, 0.0)  # s / (1 - r) <= p: bounded
    d1 = r_g * (gamma * ratio) * s + r_g * s_over  # dL/dr * s
    h = r_g * s_over * s_over + d1 * (q - p)  # r^g s^2 / (1 - r)^2 + dL/dr s (1 - 2p)
    if gamma > 0.0:
        # gamma r^(gamma - 1) s^2 ((gamma - 1) R + 2 / (1 - r)), the power formed in log space
        power = np.where(active, np.exp((gamma - 1.0) * log_r + 2.0 * log_s), 0.0)
        h += gamma * power * ((gamma - 1.0) * ratio + 2.0 / one_minus_r)
    curv = r_g * s
    return d1, h, curv


# --------------------------------------------------------------------------
# Per-row factors
# --------------------------------------------------------------------------
def _pair(gamma: Gamma) -> tuple[float, float]:
    """``(g_0, g_1)`` of a binary gamma (a float is both)."""
    if isinstance(gamma, np.ndarray):
        return float(gamma[0]), float(gamma[1])
    return gamma, gamma


def smoothed_target(pos: NDArray[np.bool_], e: float) -> FloatArray:
    """Binary smoothed target ``t = y (1 - e) + e / 2``."""
    return np.where(pos, 1.0 - e / 2, e / 2)


def row_factor(labels: NDArray, class_weights: FloatArray | None, w: FloatArray | None) -> FloatArray | None:
    """``alpha_t * w`` per row (None when both are absent): ``alpha_t = class_weights[y]``."""
    if class_weights is None:
        return w
    if labels.dtype == np.bool_:
        a = np.where(labels, class_weights[1], class_weights[0])  # one select, no index array
    else:
        a = class_weights[labels]
    return a if w is None else a * w


def _scale(arrays: tuple[FloatArray, ...], factor: FloatArray | None) -> None:
    if factor is None:
        return
    for arr in arrays:
        arr *= factor if arr.ndim == 1 else factor[:, None]


def _floor(hess: FloatArray, curv: FloatArray | None, w: FloatArray | None, policy: HessPolicy) -> None:
    """In place: ``hess *= scale``, then ``max(hess, scale * curv)``, then ``max(hess, floor * w)`` (``policy``'s)."""
    hess_scale, hess_floor = policy.scale, policy.floor
    if hess_scale != 1.0:
        hess *= hess_scale
    if curv is not None:
        if hess_scale != 1.0:
            curv *= hess_scale
        np.maximum(hess, curv, out=hess)
    if hess_floor is None:
        return
    if w is None:
        np.maximum(hess, hess_floor, out=hess)
    else:
        bound = np.multiply(hess_floor, w)
        np.maximum(hess, bound if hess.ndim == 1 else bound[:, None], out=hess)


def curvature_rule(policy: HessPolicy) -> bool | str:
    """The policy's curvature as the numpy kernels take it: False, True or ``"abs_residual"``."""
    return {"none": False, "cross_entropy": True}.get(policy.curvature, policy.curvature)


# --------------------------------------------------------------------------
# Sigmoid link (binary)
# --------------------------------------------------------------------------
def binary_loss(
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> FloatArray:
    """Per-row ``alpha_t w FL`` for labels ``pos`` (True = class 1); in general ``w (t L_1 + (1 - t) L_0)``.

    ``t = y (1 - e) + e / 2`` (``y`` itself without smoothing); ``L_0`` is the shifted class-0
    loss when ``negative_shift > 0`` (:func:`shifted_negative_loss`).
    """
    e, m, eps = terms.label_smoothing, terms.negative_shift, terms.poly_epsilon
    if e or m:
        z64 = np.asarray(z, dtype=np.float64)
        g0, g1 = _pair(terms.gamma)
        a0, a1 = (1.0, 1.0) if cw is None else (float(cw[0]), float(cw[1]))
        t = smoothed_target(pos, e)
        l0 = shifted_negative_loss(z64, g0, m) if m else loss_from_u(-z64, g0, eps)
        out = t * (a1 * loss_from_u(z64, g1, eps)) + (1.0 - t) * (a0 * l0)
        return out if w is None else out * w
    loss = loss_from_u(SigmoidLink.signed_margin(pos, z), row_gamma(pos, terms.gamma), eps)
    _scale((loss,), row_factor(pos, cw, w))
    return loss


def _binary_two_term_grad_hess(
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """Binary grad / hess of ``FL = t L_1 + (1 - t) L_0``, each term a focal loss of its own class.

    ``L_1`` is the focal loss of class 1 at ``u = z`` (gamma ``g_1``), ``L_0`` that of class 0
    at ``u = -z`` (``g_0``), or the shifted class-0 loss when ``m > 0``
    (:func:`shifted_negative_grad_hess`): ``dFL/dz = t a_1 L_1'(z) + (1 - t) a_0 dL_0/dz``, and
    the hessians (and curvature floors) add with the same weights. ``t`` is the smoothed
    target (the label itself at ``e = 0``). Block by block; the numba backend has the same
    two-term kernel for ``m = 0`` (``_numba._binary_smoothed_row``).
    """
    e, m, eps = terms.label_smoothing, terms.negative_shift, terms.poly_epsilon
    curvature_floor = bool(curvature_rule(terms.policy))  # binary: any curvature is CE's
    g0, g1 = _pair(terms.gamma)
    a0, a1 = (1.0, 1.0) if cw is None else (float(cw[0]), float(cw[1]))
    n = pos.shape[0]
    grad: FloatArray = np.empty(n, dtype=terms.out_dtype)
    hess: FloatArray = np.empty(n, dtype=terms.out_dtype)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        zb = np.asarray(z[rows], dtype=np.float64)
        t = smoothed_target(pos[rows], e)
        c1 = t * a1
        c0 = (1.0 - t) * a0
        gu1, hu1, _, q1, _, mp1 = grad_hess_from_u(zb, g1, poly_epsilon=eps)  # class-1 term, u = z
        if m:
            d0, h0, curv0 = shifted_negative_grad_hess(zb, g0, m)  # shifted class-0 term, in z
        else:
            gu0, h0, _, q0, _, mp0 = grad_hess_from_u(-zb, g0, poly_epsilon=eps)  # class 0: u = -z
            d0 = np.negative(gu0, out=gu0)
            curv0 = mp0 * q0 if curvature_floor else mp0
        g = np.multiply(c1, gu1)
        g += c0 * d0
        h = np.multiply(c1, hu1)
        h += c0 * h0
        curv = c1 * (mp1 * q1) + c0 * curv0 if curvature_floor else None  # q^g p (1 - p) of each term
        wb = None if w is None else w[rows]
        _scale((g, h) if curv is None else (g, h, curv), wb)
        _floor(h, curv, wb, terms.policy)
        grad[rows] = g  # one rounding when the output is float32
        hess[rows] = h
    return grad, hess


def _binary_grad_hess_numpy(
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """numpy binary kernel, block by block (:data:`_BLOCK_ROWS` rows): two outputs and a few block temporaries.

    A float32 ``out_dtype`` computes each block in float64 scratch and rounds once on store.
    """
    n = pos.shape[0]
    grad: FloatArray = np.empty(n, dtype=terms.out_dtype)
    hess: FloatArray = np.empty(n, dtype=terms.out_dtype)
    direct = grad.dtype == np.float64
    scratch_g = None if direct else np.empty(min(n, _BLOCK_ROWS))
    scratch_h = None if direct else np.empty(min(n, _BLOCK_ROWS))
    curvature_floor = bool(curvature_rule(terms.policy))
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        p = pos[rows]
        if direct:
            g, h = grad[rows], hess[rows]
        else:
            assert scratch_g is not None and scratch_h is not None
            g, h = scratch_g[: p.shape[0]], scratch_h[: p.shape[0]]
        u = SigmoidLink.signed_margin(p, z[rows])
        _, _, _, q, _, mod_pt = grad_hess_from_u(u, row_gamma(p, terms.gamma), g, h, terms.poly_epsilon)
        np.negative(g, out=g, where=~p)  # dFL/dz = sign * dFL/du; d2FL/dz2 = d2FL/du2
        wb = None if w is None else w[rows]
        factor = row_factor(p, cw, wb)
        curv = None
        if curvature_floor:
            curv = np.multiply(mod_pt, q, out=u)  # q^g p_t q: focal-weighted CE curvature
            _scale((curv,), factor)
        _scale((g, h), factor)
        _floor(h, curv, wb, terms.policy)
        if not direct:
            grad[rows] = g
            hess[rows] = h
    return grad, hess


# --------------------------------------------------------------------------
# Softmax link
# --------------------------------------------------------------------------
def softmax_loss(
    y: NDArray[np.intp], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> FloatArray:
    """Per-row ``alpha_y w FL`` for integer labels ``y``; smoothed: ``w sum_k t_k a_k FL_k``.

    ``negative_shift`` is a sigmoid-link option (refused for softmax by :class:`FocalLoss`): it must be 0.
    """
    assert not terms.negative_shift, "negative_shift is a sigmoid-link option"
    e = terms.label_smoothing
    if e:
        plain = replace(terms, label_smoothing=0.0)
        k_classes = z.shape[1]
        out = (1.0 - e) * softmax_loss(y, z, cw, None, plain)
        for k in range(k_classes):  # the e / K share of every class's term
            label_k = np.full(y.shape, k, dtype=np.intp)
            out += (e / k_classes) * softmax_loss(label_k, z, cw, None, plain)
        return out if w is None else out * w
    u, _ = SoftmaxLink.signed_margin(y, z)
    loss = loss_from_u(u, row_gamma(y, terms.gamma), terms.poly_epsilon)
    _scale((loss,), row_factor(y, cw, w))
    return loss


def _softmax_grad_hess_numpy(
    y: NDArray[np.intp], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """numpy softmax kernel, block by block; the outputs have the memory layout of ``z`` and dtype ``out_dtype``.

    The policy's curvature: none, the cross-entropy one (``q^g p_k (1 - p_k)``) or
    ``"abs_residual"`` (``q^g |p_k - [k = y]|``, XGBoost's native rule after 3.2).
    """
    grad: FloatArray = np.empty_like(z, dtype=terms.out_dtype)
    hess: FloatArray = np.empty_like(z, dtype=terms.out_dtype)
    curvature_floor = curvature_rule(terms.policy)
    block = max(256, _BLOCK_ROWS // z.shape[1])  # about _BLOCK_ROWS margins per block
    for start in range(0, z.shape[0], block):
        rows = slice(start, start + block)
        wb = None if w is None else w[rows]
        yb = y[rows]
        g, h, curv = _softmax_block(
            yb, z[rows], row_gamma(yb, terms.gamma), row_factor(yb, cw, wb), curvature_floor, terms.poly_epsilon
        )
        _floor(h, curv, wb, terms.policy)
        grad[rows] = g
        hess[rows] = h
    return grad, hess


def _softmax_smoothed_grad_hess(
    y: NDArray[np.intp], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """Label-smoothed softmax grad / hess diagonal: ``(1 - e) FL(y) + (e / K) sum_k FL(k)``.

    ``FL(k) = a_k (1 - p_k)^{g_k} (-log p_k)`` is the focal loss with label k; its exact
    gradient and hessian diagonal come from the plain kernel, and the terms (and their
    curvature floors) add. numpy only, block by block; K + 1 plain evaluations per block.
    """
    e, k_classes = terms.label_smoothing, z.shape[1]
    curvature_floor = curvature_rule(terms.policy)
    grad: FloatArray = np.empty_like(z, dtype=terms.out_dtype)
    hess: FloatArray = np.empty_like(z, dtype=terms.out_dtype)
    block = max(256, _BLOCK_ROWS // k_classes)
    for start in range(0, z.shape[0], block):
        rows = slice(start, start + block)
        yb, zb = y[rows], z[rows]
        labels_of_terms = [(1.0 - e, yb)] + [
            (e / k_classes, np.full(yb.shape, k, dtype=np.intp)) for k in range(k_classes)
        ]
        g_sum = h_sum = c_sum = None
        for share, labels in labels_of_terms:
            factor = row_factor(labels, cw, None)
            factor = np.full(labels.shape, share) if factor is None else share * factor
            g, h, c = _softmax_block(
                labels, zb, row_gamma(labels, terms.gamma), factor, curvature_floor, terms.poly_epsilon
            )
            g_sum = g if g_sum is None else g_sum + g
            h_sum = h if h_sum is None else h_sum + h
            if c is not None:
                c_sum = c if c_sum is None else c_sum + c
        assert g_sum is not None and h_sum is not None
        wb = None if w is None else w[rows]
        _scale((g_sum, h_sum) if c_sum is None else (g_sum, h_sum, c_sum), wb)
        _floor(h_sum, c_sum, wb, terms.policy)
        grad[rows] = g_sum
        hess[rows] = h_sum
    return grad, hess


def _softmax_block(
    y: NDArray[np.intp],
    z: NDArray[np.floating],
    gamma: Gamma,
    factor: FloatArray | None,
    curvature_floor: bool | str,
    poly_epsilon: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    u, r = SoftmaxLink.signed_margin(y, z)
    rows = np.arange(z.shape[0])
    # g_u = dFL/du, h_u = d2FL/du2 (binary formulas in u); they give the true-class entries.
    g_u, h_u, p_t, q, mod, mod_pt = grad_hess_from_u(u, gamma, poly_epsilon=poly_epsilon)
    # Other classes k != y (r_k = p_k / q, p_k = q r_k):
    #   dFL/dz_k     = -g_u r_k
    #   d2FL/dz_k^2  = b r_k^2 - g_u r_k (1 - p_k),  b = h_u + g_u p_t
    #                = a q^g p_t g (2q + l (q + (1 - g) p_t))   (0 at gamma = 0)
    grad = r * (-g_u)[:, None]
    p_k = r * q[:, None]
    hess = np.subtract(1.0, p_k)  # 1 - p_k
    curv = None
    if curvature_floor == "abs_residual":
        # q^g |p_k - [k = y]|: q^g p_k off the true class, q^g q on it
        curv = p_k.copy() if mod is None else p_k * mod[:, None]
        curv[rows, y] = q if mod is None else mod * q
    elif curvature_floor:
        # q^g p_k (1 - p_k) off the true class, q^g p_t q on it (q^g = 1 at gamma = 0)
        curv = p_k if mod is None else p_k * mod[:, None]
        curv *= hess
        curv[rows, y] = mod_pt * q
    hess *= grad  # -g_u r_k (1 - p_k)
    if poly_epsilon or not _is_zero(gamma):  # the r_k^2 term vanishes for cross-entropy alone
        r *= r
        r *= (h_u + g_u * p_t)[:, None]
        hess += r
    grad[rows, y] = g_u
    hess[rows, y] = h_u
    _scale((grad, hess) if curv is None else (grad, hess, curv), factor)
    return grad, hess, curv
