"""
Binary focal loss with ``xgb.train``
====================================

Focal loss inside your own XGBoost training loop, on the Lending Club loans of
:func:`boostfocal.datasets.load_lending_club` (9,857 loans, 5.25 % bad):
:func:`~boostfocal.xgboost.focal_params` sets the starting margin and makes ``predict`` return
probabilities, :func:`~boostfocal.xgboost.focal_objective` is the objective and
:func:`~boostfocal.xgboost.focal_metric` the validation loss that early stopping watches.
"""

import matplotlib.pyplot as plt
import xgboost as xgb
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

from boostfocal.datasets import load_lending_club
from boostfocal.xgboost import focal_metric, focal_objective, focal_params

X, y = load_lending_club()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
X_fit, X_valid, y_fit, y_valid = train_test_split(X_train, y_train, test_size=0.25, stratify=y_train, random_state=0)
dfit = xgb.DMatrix(X_fit, label=y_fit, enable_categorical=True)
dvalid = xgb.DMatrix(X_valid, label=y_valid, enable_categorical=True)
dtest = xgb.DMatrix(X_test, enable_categorical=True)

# %%
# Train with focal loss (``gamma=2``, ``alpha=0.75`` weighs the bad loans), and the native log
# loss for reference. ``evals_result`` records the validation focal loss of every round.
history: dict = {}
params = focal_params({"max_depth": 4, "eta": 0.05, "nthread": 1}, y_true=dfit, gamma=2.0, alpha=0.75)
booster = xgb.train(
    params,
    dfit,
    num_boost_round=400,
    obj=focal_objective(gamma=2.0, alpha=0.75),
    custom_metric=focal_metric(gamma=2.0, alpha=0.75),
    evals=[(dvalid, "valid")],
    evals_result=history,
    early_stopping_rounds=40,
    verbose_eval=False,
)
native = xgb.train(
    {"objective": "binary:logistic", "max_depth": 4, "eta": 0.05, "nthread": 1},
    dfit,
    num_boost_round=400,
    evals=[(dvalid, "valid")],
    early_stopping_rounds=40,
    verbose_eval=False,
)
p_focal = booster.predict(dtest, iteration_range=(0, booster.best_iteration + 1))
p_native = native.predict(dtest, iteration_range=(0, native.best_iteration + 1))
print(f"focal: {booster.best_iteration + 1} rounds, test AP {average_precision_score(y_test, p_focal):.3f}")
print(f"log loss: {native.best_iteration + 1} rounds, test AP {average_precision_score(y_test, p_native):.3f}")

# %%
# The validation focal loss falls, then rises: early stopping keeps its minimum.
curve = history["valid"]["focal_loss"]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, len(curve) + 1), curve)
ax.axvline(booster.best_iteration + 1, color="grey", linestyle="--", label="best round")
ax.set_xlabel("boosting round")
ax.set_ylabel("validation focal loss")
ax.legend()
fig.tight_layout()
