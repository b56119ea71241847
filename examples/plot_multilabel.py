"""
Multi-label focal loss (ASL)
============================

Each row carries several labels at once; every label gets its own sigmoid and binary focal
loss. The asymmetric setting of ASL (Ridnik et al., 2021: ``gamma=[4, 1]``,
``negative_shift=0.05``) focuses harder on negatives and drops the easiest ones. Here it is
compared with the per-label log loss (``gamma=0``) by each label's average precision.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

from boostfocal import FocalXGBClassifier

X, Y = make_multilabel_classification(n_samples=3000, n_features=20, n_classes=4, n_labels=1, random_state=0)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)
print("positive share of each label:", Y.mean(axis=0).round(2))

models = {
    "log loss (gamma 0)": FocalXGBClassifier(gamma=0.0, n_estimators=100, max_depth=3, n_jobs=1),
    "ASL (gamma [4, 1], shift 0.05)": FocalXGBClassifier(
        gamma=[4.0, 1.0], negative_shift=0.05, n_estimators=100, max_depth=3, n_jobs=1
    ),
}
ap = {}
for name, model in models.items():
    proba = model.fit(X_train, Y_train).predict_proba(X_test)  # (n, K): each label's probability
    ap[name] = average_precision_score(Y_test, proba, average=None)
    print(f"{name}: macro AP {ap[name].mean():.3f}; predict gives an {model.predict(X_test).shape} indicator")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
labels = np.arange(Y.shape[1])
for offset, (name, values) in zip((-0.2, 0.2), ap.items(), strict=True):
    ax.bar(labels + offset, values, width=0.4, label=name)
ax.set_xticks(labels, [f"label {k}" for k in labels])
ax.set_ylabel("test average precision")
ax.set_ylim(0, 1)
ax.legend(loc="lower right")
fig.tight_layout()
