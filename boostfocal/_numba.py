r"""Fused numba kernels for the focal gradient and hessian (optional backend).

The formulas of the numpy kernels of :mod:`boostfocal._core` (see its module
docstring for the notation), in the same order of operations, written as one
pass over the rows: no temporary array, the sample factor ``alpha_t * w``, the
hessian factor and the floor ``hess_floor * w`` fused in. ``exp`` (of
non-positive arguments, the only ones needed) and ``log1p`` (on [0, 1]) are
branch-free polynomial versions within 1-2 ulp, which LLVM vectorises (libm's
are scalar calls); the results stay within 1e-12 of numpy's (``tests/test_fast.py``).
Compiled lazily (one specialisation per margin dtype / layout, on first use) and
cached on disk (``cache=True``; numba falls back to a user cache directory when
the package directory is read-only). The kernels are serial and release the GIL;
:func:`binary_grad_hess` / :func:`softmax_grad_hess` split the rows into one block
per thread (at most ``n_threads``, at least 32k margins per block; 256k for the
float32 binary kernel, 2M for the float32 softmax one) and run them on a small
thread pool, the calling thread included.

Two precisions, chosen by the dtype of the outputs:

* float64 outputs (the public core functions): float64 arithmetic, within 1e-12
  of the numpy kernels;
* float32 outputs (the adapters: both libraries store float32 gradients): float32
  arithmetic -- twice the SIMD lanes, shorter polynomials, ``q^gamma`` by products at
  gamma 0 and 2 -- within ``max(1e-5 |ref|, 1e-7)`` of the float64 result for margins
  in [-1e4, 1e4] and gamma in [0, 10] (the exact, unfloored hessian, which crosses
  zero, within 1e-5 of the size of its terms), proven in ``tests/test_fast.py``. The
  softmax one works on (K, chunk) scratch with the classes as the outer loop, so that
  LightGBM's Fortran-ordered scores are read along their columns; float64 margins are
  split ``hi + lo`` so that ``z_k - z_max`` keeps float64 accuracy.

Conventions of the arguments (no ``None`` inside numba):

* ``gamma``: a float, or the per-class focusing vector (length 2 binary, K softmax):
  the row's ``gamma_t = gamma[y]``;
* ``cw``: the class-weight vector (``alpha_t = cw[y]``), float64 of length 2
  (binary) or K (softmax), or of length 0 (no class weights);
* ``w``: float64 sample weights, or an array of length 0 (no weights);
* ``hess_floor``: negative for "no absolute floor";
* ``curvature_floor``: raise the hessian to the focal-weighted cross-entropy
  curvature ``w a q^gamma c_CE`` (see :mod:`boostfocal._kernels`);
* ``grad``, ``hess``: float64 or float32 outputs of the shape of ``z``, written in full.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import types
from numba.extending import intrinsic

__all__ = ["binary_grad_hess", "softmax_grad_hess", "default_threads"]

#: Fewest margins per thread: below, waking another thread costs more than it saves.
MIN_PER_THREAD = 32768
#: The same for the float32 kernels, about four times cheaper per margin: inside fits one thread was as fast
#: as two at 300k rows and slower only from about 1M (benchmarks/results/speed.md), so blocks of 256k.
MIN_PER_THREAD_F32 = 262144
#: The float32 softmax kernel: inside LightGBM's multiclass fits (200k x 10) one thread beat two in both full
#: runs of the benchmark (0.88 / 0.93 against 0.95 / 1.09 the float32 numpy objective); XGBoost's gained
#: little from two (0.31 / 0.38 against 0.36 / 0.41). So one thread up to 2M margins (about 200k rows at K = 10).
SOFTMAX_MIN_PER_THREAD_F32 = 2097152

_NO_GAMMA = np.empty(0)  # "one gamma for every class"

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def default_threads() -> int:
    """numba's thread setting: ``NUMBA_NUM_THREADS`` or ``numba.set_num_threads`` (all cores by default)."""
    return numba.get_num_threads()


def _reset_pool_after_fork() -> None:  # a forked child has none of the parent's threads
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def _get_pool(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            # the old pool is not shut down (another thread may be submitting to it); its idle
            # workers exit when it is garbage-collected
            _pool, _pool_size = ThreadPoolExecutor(workers, thread_name_prefix="boostfocal"), workers
        return _pool


def n_blocks(n_values: int, n_rows: int, n_threads: int, min_per_thread: int = MIN_PER_THREAD) -> int:
    """Blocks (= threads) for ``n_values`` margins in ``n_rows`` rows: at most ``n_threads``, one per min_per_thread."""
    return max(1, min(n_threads, n_values // min_per_thread, n_rows))


def _run(call, n_values: int, n_rows: int, n_threads: int, min_per_thread: int = MIN_PER_THREAD) -> None:
    """Run ``call(start, stop)`` over row blocks in up to ``n_threads`` threads (the caller's included)."""
    parts = n_blocks(n_values, n_rows, n_threads, min_per_thread)
    if parts == 1:
        call(0, n_rows)
        return
    bounds = [n_rows * j // parts for j in range(parts + 1)]
    pool = _get_pool(parts - 1)
    futures = [pool.submit(call, bounds[j], bounds[j + 1]) for j in range(1, parts)]
    call(bounds[0], bounds[1])
    for fut in futures:
        fut.result()


def _power(gamma: float) -> int:
    """How the float32 kernels form ``q^gamma`` for one shared gamma (:func:`_grad_hess_u32`)."""
    return {0.0: POWER_ONE, 2.0: POWER_SQUARE}.get(gamma, POWER_EXP)


def binary_grad_hess(
    pos, z, gamma, cw, w, hess_scale, hess_floor, curvature_floor, grad, hess, n_threads, label_smoothing=0.0
):
    """Binary focal grad / hess into ``grad``, ``hess`` (n,), in up to ``n_threads`` threads.

    ``cw`` and ``w`` of length 0 and ``hess_floor < 0`` mean none (module notes);
    ``label_smoothing > 0`` runs the two-term smoothed loss (:func:`_binary_smoothed_block`).
    float32 outputs run the float32 kernels (module notes).
    """
    a_pos, a_neg = (1.0, 1.0) if cw.shape[0] == 0 else (float(cw[1]), float(cw[0]))
    g_pos, g_neg = (float(gamma), float(gamma)) if np.ndim(gamma) == 0 else (float(gamma[1]), float(gamma[0]))
    curv = bool(curvature_floor)
    floor = -np.inf if hess_floor < 0.0 else hess_floor
    weighted = w.shape[0] > 0
    if grad.dtype == np.float32:
        plain = BINARY_BLOCKS32[_power(g_pos) if g_pos == g_neg else POWER_EXP, weighted]
        smoothed, min_per_thread = _binary_smoothed_block32, MIN_PER_THREAD_F32
    else:
        plain, smoothed, min_per_thread = _binary_block, _binary_smoothed_block, MIN_PER_THREAD
    e = float(label_smoothing)

    def call(start: int, stop: int) -> None:
        rows = slice(start, stop)
        w_rows = w[rows] if weighted else w
        head = (pos[rows], z[rows], g_pos, g_neg, a_pos, a_neg)
        tail = (hess_scale, floor, curv, grad[rows], hess[rows])
        if e > 0.0:
            smoothed(*head, e, w_rows, *tail)
        else:
            plain(*head, w_rows, *tail)

    _run(call, z.shape[0], z.shape[0], n_threads, min_per_thread)


def softmax_grad_hess(y, z, gamma, cw, w, hess_scale, hess_floor, curvature_floor, grad, hess, n_threads):
    """Softmax focal grad / hess diagonal into ``grad``, ``hess`` (n, K), in up to ``n_threads`` threads.

    float32 outputs run the float32 chunked kernel (module notes).
    """
    weighted = w.shape[0] > 0
    scalar = np.ndim(gamma) == 0
    g0 = float(gamma) if scalar else 0.0
    gvec = _NO_GAMMA if scalar else np.ascontiguousarray(gamma, dtype=np.float64)
    if grad.dtype == np.float32:
        kernel = SOFTMAX_BLOCKS32[_power(g0) if scalar else POWER_EXP]
        layout: tuple[bool, ...] = (not z.flags.f_contiguous,)  # the kernel's c_order argument
        min_per_thread = SOFTMAX_MIN_PER_THREAD_F32
    else:
        kernel, layout, min_per_thread = _softmax_block, (), MIN_PER_THREAD

    def call(start: int, stop: int) -> None:
        rows = slice(start, stop)
        w_rows = w[rows] if weighted else w
        kernel(
            y[rows],
            z[rows],
            g0,
            gvec,
            cw,
            w_rows,
            hess_scale,
            hess_floor,
            bool(curvature_floor),
            *layout,
            grad[rows],
            hess[rows],
        )

    _run(call, z.size, z.shape[0], n_threads, min_per_thread)


# ----------------------------------------------------------------------------- compiled kernels
# Serial, GIL-free kernels over a block of rows; the threads come from the small pool
# above. numba's own ``parallel=True`` (prange) keeps LLVM from vectorising the row
# loop, which is where the speed comes from.
_JIT: dict[str, Any] = {"fastmath": False, "cache": True, "nogil": True, "error_model": "numpy"}
_INLINE: dict[str, Any] = {"inline": "always", "fastmath": False, "error_model": "numpy"}

_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2): k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00


def _intrinsic(defn: Callable[..., object]) -> Any:
    """``numba.extending.intrinsic``, typed ``Any``: numba's stubs keep ``typingctx`` in the call signature."""
    return intrinsic(defn)


def _bitcast(result: Any, argument: Any, llvm_result: Any) -> Any:
    """An intrinsic reinterpreting the bits of an ``argument`` value as a ``result`` (LLVM bitcast)."""

    def defn(typingctx, x):  # pragma: no cover - compiled
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_result)

        return result(argument), codegen

    return _intrinsic(defn)


_f64_from_bits = _bitcast(types.float64, types.int64, ir.DoubleType())
_bits_from_f64 = _bitcast(types.int64, types.float64, ir.IntType(64))


_SHIFT = 6755399441055744.0  # 1.5 * 2^52: x + _SHIFT rounds x to an integer, kept in the low bits


@njit(**_INLINE)
def _exp_nonpos(x):  # pragma: no cover - compiled
    """``exp(x)`` for ``x <= 0`` (``-inf`` included), within 1 ulp, branch-free so that LLVM vectorises it.

    Cody-Waite reduction ``x = k ln2 + r``, ``|r| <= ln2 / 2``, Taylor polynomial of
    degree 13 (truncation below 1e-17), then ``2^k`` applied in two exact halves so
    that subnormal results are rounded once.
    """
    x = max(x, -746.0)  # exp(-746) rounds to 0
    t = x * _INV_LN2 + _SHIFT  # k = round(x / ln2) in the low bits of t, no float -> int conversion
    kf = t - _SHIFT
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    k = _bits_from_f64(t) - _bits_from_f64(_SHIFT)
    k1 = k >> 1
    k2 = k - k1
    return (p * _f64_from_bits((k1 + 1023) << 52)) * _f64_from_bits((k2 + 1023) << 52)


@njit(**_INLINE)
def _log1p_unit(e):  # pragma: no cover - compiled
    """``log(1 + e)`` for ``e`` in [0, 1], within 2 ulp, vectorisable.

    ``log1p(e) = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...)`` with
    ``s = e / (2 + e)`` in [0, 1/3]: 16 terms leave a truncation below 2e-17.
    """
    d = 1.0 / (2.0 + e)
    s = e * d
    t = s * s
    p = 1.0 / 33.0
    p = p * t + 1.0 / 31.0
    p = p * t + 1.0 / 29.0
    p = p * t + 1.0 / 27.0
    p = p * t + 1.0 / 25.0
    p = p * t + 1.0 / 23.0
    p = p * t + 1.0 / 21.0
    p = p * t + 1.0 / 19.0
    p = p * t + 1.0 / 17.0
    p = p * t + 1.0 / 15.0
    p = p * t + 1.0 / 13.0
    p = p * t + 1.0 / 11.0
    p = p * t + 1.0 / 9.0
    p = p * t + 1.0 / 7.0
    p = p * t + 1.0 / 5.0
    p = p * t + 1.0 / 3.0
    p = p * t
    two_s = e * (2.0 * d)  # 2 s, exact for subnormal e (2 d = 1)
    return two_s + two_s * p


@njit(**_INLINE)
def _grad_hess_u(u, gamma):  # pragma: no cover - compiled
    """``(dFL/du, d2FL/du2, p_t, q, q^g, q^g p_t)`` for one signed margin, as ``_kernels.grad_hess_from_u``.

    Branch-free (selects only) so that the row loop vectorises. At ``gamma = 0``
    the general formulas reduce exactly to ``-q`` and ``p_t q`` (``q^0 = 1``,
    ``0 * l = 0``), the values of the numpy kernel's special case.
    """
    e = _exp_nonpos(-abs(u))  # exp(-|u|) in (0, 1]
    softplus = _log1p_unit(e)  # log(1 + exp(-|u|))
    inv = 1.0 / (1.0 + e)
    e_inv = e * inv  # expit(-|u|)
    upos = u >= 0.0
    p_t = inv if upos else e_inv  # expit(u)
    q = e_inv if upos else inv  # expit(-u) = 1 - p_t without cancellation
    log_pt = min(u, 0.0) - softplus  # log expit(u)
    log_q = -max(u, 0.0) - softplus  # log expit(-u)
    mod = _exp_nonpos(gamma * log_q)  # q^g = exp(g log q)
    g_u = mod * (gamma * p_t * log_pt - q)  # dFL/du = q^g (g p_t l - q)
    # d2FL/du2 = q^g p_t (q (1 + 2g) + g l (q - g p_t))
    mod_pt = mod * p_t
    h_u = mod_pt * (q * (1.0 + 2.0 * gamma) + gamma * log_pt * (q - gamma * p_t))
    return g_u, h_u, p_t, q, mod, mod_pt


@njit(**_INLINE)
def _binary_row(zi, y, wi, g_pos, g_neg, a_pos, a_neg, hess_scale, hess_floor, curv):  # pragma: no cover - compiled
    """``(grad, hess)`` of one row: ``alpha_t w`` times the derivatives, hess scaled and floored.

    ``curv``: apply the curvature floor (a select, so the loop stays branch-free).
    """
    u = zi if y else -zi  # signed margin, p_t = expit(u)
    gamma = g_pos if y else g_neg  # gamma_t = gamma[y]
    g_u, h_u, _, q, _, mod_pt = _grad_hess_u(u, gamma)
    f = (a_pos if y else a_neg) * wi  # alpha_t * w
    g = (g_u if y else -g_u) * f  # dFL/dz = sign * dFL/du
    h = h_u * f * hess_scale  # d2FL/dz2 = d2FL/du2
    c = (mod_pt * q) * f * hess_scale if curv else -np.inf  # focal-weighted CE curvature w a q^g p_t q
    h = c if h < c else h
    bound = hess_floor * wi
    return g, (bound if h < bound else h)  # max(h, hess_floor * w); -inf * 0 = nan keeps h


@njit(**_INLINE)
def _binary_smoothed_row(zi, y, wi, g_pos, g_neg, a_pos, a_neg, e, hess_scale, hess_floor, curv):  # pragma: no cover
    """One row of the label-smoothed binary loss ``t L_1 + (1 - t) L_0`` (as ``_kernels._binary_two_term_grad_hess``).

    ``L_1`` at ``u = z`` with ``g_pos``, ``L_0`` at ``u = -z`` with ``g_neg``; gradients subtract
    (``dz = -du`` for ``L_0``), hessians and curvature floors add.
    """
    t = (1.0 - 0.5 * e) if y else 0.5 * e  # t = y (1 - e) + e / 2
    c1 = t * a_pos
    c0 = (1.0 - t) * a_neg
    gu1, hu1, _, q1, _, mp1 = _grad_hess_u(zi, g_pos)
    gu0, hu0, _, q0, _, mp0 = _grad_hess_u(-zi, g_neg)
    g = (c1 * gu1 - c0 * gu0) * wi
    h = (c1 * hu1 + c0 * hu0) * wi * hess_scale
    c = (c1 * (mp1 * q1) + c0 * (mp0 * q0)) * wi * hess_scale if curv else -np.inf
    h = c if h < c else h
    bound = hess_floor * wi
    return g, (bound if h < bound else h)


@njit(**_JIT)
def _binary_smoothed_block(
    pos, z, g_pos, g_neg, a_pos, a_neg, e, w, hess_scale, hess_floor, curv, grad, hess
):  # pragma: no cover
    """One block of rows of the label-smoothed binary grad / hess (see :func:`_binary_smoothed_row`)."""
    if w.shape[0] == 0:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_smoothed_row(
                np.float64(z[i]), pos[i], 1.0, g_pos, g_neg, a_pos, a_neg, e, hess_scale, hess_floor, curv
            )
    else:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_smoothed_row(
                np.float64(z[i]), pos[i], w[i], g_pos, g_neg, a_pos, a_neg, e, hess_scale, hess_floor, curv
            )


@njit(**_JIT)
def _binary_block(pos, z, g_pos, g_neg, a_pos, a_neg, w, hess_scale, hess_floor, curv, grad, hess):  # pragma: no cover
    """One block of rows of the binary focal grad / hess of ``alpha_t w FL`` (see module notes).

    Branch-free loops so that LLVM vectorises them: no alpha is ``a_pos = a_neg = 1``,
    no floor is ``hess_floor = -inf``, no weights (``w`` of length 0) is ``w = 1``;
    multiplying by 1 is exact, so the results are those of the numpy kernel, which
    skips these steps. The loops run over ``range(len(z))`` on arrays sliced by the
    caller: ``range(start, stop)`` (numba's negative-index handling) or a gathered
    ``w[i & mask]`` would keep LLVM from vectorising.
    """
    if w.shape[0] == 0:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_row(
                np.float64(z[i]), pos[i], 1.0, g_pos, g_neg, a_pos, a_neg, hess_scale, hess_floor, curv
            )
    else:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_row(
                np.float64(z[i]), pos[i], w[i], g_pos, g_neg, a_pos, a_neg, hess_scale, hess_floor, curv
            )


@njit(**_JIT)
def _softmax_block(
    y, z, gamma_all, gvec, alpha, w, hess_scale, hess_floor, curvature_floor, grad, hess
):  # pragma: no cover
    """One block of rows of the softmax focal grad / hess diagonal of ``alpha_y w FL`` ((n, K) arrays)."""
    k_classes = z.shape[1]
    has_w = w.shape[0] > 0
    has_alpha = alpha.shape[0] > 0
    per_class_gamma = gvec.shape[0] > 0
    clip = hess_floor >= 0.0
    scratch = np.empty(k_classes)  # exp(z_k - m) in float64, whatever the output dtype
    for i in range(z.shape[0]):
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
                ek = math.exp(np.float64(z[i, k]) - m)  # exp(z_k - m); libm: this loop is scalar
                scratch[k] = ek
                s += ek
        u = np.float64(z[i, yi]) - (m + math.log(s))
        gamma = gvec[yi] if per_class_gamma else gamma_all  # gamma_t = gamma[y]
        g_u, h_u, p_t, q, mod, mod_pt = _grad_hess_u(u, gamma)
        b = h_u + g_u * p_t  # d2FL/dz_k^2 = b r_k^2 - g_u r_k (1 - p_k)
        inv_s = 1.0 / s  # r_k = e_k / s as a product: within 1 ulp of numpy's division
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
                c = mod_pt * q  # q^g p_t q
            else:
                r = scratch[k] * inv_s
                g = r * (-g_u)  # dFL/dz_k = -g_u r_k
                p_k = r * q
                h = (1.0 - p_k) * g  # -g_u r_k (1 - p_k), p_k = q r_k
                c = (1.0 - p_k) * (p_k * mod)  # q^g p_k (1 - p_k)
                if gamma != 0.0:
                    h += (r * r) * b
            if scale_f:
                g *= f
                h *= f
                c *= f
            if hess_scale != 1.0:
                h *= hess_scale
                c *= hess_scale
            if curvature_floor and h < c:
                h = c
            if clip and h < bound:
                h = bound
            grad[i, k] = g
            hess[i, k] = h


# ----------------------------------------------------------------------------- float32 kernels
# The adapters' path: both libraries store gradients in float32, so the kernels that
# write float32 also compute in float32 (twice the SIMD lanes of float64, shorter
# polynomials). Every constant is a float32 (a float64 literal would promote the
# whole expression). Accuracy against the float64 kernels, proven in
# tests/test_float32_kernels.py: gradient and hessian within 1e-5 relative (1e-7
# absolute for tiny values) for margins in [-1e4, 1e4] and gamma in [0, 10].
_F32 = np.float32
_ONE32, _TWO32, _ZERO32 = _F32(1.0), _F32(2.0), _F32(0.0)
_NEG_INF32 = _F32(-np.inf)
_SHIFT32 = _F32(12582912.0)  # 1.5 * 2^23: x + _SHIFT32 rounds x to an integer, kept in the low bits
_INV_LN2_32 = _F32(1.4426950408889634)
_LN2_HI32 = _F32(0.693145751953125)  # 12 significant bits: k * _LN2_HI32 is exact for |k| < 2^11
_LN2_LO32 = _F32(1.428606765330187e-06)
_EXP_MIN32 = _F32(-104.0)  # exp(-104) rounds to 0 in float32
_E2, _E3, _E4, _E5, _E6, _E7 = (_F32(1.0 / math.factorial(k)) for k in range(2, 8))
_L3, _L5, _L7, _L9, _L11, _L13, _L15 = (_F32(1.0 / k) for k in (3, 5, 7, 9, 11, 13, 15))


_f32_from_bits = _bitcast(types.float32, types.int32, ir.FloatType())
_bits_from_f32 = _bitcast(types.int32, types.float32, ir.IntType(32))


@njit(**_INLINE)
def _exp_nonpos32(x):  # pragma: no cover - compiled
    """float32 ``exp(x)`` for ``x <= 0``, branch-free: as :func:`_exp_nonpos`, Taylor degree 7 (truncation 5e-9)."""
    x = max(x, _EXP_MIN32)
    t = x * _INV_LN2_32 + _SHIFT32
    kf = t - _SHIFT32
    r = (x - kf * _LN2_HI32) - kf * _LN2_LO32
    p = _E7
    p = p * r + _E6
    p = p * r + _E5
    p = p * r + _E4
    p = p * r + _E3
    p = p * r + _E2
    p = p * r + _ONE32
    p = p * r + _ONE32
    k = _bits_from_f32(t) - _bits_from_f32(_SHIFT32)
    k1 = k >> 1
    k2 = k - k1
    return (p * _f32_from_bits((k1 + 127) << 23)) * _f32_from_bits((k2 + 127) << 23)


@njit(**_INLINE)
def _log1p_unit32(e):  # pragma: no cover - compiled
    """float32 ``log(1 + e)`` for ``e`` in [0, 1]: as :func:`_log1p_unit`, 7 terms (truncation 1.4e-8)."""
    d = _ONE32 / (_TWO32 + e)
    s = e * d
    t = s * s
    p = _L15
    p = p * t + _L13
    p = p * t + _L11
    p = p * t + _L9
    p = p * t + _L7
    p = p * t + _L5
    p = p * t + _L3
    p = p * t
    two_s = e * (_TWO32 * d)
    return two_s + two_s * p


#: ``power`` of the float32 kernels: how ``q^gamma`` is formed (a literal in each loop, so that it folds away).
POWER_ONE, POWER_SQUARE, POWER_EXP = 0, 2, 3


@njit(**_INLINE)
def _grad_hess_u32(u, gamma, power):  # pragma: no cover - compiled
    """float32 ``(dFL/du, d2FL/du2, p_t, q, q^g, q^g p_t)`` as :func:`_grad_hess_u`.

    ``power``: ``POWER_ONE`` (gamma 0: ``q^0 = 1``), ``POWER_SQUARE`` (gamma 2: ``q q``) or
    ``POWER_EXP`` (``exp(g log q)``); the first two save an exponential per row.
    """
    e = _exp_nonpos32(-abs(u))
    softplus = _log1p_unit32(e)
    inv = _ONE32 / (_ONE32 + e)
    e_inv = e * inv
    upos = u >= _ZERO32
    p_t = inv if upos else e_inv
    q = e_inv if upos else inv
    log_pt = min(u, _ZERO32) - softplus
    if power == POWER_ONE:
        mod = _ONE32
    elif power == POWER_SQUARE:
        mod = q * q
    else:
        mod = _exp_nonpos32(gamma * (-max(u, _ZERO32) - softplus))  # q^g = exp(g log q)
    g_u = mod * (gamma * p_t * log_pt - q)
    mod_pt = mod * p_t
    h_u = mod_pt * (q * (_ONE32 + _TWO32 * gamma) + gamma * log_pt * (q - gamma * p_t))
    return g_u, h_u, p_t, q, mod, mod_pt


@njit(**_INLINE)
def _binary_row32(zi, y, wi, g_pos, g_neg, a_pos, a_neg, hess_scale, hess_floor, curv, power):  # pragma: no cover
    """float32 :func:`_binary_row` (every argument a float32, ``y`` a bool; ``power`` as in :func:`_grad_hess_u32`)."""
    u = zi if y else -zi
    gamma = g_pos if y else g_neg
    g_u, h_u, _, q, _, mod_pt = _grad_hess_u32(u, gamma, power)
    f = (a_pos if y else a_neg) * wi
    g = (g_u if y else -g_u) * f
    h = h_u * f * hess_scale
    c = (mod_pt * q) * f * hess_scale if curv else _NEG_INF32
    h = c if h < c else h
    bound = hess_floor * wi
    return g, (bound if h < bound else h)


@njit(**_INLINE)
def _binary_smoothed_row32(zi, y, wi, g_pos, g_neg, a_pos, a_neg, e, hess_scale, hess_floor, curv):  # pragma: no cover
    """float32 :func:`_binary_smoothed_row`."""
    t = (_ONE32 - _F32(0.5) * e) if y else _F32(0.5) * e
    c1 = t * a_pos
    c0 = (_ONE32 - t) * a_neg
    gu1, hu1, _, q1, _, mp1 = _grad_hess_u32(zi, g_pos, POWER_EXP)
    gu0, hu0, _, q0, _, mp0 = _grad_hess_u32(-zi, g_neg, POWER_EXP)
    g = (c1 * gu1 - c0 * gu0) * wi
    h = (c1 * hu1 + c0 * hu0) * wi * hess_scale
    c = (c1 * (mp1 * q1) + c0 * (mp0 * q0)) * wi * hess_scale if curv else _NEG_INF32
    h = c if h < c else h
    bound = hess_floor * wi
    return g, (bound if h < bound else h)


def _make_binary_block32(power: int, weighted: bool) -> Any:
    """The binary float32 block kernel for one ``power`` (:func:`_grad_hess_u32`) and with or without weights.

    One compiled function per combination, each a single branch-free loop that
    vectorises (the two settings are compile-time constants); only the ones a fit
    uses are compiled (cold start: one of six).
    """

    @njit(**_JIT)
    def block(pos, z, g_pos, g_neg, a_pos, a_neg, w, hess_scale, hess_floor, curv, grad, hess):  # pragma: no cover
        """One block of rows of the binary focal grad / hess in float32 arithmetic (see :func:`_binary_block`)."""
        gp, gn, ap, an = _F32(g_pos), _F32(g_neg), _F32(a_pos), _F32(a_neg)
        hs, fl = _F32(hess_scale), _F32(hess_floor)
        for i in range(z.shape[0]):
            wi = _F32(w[i]) if weighted else _ONE32
            grad[i], hess[i] = _binary_row32(_F32(z[i]), pos[i], wi, gp, gn, ap, an, hs, fl, curv, power)

    return block


#: ``(power, weighted)`` -> the float32 binary block kernel.
BINARY_BLOCKS32 = {
    (power, weighted): _make_binary_block32(power, weighted)
    for power in (POWER_ONE, POWER_SQUARE, POWER_EXP)
    for weighted in (False, True)
}


@njit(**_JIT)
def _binary_smoothed_block32(
    pos, z, g_pos, g_neg, a_pos, a_neg, e, w, hess_scale, hess_floor, curv, grad, hess
):  # pragma: no cover
    """One block of rows of the label-smoothed binary grad / hess in float32 arithmetic."""
    gp, gn, ap, an, ee = _F32(g_pos), _F32(g_neg), _F32(a_pos), _F32(a_neg), _F32(e)
    hs, fl = _F32(hess_scale), _F32(hess_floor)
    if w.shape[0] == 0:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_smoothed_row32(_F32(z[i]), pos[i], _ONE32, gp, gn, ap, an, ee, hs, fl, curv)
    else:
        for i in range(z.shape[0]):
            grad[i], hess[i] = _binary_smoothed_row32(_F32(z[i]), pos[i], _F32(w[i]), gp, gn, ap, an, ee, hs, fl, curv)


_SQRT2_32 = _F32(1.4142135623730951)
_LOGC3, _LOGC5, _LOGC7, _LOGC9, _LOGC11 = (_F32(1.0 / k) for k in (3, 5, 7, 9, 11))
#: Rows per chunk of the float32 softmax kernel: K chunk-long float32 scratch rows stay in L1 / L2.
SOFTMAX_CHUNK = 256


@njit(**_INLINE)
def _log_ge1_32(x):  # pragma: no cover - compiled
    """float32 ``log(x)`` for a normal ``x >= 1`` (the softmax's sum of exponentials), branch-free.

    ``x = 2^k f``, ``f`` in [sqrt(1/2), sqrt(2)); ``log f = 2 atanh(s)``, ``s = (f - 1) / (f + 1)``,
    ``|s| <= 0.172``: 6 terms leave a truncation below 1e-10.
    """
    bits = _bits_from_f32(x)
    k = (bits >> 23) - 127
    f = _f32_from_bits((bits & 0x7FFFFF) | 0x3F800000)  # in [1, 2)
    big = f > _SQRT2_32
    f = f * _F32(0.5) if big else f
    k = k + 1 if big else k
    sv = (f - _ONE32) / (f + _ONE32)
    t = sv * sv
    p = _LOGC11
    p = p * t + _LOGC9
    p = p * t + _LOGC7
    p = p * t + _LOGC5
    p = p * t + _LOGC3
    p = p * t
    two_s = _TWO32 * sv
    kf = _F32(k)
    return kf * _LN2_HI32 + (two_s + two_s * p + kf * _LN2_LO32)


@njit(**_INLINE)
def _softmax_rows32(nb, s, zy, mz, gam, fv, hs, power, gu, hu, bb, qq, md, mq, inv_s, om_top):  # pragma: no cover
    """The true class of each row of a chunk (``power`` a literal: one branch-free loop that vectorises).

    In: ``s`` (sum of e_k over the classes but y and top), ``zy``, ``m``, the row's gamma and
    factor ``alpha_y w``. Out: the per-row terms the per-class pass needs (scaled by the factor).
    """
    for j in range(nb):
        rest = s[j]
        s_all = _ONE32 + rest  # sum over every class but y (e_top = 1)
        u = _F32(zy[j] - mz[j]) - _log_ge1_32(s_all)  # u = z_y - logsumexp_{k != y} z_k
        g_u, h_u, p_t, q, mod, mod_pt = _grad_hess_u32(u, gam[j], power)
        f = fv[j]
        gu[j] = g_u * f
        hu[j] = h_u * f * hs
        bb[j] = (h_u + g_u * p_t) * f  # d2FL/dz_k^2 = b r_k^2 - g_u r_k (1 - p_k)
        qq[j] = q
        md[j] = mod * f
        mq[j] = mod_pt * q * f * hs  # the true class's curvature floor
        inv = _ONE32 / s_all
        inv_s[j] = inv
        om_top[j] = p_t + q * (rest * inv)  # 1 - p_top = p_t + q (1 - r_top), 1 - r_top = rest / s


def _make_softmax_block32(power: int) -> Any:
    """The softmax float32 block kernel for one ``power`` (``POWER_EXP`` also serves per-class gamma).

    One compiled function per power, compiled on first use (cold start: one of three).
    """

    @njit(**_JIT)
    def block(
        y, z, gamma_all, gvec, alpha, w, hess_scale, hess_floor, curvature_floor, c_order, grad, hess
    ):  # pragma: no cover
        _softmax_chunks32(
            y, z, gamma_all, gvec, alpha, w, hess_scale, hess_floor, curvature_floor, power, c_order, grad, hess
        )

    return block


@njit(**_INLINE)
def _softmax_chunks32(
    y, z, gamma_all, gvec, alpha, w, hess_scale, hess_floor, curvature_floor, power, c_order, grad, hess
):  # pragma: no cover
    """One block of rows of the softmax focal grad / hess diagonal in float32 arithmetic.

    The formulas of :func:`_softmax_block`, evaluated a chunk of rows at a time on
    (K, chunk) scratch arrays: the chunk's margins are copied in (in the loop order of
    their layout, ``c_order`` for XGBoost's C-ordered scores, else LightGBM's Fortran
    order), every pass then runs over contiguous rows of the scratch with the classes
    as the outer loop, branch-free (selects) so that it vectorises, and the results are
    copied out. The maximum and ``z_k - m`` are taken in the margins' own dtype (an
    exact difference for float64 margins); the class at the maximum has ``e = 1``
    and its ``1 - p`` is formed from the other terms, without cancellation.
    """
    n, k_classes = z.shape
    has_w = w.shape[0] > 0
    has_alpha = alpha.shape[0] > 0
    per_class_gamma = gvec.shape[0] > 0
    clip = hess_floor >= 0.0
    hs = _F32(hess_scale)
    fl = _F32(hess_floor) if clip else _NEG_INF32
    g_all = _F32(gamma_all)
    c = SOFTMAX_CHUNK
    zs = np.empty((k_classes, c), dtype=np.float32)  # the chunk's margins in float32, classes as rows
    lo = np.zeros((k_classes, c), dtype=np.float32)  # float64 margins: z - zs (z = zs + lo to 2^-48)
    ex = np.empty((k_classes, c), dtype=np.float32)  # exp(z_k - m), 0 for the true class
    gs = np.empty((k_classes, c), dtype=np.float32)
    hsc = np.empty((k_classes, c), dtype=np.float32)
    yy = np.empty(c, dtype=np.int32)  # int32 labels and class indices: as many SIMD lanes as float32
    m = np.empty(c, dtype=np.float32)  # max over the other classes, in float32 (it only picks ``top``)
    mz = np.empty(c, dtype=z.dtype)  # z_top and z_y in the margins' dtype: exact differences
    lo_top = np.empty(c, dtype=np.float32)
    zy = np.empty(c, dtype=z.dtype)
    top = np.empty(c, dtype=np.int32)  # the (first) class at the maximum m
    s = np.empty(c, dtype=np.float32)  # sum of e_k over the other classes but ``top`` (whose e is 1)
    om_top = np.empty(c, dtype=np.float32)  # 1 - p_top without cancellation
    gu = np.empty(c, dtype=np.float32)
    hu = np.empty(c, dtype=np.float32)
    bb = np.empty(c, dtype=np.float32)
    qq = np.empty(c, dtype=np.float32)
    md = np.empty(c, dtype=np.float32)
    mq = np.empty(c, dtype=np.float32)
    inv_s = np.empty(c, dtype=np.float32)
    bound = np.empty(c, dtype=np.float32)
    wv = np.empty(c, dtype=np.float32)
    fv = np.empty(c, dtype=np.float32)
    gam = np.empty(c, dtype=np.float32)
    alpha32 = alpha.astype(np.float32)
    gvec32 = gvec.astype(np.float32)
    for i0 in range(0, n, c):
        nb = min(c, n - i0)
        if c_order:
            for j in range(nb):
                for k in range(k_classes):
                    v = z[i0 + j, k]
                    zs[k, j] = _F32(v)
                    lo[k, j] = _F32(v - zs[k, j])
        else:
            for k in range(k_classes):
                zcol = z[i0 : i0 + nb, k]  # contiguous in Fortran order
                zsk = zs[k]
                lok = lo[k]
                for j in range(nb):
                    v = zcol[j]
                    hi = _F32(v)
                    zsk[j] = hi
                    lok[j] = _F32(v - hi)
        for j in range(nb):
            yy[j] = np.int32(y[i0 + j])
            m[j] = _NEG_INF32
            top[j] = np.int32(0)
            s[j] = _ZERO32
        for k in range(k_classes):  # m = max over the other classes
            zk = zs[k]
            kk = np.int32(k)
            for j in range(nb):
                v = _NEG_INF32 if yy[j] == kk else zk[j]
                up = v > m[j]
                m[j] = v if up else m[j]
                top[j] = kk if up else top[j]
        for j in range(nb):
            mz[j] = z[i0 + j, top[j]]
            zy[j] = z[i0 + j, yy[j]]
            m[j] = zs[top[j], j]
            lo_top[j] = lo[top[j], j]
        # e_k = exp(z_k - z_top) <= 1 (clamped: float32 may tie a slightly smaller top); s = sum but y and top.
        # z_k - z_top = (hi_k - hi_top) + (lo_k - lo_top): the first difference rounds once, relative to
        # itself, so no |z| * eps error enters (float32 margins: lo = 0)
        for k in range(k_classes):
            zk = zs[k]
            lk = lo[k]
            ek = ex[k]
            kk = np.int32(k)
            for j in range(nb):
                d = min((zk[j] - m[j]) + (lk[j] - lo_top[j]), _ZERO32)
                e = _ZERO32 if yy[j] == kk else _exp_nonpos32(d)
                ek[j] = e
                s[j] += _ZERO32 if top[j] == kk else e
        for j in range(nb):  # the row factor alpha_y w, the floor, the row's gamma: separate loops, no branch below
            wv[j] = _ONE32
        if has_w:
            for j in range(nb):
                wv[j] = _F32(w[i0 + j])
        for j in range(nb):
            fv[j] = wv[j]
            bound[j] = fl * wv[j]
        if has_alpha:
            for j in range(nb):
                fv[j] *= alpha32[yy[j]]
        if per_class_gamma:
            for j in range(nb):
                gam[j] = gvec32[yy[j]]
        else:
            for j in range(nb):
                gam[j] = g_all
        _softmax_rows32(nb, s, zy, mz, gam, fv, hs, power, gu, hu, bb, qq, md, mq, inv_s, om_top)
        for k in range(k_classes):
            ek = ex[k]
            gk = gs[k]
            hk = hsc[k]
            kk = np.int32(k)
            for j in range(nb):
                r = ek[j] * inv_s[j]
                p_k = r * qq[j]
                om = om_top[j] if top[j] == kk else _ONE32 - p_k  # p_k <= 1/2 for the others: no cancellation
                g = r * (-gu[j])  # dFL/dz_k = -g_u r_k
                h = (om * g + (r * r) * bb[j]) * hs
                cf = om * (p_k * md[j]) * hs  # q^g p_k (1 - p_k)
                true = yy[j] == kk
                g = gu[j] if true else g
                h = hu[j] if true else h
                cf = mq[j] if true else cf
                h = cf if (curvature_floor and h < cf) else h
                h = bound[j] if h < bound[j] else h
                gk[j] = g
                hk[j] = h
        if c_order:
            for j in range(nb):
                for k in range(k_classes):
                    grad[i0 + j, k] = gs[k, j]
                    hess[i0 + j, k] = hsc[k, j]
        else:
            for k in range(k_classes):
                gcol = grad[i0 : i0 + nb, k]  # contiguous in Fortran order
                hcol = hess[i0 : i0 + nb, k]
                gk = gs[k]
                hk = hsc[k]
                for j in range(nb):
                    gcol[j] = gk[j]
                    hcol[j] = hk[j]


#: ``power`` -> the float32 softmax block kernel.
SOFTMAX_BLOCKS32 = {power: _make_softmax_block32(power) for power in (POWER_ONE, POWER_SQUARE, POWER_EXP)}
