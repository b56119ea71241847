"""What the global pass over a Ray ``Dataset`` gives every worker: :class:`ClassTotals` and :class:`FocalSetup`.

Below both :mod:`boostfocal.ray` (the pass itself, the public names) and
:mod:`boostfocal._ray_train` (the training loops that take a setup): no import runs back up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._adapter import init_score as _init_score_rows
from ._loss import FocalLoss, HessFloor
from ._profiles import make_record

__all__ = ["ClassTotals", "FocalSetup"]


@dataclass(frozen=True)
class ClassTotals:
    """Global label statistics of a dataset (one pass of :func:`class_totals`).

    ``classes``: the class labels in code order (multi-label: the label column names);
    ``counts`` / ``weights``: rows and sample-weight sums per class, shape (K,), or per
    label ``[negatives, positives]``, shape (K, 2) (without a weight column: the counts).
    """

    classes: list[Any]
    counts: NDArray[np.float64]
    weights: NDArray[np.float64]
    n_rows: int
    multilabel: bool

    @property
    def total_weight(self) -> float:
        """Sum of all sample weights (rows when unweighted)."""
        return float(self.weights[0].sum() if self.multilabel else self.weights.sum())


@dataclass(frozen=True)
class FocalSetup:
    """What every worker needs from all rows: the resolved loss, the starting margin, the record.

    Built by :func:`prepare` on the driver; picklable (put it in ``train_loop_config``).
    ``alpha`` is the fitted class weighting (``alpha_`` of the estimators), ``initial_margin``
    the starting margin (float, (K,) softmax or (K,) per label), ``class_balance`` each
    class's (label's positive) share of the total weight.
    """

    loss: FocalLoss
    alpha: float | NDArray[np.float64] | None
    initial_margin: float | NDArray[np.float64]
    hess_floor: HessFloor
    totals: ClassTotals
    class_balance: NDArray[np.float64]
    label: list[str]
    weight: str | None
    features: list[str]

    @property
    def multilabel(self) -> bool:
        """True for a multi-label target (one sigmoid per label column)."""
        return self.loss.is_multilabel

    @property
    def classes(self) -> list[Any]:
        """The classes in code order (multi-label: the label columns)."""
        return self.totals.classes

    @property
    def num_class(self) -> int | None:
        """None for binary, else the number of classes (softmax) or labels (multi-label)."""
        return self.loss.num_class

    # ------------------------------------------------------------------ rows of a shard
    def arrays(self, frame: Any) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
        """``(X, y, w)`` of a shard (a pandas DataFrame): features, label codes (multi-label: (n, K)), weights.

        Raises
        ------
        ValueError
            For a label outside the classes of the global pass.
        """
        X = frame[self.features].to_numpy(dtype=np.float64)
        w = None if self.weight is None else frame[self.weight].to_numpy(dtype=np.float64)
        if self.multilabel:
            return X, frame[self.label].to_numpy(dtype=np.float64), w
        values, inverse = np.unique(frame[self.label[0]].to_numpy(), return_inverse=True)
        lookup = {c: i for i, c in enumerate(self.classes)}
        unknown = [v for v in values.tolist() if v not in lookup]
        if unknown:
            raise ValueError(f"label {unknown[0]!r} is not one of the classes {self.classes!r} of the global pass")
        codes = np.array([lookup[v] for v in values.tolist()], dtype=np.float64)
        return X, codes[inverse.ravel()], w

    # ------------------------------------------------------------------ per library
    def xgboost_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """XGBoost parameters starting from the global margin (``objective``, ``base_score``, ``num_class``).

        As :func:`boostfocal.xgboost.focal_params` on all rows: ``binary:logistic`` with
        ``base_score = expit(z*)``, ``multi:softprob`` with the per-class margins, or multi-label
        ``binary:logistic`` with one probability per label. ``disable_default_eval_metric`` is
        set unless ``eval_metric`` is given (the focal metric is the one reported).
        """
        from .xgboost import base_score_from_margin

        out = dict(params or {})
        out.pop("num_class", None)
        softmax = self.num_class is not None and not self.multilabel
        out["objective"] = "multi:softprob" if softmax else "binary:logistic"
        if softmax:
            out["num_class"] = self.num_class
        out["base_score"] = base_score_from_margin(self.initial_margin, multilabel=self.multilabel)
        if "eval_metric" not in out:
            out.setdefault("disable_default_eval_metric", True)
        return out

    def init_score(self, n_rows: int) -> NDArray[np.float64]:
        """LightGBM ``init_score`` for ``n_rows`` rows of any shard: the global margin on every row."""
        if n_rows == 0:  # an empty shard
            return np.zeros((0, *np.shape(self.initial_margin)))
        return _init_score_rows(self.initial_margin, n_rows)

    def record(self, library: str) -> dict[str, Any]:
        """The record saved with the model (``"xgboost"`` / ``"lightgbm"``): the estimators' format.

        ``FocalXGBClassifier().load_model`` restores the fitted attributes from it;
        :func:`boostfocal.lightgbm.focal_metadata` reads it from a LightGBM model.
        """
        from ._profiles import LIGHTGBM

        k = len(self.classes)
        if library == "xgboost":
            from .xgboost import PROFILE

            profile, estimator = PROFILE, "FocalXGBClassifier"
        elif library == "lightgbm":
            profile, estimator = LIGHTGBM, "FocalLGBMClassifier"
        else:
            raise ValueError(f"library must be 'xgboost' or 'lightgbm', got {library!r}")
        margin = self.initial_margin
        return make_record(
            self.loss,
            hess_floor=self.hess_floor,
            initial_margin=margin if isinstance(margin, float) else np.asarray(margin).tolist(),
            class_balance=self.class_balance.tolist(),
            classes=list(range(k)) if self.multilabel else _builtin(self.classes),
            label_columns=self.label,
            softmax_hess_factor=profile.softmax_hess_scale(k) if self.num_class and not self.multilabel else None,
            correct_proba=False,
            estimator=estimator,
            trained_with="boostfocal.ray",
        )


def _builtin(values: Sequence[Any]) -> list[Any]:
    return [v.item() if isinstance(v, np.generic) else v for v in values]
