r"""Branch-free float32 ``exp``, ``log1p`` and ``log`` for the numba kernels, in plain numpy scalar code.

libm's ``expf`` / ``log1pf`` are scalar calls that keep LLVM from vectorising a row
loop (measured: 6 ms against 0.45 ms for ``exp`` of 1M float32); these are short
polynomials with selects instead of branches, so a loop that calls them runs on SIMD
lanes. Each works only on the input range the kernels need (named in its docstring),
in float32 arithmetic throughout: every constant is a float32, since a float64
literal would promote the whole expression.

``2^k`` is built from its bits (``np.int32((k + 127) << 23).view(np.float32)``), which
numba compiles to a single bit cast and which also runs as plain numpy scalar code:
under ``NUMBA_DISABLE_JIT=1`` each function is an ordinary Python function of
``np.float32`` scalars, with the same IEEE float32 roundings as the compiled one (no
``fastmath``, so no contraction into fused multiply-adds). ``tests/kernels`` measures
the error of each against numpy's float64 functions over its whole input range, both
compiled and under ``NUMBA_DISABLE_JIT=1``; the bounds quoted below are those
measurements (in float32 ulp of the correctly rounded result).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

__all__ = ["exp_nonpos32", "log1p_unit32", "log_ge1_32", "F32", "ONE32", "TWO32", "ZERO32", "NEG_INF32"]

#: Options of every small maths function: inlined into the loops that call it, IEEE semantics.
MATH_JIT: dict[str, Any] = {"inline": "always", "fastmath": False, "error_model": "numpy"}

F32 = np.float32
ONE32, TWO32, ZERO32 = F32(1.0), F32(2.0), F32(0.0)
NEG_INF32 = F32(-np.inf)
_HALF32 = F32(0.5)

_SHIFT32 = F32(12582912.0)  # 1.5 * 2^23: x + _SHIFT32 rounds x to an integer, kept in the low mantissa bits
_SHIFT32_BITS = np.int32(0x4B400000)  # the bits of _SHIFT32
_INV_LN2_32 = F32(1.4426950408889634)
_LN2_HI32 = F32(0.693145751953125)  # 12 significant bits: k * _LN2_HI32 is exact for |k| < 2^11
_LN2_LO32 = F32(1.428606765330187e-06)  # log(2) - _LN2_HI32
_EXP_MIN32 = F32(-104.0)  # exp(-104) rounds to 0 in float32
_E2, _E3, _E4, _E5, _E6, _E7 = (F32(1.0 / math.factorial(k)) for k in range(2, 8))
_L3, _L5, _L7, _L9, _L11, _L13, _L15 = (F32(1.0 / k) for k in (3, 5, 7, 9, 11, 13, 15))
_SQRT2_32 = F32(1.4142135623730951)
_MANTISSA = np.int32(0x7FFFFF)
_ONE32_BITS = np.int32(0x3F800000)  # the bits of 1.0f: exponent 0


@njit(**MATH_JIT)
def _bits(x):  # pragma: no cover - compiled
    """The int32 bit pattern of the float32 ``x``."""
    return F32(x).view(np.int32)


@njit(**MATH_JIT)
def _from_bits(k):  # pragma: no cover - compiled
    """The float32 whose bit pattern is the int32 ``k``."""
    return np.int32(k).view(np.float32)


@njit(**MATH_JIT)
def exp_nonpos32(x):  # pragma: no cover - compiled
    r"""float32 :math:`e^x` for :math:`x \le 0` (``-inf`` included), branch-free.

    Cody-Waite reduction :math:`x = k \ln 2 + r`, :math:`|r| \le \ln 2 / 2`, the Taylor
    polynomial of degree 7 of :math:`e^r` (truncation below 5e-9 relative), then
    :math:`2^k` applied in two halves :math:`2^{k_1} 2^{k_2}` (each a normal float32
    built from its bits) so that a subnormal result is rounded once.

    Measured error (``tests/kernels/test_fastmath.py``, every input in [-104, 0] on a
    dense grid plus the edges): at most 1.19 ulp for normal results (``x >= -87.3``),
    within 0.78 of the subnormal spacing below. Inputs below -104 give 0 (as does
    ``exp`` in float32).
    """
    x = max(x, _EXP_MIN32)
    t = x * _INV_LN2_32 + _SHIFT32  # k = round(x / ln 2) in the low bits of t, no float -> int conversion
    kf = t - _SHIFT32
    r = (x - kf * _LN2_HI32) - kf * _LN2_LO32  # r = x - k ln 2, exact in two steps
    p = _E7  # e^r = sum r^j / j!, Horner
    p = p * r + _E6
    p = p * r + _E5
    p = p * r + _E4
    p = p * r + _E3
    p = p * r + _E2
    p = p * r + ONE32
    p = p * r + ONE32
    k = _bits(t) - _SHIFT32_BITS
    k1 = k >> 1
    k2 = k - k1  # 2^k = 2^k1 2^k2, both normal for k >= -150
    return (p * _from_bits((k1 + 127) << 23)) * _from_bits((k2 + 127) << 23)


@njit(**MATH_JIT)
def log1p_unit32(e):  # pragma: no cover - compiled
    r"""float32 :math:`\log(1 + e)` for :math:`e \in [0, 1]`, branch-free.

    :math:`\log(1 + e) = 2\,\mathrm{atanh}(s) = 2 s (1 + s^2/3 + s^4/5 + \dots)` with
    :math:`s = e / (2 + e) \in [0, 1/3]`: 7 terms leave a truncation below 1.4e-8.

    Measured error (``tests/kernels/test_fastmath.py``, [0, 1] on a dense grid plus
    subnormal and edge inputs): at most 2.45 ulp.
    """
    d = ONE32 / (TWO32 + e)
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
    two_s = e * (TWO32 * d)  # 2 s, exact for subnormal e (2 d = 1)
    return two_s + two_s * p  # 2 s (1 + s^2 / 3 + ...)


@njit(**MATH_JIT)
def log_ge1_32(x):  # pragma: no cover - compiled
    r"""float32 :math:`\log x` for a finite :math:`x \ge 1` (the softmax's sum of exponentials), branch-free.

    :math:`x = 2^k f`, :math:`f \in [\sqrt{1/2}, \sqrt 2)`; :math:`\log f = 2\,\mathrm{atanh}(s)`,
    :math:`s = (f - 1) / (f + 1)`, :math:`|s| \le 0.172`: 6 terms leave a truncation below
    1e-10; :math:`k \ln 2` is added in two parts (``_LN2_HI32`` exact in the product).

    Measured error (``tests/kernels/test_fastmath.py``, [1, 2^20] on a dense grid, the
    neighbours of every power of two, and the largest float32): at most 1.90 ulp.
    """
    bits = _bits(x)
    k = (bits >> 23) - 127  # the exponent
    f = _from_bits((bits & _MANTISSA) | _ONE32_BITS)  # the mantissa, in [1, 2)
    big = f > _SQRT2_32
    f = f * _HALF32 if big else f  # f in [sqrt(1/2), sqrt(2))
    k = k + 1 if big else k
    sv = (f - ONE32) / (f + ONE32)
    t = sv * sv
    p = _L11
    p = p * t + _L9
    p = p * t + _L7
    p = p * t + _L5
    p = p * t + _L3
    p = p * t
    two_s = TWO32 * sv
    kf = F32(k)
    return kf * _LN2_HI32 + (two_s + two_s * p + kf * _LN2_LO32)  # k ln 2 + 2 atanh(s)
