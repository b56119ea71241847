"""The target of the study and its folds, validated before any training.

Features: see :mod:`._features`.

Target: class labels, at least two classes, no missing values (unless dropped), not a
numeric column with many distinct values (a regression target). Text labels lose their
surrounding spaces (``" paid"`` is ``"paid"``; a label of spaces only is missing), with a
note. ``positive=`` names the class of interest and makes the problem binary (that class
against the rest). Without it, the positive class of a two-class target is:

* 1 for 0/1 labels and true for false/true labels (the convention), even when it is the
  majority;
* otherwise the minority class (``"defaulted"`` for ``defaulted`` / ``paid`` with 3 %
  defaults), whatever the sort order of the labels;
* for an exact tie, the larger label in sorted order (scikit-learn's convention); the
  command line refuses a tie until ``--positive`` names one.

A positive class that is the majority gets a warning note: average precision and recall
then measure the common class.

Multi-label target: a 2-D 0/1 (or bool) indicator of K >= 2 columns (a DataFrame's column
names are the label names; an array's are ``label0, label1, ...``), every label with
positive and negative rows; the codes are the (n, K) indicator. Its folds come from
:func:`iterative_stratification`, since scikit-learn has no multi-label stratification.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Target",
    "prepare_target",
    "encode_target",
    "closest",
    "MAX_NUMERIC_CLASSES",
    "min_class_rows",
    "inner_split",
    "iterative_stratification",
    "iter_splits",
    "check_multilabel_splits",
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


@dataclass
class Target:
    """The encoded target: class codes ``0..K-1`` and what they mean (multi-label: the (n, K) 0/1 indicator)."""

    codes: NDArray[np.intp]  # (n,) class codes, or (n, K) 0/1 indicator (multi-label)
    classes: list[Any]  # the label of each code (binary with positive=: ["rest", positive]); multi-label: label names
    task: str  # "binary", "multiclass" or "multilabel"
    positive: Any = None  # binary: the positive label
    notes: list[str] = field(default_factory=list)
    keep: NDArray[np.bool_] | None = None  # rows kept (missing targets dropped)
    one_vs_rest: bool = False  # positive= named the class (classes ["not <positive>", positive])

    @property
    def n_classes(self) -> int:
        """Classes, or (multi-label) labels: the width of the probability arrays."""
        return len(self.classes)

    @property
    def multilabel(self) -> bool:
        return self.task == "multilabel"

    @property
    def loss_classes(self) -> int:
        """Classes of each loss: 2 for multi-label (every label is a binary problem), else :attr:`n_classes`."""
        return 2 if self.multilabel else self.n_classes

    def class_counts(self) -> NDArray[np.intp]:
        """Rows per class, or (multi-label) positive rows per label."""
        if self.multilabel:
            return self.codes.sum(axis=0).astype(np.intp)
        return np.bincount(self.codes, minlength=self.n_classes).astype(np.intp)

    @property
    def positive_rate(self) -> float | None:
        """Binary: the share of positive rows; else None."""
        return float(self.codes.mean()) if self.task == "binary" else None

    def majority_warning(self, option: str = "positive=") -> str | None:
        """Binary with a positive class in more than half of the rows: the warning to show, else None."""
        rate = self.positive_rate
        if rate is None or rate <= 0.5:
            return None
        return (
            f"warning: the positive class {self.positive!r} is the majority ({rate:.1%} of the rows): average "
            f"precision, recall and the verdict then measure the common class; name the class of interest with "
            f"{option}"
        )

    def describe(self) -> str:
        """One line: the task, the positive class and its rate (the first line of the console output)."""
        n = self.codes.shape[0]
        counts = self.class_counts()
        if self.task == "binary":
            share = f"{int(counts[1]):,} of {n:,} rows, {counts[1] / n:.1%}"
            return f"binary target, positive class {self.positive!r} ({share})"
        if self.task == "multilabel":
            rates = ", ".join(f"{c} {k / n:.1%}" for c, k in zip(self.classes, counts, strict=True))
            return f"multi-label target, {self.n_classes} labels, {n:,} rows (positive rates: {rates})"
        k = int(counts.argmin())
        return (
            f"multiclass target, {self.n_classes} classes, {n:,} rows (rarest class {self.classes[k]!r}: "
            f"{counts[k] / n:.1%}; no positive class)"
        )

    def subset(self, rows: NDArray[np.intp]) -> Target:
        """The target of those rows (same classes and notes)."""
        return Target(self.codes[rows], self.classes, self.task, self.positive, self.notes, None, self.one_vs_rest)

    def record(self, columns: list[str]) -> dict[str, Any]:
        """The encoding as JSON (saved with the study): what :func:`encode_target` replays."""
        return {
            "columns": columns,
            "task": self.task,
            "classes": [_builtin(c) for c in self.classes],
            "positive": _builtin(self.positive),
            "one_vs_rest": self.one_vs_rest,
        }


def encode_target(y: Any, record: dict[str, Any], *, drop_missing: bool = False, name: str = "y") -> Target:
    """``y`` encoded as the study encoded its target (``record``: :meth:`Target.record`): the same
    classes in the same code order, whatever the new rows' counts; a ``ValueError`` for a label the
    study did not have."""
    task, classes = record["task"], list(record["classes"])
    if task == "binary":
        target = prepare_target(y, positive=record["positive"], drop_missing=drop_missing, name=name)
        if not record["one_vs_rest"] and any(n.startswith("target binarised") for n in target.notes):
            raise ValueError(f"{name} has labels other than the study's two classes {classes!r}")
        return target
    target = prepare_target(y, drop_missing=drop_missing, name=name)
    if target.task != task or [str(c) for c in target.classes] != [str(c) for c in classes]:
        raise ValueError(
            f"{name} has the {target.task} labels {[_builtin(c) for c in target.classes]!r}, the study had the "
            f"{task} labels {classes!r}"
        )
    return target


def _option(name: str, cli: str, python: str) -> str:
    """An option in the caller's wording: the command line's (a target named ``--target ...``) or Python's."""
    return cli if name.startswith("--") else python


def _builtin(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def prepare_target(y: Any, *, positive: Any = None, drop_missing: bool = False, name: str = "y") -> Target:
    """Validate and encode the target (see the module docstring)."""
    import pandas as pd

    if isinstance(y, pd.DataFrame) or (not isinstance(y, pd.Series) and np.ndim(y) == 2):
        return prepare_multilabel_target(y, positive=positive, drop_missing=drop_missing, name=name)
    if np.ndim(y) > 2:
        raise ValueError(f"{name} must be 1-D (class labels) or 2-D (a multi-label indicator), got shape {np.shape(y)}")
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel() if np.ndim(y) != 1 else y)
    if series.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    notes: list[str] = []
    series = _strip_labels(series, name, notes)
    if isinstance(positive, str):
        positive = positive.strip()
    series, keep = _drop_missing(series, series.isna().to_numpy(), drop_missing, name, notes)
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
                + "; compare needs class labels (or name the class of interest with "
                + _option(name, "--positive", "positive=")
                + ")"
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
        pos = None
        if len(classes) == 2:
            if _default_positive(classes, np.bincount(codes, minlength=2), name, notes) == 0:
                classes, codes = classes[::-1], 1 - codes  # the positive class is code 1
            pos = classes[1]
    if len(np.unique(codes)) < 2:
        raise ValueError(f"{name} has a single class ({_builtin(values[0])!r}); compare needs at least 2 classes")
    task = "binary" if len(classes) == 2 else "multiclass"
    target = Target(codes, classes, task, pos, notes, keep, positive is not None)
    warning = target.majority_warning(option="--positive" if name.startswith("--") else "positive=")
    if warning:
        notes.append(warning)
    return target


def _drop_missing(
    data: Any, missing: NDArray[np.bool_], drop_missing: bool, name: str, notes: list[str]
) -> tuple[Any, NDArray[np.bool_] | None]:
    """The target ``data`` without its rows of a missing label, and the mask of the rows kept (None: none missing).

    ``missing`` is the target's mask of missing values: one per row (a Series) or one per label (a multi-label
    frame, where a row with any missing label goes). Without ``drop_missing`` a missing value is an error
    that says where the first one is.
    """
    rows = missing if missing.ndim == 1 else np.asarray(missing.any(axis=1))
    if not rows.any():
        return data, None
    multilabel = missing.ndim == 2
    if not drop_missing:
        i, j = np.argwhere(missing)[0] if multilabel else (np.flatnonzero(rows)[0], None)
        found = (
            f"{int(rows.sum())} row(s) with a missing label (first at row {int(i)}, column {data.columns[j]!r})"
            if multilabel
            else f"{int(rows.sum())} missing value(s) (first at row {int(i)})"
        )
        drop = _option(name, "--drop-missing-target", "drop_missing_target=True")
        raise ValueError(f"{name} has {found}; drop those rows ({drop}) or fill them")
    keep = ~rows
    notes.append(f"dropped {int(rows.sum())} row(s) with a missing {'label' if multilabel else 'target'}")
    if not keep.any():
        raise ValueError(f"{name} has a missing label in every row" if multilabel else f"{name} is missing everywhere")
    return data[keep], keep


def _strip_labels(series: Any, name: str, notes: list[str]) -> Any:
    """Text labels without their surrounding spaces (a label of spaces only becomes missing), with a note."""
    import pandas as pd

    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return series
    text = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    changed = (text != series) & series.notna()
    if not changed.any():
        return series
    first = series[changed].iloc[0]
    notes.append(
        f"{name}: surrounding spaces removed from {int(changed.sum())} label(s) (first {first!r} -> {first.strip()!r})"
    )
    return text.mask(text == "")


def _is_true_label(v: Any) -> bool | None:
    """True for 1 / true, False for 0 / false (numbers, booleans or their text), None for any other label."""
    if isinstance(v, str):
        return {"1": True, "true": True, "0": False, "false": False}.get(v.strip().lower())
    if _is_binary_value(v):
        return bool(v == 1)
    return None


def _default_positive(classes: list[Any], counts: NDArray[np.intp], name: str, notes: list[str]) -> int:
    """Index in the sorted ``classes`` of the positive class of a two-class target without ``positive=``
    (see the module docstring)."""
    flags = [_is_true_label(c) for c in classes]
    if None not in flags and flags[0] != flags[1]:
        return 1 if flags[1] else 0  # 0/1, false/true: 1 / true is positive
    if counts[0] != counts[1]:
        k = int(np.argmin(counts))
        option = "--positive" if name.startswith("--") else "positive="
        notes.append(f"positive class {classes[k]!r}: the minority class of {name} ({option} names another)")
        return k
    if name.startswith("--"):
        raise ValueError(
            f"{name} has as many {classes[0]!r} as {classes[1]!r} rows ({int(counts[0])} each): name the class of "
            f"interest with --positive {classes[1]!r} or --positive {classes[0]!r}"
        )
    notes.append(f"positive class {classes[1]!r}: {name} has as many rows of each class, so the larger label")
    return 1


def _is_binary_value(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_, numbers.Real)) and (v == 0 or v == 1)


def prepare_multilabel_target(y: Any, *, positive: Any = None, drop_missing: bool = False, name: str = "y") -> Target:
    """Validate and encode a multi-label indicator (see the module docstring)."""
    import pandas as pd

    if positive is not None:
        option = "--positive" if name.startswith("--") else "positive="
        raise ValueError(
            f"{option} is for a one-column target; the columns of a multi-label {name} must be 0/1 or "
            f"true/false (1 / true is the positive value), got {option.rstrip('=')} {positive!r}"
        )
    if isinstance(y, pd.DataFrame):
        frame = y.rename(columns=str) if not all(isinstance(c, str) for c in y.columns) else y
    else:
        arr = np.asarray(y)
        frame = pd.DataFrame(arr, columns=[f"label{k}" for k in range(arr.shape[1])], copy=False)
    n, k = frame.shape
    if k == 1:
        one = "--target" if name.startswith("--") else f"{name}[:, 0]"
        raise ValueError(
            f"{name} has a single column ({frame.columns[0]!r}, shape {frame.shape}): pass a 1-D binary target "
            f"({one}) instead; a multi-label target needs at least 2 columns"
        )
    if k == 0:
        raise ValueError(f"{name} has no columns")
    if n == 0:
        raise ValueError(f"{name} is empty")
    if frame.columns.duplicated().any():
        raise ValueError(f"{name} has duplicated label names: {frame.columns[frame.columns.duplicated()].tolist()!r}")
    notes: list[str] = []
    frame, keep = _drop_missing(frame, frame.isna().to_numpy(), drop_missing, name, notes)
    codes = np.empty(frame.shape, dtype=np.intp)
    for j, col in enumerate(frame.columns):
        values = frame[col]
        uniq = pd.unique(values)
        if not all(_is_binary_value(_builtin(v)) for v in uniq):
            try:
                ordered = sorted(uniq)
            except TypeError:
                ordered = sorted(uniq, key=str)
            shown = ", ".join(repr(_builtin(v)) for v in ordered[:6])
            raise ValueError(
                f"{name} column {col!r} must hold 0/1 or true/false values for a multi-label target, got {shown}"
                + (" ..." if len(uniq) > 6 else "")
                + " (a column of other labels: make it 0/1, or study it alone as a one-column target)"
            )
        codes[:, j] = values.to_numpy(dtype=np.float64) == 1.0
    positives = codes.sum(axis=0)
    for j in np.flatnonzero((positives == 0) | (positives == codes.shape[0])).tolist():
        value = int(codes[0, j])
        raise ValueError(
            f"{name} column {frame.columns[j]!r} is {value} in every row: every label of a multi-label target "
            "needs positive and negative rows"
        )
    notes.append(f"multi-label target: {k} labels ({', '.join(repr(c) for c in frame.columns)})")
    return Target(codes, [str(c) for c in frame.columns], "multilabel", None, notes, keep)


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


# ---------------------------------------------------------------- multi-label folds
def _apportion(total: int, weights: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.intp]:
    """Integers summing to ``total``, proportional to ``weights`` (>= 0; all zero: equal shares) by largest
    remainders, ties broken at random."""
    w = np.clip(weights, 0.0, None)
    w = np.ones_like(w) if not w.sum() > 0 else w
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.intp)
    short = total - int(out.sum())
    if short > 0:
        order = np.lexsort((rng.random(w.shape[0]), -(exact - out)))  # largest remainder first
        out[order[:short]] += 1
    return out


def _interleaved(quota: NDArray[np.intp], rng: np.random.Generator) -> NDArray[np.intp]:
    """A fold sequence with ``quota[f]`` entries of fold ``f``, spread evenly (fold f at the positions
    ``(j + u) / quota[f]``, u uniform): dealt to rows sorted by their labels, every fold gets a
    stratified slice of them."""
    folds = np.repeat(np.arange(quota.shape[0]), quota)
    rank = np.concatenate([np.arange(q) for q in quota]) if quota.sum() else np.zeros(0)
    position = (rank + rng.random(folds.shape[0])) / np.repeat(np.maximum(quota, 1), quota)
    return folds[np.argsort(position, kind="stable")]


def iterative_stratification(
    Y: NDArray[np.intp], proportions: NDArray[np.float64] | list[float], rng: np.random.Generator
) -> NDArray[np.intp]:
    r"""Fold of every row for a multi-label indicator ``Y`` (n, K): label-wise iterative stratification.

    The scheme of Sechidis, Tsoumakas and Vlahavas (2011, "On the stratification of multi-label
    data", ECML PKDD), done one label at a time instead of one row at a time (vectorised; K steps):

    1. per label, the *minority value* (1, or 0 for a label positive in most rows) is the one to
       spread; every fold ``f`` wants ``p_f m_l`` of label ``l``'s ``m_l`` minority rows and
       ``p_f n`` rows in all;
    2. take the label with the fewest minority rows not yet placed; its unplaced rows go first
       one to every fold that has none of them yet (as far as they reach; largest want first),
       the rest in proportion to each fold's remaining want of that label (largest
       remainders); the rows are sorted by their other labels and dealt to the folds in an
       evenly interleaved order, so each fold gets a stratified slice of the label
       combinations; the wants of every label are updated;
    3. repeat until every row with a minority value is placed; the rows without one fill the
       folds up to their sizes.

    Rarest labels first is what makes "every fold holds every label" hold for the rarest label
    whenever it has one minority row per fold; a later label, some of whose rows the earlier
    labels placed, fills the folds without it first, which reached every fold in every case
    tested (:func:`check_multilabel_splits` refuses a split that does not); fold sizes come out within
    a row or so of ``p_f n`` when enough rows carry no minority value. Chosen over stratifying on
    the label combination, which with K labels has up to 2^K mostly unique combinations that
    must be merged, and then no longer spreads each label's rare positives.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 indicator.
    proportions : sequence of float
        The share of each fold (summing to 1): ``[1/cv] * cv`` for cross-validation,
        ``[0.8, 0.2]`` for a train / validation split.
    rng : numpy Generator
        Breaks the ties and orders the rows (seeded by the caller).

    Returns
    -------
    ndarray of shape (n_samples,)
        Fold index of every row, in ``0 .. len(proportions) - 1``.
    """
    Y = np.asarray(Y)
    n, k = Y.shape
    p = np.asarray(proportions, dtype=np.float64)
    n_folds = p.shape[0]
    minority = Y != (Y.sum(axis=0) > n / 2)  # True where the row holds the label's rarer value
    size_want = p * n
    label_want = p[:, None] * minority.sum(axis=0)[None, :]  # (F, K)
    label_have = np.zeros((n_folds, k))
    fold = np.full(n, -1, dtype=np.intp)
    open_rows = np.ones(n, dtype=bool)
    for _ in range(k):
        left = minority[open_rows].sum(axis=0)
        if not left.any():
            break
        label = int(np.argmin(np.where(left > 0, left, n + 1)))
        rows = np.flatnonzero(open_rows & minority[:, label])
        m = rows.shape[0]
        want = label_want[:, label] - label_have[:, label]
        quota = np.zeros(n_folds, dtype=np.intp)
        lacking = np.flatnonzero(label_have[:, label] == 0)
        if lacking.size:
            first = lacking[np.lexsort((rng.random(lacking.size), -want[lacking]))][:m]
            quota[first] = 1
        quota += _apportion(m - int(quota.sum()), want - quota, rng)
        # rows ordered by their other labels (random within equal combinations), dealt evenly
        keys = [rng.random(m), *minority[rows].T[::-1]]
        rows = rows[np.lexsort(keys)]
        assigned = _interleaved(quota, rng)
        fold[rows] = assigned
        open_rows[rows] = False
        np.add.at(label_have, assigned, minority[rows].astype(np.float64))
        size_want -= quota
    rest = np.flatnonzero(open_rows)
    rest = rest[rng.permutation(rest.shape[0])]
    fold[rest] = np.repeat(np.arange(n_folds), _apportion(rest.shape[0], size_want, rng))
    return fold


def iter_splits(
    target: Target, cv: int, repeats: int, seed: int
) -> Iterator[tuple[int, int, NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]]:
    """The study's splits, seeded: ``(repeat, fold, train, test, inner_train, inner_valid)`` row positions.

    Binary / multiclass: scikit-learn's ``StratifiedKFold`` and :func:`inner_split`; multi-label:
    :func:`iterative_stratification` for both (``[1/cv] * cv`` and ``[0.8, 0.2]``).
    """
    codes = target.codes
    n = codes.shape[0]
    for r in range(repeats):
        outer_seed = (seed + 7919 * r) % 2**32
        if target.multilabel:
            ids = iterative_stratification(codes, [1.0 / cv] * cv, np.random.default_rng([outer_seed, 5]))
            pairs = [(np.flatnonzero(ids != k), np.flatnonzero(ids == k)) for k in range(cv)]
        else:
            from sklearn.model_selection import StratifiedKFold

            folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=outer_seed)
            pairs = list(folds.split(np.zeros(n), codes))
        for k, (tr, te) in enumerate(pairs):
            inner_rng = np.random.default_rng([seed, 2, r, k])
            if target.multilabel:
                part = iterative_stratification(codes[tr], [1.0 - INNER_VALID_SHARE, INNER_VALID_SHARE], inner_rng)
                a, b = np.flatnonzero(part == 0), np.flatnonzero(part == 1)
            else:
                a, b = inner_split(codes[tr], inner_rng)
            yield r, k, tr, te, tr[a], tr[b]


def check_multilabel_splits(target: Target, cv: int, repeats: int, seed: int, option: str = "cv=") -> None:
    """Every test fold, inner training part and inner validation part holds both values of every label
    (else a ValueError naming the label, before any training)."""
    Y = target.codes
    for r, k, _, te, itr, iva in iter_splits(target, cv, repeats, seed):
        for part, rows in (("outer test fold", te), ("inner training part", itr), ("inner validation split", iva)):
            pos = Y[rows].sum(axis=0)
            bad = np.flatnonzero((pos == 0) | (pos == rows.shape[0]))
            if bad.size:
                j = int(bad[0])
                raise ValueError(
                    f"label {target.classes[j]!r} cannot be spread over {option}{cv} folds: the {part} of fold {k + 1} "
                    f"(repeat {r + 1}) has no {'positive' if pos[j] == 0 else 'negative'} row of it; use fewer folds "
                    "or add rows"
                )
