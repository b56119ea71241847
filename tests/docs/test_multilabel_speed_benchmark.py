"""benchmarks/multilabel_speed.py runs end to end on tiny data (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "multilabel_speed.py"


def test_multilabel_speed_benchmark_smoke_writes_its_table(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(tmp_path), "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = (tmp_path / "multilabel_speed.md").read_text()
    for row in ("## Kernel: one objective call", "| numpy | multi-label focal, per-label alpha |",
                "| XGBoost | boostfocal ASL |", "| LightGBM | boostfocal ASL, one booster |"):  # fmt: skip
        assert row in text
    assert "kernel numpy done" in out.stderr
