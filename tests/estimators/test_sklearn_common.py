"""Behaviour the two estimators share (boostfocal/_sklearn_common.py), checked through both public classes."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from boostfocal._sklearn_common import objective_threads  # noqa: E402


def _estimator(kind: str, **params: object):
    pytest.importorskip(kind)
    if kind == "xgboost":
        from boostfocal import FocalXGBClassifier

        return FocalXGBClassifier(n_estimators=3, n_jobs=1, **params)
    from boostfocal import FocalLGBMClassifier

    return FocalLGBMClassifier(n_estimators=3, n_jobs=1, verbose=-1, **params)


def _data(n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0.3).astype(int)


def _with_missing(y: np.ndarray, kind: str):
    if kind == "nan":
        out = y.astype(float)
        out[7] = np.nan
    elif kind == "none":
        out = np.where(y == 1, "yes", "no").astype(object)
        out[7] = None
    elif kind == "float-nan-in-object":
        out = np.where(y == 1, "yes", "no").astype(object)
        out[7] = float("nan")
    elif kind == "pandas-na-Int64":
        out = pd.Series(y, dtype="Int64")
        out[7] = pd.NA
    elif kind == "pandas-na-string":
        out = pd.Series(np.where(y == 1, "yes", "no"), dtype="string")
        out[7] = pd.NA
    else:  # pandas-nat
        out = pd.Series(pd.to_datetime(np.where(y == 1, "2024-01-02", "2024-01-01")))
        out[7] = pd.NaT
    return out


_MISSING = ["nan", "none", "float-nan-in-object", "pandas-na-Int64", "pandas-na-string", "pandas-nat"]


@pytest.mark.parametrize("missing", _MISSING)
@pytest.mark.parametrize("kind", ["xgboost", "lightgbm"])
def test_missing_labels_rejected_at_fit_with_position(kind: str, missing: str) -> None:
    X, y = _data()
    clf = _estimator(kind)
    with pytest.raises(ValueError, match=r"y contains NaN or None labels \(first at position 7\)"):
        clf.fit(X, _with_missing(y, missing))
    assert "gamma_" not in clf.__dict__


@pytest.mark.parametrize("kind", ["xgboost", "lightgbm"])
def test_missing_label_in_eval_set_rejected(kind: str) -> None:
    X, y = _data()
    with pytest.raises(ValueError, match="NaN or None labels"):
        _estimator(kind).fit(X, y, eval_set=[(X, _with_missing(y, "pandas-na-Int64"))])


@pytest.mark.parametrize("kind", ["xgboost", "lightgbm"])
def test_nullable_labels_without_missing_values_work(kind: str) -> None:
    X, y = _data()
    a = _estimator(kind).fit(X, pd.Series(y, dtype="Int64"))
    b = _estimator(kind).fit(X, y)
    assert a.classes_.tolist() == [0, 1]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("n_jobs, expected", [(None, None), (0, None), (1, 1), (np.int64(2), 2), (-1, -1)])
def test_objective_threads_follow_the_estimator_n_jobs(n_jobs, expected):
    assert objective_threads(n_jobs) == expected


@pytest.mark.parametrize("module_name", ["sklearn_xgboost", "sklearn_lightgbm"])
def test_estimator_passes_n_jobs_to_the_focal_objective(module_name, monkeypatch):
    module = pytest.importorskip(f"boostfocal.{module_name}")
    seen = []
    original = module.FocalObjective

    class Recording(original):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs):
            seen.append(kwargs.get("n_jobs"))
            super().__init__(**kwargs)

    monkeypatch.setattr(module, "FocalObjective", Recording)
    cls = module.FocalXGBClassifier if module_name == "sklearn_xgboost" else module.FocalLGBMClassifier
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    extra = {"verbose": -1} if module_name == "sklearn_lightgbm" else {}
    cls(n_estimators=2, n_jobs=1, **extra).fit(X, y)
    cls(n_estimators=2, **extra).fit(X, y)
    assert seen == [1, None]
