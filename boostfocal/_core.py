r"""Exact focal loss on raw margins: the numerical core of boostfocal (numpy only).

Everything here works on the raw margin ``z`` (the booster's output before the
link), merging the link into the loss as scikit-learn's ``_loss`` does, for speed
and numerical stability.

Notation used in every kernel comment
-------------------------------------
* binary: ``u = z`` if ``y = 1`` else ``-z`` (the *signed margin*), so that
  ``p_t = expit(u)`` and ``1 - p_t = expit(-u)``;
* softmax: ``u = z_y - logsumexp_{j != y} z_j``, which gives again
  ``p_t = softmax(z)_y = expit(u)`` and ``1 - p_t = expit(-u)``;
* ``q = 1 - p_t``, ``l = log p_t``, ``a = alpha_t``.

With these, for both links,

.. math::

    FL = -a\,q^\gamma\,l, \qquad
    \frac{\partial FL}{\partial u} = a\,q^\gamma\,(\gamma\,p_t\,l - q), \qquad
    \frac{\partial^2 FL}{\partial u^2} = a\,q^\gamma\,p_t\,\bigl(q\,(1 + 2\gamma)
        + \gamma\,l\,(q - \gamma\,p_t)\bigr).

No term carries a negative power of ``q``, so nothing blows up for ``gamma < 1``
when ``p_t -> 1``; ``q^gamma`` is computed as ``exp(gamma * log q)`` with
``log q = log_expit(-u)`` (never ``1 - expit(u)``).

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _fast
from ._validation import (
    check_binary_alpha,
    check_binary_labels,
    check_gamma,
    check_hess_floor,
    check_margin,
    check_sample_weight,
    check_softmax_alpha,
    check_softmax_labels,
)

__all__ = [
    "DEFAULT_HESS_FLOOR",
    "binary_focal_loss",
    "binary_focal_grad_hess",
    "softmax_focal_loss",
    "softmax_focal_grad_hess",
    "clip_hessian",
    "initial_margin",
]

#: Default lower bound applied to the (per unit of sample weight) hessian by
#: :func:`clip_hessian` and by the XGBoost / LightGBM objectives. The exact
#: hessian of focal loss is negative for badly misclassified samples when
#: ``gamma > 0``; a Newton booster needs a positive curvature. 1e-6 keeps the
#: leaf values of such samples bounded by ``sum(grad) / (n * 1e-6 + lambda)``
#: and is far below the hessian of any sample that is not already fitted to a
#: probability within 1e-6 of its label.
DEFAULT_HESS_FLOOR: float = 1e-6

FloatArray = NDArray[np.float64]
AlphaLike = float | Sequence[float] | NDArray[np.floating] | None


# --------------------------------------------------------------------------
# Kernels: no validation, float64 in, float64 out, a handful of temporaries.
# --------------------------------------------------------------------------
#: Rows per block of the numpy grad / hess kernels: the temporaries of one block
#: (a few float64 arrays of this length, times K for softmax) stay in the CPU
#: cache and one call allocates its two outputs plus O(block) scratch, whatever n.
_BLOCK_ROWS = 16384


def _loss_from_u(u: FloatArray, gamma: float) -> FloatArray:
    """Unweighted focal loss ``-(1 - p_t)^gamma log p_t`` from the signed margin."""
    log_pt = np.minimum(u, 0.0) - np.log1p(np.exp(-np.abs(u)))  # log expit(u)
    if gamma == 0.0:
        return -log_pt
    log_q = log_pt - u  # log expit(-u) = log expit(u) - u
    return -np.exp(gamma * log_q) * log_pt


def _grad_hess_from_u(
    u: FloatArray, gamma: float, grad: FloatArray | None = None, hess: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Unweighted ``dFL/du``, ``d2FL/du2``, ``p_t`` and ``q = 1 - p_t`` for the signed margin ``u``.

    ``grad`` / ``hess``, when given, receive the derivatives (in place). The
    operations are those of the numba kernel, in the same order.
    """
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
    if gamma == 0.0:
        np.negative(q, out=grad)  # dCE/du = -(1 - p_t)
        np.multiply(p_t, q, out=hess)  # d2CE/du2 = p_t (1 - p_t)
        return grad, hess, p_t, q
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
    mod *= p_t  # q^g p_t
    hess *= mod
    return grad, hess, p_t, q


def _binary_alpha_t(pos: NDArray[np.bool_], alpha: float | None) -> FloatArray | None:
    if alpha is None:
        return None
    return np.where(pos, alpha, 1.0 - alpha)


def _apply_sample_factor(arrays: tuple[FloatArray, ...], factor: FloatArray | float | None) -> None:
    if factor is None:
        return
    for arr in arrays:
        arr *= factor


def _combine(a: FloatArray | float | None, w: FloatArray | None) -> FloatArray | float | None:
    if a is None:
        return w
    if w is None:
        return a
    return a * w


def _scale_and_clip(
    hess: FloatArray, w: FloatArray | None, hess_scale: float, hess_floor: float | None
) -> None:
    """In place: ``hess *= hess_scale``, then ``hess = max(hess, hess_floor * w)`` (``w`` rows, broadcast)."""
    if hess_scale != 1.0:
        hess *= hess_scale
    if hess_floor is None:
        return
    if w is None:
        np.maximum(hess, hess_floor, out=hess)
    else:
        bound = np.multiply(hess_floor, w)
        np.maximum(hess, bound if hess.ndim == 1 else bound[:, None], out=hess)


def _binary_loss_kernel(
    pos: NDArray[np.bool_], z: NDArray[np.floating], gamma: float, alpha: float | None, w: FloatArray | None
) -> FloatArray:
    u = np.where(pos, z, -z).astype(np.float64, copy=False)  # signed margin, p_t = expit(u)
    loss = _loss_from_u(u, gamma)
    _apply_sample_factor((loss,), _combine(_binary_alpha_t(pos, alpha), w))
    return loss


def _binary_grad_hess_kernel(
    pos: NDArray[np.bool_],
    z: NDArray[np.floating],
    gamma: float,
    alpha: float | None,
    w: FloatArray | None,
    *,
    hess_scale: float = 1.0,
    hess_floor: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """numpy binary kernel: ``grad``, ``max(hess_scale * hess, hess_floor * w)`` of ``alpha_t w FL``.

    Works block by block (:data:`_BLOCK_ROWS` rows): one call allocates the two
    outputs plus a few block-sized temporaries.
    """
    n = pos.shape[0]
    grad = np.empty(n)
    hess = np.empty(n)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        p, g, h = pos[rows], grad[rows], hess[rows]
        u = np.negative(z[rows], dtype=np.float64)  # signed margin u = z if y = 1 else -z
        np.copyto(u, z[rows], where=p)
        _grad_hess_from_u(u, gamma, g, h)
        np.negative(g, out=g, where=~p)  # dFL/dz = sign * dFL/du; d2FL/dz2 = d2FL/du2
        wb = None if w is None else w[rows]
        _apply_sample_factor((g, h), _combine(_binary_alpha_t(p, alpha), wb))
        _scale_and_clip(h, wb, hess_scale, hess_floor)
    return grad, hess


def _softmax_signed_margin(y: NDArray[np.intp], z: NDArray[np.floating]) -> tuple[FloatArray, FloatArray]:
    """Return ``u = z_y - logsumexp_{j != y} z_j`` and ``r_k = p_k / (1 - p_t)`` (``r_y = 0``).

    ``r`` is the softmax of the margins of the *other* classes, computed with its
    own max shift, so it is exact even when ``1 - p_t`` underflows.
    """
    rows = np.arange(z.shape[0])
    r = np.array(z, dtype=np.float64, order="C", copy=True)
    z_y = r[rows, y].copy()
    r[rows, y] = -np.inf  # mask the true class
    m = r.max(axis=1)  # max over the other classes
    r -= m[:, None]
    np.exp(r, out=r)  # exp(z_k - m), 0 for k = y
    s = r.sum(axis=1)  # >= 1
    r /= s[:, None]  # r_k = p_k / (1 - p_t)
    u = z_y - (m + np.log(s))  # z_y - logsumexp_{j != y} z_j
    return u, r


def _softmax_alpha_t(y: NDArray[np.intp], alpha: float | FloatArray | None) -> FloatArray | float | None:
    if alpha is None or np.isscalar(alpha):
        return alpha  # type: ignore[return-value]
    return np.asarray(alpha)[y]


def _softmax_loss_kernel(
    y: NDArray[np.intp], z: NDArray[np.floating], gamma: float, alpha: float | FloatArray | None, w: FloatArray | None
) -> FloatArray:
    u, _ = _softmax_signed_margin(y, z)
    loss = _loss_from_u(u, gamma)
    _apply_sample_factor((loss,), _combine(_softmax_alpha_t(y, alpha), w))
    return loss


def _softmax_grad_hess_kernel(
    y: NDArray[np.intp],
    z: NDArray[np.floating],
    gamma: float,
    alpha: float | FloatArray | None,
    w: FloatArray | None,
    *,
    hess_scale: float = 1.0,
    hess_floor: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """numpy softmax kernel: gradient and ``max(hess_scale * diag hess, hess_floor * w)``.

    Block by block as :func:`_binary_grad_hess_kernel`; the outputs have the
    memory layout of ``z`` (LightGBM hands over Fortran-ordered scores).
    """
    grad = np.empty_like(z, dtype=np.float64)
    hess = np.empty_like(z, dtype=np.float64)
    block = max(256, _BLOCK_ROWS // z.shape[1])  # about _BLOCK_ROWS margins per block
    for start in range(0, z.shape[0], block):
        rows = slice(start, start + block)
        wb = None if w is None else w[rows]
        g, h = _softmax_block(y[rows], z[rows], gamma, alpha, wb)
        _scale_and_clip(h, wb, hess_scale, hess_floor)
        grad[rows] = g
        hess[rows] = h
    return grad, hess


def _softmax_block(
    y: NDArray[np.intp], z: NDArray[np.floating], gamma: float, alpha: float | FloatArray | None, w: FloatArray | None
) -> tuple[FloatArray, FloatArray]:
    u, r = _softmax_signed_margin(y, z)
    rows = np.arange(z.shape[0])
    # g_u = dFL/du, h_u = d2FL/du2 (binary formulas in u); they give the true-class entries.
    g_u, h_u, p_t, q = _grad_hess_from_u(u, gamma)
    # Other classes k != y (r_k = p_k / q, p_k = q r_k):
    #   dFL/dz_k     = -g_u r_k
    #   d2FL/dz_k^2  = b r_k^2 - g_u r_k (1 - p_k),  b = h_u + g_u p_t
    #                = a q^g p_t g (2q + l (q + (1 - g) p_t))   (0 at gamma = 0)
    grad = r * (-g_u)[:, None]
    hess = r * q[:, None]  # p_k
    np.subtract(1.0, hess, out=hess)  # 1 - p_k
    hess *= grad  # -g_u r_k (1 - p_k)
    if gamma != 0.0:
        r *= r
        r *= (h_u + g_u * p_t)[:, None]
        hess += r
    grad[rows, y] = g_u
    hess[rows, y] = h_u
    _apply_sample_factor((grad, hess), _as_column(_combine(_softmax_alpha_t(y, alpha), w)))
    return grad, hess


def _as_column(factor: FloatArray | float | None) -> FloatArray | float | None:
    if isinstance(factor, np.ndarray):
        return factor[:, None]
    return factor


# --------------------------------------------------------------------------
# Backend dispatch: numba (fused, parallel) when active, else the numpy kernels.
# --------------------------------------------------------------------------
_NO_WEIGHT = np.empty(0)


def _numba_threads(n_threads: int | None) -> int:
    """Threads for the numba kernels: numba's setting, or ``n_threads`` (joblib style) within its limit."""
    if n_threads is None:
        return _fast.default_threads()
    return _fast.resolve_threads(n_threads, _fast.max_threads())


def _binary_grad_hess(
    pos: NDArray[np.bool_],
    z: NDArray[np.floating],
    gamma: float,
    alpha: float | None,
    w: FloatArray | None,
    *,
    hess_scale: float = 1.0,
    hess_floor: float | None = None,
    n_threads: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Binary grad / (scaled, clipped) hess with the active backend (see :mod:`boostfocal._fast`)."""
    kernels = _fast.numba_kernels()
    if kernels is None:
        return _binary_grad_hess_kernel(pos, z, gamma, alpha, w, hess_scale=hess_scale, hess_floor=hess_floor)
    grad = np.empty(z.shape[0])
    hess = np.empty(z.shape[0])
    kernels.binary_grad_hess(
        pos, z, float(gamma), -1.0 if alpha is None else float(alpha), _NO_WEIGHT if w is None else w,
        float(hess_scale), -1.0 if hess_floor is None else float(hess_floor), grad, hess, _numba_threads(n_threads),
    )  # fmt: skip
    return grad, hess


def _softmax_grad_hess(
    y: NDArray[np.intp],
    z: NDArray[np.floating],
    gamma: float,
    alpha: float | FloatArray | None,
    w: FloatArray | None,
    *,
    hess_scale: float = 1.0,
    hess_floor: float | None = None,
    n_threads: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Softmax grad / (scaled, clipped) hess diagonal with the active backend."""
    kernels = _fast.numba_kernels()
    if kernels is None:
        return _softmax_grad_hess_kernel(y, z, gamma, alpha, w, hess_scale=hess_scale, hess_floor=hess_floor)
    if alpha is None:
        alpha_arr = _NO_WEIGHT
    else:
        alpha_arr = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (z.shape[1],)).copy()
    grad = np.empty_like(z, dtype=np.float64)  # layout of z (C for XGBoost, F for LightGBM)
    hess = np.empty_like(z, dtype=np.float64)
    kernels.softmax_grad_hess(
        y, z, float(gamma), alpha_arr, _NO_WEIGHT if w is None else w,
        float(hess_scale), -1.0 if hess_floor is None else float(hess_floor), grad, hess, _numba_threads(n_threads),
    )  # fmt: skip
    return grad, hess


# --------------------------------------------------------------------------
# Public API: validate once, then call a kernel.
# --------------------------------------------------------------------------
def _prepare_binary(y_true, margin, gamma, alpha, sample_weight):
    g = check_gamma(gamma)
    a = check_binary_alpha(alpha)
    pos = check_binary_labels(y_true)
    z = check_margin(margin, pos.shape[0], softmax=False)
    w = check_sample_weight(sample_weight, pos.shape[0])
    return pos, z, g, a, w


def _prepare_softmax(y_true, margin, gamma, alpha, sample_weight):
    g = check_gamma(gamma)
    z_raw = np.asarray(margin)
    if z_raw.ndim != 2:
        raise ValueError(f"margin must have shape (n_samples, n_classes) for softmax focal loss, got {z_raw.shape}")
    n_classes = z_raw.shape[1]
    if n_classes < 2:
        raise ValueError(f"margin must have at least 2 columns (classes) for softmax focal loss, got {z_raw.shape}")
    a = check_softmax_alpha(alpha, n_classes)
    y = check_softmax_labels(y_true, n_classes)
    z = check_margin(z_raw, y.shape[0], softmax=True)
    w = check_sample_weight(sample_weight, y.shape[0])
    return y, z, g, a, w


def binary_focal_loss(
    y_true: ArrayLike,
    margin: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    r"""Per-sample binary focal loss on raw margins.

    .. math::

        p = \sigma(z), \quad p_t = \begin{cases} p & y = 1 \\ 1 - p & y = 0 \end{cases},
        \quad \alpha_t = \begin{cases} \alpha & y = 1 \\ 1 - \alpha & y = 0 \end{cases}

        FL(z, y) = -w\,\alpha_t\,(1 - p_t)^\gamma \log p_t

    computed as ``-w a exp(gamma log_expit(-u)) log_expit(u)`` with the signed
    margin ``u = z if y = 1 else -z``. With ``gamma = 0`` and ``alpha = None``
    this is the log loss.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels in {0, 1} (bool, int or float).
    margin : array-like of shape (n_samples,)
        Raw margin ``z`` (log-odds), any finite real; float32 or float64.
    gamma : float, default=2.0
        Focusing parameter, any finite real >= 0 (not only integers).
    alpha : float in [0, 1] or None, default=None
        Weight of the positive class; negatives get ``1 - alpha``. None weights
        both classes by 1.
    sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0 multiplying each sample's loss.

    Returns
    -------
    loss : ndarray of shape (n_samples,), float64
        Finite for every finite margin.

    References
    ----------
    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017.
    """
    pos, z, g, a, w = _prepare_binary(y_true, margin, gamma, alpha, sample_weight)
    return _binary_loss_kernel(pos, z, g, a, w)


def binary_focal_grad_hess(
    y_true: ArrayLike,
    margin: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    sample_weight: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    r"""Exact gradient and hessian of binary focal loss with respect to the margin.

    With ``u = z if y = 1 else -z``, ``p_t = \sigma(u)``, ``q = 1 - p_t``,
    ``l = \log p_t``:

    .. math::

        \frac{\partial FL}{\partial z} = s\,w\,\alpha_t\,q^\gamma\,(\gamma\,p_t\,l - q),
        \qquad s = 2y - 1

        \frac{\partial^2 FL}{\partial z^2} = w\,\alpha_t\,q^\gamma\,p_t\,
            \bigl(q\,(1 + 2\gamma) + \gamma\,l\,(q - \gamma\,p_t)\bigr)

    At ``gamma = 0``, ``alpha = None`` these are ``p - y`` and ``p (1 - p)``.

    The hessian is the *exact* second derivative: for ``gamma > 0`` it is
    negative for badly misclassified samples (``y = 1``, ``gamma = 2``: margin
    below about -2.79). Use :func:`clip_hessian` to make it positive for a
    Newton booster; the XGBoost and LightGBM objectives do so.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels in {0, 1}.
    margin : array-like of shape (n_samples,)
        Raw margin, finite; float32 or float64.
    gamma : float, default=2.0
        Focusing parameter >= 0.
    alpha : float in [0, 1] or None, default=None
        Positive-class weight (negatives: ``1 - alpha``).
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0 multiplying gradient and hessian.

    Returns
    -------
    grad, hess : ndarray of shape (n_samples,), float64
    """
    pos, z, g, a, w = _prepare_binary(y_true, margin, gamma, alpha, sample_weight)
    return _binary_grad_hess(pos, z, g, a, w)


def softmax_focal_loss(
    y_true: ArrayLike,
    margin: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: AlphaLike = None,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    r"""Per-sample softmax (multiclass) focal loss on raw margins.

    .. math::

        p = \mathrm{softmax}(z), \quad p_t = p_{y}, \quad
        FL(z, y) = -w\,\alpha_{y}\,(1 - p_t)^\gamma \log p_t

    computed through ``u = z_y - logsumexp_{j != y} z_j`` (``p_t = \sigma(u)``),
    so ``log p_t`` and ``1 - p_t`` are both exact for any finite margins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Integer class labels in ``[0, n_classes)`` (floats with integer values accepted).
    margin : array-like of shape (n_samples, n_classes)
        Raw margins, ``n_classes >= 2``, finite.
    gamma : float, default=2.0
        Focusing parameter >= 0.
    alpha : None, float >= 0 or sequence of length n_classes, default=None
        Class weights: None (all 1), one weight for every class, or one per class.
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0.

    Returns
    -------
    loss : ndarray of shape (n_samples,), float64
    """
    y, z, g, a, w = _prepare_softmax(y_true, margin, gamma, alpha, sample_weight)
    return _softmax_loss_kernel(y, z, g, a, w)


def softmax_focal_grad_hess(
    y_true: ArrayLike,
    margin: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: AlphaLike = None,
    sample_weight: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    r"""Exact gradient and exact hessian diagonal of softmax focal loss.

    With ``u = z_y - logsumexp_{j != y} z_j``, ``p_t = \sigma(u)``, ``q = 1 - p_t``,
    ``l = \log p_t``, ``r_k = p_k / q`` for ``k != y`` and the binary derivatives
    ``g_u = a q^\gamma (\gamma p_t l - q)``,
    ``h_u = a q^\gamma p_t (q (1 + 2\gamma) + \gamma l (q - \gamma p_t))``:

    .. math::

        \frac{\partial FL}{\partial z_y} = g_u, \qquad
        \frac{\partial FL}{\partial z_k} = -g_u\,r_k \quad (k \ne y)

        \frac{\partial^2 FL}{\partial z_y^2} = h_u, \qquad
        \frac{\partial^2 FL}{\partial z_k^2} = b\,r_k^2 - g_u\,r_k\,(1 - p_k),
        \quad b = a\,q^\gamma\,p_t\,\gamma\,\bigl(2q + l\,(q + (1 - \gamma)\,p_t)\bigr)

    all multiplied by ``w``. At ``gamma = 0``, ``alpha = None`` these are
    ``p - onehot(y)`` and ``p (1 - p)``. The hessian returned is the exact
    diagonal (no factor): XGBoost's native softmax multiplies it by 2 and
    LightGBM's by ``K / (K - 1)``; the adapters apply the factor of their library.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Integer labels in ``[0, n_classes)``.
    margin : array-like of shape (n_samples, n_classes)
        Raw margins, finite.
    gamma : float, default=2.0
        Focusing parameter >= 0.
    alpha : None, float >= 0 or sequence of length n_classes, default=None
        Class weights.
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0.

    Returns
    -------
    grad, hess : ndarray of shape (n_samples, n_classes), float64
    """
    y, z, g, a, w = _prepare_softmax(y_true, margin, gamma, alpha, sample_weight)
    return _softmax_grad_hess(y, z, g, a, w)


def clip_hessian(
    hess: ArrayLike,
    floor: float = DEFAULT_HESS_FLOOR,
    *,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    r"""Return a positive copy of a hessian: ``max(hess, floor * w)``.

    .. math::

        \tilde h_i = \max(h_i, \; \mathrm{floor} \cdot w_i)

    The exact focal hessian is negative for badly misclassified samples; Newton
    boosters (XGBoost, LightGBM) need positive curvature (XGBoost treats a
    negative hessian like zero). When ``hess`` already carries sample weights,
    pass the same ``sample_weight`` so that the floor scales with them: a row
    of weight ``w`` then behaves like ``w`` copies of an unweighted row, and a
    row of weight 0 keeps hessian 0.

    Parameters
    ----------
    hess : array-like
        Hessian values (any shape). Not modified.
    floor : float, default=DEFAULT_HESS_FLOOR (1e-6)
        Lower bound per unit of sample weight, finite and >= 0.
    sample_weight : array-like of shape (n_samples,), optional
        Weights the hessian was multiplied by; broadcast along trailing axes.

    Returns
    -------
    ndarray, float64
        A new array; the input is never written to.
    """
    f = check_hess_floor(floor, "floor")
    h = np.asarray(hess)
    if not np.issubdtype(h.dtype, np.number) or np.iscomplexobj(h):
        raise TypeError(f"hess must be a real numeric array, got dtype {h.dtype}")
    if np.any(np.isnan(h)):
        raise ValueError("hess must not contain NaN")
    if sample_weight is None:
        return np.maximum(h, f, dtype=np.float64)
    if h.ndim == 0:
        raise ValueError("hess must be an array with one row per sample when sample_weight is given")
    w = check_sample_weight(sample_weight, h.shape[0])
    assert w is not None
    bound = (f * w).reshape((-1,) + (1,) * (h.ndim - 1))
    return np.maximum(h, bound, dtype=np.float64)


# --------------------------------------------------------------------------
# Optimal constant margin
# --------------------------------------------------------------------------
def _phi_prime(logit: FloatArray, gamma: float) -> FloatArray:
    r"""d/dp of ``-(1 - p)^g log p`` at ``p = expit(logit)``: ``(1-p)^(g-1) (g log p - (1-p)/p)``."""
    softplus = np.log1p(np.exp(-np.abs(logit)))
    log_p = np.minimum(logit, 0.0) - softplus  # log expit(t)
    log_q = -np.maximum(logit, 0.0) - softplus  # log expit(-t)
    q_over_p = np.exp(-logit)  # (1 - p) / p
    return np.exp((gamma - 1.0) * log_q) * (gamma * log_p - q_over_p)


def _invert_phi_prime(target: FloatArray, gamma: float) -> FloatArray:
    """Solve ``phi'(expit(t)) = target`` (target < 0) for the logit t by bisection.

    ``phi'`` increases from -inf (p -> 0) to 0 (p -> 1) because focal loss is
    convex in p, so the solution is unique.
    """
    lo = np.full(target.shape, -60.0)
    hi = np.full(target.shape, 60.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        too_low = _phi_prime(mid, gamma) < target
        lo = np.where(too_low, mid, lo)
        hi = np.where(too_low, hi, mid)
    return 0.5 * (lo + hi)


def _binary_mean_grad(z: float, class_weights: tuple[float, float], gamma: float) -> float:
    w0, w1 = class_weights
    u = np.array([z, -z])  # signed margins of a positive and of a negative
    g_u, _, _, _ = _grad_hess_from_u(u, gamma)
    return w1 * g_u[0] - w0 * g_u[1]


def _binary_mean_loss(z: float, class_weights: tuple[float, float], gamma: float) -> float:
    w0, w1 = class_weights
    loss = _loss_from_u(np.array([z, -z]), gamma)
    return w1 * loss[0] + w0 * loss[1]


def _binary_initial_margin(class_weights: tuple[float, float], gamma: float) -> float:
    """Global minimiser of ``w1 FL(z, 1) + w0 FL(z, 0)`` over the constant z."""
    grid = np.linspace(-40.0, 40.0, 4001)
    u = np.concatenate([grid, -grid])
    g_u, _, _, _ = _grad_hess_from_u(u, gamma)
    w0, w1 = class_weights
    total = w1 * g_u[: grid.size] - w0 * g_u[grid.size :]
    roots = []
    for i in np.flatnonzero((total[:-1] < 0) & (total[1:] >= 0)):
        lo, hi = grid[i], grid[i + 1]
        for _ in range(200):  # bisection to machine precision
            mid = 0.5 * (lo + hi)
            if _binary_mean_grad(mid, class_weights, gamma) < 0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 4 * np.finfo(float).eps * max(1.0, abs(mid)):
                break
        roots.append(0.5 * (lo + hi))
    if not roots:  # cannot happen for w0, w1 > 0 (total goes from < 0 to > 0), kept as a guard
        raise ArithmeticError("initial_margin found no stationary point in [-40, 40]")
    losses = [_binary_mean_loss(r, class_weights, gamma) for r in roots]
    return float(roots[int(np.argmin(losses))])


def _softmax_initial_margin(class_weights: FloatArray, gamma: float) -> FloatArray:
    r"""Minimise ``sum_c W_c phi(pi_c)`` over the simplex; return ``log pi`` (mean-centred).

    Stationarity: ``W_c phi'(pi_c) = mu`` for all c, with mu < 0 chosen so that
    ``sum_c pi_c(mu) = 1`` (sum decreasing in -mu, found by bisection on log(-mu)).
    """
    log_lo, log_hi = -60.0, 60.0  # bracket of log(-mu)
    for _ in range(200):
        log_mid = 0.5 * (log_lo + log_hi)
        logit = _invert_phi_prime(-np.exp(log_mid) / class_weights, gamma)
        total = np.sum(1.0 / (1.0 + np.exp(-logit)))
        if total > 1.0:  # probabilities too large: mu must be more negative
            log_lo = log_mid
        else:
            log_hi = log_mid
    logit = _invert_phi_prime(-np.exp(0.5 * (log_lo + log_hi)) / class_weights, gamma)
    log_pi = np.minimum(logit, 0.0) - np.log1p(np.exp(-np.abs(logit)))  # log expit(logit)
    log_pi -= np.log(np.sum(np.exp(log_pi)))  # renormalise the last rounding away
    return log_pi - log_pi.mean()


def initial_margin(
    y_true: ArrayLike,
    *,
    gamma: float = 2.0,
    alpha: AlphaLike = None,
    sample_weight: ArrayLike | None = None,
    num_class: int | None = None,
) -> float | FloatArray:
    r"""Constant margin minimising the weighted mean focal loss (the booster's starting point).

    Binary (``num_class`` None or 2 with 1-D output wanted: pass None):

    .. math::

        z^* = \arg\min_z \; W_1\,FL(z, 1) + W_0\,FL(z, 0)

    with ``W_c`` the total weight (sample weight times alpha_t) of class c. At
    ``gamma = 0`` this is the weighted log-odds ``log(W_1 / W_0)``.

    Softmax (``num_class = K >= 2``): the vector ``z*`` (defined up to a constant;
    returned with mean 0) with ``sum_i w_i \nabla FL(z^*, y_i) = 0``, found from
    the stationarity condition on class probabilities
    ``W_c \phi'(\pi_c) = \mu`` where ``\phi(p) = -(1-p)^\gamma \log p``
    (convex in p). At ``gamma = 0``, ``z^*_c = \log \pi_c`` with ``\pi`` the
    weighted class priors (mean-centred).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels in {0, 1} (``num_class=None``) or integer labels in
        ``[0, num_class)``.
    gamma : float, default=2.0
        Focusing parameter >= 0.
    alpha : see :func:`binary_focal_loss` / :func:`softmax_focal_loss`
    sample_weight : array-like of shape (n_samples,), optional
    num_class : int or None, default=None
        None for binary; the number of classes K >= 2 for softmax.

    Returns
    -------
    float (binary) or ndarray of shape (num_class,) (softmax)

    Raises
    ------
    ValueError
        If a class has zero total weight: the minimiser is then infinite.
    """
    g = check_gamma(gamma)
    if num_class is None:
        a = check_binary_alpha(alpha)
        pos = check_binary_labels(y_true)
        w = check_sample_weight(sample_weight, pos.shape[0])
        w_arr = np.ones(pos.shape[0]) if w is None else w
        w1 = float(np.sum(w_arr[pos])) * (1.0 if a is None else a)
        w0 = float(np.sum(w_arr[~pos])) * (1.0 if a is None else 1.0 - a)
        if w1 <= 0 or w0 <= 0:
            raise ValueError(
                "initial_margin needs both classes with positive total weight (sample_weight x alpha_t), "
                f"got weight {w0!r} for class 0 and {w1!r} for class 1: the minimising margin is infinite"
            )
        # the minimiser depends on the class weights only through their ratio
        total = w0 + w1
        return _binary_initial_margin((w0 / total, w1 / total), g)
    if isinstance(num_class, bool) or not isinstance(num_class, (int, np.integer)) or num_class < 2:
        raise ValueError(f"num_class must be None (binary) or an integer >= 2, got {num_class!r}")
    k = int(num_class)
    a = check_softmax_alpha(alpha, k)
    y = check_softmax_labels(y_true, k)
    w = check_sample_weight(sample_weight, y.shape[0])
    class_weight = np.bincount(y, weights=w, minlength=k).astype(np.float64)
    if a is not None:
        class_weight *= a
    if np.any(class_weight <= 0):
        c = int(np.flatnonzero(class_weight <= 0)[0])
        raise ValueError(
            f"initial_margin needs every class with positive total weight (sample_weight x alpha), "
            f"class {c} has total weight {float(class_weight[c])!r}: the minimising margin is infinite"
        )
    return _softmax_initial_margin(class_weight / class_weight.sum(), g)
