r"""``FocalLoss``: one immutable description of a focal loss, consumed by every layer.

Adapters, metrics, estimators, calibration and the records stored in saved
models all hold a :class:`FocalLoss` (composition, as scikit-learn's estimators
hold a loss object) instead of passing ``gamma`` / ``alpha`` along and guessing
the link. A loss is its link (:mod:`boostfocal._link`), its focusing parameter
``gamma`` and its class weights, kept as one per-class vector (a binary scalar
``alpha`` becomes ``[1 - alpha, alpha]``), so that kernels, starting margin,
calibration and records use one rule.

The loss
--------
With the signed margin ``u`` of the true class (``p_t = \sigma(u)``, see the
link module) and ``a_y`` the weight of the row's class:

.. math::

    FL(z, y) = -w\,a_y\,(1 - p_t)^\gamma \log p_t

Reference: T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollar, "Focal Loss for
Dense Object Detection", ICCV 2017.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _kernels
from ._link import Link, get_link, link_for_margin
from ._policy import HessPolicy
from ._validation import (
    check_binary_alpha,
    check_binary_labels,
    check_class_gamma,
    check_hess_policy,
    check_label_smoothing,
    check_multilabel_alpha,
    check_multilabel_labels,
    check_negative_shift,
    check_num_class,
    check_num_labels,
    check_sample_weight,
    check_softmax_alpha,
    check_softmax_labels,
)

__all__ = ["FocalLoss", "HessFloor", "CURVATURE_FLOOR", "DEFAULT_HESS_FLOOR"]

FloatArray = NDArray[np.float64]
AlphaLike = float | Sequence[float] | NDArray[np.floating] | None
GammaLike = float | Sequence[float] | NDArray[np.floating]
#: Multi-label ``alpha``: a number, per-label positive weights, or (K, 2) ``[negative, positive]`` rows.
MultilabelAlphaLike = float | Sequence[float] | Sequence[Sequence[float]] | NDArray[np.floating] | None
#: A hessian policy: None (exact), ``"curvature"`` or an absolute floor per unit of weight.
HessFloor = float | str | None

#: The objectives' default hessian policy: ``max(h, w a_t (1 - p_t)^gamma c_CE)``, the exact
#: focal hessian raised to the cross-entropy curvature weighted by the row's focal weight
#: (see :mod:`boostfocal._kernels`). Cross-entropy curvature is never changed by it.
CURVATURE_FLOOR = "curvature"

#: Absolute floor of :func:`boostfocal.clip_hessian` (and the objectives' policy before 0.2):
#: ``max(h, 1e-6 * w)``.
DEFAULT_HESS_FLOOR: float = 1e-6

_RECORD_FORMAT = 1

# Kernels per link name: (per-row loss, grad / hess). A new link is one entry here.
_LossKernel = Callable[..., FloatArray]
_GradKernel = Callable[..., tuple[FloatArray, FloatArray]]
#: The kernels' hessian policy of ``grad_hess_prepared``'s ``curvature_floor`` flag (the lead rewrites this caller).
_CURVATURE_OF_FLAG: dict[bool | str, Any] = {False: "none", True: "cross_entropy", "abs_residual": "abs_residual"}

_KERNELS: dict[str, tuple[_LossKernel, _GradKernel]] = {
    "sigmoid": (_kernels.binary_loss, _kernels.binary_grad_hess),
    "softmax": (_kernels.softmax_loss, _kernels.softmax_grad_hess),
    "multilabel": (_kernels.multilabel_loss, _kernels.multilabel_grad_hess),
}


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

    Notes
    -----
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

    __slots__ = ("_gamma", "_alpha", "_link", "_num_class", "_smoothing", "_shift")

    _gamma: float | FloatArray
    _alpha: float | FloatArray | None
    _link: Link | None
    _num_class: int | None
    _smoothing: float
    _shift: float

    def __init__(
        self,
        *,
        gamma: GammaLike = 2.0,
        alpha: MultilabelAlphaLike = None,
        link: str | None = "sigmoid",
        num_class: int | None = None,
        label_smoothing: float = 0.0,
        negative_shift: float = 0.0,
    ) -> None:
        link_obj = None if link is None else get_link(link)
        shift = check_negative_shift(negative_shift)
        if shift and link_obj is not None and link_obj.name == "softmax":
            raise ValueError(
                f"negative_shift is an option of the sigmoid link (binary and multi-label), got "
                f"negative_shift={negative_shift!r} with link='softmax'"
            )
        a: float | FloatArray | None
        if link_obj is not None and link_obj.name == "multilabel":
            k = check_num_labels(num_class)
            a = check_multilabel_alpha(alpha, k)
            g = check_class_gamma(gamma, 2)  # a [g_0, g_1] pair shared by every label
        else:
            k, a, g = self._check_class_params(link_obj, num_class, alpha, gamma)
        for value in (a, g):
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        object.__setattr__(self, "_gamma", g)
        object.__setattr__(self, "_alpha", a)
        object.__setattr__(self, "_link", link_obj)
        object.__setattr__(self, "_num_class", k)
        object.__setattr__(self, "_smoothing", check_label_smoothing(label_smoothing))
        object.__setattr__(self, "_shift", shift)

    @staticmethod
    def _check_class_params(
        link_obj: Link | None, num_class: int | None, alpha: object, gamma: object
    ) -> tuple[int | None, float | FloatArray | None, float | FloatArray]:
        """``(num_class, class weights, gamma)`` validated for the sigmoid / softmax / open link."""
        k = check_num_class(num_class)
        if link_obj is not None and link_obj.name == "sigmoid" and k is not None and k != 2:
            raise ValueError(f"num_class must be None or 2 for the sigmoid link, got {num_class!r}")
        if link_obj is not None and link_obj.name == "sigmoid":
            k = None
        sigmoid = link_obj is not None and link_obj.name == "sigmoid"
        a: float | FloatArray | None
        if link_obj is not None and link_obj.name == "softmax":
            a = check_softmax_alpha(alpha, k)
        elif not _is_scalar(alpha):
            # a sequence: per-class weights (sigmoid: [a_0, a_1]; no link: checked once K is known)
            a = check_softmax_alpha(alpha, 2 if sigmoid else k)
        else:
            a = check_binary_alpha(alpha)
        if sigmoid and a is not None and not isinstance(a, np.ndarray):
            a = np.array([1.0 - float(a), float(a)])
        return k, a, check_class_gamma(gamma, 2 if sigmoid else k)

    # ------------------------------------------------------------------ immutability, equality, pickling
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FocalLoss is immutable; build a new one (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FocalLoss is immutable (cannot delete {name!r})")

    def _key(self) -> tuple[object, ...]:
        a = self._alpha
        g = self._gamma
        return (
            None if self._link is None else self._link.name,
            tuple(g.tolist()) if isinstance(g, np.ndarray) else g,
            (a.shape, tuple(a.ravel().tolist())) if isinstance(a, np.ndarray) else a,
            self._num_class,
            self._smoothing,
            self._shift,
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
        parts.append(f"link={None if self._link is None else self._link.name!r}")
        if self._num_class is not None:
            parts.append(f"num_class={self._num_class!r}")
        if self._smoothing:
            parts.append(f"label_smoothing={self._smoothing!r}")
        if self._shift:
            parts.append(f"negative_shift={self._shift!r}")
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
        """``alpha`` as it would be passed in again (sigmoid: the weight of class 1).

        Multi-label: the shared positive weight (a float), the per-label positive
        weights (a list) when every label's negatives weigh ``1 - a_1``, else the
        ``[[a_0, a_1], ...]`` rows.
        """
        a = self._alpha
        if self.is_multilabel and isinstance(a, np.ndarray):
            if a.ndim == 1:
                return float(a[1])
            if np.all(a[:, 0] == 1.0 - a[:, 1]):  # exactly the form [1 - a, a]: round trips to the bit
                return [float(v) for v in a[:, 1]]
            return [[float(v) for v in row] for row in a]
        if isinstance(a, np.ndarray):
            if self._link is not None and self._link.name == "sigmoid" and a[0] + a[1] == 1.0:
                return float(a[1])  # the scalar form [1 - alpha, alpha]
            return [float(v) for v in a]
        return a

    @property
    def link(self) -> Link | None:
        """The link, or None when it is chosen from the margins."""
        return self._link

    @property
    def is_multilabel(self) -> bool:
        """True for the multi-label link (one sigmoid per column)."""
        return self._link is not None and self._link.name == "multilabel"

    @property
    def label_smoothing(self) -> float:
        """The label-smoothing amount ``e`` in [0, 1) (0: hard labels)."""
        return self._smoothing

    @property
    def negative_shift(self) -> float:
        """The probability margin ``m`` in [0, 1) of the class-0 term (0: no shift)."""
        return self._shift

    @property
    def num_class(self) -> int | None:
        """K for a softmax (classes) or multi-label (labels) loss that knows it, else None."""
        return self._num_class

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """The per-class weight vector ``a`` (``alpha_t = a[y]``), or None when every class weighs 1.

        Sigmoid: ``[1 - alpha, alpha]``; softmax: the K weights (a scalar ``alpha``
        repeated ``n_classes`` times). ``n_classes`` is needed for a softmax scalar
        and is checked against a sequence. Multi-label: the (K, 2) array of
        ``[a_0, a_1]`` per label (``n_classes`` labels; a shared weight without a
        known K: its (2,) pair).
        """
        a = self._alpha
        if a is None:
            return None
        if self.is_multilabel:
            assert isinstance(a, np.ndarray)
            k = n_classes if n_classes is not None else self._num_class
            if a.ndim == 1:  # one [1 - alpha, alpha] for every label
                return a.copy() if k is None else np.tile(a, (k, 1))
            if k is not None and a.shape[0] != k:
                raise ValueError(
                    f"alpha must have one entry per label: {k} labels expected, got {a.shape[0]} ({self.alpha!r})"
                )
            return a
        if isinstance(a, np.ndarray):
            if n_classes is not None and a.shape[0] != n_classes:
                raise ValueError(
                    f"alpha must have one weight per class: length {n_classes} expected, got length {a.shape[0]} "
                    f"({a.tolist()!r})"
                )
            return a
        if n_classes is None:
            if self._link is None:  # no link given: a scalar alpha is the binary weight of class 1
                return np.array([1.0 - a, a])
            raise ValueError("a softmax loss with a scalar alpha needs the number of classes")
        return np.full(n_classes, a)

    def with_link(self, link: str, num_class: int | None = None) -> FocalLoss:
        """The same loss with its link fixed (``num_class`` for softmax)."""
        return FocalLoss(
            gamma=self.gamma,
            alpha=self.alpha,
            label_smoothing=self._smoothing,
            negative_shift=self._shift,
            link=link,
            num_class=num_class,
        )

    def binary_options(self) -> dict[str, Any]:
        """The options every element of a multi-label loss shares with the binary loss (not link / alpha / K)."""
        return {"gamma": self.gamma, "label_smoothing": self._smoothing, "negative_shift": self._shift}

    def label_loss(self, label: int) -> FocalLoss:
        """The binary (sigmoid) loss of one label of a multi-label loss: its ``[a_0, a_1]`` and every shared option."""
        if not self.is_multilabel:
            raise ValueError(f"label_loss is for a multi-label loss, got link {self._link!r}")
        cw = self.class_weights()
        alpha = None if cw is None else (cw if cw.ndim == 1 else cw[label]).tolist()
        return FocalLoss(link="sigmoid", alpha=alpha, **self.binary_options())

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        """The concrete loss for a margin array: this one when the link is set, else the one its shape implies.

        ``label_ndim``: the dimensions of the labels, when known (2: a multi-label
        indicator, which makes 2-D margins multi-label).

        Raises
        ------
        ValueError
            If the margins do not fit the link, or a per-class ``alpha`` meets 1-D margins.
        """
        if self._link is not None:
            self._link.check_shape(margin)
            if self._link.name == "multilabel":
                k = int(margin.shape[1])
                if self._num_class is None:
                    return FocalLoss(alpha=self.alpha, link="multilabel", num_class=k, **self.binary_options())
                if self._num_class != k:
                    raise ValueError(f"{scores} have {k} columns but the loss has num_class={self._num_class} labels")
                return self
            if self._link.name != "softmax":
                return self
            k = int(margin.shape[1])
            if self._num_class is None:
                return self.with_link("softmax", k)
            if self._num_class != k:
                raise ValueError(f"{scores} have {k} columns but the loss has num_class={self._num_class}")
            return self
        link = link_for_margin(margin, scores, label_ndim)
        if link.name == "multilabel":
            return FocalLoss(
                alpha=self.alpha, link="multilabel", num_class=int(margin.shape[1]), **self.binary_options()
            )
        if link.name == "sigmoid":
            for name, value in (("alpha", self._alpha), ("gamma", self._gamma)):
                if isinstance(value, np.ndarray) and value.shape[0] != 2:
                    raise ValueError(
                        f"{name} has {value.shape[0]} per-class values but the {scores} are 1-D (binary focal "
                        f"loss: 2 classes); set num_class for softmax, got {name}={value.tolist()!r}"
                    )
            return self.with_link("sigmoid")
        if self._shift:
            raise ValueError(
                f"negative_shift is an option of the sigmoid link, but the {scores} have shape {margin.shape} "
                f"(softmax); got negative_shift={self._shift!r}"
            )
        return self.with_link("softmax", int(margin.shape[1]))

    # ------------------------------------------------------------------ validation of one call
    def _concrete(self, margin: ArrayLike, label_ndim: int | None = None) -> tuple[FocalLoss, NDArray[np.floating]]:
        z = np.asarray(margin)
        loss = self.for_margin(z, label_ndim=label_ndim) if self._link is None else self
        assert loss._link is not None
        return loss, z

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        """Validated labels: bool (sigmoid), integer indices in [0, K) (softmax) or an (n, K) bool indicator."""
        if self.is_multilabel:
            return check_multilabel_labels(y_true, n_classes if n_classes is not None else self._num_class)
        if self._link is None or self._link.name == "sigmoid":
            return check_binary_labels(y_true)
        k = n_classes if n_classes is not None else self._num_class
        if k is None:
            raise ValueError("softmax labels need the number of classes")
        return check_softmax_labels(y_true, k)

    def prepare(
        self, y_true: ArrayLike, margin: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> tuple[FocalLoss, NDArray, NDArray[np.floating], FloatArray | None, FloatArray | None]:
        """Validate one call: ``(concrete loss, labels, margins, sample weights, class weights)``."""
        label_ndim = np.ndim(y_true) if self._link is None else None
        loss, z = self._concrete(margin, label_ndim)
        link = loss._link
        assert link is not None
        if link.name == "multilabel":
            link.check_shape(z)
            n_labels = int(z.shape[1])
            if loss._num_class is not None and loss._num_class != n_labels:
                raise ValueError(f"margin has {n_labels} columns but the loss has num_class={loss._num_class} labels")
            cw = loss.class_weights(n_labels)
            y: NDArray = check_multilabel_labels(y_true, n_labels)
            z = link.check_margin(z, y.shape[0])
        elif link.name == "softmax":
            link.check_shape(z)
            n_classes = int(z.shape[1])
            if loss._num_class is not None and loss._num_class != n_classes:
                raise ValueError(f"margin has {n_classes} columns but the loss has num_class={loss._num_class}")
            cw = loss.class_weights(n_classes)
            y = check_softmax_labels(y_true, n_classes)
            z = link.check_margin(z, y.shape[0])
        else:
            cw = loss.class_weights()
            y = check_binary_labels(y_true)
            z = link.check_margin(z, y.shape[0])
        w = check_sample_weight(sample_weight, y.shape[0])
        return loss, y, z, w, cw

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
        assert self._link is not None
        return _KERNELS[self._link.name][0](y, z, self._gamma, cw, w, self._smoothing, self._shift)

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
        floor, curvature = check_hess_policy(hess_floor, allow_none=True)
        if not (isinstance(hess_scale, numbers.Real) and np.isfinite(hess_scale) and hess_scale > 0):
            raise ValueError(f"hess_scale must be a finite number > 0, got {hess_scale!r}")
        return loss.grad_hess_prepared(
            y, z, w, cw, hess_floor=floor, curvature_floor=curvature, hess_scale=float(hess_scale), n_jobs=n_jobs
        )

    def grad_hess_prepared(
        self,
        y: NDArray,
        z: NDArray[np.floating],
        w: FloatArray | None,
        cw: FloatArray | None,
        *,
        hess_floor: float | None,
        curvature_floor: bool | str,
        hess_scale: float = 1.0,
        n_jobs: int | None = None,
        out_dtype: type = np.float64,
    ) -> tuple[FloatArray, FloatArray]:
        """Gradient / floored hessian of already validated input (the adapters' per-round path).

        ``out_dtype=np.float32`` (the adapters write the dtype their library consumes): float32
        arithmetic on the numba backend (within 1e-5 relative of float64), float64 rounded once
        on store on the numpy backend.
        """
        assert self._link is not None
        return _KERNELS[self._link.name][1](
            y,
            z,
            self._gamma,
            cw,
            w,
            policy=HessPolicy(curvature=_CURVATURE_OF_FLAG[curvature_floor], floor=hess_floor, scale=hess_scale),
            n_threads=n_jobs,
            label_smoothing=self._smoothing,
            negative_shift=self._shift,
            out_dtype=out_dtype,
        )

    # ------------------------------------------------------------------ starting margin
    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        r"""Constant margin minimising the weighted mean loss (the booster's starting point).

        Sigmoid: :math:`z^* = \arg\min_z W_1 FL(z, 1) + W_0 FL(z, 0)`, ``W_c`` the
        total weight (sample weight times ``a_c``) of class c (``log(W_1 / W_0)`` at
        gamma = 0). Softmax: the vector ``z*`` (mean 0) with ``W_c \phi'(\pi_c) = \mu``
        for every class, :math:`\phi(p) = -(1 - p)^\gamma \log p` (convex in p).

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        num_class : int, optional
            K for a softmax loss that does not know it (a loss without link: None
            means sigmoid).

        Multi-label: the binary starting margin of each label's column, shape (K,).

        Returns
        -------
        float (sigmoid) or ndarray of shape (K,) (softmax, multilabel)

        Raises
        ------
        ValueError
            If a class has zero total weight: the minimiser is then infinite.
        """
        if self.is_multilabel:
            if num_class is not None and check_num_labels(num_class) != self._num_class and self._num_class is not None:
                raise ValueError(f"num_class={num_class!r} but the loss has num_class={self._num_class} labels")
            y_ml = check_multilabel_labels(y_true, self._num_class)
            w_ml = check_sample_weight(sample_weight, y_ml.shape[0])
            concrete = self if self._num_class is not None else self.for_margin(np.zeros((1, y_ml.shape[1])))
            out = np.empty(y_ml.shape[1])
            for j in range(y_ml.shape[1]):
                try:
                    out[j] = concrete.label_loss(j).initial_margin(y_ml[:, j], w_ml)
                except ValueError as exc:
                    raise ValueError(f"label {j}: {exc}") from None
            return out
        k = check_num_class(num_class) if num_class is not None else self._num_class
        if self._link is None:
            concrete = self.with_link("sigmoid") if k is None else self.with_link("softmax", k)
            return concrete.initial_margin(y_true, sample_weight)
        if self._link.name == "sigmoid":
            if k is not None:
                raise ValueError(f"num_class={k} was given for a sigmoid (binary) loss")
            cw = self.class_weights()
            pos = check_binary_labels(y_true)
            w = check_sample_weight(sample_weight, pos.shape[0])
            w_arr = np.ones(pos.shape[0]) if w is None else w
            n1, n0 = float(np.sum(w_arr[pos])), float(np.sum(w_arr[~pos]))
            e = self._smoothing  # smoothed targets: the weight each class's loss term receives
            s1, s0 = n1 * (1.0 - e / 2) + n0 * e / 2, n0 * (1.0 - e / 2) + n1 * e / 2
            w1 = s1 * (1.0 if cw is None else float(cw[1]))
            w0 = s0 * (1.0 if cw is None else float(cw[0]))
            if w1 <= 0 or w0 <= 0:
                raise ValueError(
                    "initial_margin needs both classes with positive total weight (sample_weight x alpha_t), "
                    f"got weight {w0!r} for class 0 and {w1!r} for class 1: the minimising margin is infinite"
                )
            total = w0 + w1  # the minimiser depends on the class weights only through their ratio
            return _kernels.binary_initial_margin((w0 / total, w1 / total), self._gamma, self._shift)
        if k is None:
            raise ValueError("initial_margin of a softmax loss needs num_class")
        cwk = self.class_weights(k)
        y = check_softmax_labels(y_true, k)
        w = check_sample_weight(sample_weight, y.shape[0])
        class_weight = np.bincount(y, weights=w, minlength=k).astype(np.float64)
        if self._smoothing:  # t_k = (1 - e) [k = y] + e / K: class k's term gets (1 - e) W_k + e W / K
            class_weight = (1.0 - self._smoothing) * class_weight + self._smoothing * class_weight.sum() / k
        if cwk is not None:
            class_weight *= cwk
        if np.any(class_weight <= 0):
            c = int(np.flatnonzero(class_weight <= 0)[0])
            raise ValueError(
                f"initial_margin needs every class with positive total weight (sample_weight x alpha), "
                f"class {c} has total weight {float(class_weight[c])!r}: the minimising margin is infinite"
            )
        return _kernels.softmax_initial_margin(class_weight / class_weight.sum(), self._gamma)

    # ------------------------------------------------------------------ probabilities
    def proba(self, margin: ArrayLike) -> FloatArray:
        r"""Probabilities from margins: :math:`\sigma(z)` (n,), :math:`\mathrm{softmax}(z)` (n, K) or (multilabel)
        :math:`\sigma(z)` elementwise (n, K)."""
        loss, z = self._concrete(margin)
        assert loss._link is not None
        return loss._link.inverse(loss._link.check_margin(z))

    def posterior(self, proba: ArrayLike) -> FloatArray:
        r"""Posterior estimates from this loss's probabilities (:func:`boostfocal.focal_to_posterior`).

        Sigmoid, ``p`` the probability of class 1:
        :math:`\eta = a_0|\phi'(1-p)| / (a_0|\phi'(1-p)| + a_1|\phi'(p)|)`; softmax:
        :math:`\eta_c \propto 1 / (a_c|\phi'(p_c)|)`. With ``label_smoothing`` the formula gives
        the smoothed target, un-smoothed and clipped; with ``negative_shift = m`` the class-0
        term is taken at ``p_m = p - m`` and ``p <= m`` maps to 0
        (:func:`boostfocal.calibration.posterior_from_weights`).
        """
        from .calibration import posterior_from_weights

        p = np.asarray(proba)
        if self.is_multilabel:  # every label's binary posterior, from its own column
            ml = self.for_margin(p, "proba")
            cols = [ml.label_loss(j).posterior(p[:, j]) for j in range(p.shape[1])]
            return np.column_stack(cols) if cols else np.empty(p.shape)
        loss = self.for_margin(p, "proba")  # the same shapes as the margins
        assert loss.link is not None
        eta = posterior_from_weights(p, self._gamma, loss.class_weights(loss.num_class), self._shift)
        e = self._smoothing
        if not e:
            return eta
        # eta is the smoothed target (1 - e) eta + e / K (binary K = 2): un-smooth and clip to [0, 1]
        if loss.link.name == "sigmoid":
            return np.clip((eta - e / 2) / (1.0 - e), 0.0, 1.0)
        out = np.clip((eta - e / eta.shape[1]) / (1.0 - e), 0.0, 1.0)
        return out / out.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------------ records
    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable record of this loss (what both libraries store in their models).

        ``{"loss": "focal", "format": 1, "link": ..., "gamma": ..., "alpha": ...,
        "class_weights": ..., "num_class": ...}``; ``class_weights`` is derived
        (the vector the kernels use) and ignored by :meth:`from_dict`.
        """
        if self.is_multilabel:
            cw_ml = self.class_weights()
            return {
                "loss": "focal",
                "format": _RECORD_FORMAT,
                "link": "multilabel",
                "gamma": self.gamma,
                "alpha": self.alpha,
                "class_weights": None if cw_ml is None else cw_ml.tolist(),
                "num_class": self._num_class,
                "label_smoothing": self._smoothing,
                "negative_shift": self._shift,
            }
        cw = self._alpha if isinstance(self._alpha, np.ndarray) else None
        if cw is None and self._alpha is not None and self._num_class is not None:
            cw = np.full(self._num_class, self._alpha)
        return {
            "loss": "focal",
            "format": _RECORD_FORMAT,
            "link": None if self._link is None else self._link.name,
            "gamma": self.gamma,
            "alpha": self.alpha,
            "class_weights": None if cw is None else [float(v) for v in cw],
            "num_class": self._num_class,
            "label_smoothing": self._smoothing,
            "negative_shift": self._shift,
        }

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
            if record["format"] != _RECORD_FORMAT:
                raise ValueError(f"unknown focal-loss record format {record['format']!r}")
            return cls(
                gamma=record["gamma"],
                alpha=record.get("alpha"),
                link=record.get("link"),
                num_class=record.get("num_class"),
                label_smoothing=record.get("label_smoothing", 0.0),
                negative_shift=record.get("negative_shift", 0.0),
            )
        # 0.1 records: the number of classes says the link
        k = record.get("num_class")
        if k is None and "classes" in record:
            k = len(record["classes"])
        if k is None or int(k) <= 2:
            return cls(gamma=record["gamma"], alpha=record.get("alpha"), link="sigmoid")
        return cls(gamma=record["gamma"], alpha=record.get("alpha"), link="softmax", num_class=int(k))


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool))
