"""Native files declare their link: plain XGBoost / LightGBM, onnxmltools and Treelite, without boostfocal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from serving_models import LIBRARIES, TASKS, data, estimator, train_loss, trained

lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")

import boostfocal.lightgbm as bl
import boostfocal.xgboost as bx
from boostfocal import FocalLoss

# The child process: boostfocal cannot be imported there; it loads every saved file with the plain
# libraries, runs onnxmltools and Treelite on it, applies the numpy reference posterior map, and
# prints the arrays as JSON.
_CHILD = textwrap.dedent(
    """
    import importlib.util, json, sys
    sys.modules["boostfocal"] = None  # import boostfocal fails from here on
    import numpy as np
    import lightgbm as lgb, xgboost as xgb
    args = json.loads(sys.argv[1])
    out = {}
    try:
        import boostfocal
    except ImportError:
        out["blocked"] = True
    for name, (path, x_path) in args["models"].items():
        X = np.load(x_path)
        if path.endswith(".txt"):
            b = lgb.Booster(model_file=path)
            native = b.predict(X)
        else:
            b = xgb.Booster(model_file=path)
            native = b.predict(xgb.DMatrix(X))
        row = {"native": np.asarray(native, dtype=float).tolist()}
        try:
            import treelite
            tl = (treelite.frontend.from_lightgbm(b) if path.endswith(".txt")
                  else treelite.frontend.from_xgboost_json(open(path).read()))
            row["treelite"] = np.asarray(treelite.gtil.predict(tl, X), dtype=float).reshape(len(X), -1).tolist()
        except ImportError:
            pass
        try:
            import onnxmltools
            from onnxmltools.convert.common.data_types import FloatTensorType
            if path.endswith(".txt"):
                onnxmltools.convert_lightgbm(b, initial_types=[("x", FloatTensorType([None, X.shape[1]]))])
                row["onnxmltools"] = "ok"
        except ImportError:
            pass
        out[name] = row
    spec = importlib.util.spec_from_file_location("serving_reference", args["reference"])
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    out["reference"] = [ref.posterior(np.asarray(p), m).tolist() for p, m in args["posterior_cases"]]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def child(saved_models, tmp_path_factory):
    """Run the blocked child once for every saved model (and a few reference-map cases)."""
    from boostfocal import serving_reference  # noqa: F401  (its path)
    from boostfocal.serving import posterior_map

    folder = tmp_path_factory.mktemp("inputs")
    models = {}
    for name, (path, _) in saved_models.items():
        task = next(t for t in TASKS if name.endswith(t))
        x_path = folder / f"{task}.npy"
        np.save(x_path, data(task)[0])
        models[name] = (str(path), str(x_path))
    cases = []
    for task in TASKS:
        clf = estimator("lightgbm", task)
        p = clf.predict_proba(data(task)[0])
        cases.append(((p[:, 1] if task == "binary" else p).tolist(), posterior_map(clf)))
    argument = json.dumps({"models": models, "reference": serving_reference.__file__, "posterior_cases": cases})
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, argument], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), cases


@pytest.mark.slow  # the child process (about 10 s with the fits): one run for every test using it
def test_boostfocal_is_blocked_in_the_child(child):
    assert child[0].get("blocked") is True


@pytest.mark.slow
@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("route", ["estimator", "train"])
def test_plain_library_returns_predict_proba(child, saved_models, library, task, route):
    name = f"{library}_{route}_{task}"
    native = np.asarray(child[0][name]["native"])
    expected = saved_models[name][1]
    assert native.shape == expected.shape
    np.testing.assert_allclose(native, expected, rtol=0, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("task", TASKS)
def test_treelite_equals_native_predict(child, library, task):
    if "treelite" not in child[0][f"{library}_estimator_{task}"]:
        pytest.skip("treelite is not installed")
    for route in ("estimator", "train"):
        row = child[0][f"{library}_{route}_{task}"]
        native = np.asarray(row["native"]).reshape(len(row["treelite"]), -1)
        np.testing.assert_allclose(np.asarray(row["treelite"]), native, rtol=0, atol=2e-7)


@pytest.mark.slow  # the child process (about 10 s with the fits): one run for every test using it
def test_onnxmltools_accepts_lightgbm_files(child):
    for task in TASKS:
        for route in ("estimator", "train"):
            assert child[0][f"lightgbm_{route}_{task}"].get("onnxmltools", "ok") == "ok"


@pytest.mark.slow  # the child process (about 10 s with the fits): one run for every test using it
def test_reference_posterior_in_the_child_equals_predict_posterior(child):
    out, _ = child
    for task, got in zip(TASKS, out["reference"], strict=True):
        clf = estimator("lightgbm", task)
        expected = clf.predict_posterior(data(task)[0])
        expected = expected[:, 1] if task == "binary" else expected
        np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ the record and the declared link
@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("task", TASKS)
def test_every_saved_model_says_its_native_output(saved_models, library, task):
    for route in ("estimator", "train"):
        path = saved_models[f"{library}_{route}_{task}"][0]
        if library == "lightgbm":
            record = bl.focal_metadata(path)
            text = path.read_text()
            header = text.split("\nTree=", 1)[0]
            declared = {"binary": "objective=binary sigmoid:1", "softmax": "objective=multiclass num_class:4",
                        "multilabel": "objective=multiclassova num_class:3 sigmoid:1"}[task]  # fmt: skip
            assert declared + "\n" in header
            assert "[objective: custom]" not in text
        else:
            record = json.loads(xgb.Booster(model_file=path).attr("boostfocal"))
        assert record["native_output"] == "focal_probability"
        assert FocalLoss.from_dict(record).link.name == task.replace("binary", "sigmoid")


@pytest.mark.parametrize("task", TASKS)
def test_lightgbm_raw_score_and_continued_training_keep_working(task):
    raw, final, margin = trained("lightgbm", task)
    X, y = data(task)
    np.testing.assert_allclose(final.predict(X, raw_score=True), margin, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bl.predict_proba(final, X), train_loss(task).proba(margin), rtol=0, atol=1e-15)
    loss = train_loss(task)
    make = bl.multilabel_dataset if task == "multilabel" else lgb.Dataset
    n_class = {"binary": {}, "softmax": {"num_class": 4}, "multilabel": {"num_class": 3}}[task]
    params = {"objective": bl.focal_objective(loss=loss), "verbose": -1, "num_threads": 1, **n_class}
    more = lgb.train(params, make(X, y), 3, init_model=final)
    assert more.num_trees() == final.num_trees() + 3 * final.num_model_per_iteration()
    # the new rounds start from the finalized booster's margins (not its probabilities)
    first = more.predict(X, raw_score=True, num_iteration=15)
    np.testing.assert_allclose(first, margin, rtol=0, atol=1e-9)
    if task != "multilabel":  # lgb.cv's folds are plain subsets: they lose multilabel_dataset's indicator
        cv = lgb.cv(params, make(X, y), 2, nfold=2, init_model=final, feval=bl.focal_metric(loss=loss))
        assert cv and all(np.all(np.isfinite(v)) for v in cv.values())


def test_finalize_refuses_what_it_cannot_know():
    raw, final, _ = trained("lightgbm", "binary")
    with pytest.raises(ValueError, match="no boostfocal record.*pass the loss"):
        bl.finalize(raw)
    with pytest.raises(ValueError, match="already holds a boostfocal record.*initial_margin"):
        bl.finalize(final, initial_margin=0.3)
    assert bl.finalize(final).model_to_string() == final.model_to_string()  # idempotent
    raw, final, _ = trained("xgboost", "binary")
    with pytest.raises(ValueError, match="no boostfocal record.*pass the loss"):
        bx.finalize(raw)
    with pytest.raises(ValueError, match="already holds a boostfocal record"):
        bx.finalize(final, gamma=2.0)


def test_xgboost_finalize_keeps_the_margin():
    for task in TASKS:
        raw, final, margin = trained("xgboost", task)
        X, _ = data(task)
        got = final.predict(xgb.DMatrix(X), output_margin=True)
        np.testing.assert_allclose(got, margin, rtol=0, atol=3e-7)
        name = json.loads(final.save_config())["learner"]["objective"]["name"]
        assert name == ("multi:softprob" if task == "softmax" else "binary:logistic")
