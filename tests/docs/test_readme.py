"""The README is one screen plus, and each of its Python blocks runs alone in a fresh interpreter.

A user copies one block, not the whole file: so every block is run in its own ``python`` process
(an empty namespace, an empty working directory), never after the blocks above it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M)
MAX_WORDS = 1500


def test_readme_is_at_most_1500_words():
    words = len(TEXT.split())
    assert words <= MAX_WORDS, f"README.md has {words} words (at most {MAX_WORDS}): move the text into a docs/ page"


def test_readme_keeps_the_two_commands_and_the_estimator_first():
    assert 'pip install -e ".[examples]"' in TEXT and "python -m boostfocal demo" in TEXT
    assert 'pip install -e ".[test]"' in TEXT and "python -m pytest -q" in TEXT
    assert len(BLOCKS) == 3
    assert "FocalLGBMClassifier" in BLOCKS[0] or "FocalXGBClassifier" in BLOCKS[0]


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_alone_in_a_fresh_interpreter(index, tmp_path):
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    pytest.importorskip("sklearn")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"README python block {index} failed alone:\n{BLOCKS[index]}\n{done.stderr}"


def test_readme_links_to_existing_files():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", TEXT):
        if not re.match(r"^[a-z]+:", target):
            assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_core_example_script_runs():
    script = ROOT / "examples" / "focal_values.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert "clip_hessian floors it at 1e-06" in out
    assert "nan" not in out.lower()
