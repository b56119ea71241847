r"""The search space of the study: the booster settings every method shares, and each loss's own parameters.

Booster space (the same for every method and both libraries; first configuration the
centre, the others seeded random draws):

===================  ==============================  =====================
setting              draw                            first configuration
===================  ==============================  =====================
learning_rate        log-uniform [0.02, 0.3]         0.1
max_depth            integer uniform {3, ..., 8}     6
min_child_weight     log-uniform [0.5, 20]           1
subsample            uniform [0.6, 1]                1
colsample_bytree     uniform [0.6, 1]                1
===================  ==============================  =====================

plus fixed ``reg_lambda = 1``, a cap on the rounds (``n_estimators``) and early stopping.
LightGBM gets ``num_leaves = min(2^max_depth - 1, 127)`` with the same ``max_depth`` and
``subsample_freq = 1``. The booster draws come from one seeded stream, identical for every
method (common random numbers): configuration ``i`` of log loss and configuration ``i`` of
focal loss grow trees with the same settings, and differ only in the loss.

Each method's own loss parameters (drawn from its own seeded stream) are described and drawn
by its class in :mod:`._methods`, with the helpers here (:func:`draw_gamma`, :func:`draw_alpha`
and their Optuna counterparts).
"""

from __future__ import annotations

import math
import numbers
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BOOSTER_CENTRE",
    "FocalSpace",
    "booster_configs",
    "library_params",
    "loss_stream",
    "draw_gamma",
    "draw_alpha",
    "alpha_choices",
    "suggest_booster",
    "suggest_gamma",
    "suggest_alpha",
]

BOOSTER_CENTRE: dict[str, float | int] = {
    "learning_rate": 0.1,
    "max_depth": 6,
    "min_child_weight": 1.0,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
}
GAMMA_RANGE = (0.25, 5.0)
ALPHA_CHOICES: tuple[Any, ...] = (None, (0.1, 0.9), "balanced")


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high)))) if high > low else float(low)


def booster_configs(budget: int, seed: int) -> list[dict[str, float | int]]:
    """``budget`` booster settings: the centre, then seeded random draws (the same for every method)."""
    rng = np.random.default_rng([seed, 0])
    configs: list[dict[str, float | int]] = [dict(BOOSTER_CENTRE)]
    while len(configs) < budget:
        configs.append(
            {
                "learning_rate": round(_log_uniform(rng, 0.02, 0.3), 5),
                "max_depth": int(rng.integers(3, 9)),
                "min_child_weight": round(_log_uniform(rng, 0.5, 20.0), 4),
                "subsample": round(float(rng.uniform(0.6, 1.0)), 4),
                "colsample_bytree": round(float(rng.uniform(0.6, 1.0)), 4),
            }
        )
    return configs[:budget]


@dataclass(frozen=True)
class FocalSpace:
    """The focal parameters searched: ``gamma`` a number (fixed) or a ``(low, high)`` range
    (log-uniform; 0 allowed as a fixed value only) and the ``alpha`` choices (each None, a
    number, a ``(low, high)`` range or a rule ``"balanced"`` / ``"effective_number"``)."""

    gamma: float | tuple[float, float] = GAMMA_RANGE
    alpha: tuple[Any, ...] = ALPHA_CHOICES

    @classmethod
    def checked(cls, gamma: Any, alpha: Any) -> FocalSpace:
        if isinstance(gamma, numbers.Real) and not isinstance(gamma, bool):
            if not (math.isfinite(gamma) and float(gamma) >= 0):
                raise ValueError(f"focal_gamma must be a finite number >= 0 or a (low, high) range, got {gamma!r}")
            g: float | tuple[float, float] = float(gamma)
        elif isinstance(gamma, Sequence) and not isinstance(gamma, str) and len(gamma) == 2:
            low, high = gamma
            ok = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (low, high))
            if not ok or not (0 < float(low) <= float(high) < math.inf):
                raise ValueError(f"focal_gamma as a range must be (low, high) with 0 < low <= high, got {gamma!r}")
            g = (float(low), float(high))
        else:
            raise TypeError(f"focal_gamma must be a number or a (low, high) range, got {gamma!r}")
        if alpha is None or isinstance(alpha, (str, numbers.Real)):
            alpha = (alpha,)
        if not isinstance(alpha, Sequence) or len(alpha) == 0:
            raise TypeError(f"focal_alpha must be a non-empty sequence of choices, got {alpha!r}")
        choices: list[Any] = []
        for a in alpha:
            if a is None or (isinstance(a, str) and a in ("balanced", "effective_number")):
                choices.append(a)
            elif isinstance(a, numbers.Real) and not isinstance(a, bool) and 0.0 < float(a) < 1.0:
                choices.append(float(a))
            elif (
                isinstance(a, Sequence)
                and not isinstance(a, str)
                and len(a) == 2
                and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in a)
                and 0.0 < a[0] <= a[1] < 1.0
            ):
                choices.append((float(a[0]), float(a[1])))
            else:
                raise ValueError(
                    "focal_alpha choices must be None, 'balanced', 'effective_number', a number in (0, 1) or a "
                    f"(low, high) range inside (0, 1), got {a!r}"
                )
        return cls(g, tuple(choices))

    def describe(self) -> dict[str, Any]:
        return {"gamma": list(self.gamma) if isinstance(self.gamma, tuple) else self.gamma, "alpha": list(self.alpha)}


def draw_gamma(space: FocalSpace, rng: np.random.Generator, first: bool, centre: float = 2.0) -> float:
    """One gamma: the fixed value, the centre (clipped to the range) for the first configuration, else a
    log-uniform draw."""
    if not isinstance(space.gamma, tuple):
        return space.gamma
    low, high = space.gamma
    return float(min(max(centre, low), high)) if first else round(_log_uniform(rng, low, high), 4)


def alpha_choices(space: FocalSpace, n_classes: int) -> list[Any]:
    """The alpha choices for ``n_classes``: scalar alphas are binary class weights, so multiclass keeps
    only None and the rules."""
    return [a for a in space.alpha if n_classes == 2 or a is None or isinstance(a, str)] or [None]


def draw_alpha(space: FocalSpace, rng: np.random.Generator, first: bool, n_classes: int) -> Any:
    """One alpha: the first choice for the first configuration, else a random choice (a range: a uniform
    draw inside it; the first configuration its middle)."""
    choices = alpha_choices(space, n_classes)
    a = choices[0] if first else choices[int(rng.integers(len(choices)))]
    if isinstance(a, tuple):
        return round(float(rng.uniform(*a)), 4) if not first else round((a[0] + a[1]) / 2, 4)
    return a


def loss_stream(seed: int, method: str) -> np.random.Generator:
    """The seeded stream of ``method``'s loss parameters (independent of the booster draws)."""
    return np.random.default_rng([seed, 1, zlib.crc32(method.encode())])


def library_params(
    library: str, booster: dict[str, float | int], *, n_estimators: int, n_jobs: int, seed: int
) -> dict[str, Any]:
    """The estimator keyword arguments of one booster configuration for ``library``."""
    depth = int(booster["max_depth"])
    if library == "xgboost":
        return {
            "n_estimators": n_estimators,
            "learning_rate": booster["learning_rate"],
            "max_depth": depth,
            "min_child_weight": booster["min_child_weight"],
            "subsample": booster["subsample"],
            "colsample_bytree": booster["colsample_bytree"],
            "reg_lambda": 1.0,
            "tree_method": "hist",
            "n_jobs": n_jobs,
            "random_state": seed,
            "enable_categorical": True,
            "max_cat_to_onehot": 1,
        }
    return {
        "n_estimators": n_estimators,
        "learning_rate": booster["learning_rate"],
        "max_depth": depth,
        "num_leaves": min(2**depth - 1, 127),
        "min_child_weight": booster["min_child_weight"],
        "subsample": booster["subsample"],
        "subsample_freq": 1,
        "colsample_bytree": booster["colsample_bytree"],
        # XGBoost's default L2 leaf penalty; LightGBM's 0 lets near-pure leaves reach huge margins
        "reg_lambda": 1.0,
        "n_jobs": n_jobs,
        "random_state": seed,
        "verbose": -1,
    }


# ---------------------------------------------------------------- Optuna TPE (optional)
def suggest_booster(trial: Any) -> dict[str, Any]:
    """The booster settings from an Optuna trial: the same ranges as :func:`booster_configs`."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
        "max_depth": trial.suggest_int("max_depth", 3, 8),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 20.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.6, 1.0),
    }


def suggest_gamma(trial: Any, name: str, space: FocalSpace) -> float:
    """A gamma from an Optuna trial (log scale over the range; the fixed value as it is)."""
    if not isinstance(space.gamma, tuple):
        return space.gamma
    return float(trial.suggest_float(name, space.gamma[0], space.gamma[1], log=True))


def suggest_alpha(trial: Any, space: FocalSpace, n_classes: int) -> Any:
    """An alpha from an Optuna trial: the choice categorical, a range's value uniform inside it."""
    choices = alpha_choices(space, n_classes)
    a = choices[trial.suggest_categorical("alpha_choice", list(range(len(choices))))]
    return float(trial.suggest_float("alpha_value", a[0], a[1])) if isinstance(a, tuple) else a
