"""boostfocal: exact, stable focal loss for XGBoost and LightGBM.

The numerical core (this namespace) needs only numpy. The framework adapters
live in :mod:`boostfocal.xgboost` and :mod:`boostfocal.lightgbm` and import
their library only when used.
"""

from __future__ import annotations

from ._core import (
    DEFAULT_HESS_FLOOR,
    binary_focal_grad_hess,
    binary_focal_loss,
    clip_hessian,
    initial_margin,
    softmax_focal_grad_hess,
    softmax_focal_loss,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_HESS_FLOOR",
    "binary_focal_loss",
    "binary_focal_grad_hess",
    "softmax_focal_loss",
    "softmax_focal_grad_hess",
    "clip_hessian",
    "initial_margin",
    "__version__",
]
