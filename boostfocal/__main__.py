"""Command line: ``boostfocal compare DATA --target COLUMN [...]`` and ``boostfocal demo [...]``.

Also ``python -m boostfocal ...``. ``compare`` is :mod:`boostfocal._study._cli`; ``demo`` is
:mod:`boostfocal._demo` (a small run of the compare engine).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: boostfocal {compare,demo} ...

  compare DATA --target COLUMN [options]   focal loss against log loss and class-weighted log loss on
                                           your table, tuned alike, with a verdict (see compare -h)
  demo [--quick] [--out PNG] [...]         the quick demo on bundled real data (see demo -h)
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to ``compare`` or ``demo``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "compare":
        from ._study._cli import main as compare_main

        return compare_main(args[1:])
    if args and args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0
    if not args or args[0] != "demo":
        given = f" {args[0]!r}" if args else ""
        print(f"boostfocal: error: unknown command{given}; use 'compare' or 'demo' (boostfocal -h)", file=sys.stderr)
        return 2
    from ._demo import main as demo_main

    return demo_main(args)


if __name__ == "__main__":
    sys.exit(main())
