"""``boostfocal export``: a saved model file to ONNX or posterior_map.json; bad input is one line, status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("onnxmltools")
ort = pytest.importorskip("onnxruntime")

from serving_models import data, estimator, trained

from boostfocal.__main__ import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    clf = estimator("lightgbm", "binary", "per_class")
    clf.booster_.save_model(folder / "model.txt")
    estimator("xgboost", "softmax").save_model(folder / "model.ubj")
    trained("lightgbm", "binary")[0].save_model(folder / "norecord.txt")
    (folder / "junk.txt").write_text("not a model\n")
    return folder


@pytest.mark.parametrize("name, task", [("model.txt", "binary"), ("model.ubj", "softmax")])
def test_export_onnx_and_posterior_map(files, tmp_path, capsys, name, task):
    out = tmp_path / "m.onnx"
    assert main(["export", str(files / name), "--to", "onnx", "--posterior", "--out", str(out)]) == 0
    X, _ = data(task)
    library = "lightgbm" if name.endswith(".txt") else "xgboost"
    clf = estimator(library, task, "per_class" if task == "binary" else "plain")
    session = ort.InferenceSession(out.read_bytes(), providers=["CPUExecutionProvider"])
    label, proba = session.run(None, {"input": X})
    np.testing.assert_allclose(proba, clf.predict_posterior(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, clf.predict(X))
    spec = tmp_path / "posterior_map.json"
    assert main(["export", str(files / name), "--to", "posterior-map", "--out", str(spec)]) == 0
    assert json.loads(spec.read_text())["link"] == ("sigmoid" if task == "binary" else "softmax")
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.txt", "--to", "onnx"], "does not exist"),
        (["norecord.txt", "--to", "onnx"], "without a boostfocal objective"),
        (["junk.txt", "--to", "onnx"], "neither a LightGBM"),
        (["model.txt", "--to", "pmml"], "invalid choice"),
        (["model.txt", "--to", "posterior-map", "--posterior"], "--posterior is for --to onnx"),
        (["model.txt", "--to", "onnx", "--out", "nofolder/m.onnx"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_status_2_nothing_written(files, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(files)
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "out.onnx")]
    before = sorted(p.name for p in files.iterdir())
    assert main(["export", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("boostfocal export: error:") and message in err
    assert not (tmp_path / "out.onnx").exists()
    assert sorted(p.name for p in files.iterdir()) == before


def test_existing_output_needs_overwrite(files, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    out.write_bytes(b"keep")
    assert main(["export", str(files / "model.txt"), "--to", "onnx", "--out", str(out)]) == 2
    assert out.read_bytes() == b"keep" and "--overwrite" in capsys.readouterr().err
    assert main(["export", str(files / "model.txt"), "--to", "onnx", "--out", str(out), "--overwrite"]) == 0
    assert out.read_bytes() != b"keep"
