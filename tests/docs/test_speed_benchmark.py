"""benchmarks/speed.py runs end to end on tiny data (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
pytest.importorskip("matplotlib")
pytest.importorskip("scipy")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "speed.py"


def test_speed_benchmark_smoke_writes_its_tables(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(tmp_path), "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = (tmp_path / "speed.md").read_text()
    for heading in (
        "## Goals",
        "## Key ratios",
        "### Kernel: binary",
        "### Kernel: softmax",
        "### Memory",
        "### Start-up",
        "### Training: binary",
        "### Training: multiclass",
    ):
        assert heading in text
    for row in (
        "| XGBoost | native |",
        "| LightGBM | boostfocal focal gamma=2 |",
        "train XGBoost binary gamma=2 vs native",
    ):
        assert row in text
    assert (tmp_path / "speed.png").stat().st_size > 1000
    assert "kernel binary" in out.stderr  # progress is printed while it runs
