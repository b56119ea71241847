"""The work file of a study (``compare --out DIR``): every finished outer fold, kept as it finishes, so
that ``--resume`` continues an interrupted study (Ctrl-C, a crash, a lost machine) from there.

The file is JSON lines (``DIR/.compare-work.jsonl``), never a pickle: a header (boostfocal's version,
a hash of the prepared data, target and weights, a hash of the options), then one line per outer
fold with its rows of the result's tables and its out-of-fold predictions. Each line is flushed to
disk when its fold ends; a last line cut short by a crash is ignored. ``--resume`` refuses a work
file whose version or hashes differ: the folds would not be those of this study. The folds kept
are replayed in order, so a resumed study gives the ``results.json`` of an uninterrupted one (the
seconds aside). The file is removed once the report is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from ._options import Settings
from ._plan import Plan

__all__ = ["Journal", "WORK_FILE", "JournalError"]

#: The work file's name inside ``--out``.
WORK_FILE = ".compare-work.jsonl"
_KIND = "boostfocal compare work file"


class JournalError(ValueError):
    """A work file that cannot be resumed (the message is the command line's one line)."""


def _data_hash(plan: Plan) -> str:
    import pandas as pd

    h = hashlib.sha256()
    X = plan.X
    h.update(json.dumps([[str(c), str(X[c].dtype)] for c in X.columns]).encode())
    h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    h.update(plan.target.codes.tobytes())
    h.update(json.dumps([str(c) for c in plan.target.classes]).encode())
    if plan.sample_weight is not None:
        h.update(plan.sample_weight.tobytes())
    return h.hexdigest()


def _options_hash(plan: Plan) -> str:
    settings = {f.name: getattr(plan, f.name) for f in fields(Settings) if f.name != "progress"}
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=repr).encode()).hexdigest()


def _header(plan: Plan) -> dict[str, Any]:
    from .. import __version__

    return {
        "kind": _KIND,
        "format": 1,
        "version": __version__,
        "data": _data_hash(plan),
        "options": _options_hash(plan),
    }


def _builtin(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


class Journal:
    """The work file of one study: :meth:`open` checks or starts it, :meth:`finished` gives a kept fold,
    :meth:`record` keeps one."""

    def __init__(self, path: Path, folds: dict[tuple[int, int], dict[str, Any]]) -> None:
        self.path = path
        self.folds = folds

    @classmethod
    def open(cls, folder: Path, plan: Plan, *, resume: bool) -> Journal:
        """The journal in ``folder``: with ``resume``, the folds of an existing work file whose header
        matches this study (else :class:`JournalError`); otherwise a new file."""
        path = folder / WORK_FILE
        header = _header(plan)
        folds: dict[tuple[int, int], dict[str, Any]] = {}
        if resume and path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            try:
                found = json.loads(lines[0]) if lines else {}
            except json.JSONDecodeError:
                found = {}
            if found.get("kind") != _KIND:
                raise JournalError(f"--resume: {str(path)!r} is not a boostfocal compare work file")
            for key, what in (
                ("version", "another boostfocal version"),
                ("data", "other data"),
                ("options", "other options"),
            ):
                if found.get(key) != header[key]:
                    raise JournalError(
                        f"--resume: the work file in {str(folder)!r} was made from {what} "
                        f"({key} {found.get(key)!r:.20}, now {header[key]!r:.20}); rerun without --resume (and "
                        "--overwrite) to start afresh"
                    )
            for line in lines[1:]:
                try:
                    fold = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut short by a crash: that fold runs again
                folds[(fold["repeat"], fold["fold"])] = fold
            return cls(path, folds)
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        return cls(path, folds)

    def finished(self, repeat: int, fold: int) -> dict[str, Any] | None:
        """The kept record of outer fold ``(repeat, fold)``, or None."""
        return self.folds.get((repeat, fold))

    def record(self, fold: dict[str, Any]) -> None:
        """Keep one finished fold (a line, flushed to disk)."""
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(fold, default=_builtin) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.folds[(fold["repeat"], fold["fold"])] = fold

    def remove(self) -> None:
        """Delete the work file (the study is complete)."""
        self.path.unlink(missing_ok=True)
