"""
The estimators in ``GridSearchCV``
==================================

:class:`~boostfocal.FocalLGBMClassifier` and :class:`~boostfocal.FocalXGBClassifier` are
scikit-learn estimators: ``gamma`` and ``alpha`` are constructor parameters, so a grid search
tunes them like any other. Data: IBM Telco churn (:func:`boostfocal.datasets.load_telco_churn`,
7,043 customers, 26.5 % churn; text columns are pandas categories, which both libraries split
natively).
"""

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, train_test_split

from boostfocal import FocalLGBMClassifier, FocalXGBClassifier
from boostfocal.datasets import load_telco_churn

X, y = load_telco_churn()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

grid = {"gamma": [0.0, 1.0, 2.0, 4.0], "alpha": [None, 0.75]}
search = GridSearchCV(
    FocalLGBMClassifier(n_estimators=100, learning_rate=0.05, num_leaves=15, n_jobs=1, verbose=-1),
    grid,
    scoring="average_precision",
    cv=3,
)
search.fit(X_train, y_train)
print("best:", search.best_params_, f"CV AP {search.best_score_:.3f}")
print(search.best_estimator_)  # the repr shows gamma, alpha, the starting margin and the class balance

# %%
# Mean cross-validated average precision against gamma (gamma 0 without alpha is log loss).
scores = pd.DataFrame(search.cv_results_["params"]).assign(ap=search.cv_results_["mean_test_score"])
fig, ax = plt.subplots(figsize=(6, 3.5))
for alpha, rows in scores.groupby(scores["alpha"].astype(str)):
    ax.plot(rows["gamma"], rows["ap"], marker="o", label=f"alpha = {alpha}")
ax.set_xlabel("gamma")
ax.set_ylabel("mean CV average precision")
ax.legend()
fig.tight_layout()

# %%
# The same settings with XGBoost (categoricals native with ``enable_categorical=True``), scored on
# the test split that the search never saw.
xgb_clf = FocalXGBClassifier(**search.best_params_, n_estimators=100, max_depth=4, enable_categorical=True, n_jobs=1)
xgb_clf.fit(X_train, y_train)
for name, model in [("LightGBM", search.best_estimator_), ("XGBoost", xgb_clf)]:
    print(f"{name}: test AP {average_precision_score(y_test, model.predict_proba(X_test)[:, 1]):.3f}")
