r"""Focal loss on Ray Train: the statistics that need every row, computed once over a Ray ``Dataset``.

Each Ray Train worker holds a shard of the data. The focal gradient of a row needs that row
only, so the objectives of :mod:`boostfocal.xgboost` / :mod:`boostfocal.lightgbm` run on the
workers as they are. What needs every row is computed here, on the driver, in one pass
(:func:`class_totals`: per-class -- multi-label: per-label -- row counts and sample-weight
sums), and handed to the workers as one small picklable :class:`FocalSetup`:

* the resolved loss: ``alpha="balanced"`` (``n / (K n_k)``) and ``"effective_number"``
  (:func:`boostfocal.class_balanced_alpha`) from the global weighted class counts;
* the starting margin :math:`z^* = \arg\min_z \sum_c W_c\,a_c\,FL(z, c)` from the global
  class weights ``W_c`` (multi-label: one per label), as XGBoost parameters
  (:meth:`FocalSetup.xgboost_params`: ``base_score``) or LightGBM ``init_score`` rows
  (:meth:`FocalSetup.init_score`);
* the record saved with the model (:meth:`FocalSetup.record`).

They equal what a single-machine fit (``FocalXGBClassifier`` / ``FocalLGBMClassifier``) computes
on the same rows, up to the order of the floating-point sums. A shard may miss a class (the
global counts decide); a class missing from every shard is an error naming it.

The training functions (:func:`xgboost_train_loop`, :func:`lightgbm_train_loop`, and
:func:`train_xgboost` / :func:`train_lightgbm` to call inside a training function of your own)
train with early stopping on a validation dataset, report the focal metric every round
through Ray's report callback -- the global weighted mean over all workers' validation rows
(:mod:`boostfocal.collective`), so every worker stops at the same round -- and report the model
with its record as the final checkpoint: :func:`load_xgboost` gives a ``FocalXGBClassifier``,
:func:`load_lightgbm` a LightGBM booster with the starting margin inside (predict with
:func:`boostfocal.lightgbm.predict_proba`).
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    import ray
    import ray.data
except ImportError as exc:  # pragma: no cover - exercised by a test that hides ray
    raise ImportError(
        "boostfocal.ray needs Ray Train: install the extra with pip install 'boostfocal[ray]' (ray[train])"
    ) from exc

from ._class_params import alpha_by_rule, fitted_alpha, per_class
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor, MultilabelFocalLoss
from ._policy import HessPolicy
from ._ray_setup import ClassTotals, FocalSetup
from ._ray_train import (
    RAY_CHECKPOINT_FILES,
    lightgbm_network_params,
    lightgbm_train_loop,
    load_lightgbm,
    load_xgboost,
    train_lightgbm,
    train_xgboost,
    xgboost_train_loop,
)
from ._validation import check_unit_interval

__all__ = [
    "ClassTotals",
    "FocalSetup",
    "RAY_CHECKPOINT_FILES",
    "class_totals",
    "prepare",
    "train_xgboost",
    "train_lightgbm",
    "xgboost_train_loop",
    "lightgbm_train_loop",
    "lightgbm_network_params",
    "load_xgboost",
    "load_lightgbm",
]


# ---------------------------------------------------------------------------------------------- the pass
def _batch_partials(batch: dict[str, NDArray], labels: list[str], weight: str | None, multilabel: bool) -> dict:
    """One batch's sums (a pickled dict in a one-row column): what :func:`class_totals` adds up.

    Nothing is raised on a worker: bad values are reported in the partial and refused on the
    driver, as one clear error rather than a wrapped remote traceback.
    """
    n = len(batch[labels[0]])
    w = np.ones(n) if weight is None else np.asarray(batch[weight], dtype=np.float64)
    bad_w = ~np.isfinite(w) | (w < 0)
    part: dict[str, Any] = {"n": n, "w_total": float(w.sum()), "bad_weight": w[bad_w][:1].tolist() or None}
    if multilabel:
        Y = np.column_stack([np.asarray(batch[c]) for c in labels]) if n else np.zeros((0, len(labels)))
        with np.errstate(invalid="ignore"):
            bad = ~((Y == 0) | (Y == 1))
        part["bad_label"] = None
        if bad.any():
            i, k = np.argwhere(bad)[0]
            part["bad_label"] = (labels[int(k)], Y[i, k].item())
        pos = Y == 1
        part["pos_counts"] = pos.sum(axis=0).astype(np.float64)
        part["pos_weights"] = w @ pos if n else np.zeros(len(labels))
    else:
        values, inverse = np.unique(np.asarray(batch[labels[0]]), return_inverse=True)
        part["values"] = values.tolist()
        part["counts"] = np.bincount(inverse.ravel(), minlength=len(values)).astype(np.float64)
        part["weights"] = np.bincount(inverse.ravel(), weights=w, minlength=len(values))
    return {"partial": np.array([pickle.dumps(part)], dtype=object)}


def _check_labels_arg(label: object) -> tuple[list[str], bool]:
    if isinstance(label, str):
        return [label], False
    if isinstance(label, Sequence) and len(label) >= 2 and all(isinstance(c, str) for c in label):
        return list(label), True
    raise TypeError(
        f"label must be a column name (one label per row) or a list of at least 2 column names (multi-label), "
        f"got {label!r}"
    )


def _check_dataset(dataset: object, caller: str) -> ray.data.Dataset:
    if isinstance(dataset, ray.data.Dataset):
        return dataset
    if type(dataset).__name__ in ("DataIterator", "StreamSplitDataIterator") or hasattr(dataset, "iter_batches"):
        raise TypeError(
            f"{caller} needs the whole ray.data.Dataset, on the driver; got {type(dataset).__name__} (a worker's "
            "shard?): statistics of one shard would give each worker its own starting margin and class weights. "
            "Call boostfocal.ray.prepare(dataset, ...) before trainer.fit() and pass the setup in train_loop_config"
        )
    raise TypeError(f"{caller} needs a ray.data.Dataset, got {type(dataset).__name__}")


def _merge_single(parts: list[dict], classes: Sequence[Any] | None, label: str) -> tuple[list, NDArray, NDArray]:
    counts: dict[Any, float] = {}
    weights: dict[Any, float] = {}
    for part in parts:
        for value, c, w in zip(part["values"], part["counts"], part["weights"], strict=True):
            counts[value] = counts.get(value, 0.0) + float(c)
            weights[value] = weights.get(value, 0.0) + float(w)
    missing = [v for v in counts if v is None or (isinstance(v, float) and np.isnan(v))]
    if missing:
        raise ValueError(f"label column {label!r} holds missing values ({missing[0]!r}); drop or fill them first")
    if classes is None:
        found = sorted(counts)
        if len(found) < 2:
            raise ValueError(f"label column {label!r} holds {len(found)} class ({found!r}); a classifier needs 2")
        declared = found
    else:
        declared = list(classes)
        outside = [v for v in counts if v not in set(declared)]
        if outside:
            raise ValueError(
                f"label column {label!r} holds values outside the declared classes {declared!r}: {outside[:5]!r}"
            )
    return declared, np.array([counts.get(c, 0.0) for c in declared]), np.array([weights.get(c, 0.0) for c in declared])


def class_totals(
    dataset: ray.data.Dataset,
    *,
    label: str | Sequence[str],
    weight: str | None = None,
    classes: Sequence[Any] | None = None,
) -> ClassTotals:
    r"""Per-class (or per-label) row counts and sample-weight sums of a Ray Dataset, in one pass.

    Each block is reduced where it lives (``map_batches``); the driver adds the partial sums:
    :math:`W_c = \sum_{i: y_i = c} w_i` (multi-label: :math:`W_{k,1} = \sum_{i: Y_{ik} = 1} w_i`,
    :math:`W_{k,0}` the rest).

    Parameters
    ----------
    dataset : ray.data.Dataset
        The training rows (the whole dataset, not a worker's shard).
    label : str or list of str
        The label column, or the K >= 2 0/1 columns of a multi-label target.
    weight : str, optional
        The sample-weight column (finite, >= 0).
    classes : sequence, optional
        The declared classes, in code order (binary: ``classes[1]`` is the positive class); a
        label outside them is an error, and so is a declared class without rows. Default: the
        sorted distinct labels found.

    Returns
    -------
    ClassTotals

    Raises
    ------
    TypeError
        For a worker's shard (``DataIterator``) instead of the Dataset, or a bad ``label``.
    ValueError
        Missing label values, labels outside ``classes``, non-0/1 multi-label values, negative or
        non-finite weights, or fewer than 2 classes.
    """
    ds = _check_dataset(dataset, "class_totals")
    labels, multilabel = _check_labels_arg(label)
    if multilabel and classes is not None:
        raise ValueError("classes is for one label per row; a multi-label target's labels are its columns")
    names = set(ds.schema().names)
    for column in [*labels, *([] if weight is None else [weight])]:
        if column not in names:
            raise ValueError(f"column {column!r} is not in the dataset (columns: {sorted(names)})")
    reduce_batch = functools.partial(_batch_partials, labels=labels, weight=weight, multilabel=multilabel)
    columns = ds.select_columns([*labels, *([] if weight is None else [weight])])
    partials = columns.map_batches(reduce_batch, batch_format="numpy", batch_size=None)
    parts = [pickle.loads(row["partial"]) for row in partials.take_all()]
    bad_w = next((p["bad_weight"][0] for p in parts if p["bad_weight"]), None)
    if bad_w is not None:
        raise ValueError(f"weight column {weight!r} must hold finite values >= 0, got {bad_w!r}")
    n_rows = int(sum(p["n"] for p in parts))
    if n_rows == 0:
        raise ValueError("the dataset has no rows")
    if not multilabel:
        declared, counts, weights = _merge_single(parts, classes, labels[0])
        return ClassTotals(declared, counts, weights, n_rows, False)
    bad = next((p["bad_label"] for p in parts if p["bad_label"] is not None), None)
    if bad is not None:
        raise ValueError(f"multi-label column {bad[0]!r} must hold 0 / 1 values, got {bad[1]!r}")
    pos_c = np.sum([p["pos_counts"] for p in parts], axis=0)
    pos_w = np.sum([p["pos_weights"] for p in parts], axis=0)
    w_total = float(sum(p["w_total"] for p in parts))
    counts = np.column_stack([n_rows - pos_c, pos_c])
    return ClassTotals(labels, counts, np.column_stack([w_total - pos_w, pos_w]), n_rows, True)


# ---------------------------------------------------------------------------------------------- the setup
def _empty_classes(totals: ClassTotals) -> None:
    """A class (a label's positives or negatives) with no weight in any shard: the margin would be infinite."""
    if totals.multilabel:
        for name, row in zip(totals.classes, totals.weights, strict=True):
            if not np.all(row > 0):
                side = "positive" if row[1] <= 0 else "negative"
                raise ValueError(
                    f"label column {name!r} has no {side} rows with weight > 0 in the whole dataset; every label "
                    "needs both values (a constant label cannot be learned)"
                )
        return
    for c, w in zip(totals.classes, totals.weights, strict=True):
        if not w > 0:
            raise ValueError(
                f"class {c!r} has no rows with weight > 0 in any shard of the dataset; drop it from classes "
                "or add its rows (its starting margin would be infinite)"
            )


def prepare(
    dataset: ray.data.Dataset,
    *,
    label: str | Sequence[str],
    weight: str | None = None,
    features: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    gamma: float | Sequence[float] | Mapping[Any, float] = 2.0,
    alpha: float | str | Sequence[float] | Mapping[Any, float] | None = None,
    balance_beta: float = 0.999,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    poly_epsilon: float = 0.0,
    hess_floor: HessFloor = CURVATURE_FLOOR,
) -> FocalSetup:
    r"""The global pass: one :func:`class_totals` over the Dataset, then the loss and margin resolved from it.

    Parameters
    ----------
    dataset : ray.data.Dataset
        The training rows (the whole dataset, on the driver).
    label, weight, classes
        As in :func:`class_totals`.
    features : sequence of str, optional
        The feature columns, in order; default: every column but the label(s) and weight.
    gamma, alpha, balance_beta, label_smoothing, negative_shift, poly_epsilon, hess_floor
        As in :class:`boostfocal.FocalXGBClassifier` (dicts keyed by class, ``alpha="balanced"`` /
        ``"effective_number"`` from the global sample-weighted class counts).

    Returns
    -------
    FocalSetup

    Raises
    ------
    TypeError, ValueError
        Those of :func:`class_totals`; a class (multi-label: a label value) with no weight in the
        whole dataset, naming it; bad loss parameters (as :class:`boostfocal.FocalLoss`).
    """
    policy = HessPolicy.parse(hess_floor, allow_none=False)
    beta = check_unit_interval(balance_beta, "balance_beta")
    totals = class_totals(dataset, label=label, weight=weight, classes=classes)
    _empty_classes(totals)
    labels = list(totals.classes) if totals.multilabel else [str(label)]
    excluded = {*labels, *([] if weight is None else [weight])}
    feats = [c for c in dataset.schema().names if c not in excluded] if features is None else list(features)
    clash = excluded.intersection(feats)
    if clash or not feats:
        raise ValueError(f"features must be non-empty and hold no label / weight column, got {feats!r}")
    k = len(totals.classes)
    options = {"label_smoothing": label_smoothing, "negative_shift": negative_shift, "poly_epsilon": poly_epsilon}
    if totals.multilabel:
        rows = alpha_by_rule(alpha, lambda: totals.weights, beta)  # (K, 2): per label, from its global weights
        shared: Any = gamma  # a number or a [g_0, g_1] pair shared by every label
        loss = FocalLoss(gamma=shared, alpha=rows, link="multilabel", num_class=k, **options)
        assert isinstance(loss, MultilabelFocalLoss)
        # each label's binary starting margin from its global [negative, positive] weights
        margin: float | NDArray[np.float64] = np.array(
            [loss.label_loss(j).initial_margin([0, 1], totals.weights[j]) for j in range(k)]
        )
        balance = totals.weights[:, 1] / totals.total_weight
        fitted = loss.alpha
    else:
        resolved = alpha_by_rule(per_class(alpha, totals.classes, "alpha"), lambda: totals.weights, beta)
        link, num = ("sigmoid", None) if k == 2 else ("softmax", k)
        g = per_class(gamma, totals.classes, "gamma")
        loss = FocalLoss(gamma=g, alpha=resolved, link=link, num_class=num, **options)
        margin = loss.initial_margin(np.arange(k), totals.weights)
        balance = totals.weights / totals.total_weight
        fitted = resolved
    return FocalSetup(loss, fitted_alpha(fitted), margin, policy.spelling, totals, balance, labels, weight, feats)
