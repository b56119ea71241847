"""``boostfocal.compare``: the focal-versus-baseline study on the user's own data (private subpackage).

Modules: :mod:`._engine` (the protocol, :func:`compare`, :class:`CompareResult`),
:mod:`._space` (search space), :mod:`._methods` (fitting one configuration),
:mod:`._metrics`, :mod:`._stats` (intervals, verdict), :mod:`._data` (features and target),
:mod:`._report` (HTML / Markdown / JSON), :mod:`._io` and :mod:`._cli` (the command line).
Needs pandas, scikit-learn, scipy and the boosting library; matplotlib for the report.
"""

from __future__ import annotations

from ._engine import SCHEMA_VERSION, CompareResult, compare
from ._stats import Interval

__all__ = ["compare", "CompareResult", "Interval", "SCHEMA_VERSION"]
