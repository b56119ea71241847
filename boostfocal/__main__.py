"""Command line: ``python -m boostfocal demo [--quick] [--out PATH] [--dataset auto|fraud|churn]``."""

from __future__ import annotations

import sys

from ._demo import main

if __name__ == "__main__":
    sys.exit(main())
