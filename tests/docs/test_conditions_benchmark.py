"""benchmarks/conditions.py (issue 27): its statistics on hand-made inputs, the grid, the command line,
and --smoke end to end (with a resume)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("scipy")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cond():
    name = "conditions_under_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "conditions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# statistics with known answers
# ---------------------------------------------------------------------------------------------


def test_ece_by_hand(cond) -> None:
    ece = cond.report.ece
    # bin [0, 0.1): p 0.05, 0.05, y 0, 1 -> |0.5 - 0.05| * 2/4; bin [0.9, 1]: p 1.0, 0.9, y 1, 1 -> |1 - 0.95| * 2/4
    assert ece(np.array([0, 1, 1, 1]), np.array([0.05, 0.05, 1.0, 0.9])) == pytest.approx(0.225 + 0.025)
    assert ece(np.array([0, 1]), np.array([0.0, 1.0])) == 0.0  # perfectly calibrated and sure
    y = np.random.default_rng(0).integers(0, 2, 1000)
    assert ece(y, np.full(1000, y.mean())) == pytest.approx(0.0, abs=1e-12)  # the base rate is calibrated
    with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\]"):
        ece(np.array([0, 1]), np.array([0.5, 1.5]))


def test_multiple_testing_corrections_by_hand(cond) -> None:
    adjust = cond.report.adjust
    p = [0.01, 0.04, 0.03, 0.005]
    # BH: sorted 0.005, 0.01, 0.03, 0.04 -> x 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04 (monotone from the top)
    assert adjust(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # Holm: sorted x 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running maximum 0.02, 0.03, 0.06, 0.06
    assert adjust(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert adjust([0.9, 0.8], "bh").max() <= 1.0
    with pytest.raises(ValueError, match="how must be 'bh' or 'holm', got 'bonferroni'"):
        adjust(p, "bonferroni")


def test_the_grid_is_the_one_the_issue_asks_for(cond) -> None:
    grid = cond.grid_table(cond.build_grid())
    assert len(grid) == 56 and grid["cell"].is_unique and grid["seed"].is_unique
    assert set(grid["imbalance"]) == {1, 10, 100, 1000}
    assert (grid["n_pos"] >= 50).all()  # at least 50 positives per cell
    assert grid.loc[(grid["imbalance"] == 1000) & (grid["size"] == "small"), "n_rows"].eq(50_050).all()
    small = grid[grid["size"] == "small"]  # every noise level and the flood, each x separation x imbalance
    assert len(small.groupby(["imbalance", "separation", "noise_kind", "noise", "easy_share"])) == 40
    assert set(zip(small["noise_kind"], small["noise"], strict=True)) == {
        ("none", 0.0),
        ("both", 0.05),
        ("both", 0.2),
        ("positives", 0.2),
    }
    assert (grid.loc[grid["easy_share"] > 0, "noise_kind"] == "none").all()
    both = grid[grid["noise_kind"] == "both"]  # the symmetric noise keeps the training imbalance
    assert np.allclose(both["train_imbalance"], both["imbalance"])
    large = grid[grid["size"] == "large"]
    assert (large["noise_kind"] == "none").all() and len(large) == 16


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------

BAD_ARGS = {
    "part-shape": (["--part", "2"], "--part must look like 1/2, got '2'"),
    "part-range": (["--part", "3/2"], "--part I/N needs 1 <= I <= N, got '3/2'"),
    "no-cell": (["--cells", "ir7-*"], "--cells ir7-* matches no cell"),
    "unknown-option": (["--budget", "3"], "unrecognized arguments: --budget 3"),
}


@pytest.mark.parametrize("case", list(BAD_ARGS), ids=list(BAD_ARGS))
def test_bad_command_lines_are_one_line_and_write_nothing(cond, capsys, tmp_path, case: str) -> None:
    argv, message = BAD_ARGS[case]
    code = cond.main([*argv, "--out-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and err.startswith("conditions.py: error:")
    assert not (tmp_path / "o").exists()


def test_a_foreign_fold_file_is_refused_before_training(cond, capsys, tmp_path) -> None:
    bad = tmp_path / "folds.csv"
    bad.write_text("a,b\n1,2\n")
    code = cond.main(["--smoke", "--folds-csv", str(bad), "--out-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "lacks the columns" in err and err.count("\n") == 1
    assert bad.read_text() == "a,b\n1,2\n" and not (tmp_path / "o").exists()


def test_parts_split_the_studies_without_overlap(cond) -> None:
    cells = cond.build_grid()
    every = cond.select(cells, None, None)
    parts = [cond.select(cells, None, (i, 3)) for i in (1, 2, 3)]
    keys = [(c.cell, lib) for part in parts for c, lib in part]
    assert sorted(keys) == sorted((c.cell, lib) for c, lib in every) and len(keys) == 112
    some = cond.select(cells, ["ir1000-pos50-*"], None)
    assert len(some) == 20 and all(c.cell.startswith("ir1000-pos50-") for c, _ in some)


# ---------------------------------------------------------------------------------------------
# end to end
# ---------------------------------------------------------------------------------------------


def test_smoke_runs_end_to_end_and_resumes(cond, capsys, tmp_path) -> None:
    """--smoke as a user runs it (a subprocess), then in-process again: nothing left to run."""
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "conditions.py"), "--smoke", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and f"wrote {out / 'conditions.md'}" in proc.stderr
    folds = pd.read_csv(out / "conditions_folds.csv")
    assert set(folds["cell"]) == {c.cell for c in cond.smoke_grid()}
    assert len(folds) == 2 * 2 * 3 * 2  # cells x libraries x methods x folds (2 x 1)
    assert not folds.isna().any().any()
    for col in ("average_precision", "brier", "brier_raw", "ece", "ece_raw"):
        assert folds[col].between(0, 1).all(), col
    focal = folds[folds["method"] == "focal"]
    assert (focal["brier"] != focal["brier_raw"]).any()  # the correction moved the focal probabilities
    ll = folds[folds["method"] == "log_loss"]
    assert np.allclose(ll["brier"], ll["brier_raw"]) and np.allclose(ll["ece"], ll["ece_raw"])
    md = (out / "conditions.md").read_text()
    assert "SMOKE run" in md and "## Plan (written before the run)" in md and "4 of 4 studies finished" in md
    assert "the outer test folds are scored on the clean labels" in md
    for library in ("xgboost", "lightgbm"):
        assert (out / f"conditions_heat_{library}.png").read_bytes()[:4] == b"\x89PNG"
    cells = pd.read_csv(out / "conditions_cells.csv")
    assert len(cells) == 4 and cells["ap_p_bh"].between(0, 1).all()
    before = (out / "conditions_folds.csv").read_text()
    assert cond.main(["--smoke", "--out-dir", str(out)]) == 0
    assert "4 studies already done, 0 to run" in capsys.readouterr().err
    assert (out / "conditions_folds.csv").read_text() == before


# ---------------------------------------------------------------------------------------------
# the KEEL regression and the variants
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kreg(cond):
    return cond._load("_conditions_keel")


def test_meta_regression_with_equal_variances_is_least_squares(kreg) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    d = 0.1 + X @ np.array([0.02, -0.05]) + 0.01 * rng.standard_normal(40)
    fit = kreg.meta_regression(d, np.full(40, 1.0), X, ["a", "b"])  # v far above the spread: tau^2 = 0
    A = np.column_stack([np.ones(40), X])
    assert fit.tau2 == 0.0 and fit.names == ("intercept", "a", "b")
    assert fit.beta == pytest.approx(np.linalg.lstsq(A, d, rcond=None)[0], abs=1e-12)
    assert fit.se == pytest.approx(np.sqrt(np.diag(np.linalg.inv(A.T @ A))), rel=1e-12)  # Cov = (X'WX)^-1, W = I
    assert fit.detectable == pytest.approx(2.8016 * fit.se, rel=1e-4)  # (z_0.975 + z_0.8) SE


def test_meta_regression_recovers_slope_and_heterogeneity(kreg) -> None:
    rng = np.random.default_rng(1)
    k, tau2 = 2000, 0.01
    X = rng.standard_normal((k, 1))
    v = rng.uniform(0.001, 0.02, k)
    d = 0.03 * X[:, 0] + rng.normal(0, np.sqrt(tau2), k) + rng.normal(0, np.sqrt(v))
    fit = kreg.meta_regression(d, v, X, ["x"])
    assert abs(fit.beta[1] - 0.03) < 4 * fit.se[1] and abs(fit.beta[0]) < 4 * fit.se[0]
    assert fit.tau2 == pytest.approx(tau2, rel=0.25)
    with pytest.raises(ValueError, match="v must hold one positive variance per difference"):
        kreg.meta_regression(d, np.zeros(k), X, ["x"])


def test_n3_of_the_positives_by_hand(kreg) -> None:
    # positives at 0, 0.1 and 5.05; negatives at 5 and 5.1: only the third positive's nearest row is a negative
    X = pd.DataFrame({"a": [0.0, 0.1, 5.05, 5.0, 5.1]})
    assert kreg.n3_positive(X, np.array([1, 1, 1, 0, 0])) == pytest.approx(1 / 3)
    X["c"] = pd.Categorical(["u", "u", "v", "v", "v"])  # one-hot: the third positive moves nearer the negatives
    assert kreg.n3_positive(X, np.array([1, 1, 1, 0, 0])) == pytest.approx(1 / 3)


def test_the_fixed_asymmetric_method_goes_through_compare(cond) -> None:
    pytest.importorskip("xgboost")
    from sklearn.datasets import make_classification

    import boostfocal
    from boostfocal._study._methods import METHODS

    variants = cond._load("_conditions_variants")
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    method = variants.FixedAsymmetric()
    with variants.registered(method):
        assert METHODS[method.name] is method
        res = boostfocal.compare(X, y, methods=["log_loss", method.name], cv=2, repeats=1, budget=2, n_estimators=5)
    assert method.name not in METHODS
    params = res.trials[res.trials["method"] == method.name]["params"]
    assert len(params) == 4 and all('"gamma": [4.0, 1.0]' in p and '"alpha": null' in p for p in params)


def test_claim_verdicts_follow_the_rule_fixed_before_the_run(cond) -> None:
    claims_mod = cond._load("_conditions_claims")
    cells = [  # imbalance, size, noise_kind, easy_share, AP mean, BH p, raw Brier diff, its BH p
        (1000, "small", "none", 0.0, +0.02, 0.01, +0.01, 0.01),  # severe: focal better, marked
        (100, "large", "none", 0.0, +0.01, 0.50, +0.01, 0.50),
        (1, "small", "none", 0.0, +0.03, 0.02, +0.00, 0.90),  # balanced clean: focal better, marked
        (10, "small", "both", 0.0, -0.04, 0.03, +0.00, 0.90),  # symmetric noise: focal worse, marked
        (10, "small", "positives", 0.0, +0.05, 0.04, +0.00, 0.90),  # class-conditional: focal better, marked
        (10, "small", "none", 0.9, -0.01, 0.20, +0.00, 0.90),  # flood: nothing marked
    ]
    rows = []
    for ir, size, kind, easy, ap, p, brier, p_brier in cells:
        row = {"imbalance": ir, "size": size, "noise_kind": kind, "easy_share": easy}
        row.update({"ap_mean": ap, "ap_low": ap - 0.01, "ap_high": ap + 0.01, "ap_p_bh": p})
        arms = (("focal raw", brier, p_brier), ("focal corrected", -0.001, 0.9), ("class-weighted (undone)", 0.0, 0.9))
        for arm, diff, pb in arms:
            pre = f"brier|{arm}-LL|"
            row.update({f"{pre}mean": diff, f"{pre}low": diff - 0.005, f"{pre}high": diff + 0.005, f"{pre}p_bh": pb})
        rows.append(row)
    verdicts = dict(zip(*claims_mod.claim_table(pd.DataFrame(rows))[["claim", "verdict"]].to_numpy().T, strict=True))
    assert verdicts["severe imbalance"] == "supported"  # one marked better, none worse
    assert verdicts["a flood of easy examples drowns the rare hard ones"] == "no effect found"
    assert verdicts["when oversampling is risky (few positives)"] == "supported"
    assert verdicts["balanced, clean data"] == "contradicted"  # "avoid", yet focal marked better
    assert verdicts["noisy labels (symmetric: as many negatives flipped as positives)"] == "supported"
    assert verdicts["noisy labels (class-conditional: missed positives)"] == "contradicted"
    assert verdicts["focal loss's probabilities are miscalibrated (raw)"] == "supported"
    assert verdicts["`focal_to_posterior` gives back calibrated probabilities"] == "supported (no study worse)"
    assert verdicts["imbalance corrections worsen calibration (Stat Med 2025): class weights, even undone"] == (
        "no effect found"
    )
    lines = claims_mod.claim_lines(claims_mod.claim_table(pd.DataFrame(rows)))
    assert lines[0] == "## The guides' claims, measured" and sum(line.startswith("| ") for line in lines) == 1 + 9
