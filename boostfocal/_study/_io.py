"""Reading the user's table: CSV, Parquet or Feather, chosen by the file's extension.

CSV / TSV: UTF-8 by default; a byte-order mark is read as what it says (UTF-8: skipped, so the
first column keeps its name; UTF-16: the file is read as UTF-16). A header that names a
column twice is refused (pandas would silently rename the second ``a`` to ``a.1``).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

__all__ = ["READERS", "read_table", "TableError"]

#: Extensions and the pandas reader of each (Parquet and Feather need pyarrow).
READERS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".feather": "feather",
    ".arrow": "feather",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


class TableError(ValueError):
    """A table that cannot be used (the message is the one line the command line prints)."""


def _kind(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(READERS, key=len, reverse=True):
        if name.endswith(ext):
            return READERS[ext]
    ext = path.suffix or "(none)"
    raise TableError(f"unknown extension {ext!r} of {str(path)!r}; use one of {', '.join(READERS)}")


def _parse_text_dates(frame: Any) -> Any:
    """Text columns whose values all look like ISO dates (2024-01-31, 2024-01-31 12:00:00) become date-times."""
    import pandas as pd

    changes = {}
    for name in frame.columns:
        col = frame[name]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)):
            continue
        sample = col.dropna().head(50)
        if sample.empty or not all(isinstance(v, str) and _ISO_DATE.match(v) for v in sample):
            continue
        parsed = pd.to_datetime(col, format="ISO8601", errors="coerce", utc=True)
        if parsed.notna().sum() == col.notna().sum():
            changes[name] = parsed
    return frame.assign(**changes) if changes else frame


def _encoding(path: Path) -> str:
    """The text encoding of a CSV from its byte-order mark (UTF-8 when it has none)."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(3)
    except OSError:
        return "utf-8"  # the reader then says what is wrong
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"


def _check_header(path: Path, sep: str, encoding: str) -> None:
    """Refuse a header that names a column twice (pandas renames the second ``a`` to ``a.1``)."""
    import pandas as pd

    first = pd.read_csv(path, sep=sep, nrows=1, header=None, encoding=encoding, dtype=str).iloc[0]
    names = [str(v) for v in first.tolist() if isinstance(v, str)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TableError(
            f"{str(path)!r} names the column(s) {', '.join(repr(n) for n in repeated)} more than once in its header; "
            "give each column its own name"
        )


def read_table(path: str | Path) -> Any:
    """The table at ``path`` as a pandas DataFrame; :class:`TableError` for anything unusable."""
    import pandas as pd

    p = Path(path)
    kind = _kind(p)
    if not p.exists():
        raise TableError(f"cannot read {str(p)!r}: no such file")
    if p.is_dir():
        raise TableError(f"cannot read {str(p)!r}: it is a folder, not a file")
    try:
        if kind in ("csv", "tsv"):
            sep, encoding = "," if kind == "csv" else "\t", _encoding(p)
            frame = pd.read_csv(p, sep=sep, low_memory=False, encoding=encoding)
            _check_header(p, sep, encoding)
        elif kind == "parquet":
            frame = pd.read_parquet(p)
        else:
            frame = pd.read_feather(p)
    except TableError:
        raise
    except pd.errors.EmptyDataError:
        raise TableError(f"{str(p)!r} is empty: no columns or rows") from None
    except ImportError as exc:
        raise TableError(f"cannot read {str(p)!r}: {exc} (pip install pyarrow)") from None
    except Exception as exc:  # any reader failure is one line for the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(f"cannot read {str(p)!r} as {kind}: {first}") from None
    if frame.shape[0] == 0:
        raise TableError(f"{str(p)!r} has no rows")
    if kind in ("csv", "tsv"):
        frame = _parse_text_dates(frame)
    return frame
