"""
Probabilities and the posterior
===============================

Focal loss trains under-confident probabilities on purpose, and ``alpha`` shifts them towards
the weighted class. The minimiser of the expected focal loss is an invertible function of the
true posterior, so :func:`~boostfocal.focal_to_posterior` (and ``predict_posterior`` /
``correct_proba=True`` of the estimators) maps them back in closed form, with no calibration
split. A reliability diagram shows both.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import train_test_split

from boostfocal import FocalLGBMClassifier, focal_to_posterior

X, y = make_classification(n_samples=10000, n_features=10, n_informative=5, weights=[0.9], flip_y=0.05, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)

clf = FocalLGBMClassifier(gamma=2.0, alpha=0.75, n_estimators=200, learning_rate=0.05, n_jobs=1, verbose=-1)
clf.fit(X_train, y_train)
p_focal = clf.predict_proba(X_test)[:, 1]  # what the focal model says
p_posterior = clf.predict_posterior(X_test)[:, 1]  # the posterior estimate
assert np.allclose(p_posterior, focal_to_posterior(p_focal, gamma=2.0, alpha=0.75))  # the same map
print(
    f"Brier score: focal probabilities {brier_score_loss(y_test, p_focal):.4f}, "
    f"posterior {brier_score_loss(y_test, p_posterior):.4f}"
)

# %%
# The curve of ``focal_to_posterior`` itself, and the reliability of both probabilities.
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.5))
grid = np.linspace(0.001, 0.999, 400)
for gamma in (0.0, 1.0, 2.0, 5.0):
    left.plot(grid, focal_to_posterior(grid, gamma=gamma), label=f"gamma {gamma:g}")
left.set_xlabel("focal probability")
left.set_ylabel("posterior estimate")
left.legend(fontsize="small")
for name, p in [("focal", p_focal), ("posterior", p_posterior)]:
    observed, predicted = calibration_curve(y_test, p, n_bins=10, strategy="quantile")
    right.plot(predicted, observed, marker="o", label=name)
right.plot([0, 1], [0, 1], color="grey", linestyle=":")
right.set_xlabel("predicted probability")
right.set_ylabel("observed share")
right.legend(fontsize="small")
fig.tight_layout()
