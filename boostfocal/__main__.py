"""Command line: ``boostfocal COMMAND ...`` (also ``python -m boostfocal ...``).

Each command is one function ``main(argv) -> int`` (``"module"``: its ``main``;
``"module:function"``: that function), imported only when it runs; a new command is one row of
:data:`COMMANDS`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

# name -> (module or module:function, what it does: one line of the usage text)
COMMANDS: dict[str, tuple[str, str]] = {
    "compare": (
        "boostfocal._study._cli",
        "DATA --target COLUMN [options]: focal loss against log loss and class-weighted log loss on "
        "your table, tuned alike, with a verdict",
    ),
    "fit": (
        "boostfocal._study._model_cli:fit_main",
        "STUDY_DIR DATA --out MODEL_DIR: train a study's recommended configuration on all rows; writes the "
        "model file, its preparation and a model card",
    ),
    "predict": (
        "boostfocal._study._model_cli:predict_main",
        "MODEL_DIR DATA --out CSV [--threshold T | --precision P]: posterior estimates and labels from a model folder",
    ),
    "export": (
        "boostfocal._export_cli",
        "MODEL_FILE --to onnx [--posterior] --out model.onnx: serve a saved focal model (or --to posterior-map)",
    ),
    "demo": ("boostfocal._demo", "[--quick] [--out PNG] [...]: the quick demo on bundled real data"),
}


def usage() -> str:
    """The top-level usage text, one line per command."""
    lines = [f"usage: boostfocal {{{','.join(COMMANDS)}}} ...", ""]
    lines += [f"  {name} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "boostfocal COMMAND -h describes one command."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the command named first; returns the exit status (2 for an unknown command)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(usage(), end="")
        return 0
    if not args or args[0] not in COMMANDS:
        given = f" {args[0]!r}" if args else ""
        names = ", ".join(repr(name) for name in COMMANDS)
        print(f"boostfocal: error: unknown command{given}; use one of {names} (boostfocal -h)", file=sys.stderr)
        return 2
    module_name, _, function = COMMANDS[args[0]][0].partition(":")
    command = getattr(importlib.import_module(module_name), function or "main")
    # demo's own parser expects its name first (it is also `python -m boostfocal demo`)
    rest = args if args[0] == "demo" else args[1:]
    status: int = command(rest)
    return status


if __name__ == "__main__":
    sys.exit(main())
