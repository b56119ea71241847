"""
``compare`` in Python
=====================

:func:`boostfocal.compare` runs the study of ``boostfocal compare`` in one call: log loss,
class-weighted log loss and focal loss, each tuned with the same budget and the same booster
draws, scored on outer folds that choose nothing, with corrected intervals. The budget here is
tiny so that the page builds in seconds; use the defaults on your data.
"""

import matplotlib.pyplot as plt

from boostfocal import compare
from boostfocal.datasets import load_lending_club

X, y = load_lending_club()
result = compare(
    X, y, library="lightgbm", cv=3, repeats=1, budget=2, n_estimators=100, random_state=0, n_jobs=1, progress=False
)
print(result.verdict)
result.table()

# %%
# The recommended loss and why, as ``recommended.json`` would store it.
print(result.recommended["why"])

# %%
# The paired difference of every outer fold (best focal minus best baseline, average precision).
folds = result.fold_scores
print(folds.head())
per_method = folds.groupby("method")["average_precision"].mean().sort_values()
fig, ax = plt.subplots(figsize=(6, 3))
per_method.plot.barh(ax=ax)
ax.set_xlabel("mean outer-fold average precision")
fig.tight_layout()
