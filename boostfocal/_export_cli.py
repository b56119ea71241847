"""``boostfocal export MODEL_FILE --to onnx [--posterior] --out model.onnx`` (and ``--to posterior-map``).

Bad input is one line on stderr, exit status 2, and no file written: the output is built in memory
and written only once everything succeeded (to a temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]

PROG = "boostfocal export"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage block
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Export a model file trained with boostfocal (XGBoost JSON / UBJ, LightGBM text): an ONNX "
        "model returning labels and probabilities, or the parameters of its posterior map (JSON).",
    )
    parser.add_argument("model", metavar="MODEL_FILE", help="the saved model (save_model)")
    parser.add_argument("--to", required=True, choices=["onnx", "posterior-map"], help="what to write")
    parser.add_argument(
        "--posterior", action="store_true", help="onnx: return the posterior, not the focal probability"
    )
    parser.add_argument("--out", required=True, help="the file to write (its folder must exist)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    return parser


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".boostfocal-export-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _export(args: argparse.Namespace) -> bytes:
    if not os.path.isfile(args.model):
        raise _UsageError(f"MODEL_FILE {args.model!r} does not exist")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise _UsageError(f"--out {args.out!r}: the folder {folder!r} does not exist")
    if os.path.exists(args.out) and not args.overwrite:
        raise _UsageError(f"--out {args.out!r} exists; pass --overwrite to replace it")
    if args.to == "posterior-map":
        if args.posterior:
            raise _UsageError("--posterior is for --to onnx (the posterior map is the posterior)")
        from .serving import posterior_map

        return (json.dumps(posterior_map(args.model), indent=2) + "\n").encode()
    from .serving import to_onnx

    return bytes(to_onnx(args.model, posterior=args.posterior).SerializeToString())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for bad input, nothing written then)."""
    try:
        args = _parser().parse_args(argv)
        data = _export(args)
        _write_atomically(args.out, data)
    except (_UsageError, ValueError, TypeError, ImportError, OSError) as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    print(f"{PROG}: wrote {args.out}")
    return 0
