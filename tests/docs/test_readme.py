"""Every Python block of README.md runs, in order, in one namespace (the README is a user's first test)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
pytest.importorskip("sklearn")

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_readme_has_the_estimator_first():
    assert len(BLOCKS) >= 5
    assert "FocalLGBMClassifier" in BLOCKS[0] or "FocalXGBClassifier" in BLOCKS[0]


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    monkeypatch.chdir(tmp_path)  # the examples save model files
    # the first-screen teaser uses X_train / y_train / X_test without defining them
    X, y = make_classification(n_samples=600, n_features=6, weights=[0.9], random_state=0)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)
    namespace: dict[str, object] = {"X_train": X_train, "y_train": y_train, "X_test": X_test}
    for i, block in enumerate(BLOCKS):
        try:
            exec(compile(block, f"README.md python block {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the diagnosis
            raise AssertionError(f"README python block {i} failed:\n{block}") from exc
    # the blocks computed real probabilities
    proba = np.asarray(namespace["proba"])
    assert proba.shape[1] == 2 and np.allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(namespace["search"].best_score_)  # scoring worked on every split
    p = np.asarray(namespace["p"])
    assert np.all((p > 0) & (p < 1))


def test_core_example_script_runs():
    import subprocess
    import sys

    script = README.parent / "examples" / "focal_values.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert "clip_hessian floors it at 1e-06" in out
    assert "nan" not in out.lower()
