"""The features of the study, validated before any training, and the saved preparation.

Features: a pandas DataFrame (a 2-D array becomes one with columns ``x0, x1, ...``). Text
(object / string) columns become pandas ``category`` (both boosters read them natively);
columns that are missing everywhere are dropped; date-time columns become seconds since
1970-01-01 (float, NaN where missing). Each change is a notice in the report. Infinite
values are refused before any training (the error names the columns): XGBoost refuses
them in the middle of a study and LightGBM treats them as huge numbers; NaN is missing.

What the study decided is one value, :class:`Preparation` (learnt by :func:`learn_preparation`):
the feature columns in order with their kind (number, bool, category with its levels, date-time),
the columns left out and why, the target and weight columns. It is written with the study as
JSON (:meth:`Preparation.to_dict`) and :meth:`Preparation.apply` replays it at fit and predict
time, the study included: a level unseen in the study becomes missing (counted in a note), a
missing feature column is an error naming it.

Row identifiers (:func:`identifier_columns`) are found here; the command line leaves them out
(``--keep`` overrides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "prepare_features",
    "identifier_columns",
    "Preparation",
    "FeatureColumn",
    "learn_preparation",
    "PREPARATION_FORMAT",
]

#: Version of the preparation record (``preparation.json``).
PREPARATION_FORMAT = 1
_ID_NAMES = ("id", "rownames", "index", "row", "row_id", "rowid")
_KINDS = ("number", "bool", "category", "datetime")


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


def _builtin(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class FeatureColumn:
    """One feature: its name, its kind (``number``, ``bool``, ``category``, ``datetime``) and, for a
    category, its levels in code order."""

    name: str
    kind: str
    levels: tuple[Any, ...] | None = None


def _infinite_error(infinite: dict[str, int]) -> ValueError:
    shown = ", ".join(f"{c!r} ({n} row{'s' if n > 1 else ''})" for c, n in list(infinite.items())[:5])
    more = f" and {len(infinite) - 5} more" if len(infinite) > 5 else ""
    return ValueError(
        f"infinite values in feature column(s) {shown}{more}: the boosters cannot train on "
        "them; replace them (an empty cell or NaN counts as missing) or leave the column(s) out"
    )


def _seconds(col: Any, name: str) -> Any:
    """Seconds since 1970-01-01 (UTC for zone-aware values) of a date-time column, or of ISO text."""
    import pandas as pd

    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        parsed = pd.to_datetime(col, format="ISO8601", errors="coerce", utc=True)
        bad = parsed.isna() & col.notna()
        if bad.any():
            first = col[bad].iloc[0]
            raise ValueError(
                f"column {name!r} was a date-time column in the study; {int(bad.sum())} value(s) are not dates "
                f"(first {_builtin(first)!r})"
            )
        col = parsed
    values = col.dt.tz_convert(None) if isinstance(col.dtype, pd.DatetimeTZDtype) else col
    return (values - pd.Timestamp("1970-01-01")).dt.total_seconds().astype("float64")


def _category(col: Any, levels: tuple[Any, ...], name: str, notes: list[str]) -> Any:
    """The column as a categorical with exactly the study's levels; unseen levels become missing (a note)."""
    import pandas as pd

    values = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
    if levels and all(isinstance(v, str) for v in levels) and not pd.api.types.is_string_dtype(values.dtype):
        # a level read back as a number (a table whose values of this column all look numeric)
        values = values.map(lambda v: v if isinstance(v, str) or v is None or v != v else str(_builtin(v)))
    unseen = ~values.isin(list(levels)) & col.notna()
    known = values.where(~unseen)  # unseen levels missing before the categorical is made (pandas deprecates else)
    out = pd.Series(pd.Categorical(known, categories=list(levels)), index=col.index)
    if unseen.any():
        first = col[unseen].iloc[0]
        notes.append(
            f"column {name!r}: {int(unseen.sum())} value(s) not among the study's {len(levels)} levels (first "
            f"{_builtin(first)!r}) treated as missing"
        )
    return out


@dataclass(frozen=True)
class Preparation:
    """The preparation of a table for the study's model: see the module docstring.

    ``features``: the feature columns in model order; ``dropped``: ``{column: why}`` of the
    columns left out (identifiers, ``--drop``, missing everywhere, the weight column);
    ``target``: the target column name(s) (the command line's; empty in Python);
    ``weight``: the weight column or None.
    """

    features: tuple[FeatureColumn, ...]
    dropped: Mapping[str, str] = field(default_factory=dict)
    target: tuple[str, ...] = ()
    weight: str | None = None

    @property
    def names(self) -> list[str]:
        """The feature columns, in model order."""
        return [c.name for c in self.features]

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (``preparation.json``)."""
        return {
            "format": PREPARATION_FORMAT,
            "features": [
                {"name": c.name, "kind": c.kind}
                | ({} if c.levels is None else {"levels": [_builtin(v) for v in c.levels]})
                for c in self.features
            ],
            "dropped": dict(self.dropped),
            "target": list(self.target),
            "weight": self.weight,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Preparation:
        """Rebuild from :meth:`to_dict` (a ``ValueError`` for a record of another format or kind)."""
        if not isinstance(record, Mapping) or record.get("format") != PREPARATION_FORMAT:
            got = record.get("format") if isinstance(record, Mapping) else type(record).__name__
            raise ValueError(f"not a boostfocal preparation record of format {PREPARATION_FORMAT}, got {got!r}")
        features = []
        for c in record["features"]:
            if c.get("kind") not in _KINDS:
                raise ValueError(f"preparation: feature {c.get('name')!r} has unknown kind {c.get('kind')!r}")
            levels = None if c.get("levels") is None else tuple(c["levels"])
            features.append(FeatureColumn(str(c["name"]), c["kind"], levels))
        weight = record.get("weight")
        return cls(tuple(features), dict(record.get("dropped", {})), tuple(record.get("target", ())), weight)

    def missing(self, columns: Sequence[str]) -> list[str]:
        """The feature columns not among ``columns``."""
        have = set(columns)
        return [n for n in self.names if n not in have]

    def apply(self, X: Any) -> tuple[Any, list[str]]:
        """``(frame, notes)``: the model's input frame from a table holding (at least) the feature columns.

        Other columns are ignored; a missing feature column is a ``ValueError`` naming it (and the
        others missing); infinite values in a numeric feature are a ``ValueError``.
        """
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else _as_frame(X)
        frame = frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
        lost = self.missing(list(frame.columns))
        if lost:
            raise ValueError(f"feature column(s) {', '.join(repr(n) for n in lost)} missing from the data")
        notes: list[str] = []
        out: dict[str, Any] = {}
        infinite: dict[str, int] = {}
        for c in self.features:
            col = frame[c.name]
            if c.kind == "category":
                out[c.name] = _category(col, c.levels or (), c.name, notes)
            elif c.kind == "datetime":
                out[c.name] = _seconds(col, c.name)
            elif c.kind == "bool":
                out[c.name] = col.astype("float64") if pd.api.types.is_bool_dtype(col.dtype) else _numeric(col, c.name)
            else:
                out[c.name] = col if pd.api.types.is_numeric_dtype(col.dtype) else _numeric(col, c.name)
                if pd.api.types.is_float_dtype(out[c.name].dtype):
                    n_inf = int(np.isinf(out[c.name].to_numpy(dtype=np.float64, na_value=np.nan)).sum())
                    if n_inf:
                        infinite[c.name] = n_inf
        if infinite:
            raise _infinite_error(infinite)
        return pd.DataFrame(out, index=frame.index), notes


def _as_frame(X: Any) -> Any:
    import pandas as pd

    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])], copy=False)


def _numeric(col: Any, name: str) -> Any:
    """A numeric feature read as text (or bool): numbers, or a ``ValueError`` naming a value that is none."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64")
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna() & col.notna()
    if bad.any():
        raise ValueError(
            f"column {name!r} was numeric in the study; {int(bad.sum())} value(s) are not numbers "
            f"(first {_builtin(col[bad].iloc[0])!r})"
        )
    return values.astype("float64")


def _learn_column(name: str, col: Any, n_rows: int, notes: list[str]) -> FeatureColumn | None:
    """The kind of one study column (None: missing everywhere)."""
    import pandas as pd

    if col.isna().all():
        return None
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        notes.append(f"date-time column {name!r} converted to seconds since 1970-01-01")
        return FeatureColumn(name, "datetime")
    if pd.api.types.is_bool_dtype(col.dtype):
        return FeatureColumn(name, "bool")  # NaN stays missing
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        levels = tuple(_builtin(v) for v in col.astype("category").cat.categories)
        notes.append(f"text column {name!r} used as categorical ({len(levels)} levels)")
        if len(levels) > 100 and len(levels) > 0.5 * n_rows:
            notes.append(f"text column {name!r} has a level for most rows: an identifier? (--drop it)")
        return FeatureColumn(name, "category", levels)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return FeatureColumn(name, "category", tuple(_builtin(v) for v in col.cat.categories))
    if not pd.api.types.is_numeric_dtype(col.dtype):
        raise TypeError(f"X column {name!r} has dtype {col.dtype}, which the boosters cannot read")
    return FeatureColumn(name, "number")


def learn_preparation(
    X: Any, *, dropped: Mapping[str, str] | None = None, target: Sequence[str] = (), weight: str | None = None
) -> tuple[Preparation, list[str]]:
    """The :class:`Preparation` of the study's feature table ``X`` and the notes of what it changes.

    ``dropped``, ``target``, ``weight``: what the caller (the command line) already left out of ``X``.
    """
    import pandas as pd

    frame = X if isinstance(X, pd.DataFrame) else _as_frame(X)
    if frame.shape[0] == 0:
        raise ValueError("X is empty: 0 rows")
    if frame.shape[1] == 0:
        raise ValueError("X has no feature columns")
    frame = frame.rename(columns=str) if not all(isinstance(c, str) for c in frame.columns) else frame
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise ValueError(f"X has duplicated column names: {dup!r}")
    notes: list[str] = []
    features, empty = [], []
    for name in frame.columns:
        column = _learn_column(name, frame[name], frame.shape[0], notes)
        if column is None:
            empty.append(name)
        else:
            features.append(column)
    if empty:
        notes.append("dropped all-missing column(s): " + ", ".join(repr(c) for c in empty))
    if not features:
        raise ValueError("X has no usable column: every column is missing everywhere")
    why = {**(dropped or {}), **{name: "missing everywhere" for name in empty}}
    return Preparation(tuple(features), why, tuple(target), weight), notes


def prepare_features(X: Any, **columns: Any) -> tuple[Any, list[str], Preparation]:
    """``(frame, notes, preparation)``: the preparation learnt from ``X`` (keywords: those of
    :func:`learn_preparation`) and ``X`` through it (the input is not modified)."""
    preparation, notes = learn_preparation(X, **columns)
    frame, _ = preparation.apply(X)
    return frame, notes, preparation
