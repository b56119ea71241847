r"""The focal posterior map in plain numpy: a reference for any serving stack (no boostfocal import).

Copy this file beside a model served natively (plain XGBoost / LightGBM, Treelite / FIL, a Java or
SQL job that ports it) and apply the map to the focal probabilities the model returns, with the
parameters of its ``posterior_map.json`` (:func:`boostfocal.serving.posterior_map`)::

    import json, numpy as np
    from serving_reference import posterior
    params = json.load(open("posterior_map.json"))
    eta = posterior(booster.predict(X), params)

With :math:`-\phi'(x) = (1 - x)^\gamma \left(1/x - \gamma \log(x) / (1 - x) + \epsilon(\gamma + 1)\right)`:

* sigmoid (binary, ``p`` = P(y = 1)) and each label of a multi-label model:
  :math:`\eta = a_0|\phi_0'(1 - p)| / (a_0|\phi_0'(1 - p)| + a_1|\phi_1'(p)|)`; with a negative shift
  ``m`` the class-0 term is taken at ``p - m`` and ``p <= m`` maps to 0;
* softmax: :math:`\eta_c = (1 / (a_c|\phi_c'(p_c)|)) / \sum_k 1 / (a_k|\phi_k'(p_k)|)`;
* label smoothing ``e``: :math:`\eta \leftarrow \mathrm{clip}((\eta - e/K) / (1 - e), 0, 1)`
  (K = 2 for sigmoid), softmax rows renormalised.

Everything in log space, so the map is finite on all of [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["posterior", "log_abs_phi_prime"]


def log_abs_phi_prime(x: np.ndarray, y: np.ndarray, gamma: Any, poly_epsilon: float = 0.0) -> np.ndarray:
    """``log|phi'(x)|`` for x in [0, 1], given ``y = 1 - x`` (computed without cancellation by the caller)."""
    gamma = np.asarray(gamma, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = y < 0.5  # r = -log(x) / y, as -log1p(-y) / y near x = 1 (limit 1 at y = 0)
        safe_y = np.where(y > 0.0, y, 1.0)
        r = np.where(small, -np.log1p(-np.where(small, y, 0.0)), -np.log(x)) / safe_y
        r = np.where(y > 0.0, r, 1.0)
        inner = 1.0 / x + np.where(gamma > 0.0, gamma * r, 0.0)
        if poly_epsilon:
            inner = np.maximum(inner + poly_epsilon * (gamma + 1.0), 0.0)
        log_mod = np.where(gamma > 0.0, gamma * np.log(y), 0.0)  # 0 * log(0) = 0 where gamma = 0
        return log_mod + np.log(inner)


def _expit(d: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.where(d >= 0, 1.0 / (1.0 + np.exp(-np.abs(d))), np.exp(-np.abs(d)) / (1.0 + np.exp(-np.abs(d))))


def _binary(p: np.ndarray, q: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    cw = np.asarray(params["class_weights"], dtype=np.float64)
    a0, a1 = (cw[:, 0], cw[:, 1]) if cw.ndim == 2 else (cw[0], cw[1])
    g0, g1 = params["gamma"]
    m, eps = params["negative_shift"], params["poly_epsilon"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if m:
            r = np.maximum(p - m, 0.0)
            log_l0 = np.where(r > 0.0, log_abs_phi_prime(q + m, r, g0), -np.inf)
        else:
            log_l0 = log_abs_phi_prime(q, p, g0, eps)
        d = (np.log(a0) + log_l0) - (np.log(a1) + log_abs_phi_prime(p, q, g1, eps))
    eta = _expit(d)
    e = params["label_smoothing"]
    return np.clip((eta - e / 2) / (1.0 - e), 0.0, 1.0) if e else eta


def _softmax(p: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    a = np.asarray(params["class_weights"], dtype=np.float64)
    gamma = np.asarray(params["gamma"], dtype=np.float64)
    log_w = -np.log(a) - log_abs_phi_prime(p, 1.0 - p, gamma, params["poly_epsilon"])
    log_w = np.clip(log_w, -1e300, 1e300)  # a class with p_c = 1 (+inf) takes all the mass
    e = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    eta = e / e.sum(axis=1, keepdims=True)
    s = params["label_smoothing"]
    if s:
        eta = np.clip((eta - s / p.shape[1]) / (1.0 - s), 0.0, 1.0)
        eta = eta / eta.sum(axis=1, keepdims=True)
    return eta


def posterior(proba: Any, params: dict[str, Any]) -> np.ndarray:
    """The posterior estimates of the focal probabilities ``proba`` (shape as ``params["input"]`` says).

    Parameters
    ----------
    proba : array-like
        What the native model returns: (n,) P(y = 1) for ``link="sigmoid"``, (n, K) rows for softmax,
        (n, K) per-label probabilities for multilabel; values in [0, 1].
    params : dict
        ``posterior_map.json`` (format 1).

    Returns
    -------
    ndarray of float64, the shape of ``proba``
    """
    if params.get("format") != 1:
        raise ValueError(f"posterior_map format {params.get('format')!r} is not 1: use a newer serving_reference")
    p = np.asarray(proba, dtype=np.float64)
    if not np.all((p >= 0.0) & (p <= 1.0)):
        raise ValueError("proba must hold probabilities in [0, 1] (no NaN)")
    if params["link"] == "softmax":
        return _softmax(p, params)
    return _binary(p, 1.0 - p, params)
