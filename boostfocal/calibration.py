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

from ._link import link_for_margin
from ._loss import AlphaLike, FocalLoss, GammaLike
from ._validation import check_probabilities

__all__ = ["focal_to_posterior"]


def focal_to_posterior(
    p: ArrayLike,
    *,
    gamma: GammaLike,
    alpha: AlphaLike = None,
    label_smoothing: float = 0.0,
    negative_shift: float = 0.0,
    poly_epsilon: float = 0.0,
    multilabel: bool = False,
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
    poly_epsilon : float >= -1, default=0.0
        The Poly-1 coefficient used in training: :math:`|\phi'(p)|` gains the term
        :math:`\epsilon(\gamma + 1)(1 - p)^\gamma`; the loss stays strictly convex in p for every
        ``epsilon >= -1``, so the map stays one-to-one (see :class:`boostfocal.FocalLoss`).
    multilabel : bool, default=False
        True: ``p`` of shape (n_samples, K) holds one probability per label (a multi-label
        model, one sigmoid per label; rows need not sum to 1) and every column gets its
        label's binary map; ``alpha`` as in ``FocalLoss(link="multilabel")`` (a number, one
        positive weight per label, or (K, 2) ``[negative, positive]`` rows). Without it a
        2-D ``p`` is read as softmax rows, which would renormalise the labels.

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
    if not isinstance(multilabel, (bool, np.bool_)):
        raise TypeError(f"multilabel must be True or False, got {multilabel!r}")
    if multilabel:
        arr = np.asarray(p)
        if arr.ndim != 2:
            raise ValueError(f"p must have shape (n_samples, n_labels) with multilabel=True, got shape {arr.shape}")
        flat = check_probabilities(arr.reshape(-1))  # values only: the labels' rows need not sum to 1
        loss = FocalLoss(
            gamma=gamma,
            alpha=alpha,
            link="multilabel",
            num_class=arr.shape[1],
            label_smoothing=label_smoothing,
            negative_shift=negative_shift,
            poly_epsilon=poly_epsilon,
        )
        return loss.posterior(flat.reshape(arr.shape))
    prob = check_probabilities(p)
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
        poly_epsilon=poly_epsilon,
    ).posterior(prob)
