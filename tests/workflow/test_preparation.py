"""The saved preparation (one value, replayed at fit and predict time), the posterior threshold at a
precision, and the model file read back by the library alone (what ``boostfocal predict`` runs)."""

from __future__ import annotations

import json

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd
from sklearn.datasets import make_classification

from boostfocal import FocalLGBMClassifier, FocalXGBClassifier
from boostfocal._study._features import Preparation, learn_preparation, prepare_features
from boostfocal._study._metrics import threshold_at_precision
from boostfocal._study._model import native_probabilities, posterior_from_proba, save_native


def _frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "n": rng.integers(0, 5, size=n),
            "flag": rng.random(n) > 0.5,
            "city": rng.choice(["Oslo", "Lima", "Pune"], size=n),
            "when": pd.date_range("2021-03-01", periods=n, freq="h", tz="UTC"),
            "empty": np.nan,
        }
    )


def test_the_record_replays_the_study_preparation_exactly():
    frame = _frame()
    prepared, notes, prep = prepare_features(frame, dropped={"row": "identifier"}, target=("y",))
    record = json.loads(json.dumps(prep.to_dict()))  # through JSON, as saved
    again, again_notes = Preparation.from_dict(record).apply(frame.assign(extra="ignored"))
    pd.testing.assert_frame_equal(again, prepared)
    assert again_notes == []
    assert record["dropped"] == {"row": "identifier", "empty": "missing everywhere"}
    assert [f["kind"] for f in record["features"]] == ["number", "number", "bool", "category", "datetime"]
    assert record["features"][3]["levels"] == ["Lima", "Oslo", "Pune"]
    assert any("'city' used as categorical (3 levels)" in n for n in notes)


def test_new_rows_unseen_levels_missing_text_dates_and_numbers_read_back():
    prep, _ = learn_preparation(_frame())
    new = _frame(4, seed=1)
    new["city"] = ["Oslo", "Rome", "Rome", None]
    text = new.assign(when=new["when"].dt.strftime("%Y-%m-%d %H:%M:%S"), x=new["x"].astype(str))  # as a CSV reads
    frame, notes = prep.apply(text)
    assert frame["city"].cat.categories.tolist() == ["Lima", "Oslo", "Pune"]
    assert frame["city"].isna().tolist() == [False, True, True, True]
    assert notes == ["column 'city': 2 value(s) not among the study's 3 levels (first 'Rome') treated as missing"]
    expected, _ = prep.apply(new)
    np.testing.assert_allclose(frame["when"], expected["when"])
    np.testing.assert_allclose(frame["x"], expected["x"])
    with pytest.raises(ValueError, match=r"feature column\(s\) 'x', 'city' missing"):
        prep.apply(new.drop(columns=["x", "city"]))
    with pytest.raises(ValueError, match="'x' was numeric in the study; 1 value"):
        prep.apply(new.assign(x=["1.5", "oops", None, "2"]))
    with pytest.raises(ValueError, match="infinite values"):
        prep.apply(new.assign(x=[1.0, np.inf, 0.0, 0.0]))
    with pytest.raises(ValueError, match="format 1"):
        Preparation.from_dict({"format": 99, "features": []})


def test_threshold_at_precision_is_the_largest_recall_reaching_it():
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.2
    score = np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1)
    found = threshold_at_precision(y, score, 0.6)
    assert found is not None
    # oracle: the lowest distinct score t whose rule score >= t reaches the precision (recall falls as t rises)
    t = min(t for t in np.unique(score) if y[score >= t].mean() >= 0.6)
    assert found["threshold"] == t and found["recall"] == pytest.approx((y & (score >= t)).sum() / y.sum())
    assert found["precision"] >= 0.6
    assert threshold_at_precision(np.array([0, 1, 0, 1]), np.array([0.9, 0.1, 0.8, 0.2]), 0.99) is None


@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "multiclass"])
@pytest.mark.parametrize("cls", [FocalXGBClassifier, FocalLGBMClassifier], ids=["xgboost", "lightgbm"])
def test_the_model_file_alone_gives_the_estimators_posterior(cls, n_classes, tmp_path):
    X, y = make_classification(
        n_samples=300, n_features=5, n_informative=3, n_classes=n_classes, weights=[0.6, 0.3, 0.1][:n_classes]
        if n_classes == 3 else [0.8], random_state=0,
    )  # fmt: skip
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    alpha = [0.2, 0.3, 0.5][:n_classes] if n_classes == 3 else 0.7
    clf = cls(gamma=1.5, alpha=alpha, n_estimators=15, max_depth=3).fit(frame, y)
    library = "xgboost" if cls is FocalXGBClassifier else "lightgbm"

    class Pipe:  # what save_native reads: the last step's model
        steps = [("model", clf)]

    path = save_native(Pipe(), library, tmp_path / ("m.json" if library == "xgboost" else "m.txt"))
    task = "binary" if n_classes == 2 else "multiclass"
    proba = native_probabilities(library, path, frame, task, n_classes)
    np.testing.assert_allclose(proba, clf.predict_proba(frame), atol=1e-6)
    post = posterior_from_proba(proba, {"kind": "focal", "loss": clf.loss_.to_dict()}, task)
    np.testing.assert_allclose(post, clf.predict_posterior(frame), atol=1e-6)
