"""Packaging contract: numpy-only core, optional adapters, typed, documented public API."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import boostfocal as bf

CORE_FUNCTIONS = [
    bf.binary_focal_loss,
    bf.binary_focal_grad_hess,
    bf.softmax_focal_loss,
    bf.softmax_focal_grad_hess,
    bf.clip_hessian,
    bf.initial_margin,
]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_boostfocal_needs_numpy_only():
    code = (
        "import sys\n"
        "for name in ('xgboost', 'lightgbm', 'sklearn', 'pandas', 'scipy', 'numba', 'dask'):\n"
        "    sys.modules[name] = None  # any import of these now raises ImportError\n"
        "import numpy as np, boostfocal as bf\n"
        "g, h = bf.binary_focal_grad_hess([0, 1], np.array([0.5, -0.5]))\n"
        "print(bf.initial_margin([0, 1, 1]), g.shape)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "blocked,adapter",
    [("lightgbm", "boostfocal.xgboost"), ("xgboost", "boostfocal.lightgbm")],
    ids=["xgb-only", "lgb-only"],
)
def test_each_adapter_works_without_the_other_library(blocked, adapter):
    pytest.importorskip(adapter.split(".")[1])
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        f"import importlib; mod = importlib.import_module({adapter!r})\n"
        "obj = mod.focal_objective(gamma=2.0)\n"
        "import pickle; pickle.loads(pickle.dumps(obj))\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr


def test_package_is_typed():
    assert (Path(bf.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize("func", CORE_FUNCTIONS, ids=lambda f: f.__name__)
def test_public_functions_are_typed_and_documented(func):
    sig = inspect.signature(func)
    assert sig.return_annotation is not inspect.Signature.empty
    for name, param in sig.parameters.items():
        assert param.annotation is not inspect.Parameter.empty, name
    doc = inspect.getdoc(func)
    assert doc and "Parameters" in doc and "Returns" in doc and ".. math::" in doc


def _factories():
    import boostfocal.lightgbm as bl
    import boostfocal.xgboost as bx

    xgboost = [bx.focal_objective, bx.focal_metric, bx.focal_params, bx.finalize]
    return xgboost + [bl.focal_objective, bl.focal_metric, bl.finalize, bl.embed_initial_margin]


def test_type_hints_resolve_at_run_time():
    """``typing.get_type_hints`` (pydantic, typeguard, beartype read it) resolves every public function's hints.

    The functions that declare their loss keywords once (``**options: Unpack[...]``) keep annotations
    that name only what their module imports at run time.
    """
    for func in CORE_FUNCTIONS + _factories():
        hints = typing.get_type_hints(func)
        assert "return" in hints, func.__name__
        # the **options the signature spells out: typed by Unpack of a TypedDict
        for name in set(hints) - set(inspect.signature(func).parameters) - {"return"}:
            assert typing.get_origin(hints[name]) is typing.Unpack, (func.__name__, name)


@pytest.mark.parametrize("func", [f for f in CORE_FUNCTIONS if f is not bf.clip_hessian], ids=lambda f: f.__name__)
def test_hyperparameters_are_keyword_only(func):
    params = inspect.signature(func).parameters
    for name in ("gamma", "alpha", "sample_weight"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        bf.no_such_name  # noqa: B018
