r"""The focal loss: :class:`FocalLoss`, the base and factory of the loss objects (one class per link).

Adapters, metrics, estimators, calibration and saved models hold a loss object (as
scikit-learn's estimators hold a loss) instead of passing ``gamma`` / ``alpha`` along.
As in ``sklearn/_loss/loss.py`` each link has its own class (:mod:`boostfocal._loss`:
sigmoid, softmax, multi-label, and the open link chosen from the margins by
:meth:`FocalLoss.for_margin`, the one place where a shape decides the link).
``FocalLoss(...)`` validates every parameter once and returns the class of its link;
nothing below re-validates a loss object. With the signed margin ``u`` of the true class
(``p_t = \sigma(u)``) and ``a_y`` the weight of the row's class,
:math:`FL(z, y) = -w\,a_y\,(1 - p_t)^\gamma \log p_t` (Lin et al., ICCV 2017).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import Terms
from ._link import Link, get_link
from ._policy import EXACT, HessPolicy
from ._validation import (
    check_label_smoothing,
    check_negative_shift,
    check_sample_weight,
)

__all__ = ["CURVATURE_FLOOR", "DEFAULT_HESS_FLOOR", "FocalLoss", "HessFloor", "OPTIONS", "Prepared"]

FloatArray = NDArray[np.float64]
AlphaLike = float | Sequence[float] | NDArray[np.floating] | None
GammaLike = float | Sequence[float] | NDArray[np.floating]
#: Multi-label ``alpha``: a number, per-label positive weights, or (K, 2) ``[negative, positive]`` rows.
MultilabelAlphaLike = float | Sequence[float] | Sequence[Sequence[float]] | NDArray[np.floating] | None
#: A hessian policy's public spelling: None (exact), ``"curvature"`` or an absolute floor per unit of weight
#: (parsed once by :meth:`boostfocal._policy.HessPolicy.parse`).
HessFloor = float | str | None
#: What a loss object's per-round methods take: ``(labels, margins, sample weights, class weights)``.
#: ``(num_class, class weights as stored, gamma)``: what a link's ``_check_params`` returns.
Checked = tuple[int | None, float | FloatArray | None, float | FloatArray]
#: A link's ``(loss kernel, gradient / hessian kernel)``.
Kernels = tuple[Callable[..., FloatArray], Callable[..., tuple[FloatArray, FloatArray]]]
Prepared = tuple["FocalLoss", NDArray, NDArray[np.floating], FloatArray | None, FloatArray | None]

#: The objectives' default hessian policy: ``max(h, w a_t (1 - p_t)^gamma c_CE)``, the exact
#: focal hessian raised to the cross-entropy curvature weighted by the row's focal weight
#: (see :mod:`boostfocal._policy`). Cross-entropy curvature is never changed by it.
CURVATURE_FLOOR = "curvature"

#: Absolute floor of :func:`boostfocal.clip_hessian` (and the objectives' policy before 0.2):
#: ``max(h, 1e-6 * w)``.
DEFAULT_HESS_FLOOR: float = 1e-6

_RECORD_FORMAT = 1
#: Records of a loss with an option boostfocal 0.2 did not know (``poly_epsilon``) say format 2, so
#: that an older reader refuses them instead of silently dropping the option.
_RECORD_FORMAT_POLY = 2


def check_poly_epsilon(value: object) -> float:
    r"""``poly_epsilon``: a finite number >= -1, the range where the Poly-1 loss decreases in ``p_t``.

    With ``s = 1 - p_t`` and :math:`-\log p_t = \sum_{k \ge 1} s^k / k`,

    .. math::

        FL + \epsilon s^{\gamma + 1} = (1 + \epsilon)\,s^{\gamma + 1} + \sum_{k \ge 2} \frac{s^{\gamma + k}}{k},

    a series with coefficients >= 0 and exponents >= 1 exactly when :math:`\epsilon \ge -1`: the loss
    is then increasing and convex in s, i.e. decreasing and (strictly) convex in ``p_t``, for every
    :math:`\gamma \ge 0`. Below -1 the first term dominates as ``p_t -> 1`` and the loss rises
    towards confident correct predictions.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"poly_epsilon must be a real number >= -1, got {value!r} of type {type(value).__name__}")
    eps = float(value)
    if not np.isfinite(eps) or eps < -1.0:
        raise ValueError(
            f"poly_epsilon must be a finite number >= -1 (below -1 the loss increases as p_t -> 1), got {value!r}"
        )
    return eps


#: The options of the focal family besides ``gamma`` and ``alpha``, in record order: name -> its check.
#: One entry here reaches the constructor's validation, equality, hashing, repr, records,
#: :meth:`FocalLoss.with_link`, and every kernel and solver (they take the options by name).
OPTIONS: dict[str, Callable[[object], float]] = {
    "label_smoothing": check_label_smoothing,
    "negative_shift": check_negative_shift,
    "poly_epsilon": check_poly_epsilon,
}


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _frozen(value: float | FloatArray | None) -> Any:
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    return value


class FocalLoss:
    r"""Focal loss on raw margins: link, focusing parameter and class weights, validated once.

    .. math::

        FL(z, y) = -w\,a_y\,(1 - p_t)^\gamma \log p_t, \qquad
        p_t = \sigma(u) = \begin{cases} \sigma(z) \text{ or } 1 - \sigma(z) & \text{sigmoid} \\
            \mathrm{softmax}(z)_y & \text{softmax} \end{cases}

    Parameters
    ----------
    gamma : float or sequence of float, default=2.0
        Focusing parameter, finite and >= 0; 0 gives (class-weighted) cross-entropy.
        A sequence gives one per class, indexed by the sample's true class
        (``gamma_t = gamma[y]``): ``sigmoid`` ``[g_0, g_1]`` (asymmetric focusing,
        Ridnik et al., ICCV 2021), ``softmax`` one per class (equalised focusing).
        Equal values are the scalar loss, to the bit.
    alpha : float, sequence of float or None, default=None
        Class weights. ``sigmoid``: the weight of class 1 in [0, 1], class 0 gets
        ``1 - alpha`` (stored as the vector ``[1 - alpha, alpha]``), or the vector
        ``[a_0, a_1]`` itself (>= 0); :func:`boostfocal.class_balanced_alpha` gives
        one from the class counts. ``softmax``:
        one weight >= 0 per class (a sequence of length K), or one number >= 0 for
        every class. None: every class weighs 1.
    link : {"sigmoid", "softmax", "multilabel"} or None, default="sigmoid"
        ``"sigmoid"``: binary, margins of shape (n_samples,), labels in {0, 1}.
        ``"softmax"``: K >= 2 classes, margins (n_samples, K), labels in [0, K).
        ``"multilabel"``: K >= 1 labels, margins (n_samples, K), labels an (n_samples, K)
        indicator in {0, 1}; every element is the binary loss of its own sigmoid (with
        every binary option) and a row's loss is the sum over its labels. ``alpha``: a
        number in [0, 1] (every label's positive weight, negatives ``1 - alpha``), a
        length-K sequence of per-label positive weights, or a (K, 2) array of
        ``[negative, positive]`` weights per label; ``gamma``: a number or a
        ``[g_0, g_1]`` pair shared by all labels.
        None: chosen from the margins on each call (1-D sigmoid, 2-D softmax); that
        is what ``focal_objective(gamma=..., alpha=...)`` builds, one object for
        both kinds of booster. A scalar ``alpha`` must then lie in [0, 1].
    num_class : int or None, default=None
        Number of classes K >= 2 for ``softmax`` (number of labels K >= 1 for
        ``multilabel``) when known (checked against ``alpha`` and the margins);
        None: taken from the margins.
    label_smoothing : float in [0, 1), default=0.0
        Smoothed targets ``e``. Sigmoid: ``t = y (1 - e) + e / 2`` and
        ``FL = t L_1 + (1 - t) L_0`` with ``L_1 = -a_1 (1 - p)^{g_1} log p``,
        ``L_0 = -a_0 p^{g_0} log(1 - p)``. Softmax: ``t_k = (1 - e) [k = y] + e / K`` and
        ``FL = -sum_k t_k a_k (1 - p_k)^{g_k} log p_k``. 0 is the plain loss, to the bit.
        Binary: both backends; softmax: the numpy kernels whatever the backend (K + 1 passes).
    negative_shift : float in [0, 1), default=0.0
        Sigmoid link only: the probability margin ``m`` of the asymmetric loss (ASL,
        Ridnik et al., ICCV 2021). Class 0 is scored at ``p_m = max(p - m, 0)``:
        ``L_0 = -a_0 p_m^{g_0} log(1 - p_m)``, so negatives already below ``p = m``
        cost nothing and have zero gradient and hessian (easy negatives discarded).
        The loss is continuous at ``p = m``; its derivative jumps there when ``g_0 = 0``
        and its second derivative is unbounded as ``p -> m+`` when ``0 < g_0 < 1``.
        Because ``L_0`` is then bounded, ``g_1 = 0`` with many more positives than
        negatives has no finite starting margin (:meth:`initial_margin` says so).
        The numpy kernels whatever the backend. Refused with the softmax link.
    poly_epsilon : float >= -1, default=0.0
        Poly-1 focal loss (Leng et al., ICLR 2022, "PolyLoss"): every class term gains
        ``epsilon (1 - p_t)^{gamma + 1}``, so ``FL = a_y ((1 - p_t)^gamma (-log p_t) +
        epsilon (1 - p_t)^{gamma + 1})``; each link, both backends (the numpy kernels).
        ``epsilon >= -1`` is exactly the range where the loss decreases in ``p_t`` for every
        gamma, and there it is also strictly convex in ``p_t``, so the starting margin and
        the posterior map are unique (:func:`check_poly_epsilon` gives the proof); the rest is
        refused. Not combined with ``negative_shift``. 0 is the plain loss, to the bit.

    Notes
    -----
    ``FocalLoss(...)`` returns the class of its link (:class:`SigmoidFocalLoss`,
    :class:`SoftmaxFocalLoss`, :class:`MultilabelFocalLoss`, or :class:`OpenFocalLoss` for
    ``link=None``), all subclasses of :class:`FocalLoss`; build losses with ``FocalLoss(...)``.
    Immutable, hashable, picklable and comparable (equal when link, gamma,
    class weights and ``num_class`` are equal). :meth:`to_dict` /
    :meth:`from_dict` give the one record format both libraries store in their
    models.

    Examples
    --------
    >>> import numpy as np
    >>> from boostfocal import FocalLoss
    >>> loss = FocalLoss(gamma=2.0, alpha=0.25)
    >>> loss.class_weights().tolist()
    [0.75, 0.25]
    >>> g, h = loss.grad_hess(np.array([0, 1]), np.array([0.5, -0.5]), hess_floor="curvature")
    >>> bool(np.all(h > 0))
    True
    """

    __slots__ = ("_gamma", "_alpha", "_num_class", "_options")

    #: The link of this class (None: chosen from the margins, :class:`OpenFocalLoss`).
    link: ClassVar[Link | None] = None
    #: True for the multi-label link (one sigmoid per column).
    is_multilabel: ClassVar[bool] = False
    _by_link: ClassVar[dict[str | None, type[FocalLoss]]] = {}
    _loss_kernel: ClassVar[Callable[..., FloatArray]]
    _grad_hess_kernel: ClassVar[Callable[..., tuple[FloatArray, FloatArray]]]

    _gamma: float | FloatArray
    _alpha: float | FloatArray | None
    _num_class: int | None
    _options: Mapping[str, float]

    def __init_subclass__(cls, *, link: str | None = None, kernels: Kernels | None = None, **kwargs: Any) -> None:
        """Register a link's class: ``class SigmoidFocalLoss(FocalLoss, link="sigmoid", kernels=(loss, grad_hess))``."""
        super().__init_subclass__(**kwargs)
        cls.link = None if link is None else get_link(link)
        if kernels is not None:
            cls._loss_kernel, cls._grad_hess_kernel = staticmethod(kernels[0]), staticmethod(kernels[1])
        FocalLoss._by_link[link] = cls

    def __new__(
        cls,
        *,
        gamma: GammaLike = 2.0,
        alpha: MultilabelAlphaLike = None,
        link: str | None = "sigmoid",
        num_class: int | None = None,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
        poly_epsilon: float = 0.0,
    ) -> FocalLoss:
        if cls is FocalLoss:  # the factory: one class per link
            cls = FocalLoss._by_link[None if link is None else get_link(link).name]
        self = object.__new__(cls)
        given = {"label_smoothing": label_smoothing, "negative_shift": negative_shift, "poly_epsilon": poly_epsilon}
        options = {name: check(given[name]) for name, check in OPTIONS.items()}
        if options["poly_epsilon"] and options["negative_shift"]:
            raise ValueError(
                f"poly_epsilon and negative_shift cannot be combined (the Poly-1 term is defined for the unshifted "
                f"loss), got poly_epsilon={poly_epsilon!r} and negative_shift={negative_shift!r}"
            )
        num, a, g = cls._check_params(gamma, alpha, num_class, options)
        object.__setattr__(self, "_gamma", _frozen(g))
        object.__setattr__(self, "_alpha", _frozen(a))
        object.__setattr__(self, "_num_class", num)
        object.__setattr__(self, "_options", MappingProxyType(options))
        return self

    def __init__(self, **params: Any) -> None:  # everything is done (and validated) in __new__
        pass

    @classmethod
    def _check_params(cls, gamma: object, alpha: object, num_class: object, options: dict[str, float]) -> Checked:
        """``(num_class, class weights as stored, gamma)`` validated for this link (``options`` already checked)."""
        raise NotImplementedError  # pragma: no cover - every link class has its own

    # ------------------------------------------------------------------ immutability, equality, pickling
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FocalLoss is immutable; build a new one (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FocalLoss is immutable (cannot delete {name!r})")

    def _key(self) -> tuple[object, ...]:
        a = self._alpha
        g = self._gamma
        return (
            None if self.link is None else self.link.name,
            tuple(g.tolist()) if isinstance(g, np.ndarray) else g,
            (a.shape, tuple(a.ravel().tolist())) if isinstance(a, np.ndarray) else a,
            self._num_class,
            *self._options.values(),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FocalLoss):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[Callable[..., FocalLoss], tuple[dict[str, Any]]]:
        return FocalLoss.from_dict, (self.to_dict(),)

    def __repr__(self) -> str:
        parts = [f"gamma={self.gamma!r}", f"alpha={self.alpha!r}"]
        parts.append(f"link={None if self.link is None else self.link.name!r}")
        if self._num_class is not None:
            parts.append(f"num_class={self._num_class!r}")
        parts.extend(f"{name}={value!r}" for name, value in self._options.items() if value)
        return f"FocalLoss({', '.join(parts)})"

    # ------------------------------------------------------------------ description
    @property
    def gamma(self) -> float | list[float]:
        """The focusing parameter: one float, or one per class (sigmoid: ``[g_0, g_1]``)."""
        g = self._gamma
        return [float(v) for v in g] if isinstance(g, np.ndarray) else g

    def class_gamma(self) -> float | FloatArray:
        """``gamma`` as the kernels take it: a float, or the per-class vector (``gamma_t = gamma[y]``)."""
        return self._gamma

    @property
    def alpha(self) -> float | list[float] | list[list[float]] | None:
        """``alpha`` as it would be passed in again (sigmoid: the weight of class 1)."""
        a = self._alpha
        return [float(v) for v in a] if isinstance(a, np.ndarray) else a

    @property
    def label_smoothing(self) -> float:
        """The label-smoothing amount ``e`` in [0, 1) (0: hard labels)."""
        return self._options["label_smoothing"]

    @property
    def negative_shift(self) -> float:
        """The probability margin ``m`` in [0, 1) of the class-0 term (0: no shift)."""
        return self._options["negative_shift"]

    @property
    def poly_epsilon(self) -> float:
        """The Poly-1 coefficient ``epsilon >= -1`` (0: plain focal loss)."""
        return self._options["poly_epsilon"]

    @property
    def num_class(self) -> int | None:
        """K for a softmax (classes) or multi-label (labels) loss that knows it, else None."""
        return self._num_class

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """The per-class weight vector ``a`` (``alpha_t = a[y]``), or None when every class weighs 1."""
        raise NotImplementedError  # pragma: no cover - every link class has its own

    @property
    def options(self) -> dict[str, float]:
        """The family's options besides gamma and alpha (:data:`OPTIONS`), by name: what kernels and solvers take."""
        return dict(self._options)

    def with_link(self, link: str, num_class: int | None = None) -> FocalLoss:
        """The same loss with its link fixed (``num_class`` for softmax)."""
        return FocalLoss(gamma=self.gamma, alpha=self.alpha, link=link, num_class=num_class, **self._options)

    def binary_options(self) -> dict[str, Any]:
        """The options every element of a multi-label loss shares with the binary loss (not link / alpha / K)."""
        return {"gamma": self.gamma, **self._options}

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        """The concrete loss for a margin array (its shape checked): this one when the link is set.

        ``label_ndim``: the dimensions of the labels, when known (2: a multi-label
        indicator, which makes 2-D margins multi-label).

        Raises
        ------
        ValueError
            If the margins do not fit the link, or a per-class ``alpha`` meets 1-D margins.
        """
        raise NotImplementedError  # pragma: no cover - every link class has its own

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        """Validated labels: bool (sigmoid), integer indices in [0, K) (softmax) or an (n, K) bool indicator."""
        raise NotImplementedError  # pragma: no cover - every link class has its own

    # ------------------------------------------------------------------ validation of one call
    def prepare(self, y_true: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None) -> Prepared:
        """Validate one call: ``(concrete loss, labels, margins, sample weights, class weights)``."""
        z = np.asarray(margin)
        loss = self.for_margin(z, label_ndim=np.ndim(y_true))
        assert loss.link is not None
        k = None if z.ndim == 1 else int(z.shape[1])
        cw = loss.class_weights(k)
        y = loss.check_labels(y_true, k)
        z = loss.link.check_margin(z, y.shape[0])
        return loss, y, z, check_sample_weight(sample_weight, y.shape[0]), cw

    # ------------------------------------------------------------------ the loss and its derivatives
    def loss(self, y_true: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None) -> FloatArray:
        r"""Per-sample focal loss :math:`w\,a_y\,(1 - p_t)^\gamma (-\log p_t)`, shape (n_samples,), float64.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, K)
            Labels in {0, 1} (sigmoid), in [0, K) (softmax), or an indicator in {0, 1}
            (multilabel; the row's loss is the sum over its labels).
        margin : array-like of shape (n_samples,) or (n_samples, K)
            Raw margins, finite; float32 or float64.
        sample_weight : array-like of shape (n_samples,), optional
            Finite weights >= 0 (one per row).
        """
        loss, y, z, w, cw = self.prepare(y_true, margin, sample_weight)
        return loss.loss_prepared(y, z, w, cw)

    def loss_prepared(
        self, y: NDArray, z: NDArray[np.floating], w: FloatArray | None, cw: FloatArray | None
    ) -> FloatArray:
        """Per-sample loss of already validated input (the adapters' per-round path)."""
        return type(self)._loss_kernel(y, z, cw, w, self._terms())

    def mean(self, y_true: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        r"""Weighted mean loss :math:`\sum_i w_i FL_i / \sum_i w_i` (0.0 when every weight is 0)."""
        loss, y, z, w, cw = self.prepare(y_true, margin, sample_weight)
        return loss.mean_prepared(y, z, w, cw)

    def mean_prepared(self, y: NDArray, z: NDArray[np.floating], w: FloatArray | None, cw: FloatArray | None) -> float:
        """Weighted mean of already validated input."""
        total = float(self.loss_prepared(y, z, w, cw).sum())
        denom = float(y.shape[0]) if w is None else float(w.sum())
        return total / denom if denom > 0 else 0.0

    def grad_hess(
        self,
        y_true: ArrayLike,
        margin: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        hess_floor: HessFloor = None,
        hess_scale: float = 1.0,
        n_jobs: int | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        r"""Exact gradient and hessian diagonal of ``w FL`` with respect to the margins, then the hessian policy.

        In the signed margin (``q = 1 - p_t``, ``l = \log p_t``, ``a = a_y``):

        .. math::

            \frac{\partial FL}{\partial u} = a\,q^\gamma(\gamma\,p_t\,l - q), \qquad
            \frac{\partial^2 FL}{\partial u^2}
                = a\,q^\gamma p_t\bigl(q(1 + 2\gamma) + \gamma\,l\,(q - \gamma\,p_t)\bigr)

        (sigmoid: ``dz = s du``, ``s = 2y - 1``; softmax: the other classes follow
        from ``r_k = p_k / q``, see :func:`boostfocal.softmax_focal_grad_hess`).

        Parameters
        ----------
        y_true, margin, sample_weight
            As in :meth:`loss`.
        hess_floor : None, "curvature" or float, default=None
            None: the exact hessian (negative for badly misclassified rows when
            gamma > 0). ``"curvature"``: ``max(h, w a q^\gamma c_CE, 10^{-16} w)`` with
            the cross-entropy curvature ``c_CE`` (``p (1 - p)``, softmax ``p_k (1 - p_k)``),
            which leaves cross-entropy untouched (gamma = 0) wherever it does not underflow. A number f >= 0:
            ``max(h, f w)``.
        hess_scale : float, default=1.0
            Factor applied to the hessian (and to the curvature floor) before the
            absolute floor: the library's softmax factor (2 for XGBoost,
            ``K / (K - 1)`` for LightGBM).
        n_jobs : int or None
            Threads of the numba backend (None: numba's setting).

        Returns
        -------
        grad, hess : ndarray of the shape of ``margin``, float64
        """
        loss, y, z, w, cw = self.prepare(y_true, margin, sample_weight)
        if not isinstance(hess_scale, numbers.Real):
            raise ValueError(f"hess_scale must be a finite number > 0, got {hess_scale!r}")
        policy = HessPolicy.parse(hess_floor).scaled(float(hess_scale))
        return loss.grad_hess_prepared(y, z, w, cw, policy=policy, n_jobs=n_jobs)

    def grad_hess_prepared(
        self,
        y: NDArray,
        z: NDArray[np.floating],
        w: FloatArray | None,
        cw: FloatArray | None,
        *,
        policy: HessPolicy = EXACT,
        n_jobs: int | None = None,
        out_dtype: type = np.float64,
    ) -> tuple[FloatArray, FloatArray]:
        """Gradient / hessian (after ``policy``) of already validated input (the adapters' per-round path).

        ``out_dtype=np.float32`` (the adapters write the dtype their library consumes): float32
        arithmetic on the numba backend (within 1e-5 relative of float64), float64 rounded once
        on store on the numpy backend.
        """
        return type(self)._grad_hess_kernel(y, z, cw, w, self._terms(policy, out_dtype, n_jobs))

    def _terms(self, policy: HessPolicy = EXACT, out_dtype: type = np.float64, n_jobs: int | None = None) -> Terms:
        """The one value the kernels take: this loss's gamma and options, and the call's policy, dtype and threads."""
        o = self._options
        return Terms(
            self._gamma, o["label_smoothing"], o["negative_shift"], o["poly_epsilon"], policy, out_dtype, n_jobs
        )

    # ------------------------------------------------------------------ starting margin, probabilities, posterior
    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        r"""Constant margin minimising the weighted mean loss (the booster's starting point).

        Sigmoid: :math:`z^* = \arg\min_z W_1 FL(z, 1) + W_0 FL(z, 0)`, ``W_c`` the
        total weight (sample weight times ``a_c``) of class c (``log(W_1 / W_0)`` at
        gamma = 0). Softmax: the vector ``z*`` (mean 0) with ``W_c \phi'(\pi_c) = \mu``
        for every class, :math:`\phi(p) = -(1 - p)^\gamma \log p` (convex in p).
        Multi-label: the binary starting margin of each label's column, shape (K,).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        num_class : int, optional
            K for a softmax loss that does not know it (a loss without link: None
            means sigmoid).

        Returns
        -------
        float (sigmoid) or ndarray of shape (K,) (softmax, multilabel)

        Raises
        ------
        ValueError
            If a class has zero total weight: the minimiser is then infinite.
        """
        raise NotImplementedError  # pragma: no cover - every link class has its own

    def proba(self, margin: ArrayLike) -> FloatArray:
        r"""Probabilities from margins: :math:`\sigma(z)` (n,), :math:`\mathrm{softmax}(z)` (n, K) or (multilabel)
        :math:`\sigma(z)` elementwise (n, K)."""
        z = np.asarray(margin)
        loss = self.for_margin(z)
        assert loss.link is not None
        return loss.link.inverse(loss.link.check_margin(z))

    def posterior(self, proba: ArrayLike) -> FloatArray:
        r"""Posterior estimates from this loss's probabilities (:func:`boostfocal.focal_to_posterior`).

        Sigmoid, ``p`` the probability of class 1:
        :math:`\eta = a_0|\phi'(1-p)| / (a_0|\phi'(1-p)| + a_1|\phi'(p)|)`; softmax:
        :math:`\eta_c \propto 1 / (a_c|\phi'(p_c)|)`. With ``label_smoothing`` the formula gives
        the smoothed target, un-smoothed and clipped; with ``negative_shift = m`` the class-0
        term is taken at ``p_m = p - m`` and ``p <= m`` maps to 0 (:mod:`boostfocal._solvers`).
        """
        p = np.asarray(proba)
        return self.for_margin(p, "proba")._posterior(p)

    def _posterior(self, p: NDArray) -> FloatArray:
        raise NotImplementedError  # pragma: no cover - every link class has its own

    # ------------------------------------------------------------------ records
    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable record of this loss (what both libraries store in their models).

        ``{"loss": "focal", "format": 1, "link": ..., "gamma": ..., "alpha": ...,
        "class_weights": ..., "num_class": ...}``; ``class_weights`` is derived
        (the vector the kernels use) and ignored by :meth:`from_dict`.
        """
        options = dict(self._options)
        poly = options.pop("poly_epsilon")
        record = {
            "loss": "focal",
            "format": _RECORD_FORMAT_POLY if poly else _RECORD_FORMAT,
            "link": None if self.link is None else self.link.name,
            "gamma": self.gamma,
            "alpha": self.alpha,
            "class_weights": self._record_class_weights(),
            "num_class": self._num_class,
            **options,
        }
        if poly:  # only then: the records of plain losses stay those of boostfocal 0.2, to the byte
            record["poly_epsilon"] = poly
        return record

    def _record_class_weights(self) -> list[Any] | None:
        a = self._alpha
        if isinstance(a, np.ndarray):
            return a.tolist()
        if a is not None and self._num_class is not None:
            return [float(v) for v in np.full(self._num_class, a)]
        return None

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> FocalLoss:
        """Rebuild a loss from :meth:`to_dict` (extra keys of a model record are ignored).

        Also reads the records of boostfocal 0.1 (``{"objective": "focal", "num_class": 1, ...}``
        from LightGBM models, ``{"loss": "focal", "classes": [...], ...}`` from the estimators).
        """
        if not isinstance(record, Mapping):
            raise TypeError(f"record must be a mapping, got {type(record).__name__}")
        kind = record.get("loss", record.get("objective"))
        if kind != "focal":
            raise ValueError(f"not a focal-loss record: 'loss' is {kind!r}")
        if "format" in record:
            if record["format"] not in (_RECORD_FORMAT, _RECORD_FORMAT_POLY):
                raise ValueError(f"unknown focal-loss record format {record['format']!r}")
            return FocalLoss(
                gamma=record["gamma"],
                alpha=record.get("alpha"),
                link=record.get("link"),
                num_class=record.get("num_class"),
                **{name: record[name] for name in OPTIONS if name in record},
            )
        # 0.1 records: the number of classes says the link
        k = record.get("num_class")
        if k is None and "classes" in record:
            k = len(record["classes"])
        if k is None or int(k) <= 2:
            return FocalLoss(gamma=record["gamma"], alpha=record.get("alpha"), link="sigmoid")
        return FocalLoss(gamma=record["gamma"], alpha=record.get("alpha"), link="softmax", num_class=int(k))
