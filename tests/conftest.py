"""Shared test configuration."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import settings

import boostfocal

# Deterministic example generation: CI must not turn red on a draw nobody can reproduce.
# Run `pytest --hypothesis-profile=explore` locally to search with fresh random examples.
settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile("deterministic")

#: Gradient / hessian backends available here: numpy always, numba when installed.
BACKENDS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") is not None else [])


@pytest.fixture
def backend(request: pytest.FixtureRequest):
    """The gradient / hessian backend of this test: numpy, and numba when installed.

    Parametrised over :data:`BACKENDS` by :func:`pytest_generate_tests`.
    """
    name = getattr(request, "param", "numpy")
    with boostfocal.use_backend(name) as active:
        yield active


#: Modules whose every test runs once per backend: the derivative proofs of the core
#: (finite differences, identities, extremes) -- seconds, not the slow end-to-end tests.
_ALL_BACKEND_MODULES = ("test_core",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``backend`` (requested, or implied for the modules above) over :data:`BACKENDS`."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" not in metafunc.fixturenames:
        if module not in _ALL_BACKEND_MODULES:
            return
        metafunc.fixturenames.append("backend")
    metafunc.parametrize("backend", BACKENDS, indirect=True)


#: Folders whose every test is slow (end to end: notebooks, the README's blocks, the benchmark smoke
#: runs): the fast tier (``pytest -m "not slow"``) leaves them out; CI runs everything.
_SLOW_FOLDERS = ("docs",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of :data:`_SLOW_FOLDERS` ``slow`` (the others mark themselves)."""
    for item in items:
        if item.path.parent.name in _SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
