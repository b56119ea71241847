r"""Fused numba kernels for the focal gradient and hessian (optional backend).

Same formulas, same order of floating-point operations as the numpy kernels of
:mod:`boostfocal._core` (see its module docstring for the notation), written as
one parallel loop over the rows: no temporary array, the sample factor
``alpha_t * w``, the hessian factor and the floor ``hess_floor * w`` fused in.
Compiled lazily (one specialisation per margin dtype / layout, on first use) and
cached on disk (``cache=True``; numba falls back to a user cache directory when
the package directory is read-only).

Conventions of the arguments (no ``None`` inside numba):

* ``alpha``: binary, a float, negative for "no alpha"; softmax, a float64 array
  of length K (per-class weight) or of length 0 (no alpha);
* ``w``: float64 sample weights, or an array of length 0 (no weights);
* ``hess_floor``: negative for "no clipping";
* ``grad``, ``hess``: float64 outputs of the shape of ``z``, written in full.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

__all__ = ["binary_grad_hess", "softmax_grad_hess", "get_num_threads", "set_num_threads"]

get_num_threads = numba.get_num_threads
set_num_threads = numba.set_num_threads

_JIT = {"parallel": True, "fastmath": False, "cache": True, "nogil": True, "error_model": "numpy"}


@njit(inline="always", fastmath=False, error_model="numpy")
def _log1p_unit(e):  # pragma: no cover - compiled
    """``log(1 + e)`` for ``e`` in [0, 1]: ``log(w) e / (w - 1)``, ``w = 1 + e`` (Goldberg's trick).

    A few ulp from ``log1p``, with one ``log`` (faster than libm's ``log1p``):
    the rounding of ``w`` cancels in the ratio.
    """
    w = 1.0 + e
    if w == 1.0:
        return e
    return math.log(w) * (e / (w - 1.0))


@njit(inline="always", fastmath=False, error_model="numpy")
def _grad_hess_u(u, gamma, power, half):  # pragma: no cover - compiled
    """``(dFL/du, d2FL/du2, p_t, q)`` for one signed margin, as ``_core._grad_hess_from_u``.

    ``power, half = _core._gamma_power(gamma)``: ``q^gamma`` by multiplications
    (and one sqrt) for gamma a multiple of 1/2 up to 8, else ``exp(gamma log q)``.
    """
    e = math.exp(-abs(u))  # exp(-|u|) in (0, 1]
    inv = 1.0 / (1.0 + e)
    e_inv = e * inv  # expit(-|u|)
    if u >= 0.0:
        p_t = inv  # expit(u)
        q = e_inv  # expit(-u) = 1 - p_t without cancellation
    else:
        p_t = e_inv
        q = inv
    if gamma == 0.0:
        return -q, p_t * q, p_t, q  # dCE/du = -(1 - p_t), d2CE/du2 = p_t (1 - p_t)
    softplus = _log1p_unit(e)  # log(1 + exp(-|u|))
    log_pt = min(u, 0.0) - softplus  # log expit(u)
    log_q = -max(u, 0.0) - softplus  # log expit(-u)
    if power < 0:
        mod = math.exp(gamma * log_q)  # q^g = exp(g log q)
    else:  # q^g = q^k (times sqrt(q) for a half-integer g), k = floor(g)
        mod = q
        for _ in range(power - 1):
            mod *= q
        if half:
            mod = math.sqrt(q) if power == 0 else mod * math.sqrt(q)
    g_u = mod * (gamma * p_t * log_pt - q)  # dFL/du = q^g (g p_t l - q)
    # d2FL/du2 = q^g p_t (q (1 + 2g) + g l (q - g p_t))
    h_u = mod * p_t * (q * (1.0 + 2.0 * gamma) + gamma * log_pt * (q - gamma * p_t))
    return g_u, h_u, p_t, q


@njit(**_JIT)
def binary_grad_hess(pos, z, gamma, power, half, alpha, w, hess_scale, hess_floor, grad, hess):  # pragma: no cover - compiled
    """Binary focal grad / hess of ``alpha_t w FL`` into ``grad``, ``hess`` (see module notes)."""
    n = z.shape[0]
    has_w = w.shape[0] > 0
    has_alpha = alpha >= 0.0
    clip = hess_floor >= 0.0
    for i in prange(n):
        zi = np.float64(z[i])
        y = pos[i]
        u = zi if y else -zi  # signed margin, p_t = expit(u)
        g_u, h_u, _, _ = _grad_hess_u(u, gamma, power, half)
        g = g_u if y else -g_u  # dFL/dz = sign * dFL/du
        h = h_u  # d2FL/dz2 = d2FL/du2
        wi = w[i] if has_w else 1.0
        if has_alpha:
            a_t = alpha if y else 1.0 - alpha
            f = a_t * wi if has_w else a_t
            g *= f
            h *= f
        elif has_w:
            g *= wi
            h *= wi
        if hess_scale != 1.0:
            h *= hess_scale
        if clip:
            bound = hess_floor * wi if has_w else hess_floor
            if h < bound:  # max(h, hess_floor * w)
                h = bound
        grad[i] = g
        hess[i] = h


@njit(**_JIT)
def softmax_grad_hess(y, z, gamma, power, half, alpha, w, hess_scale, hess_floor, grad, hess):  # pragma: no cover - compiled
    """Softmax focal grad / hess diagonal of ``alpha_y w FL`` into ``grad``, ``hess`` (n, K)."""
    n, k_classes = z.shape
    has_w = w.shape[0] > 0
    has_alpha = alpha.shape[0] > 0
    clip = hess_floor >= 0.0
    for i in prange(n):
        yi = y[i]
        # u = z_y - logsumexp_{j != y} z_j, r_k = p_k / (1 - p_t) = softmax of the other classes
        m = -np.inf
        for k in range(k_classes):
            if k != yi:
                zk = np.float64(z[i, k])
                if zk > m:
                    m = zk
        s = 0.0
        for k in range(k_classes):
            if k != yi:
                ek = math.exp(np.float64(z[i, k]) - m)  # exp(z_k - m)
                grad[i, k] = ek  # scratch: the row of the output
                s += ek
        u = np.float64(z[i, yi]) - (m + math.log(s))
        g_u, h_u, p_t, q = _grad_hess_u(u, gamma, power, half)
        b = h_u + g_u * p_t  # d2FL/dz_k^2 = b r_k^2 - g_u r_k (1 - p_k)
        wi = w[i] if has_w else 1.0
        if has_alpha:
            f = alpha[yi] * wi if has_w else alpha[yi]
        else:
            f = wi
        scale_f = has_alpha or has_w
        bound = hess_floor * wi if has_w else hess_floor
        for k in range(k_classes):
            if k == yi:
                g = g_u
                h = h_u
            else:
                r = grad[i, k] / s
                g = r * (-g_u)  # dFL/dz_k = -g_u r_k
                h = (1.0 - r * q) * g  # -g_u r_k (1 - p_k), p_k = q r_k
                if gamma != 0.0:
                    h += (r * r) * b
            if scale_f:
                g *= f
                h *= f
            if hess_scale != 1.0:
                h *= hess_scale
            if clip and h < bound:
                h = bound
            grad[i, k] = g
            hess[i, k] = h
