"""Reading the user's table: CSV, Parquet or Feather, chosen by the file's extension, unless its
content says otherwise (a Parquet or Feather file named ``.csv`` is read as what it is, with a
note; a zip / Excel file is refused with a hint).

CSV / TSV: UTF-8 by default; a byte-order mark is read as what it says (UTF-8: skipped, so the
first column keeps its name; UTF-16: the file is read as UTF-16). The delimiter is the
extension's (comma for ``.csv``, tab for ``.tsv``) unless the header holds none of it and one of
semicolon, tab, pipe or comma: then that one, with a note (European ``.csv`` files use ``;``).
A header that names a column twice is refused (pandas would silently rename the second ``a``
to ``a.1``).
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


_MAGIC = {b"PAR1": "parquet", b"ARROW1": "feather", b"FEA1": "feather"}
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NAMES = {"csv": "CSV", "tsv": "TSV", "parquet": "Parquet", "feather": "Feather"}


def _head(path: Path, n: int) -> bytes:
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            return bytes(fh.read(n))
    except OSError:
        return b""  # the reader then says what is wrong


def _content_kind(path: Path, kind: str, notes: list[str]) -> str:
    """The reader the content asks for (the extension's when the content does not say)."""
    head = _head(path, 8)
    for magic, actual in _MAGIC.items():
        if head.startswith(magic):
            if actual != kind:
                notes.append(f"{str(path)!r} is a {_NAMES[actual]} file by its content: read as {_NAMES[actual]}")
            return actual
    if head.startswith(b"PK\x03\x04"):
        raise TableError(f"{str(path)!r} is a zip archive (an Excel workbook?): export the sheet as CSV or Parquet")
    if kind in ("parquet", "feather"):
        raise TableError(f"cannot read {str(path)!r} as {kind}: its first bytes are not those of a {_NAMES[kind]} file")
    return kind


def _delimiter(path: Path, kind: str, encoding: str, notes: list[str]) -> str:
    """The extension's delimiter, or the one the header holds when it holds none of that one."""
    default = "," if kind == "csv" else "\t"
    header = _head(path, 65536).decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
    first = header[0] if header else ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    if counts[default] > 0 or counts[best] == 0:
        return default
    notes.append(
        f"{str(path)!r}: its header has no {_DELIMITERS[default]} but {counts[best]} {_DELIMITERS[best]}(s): "
        f"read as {_DELIMITERS[best]}-separated"
    )
    return best


def _encoding(path: Path) -> str:
    """The text encoding of a CSV from its byte-order mark (UTF-8 when it has none)."""
    head = _head(path, 3)
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


def read_table(path: str | Path, notes: list[str] | None = None) -> Any:
    """The table at ``path`` as a pandas DataFrame; :class:`TableError` for anything unusable.

    ``notes``: a list that gets what the reading decided (the format by content, the delimiter).
    """
    import pandas as pd

    p = Path(path)
    kind = _kind(p)
    if not p.exists():
        raise TableError(f"cannot read {str(p)!r}: no such file")
    if p.is_dir():
        raise TableError(f"cannot read {str(p)!r}: it is a folder, not a file")
    notes = [] if notes is None else notes
    kind = _content_kind(p, kind, notes)
    try:
        if kind in ("csv", "tsv"):
            encoding = _encoding(p)
            sep = _delimiter(p, kind, encoding, notes)
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
