"""
Serving a focal model: the native file, ONNX Runtime and the posterior map
==========================================================================

A focal model is trained in Python and served elsewhere. The saved native file declares its
link, so plain XGBoost / LightGBM return the focal probability; :func:`boostfocal.to_onnx`
builds an ONNX graph that returns ``predict``'s labels and ``predict_proba``'s probabilities,
or, with ``posterior=True``, ``predict_posterior``'s posterior estimates; and
``posterior_map.json`` with the plain-numpy ``boostfocal/serving_reference.py`` carries the map
to any other stack. Here all three give the numbers boostfocal gives. (The ``onnx`` extra:
``pip install "boostfocal[onnx]"``.)
"""

import json
import tempfile
from pathlib import Path

import lightgbm as lgb
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from sklearn.datasets import make_classification

import boostfocal.serving_reference as reference
from boostfocal import FocalLGBMClassifier, to_onnx
from boostfocal.serving import posterior_map

X, y = make_classification(n_samples=4000, n_features=8, weights=[0.95], random_state=0)
clf = FocalLGBMClassifier(gamma=2.0, alpha=0.25, n_estimators=100, n_jobs=1, verbose=-1).fit(X, y)
focal = clf.predict_proba(X)[:, 1]
posterior = clf.predict_posterior(X)[:, 1]

folder = Path(tempfile.mkdtemp())
clf.booster_.save_model(folder / "model.txt")  # the model text says `objective=binary sigmoid:1`
native = lgb.Booster(model_file=folder / "model.txt").predict(X)  # plain LightGBM, no boostfocal
print(f"plain LightGBM vs predict_proba: max difference {np.max(np.abs(native - focal)):.1e}")

session = ort.InferenceSession(to_onnx(clf, posterior=True).SerializeToString(), providers=["CPUExecutionProvider"])
labels, onnx_posterior = session.run(["label", "probabilities"], {"input": X.astype(np.float64)})
print(f"ONNX Runtime vs predict_posterior: max difference {np.max(np.abs(onnx_posterior[:, 1] - posterior)):.1e}")
print(f"labels equal predict's: {np.array_equal(labels, clf.predict(X))}")
assert np.max(np.abs(native - focal)) < 1e-7 and np.max(np.abs(onnx_posterior[:, 1] - posterior)) < 1e-5

mapping = posterior_map(clf)  # the parameters of posterior_map.json
(folder / "posterior_map.json").write_text(json.dumps(mapping))
served = reference.posterior(native, json.loads((folder / "posterior_map.json").read_text()))
print(f"numpy reference map on the native output vs predict_posterior: {np.max(np.abs(served - posterior)):.1e}")
assert np.max(np.abs(served - posterior)) < 1e-7

# %%
# What a rare-event model serves: the focal probability (what every native file gives) sits far
# above the posterior estimate (what the ONNX graph with ``posterior=True`` and the map give).
order = np.argsort(focal)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(focal[order], posterior[order], label="posterior estimate")
ax.plot([0, 1], [0, 1], ":", color="grey", label="identity")
ax.set_xlabel("focal probability (native file)")
ax.set_ylabel("posterior (ONNX posterior=True, map)")
ax.legend()
fig.tight_layout()
