"""Behaviour the two estimators share (boostfocal/_sklearn_common.py), checked through both public classes."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")


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
