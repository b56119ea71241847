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
    class_balanced_alpha,
    clip_hessian,
    initial_margin,
    multilabel_focal_grad_hess,
    multilabel_focal_loss,
    softmax_focal_grad_hess,
    softmax_focal_loss,
)
from ._fast import get_backend, set_backend, use_backend
from ._link import LINKS
from ._loss import CURVATURE_FLOOR, FocalLoss

__version__ = "0.1.0"

# Names whose modules need an optional library (xgboost, lightgbm, scikit-learn, pandas):
# imported on first access so that ``import boostfocal`` needs numpy alone.
_LAZY = {
    "FocalXGBClassifier": "boostfocal.sklearn_xgboost",
    "FocalLGBMClassifier": "boostfocal.sklearn_lightgbm",
    "focal_to_posterior": "boostfocal.calibration",
    "to_onnx": "boostfocal.serving",
    "compare": "boostfocal._study",
    "CompareResult": "boostfocal._study",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'boostfocal' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CURVATURE_FLOOR",
    "DEFAULT_HESS_FLOOR",
    "FocalLoss",
    "LINKS",
    "binary_focal_loss",
    "binary_focal_grad_hess",
    "softmax_focal_loss",
    "softmax_focal_grad_hess",
    "multilabel_focal_loss",
    "multilabel_focal_grad_hess",
    "clip_hessian",
    "initial_margin",
    "class_balanced_alpha",
    "get_backend",
    "set_backend",
    "use_backend",
    "focal_to_posterior",
    "to_onnx",
    "FocalXGBClassifier",
    "FocalLGBMClassifier",
    "compare",
    "CompareResult",
    "__version__",
]
