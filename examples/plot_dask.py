"""
Focal loss on a Dask cluster
============================

The objectives are picklable, so ``xgboost.dask`` trains with them unchanged. A local cluster
(one worker, threads only) stands in for a real one here.
"""

import dask.array as da
import numpy as np
import xgboost as xgb
import xgboost.dask  # noqa: F401  (xgboost does not import its Dask module by itself)
from dask.distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from boostfocal.xgboost import focal_metric, focal_objective

X, y = make_classification(n_samples=20000, n_features=10, weights=[0.95], random_state=0)

with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
    with Client(cluster) as client:
        dX, dy = da.from_array(X, chunks=5000), da.from_array(y, chunks=5000)
        dtrain = xgb.dask.DaskDMatrix(client, dX, dy)
        output = xgb.dask.train(
            client,
            {"objective": "binary:logistic", "max_depth": 4, "eta": 0.1},
            dtrain,
            num_boost_round=50,
            obj=focal_objective(gamma=2.0, alpha=0.25),
            custom_metric=focal_metric(gamma=2.0, alpha=0.25),
            evals=[(dtrain, "train")],
        )
        proba = xgb.dask.predict(client, output["booster"], dtrain).compute()

print("probabilities in (0, 1):", bool(np.all((proba > 0) & (proba < 1))))
print("train focal loss, first and last round:", output["history"]["train"]["focal_loss"][::49])
