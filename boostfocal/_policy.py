r"""The hessian policy: one small, immutable, typed value, parsed once at the public boundary.

The exact hessian of focal loss is negative for badly misclassified rows when
``gamma > 0``. A :class:`HessPolicy` says what the kernels do to it, in this order:

1. ``h *= scale`` (the library's softmax factor: 2 for XGBoost <= 3.2, ``K / (K - 1)``
   for LightGBM, 1 otherwise);
2. ``curvature``: ``"cross_entropy"`` raises ``h`` to ``scale * w a q^gamma c_CE`` (the
   cross-entropy curvature ``c_CE = p (1 - p)``, softmax ``p_k (1 - p_k)``, weighted by the
   row's focal weight); ``"abs_residual"`` uses ``|p_k - [k = y]|`` instead (XGBoost > 3.2's
   native softmax rule); ``"none"`` leaves ``h`` as it is;
3. ``floor``: ``max(h, floor * w)`` when not None.

Public spellings (:meth:`HessPolicy.parse`): ``None`` (exact), ``"curvature"`` (the
default of the objectives and estimators: the cross-entropy curvature backed by the
absolute floor ``1e-16 * w``, XGBoost's native ``eps``, where ``p (1 - p)`` underflows), or a
finite number ``f >= 0`` (``max(h, f w)``, boostfocal 0.1's policy).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

__all__ = ["HessPolicy", "Curvature", "CURVATURE_MIN_FLOOR", "EXACT"]

#: Which curvature raises the hessian (see the module notes).
Curvature = Literal["none", "cross_entropy", "abs_residual"]

#: Absolute floor that backs the curvature floor where ``p (1 - p)`` underflows (margins beyond
#: about +-37): XGBoost's native ``binary:logistic`` / ``multi:softprob`` use the same ``eps``.
CURVATURE_MIN_FLOOR = 1e-16

_CURVATURES = ("none", "cross_entropy", "abs_residual")


@dataclass(frozen=True)
class HessPolicy:
    r"""What the kernels do to the exact hessian: ``max(scale h, scale c, floor w)``.

    Parameters
    ----------
    curvature : {"none", "cross_entropy", "abs_residual"}, default="none"
        The curvature ``c`` the hessian is raised to (times ``w a q^\gamma``).
    floor : float or None, default=None
        Absolute floor per unit of sample weight, finite and >= 0; None: no floor.
    scale : float, default=1.0
        Factor applied to the hessian and to the curvature, finite and > 0.
    """

    curvature: Curvature = "none"
    floor: float | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.curvature not in _CURVATURES:
            raise ValueError(f"curvature must be one of {_CURVATURES}, got {self.curvature!r}")
        if self.floor is not None and not (np.isfinite(self.floor) and self.floor >= 0):
            raise ValueError(f"floor must be None or a finite number >= 0, got {self.floor!r}")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"hess_scale must be a finite number > 0, got {self.scale!r}")

    @classmethod
    def parse(cls, hess_floor: object, *, allow_none: bool = True, name: str = "hess_floor") -> HessPolicy:
        """The policy of a public spelling: None (exact), ``"curvature"`` or a number >= 0.

        Raises
        ------
        TypeError
            If ``hess_floor`` is neither None (where allowed), a string nor a real number.
        ValueError
            If it is another string, or a number that is negative or not finite.
        """
        if hess_floor is None and allow_none:
            return EXACT
        if isinstance(hess_floor, str):
            if hess_floor == "curvature":
                return cls(curvature="cross_entropy", floor=CURVATURE_MIN_FLOOR)
            raise ValueError(f"{name} must be 'curvature' or a finite number >= 0, got {hess_floor!r}")
        if isinstance(hess_floor, bool) or not isinstance(hess_floor, numbers.Real):
            allowed = "None, 'curvature'" if allow_none else "'curvature'"
            raise TypeError(
                f"{name} must be {allowed} or a real number >= 0, "
                f"got {hess_floor!r} of type {type(hess_floor).__name__}"
            )
        f = float(hess_floor)
        if not np.isfinite(f) or f < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {hess_floor!r}")
        return cls(floor=f)

    @property
    def spelling(self) -> str | float | None:
        """The public spelling this policy was parsed from (what records and reprs show)."""
        if self.curvature != "none":
            return "curvature"
        return self.floor

    def scaled(self, scale: float) -> HessPolicy:
        """The same policy with the library's softmax factor ``scale``."""
        return replace(self, scale=float(scale))

    def for_softmax(self, curvature: Curvature) -> HessPolicy:
        """The softmax form of a curvature policy: the library's softmax curvature rule."""
        return replace(self, curvature=curvature) if self.curvature != "none" else self


#: The exact hessian: no curvature, no floor, no scale.
EXACT = HessPolicy()
