"""A progress bar with ETA on stderr: tqdm when installed, else one updating line."""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["progress_bar"]


class _Line:
    """Minimal stand-in for tqdm: ``[12/36] 33% elapsed 10 s, ETA 20 s`` rewritten in place."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n = total, desc, 0
        self.start = time.perf_counter()
        self.postfix = ""

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def update(self, n: int = 1) -> None:
        self.n += n
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.n * (self.total - self.n) if self.n else 0.0
        sys.stderr.write(
            f"\r{self.desc} [{self.n}/{self.total}] {100 * self.n / self.total:3.0f}% "
            f"elapsed {elapsed:.0f} s, ETA {eta:.0f} s {self.postfix[:40]:<40}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Silent:
    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, *, enabled: bool, desc: str = "boostfocal compare") -> Any:
    """An object with ``update()``, ``set_postfix_str()`` and ``close()``."""
    if not enabled:
        return _Silent()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Line(total, desc)
    return tqdm(total=total, desc=desc, unit="fit", file=sys.stderr, dynamic_ncols=True, leave=True)
