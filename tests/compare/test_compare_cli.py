"""``boostfocal compare`` on the command line: the happy path in a subprocess, every bad input
(one line on stderr, exit status 2, nothing trained or written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "scipy", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd

from boostfocal.__main__ import main

CHEAP = ["--cv", "2", "--repeats", "1", "--budget", "1", "--n-estimators", "15"]


def _table(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    churn = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.8, size=n)) > 1.2
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "tenure": x[:, 0],
            "charges": x[:, 1],
            "calls": x[:, 2],
            "noise": x[:, 3],
            "plan": np.where(x[:, 2] > 0, "gold", "basic"),
            "signup": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "blank": np.nan,
            "w": np.linspace(0.5, 1.5, n),
            "Churn": np.where(churn, "Yes", "No"),
        }
    )


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "churn.csv"
    _table().to_csv(path, index=False)
    return path


def test_happy_path_subprocess(csv: Path, tmp_path: Path):
    out = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "boostfocal", "compare", str(csv), "--target", "Churn", "--positive", "Yes"]
        + ["--drop", "customer_id", "--weight", "w", "--library", "lightgbm", "--seed", "1", "--n-jobs", "1"]
        + [*CHEAP, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "fit" in proc.stderr  # the progress bar
    assert "best focal minus best baseline" in proc.stdout
    assert any(v in proc.stdout for v in ("focal is better", "focal is worse", "no significant difference"))
    assert "date-time column 'signup' converted" in proc.stdout and "'blank'" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "fold_scores.csv",
        "preparation.json",
        "recommended.json",
        "report.html",
        "report.md",
        "results.json",
    ]
    results = json.loads((out / "results.json").read_text())
    assert results["schema"] == 1 and results["task"] == "binary" and results["n_rows"] == 240
    assert results["settings"]["library"] == "lightgbm" and results["settings"]["random_state"] == 1
    assert {m["name"] for m in results["methods"]} == {"log_loss", "weighted_log_loss", "focal"}
    assert results["classes"] == ["not Yes", "Yes"]
    rec = json.loads((out / "recommended.json").read_text())
    assert rec["library"] == "lightgbm" and rec["metric"] == "average_precision"


@pytest.mark.parametrize("suffix", [".parquet", ".feather"], ids=["parquet", "feather"])
def test_parquet_and_feather(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("pyarrow")
    path = tmp_path / f"churn{suffix}"
    frame = _table(seed=2)
    frame["signup"] = pd.to_datetime(frame["signup"])
    getattr(frame, "to_parquet" if suffix == ".parquet" else "to_feather")(path)
    assert main(["compare", str(path), "--target", "Churn", "--quiet", "--methods", "log_loss,focal", *CHEAP]) == 0
    captured = capsys.readouterr()
    assert "date-time column 'signup' converted" in captured.out
    assert "pass --out DIR" in captured.out and captured.err == ""  # --quiet: no progress bar


def _write(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _bad_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    good = _write(tmp_path, "good.csv", _table())
    one_class = _write(tmp_path, "one.csv", _table().assign(Churn="No"))
    missing = _write(tmp_path, "missing.csv", _table().assign(Churn=lambda d: d.Churn.where(d.index != 5)))
    regression = _write(tmp_path, "reg.csv", _table().assign(Churn=np.linspace(0.0, 10.0, 240)))
    few = _table().assign(Churn="No")
    few.loc[:2, "Churn"] = "Yes"
    few_path = _write(tmp_path, "few.csv", few)
    neg = _write(tmp_path, "neg.csv", _table().assign(w=lambda d: d.w - 1.0))
    wnan = _write(tmp_path, "wnan.csv", _table().assign(w=lambda d: d.w.where(d.index != 7)))
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b,Churn\n")
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file")
    (tmp_path / "data.xlsx").write_bytes(b"x")
    (tmp_path / "folder.csv").mkdir()
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.txt").write_text("keep me")
    g = str(good)
    return {
        "missing-file": ([str(tmp_path / "nope.csv"), "--target", "Churn"], "no such file"),
        "folder": ([str(tmp_path / "folder.csv"), "--target", "Churn"], "it is a folder"),
        "extension": ([str(tmp_path / "data.xlsx"), "--target", "Churn"], "unknown extension '.xlsx'"),
        "unreadable": ([str(tmp_path / "broken.parquet"), "--target", "Churn"], "cannot read .* as parquet"),
        "empty-file": ([str(tmp_path / "empty.csv"), "--target", "Churn"], "is empty"),
        "no-rows": ([str(tmp_path / "header.csv"), "--target", "Churn"], "has no rows"),
        "target-absent": ([g, "--target", "churn"], "--target 'churn' is not a column .*closest columns: 'Churn'"),
        "target-missing-option": ([g], "the following arguments are required: --target"),
        "one-class": ([str(one_class), "--target", "Churn"], "single class"),
        "missing-target": ([str(missing), "--target", "Churn"], r"1 missing value.*--drop-missing-target"),
        "regression": ([str(regression), "--target", "Churn"], "regression target"),
        "positive": ([g, "--target", "Churn", "--positive", "Maybe"], "--positive 'Maybe' is not among the labels"),
        "few-positives": ([str(few_path), "--target", "Churn"], r"has 3 row\(s\); --cv 5 needs .*--cv 3 would work"),
        "weight-negative": ([str(neg), "--target", "Churn", "--weight", "w"], "negative values"),
        "weight-missing": ([str(wnan), "--target", "Churn", "--weight", "w"], "1 missing or infinite"),
        "weight-absent": ([g, "--target", "Churn", "--weight", "weight"], "--weight 'weight' is not a column"),
        "weight-text": ([g, "--target", "Churn", "--weight", "plan"], "must be numeric"),
        "drop-absent": ([g, "--target", "Churn", "--drop", "customer_id,nope"], "--drop 'nope' is not a column"),
        "drop-target": ([g, "--target", "Churn", "--drop", "Churn"], "--drop names the target"),
        "out-not-empty": ([g, "--target", "Churn", "--out", str(full)], "exists and is not empty; pass --overwrite"),
        "out-is-file": ([g, "--target", "Churn", "--out", g], "exists and is not a folder"),
        "cv": ([g, "--target", "Churn", "--cv", "1"], r"argument --cv: must be in \[2, 100\], got 1"),
        "repeats": ([g, "--target", "Churn", "--repeats", "0"], "argument --repeats: must be"),
        "budget": ([g, "--target", "Churn", "--budget", "x"], "argument --budget: expected an integer"),
        "n-jobs": ([g, "--target", "Churn", "--n-jobs", "0"], "argument --n-jobs: must be"),
        "precision": ([g, "--target", "Churn", "--precision", "1.5"], r"argument --precision: must be in \(0, 1\)"),
        "max-rows": ([g, "--target", "Churn", "--max-rows", "5"], "argument --max-rows: must be >= 10"),
        "metric": ([g, "--target", "Churn", "--metric", "accuracy"], "argument --metric: invalid choice"),
        "library": ([g, "--target", "Churn", "--library", "catboost"], "argument --library: invalid choice"),
        "methods": ([g, "--target", "Churn", "--methods", "focal,hinge"], r"unknown method\(s\) \['hinge'\]"),
        "searcher": ([g, "--target", "Churn", "--searcher", "grid"], "argument --searcher: invalid choice"),
    }


BAD_IDS = [
    "missing-file",
    "folder",
    "extension",
    "unreadable",
    "empty-file",
    "no-rows",
    "target-absent",
    "target-missing-option",
    "one-class",
    "missing-target",
    "regression",
    "positive",
    "few-positives",
    "weight-negative",
    "weight-missing",
    "weight-absent",
    "weight-text",
    "drop-absent",
    "drop-target",
    "out-not-empty",
    "out-is-file",
    "cv",
    "repeats",
    "budget",
    "n-jobs",
    "precision",
    "max-rows",
    "metric",
    "library",
    "methods",
    "searcher",
]


@pytest.mark.parametrize("case", BAD_IDS, ids=BAD_IDS)
def test_bad_input_is_one_line_and_status_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    import re

    from boostfocal._study import _run

    monkeypatch.setattr(_run, "run_study", lambda plan: pytest.fail("training started"))
    argv, match = _bad_cases(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    new_out = tmp_path / "new_report"
    if "--out" not in argv:
        argv = [*argv, "--out", str(new_out)]
    assert main(["compare", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("boostfocal compare: error: "), captured.err
    assert re.search(match, lines[0]), lines[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, --out not created
    assert "Traceback" not in captured.err


def test_bad_input_subprocess_has_no_traceback(tmp_path: Path):
    path = _write(tmp_path, "t.csv", _table())
    proc = subprocess.run(
        [sys.executable, "-m", "boostfocal", "compare", str(path), "--target", "Chrn"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"boostfocal compare: error: --target 'Chrn' is not a column of {str(path)!r}; closest columns: 'Churn'"
    ]


def test_missing_target_rows_can_be_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    frame = _table(seed=4)
    frame.loc[:3, "Churn"] = np.nan
    path = _write(tmp_path, "m.csv", frame)
    argv = ["compare", str(path), "--target", "Churn", "--drop-missing-target", "--quiet", *CHEAP]
    assert main([*argv, "--methods", "log_loss,focal", "--max-rows", "200"]) == 0
    out = capsys.readouterr().out
    assert "dropped 4 row(s) with a missing target" in out and "stratified subsample of" in out


@pytest.mark.parametrize(
    "argv,status,stream,text",
    [
        ([], 2, "err", "unknown command"),
        (["-h"], 0, "out", "compare DATA --target COLUMN"),
        (["fitt"], 2, "err", "unknown command 'fitt'"),
    ],
    ids=["no-command", "help", "unknown-command"],
)
def test_top_level_command(argv, status, stream, text, capsys: pytest.CaptureFixture[str]):
    assert main(argv) == status
    assert text in getattr(capsys.readouterr(), stream)


def test_console_script_runs():
    """The ``boostfocal`` command that ``pip install`` creates (CI installs the package; a plain
    checkout on PYTHONPATH has no console script)."""
    import shutil

    exe = shutil.which("boostfocal")
    if exe is None:
        pytest.skip("the boostfocal console script is not installed here (pip install -e .)")
    proc = subprocess.run([exe, "compare", "-h"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "usage: boostfocal compare" in proc.stdout


def test_console_script_is_declared():
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    scripts = text.split("[project.scripts]", 1)[1].split("[", 1)[0]
    assert 'boostfocal = "boostfocal.__main__:main"' in scripts


def test_speed_benchmark_smoke():
    """benchmarks/compare_speed.py runs end to end on tiny data (no timing assertions)."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "compare_speed.py"
    proc = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "SMOKE RUN" in proc.stdout
    assert "| --quick, xgboost | 600 | 6 |" in proc.stdout and "| met |" in proc.stdout
