"""The features of the study, validated before any training.

Features: a pandas DataFrame (a 2-D array becomes one with columns ``x0, x1, ...``). Text
(object / string) columns become pandas ``category`` (both boosters read them natively);
columns that are missing everywhere are dropped; date-time columns become seconds since
1970-01-01 (float, NaN where missing). Each change is a notice in the report. Infinite
values are refused before any training (the error names the columns): XGBoost refuses
them in the middle of a study and LightGBM treats them as huge numbers; NaN is missing.

Row identifiers (:func:`identifier_columns`) are found here; the command line leaves them out
(``--keep`` overrides).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["prepare_features", "identifier_columns"]


_ID_NAMES = ("id", "rownames", "index", "row", "row_id", "rowid")


def _named_like_an_identifier(name: str) -> bool:
    low = name.strip().lower()
    return low in _ID_NAMES or low.endswith(("_id", "-id", " id")) or name.strip().endswith("ID")


def identifier_columns(frame: Any) -> dict[str, str]:
    """The columns of ``frame`` that look like row identifiers, each with the reason: a leading
    unnamed column (a saved index: ``Unnamed: 0``), an integer column whose values are all distinct
    and consecutive or monotone in row order, and a column named like an identifier (``id``,
    ``*_id``, ``rownames``) whose values are all distinct. A feature with all-distinct values that are
    not integers (amounts, times), or integers in no order, is no identifier."""
    import pandas as pd

    found: dict[str, str] = {}
    for i, name in enumerate(frame.columns):
        col = frame[name]
        if i == 0 and str(name).startswith("Unnamed: 0"):
            found[name] = "a leading unnamed column (a saved row index)"
            continue
        if col.isna().any() or not col.is_unique or col.shape[0] < 3:
            continue
        if pd.api.types.is_integer_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            values = col.to_numpy(dtype=np.int64)
            if int(values.max()) - int(values.min()) == values.shape[0] - 1:
                found[name] = "integers, all distinct and consecutive"
            elif col.is_monotonic_increasing or col.is_monotonic_decreasing:
                found[name] = "integers, all distinct and in row order"
        if name not in found and _named_like_an_identifier(str(name)):
            found[name] = "named like an identifier, all values distinct"
    return found


def prepare_features(X: Any) -> tuple[Any, list[str]]:
    """A DataFrame the boosters accept, and the notices of what was changed (the input is not modified)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {arr.shape}")
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])], copy=False)
    if frame.shape[0] == 0:
        raise ValueError("X is empty: 0 rows")
    if frame.shape[1] == 0:
        raise ValueError("X has no feature columns")
    frame = frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise ValueError(f"X has duplicated column names: {dup!r}")
    notes: list[str] = []
    changes: dict[str, Any] = {}
    drop: list[str] = []
    infinite: dict[str, int] = {}  # column -> count of +-inf
    for name in frame.columns:
        col = frame[name]
        if col.isna().all():
            drop.append(name)
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            values = col.dt.tz_convert(None) if isinstance(col.dtype, pd.DatetimeTZDtype) else col
            secs = (values - pd.Timestamp("1970-01-01")).dt.total_seconds()
            changes[name] = secs.astype("float64")
            notes.append(f"date-time column {name!r} converted to seconds since 1970-01-01")
        elif pd.api.types.is_bool_dtype(col.dtype):
            changes[name] = col.astype("float64")  # NaN stays missing
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            changes[name] = col.astype("category")
            levels = changes[name].cat.categories.size
            notes.append(f"text column {name!r} used as categorical ({levels} levels)")
            if levels > 100 and levels > 0.5 * frame.shape[0]:
                notes.append(f"text column {name!r} has a level for most rows: an identifier? (--drop it)")
        elif not (isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(col.dtype)):
            raise TypeError(f"X column {name!r} has dtype {col.dtype}, which the boosters cannot read")
        elif pd.api.types.is_float_dtype(col.dtype):
            n_inf = int(np.isinf(col.to_numpy(dtype=np.float64, na_value=np.nan)).sum())
            if n_inf:
                infinite[name] = n_inf
    if infinite:
        shown = ", ".join(f"{c!r} ({n} row{'s' if n > 1 else ''})" for c, n in list(infinite.items())[:5])
        more = f" and {len(infinite) - 5} more" if len(infinite) > 5 else ""
        raise ValueError(
            f"infinite values in feature column(s) {shown}{more}: the boosters cannot train on "
            "them; replace them (an empty cell or NaN counts as missing) or leave the column(s) out"
        )
    if drop:
        notes.append("dropped all-missing column(s): " + ", ".join(repr(c) for c in drop))
    if len(drop) == frame.shape[1]:
        raise ValueError("X has no usable column: every column is missing everywhere")
    if drop or changes:
        frame = frame.drop(columns=drop).assign(**changes)  # one new frame; the caller's is untouched
    return frame, notes
