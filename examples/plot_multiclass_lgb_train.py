"""
Multiclass focal loss with ``lgb.train``
========================================

Softmax focal loss on the run-time classes of :func:`boostfocal.datasets.load_hpc` (4,331
cluster jobs; 51 / 31 / 12 / 6 %). LightGBM starts from 0 and leaves ``init_score`` out of its
predictions, so the starting margins go into every ``Dataset`` and then into the trees
(:func:`~boostfocal.lightgbm.embed_initial_margin`); the per-class ``alpha`` weighs the rare
long jobs.
"""

import lightgbm as lgb
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

from boostfocal import initial_margin
from boostfocal.datasets import HPC_CLASSES, load_hpc
from boostfocal.lightgbm import embed_initial_margin, focal_metric, focal_objective, init_score, predict_proba

X, y = load_hpc()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
X_fit, X_valid, y_fit, y_valid = train_test_split(X_train, y_train, test_size=0.25, stratify=y_train, random_state=0)

alpha = [1.0, 1.0, 2.0, 4.0]  # one weight per class: the long jobs count four times
z0 = initial_margin(y_fit, gamma=2.0, alpha=alpha, num_class=4)  # (4,) focal-optimal starting margins
fit_set = lgb.Dataset(X_fit, y_fit, init_score=init_score(z0, len(y_fit)))
valid_set = lgb.Dataset(X_valid, y_valid, init_score=init_score(z0, len(y_valid)), reference=fit_set)
params = {
    "objective": focal_objective(gamma=2.0, alpha=alpha),
    "num_class": 4,
    "metric": "None",
    "learning_rate": 0.05,
    "num_threads": 1,
    "verbose": -1,
}
booster = lgb.train(
    params,
    fit_set,
    num_boost_round=400,
    valid_sets=[valid_set],
    feval=focal_metric(gamma=2.0, alpha=alpha),
    callbacks=[lgb.early_stopping(40, verbose=False)],
)
booster = embed_initial_margin(booster, z0, gamma=2.0, alpha=alpha)
proba = predict_proba(booster, X_test)  # (n, 4), rows sum to 1
print(proba.shape, np.allclose(proba.sum(axis=1), 1.0))

# %%
# The native softmax, for reference, and the recall of each class.
native = lgb.train(
    {"objective": "multiclass", "num_class": 4, "learning_rate": 0.05, "num_threads": 1, "verbose": -1},
    lgb.Dataset(X_fit, y_fit),
    num_boost_round=400,
    valid_sets=[lgb.Dataset(X_valid, y_valid)],
    callbacks=[lgb.early_stopping(40, verbose=False)],
)
recall_focal = recall_score(y_test, proba.argmax(axis=1), average=None)
recall_native = recall_score(y_test, native.predict(X_test).argmax(axis=1), average=None)
for name, a, b in zip(HPC_CLASSES, recall_native, recall_focal, strict=True):
    print(f"class {name}: recall softmax {a:.2f}, focal with alpha {b:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
positions = np.arange(4)
ax.bar(positions - 0.2, recall_native, width=0.4, label="softmax (log loss)")
ax.bar(positions + 0.2, recall_focal, width=0.4, label="focal, gamma 2, alpha [1, 1, 2, 4]")
ax.set_xticks(positions, HPC_CLASSES)
ax.set_xlabel("run-time class (VF fastest, L longest)")
ax.set_ylabel("test recall")
ax.legend()
fig.tight_layout()
