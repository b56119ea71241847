"""The plan of a study: the options and the data validated together, before any training.

:func:`plan_study` checks the options (:meth:`._options.StudyOptions.checked`), prepares the
features and the target (:mod:`._data`), the weights, the optional subsample, and that every
class (every label's positives and negatives) has rows enough for the folds; then it draws the
configurations. :func:`._run.run_study` trusts the :class:`Plan` it gets.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._data import (
    Target,
    check_multilabel_splits,
    iterative_stratification,
    min_class_rows,
    prepare_target,
)
from ._features import Preparation, prepare_features
from ._methods import loss_configs
from ._options import Settings, StudyOptions
from ._space import booster_configs

__all__ = ["Plan", "plan_study"]


@dataclass(frozen=True)
class Plan(Settings):
    """Everything :func:`._run.run_study` needs, validated (no training has happened yet): the
    :class:`._options.Settings` (the one list of the study's options) and the prepared data."""

    X: Any  # pandas DataFrame
    target: Target
    sample_weight: NDArray[np.float64] | None
    runs: list[tuple[str, str]]  # (method, library), in report order
    boosters: list[dict[str, float | int]]
    loss_params: dict[str, list[dict[str, Any]]]
    notes: list[str]
    preparation: Preparation

    @property
    def n_fits(self) -> int:
        return len(self.runs) * self.budget * self.cv * self.repeats


def _stratified_subsample(target: Target, n: int, seed: int) -> NDArray[np.intp]:
    codes = target.codes
    rng = np.random.default_rng([seed, 3])
    if target.multilabel:
        share = n / codes.shape[0]
        return np.flatnonzero(iterative_stratification(codes, [share, 1.0 - share], rng) == 0)
    keep = []
    for k in np.unique(codes):
        idx = np.flatnonzero(codes == k)
        keep.append(rng.choice(idx, size=max(1, round(idx.shape[0] * n / codes.shape[0])), replace=False))
    return np.sort(np.concatenate(keep))


def _checked_weights(sample_weight: Any, n_rows: int) -> NDArray[np.float64] | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if w.shape[0] != n_rows:
        raise ValueError(f"sample_weight must have one value per row ({n_rows}), got {w.shape[0]}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"sample_weight has {int((~np.isfinite(w)).sum())} missing or infinite value(s)")
    if np.any(w < 0):
        raise ValueError(f"sample_weight must be >= 0, got a minimum of {float(w.min())!r}")
    return w


def _check_multilabel_rows(
    target: Target, w: NDArray | None, s: Settings, option: Callable[[int], str], cli: bool
) -> None:
    Y = target.codes
    if w is not None:
        pos_w = w @ Y
        if np.any(pos_w <= 0) or np.any(w.sum() - pos_w <= 0):
            raise ValueError("sample_weight: every label needs a positive total weight of its 0 and of its 1 rows")
    need = min_class_rows(s.cv)
    positives = Y.sum(axis=0)
    minority = np.minimum(positives, Y.shape[0] - positives)
    j = int(minority.argmin())
    if minority[j] < need:
        workable = [k for k in range(2, s.cv) if min_class_rows(k) <= minority[j]]
        value = "positive" if positives[j] <= Y.shape[0] - positives[j] else "negative"
        hint = f"{option(workable[-1])} would work" if workable else "no number of folds works: add rows"
        raise ValueError(
            f"label {target.classes[j]!r} has {int(minority[j])} {value} row(s); {option(s.cv)} needs at least "
            f"{need} (one per test fold and two per training fold for the inner validation split); {hint}"
        )
    check_multilabel_splits(target, s.cv, s.repeats, s.random_state, option="--cv " if cli else "cv=")


def _check_class_rows(target: Target, w: NDArray | None, s: Settings, option: Callable[[int], str]) -> None:
    if w is not None:
        per_class = np.bincount(target.codes, weights=w, minlength=target.n_classes)
        if np.any(per_class <= 0):
            raise ValueError("sample_weight: every class needs a positive total weight")
    need = min_class_rows(s.cv)
    counts = np.bincount(target.codes, minlength=target.n_classes)
    rarest = int(counts.argmin())
    if counts[rarest] < need:
        workable = [k for k in range(2, s.cv) if min_class_rows(k) <= counts[rarest]]
        hint = f"{option(workable[-1])} would work" if workable else "no number of folds works: add rows of that class"
        raise ValueError(
            f"the rarest class {target.classes[rarest]!r} has {int(counts[rarest])} row(s); {option(s.cv)} needs at "
            f"least {need} (one per test fold and two per training fold for the inner validation split); {hint}"
        )


def plan_study(
    X: Any,
    y: Any,
    options: StudyOptions,
    *,
    notes: Sequence[str] = (),
    target_name: str = "y",
    cli: bool = False,
    dropped: Mapping[str, str] | None = None,
    target_columns: Sequence[str] = (),
    weight_column: str | None = None,
) -> Plan:
    """Validate the options and the data (see :func:`boostfocal.compare`); trains nothing.

    ``notes`` come first in the study's notes (the command line's own); ``target_name`` names the
    target in messages; ``cli`` words the messages for the command line (``--cv 3``, not ``cv=3``)
    and leaves the majority-class warning to the console instead of :mod:`warnings`; ``dropped``
    (``{column: why}``), ``target_columns`` and ``weight_column`` are the columns the caller took
    out of ``X`` (kept in the saved preparation).
    """
    s = options.checked()
    frame, feature_notes, preparation = prepare_features(
        X, dropped=dropped, target=tuple(target_columns), weight=weight_column
    )
    n_y = len(y) if hasattr(y, "__len__") else np.asarray(y).shape[0]
    if n_y != frame.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {frame.shape[0]} and {n_y}")
    target = prepare_target(y, positive=options.positive, drop_missing=s.drop_missing_target, name=target_name)
    warning = target.majority_warning()
    if warning and not cli:
        warnings.warn(warning.removeprefix("warning: "), UserWarning, stacklevel=3)
    all_notes = [*notes, *feature_notes, *target.notes]
    w = _checked_weights(options.sample_weight, frame.shape[0])
    if target.keep is not None:
        frame = frame[target.keep]
        w = None if w is None else w[target.keep]
    if s.max_rows is not None and frame.shape[0] > s.max_rows:
        keep = _stratified_subsample(target, s.max_rows, s.random_state)
        option_name = "--max-rows" if cli else "max_rows"
        all_notes.append(f"{option_name}: stratified subsample of {keep.shape[0]:,} of {frame.shape[0]:,} rows")
        frame = frame.iloc[keep]
        target = target.subset(keep)
        w = None if w is None else w[keep]
    if hasattr(frame, "reset_index"):
        frame = frame.reset_index(drop=True)

    def option(k: int) -> str:
        return f"--cv {k}" if cli else f"cv={k}"

    if target.multilabel:
        _check_multilabel_rows(target, w, s, option, cli)
    else:
        _check_class_rows(target, w, s, option)
    runs = [(m, lib) for lib in s.libraries for m in s.methods]
    loss_params = {m: loss_configs(m, s.budget, s.random_state, target.loss_classes, s.space) for m in s.methods}
    return Plan(
        **{f.name: getattr(s, f.name) for f in fields(Settings)},
        X=frame,
        target=target,
        sample_weight=w,
        runs=runs,
        boosters=booster_configs(s.budget, s.random_state),
        loss_params=loss_params,
        notes=all_notes,
        preparation=preparation,
    )
