"""The options of a study: the keywords of :func:`boostfocal.compare` as one value.

:class:`StudyOptions` holds them as given (None: the default, or the ``quick`` value); it is the
one list of the study's keywords: :func:`boostfocal.compare` passes its keywords into it, the
command line builds it from its flags, and :func:`._plan.plan_study` takes it.
:meth:`StudyOptions.checked` validates every option once and gives the :class:`Settings` the
rest of the study trusts (numbers resolved, names checked, the focal search space built).
"""

from __future__ import annotations

import importlib.util
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._methods import DEFAULT_METHODS, LIBRARIES, METHODS
from ._metrics import METRICS
from ._space import ALPHA_CHOICES, GAMMA_RANGE, FocalSpace

__all__ = ["StudyOptions", "Settings", "QUICK", "DEFAULTS"]

#: Settings of ``quick=True`` (each applies only where the option is left at None).
QUICK = {"cv": 3, "repeats": 1, "budget": 4, "n_estimators": 200, "early_stopping_rounds": 20}
#: Settings of a full study (each applies only where the option is left at None).
DEFAULTS = {"cv": 5, "repeats": 2, "budget": 20, "n_estimators": 500, "early_stopping_rounds": 30}


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    if int(value) < low or (high is not None and int(value) > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {rng}, got {value!r}")
    return int(value)


def _check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


@dataclass(frozen=True)
class Settings:
    """The validated options (see :meth:`StudyOptions.checked`)."""

    library: str
    libraries: tuple[str, ...]
    methods: tuple[str, ...]
    cv: int
    repeats: int
    budget: int
    n_estimators: int
    patience: int
    random_state: int
    n_jobs: int
    metric: str
    precision: float
    confidence: float
    max_rows: int | None
    space: FocalSpace
    searcher: str
    quick: bool
    progress: bool
    drop_missing_target: bool


@dataclass(frozen=True)
class StudyOptions:
    """The keywords of :func:`boostfocal.compare` (documented there), as given."""

    library: str = "xgboost"
    cv: int | None = None
    repeats: int | None = None
    budget: int | None = None
    random_state: int = 0
    n_jobs: int = 1
    metric: str = "average_precision"
    methods: Sequence[str] | None = None
    quick: bool = False
    progress: bool = True
    sample_weight: Any = None
    positive: Any = None
    precision: float = 0.9
    focal_gamma: float | tuple[float, float] = GAMMA_RANGE
    focal_alpha: Sequence[Any] = ALPHA_CHOICES
    n_estimators: int | None = None
    early_stopping_rounds: int | None = None
    max_rows: int | None = None
    drop_missing_target: bool = False
    confidence: float = 0.95
    searcher: str = "random"

    def checked(self) -> Settings:
        """Validate every option (not the data); a ``ValueError`` / ``TypeError`` names the bad one."""
        quick = _check_flag("quick", self.quick)
        base = QUICK if quick else DEFAULTS

        def resolved(name: str) -> Any:
            value = getattr(self, name)
            return base[name] if value is None else value

        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        p, c = self.precision, self.confidence
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 < p < 1.0:
            raise ValueError(f"precision must be a number in (0, 1), got {p!r}")
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0.5 <= c < 1.0:
            raise ValueError(f"confidence must be in [0.5, 1), got {c!r}")
        return Settings(
            library=self.library,
            libraries=self._libraries(),
            methods=self._methods(),
            cv=_check_int("cv", resolved("cv"), 2, 100),
            repeats=_check_int("repeats", resolved("repeats"), 1, 100),
            budget=_check_int("budget", resolved("budget"), 1, 10_000),
            n_estimators=_check_int("n_estimators", resolved("n_estimators"), 1),
            patience=_check_int("early_stopping_rounds", resolved("early_stopping_rounds"), 1),
            random_state=_check_int("random_state", self.random_state, 0, 2**32 - 1),
            n_jobs=_check_int("n_jobs", self.n_jobs, 1, 1024),
            metric=self.metric,
            precision=float(p),
            confidence=float(c),
            max_rows=None if self.max_rows is None else _check_int("max_rows", self.max_rows, 10),
            space=FocalSpace.checked(self.focal_gamma, self.focal_alpha),
            searcher=self._searcher(),
            quick=quick,
            progress=bool(self.progress),
            drop_missing_target=_check_flag("drop_missing_target", self.drop_missing_target),
        )

    def _libraries(self) -> tuple[str, ...]:
        if self.library not in (*LIBRARIES, "both"):
            raise ValueError(f"library must be 'xgboost', 'lightgbm' or 'both', got {self.library!r}")
        libraries = LIBRARIES if self.library == "both" else (self.library,)
        for lib in libraries:
            if importlib.util.find_spec(lib) is None:
                raise ValueError(f"library={self.library!r} needs {lib}, which is not installed (pip install {lib})")
        return libraries

    def _methods(self) -> tuple[str, ...]:
        if self.methods is None:
            return DEFAULT_METHODS
        if isinstance(self.methods, str) or not isinstance(self.methods, Sequence):
            raise TypeError(f"methods must be a sequence of method names, got {self.methods!r}")
        names = tuple(dict.fromkeys(self.methods))
        unknown = [m for m in names if m not in METHODS]
        if unknown:
            raise ValueError(f"unknown method(s) {unknown!r}; methods are {list(METHODS)}")
        if {METHODS[m].family for m in names} != {"baseline", "focal"}:
            raise ValueError(
                f"methods must hold at least one baseline (log_loss, weighted_log_loss) and one focal method, "
                f"got {list(names)!r}"
            )
        return names

    def _searcher(self) -> str:
        if self.searcher not in ("random", "tpe"):
            raise ValueError(f"searcher must be 'random' or 'tpe', got {self.searcher!r}")
        if self.searcher == "tpe" and importlib.util.find_spec("optuna") is None:
            raise ValueError("searcher='tpe' needs optuna, which is not installed (pip install optuna)")
        return self.searcher
