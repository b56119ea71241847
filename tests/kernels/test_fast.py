"""The numba float32 kernels against the float64 numpy reference; the backend switch; threads; memory of one call."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from helpers import assert_float32_close
from hypothesis import given
from hypothesis import strategies as st

import boostfocal
from boostfocal._kernels import Terms
from boostfocal._policy import HessPolicy

numba = pytest.importorskip("numba")
bf_xgb = pytest.importorskip("boostfocal.xgboost")
bf_lgb = pytest.importorskip("boostfocal.lightgbm")

GAMMAS = [0.0, 0.5, 1.5, 2.0, 2.7, 5.0]
MARGINS = np.array([-1e4, -745.0, -100.0, -37.0, -5.0, -2.79, -1e-3, 0.0, 1e-3, 2.79, 5.0, 37.0, 100.0, 745.0, 1e4])


def assert_float64_from_numpy(got: tuple[np.ndarray, ...], ref: tuple[np.ndarray, ...]) -> None:
    """float64 outputs come from the numpy reference on every backend: the same bits."""
    for a, b in zip(got, ref, strict=True):
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def both(fn):
    with boostfocal.use_backend("numpy"):
        ref = fn()
    with boostfocal.use_backend("numba"):
        got = fn()
    return ref, got


# ---------------------------------------------------------------- the backends against the reference
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("alpha", [None, 0.25], ids=["alpha=None", "alpha=0.25"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("gamma", GAMMAS, ids=[f"gamma={g}" for g in GAMMAS])
def test_binary_objective_backends_equal(gamma, weighted, alpha, dtype):
    rng = np.random.default_rng(0)
    z = np.concatenate([MARGINS, MARGINS, rng.standard_normal(40_000) * 4]).astype(dtype)  # > serial cut-off
    y = np.zeros(z.size)
    y[1::2] = 1.0
    w = rng.random(z.size) * 3 if weighted else None
    obj = bf_xgb.focal_objective(gamma=gamma, alpha=alpha)
    (g0, h0), (g1, h1) = both(lambda: obj(y, z, sample_weight=w))
    # the objectives write float32: numba computes in float32, numpy in float64 rounded once
    loss = boostfocal.FocalLoss(gamma=gamma, alpha=alpha)
    (gr0, hr0), (gr1, hr1) = both(lambda: loss.grad_hess(y, z, w, hess_floor="curvature"))
    assert_float64_from_numpy((gr1, hr1), (gr0, hr0))  # the float64 core functions: the numpy reference
    np.testing.assert_array_equal(g0, gr0.astype(np.float32))
    np.testing.assert_array_equal(h0, hr0.astype(np.float32))
    assert_float32_close(g1, gr0)
    assert_float32_close(h1, hr0)
    assert np.all(h1 > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("alpha", [None, 0.5, "per-class"], ids=["alpha=None", "alpha=0.5", "alpha=per-class"])
@pytest.mark.parametrize("gamma", GAMMAS, ids=[f"gamma={g}" for g in GAMMAS])
@pytest.mark.parametrize("lib", ["xgboost", "lightgbm"])
def test_softmax_objective_backends_equal(lib, gamma, alpha, dtype):
    rng = np.random.default_rng(1)
    k = 4
    z = rng.standard_normal((9000, k)) * 5
    z[:20] = rng.choice(MARGINS, size=(20, k))
    if lib == "lightgbm":
        z = np.asfortranarray(z)  # LightGBM hands over (n, K) scores in Fortran order
    z = z.astype(dtype)
    y = rng.integers(0, k, z.shape[0])
    w = rng.random(z.shape[0]) + 0.1
    a = np.linspace(0.5, 2.0, k) if alpha == "per-class" else alpha
    module = bf_xgb if lib == "xgboost" else bf_lgb
    obj = module.focal_objective(gamma=gamma, alpha=a)
    (g0, h0), (g1, h1) = both(lambda: obj(y, z, w) if lib == "lightgbm" else obj(y, z, sample_weight=w))
    assert g1.flags.f_contiguous == g0.flags.f_contiguous == (lib == "lightgbm")
    # the float64 core functions are the numpy reference; the objectives write float32 (numba: float32 arithmetic)
    loss = boostfocal.FocalLoss(gamma=gamma, alpha=a, link="softmax")
    scale = module.PROFILE.softmax_hess_scale(k)
    (gr0, hr0), (gr1, hr1) = both(lambda: loss.grad_hess(y, z, w, hess_floor="curvature", hess_scale=scale))
    assert_float64_from_numpy((gr1, hr1), (gr0, hr0))
    np.testing.assert_array_equal(g0, gr0.astype(np.float32))
    np.testing.assert_array_equal(h0, hr0.astype(np.float32))
    assert_float32_close(g1, gr0)
    assert_float32_close(h1, hr0)


@given(
    z=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=50),
    gamma=st.floats(0.0, 6.0),
    alpha=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_binary_public_function_float32_kernel_hypothesis(z, gamma, alpha):
    """The public float64 function is the numpy reference on both backends; the numba float32 kernel is within 1e-5."""
    from boostfocal import _dispatch

    z = np.asarray(z)
    y = np.arange(z.size) % 2
    ref, got = both(lambda: boostfocal.binary_focal_grad_hess(y, z, gamma=gamma, alpha=alpha))
    assert_float64_from_numpy(got, ref)
    cw = None if alpha is None else np.array([1.0 - alpha, alpha])
    with boostfocal.use_backend("numba"):
        g32, h32 = _dispatch.binary_grad_hess(y == 1, z, cw, None, Terms(gamma, out_dtype=np.float32))
    assert_float32_close(g32, ref[0])
    assert_float32_close(h32, ref[1], scale=ref[0])  # the exact hessian crosses zero: relative to its terms


# ---------------------------------------------------------------- the switch
def test_switch_and_context_manager():
    before = boostfocal.get_backend()
    with boostfocal.use_backend("numpy") as name:
        assert name == "numpy" == boostfocal.get_backend()
        with boostfocal.use_backend("numba") as inner:
            assert inner == "numba" == boostfocal.get_backend()
        assert boostfocal.get_backend() == "numpy"
    assert boostfocal.get_backend() == before
    previous = boostfocal.set_backend("auto")
    try:
        assert boostfocal.get_backend() == "numba"  # numba is installed here
    finally:
        boostfocal.set_backend(previous)


def test_bad_backend_name_is_rejected():
    with pytest.raises(ValueError, match="backend must be one of auto, numpy, numba, got 'cuda'"):
        boostfocal.set_backend("cuda")


def test_environment_variable_selects_backend_and_rejects_typos():
    code = "import boostfocal; print(boostfocal.get_backend())"
    env = dict(os.environ, BOOSTFOCAL_BACKEND="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "numpy"
    env["BOOSTFOCAL_BACKEND"] = "numbaa"
    bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "BOOSTFOCAL_BACKEND must be one of" in bad.stderr


def test_import_does_not_import_numba():
    code = "import sys, boostfocal, boostfocal.xgboost; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_auto_backend_runs_small_calls_on_numpy_without_importing_numba():
    """``auto``: below ``AUTO_MIN_MARGINS`` margins numpy (numba not imported), from it on numba."""
    code = (
        "import sys, numpy as np, boostfocal.xgboost as bx\n"
        "from boostfocal import _fast\n"
        "n = _fast.AUTO_MIN_MARGINS\n"
        "obj = bx.focal_objective(gamma=2.0)\n"
        "obj(np.ones(n - 1), np.zeros(n - 1, np.float32))\n"
        "print('numba' in sys.modules)\n"
        "obj(np.ones(n), np.zeros(n, np.float32))\n"
        "print('numba' in sys.modules, 'boostfocal._numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BOOSTFOCAL_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]


def test_numba_backend_leaves_float64_outputs_to_numpy(monkeypatch):
    """The numba backend computes float32 outputs only: a float64 call never reaches a compiled kernel."""
    from boostfocal import _dispatch, _numba

    def refuse(*args):
        raise AssertionError("a numba kernel ran for float64 outputs")

    for key in list(_numba.BINARY_BLOCKS):
        monkeypatch.setitem(_numba.BINARY_BLOCKS, key, refuse)
    monkeypatch.setattr(_numba, "BINARY_SMOOTHED_BLOCK", refuse)
    z = np.linspace(-5, 5, 100_000)
    with boostfocal.use_backend("numba"):
        g, h = _dispatch.binary_grad_hess(z > 0, z, None, None, Terms(2.0, label_smoothing=0.1))
        assert g.dtype == h.dtype == np.float64
        with pytest.raises(AssertionError, match="float64 outputs"):
            _dispatch.binary_grad_hess(z > 0, z, None, None, Terms(2.0, out_dtype=np.float32))


def test_fallback_to_numpy_when_numba_is_missing():
    """Simulate a machine without numba: ``auto`` falls back, ``numba`` says how to install it."""
    code = (
        "import sys; sys.modules['numba'] = None\n"  # makes `import numba` raise ImportError
        "import numpy as np, boostfocal\n"
        "print(boostfocal.get_backend())\n"
        "g, h = boostfocal.binary_focal_grad_hess([0, 1], [0.3, -0.3])\n"
        "print(np.all(np.isfinite(g)))\n"
        "try:\n    boostfocal.set_backend('numba')\n"
        "except ImportError as e:\n    print('ImportError', 'boostfocal[fast]' in str(e))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["numpy", "True", "ImportError", "True"]


def test_requested_numba_without_numba_raises_at_first_call():
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import boostfocal\n"
        "boostfocal.binary_focal_grad_hess([0, 1], [0.3, -0.3])\n"
    )
    env = dict(os.environ, BOOSTFOCAL_BACKEND="numba")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "pip install boostfocal[fast]" in out.stderr


# ---------------------------------------------------------------- threads
def test_n_jobs_caps_the_threads_of_the_numba_backend(monkeypatch):
    """One block per thread: ``n_jobs`` caps them, None follows numba's setting, small inputs stay serial."""
    import threading

    from boostfocal import _fast, _numba

    calls = []

    def spying(original):
        def spy(*args):
            calls.append((threading.current_thread().name, args[1].shape[0]))
            return original(*args)

        return spy

    for key, kernel in _numba.BINARY_BLOCKS.items():
        monkeypatch.setitem(_numba.BINARY_BLOCKS, key, spying(kernel))
    n = 3 * _fast.BINARY_MIN_PER_THREAD + 1000  # room for at most 3 blocks
    z = np.linspace(-5, 5, n)
    y = (z > 0).astype(float)
    expected = {
        1: 1,
        -1: min(numba.config.NUMBA_NUM_THREADS, 3),
        None: min(numba.get_num_threads(), 3),
        64: min(numba.config.NUMBA_NUM_THREADS, 3),
    }
    with boostfocal.use_backend("numba"):
        for n_jobs, blocks in expected.items():
            calls.clear()
            grad, hess = bf_xgb.focal_objective(gamma=2.0, n_jobs=n_jobs)(y, z)
            assert len(calls) == blocks, n_jobs
            assert sum(rows for _, rows in calls) == n
            assert len({name for name, _ in calls}) == blocks  # each block in its own thread
        calls.clear()
        bf_xgb.focal_objective(gamma=2.0, n_jobs=64)(y[:1000], z[:1000])
        assert len(calls) == 1  # small: the calling thread alone
        serial = bf_xgb.focal_objective(gamma=2.0, n_jobs=1)(y, z)
    np.testing.assert_array_equal(grad, serial[0])  # block boundaries change nothing
    np.testing.assert_array_equal(hess, serial[1])


@pytest.mark.parametrize("bad", [0, 1.5, True, "2"])
def test_n_jobs_is_validated(bad):
    with pytest.raises(ValueError, match=f"n_jobs must be None or a non-zero integer, got {bad!r}"):
        bf_lgb.focal_objective(n_jobs=bad)


def test_numba_threads_respect_environment_variable():
    code = (
        "import numpy as np, boostfocal.xgboost as bx\n"
        "from boostfocal import _fast\n"
        "bx.focal_objective(gamma=2.0, n_jobs=-1)(np.ones(100000), np.zeros(100000))\n"
        "print(_fast.numba_threads(None), _fast.numba_threads(-1), _fast.numba_threads(8))\n"
    )
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "1"]


# ---------------------------------------------------------------- memory of one call
@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
@pytest.mark.parametrize("case", ["binary", "softmax"])
def test_one_objective_call_allocates_two_float32_outputs_and_at_most_one_more_buffer(backend_name, case):
    rng = np.random.default_rng(2)
    n = 200_000
    if case == "binary":
        z = rng.standard_normal(n).astype(np.float32)
        y = (rng.random(n) < 0.1).astype(np.float32)
    else:
        z = rng.standard_normal((n // 10, 10)).astype(np.float32)
        y = rng.integers(0, 10, n // 10)
    unit = z.size * 8  # one float64 margin-sized buffer
    w = rng.random(z.shape[0]) + 0.5
    obj = bf_xgb.focal_objective(gamma=2.0, alpha=0.25 if case == "binary" else None)
    with boostfocal.use_backend(backend_name):
        obj(y, z, sample_weight=w)  # first call: validation, label cache, compilation
        tracemalloc.start()
        try:
            grad, hess = obj(y, z, sample_weight=w)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # the objectives write float32 (what both libraries store): two outputs of half a unit each
    assert grad.dtype == hess.dtype == np.float32 and grad.nbytes + hess.nbytes == unit
    # + at most one float64 buffer + the numpy kernel's two float64 block scratch arrays (16384 rows each)
    scratch = 2 * 16384 * 8
    assert peak <= 2 * unit + scratch + 64 * 1024, f"peak {peak / unit:.2f} float64 margin-sized arrays"


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("gamma", [0.0, [0.5, 3.0], 2.0], ids=["gamma=0", "gamma=[0.5,3]", "gamma=2"])
def test_label_smoothed_binary_objective_within_1e5_of_reference(gamma, weighted):
    """The fused numba two-term kernel (float32) against the float64 numpy reference, through the objective."""
    rng = np.random.default_rng(5)
    z = np.concatenate([MARGINS, rng.standard_normal(40_000) * 4])
    y = (rng.random(z.size) < 0.3).astype(float)
    w = rng.random(z.size) * 3 if weighted else None
    loss = boostfocal.FocalLoss(gamma=gamma, alpha=0.25, label_smoothing=0.1)
    g_ref, h_ref = loss.grad_hess(y, z, w, hess_floor="curvature")
    with boostfocal.use_backend("numba"):
        g, h = bf_xgb.focal_objective(loss=loss)(y, z, sample_weight=w)
    assert_float32_close(g, g_ref)
    assert_float32_close(h, h_ref)
    assert np.all(h > 0) if not weighted else np.all(h >= 0)


# ---------------------------------------------------------------- float32 arithmetic (the adapters' path, issue 13)
GAMMAS_WIDE = [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0]
#: Dense where the values are not tiny, geometric out to +-1e4, plus the edges of float32 exp.
DENSE = np.concatenate(
    [np.linspace(-40, 40, 80_001), np.geomspace(40, 1e4, 2001), -np.geomspace(40, 1e4, 2001), [-104.0, -88.0, 88.0]]
)


@pytest.mark.parametrize("margin_dtype", [np.float32, np.float64], ids=["f32-margins", "f64-margins"])
@pytest.mark.parametrize(
    "floor", [("curvature", None), ("none", None), ("abs", 1e-3)], ids=["curvature", "no-floor", "abs-floor"]
)
@pytest.mark.parametrize("gamma", GAMMAS_WIDE + [[4.0, 1.0], [0.5, 7.0]], ids=str)
def test_float32_kernel_within_1e5_of_float64(gamma, floor, margin_dtype):
    """The numba float32 kernel against the float64 numpy reference: every margin in [-1e4, 1e4], gamma in [0, 10].

    Both classes, class weights and sample weights; the three hessian policies (with no
    floor the exact hessian crosses zero, the hardest case for float32).
    """
    from boostfocal import _dispatch

    z = np.tile(DENSE, 2).astype(margin_dtype)
    pos = np.arange(z.size) >= DENSE.size  # the grid once as negatives, once as positives
    w = np.random.default_rng(0).random(z.size) * 3 + 0.01
    g = np.asarray(gamma, dtype=np.float64) if isinstance(gamma, list) else gamma
    kind, value = floor
    policy = HessPolicy.parse("curvature") if kind == "curvature" else HessPolicy(floor=value)
    with boostfocal.use_backend("numba"):
        for cw, ww in ((None, None), (np.array([0.75, 0.25]), w)):
            g64, h64 = _dispatch.binary_grad_hess(pos, z, cw, ww, Terms(g, policy=policy))  # the numpy reference
            g32, h32 = _dispatch.binary_grad_hess(pos, z, cw, ww, Terms(g, policy=policy, out_dtype=np.float32))
            assert_float32_close(g32, g64)
            # the floored hessians to 1e-5 of themselves; the exact one (crossing zero) of its terms' size
            assert_float32_close(h32, h64, scale=None if kind == "curvature" else g64)
            if kind != "none":
                assert np.all(h32 > 0)


@pytest.mark.parametrize("smoothing", [0.05, 0.3], ids=["e=0.05", "e=0.3"])
@pytest.mark.parametrize("gamma", [0.0, 2.0, 10.0, [4.0, 1.0]], ids=str)
def test_float32_smoothed_kernel_within_1e5_of_float64(gamma, smoothing):
    from boostfocal import _dispatch

    z = np.tile(DENSE, 2).astype(np.float32)
    pos = np.arange(z.size) >= DENSE.size
    g = np.asarray(gamma, dtype=np.float64) if isinstance(gamma, list) else gamma
    policy = HessPolicy.parse("curvature")
    with boostfocal.use_backend("numba"):
        ref = _dispatch.binary_grad_hess(pos, z, None, None, Terms(g, smoothing, policy=policy))
        got = _dispatch.binary_grad_hess(pos, z, None, None, Terms(g, smoothing, policy=policy, out_dtype=np.float32))
    for a, b in zip(got, ref, strict=True):
        assert_float32_close(a, b)


@given(
    z=st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=1, max_size=64),
    gamma=st.floats(0.0, 10.0),
    alpha=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_float32_objective_within_1e5_hypothesis(z, gamma, alpha):
    z = np.asarray(z, dtype=np.float32)
    y = (np.arange(z.size) % 2).astype(float)
    loss = boostfocal.FocalLoss(gamma=gamma, alpha=alpha)
    g_ref, h_ref = loss.grad_hess(y, z, hess_floor="curvature")
    with boostfocal.use_backend("numba"):
        g, h = bf_xgb.focal_objective(loss=loss)(y, z)
    assert_float32_close(g, g_ref)
    assert_float32_close(h, h_ref)


@pytest.mark.parametrize("layout", ["C", "F"], ids=["C-xgboost", "F-lightgbm"])
@pytest.mark.parametrize("margin_dtype", [np.float32, np.float64], ids=["f32-margins", "f64-margins"])
@pytest.mark.parametrize("k", [3, 10], ids=["K=3", "K=10"])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.0, 10.0, "per-class"], ids=str)
def test_float32_softmax_kernel_within_1e5_of_float64(gamma, k, margin_dtype, layout):
    """The numba float32 softmax kernel against the numpy reference: extremes, ties, both layouts, every policy."""
    from boostfocal import _dispatch

    rng = np.random.default_rng(7)
    n = 6000
    z = rng.standard_normal((n, k)) * 6
    z[:300] = rng.choice(MARGINS, size=(300, k))  # +-1e4, +-745, ...
    z[300:400] = 3.0  # ties at the maximum
    z[400:500] += 1e4  # large margins with O(1) differences: float32 must not lose them
    z[500:600, 0] = z[500:600, 1] + 1e-6  # near-ties
    z = np.asarray(z.astype(margin_dtype), order=layout)
    y = rng.integers(0, k, n)
    w = rng.random(n) * 3 + 0.01
    g = np.linspace(0.5, 7.0, k) if gamma == "per-class" else gamma
    with boostfocal.use_backend("numba"):
        for cw, ww in ((None, None), (np.linspace(0.5, 2.0, k), w)):
            for policy in (HessPolicy.parse("curvature"), HessPolicy(floor=1e-3), HessPolicy()):
                policy = policy.scaled(k / (k - 1.0))
                g64, h64 = _dispatch.softmax_grad_hess(y, z, cw, ww, Terms(g, policy=policy))  # the numpy reference
                g32, h32 = _dispatch.softmax_grad_hess(y, z, cw, ww, Terms(g, policy=policy, out_dtype=np.float32))
                assert g32.flags.f_contiguous == (layout == "F")
                assert_float32_close(g32, g64)
                assert_float32_close(h32, h64, scale=None if policy.curvature != "none" else g64)
