r"""The backend layer: which kernels compute the gradient and hessian, in how many threads, in which blocks.

The numpy kernels of :mod:`boostfocal._kernels` are the float64 reference. When numba is
installed (``pip install boostfocal[fast]``), the float32 outputs the adapters request
(both libraries store float32 gradients) are computed by fused single-pass float32
kernels (:mod:`boostfocal._numba`: vectorised loops over blocks of rows, one block per
thread of a small pool, no temporary array), within ``max(1e-5 |ref|, 1e-7)`` of the
float64 reference. float64 outputs (the public core functions), the shifted negative
term, the smoothed softmax and XGBoost's ``abs_residual`` softmax rule always come from
the numpy kernels. Only the gradient / hessian go through the backend; losses and
metrics are numpy.

Everything about the choice lives here: the backend (read once from the environment
variable ``BOOSTFOCAL_BACKEND``: ``auto``, ``numpy`` or ``numba``; default ``auto``;
changed at run time with :func:`set_backend`), the size below which ``auto`` stays on
numpy (:data:`AUTO_MIN_MARGINS`: numba's import, about 100 MiB and a few tenths of a
second, is not worth it for a small fit), the thread count (:func:`numba_threads`), the
block sizes and the thread pool (:func:`run_blocks`). numba itself is imported on the
first gradient call that needs it, never by ``import boostfocal``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["BACKENDS", "get_backend", "set_backend", "use_backend"]

#: Accepted backend names.
BACKENDS: tuple[str, ...] = ("auto", "numpy", "numba")

_ENV_VAR = "BOOSTFOCAL_BACKEND"


def _check_name(name: object, source: str) -> str:
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        raise ValueError(f"{source} must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name.strip().lower()


#: ``auto`` runs the numba kernels from this many margins per call (below: numpy, numba not even imported).
#: A call of 65536 float32 margins costs about 2 ms on numpy against 0.3 ms on numba: 100 rounds save
#: 0.15 s, less than importing numba and loading its kernels (0.3 s warm; seconds with an empty cache).
AUTO_MIN_MARGINS = 65536
#: Fewest margins per thread of the binary kernel: inside fits one thread was as fast as two at 300k rows
#: and slower only from about 1M (benchmarks/results/speed.md), so blocks of 256k.
BINARY_MIN_PER_THREAD = 262144
#: The softmax kernel: inside LightGBM's multiclass fits (200k x 10) one thread beat two in both full runs
#: of the benchmark (0.88 / 0.93 against 0.95 / 1.09 the float32 numpy objective); XGBoost's gained little
#: from two (0.31 / 0.38 against 0.36 / 0.41). So one thread up to 2M margins (about 200k rows at K = 10).
SOFTMAX_MIN_PER_THREAD = 2097152

_requested: str = _check_name(os.environ.get(_ENV_VAR, "auto") or "auto", _ENV_VAR)
_numba_module: ModuleType | None = None
_numba_error: BaseException | None = None


def _load_numba() -> ModuleType | None:
    """Import :mod:`boostfocal._numba` once; None (and the error kept) if numba is missing."""
    global _numba_module, _numba_error
    if _numba_module is None and _numba_error is None:
        try:
            from . import _numba
        except ImportError as exc:  # numba not installed (or broken): numpy it is
            _numba_error = exc
        else:
            _numba_module = _numba
    return _numba_module


def numba_kernels(n_values: int | None = None) -> ModuleType | None:
    """The numba kernel module for a call of ``n_values`` margins, or None (numpy).

    ``numba``: always (an :class:`ImportError` if it cannot be imported); ``numpy``: never;
    ``auto``: when numba imports and the call has at least :data:`AUTO_MIN_MARGINS` margins
    (None: any size).
    """
    if _requested == "numpy":
        return None
    if _requested == "auto" and n_values is not None and n_values < AUTO_MIN_MARGINS:
        return None
    module = _load_numba()
    if module is None and _requested == "numba":
        raise ImportError(
            f"the numba backend was requested ({_ENV_VAR} or set_backend) but numba cannot be imported: "
            f"{_numba_error}; install it with `pip install boostfocal[fast]` or use the numpy backend"
        )
    return module


def check_n_jobs(n_jobs: object) -> int | None:
    """Validate an ``n_jobs`` argument: None or a non-zero integer (negative: joblib style)."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}")
    return int(n_jobs)


def resolve_threads(n_jobs: int, limit: int) -> int:
    """Thread count for ``n_jobs`` (``-1``: all ``limit``, ``-2``: all but one, ...), in [1, limit]."""
    wanted = n_jobs if n_jobs > 0 else limit + 1 + n_jobs
    return max(1, min(wanted, limit))


def _numba_config() -> tuple[int, int]:
    """numba's ``(get_num_threads(), NUMBA_NUM_THREADS)``; ``(1, 1)`` without numba."""
    if _load_numba() is None:
        return 1, 1
    import numba

    config: Any = numba.config  # its attributes are set at run time from the environment
    return numba.get_num_threads(), int(config.NUMBA_NUM_THREADS)


def default_threads() -> int:
    """Threads of the numba backend when no ``n_jobs`` is given: ``numba.get_num_threads()``."""
    return _numba_config()[0]


def max_threads() -> int:
    """Largest thread count numba may use (``NUMBA_NUM_THREADS``); 1 without numba."""
    return _numba_config()[1]


def numba_threads(n_jobs: int | None) -> int:
    """Threads for the numba kernels: numba's setting, or ``n_jobs`` (joblib style) within its limit."""
    if n_jobs is None:
        return default_threads()
    return resolve_threads(n_jobs, max_threads())


# ----------------------------------------------------------------------------- blocks and the pool
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _reset_pool_after_fork() -> None:  # a forked child has none of the parent's threads
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def _get_pool(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            # the old pool is not shut down (another thread may be submitting to it); its idle
            # workers exit when it is garbage-collected
            _pool, _pool_size = ThreadPoolExecutor(workers, thread_name_prefix="boostfocal"), workers
        return _pool


def n_blocks(n_values: int, n_rows: int, n_threads: int, min_per_thread: int) -> int:
    """Blocks (= threads) for ``n_values`` margins in ``n_rows`` rows: at most ``n_threads``, one per min_per_thread."""
    return max(1, min(n_threads, n_values // min_per_thread, n_rows))


def run_blocks(
    call: Callable[[int, int], None], n_values: int, n_rows: int, n_threads: int, min_per_thread: int
) -> None:
    """Run ``call(start, stop)`` over row blocks in up to ``n_threads`` threads (the caller's included)."""
    parts = n_blocks(n_values, n_rows, n_threads, min_per_thread)
    if parts == 1:
        call(0, n_rows)
        return
    bounds = [n_rows * j // parts for j in range(parts + 1)]
    pool = _get_pool(parts - 1)
    futures = [pool.submit(call, bounds[j], bounds[j + 1]) for j in range(1, parts)]
    call(bounds[0], bounds[1])
    for fut in futures:
        fut.result()


def get_backend() -> str:
    r"""Name of the backend that computes focal gradients and hessians now.

    Returns
    -------
    str
        ``"numba"`` or ``"numpy"``: ``"auto"`` is resolved (numba is imported
        here if it was not yet). Under ``"auto"`` calls below ``AUTO_MIN_MARGINS``
        margins still run on numpy, and float64 outputs always do.

    See Also
    --------
    set_backend, use_backend
    """
    return "numpy" if numba_kernels() is None else "numba"


def set_backend(name: str) -> str:
    r"""Choose the backend for focal gradients and hessians, process-wide.

    Parameters
    ----------
    name : {"auto", "numpy", "numba"}
        ``"numpy"``: the pure numpy kernels (always available). ``"numba"``:
        the fused, multi-threaded float32 numba kernels for float32 outputs (an
        :class:`ImportError` if numba is not installed). ``"auto"``: numba if it
        imports, for calls of at least ``AUTO_MIN_MARGINS`` (65536) margins. The
        initial value comes from the environment variable
        ``BOOSTFOCAL_BACKEND`` (default ``"auto"``).

    Returns
    -------
    str
        The previously requested name (possibly ``"auto"``), so that the
        caller can restore it.

    Raises
    ------
    ValueError
        For another name.
    ImportError
        For ``"numba"`` when numba cannot be imported (the setting is left
        unchanged).

    Notes
    -----
    The numba kernels compute the float32 gradients and hessians the objectives write
    within ``max(1e-5 |ref|, 1e-7)`` of the float64 numpy reference (see
    :mod:`boostfocal._fast`); float64 outputs always come from numpy. The numba kernels
    run in ``numba.get_num_threads()`` threads (environment variable
    ``NUMBA_NUM_THREADS``), or in ``n_jobs`` threads when the objective is given ``n_jobs``.
    """
    global _requested
    new = _check_name(name, "backend")
    if new == "numba" and _load_numba() is None:
        raise ImportError(f"numba cannot be imported: {_numba_error}; install it with `pip install boostfocal[fast]`")
    previous, _requested = _requested, new
    return previous


@contextmanager
def use_backend(name: str) -> Iterator[str]:
    r"""Context manager: run a block with another backend, then restore the previous one.

    Parameters
    ----------
    name : {"auto", "numpy", "numba"}
        As in :func:`set_backend`.

    Yields
    ------
    str
        The effective backend inside the block (``"numpy"`` or ``"numba"``).

    Examples
    --------
    >>> import boostfocal
    >>> with boostfocal.use_backend("numpy"):
    ...     grad, hess = boostfocal.binary_focal_grad_hess([0, 1], [0.5, -0.5])
    """
    previous = set_backend(name)
    try:
        yield get_backend()
    finally:
        set_backend(previous)
