"""Every variant of the numba kernels is one source: compiled and as plain Python it gives the same bits.

Under ``NUMBA_DISABLE_JIT=1`` (a subprocess) the kernels run as ordinary numpy scalar
code; each variant (binary at gamma 0 / 2 / other, per-class gamma, smoothed, with and
without weights; softmax in both layouts and margin dtypes, per-class gamma, every
hessian policy) must give the compiled kernel's float32 results bit for bit, and both
must be within the float32 contract of the float64 numpy reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_float32_close

from boostfocal._kernels import Terms

pytest.importorskip("numba")

MARGINS = np.array([-1e4, -104.0, -40.0, -5.0, -2.79, -1e-3, 0.0, 1e-3, 2.79, 5.0, 40.0, 104.0, 1e4])
POLICIES = {"curvature": ("cross_entropy", 1e-16, 1.0), "floor": ("none", 1e-3, 1.5), "exact": ("none", None, 1.0)}


def _policy(name):
    from boostfocal._policy import HessPolicy

    curvature, floor, scale = POLICIES[name]
    return HessPolicy(curvature=curvature, floor=floor, scale=scale)


def binary_cases():
    """``(name, (pos, z, gamma, cw, w, policy name, smoothing))`` for every binary variant."""
    rng = np.random.default_rng(3)
    z = np.concatenate([MARGINS, rng.standard_normal(300) * 6])
    pos = np.arange(z.size) % 3 == 0
    w = rng.random(z.size) * 2
    cw = np.array([0.75, 0.25])
    for gamma in (0.0, 2.0, 1.5, np.array([3.0, 0.5])):
        for weights, smoothing, policy in ((None, 0.0, "curvature"), (w, 0.0, "exact"), (w, 0.1, "floor")):
            for dtype in (np.float32, np.float64):
                name = f"binary gamma={gamma} w={weights is not None} e={smoothing} {policy} {np.dtype(dtype).name}"
                yield name, (pos, z.astype(dtype), gamma, cw, weights, policy, smoothing)


def softmax_cases():
    """``(name, (y, z, gamma, cw, w, policy name))`` for every softmax variant."""
    rng = np.random.default_rng(4)
    k = 4
    z = rng.standard_normal((300, k)) * 6
    z[:13] = MARGINS[:, None] * np.array([1.0, -1.0, 0.5, 0.0])
    z[20:30] = 3.0  # ties at the maximum
    y = rng.integers(0, k, z.shape[0])
    w = rng.random(z.shape[0]) * 2
    for gamma in (0.0, 2.0, np.linspace(0.5, 4.0, k)):
        for order in ("C", "F"):
            for dtype, weights, cw, policy in (
                (np.float32, None, None, "curvature"),
                (np.float64, w, np.linspace(0.5, 2.0, k), "exact"),
                (np.float32, w, None, "floor"),
            ):
                name = f"softmax gamma={gamma} {order} {np.dtype(dtype).name} w={weights is not None} {policy}"
                yield name, (y, np.asarray(z.astype(dtype), order=order), gamma, cw, weights, policy)


def compute_all() -> dict[str, np.ndarray]:
    """Every case through the numba kernels (compiled, or plain Python under ``NUMBA_DISABLE_JIT=1``)."""
    from boostfocal import _numba

    out = {}
    for name, (pos, z, gamma, cw, w, policy, e) in binary_cases():
        grad, hess = np.empty(z.shape, np.float32), np.empty(z.shape, np.float32)
        _numba.binary_call(pos, z, cw, w, Terms(gamma, e, policy=_policy(policy)), grad, hess)(0, z.shape[0])
        out[name] = np.stack([grad, hess])
    for name, (y, z, gamma, cw, w, policy) in softmax_cases():
        grad, hess = np.empty_like(z, dtype=np.float32), np.empty_like(z, dtype=np.float32)
        _numba.softmax_call(y, z, cw, w, Terms(gamma, policy=_policy(policy)), grad, hess)(0, z.shape[0])
        out[name] = np.stack([grad, hess])
    return out


def reference(name: str, case: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The float64 numpy reference of a case."""
    from boostfocal import _dispatch

    policy = _policy(case[5])
    if name.startswith("binary"):
        pos, z, gamma, cw, w, _, e = case
        return _dispatch.binary_grad_hess(pos, z, cw, w, Terms(gamma, e, policy=policy))
    y, z, gamma, cw, w, _ = case
    return _dispatch.softmax_grad_hess(y, z, cw, w, Terms(gamma, policy=policy))


@pytest.mark.slow  # compiles every kernel variant (about a minute on 2 cores)
def test_compiled_and_plain_python_kernels_agree_bitwise_and_with_the_reference(tmp_path):
    script = (
        "import sys\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]\n"
        "import numba, numpy as np, test_kernels_plain_python as t\n"
        "assert numba.config.DISABLE_JIT\n"
        "np.savez(sys.argv[1], **t.compute_all())\n"
    )
    path = tmp_path / "plain.npz"
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True, capture_output=True, text=True)
    plain = np.load(path)
    compiled = compute_all()
    cases = dict(binary_cases()) | dict(softmax_cases())
    assert set(plain.files) == set(compiled) == set(cases)
    for name, case in cases.items():
        np.testing.assert_array_equal(plain[name].view(np.int32), compiled[name].view(np.int32), err_msg=name)
        g_ref, h_ref = reference(name, case)
        assert_float32_close(compiled[name][0], g_ref)
        assert_float32_close(compiled[name][1], h_ref, scale=None if case[5] != "exact" else g_ref)
