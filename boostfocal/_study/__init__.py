"""``boostfocal.compare``: the focal-versus-baseline study on the user's own data (private subpackage).

Modules, each importing only those listed before it: :mod:`._io` (reading a table),
:mod:`._features` and :mod:`._data` (features; target and folds), :mod:`._metrics`, :mod:`._stats` (intervals, verdict),
:mod:`._space` (the booster space and the draw helpers), :mod:`._methods` (one class per
method, in a registry), :mod:`._options` (the keywords of :func:`compare`, validated),
:mod:`._plan` (options and data checked together), :mod:`._report` (HTML / Markdown / JSON
files), :mod:`._result` (:class:`CompareResult`, the recommendation), :mod:`._run` (the
folds), :mod:`._compare` (:func:`compare`) and :mod:`._cli` (the command line).
Needs pandas, scikit-learn, scipy and the boosting library; matplotlib for the report.
"""

from __future__ import annotations

from ._compare import compare
from ._result import SCHEMA_VERSION, CompareResult
from ._stats import Interval

__all__ = ["compare", "CompareResult", "Interval", "SCHEMA_VERSION"]
