r"""Backend dispatch of the gradient / hessian kernels, and the multi-label kernels built on it.

The numba float32 kernels (:mod:`boostfocal._numba`) compute float32 outputs when the backend
says so (:mod:`boostfocal._fast`); everything else (float64 outputs, the negative shift,
Poly-1, smoothed softmax, the ``abs_residual`` rule) runs the numpy reference kernels of
:mod:`boostfocal._kernels`. The multi-label kernels call the binary ones elementwise.
"""

from __future__ import annotations

from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from . import _fast
from ._kernels import (
    FloatArray,
    Gamma,
    _binary_grad_hess_numpy,
    _binary_two_term_grad_hess,
    _softmax_grad_hess_numpy,
    _softmax_smoothed_grad_hess,
    binary_loss,
)
from ._policy import EXACT, HessPolicy


# --------------------------------------------------------------------------
# Backend dispatch: the numba float32 kernels for float32 outputs when the backend says so
# (boostfocal._fast), else the numpy reference kernels above.
# --------------------------------------------------------------------------
def _numpy_curvature(policy: HessPolicy) -> bool | str:
    """The policy's curvature as the numpy kernels take it: False, True or ``"abs_residual"``."""
    return {"none": False, "cross_entropy": True}.get(policy.curvature, policy.curvature)


def _numba_for(out_dtype: type, n_values: int) -> ModuleType | None:
    """The numba kernel module when it computes this call (float32 outputs only), else None.

    A float64 call asks about 0 margins: no import under ``auto``, the missing-numba error
    under ``numba`` all the same.
    """
    float32 = np.dtype(out_dtype) == np.float32
    kernels = _fast.numba_kernels(n_values if float32 else 0)
    return kernels if float32 else None


def binary_grad_hess(
    pos: NDArray[np.bool_],
    z: NDArray[np.floating],
    gamma: Gamma,
    cw: FloatArray | None,
    w: FloatArray | None,
    *,
    policy: HessPolicy = EXACT,
    n_threads: int | None = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    poly_epsilon: float = 0.0,
    out_dtype: type = np.float64,
) -> tuple[FloatArray, FloatArray]:
    """Binary grad / hess under the hessian ``policy``, with the backend of :mod:`boostfocal._fast`.

    float32 ``out_dtype`` (the adapters): the numba float32 kernels when active (within
    ``max(1e-5 |ref|, 1e-7)`` of the float64 result); otherwise, and for ``negative_shift > 0``,
    the numpy kernels compute in float64 and round once on store.
    """
    kernels = None if negative_shift or poly_epsilon else _numba_for(out_dtype, z.shape[0])  # Poly-1, shift: numpy
    if kernels is not None:
        grad: FloatArray = np.empty(z.shape[0], dtype=np.float32)
        hess: FloatArray = np.empty(z.shape[0], dtype=np.float32)
        call = kernels.binary_call(pos, z, gamma, cw, w, policy, label_smoothing, grad, hess)
        n = z.shape[0]
        _fast.run_blocks(call, n, n, _fast.numba_threads(n_threads), _fast.BINARY_MIN_PER_THREAD)
        return grad, hess
    hessian = (policy.scale, policy.floor, bool(_numpy_curvature(policy)))  # binary: any curvature is CE's
    if label_smoothing or negative_shift:
        return _binary_two_term_grad_hess(
            pos, z, gamma, cw, w, label_smoothing, negative_shift, *hessian, out_dtype, poly_epsilon
        )
    return _binary_grad_hess_numpy(pos, z, gamma, cw, w, *hessian, out_dtype, poly_epsilon)


def softmax_grad_hess(
    y: NDArray[np.intp],
    z: NDArray[np.floating],
    gamma: Gamma,
    cw: FloatArray | None,
    w: FloatArray | None,
    *,
    policy: HessPolicy = EXACT,
    n_threads: int | None = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    poly_epsilon: float = 0.0,
    out_dtype: type = np.float64,
) -> tuple[FloatArray, FloatArray]:
    """Softmax grad / hess diagonal under ``policy`` (numba: float32 outputs, no smoothing, no ``abs_residual``).

    ``out_dtype`` as in :func:`binary_grad_hess`; the outputs have the memory layout of ``z``.
    """
    assert not negative_shift, "negative_shift is a sigmoid-link option"
    curvature = _numpy_curvature(policy)
    if label_smoothing:
        return _softmax_smoothed_grad_hess(
            y, z, gamma, cw, w, label_smoothing, policy.scale, policy.floor, curvature, out_dtype, poly_epsilon
        )
    kernels = None if curvature == "abs_residual" or poly_epsilon else _numba_for(out_dtype, z.size)
    if kernels is None:
        return _softmax_grad_hess_numpy(
            y, z, gamma, cw, w, policy.scale, policy.floor, curvature, out_dtype, poly_epsilon
        )
    grad: FloatArray = np.empty_like(z, dtype=np.float32)  # layout of z (C for XGBoost, F for LightGBM)
    hess: FloatArray = np.empty_like(z, dtype=np.float32)
    call = kernels.softmax_call(y, z, gamma, cw, w, policy, grad, hess)
    _fast.run_blocks(call, z.size, z.shape[0], _fast.numba_threads(n_threads), _fast.SOFTMAX_MIN_PER_THREAD)
    return grad, hess


# --------------------------------------------------------------------------
# Multi-label (one sigmoid per column): the binary kernels, elementwise
# --------------------------------------------------------------------------
def _label_weights(cw: FloatArray | None) -> tuple[FloatArray | None, FloatArray | None]:
    """``(shared [a_0, a_1], None)`` when every label has the same weights, else ``(None, (K, 2) per label)``."""
    if cw is None:
        return None, None
    if np.all(cw == cw[0]):
        return np.ascontiguousarray(cw[0]), None
    return None, cw


def _flat_order(z: NDArray) -> Literal["C", "F"]:
    """``"F"`` for a Fortran-ordered (LightGBM) margin array, else ``"C"``: the order that flattens without a copy."""
    return "F" if z.flags.f_contiguous and not z.flags.c_contiguous else "C"


def _repeat_rows(w: FloatArray | None, k: int, order: Literal["C", "F"]) -> FloatArray | None:
    """Row weights per element of an (n, k) array flattened in ``order``."""
    if w is None:
        return None
    return np.repeat(w, k) if order == "C" else np.tile(w, k)


def multilabel_loss(
    pos: NDArray[np.bool_],
    z: NDArray[np.floating],
    gamma: Gamma,
    cw: FloatArray | None,
    w: FloatArray | None,
    **options: float,
) -> FloatArray:
    """Per-row multi-label loss: the sum over labels of :func:`binary_loss` of each element.

    ``pos`` and ``z`` have shape (n, K); ``cw`` is the (K, 2) ``[a_0, a_1]`` per label
    (or None); ``options`` are :func:`binary_loss`'s (label smoothing, ...), passed on
    unchanged. Shared weights: one call on the flattened arrays; per-label weights: one
    call per label.
    """
    n, k = z.shape
    shared, per_label = _label_weights(cw)
    if per_label is None:
        order = _flat_order(z)
        elem = binary_loss(
            pos.ravel(order=order), z.ravel(order=order), gamma, shared, _repeat_rows(w, k, order), **options
        )
        return np.asarray(elem.reshape((n, k), order=order).sum(axis=1), dtype=np.float64)
    out = np.zeros(n)
    for j in range(k):
        out += binary_loss(pos[:, j], z[:, j], gamma, per_label[j], w, **options)
    return out


def multilabel_grad_hess(
    pos: NDArray[np.bool_],
    z: NDArray[np.floating],
    gamma: Gamma,
    cw: FloatArray | None,
    w: FloatArray | None,
    **options: object,
) -> tuple[FloatArray, FloatArray]:
    """Multi-label grad / hess (n, K), each element that of :func:`binary_grad_hess`; the layout of ``z``.

    ``options`` (hessian policy, threads, label smoothing, ...) are passed to the
    binary kernel unchanged, so every binary option holds per label.
    """
    n, k = z.shape
    shared, per_label = _label_weights(cw)
    order = _flat_order(z)
    if per_label is None:
        g, h = binary_grad_hess(
            np.ascontiguousarray(pos.ravel(order=order)),
            np.ascontiguousarray(z.ravel(order=order)),
            gamma,
            shared,
            _repeat_rows(w, k, order),
            **options,  # type: ignore[arg-type]
        )
        return g.reshape((n, k), order=order), h.reshape((n, k), order=order)
    out_dtype = options.get("out_dtype", np.float64)  # the binary kernel rounds on store; so do these columns
    grad = np.empty((n, k), dtype=out_dtype, order=order)  # type: ignore[call-overload]
    hess = np.empty((n, k), dtype=out_dtype, order=order)  # type: ignore[call-overload]
    for j in range(k):
        grad[:, j], hess[:, j] = binary_grad_hess(
            np.ascontiguousarray(pos[:, j]),
            np.ascontiguousarray(z[:, j]),
            gamma,
            np.ascontiguousarray(per_label[j]),
            w,
            **options,  # type: ignore[arg-type]
        )
    return grad, hess
