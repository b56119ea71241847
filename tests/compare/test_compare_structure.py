"""The shape of ``boostfocal/_study``: layers without circles, one options list, methods as objects.

* every import between the study's modules (lazy ones too) goes down a fixed order of layers, so
  there is no circle and nothing to break one with;
* :func:`boostfocal.compare`'s keywords and defaults are :class:`StudyOptions`'s fields;
* every registered method passes the same contract (``METHODS`` is the list), and a new method is
  one class plus one registry entry: a toy one runs through ``compare`` and its report.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "scipy", "xgboost"):
    pytest.importorskip(_mod)

from sklearn.datasets import make_classification

import boostfocal
from boostfocal import compare
from boostfocal._study import _methods
from boostfocal._study._data import prepare_target
from boostfocal._study._methods import DEFAULT_METHODS, METHODS, Focal, Method, fit_method, loss_configs
from boostfocal._study._options import StudyOptions
from boostfocal._study._space import FocalSpace, library_params

STUDY = Path(boostfocal.__file__).parent / "_study"
#: The layers, lowest first: a module imports only modules of lower layers.
LAYERS = [
    {"_io", "_data", "_features", "_metrics", "_stats", "_progress", "_card"},
    {"_space", "_model"},
    {"_methods"},
    {"_options"},
    {"_plan"},
    {"_journal"},
    {"_report"},
    {"_result"},
    {"_run"},
    {"_compare"},
    {"_cli", "__init__"},
    {"_model_cli"},
]


def _study_imports(path: Path) -> set[str]:
    """The sibling modules ``path`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_every_import_goes_down_the_layers():
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    modules = {p.stem: p for p in STUDY.glob("*.py")}
    assert set(modules) == set(rank), "a new module needs its place in LAYERS"
    upward = [
        (name, other)
        for name, path in modules.items()
        for other in _study_imports(path)
        if rank[other] >= rank[name] and other != name
    ]
    assert upward == []


def test_module_and_function_sizes():
    paths = [*STUDY.glob("*.py"), STUDY.parent / "_demo.py", STUDY.parent / "__main__.py"]
    too_long = []
    for path in paths:
        text = path.read_text()
        assert len(text.splitlines()) <= 600, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                doc = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
                first = body[1] if doc and len(body) > 1 else body[0]
                if node.end_lineno - first.lineno + 1 > 80:
                    too_long.append(f"{path.name}:{node.name}")
        assert "type: ignore" not in text, path.name
    assert too_long == []


def test_compare_keywords_are_the_study_options():
    params = inspect.signature(compare).parameters
    keywords = {n: p.default for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    fields = {f.name: f.default for f in dataclasses.fields(StudyOptions)}
    assert list(keywords) == list(fields)
    for name, default in keywords.items():
        assert default == fields[name], name  # tuples and lists compare by value


def test_report_does_not_import_the_result_or_the_run():
    assert not {"_result", "_run", "_compare"} & _study_imports(STUDY / "_report.py")


# ---------------------------------------------------------------- every method, one contract
def _binary(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n_samples=n, n_features=5, n_informative=3, weights=[0.8], random_state=seed)


@pytest.mark.parametrize("name", list(METHODS), ids=list(METHODS))
def test_method_contract(name: str):
    """Family, seeded draws (the first configuration fixed), a fit, probabilities, a posterior and a card
    whose estimator trains."""
    method = METHODS[name]
    assert isinstance(method, Method) and method.name == name and method.family in ("baseline", "focal")
    space = FocalSpace()
    draws = loss_configs(name, 3, 7, 2, space)
    assert draws == loss_configs(name, 3, 7, 2, space) and loss_configs(name, 1, 99, 2, space) == draws[:1]
    json.dumps(draws)  # the trials table keys on them
    X, y = _binary()
    booster = library_params(
        "xgboost",
        {"learning_rate": 0.1, "max_depth": 3, "min_child_weight": 1.0, "subsample": 1.0, "colsample_bytree": 1.0},
        n_estimators=20,
        n_jobs=1,
        seed=0,
    )
    fitted = fit_method(
        name, "xgboost", draws[0], booster, X_train=X[:160], y_train=y[:160], w_train=None,
        X_valid=X[160:], y_valid=y[160:], w_valid=None, n_classes=2, patience=5,
    )  # fmt: skip
    proba = fitted.proba(X[160:])
    post = fitted.posterior(X[160:], proba)
    assert proba.shape == post.shape == (80, 2)
    np.testing.assert_allclose(post.sum(axis=1), 1.0, rtol=1e-6)  # float32 models
    assert 1 <= fitted.best_iteration <= 20
    card = method.recommendation("xgboost", draws[0], {"n_estimators": 5}, prepare_target(y), None)
    if card.estimator == "XGBClassifier":
        from xgboost import XGBClassifier as cls
    else:
        cls = getattr(boostfocal, card.estimator)
    json.dumps(card.loss)
    assert cls(**card.estimator_params).fit(X, y).predict_proba(X).shape == (240, 2)


def test_the_default_methods_are_registered():
    assert set(DEFAULT_METHODS) <= set(METHODS)
    assert {METHODS[m].family for m in DEFAULT_METHODS} == {"baseline", "focal"}


class _FocalFixedGamma(Focal):
    """A toy new method: focal loss at gamma 1, alpha searched (one class)."""

    name = "focal_gamma_one"
    description = "focal loss at gamma 1"

    def draw(self, rng: np.random.Generator, first: bool, space: FocalSpace, n_classes: int) -> dict[str, Any]:
        return {"gamma": 1.0, "alpha": None if first else round(float(rng.uniform(0.2, 0.8)), 4)}


def test_a_new_method_is_one_class_and_one_registry_entry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    toy = _FocalFixedGamma()
    monkeypatch.setitem(METHODS, toy.name, toy)
    X, y = _binary(seed=3)
    result = compare(X, y, methods=["log_loss", toy.name], cv=2, repeats=1, budget=2, n_estimators=15, progress=False)
    assert list(result.table()["method"]) == ["log_loss", toy.name]
    trials = result.trials[result.trials.method == toy.name]
    assert {json.loads(p)["loss"]["gamma"] for p in trials.params} == {1.0}
    written = {p.name for p in result.save(tmp_path / "report")}
    assert "results.json" in written
    saved = json.loads((tmp_path / "report" / "results.json").read_text())
    assert [m["name"] for m in saved["methods"]] == ["log_loss", toy.name]
    assert _methods.METHODS is METHODS  # the one registry the study reads
