"""The serving tests' shared fixture: every model saved natively (see serving_models.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")
pytest.importorskip("sklearn")

from serving_models import LIBRARIES, TASKS, data, estimator, focal_proba, trained


@pytest.fixture(scope="session")
def saved_models(tmp_path_factory):
    """Every model saved natively, with what boostfocal predicts for it: {name: (path, proba)}."""
    folder = tmp_path_factory.mktemp("native")
    out = {}
    for library in LIBRARIES:
        suffix = "json" if library == "xgboost" else "txt"
        for task in TASKS:
            X, _ = data(task)
            clf = estimator(library, task)
            path = folder / f"{library}_estimator_{task}.{suffix}"
            if library == "xgboost":
                clf.save_model(path)
            else:
                clf.booster_.save_model(path)
            proba = clf.predict_proba(X)
            out[path.stem] = (path, proba[:, 1] if task == "binary" else proba)
            path = folder / f"{library}_train_{task}.{suffix}"
            trained(library, task)[1].save_model(path)
            out[path.stem] = (path, focal_proba(library, task))
    return out
