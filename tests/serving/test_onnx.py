"""boostfocal.to_onnx: ONNX Runtime equals predict_proba / predict_posterior / predict, both libraries, every link."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

pytest.importorskip("onnxmltools")
ort = pytest.importorskip("onnxruntime")

from serving_models import LIBRARIES, LOSSES, TASKS, data, estimator, trained

import boostfocal.lightgbm as bl
from boostfocal import FocalLoss, to_onnx


def run(model, X):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    label, proba = session.run(["label", "probabilities"], {"input": np.asarray(X, dtype=np.float64)})
    return label, proba


def inside(p: np.ndarray) -> np.ndarray:
    """The acceptance range of probabilities: [1e-6, 1 - 1e-6]."""
    return (p >= 1e-6) & (p <= 1 - 1e-6)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("library", LIBRARIES)
def test_estimator_onnx_equals_predict_proba_and_posterior(library, task, loss):
    clf = estimator(library, task, loss)
    X, _ = data(task)
    label, proba = run(to_onnx(clf), X)
    expected = clf.predict_proba(X)
    assert proba.shape == expected.shape and proba.dtype == np.float64
    mask = inside(expected)
    np.testing.assert_allclose(proba[mask], expected[mask], rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, clf.predict(X))
    label_post, post = run(to_onnx(clf, posterior=True), X)
    expected = clf.predict_posterior(X)
    mask = inside(expected)
    assert mask.mean() > 0.5
    np.testing.assert_allclose(post[mask], expected[mask], rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label_post, clf.predict(X))  # labels stay predict's
    assert np.all(np.isfinite(post))


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("library", LIBRARIES)
def test_booster_onnx_equals_native_predict(library, task):
    _, final, margin = trained(library, task)
    X, _ = data(task)
    loss = FocalLoss.from_dict(json.loads(to_onnx(final).metadata_props[1].value))
    label, proba = run(to_onnx(final), X)
    expected = loss.proba(margin) if task != "multilabel" else 1 / (1 + np.exp(-margin))
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    decided = (expected > 0.5).astype(np.int64) if task != "softmax" else np.argmax(expected, axis=1)
    np.testing.assert_array_equal(label, decided)


def test_correct_proba_estimator_exports_its_posterior():
    clf = estimator("lightgbm", "binary", "per_class")
    X, _ = data("binary")
    clf.set_params(correct_proba=True)
    try:
        label, proba = run(to_onnx(clf), X)
        np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)
        np.testing.assert_array_equal(label, clf.predict(X))
    finally:
        clf.set_params(correct_proba=False)


def test_named_features_string_classes_and_metadata():
    pd = pytest.importorskip("pandas")
    from boostfocal import FocalXGBClassifier

    X, y = data("softmax")
    frame = pd.DataFrame(X, columns=[f"col {i}" for i in range(X.shape[1])])
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    clf = FocalXGBClassifier(n_estimators=5, max_depth=2, n_jobs=1).fit(frame, names)
    model = to_onnx(clf)
    label, proba = run(model, X)
    np.testing.assert_array_equal(label.astype(str), clf.predict(frame))
    np.testing.assert_allclose(proba, clf.predict_proba(frame), rtol=0, atol=1e-5)
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["boostfocal.input"])["features"] == list(frame.columns)
    assert json.loads(meta["boostfocal.record"])["gamma"] == 2.0
    assert "not a posterior" in json.loads(meta["boostfocal.outputs"])["probabilities"]


def test_lightgbm_float64_thresholds_keep_every_split():
    # a date in seconds: float32 cannot hold it, LightGBM compares in float64; so must the ONNX model
    rng = np.random.default_rng(0)
    X = np.column_stack([1.7e9 + rng.integers(0, 10_000, 2000).astype(np.float64), rng.normal(size=2000)])
    y = (X[:, 0] % 7 < 3).astype(int)
    from boostfocal import FocalLGBMClassifier

    clf = FocalLGBMClassifier(n_estimators=20, n_jobs=1, verbose=-1, min_child_samples=5).fit(X, y)
    label, proba = run(to_onnx(clf), X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_bad_input_is_refused_clearly(tmp_path):
    raw, final, _ = trained("lightgbm", "binary")
    with pytest.raises(ValueError, match="without a boostfocal objective.*finalize"):
        to_onnx(raw)
    xraw, _, _ = trained("xgboost", "binary")
    with pytest.raises(ValueError, match="without a boostfocal objective.*boostfocal.xgboost.finalize"):
        to_onnx(xraw)
    with pytest.raises(TypeError, match="model must be"):
        to_onnx(np.zeros(3))
    with pytest.raises(TypeError, match="posterior must be"):
        to_onnx(final, posterior="yes")
    # a record from a newer boostfocal
    text = final.model_to_string().replace('"format":1', '"format":99')
    import lightgbm as lgb

    with pytest.raises(ValueError, match="newer boostfocal"):
        to_onnx(lgb.Booster(model_str=text))
    # a class with weight 0: the posterior is not defined
    zero = bl.finalize(raw, loss=FocalLoss(gamma=2.0, alpha=[0.0, 1.0]))
    to_onnx(zero)  # the focal probability is fine
    with pytest.raises(ValueError, match="posterior map is not defined.*alpha"):
        to_onnx(zero, posterior=True)
    # nothing written on failure; written on success
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError):
        to_onnx(zero, posterior=True, path=path)
    assert not path.exists()
    to_onnx(final, path=path)
    assert path.stat().st_size > 0


def test_without_the_extra_the_error_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxmltools", None)
    raw, final, _ = trained("lightgbm", "binary")
    with pytest.raises(ImportError, match=r"boostfocal\[onnx\]"):
        to_onnx(final)


def test_categorical_splits_convert():
    pd = pytest.importorskip("pandas")
    from boostfocal import FocalLGBMClassifier, FocalXGBClassifier

    rng = np.random.default_rng(1)
    cat = rng.integers(0, 6, 600)
    frame = pd.DataFrame({"c": pd.Categorical(cat), "x": rng.normal(size=600)})
    y = (np.isin(cat, [1, 4]) ^ (frame["x"] > 1)).astype(int)
    X = np.column_stack([cat, frame["x"]]).astype(np.float64)
    for clf in (
        FocalLGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1, min_child_samples=5, cat_smooth=1),
        FocalXGBClassifier(n_estimators=10, n_jobs=1, enable_categorical=True, max_cat_to_onehot=1),
    ):
        clf.fit(frame, y)
        try:
            label, proba = run(to_onnx(clf), X)
        except ValueError as exc:  # the converter's reason, one line
            assert "\n" not in str(exc) and "cannot convert" in str(exc)
            continue
        np.testing.assert_allclose(proba, clf.predict_proba(frame), rtol=0, atol=1e-5)


@pytest.mark.parametrize("library", LIBRARIES)
def test_native_baseline_with_its_equivalent_loss(library):
    """A class-weighted log-loss baseline (native objective, no record) exported with ``loss=`` its
    equivalent focal loss (gamma 0, alpha the class weights): the posterior nodes undo the weights."""
    X, y = data("binary")
    weights = np.array([1.0, 7.0])
    if library == "xgboost":
        import xgboost as xgb

        model = xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y, sample_weight=weights[y])
    else:
        import lightgbm as lgb

        model = lgb.LGBMClassifier(n_estimators=20, num_leaves=7, n_jobs=1, verbose=-1).fit(
            X, y, sample_weight=weights[y]
        )
    p = model.predict_proba(X)[:, 1]
    expected = (p / weights[1]) / (p / weights[1] + (1 - p) / weights[0])  # eta_c proportional to p_c / w_c
    _, post = run(to_onnx(model, posterior=True, loss=FocalLoss(gamma=0.0, alpha=weights.tolist())), X)
    post = post if post.ndim == 1 else post[:, 1]
    mask = inside(expected)
    np.testing.assert_allclose(post[mask], expected[mask], rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="trained without a boostfocal objective"):
        to_onnx(model)  # no record and no loss: what it predicts is unknown
    focal = estimator(library, "binary", LOSSES[0])
    with pytest.raises(ValueError, match="carries its record"):
        to_onnx(focal, loss=FocalLoss(gamma=0.0))
