"""From verdict to a served model: ``compare`` -> ``fit`` -> ``predict`` end to end, the saved
preparation, model folders as data (nothing unpickled), ``--resume``, and every new bad input
(one line on stderr, exit status 2, nothing written)."""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxmltools", "onnxruntime"))

for _mod in ("pandas", "sklearn", "scipy", "matplotlib", "xgboost", "lightgbm"):
    pytest.importorskip(_mod)

import pandas as pd

import boostfocal
from boostfocal.__main__ import main

CHEAP = ["--cv", "2", "--repeats", "1", "--budget", "2", "--n-estimators", "30", "--seed", "0", "--quiet"]


def _table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "tenure": x[:, 0],
            "charges": x[:, 1],
            "plan": np.where(x[:, 2] > 0.3, "gold", np.where(x[:, 2] > -0.5, "silver", "basic")),
            "signup": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "Churn": np.where(x[:, 0] + 0.8 * (x[:, 2] > 0.3) + rng.normal(scale=0.8, size=n) > 1.3, "Yes", "No"),
        }
    )


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boostfocal", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A study, a model folder and predictions, each written by the command line in a subprocess."""
    root = tmp_path_factory.mktemp("flow")
    _table().to_csv(root / "churn.csv", index=False)
    new = _table(40, seed=1).drop(columns="Churn")
    new.loc[0, "plan"] = "platinum"  # a level the study never saw
    new.to_csv(root / "new.csv", index=False)
    steps = [
        ("compare", "churn.csv", "--target", "Churn", *CHEAP, "--out", "study"),
        ("fit", "study", "churn.csv", "--out", "model"),
        ("predict", "model", "new.csv", "--out", "predictions.csv"),
    ]
    outputs = {}
    for step in steps:
        proc = _cli(*step, cwd=root)
        assert proc.returncode == 0, proc.stderr
        outputs[step[0]] = proc.stdout
    return {"root": root, **{k: root / k for k in ("study", "model")}, "outputs": outputs}


def _onnx_probabilities(model_dir: Path, csv: Path) -> np.ndarray:
    """ONNX Runtime's ``probabilities`` from the folder's ``model.onnx`` fed the prepared features
    (the folder's ``preparation.json`` applied; categories as their codes, unseen levels missing)."""
    import onnxruntime as ort

    from boostfocal._study._features import Preparation

    prep = Preparation.from_dict(json.loads((model_dir / "preparation.json").read_text()))
    features, _ = prep.apply(pd.read_csv(csv))
    matrix = np.column_stack(
        [
            features[c].cat.codes.to_numpy(np.float64) if isinstance(features[c].dtype, pd.CategoricalDtype)
            else features[c].to_numpy(np.float64)
            for c in features.columns
        ]
    )  # fmt: skip
    for j, c in enumerate(features.columns):
        if isinstance(features[c].dtype, pd.CategoricalDtype):
            matrix[features[c].cat.codes.to_numpy() == -1, j] = np.nan  # unseen level: missing
    session = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"input": matrix})[0]


@pytest.mark.slow
def test_compare_fit_predict_equals_the_python_pipeline(flow):
    root = flow["root"]
    # Python: the same study on the same table (the command line left the identifier out), then the pipeline
    table = pd.read_csv(root / "churn.csv", parse_dates=["signup"])
    X, y = table.drop(columns=["customer_id", "Churn"]), table["Churn"]
    result = boostfocal.compare(X, y, cv=2, repeats=1, budget=2, n_estimators=30, random_state=0, progress=False)
    saved = json.loads((flow["study"] / "recommended.json").read_text())
    assert {k: v for k, v in saved.items() if k != "date"} == json.loads(
        json.dumps({k: v for k, v in result.recommended.items() if k != "date"})
    )
    pipe = result.fit_recommended(table, y)
    assert [name for name, _ in pipe.steps] == ["prepare", "model"]
    new = pd.read_csv(root / "new.csv")
    with pytest.warns(UserWarning, match="platinum"):
        expected = pipe.predict_posterior(new)[:, 1]
    written = pd.read_csv(root / "predictions.csv")
    assert list(written.columns) == ["posterior_Yes", "label"]
    np.testing.assert_allclose(written["posterior_Yes"].to_numpy(), expected, atol=1e-5)
    assert set(written["label"]) <= {"Yes", "No"}
    assert "'platinum'" in flow["outputs"]["predict"] and "treated as missing" in flow["outputs"]["predict"]
    # the model folder: JSON and the native model file; the card says what the output is
    model = flow["model"]
    onnx_file = ["model.onnx"] if ONNX else []
    assert sorted(p.name for p in model.iterdir()) == sorted(
        ["model.json", "preparation.json", "loss.json", "model_card.json", "model_card.md", *onnx_file]
    )
    card = json.loads((model / "model_card.json").read_text())
    assert card["target"]["positive"] == "Yes" and card["data"]["n_rows"] == 300
    assert card["rounds"] == saved["estimator_params"]["n_estimators"]
    assert "posterior" in card["output"] and card["verdict"]["code"] == saved["verdict"]
    assert "Threshold at precision 0.9" in (model / "model_card.md").read_text()
    prep = json.loads((flow["study"] / "preparation.json").read_text())
    assert prep["dropped"]["customer_id"].startswith("identifier")
    assert {f["name"]: f["kind"] for f in prep["features"]} == {
        "tenure": "number", "charges": "number", "plan": "category", "signup": "datetime",
    }  # fmt: skip


@pytest.mark.slow
def test_threshold_options(flow, tmp_path: Path):
    card = json.loads((flow["model"] / "model_card.json").read_text())
    stored = card["threshold_at_precision"]
    root = flow["root"]
    out = tmp_path / "p.csv"
    if stored["threshold"] is not None:
        assert (
            main(["predict", str(flow["model"]), str(root / "new.csv"), "--out", str(out), "--precision", "0.9"]) == 0
        )
        scores = pd.read_csv(out)
        np.testing.assert_array_equal(scores["label"] == "Yes", scores["posterior_Yes"] >= stored["threshold"])
    args = ["predict", str(flow["model"]), str(root / "new.csv"), "--out", str(out), "--overwrite"]
    assert main([*args, "--threshold", "0.2"]) == 0
    scores = pd.read_csv(out)
    np.testing.assert_array_equal(scores["label"] == "Yes", scores["posterior_Yes"] >= 0.2)


@pytest.mark.slow
def test_a_planted_pickle_is_never_loaded(flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    model = tmp_path / "model"
    shutil.copytree(flow["model"], model)
    marker = tmp_path / "code_ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for name in ("model.pkl", "model.joblib", "pipeline.pickle"):
        (model / name).write_bytes(pickle.dumps(Payload()))

    def refuse(*args, **kwargs):
        raise AssertionError("predict unpickled something")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    out = tmp_path / "p.csv"
    assert main(["predict", str(model), str(flow["root"] / "new.csv"), "--out", str(out)]) == 0
    assert out.exists() and not marker.exists()


def _bad_cases(flow: dict, tmp: Path) -> list[tuple[list[str], str]]:
    root = flow["root"]
    table = pd.read_csv(root / "churn.csv")
    table.drop(columns="tenure").assign(extra=1.0).to_csv(tmp / "mismatch.csv", index=False)
    table.drop(columns="Churn").to_csv(tmp / "no_target.csv", index=False)
    table.drop(columns=["charges", "plan"]).to_csv(tmp / "few.csv", index=False)
    study, model = str(flow["study"]), str(flow["model"])
    return [
        (["fit", str(root), str(root / "churn.csv")], "is not a compare study folder (no recommended.json"),
        (["fit", study, str(tmp / "mismatch.csv")], "do not match the study's: missing 'tenure'; extra 'extra'"),
        (["fit", study, str(tmp / "no_target.csv")], "target column(s) 'Churn' are not in"),
        (["predict", model, str(tmp / "few.csv")], "feature column(s) 'charges', 'plan' missing from the data"),
        (["predict", study, str(root / "new.csv")], "is not a boostfocal model folder (no model_card.json"),
        (["predict", model, str(root / "new.csv"), "--precision", "0.8"], "stored the threshold for precision 0.9"),
    ]


@pytest.mark.slow
def test_bad_input_is_one_line_status_2_nothing_written(flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    for argv, text in _bad_cases(flow, tmp_path):
        out = tmp_path / ("out.csv" if argv[0] == "predict" else "out_dir")
        assert main([*argv, "--out", str(out)]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and text in err, (argv, err)
        assert err.startswith(f"boostfocal {argv[0]}: error: ")
        assert not out.exists()


@pytest.mark.slow
def test_resume_after_ctrl_c_gives_the_uninterrupted_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    _table(160).to_csv(tmp_path / "t.csv", index=False)
    base = ["compare", "t.csv", "--target", "Churn", "--cv", "2", "--repeats", "2", "--budget", "1"]
    base += ["--n-estimators", "15", "--quiet"]
    assert _cli(*base, "--out", "whole", cwd=tmp_path).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "boostfocal", *base, "--out", "part"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    work = tmp_path / "part" / ".compare-work.jsonl"
    deadline = time.monotonic() + 120
    while not (work.exists() and len(work.read_text().splitlines()) >= 3) and time.monotonic() < deadline:
        time.sleep(0.02)  # the header and two finished folds
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "--resume" in err
    assert [p.name for p in (tmp_path / "part").iterdir()] == [".compare-work.jsonl"]  # no report yet
    kept = len(work.read_text().splitlines()) - 1
    assert 2 <= kept < 4
    # a work file of other options, other data or another version is refused (before any training)
    monkeypatch.chdir(tmp_path)
    lines = work.read_text().splitlines()
    _table(160, seed=5).to_csv(tmp_path / "other.csv", index=False)
    header = json.loads(lines[0])
    for argv, text in (
        ([*base, "--seed", "1"], "made from other options"),
        (["compare", "other.csv", *base[2:]], "made from other data"),
        (base, "made from another boostfocal version"),
    ):
        if "version" in text:
            work.write_text("\n".join([json.dumps({**header, "version": "0.0.0"}), *lines[1:]]) + "\n")
        assert main([*argv, "--out", "part", "--resume"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and text in err, err
    work.write_text("\n".join(lines) + "\n")
    resumed = _cli(*base, "--out", "part", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {kept} of 4 outer folds kept" in resumed.stdout
    assert not work.exists()

    def timeless(path: Path) -> dict:
        results = json.loads(path.read_text())
        results.pop("seconds")
        for m in results["methods"]:
            m.pop("fit_seconds"), m.pop("total_fit_seconds")
        return results

    assert timeless(tmp_path / "part" / "results.json") == timeless(tmp_path / "whole" / "results.json")


@pytest.mark.slow
@pytest.mark.skipif(not ONNX, reason="the onnx extra (onnx, onnxmltools, onnxruntime) is not installed")
def test_the_onnx_file_fed_the_prepared_features_gives_the_predictions(flow):
    """The model folder's ONNX file (the model with the posterior map; ``predict`` applies the preparation)
    run by ONNX Runtime on the prepared features equals ``boostfocal predict``'s posterior."""
    proba = _onnx_probabilities(flow["model"], flow["root"] / "new.csv")
    proba = proba if proba.ndim == 1 else proba[:, 1]
    written = pd.read_csv(flow["root"] / "predictions.csv")
    np.testing.assert_allclose(proba, written["posterior_Yes"].to_numpy(), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_multiclass_compare_fit_predict_in_process(library, tmp_path: Path):
    """A three-class target through the three commands (in process: the subprocess route is the
    binary test's): posteriors per class that sum to 1, labels their argmax, a multiclass card, and
    the ONNX file (when the extra is installed) fed the prepared features gives the same posteriors."""
    table = _table(360, seed=2).drop(columns="Churn")
    rng = np.random.default_rng(5)
    score = table["tenure"].to_numpy() + 0.5 * rng.normal(size=len(table))
    table["tier"] = np.where(score > 0.6, "high", np.where(score > -0.4, "mid", "low"))
    table.to_csv(tmp_path / "tiers.csv", index=False)
    new = _table(30, seed=7).drop(columns="Churn")
    new.to_csv(tmp_path / "new.csv", index=False)
    study, model, out = (str(tmp_path / name) for name in ("study", "model", "pred.csv"))
    cheap = [*CHEAP, "--methods", "log_loss,focal", "--library", library]
    assert main(["compare", str(tmp_path / "tiers.csv"), "--target", "tier", *cheap, "--out", study]) == 0
    assert main(["fit", study, str(tmp_path / "tiers.csv"), "--out", model]) == 0
    assert main(["predict", model, str(tmp_path / "new.csv"), "--out", out]) == 0
    written = pd.read_csv(out)
    columns = [c for c in written.columns if c.startswith("posterior_")]
    assert sorted(columns) == ["posterior_high", "posterior_low", "posterior_mid"]
    probs = written[columns].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    names = np.array([c[len("posterior_") :] for c in columns])
    np.testing.assert_array_equal(written["label"], names[probs.argmax(1)])
    card = json.loads((Path(model) / "model_card.json").read_text())
    assert card["target"]["task"] == "multiclass" and card["library"] == library
    if ONNX:
        onnx_proba = _onnx_probabilities(Path(model), tmp_path / "new.csv")
        classes = [c[len("posterior_") :] for c in columns]
        order = [classes.index(str(c)) for c in card["target"]["classes"]] if "classes" in card["target"] else None
        assert onnx_proba.shape == probs.shape
        np.testing.assert_allclose(onnx_proba, probs if order is None else probs[:, order], atol=1e-5)
