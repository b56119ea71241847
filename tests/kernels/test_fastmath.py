"""The float32 fast maths of the numba kernels, function by function, against numpy's float64 ones.

Each function is measured over the whole input range it is used on (a dense grid plus
the edges: zero, subnormals, the underflow boundaries, the neighbours of powers of two)
in float32 ulp of the correctly rounded result, once compiled and once as plain Python
(``NUMBA_DISABLE_JIT=1``, in a subprocess), and the two must agree bit for bit: the
bit tricks (``.view``) keep the functions plain numpy scalar code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

F32_MIN_SUBNORMAL = float(np.finfo(np.float32).smallest_subnormal)
F32_TINY = float(np.finfo(np.float32).tiny)  # smallest normal


def _neighbours(points: np.ndarray) -> np.ndarray:
    """Each float32 point and its two float32 neighbours."""
    p = np.asarray(points, dtype=np.float32)
    return np.concatenate([np.nextafter(p, np.float32(-np.inf)), p, np.nextafter(p, np.float32(np.inf))])


def inputs(name: str, stride: int = 1) -> np.ndarray:
    """The float32 inputs each function is measured on (every ``stride``-th grid point, all the edges)."""
    if name == "exp_nonpos32":  # used on -|u|, gamma log q and softmax differences: (-inf, 0]
        grid = np.linspace(-104.0, 0.0, 4_000_001)
        edges = np.concatenate(
            [
                [0.0, -0.0, -F32_MIN_SUBNORMAL, -F32_TINY, -1e-30, -1e-8, -1e4, -3.4e38, -np.inf],
                _neighbours([-np.log(2.0) / 2, -87.33654, -103.27893, -103.972, -104.0]),
                -np.geomspace(F32_MIN_SUBNORMAL, 104.0, 20_001),
            ]
        )
    elif name == "log1p_unit32":  # used on exp(-|u|): [0, 1]
        grid = np.linspace(0.0, 1.0, 4_000_001)
        edges = np.concatenate(
            [[0.0, F32_MIN_SUBNORMAL, F32_TINY, 1e-30, 1.0], _neighbours([0.5, 1.0]), np.geomspace(1e-45, 1.0, 20_001)]
        )
    elif name == "log_ge1_32":  # used on the softmax's sum of exponentials: [1, K]; measured far beyond
        grid = np.geomspace(1.0, 2.0**20, 4_000_001)
        edges = np.concatenate(
            [[1.0, float(np.finfo(np.float32).max)], _neighbours(2.0 ** np.arange(0, 128)), _neighbours([np.sqrt(2.0)])]
        )
        edges = edges[edges >= 1.0]
    else:
        raise ValueError(name)
    return np.concatenate([grid[::stride], edges]).astype(np.float32)


REFERENCES = {"exp_nonpos32": np.exp, "log1p_unit32": np.log1p, "log_ge1_32": np.log}


def ulp_errors(name: str, got: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``|got - ref|`` in float32 ulp of the float64 reference (the subnormal spacing below the normal range)."""
    with np.errstate(over="ignore"):
        ref = REFERENCES[name](x.astype(np.float64))
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref) / spacing


def evaluate(name: str, x: np.ndarray) -> np.ndarray:
    """``name`` applied to every element of ``x`` (compiled, or plain Python under ``NUMBA_DISABLE_JIT=1``)."""
    from numba import njit

    from boostfocal import _fastmath

    fn = getattr(_fastmath, name)

    @njit
    def apply(values):  # pragma: no cover - compiled
        out = np.empty_like(values)
        for i in range(values.shape[0]):
            out[i] = fn(values[i])
        return out

    return np.asarray(apply(x), dtype=np.float32)


#: The bounds the docstrings of ``boostfocal._fastmath`` state (max ulp over the whole input range).
BOUNDS = {"exp_nonpos32": 1.25, "log1p_unit32": 2.5, "log_ge1_32": 2.0}
#: Stride of the grid in the (slow) plain-Python run; its edges are all kept.
PYTHON_STRIDE = 200


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_compiled_error_within_bound(name):
    x = inputs(name)
    got = evaluate(name, x)
    assert got.dtype == np.float32 and np.all(np.isfinite(got))
    err = ulp_errors(name, got, x)
    worst = int(np.argmax(err))
    assert err[worst] <= BOUNDS[name], f"{name}({x[worst]!r}) = {got[worst]!r}: {err[worst]:.2f} ulp"


def test_exp_nonpos32_saturates_and_is_exact_at_zero():
    x = np.array([0.0, -0.0, -104.0, -1e4, -np.inf], dtype=np.float32)
    assert evaluate("exp_nonpos32", x).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_logs_are_exact_at_their_zero():
    assert evaluate("log1p_unit32", np.zeros(1, np.float32))[0] == 0.0
    assert evaluate("log_ge1_32", np.ones(1, np.float32))[0] == 0.0


def test_plain_python_run_within_bound_and_bitwise_equal_to_compiled():
    """Under ``NUMBA_DISABLE_JIT=1`` the functions are plain numpy scalar code: same bits, same bounds."""
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import test_fastmath as t\n"
        "import numba\n"
        "assert numba.config.DISABLE_JIT\n"
        "out = {n: t.evaluate(n, t.inputs(n, t.PYTHON_STRIDE)).view('int32').tolist() for n in t.BOUNDS}\n"
        "print(json.dumps(out))\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    plain = json.loads(run.stdout)
    for name, bound in BOUNDS.items():
        x = inputs(name, PYTHON_STRIDE)
        got = np.asarray(plain[name], dtype=np.int32).view(np.float32)
        assert ulp_errors(name, got, x).max() <= bound, name
        np.testing.assert_array_equal(got.view(np.int32), evaluate(name, x).view(np.int32), err_msg=name)
