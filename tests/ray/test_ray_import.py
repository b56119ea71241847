"""boostfocal.ray without Ray: an ImportError naming the extra (issue 26); no cluster needed."""

from __future__ import annotations

import importlib
import sys

import pytest


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` sees when Ray is not installed
    monkeypatch.setitem(sys.modules, "ray.data", None)
    monkeypatch.delitem(sys.modules, "boostfocal.ray", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'boostfocal\[ray\]'"):
        importlib.import_module("boostfocal.ray")
    import boostfocal

    assert boostfocal.FocalLoss(gamma=2.0).gamma == 2.0  # the core needs no Ray


def test_metric_reducer_must_add_up():
    from boostfocal.lightgbm import focal_metric

    with pytest.raises(TypeError, match=r"reducer must have an allreduce\(values\) method"):
        focal_metric(gamma=2.0, reducer=object())


def test_sum_reducer_adds_in_rank_order_and_times_out():
    import asyncio

    import numpy as np

    from boostfocal.collective import SumReducer

    async def run(reducer, calls):
        return await asyncio.gather(*(reducer.allreduce(0, rank, values) for rank, values in calls))

    reducer = SumReducer(2, timeout_s=5)
    out = asyncio.run(run(reducer, [(1, [1e16, 1.0]), (0, [1.0, 2.0])]))
    assert all(np.array_equal(o, np.array([1e16 + 1.0, 3.0])) for o in out) and not reducer._parts
    with pytest.raises(TimeoutError, match=r"1 of 2 workers reached evaluation 0"):
        asyncio.run(run(SumReducer(2, timeout_s=0.05), [(0, [1.0])]))
    with pytest.raises(ValueError, match=r"world_size must be a positive integer"):
        SumReducer(0)
