r"""Recover the class posterior from focal-loss probabilities.

Focal loss down-weights easy examples, and the probabilities a focal model
predicts are systematically pulled towards the middle (under-confident):
they estimate the *focal-optimal* probability, not the posterior. The
population minimiser of focal loss is however an invertible function of the
posterior (Charoenphakdee, Vongkulbhisal, Chairatanakul & Sugiyama, 2021,
"On focal loss for class-posterior probability estimation"), so the posterior
can be read back in closed form. :func:`focal_to_posterior` does that.

Derivation
----------
Write :math:`\phi(p) = -(1 - p)^\gamma \log p` (focal loss of the true class as
a function of its probability). :math:`\phi` is strictly decreasing and convex
on (0, 1] for every :math:`\gamma \ge 0`, with

.. math::

    -\phi'(p) = (1 - p)^\gamma \left(\frac{1}{p} + \gamma\,\frac{-\log p}{1 - p}\right) > 0 .

*Binary.* With :math:`a_1 = \alpha`, :math:`a_0 = 1 - \alpha` (both 1 when
``alpha`` is None), the losses are :math:`L_1(p) = a_1 \phi(p)` and
:math:`L_0(p) = a_0 \phi(1 - p)`. For a posterior :math:`\eta`, the expected
loss :math:`\eta L_1(p) + (1 - \eta) L_0(p)` is convex in p and its minimiser
:math:`p^*` solves :math:`\eta L_1'(p) + (1 - \eta) L_0'(p) = 0`:

.. math::

    \eta = \frac{L_0'(p^*)}{L_0'(p^*) - L_1'(p^*)}
         = \frac{a_0\,|\phi'(1 - p^*)|}{a_0\,|\phi'(1 - p^*)| + a_1\,|\phi'(p^*)|} .

*Softmax.* For K classes with per-class weights :math:`a_c`, the expected loss
:math:`\sum_c \eta_c a_c \phi(p_c)` is convex on the probability simplex; at
its interior minimiser the Lagrange condition is
:math:`\eta_c a_c \phi'(p_c) = \mu` for every class (one multiplier
:math:`\mu < 0`), hence

.. math::

    \eta_c = \frac{1 / (a_c\,|\phi'(p_c)|)}{\sum_k 1 / (a_k\,|\phi'(p_k)|)} .

For K = 2 this is the binary formula. At :math:`\gamma = 0` and no ``alpha``,
:math:`|\phi'(p)| = 1/p` and both formulas return p unchanged.

Everything is computed in log space
(:math:`\log|\phi'(p)| = \gamma \log(1 - p) + \log(1/p + \gamma\,r)` with
:math:`r = -\log p / (1 - p)` evaluated as ``-log1p(-q) / q`` near p = 1), so
the map is finite and monotone on the closed interval [0, 1], for tiny p and
for :math:`\gamma < 1`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import log_abs_phi_prime
from ._link import expit, link_for_margin
from ._loss import AlphaLike, FocalLoss, GammaLike

__all__ = ["focal_to_posterior", "posterior_from_weights"]


def _check_probabilities(p: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(p)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"p must be an array of real probabilities, got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"p must have shape (n_samples,) (binary: probability of class 1) or "
            f"(n_samples, n_classes) (softmax), got shape {arr.shape}"
        )
    if arr.ndim == 2 and arr.shape[1] < 2:
        raise ValueError(f"p of shape (n_samples, n_classes) needs n_classes >= 2, got shape {arr.shape}")
    out = np.array(arr, dtype=np.float64, copy=True)  # never write into (or alias) the caller's array
    if out.size and not np.all(np.isfinite(out)):
        raise ValueError("p must be finite (no NaN or inf)")
    if out.size and (out.min() < 0.0 or out.max() > 1.0):
        raise ValueError(f"p must lie in [0, 1], got values in [{out.min()!r}, {out.max()!r}]")
    if out.ndim == 2 and out.size and np.any(out.sum(axis=1) <= 0.0):
        raise ValueError("each row of p (n_samples, n_classes) needs a positive entry, got a row of zeros")
    return out


def posterior_from_weights(
    p: ArrayLike,
    gamma: float | NDArray[np.float64],
    class_weights: NDArray[np.float64] | None,
    negative_shift: float = 0.0,
) -> NDArray[np.float64]:
    r"""Posterior estimates for validated ``gamma`` (a float or one per class) and class weights (None: all 1).

    The engine of :func:`focal_to_posterior` and :meth:`boostfocal.FocalLoss.posterior`:
    binary ``p`` (n,) with ``class_weights = [a_0, a_1]``, softmax ``p`` (n, K) with K weights.
    Every weight must be > 0 (a class that carries no loss has no recoverable posterior).

    ``negative_shift = m`` (binary): the class-0 loss is
    :math:`\psi(p) = -p_m^{g_0}\log(1 - p_m)`, ``p_m = max(p - m, 0)``, and the first-order
    condition of the expected loss gives
    :math:`\eta = a_0\psi'(p) / (a_0\psi'(p) + a_1|\phi_1'(p)|)` with
    :math:`\psi'(p) = |\phi_0'|` evaluated at ``1 - p_m``; predictions ``p <= m`` map to 0
    (the expected loss is convex in p, so its minimiser is unique wherever ``p > m``; with
    ``g_0 = 0`` every posterior up to ``a_0 / (a_0 + a_1|\phi_1'(m)|)`` has its minimiser at
    the kink ``p = m`` itself, which is mapped to 0 too).
    """
    prob = _check_probabilities(p)
    binary = link_for_margin(prob, "p").name == "sigmoid"
    if class_weights is not None:
        cw = np.asarray(class_weights, dtype=np.float64)
        if not np.all(np.isfinite(cw)) or np.any(cw <= 0.0):
            what = "in (0, 1) (exclusive: at 0 or 1 one class carries no loss and the posterior cannot be recovered)"
            if binary:
                raise ValueError(f"alpha must be {what} for binary probabilities, got {float(cw[1])!r}")
            raise ValueError(
                "alpha must be finite and > 0 for every class (a class with weight 0 is never predicted "
                f"and its posterior cannot be recovered), got {cw.tolist()!r}"
            )
    per_class = isinstance(gamma, np.ndarray)
    if binary:
        a0, a1 = (1.0, 1.0) if class_weights is None else (float(class_weights[0]), float(class_weights[1]))
        q = 1.0 - prob
        g0, g1 = (float(gamma[0]), float(gamma[1])) if isinstance(gamma, np.ndarray) else (gamma, gamma)
        m = negative_shift
        if g0 == 0.0 and g1 == 0.0 and a0 == a1 and not m:
            return prob  # identity (already a fresh float64 copy)
        if m:
            # the class-0 term at p_m = max(p - m, 0): |phi_0'| at 1 - p_m = q + m (no cancellation)
            r = np.maximum(prob - m, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                log_l0 = np.where(r > 0.0, log_abs_phi_prime(q + m, r, g0), -np.inf)
        else:
            with np.errstate(invalid="ignore"):
                log_l0 = log_abs_phi_prime(q, prob, g0)
        # log(L0') - log(-L1') = log a0 + log|phi_0'(q)| - log a1 - log|phi_1'(p)|
        with np.errstate(invalid="ignore"):
            d = (np.log(a0) + log_l0) - (np.log(a1) + log_abs_phi_prime(prob, q, g1))
        return expit(d)
    if class_weights is None:
        weights = np.ones(prob.shape[1])
    else:
        weights = np.asarray(class_weights, dtype=np.float64)
        if weights.shape != (prob.shape[1],):
            raise ValueError(f"alpha must have one weight per class ({prob.shape[1]}), got {weights.tolist()!r}")
    if not per_class and gamma == 0.0 and np.all(weights == weights[0]):
        return prob / prob.sum(axis=1, keepdims=True)
    g_cols: float | NDArray[np.float64] = gamma
    if isinstance(gamma, np.ndarray):
        if gamma.shape != (prob.shape[1],):
            raise ValueError(f"gamma must have one value per class ({prob.shape[1]}), got {gamma.tolist()!r}")
        g_cols = gamma[None, :]
    # log eta_c = -log a_c - log|phi_c'(p_c)| + const  (log-sum-exp normalisation)
    log_w = -np.log(weights)[None, :] - log_abs_phi_prime(prob, 1.0 - prob, g_cols)
    top = log_w.max(axis=1, keepdims=True)
    inf_rows = np.isposinf(top[:, 0])
    with np.errstate(invalid="ignore", under="ignore"):
        e = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    if np.any(inf_rows):  # a class with p_c = 1 (gamma > 0): all the mass goes there
        e[inf_rows] = np.isposinf(log_w[inf_rows]).astype(np.float64)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def focal_to_posterior(
    p: ArrayLike,
    *,
    gamma: GammaLike,
    alpha: AlphaLike = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
) -> NDArray[np.float64]:
    r"""Map probabilities trained with focal loss to estimates of the class posterior.

    Binary, ``p`` the predicted probability of class 1 (shape (n_samples,)):

    .. math::

        \eta(p) = \frac{a_0\,|\phi'(1 - p)|}{a_0\,|\phi'(1 - p)| + a_1\,|\phi'(p)|},
        \qquad -\phi'(p) = (1 - p)^\gamma \left(\frac{1}{p} - \gamma\,\frac{\log p}{1 - p}\right)

    with :math:`a_1 = \alpha`, :math:`a_0 = 1 - \alpha` (1 and 1 when ``alpha``
    is None). Softmax, ``p`` of shape (n_samples, n_classes):

    .. math::

        \eta_c(p) = \frac{1 / (a_c\,|\phi'(p_c)|)}{\sum_k 1 / (a_k\,|\phi'(p_k)|)} .

    Both follow from the first-order condition of the expected focal loss at
    its minimiser, which is unique because focal loss is convex in the
    probability (see :mod:`boostfocal.calibration` for the derivation). The
    map is the identity at ``gamma = 0`` with ``alpha=None``, strictly
    increasing in p (binary), sends 0 to 0 and 1 to 1, and is finite on all
    of [0, 1].

    Parameters
    ----------
    p : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities predicted by a model trained with focal loss, in [0, 1]:
        the probability of class 1 (binary) or one row per sample (softmax;
        rows are expected to sum to 1 and are renormalised by the formula).
    gamma : float or sequence of float
        The focusing parameter used in training, finite and >= 0; or one per
        class (binary ``[g_0, g_1]``).
    alpha : float, sequence of float or None, default=None
        The class weighting used in training. Binary: weight of class 1 in the
        open interval (0, 1) (class 0 gets ``1 - alpha``) or ``[a_0, a_1]``, both
        > 0. Softmax: one weight > 0 per class, or a single number (which
        cancels). None: unweighted. This is
        ``FocalLoss(gamma=gamma, alpha=alpha, link=...).posterior(p)``: the loss's
        own rules for ``gamma`` and ``alpha``.
    label_smoothing : float in [0, 1), default=0.0
        The smoothing used in training: the formula gives the smoothed target
        ``(1 - e) eta + e / K`` (binary K = 2), which is un-smoothed and clipped to [0, 1]
        (rows renormalised for softmax).
    negative_shift : float in [0, 1), default=0.0
        Binary only: the probability margin m used in training; ``p <= m`` maps to 0 and
        the class-0 term of the formula is taken at ``p_m = p - m`` (see
        :meth:`boostfocal.FocalLoss.posterior`).

    Returns
    -------
    ndarray of float64, shape of ``p``
        Posterior estimates: the probability of class 1 (binary) or rows
        summing to 1 (softmax). A new array; ``p`` is not modified.

    Raises
    ------
    TypeError
        If ``p`` is not numeric or ``gamma`` / ``alpha`` has the wrong type.
    ValueError
        If ``p`` has a bad shape, is not finite or leaves [0, 1]; if ``gamma``
        < 0; if a binary ``alpha`` is not in (0, 1) or a softmax ``alpha`` is
        not > 0 with one entry per class.

    Notes
    -----
    A posterior the model is confident about is pulled back to the extremes:
    at ``gamma = 2`` a focal probability of 0.9 corresponds to a posterior of
    about 0.997. Apply it to the probabilities of a focal model before
    thresholding on a calibrated scale or computing the Brier score.

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for Dense
    Object Detection", ICCV 2017. N. Charoenphakdee, J. Vongkulbhisal,
    N. Chairatanakul, M. Sugiyama, "On Focal Loss for Class-Posterior
    Probability Estimation: A Theoretical Perspective", CVPR 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from boostfocal import focal_to_posterior
    >>> focal_to_posterior(np.array([0.1, 0.5, 0.9]), gamma=0.0).tolist()
    [0.1, 0.5, 0.9]
    >>> np.round(focal_to_posterior(np.array([0.1, 0.5, 0.9]), gamma=2.0), 4).tolist()
    [0.0026, 0.5, 0.9974]
    """
    prob = _check_probabilities(p)
    link = link_for_margin(prob, "p")
    # the loss's own rules for gamma and alpha (one place), then its posterior
    num_class = prob.shape[1] if link.name == "softmax" else None
    return FocalLoss(
        gamma=gamma,
        alpha=alpha,
        link=link.name,
        num_class=num_class,
        label_smoothing=label_smoothing,
        negative_shift=negative_shift,
    ).posterior(prob)
