r"""Fused float32 numba kernels for the focal gradient and hessian (the optional fast backend).

The formulas of the numpy reference kernels of :mod:`boostfocal._kernels` (see its module
docstring for the notation), written as one pass over the rows in float32 arithmetic:
both libraries store float32 gradients, and float32 gives twice the SIMD lanes of
float64 and shorter polynomials (:mod:`boostfocal._fastmath`). The sample factor
``alpha_t w``, the hessian scale, the curvature and the floor ``floor * w`` are fused in;
the loops are branch-free (selects) so that LLVM vectorises them. Results are within
``max(1e-5 |ref|, 1e-7)`` of the float64 reference for margins in [-1e4, 1e4] and gamma
in [0, 10] (the exact hessian, which crosses zero, within 1e-5 of the size of its
terms), proven in ``tests/test_fast.py``. Float64 outputs come from the numpy reference.

Compiled lazily (on first use, only the variant a fit needs) and cached on disk
(``cache=True``; numba falls back to a user cache directory when the package directory
is read-only). The kernels are serial and release the GIL: :func:`binary_call` and
:func:`softmax_call` hand back a ``call(start, stop)`` over a block of rows, which
:func:`boostfocal._fast.run_blocks` runs on its thread pool.

Arguments of the compiled kernels, converted once by :func:`_common_args`:

* ``gam``: the per-class focusing vector, float32 of length K (2 for binary, indexed by
  the label: ``gamma_t = gam[y]``); one shared gamma is K equal entries;
* ``power``: how ``q^gamma`` is formed, a compile-time constant of each kernel variant
  (:data:`POWER_ONE` at gamma 0, :data:`POWER_SQUARE` at gamma 2, :data:`POWER_EXP` else);
* ``alpha``: the class-weight vector, float32 of length K (ones without class weights);
* ``w``: the sample weights, or None (one compiled variant each);
* ``hs``, ``fl``, ``curv``: the :class:`~boostfocal._policy.HessPolicy` as the float32
  scale, the float32 floor (``-inf``: none) and a bool (raise to the cross-entropy curvature);
* ``grad``, ``hess``: float32 outputs of the shape of ``z``, written in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from ._fastmath import F32, MATH_JIT, NEG_INF32, ONE32, TWO32, ZERO32, exp_nonpos32, log1p_unit32, log_ge1_32
from ._kernels import Terms
from ._policy import HessPolicy

__all__ = ["binary_call", "softmax_call", "POWER_ONE", "POWER_SQUARE", "POWER_EXP"]

#: Options of the block kernels: serial, GIL-free, cached on disk.
_JIT: dict[str, Any] = {"fastmath": False, "cache": True, "nogil": True, "error_model": "numpy"}

#: ``power``: how the kernels form ``q^gamma`` (a constant of each compiled variant, so that it folds away).
POWER_ONE, POWER_SQUARE, POWER_EXP = 0, 2, 3
_POWER_OF_GAMMA = {0.0: POWER_ONE, 2.0: POWER_SQUARE}
_HALF32 = F32(0.5)


# ----------------------------------------------------------------------------- arguments
def _common_args(gamma: Any, cw: Any, policy: HessPolicy, k: int) -> tuple[Any, ...]:
    """``(gam, power, alpha, hs, fl, curv)``: the one conversion of gamma, class weights and policy.

    ``gamma``: a float or the per-class float64 vector (``gamma[y]``); ``cw``: the per-class
    weight vector or None; ``k``: the number of classes (2 for binary).
    """
    if np.ndim(gamma) == 0:
        gam = np.full(k, gamma, dtype=np.float32)
        power = _POWER_OF_GAMMA.get(float(gamma), POWER_EXP)
    else:
        gam = np.ascontiguousarray(gamma, dtype=np.float32)
        power = POWER_EXP
    alpha = np.ones(k, dtype=np.float32) if cw is None else np.ascontiguousarray(cw, dtype=np.float32)
    floor = NEG_INF32 if policy.floor is None else F32(policy.floor)  # max(h, -inf) keeps h
    return gam, power, alpha, F32(policy.scale), floor, policy.curvature != "none"


def binary_call(pos, z, cw, w, terms: Terms, grad, hess) -> Callable[[int, int], None]:
    """``call(start, stop)``: binary focal grad / hess of rows ``start:stop`` into the float32 ``grad``, ``hess`` (n,).

    ``terms.label_smoothing > 0`` runs the two-term smoothed loss (:func:`_binary_smoothed_row`);
    the policy's ``"abs_residual"`` curvature is the cross-entropy curvature for binary rows.
    """
    gam, power, alpha, hs, fl, curv = _common_args(terms.gamma, cw, terms.policy, 2)
    e = F32(terms.label_smoothing)
    kernel = BINARY_SMOOTHED_BLOCK if e > 0 else BINARY_BLOCKS[power]

    def call(start: int, stop: int) -> None:
        rows = slice(start, stop)
        kernel(pos[rows], z[rows], gam, alpha, e, None if w is None else w[rows], hs, fl, curv, grad[rows], hess[rows])

    return call


def softmax_call(y, z, cw, w, terms: Terms, grad, hess) -> Callable[[int, int], None]:
    """``call(start, stop)``: softmax focal grad / hess diagonal of rows ``start:stop`` into the float32 (n, K) outputs.

    The policy's curvature must not be ``"abs_residual"`` (the numpy reference runs that rule).
    """
    gam, power, alpha, hs, fl, curv = _common_args(terms.gamma, cw, terms.policy, z.shape[1])
    kernel = SOFTMAX_BLOCKS[power, not z.flags.f_contiguous]  # XGBoost's C-ordered scores, or LightGBM's F order

    def call(start: int, stop: int) -> None:
        rows = slice(start, stop)
        w_rows = None if w is None else w[rows]
        kernel(y[rows], z[rows], gam, alpha, w_rows, hs, fl, curv, grad[rows], hess[rows])

    return call


# ----------------------------------------------------------------------------- one row
@njit(**MATH_JIT)
def _grad_hess_u(u, gamma, power):  # pragma: no cover - compiled
    r"""float32 ``(dFL/du, d2FL/du2, p_t, q, q^g, q^g p_t)`` of one signed margin ``u`` (``p_t = expit(u)``).

    .. math::

        \frac{\partial FL}{\partial u} = q^\gamma (\gamma\,p_t\,l - q), \qquad
        \frac{\partial^2 FL}{\partial u^2} = q^\gamma p_t \bigl(q (1 + 2\gamma) + \gamma\,l\,(q - \gamma\,p_t)\bigr),

    ``q = 1 - p_t``, ``l = log p_t`` (as :func:`boostfocal._kernels.grad_hess_from_u`).
    ``power``: :data:`POWER_ONE` (``q^0 = 1``), :data:`POWER_SQUARE` (``q q``) or
    :data:`POWER_EXP` (``exp(g log q)``); the first two save an exponential per row.
    """
    e = exp_nonpos32(-abs(u))  # exp(-|u|) in (0, 1]
    softplus = log1p_unit32(e)  # log(1 + exp(-|u|))
    inv = ONE32 / (ONE32 + e)
    e_inv = e * inv  # expit(-|u|)
    upos = u >= ZERO32
    p_t = inv if upos else e_inv  # expit(u)
    q = e_inv if upos else inv  # expit(-u) = 1 - p_t without cancellation
    log_pt = min(u, ZERO32) - softplus  # log expit(u)
    if power == POWER_ONE:
        mod = ONE32
    elif power == POWER_SQUARE:
        mod = q * q
    else:
        mod = exp_nonpos32(gamma * (-max(u, ZERO32) - softplus))  # q^g = exp(g log expit(-u))
    g_u = mod * (gamma * p_t * log_pt - q)  # dFL/du = q^g (g p_t l - q)
    mod_pt = mod * p_t
    h_u = mod_pt * (q * (ONE32 + TWO32 * gamma) + gamma * log_pt * (q - gamma * p_t))
    return g_u, h_u, p_t, q, mod, mod_pt


@njit(**MATH_JIT)
def _floored(h, c, bound):  # pragma: no cover - compiled
    """``max(max(h, c), bound)`` as selects (``c``, ``bound``: ``-inf`` or ``nan`` for none)."""
    h = c if h < c else h
    return bound if h < bound else h


@njit(**MATH_JIT)
def _binary_row(zi, y, wi, gp, gn, ap, an, hs, fl, curv, power):  # pragma: no cover - compiled
    """``(grad, hess)`` of one row: ``alpha_t w`` times the derivatives, hess scaled, raised and floored."""
    u = zi if y else -zi  # signed margin, p_t = expit(u)
    g_u, h_u, _, q, _, mod_pt = _grad_hess_u(u, gp if y else gn, power)  # gamma_t = gamma[y]
    f = (ap if y else an) * wi  # alpha_t w
    g = (g_u if y else -g_u) * f  # dFL/dz = sign dFL/du
    h = h_u * f * hs  # d2FL/dz2 = d2FL/du2
    c = (mod_pt * q) * f * hs if curv else NEG_INF32  # focal-weighted CE curvature w a q^g p_t q
    return g, _floored(h, c, fl * wi)  # -inf * 0 = nan keeps h


@njit(**MATH_JIT)
def _binary_smoothed_row(zi, y, wi, gp, gn, ap, an, e, hs, fl, curv):  # pragma: no cover - compiled
    """One row of the label-smoothed loss ``t L_1 + (1 - t) L_0`` (as ``_kernels._binary_two_term_grad_hess``).

    ``L_1`` at ``u = z`` with ``gamma[1]``, ``L_0`` at ``u = -z`` with ``gamma[0]``; gradients
    subtract (``dz = -du`` for ``L_0``), hessians and curvatures add.
    """
    t = (ONE32 - _HALF32 * e) if y else _HALF32 * e  # t = y (1 - e) + e / 2
    c1 = t * ap
    c0 = (ONE32 - t) * an
    gu1, hu1, _, q1, _, mp1 = _grad_hess_u(zi, gp, POWER_EXP)
    gu0, hu0, _, q0, _, mp0 = _grad_hess_u(-zi, gn, POWER_EXP)
    g = (c1 * gu1 - c0 * gu0) * wi
    h = (c1 * hu1 + c0 * hu0) * wi * hs
    c = (c1 * (mp1 * q1) + c0 * (mp0 * q0)) * wi * hs if curv else NEG_INF32
    return g, _floored(h, c, fl * wi)


# ----------------------------------------------------------------------------- binary blocks
def _make_binary_block(power: int, smoothed: bool) -> Any:
    """The binary block kernel of one ``power`` (plain loss) or of the smoothed loss.

    ``power`` and ``smoothed`` are compile-time constants (numba prunes the other branch),
    as is ``w is None``: each variant is one branch-free loop that vectorises, and only the
    variants a fit calls are compiled. The loops run over ``range(len(z))`` on arrays
    sliced by the caller (``range(start, stop)`` would keep LLVM from vectorising).
    """

    @njit(**_JIT)
    def block(pos, z, gam, alpha, e, w, hs, fl, curv, grad, hess):  # pragma: no cover - compiled
        gp, gn, ap, an = gam[1], gam[0], alpha[1], alpha[0]
        for i in range(z.shape[0]):
            wi = ONE32 if w is None else F32(w[i])
            if smoothed:
                grad[i], hess[i] = _binary_smoothed_row(F32(z[i]), pos[i], wi, gp, gn, ap, an, e, hs, fl, curv)
            else:
                grad[i], hess[i] = _binary_row(F32(z[i]), pos[i], wi, gp, gn, ap, an, hs, fl, curv, power)

    return block


#: ``power`` -> the binary block kernel; the smoothed loss has one (``q^gamma`` by ``exp``).
BINARY_BLOCKS = {power: _make_binary_block(power, False) for power in (POWER_ONE, POWER_SQUARE, POWER_EXP)}
BINARY_SMOOTHED_BLOCK = _make_binary_block(POWER_EXP, True)


# ----------------------------------------------------------------------------- softmax
#: Rows per chunk of the softmax kernel: K chunk-long float32 scratch rows stay in L1 / L2.
SOFTMAX_CHUNK = 256
#: Rows of the per-row float32 scratch of a chunk (see :func:`_softmax_chunks`).
_M, _S, _OM, _GU, _HU, _BB, _QQ, _MD, _MQ, _INV, _BOUND, _FV, _GAM, _LOTOP = range(14)


@njit(**MATH_JIT)
def _load_chunk(z, i0, nb, c_order, zs, lo):  # pragma: no cover - compiled
    """Copy a chunk's margins into the (K, chunk) scratch ``zs`` (float32) and ``lo`` (float64 margins: ``z - zs``).

    In the loop order of the layout: row by row for C order (XGBoost), column by column
    (contiguous) for Fortran order (LightGBM).
    """
    k_classes = z.shape[1]
    if c_order:
        for j in range(nb):
            for k in range(k_classes):
                v = z[i0 + j, k]
                zs[k, j] = F32(v)
                lo[k, j] = F32(v - zs[k, j])
    else:
        for k in range(k_classes):
            zcol = z[i0 : i0 + nb, k]
            zsk = zs[k]
            lok = lo[k]
            for j in range(nb):
                v = zcol[j]
                hi = F32(v)
                zsk[j] = hi
                lok[j] = F32(v - hi)


@njit(**MATH_JIT)
def _store_chunk(gs, hsc, i0, nb, c_order, grad, hess):  # pragma: no cover - compiled
    """Copy the chunk's (K, chunk) results out, in the loop order of the outputs' layout."""
    k_classes = grad.shape[1]
    if c_order:
        for j in range(nb):
            for k in range(k_classes):
                grad[i0 + j, k] = gs[k, j]
                hess[i0 + j, k] = hsc[k, j]
    else:
        for k in range(k_classes):
            gcol = grad[i0 : i0 + nb, k]
            hcol = hess[i0 : i0 + nb, k]
            gk = gs[k]
            hk = hsc[k]
            for j in range(nb):
                gcol[j] = gk[j]
                hcol[j] = hk[j]


@njit(**MATH_JIT)
def _top_and_exps(z, i0, nb, yy, zs, lo, ex, top, mz, zy, sv):  # pragma: no cover - compiled
    """The class ``top`` at the maximum of the other classes, ``e_k = exp(z_k - z_top)`` and their sum.

    ``e_k <= 1`` (clamped: float32 may tie a slightly smaller top), 0 for the true class;
    ``sv[_S]`` sums them over the classes but y and top (whose e is 1). ``z_k - z_top =
    (hi_k - hi_top) + (lo_k - lo_top)``: the first difference rounds once, relative to
    itself, so no ``|z| eps`` error enters (float32 margins: ``lo = 0``). ``mz``, ``zy``:
    ``z_top``, ``z_y`` in the margins' own dtype (exact differences).
    """
    m, s, lo_top = sv[_M], sv[_S], sv[_LOTOP]
    for j in range(nb):
        m[j] = NEG_INF32
        top[j] = np.int32(0)
        s[j] = ZERO32
    for k in range(zs.shape[0]):  # m = max over the other classes
        zk = zs[k]
        kk = np.int32(k)
        for j in range(nb):
            v = NEG_INF32 if yy[j] == kk else zk[j]
            up = v > m[j]
            m[j] = v if up else m[j]
            top[j] = kk if up else top[j]
    for j in range(nb):
        mz[j] = z[i0 + j, top[j]]
        zy[j] = z[i0 + j, yy[j]]
        m[j] = zs[top[j], j]
        lo_top[j] = lo[top[j], j]
    for k in range(zs.shape[0]):
        zk, lk, ek = zs[k], lo[k], ex[k]
        kk = np.int32(k)
        for j in range(nb):
            d = min((zk[j] - m[j]) + (lk[j] - lo_top[j]), ZERO32)
            e = ZERO32 if yy[j] == kk else exp_nonpos32(d)
            ek[j] = e
            s[j] += ZERO32 if top[j] == kk else e


@njit(**MATH_JIT)
def _row_factors(y, i0, nb, w, gam, alpha, fl, yy, sv):  # pragma: no cover - compiled
    """Per row of the chunk: the int32 label, the factor ``alpha_y w``, the floor ``fl w`` and ``gamma_y``."""
    fv, bound, gr = sv[_FV], sv[_BOUND], sv[_GAM]
    for j in range(nb):
        yy[j] = np.int32(y[i0 + j])
    for j in range(nb):
        wj = ONE32 if w is None else F32(w[i0 + j])
        fv[j] = alpha[yy[j]] * wj  # alpha_y w
        bound[j] = fl * wj
        gr[j] = gam[yy[j]]  # gamma_t = gamma[y]


@njit(**MATH_JIT)
def _true_class_terms(nb, zy, mz, hs, power, sv):  # pragma: no cover - compiled
    """The true class of each row (one branch-free loop): the per-row terms the per-class pass needs.

    ``u = z_y - logsumexp_{k != y} z_k = (z_y - z_top) - log(1 + s)``; ``b = h_u + g_u p_t``
    gives ``d2FL/dz_k^2 = b r_k^2 - g_u r_k (1 - p_k)``; all scaled by the row's factor.
    """
    s, f, gam = sv[_S], sv[_FV], sv[_GAM]
    gu, hu, bb, qq, md, mq, inv_s, om_top = sv[_GU], sv[_HU], sv[_BB], sv[_QQ], sv[_MD], sv[_MQ], sv[_INV], sv[_OM]
    for j in range(nb):
        rest = s[j]
        s_all = ONE32 + rest  # sum over every class but y (e_top = 1)
        u = F32(zy[j] - mz[j]) - log_ge1_32(s_all)
        g_u, h_u, p_t, q, mod, mod_pt = _grad_hess_u(u, gam[j], power)
        gu[j] = g_u * f[j]
        hu[j] = h_u * f[j] * hs
        bb[j] = (h_u + g_u * p_t) * f[j]
        qq[j] = q
        md[j] = mod * f[j]
        mq[j] = mod_pt * q * f[j] * hs  # the true class's curvature
        inv = ONE32 / s_all
        inv_s[j] = inv
        om_top[j] = p_t + q * (rest * inv)  # 1 - p_top = p_t + q (1 - r_top), 1 - r_top = rest / s


@njit(**MATH_JIT)
def _per_class(nb, yy, top, ex, hs, curv, sv, gs, hsc):  # pragma: no cover - compiled
    """Gradient and hessian of every class of the chunk, classes as the outer loop (branch-free inner loops).

    Off the true class (``r_k = e_k / s``, ``p_k = q r_k``): ``dFL/dz_k = -g_u r_k``,
    ``d2FL/dz_k^2 = b r_k^2 - g_u r_k (1 - p_k)``, curvature ``q^g p_k (1 - p_k)``.
    """
    gu, hu, bb, qq, md, mq = sv[_GU], sv[_HU], sv[_BB], sv[_QQ], sv[_MD], sv[_MQ]
    inv_s, om_top, bound = sv[_INV], sv[_OM], sv[_BOUND]
    for k in range(ex.shape[0]):
        ek, gk, hk = ex[k], gs[k], hsc[k]
        kk = np.int32(k)
        for j in range(nb):
            r = ek[j] * inv_s[j]
            p_k = r * qq[j]
            om = om_top[j] if top[j] == kk else ONE32 - p_k  # p_k <= 1/2 for the others: no cancellation
            g = r * (-gu[j])
            h = (om * g + (r * r) * bb[j]) * hs
            cf = om * (p_k * md[j]) * hs if curv else NEG_INF32
            true = yy[j] == kk
            gk[j] = gu[j] if true else g
            h = hu[j] if true else h
            cf = (mq[j] if curv else NEG_INF32) if true else cf
            hk[j] = _floored(h, cf, bound[j])


def _make_softmax_block(power: int, c_order: bool) -> Any:
    """The softmax block kernel of one ``power`` (``POWER_EXP`` also serves per-class gamma) and layout.

    ``power`` and ``c_order`` (XGBoost's C-ordered scores, else LightGBM's Fortran order) are
    compile-time constants: each variant compiles only what it uses. The kernel works a chunk
    of rows at a time: the margins of a chunk are copied into (K, chunk) scratch
    (:func:`_load_chunk`), every pass then runs over contiguous rows of the scratch with the
    classes as the outer loop, and the results are copied out. The class at the maximum has
    ``e = 1`` and its ``1 - p`` is formed from the other terms, without cancellation.
    """

    @njit(**_JIT)
    def block(y, z, gam, alpha, w, hs, fl, curv, grad, hess):  # pragma: no cover - compiled
        n, k_classes = z.shape
        c = SOFTMAX_CHUNK
        zs = np.empty((k_classes, c), dtype=np.float32)  # the chunk's margins in float32, classes as rows
        lo = np.zeros((k_classes, c), dtype=np.float32)  # float64 margins: z - zs (z = zs + lo to 2^-48)
        ex = np.empty((k_classes, c), dtype=np.float32)  # exp(z_k - z_top), 0 for the true class
        gs = np.empty((k_classes, c), dtype=np.float32)
        hsc = np.empty((k_classes, c), dtype=np.float32)
        sv = np.empty((14, c), dtype=np.float32)  # per-row float32 terms (rows _M ... _LOTOP)
        yy = np.empty(c, dtype=np.int32)  # int32 labels and class indices: as many SIMD lanes as float32
        top = np.empty(c, dtype=np.int32)
        mz = np.empty(c, dtype=z.dtype)
        zy = np.empty(c, dtype=z.dtype)
        for i0 in range(0, n, c):
            nb = min(c, n - i0)
            _load_chunk(z, i0, nb, c_order, zs, lo)
            _row_factors(y, i0, nb, w, gam, alpha, fl, yy, sv)
            _top_and_exps(z, i0, nb, yy, zs, lo, ex, top, mz, zy, sv)
            _true_class_terms(nb, zy, mz, hs, power, sv)
            _per_class(nb, yy, top, ex, hs, curv, sv, gs, hsc)
            _store_chunk(gs, hsc, i0, nb, c_order, grad, hess)

    return block


#: ``(power, c_order)`` -> the softmax block kernel.
SOFTMAX_BLOCKS = {
    (power, c_order): _make_softmax_block(power, c_order)
    for power in (POWER_ONE, POWER_SQUARE, POWER_EXP)
    for c_order in (True, False)
}
