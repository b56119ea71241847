"""benchmarks/serving.py runs end to end on tiny data (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxmltools")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "serving.py"


def test_serving_benchmark_smoke_writes_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--threads", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    text = (tmp_path / "serving.md").read_text()
    assert text.count("| XGBoost |") == 4 and text.count("| LightGBM |") == 4
