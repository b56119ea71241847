"""``boostfocal.compare`` on multi-label targets (a 2-D 0/1 indicator): the fold stratification, the
metrics, the methods, the report files and every bad input (Python and command line)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_report_images

for _mod in ("pandas", "sklearn", "scipy", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd
from sklearn.datasets import make_multilabel_classification

from boostfocal import FocalLGBMClassifier, FocalXGBClassifier, compare
from boostfocal.__main__ import main
from boostfocal._study._data import iter_splits, iterative_stratification, prepare_target

TINY = {"cv": 2, "repeats": 1, "budget": 2, "n_estimators": 25, "early_stopping_rounds": 10, "progress": False}
METRICS = ("average_precision", "roc_auc", "recall_at_precision", "brier", "log_loss")
LABELS = ["spam", "urgent", "rare"]


def _data(n: int = 300, seed: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
    """Three labels from noisy linear scores: about 50 %, 25 % and 8 % positives."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    noise = rng.normal(scale=0.7, size=(n, 3))
    Y = np.zeros((n, 3), dtype=np.intp)
    Y[:, 0] = X[:, 0] + X[:, 1] + noise[:, 0] > 0
    Y[:, 1] = X[:, 2] - X[:, 1] + noise[:, 1] > 1.0
    Y[np.argsort(X[:, 0] + 0.5 * X[:, 3] + noise[:, 2])[-(n // 12) :], 2] = 1
    return X, pd.DataFrame(Y, columns=LABELS)


@pytest.fixture(scope="module")
def result():
    X, Y = _data()
    return compare(X, Y, library="both", **TINY)


def _stratified_case(name: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    if name == "sklearn":  # scikit-learn's multi-label generator (slow: a few hundred rows only)
        return make_multilabel_classification(n_samples=200, n_features=20, n_classes=5, random_state=0)[1]
    if name == "rare-labels":  # one label with exactly cv = 5 positives, one with 7, one positive in most rows
        Y = np.zeros((400, 4), dtype=int)
        Y[rng.choice(400, 5, replace=False), 0] = 1
        Y[rng.choice(400, 7, replace=False), 1] = 1
        Y[:, 2] = rng.random(400) < 0.9  # its negatives (about 40) are the value to spread
        Y[:, 3] = rng.random(400) < 0.3
        return Y
    # dense: every row has a label, so no unlabelled rows fill the folds up
    Y = (rng.random((600, 3)) < [0.5, 0.2, 0.05]).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    return Y


# ---------------------------------------------------------------- the stratification contract
@pytest.mark.parametrize("case", ["sklearn", "rare-labels", "dense"], ids=["sklearn", "rare-labels", "dense"])
@pytest.mark.parametrize("seed", [0, 1, 2], ids=["seed0", "seed1", "seed2"])
def test_every_fold_gets_every_label_in_proportion(case, seed):
    Y = _stratified_case(case)
    n, k = Y.shape
    cv = 5
    folds = iterative_stratification(Y, [1 / cv] * cv, np.random.default_rng(seed))
    assert folds.shape == (n,) and set(np.unique(folds)) == set(range(cv))  # a partition into cv folds
    minority = Y != (Y.sum(axis=0) > n / 2)  # the rarer value of every label (negatives of the 90 % label)
    per_fold = np.array([minority[folds == f].sum(axis=0) for f in range(cv)])  # (cv, K)
    assert np.all(per_fold >= 1), per_fold  # every label's rarer value in every fold
    assert np.all(np.abs(per_fold - minority.sum(axis=0) / cv) < 2.0), per_fold  # in proportion
    sizes = np.bincount(folds, minlength=cv)
    slack = 1 if case != "dense" else 0.05 * n / cv  # dense labels leave no unlabelled rows to even the sizes
    assert sizes.max() - sizes.min() <= max(1, slack), sizes


def test_unequal_proportions_give_the_inner_split_sizes():
    Y = _stratified_case("sklearn")
    part = iterative_stratification(Y, [0.8, 0.2], np.random.default_rng(0))
    assert abs(int((part == 1).sum()) - 0.2 * len(Y)) <= 1
    for label in Y.T:
        assert abs(label[part == 1].sum() - 0.2 * label.sum()) < 2.0


def test_stratification_beats_a_random_split():
    """The point of it: the rare label's positives spread evenly, where a random split leaves folds without."""
    Y = _stratified_case("rare-labels")
    stratified = iterative_stratification(Y, [0.2] * 5, np.random.default_rng(0))
    assert sorted(np.bincount(stratified[Y[:, 0] == 1], minlength=5)) == [1, 1, 1, 1, 1]
    empty = 0
    for seed in range(20):
        random = np.random.default_rng(seed).permutation(len(Y)) % 5
        empty += int(np.any(np.bincount(random[Y[:, 0] == 1], minlength=5) == 0))
    assert empty >= 10  # most random splits leave a fold without a positive of the 5-positive label


def test_stratification_is_seeded():
    Y = _stratified_case("sklearn")
    a, b, c = (iterative_stratification(Y, [0.25] * 4, np.random.default_rng(s)) for s in (3, 3, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_splits_partition_the_rows_and_differ_between_repeats():
    _, Y = _data()
    target = prepare_target(Y)
    seen: dict[int, list[np.ndarray]] = {}
    for r, _, tr, te, itr, iva in iter_splits(target, 3, 2, 0):
        assert np.intersect1d(tr, te).size == 0 and np.union1d(tr, te).size == len(Y)
        np.testing.assert_array_equal(np.sort(np.concatenate([itr, iva])), tr)
        assert abs(iva.size - 0.2 * tr.size) <= 1
        for rows in (te, itr, iva):
            counts = target.codes[rows].sum(axis=0)
            assert np.all((counts > 0) & (counts < rows.size))  # both values of every label
        seen.setdefault(r, []).append(te)
    assert not np.array_equal(seen[0][0], seen[1][0])


# ---------------------------------------------------------------- metrics (against scikit-learn)
def test_metrics_are_macro_averages_over_labels():
    from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

    from boostfocal._study._metrics import recall_at_precision, score_all

    rng = np.random.default_rng(0)
    Y = (rng.random((200, 3)) < [0.5, 0.2, 0.1]).astype(np.intp)
    proba = np.clip(0.6 * Y + 0.5 * rng.random((200, 3)), 0.01, 0.99)
    post = np.clip(proba * 0.9 + 0.05, 0, 1)
    w = rng.uniform(0.5, 2.0, 200)
    got = score_all(Y, proba, post, precision=0.8, sample_weight=w)
    ap = average_precision_score(Y, proba, average="macro", sample_weight=w)
    assert got["average_precision"] == pytest.approx(ap)
    assert got["roc_auc"] == pytest.approx(roc_auc_score(Y, proba, average="macro", sample_weight=w))
    rap = np.mean([recall_at_precision(Y[:, k], proba[:, k], 0.8, w) for k in range(3)])
    assert got["recall_at_precision"] == pytest.approx(rap)
    brier = np.mean([np.average((post[:, k] - Y[:, k]) ** 2, weights=w) for k in range(3)])
    assert got["brier"] == pytest.approx(brier)
    ll = np.mean([log_loss(Y[:, k], post[:, k], sample_weight=w) for k in range(3)])
    assert got["log_loss"] == pytest.approx(ll)


# ---------------------------------------------------------------- the study end to end
class TestStudy:
    def test_table_and_task(self, result):
        assert result.task == "multilabel" and result.classes == LABELS
        _, Y = _data()
        assert result.class_counts == Y.sum(axis=0).tolist()
        assert result.positive_rate == {k: pytest.approx(float(Y[k].mean())) for k in LABELS}
        table = result.table()
        assert list(zip(table["method"], table["library"], strict=True)) == [
            (m, lib) for lib in ("xgboost", "lightgbm") for m in ("log_loss", "weighted_log_loss", "focal")
        ]
        values = table.drop(columns=["method", "library", "family"]).to_numpy(dtype=float)
        assert np.all(np.isfinite(values))
        assert np.all(table["average_precision"] > 0.5)  # learnt something on every label
        assert result.verdict in ("focal is better", "focal is worse", "no significant difference")
        assert any("multi-label target: 3 labels" in n for n in result.notes)

    def test_pooled_probabilities_are_per_label(self, result):
        for pred in result.pooled.values():
            assert pred["proba"].shape == (300, 3) and pred["posterior"].shape == (300, 3)
            assert np.all((pred["proba"] > 0) & (pred["proba"] < 1))

    def test_results_json_schema(self, result, tmp_path: Path):

        out = tmp_path / "report"
        result.save(out)
        text = (out / "results.json").read_text()
        assert "NaN" not in text and "Infinity" not in text
        d = json.loads(text)
        assert d["schema"] == 1 and d["task"] == "multilabel" and d["n_rows"] == 300
        assert d["classes"] == LABELS and d["class_counts"] == result.class_counts
        assert list(d["positive_rate"]) == LABELS and all(0 < v < 1 for v in d["positive_rate"].values())
        for m in d["methods"]:
            for metric in METRICS:
                s = m["scores"][metric]
                assert s["ci_low"] <= s["mean"] <= s["ci_high"]
        assert d["comparison"]["verdict"] in ("better", "worse", "no significant difference")
        rec = json.loads((out / "recommended.json").read_text())
        assert rec["task"] == "multilabel" and set(rec["imbalance"]["positives"]) == set(LABELS)
        assert rec["imbalance"]["imbalance_ratio"] > 1
        page = (out / "report.html").read_text()
        assert "http://" not in page and "<script" not in page and "iteratively stratified" in page
        assert_report_images(page)
        assert "pool every (row, label) pair (micro)" in (out / "report.md").read_text()

    @pytest.mark.parametrize("method", ["focal", "log_loss", "weighted_log_loss"])
    @pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
    def test_recommended_record_is_usable(self, result, method, library):
        from xgboost import XGBClassifier

        from boostfocal import FocalLoss
        from boostfocal._study._result import recommend as _recommend

        t = result.trials
        trials = t[(t.library == library) & (t.method == method)]
        verdict = "better" if method == "focal" else "no significant difference"
        rec = json.loads(json.dumps(_recommend(result.plan, trials, verdict, result.comparison)))
        assert (rec["method"], rec["library"], rec["task"]) == (method, library, "multilabel")
        X, Y = _data()
        params = rec["estimator_params"]
        if method == "focal":
            loss = FocalLoss.from_dict(rec["loss"])
            assert loss.is_multilabel and loss.num_class == 3 and loss.gamma == params["gamma"]
        elif method == "weighted_log_loss":
            exponent = rec["loss"]["class_weight_exponent"]
            n_pos = Y.sum().to_numpy()
            expected = ((len(Y) - n_pos) / n_pos) ** exponent  # on every row
            np.testing.assert_allclose(np.array(params["alpha"]), np.column_stack([np.ones(3), expected]))
            assert params["gamma"] == 0.0 and rec["estimator"].startswith("Focal")
        else:
            expected_estimator = "XGBClassifier" if library == "xgboost" else "FocalLGBMClassifier"
            assert rec["estimator"] == expected_estimator
        classes = {"XGBClassifier": XGBClassifier, "FocalXGBClassifier": FocalXGBClassifier}
        cls = {**classes, "FocalLGBMClassifier": FocalLGBMClassifier}[rec["estimator"]]
        proba = cls(**params, n_jobs=1).fit(X, Y.to_numpy()).predict_proba(X)
        assert proba.shape == (300, 3) and np.all((proba > 0) & (proba < 1))

    def test_tpe_searcher(self):
        pytest.importorskip("optuna")
        X, Y = _data(seed=6)
        res = compare(X, Y, methods=["weighted_log_loss", "focal_asymmetric"], searcher="tpe", **{**TINY, "budget": 3})
        params = [json.loads(p)["loss"] for p in res.trials[res.trials.method == "focal_asymmetric"].params]
        assert all(len(p["gamma"]) == 2 for p in params)  # the binary space: one [g_0, g_1] pair
        assert res.recommended["searcher"] == "tpe"

    @pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
    def test_focal_at_gamma_0_without_alpha_is_no_significant_difference(self, library):
        X, Y = _data(seed=3)
        res = compare(X, Y, library=library, methods=["log_loss", "focal"], focal_gamma=0.0, focal_alpha=[None], **TINY)
        assert res.verdict == "no significant difference"
        # XGBoost: native multi-output binary:logistic against the focal estimator at gamma 0
        assert np.all(np.abs(res.differences.difference.to_numpy()) < 1e-6)

    def test_variants_and_max_rows(self):
        X, Y = _data(n=400, seed=4)
        methods = ["weighted_log_loss", "focal_asymmetric", "focal_effective_number"]
        res = compare(X, Y, methods=methods, max_rows=300, **{**TINY, "budget": 1})
        assert abs(res.n_rows - 300) <= 1 and any("stratified subsample" in n for n in res.notes)
        assert np.all(np.abs(np.array(res.class_counts) / res.n_rows - Y.mean().to_numpy()) < 0.01)
        params = [json.loads(p)["loss"] for p in res.trials.params]
        asym = [p for p in params if isinstance(p.get("gamma"), list)]
        assert asym and all(len(p["gamma"]) == 2 for p in asym)  # one [g_0, g_1] pair shared by the labels
        assert np.all(np.isfinite(res.table().drop(columns=["method", "library", "family"]).to_numpy(dtype=float)))

    def test_numpy_indicator_and_sample_weights(self):
        X, Y = _data(seed=5)
        w = np.linspace(0.5, 2.0, len(Y))
        res = compare(X, Y.to_numpy().astype(bool), sample_weight=w, methods=["log_loss", "focal"], **TINY)
        assert res.classes == ["label0", "label1", "label2"]
        assert np.all(np.isfinite(res.fold_scores[list(METRICS)].to_numpy()))


# ---------------------------------------------------------------- class-weighted log loss per label
@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_weighted_log_loss_is_the_per_label_class_weighted_log_loss(library):
    """The focal estimator at gamma 0 with alpha [[1, w_l]] is, label by label, the native binary log loss
    with sample weights w_l for the positives (what scale_pos_weight would be, one weight per label).
    XGBoost: ``max_bin`` above the row count, since its histogram cuts come from a sketch weighted by the
    sample weights (0.2 apart after 15 rounds at the default 256 bins on these 300 rows, 1e-7 with 1024)."""
    import lightgbm as lgb
    import xgboost as xgb

    X, Y = _data()
    Y = Y.to_numpy()
    w = np.array([0.5, 2.0, 9.0])
    common = {"n_estimators": 15, "n_jobs": 1, "learning_rate": 0.3}
    if library == "xgboost":
        common |= {"max_depth": 3, "max_bin": 1024}
        model = FocalXGBClassifier(gamma=0.0, alpha=np.column_stack([np.ones(3), w]), **common).fit(X, Y)
    else:
        common |= {"num_leaves": 7, "verbose": -1}
        model = FocalLGBMClassifier(gamma=0.0, alpha=np.column_stack([np.ones(3), w]), **common).fit(X, Y)
    proba = model.predict_proba(X)
    for k in range(3):
        sw = np.where(Y[:, k] == 1, w[k], 1.0)
        native = xgb.XGBClassifier(**common) if library == "xgboost" else lgb.LGBMClassifier(**common)
        p_native = native.fit(X, Y[:, k], sample_weight=sw).predict_proba(X)[:, 1]
        assert np.max(np.abs(p_native - proba[:, k])) < 1e-5, f"label {k}"


def test_the_study_weighs_each_label_by_its_own_imbalance():
    from boostfocal._study._methods import fit_method

    X, Y = _data()
    Y = Y.to_numpy()
    booster = {"n_estimators": 10, "n_jobs": 1, "max_depth": 3}
    fitted = fit_method(
        "weighted_log_loss",
        "xgboost",
        {"class_weight_exponent": 0.5},
        booster,
        X_train=X[:200],
        y_train=Y[:200],
        w_train=None,
        X_valid=X[200:],
        y_valid=Y[200:],
        w_valid=None,
        n_classes=3,
        patience=5,
        multilabel=True,
    )
    n_pos = Y[:200].sum(axis=0)
    expected = np.column_stack([np.ones(3), ((200 - n_pos) / n_pos) ** 0.5])
    np.testing.assert_allclose(fitted.model.alpha_, expected, rtol=1e-12)
    post = fitted.posterior(X[200:], fitted.proba(X[200:]))
    np.testing.assert_allclose(post, fitted.model.predict_posterior(X[200:]))  # the class weights undone


# ---------------------------------------------------------------- bad input (before any training)
def _bad_targets() -> dict[str, tuple[object, dict, str]]:
    _, Y = _data(n=120)
    few = Y.copy()
    few["rare"] = 0
    few.loc[:2, "rare"] = 1
    most = Y.copy()
    most["urgent"] = 1
    most.loc[:1, "urgent"] = 0
    missing = Y.astype(float)
    missing.iloc[7, 1] = np.nan
    return {
        "not-binary": (Y.assign(urgent=Y.urgent * 2), {}, r"y column 'urgent' must hold 0/1 or true/false .*got 0, 2"),
        "fraction": (Y.assign(spam=Y.spam * 0.5), {}, r"y column 'spam' must hold 0/1 .*got 0\.0, 0\.5"),
        "text": (Y.assign(spam=np.where(Y.spam == 1, "yes", "no")), {}, r"'spam' must hold 0/1 .*'no', 'yes'"),
        "one-column": (Y[["spam"]], {}, r"single column \('spam'.*pass a 1-D binary target"),
        "one-column-array": (Y[["spam"]].to_numpy(), {}, r"single column .*pass a 1-D binary target \(y\[:, 0\]\)"),
        "missing": (missing, {}, r"1 row\(s\) with a missing label \(first at row 7, column 'urgent'\)"),
        "constant-0": (Y.assign(rare=0), {}, "y column 'rare' is 0 in every row"),
        "constant-1": (Y.assign(rare=1), {}, "y column 'rare' is 1 in every row"),
        "few-positives": (few, {}, r"label 'rare' has 3 positive row\(s\); cv=5 needs at least 5 .*cv=3 would work"),
        "few-negatives": (most, {"cv": 3}, r"label 'urgent' has 2 negative row\(s\); cv=3 needs .*no number of folds"),
        "positive": (Y, {"positive": 1}, r"positive= is for a one-column target"),
        "duplicated": (pd.concat([Y, Y[["spam"]]], axis=1), {}, r"duplicated label names: \['spam'\]"),
        "weights": (Y, {"sample_weight": np.where(Y.rare == 1, 0.0, 1.0)}, "every label needs a positive total"),
        "3-d": (np.zeros((120, 2, 2)), {}, r"1-D \(class labels\) or 2-D"),
    }


BAD_TARGET_IDS = list(_bad_targets())


@pytest.mark.parametrize("case", BAD_TARGET_IDS, ids=BAD_TARGET_IDS)
def test_bad_multilabel_targets(case, monkeypatch):
    from boostfocal._study import _run

    monkeypatch.setattr(_run, "run_study", lambda plan: pytest.fail("training started"))
    X, _ = _data(n=120)
    y, kwargs, match = _bad_targets()[case]
    with pytest.raises(ValueError, match=match):
        compare(X, y, **{**TINY, "cv": 5, **kwargs})


def test_missing_labels_can_be_dropped():
    X, Y = _data()
    Y = Y.astype(float)
    Y.iloc[[3, 9], [0, 2]] = np.nan
    res = compare(X, Y, drop_missing_target=True, methods=["log_loss", "focal"], **{**TINY, "budget": 1})
    assert res.n_rows == 298 and any("dropped 2 row(s) with a missing label" in n for n in res.notes)


# ---------------------------------------------------------------- command line
def _table(n: int = 300) -> pd.DataFrame:
    X, Y = _data(n)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    return frame.assign(spam=Y.spam, urgent=Y.urgent.astype(bool), rare=Y.rare, grade=np.arange(n) % 3)


def test_cli_multilabel_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "mail.csv"
    _table().to_csv(path, index=False)
    out = tmp_path / "report"
    argv = ["compare", str(path), "--target", "spam,urgent,rare", "--drop", "grade", "--quiet"]
    argv += ["--cv", "2", "--repeats", "1", "--budget", "1", "--n-estimators", "15", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "300 rows, multilabel" in printed and "best focal minus best baseline" in printed
    results = json.loads((out / "results.json").read_text())
    assert results["task"] == "multilabel" and results["classes"] == LABELS
    assert set(results["positive_rate"]) == set(LABELS)


def _cli_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    good = tmp_path / "good.csv"
    _table().to_csv(good, index=False)
    missing = tmp_path / "missing.csv"
    _table().assign(rare=lambda d: d.rare.where(d.index != 4)).to_csv(missing, index=False)
    few = tmp_path / "few.csv"
    _table().assign(rare=lambda d: (d.index < 3).astype(int)).to_csv(few, index=False)
    g = str(good)
    return {
        "positive": ([g, "--target", "spam,urgent", "--positive", "1"], "--positive is for one --target column"),
        "not-binary": ([g, "--target", "spam,grade"], r"--target column 'grade' must hold 0/1 or true/false"),
        "absent": ([g, "--target", "spam,urgnt"], r"--target 'urgnt' is not a column .*closest columns: 'urgent'"),
        "repeated": ([g, "--target", "spam,spam"], r"--target names the column\(s\) 'spam' more than once"),
        "drop-target": ([g, "--target", "spam,rare", "--drop", "rare"], "--drop names the target column 'rare'"),
        "weight-target": ([g, "--target", "spam,rare", "--weight", "rare"], "--weight 'rare' is a target column"),
        "missing": ([str(missing), "--target", "spam,rare"], r"1 row\(s\) with a missing label .*--drop-missing"),
        "few": ([str(few), "--target", "spam,rare"], r"label 'rare' has 3 positive row\(s\); --cv 5 .*--cv 3 would"),
    }


CLI_IDS = ["positive", "not-binary", "absent", "repeated", "drop-target", "weight-target", "missing", "few"]


@pytest.mark.parametrize("case", CLI_IDS, ids=CLI_IDS)
def test_cli_bad_multilabel_input(case, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch):
    from boostfocal._study import _run

    monkeypatch.setattr(_run, "run_study", lambda plan: pytest.fail("training started"))
    argv, match = _cli_cases(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["compare", *argv, "--out", str(tmp_path / "new_report")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("boostfocal compare: error: ")
    assert re.search(match, lines[0]), lines[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_cli_help_documents_multilabel(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["compare", "-h"])
    assert "--target a,b,c" in " ".join(capsys.readouterr().out.split())


def test_a_split_leaving_a_label_out_of_a_fold_is_refused(monkeypatch):
    """The safety net behind the stratification: a split without some label's positives in a test fold
    stops the study before any training (here a splitter that puts every positive of 'rare' in one fold)."""
    from boostfocal._study import _data as data_module
    from boostfocal._study import _run

    X, Y = _data()

    def lopsided(Y_part, proportions, rng):
        folds = np.arange(len(Y_part)) % len(proportions)
        folds[Y_part[:, 2] == 1] = 0
        return folds

    monkeypatch.setattr(data_module, "iterative_stratification", lopsided)
    monkeypatch.setattr(_run, "run_study", lambda plan: pytest.fail("training started"))
    with pytest.raises(
        ValueError,
        match=r"label 'rare' cannot be spread over cv=2 folds: the inner training part of fold 1 .*has no positive",
    ):
        compare(X, Y, **TINY)
