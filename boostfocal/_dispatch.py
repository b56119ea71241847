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
    Terms,
    _binary_grad_hess_numpy,
    _binary_two_term_grad_hess,
    _softmax_grad_hess_numpy,
    _softmax_smoothed_grad_hess,
    binary_loss,
)


# --------------------------------------------------------------------------
# Backend dispatch: the numba float32 kernels for float32 outputs when the backend says so
# (boostfocal._fast), else the numpy reference kernels above.
# --------------------------------------------------------------------------
def _numba_for(terms: Terms, n_values: int) -> ModuleType | None:
    """The numba kernel module when it computes this call (float32 outputs only), else None.

    A float64 call asks about 0 margins: no import under ``auto``, the missing-numba error
    under ``numba`` all the same.
    """
    float32 = np.dtype(terms.out_dtype) == np.float32
    kernels = _fast.numba_kernels(n_values if float32 else 0)
    return kernels if float32 else None


def binary_grad_hess(
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """Binary grad / hess under the hessian policy of ``terms``, with the backend of :mod:`boostfocal._fast`.

    float32 ``out_dtype`` (the adapters): the numba float32 kernels when active (within
    ``max(1e-5 |ref|, 1e-7)`` of the float64 result); otherwise, and for the negative shift
    and Poly-1, the numpy kernels compute in float64 and round once on store.
    """
    n = z.shape[0]
    kernels = None if terms.negative_shift or terms.poly_epsilon else _numba_for(terms, n)
    if kernels is not None:
        grad: FloatArray = np.empty(n, dtype=np.float32)
        hess: FloatArray = np.empty(n, dtype=np.float32)
        call = kernels.binary_call(pos, z, cw, w, terms, grad, hess)
        _fast.run_blocks(call, n, n, _fast.numba_threads(terms.n_threads), _fast.BINARY_MIN_PER_THREAD)
        return grad, hess
    if terms.label_smoothing or terms.negative_shift:
        return _binary_two_term_grad_hess(pos, z, cw, w, terms)
    return _binary_grad_hess_numpy(pos, z, cw, w, terms)


def softmax_grad_hess(
    y: NDArray[np.intp], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """Softmax grad / hess diagonal (numba: float32 outputs, no smoothing, no ``abs_residual``, no Poly-1).

    ``out_dtype`` as in :func:`binary_grad_hess`; the outputs have the memory layout of ``z``.
    """
    assert not terms.negative_shift, "negative_shift is a sigmoid-link option"
    if terms.label_smoothing:
        return _softmax_smoothed_grad_hess(y, z, cw, w, terms)
    numpy_only = terms.policy.curvature == "abs_residual" or terms.poly_epsilon
    kernels = None if numpy_only else _numba_for(terms, z.size)
    if kernels is None:
        return _softmax_grad_hess_numpy(y, z, cw, w, terms)
    grad: FloatArray = np.empty_like(z, dtype=np.float32)  # layout of z (C for XGBoost, F for LightGBM)
    hess: FloatArray = np.empty_like(z, dtype=np.float32)
    call = kernels.softmax_call(y, z, cw, w, terms, grad, hess)
    _fast.run_blocks(call, z.size, z.shape[0], _fast.numba_threads(terms.n_threads), _fast.SOFTMAX_MIN_PER_THREAD)
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
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> FloatArray:
    """Per-row multi-label loss: the sum over labels of :func:`binary_loss` of each element.

    ``pos`` and ``z`` have shape (n, K); ``cw`` is the (K, 2) ``[a_0, a_1]`` per label
    (or None); ``terms`` are :func:`binary_loss`'s, passed on unchanged. Shared weights:
    one call on the flattened arrays; per-label weights: one call per label.
    """
    n, k = z.shape
    shared, per_label = _label_weights(cw)
    if per_label is None:
        order = _flat_order(z)
        elem = binary_loss(pos.ravel(order=order), z.ravel(order=order), shared, _repeat_rows(w, k, order), terms)
        return np.asarray(elem.reshape((n, k), order=order).sum(axis=1), dtype=np.float64)
    out = np.zeros(n)
    for j in range(k):
        out += binary_loss(pos[:, j], z[:, j], per_label[j], w, terms)
    return out


def multilabel_grad_hess(
    pos: NDArray[np.bool_], z: NDArray[np.floating], cw: FloatArray | None, w: FloatArray | None, terms: Terms
) -> tuple[FloatArray, FloatArray]:
    """Multi-label grad / hess (n, K), each element that of :func:`binary_grad_hess`; the layout of ``z``.

    ``terms`` (hessian policy, threads, label smoothing, ...) are passed to the binary
    kernel unchanged, so every binary option holds per label.
    """
    n, k = z.shape
    shared, per_label = _label_weights(cw)
    order = _flat_order(z)
    if per_label is None:
        flat_pos, flat_z = np.ascontiguousarray(pos.ravel(order=order)), np.ascontiguousarray(z.ravel(order=order))
        g, h = binary_grad_hess(flat_pos, flat_z, shared, _repeat_rows(w, k, order), terms)
        return g.reshape((n, k), order=order), h.reshape((n, k), order=order)
    # the binary kernel rounds on store; so do these columns
    grad: FloatArray = np.empty((n, k), dtype=terms.out_dtype, order=order)
    hess: FloatArray = np.empty((n, k), dtype=terms.out_dtype, order=order)
    for j in range(k):
        pos_j, z_j = np.ascontiguousarray(pos[:, j]), np.ascontiguousarray(z[:, j])
        grad[:, j], hess[:, j] = binary_grad_hess(pos_j, z_j, np.ascontiguousarray(per_label[j]), w, terms)
    return grad, hess
