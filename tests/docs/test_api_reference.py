"""The API reference lists every public name: the ``__all__`` of every public module.

Public modules are found by walking the package (a module added later is covered without a list to
edit); the reference is the ``.. autosummary::`` tables of ``docs/api/*.rst``. The built site is
checked the same way, page by page, by ``docs/check_site.py`` (run by ``.ci/run``).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
sys.path.insert(0, str(DOCS))

import api_names  # noqa: E402


def test_every_public_name_is_in_the_api_reference():
    missing = api_names.missing_from_reference()
    assert not missing, (
        "public names missing from the API reference (add each to an autosummary table of docs/api/*.rst): "
        + ", ".join(missing)
    )


def test_the_known_public_modules_are_found():
    modules = set(api_names.public_modules())
    assert {"boostfocal", "boostfocal.xgboost", "boostfocal.lightgbm", "boostfocal.calibration"} <= modules
    assert {"boostfocal.datasets", "boostfocal.sklearn_xgboost", "boostfocal.sklearn_lightgbm"} <= modules
    assert not any(part.startswith("_") for module in modules for part in module.split("."))
    assert "boostfocal.xgboost.focal_params" in api_names.public_names()


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "pkg"
    (package / "_private").mkdir(parents=True)
    (package / "__init__.py").write_text('__all__ = ["a", "B"]\n')
    (package / "tools.py").write_text('__all__: list[str] = ["helper"]\n')
    (package / "_hidden.py").write_text('__all__ = ["secret"]\n')
    (package / "_private" / "mod.py").write_text('__all__ = ["deep"]\n')
    (package / "__main__.py").write_text('__all__ = ["main"]\n')
    return package


def _reference(tmp_path: Path, body: str, name: str = "api") -> Path:
    api = tmp_path / name
    api.mkdir()
    (api / "index.rst").write_text(body)
    return api


def test_a_name_missing_from_the_reference_is_found(tmp_path):
    package = _package(tmp_path)
    assert api_names.public_names(package) == {"pkg.a", "pkg.B", "pkg.tools.helper"}
    full = _reference(
        tmp_path,
        "Title\n=====\n\n.. currentmodule:: pkg\n\n.. autosummary::\n   :toctree: generated/\n\n   a\n   ~B\n\n"
        "text\n\n.. currentmodule:: pkg.tools\n\n.. autosummary::\n\n   helper\n",
    )
    assert api_names.missing_from_reference(package, full) == []
    # break it on purpose: the second table loses its name
    broken = _reference(tmp_path, full.joinpath("index.rst").read_text().replace("   helper\n", ""), "broken")
    assert api_names.missing_from_reference(package, broken) == ["pkg.tools.helper"]
    # a new public name in a module is missing until the reference lists it
    (package / "tools.py").write_text('__all__ = ["helper", "new_function"]\n')
    assert api_names.missing_from_reference(package, full) == ["pkg.tools.new_function"]
