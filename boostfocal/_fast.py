r"""Choice of the grad / hess backend: numpy (always there) or numba (optional).

The numpy kernels of :mod:`boostfocal._core` are the reference. When numba is
installed (``pip install boostfocal[fast]``) the gradient and hessian are
computed by fused single-pass kernels (:mod:`boostfocal._numba`: vectorised
loops over blocks of rows, one block per thread of a small pool, no temporary
array) that give the same values to 1e-12, relative to ``|g|`` for the gradient
and to ``|h| + |g|`` for the hessian (which crosses zero, where a one-ulp
difference in ``exp`` / ``log`` is relatively larger). The adapters' objectives,
which write float32 (what both libraries store), run float32 kernels on the numba
backend: within ``max(1e-5 |ref|, 1e-7)`` of the float64 values. Only the gradient /
hessian go through the backend; losses and metrics are numpy.

The backend is read once from the environment variable ``BOOSTFOCAL_BACKEND``
(``auto``, ``numpy`` or ``numba``; default ``auto``: numba if it imports) and
can be changed at run time with :func:`set_backend`. numba itself is imported on
the first gradient call that needs it, never by ``import boostfocal``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = ["BACKENDS", "get_backend", "set_backend", "use_backend"]

#: Accepted backend names.
BACKENDS: tuple[str, ...] = ("auto", "numpy", "numba")

_ENV_VAR = "BOOSTFOCAL_BACKEND"


def _check_name(name: object, source: str) -> str:
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        raise ValueError(f"{source} must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name.strip().lower()


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


def numba_kernels() -> ModuleType | None:
    """The numba kernel module when the active backend is numba, else None (numpy)."""
    if _requested == "numpy":
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


def default_threads() -> int:
    """Threads of the numba backend when no ``n_jobs`` is given: ``numba.get_num_threads()``."""
    module = _load_numba()
    return 1 if module is None else module.default_threads()


def max_threads() -> int:
    """Largest thread count numba may use (``NUMBA_NUM_THREADS``); 1 without numba."""
    module = _load_numba()
    return 1 if module is None else int(module.numba.config.NUMBA_NUM_THREADS)


def get_backend() -> str:
    r"""Name of the backend that computes focal gradients and hessians now.

    Returns
    -------
    str
        ``"numba"`` or ``"numpy"``: ``"auto"`` is resolved (numba is imported
        here if it was not yet).

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
        the fused, multi-threaded numba kernels (an :class:`ImportError` if numba is
        not installed). ``"auto"``: numba if it imports, else numpy. The
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
    Both backends give the same gradients and hessians to 1e-12 (relative;
    see :mod:`boostfocal._fast`); the numba one runs in ``numba.get_num_threads()`` threads (environment
    variable ``NUMBA_NUM_THREADS``), or in ``n_jobs`` threads when the
    objective is given ``n_jobs``.
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
