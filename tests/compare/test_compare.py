"""``boostfocal.compare``: statistics on hand-made numbers, the protocol, the report files, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_report_images

for _mod in ("pandas", "sklearn", "scipy", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd
from sklearn.datasets import make_classification

import boostfocal
from boostfocal import compare
from boostfocal._study._stats import Interval, corrected_t_interval, verdict_from_interval

TINY = {"cv": 2, "repeats": 1, "budget": 2, "n_estimators": 25, "early_stopping_rounds": 10, "progress": False}
METRICS = ("average_precision", "roc_auc", "recall_at_precision", "brier", "log_loss")


def _binary(n: int = 300, seed: int = 0, weight: float = 0.85) -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n_samples=n, n_features=6, n_informative=4, weights=[weight], random_state=seed)


@pytest.fixture(scope="module")
def binary_result():
    X, y = _binary()
    return compare(X, y, library="both", **{**TINY, "repeats": 2})


# ---------------------------------------------------------------- statistics (hand-made numbers)
class TestCorrectedT:
    def test_hand_computed_interval(self):
        # d = 1, 2, 3, 4: mean 2.5, s^2 = 5/3; factor 1/4 + 1/3 = 7/12; t(3, 0.975) = 3.182446305
        iv = corrected_t_interval([1.0, 2.0, 3.0, 4.0], n_train=3, n_test=1)
        half = 3.182446305284263 * math.sqrt(7 / 12 * 5 / 3)
        assert iv.mean == pytest.approx(2.5)
        assert iv.ci_low == pytest.approx(2.5 - half, rel=1e-9)
        assert iv.ci_high == pytest.approx(2.5 + half, rel=1e-9)

    def test_wider_than_the_naive_t_interval(self):
        d = np.array([0.01, 0.03, -0.02, 0.04, 0.00, 0.02])
        corrected = corrected_t_interval(d, n_train=800, n_test=200)
        naive_half = 2.570581835636314 * d.std(ddof=1) / math.sqrt(6)  # t(5, 0.975)
        assert corrected.ci_high - corrected.mean == pytest.approx(naive_half * math.sqrt(1 + 6 * 200 / 800))

    def test_confidence_level(self):
        wide = corrected_t_interval([1.0, 2.0, 4.0], n_train=2, n_test=1, confidence=0.99)
        narrow = corrected_t_interval([1.0, 2.0, 4.0], n_train=2, n_test=1, confidence=0.8)
        assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high

    def test_constant_values_give_a_point(self):
        iv = corrected_t_interval([0.0, 0.0, 0.0], n_train=10, n_test=5)
        assert (iv.mean, iv.ci_low, iv.ci_high) == (0.0, 0.0, 0.0)

    @pytest.mark.parametrize(
        "values,kwargs,match",
        [
            ([1.0], {}, "at least 2"),
            ([1.0, float("nan")], {}, "finite"),
            ([1.0, 2.0], {"n_train": 0}, "n_train"),
            ([1.0, 2.0], {"n_test": -1}, "n_test"),
            ([1.0, 2.0], {"confidence": 1.0}, "confidence"),
        ],
        ids=["one-value", "nan", "n-train-zero", "n-test-negative", "confidence-one"],
    )
    def test_bad_input(self, values, kwargs, match):
        with pytest.raises(ValueError, match=match):
            corrected_t_interval(values, **{"n_train": 10, "n_test": 5, **kwargs})


@pytest.mark.parametrize(
    "interval,higher,expected",
    [
        (Interval(0.02, 0.01, 0.03), True, "better"),
        (Interval(-0.02, -0.03, -0.01), True, "worse"),
        (Interval(0.02, -0.01, 0.05), True, "no significant difference"),
        (Interval(0.0, 0.0, 0.0), True, "no significant difference"),
        (Interval(-0.02, -0.03, -0.01), False, "better"),  # Brier / log loss: lower is better
        (Interval(0.02, 0.01, 0.03), False, "worse"),
    ],
    ids=["above-0", "below-0", "holds-0", "point-0", "lower-better-below", "lower-better-above"],
)
def test_verdict_follows_the_interval(interval, higher, expected):
    assert verdict_from_interval(interval, higher_is_better=higher) == expected


def test_verdict_ignores_the_point_estimate():
    # a large mean with an interval holding 0 is no significant difference
    assert verdict_from_interval(Interval(0.5, -0.01, 1.0)) == "no significant difference"


# ---------------------------------------------------------------- the protocol
class TestProtocol:
    def test_import_is_lazy(self):
        assert "compare" in boostfocal.__all__ and "CompareResult" in boostfocal.__all__
        assert isinstance(boostfocal.compare, type(compare))

    def test_table_one_row_per_method_and_library(self, binary_result):
        table = binary_result.table()
        assert list(zip(table["method"], table["library"], strict=True)) == [
            (m, lib) for lib in ("xgboost", "lightgbm") for m in ("log_loss", "weighted_log_loss", "focal")
        ]
        for m in METRICS:
            assert np.all(table[f"{m}_low"] <= table[m]) and np.all(table[m] <= table[f"{m}_high"])
            assert np.all(np.isfinite(table[[m, f"{m}_low", f"{m}_high"]].to_numpy()))
        assert np.all(table["fit_seconds"] > 0)

    def test_fold_scores_are_paired(self, binary_result):
        folds = binary_result.fold_scores
        assert len(folds) == 6 * 2 * 2  # 6 (method, library) runs x 2 folds x 2 repeats
        keys = folds.groupby(["method", "library"])[["repeat", "fold"]].apply(lambda d: sorted(map(tuple, d.values)))
        assert all(k == keys.iloc[0] for k in keys)
        assert set(METRICS) <= set(folds.columns)

    def test_each_method_keeps_its_best_inner_validation_configuration(self, binary_result):
        trials = binary_result.trials
        for row in binary_result.fold_scores.itertuples():
            t = trials[
                (trials.method == row.method)
                & (trials.library == row.library)
                & (trials.repeat == row.repeat)
                & (trials.fold == row.fold)
            ]
            assert len(t) == 2  # the budget
            assert row.config == int(t.valid_score.to_numpy().argmax())
            assert row.valid_score == t.valid_score.max()

    def test_difference_is_best_focal_minus_best_baseline_picked_on_inner_validation(self, binary_result):
        folds = binary_result.fold_scores.set_index(["method", "library", "repeat", "fold"])
        for row in binary_result.differences.itertuples():
            for fam in ("focal", "baseline"):
                cand = folds.xs((row.repeat, row.fold), level=("repeat", "fold"))
                cand = cand[cand.family == fam]
                picked = (getattr(row, f"{fam}_method"), getattr(row, f"{fam}_library"))
                assert cand.valid_score.idxmax() == picked
                assert getattr(row, f"{fam}_score") == cand.loc[picked, "average_precision"]
            assert row.difference == pytest.approx(row.focal_score - row.baseline_score)
        c = binary_result.comparison
        assert c.mean == pytest.approx(binary_result.differences.difference.mean())
        assert c.ci_low <= c.mean <= c.ci_high

    def test_verdict_and_recommendation_agree(self, binary_result):
        assert binary_result.verdict in ("focal is better", "focal is worse", "no significant difference")
        rec = binary_result.recommended
        expected = "focal" if binary_result.verdict == "focal is better" else "baseline"
        assert rec["choice"] == expected
        t = binary_result.trials
        fam = t[t.method.isin(["focal"] if expected == "focal" else ["log_loss", "weighted_log_loss"])]
        best = fam.groupby(["method", "library", "config"]).valid_score.mean()
        assert rec["inner_validation_score"] == pytest.approx(best.max())
        assert (rec["method"], rec["library"], rec["config"]) == best.idxmax()

    @pytest.mark.parametrize("library", ["xgboost", "lightgbm"], ids=["xgboost", "lightgbm"])
    def test_focal_at_gamma_0_without_alpha_is_no_significant_difference(self, library):
        X, y = _binary(seed=3)
        result = compare(
            X, y, library=library, methods=["log_loss", "focal"], focal_gamma=0.0, focal_alpha=[None], **TINY
        )
        assert result.verdict == "no significant difference"
        # the same booster draws (common random numbers): gamma = 0 focal is log loss, fold by fold
        assert np.all(np.abs(result.differences.difference.to_numpy()) < 1e-9)

    def test_lower_is_better_metric_picks_the_minimum(self):
        X, y = _binary(seed=9)
        result = compare(X, y, metric="brier", methods=["weighted_log_loss", "focal"], **TINY)
        trials = result.trials
        for row in result.fold_scores.itertuples():
            t = trials[(trials.method == row.method) & (trials.repeat == row.repeat) & (trials.fold == row.fold)]
            assert row.valid_score == t.valid_score.min()
        focal = result.fold_scores[result.fold_scores.method == "focal"].set_index(["repeat", "fold"])
        for row in result.differences.itertuples():
            assert row.focal_score == focal.loc[(row.repeat, row.fold), "brier"]
        c = result.comparison
        expected = "better" if c.ci_high < 0 else "worse" if c.ci_low > 0 else "no significant difference"
        assert result.to_dict()["comparison"]["verdict"] == expected

    def test_multiclass(self):
        X, y = make_classification(
            n_samples=360, n_features=6, n_informative=4, n_classes=3, weights=[0.6, 0.3, 0.1], random_state=0
        )
        methods = ["weighted_log_loss", "focal_effective_number", "focal_asymmetric"]
        result = compare(X, y, methods=methods, **{**TINY, "budget": 1})
        assert result.task == "multiclass" and result.positive_rate is None
        table = result.table()
        assert np.all(np.isfinite(table.drop(columns=["method", "library", "family"]).to_numpy()))
        rec = result.recommended
        assert rec["imbalance"]["class_counts"] == {str(k): int(n) for k, n in enumerate(np.bincount(y))}
        assert rec["imbalance"]["positive_rate"] is None

    def test_dataframe_with_text_missing_and_dates(self, capsys):
        X, y = _binary(n=240, seed=5)
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
        frame["city"] = np.where(X[:, 0] > 0, "north", "south")
        frame["empty"] = np.nan
        frame["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(240), unit="D")
        before = frame.copy()
        labels = pd.Series(np.where(y == 1, "churn", "stay"))
        weights = np.linspace(0.5, 2.0, 240)
        result = compare(
            frame,
            labels,
            positive="churn",
            sample_weight=weights,
            methods=["log_loss", "focal"],
            **{**TINY, "progress": True},
        )
        pd.testing.assert_frame_equal(frame, before)  # the caller's frame is untouched
        notes = " | ".join(result.notes)
        assert "text column 'city' used as categorical" in notes
        assert "'empty'" in notes and "date-time column 'when'" in notes
        assert result.positive == "churn" and result.n_features == 8
        assert "fit" in capsys.readouterr().err  # the progress bar, on stderr

    def test_same_seed_same_study(self):
        X, y = _binary(n=200, seed=8)
        kw = {**TINY, "methods": ["weighted_log_loss", "focal"], "budget": 1}
        runs = [compare(X, y, random_state=4, **kw) for _ in range(2)]
        other = compare(X, y, random_state=5, **kw)
        cols = ["method", "repeat", "fold", "config", "valid_score", *METRICS]
        pd.testing.assert_frame_equal(runs[0].fold_scores[cols], runs[1].fold_scores[cols])
        assert not runs[0].fold_scores[cols].equals(other.fold_scores[cols])

    @pytest.mark.parametrize("verdict", ["better", "no significant difference"], ids=["focal", "baseline"])
    def test_recommended_record_is_usable(self, binary_result, verdict):
        from xgboost import XGBClassifier

        from boostfocal import FocalLGBMClassifier, FocalLoss, FocalXGBClassifier
        from boostfocal._study._result import recommend as _recommend

        rec = _recommend(binary_result.plan, binary_result.trials, verdict, binary_result.comparison)
        rec = json.loads(json.dumps(rec))  # what recommended.json holds
        assert rec["choice"] == ("focal" if verdict == "better" else "baseline")
        X, y = _binary()
        if rec["choice"] == "focal":
            loss = FocalLoss.from_dict(rec["loss"])
            assert loss.gamma == rec["estimator_params"]["gamma"]
            cls = FocalXGBClassifier if rec["library"] == "xgboost" else FocalLGBMClassifier
        else:
            assert rec["loss"]["loss"] in ("log loss", "class-weighted log loss")
            if rec["library"] == "xgboost":
                cls = XGBClassifier
            else:
                from lightgbm import LGBMClassifier as cls
        model = cls(**rec["estimator_params"]).fit(X, y)
        assert model.predict_proba(X).shape == (len(y), 2)

    def test_tpe_searcher(self):
        pytest.importorskip("optuna")
        X, y = _binary(n=240, seed=10)
        kw = {**TINY, "methods": ["weighted_log_loss", "focal"], "budget": 3, "searcher": "tpe"}
        result = compare(X, y, **kw)
        t = result.trials
        first = t[t.config == 0]
        # every study starts from the random search's first configuration (the centre) ...
        centre = compare(X, y, **{**kw, "searcher": "random", "budget": 1}).trials
        assert sorted(first.params) == sorted(centre.params)
        # ... and then draws its own settings in each fold
        later = t[(t.method == "focal") & (t.config > 0)]
        assert later.params.nunique() == len(later)
        assert result.recommended["searcher"] == "tpe" and result.to_dict()["settings"]["searcher"] == "tpe"
        again = compare(X, y, **kw)
        assert list(again.trials.params) == list(t.params)  # seeded

    def test_tpe_without_optuna_is_refused(self, monkeypatch):
        import sys

        monkeypatch.setitem(sys.modules, "optuna", None)
        X, y = _binary(n=120)
        with pytest.raises(ValueError, match=r"searcher='tpe' needs optuna.*pip install optuna"):
            compare(X, y, searcher="tpe", **TINY)

    def test_identifier_column_gets_a_note(self):
        X, y = _binary(n=240, seed=6)
        frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"]).assign(email=[f"u{i}@x.org" for i in range(240)])
        result = compare(frame, y, methods=["log_loss", "focal"], **{**TINY, "budget": 1})
        assert any("'email' has a level for most rows" in n for n in result.notes)

    def test_quick_defaults(self):
        X, y = _binary(n=200, seed=7)
        result = compare(X, y, quick=True, budget=1, methods=["log_loss", "focal"], progress=False)
        s = result.to_dict()["settings"]
        assert (s["cv"], s["repeats"], s["budget"], s["n_estimators"], s["early_stopping_rounds"]) == (3, 1, 1, 200, 20)
        assert s["quick"] is True


# ---------------------------------------------------------------- files


def _check_results_schema(d: dict) -> None:
    assert d["schema"] == 1
    assert d["task"] in ("binary", "multiclass")
    assert isinstance(d["n_rows"], int) and d["n_rows"] > 0
    assert d["task"] != "binary" or 0.0 < d["positive_rate"] < 1.0
    assert d["metric"] == "average_precision"
    assert d["methods"]
    for m in d["methods"]:
        assert isinstance(m["name"], str) and m["library"] in ("xgboost", "lightgbm")
        assert isinstance(m["params"], dict) and isinstance(m["fit_seconds"], float)
        for metric in METRICS:
            s = m["scores"][metric]
            assert set(s) == {"mean", "ci_low", "ci_high"} and s["ci_low"] <= s["mean"] <= s["ci_high"]
    comp = d["comparison"]
    assert set(comp["focal_minus_best_baseline"]) == {"mean", "ci_low", "ci_high"}
    assert comp["verdict"] in ("better", "worse", "no significant difference")


def test_save_writes_the_report_files(binary_result, tmp_path: Path):

    out = tmp_path / "report"
    written = binary_result.save(out)
    assert sorted(p.name for p in written) == sorted(
        ["report.html", "report.md", "results.json", "recommended.json", "preparation.json", "fold_scores.csv"]
    )
    text = (out / "results.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    results = json.loads(text)
    _check_results_schema(results)
    assert results == json.loads(json.dumps(binary_result.to_dict(), default=str))
    rec = json.loads((out / "recommended.json").read_text())
    for key in ("loss", "library", "estimator_params", "imbalance", "metric", "verdict", "date", "why"):
        assert key in rec
    page = (out / "report.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script" not in page  # offline, self-contained
    assert_report_images(page)
    md = (out / "report.md").read_text()
    assert "| method | library |" in md and binary_result.verdict in md
    folds = pd.read_csv(out / "fold_scores.csv")
    assert len(folds) == len(binary_result.fold_scores)
    with pytest.raises(ValueError, match="not empty"):
        binary_result.save(out)
    binary_result.save(out, overwrite=True)


# ---------------------------------------------------------------- bad input (before any training)
def _y_few_positives() -> np.ndarray:
    y = np.zeros(100, dtype=int)
    y[:3] = 1
    return y


BAD_CALLS = [
    ({"cv": 1}, ValueError, r"cv must be in \[2, 100\], got 1"),
    ({"repeats": 0}, ValueError, "repeats must be"),
    ({"budget": 0}, ValueError, "budget must be"),
    ({"budget": 2.5}, TypeError, "budget must be an integer"),
    ({"n_jobs": 0}, ValueError, "n_jobs must be"),
    ({"metric": "accuracy"}, ValueError, "metric must be one of"),
    ({"library": "catboost"}, ValueError, "library must be"),
    ({"methods": ["log_loss", "weighted_log_loss"]}, ValueError, "at least one baseline"),
    ({"methods": ["focal", "hinge"]}, ValueError, r"unknown method\(s\) \['hinge'\]"),
    ({"methods": "focal"}, TypeError, "methods must be a sequence"),
    ({"precision": 1.5}, ValueError, "precision must be"),
    ({"focal_gamma": -1.0}, ValueError, "focal_gamma"),
    ({"focal_gamma": (2.0, 1.0)}, ValueError, "focal_gamma as a range"),
    ({"focal_alpha": [1.5]}, ValueError, "focal_alpha choices"),
    ({"sample_weight": -np.ones(120)}, ValueError, "sample_weight must be >= 0"),
    ({"sample_weight": np.r_[np.ones(119), np.nan]}, ValueError, "sample_weight has 1 missing"),
    ({"sample_weight": np.ones(5)}, ValueError, "one value per row"),
    ({"positive": 7}, ValueError, r"positive=7 is not among the labels"),
    ({"max_rows": 3}, ValueError, "max_rows must be"),
    ({"searcher": "grid"}, ValueError, "searcher must be 'random' or 'tpe'"),
]


@pytest.mark.parametrize(
    "kwargs,error,match",
    BAD_CALLS,
    ids=[
        "cv-1",
        "repeats-0",
        "budget-0",
        "budget-float",
        "n-jobs-0",
        "metric",
        "library",
        "no-focal",
        "unknown-method",
        "methods-str",
        "precision",
        "gamma-negative",
        "gamma-range",
        "alpha",
        "weight-negative",
        "weight-nan",
        "weight-length",
        "positive",
        "max-rows",
        "searcher",
    ],
)
def test_bad_arguments(kwargs, error, match, monkeypatch):
    X, y = _binary(n=120)
    from boostfocal._study import _run

    monkeypatch.setattr(_run, "run_study", lambda plan: pytest.fail("training started"))
    with pytest.raises(error, match=match):
        compare(X, y, **{**TINY, **kwargs})


@pytest.mark.parametrize(
    "y,match",
    [
        (np.zeros(100), "single class"),
        (np.r_[np.zeros(50), np.ones(49), np.nan], "1 missing value"),
        (np.linspace(0, 1, 100), "regression target"),
        (_y_few_positives(), r"rarest class 1 has 3 row\(s\); cv=5 needs at least 5 .*cv=3 would work"),
        (np.ones(99), "same number of rows"),
    ],
    ids=["one-class", "missing", "regression", "few-positives", "length"],
)
def test_bad_targets(y, match):
    X = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ValueError, match=match):
        compare(X, y, cv=5, progress=False)


def test_missing_targets_can_be_dropped():
    X, y = _binary(n=200, seed=2)
    y = y.astype(float)
    y[:4] = np.nan
    result = compare(X, y, drop_missing_target=True, methods=["log_loss", "focal"], **TINY)
    assert result.n_rows == 196 and any("4 row(s) with a missing target" in n for n in result.notes)


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_weighted_baseline_with_a_large_class_weight_still_trains(library):
    """The class-weighted baseline must not be handicapped: with w = n_neg / n_pos ~ 460 LightGBM's
    ``scale_pos_weight`` starts at the unweighted base rate and early stopping ends the fit after 1 round
    (AP ~0.5 on these data); the engine passes the weight as sample weights there."""

    from boostfocal._study._methods import fit_method

    X, y = make_classification(
        n_samples=30_000, n_features=20, weights=[0.998], flip_y=0, class_sep=1.5, random_state=0
    )
    tr, va = slice(0, 20_000), slice(20_000, None)
    booster = {"n_estimators": 200, "learning_rate": 0.1, "n_jobs": 1}
    booster |= {"max_depth": 4} if library == "xgboost" else {"num_leaves": 15, "verbose": -1}
    fitted = fit_method(
        "weighted_log_loss",
        library,
        {"class_weight_exponent": 1.0},
        booster,
        X_train=X[tr],
        y_train=y[tr],
        w_train=None,
        X_valid=X[va],
        y_valid=y[va],
        w_valid=None,
        n_classes=2,
        patience=20,
    )
    assert fitted.best_iteration > 5  # 1 with LightGBM's scale_pos_weight (the old engine)
