"""Features and target of the study, validated before any training.

Features: a pandas DataFrame (a 2-D array becomes one with columns ``x0, x1, ...``). Text
(object / string) columns become pandas ``category`` (both boosters read them natively);
columns that are missing everywhere are dropped; date-time columns become seconds since
1970-01-01 (float, NaN where missing). Each change is a notice in the report.

Target: class labels, at least two classes, no missing values (unless dropped), not a
numeric column with many distinct values (a regression target). ``positive=`` names the
class of interest and makes the problem binary (that class against the rest); without it
a two-class target's positive class is the larger label in sorted order (1 for 0/1,
True for booleans, "yes" for no/yes), as in scikit-learn.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Target",
    "prepare_features",
    "prepare_target",
    "closest",
    "MAX_NUMERIC_CLASSES",
    "min_class_rows",
    "inner_split",
]

#: A numeric target with more distinct values than this is treated as a regression target.
MAX_NUMERIC_CLASSES = 20
#: Share of each outer training fold held out as the inner validation split.
INNER_VALID_SHARE = 0.2


def closest(name: str, candidates: list[str], n: int = 3) -> str:
    """``"closest columns: 'a', 'b'"`` for an error message (or the first columns when nothing is close)."""
    near = difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
    if not near:
        near = [c for c in candidates if name.lower() in c.lower()][:n]
    if near:
        return "closest columns: " + ", ".join(repr(c) for c in near)
    shown = ", ".join(repr(c) for c in candidates[:8])
    return f"columns: {shown}" + (", ..." if len(candidates) > 8 else "")


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
    if drop:
        notes.append("dropped all-missing column(s): " + ", ".join(repr(c) for c in drop))
    if len(drop) == frame.shape[1]:
        raise ValueError("X has no usable column: every column is missing everywhere")
    if drop or changes:
        frame = frame.drop(columns=drop).assign(**changes)  # one new frame; the caller's is untouched
    return frame, notes


@dataclass
class Target:
    """The encoded target: class codes ``0..K-1`` and what they mean."""

    codes: NDArray[np.intp]
    classes: list[Any]  # the label of each code (binary with positive=: ["rest", positive])
    task: str  # "binary" or "multiclass"
    positive: Any = None  # binary: the positive label
    notes: list[str] = field(default_factory=list)
    keep: NDArray[np.bool_] | None = None  # rows kept (missing targets dropped)

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def _builtin(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def prepare_target(y: Any, *, positive: Any = None, drop_missing: bool = False, name: str = "y") -> Target:
    """Validate and encode the target (see the module docstring)."""
    import pandas as pd

    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel() if np.ndim(y) != 1 else y)
    if np.ndim(y) > 1 and np.asarray(y).ndim == 2 and np.asarray(y).shape[1] > 1:
        raise ValueError(
            f"{name} must be one column of class labels, got shape {np.asarray(y).shape} (a multi-label "
            "indicator matrix trains with FocalXGBClassifier / FocalLGBMClassifier, but compare does not "
            "study multi-label targets yet)"
        )
    if series.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    missing = series.isna().to_numpy()
    notes: list[str] = []
    keep = None
    if missing.any():
        if not drop_missing:
            raise ValueError(
                f"{name} has {int(missing.sum())} missing value(s) (first at row {int(np.flatnonzero(missing)[0])}); "
                "drop those rows (--drop-missing-target) or fill them"
            )
        keep = ~missing
        series = series[keep]
        notes.append(f"dropped {int(missing.sum())} row(s) with a missing target")
        if series.shape[0] == 0:
            raise ValueError(f"{name} is missing everywhere")
    values = series.to_numpy()
    uniq = pd.unique(series)
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    if numeric and positive is None:
        as_float = np.asarray(uniq, dtype=np.float64)
        non_integer = bool(np.any(as_float != np.round(as_float)))
        if len(uniq) > MAX_NUMERIC_CLASSES or (non_integer and len(uniq) > 2):
            raise ValueError(
                f"{name} looks like a regression target: numeric with {len(uniq)} distinct values"
                + (" (not all integers)" if non_integer else "")
                + "; compare needs class labels (or name the class of interest with positive=)"
            )
    if positive is not None:
        labels = [_builtin(u) for u in uniq]
        match = [u for u in labels if u == positive or str(u) == str(positive)]
        if not match:
            shown = ", ".join(repr(v) for v in sorted(labels, key=str)[:10])
            option = f"--positive {positive!r}" if name.startswith("--") else f"positive={positive!r}"
            raise ValueError(f"{option} is not among the labels of {name} ({shown})")
        pos = match[0]
        hits = np.asarray([v == pos for v in values.tolist()], dtype=bool)
        codes = hits.astype(np.intp)
        classes: list[Any] = [f"not {pos}", pos]
        if len(uniq) > 2:
            notes.append(f"target binarised: {pos!r} against the {len(uniq) - 1} other labels")
    else:
        try:
            sorted_classes, codes = np.unique(values, return_inverse=True)
        except TypeError as exc:
            raise TypeError(f"{name} labels must be sortable (one type), got {exc}") from exc
        classes = [_builtin(c) for c in sorted_classes]
        codes = codes.astype(np.intp).ravel()
        pos = classes[1] if len(classes) == 2 else None
    if len(np.unique(codes)) < 2:
        raise ValueError(f"{name} has a single class ({_builtin(values[0])!r}); compare needs at least 2 classes")
    task = "binary" if len(classes) == 2 else "multiclass"
    return Target(codes, classes, task, pos, notes, keep)


def min_class_rows(cv: int) -> int:
    """Rows the rarest class needs for ``cv`` outer folds with an inner validation split in each:
    one in every outer test fold, and two in every outer training fold (one for the inner
    validation split, one to train on)."""
    need = cv
    while need - -(-need // cv) < 2:  # the training fold keeps need - ceil(need / cv) of them
        need += 1
    return need


def inner_split(
    codes: NDArray[np.intp], rng: np.random.Generator, share: float = INNER_VALID_SHARE
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Positions ``(train, valid)`` of a stratified split: ``max(1, round(share m))`` of each class's
    ``m`` rows go to validation (every class has >= 2 rows, see :func:`min_class_rows`)."""
    valid = []
    for k in np.unique(codes):
        idx = np.flatnonzero(codes == k)
        n_valid = min(max(1, round(share * idx.shape[0])), idx.shape[0] - 1)
        valid.append(rng.choice(idx, size=n_valid, replace=False))
    v = np.sort(np.concatenate(valid))
    mask = np.ones(codes.shape[0], dtype=bool)
    mask[v] = False
    return np.flatnonzero(mask), v
