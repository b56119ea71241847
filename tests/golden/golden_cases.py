"""The golden cases: configurations, inputs and the public-API calls whose outputs are recorded.

Shared by ``make_golden.py`` (records) and ``test_golden.py`` (compares). Only boostfocal's public API is
used here (``FocalLoss``, ``use_backend``, ``class_balanced_alpha``, the adapters' ``focal_objective`` /
``focal_params`` / ``init_score`` / ``multilabel_dataset`` and the two estimators), so the recording survives
a restructure of the package's internals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import boostfocal
from boostfocal import FocalLoss

DATA = Path(__file__).resolve().parent / "data"
ARRAYS = DATA / "golden.npz"
CASES = DATA / "cases.json"
LAYOUT = DATA / "layout.json"

#: Columns of the softmax and multi-label grids (the contract tests' K).
K = 4

# ---------------------------------------------------------------- loss configurations
#: Every configuration of tests/test_loss_contracts.py's LOSS_INSTANCES (as constructor keywords), plus
#: class-balanced alphas (filled in by :func:`loss_cases` from ``boostfocal.class_balanced_alpha``).
LOSS_CASES: list[dict[str, Any]] = [
    {"id": "bin-g0", "kwargs": {"gamma": 0.0}},
    {"id": "bin-g0-a.25", "kwargs": {"gamma": 0.0, "alpha": 0.25}},
    {"id": "bin-g.5", "kwargs": {"gamma": 0.5}},
    {"id": "bin-g2-a.25", "kwargs": {"gamma": 2.0, "alpha": 0.25}},
    {"id": "bin-g5-a.9", "kwargs": {"gamma": 5.0, "alpha": 0.9}},
    {"id": "bin-g[.5,3]-a[1,4]", "kwargs": {"gamma": [0.5, 3.0], "alpha": [1.0, 4.0]}},
    {"id": "bin-g[4,0]", "kwargs": {"gamma": [4.0, 0.0]}},
    {"id": "bin-g2-a.25-ls.1", "kwargs": {"gamma": 2.0, "alpha": 0.25, "label_smoothing": 0.1}},
    {
        "id": "bin-g[.5,3]-a[1,4]-ls.3",
        "kwargs": {"gamma": [0.5, 3.0], "alpha": [1.0, 4.0], "label_smoothing": 0.3},
    },
    {"id": "bin-g[4,1]-ns.05", "kwargs": {"gamma": [4.0, 1.0], "negative_shift": 0.05}},
    {
        "id": "bin-g[.5,3]-a[1,4]-ns.2",
        "kwargs": {"gamma": [0.5, 3.0], "alpha": [1.0, 4.0], "negative_shift": 0.2},
    },
    {"id": "bin-g[0,1]-ns.2", "kwargs": {"gamma": [0.0, 1.0], "negative_shift": 0.2}},
    {
        "id": "bin-g2-a.25-ns.05-ls.1",
        "kwargs": {"gamma": 2.0, "alpha": 0.25, "negative_shift": 0.05, "label_smoothing": 0.1},
    },
    {"id": "bin-g2-cb", "kwargs": {"gamma": 2.0}, "class_balanced": True},
    {"id": "sm-g0", "kwargs": {"gamma": 0.0, "link": "softmax", "num_class": K}},
    {"id": "sm-g.7", "kwargs": {"gamma": 0.7, "link": "softmax", "num_class": K}},
    {
        "id": "sm-g2-a[.5,1,2,.25]",
        "kwargs": {"gamma": 2.0, "alpha": [0.5, 1.0, 2.0, 0.25], "link": "softmax", "num_class": K},
    },
    {"id": "sm-g3-a1.5", "kwargs": {"gamma": 3.0, "alpha": 1.5, "link": "softmax", "num_class": K}},
    {
        "id": "sm-gK-aK",
        "kwargs": {"gamma": [0.5, 1.0, 2.0, 4.0], "alpha": [2.0, 1.0, 1.0, 0.5], "link": "softmax", "num_class": K},
    },
    {"id": "sm-g2-ls.1", "kwargs": {"gamma": 2.0, "link": "softmax", "num_class": K, "label_smoothing": 0.1}},
    {
        "id": "sm-gK-aK-ls.3",
        "kwargs": {
            "gamma": [0.5, 1.0, 2.0, 4.0],
            "alpha": [2.0, 1.0, 1.0, 0.5],
            "link": "softmax",
            "num_class": K,
            "label_smoothing": 0.3,
        },
    },
    {"id": "sm-g2-cb", "kwargs": {"gamma": 2.0, "link": "softmax", "num_class": K}, "class_balanced": True},
    {"id": "ml-g0", "kwargs": {"gamma": 0.0, "link": "multilabel"}},
    {"id": "ml-g2-a.25", "kwargs": {"gamma": 2.0, "alpha": 0.25, "link": "multilabel"}},
    {
        "id": "ml-g[4,0]-aK",
        "kwargs": {"gamma": [4.0, 0.0], "alpha": [0.2, 0.5, 0.7, 0.9], "link": "multilabel"},
    },
    {
        "id": "ml-g[.5,3]-aK2",
        "kwargs": {
            "gamma": [0.5, 3.0],
            "alpha": [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0], [2.0, 1.0]],
            "link": "multilabel",
        },
    },
    {
        "id": "ml-g[1,3]-a.75-ls.1",
        "kwargs": {"gamma": [1.0, 3.0], "alpha": 0.75, "link": "multilabel", "label_smoothing": 0.1},
    },
    {
        "id": "ml-g2-aK2-ls.3",
        "kwargs": {
            "gamma": 2.0,
            "alpha": [[1.0, 4.0], [1.0, 1.0], [0.5, 2.0], [2.0, 1.0]],
            "link": "multilabel",
            "label_smoothing": 0.3,
        },
    },
    {
        "id": "ml-g[4,1]-aK-ns.05",
        "kwargs": {"gamma": [4.0, 1.0], "alpha": [0.2, 0.5, 0.7, 0.9], "link": "multilabel", "negative_shift": 0.05},
    },
    {
        "id": "ml-g[2,.5]-a.75-ns.2-ls.1",
        "kwargs": {
            "gamma": [2.0, 0.5],
            "alpha": 0.75,
            "link": "multilabel",
            "negative_shift": 0.2,
            "label_smoothing": 0.1,
        },
    },
]

#: Margins of the binary grid (each with label 0 and 1); large ones included.
MARGIN_GRID = [-1e4, -100.0, -30.0, -10.0, -5.0, -2.79, -1.0, -0.1, 0.0, 0.1, 1.0, 2.79, 5.0, 10.0, 30.0, 100.0, 1e4]
#: The hessian policies of ``FocalLoss.grad_hess`` recorded (None: exact).
HESS_FLOORS: list[Any] = [None, "curvature", 1e-6]
#: The hessian policies of the adapters' objectives recorded (their default first).
ADAPTER_FLOORS: list[Any] = ["curvature", 1e-6]
#: Probabilities of the binary posterior grid.
PROBA_GRID = [1e-6, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1 - 1e-6]


def link_of(case: dict[str, Any]) -> str:
    return case["kwargs"].get("link", "sigmoid")


def make_loss(case: dict[str, Any]) -> FocalLoss:
    return FocalLoss(**case["kwargs"])


def floor_name(floor: Any) -> str:
    return "exact" if floor is None else str(floor)


# ---------------------------------------------------------------- inputs (generated once, stored with the data)
def make_inputs() -> dict[str, np.ndarray]:
    """Labels, margins, weights and probabilities of the grids, for each link (seeded)."""
    rng = np.random.default_rng(20261203)
    out: dict[str, np.ndarray] = {}
    grid = np.array(MARGIN_GRID)
    # binary: the grid with both labels, then random margins
    z_rand = rng.standard_normal(30) * 4.0
    out["sigmoid.z"] = np.concatenate([grid, grid, z_rand])
    out["sigmoid.y"] = np.concatenate([np.zeros(grid.size), np.ones(grid.size), rng.integers(0, 2, 30)]).astype(
        np.int64
    )
    # softmax: extreme rows (each label), then random rows
    extreme = np.array(
        [
            [1e4, -1e4, 0.0, 0.0],
            [-1e4, 1e4, 30.0, -30.0],
            [100.0, -100.0, 30.0, -30.0],
            [-100.0, 0.0, 100.0, 5.0],
            [30.0, 29.0, -30.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [-5.0, 5.0, -2.0, 2.0],
            [10.0, -10.0, 10.0, -10.0],
        ]
    )
    ext_rows = np.repeat(extreme, K, axis=0)
    ext_y = np.tile(np.arange(K), extreme.shape[0])
    out["softmax.z"] = np.concatenate([ext_rows, rng.standard_normal((32, K)) * 4.0])
    out["softmax.y"] = np.concatenate([ext_y, rng.integers(0, K, 32)]).astype(np.int64)
    # multi-label: every grid margin in every column with both labels, then random elements
    n_ml = 48
    ml_z = rng.choice(grid, size=(n_ml, K))
    ml_z[:34, 0] = np.concatenate([grid, grid])
    out["multilabel.z"] = np.concatenate([ml_z, rng.standard_normal((16, K)) * 4.0])
    ml_y = rng.integers(0, 2, (n_ml + 16, K))
    ml_y[:34, 0] = out["sigmoid.y"][:34]
    out["multilabel.y"] = ml_y.astype(np.int64)
    for link in ("sigmoid", "softmax", "multilabel"):
        n = out[f"{link}.y"].shape[0]
        w = rng.uniform(0.0, 3.0, n)
        w[::7] = 0.0
        out[f"{link}.w"] = w
    # posterior grids
    pg = np.array(PROBA_GRID)
    out["sigmoid.p"] = pg
    dirichlet = rng.dirichlet(np.full(K, 0.7), 24)
    corners = np.array([[1 - 3e-6, 1e-6, 1e-6, 1e-6], [0.25, 0.25, 0.25, 0.25], [0.97, 0.01, 0.01, 0.01]])
    out["softmax.p"] = np.concatenate([corners, dirichlet])
    out["multilabel.p"] = rng.choice(pg, size=(20, K))
    # labels / weights of the starting margins: imbalanced
    out["sigmoid.y0"] = (rng.uniform(size=400) < 0.12).astype(np.int64)
    out["softmax.y0"] = rng.choice(K, size=400, p=[0.6, 0.25, 0.1, 0.05]).astype(np.int64)
    out["multilabel.y0"] = (rng.uniform(size=(400, K)) < np.array([0.05, 0.2, 0.5, 0.8])).astype(np.int64)
    out["w0"] = rng.uniform(0.2, 2.0, 400)
    return out


def loss_cases(inputs: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The configurations with their class-balanced alphas computed (``boostfocal.class_balanced_alpha``)."""
    cases = []
    for case in LOSS_CASES:
        case = {**case, "kwargs": dict(case["kwargs"])}
        if case.pop("class_balanced", False):
            link = link_of(case)
            alpha = boostfocal.class_balanced_alpha(
                inputs[f"{link}.y0"], beta=0.99, num_class=K if link == "softmax" else None
            )
            case["kwargs"]["alpha"] = [float(a) for a in alpha]
        cases.append(case)
    return cases


# ---------------------------------------------------------------- what is recorded
Result = dict[str, np.ndarray]
#: Where each array of a packed group lies: ``[key, dtype, shape, offset]``.
Layout = list[list[Any]]


def pack(group: Result) -> tuple[dict[str, np.ndarray], Layout]:
    """Concatenate a group's arrays into one flat array per dtype (few, large npz entries compress well)."""
    flat: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    layout: Layout = []
    for key, value in group.items():
        dt = value.dtype.name
        layout.append([key, dt, list(value.shape), sizes.get(dt, 0)])
        flat.setdefault(dt, []).append(value.ravel())
        sizes[dt] = sizes.get(dt, 0) + value.size
    return {dt: np.concatenate(parts) for dt, parts in flat.items()}, layout


def unpack(flat: dict[str, np.ndarray], layout: Layout) -> Result:
    """The arrays of :func:`pack`, with their dtypes and shapes."""
    out: Result = {}
    for key, dt, shape, offset in layout:
        size = int(np.prod(shape, dtype=np.int64))
        out[key] = flat[dt][offset : offset + size].reshape(shape)
    return out


def _try(results: Result, errors: dict[str, str], key: str, fn: Callable[[], Any]) -> None:
    """Record ``fn()`` under ``key``, or the name of the exception it raises."""
    try:
        value = fn()
    except Exception as exc:  # the exception type is the recorded behaviour
        errors[key] = type(exc).__name__
        return
    if isinstance(value, tuple):
        for name, v in zip(("grad", "hess"), value, strict=True):
            results[f"{key}.{name}"] = np.asarray(v)
    else:
        results[key] = np.asarray(value)


def core_outputs(case: dict[str, Any], inputs: dict[str, np.ndarray]) -> tuple[Result, dict[str, str]]:
    """Numpy backend: loss, grad / hess (3 hessian policies), float64 and float32 margins, weights or not;
    starting margins, probabilities, posteriors and the record."""
    loss = make_loss(case)
    link = link_of(case)
    y, z64, w = inputs[f"{link}.y"], inputs[f"{link}.z"], inputs[f"{link}.w"]
    res: Result = {}
    err: dict[str, str] = {}
    with boostfocal.use_backend("numpy"):
        for dtype in (np.float64, np.float32):
            z = z64.astype(dtype)
            for wname, weight in (("now", None), ("w", w)):
                pre = f"{np.dtype(dtype).name}.{wname}"
                _try(res, err, f"{pre}.loss", lambda z=z, weight=weight: loss.loss(y, z, weight))
                for floor in HESS_FLOORS:
                    _try(
                        res,
                        err,
                        f"{pre}.{floor_name(floor)}",
                        lambda z=z, weight=weight, floor=floor: loss.grad_hess(y, z, weight, hess_floor=floor),
                    )
        y0, w0 = inputs[f"{link}.y0"], inputs["w0"]
        _try(res, err, "initial_margin.now", lambda: loss.initial_margin(y0))
        _try(res, err, "initial_margin.w", lambda: loss.initial_margin(y0, w0))
        _try(res, err, "proba", lambda: loss.proba(z64))
        _try(res, err, "posterior", lambda: loss.posterior(inputs[f"{link}.p"]))
    return res, err


def to_dict_record(case: dict[str, Any]) -> Any:
    """``FocalLoss.to_dict()`` through JSON (lists, floats)."""
    return json.loads(json.dumps(make_loss(case).to_dict()))


def adapter_outputs(case: dict[str, Any], inputs: dict[str, np.ndarray], backend: str) -> tuple[Result, dict[str, str]]:
    """The adapters' objectives called as the libraries call them: XGBoost ``obj(float32 margins, DMatrix)``,
    LightGBM ``obj(float64 scores, Dataset)`` (multi-label: :func:`boostfocal.lightgbm.multilabel_dataset`)."""
    import lightgbm as lgb
    import xgboost as xgb

    from boostfocal import lightgbm as bf_lgb
    from boostfocal import xgboost as bf_xgb

    loss = make_loss(case)
    link = link_of(case)
    y, z64, w = inputs[f"{link}.y"], inputs[f"{link}.z"], inputs[f"{link}.w"]
    x = np.zeros((y.shape[0], 1))
    res: Result = {}
    err: dict[str, str] = {}
    with boostfocal.use_backend(backend):
        for wname, weight in (("now", None), ("w", w)):
            dtrain = xgb.DMatrix(x, label=y, weight=weight, nthread=1)
            if link == "multilabel":
                dset = bf_lgb.multilabel_dataset(x, y, weight=weight, params={"verbose": -1})
            else:
                dset = lgb.Dataset(x, label=y, weight=weight, params={"verbose": -1})
            dset.construct()
            for floor in ADAPTER_FLOORS:
                xobj = bf_xgb.focal_objective(loss=loss, hess_floor=floor, n_jobs=1)
                lobj = bf_lgb.focal_objective(loss=loss, hess_floor=floor, n_jobs=1)
                key = f"{wname}.{floor_name(floor)}"
                _try(res, err, f"xgboost.{key}", lambda xobj=xobj, d=dtrain: xobj(z64.astype(np.float32), d))
                _try(res, err, f"lightgbm.{key}", lambda lobj=lobj, d=dset: lobj(z64.copy(), d))
    return res, err


# ---------------------------------------------------------------- 300-round fits (numpy backend)
ROUNDS = 300
#: Held-out rows whose estimator ``predict_proba`` is recorded (all 500 for the raw predictions).
PROBA_ROWS = 100
#: The fitted tasks: binary, K = 4 softmax, 3-label multi-label; three losses each (estimator keywords).
FIT_LOSSES: dict[str, list[dict[str, Any]]] = {
    "binary": [
        {"gamma": 2.0},
        {"gamma": [0.5, 3.0], "alpha": [1.0, 4.0]},
        {"gamma": [4.0, 1.0], "negative_shift": 0.05},
    ],
    "softmax": [
        {"gamma": 2.0},
        {"gamma": [0.5, 1.0, 2.0, 4.0], "alpha": [2.0, 1.0, 1.0, 0.5]},
        {"gamma": 2.0, "label_smoothing": 0.1},
    ],
    "multilabel": [
        {"gamma": 2.0},
        {"gamma": [4.0, 0.0], "alpha": [0.2, 0.5, 0.7]},
        {"gamma": [2.0, 0.5], "alpha": 0.75, "negative_shift": 0.2, "label_smoothing": 0.1},
    ],
}
FIT_LINK = {"binary": "sigmoid", "softmax": "softmax", "multilabel": "multilabel"}
#: The unmarked (fast) subset of the fits: task, loss index, library, path.
FAST_FITS = {("binary", 0, "xgboost", "train"), ("binary", 0, "lightgbm", "train")}


def fit_data() -> dict[str, np.ndarray]:
    """Small seeded data sets: 1,500 rows, 8 features; the first 1,000 rows train, the rest are predicted."""
    from sklearn.datasets import make_classification, make_multilabel_classification

    out = {}
    x, y = make_classification(
        n_samples=1500, n_features=8, n_informative=5, weights=[0.85], flip_y=0.02, random_state=0
    )
    out["binary.x"], out["binary.y"] = x, y.astype(np.int64)
    x, y = make_classification(
        n_samples=1500, n_features=8, n_informative=6, n_classes=4, n_clusters_per_class=1, random_state=1
    )
    out["softmax.x"], out["softmax.y"] = x, y.astype(np.int64)
    x, y = make_multilabel_classification(n_samples=1500, n_features=8, n_classes=3, n_labels=1, random_state=2)
    out["multilabel.x"], out["multilabel.y"] = x, y.astype(np.int64)
    # float32 features (stored small; widened to float64 where used)
    return {k: v.astype(np.float32) if k.endswith(".x") else v for k, v in out.items()}


def fit_loss(task: str, kwargs: dict[str, Any]) -> FocalLoss:
    link = FIT_LINK[task]
    extra: dict[str, Any] = {"link": link}
    if link == "softmax":
        extra["num_class"] = 4
    return FocalLoss(**kwargs, **extra)


XGB_PARAMS = {"max_depth": 3, "eta": 0.1, "nthread": 1, "seed": 0, "tree_method": "hist"}
LGB_PARAMS = {
    "num_leaves": 15,
    "learning_rate": 0.1,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 0,
    "verbose": -1,
}


def fit_raw(task: str, index: int, library: str, path: str, data: dict[str, np.ndarray]) -> Result:
    """Raw predictions (and for the estimators ``predict_proba``) on the held-out rows of one 300-round fit."""
    import lightgbm as lgb
    import xgboost as xgb

    from boostfocal import lightgbm as bf_lgb
    from boostfocal import xgboost as bf_xgb

    kwargs = FIT_LOSSES[task][index]
    x, y = data[f"{task}.x"].astype(np.float64), data[f"{task}.y"]
    x_tr, y_tr, x_te = x[:1000], y[:1000], x[1000:]
    res: Result = {}
    if path == "train":
        loss = fit_loss(task, kwargs)
        if library == "xgboost":
            dtrain = xgb.DMatrix(x_tr, label=y_tr, nthread=1)
            params = bf_xgb.focal_params(XGB_PARAMS, y_true=dtrain, loss=loss)
            bst = xgb.train(params, dtrain, ROUNDS, obj=bf_xgb.focal_objective(loss=loss, n_jobs=1))
            res["raw"] = bst.predict(xgb.DMatrix(x_te, nthread=1), output_margin=True)
        else:
            init = bf_lgb.init_score(loss.initial_margin(y_tr), y_tr.shape[0])
            if task == "multilabel":
                dtrain = bf_lgb.multilabel_dataset(x_tr, y_tr, init_score=init)
            else:
                dtrain = lgb.Dataset(x_tr, label=y_tr, init_score=init)
            params = {**LGB_PARAMS, "objective": bf_lgb.focal_objective(loss=loss, n_jobs=1)}
            if task != "binary":
                params["num_class"] = y_tr.shape[1] if task == "multilabel" else 4
            bst = lgb.train(params, dtrain, ROUNDS)
            res["raw"] = bst.predict(x_te, raw_score=True)
        return res
    if library == "xgboost":
        clf = boostfocal.FocalXGBClassifier(
            **kwargs, n_estimators=ROUNDS, max_depth=3, learning_rate=0.1, n_jobs=1, random_state=0, tree_method="hist"
        )
        clf.fit(x_tr, y_tr)
        res["raw"] = clf.get_booster().predict(xgb.DMatrix(x_te, nthread=1), output_margin=True)
    else:
        clf = boostfocal.FocalLGBMClassifier(
            **kwargs,
            n_estimators=ROUNDS,
            num_leaves=15,
            learning_rate=0.1,
            n_jobs=1,
            random_state=0,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        clf.fit(x_tr, y_tr)
        res["raw"] = clf.booster_.predict(x_te, raw_score=True)
    res["proba"] = clf.predict_proba(x_te[:PROBA_ROWS])
    return res


def fit_keys() -> list[tuple[str, int, str, str]]:
    return [
        (task, i, library, path)
        for task, losses in FIT_LOSSES.items()
        for i in range(len(losses))
        for library in ("xgboost", "lightgbm")
        for path in ("train", "estimator")
    ]


def fit_id(key: tuple[str, int, str, str]) -> str:
    task, i, library, path = key
    return f"{task}-loss{i}-{library}-{path}"


# ---------------------------------------------------------------- quality of numba-backend fits
QUALITY_SETS = ("easy", "hard", "breast_cancer")
#: The unmarked (fast) subset of the quality checks.
FAST_QUALITY = {("hard", "lightgbm")}


def quality_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced binary sets: two seeded ``make_classification`` sets and breast cancer with malignant rarer."""
    from sklearn.datasets import load_breast_cancer, make_classification

    if name == "easy":
        x, y = make_classification(
            n_samples=3000, n_features=12, n_informative=6, weights=[0.93], class_sep=1.2, flip_y=0.01, random_state=11
        )
    elif name == "hard":
        x, y = make_classification(
            n_samples=3000, n_features=12, n_informative=4, weights=[0.96], class_sep=0.6, flip_y=0.04, random_state=12
        )
    else:
        x, y = load_breast_cancer(return_X_y=True)
        y = 1 - y  # malignant = 1
        rng = np.random.default_rng(13)
        pos = np.flatnonzero(y == 1)
        keep = np.sort(np.concatenate([np.flatnonzero(y == 0), rng.choice(pos, 60, replace=False)]))
        x, y = x[keep], y[keep]
    return x.astype(np.float64), y.astype(np.int64)


def quality_split(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratified 70 / 30 split (seeded), as index arrays."""
    rng = np.random.default_rng(14)
    train, test = [], []
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == c))
        cut = int(round(0.7 * idx.size))
        train.append(idx[:cut])
        test.append(idx[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def quality_scores(name: str, library: str) -> dict[str, float]:
    """Held-out average precision and log loss of ``predict_proba`` of a gamma-2, 300-round fit (numba backend)."""
    from sklearn.metrics import average_precision_score, log_loss

    x, y = quality_data(name)
    tr, te = quality_split(y)
    with boostfocal.use_backend("numba"):
        if library == "xgboost":
            clf = boostfocal.FocalXGBClassifier(
                gamma=2.0, n_estimators=ROUNDS, max_depth=3, learning_rate=0.05, n_jobs=1, random_state=0
            )
        else:
            clf = boostfocal.FocalLGBMClassifier(
                gamma=2.0,
                n_estimators=ROUNDS,
                num_leaves=15,
                learning_rate=0.05,
                n_jobs=1,
                random_state=0,
                deterministic=True,
                force_row_wise=True,
                verbose=-1,
            )
        clf.fit(x[tr], y[tr])
        p = clf.predict_proba(x[te])[:, 1]
    return {
        "ap": float(average_precision_score(y[te], p)),
        "log_loss": float(log_loss(y[te], p)),
        "data_sum": float(x.sum()),
        "n_pos_test": int(y[te].sum()),
    }
