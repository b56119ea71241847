r"""Sums over the workers of a distributed fit: what makes the focal metric a global mean.

A worker of a distributed fit evaluates the focal metric on its own validation rows. The
metric that every worker must see -- the value that early stopping compares, round after
round, on every worker -- is the weighted mean over all workers' rows,

.. math::

    \mathrm{metric} = \frac{\sum_{r} \sum_{i \in r} w_i\,FL(z_i, y_i)}{\sum_{r} \sum_{i \in r} w_i},

which needs the two sums of every worker ``r``. A *reducer* adds them up: an object with
``allreduce(values) -> values`` (elementwise sums over the workers, the same result on every
worker), passed as ``reducer=`` to :func:`boostfocal.lightgbm.focal_metric` /
:func:`boostfocal.xgboost.focal_metric`.

* XGBoost needs none: inside a distributed XGBoost job (Dask, Ray, Spark) the metric sums
  through XGBoost's own collective (``xgboost.collective.allreduce``) by itself. XGBoost then
  averages a custom metric over the workers without weights ("not strictly correct", its
  ``_allreduce_metric`` says); averaging the same global value changes nothing.
* LightGBM exposes no collective to Python and does not reduce a Python metric at all, so
  without a reducer each worker reports (and early-stops on) its own rows. Here are two
  reducers: :func:`ray_train_reducer` (inside a Ray Train worker) and :func:`dask_reducer`
  (for ``lightgbm.dask``), both backed by one small actor, :class:`SumReducer`, that
  waits for every worker's values.

Every worker must call the metric the same number of times in the same order (the same
evaluation sets each round, which distributed training does); a worker without validation
rows must still hold a (possibly empty) validation set. A worker that never arrives makes the
others fail after ``timeout_s`` with an error that says so, instead of hanging.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SumReducer", "RayReducer", "DaskReducer", "ray_train_reducer", "dask_reducer"]

#: Seconds a worker waits for the other workers' values of one evaluation.
DEFAULT_TIMEOUT_S = 600.0


def _check_world_size(world_size: object) -> int:
    if isinstance(world_size, bool) or not isinstance(world_size, (int, np.integer)) or world_size < 1:
        raise ValueError(f"world_size must be a positive integer (the number of workers), got {world_size!r}")
    return int(world_size)


def _check_timeout(timeout_s: object) -> float:
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < float(timeout_s) < np.inf:
        raise ValueError(f"timeout_s must be a finite number of seconds > 0, got {timeout_s!r}")
    return float(timeout_s)


class SumReducer:
    """The actor behind the reducers: elementwise sums of ``world_size`` workers' values, per call number.

    Framework-free (asyncio only): Ray runs it as an async actor, Dask as an actor on one
    worker. Call ``k`` of every worker (``seq = k``) waits until all ``world_size`` values of
    call ``k`` are in; each then gets their sum, added in rank order, so every worker receives
    the same bits.
    """

    def __init__(self, world_size: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.world_size = _check_world_size(world_size)
        self.timeout_s = _check_timeout(timeout_s)
        self._parts: dict[int, dict[int, NDArray[np.float64]]] = {}
        self._events: dict[int, asyncio.Event] = {}
        self._served: dict[int, int] = {}

    async def allreduce(self, seq: int, rank: int, values: ArrayLike) -> NDArray[np.float64]:
        """The sum over the workers of their ``values`` for call ``seq`` (``rank``: the caller's place in the sum)."""
        parts = self._parts.setdefault(seq, {})
        event = self._events.setdefault(seq, asyncio.Event())
        if rank in parts:
            raise ValueError(f"rank {rank} sent call {seq} twice; each worker needs its own rank")
        parts[rank] = np.asarray(values, dtype=np.float64)
        if len(parts) == self.world_size:
            event.set()
        try:
            await asyncio.wait_for(event.wait(), self.timeout_s)
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"focal metric reduction: {len(parts)} of {self.world_size} workers reached evaluation {seq} "
                f"within {self.timeout_s} s; every worker must evaluate the same validation sets each round "
                "(give each worker a validation set, even an empty one)"
            ) from None
        total = np.sum([parts[r] for r in sorted(parts)], axis=0)
        self._served[seq] = self._served.get(seq, 0) + 1
        if self._served[seq] == self.world_size:  # everyone has it: forget the call
            del self._parts[seq], self._events[seq], self._served[seq]
        return total


class _ActorReducer:
    """Client side of a :class:`SumReducer` actor: numbers its calls and hands them over (picklable)."""

    def __init__(self, handle: Any, rank: int, world_size: int) -> None:
        self.handle = handle
        self.rank = int(rank)
        self.world_size = _check_world_size(world_size)
        self._seq = 0

    def _call(self, seq: int, values: NDArray[np.float64]) -> Any:  # pragma: no cover - each framework its own
        raise NotImplementedError

    def allreduce(self, values: ArrayLike) -> NDArray[np.float64]:
        """Elementwise sum over the workers of ``values`` (blocks until every worker has sent its own)."""
        seq, self._seq = self._seq, self._seq + 1
        return np.asarray(self._call(seq, np.asarray(values, dtype=np.float64)), dtype=np.float64)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, world_size={self.world_size})"


class RayReducer(_ActorReducer):
    """A :class:`SumReducer` Ray actor seen from one Ray Train worker (made by :func:`ray_train_reducer`)."""

    def _call(self, seq: int, values: NDArray[np.float64]) -> Any:
        import ray

        return ray.get(self.handle.allreduce.remote(seq, self.rank, values))


class DaskReducer(_ActorReducer):
    """A :class:`SumReducer` Dask actor (made by :func:`dask_reducer`); each Dask worker takes its own rank.

    The rank is the position of the worker's address among the cluster's workers, read on
    the first call, so one pickled reducer serves every worker of a ``lightgbm.dask`` fit.
    """

    def __init__(self, handle: Any, addresses: list[str]) -> None:
        super().__init__(handle, -1, len(addresses))
        self.addresses = list(addresses)

    def _call(self, seq: int, values: NDArray[np.float64]) -> Any:
        if self.rank < 0:
            from distributed import get_worker

            address = get_worker().address
            if address not in self.addresses:
                raise ValueError(f"Dask worker {address} is not one of the reducer's workers {self.addresses}")
            self.rank = self.addresses.index(address)
        return self.handle.allreduce(seq, self.rank, values).result()


def ray_train_reducer(*, timeout_s: float = DEFAULT_TIMEOUT_S) -> RayReducer:
    """A reducer for the workers of the current Ray Train run; call it on every worker, in the training function.

    Rank 0 starts a :class:`SumReducer` actor (no CPU reserved) and hands it to the other
    workers with ``ray.train.collective.broadcast_from_rank_zero`` (a barrier: every worker
    must call this). The actor lives as long as rank 0's worker.

    Returns
    -------
    RayReducer
        Pass it as ``reducer=`` to :func:`boostfocal.lightgbm.focal_metric`.
    """
    import ray
    import ray.train
    from ray.train.collective import broadcast_from_rank_zero

    timeout = _check_timeout(timeout_s)
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    handle = None
    if rank == 0:
        handle = ray.remote(num_cpus=0)(SumReducer).remote(world, timeout)
    return RayReducer(broadcast_from_rank_zero(handle), rank, world)


def dask_reducer(client: Any, *, workers: list[str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> DaskReducer:
    """A reducer for a ``lightgbm.dask`` fit on ``client``'s cluster; a new one for every fit.

    Parameters
    ----------
    client : distributed.Client
    workers : list of str, optional
        The addresses of the workers that train (those holding partitions of the training
        data); default: every worker of the cluster.
    timeout_s : float, default=600
        Seconds a worker waits for the others' values of one evaluation.

    Returns
    -------
    DaskReducer
        Pass it as ``reducer=`` to :func:`boostfocal.lightgbm.focal_metric`.
    """
    addresses = sorted(client.scheduler_info()["workers"]) if workers is None else sorted(workers)
    if not addresses:
        raise ValueError("the Dask cluster has no workers")
    actor = client.submit(SumReducer, len(addresses), _check_timeout(timeout_s), actor=True, workers=addresses[:1])
    return DaskReducer(actor.result(), addresses)
