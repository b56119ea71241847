"""The first screen of the report (verdict sentence, target, recommendation table) and fold numbers
from 1 in every file a person reads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

for _mod in ("pandas", "sklearn", "scipy", "xgboost", "matplotlib"):
    pytest.importorskip(_mod)

import pandas as pd
from sklearn.datasets import make_classification

from boostfocal import compare
from boostfocal._study._report import verdict_sentence
from boostfocal._study._stats import Interval


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    X, y = make_classification(n_samples=240, n_features=5, weights=[0.8], random_state=4)
    result = compare(X, y, cv=3, repeats=1, budget=2, n_estimators=15, progress=False)
    out = tmp_path_factory.mktemp("study") / "report"
    result.save(out)
    return result, out


@pytest.mark.parametrize(
    "verdict,metric,head,tail",
    [
        ("focal is better", "average_precision", "Focal loss is better than the best baseline", "."),
        ("focal is worse", "brier", "Focal loss is worse than the best baseline", "."),
        (
            "no significant difference",
            "roc_auc",
            "Focal loss and the best baseline are not significantly",
            "contains 0.",
        ),
    ],
    ids=["better", "worse", "no-difference"],
)
def test_verdict_sentence(verdict: str, metric: str, head: str, tail: str):
    stub = SimpleNamespace(
        comparison=Interval(0.0123, -0.004, 0.0286),
        metric=metric,
        verdict=verdict,
        plan=SimpleNamespace(confidence=0.9),
    )
    text = verdict_sentence(cast(Any, stub))
    assert text.startswith(head) and text.endswith(tail)
    assert f"in {metric} ({'lower' if metric == 'brier' else 'higher'} is better)" in text
    assert "+0.0123, 90% interval [-0.0040, +0.0286]" in text


def test_first_screen_of_the_markdown_report(saved):
    result, out = saved
    md = (out / "report.md").read_text()
    head = md.split("## The study")[0]
    c = result.comparison
    assert head.startswith("# boostfocal compare\n\n**Verdict.** ")
    assert f"{c.mean:+.4f}, 95% interval [{c.ci_low:+.4f}, {c.ci_high:+.4f}]" in head
    assert f"**Target.** Binary target, positive class 1 ({result.class_counts[1]} of 240 rows" in head
    rec = result.recommended
    assert "| setting | value |" in head and f"| estimator | {rec['estimator']} |" in head
    for key in rec["estimator_params"]:
        assert re.search(rf"^\| {key} \| ", head, flags=re.M), key
    assert "`{" not in md  # no inline JSON: the loss record is a block at the end
    assert md.rstrip().endswith("```")


def test_first_screen_of_the_html_report(saved):
    result, out = saved
    page = (out / "report.html").read_text()
    first = page.split("<h2>The study</h2>")[0]
    assert "<strong>Verdict.</strong>" in first and "<strong>Target.</strong>" in first
    assert f"<td>estimator</td><td>{result.recommended['estimator']}</td>" in first
    assert "<h2>Recommendation</h2>" not in page  # the recommendation moved to the first screen


def test_folds_are_numbered_from_1_in_the_files(saved):
    result, out = saved
    per_fold = json.loads((out / "results.json").read_text())["comparison"]["per_fold"]
    assert [(d["repeat"], d["fold"]) for d in per_fold] == [(1, 1), (1, 2), (1, 3)]
    csv = pd.read_csv(out / "fold_scores.csv")
    assert sorted(set(csv.fold)) == [1, 2, 3] and set(csv.repeat) == {1}
    assert sorted(set(result.fold_scores.fold)) == [0, 1, 2]  # Python indices stay 0-based
    table = (out / "report.md").read_text().split("## Paired differences per outer fold")[1]
    rows = re.findall(r"^\| (\d+) \| (\d+) \|", table, flags=re.M)
    assert rows == [("1", "1"), ("1", "2"), ("1", "3")]


def test_orders_differ():
    from boostfocal._study._report import orders_differ

    assert not orders_differ({"a": 0.3, "b": 0.4}, {"a": 0.1, "b": 0.2})
    assert orders_differ({"a": 0.3, "b": 0.4}, {"a": 0.2, "b": 0.1})
    assert not orders_differ({"a": 0.4, "b": 0.4, "c": 0.1}, {"a": 0.2, "b": 0.3, "c": 0.0})  # a tie ranks no pair


def test_gamma_ticks_are_readable(saved):
    """The metric-against-gamma figure labels several plain gamma values (not one "10^0")."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from boostfocal._study import _report

    result, _ = saved
    captured = []
    real = _report._png

    def keep(fig):
        captured.append([t.get_text() for t in fig.axes[0].get_xticklabels()])
        return real(fig)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_report, "_png", keep)
        _report._gamma_figure(result)
    plt.close("all")
    labels = captured[0]
    assert len(labels) >= 2 and all(re.fullmatch(r"\d+(\.\d+)?", t) for t in labels), labels


def test_a_recommended_baseline_says_whether_the_other_would_do(saved):
    from boostfocal._study._stats import corrected_t_interval

    result, _ = saved
    f = result.fold_scores
    d = (
        f[f.method == "weighted_log_loss"]["average_precision"].to_numpy()
        - f[f.method == "log_loss"]["average_precision"].to_numpy()
    )
    iv = corrected_t_interval(d, n_train=result.n_train, n_test=result.n_test)
    numbers = f"{iv.mean:+.4f} [{iv.ci_low:+.4f}, {iv.ci_high:+.4f}]"
    why = result.recommended["why"]
    if result.recommended["choice"] == "focal":
        assert "two baselines" not in why
    elif iv.contains(0.0):
        assert "The two baselines are not significantly different either" in why and numbers in why
    else:
        assert "The two baselines differ significantly" in why and numbers in why
    assert result.recommended["choice"] == "baseline"  # these data: no focal gain, so the branch above ran
