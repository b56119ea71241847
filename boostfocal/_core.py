r"""The public functions of the numerical core: thin wrappers of :class:`boostfocal.FocalLoss`.

Each builds the :class:`~boostfocal.FocalLoss` of its arguments and calls it;
the kernels are in :mod:`boostfocal._kernels`, the links in
:mod:`boostfocal._link`. Results are those of boostfocal 0.1, to the last bit.

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._class_params import alpha_from_counts, label_totals
from ._docs import OPTION_ENTRIES, Unpack, doc_filler, spelled
from ._loss import DEFAULT_HESS_FLOOR, AlphaLike, FloatArray, FocalLoss, GammaLike, MultilabelAlphaLike
from ._validation import check_hess_floor, check_num_class, check_sample_weight, check_softmax_labels

_fill_doc = doc_filler(
    OPTION_ENTRIES,
    sigmoid_options="\n    ".join(OPTION_ENTRIES[k] for k in ("label_smoothing", "negative_shift", "poly_epsilon")),
    softmax_options="\n    ".join(OPTION_ENTRIES[k] for k in ("label_smoothing", "poly_epsilon")),
)


class _Options(TypedDict, total=False):
    """The loss options every wrapper takes as keywords (their defaults are :class:`FocalLoss`'s)."""

    gamma: GammaLike
    label_smoothing: float
    poly_epsilon: float


class SoftmaxKw(_Options, total=False):
    """The softmax wrappers' keywords."""

    alpha: AlphaLike


class SigmoidKw(SoftmaxKw, total=False):
    """The binary wrappers' keywords (and :func:`initial_margin`'s)."""

    negative_shift: float


class MultilabelKw(_Options, total=False):
    """The multi-label wrappers' keywords."""

    alpha: MultilabelAlphaLike
    negative_shift: float


#: The loss keywords' defaults: :class:`FocalLoss`'s, in its order.
_LOSS_DEFAULTS = {name: p.default for name, p in inspect.signature(FocalLoss.__new__).parameters.items()}
_F = TypeVar("_F", bound=Callable[..., Any])


def _wrapper(options: type) -> Callable[[_F], _F]:
    """A wrapper's keywords: those of ``options`` spelled out with :class:`FocalLoss`'s defaults, its docs filled.

    The keywords reach the wrapper as ``**options`` and go to :class:`FocalLoss` unchanged
    (which owns their defaults and checks); another keyword is a TypeError naming the function.
    """
    spell = spelled(options, _LOSS_DEFAULTS)
    return lambda func: spell(_fill_doc(func))


def _focal(link: str, options: Mapping[str, Any], num_class: int | None = None) -> FocalLoss:
    """The loss a wrapper computes with (every check is the constructor's)."""
    return FocalLoss(link=link, num_class=num_class, **options)


@_wrapper(SigmoidKw)
def binary_focal_loss(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[SigmoidKw]
) -> FloatArray:
    r"""Per-sample binary focal loss on raw margins.

    .. math::

        p = \sigma(z), \quad p_t = \begin{cases} p & y = 1 \\ 1 - p & y = 0 \end{cases},
        \quad \alpha_t = \begin{cases} \alpha & y = 1 \\ 1 - \alpha & y = 0 \end{cases}

        FL(z, y) = -w\,\alpha_t\,(1 - p_t)^\gamma \log p_t

    computed as ``-w a exp(gamma log_expit(-u)) log_expit(u)`` with the signed
    margin ``u = z if y = 1 else -z``. With ``gamma = 0`` and ``alpha = None``
    this is the log loss.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels in {0, 1} (bool, int or float).
    margin : array-like of shape (n_samples,)
        Raw margin ``z`` (log-odds), any finite real; float32 or float64.
    gamma : float or sequence of 2 floats, default=2.0
        Focusing parameter >= 0: one for both classes, or ``[g_0, g_1]`` indexed by
        the sample's true class (asymmetric focusing; ``g_0`` for negatives). Any finite real, not only integers.
    alpha : float in [0, 1], sequence of 2 floats or None, default=None
        Weight of the positive class (negatives get ``1 - alpha``), or the class
        weights ``[a_0, a_1]`` (>= 0). None weights both classes by 1.
    sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0 multiplying each sample's loss.
    %(sigmoid_options)s

    Returns
    -------
    loss : ndarray of shape (n_samples,), float64
        Finite for every finite margin.

    References
    ----------
    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017.
    """
    return _focal("sigmoid", options).loss(y_true, margin, sample_weight)


@_wrapper(SigmoidKw)
def binary_focal_grad_hess(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[SigmoidKw]
) -> tuple[FloatArray, FloatArray]:
    r"""Exact gradient and hessian of binary focal loss with respect to the margin.

    With ``u = z if y = 1 else -z``, ``p_t = \sigma(u)``, ``q = 1 - p_t``,
    ``l = \log p_t``:

    .. math::

        \frac{\partial FL}{\partial z} = s\,w\,\alpha_t\,q^\gamma\,(\gamma\,p_t\,l - q),
        \qquad s = 2y - 1

        \frac{\partial^2 FL}{\partial z^2} = w\,\alpha_t\,q^\gamma\,p_t\,
            \bigl(q\,(1 + 2\gamma) + \gamma\,l\,(q - \gamma\,p_t)\bigr)

    At ``gamma = 0``, ``alpha = None`` these are ``p - y`` and ``p (1 - p)``.

    The hessian is the *exact* second derivative: for ``gamma > 0`` it is
    negative for badly misclassified samples (``y = 1``, ``gamma = 2``: margin
    below about -2.79). Use :func:`clip_hessian` to make it positive for a
    Newton booster; the XGBoost and LightGBM objectives do so.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels in {0, 1}.
    margin : array-like of shape (n_samples,)
        Raw margin, finite; float32 or float64.
    gamma : float or sequence of 2 floats, default=2.0
        Focusing parameter >= 0: one for both classes, or ``[g_0, g_1]`` indexed by
        the sample's true class (asymmetric focusing; ``g_0`` for negatives).
    alpha : float in [0, 1], sequence of 2 floats or None, default=None
        Positive-class weight (negatives: ``1 - alpha``) or ``[a_0, a_1]``.
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0 multiplying gradient and hessian.
    %(sigmoid_options)s

    Returns
    -------
    grad, hess : ndarray of shape (n_samples,), float64
    """
    return _focal("sigmoid", options).grad_hess(y_true, margin, sample_weight)


@_wrapper(SoftmaxKw)
def softmax_focal_loss(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[SoftmaxKw]
) -> FloatArray:
    r"""Per-sample softmax (multiclass) focal loss on raw margins.

    .. math::

        p = \mathrm{softmax}(z), \quad p_t = p_{y}, \quad
        FL(z, y) = -w\,\alpha_{y}\,(1 - p_t)^\gamma \log p_t

    computed through ``u = z_y - logsumexp_{j != y} z_j`` (``p_t = \sigma(u)``),
    so ``log p_t`` and ``1 - p_t`` are both exact for any finite margins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Integer class labels in ``[0, n_classes)`` (floats with integer values accepted).
    margin : array-like of shape (n_samples, n_classes)
        Raw margins, ``n_classes >= 2``, finite.
    gamma : float or sequence of n_classes floats, default=2.0
        Focusing parameter >= 0: one for every class, or one per class
        (``gamma_t = gamma[y]``).
    alpha : None, float >= 0 or sequence of length n_classes, default=None
        Class weights: None (all 1), one weight for every class, or one per class.
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0.
    %(softmax_options)s

    Returns
    -------
    loss : ndarray of shape (n_samples,), float64
    """
    return _focal("softmax", options).loss(y_true, margin, sample_weight)


@_wrapper(SoftmaxKw)
def softmax_focal_grad_hess(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[SoftmaxKw]
) -> tuple[FloatArray, FloatArray]:
    r"""Exact gradient and exact hessian diagonal of softmax focal loss.

    With ``u = z_y - logsumexp_{j != y} z_j``, ``p_t = \sigma(u)``, ``q = 1 - p_t``,
    ``l = \log p_t``, ``r_k = p_k / q`` for ``k != y`` and the binary derivatives
    ``g_u = a q^\gamma (\gamma p_t l - q)``,
    ``h_u = a q^\gamma p_t (q (1 + 2\gamma) + \gamma l (q - \gamma p_t))``:

    .. math::

        \frac{\partial FL}{\partial z_y} = g_u, \qquad
        \frac{\partial FL}{\partial z_k} = -g_u\,r_k \quad (k \ne y)

        \frac{\partial^2 FL}{\partial z_y^2} = h_u, \qquad
        \frac{\partial^2 FL}{\partial z_k^2} = b\,r_k^2 - g_u\,r_k\,(1 - p_k),
        \quad b = a\,q^\gamma\,p_t\,\gamma\,\bigl(2q + l\,(q + (1 - \gamma)\,p_t)\bigr)

    all multiplied by ``w``. At ``gamma = 0``, ``alpha = None`` these are
    ``p - onehot(y)`` and ``p (1 - p)``. The hessian returned is the exact
    diagonal (no factor): XGBoost's native softmax multiplies it by 2 and
    LightGBM's by ``K / (K - 1)``; the adapters apply the factor of their library.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Integer labels in ``[0, n_classes)``.
    margin : array-like of shape (n_samples, n_classes)
        Raw margins, finite.
    gamma : float or sequence of n_classes floats, default=2.0
        Focusing parameter >= 0: one for every class, or one per class
        (``gamma_t = gamma[y]``).
    alpha : None, float >= 0 or sequence of length n_classes, default=None
        Class weights.
    sample_weight : array-like of shape (n_samples,), optional
        Weights >= 0.
    %(softmax_options)s

    Returns
    -------
    grad, hess : ndarray of shape (n_samples, n_classes), float64
    """
    return _focal("softmax", options).grad_hess(y_true, margin, sample_weight)


@_wrapper(MultilabelKw)
def multilabel_focal_loss(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[MultilabelKw]
) -> FloatArray:
    r"""Per-row multi-label focal loss: one sigmoid per label, the binary loss of each, summed over labels.

    .. math::

        FL_i = w_i \sum_{k=1}^{K} FL_{\mathrm{bin}}(z_{ik}, y_{ik}; a_{k,0}, a_{k,1}, g_0, g_1)

    with :math:`FL_{\mathrm{bin}}` the binary loss of :func:`binary_focal_loss` (class
    weights, gamma pair, label smoothing) on :math:`p_{ik} = \sigma(z_{ik})`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels)
        A 0/1 indicator (bool, int or float with values exactly 0 or 1).
    margin : array-like of shape (n_samples, n_labels)
        Raw margins, one column per label, finite; float32 or float64.
    gamma : float or sequence of 2 floats, default=2.0
        Focusing parameter >= 0, or ``[g_0, g_1]`` (negatives, positives), shared by every label.
    alpha : float in [0, 1], sequence of n_labels floats, array of shape (n_labels, 2) or None
        Every label's positive weight (negatives ``1 - alpha``), per-label positive
        weights in [0, 1], or ``[negative, positive]`` weights (>= 0) per label.
        None: every element weighs 1.
    sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0, one per row.
    %(sigmoid_options)s

    Returns
    -------
    loss : ndarray of shape (n_samples,), float64

    References
    ----------
    Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017; Ridnik et al.,
    "Asymmetric Loss for Multi-Label Classification", ICCV 2021.
    """
    return _focal("multilabel", options).loss(y_true, margin, sample_weight)


@_wrapper(MultilabelKw)
def multilabel_focal_grad_hess(
    y_true: ArrayLike, margin: ArrayLike, *, sample_weight: ArrayLike | None = None, **options: Unpack[MultilabelKw]
) -> tuple[FloatArray, FloatArray]:
    r"""Exact gradient and hessian of multi-label focal loss, elementwise.

    Every element is the binary derivative of :func:`binary_focal_grad_hess` at
    :math:`z_{ik}` with the label's weights (the labels do not interact, so the
    hessian is diagonal):

    .. math::

        \frac{\partial FL_i}{\partial z_{ik}} = w_i\,\frac{d FL_{\mathrm{bin}}}{dz}(z_{ik}, y_{ik}), \qquad
        \frac{\partial^2 FL_i}{\partial z_{ik}^2} = w_i\,\frac{d^2 FL_{\mathrm{bin}}}{dz^2}(z_{ik}, y_{ik})

    Parameters
    ----------
    y_true, margin, gamma, alpha, sample_weight, label_smoothing, negative_shift
        As in :func:`multilabel_focal_loss`.
    %(poly_epsilon)s

    Returns
    -------
    grad, hess : ndarray of shape (n_samples, n_labels), float64
        The exact hessian (negative for badly misclassified elements when gamma > 0).
    """
    return _focal("multilabel", options).grad_hess(y_true, margin, sample_weight)


def clip_hessian(
    hess: ArrayLike,
    floor: float = DEFAULT_HESS_FLOOR,
    *,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    r"""Return a positive copy of a hessian: ``max(hess, floor * w)``.

    .. math::

        \tilde h_i = \max(h_i, \; \mathrm{floor} \cdot w_i)

    The exact focal hessian is negative for badly misclassified samples; Newton
    boosters (XGBoost, LightGBM) need positive curvature: XGBoost sums the
    per-row hessians of a node as they are (negative ones included) and LightGBM
    divides by the sum, so a negative sum gives a leaf that steps the wrong way. When
    ``hess`` already carries sample weights,
    pass the same ``sample_weight`` so that the floor scales with them: a row
    of weight ``w`` then behaves like ``w`` copies of an unweighted row, and a
    row of weight 0 keeps hessian 0.

    Parameters
    ----------
    hess : array-like
        Hessian values (any shape). Not modified.
    floor : float, default=DEFAULT_HESS_FLOOR (1e-6)
        Lower bound per unit of sample weight, finite and >= 0.
    sample_weight : array-like of shape (n_samples,), optional
        Weights the hessian was multiplied by; broadcast along trailing axes.

    Returns
    -------
    ndarray, float64
        A new array; the input is never written to.
    """
    f = check_hess_floor(floor, "floor")
    h = np.asarray(hess)
    if not np.issubdtype(h.dtype, np.number) or np.iscomplexobj(h):
        raise TypeError(f"hess must be a real numeric array, got dtype {h.dtype}")
    if np.any(np.isnan(h)):
        raise ValueError("hess must not contain NaN")
    if sample_weight is None:
        return np.maximum(h, f, dtype=np.float64)
    if h.ndim == 0:
        raise ValueError("hess must be an array with one row per sample when sample_weight is given")
    w = check_sample_weight(sample_weight, h.shape[0])
    assert w is not None
    bound = (f * w).reshape((-1,) + (1,) * (h.ndim - 1))
    return np.maximum(h, bound, dtype=np.float64)


@_wrapper(SigmoidKw)
def initial_margin(
    y_true: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    num_class: int | None = None,
    **options: Unpack[SigmoidKw],
) -> float | FloatArray:
    r"""Constant margin minimising the weighted mean focal loss (the booster's starting point).

    Binary (``num_class`` None or 2 with 1-D output wanted: pass None):

    .. math::

        z^* = \arg\min_z \; W_1\,FL(z, 1) + W_0\,FL(z, 0)

    with ``W_c`` the total weight (sample weight times alpha_t) of class c. At
    ``gamma = 0`` this is the weighted log-odds ``log(W_1 / W_0)``.

    Softmax (``num_class = K >= 2``): the vector ``z*`` (defined up to a constant;
    returned with mean 0) with ``sum_i w_i \nabla FL(z^*, y_i) = 0``, found from
    the stationarity condition on class probabilities
    ``W_c \phi'(\pi_c) = \mu`` where ``\phi(p) = -(1-p)^\gamma \log p``
    (convex in p). At ``gamma = 0``, ``z^*_c = \log \pi_c`` with ``\pi`` the
    weighted class priors (mean-centred).

    Multi-label (``y_true`` an (n_samples, K) 0/1 indicator, ``num_class`` None): each
    label's binary starting margin, shape (K,) (see ``FocalLoss(link="multilabel")``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels in {0, 1} (``num_class=None``) or integer labels in
        ``[0, num_class)``.
    gamma : float, default=2.0
        Focusing parameter >= 0.
    alpha : see :func:`binary_focal_loss` / :func:`softmax_focal_loss`
    sample_weight : array-like of shape (n_samples,), optional
    num_class : int or None, default=None
        None for binary; the number of classes K >= 2 for softmax.
    %(sigmoid_options)s

    Returns
    -------
    float (binary) or ndarray of shape (num_class,) (softmax) or (K,) (multi-label)

    Raises
    ------
    ValueError
        If a class has zero total weight: the minimiser is then infinite.
    """
    if num_class is None:
        link = "multilabel" if np.ndim(y_true) == 2 else "sigmoid"
        return _focal(link, options).initial_margin(y_true, sample_weight)
    k = check_num_class(num_class)
    return _focal("softmax", options, num_class=k).initial_margin(y_true, sample_weight)


def class_counts(y_true: ArrayLike, n_classes: int, sample_weight: ArrayLike | None = None) -> NDArray[np.float64]:
    """Per-class sample counts (or weight sums) of integer labels in ``[0, n_classes)``; every class must be present.

    Raises
    ------
    ValueError
        Naming the first class with no sample (or zero total weight).
    """
    y = check_softmax_labels(y_true, n_classes)
    return label_totals(y, n_classes, check_sample_weight(sample_weight, y.shape[0]))


def class_balanced_alpha(
    y_true: ArrayLike,
    *,
    beta: float = 0.999,
    num_class: int | None = None,
    sample_weight: ArrayLike | None = None,
) -> NDArray[np.float64]:
    r"""Class weights from the effective number of samples (Cui et al., CVPR 2019), normalised to sum to K.

    .. math::

        w_k = \frac{1 - \beta}{1 - \beta^{n_k}}, \qquad
        \alpha_k = K \, \frac{w_k}{\sum_j w_j}

    with :math:`n_k` the number of samples of class k (its weight sum when
    ``sample_weight`` is given). ``beta = 0`` gives all ones; ``beta -> 1`` gives
    inverse class frequency. Pass the result as ``alpha`` (a per-class vector:
    binary ``[a_0, a_1]``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels in {0, 1} (``num_class=None``) or in ``[0, num_class)``.
    beta : float in [0, 1), default=0.999
    num_class : int or None, default=None
        None for binary (K = 2).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    ndarray of shape (K,)

    Raises
    ------
    ValueError
        If ``beta`` is outside [0, 1) or a class has no sample.
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating)) or not 0.0 <= float(beta) < 1.0:
        raise ValueError(f"beta must be a number in [0, 1), got {beta!r}")
    k = 2 if num_class is None else check_num_class(num_class)
    assert k is not None
    return alpha_from_counts("effective_number", class_counts(y_true, k, sample_weight), float(beta))
